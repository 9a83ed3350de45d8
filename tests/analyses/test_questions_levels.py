"""Q1-Q3 at every profit level, hand-computed: lead level, per-level numbers, sensitivity."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from question_books import TIERS

from helpers import q1_which_pay as questions
from helpers import q2_attract as acquisition
from helpers import q3_price_and_channel as scenarios
from helpers.config import defaults
from helpers.ledger.levels import LEVELS


@pytest.fixture(scope="module")
def config() -> dict:
    cfg = defaults()
    cfg["name"] = "test"
    return cfg


def q1_ledger(n: int = 40) -> pd.DataFrame:
    """``n`` small clients: net revenue 100, gross margin 20, counted cost 10 each; the first
    half also carry an assumed cost of 15 (an assumed driver), so profit is 20 on the data's
    margin, 10 after the counted cost and -5 (first half) / 10 with the assumed amounts."""
    assumed = np.where(np.arange(n) < n // 2, 15.0, 0.0)
    frame = pd.DataFrame(
        {
            "customer_id": [f"S{i:03d}" for i in range(n)],
            "size_tier": pd.Categorical(["small"] * n, categories=TIERS, ordered=True),
            "net_revenue": 100.0,
            "gross_margin": 20.0,
            "cost_to_serve_measured": 10.0,
            "cost_to_serve_assumed": assumed,
            "assumed_amount": assumed,
        }
    )
    frame["cost_to_serve"] = frame["cost_to_serve_measured"] + frame["cost_to_serve_assumed"]
    frame["profit"] = frame["gross_margin"] - frame["cost_to_serve"]
    return frame


def test_q1_leads_with_the_level_that_rests_on_no_assumption(config) -> None:
    # only assumed drivers are assumed: the lead level is "measured" (profit 10 for everyone)
    shares = questions.class_shares(q1_ledger(), config)
    assert shares.metrics["level"] == "measured"
    assert shares.metrics["small_worth_nothing_share"] == 0.0
    assert shares.metrics["small_valuable_share"] == 1.0  # 10 >= 10% of 100
    assert shares.metrics["worth_nothing_verdict"] == "below the claim"
    assert shares.findings[0] == (
        "After costing the orders, lines and deliveries the data counts, of 40 small clients, 0% are loss-making, 0% "
        "break even (profit within ±2% of their net revenue) and 100% are profitable."
    )
    full = questions.class_shares(q1_ledger(), config, "with_assumptions")
    assert full.metrics["small_loss_making_share"] == 0.5
    assert full.metrics["worth_nothing_verdict"] == "consistent with the claim"  # 40% in 35-65%


def test_q1_by_level_and_the_break_even_multiplier(config) -> None:
    result = questions.shares_by_level(q1_ledger(), config)
    metrics = result.metrics
    assert metrics["lead_level"] == "measured"
    assert [metrics[level]["worth_nothing_verdict"] for level in ("data", "measured")] == [
        "below the claim",
        "below the claim",
    ]
    assert metrics["with_assumptions"]["small_worth_nothing_share"] == 0.5
    # the first half's profit is 10 - 15k: within the ±2 band from k = 0.533, so at 0.55x they
    # are worth nothing (20 of 40, consistent with 40%); at 0.5x (profit 2.5) none is
    assert metrics["sensitivity"]["worth_nothing_verdict"] == {
        "verdict": "consistent with the claim",
        "holds_from": 0.55,
        "holds_to": 3.0,
        "flips_below": 0.5,
        "flips_above": None,
        "flips_to_below": "below the claim",
        "flips_to_above": None,
    }
    assert result.findings[0] == (
        "The worth-nothing verdict depends on the level of cost counted: below the claim at 0% "
        "on the margin the data gives, before any cost to serve; below the claim at 0% after "
        "costing the orders, lines and deliveries the data counts; consistent with the claim at "
        "50% with the assumed "
        "cost-to-serve amounts."
    )
    assert (
        "With the assumed cost-to-serve amounts the worth-nothing share is consistent with the "
        "claim; this holds while they stay between 0.55x and 3x; at 0.5x it is below the claim."
    ) in result.findings


def test_q1_says_when_too_few_small_clients_to_test_the_claims(config) -> None:
    shares = questions.class_shares(q1_ledger(10), config)
    assert shares.metrics["worth_nothing_verdict"] == "too few small clients to judge"
    assert len(shares.findings) == 1 and "cannot be tested" in shares.findings[0]


def q2_ledger(assumed: float) -> pd.DataFrame:
    """An old customer that fixes the window (2022-2024) and one new small client, A."""
    frame = pd.DataFrame(
        {
            "customer_id": ["O", "A"],
            "size_tier": pd.Categorical(["large", "small"], categories=TIERS, ordered=True),
            "acquisition_channel": ["web", "web"],
            "signup_date": pd.to_datetime(["2021-01-01", "2022-06-01"]),
            "closed_date": pd.NaT,
            "first_order": pd.to_datetime(["2022-01-01", "2022-06-01"]),
            "last_order": pd.to_datetime(["2024-12-31", "2024-06-01"]),
            "net_revenue": [5000.0, 3000.0],
            "gross_margin": [500.0, 1000.0],
            "cost_to_serve_measured": [0.0, 100.0],
            "cost_to_serve_assumed": [0.0, assumed],
            "assumed_amount": [0.0, assumed],
        }
    )
    frame["cost_to_serve"] = frame["cost_to_serve_measured"] + frame["cost_to_serve_assumed"]
    frame["profit"] = frame["gross_margin"] - frame["cost_to_serve"]
    return frame


def test_q2_first_year_profit_at_each_level(config) -> None:
    # without a monthly ledger A's profit is pro-rated: 365.25 / 945 days on the books
    share = 365.25 / 945
    result = acquisition.economics_by_level(q2_ledger(1200.0), config)
    metrics = result.metrics
    assert metrics["lead_level"] == "measured"
    expected = {"data": 1000.0, "measured": 900.0, "with_assumptions": -300.0}
    for level, profit in expected.items():
        assert metrics[level]["first_year_profit_per_new_customer"] == pytest.approx(profit * share)
        assert metrics[level]["best_channel"] is None  # one new customer: too small to judge
    assert metrics["with_assumptions"]["first_year_verdict"] == "lose money in their first year"
    assert metrics["measured"]["first_year_verdict"] == "earn money in their first year"
    # profit 900 - 1200k is positive below k = 0.75
    found = metrics["sensitivity"]["first_year_verdict"]
    assert (found["holds_from"], found["flips_below"], found["holds_to"]) == (0.75, 0.7, 3.0)
    assert found["flips_to_below"] == "earn money in their first year"
    assert any(
        f.startswith("The new customers' first year depends on the level of cost counted")
        for f in result.findings
    )


def q3_ledger() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two small clients whose field visits (60 each) and calls (8 each) are assumed."""
    visits, calls, orders = np.array([3.0, 1.0]), np.array([2.0, 2.0]), np.array([4.0, 2.0])
    frame = pd.DataFrame(
        {
            "customer_id": ["A", "B"],
            "size_tier": pd.Categorical(["small", "micro"], categories=TIERS, ordered=True),
            "list_revenue": [1000.0, 500.0],
            "discounts": 0.0,
            "net_revenue": [1000.0, 500.0],
            "cogs": [600.0, 300.0],
            "gross_margin": [400.0, 200.0],
            "orders": orders.astype(int),
            "cts_order_processing": 5.0 * orders,
            "cts_sales_visit": 60.0 * visits,
            "cts_telesales_call": 8.0 * calls,
            "drv_order_processing": orders,
            "drv_sales_visit": visits,
            "drv_telesales_call": calls,
        }
    )
    costs = frame[["cts_order_processing", "cts_sales_visit", "cts_telesales_call"]].sum(axis=1)
    frame["cost_to_serve"] = costs
    frame["cost_to_serve_measured"] = frame["cts_order_processing"]
    frame["cost_to_serve_assumed"] = costs - frame["cts_order_processing"]
    frame["assumed_amount"] = costs  # the bare defaults: every rate is a default rate
    frame["profit"] = frame["gross_margin"] - costs
    orders_table = pd.DataFrame(
        {"customer_id": ["A"] * 4 + ["B"] * 2, "order_id": list("abcdef"), "value": 250.0}
    )
    return frame, orders_table


