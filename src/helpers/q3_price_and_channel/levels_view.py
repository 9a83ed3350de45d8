"""The ledger's activities at each profit level: which costs a level counts, activity by activity.

The scenario changes costs activity by activity (``cts_<activity>``), so a profit level must say
which activities it counts. The ledger records only their sums per customer
(``cost_to_serve_measured``: activities whose drivers the data counts; ``assumed_amount``:
every cost resting on an assumed driver or a default rate). The config says which activities
can rest on an assumed driver (those recorded in an activities table, key-account teams,
payment terms) and which run on default rates; the split is the one among those candidates
whose sums match the ledger's, customer by customer. When none matches (a hand-edited ledger),
each customer's activities are scaled in proportion instead.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.ledger import levels
from helpers.ledger.cost_to_serve import activities as configured_activities
from helpers.ledger.scale import default_rated
from helpers.q3_price_and_channel.inputs import _activities

__all__: list[str] = []

_DRIVERS_FROM_DATA = frozenset({"key_account_years", "financed_revenue_years"})
_MAX_CANDIDATES = 12  # at most 2**12 splits are tried


#: whether the ledger carries the profit levels (hand-built ledgers may not)
_has_levels = levels.has_levels
#: the level the report leads with ("with_assumptions" for a ledger without levels)
_lead_level = levels.lead_level


def _levels_shown(ledger: pd.DataFrame) -> list[str]:
    """The levels whose numbers differ (the lead level alone for a ledger without levels)."""
    return levels.levels_in(ledger) or [_lead_level(ledger)]


def _matching_split(
    ledger: pd.DataFrame, target: pd.Series, fixed: list[str], candidates: list[str]
) -> list[str] | None:
    """The activities (``fixed`` plus some ``candidates``) whose costs sum to ``target``."""
    values = {a: ledger[f"cts_{a}"].to_numpy(dtype="float64") for a in [*fixed, *candidates]}
    goal = target.to_numpy(dtype="float64")
    base = sum((values[a] for a in fixed), np.zeros(len(ledger)))
    tolerance = 1e-6 * max(1.0, float(np.abs(goal).sum()))
    live = [a for a in candidates if np.abs(values[a]).sum() > 0]
    if len(live) > _MAX_CANDIDATES:
        return None
    for size in range(len(live) + 1):
        for chosen in itertools.combinations(live, size):
            total = base + sum((values[a] for a in chosen), np.zeros(len(ledger)))
            if float(np.abs(total - goal).sum()) <= tolerance:
                return [*fixed, *chosen]
    return None


def activity_groups(ledger: pd.DataFrame, config: Mapping[str, Any]) -> dict[str, list[str]] | None:
    """Which activities the measured level counts, and which rest on assumptions.

    Parameters
    ----------
    ledger
        The customer ledger (``cts_<activity>``, ``cost_to_serve_measured``,
        ``assumed_amount``).
    config
        The run's config (section ``cost_to_serve``).

    Returns
    -------
    dict or None
        ``measured``: the activities whose drivers the data counts; ``assumed``: those whose
        cost rests on an assumed driver or a default rate. None when no split of the
        activities reproduces the ledger's sums.
    """
    names = _activities(ledger)
    if not _has_levels(ledger):
        return {"measured": names, "assumed": []}
    specs = configured_activities(config) if config.get("cost_to_serve") else {}
    uncertain = [
        a for a in names
        if a not in specs or specs[a].get("activity") or specs[a]["driver"] in _DRIVERS_FROM_DATA
    ]  # fmt: skip
    certain = [a for a in names if a not in uncertain]
    measured = _matching_split(ledger, ledger["cost_to_serve_measured"], certain, uncertain)
    if measured is None:
        return None
    on_defaults = default_rated(config) if config.get("cost_to_serve") else set()
    assumed_drivers = [a for a in names if a not in measured]
    fixed = [a for a in names if a in assumed_drivers or a in on_defaults]
    others = [a for a in names if a not in fixed]
    assumed = _matching_split(ledger, ledger["assumed_amount"], fixed, others)
    if assumed is None:
        return None
    return {"measured": measured, "assumed": assumed}


def ledger_at(
    ledger: pd.DataFrame,
    config: Mapping[str, Any],
    level: str | None = None,
    multiplier: float = 1.0,
) -> pd.DataFrame:
    """The ledger with its activity costs, cost to serve and profit at one level.

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config.
    level
        One of :data:`helpers.ledger.levels.LEVELS`; None: the level the report leads with.
    multiplier
        At the level "with_assumptions", every assumed amount multiplied by this (1: as is).

    Returns
    -------
    DataFrame
        A copy: ``cts_<activity>`` keep the activities the level counts (zero for the others;
        the assumed ones times ``multiplier``), ``cost_to_serve`` their sum, ``profit`` =
        ``gross_margin`` - ``cost_to_serve``. A ledger without profit levels is returned as is.
    """
    level = level or _lead_level(ledger)
    if not _has_levels(ledger) or (level == "with_assumptions" and multiplier == 1.0):
        return ledger
    names = _activities(ledger)
    columns = [f"cts_{a}" for a in names]
    groups = activity_groups(ledger, config)
    out = ledger.copy()
    if groups is None:  # no exact split: every activity in proportion
        return _in_proportion(out, columns, level, multiplier)
    kept = {
        "data": set(),
        "measured": set(groups["measured"]),
        "with_assumptions": set(names),
    }[level]
    for activity in names:
        factor = float(activity in kept)
        if level == "with_assumptions" and activity in groups["assumed"]:
            factor = multiplier
        out[f"cts_{activity}"] = out[f"cts_{activity}"].astype("float64") * factor
    out["cost_to_serve"] = out[columns].sum(axis=1) if columns else 0.0
    out["profit"] = out["gross_margin"].astype("float64") - out["cost_to_serve"]
    return out


def _in_proportion(
    out: pd.DataFrame, columns: list[str], level: str, multiplier: float
) -> pd.DataFrame:
    """Each customer's activity costs scaled to the level's total (when no split matches)."""
    leveled = levels.at_level(out, level)
    if level == "with_assumptions":
        leveled = levels.at_multiplier(out, multiplier)
    total = out["cost_to_serve"].astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(total != 0, leveled["cost_to_serve"] / total, 0.0)
    out[columns] = out[columns].astype("float64").mul(ratio, axis=0)
    out["cost_to_serve"] = leveled["cost_to_serve"]
    out["profit"] = leveled["profit"]
    return out
