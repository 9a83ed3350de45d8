"""The practitioner cases of ../shared/cases (copied here) at the function level: the ledger page,
the trust-and-growth analyses and the future value behave as each case's EXPECTED.md says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import clv, growth
from helpers import ledger as L
from helpers.config import defaults
from helpers.report.workspace import open_workspace

CASES = Path(__file__).parent
#: what no sentence may contain: non-numbers and signed zeros (a range "0%-0%" is not one)
_BAD = re.compile(r"\bnan\b|\binf\b|\+nan%|(?<![\d%])-0%|\bn/a\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory):
    """``workspaces(case)``: the case's workspace, ingested once per module."""
    cache = {}

    def _open(case: str):
        if case not in cache:
            run = tmp_path_factory.mktemp(case)
            cache[case] = open_workspace(str(CASES / case / "config.yaml"), "", str(run))
        return cache[case]

    return _open


def _page_09(ws) -> tuple[list[str], list[str], dict, dict]:
    """Notebook 09's calls on a workspace: growth and future-value findings and metrics."""
    order_lines = clv.select_period(ws.table("order_lines"), ws.period)
    customers = ws.table("customers")
    ledger = L.levels.at_level(ws.ledger, L.levels.lead_level(ws.ledger))
    tiers = ledger.set_index("customer_id")["size_tier"]
    cohorts = growth.land_and_expand(order_lines, ledger, ws.config, customers)
    approvals = growth.approval_layers(ws.table("opportunities"), ws.config)
    adoption = growth.innovation_adoption(
        order_lines, ws.table("products"), tiers, ws.config, customers
    )
    survival = growth.survival_table(order_lines, customers, tiers, ws.config)
    closure = growth.first_year_closure(survival.table, ws.config) if survival.available else None
    forecast = clv.forecast_customers(order_lines, ledger, ws.config)
    ranking = (
        clv.compare_rankings(forecast.customers, ws.config["clv"]["top_share"])
        if forecast.available
        else {}
    )
    holdout = clv.holdout_check(order_lines, ws.config)
    grown = growth.growth_findings(cohorts, approvals, adoption, survival, closure, ws.config)
    metrics = growth.growth_metrics(cohorts, approvals, adoption, survival, closure)
    return (
        grown,
        clv.clv_findings(forecast, ranking, holdout),
        metrics,
        clv.clv_metrics(forecast, ranking, holdout),
    )


def _clean(sentences: list[str]) -> None:
    for sentence in sentences:
        assert not _BAD.search(sentence), sentence


def _net_and_margin(case: str) -> tuple[float, float]:
    """Net revenue and gross margin from the case's raw CSV (quantity x price - discount)."""
    raw = pd.read_csv(CASES / case / "orders.csv")
    net = (raw["quantity"] * raw["unit_price"] - raw["discount"]).sum()
    return float(net), float(net - (raw["quantity"] * raw["unit_cost"]).sum())


# ---- bgnbd-no-churn ---------------------------------------------------------------------------
def _steady_times() -> list[np.ndarray]:
    """The purchase times (weeks) of bgnbd-no-churn/repro.py: 60 customers buying at 0.06 a
    week for 100 weeks, nobody dropping out."""
    rng = np.random.default_rng(0)
    n, weeks, rate = 60, 100.0, 0.06
    return [np.sort(rng.uniform(0, weeks, rng.poisson(rate * weeks) + 1)) for _ in range(n)]


def _steady_book() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The repro's summary: repeat purchases, recency and T per customer (weeks)."""
    times = _steady_times()
    x = np.array([len(t) - 1 for t in times], float)
    return x, np.array([t[-1] - t[0] for t in times]), np.array([100.0 - t[0] for t in times])


def test_bgnbd_no_churn_uses_the_poisson_limit_not_zero() -> None:
    x, recency, T = _steady_book()
    fit = clv.fit_bgnbd(x, recency, T)
    assert fit.no_dropout and fit.boundary.startswith("the Poisson limit")
    expected = clv.expected_purchases(fit, 52.0, x, recency, T)
    steady = float((x / T * 52).sum())  # the script's steady-rate estimate, 223.4
    assert steady == pytest.approx(223.408, abs=0.001)
    assert expected.sum() == pytest.approx(steady, rel=0.01)  # 222.8: within 1%
    assert (expected > 0).all()
    np.testing.assert_allclose(clv.probability_alive(fit, x, recency, T), 1.0)


