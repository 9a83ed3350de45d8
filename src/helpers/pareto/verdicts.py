"""The verdicts of the 80/20 analysis, each decided once, at each level and over the assumptions.

Three verdicts: whether profit is more, less or as concentrated as revenue among the biggest
customers (``profit_vs_revenue``), whether the most profitable customers earn more than all the
profit (``whale_hump``) and how many customers lose money (``loss_makers``). Each is decided by
one function from the headline numbers; every sentence, metric and figure title reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from helpers.ledger import levels
from helpers.ledger.levels import (  # noqa: F401 - re-exported: callers name them here
    LEVEL_COLUMNS,
    at_lead,
    has_assumptions,
    level_frames,
    level_order,
)
from helpers.pareto.curves import _tag, customers_only
from helpers.pareto.statistics import _matrix, _statistics

__all__ = [
    "LEVEL_COLUMNS",
    "VERDICT_WORDS",
    "level_frames",
    "level_order",
    "at_lead",
    "has_assumptions",
    "decide_profit_vs_revenue",
    "decide_whale_hump",
    "decide_loss_makers",
    "ledger_verdicts",
    "sensitivity",
    "loss_shares_at",
    "level_sentence",
    "range_sentence",
]

_SLIM_COLUMNS = ("customer_id", "net_revenue", "cost_to_serve", "profit", *LEVEL_COLUMNS)

#: how a sentence says each verdict (None: no verdict, and why)
VERDICT_WORDS: dict[str, dict[Hashable, str]] = {
    "profit_vs_revenue": {
        "more": "profit is more concentrated than revenue among the biggest customers",
        "less": "profit is less concentrated than revenue among the biggest customers",
        "as": "profit is as concentrated as revenue among the biggest customers",
        None: "no share of profit is meaningful",
    },
    "whale_hump": {
        "over 100%": "the most profitable customers earn more than all the profit",
        "no hump": "the most profitable customers earn no more than all the profit",
        None: "no share of profit is meaningful",
    },
    "loss_makers": {
        "none": "no customer loses money",
        "a minority": "a minority of customers lose money",
        "most": "most customers lose money",
        None: "there are too few customers to say",
    },
}


# ---- the decisions -------------------------------------------------------------------------------
def decide_profit_vs_revenue(
    revenue_share: float | None, profit_share: float | None, tolerance: float
) -> str | None:
    """Whether the top customers by revenue hold more, less or as much of profit as of revenue.

    Parameters
    ----------
    revenue_share, profit_share : float or None
        The top customers' (by revenue) share of revenue and of profit (fractions); None when
        not meaningful (too few customers, a total that is not material).
    tolerance : float
        The gap (fraction) within which the two shares count as the same.

    Returns
    -------
    str or None
        ``"more"``, ``"less"``, ``"as"``; None when either share is None.
    """
    if revenue_share is None or profit_share is None:
        return None
    gap = float(profit_share) - float(revenue_share)
    return "more" if gap > tolerance else "less" if gap < -tolerance else "as"


def decide_whale_hump(peak_profit_pct: float | None, hump_pct: float) -> str | None:
    """Whether the whale curve rises above 100% of profit (the most profitable earn it all).

    Parameters
    ----------
    peak_profit_pct : float or None
        The whale curve's peak (% of total profit); None when the total is not material.
    hump_pct : float
        How far above 100% (percentage points) the peak must be to count as a hump.

    Returns
    -------
    str or None
        ``"over 100%"`` or ``"no hump"``; None without a peak.
    """
    if peak_profit_pct is None:
        return None
    return "over 100%" if float(peak_profit_pct) > 100.0 + hump_pct else "no hump"


def decide_loss_makers(loss_making_share: float | None) -> str | None:
    """How many customers lose money: none, a minority or most.

    Parameters
    ----------
    loss_making_share : float or None
        The share of customers whose profit is negative (fraction).

    Returns
    -------
    str or None
        ``"none"``, ``"a minority"`` (below half), ``"most"`` (half or more); None when unknown.
    """
    if loss_making_share is None:
        return None
    share = float(loss_making_share)
    return "none" if share == 0 else "most" if share >= 0.5 else "a minority"


def _number(value: Any) -> float | None:
    """A finite float or None."""
    number = float(value)
    return number if np.isfinite(number) else None


def ledger_verdicts(ledger: pd.DataFrame, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The three verdicts of a ledger whose ``profit`` is at the level wanted.

    Parameters
    ----------
    ledger : pandas.DataFrame
        A customer ledger (its ``profit`` as it is).
    settings : Mapping
        The config with sections ``pareto`` and ``whale``.

    Returns
    -------
    dict
        ``profit_vs_revenue``, ``whale_hump``, ``loss_makers`` (see the ``decide_*``
        functions); all None with fewer customers than ``pareto.min_customers``.
    """
    customers = customers_only(ledger)
    if len(customers) < max(1, int(settings["pareto"]["min_customers"])):
        return dict.fromkeys(VERDICT_WORDS)
    point = {
        k: _number(v[0]) for k, v in _statistics(_matrix(customers, settings), settings).items()
    }
    head = _tag(float(settings["pareto"]["top_share"]))
    return {
        "profit_vs_revenue": decide_profit_vs_revenue(
            point[f"{head}_revenue_share"],
            point[f"{head}_by_revenue_profit_share"],
            float(settings["pareto"]["same_tolerance"]),
        ),
        "whale_hump": decide_whale_hump(
            point["peak_profit_pct"], float(settings["whale"]["hump_pct"])
        ),
        "loss_makers": decide_loss_makers(point["loss_making_share"]),
    }


