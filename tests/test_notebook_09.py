"""Notebook 09 runs headless on the sample world and on an order-lines-only dataset."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from helpers import paths

NOTEBOOK = "09-trust-growth-and-future-value"


def _metrics(run_dir: Path, section: str) -> dict:
    return json.loads((run_dir / "metrics" / f"{section}.json").read_text())


def _no_nan(run_dir: Path) -> None:
    """No finding of the page holds a non-number, a signed zero or an unranked "unknown"."""
    for section in ("growth", "clv"):
        for sentence in _metrics(run_dir, section)["findings"]:
            assert not re.search(r"\bnan\b|\binf\b|(?<![\d%])-0%|\bn/a\b|unknown", sentence), (
                sentence
            )


@pytest.mark.slow
def test_notebook_09_on_the_sample_world(run_notebook, sample_config) -> None:
    run_dir = run_notebook(NOTEBOOK, sample_config)
    growth = _metrics(run_dir, "growth")
    m = growth["metrics"]
    assert m["survival_rule"] == "closure"
    low, rate, high = (
        m["first_year_closure_rate_ci_low"],
        m["first_year_closure_rate"],
        m["first_year_closure_rate_ci_high"],
    )
    assert 0 <= low <= rate <= high <= 1
    # independent check from the raw tables: new small clients whose first year lies inside
    # the data, the plain share closed within 365 days of signing up
    raw = paths.SAMPLE_DIR / "default"
    customers = pd.read_parquet(raw / "customers.parquet")
    end = pd.read_parquet(raw / "order_lines.parquet", columns=["order_date"])["order_date"].max()
    start = pd.read_parquet(raw / "order_lines.parquet", columns=["order_date"])["order_date"].min()
    small = customers.loc[
        (customers["employees"] < 50)
        & (customers["signup_date"] >= start)
        & (customers["signup_date"] <= end - pd.Timedelta(days=365))
    ]
    plain = ((small["closed_date"] - small["signup_date"]).dt.days <= 365).mean()
    assert rate == pytest.approx(plain, abs=0.02)
    # win rate by layers against the raw quotes
    quotes = pd.read_parquet(raw / "opportunities.parquet")
    decided = quotes.loc[quotes["won"].notna()]
    one_layer = decided.loc[decided["approval_layers"] == 1, "won"].astype(bool).mean()
    assert m["win_rate_by_layers"]["1"] == pytest.approx(one_layer)
    for key in ("small_first_second_order_rate", "large_first_second_order_rate"):
        assert 0 <= m[key + "_ci_low"] <= m[key] <= m[key + "_ci_high"] <= 1
    assert any("observational" in s for s in growth["findings"])
    clv = _metrics(run_dir, "clv")["metrics"]
    assert clv["available"] and clv["bgnbd"]["converged"]
    assert clv["total_expected_profit"] is not None and clv["holdout_mae"] >= 0
    for fig in ("land_and_expand", "approval_cascade", "survival_by_tier", "holdout_by_decile"):
        assert (run_dir / "figures" / f"{fig}.png").exists()
    assert clv["boundary"] is None and clv["fallback"] is None  # an interior BG/NBD fit
    _no_nan(run_dir)


@pytest.mark.slow
def test_notebook_09_on_order_lines_only(run_notebook, sample_config) -> None:
    config = paths.CONFIGS_DIR / "order-lines-only.yaml"
    if not config.exists():
        pytest.skip("configs/order-lines-only.yaml not created yet")
    run_dir = run_notebook(NOTEBOOK, config)
    growth = _metrics(run_dir, "growth")
    m = growth["metrics"]
    assert m["approvals_available"] is False and "No opportunities table" in m["approvals_message"]
    assert m["adoption_available"] is False and "No products table" in m["adoption_message"]
    assert m["survival_rule"] == "lapse"
    assert any(s.startswith("Rule used: lapse") for s in growth["findings"])
    assert m["land_and_expand_available"] is True
    assert _metrics(run_dir, "clv")["metrics"]["available"] is True
    _no_nan(run_dir)
