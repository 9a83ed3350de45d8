"""Thin data never crashes the growth analyses: each says why it cannot conclude."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from growth_books import CONFIG, lines_frame

from helpers import growth
from helpers.results import Result


def _book(case: str) -> pd.DataFrame:
    """Order lines of a thin book (dates span 2022-2024 so that some customers are new)."""
    if case == "empty":
        return lines_frame([])
    if case == "one customer":
        return lines_frame([("C1", "2022-01-03", 100.0), ("C1", "2022-06-01", 80.0)])
    if case == "all one-time buyers":
        days = pd.date_range("2022-01-01", "2024-12-01", periods=60)
        return lines_frame(
            [(f"C{i}", str(d.date()), 50.0 + (37 * i) % 50) for i, d in enumerate(days)]
        )
    if case == "forty customers":  # two purchase days each, a year apart
        days = pd.date_range("2022-01-01", "2023-06-01", periods=40)
        rows = [(f"C{i}", str(d.date()), 10.0 * (i + 1)) for i, d in enumerate(days)]
        rows += [(c, str((pd.Timestamp(d) + pd.Timedelta(days=300)).date()), r) for c, d, r in rows]
        return lines_frame(rows)
    raise ValueError(case)


def _run(lines: pd.DataFrame) -> tuple[list[str], dict]:
    """Notebook 09's growth calls on a book without customers, quotes or products tables."""
    tiers = pd.Series("small", index=pd.Index(lines["customer_id"].unique()), dtype="object")
    cohorts = growth.land_and_expand(lines, None, CONFIG, None)
    approvals = growth.approval_layers(None, CONFIG)
    adoption = growth.innovation_adoption(lines, None, tiers, CONFIG, None)
    survival = growth.survival_table(lines, None, tiers, CONFIG)
    closure = growth.first_year_closure(survival.table, CONFIG) if survival.available else None
    if survival.available:
        for by in ("size_tier", "cohort"):
            curves = growth.kaplan_meier(survival.table, by, CONFIG)
            assert curves.available or "no curves" in curves.message
    findings = growth.growth_findings(cohorts, approvals, adoption, survival, closure, CONFIG)
    metrics = growth.growth_metrics(cohorts, approvals, adoption, survival, closure)
    return findings, metrics


CASES = ["empty", "one customer", "all one-time buyers", "forty customers"]


@pytest.mark.parametrize("case", CASES, ids=CASES)
def test_growth_runs_and_says_why_on_thin_books(case: str) -> None:
    findings, metrics = _run(_book(case))
    text = " ".join(findings)
    json.dumps(metrics, allow_nan=False)  # strict JSON
    for bad in ("nan", "inf%", "n/a", " -0%", "(-0%"):
        assert bad not in text, (bad, text)
    assert "No opportunities table" in text and "No products table" in text
    if case == "empty":
        assert "No purchases in the order lines: no land-and-expand cohorts." in findings
        assert "No purchases: no survival analysis." in findings
    if case == "one customer":  # its first purchase opens the data: not a new customer
        assert "No customer starts inside the data: no land-and-expand cohorts." in findings
    if case == "all one-time buyers":
        assert any(
            f.startswith("No customer whose first order was small or large") for f in findings
        )
        assert any("bought on a second day" in f for f in findings)
        assert metrics["survival_available"] is False
    if case == "forty customers":
        # nobody lapses within a year (each buys again after 300 days): the rate is 0 and its
        # interval is Wilson's on the customers observed for a whole year, not a 0%-0% point
        assert metrics["survival_available"] is True
        assert metrics["first_year_closure_rate"] == 0.0
        assert metrics["first_year_closure_rate_ci_high"] > 0.05


def test_first_year_rate_is_not_given_on_too_few_new_customers() -> None:
    table = pd.DataFrame(
        {"duration": [10.0, 400.0, 50.0], "event": [True, False, False], "size_tier": "small"}
    )
    closure = growth.first_year_closure(table, CONFIG)
    assert closure["rate"] is None and closure["customers"] == 3
    assert closure["group"] == "all customers"
    survival = Result(table=table, detail={"rule": "lapse", "rule_text": "lapse: ..."})
    assert growth.survival_findings(survival, closure, CONFIG) == [
        "Only 3 new customers started inside the data: too few (fewer than 20) to measure "
        "how many lapsed within their first year.",
        "Rule used: lapse: ....",
    ]
