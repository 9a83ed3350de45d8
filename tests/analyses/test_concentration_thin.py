"""Pareto, segments and seesaw on thin data: every public function runs and says why it cannot
conclude (empty ledger, one customer, all loss-making, under 50 customers, one size tier)."""

from __future__ import annotations

import json
import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from concentration_ledgers import config, thin_cases

from helpers import pareto, seesaw, segments

CASES = thin_cases()
#: tokens no sentence may hold: numbers that are not numbers, a signed zero, a missing value
FORBIDDEN = re.compile(r"\bnan\b|\binf\b|-0%|-0\.0%|n/a", re.IGNORECASE)


def _all_results(ledger: pd.DataFrame, cfg: dict) -> dict[str, object]:
    """Every public analysis function of the three packages on one ledger."""
    segs = segments.assign_segments(ledger, cfg)
    concentration = pareto.measure_concentration(ledger, cfg)
    summary = segments.segment_summary(ledger, segs, cfg)
    return {
        "concentration": concentration,
        "shares": pareto.shares_table(concentration),
        "headline": pareto.headline_shares(ledger, cfg),
        "pareto findings": pareto.pareto_findings(ledger, cfg),
        "lorenz": pareto.lorenz_curves(ledger, cfg),
        "whale": pareto.whale_curve(ledger),
        "verdicts": pareto.ledger_verdicts(ledger, cfg),
        "rfm": segments.rfm_scores(ledger, cfg),
        "quadrants": segments.assign_quadrants(ledger, cfg),
        "thresholds": segments.quadrant_thresholds(ledger, cfg),
        "profiles": [
            segments.profile_segments(ledger, segs, by)
            for by in ("size_tier", "rfm_segment", "quadrant", "abc_profit")
        ],  # fmt: skip
        "crosstab": segments.abc_crosstab(segs),
        "segments": summary,
        "seesaw": seesaw.measure_seesaw(ledger, cfg),
        "tiers": seesaw.tier_table(ledger, cfg),
        "bridge": seesaw.bridge_table(ledger, cfg),
        "trend": seesaw.fit_trend(ledger, cfg),
        "bins": seesaw.binned_margins(ledger, cfg),
    }


def _figures(ledger: pd.DataFrame, cfg: dict) -> list[str]:
    """Draw every figure; return their titles."""
    segs = segments.assign_segments(ledger, cfg)
    axes = [
        pareto.plot_lorenz_curves(ledger, config=cfg),
        pareto.plot_whale_curve(ledger, config=cfg),
        pareto.plot_whale_sensitivity(ledger, config=cfg),
        segments.plot_quadrants(ledger, segs, cfg),
        segments.plot_segment_profile(
            segments.profile_segments(ledger, segs, "size_tier"), "size_tier"
        ),  # fmt: skip
        segments.plot_abc_crosstab(segments.abc_crosstab(segs)),
        seesaw.plot_scatter(ledger, cfg),
        seesaw.plot_seesaw(ledger, cfg),
        seesaw.plot_tier_margins(ledger, cfg),
        seesaw.plot_bridge(ledger, cfg),
    ]
    titles = [ax.get_title(loc="left") for ax in axes]
    plt.close("all")
    return titles


def _sentences(results: dict[str, object]) -> list[str]:
    concentration = results["concentration"]
    return [
        *concentration.findings,
        *concentration.whale_findings,
        *results["segments"].findings,
        *results["seesaw"].findings,
    ]


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_every_function_runs_and_every_sentence_is_clean(case: str) -> None:
    cfg = config()
    results = _all_results(CASES[case], cfg)
    sentences = _sentences(results)
    titles = _figures(CASES[case], cfg)
    for text in [*sentences, *titles]:
        assert not FORBIDDEN.search(text), text
    for section in (results["concentration"].pareto, results["concentration"].whale,
                    results["segments"].metrics, results["seesaw"].metrics):  # fmt: skip
        json.dumps(section, allow_nan=False)  # the metrics are strict JSON


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("empty", "No customer has sales"),
        ("one customer", "Only 1 customer: too few for a verdict on concentration"),
        ("30 customers", "Only 30 customers: too few for a verdict on concentration"),
    ],
)
def test_thin_data_says_why_pareto_cannot_conclude(case: str, reason: str) -> None:
    result = pareto.measure_concentration(CASES[case], config())
    assert any(reason in sentence for sentence in result.findings), result.findings
    assert result.pareto.get("profit_vs_revenue") is None
    assert result.whale.get("whale_hump") is None


@pytest.mark.parametrize(
    ("case", "seesaw_reason", "segment_reason"),
    [
        ("empty", "no seesaw to show", "No customer has sales"),
        ("one customer", "Every customer falls in one size tier (small)", "not applicable"),
        ("30 customers", "Only 30 customers: too few for a verdict on the seesaw",
         "Only 30 customers: too few for a verdict on segments"),
        ("single tier", "Every customer falls in one size tier (micro)",
         "a comparison of small clients with the others is not applicable"),
    ],
)  # fmt: skip
def test_thin_data_says_why_seesaw_and_segments_cannot_conclude(
    case: str, seesaw_reason: str, segment_reason: str
) -> None:
    cfg = config()
    led = CASES[case]
    result = seesaw.measure_seesaw(led, cfg)
    assert any(seesaw_reason in s for s in result.findings), result.findings
    assert result.metrics.get("tilt") is None and result.metrics.get("most_profitable_tier") is None
    summary = segments.segment_summary(led, segments.assign_segments(led, cfg), cfg)
    assert any(segment_reason in s for s in summary.findings), summary.findings
    if len(led):
        assert summary.metrics["highest_margin_tier"] is None


def test_all_loss_making_reads_as_losses() -> None:
    cfg = config()
    led = CASES["all loss-making"]
    sentences = _sentences(_all_results(led, cfg)) + _figures(led, cfg)
    text = " ".join(sentences)
    # never a share of a negative total, never "most profitable" or "earns the highest margin"
    for wrong in (r"\d% of (total )?profit", r"most profitable", r"earns? the highest margin",
                  r"earn more than"):  # fmt: skip
        assert not re.search(wrong, text), (wrong, [s for s in sentences if re.search(wrong, s)])
    assert "no share of profit is meaningful" in text
    assert "Every size tier loses money" in text
