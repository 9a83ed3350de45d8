"""Q1's headline: the numbers recorded for the report and the finding sentences, ending in the action."""

from __future__ import annotations

from typing import Any

import pandas as pd

from helpers.results import Result

__all__ = ["q1_metrics", "q1_findings"]


def q1_metrics(
    shares: Result,
    segments: Result,
    model: Result,
    actions: pd.DataFrame,
    by_level: Result | None = None,
) -> dict[str, Any]:
    """The numbers for ``ws.record("q1", ...)``.

    Parameters
    ----------
    shares, segments, model
        :func:`class_shares`, :func:`segment_profitability`, :func:`fit_profile_model` (at the
        level the report leads with).
    actions
        :func:`action_list`.
    by_level
        :func:`shares_by_level`, or None.

    Returns
    -------
    dict
        The three results' metrics merged (shares as fractions, at the lead level),
        model_available and action_list_size; with ``by_level``, lead_level, one dict per
        profit level and ``sensitivity``.
    """
    out: dict[str, Any] = {}
    for result in (shares, segments, model):
        out.update(result.metrics)
    out["model_available"] = model.available
    out["action_list_size"] = int(len(actions))
    if by_level is not None and by_level.available:
        out.update(by_level.metrics)
    return out


def q1_findings(
    shares: Result,
    segments: Result,
    model: Result,
    actions: pd.DataFrame,
    by_level: Result | None = None,
) -> list[str]:
    """The computed finding sentences, ending with the action.

    Parameters
    ----------
    shares, segments, model, actions, by_level
        As for :func:`q1_metrics`.

    Returns
    -------
    list of str
        The shares' findings at the lead level, where a verdict differs between levels and
        how far the assumptions must move to flip it, the segments' and the model's findings
        (or why they are not available), then one "Action:" sentence.
    """
    out: list[str] = list(shares.findings if shares.available else [shares.message])
    if by_level is not None and by_level.available:
        out += by_level.findings
    for result in (segments, model):
        out += result.findings if result.available else [result.message]
    if len(actions):
        out.append(
            f"Action: {len(actions)} active small clients look like the profitable profile "
            f"(≥ {actions['probability_profitable'].min():.0%} predicted) but have not grown "
            "yet — the sales team's list is exported as q1_action_list (CSV and Excel)."
        )
    elif model.available and not model.metrics.get("model_informative", True):
        out.append(
            "Action: none from the profile model — it predicts no better than guessing, so it "
            "cannot single out clients who should be profitable."
        )
    elif not model.available:
        out.append("Action: none from the profile model — there is no model (see above).")
    else:
        out.append("Action: no small client matches the profitable profile without having grown.")
    return out
