"""Q3's headline: the numbers recorded for the report and the finding sentences, ending in actions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.q3_price_and_channel.inputs import TODAY
from helpers.q3_price_and_channel.levers import _lever_text
from helpers.q3_price_and_channel.scenario import Scenario
from helpers.q3_price_and_channel.wording import (
    NOT_APPLICABLE,
    RAISES,
    action_sentences,
    contribution_numbers,
    signed,
)
from helpers.results import Result, json_float, money

__all__ = ["q3_metrics", "q3_findings"]


def q3_metrics(
    scenario: Scenario,
    contributions: pd.DataFrame,
    curves: pd.DataFrame,
    sensitivity: pd.DataFrame,
    config: Mapping[str, Any],
    by_level: Result | None = None,
) -> dict[str, Any]:
    """The numbers for ``ws.record("q3", ...)``.

    Parameters
    ----------
    scenario
        The default scenario (:func:`simulate` without overrides, at the lead level).
    contributions
        :func:`lever_contributions` of that scenario.
    curves
        :func:`break_even_curves`.
    sensitivity
        :func:`tornado`.
    config
        The run's config (``size_tiers.small`` names the small clients' segments).
    by_level
        :func:`scenario_by_level`, or None.

    Returns
    -------
    dict
        Profit before, after and its change (currency units; the change also as a fraction,
        None when profit before is not material), the scenario's verdict and level, the small
        clients' change, expected customers lost / turned, the fee's threshold and amount and
        where every resolved amount comes from (resolved_amounts), each lever's contribution
        and the levers not applicable (lever -> why), the break-even order value by channel and
        the tornado's swings; with ``by_level``, lead_level, one dict per profit level and
        ``sensitivity``. JSON-safe (None for missing values).
    """
    out = {
        **_scenario_numbers(scenario, config),
        **contribution_numbers(contributions),
        "break_even_order_value_by_channel": {
            str(r.channel): json_float(r.break_even_order_value) for r in curves.itertuples()
        },
        "tornado_top_assumption": str(sensitivity.iloc[0]["assumption"])
        if len(sensitivity)
        else None,
        "tornado_swing": {str(r.assumption): float(r.swing) for r in sensitivity.itertuples()},
    }
    if by_level is not None and by_level.available:
        out.update(by_level.metrics)
    return out


def _scenario_numbers(scenario: Scenario, config: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario's totals, verdict, level and resolved amounts, for the metrics."""
    totals = scenario.totals
    small = set(config["size_tiers"]["small"])
    by_segment = scenario.by_segment
    small_rows = by_segment.loc[by_segment["segment"].isin(small)]
    fee = scenario.levers.get("small_order_fee") or {}
    return {
        "default_scenario_level": scenario.level,
        "default_scenario_verdict": scenario.verdict,
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
        "resolved_amounts": dict(scenario.levers.get("_sources") or {}),
    }


def q3_findings(
    scenario: Scenario,
    contributions: pd.DataFrame,
    curves: pd.DataFrame,
    sensitivity: pd.DataFrame,
    config: Mapping[str, Any],
    by_level: Result | None = None,
) -> list[str]:
    """The computed finding sentences, ending with the actions.

    Parameters
    ----------
    scenario, contributions, curves, sensitivity, config, by_level
        As for :func:`q3_metrics`.

    Returns
    -------
    list of str
        The default scenario and its segments (at the lead level), where its verdict differs
        between levels and how far the assumed amounts must move to flip it, the break-even
        order value, what the result moves most with, then one "Action:", "Do not:", "No
        effect:" or "Not applicable:" sentence per enabled lever.
    """
    texts = _lever_text(scenario.levers, config)
    magnitude = float(scenario.customers["profit_before"].abs().sum())
    levels_text = by_level.findings if by_level is not None and by_level.available else []
    return [
        *[f for f in scenario.findings if f not in scenario.notes],
        *levels_text,
        *scenario.notes,
        _break_even_sentence(curves, scenario.level),
        *_sensitivity_sentences(sensitivity, scenario.verdict),
        *action_sentences(contributions, texts, magnitude),
    ]


