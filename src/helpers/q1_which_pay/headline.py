"""Q1's headline: the numbers recorded for the report and the finding sentences, ending in the action."""

from __future__ import annotations

from typing import Any

import pandas as pd

from helpers.results import Result

__all__ = ["q1_metrics", "q1_findings"]


def q1_metrics(
    shares: Result, segments: Result, model: Result, actions: pd.DataFrame
) -> dict[str, Any]:
    """The numbers for ``ws.record("q1", ...)``.

    Parameters
    ----------
    shares, segments, model
        :func:`class_shares`, :func:`segment_profitability`, :func:`fit_profile_model`.
    actions
        :func:`action_list`.

    Returns
    -------
    dict
        The three results' metrics merged (shares as fractions), model_available and
        action_list_size.
    """
    out: dict[str, Any] = {}
    for result in (shares, segments, model):
        out.update(result.metrics)
    out["model_available"] = model.available
    out["action_list_size"] = int(len(actions))
    return out


def q1_findings(
    shares: Result, segments: Result, model: Result, actions: pd.DataFrame
) -> list[str]:
    """The computed finding sentences, ending with the action.

    Parameters
    ----------
    shares, segments, model, actions
        As for :func:`q1_metrics`.

    Returns
    -------
    list of str
        Each result's findings (or why it is not available), then one "Action:" sentence.
    """
    out: list[str] = []
    for result in (shares, segments, model):
        out += result.findings if result.available else [result.message]
    if len(actions):
        out.append(
            f"Action: {len(actions)} active small clients look like the profitable profile "
            f"(≥ {actions['probability_profitable'].min():.0%} predicted) but have not grown "
            "yet — the sales team's list is exported as q1_action_list (CSV and Excel)."
        )
    else:
        out.append("Action: no small client matches the profitable profile without having grown.")
    return out
