"""Q2 (helpers.q2_attract) on small hand-built ledgers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from question_ledgers import END, START, make_ledger

from helpers import q2_attract as acquisition
from helpers.config import defaults
from helpers.results import Result
from helpers.schema import UNATTRIBUTED


@pytest.fixture(scope="module")
def config() -> dict:
    cfg = defaults()
    cfg["name"] = "test"
    return cfg


@pytest.fixture(scope="module")
def ledger() -> pd.DataFrame:
    return make_ledger()


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
    assert {"first_year_profit", "future_value"} <= set(eco.table.attrs["money_columns"])
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


# ---- hand-built: four customers whose every number can be worked out on paper ------------------
# The data runs from 2022-01-01 (first order) to 2024-12-31 (last order). A and B are small clients
# of the web channel, C (signed before the window) and D are bigger clients of the fair.
#   A: signed 2022-01-01, still open, first-year profit 40 + 60 = 100 (2023 is year two)
#   B: signed 2022-06-01, closed 2022-12-01 (inside year one), first-year profit -50
#   C: signed 2021-01-01: not new
#   D: signed 2023-06-01, still open, first-year profit 30 + 20 = 50 (2024-06 is year two)
def hand_ledger() -> pd.DataFrame:
    ts = pd.Timestamp
    ledger = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D", UNATTRIBUTED],
            "size_tier": ["micro", "small", "large", "medium", None],
            "acquisition_channel": ["web", "web", "fair", "fair", None],
            "signup_date": [ts("2022-01-01"), ts("2022-06-01"), ts("2021-01-01"),
                            ts("2023-06-01"), pd.NaT],
            "closed_date": [pd.NaT, ts("2022-12-01"), pd.NaT, pd.NaT, pd.NaT],
            "first_order": [ts("2022-01-01"), ts("2022-06-01"), ts("2022-01-01"),
                            ts("2023-06-01"), ts("2022-01-01")],
            "last_order": [ts("2024-12-31"), ts("2022-11-30"), ts("2024-12-31"),
                           ts("2024-12-31"), ts("2024-12-31")],
            "net_revenue": [1000.0, 200.0, 5000.0, 800.0, 70.0],
            "profit": [300.0, -50.0, 900.0, 100.0, 7.0],
        }
    )  # fmt: skip
    return ledger


def hand_monthly() -> pd.DataFrame:
    rows = [("A", "2022-01-01", 40.0), ("A", "2022-12-01", 60.0), ("A", "2023-01-01", 500.0),
            ("B", "2022-06-01", -50.0), ("D", "2023-06-01", 30.0), ("D", "2024-05-01", 20.0),
            ("D", "2024-06-01", 999.0), ("C", "2022-01-01", 900.0)]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["customer_id", "period", "profit"])
    return frame.assign(period=pd.to_datetime(frame["period"]))


def hand_spend() -> pd.DataFrame:
    # 2021-12 is before the window; radio spends but brings no new customer
    rows = [("web", "2021-12-01", 999.0, 50.0), ("web", "2022-01-01", 500.0, 20.0),
            ("fair", "2023-06-01", 200.0, 10.0), ("radio", "2022-03-01", 100.0, 5.0)]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["channel", "month", "spend", "leads"])
    return frame.assign(month=pd.to_datetime(frame["month"]))


@pytest.fixture(scope="module")
def hand_config() -> dict:
    cfg = defaults()
    cfg["name"] = "hand"
    # every channel judged; a two-year horizon without discounting: the annuity is exactly 1
    cfg["acquisition"].update(min_channel_size=1, horizon_years=2, discount_rate=0.0)
    return cfg


def test_customer_channels_by_hand() -> None:
    ledger = hand_ledger()
    channels, source = acquisition.customer_channels(ledger)
    assert source == "acquisition_channel"
    assert channels.tolist()[:4] == ["web", "web", "fair", "fair"]
    # no channel column and no order lines: nothing to go on
    bare = ledger.drop(columns=["acquisition_channel"])
    channels, source = acquisition.customer_channels(bare)
    assert source == "" and channels.isna().all() and len(channels) == len(ledger)


def test_channel_summary_by_hand(hand_config) -> None:
    summary = acquisition.channel_summary(hand_ledger(), hand_config)
    assert summary.available and summary.metrics == {"channel_source": "acquisition_channel"}
    table = summary.table.set_index("channel")
    assert table.index.tolist() == ["fair", "web"]  # most profit first; unattributed left out
    fair, web = table.loc["fair"], table.loc["web"]
    assert (web["customers"], web["small_clients"], web["profitable"]) == (2, 2, 1)
    assert (web["net_revenue"], web["profit"], web["small_profit"]) == (1200.0, 250.0, 250.0)
    assert web["profit_per_customer"] == 125.0 and web["small_profitable_share"] == 0.5
    assert web["margin_pct"] == pytest.approx(250 / 1200)
    assert (fair["customers"], fair["small_clients"], fair["profit"]) == (2, 0, 1000.0)
    assert fair["profit_per_customer"] == 500.0 and np.isnan(fair["small_profitable_share"])
    assert summary.findings == [
        "By acquisition channel: fair brings the most profit (1,000 from 2 customers, 500 each)."
    ]


def test_channel_summary_without_any_channel(hand_config) -> None:
    bare = hand_ledger().drop(columns=["acquisition_channel"])
    summary = acquisition.channel_summary(bare, hand_config)
    assert not summary.available
    assert summary.message == (
        "No acquisition channel and no order channel in the data: customers cannot be compared "
        "by channel."
    )
    assert summary.table.empty


def test_new_customers_by_hand(hand_config) -> None:
    new = acquisition.new_customers(hand_ledger(), hand_config, hand_monthly())
    table = new.table.set_index("customer_id")
    assert table.index.tolist() == ["A", "B", "D"]  # C signed before the data starts
    assert table["observed_days"].tolist() == [1095.0, 944.0, 579.0]
    assert table["year1_observed"].tolist() == [True, True, True]
    assert table["survived_year1"].tolist() == [True, False, True]  # B closed in year one
    assert table["year2_observed"].tolist() == [True, True, False]
    assert table["survived_year2"].tolist() == [True, False, True]
    assert table["partner_observed"].tolist() == [True, True, False]
    assert table["partner"].tolist() == [True, False, True]
    assert table["first_year_profit"].tolist() == [100.0, -50.0, 50.0]
    assert new.metrics == {
        "level": "with_assumptions",
        "new_customers": 3,
        "new_small_clients": 2,
        "new_customer_rule": "signed up on or after the first day of the data",
        "survival_rule": "not closed (closed_date) within the year",
        "channel_source": "acquisition_channel",
        "first_year_profit_source": "monthly ledger",
    }
    assert new.detail["window"] == (pd.Timestamp("2022-01-01"), pd.Timestamp("2024-12-31"))


def test_new_customers_without_signup_closing_or_monthly_ledger(hand_config) -> None:
    bare = hand_ledger().drop(columns=["signup_date"]).assign(closed_date=pd.NaT)
    new = acquisition.new_customers(bare, hand_config)
    # new = first order at least 180 days after 2022-01-01: only D (2023-06-01)
    assert new.table["customer_id"].tolist() == ["D"]
    assert new.metrics["new_customer_rule"] == (
        "first order at least 180 days after the data starts (no signup dates)"
    )
    assert new.metrics["survival_rule"] == "still ordering after the year (no closed dates)"
    assert new.metrics["first_year_profit_source"] == "pro-rated"
    # pro-rated: 580 days on the books (2023-06-01 to 2024-12-31), so 365.25 / 580 of the profit
    assert new.table["first_year_profit"].iloc[0] == pytest.approx(100.0 * 365.25 / 580)


def test_channel_economics_by_hand(hand_config) -> None:
    new = acquisition.new_customers(hand_ledger(), hand_config, hand_monthly())
    eco = acquisition.channel_economics(new, hand_spend(), hand_config)
    table = eco.table.set_index("channel")
    assert table.index.tolist() == ["fair", "web", "radio"]  # best FV / CAC first, no CAC last
    web, fair, radio = table.loc["web"], table.loc["fair"], table.loc["radio"]
    # web: A and B; one survives year one; first-year profit (100 - 50) / 2; the survivor made 100
    assert (web["new_customers"], web["observed_1y"], web["survived_1y"]) == (2, 2, 1)
    assert (web["first_year_profit"], web["survivor_profit"], web["survival_1y"]) == (
        25.0,
        100.0,
        0.5,
    )
    # retention after year one: A, the one web client observed two years, stayed: 1 / 1
    assert web["retention"] == 1.0 and fair["retention"] == 1.0  # fair: the pooled 1 / 1
    # future value = 25 + 0.5 x 100 x 1 (annuity of a two-year horizon, no discounting)
    assert web["future_value"] == 75.0 and fair["future_value"] == 50.0 + 1.0 * 50.0
    # spend inside the window only (web's 999 of 2021-12 is not counted)
    assert (web["spend"], web["leads"], web["cac"]) == (500.0, 20.0, 250.0)
    assert (fair["spend"], fair["cac"], fair["conversion"]) == (200.0, 200.0, 0.1)
    assert web["payback_months"] == 12 * 250 / 25 and fair["payback_months"] == 12 * 200 / 50
    assert web["fv_to_cac"] == 75 / 250 and fair["fv_to_cac"] == 100 / 200
    assert web["cac_per_profitable_small"] == 250 / 0.5  # one of the two small clients profits
    assert np.isnan(fair["cac_per_profitable_small"])  # fair brought no small client
    assert radio["new_customers"] == 0 and radio["judgement"] == "too small to judge"
    assert eco.metrics["best_channel"] == "fair"
    assert eco.metrics["cheapest_channel_for_profitable_small"] == "web"
    assert eco.metrics["spend_available"] is True
    assert eco.metrics["retention_after_year1_pooled"] == 1.0
    assert eco.metrics["cac_by_channel"] == {"fair": 200.0, "web": 250.0, "radio": None}
    assert eco.findings[:3] == [
        "fair is the best acquisition channel: CAC 200, 100% of its new customers survive year "
        "one, it pays back its CAC in 48 months and returns 0.5x its CAC in estimated future value.",
        "Future value does not cover acquisition cost in: fair (0.5x), web (0.3x).",
        "Cheapest source of profitable small clients: web, about 500 of spend per new small "
        "client profitable in its first year.",
    ]
    assert eco.findings[-1] == acquisition.future_value_assumption(hand_config)


def test_channel_economics_without_spend_by_hand(hand_config) -> None:
    new = acquisition.new_customers(hand_ledger(), hand_config, hand_monthly())
    eco = acquisition.channel_economics(new, None, hand_config)
    assert eco.available  # the analysis still runs: it says what it cannot compute
    assert eco.metrics["spend_available"] is False and eco.metrics["best_channel"] == "fair"
    assert eco.table["channel"].tolist() == ["fair", "web"]  # by future value
    assert eco.table[["spend", "leads", "cac", "conversion", "payback_months"]].isna().all().all()
    assert eco.findings[0] == eco.detail["spend_message"]
    assert eco.findings[0].startswith("No acquisition_spend table")
    assert eco.findings[1] == (
        "fair brings the new customers with the highest estimated future value "
        "(100 each; 100% survive year one)."
    )


def test_crowd_arithmetic_by_hand(hand_config) -> None:
    new = acquisition.new_customers(hand_ledger(), hand_config, hand_monthly())
    crowd = acquisition.crowd_arithmetic(new, hand_spend(), hand_config)
    table = crowd.table.set_index("channel")
    assert table.index.tolist() == ["fair", "web", "all channels"]
    # small clients observed two years: A (a partner) and B (closed): 1 of 2
    assert (table.loc["web", "small_observed"], table.loc["web", "partners"]) == (2, 1)
    assert table.loc["all channels", "partner_rate"] == 0.5
    assert table.loc["fair", "small_observed"] == 0 and np.isnan(table.loc["fair", "partner_rate"])
    # conversion: new customers over leads in the window (20 + 10 + 5 leads for 3 customers)
    assert table.loc["web", "conversion"] == 2 / 20
    assert table.loc["all channels", "conversion"] == 3 / 35
    assert crowd.metrics["partner_rate"] == 0.5 and crowd.metrics["lead_conversion"] == 3 / 35
    low, mid, high = (crowd.metrics[f"small_clients_per_partner{s}"] for s in ("_ci_low", "",
                                                                               "_ci_high"))  # fmt: skip
    assert low <= mid <= high
    # 1 partner in 2: the interval of clients per partner is far too wide to print a number
    assert high / low > 10 and crowd.metrics["crowd_verdict"] == "too uncertain"
    assert crowd.findings == [
        "1 of 2 new small clients observed for 2 years became long-term partners: too few to "
        "say how many clients it takes to find one (the 95% interval spans more than a factor "
        "of 10)."
    ]
    lenient = {**hand_config, "acquisition": {**hand_config["acquisition"],
                                              "max_interval_ratio": 1e9}}  # fmt: skip
    crowd = acquisition.crowd_arithmetic(new, hand_spend(), lenient)
    assert crowd.metrics["crowd_verdict"] == "estimated"
    assert crowd.findings[0].startswith(
        "50% of new small clients become long-term partners (alive, still ordering in year 2 "
        "and profitable; n=2)"
    )
    no_leads = acquisition.crowd_arithmetic(new, None, lenient)
    assert np.isnan(no_leads.metrics["leads_per_partner"] or np.nan)
    assert (
        no_leads.findings[-1]
        == "Leads are not known, so reach is counted in new small clients only."
    )


def test_crowd_arithmetic_needs_partner_years_of_history(hand_config) -> None:
    config = {**hand_config, "acquisition": {**hand_config["acquisition"], "partner_years": 5}}
    new = acquisition.new_customers(hand_ledger(), config, hand_monthly())
    crowd = acquisition.crowd_arithmetic(new, hand_spend(), config)
    assert not crowd.available and crowd.metrics == {}
    assert crowd.message == (
        "No new small client has been observed for 5 years yet: the crowd arithmetic needs a "
        "longer history."
    )


def _crowd(rows: list[tuple[str, float, float, float]]) -> Result:
    """A crowd result from (channel, median, low, high) small clients per partner."""
    table = pd.DataFrame(rows, columns=["channel", "small_per_partner", "small_per_partner_low",
                                        "small_per_partner_high"])  # fmt: skip
    table["leads_per_partner"] = np.nan
    return Result(table=table, metrics={"crowd_verdict": "estimated"})


def test_crowd_figure_title_rounds_as_the_findings_and_a_narrow_range_is_not_log() -> None:
    import matplotlib.pyplot as plt

    from helpers.q2_attract.crowd import _crowd_sentences

    narrow = _crowd([("all channels", 1.59, 1.48, 1.73)])
    ax = acquisition.plot_crowd(narrow)
    assert ax.get_title(loc="left").startswith("About 1.6 new small clients reached")
    assert ax.get_xscale() == "linear"  # 1.48-1.73: a log axis would show one black block
    assert not ax.patches  # a point with its interval, no bar
    settings = {"partner_years": 2, "confidence": 0.95}
    table = narrow.table.assign(partner_rate=0.63, small_observed=367)
    assert (
        "about 1.6 new small clients (95% interval 1.5–1.7)" in _crowd_sentences(table, settings)[0]
    )
    wide = _crowd([("online", 2.0, 1.2, 4.0), ("fair", 30.0, 12.0, 80.0),
                   ("all channels", 4.0, 3.0, 6.0)])  # fmt: skip
    assert acquisition.plot_crowd(wide).get_xscale() == "log"
    plt.close("all")
