"""Q1 (helpers.questions) and Q2 (helpers.acquisition) on small hand-built ledgers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import q1_which_pay as questions
from helpers import q2_attract as acquisition
from helpers.config import defaults
from helpers.report.workspace import Workspace
from helpers.schema import UNATTRIBUTED

TIERS = ["micro", "small", "medium", "large"]
START, END = pd.Timestamp("2023-01-01"), pd.Timestamp("2025-12-31")


@pytest.fixture(scope="module")
def config() -> dict:
    cfg = defaults()
    cfg["name"] = "test"
    return cfg


def make_ledger(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """A ledger where clients ordering big baskets through distributors are profitable."""
    rng = np.random.default_rng(seed)
    tier = rng.choice(TIERS, n, p=[0.5, 0.3, 0.15, 0.05])
    channel = rng.choice(["online", "distributor", "referral"], n)
    orders = rng.integers(1, 30, n)
    aov = rng.lognormal(5.5, 0.6, n) * np.where(channel == "distributor", 1.5, 1.0)
    net = orders * aov
    gm = 0.3 * net
    cts_orders = 45.0 * orders
    profit = gm - cts_orders
    signup = pd.Series(START + pd.to_timedelta(rng.integers(-2000, 900, n), unit="D"))
    gap = pd.Series(pd.to_timedelta(rng.integers(30, 700, n), unit="D"))
    dead = rng.random(n) < 0.15
    closed = (signup + gap).clip(upper=END).where(dead)
    first = signup.where(signup > START, START)
    led = pd.DataFrame(
        {
            "customer_id": [f"C{i:04d}" for i in range(n)],
            "name": [f"Firm {i}" for i in range(n)],
            "size_tier": pd.Categorical(tier, categories=TIERS, ordered=True),
            "employees": np.nan,
            "industry": rng.choice(["retail", "construction"], n),
            "region": rng.choice(["north", "south"], n),
            "acquisition_channel": channel,
            "signup_date": signup,
            "closed_date": closed,
            "key_account": False,
            "payment_terms_days": 30.0,
            "list_revenue": net * 1.05,
            "discounts": net * 0.05,
            "rebates": 0.0,
            "net_revenue": net,
            "cogs": net - gm,
            "gross_margin": gm,
            "cost_to_serve": cts_orders,
            "profit": profit,
            "orders": orders,
            "lines": orders * 2,
            "units": orders * 5.0,
            "returns": rng.integers(0, 3, n),
            "return_revenue": 0.0,
            "first_order": first,
            "last_order": closed.fillna(END).clip(lower=first),
            "cts_order_processing": cts_orders,
            "drv_order_processing": orders.astype(float),
        }
    )
    led["margin_pct"] = led["profit"] / led["net_revenue"]
    unattributed = led.iloc[[0]].assign(
        customer_id=UNATTRIBUTED, name=pd.NA, size_tier=np.nan, profit=-5000.0
    )
    return pd.concat([led, unattributed], ignore_index=True)


@pytest.fixture(scope="module")
def ledger() -> pd.DataFrame:
    return make_ledger()


# ---- Q1 ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("profit", "revenue", "expected"),
    [(10.0, 100.0, "profitable"), (1.0, 100.0, "break-even"), (-1.5, 100.0, "break-even"),
     (-3.0, 100.0, "loss-making"), (-1.0, 0.0, "loss-making"), (0.0, 0.0, "break-even")],
    ids=["profit", "small-profit", "small-loss", "loss", "no-revenue-loss", "nothing"],
)  # fmt: skip
def test_profit_classes_use_the_band(config, profit, revenue, expected) -> None:
    frame = pd.DataFrame({"profit": [profit], "net_revenue": [revenue]})
    assert questions.profit_classes(frame, config).iloc[0] == expected


def test_class_shares_count_only_small_attributed_clients(ledger, config) -> None:
    res = questions.class_shares(ledger, config)
    small = ledger["size_tier"].isin(["micro", "small"]) & (ledger["customer_id"] != UNATTRIBUTED)
    t = res.table.set_index("group")
    assert res.metrics["small_clients"] == small.sum()
    assert t.loc[list(questions.CLASSES), "customers"].sum() == small.sum()
    assert t.loc["worth nothing", "customers"] == (
        t.loc["loss-making", "customers"] + t.loc["break-even", "customers"]
    )
    assert (t["ci_low"] <= t["share"]).all() and (t["share"] <= t["ci_high"]).all()
    m = res.metrics
    assert m["small_profitable_share"] + m["small_worth_nothing_share"] == pytest.approx(1.0)
    assert any("claimed 40%" in f for f in res.findings)


def test_segments_cover_every_small_client_and_flag_small_segments(ledger, config) -> None:
    cfg = {**config, "questions": {**config["questions"], "min_segment_size": 150}}
    res = questions.segment_profitability(ledger, cfg)
    n_small = questions.class_shares(ledger, cfg).metrics["small_clients"]
    per_dim = res.table.groupby("dimension")["customers"].sum()
    assert (per_dim == n_small).all()
    small_seg = res.table["customers"] < 150
    assert (res.table.loc[small_seg, "judgement"] == questions.TOO_SMALL).all()
    assert (res.table.loc[~small_seg, "judgement"] == "").all()
    # the order channel is unknown without order lines: said so, not invented
    assert "order_channel" not in set(res.table["dimension"])
    assert any("order channel" in f for f in res.findings)


def test_model_beats_the_majority_baseline_and_states_rules(ledger, config) -> None:
    res = questions.fit_profile_model(ledger, config)
    m = res.metrics
    assert m["model_test_accuracy"] > m["model_baseline_accuracy"]
    assert 0 <= m["model_cv_accuracy"] <= 1
    assert res.table["test_customers"].sum() == m["model_test_customers"]
    assert (
        res.table["customers"].sum()
        == questions.class_shares(ledger, config).metrics["small_clients"]
    )
    assert "avg_order_value" in m["model_top_features"]
    assert any("per order" in s and "of the time (n=" in s for s in res.table["sentence"])


def test_model_declines_with_a_single_class(ledger, config) -> None:
    rich = ledger.assign(profit=ledger["net_revenue"])
    res = questions.fit_profile_model(rich, config)
    assert not res.available and "no model" in res.message
    assert questions.action_list(rich, config, res).empty


def test_action_list_holds_active_unproven_lookalikes(ledger, config) -> None:
    model = questions.fit_profile_model(ledger, config)
    actions = questions.action_list(ledger, config, model)
    assert len(actions) > 0
    assert actions["rank"].tolist() == list(range(1, len(actions) + 1))
    assert set(actions["size_tier"]) <= {"micro", "small"}
    assert (actions["probability_profitable"] >= 0.6).all()
    closed = ledger.set_index("customer_id")["closed_date"]
    assert closed.loc[actions["customer_id"]].isna().all()
    grown = (actions["status"] == "profitable") & (actions["annual_revenue_gap"] == 0)
    assert not grown.any()
    findings = questions.q1_findings(
        questions.class_shares(ledger, config),
        questions.segment_profitability(ledger, config),
        model,
        actions,
    )
    assert findings[-1].startswith("Action:")


def test_exported_action_list_neutralises_formulas(ledger, config, tmp_path) -> None:
    model = questions.fit_profile_model(ledger, config)
    actions = questions.action_list(ledger, config, model).head(3).copy()
    actions["name"] = ['=HYPERLINK("x")', "+1", "-2+3"]
    ws = Workspace(config=config, period=(None, None), run_dir=tmp_path, processed_dir=tmp_path)
    csv, xlsx = ws.export(actions, "q1_action_list")
    back = pd.read_csv(csv, encoding="utf-8-sig")
    assert back["name"].tolist() == ['\'=HYPERLINK("x")', "'+1", "'-2+3"]
    assert (back["profit"] == actions["profit"].round(10)).all() or np.allclose(
        back["profit"], actions["profit"]
    )
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx).active
    header = [c.value for c in sheet[1]]
    names = [sheet.cell(row=r, column=header.index("name") + 1).value for r in (2, 3, 4)]
    assert names == ['\'=HYPERLINK("x")', "'+1", "'-2+3"]
    assert all(sheet.cell(row=r, column=header.index("name") + 1).data_type == "s" for r in (2, 3))


def test_figures_return_axes(ledger, config) -> None:
    import matplotlib.pyplot as plt

    ax = questions.plot_class_shares(questions.class_shares(ledger, config))
    ax2 = questions.plot_segment_profitability(questions.segment_profitability(ledger, config))
    assert ax.get_title(loc="left") and ax2.get_title(loc="left")
    plt.close("all")


# ---- Q2 ---------------------------------------------------------------------------------------
def make_spend(channels=("online", "distributor", "referral"), leads: bool = True) -> pd.DataFrame:
    months = pd.date_range(START, END, freq="MS")
    rows = [
        {"channel": c, "month": m, "spend": 1000.0 * (i + 1), "leads": 50.0 if leads else np.nan}
        for i, c in enumerate(channels)
        for m in months
    ]
    return pd.DataFrame(rows)


def test_channel_economics_cac_is_spend_over_new_customers(ledger, config) -> None:
    new = acquisition.new_customers(ledger, config)
    assert (new.table["signup"] >= ledger["first_order"].min()).all()
    spend = make_spend()
    eco = acquisition.channel_economics(new, spend, config)
    t = eco.table.set_index("channel")
    for i, ch in enumerate(["online", "distributor", "referral"]):
        n = (new.table["channel"] == ch).sum()
        assert t.loc[ch, "spend"] == pytest.approx(36 * 1000.0 * (i + 1))
        assert t.loc[ch, "cac"] == pytest.approx(t.loc[ch, "spend"] / n)
        assert t.loc[ch, "conversion"] == pytest.approx(n / (36 * 50.0))
        fy = t.loc[ch, "first_year_profit"]
        if fy > 0:
            assert t.loc[ch, "payback_months"] == pytest.approx(12 * t.loc[ch, "cac"] / fy)
        assert 0 <= t.loc[ch, "survival_1y_ci_low"] <= t.loc[ch, "survival_1y"] <= 1
    assert eco.metrics["spend_available"] is True
    assert eco.metrics["best_channel"] in {"online", "distributor", "referral"}
    assert set(eco.metrics["cac_by_channel"]) == {"online", "distributor", "referral"}


def test_future_value_follows_the_documented_formula(ledger, config) -> None:
    s = config["acquisition"]
    new = acquisition.new_customers(ledger, config)
    t = acquisition.channel_economics(new, make_spend(), config).table.set_index("channel")
    row = t.loc["online"]
    years = np.arange(1, s["horizon_years"])
    annuity = np.sum(row["retention"] ** (years - 1) / (1 + s["discount_rate"]) ** years)
    expected = row["first_year_profit"] + row["survival_1y"] * row["survivor_profit"] * annuity
    assert row["future_value"] == pytest.approx(expected)
    assert row["fv_to_cac"] == pytest.approx(expected / row["cac"])


def test_without_spend_the_notebook_says_so(ledger, config) -> None:
    new = acquisition.new_customers(ledger, config)
    eco = acquisition.channel_economics(new, None, config)
    assert eco.metrics["spend_available"] is False
    assert eco.findings[0].startswith("No acquisition_spend table")
    assert eco.table["cac"].isna().all() and eco.table["future_value"].notna().any()
    crowd = acquisition.crowd_arithmetic(new, None, config)
    assert crowd.table["leads_per_partner"].isna().all()
    assert crowd.table["small_per_partner"].notna().any()


def test_crowd_arithmetic_inverts_the_partner_rate(ledger, config) -> None:
    new = acquisition.new_customers(ledger, config)
    crowd = acquisition.crowd_arithmetic(new, make_spend(), config)
    total = crowd.table.set_index("channel").loc["all channels"]
    assert (
        total["small_per_partner_low"]
        <= total["small_per_partner"]
        <= total["small_per_partner_high"]
    )
    assert total["small_per_partner"] == pytest.approx(1 / total["partner_rate"], rel=0.1)
    assert total["leads_per_partner"] == pytest.approx(
        1 / (total["partner_rate"] * total["conversion"]), rel=0.1
    )
    assert total["leads_per_partner_low"] <= total["leads_per_partner"]
    assert crowd.metrics["leads_per_partner"] == pytest.approx(total["leads_per_partner"])


def test_channels_fall_back_to_the_habitual_order_channel(ledger) -> None:
    bare = ledger.assign(acquisition_channel=pd.NA)
    lines = pd.DataFrame(
        {
            "customer_id": ["C0000", "C0000", "C0000", "C0001"],
            "order_id": ["a", "b", "c", "d"],
            "channel": ["online", "online", "field", "field"],
            "is_return": False,
        }
    )
    channels, source = acquisition.customer_channels(bare, lines)
    assert source == "order_channel"
    assert channels.iloc[0] == "online" and channels.iloc[1] == "field"
    assert channels.iloc[2:].isna().all()


def test_q2_figures_and_findings(ledger, config) -> None:
    import matplotlib.pyplot as plt

    new = acquisition.new_customers(ledger, config)
    eco = acquisition.channel_economics(new, make_spend(), config)
    crowd = acquisition.crowd_arithmetic(new, make_spend(), config)
    summary = acquisition.channel_summary(ledger, config)
    assert acquisition.plot_channel_economics(eco).get_title(loc="left")
    assert acquisition.plot_crowd(crowd).get_title(loc="left")
    assert acquisition.plot_channel_profit(summary).get_title(loc="left")
    plt.close("all")
    findings = acquisition.q2_findings(summary, new, eco, crowd)
    assert findings[-1].startswith("Action:")
    metrics = acquisition.q2_metrics(summary, new, eco, crowd)
    import json

    json.dumps(metrics, allow_nan=False)