def telesales_only(config: dict) -> dict:
    cfg = copy.deepcopy(config)
    for name, lever in cfg["scenarios"]["levers"].items():
        lever["enabled"] = name == "telesales_for_visits"
    lever = cfg["scenarios"]["levers"]["telesales_for_visits"]
    lever.update(replace_share=0.5, calls_per_visit=2.0, revenue_change=0.0)
    return cfg


def test_q3_a_lever_on_assumed_costs_is_not_applicable_at_the_data_level(config) -> None:
    ledger, orders = q3_ledger()
    cfg = telesales_only(config)
    lead = scenarios.simulate(ledger, cfg, None, orders)
    assert lead.level == "data" and lead.verdict == "not applicable"
    assert lead.not_applicable == {
        "telesales_for_visits": "no field-visit cost is counted for micro or small clients"
    }
    # with the assumed amounts: each visit saves 30 and adds 2 x 0.5 calls of 8: +22 a visit
    full = scenarios.simulate(ledger, cfg, None, orders, "with_assumptions")
    assert full.totals["change"] == pytest.approx(22.0 * 4)
    assert full.verdict == "raises profit"
    contributions = scenarios.lever_contributions(ledger, cfg, None, orders)
    findings = scenarios.q3_findings(
        lead, contributions, scenarios.break_even_curves(ledger, cfg, orders), pd.DataFrame(), cfg
    )
    assert not any(f.startswith(("Action:", "Do not:")) for f in findings)
    assert findings[-1] == (
        "Not applicable: replacing 50% of field visits with telesales calls — no field-visit "
        "cost is counted for micro or small clients."
    )


def test_q3_by_level_and_sensitivity(config) -> None:
    ledger, orders = q3_ledger()
    result = scenarios.scenario_by_level(ledger, telesales_only(config), orders)
    metrics = result.metrics
    assert metrics["lead_level"] == "data"
    verdicts = [metrics[level]["default_scenario_verdict"] for level in LEVELS]
    assert verdicts == ["not applicable", "not applicable", "raises profit"]
    assert metrics["with_assumptions"]["default_scenario_profit_change"] == pytest.approx(88.0)
    # the saving is 22k a visit: at 0x there is no visit cost and the lever reaches nobody
    assert metrics["sensitivity"]["default_scenario_verdict"] == {
        "verdict": "raises profit",
        "holds_from": 0.25,
        "holds_to": 3.0,
        "flips_below": 0.0,
        "flips_above": None,
        "flips_to_below": "not applicable",
        "flips_to_above": None,
    }
    assert result.findings[0].startswith(
        "The default scenario's verdict depends on the level of cost counted: it reaches nobody "
        "on the margin the data gives, before any cost to serve"
    )
