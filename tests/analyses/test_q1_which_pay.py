"""Q1 (helpers.q1_which_pay) on a small hand-built ledger."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from question_ledgers import make_ledger

from helpers import q1_which_pay as questions
from helpers.config import defaults
from helpers.report.workspace import Workspace
from helpers.schema import UNATTRIBUTED


@pytest.fixture(scope="module")
def config() -> dict:
    cfg = defaults()
    cfg["name"] = "test"
    return cfg


@pytest.fixture(scope="module")
def ledger() -> pd.DataFrame:
    return make_ledger()


@pytest.mark.parametrize(
    ("profit", "revenue", "expected"),
    [(10.0, 100.0, "profitable"), (1.0, 100.0, "break-even"), (-1.5, 100.0, "break-even"),
     (-3.0, 100.0, "loss-making"), (-1.0, 0.0, "loss-making"), (0.0, 0.0, "break-even")],
    ids=["profit", "small-profit", "small-loss", "loss", "no-revenue-loss", "nothing"],
)  # fmt: skip
def test_profit_classes_use_the_band(config, profit, revenue, expected) -> None:
    frame = pd.DataFrame({"profit": [profit], "net_revenue": [revenue]})
    assert questions.profit_classes(frame, config).iloc[0] == expected


@pytest.mark.parametrize("scale", [1.0, 150.0, 0.01], ids=["dollars", "yen", "hundredths"])
def test_a_margin_on_the_threshold_reaches_it_in_any_currency(config, scale) -> None:
    # Superstore's CJ-11875: profit 1.652 on sales 16.52, exactly the 10% valuable margin; in
    # floats 0.1 * 16.52 and 1.652 differ in the last bit, differently in each currency
    frame = pd.DataFrame({"profit": [1.652 * scale, 2.0 * 0.02 * scale],
                          "net_revenue": [16.52 * scale, 2.0 * scale]})  # fmt: skip
    assert questions.profile._valuable(frame, config).tolist() == [True, False]
    assert questions.profit_classes(frame, config).tolist() == ["profitable", "break-even"]


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


def test_action_list_says_why_for_each_customer_with_the_reports_thresholds(ledger, config) -> None:
    model = questions.fit_profile_model(ledger, config)
    actions = questions.action_list(ledger, config, model)
    # the profiles are the rules of the tree the report quotes: same thresholds in both
    assert set(actions["profile"]) <= set(model.table["rule"])
    # each reason quotes the customer's own figures: nearly as many reasons as customers
    assert actions["why"].nunique() >= 0.9 * len(actions)
    first = actions.iloc[0]
    assert f"{first['margin']:.0%}".replace("-0%", "0%") in first["why"] or "margin" in first["why"]
    assert actions["next_step"].str.match(r"^(Grow|Win|Review) ").all()
    assert actions["last_order"].notna().all()
    assert actions["last_order"].max() <= ledger["last_order"].max()
    # descriptive columns where the data has them, none that would be empty
    assert "region" in actions.columns and "account_owner" not in actions.columns
    owned = ledger.assign(account_owner="Rep " + ledger["region"].astype(str))
    with_owner = questions.action_list(owned, config, questions.fit_profile_model(owned, config))
    assert with_owner["account_owner"].str.startswith("Rep ").all()


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
    names = [sheet.cell(row=r, column=header.index("Name") + 1).value for r in (2, 3, 4)]
    assert names == ['\'=HYPERLINK("x")', "'+1", "'-2+3"]
    assert all(sheet.cell(row=r, column=header.index("Name") + 1).data_type == "s" for r in (2, 3))


def test_figures_return_axes(ledger, config) -> None:
    import matplotlib.pyplot as plt

    ax = questions.plot_class_shares(questions.class_shares(ledger, config))
    ax2 = questions.plot_segment_profitability(questions.segment_profitability(ledger, config))
    assert ax.get_title(loc="left") and ax2.get_title(loc="left")
    plt.close("all")


def test_action_list_leaves_out_clients_who_stopped_ordering(ledger, config) -> None:
    model = questions.fit_profile_model(ledger, config)
    listed = questions.action_list(ledger, config, model)["customer_id"].head(5).tolist()
    old = ledger.copy()
    gone = old["customer_id"].isin(listed[:2])
    # their last order two years before the data's end, long past three usual gaps
    old.loc[gone, "last_order"] = old["last_order"].max() - pd.Timedelta(days=730)
    old.loc[gone, "first_order"] = old.loc[gone, "last_order"] - pd.Timedelta(days=60)
    again = questions.action_list(old, config, model)["customer_id"].tolist()
    assert not set(listed[:2]) & set(again)
    assert set(listed[2:]) <= set(again)


def test_rule_findings_list_every_band_the_rules_table_shows() -> None:
    from helpers.q1_which_pay.model import _quoted_rules

    # the Superstore discount bands: three profitable, two not, sorted as the rules table is
    shares = [0.993, 0.926, 0.740, 0.338, 0.068]
    table = pd.DataFrame(
        {
            "rule": ["<=16.1%", "16.1-19.3%", "19.3-24.3%", "24.3-32.4%", ">32.4%"],
            "profitable_share": shares,
            "predicts": ["profitable" if s >= 0.5 else "not profitable" for s in shares],
        }
    )
    table["sentence"] = "Small clients " + table["rule"] + "."
    assert _quoted_rules(table, 3) == table["sentence"].tolist()  # 24.3-32.4% not skipped
    few = _quoted_rules(table, 1)
    assert few[:2] == ["Small clients <=16.1%.", "Small clients >32.4%."]
    assert (
        few[2] == "3 more rules, neither among the 1 best nor the 1 worst, are in the rules table."
    )


def test_order_size_bands_carry_the_currency(ledger, config) -> None:
    from helpers.results import set_currency

    set_currency("EUR")
    try:
        res = questions.segment_profitability(ledger, config)
    finally:
        set_currency(None)
    sizes = res.table.loc[res.table["dimension"] == "order_size", "segment"].tolist()
    assert sizes and all(" EUR per order)" in size for size in sizes)
