"""Profit at three levels, from what the data measures to what rests on assumptions.

The ledger keeps, per customer:

- **data**: the margin the data gives (``gross_margin``: net revenue minus the cost of goods, or
  the export's own line profit);
- **measured**: minus the cost to serve whose drivers the data counts (orders, lines,
  deliveries, returns, recorded activities, customer attributes): ``profit_measured``;
- **with_assumptions**: minus the activities whose drivers are assumed as well: ``profit``.

Rates are assumptions too where the config does not give them: ``assumed_amount`` is every cost
that rests on an assumed driver or a default rate. A multiplier on it (0x: none of it, 1x: as
configured, 3x: three times) shows how far the assumptions must move to change a verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "LEVELS",
    "LEVEL_COLUMNS",
    "LEVEL_MEMBERS",
    "LevelMembers",
    "LEVEL_TAGS",
    "LEVEL_WORDS",
    "MULTIPLIERS",
    "at_lead",
    "at_level",
    "has_assumptions",
    "has_levels",
    "level_frames",
    "level_order",
    "level_sentence",
    "range_sentence",
    "at_multiplier",
    "levels_in",
    "lead_level",
    "verdict_range",
]

#: the levels, from measured to assumed (metric names use these keys)
LEVELS: tuple[str, ...] = ("data", "measured", "with_assumptions")
#: the ledger columns the levels are computed from (a hand-built ledger may lack them: its
#: ``profit`` is then taken as it is, as the level ``with_assumptions``)
LEVEL_COLUMNS: tuple[str, ...] = (
    "gross_margin",
    "cost_to_serve_measured",
    "cost_to_serve_assumed",
    "assumed_amount",
)
#: the ledger's ``attrs`` key naming the ``cts_`` columns each of ``cost_to_serve_measured``,
#: ``cost_to_serve_assumed`` and ``assumed_amount`` adds up (set by ``build_ledger``)
LEVEL_MEMBERS = "cost_levels"


class LevelMembers(dict):
    """The ``cts_`` columns each cost level adds up (:data:`LEVEL_MEMBERS`), never copied.

    pandas deep-copies a frame's ``attrs`` after every operation on it (``__finalize__``): a
    plain dict of lists cost a small world's ledger thousands of copies per rebuild. This
    mapping of level column -> tuple of ``cts_`` column names is not changed after it is made,
    so a copy is the mapping itself. It serialises as a plain JSON object (Parquet metadata).
    """

    def __init__(self, members: Mapping[str, Iterable[str]]) -> None:
        super().__init__({key: tuple(value) for key, value in members.items()})

    def __copy__(self) -> LevelMembers:
        return self

    def __deepcopy__(self, memo: dict) -> LevelMembers:
        return self


#: how a sentence names each level
LEVEL_WORDS: dict[str, str] = {
    "data": "on the margin the data gives, before any cost to serve",
    "measured": "after costing the orders, lines and deliveries the data counts",
    "with_assumptions": "with the assumed cost-to-serve amounts",
}
#: each level in a few words, for a card or a column header
LEVEL_TAGS: dict[str, str] = {
    "data": "data margin, no cost to serve",
    "measured": "measured cost to serve",
    "with_assumptions": "with assumed costs",
}
#: the multipliers on the assumed amounts over which a verdict is tested (0x to 3x)
MULTIPLIERS: np.ndarray = np.round(np.arange(0.0, 3.0001, 0.05), 2)
_MONEY_TOLERANCE = 0.005  # half a cent: below it two levels are the same numbers


def _cost_at(ledger: pd.DataFrame, level: str) -> pd.Series:
    """The cost to serve a level counts, per row (currency units)."""
    if level == "data":
        return pd.Series(0.0, index=ledger.index)
    if level == "measured":
        return ledger["cost_to_serve_measured"].astype("float64")
    if level == "with_assumptions":
        return ledger["cost_to_serve"].astype("float64")
    raise ValueError(f"level {level!r}: expected one of {', '.join(LEVELS)}")


def _with_profit(ledger: pd.DataFrame, cost: pd.Series) -> pd.DataFrame:
    """A copy of the ledger whose cost to serve, profit and margin follow ``cost``.

    Shallow: pandas copies on write, so the caller's ledger never changes, and a verdict tested
    at 61 multipliers no longer copies every column 61 times.
    """
    out = ledger.copy(deep=False)
    out["cost_to_serve"] = cost
    out["profit"] = out["gross_margin"].astype("float64") - cost
    net = out["net_revenue"].where(out["net_revenue"] != 0)
    out["margin_pct"] = out["profit"] / net
    return out


def at_level(ledger: pd.DataFrame, level: str) -> pd.DataFrame:
    """The ledger with ``cost_to_serve``, ``profit`` and ``margin_pct`` at one level.

    Parameters
    ----------
    ledger : pandas.DataFrame
        A customer ledger (:func:`helpers.ledger.build_ledger`).
    level : {"data", "measured", "with_assumptions"}
        Which costs to count (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        A copy; every other column unchanged. Money in currency units, ``margin_pct`` a share of
        net revenue.

    Raises
    ------
    ValueError
        When ``level`` is not one of :data:`LEVELS`.
    """
    return _with_profit(ledger, _cost_at(ledger, level))


def at_multiplier(ledger: pd.DataFrame, multiplier: float) -> pd.DataFrame:
    """The ledger with every assumed amount multiplied by ``multiplier``.

    Parameters
    ----------
    ledger : pandas.DataFrame
        A customer ledger with ``assumed_amount`` (currency units).
    multiplier : float
        0 drops the assumed amounts, 1 keeps them as configured, 2 doubles them.

    Returns
    -------
    pandas.DataFrame
        A copy with ``cost_to_serve``, ``profit`` and ``margin_pct`` recomputed.
    """
    assumed = ledger["assumed_amount"].astype("float64")
    cost = ledger["cost_to_serve"].astype("float64") + (float(multiplier) - 1.0) * assumed
    return _with_profit(ledger, cost)


def levels_in(ledger: pd.DataFrame) -> list[str]:
    """The levels whose numbers differ: a level equal to the one before it is left out.

    Parameters
    ----------
    ledger : pandas.DataFrame
        A customer ledger.

    Returns
    -------
    list of str
        ``"data"`` always; ``"measured"`` when the data counts some cost to serve;
        ``"with_assumptions"`` when assumed drivers add cost; empty for a ledger without the
        level columns (:func:`has_levels`).
    """
    if not has_levels(ledger):
        return []
    out = ["data"]
    measured = ledger["cost_to_serve_measured"].abs().sum()
    assumed = ledger["cost_to_serve_assumed"].abs().sum()
    if measured > _MONEY_TOLERANCE:
        out.append("measured")
    if assumed > _MONEY_TOLERANCE:
        out.append("with_assumptions")
    return out


def lead_level(ledger: pd.DataFrame) -> str:
    """The level a report leads with: the most complete one that rests on no assumption.

    Parameters
    ----------
    ledger : pandas.DataFrame
        A customer ledger.

    Returns
    -------
    str
        ``"with_assumptions"`` when nothing is assumed (every driver counted, every rate
        configured) or the ledger has no level columns; ``"measured"`` when only assumed
        drivers are assumed (the counted costs use the config's rates); else ``"data"``.
    """
    if not has_levels(ledger):
        return "with_assumptions"
    assumed_amount = float(ledger["assumed_amount"].abs().sum())
    assumed_drivers = float(ledger["cost_to_serve_assumed"].abs().sum())
    if assumed_amount <= _MONEY_TOLERANCE:
        return "with_assumptions"
    if abs(assumed_amount - assumed_drivers) <= _MONEY_TOLERANCE and "measured" in levels_in(
        ledger
    ):
        return "measured"
    return "data"


def verdict_range(
    ledger: pd.DataFrame,
    verdict: Callable[[pd.DataFrame], Hashable],
    multipliers: Sequence[float] = tuple(MULTIPLIERS),
) -> dict[str, object]:
    """Over which multipliers of the assumed amounts a verdict holds, and where it flips.

    Parameters
    ----------
    ledger : pandas.DataFrame
        A customer ledger with ``assumed_amount``.
    verdict : callable
        Ledger -> a hashable verdict (e.g. ``"less concentrated"``, a tier name, True).
    multipliers : sequence of float
        The grid, ascending (default 0x to 3x in steps of 0.05).

    Returns
    -------
    dict
        ``verdict`` (at 1x), ``holds_from`` and ``holds_to`` (the multipliers around 1x over
        which it is unchanged), ``flips_below`` / ``flips_above`` (the first multiplier on each
        side where it changes, None if it never does on the grid) and ``flips_to_below`` /
        ``flips_to_above`` (the verdict there).
    """
    grid = sorted({*map(float, multipliers), 1.0})
    verdicts = {k: verdict(at_multiplier(ledger, k)) for k in grid}
    base = verdicts[1.0]
    lower = [k for k in grid if k < 1.0][::-1]
    upper = [k for k in grid if k > 1.0]
    low_flip = next((k for k in lower if verdicts[k] != base), None)
    high_flip = next((k for k in upper if verdicts[k] != base), None)
    holds_from = min([k for k in grid if k <= 1.0 and (low_flip is None or k > low_flip)])
    holds_to = max([k for k in grid if k >= 1.0 and (high_flip is None or k < high_flip)])
    return {
        "verdict": base,
        "holds_from": holds_from,
        "holds_to": holds_to,
        "flips_below": low_flip,
        "flips_above": high_flip,
        "flips_to_below": verdicts[low_flip] if low_flip is not None else None,
        "flips_to_above": verdicts[high_flip] if high_flip is not None else None,
    }


# ---- the views and sentences every analysis takes -------------------------------------------
def has_levels(ledger: pd.DataFrame) -> bool:
    """Whether the ledger carries the level columns (:data:`LEVEL_COLUMNS`).

    Parameters
    ----------
    ledger : pandas.DataFrame
        A customer ledger (hand-built ones in tests may not carry the levels).

    Returns
    -------
    bool
        True when every level column is present.
    """
    return set(LEVEL_COLUMNS) <= set(ledger.columns)


def has_assumptions(ledger: pd.DataFrame) -> bool:
    """Whether some cost to serve rests on an assumed driver or a default rate.

    Parameters
    ----------
    ledger : pandas.DataFrame
        A customer ledger.

    Returns
    -------
    bool
        True when ``assumed_amount`` adds up to at least a cent in size; False without levels.
    """
    return has_levels(ledger) and float(ledger["assumed_amount"].abs().sum()) >= 0.01


def level_frames(
    ledger: pd.DataFrame, level: str | None = None
) -> tuple[str, dict[str, pd.DataFrame], list[str]]:
    """The level to lead with, the ledger at each level needed, and the levels in the data.

    Parameters
    ----------
    ledger : pandas.DataFrame
        A customer ledger. Without the level columns its ``profit`` is taken as it is, as the
        level ``with_assumptions``, and no other level is known.
    level : str, optional
        The level to lead with; None means :func:`lead_level`.

    Returns
    -------
    (str, dict, list of str)
        The lead level; level -> the ledger at that level (:func:`at_level`), for the lead
        level and every level in the data; :func:`levels_in`.
    """
    if not has_levels(ledger):
        return "with_assumptions", {"with_assumptions": ledger}, []
    lead = level or lead_level(ledger)
    present = levels_in(ledger)
    return lead, {name: at_level(ledger, name) for name in dict.fromkeys([lead, *present])}, present


def at_lead(ledger: pd.DataFrame, level: str | None = None) -> pd.DataFrame:
    """The ledger with ``profit`` at the lead level (or at ``level``).

    Parameters
    ----------
    ledger : pandas.DataFrame
        A customer ledger.
    level : str, optional
        The level; None means :func:`lead_level`.

    Returns
    -------
    pandas.DataFrame
        :func:`at_level` (the ledger as it is without the level columns).
    """
    if not has_levels(ledger):
        return ledger
    return at_level(ledger, level or lead_level(ledger))


def level_order(lead: str, present: Sequence[str]) -> list[str]:
    """The levels a sentence compares, the lead level first.

    Parameters
    ----------
    lead : str
        The lead level.
    present : sequence of str
        :func:`levels_in`.

    Returns
    -------
    list of str
        ``present`` with ``lead`` first. When the lead level is not among them (nothing is
        assumed, so ``with_assumptions`` equals the most complete level in the data), that
        most complete level comes first instead; ``[lead]`` when no level is known.
    """
    if not present:
        return [lead]
    first = lead if lead in present else present[-1]
    return [first, *[level for level in present if level != first]]


def _capital(text: str) -> str:
    """The sentence with its first letter in upper case."""
    return text[:1].upper() + text[1:]


def level_sentence(words: Callable[[Any], str], by_level: Mapping[str, Any]) -> str | None:
    """One sentence when a verdict differs between levels, the lead level first.

    Parameters
    ----------
    words : callable
        Verdict -> how a sentence says it (e.g. "most customers lose money").
    by_level : Mapping
        Level -> verdict, the lead level first.

    Returns
    -------
    str or None
        E.g. "No customer loses money on the margin the data gives, before any cost to serve;
        most customers lose money with the assumed cost-to-serve amounts."; None when every
        level agrees.
    """
    if len({str(v) for v in by_level.values()}) <= 1:
        return None
    parts = [f"{words(verdict)} {LEVEL_WORDS[level]}" for level, verdict in by_level.items()]
    return _capital("; ".join(parts)) + "."


def range_sentence(words: Callable[[Any], str], verdict_range: Mapping[str, Any]) -> str:
    """How far the assumed amounts must move for a verdict to flip, in one sentence.

    Parameters
    ----------
    words : callable
        Verdict -> how a sentence says it.
    verdict_range : Mapping
        :func:`verdict_range`.

    Returns
    -------
    str
        E.g. "With the assumed cost-to-serve amounts, most customers lose money; this holds
        while they stay between 0.65x and 3x; at 0.6x a minority of customers lose money."
    """
    head = f"With the assumed cost-to-serve amounts, {words(verdict_range['verdict'])}"
    flips = [
        f"at {verdict_range[f'flips_{side}']:g}x {words(verdict_range[f'flips_to_{side}'])}"
        for side in ("below", "above")
        if verdict_range[f"flips_{side}"] is not None
    ]
    if not flips:
        return f"{head}, at any multiple of those amounts from 0x to 3x."
    return (
        f"{head}; this holds while they stay between {verdict_range['holds_from']:g}x and "
        f"{verdict_range['holds_to']:g}x; " + "; ".join(flips) + "."
    )