def sensitivity(ledger: pd.DataFrame, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Over which multiples of the assumed amounts each verdict holds (0x to 3x).

    Parameters
    ----------
    ledger : pandas.DataFrame
        A customer ledger with the level columns.
    settings : Mapping
        The config with sections ``pareto`` and ``whale``.

    Returns
    -------
    dict
        verdict name -> :func:`helpers.ledger.levels.verdict_range`; and
        ``loss_making_share_at``: multiplier ("0x", "1x", ...) -> share of customers losing
        money. Empty when nothing is assumed or there are too few customers for a verdict.
    """
    too_few = len(customers_only(ledger)) < max(1, int(settings["pareto"]["min_customers"]))
    if too_few or not has_assumptions(ledger):
        return {}
    slim = ledger[[c for c in _SLIM_COLUMNS if c in ledger.columns]]
    memo: dict[float, dict[str, Any]] = {}
    out: dict[str, Any] = {
        name: levels.verdict_range(slim, _one_verdict(name, settings, memo))
        for name in VERDICT_WORDS
    }
    out["loss_making_share_at"] = loss_shares_at(slim, settings["whale"]["sensitivity_multipliers"])
    return out


def loss_shares_at(ledger: pd.DataFrame, multipliers: Sequence[float]) -> dict[str, float | None]:
    """The share of customers losing money at each multiple of the assumed amounts.

    Parameters
    ----------
    ledger : pandas.DataFrame
        A customer ledger with the level columns.
    multipliers : sequence of float
        E.g. ``[0, 1, 2]``.

    Returns
    -------
    dict
        ``"0x"``, ``"1x"``, ... -> fraction of customers whose profit is negative (None
        without customers).
    """
    out: dict[str, float | None] = {}
    for k in multipliers:
        profit = customers_only(levels.at_multiplier(ledger, float(k)))["profit"]
        out[f"{float(k):g}x"] = float((profit < 0).mean()) if len(profit) else None
    return out


def _one_verdict(
    name: str, settings: Mapping[str, Any], memo: dict[float, dict[str, Any]]
) -> Callable[[pd.DataFrame], Any]:
    """Ledger -> one of the verdicts of :func:`ledger_verdicts`.

    The three verdicts are decided once per multiplier: ``memo`` keeps them under the ledger's
    total cost to serve, which differs at every multiplier when some amount is assumed.
    """

    def verdict(ledger: pd.DataFrame) -> Any:
        key = round(float(ledger["cost_to_serve"].sum()), 6)
        if key not in memo:
            memo[key] = ledger_verdicts(ledger, settings)
        return memo[key][name]

    return verdict


# ---- sentences ------------------------------------------------------------------------------------


def level_sentence(name: str, by_level: Mapping[str, Any]) -> str | None:
    """One sentence when a verdict differs between levels (:func:`levels.level_sentence`).

    Parameters
    ----------
    name : str
        A key of :data:`VERDICT_WORDS`.
    by_level : Mapping
        Level -> verdict, the lead level first.

    Returns
    -------
    str or None
        None when every level agrees.
    """
    return levels.level_sentence(VERDICT_WORDS[name].__getitem__, by_level)


def range_sentence(name: str, verdict_range: Mapping[str, Any]) -> str:
    """How far the assumed amounts must move for a verdict to flip (:func:`levels.range_sentence`).

    Parameters
    ----------
    name : str
        A key of :data:`VERDICT_WORDS`.
    verdict_range : Mapping
        :func:`helpers.ledger.levels.verdict_range`.

    Returns
    -------
    str
        E.g. "With the assumed cost-to-serve amounts, most customers lose money; this holds
        while they stay between 0.65x and 3x; at 0.6x a minority of customers lose money."
    """
    return levels.range_sentence(VERDICT_WORDS[name].__getitem__, verdict_range)
