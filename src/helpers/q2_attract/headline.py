"""Q2's headline: the numbers recorded for the report and the finding sentences, ending in the action."""

from __future__ import annotations

from typing import Any

from helpers.results import Result

__all__ = ["q2_metrics", "q2_findings"]


def q2_metrics(summary: Result, new: Result, economics: Result, crowd: Result) -> dict[str, Any]:
    """The numbers for ``ws.record("q2", ...)``.

    Parameters
    ----------
    summary, new, economics, crowd
        :func:`channel_summary`, :func:`new_customers`, :func:`channel_economics`,
        :func:`crowd_arithmetic`.

    Returns
    -------
    dict
        The four results' metrics merged, and crowd_available.
    """
    out: dict[str, Any] = {}
    for result in (summary, new, economics, crowd):
        out.update(result.metrics)
    out["crowd_available"] = crowd.available
    return out


def q2_findings(summary: Result, new: Result, economics: Result, crowd: Result) -> list[str]:
    """The computed finding sentences, ending with the action.

    Parameters
    ----------
    summary, new, economics, crowd
        As for :func:`q2_metrics`.

    Returns
    -------
    list of str
        The channel summary's, the economics' and the crowd's findings (or why they are not
        available), then an "Action:" sentence when a best channel is known.
    """
    out: list[str] = []
    for result in (summary, economics, crowd):
        out += result.findings if result.available else [result.message]
    best = economics.metrics.get("best_channel")
    cheap = economics.metrics.get("cheapest_channel_for_profitable_small")
    if best and economics.metrics.get("spend_available"):
        by_channel = economics.table.set_index("channel")
        weak = by_channel.loc[
            (by_channel["judgement"] == "") & (by_channel["fv_to_cac"] < 1)
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
    return out
