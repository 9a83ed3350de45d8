"""helpers.ledger.views: the P&L by tier, the ends of the ranking, metrics, findings, figures."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from helpers import ledger as L
from helpers.schema import UNATTRIBUTED


# ---- reading the ledger ---------------------------------------------------------------------
def test_tier_pnl_reconciles(hand: pd.DataFrame) -> None:
    tiers = L.tier_pnl(hand.reset_index()).set_index("size_tier")
    assert "(unattributed)" in tiers.index
    assert tiers.loc["total", "profit"] == pytest.approx(hand["profit"].sum())
    assert tiers.drop("total")["net_revenue"].sum() == pytest.approx(hand["net_revenue"].sum())
    assert tiers.loc["total", "customers"] == 3  # the unattributed row is not a customer
    # every customer loses money after cost to serve: no share of a negative total
    assert tiers["share_of_profit"].isna().all()
    # on the margin the data gives the total is positive and material: shares add up
    data = L.tier_pnl(L.levels.at_level(hand.reset_index(), "data")).set_index("size_tier")
    assert data.loc["total", "share_of_profit"] == pytest.approx(1.0)
    assert data.drop("total")["share_of_profit"].sum() == pytest.approx(1.0)


def test_top_bottom_and_findings(hand: pd.DataFrame) -> None:
    led = hand.reset_index()
    most, least = L.top_bottom(led, 2)
    assert UNATTRIBUTED not in set(most["customer_id"]) | set(least["customer_id"])
    assert most["profit"].is_monotonic_decreasing and least["profit"].is_monotonic_increasing
    m = L.ledger_metrics(led)
    assert m["total_revenue"] == round(led["net_revenue"].sum(), 2)
    assert m["customers"] == 3
    assert m["loss_making_customers"] == int((hand.drop(UNATTRIBUTED)["profit"] < 0).sum())
    findings = L.ledger_findings(led)
    assert findings[0].startswith(
        "3 of 3 customers (100.0%) lose money after the full cost to serve (nothing in it is "
        "assumed); 0 (0.0%) on the margin the data gives"
    )
    # every tier loses money: no "highest margin" or share of a negative profit
    assert any(f.startswith("Every size tier loses money") for f in findings)
    assert not any("of profit" in f for f in findings)
    assert any("without a customer" in f for f in findings)


def test_plot_waterfall_returns_axes(hand: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    ax = L.plot_waterfall(L.company_pnl(hand.reset_index()), min_share=0.01)
    assert ax.get_title(loc="left").startswith("Cost to serve takes")
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "List revenue" and labels[-1] == "Profit"
    assert "assumed" not in ax.get_title(loc="left")  # no step rests on an assumption
    plt.close(ax.figure)
    pnl = L.company_pnl(hand.reset_index())
    pnl.loc[pnl["step"] == "Sales visit", "step"] = "Sales visit (assumed)"
    ax = L.plot_waterfall(pnl)
    assert "profit with the assumed amounts is" in ax.get_title(loc="left")  # which profit
    plt.close(ax.figure)


# ---- three levels, the verdict and its sensitivity (a ledger computed by hand) ----------------
def _levelled() -> pd.DataFrame:
    """Ten customers, net revenue 100 each: delivery is counted (at a default rate: assumed),
    telesales calls are assumed; so the lead level is the margin the data gives."""
    margin = np.array([-5, 10, 20, 30, 40, 50, 60, 70, 80, 90], dtype=float)
    delivery = np.full(10, 5.0)
    telesales = np.array([0, 8, 20, 0, 0, 0, 0, 0, 0, 0], dtype=float)
    cost = delivery + telesales
    return pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(10)],
            "size_tier": pd.Categorical(
                ["small"] * 5 + ["large"] * 5, categories=["small", "large"], ordered=True
            ),
            "list_revenue": 100.0,
            "discounts": 0.0,
            "rebates": 0.0,
            "net_revenue": 100.0,
            "cogs": 100.0 - margin,
            "gross_margin": margin,
            "cts_delivery": delivery,
            "cts_telesales_call": telesales,
            "cost_to_serve": cost,
            "cost_to_serve_measured": delivery,
            "cost_to_serve_assumed": telesales,
            "assumed_amount": cost,  # the delivery rate is a default: assumed too
            "profit": margin - cost,
            "profit_measured": margin - delivery,
            "orders": 2,
            "lines": 3,
        }
    )


MODEL = pd.DataFrame(
    {
        "activity": ["delivery", "telesales_call"],
        "source": ["derived", "assumed"],
        "rate_source": ["default, scaled (assumed)", "default, scaled (assumed)"],
    }
)


def test_metrics_lead_with_the_data_and_record_each_level() -> None:
    led = _levelled()
    m = L.ledger_metrics(led)
    json.dumps(m, allow_nan=False)
    assert m["lead_level"] == "data"
    # flat keys at the lead level: only customer 0 (margin -5) loses money on the data's margin
    assert (m["loss_making_customers"], m["loss_making_share"]) == (1, 0.1)
    assert m["total_profit"] == 445.0 and m["total_cost_to_serve"] == 0.0
    assert m["loss_making_verdict"] == "at most a fifth"
    assert m["data"]["loss_making_customers"] == 1
    assert m["measured"]["loss_making_customers"] == 1  # -10, then 5 and 15 after delivery
    assert m["with_assumptions"]["loss_making_customers"] == 3  # -10, -3, -5
    assert m["with_assumptions"]["total_profit"] == 445.0 - 78.0
    # at k x the assumed amounts, customer 1 loses money above 10/13 = 0.77x and customer 2
    # above 20/25 = 0.8x (at 0.8x exactly it breaks even): the verdict flips below 0.85x
    assert m["sensitivity"]["loss_making"] == {
        "verdict": "more than a fifth",
        "holds_from": 0.85,
        "holds_to": 3.0,
        "flips_below": 0.8,
        "flips_above": None,
        "flips_to_below": "at most a fifth",
        "flips_to_above": None,
    }
    assert m["sensitivity"]["highest_margin_tier"]["verdict"] == "large"
    # company profit 367 at 1x, 78 assumed: zero at 1 + 367 / 78 = 5.705x
    assert m["break_even_multiplier"] == 5.71


def test_findings_name_the_level_the_verdict_moves_and_the_assumed_activities() -> None:
    findings = L.ledger_findings(_levelled(), MODEL)
    assert findings[0] == (
        "1 of 10 customers (10.0%) loses money on the margin the data gives, before any cost to serve; "
        "1 (10.0%) after costing the orders, lines and deliveries the data counts; 3 (30.0%) with the assumed "
        "cost-to-serve amounts."
    )
    assert findings[1] == (
        "With the assumed amounts as they stand (1x), more than a fifth of customers lose money; "
        "that holds while the assumed amounts stay between 0.85x and 3.00x (at 0.80x at most a "
        "fifth of customers would lose money)."
    )
    assert findings[2] == (
        "The company as a whole breaks even when the assumed amounts (78 at 1x) are 5.71x what "
        "they are now."
    )
    largest = next(f for f in findings if f.startswith("The largest cost to serve"))
    assert largest == (
        "The largest cost to serve is delivery (assumed: default rate): 50 (64% of cost to "
        "serve); every activity rests on an assumed driver or a default rate."
    )
    pnl = L.company_pnl(_levelled(), MODEL)
    assert {"Telesales call (assumed)", "Delivery (assumed)"} <= set(pnl["step"])


def test_level_pnl_side_by_side() -> None:
    table = L.level_pnl(_levelled())
    assert list(table.columns) == ["data", "measured", "with_assumptions"]
    assert table.loc["profit"].tolist() == [445.0, 395.0, 367.0]
    assert table.loc["loss-making customers"].tolist() == [1, 1, 3]


@pytest.mark.parametrize("case", ["empty", "one", "all negative"], ids=str)
def test_thin_ledgers_give_sentences_without_nan(case: str) -> None:
    led = _levelled()
    if case == "empty":
        led = led.iloc[:0]
    elif case == "one":
        led = led.iloc[[3]]
    else:
        led = led.assign(gross_margin=-50.0, profit=-50.0 - led["cost_to_serve"])
    findings = L.ledger_findings(led, MODEL)
    text = " ".join(findings)
    assert findings and "nan" not in text and "inf" not in text.replace("info", "")
    json.dumps(L.ledger_metrics(led) if len(led) else {}, allow_nan=False)
    if case == "one":
        assert findings[0].startswith("0 of 1 customer (0.0%) lose")
        assert not any("fifth" in f for f in findings)  # too few customers for a share
        assert "Every customer falls in one size tier (small)" in text
    if case == "all negative":
        assert "of profit" not in text and "highest profit margin" not in text
        assert "The company loses money even with none of the assumed amounts" in text
