"""The notebook's record of the trust-and-growth analyses: headline numbers and finding sentences."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from helpers.growth.survival import survival_findings
from helpers.results import Result, json_safe

__all__ = ["growth_metrics", "growth_findings"]


def growth_metrics(
    cohorts: Result,
    approvals: Result,
    adoption: Result,
    survival: Result,
    closure: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Headline numbers of the trust-and-growth analyses for ``ws.record("growth", ...)``.

    Parameters
    ----------
    cohorts
        :func:`~helpers.growth.land_and_expand`.
    approvals
        :func:`~helpers.growth.approval_layers`.
    adoption
        :func:`~helpers.growth.innovation_adoption`.
    survival
        :func:`~helpers.growth.survival_table`.
    closure
        :func:`~helpers.growth.first_year_closure`, or None without a survival table.

    Returns
    -------
    dict
        ``<analysis>_available`` (and ``<analysis>_message`` when not), every analysis's
        metrics and the first-year closure rate with its interval and the claim test; strict
        JSON.
    """
    out: dict[str, Any] = {}
    for name, res in (
        ("land_and_expand", cohorts),
        ("approvals", approvals),
        ("adoption", adoption),
        ("survival", survival),
    ):
        out[f"{name}_available"] = res.available
        if not res.available:
            out[f"{name}_message"] = res.message
    out.update(cohorts.metrics)
    out.update(approvals.metrics)
    out.update(adoption.metrics)
    if survival.available and closure:
        out.update(
            {
                "survival_rule": survival.detail["rule"],
                "first_year_closure_group": closure["group"],
                "first_year_closure_customers": closure["customers"],
                "first_year_closure_rate": closure["rate"],
                "first_year_closure_rate_ci_low": closure["ci_low"],
                "first_year_closure_rate_ci_high": closure["ci_high"],
                "first_year_closure_claim": closure["claim"],
                "first_year_closure_claim_in_ci": closure["claim_in_ci"],
            }
        )
    return json_safe(out)


def growth_findings(
    cohorts: Result,
    approvals: Result,
    adoption: Result,
    survival: Result,
    closure: Mapping[str, Any] | None,
    config: Mapping[str, Any],
) -> list[str]:
    """Every finding sentence of the trust-and-growth analyses, in reading order.

    Parameters
    ----------
    cohorts, approvals, adoption, survival
        The four analyses' results.
    closure
        :func:`~helpers.growth.first_year_closure`, or None without a survival table.
    config
        The dataset config.

    Returns
    -------
    list of str
        Land and expand, approvals, adoption, then survival sentences.
    """
    out = [*cohorts.findings, *approvals.findings, *adoption.findings]
    out += survival_findings(survival, closure or {}, config)
    return out
