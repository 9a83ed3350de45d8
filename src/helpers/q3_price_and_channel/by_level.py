"""Q3 at every profit level: the default scenario's result, lever by lever, and its robustness."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.ledger import levels
from helpers.q3_price_and_channel.inputs import OrderBook
from helpers.q3_price_and_channel.levels_view import _has_levels, _lead_level, _levels_shown
from helpers.q3_price_and_channel.scenario import Scenario, contributions_of, scenario_of
from helpers.q3_price_and_channel.simulator import Simulator
from helpers.q3_price_and_channel.wording import contribution_numbers, signed
from helpers.results import Result, json_float

__all__ = ["MULTIPLIERS", "scenario_by_level"]

#: the multiples of the assumed amounts the scenario's verdict is tested at (a scenario is a
#: full simulation, so the grid is coarser than :data:`helpers.ledger.levels.MULTIPLIERS`)
MULTIPLIERS: tuple[float, ...] = tuple(float(k) for k in np.round(np.arange(0, 3.0001, 0.25), 2))


def scenario_by_level(
    ledger: pd.DataFrame,
    config: Mapping[str, Any],
    orders: pd.DataFrame | OrderBook | None = None,
    lead: tuple[Scenario, pd.DataFrame] | None = None,
) -> Result:
    """The default scenario at every profit level the data supports.

    The policy (the levers, ``auto`` amounts resolved on the whole ledger) is the same at
    every level; only the costs it can change differ.

    Parameters
    ----------
    ledger, config, orders
        As for :func:`simulate`.
    lead
        The default scenario and its :func:`lever_contributions` at the lead level, when
        already computed (they are reused, not recomputed).

    Returns
    -------
    Result
        ``table``: level, profit_before, profit_after, change (currency units), change_pct
        (fraction or NaN), verdict, one row per level in
        :func:`helpers.ledger.levels.levels_in`; ``metrics``: lead_level, one dict per level
        (default_scenario_profit_before / _after / _change / _change_pct,
        default_scenario_verdict, lever_contributions, levers_not_applicable) and
        ``sensitivity`` ({"default_scenario_verdict": :func:`helpers.ledger.levels.verdict_range`
        over :data:`MULTIPLIERS`}); ``findings``: where the verdict of the scenario or of a
        lever differs between levels, and how far the assumed amounts must move to flip it.
    """
    lead_level = _lead_level(ledger)
    shown = _levels_shown(ledger)
    simulator = Simulator(ledger, config, orders)  # what no level changes prepared once
    # without assumptions the lead level's numbers are those of the last level shown
    same_as_lead = lead_level if lead_level in shown else shown[-1]
    headline = {}
    for level in shown:
        if lead is not None and level == same_as_lead:
            headline[level] = _numbers(*lead)
        else:
            at_level = simulator.at(level)
            headline[level] = _numbers(scenario_of(at_level), contributions_of(at_level))
    sensitivity = _sensitivity(ledger, simulator)
    table = pd.DataFrame(
        [
            {
                "level": level,
                **{name: n[f"default_scenario_{key}"] for name, key in _COLUMNS.items()},
            }
            for level, n in headline.items()
        ]  # fmt: skip
    )
    findings = [*_level_sentences(headline), *_sensitivity_sentences(ledger, sensitivity)]
    return Result(
        table=table,
        metrics={"lead_level": lead_level, **headline, "sensitivity": sensitivity},
        findings=findings,
    )


#: the table's columns -> the headline numbers they show (``default_scenario_<key>``)
_COLUMNS = {"profit_before": "profit_before", "profit_after": "profit_after",
            "change": "profit_change", "change_pct": "profit_change_pct", "verdict": "verdict"}  # fmt: skip


def _numbers(scenario: Scenario, contributions: pd.DataFrame) -> dict[str, Any]:
    """The default scenario's headline numbers at one level."""
    totals = scenario.totals
    return {
        "default_scenario_profit_before": totals["profit_before"],
        "default_scenario_profit_after": totals["profit_after"],
        "default_scenario_profit_change": totals["change"],
        "default_scenario_profit_change_pct": json_float(totals["change_pct"]),
        "default_scenario_verdict": scenario.verdict,
        **contribution_numbers(contributions),
    }


