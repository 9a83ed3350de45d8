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

from collections.abc import Callable, Hashable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "LEVELS",
    "LEVEL_WORDS",
    "MULTIPLIERS",
    "at_level",
    "at_multiplier",
    "levels_in",
    "lead_level",
    "verdict_range",
]

#: the levels, from measured to assumed (metric names use these keys)
LEVELS: tuple[str, ...] = ("data", "measured", "with_assumptions")
#: how a sentence names each level
LEVEL_WORDS: dict[str, str] = {
    "data": "on the margin the data gives, before any cost to serve",
    "measured": "after costing the orders, lines and deliveries the data counts",
    "with_assumptions": "with the assumed cost-to-serve amounts",
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
    """A copy of the ledger whose cost to serve, profit and margin follow ``cost``."""
    out = ledger.copy()
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
        ``"with_assumptions"`` when assumed drivers add cost.
    """
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
        configured); ``"measured"`` when only assumed drivers are assumed (the counted costs use
        the config's rates); else ``"data"``.
    """
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
