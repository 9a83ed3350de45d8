"""Q2's headline: the numbers recorded for the report and the finding sentences, ending in the action."""

from __future__ import annotations

from typing import Any

from helpers.q2_attract.channels import UNKNOWN
from helpers.results import Result

__all__ = ["q2_metrics", "q2_findings"]


def q2_metrics(
    summary: Result,
    new: Result,
    economics: Result,
    crowd: Result,
    by_level: Result | None = None,
) -> dict[str, Any]:
    """The numbers for ``ws.record("q2", ...)``.

    Parameters
    ----------
    summary, new, economics, crowd
        :func:`channel_summary`, :func:`new_customers`, :func:`channel_economics`,
        :func:`crowd_arithmetic` (at the level the report leads with).
    by_level
        :func:`economics_by_level`, or None.

    Returns
    -------
    dict
        The four results' metrics merged, and crowd_available; with ``by_level``,
        lead_level, one dict per profit level and ``sensitivity``.
    """
    out: dict[str, Any] = {}
    for result in (summary, new, economics, crowd):
        out.update(result.metrics)
    out["crowd_available"] = crowd.available
    if by_level is not None and by_level.available:
        out.update(by_level.metrics)
    return out


def q2_findings(
    summary: Result,
    new: Result,
    economics: Result,
    crowd: Result,
    by_level: Result | None = None,
) -> list[str]:
    """The computed finding sentences, ending with the action.

    Parameters
    ----------
    summary, new, economics, crowd, by_level
        As for :func:`q2_metrics`.

    Returns
    -------
    list of str
        The channel summary's and the economics' findings (or why they are not available),
        the first-year profit at each level and where a verdict differs, the crowd's findings,
        then an "Action:" sentence: a channel only when one can be ranked.
    """
    out: list[str] = []
    for result in (summary, economics):
        out += result.findings if result.available else [result.message]
    if by_level is not None and by_level.available:
        out += by_level.findings
    out += crowd.findings if crowd.available else [crowd.message]
    best = economics.metrics.get("best_channel")
    cheap = economics.metrics.get("cheapest_channel_for_profitable_small")
    if best and economics.metrics.get("spend_available"):
        by_channel = economics.table.set_index("channel")
        weak = by_channel.loc[
            (by_channel["judgement"] == "")
            & (by_channel["fv_to_cac"] < 1)
            & (by_channel.index != UNKNOWN)
        ].index.tolist()
        action = f"Action: shift acquisition budget towards {best}"
        if cheap and cheap != best:
            action += f" (and {cheap} for small clients)"
        action += (
            f" and away from {', '.join(weak)}, whose customers do not earn back their cost."
            if weak
            else "; every judged channel earns back its acquisition cost."
        )
        out.append(action)
    elif best:
        out.append(
            f"Action: record acquisition spend per channel to price it; meanwhile {best} brings "
            "the most valuable new customers."
        )
    elif economics.available and not new.metrics.get("channel_source"):
        out.append(
            "Action: record each customer's acquisition channel (and the spend per channel) so "
            "that channels can be compared; none can be recommended from this data."
        )
    return out