def _sensitivity(ledger: pd.DataFrame, simulator: Simulator) -> dict[str, Any]:
    """The multiples of the assumed amounts over which the scenario's verdict holds."""
    if not _has_levels(ledger):
        return {}
    if float(ledger["assumed_amount"].abs().sum()) == 0:  # nothing assumed: nothing can move
        verdict = scenario_of(simulator.at("with_assumptions")).verdict
        return {"default_scenario_verdict": {
            "verdict": verdict, "holds_from": MULTIPLIERS[0], "holds_to": MULTIPLIERS[-1],
            "flips_below": None, "flips_above": None, "flips_to_below": None,
            "flips_to_above": None}}  # fmt: skip
    assumed = float(ledger["assumed_amount"].sum())

    def verdict(frame: pd.DataFrame) -> str:
        extra = float((frame["cost_to_serve"] - ledger["cost_to_serve"]).sum())
        multiplier = round(1.0 + extra / assumed, 6) if assumed else 1.0
        return scenario_of(simulator.at("with_assumptions", multiplier)).verdict

    found = levels.verdict_range(ledger, verdict, MULTIPLIERS)
    return {"default_scenario_verdict": found}


def _level_sentences(headline: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Where the scenario's verdict, or a lever's, differs between levels."""
    if len(headline) < 2:
        return []
    out = []
    verdicts = {level: n["default_scenario_verdict"] for level, n in headline.items()}
    if len(set(verdicts.values())) > 1:
        out.append(
            "The default scenario's verdict depends on the level of cost counted: "
            + "; ".join(
                f"it {verdict} ({signed(headline[level]['default_scenario_profit_change'])}) "
                f"{levels.LEVEL_WORDS[level]}"
                if verdict != "not applicable"
                else f"it reaches nobody {levels.LEVEL_WORDS[level]}"
                for level, verdict in verdicts.items()
            )
            + "."
        )
    levers = _lever_differences(headline)
    if levers:
        out.append("Lever by lever, the levels differ: " + "; ".join(levers) + ".")
    if not out:
        out.append(
            "The default scenario and each lever get the same verdict at every level of cost "
            "the data supports."
        )
    return out


def _lever_differences(headline: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Each lever whose verdict (adds, costs, not applicable) differs between levels."""
    names = {lever for n in headline.values() for lever in n["lever_contributions"]}
    out = []
    for lever in sorted(names):
        words = {}
        for level, n in headline.items():
            if lever in n["levers_not_applicable"]:
                words[level] = f"not applicable {levels.LEVEL_WORDS[level]}"
            else:
                change = n["lever_contributions"].get(lever, 0.0)
                words[level] = f"{signed(change)} {levels.LEVEL_WORDS[level]}"
        kinds = {
            "n/a"
            if lever in n["levers_not_applicable"]
            else np.sign(round(n["lever_contributions"].get(lever, 0.0)))
            for n in headline.values()
        }
        if len(kinds) > 1:
            out.append(f"{lever.replace('_', ' ')}: " + ", ".join(words.values()))
    return out


def _sensitivity_sentences(ledger: pd.DataFrame, sensitivity: Mapping[str, Any]) -> list[str]:
    """How far the assumed amounts must move to flip the scenario's verdict."""
    if not _has_levels(ledger) or float(ledger["assumed_amount"].abs().sum()) <= 0:
        return []
    found = sensitivity.get("default_scenario_verdict") or {}
    if not found:
        return []
    flips = [
        f"at {found[f'flips_{side}']:g}x it {found[f'flips_to_{side}']}"
        for side in ("below", "above")
        if found[f"flips_{side}"] is not None
    ]
    return [
        f"With the assumed cost-to-serve amounts the default scenario {found['verdict']}; this "
        f"holds while they stay between {found['holds_from']:g}x and {found['holds_to']:g}x"
        + ("; " + "; ".join(flips) if flips else " (the whole 0x-3x range)")
        + "."
    ]