def _break_even_sentence(curves: pd.DataFrame, level: str) -> str:
    """Where a small client's order breaks even today and via the other channels.

    The break-even values count every cost (the policy's basis): when the report leads with a
    level that counts fewer, the sentence says so.
    """
    today = curves.loc[curves["channel"] == TODAY].iloc[0]
    basis = (
        ", with every cost to serve counted (assumed amounts included)"
        if level != "with_assumptions"
        else ""
    )
    value = today["break_even_order_value"]
    if not np.isfinite(value):
        return (
            f"A small client's order never breaks even as served today{basis}: the margin left "
            "after goods and revenue-driven costs is zero or negative, whatever the order size."
        )
    if today["cost_per_order"] <= 0:
        return "No cost to serve per order is counted, so every small client's order breaks even."
    parts = [
        f"{r.channel} {money(r.break_even_order_value)}"
        for r in curves.iloc[1:].itertuples()
        if np.isfinite(r.break_even_order_value)
    ]
    below = today.get("share_of_small_orders_below", np.nan)
    return (
        f"A small client's order breaks even at {money(value)} as served today{basis}"
        + (f"; {below:.0%} of their orders are smaller" if np.isfinite(below) and basis else "")
        + (
            f" ({below:.0%} of their orders are smaller)"
            if np.isfinite(below) and not basis
            else ""
        )
        + (f"; via other channels: {', '.join(parts)}." if parts else ".")
    )


#: the tornado's assumptions in words (others are named by their config key)
ASSUMPTION_WORDS = {
    "small_order_fee.price_elasticity": "the price elasticity of fee-paying orders",
    "small_order_fee.customers_lost_share": "the share of fee-paying customers who leave",
    "small_order_fee.consolidate_share": "the share of small orders consolidated",
    "channel_migration.migration_rate": "the share of orders moved to the cheaper channel",
    "channel_migration.lost_share": "the share of migrated customers who leave",
    "discount_cap.customers_lost_share": "the share of capped big accounts who leave",
    "discount_cap.price_elasticity": "the price elasticity of capped accounts",
    "telesales_for_visits.revenue_change": "the revenue change of customers moved to telesales",
}


def _edges(sensitivity: pd.DataFrame, flips: Any) -> list[str]:
    """Phrases "if <assumption> is <value>" for each tested end where ``flips(change)`` holds."""
    out = []
    for row in sensitivity.itertuples():
        words = ASSUMPTION_WORDS.get(row.assumption, row.assumption)
        ends = [value for value, change in ((row.low, row.change_at_low),
                                            (row.high, row.change_at_high)) if flips(change)]  # fmt: skip
        out += [f"if {words} is {value:g} (tested {row.low:g} to {row.high:g})" for value in ends]
    return out


def _sensitivity_sentences(sensitivity: pd.DataFrame, verdict: str) -> list[str]:
    """The assumption the result moves most with, and whether the verdict survives every range."""
    if not len(sensitivity) or verdict == NOT_APPLICABLE:
        return []
    top = sensitivity.iloc[0]
    out = [
        f"The result moves most with {ASSUMPTION_WORDS.get(top['assumption'], top['assumption'])}: from "
        f"{signed(top['change_at_low'])} at {top['low']:g} to "
        f"{signed(top['change_at_high'])} at {top['high']:g}."
    ]
    if verdict == RAISES:
        flips = _edges(sensitivity, lambda change: change <= 0)
        out.append(
            "The gain turns into a loss " + "; or ".join(flips) + "."
            if flips
            else "Within every tested range of the assumptions the scenario still gains."
        )
    else:
        gains = _edges(sensitivity, lambda change: change > 0)
        out.append(
            "The scenario would gain " + "; or ".join(gains) + "."
            if gains
            else "Within every tested range of the assumptions the scenario does not gain."
        )
    return out
