"""The segments' headline: metrics for the report, finding sentences, and both as one Result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from helpers.results import Result, json_float, pct
from helpers.segments.classes import profile_segments, quadrant_thresholds

__all__ = ["segment_metrics", "segment_findings", "segment_summary"]


def segment_metrics(
    ledger: pd.DataFrame, segments: pd.DataFrame, config: Mapping[str, Any]
) -> dict[str, Any]:
    """Headline numbers for ``ws.record('segments', ...)``.

    Quadrant keys use the config's stable keys: ``quadrant_high_low_*`` is high volume, low
    margin (named ``quadrants.names.high_low``, default Reprice).

    Parameters
    ----------
    ledger
        The customer ledger.
    segments
        :func:`assign_segments`.
    config
        The run's config (sections ``size_tiers``, ``quadrants``, ``rfm``, ``abc``).

    Returns
    -------
    dict
        customers; the small clients' customer, revenue and profit shares (fractions) and
        margin (fraction of net revenue); highest_margin_tier; the quadrant thresholds and,
        per quadrant, customers and revenue / profit shares; RFM segments and the top one; ABC
        counts (A by revenue, A by profit, A on one and not the other, loss-making).
    """
    return {
        "customers": int(len(segments)),
        **_small_client_metrics(ledger, segments, config),
        **_quadrant_metrics(ledger, segments, config),
        **_rfm_metrics(ledger, segments, config),
        **_abc_metrics(segments, config),
    }


def _small_client_metrics(
    ledger: pd.DataFrame, segments: pd.DataFrame, config: Mapping[str, Any]
) -> dict[str, Any]:
    """The small tiers' shares of customers, revenue and profit, their margin, the best tier."""
    out: dict[str, Any] = {}
    tiers = profile_segments(ledger, segments, "size_tier").set_index("size_tier")
    small = tiers.loc[[tier for tier in config["size_tiers"]["small"] if tier in tiers.index]]
    out["small_clients_customer_share"] = json_float(small["customer_share"].sum())
    out["small_clients_revenue_share"] = json_float(small["revenue_share"].sum())
    out["small_clients_profit_share"] = json_float(small["profit_share"].sum())
    net = small["net_revenue"].sum()
    out["small_clients_margin"] = json_float(small["profit"].sum() / net) if net else None
    out["highest_margin_tier"] = (
        str(tiers["margin_pct"].idxmax()) if tiers["margin_pct"].notna().any() else None
    )
    return out


def _quadrant_metrics(
    ledger: pd.DataFrame, segments: pd.DataFrame, config: Mapping[str, Any]
) -> dict[str, Any]:
    """The quadrant thresholds and each quadrant's customers, revenue and profit shares."""
    quads = profile_segments(ledger, segments, "quadrant").set_index("quadrant")
    thresholds = quadrant_thresholds(ledger, config)
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
            json_float(row["profit_share"]) if row is not None else 0.0
        )
    return out


def _rfm_metrics(
    ledger: pd.DataFrame, segments: pd.DataFrame, config: Mapping[str, Any]
) -> dict[str, Any]:
    """How many RFM segments, the one earning most, and the first segment's shares."""
    rfm = profile_segments(ledger, segments, "rfm_segment").set_index("rfm_segment")
    out: dict[str, Any] = {"rfm_segments": int(len(rfm))}
    if len(rfm):
        out["rfm_top_profit_segment"] = str(rfm["profit"].idxmax())
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


def segment_findings(metrics: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    """Sentences computed from :func:`segment_metrics`.

    Parameters
    ----------
    metrics
        :func:`segment_metrics`.
    config
        The run's config (names of the small tiers, quadrants and ABC classes).

    Returns
    -------
    list of str
        The small clients' shares, the quadrants to reprice and grow, the ABC mismatch and the
        RFM segment earning most.
    """
    if not metrics["customers"]:
        return ["No customer has sales in the period: no segments."]

    small = " and ".join(config["size_tiers"]["small"])
    out = [
        f"Small clients ({small} tiers) are {pct(metrics['small_clients_customer_share'])} of customers "
        f"and bring {pct(metrics['small_clients_revenue_share'])} of revenue but "
        f"{pct(metrics['small_clients_profit_share'])} of profit, at a {pct(metrics['small_clients_margin'])} "
        f"margin; the {metrics['highest_margin_tier']} tier earns the highest margin.",
    ]
    names = config["quadrants"]["names"]
    rep, grow = "high_low", "low_high"
    out.append(
        f"{metrics[f'quadrant_{rep}_customers']:,} high-volume customers earn less than the "
        f"{pct(metrics['quadrant_margin_threshold'])} margin threshold ({names['high_low'].lower()}: "
        f"{pct(metrics[f'quadrant_{rep}_revenue_share'])} of revenue); {metrics[f'quadrant_{grow}_customers']:,} "
        f"smaller customers earn more than it ({names['low_high'].lower()}: "
        f"{pct(metrics[f'quadrant_{grow}_profit_share'])} of profit)."
    )
    top = config["abc"]["labels"][0]
    out.append(
        f"{metrics['abc_a_revenue_not_a_profit']:,} of the {metrics['abc_a_by_revenue']:,} '{top} by revenue' "
        f"customers are not '{top} by profit', and {metrics['abc_a_profit_not_a_revenue']:,} of the "
        f"{metrics['abc_a_by_profit']:,} '{top} by profit' customers are not '{top} by revenue'."
    )
    if "rfm_top_profit_segment" in metrics:
        out.append(f"The RFM segment earning the most profit: {metrics['rfm_top_profit_segment']}.")
    return out


def segment_summary(
    ledger: pd.DataFrame, segments: pd.DataFrame, config: Mapping[str, Any]
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

    Returns
    -------
    Result
        ``table``: :func:`profile_segments` by size tier; ``metrics``: :func:`segment_metrics`
        (what ``ws.record('segments', ...)`` keeps); ``findings``: :func:`segment_findings`.
    """
    metrics = segment_metrics(ledger, segments, config)
    return Result(
        table=profile_segments(ledger, segments, "size_tier"),
        metrics=metrics,
        findings=segment_findings(metrics, config),
    )
