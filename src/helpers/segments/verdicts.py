"""The segments' verdicts, each decided once: the highest-margin tier and the small clients.

``highest_margin_tier``: the size tier with the highest margin after cost to serve (the rule of
:mod:`helpers.seesaw.verdicts`: None with fewer than two tiers holding customers, or too few
customers); ``small_clients``: whether the small tiers earn a "higher" or "lower" margin than
the other customers (None when the small tiers hold every customer or none: not applicable).
Both at each level of profit and over 0x-3x of the assumed amounts.
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
    level_frames,
    level_order,
)
from helpers.schema import UNATTRIBUTED

__all__ = [
    "LEVEL_COLUMNS",
    "level_frames",
    "at_lead",
    "level_order",
    "decide_highest_margin_tier",
    "decide_small_clients",
    "ledger_verdicts",
    "sensitivity",
    "level_sentence",
    "range_sentence",
]

#: margins closer than this (0.1 point, the precision they are printed at) count as equal: the
#: largest tier keeps the verdict, and small clients' margin is "the same" as the others'
SAME_MARGIN = 0.001
_SLIM_COLUMNS = ("customer_id", "size_tier", "net_revenue", "cost_to_serve", "profit",
                 *LEVEL_COLUMNS)  # fmt: skip


def decide_highest_margin_tier(tiers: pd.DataFrame, min_customers: int) -> str | None:
    """The size tier with the highest margin, or None when a comparison is not applicable.

    Parameters
    ----------
    tiers : pandas.DataFrame
        One row per size tier in size order: size_tier, customers, margin_pct.
    min_customers : int
        Fewer customers than this give no verdict.

    Returns
    -------
    str or None
        The tier (the largest tier when its margin is within :data:`SAME_MARGIN` of the
        highest); None when fewer than two tiers hold customers with a margin, or too few
        customers.
    """
    known = tiers.loc[(tiers["customers"] > 0) & tiers["margin_pct"].notna()]
    if len(known) < 2 or int(tiers["customers"].sum()) < max(1, min_customers):
        return None
    margins = known["margin_pct"].to_numpy(dtype="float64")
    if margins[-1] >= margins.max() - SAME_MARGIN:  # the largest tier, or as good as the best
        return str(known["size_tier"].iloc[-1])
    return str(known["size_tier"].iloc[int(margins.argmax())])


def decide_small_clients(
    small: Mapping[str, float], rest: Mapping[str, float], min_customers: int
) -> str | None:
    """Whether small clients earn a higher or lower margin than the other customers.

    Parameters
    ----------
    small, rest : Mapping
        ``customers``, ``net_revenue`` and ``profit`` of the small clients and of the others.
    min_customers : int
        Fewer customers than this give no verdict.

    Returns
    -------
    str or None
        ``"higher"``, ``"lower"`` or ``"the same"`` (within :data:`SAME_MARGIN`); None when either group is empty or has no revenue (not applicable), or there
        are too few customers.
    """
    if min(small["customers"], rest["customers"]) == 0:
        return None
    if small["customers"] + rest["customers"] < max(1, min_customers):
        return None
    if small["net_revenue"] <= 0 or rest["net_revenue"] <= 0:
        return None
    gap = small["profit"] / small["net_revenue"] - rest["profit"] / rest["net_revenue"]
    return "the same" if abs(gap) < SAME_MARGIN else "higher" if gap > 0 else "lower"


def _margin_table(ledger: pd.DataFrame) -> pd.DataFrame:
    """size_tier, customers, net_revenue, profit, margin_pct per tier in size order (quick)."""
    led = ledger.loc[ledger["customer_id"] != UNATTRIBUTED]
    tier = led["size_tier"]
    order = (
        [str(c) for c in tier.cat.categories]
        if isinstance(tier.dtype, pd.CategoricalDtype)
        else sorted(tier.dropna().astype(str).unique())
    )
    codes = pd.Categorical(tier.astype("object"), categories=order).codes
    keep = codes >= 0
    sums = {
        col: np.bincount(
            codes[keep], weights=led[col].to_numpy(dtype="float64")[keep], minlength=len(order)
        )  # fmt: skip
        for col in ("net_revenue", "profit")
    }
    with np.errstate(divide="ignore", invalid="ignore"):
        margin = np.where(sums["net_revenue"] != 0, sums["profit"] / sums["net_revenue"], np.nan)
    return pd.DataFrame(
        {"size_tier": order, "customers": np.bincount(codes[keep], minlength=len(order)), **sums,
         "margin_pct": margin}
    )  # fmt: skip


def ledger_verdicts(
    ledger: pd.DataFrame, small_tiers: Sequence[str], min_customers: int
) -> dict[str, Any]:
    """Both verdicts of a ledger whose ``profit`` is at the level wanted.

    Parameters
    ----------
    ledger : pandas.DataFrame
        A customer ledger with ``size_tier``.
    small_tiers : sequence of str
        The tiers that count as small clients (``size_tiers.small``).
    min_customers : int
        Fewer customers than this give no verdict.

    Returns
    -------
    dict
        ``highest_margin_tier`` and ``small_clients``.
    """
    tiers = _margin_table(ledger)
    is_small = tiers["size_tier"].isin([str(t) for t in small_tiers])
    groups = [
        {k: float(tiers.loc[mask, k].sum()) for k in ("customers", "net_revenue", "profit")}
        for mask in (is_small, ~is_small)
    ]
    return {
        "highest_margin_tier": decide_highest_margin_tier(tiers, min_customers),
        "small_clients": decide_small_clients(groups[0], groups[1], min_customers),
    }


def sensitivity(
    ledger: pd.DataFrame, small_tiers: Sequence[str], min_customers: int
) -> dict[str, Any]:
    """Over which multiples of the assumed amounts each verdict holds (0x to 3x).

    Parameters
    ----------
    ledger : pandas.DataFrame
        A customer ledger with the level columns.
    small_tiers : sequence of str
        ``size_tiers.small``.
    min_customers : int
        Fewer customers than this give no verdict.

    Returns
    -------
    dict
        ``highest_margin_tier`` and ``small_clients`` ->
        :func:`helpers.ledger.levels.verdict_range`; empty when nothing is assumed or there
        are too few customers for a verdict.
    """
    if not levels.has_levels(ledger):
        return {}
    customers = int((ledger["customer_id"] != UNATTRIBUTED).sum())
    if customers < max(1, min_customers) or float(ledger["assumed_amount"].abs().sum()) < 0.01:
        return {}
    slim = ledger[[c for c in _SLIM_COLUMNS if c in ledger.columns]]
    memo: dict[float, dict[str, Any]] = {}

    def verdict(name: str) -> Callable[[pd.DataFrame], Hashable]:
        def decide(at_multiple: pd.DataFrame) -> Hashable:
            key = round(float(at_multiple["cost_to_serve"].sum()), 6)  # differs at every multiple
            if key not in memo:
                memo[key] = ledger_verdicts(at_multiple, small_tiers, min_customers)
            return memo[key][name]

        return decide

    return {name: levels.verdict_range(slim, verdict(name))
            for name in ("highest_margin_tier", "small_clients")}  # fmt: skip


# ---- sentences ------------------------------------------------------------------------------------
def _words(name: str, verdict: Any) -> str:
    """How a sentence says a verdict."""
    if name == "small_clients":
        if verdict is None:
            return "a comparison of small clients with the others is not applicable"
        if verdict == "the same":
            return "small clients have the same margin as the other customers"
        return f"small clients have a {verdict} margin than the other customers"
    if verdict is None:
        return "no tier can be compared with another"
    return f"the {verdict} tier has the highest margin"


def level_sentence(name: str, by_level: Mapping[str, Any]) -> str | None:
    """One sentence when a verdict differs between levels (:func:`levels.level_sentence`).

    Parameters
    ----------
    name : {"highest_margin_tier", "small_clients"}
        The verdict.
    by_level : Mapping
        Level -> verdict, the lead level first.

    Returns
    -------
    str or None
        None when every level agrees.
    """
    return levels.level_sentence(lambda verdict: _words(name, verdict), by_level)


def range_sentence(name: str, verdict_range: Mapping[str, Any]) -> str:
    """How far the assumed amounts must move for a verdict to flip (:func:`levels.range_sentence`).

    Parameters
    ----------
    name : {"highest_margin_tier", "small_clients"}
        The verdict.
    verdict_range : Mapping
        :func:`helpers.ledger.levels.verdict_range`.

    Returns
    -------
    str
        E.g. "With the assumed cost-to-serve amounts, the small tier has the highest margin;
        this holds while they stay between 0x and 1.35x; at 1.4x the medium tier has the
        highest margin."
    """
    return levels.range_sentence(lambda verdict: _words(name, verdict), verdict_range)
