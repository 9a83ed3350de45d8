"""helpers.pareto: concentration shares, Gini, the whale curve, bootstrap intervals, findings."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.axes import Axes

from helpers import pareto
from helpers.config import defaults
from helpers.results import is_material
from helpers.schema import UNATTRIBUTED


def _ledger(net: list[float], profit: list[float], unattributed: float = 0.0) -> pd.DataFrame:
    """A tiny hand-built ledger: gross margin = profit + 10% of net revenue."""
    n = len(net)
    led = pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(n)],
            "net_revenue": np.asarray(net, dtype="float64"),
            "profit": np.asarray(profit, dtype="float64"),
        }
    )
    led["gross_margin"] = led["profit"] + 0.1 * led["net_revenue"]
    if unattributed:
        extra = {"customer_id": UNATTRIBUTED, "net_revenue": unattributed, "profit": 1e6,
                 "gross_margin": 1e6}  # fmt: skip
        led = pd.concat([led, pd.DataFrame([extra])], ignore_index=True)
    return led


def _synthetic(n: int = 400, tilt: float = -0.05, seed: int = 1) -> pd.DataFrame:
    """A synthetic ledger: lognormal revenue; margin = 0.2 + tilt * log10(revenue / median)."""
    rng = np.random.default_rng(seed)
    net = rng.lognormal(8, 1.6, n)
    margin = 0.2 + tilt * np.log10(net / np.median(net)) + rng.normal(0, 0.1, n)
    return _ledger(list(net), list(net * margin))


@pytest.fixture(scope="module")
def config() -> dict:
    cfg = defaults()
    cfg["pareto"]["bootstrap"]["n_resamples"] = 200
    return cfg


def test_top_share_and_gini_by_hand() -> None:
    assert pareto.top_share([10, 20, 30, 40, 100], 0.2) == pytest.approx(0.5)
    assert pareto.top_share([1, 1, 1, 1], 0.1) == pytest.approx(0.25)  # ceil: at least one
    assert pareto.gini([5, 5, 5, 5]) == pytest.approx(0.0)
    assert pareto.gini([0, 0, 0, 1]) == pytest.approx(0.75)
    # defined for non-negative amounts only: with a loss it would pass 1 (here 1.33)
    assert np.isnan(pareto.gini([-1, 0, 0, 3]))
    assert np.isnan(pareto.gini([-1, 1]))
    # a top share of a total that is not material: |1| / 21 = 4.8% of the sizes, under 10%
    assert np.isnan(pareto.top_share([11, -10], 0.5))
    assert pareto.top_share([12, -1], 0.5) == pytest.approx(12 / 11)  # 11 / 13: material


def test_whale_curve_by_hand() -> None:
    led = _ledger([100, 100, 100, 100, 100], [60, 50, 10, -10, -10], unattributed=500)
    curve = pareto.whale_curve(led)
    assert UNATTRIBUTED not in set(curve["customer_id"])
    assert curve["cum_profit"].tolist() == [60, 110, 120, 110, 100]
    assert curve["cum_profit_pct"].iloc[-1] == pytest.approx(100)
    c = pareto.measure_concentration(led, bootstrap=False)
    assert c.whale["peak_profit_pct"] == pytest.approx(120)
    assert c.whale["peak_share_of_customers"] == pytest.approx(0.6)
    assert c.whale["peak_customers"] == 3
    assert c.whale["loss_making_share"] == pytest.approx(0.4)
    assert c.whale["profit_destroyed"] == pytest.approx(20)
    assert c.whale["profit_destroyed_pct"] == pytest.approx(20)
    assert c.pareto["customers"] == 5
    assert c.pareto["unattributed_net_revenue"] == pytest.approx(500)
    assert c.pareto["unattributed_revenue_share"] == pytest.approx(0.5)
    assert any("without a customer hold" in s for s in c.findings)


def test_rule_holds_for_profit_follows_the_data(config: dict) -> None:
    tilted = pareto.measure_concentration(_synthetic(tilt=-0.08), config, bootstrap=False)
    flat = pareto.measure_concentration(_synthetic(tilt=+0.08), config, bootstrap=False)
    assert tilted.pareto["rule_holds_for_profit"] is False
    assert flat.pareto["rule_holds_for_profit"] is True
    # revenue is not concentrated in this world (top 20% bring under 80%): the rule holds for
    # profit only, and the sentence must not say "too"
    assert flat.pareto["revenue_concentrated"] is False
    assert flat.pareto["profit_vs_revenue"] == "more"
    assert any(
        s.startswith("The 80/20 rule holds for profit, not for revenue") for s in flat.findings
    )
    assert not any("holds for profit too" in s for s in flat.findings)
    assert any(s.startswith("Profit is less concentrated") for s in tilted.findings)


def test_bootstrap_intervals_are_seeded_chunked_and_cover_the_estimate(config: dict) -> None:
    led = _synthetic()
    a = pareto.measure_concentration(led, config)
    b = pareto.measure_concentration(led, config)
    assert a.pareto == b.pareto  # seeded
    chunked = {**config, "pareto": {**config["pareto"],
               "bootstrap": {**config["pareto"]["bootstrap"], "max_cells": 1000}}}  # fmt: skip
    assert pareto.measure_concentration(led, chunked).pareto == a.pareto  # same draws, in chunks
    for key in ("top20_revenue_share", "top20_profit_share", "gini_revenue", "top1_revenue_share"):
        lo, hi = a.pareto[f"{key}_ci_low"], a.pareto[f"{key}_ci_high"]
        assert lo <= a.pareto[key] <= hi, key
    for key in ("peak_share_of_customers", "peak_profit_pct", "loss_making_share"):
        assert a.whale[f"{key}_ci_low"] <= a.whale[key] <= a.whale[f"{key}_ci_high"], key
    assert set(a.shares.columns) == {"measure", "top_customers", "share", "ci_low", "ci_high"}


def test_metrics_are_json_safe_even_when_the_company_loses_money() -> None:
    led = _ledger([100, 50, 10], [-5, -20, 3])
    c = pareto.measure_concentration(led, bootstrap=True)
    json.dumps(c.pareto, allow_nan=False)
    json.dumps(c.whale, allow_nan=False)
    assert c.whale["peak_profit_pct"] is None
    assert c.whale["whale_hump"] is None and c.whale["loss_makers"] is None  # 3 customers: too few
    assert c.whale_findings[0].startswith("Only 3 customers: too few")
    assert "loss overall" in c.whale_findings[1]
    assert pareto.headline_shares(led)["top_profit_share"] < 0


def test_headline_shares_and_findings_for_the_explorer() -> None:
    led = _synthetic()
    h = pareto.headline_shares(led, defaults())
    assert {"top_share", "top_revenue_share", "top_profit_share", "whale_peak_share"} <= set(h)
    assert 0 < h["top_revenue_share"] <= 1
    assert all(isinstance(s, str) for s in pareto.pareto_findings(led, defaults()))


def test_figures_return_titled_axes() -> None:
    led = _synthetic(n=200)
    for draw in (pareto.plot_lorenz_curves, pareto.plot_whale_curve):
        ax = draw(led)
        assert isinstance(ax, Axes) and ax.get_title(loc="left")
        ax.figure.clf()


_amounts = st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(net=_amounts, data=st.data())
def test_whale_curve_ends_at_total_profit(net: list[float], data: st.DataObject) -> None:
    profit = data.draw(st.lists(st.floats(-1e5, 1e5, allow_nan=False), min_size=len(net),
                                max_size=len(net)))  # fmt: skip
    curve = pareto.whale_curve(_ledger(net, profit))
    assert curve["cum_profit"].iloc[-1] == pytest.approx(sum(profit), abs=1e-6)
    if sum(profit) > 0 and is_material(sum(profit), sum(abs(p) for p in profit)):
        assert curve["cum_profit_pct"].iloc[-1] == pytest.approx(100)
    else:  # a loss or a total near zero: no % of it
        assert curve["cum_profit_pct"].isna().all()


@settings(max_examples=60, deadline=None)
@given(net=_amounts)
def test_lorenz_curves_of_nonnegative_measures_are_monotone_and_end_at_one(
    net: list[float],
) -> None:
    curves = pareto.lorenz_curves(_ledger(net, net))
    for _, g in curves.groupby("measure"):
        y = g["cum_share"].to_numpy()
        if sum(net) > 0:
            assert np.all(np.diff(y) >= -1e-12)
            assert y[-1] == pytest.approx(1)
            assert y[0] == 0


@settings(max_examples=40, deadline=None)
@given(net=_amounts, data=st.data())
def test_shares_are_invariant_to_row_order(net: list[float], data: st.DataObject) -> None:
    profit = data.draw(st.lists(st.floats(-1e5, 1e5, allow_nan=False), min_size=len(net),
                                max_size=len(net)))  # fmt: skip
    led = _ledger(net, profit)
    perm = data.draw(st.permutations(range(len(led))))
    a = pareto.measure_concentration(led, bootstrap=False)
    b = pareto.measure_concentration(led.iloc[list(perm)], bootstrap=False)
    for key, value in a.pareto.items():
        other = b.pareto[key]
        if isinstance(value, float):
            assert other == pytest.approx(value, rel=1e-9, abs=1e-9), key
        else:
            assert other == value, key
    assert a.whale["peak_profit_pct"] == pytest.approx(b.whale["peak_profit_pct"], nan_ok=True)


@pytest.mark.parametrize("net, profit", [([100, 50, 10, 5, 1] * 20, [5, -2, 3, 1, -1] * 20),
                                         ([100, 50, 10], [-5, -20, 3])])  # fmt: skip
def test_a_measurement_passed_in_gives_the_same_headline_and_sentences(net, profit) -> None:
    led = _ledger(net, profit)
    measured = pareto.measure_concentration(led, bootstrap=False)
    assert pareto.headline_shares(led, measured=measured) == pytest.approx(
        pareto.headline_shares(led), nan_ok=True
    )
    assert pareto.pareto_findings(led, measured=measured) == pareto.pareto_findings(led)
