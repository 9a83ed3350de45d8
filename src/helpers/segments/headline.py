"""The segments' headline: metrics for the report at each level of profit, and the Result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from helpers.results import Result, json_float, share_of
from helpers.segments import verdicts
from helpers.segments.classes import profile_segments, quadrant_thresholds
from helpers.segments.sentences import segment_findings

__all__ = ["segment_metrics", "segment_findings", "segment_summary"]


def segment_metrics(
    ledger: pd.DataFrame,
    segments: pd.DataFrame,
    config: Mapping[str, Any],
    level: str | None = None,
) -> dict[str, Any]:
    """Headline numbers for ``ws.record('segments', ...)``.

    Quadrant keys use the config's stable keys: ``quadrant_high_low_*`` is high volume, low
    margin (named ``quadrants.names.high_low``, default Reprice).

    Parameters
    ----------
    ledger
        The customer ledger.
    segments
        :func:`assign_segments` (at the same level).
    config
        The run's config (sections ``size_tiers``, ``quadrants``, ``rfm``, ``abc``,
        ``segments``).
    level
        The level of profit to lead with; None means the lead level
        (:func:`helpers.ledger.levels.lead_level`).

    Returns
    -------
    dict
        At the lead level: customers; the small clients' customer, revenue and profit shares
        (fractions; profit share None when the total profit is not material), their profit
        (currency units) and margin (fraction of net revenue), the rest's margin; the verdicts
        ``highest_margin_tier`` and ``small_clients`` ("higher" / "lower" margin than the
        others; None when not applicable); the quadrant thresholds and, per quadrant,
        customers, revenue / profit shares and profit; RFM segments and the top one; ABC counts
        (A by revenue, A by profit, A on one and not the other, loss-making). Also
        ``lead_level``, ``levels`` (the levels compared, lead first), one dict of the tier and
        small-client numbers per level in the data, and ``sensitivity`` (verdict ->
        :func:`helpers.ledger.levels.verdict_range`).
    """
    lead, frames, present = verdicts.level_frames(ledger, level)
    minimum = int(config["segments"]["min_customers"])
    out: dict[str, Any] = {
        "customers": int(len(segments)),
        **_small_client_metrics(frames[lead], segments, config, minimum),
        **_quadrant_metrics(frames[lead], segments, config),
        **_rfm_metrics(frames[lead], segments, config),
        **_abc_metrics(segments, config),
    }
    for name in present:
        out[name] = _small_client_metrics(frames[name], segments, config, minimum)
    out["lead_level"] = lead
    out["levels"] = verdicts.level_order(lead, present)
    out["sensitivity"] = verdicts.sensitivity(ledger, config["size_tiers"]["small"], minimum)
    return out


def _small_client_metrics(
    ledger: pd.DataFrame, segments: pd.DataFrame, config: Mapping[str, Any], minimum: int
) -> dict[str, Any]:
    """The small tiers' shares of customers, revenue and profit, their margin, both verdicts."""
    tiers = profile_segments(ledger, segments, "size_tier", level="with_assumptions")
    tiers = tiers.set_index("size_tier")  # profit is already at its level: taken as it is
    names = [str(tier) for tier in config["size_tiers"]["small"]]
    small, rest = tiers.loc[tiers.index.isin(names)], tiers.loc[~tiers.index.isin(names)]
    found = verdicts.ledger_verdicts(ledger, names, minimum)
    net, rest_net = small["net_revenue"].sum(), rest["net_revenue"].sum()
    return {
        "small_clients_customers": int(small["customers"].sum()),
        "small_clients_customer_share": json_float(small["customer_share"].sum()),
        "small_clients_revenue_share": json_float(small["revenue_share"].sum()),
        "small_clients_profit_share": share_of(small["profit"].sum(), tiers["profit"]),
        "small_clients_profit": json_float(small["profit"].sum()),
        "small_clients_margin": json_float(small["profit"].sum() / net) if net else None,
        "other_clients_margin": json_float(rest["profit"].sum() / rest_net) if rest_net else None,
        "tiers_with_customers": int((tiers["customers"] > 0).sum()),
        "highest_margin_tier": found["highest_margin_tier"],
        "highest_tier_margin": json_float(tiers.loc[found["highest_margin_tier"], "margin_pct"])
        if found["highest_margin_tier"] is not None
        else None,
        "small_clients": found["small_clients"],
    }


