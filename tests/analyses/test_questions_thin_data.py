"""Q1-Q3 on thin and odd data: they say why they cannot conclude, never crash, never advise on
a lever, segment or channel that does not exist in the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from question_books import TIERS, book

from helpers import q1_which_pay as questions
from helpers import q2_attract as acquisition
from helpers import q3_price_and_channel as scenarios
from helpers.config import defaults


@pytest.fixture(scope="module")
def config() -> dict:
    cfg = defaults()
    cfg["name"] = "test"
    return cfg


def small_book(profits: list[float], revenue: float = 1000.0) -> pd.DataFrame:
    """Small clients with the given profits (all levels equal: nothing assumed)."""
    n = len(profits)
    ledger, _ = book(n, 5)
    ledger["size_tier"] = pd.Categorical(["small"] * n, categories=TIERS, ordered=True)
    ledger["net_revenue"] = revenue
    ledger["profit"] = np.asarray(profits, dtype="float64")
    for column in ("gross_margin", "profit_measured"):
        ledger[column] = ledger["profit"]
    for column in ("cost_to_serve", "cost_to_serve_measured", "cost_to_serve_assumed",
                   "assumed_amount"):  # fmt: skip
        ledger[column] = 0.0
    return ledger


def test_q1_on_an_empty_ledger(config) -> None:
    empty = book(5, 1)[0].iloc[0:0]
    shares = questions.class_shares(empty, config)
    assert not shares.available and "matches no customer" in shares.message
    model = questions.fit_profile_model(empty, config)
    segments = questions.segment_profitability(empty, config)
    actions = questions.action_list(empty, config, model)
    by_level = questions.shares_by_level(empty, config)
    assert actions.empty and not by_level.available
    findings = questions.q1_findings(shares, segments, model, actions, by_level)
    assert findings[-1] == "Action: none from the profile model — there is no model (see above)."
    assert questions.q1_metrics(shares, segments, model, actions, by_level)["action_list_size"] == 0


def test_q1_model_copes_with_a_119_to_1_split(config) -> None:
    model = questions.fit_profile_model(small_book([100.0] * 119 + [-100.0]), config)
    assert not model.available
    assert model.message == (
        "119 small clients are profitable and 1 are not (119:1): the classes are too unbalanced "
        "to learn from (at least 10 of each are needed), so there is no model of the profitable "
        "profile."
    )


def test_q1_no_share_of_a_small_total_that_is_near_zero(config) -> None:
    # 20 earn +100, 20 lose -95: total 100 of 3,900 in sizes (2.6%): no share is meaningful
    shares = questions.class_shares(small_book([100.0] * 20 + [-95.0] * 20), config)
    sentence = shares.findings[2]
    assert sentence.endswith(
        "they earn 2,000 while all small clients together earn 100, too close to zero or below "
        "it for a share to mean anything."
    )
    assert np.isnan(shares.table.set_index("group").loc["truly valuable", "share_of_small_profit"])


def test_q1_every_client_losing_money_reads_as_losses(config) -> None:
    shares = questions.class_shares(small_book([-50.0] * 40), config)
    text = " ".join(shares.findings)
    assert "100% are loss-making" in text and "of the small clients' profit" not in text
    assert "-0%" not in text


def test_q1_customers_without_a_value_are_never_a_ranked_segment(config) -> None:
    ledger = small_book([100.0] * 40 + [-100.0] * 40)
    ledger["region"] = ["north"] * 30 + [None] * 10 + ["south"] * 40
    ledger["region"] = ledger["region"].astype("object")
    segments = questions.segment_profitability(ledger, config)
    table = segments.table.set_index(["dimension", "segment"])
    assert table.loc[("region", "(unknown)"), "judgement"] == "value not recorded"
    assert not any("(unknown)" in f for f in segments.findings)


def test_q2_when_every_customer_joined_before_the_window(config) -> None:
    ledger, _ = book(30, 2, "old_customers")
    new = acquisition.new_customers(ledger, config)
    assert new.table.empty and new.metrics["new_customers"] == 0
    economics = acquisition.channel_economics(new, None, config)
    assert economics.message == (
        "No customer joined inside the data's window (new = signed up on or after the first "
        "day of the data): there are no new customers to measure acquisition on."
    )
    crowd = acquisition.crowd_arithmetic(new, None, config)
    by_level = acquisition.economics_by_level(ledger, config)
    summary = acquisition.channel_summary(ledger, config)
    findings = acquisition.q2_findings(summary, new, economics, crowd, by_level)
    assert economics.message in findings and crowd.message in findings
    assert not any(f.startswith("Action:") for f in findings)
    assert acquisition.plot_channel_economics(economics) is not None


def test_q2_without_a_channel_ranks_nothing(config) -> None:
    ledger, _ = book(80, 4, "no_channel")
    summary = acquisition.channel_summary(ledger, config)
    new = acquisition.new_customers(ledger, config)
    economics = acquisition.channel_economics(new, None, config)
    crowd = acquisition.crowd_arithmetic(new, None, config)
    findings = acquisition.q2_findings(summary, new, economics, crowd)
    assert economics.metrics["best_channel"] is None
    assert crowd.table["channel"].tolist() == ["all channels"]
    assert not any("(unknown)" in f for f in findings)
    assert findings[-1].startswith("Action: record each customer's acquisition channel")


def test_q2_no_partner_observed_is_not_estimated(config) -> None:
    ledger, _ = book(80, 4, "negative")  # nobody is profitable: nobody is a partner
    new = acquisition.new_customers(ledger, config)
    crowd = acquisition.crowd_arithmetic(new, None, config)
    observed = int((new.table["small"] & new.table["partner_observed"]).sum())
    assert crowd.metrics["crowd_verdict"] == "no partner observed"
    assert crowd.findings == [
        f"None of the {observed} new small clients observed for 2 years became a long-term "
        "partner (alive, still ordering in year 2 and profitable): with no partner seen, how "
        "many clients it takes to find one cannot be estimated."
    ]


def test_q3_a_discount_cap_that_reaches_nobody_is_not_advice(config) -> None:
    ledger, orders = book(40, 6)
    ledger["discounts"] = 0.05 * ledger["list_revenue"]  # every discount below the 12% cap
    scenario = scenarios.simulate(ledger, config, None, orders)
    contributions = scenarios.lever_contributions(ledger, config, None, orders)
    assert scenario.reach["discount_cap"] == 0
    row = contributions.set_index("lever").loc["discount_cap"]
    assert row["customers_reached"] == 0 and row["change"] == 0.0
    curves = scenarios.break_even_curves(ledger, config, orders)
    findings = scenarios.q3_findings(scenario, contributions, curves, pd.DataFrame(), config)
    cap = "capping discounts at 12% of list price"
    assert not any(f.startswith(("Action:", "Do not:")) and cap in f for f in findings)
    assert (
        f"Not applicable: {cap} — no medium or large customer gets a discount above 12% of list "
        "price."
    ) in findings
    assert cap not in findings[0]  # the scenario's sentence names only levers that reach someone


def test_q3_a_lever_for_a_tier_nobody_is_in(config) -> None:
    ledger, orders = book(30, 6, "one_tier")  # every customer micro
    scenario = scenarios.simulate(ledger, config, None, orders)
    assert (
        scenario.not_applicable["discount_cap"] == "no customer is in the medium or large tier(s)"
    )


def test_q3_no_percentage_of_a_near_zero_base(config) -> None:
    ledger, orders = book(40, 7)
    # profit before: +1,000 and -999 and the rest zero: a total of 1 is no base for a percentage
    ledger["gross_margin"] = ledger["cost_to_serve"]
    ledger.loc[0, "gross_margin"] += 1000.0
    ledger.loc[1, "gross_margin"] -= 999.0
    ledger["profit"] = ledger["gross_margin"] - ledger["cost_to_serve"]
    scenario = scenarios.simulate(ledger, config, None, orders, "with_assumptions")
    assert np.isnan(scenario.totals["change_pct"])
    assert (
        "(no percentage: profit before is too close to zero to divide by)" in scenario.findings[0]
    )
    assert "%)" not in scenario.findings[0].split(":")[1]


def test_q3_threshold_without_a_break_even_is_the_median_small_order(config) -> None:
    ledger, orders = book(40, 8, "negative")
    levers = scenarios.resolve_levers(ledger, config, scenarios.scenario_levers(config), orders)
    small = set(ledger.loc[ledger["size_tier"].isin(["micro", "small"]), "customer_id"])
    median = orders.loc[orders["customer_id"].isin(small), "value"].median()
    assert levers["small_order_fee"]["threshold"] == pytest.approx(median)
    assert levers["_sources"]["small_order_fee.threshold"].startswith(
        "from the data: 1 x the small clients' median order value"
    )
    table = scenarios.assumptions_table(levers, config).set_index("assumption")
    assert table.loc["Threshold", "source"] == levers["_sources"]["small_order_fee.threshold"]
    assert table.loc["Cap", "source"] == "default"
    assert table.loc["Cap", "value"] == "12%"  # a share as a percentage, not 0.12
    assert "True" not in set(table["value"]) and "yes" in set(table["value"])


def test_q3_assumptions_write_amounts_with_the_currency_and_changes_as_percentages() -> None:
    from helpers.results import set_currency

    levers = {"small_order_fee": {"enabled": True, "threshold": 195.93, "fee": 8.892},
              "channel_migration": {"enabled": False},
              "discount_cap": {"enabled": True, "price_elasticity": 3.0}}  # fmt: skip
    set_currency("USD")
    try:
        table = scenarios.assumptions_table(levers, defaults()).set_index("assumption")
    finally:
        set_currency(None)
    assert table.loc["Fee", "value"] == "8.89 USD" and table.loc["Threshold", "value"] == "196 USD"
    assert table.loc["Price elasticity", "value"] == "3"
    from helpers.q3_price_and_channel.levers import _value_words

    assert _value_words("online.price_change", -0.02) == "-2%"
    assert _value_words("online.volume_change", -0.03) == "-3%"