def test_bgnbd_no_churn_forecast_says_so_and_ranks() -> None:
    start = pd.Timestamp("2020-01-06")
    rows = [
        (f"C{i:02d}", start + pd.Timedelta(weeks=float(week)), 20.0 + i)
        for i, times in enumerate(_steady_times())
        for week in times
    ]
    lines = pd.DataFrame(rows, columns=["customer_id", "order_date", "revenue"])
    lines["order_id"] = [f"O{j}" for j in range(len(lines))]
    config = defaults()
    forecast = clv.forecast_customers(lines, None, config, start + pd.Timedelta(weeks=100))
    assert forecast.available and forecast.metrics["fallback"].startswith("nbd")
    assert any("ran to its boundary, the Poisson limit" in f for f in forecast.findings)
    table = forecast.customers
    horizon_weeks = 12 * 30.4375 / 7
    steady = float((table["frequency"] / table["T"] * horizon_weeks).sum())
    assert table["expected_purchases"].sum() == pytest.approx(steady, rel=0.02)
    assert (table["expected_purchases"] > 0).all() and (table["p_alive"] > 0.999).all()
    table = table.assign(
        past_net_revenue=table["first_value"], expected_profit=table["expected_revenue"]
    )
    ranking = clv.compare_rankings(table, 0.2)
    assert ranking["spearman"] is not None and np.isfinite(ranking["spearman"])
    _clean(clv.clv_findings(forecast, ranking, clv.holdout_check(lines, config)))


# ---- all-one-time-buyers ----------------------------------------------------------------------
def test_all_one_time_buyers_say_there_is_nothing_to_model(workspaces) -> None:
    ws = workspaces("all-one-time-buyers")
    grown, future, growth_metrics, clv_metrics = _page_09(ws)
    assert future[0] == (
        "None of the 120 customers bought again after their first purchase day: there are no "
        "repeat purchases to model (BG/NBD learns how often customers buy again and when they "
        "stop), so no future value is forecast."
    )
    assert clv_metrics["available"] is False
    assert any("bought on a second day" in f for f in grown)
    assert any(f.startswith("No customer whose first order was small or large") for f in grown)
    _clean(grown + future + L.ledger_findings(ws.ledger))
    json.dumps(growth_metrics, allow_nan=False)
    json.dumps(clv_metrics, allow_nan=False)


# ---- one-customer -----------------------------------------------------------------------------
def test_one_customer_says_it_is_too_few(workspaces) -> None:
    ws = workspaces("one-customer")
    grown, future, _, clv_metrics = _page_09(ws)
    assert future == [
        "Only 1 customer with purchases: too few (fewer than 50) for a future-value model."
    ]
    assert "No customer starts inside the data: no land-and-expand cohorts." in grown
    assert "No customer starts inside the data: no survival analysis." in grown
    findings = L.ledger_findings(ws.ledger)
    assert findings[0] == (
        "0 of 1 customer (0.0%) lose money on the margin the data gives, before any cost to serve; "
        "0 (0.0%) after costing the orders, lines and deliveries the data counts; 0 (0.0%) with the assumed "
        "cost-to-serve amounts."
    )
    assert (
        "Every customer falls in one size tier (small): comparisons between sizes are not "
        "applicable." in findings
    )
    net, margin = _net_and_margin("one-customer")
    metrics = L.ledger_metrics(ws.ledger)
    assert metrics["total_net_revenue"] == pytest.approx(net, abs=0.005)  # 5,583.83
    assert metrics["data"]["total_profit"] == pytest.approx(margin, abs=0.005)
    _clean(grown + future + findings)


# ---- all-lines-below-cost ---------------------------------------------------------------------
_PROFIT_SHARE = re.compile(r"% of profit|share of profit|most profitable|highest profit margin")


def test_all_lines_below_cost_reads_as_losses(workspaces) -> None:
    ws = workspaces("all-lines-below-cost")
    net, margin = _net_and_margin("all-lines-below-cost")
    metrics = L.ledger_metrics(ws.ledger)
    assert metrics["total_net_revenue"] == pytest.approx(2_041_584.53, abs=0.005)
    assert metrics["total_net_revenue"] == pytest.approx(net, abs=0.005)
    assert metrics["data"]["total_profit"] == pytest.approx(margin, abs=0.005)
    for level in L.levels.levels_in(ws.ledger):  # all 70 lose money at every level
        assert metrics[level]["loss_making_customers"] == 70
    assert metrics["break_even_multiplier"] is None  # no multiplier of assumptions saves it
    tiers = L.tier_pnl(ws.ledger)
    assert tiers["share_of_profit"].isna().all()
    findings = L.ledger_findings(
        ws.ledger, L.cost_model_for(ws.processed_dir, ws.config, ws.ledger)
    )
    assert findings[0].startswith("70 of 70 customers (100.0%) lose money on the margin the data")
    assert any(f.startswith("Every size tier loses money") for f in findings)
    assert any("loses money even with none of the assumed amounts" in f for f in findings)
    grown, future, _, clv_metrics = _page_09(ws)
    assert clv_metrics["available"] and clv_metrics["total_expected_profit"] < 0
    assert clv_metrics["ranking_top_by_future_future_profit_share"] is None  # negative total
    for sentence in findings + grown + future:
        assert not _PROFIT_SHARE.search(sentence), sentence
    _clean(findings + grown + future)