def _quadrant_metrics(
    ledger: pd.DataFrame, segments: pd.DataFrame, config: Mapping[str, Any]
) -> dict[str, Any]:
    """The quadrant thresholds and each quadrant's customers, revenue and profit shares."""
    quads = profile_segments(ledger, segments, "quadrant", level="with_assumptions")
    quads = quads.set_index("quadrant")
    thresholds = quadrant_thresholds(ledger, config, level="with_assumptions")
    out: dict[str, Any] = {
        "quadrant_volume_threshold": json_float(thresholds["volume"]),
        "quadrant_margin_threshold": json_float(thresholds["margin"]),
    }
    for slug, name in config["quadrants"]["names"].items():  # slug: volume_margin, e.g. high_low
        row = quads.loc[name] if name in quads.index else None
        out[f"quadrant_{slug}_customers"] = int(row["customers"]) if row is not None else 0
        out[f"quadrant_{slug}_revenue_share"] = (
            json_float(row["revenue_share"]) if row is not None else 0.0
        )
        out[f"quadrant_{slug}_profit_share"] = (
            json_float(row["profit_share"]) if row is not None else None
        )
        out[f"quadrant_{slug}_profit"] = json_float(row["profit"]) if row is not None else 0.0
    return out


def _rfm_metrics(
    ledger: pd.DataFrame, segments: pd.DataFrame, config: Mapping[str, Any]
) -> dict[str, Any]:
    """How many RFM segments, the one earning most (or losing least), the first one's shares."""
    rfm = profile_segments(ledger, segments, "rfm_segment", level="with_assumptions")
    rfm = rfm.set_index("rfm_segment")
    out: dict[str, Any] = {"rfm_segments": int(len(rfm))}
    if len(rfm):
        out["rfm_top_profit_segment"] = str(rfm["profit"].idxmax())
        out["rfm_top_profit"] = json_float(rfm["profit"].max())
    first = config["rfm"]["segments"][0]["name"]
    if first in rfm.index:
        out["rfm_first_segment_customer_share"] = json_float(rfm.loc[first, "customer_share"])
        out["rfm_first_segment_profit_share"] = json_float(rfm.loc[first, "profit_share"])
    return out


def _abc_metrics(segments: pd.DataFrame, config: Mapping[str, Any]) -> dict[str, Any]:
    """Customers in class A by revenue, by profit, on one and not the other; loss makers."""
    label = config["abc"]["labels"][0]
    by_revenue, by_profit = segments["abc_revenue"] == label, segments["abc_profit"] == label
    return {
        "abc_a_by_revenue": int(by_revenue.sum()),
        "abc_a_by_profit": int(by_profit.sum()),
        "abc_a_revenue_not_a_profit": int((by_revenue & ~by_profit).sum()),
        "abc_a_profit_not_a_revenue": int((by_profit & ~by_revenue).sum()),
        "abc_loss_making": int((segments["abc_profit"] == config["abc"]["loss_label"]).sum()),
    }


def segment_summary(
    ledger: pd.DataFrame,
    segments: pd.DataFrame,
    config: Mapping[str, Any],
    level: str | None = None,
) -> Result:
    """The segments' headline as one Result: the size-tier profile, metrics and findings.

    Parameters
    ----------
    ledger
        The customer ledger.
    segments
        :func:`assign_segments`.
    config
        The run's config.
    level
        The level of profit to lead with; None means the lead level.

    Returns
    -------
    Result
        ``table``: :func:`profile_segments` by size tier; ``metrics``: :func:`segment_metrics`
        (what ``ws.record('segments', ...)`` keeps); ``findings``: :func:`segment_findings`.
    """
    metrics = segment_metrics(ledger, segments, config, level)
    return Result(
        table=profile_segments(ledger, segments, "size_tier", level=level),
        metrics=metrics,
        findings=segment_findings(metrics, config),
    )
