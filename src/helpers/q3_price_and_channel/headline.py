"""Q3's headline: the numbers recorded for the report and the finding sentences, ending in actions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.q3_price_and_channel.inputs import TODAY
from helpers.q3_price_and_channel.levers import _lever_text
from helpers.q3_price_and_channel.scenario import Scenario, _scenario_sentences
from helpers.results import json_float, money, signed_money

__all__ = ["q3_metrics", "q3_findings"]


def q3_metrics(
    scenario: Scenario,
    contributions: pd.DataFrame,
    curves: pd.DataFrame,
    sensitivity: pd.DataFrame,
    config: Mapping[str, Any],
) -> dict[str, Any]:
    """The numbers for ``ws.record("q3", ...)``.

    Parameters
    ----------
    scenario
        The default scenario (:func:`simulate` without overrides).
    contributions
        :func:`lever_contributions` of that scenario.
    curves
        :func:`break_even_curves`.
    sensitivity
        :func:`tornado`.
    config
        The run's config (``size_tiers.small`` names the small clients' segments).

    Returns
    -------
    dict
        Profit before, after and its change (currency units; the change also as a fraction),
        the small clients' change, expected customers lost / turned, the fee's threshold and
        amount, each lever's contribution, the break-even order value by channel and the
        tornado's swings (JSON-safe: None for missing values).
    """
    totals = scenario.totals
    small = set(config["size_tiers"]["small"])
    by_segment = scenario.by_segment
    small_rows = by_segment.loc[by_segment["segment"].isin(small)]
    fee = scenario.levers.get("small_order_fee") or {}
    return {
        "default_scenario_profit_before": totals["profit_before"],
        "default_scenario_profit_after": totals["profit_after"],
        "default_scenario_profit_change": totals["change"],
        "default_scenario_profit_change_pct": json_float(totals["change_pct"]),
        "small_clients_profit_change": float(small_rows["change"].sum()),
        "customers_lost": totals["customers_lost"],
        "customers_turned_profitable": totals["turned_profitable"],
        "customers_turned_loss_making": totals["turned_loss_making"],
        "fee_threshold": json_float(fee.get("threshold")),
        "fee_amount": json_float(fee.get("fee")),
        "lever_contributions": {str(r.lever): float(r.change) for r in contributions.itertuples()},
        "break_even_order_value_by_channel": {
            str(r.channel): json_float(r.break_even_order_value) for r in curves.itertuples()
        },
        "tornado_top_assumption": str(sensitivity.iloc[0]["assumption"])
        if len(sensitivity)
        else None,
        "tornado_swing": {str(r.assumption): float(r.swing) for r in sensitivity.itertuples()},
    }


def q3_findings(
    scenario: Scenario,
    contributions: pd.DataFrame,
    curves: pd.DataFrame,
    sensitivity: pd.DataFrame,
    config: Mapping[str, Any],
) -> list[str]:
    """The computed finding sentences, ending with the actions.

    Parameters
    ----------
    scenario, contributions, curves, sensitivity, config
        As for :func:`q3_metrics`.

    Returns
    -------
    list of str
        The default scenario and its segments, the break-even order value, what the result
        moves most with, then one "Action:" or "Do not:" sentence per lever.
    """
    texts = _lever_text(scenario.levers, config)
    return [
        *_scenario_sentences(scenario.by_segment, scenario.totals, scenario.levers, config),
        _break_even_sentence(curves),
        *_sensitivity_sentences(sensitivity),
        *_action_sentences(contributions, texts),
    ]


def _break_even_sentence(curves: pd.DataFrame) -> str:
    """Where a small client's order breaks even today and via the other channels."""
    today = curves.loc[curves["channel"] == TODAY].iloc[0]
    parts = [
        f"{r.channel} {money(r.break_even_order_value)}"
        for r in curves.iloc[1:].itertuples()
        if np.isfinite(r.break_even_order_value)
    ]
    below = today.get("share_of_small_orders_below", np.nan)
    return (
        f"A small client's order breaks even at {money(today['break_even_order_value'])} as "
        "served today"
        + (f" ({below:.0%} of their orders are smaller)" if np.isfinite(below) else "")
        + (f"; via other channels: {', '.join(parts)}." if parts else ".")
    )


def _sensitivity_sentences(sensitivity: pd.DataFrame) -> list[str]:
    """The assumption the result moves most with, and whether the gain survives every range."""
    if not len(sensitivity):
        return []
    top = sensitivity.iloc[0]
    out = [
        f"The result moves most with {top['assumption']}: from "
        f"{signed_money(top['change_at_low'])} at {top['low']} to "
        f"{signed_money(top['change_at_high'])} at {top['high']}."
    ]
    signs = np.sign(sensitivity[["change_at_low", "change_at_high"]].to_numpy())
    if (signs > 0).all():
        out.append("Within every tested range of the assumptions the scenario still gains.")
    elif (signs < 0).any():
        flips = sensitivity.loc[(signs < 0).any(axis=1), "assumption"].tolist()
        out.append("The gain turns into a loss at the edge of: " + ", ".join(flips) + ".")
    return out


def _action_sentences(contributions: pd.DataFrame, texts: Mapping[str, str]) -> list[str]:
    """One "Action:" per lever that adds profit (largest first), one "Do not:" per other."""
    good = contributions.loc[contributions["change"] > 0]
    bad = contributions.loc[contributions["change"] <= 0]
    out = [
        f"Action: {texts.get(r.lever, r.lever)} ({signed_money(r.change)})."
        for r in good.sort_values("change", ascending=False).itertuples()
    ]
    out += [
        f"Do not: {texts.get(r.lever, r.lever)} ({signed_money(r.change)} under these assumptions)."
        for r in bad.itertuples()
    ]
    return out
