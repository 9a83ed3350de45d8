"""The seesaw's verdicts, each decided once: which tier earns the highest margin, and the tilt.

``highest_margin_tier``: the size tier with the highest margin after cost to serve (None when
fewer than two tiers hold customers, or too few customers); ``tilt``: "tilts" when the largest
tier is not that tier, "no tilt" when it is, None when not applicable. Both at each level of
profit and over 0x-3x of the assumed amounts; every sentence and title reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

import pandas as pd

from helpers.ledger import levels
from helpers.ledger.levels import (  # noqa: F401 - re-exported: callers name them here
    LEVEL_COLUMNS,
    has_assumptions,
    level_frames,
    level_order,
)
from helpers.schema import UNATTRIBUTED

__all__ = [
    "LEVEL_COLUMNS",
    "level_frames",
    "level_order",
    "has_assumptions",
    "decide_highest_margin_tier",
    "decide_tilt",
    "tier_verdicts",
    "sensitivity",
    "level_sentence",
    "range_sentence",
]

#: margins closer than this (0.1 point, the precision they are printed at) count as equal: the
#: largest tier keeps the verdict, and small clients' margin is "the same" as the others'
SAME_MARGIN = 0.001
_SLIM_COLUMNS = ("customer_id", "size_tier", "net_revenue", "list_revenue", "cost_to_serve", "profit",
                 *LEVEL_COLUMNS)  # fmt: skip


def decide_highest_margin_tier(tiers: pd.DataFrame, min_customers: int) -> str | None:
    """The size tier with the highest margin after cost to serve, or None when not applicable.

    Parameters
    ----------
    tiers : pandas.DataFrame
        :func:`helpers.seesaw.tier_table` (size_tier, customers, margin_pct), smallest first.
    min_customers : int
        Fewer customers than this give no verdict.

    Returns
    -------
    str or None
        The tier (the largest tier when its margin is within :data:`SAME_MARGIN` of the
        highest); None when fewer than two known tiers have customers with revenue (a
        comparison of sizes is not applicable) or there are too few customers.
    """
    known = _known(tiers)
    if len(known) < 2 or int(tiers["customers"].sum()) < max(1, min_customers):
        return None
    margins = known["margin_pct"].to_numpy(dtype="float64")
    if margins[-1] >= margins.max() - SAME_MARGIN:  # the largest tier, or as good as the best
        return str(known["size_tier"].iloc[-1])
    return str(known["size_tier"].iloc[int(margins.argmax())])


def _known(tiers: pd.DataFrame) -> pd.DataFrame:
    """The tiers with a name, customers and a margin (the unknown tier left out)."""
    return tiers.loc[
        (tiers["size_tier"] != "(unknown)") & (tiers["customers"] > 0) & tiers["margin_pct"].notna()
    ]


def decide_tilt(tiers: pd.DataFrame, highest: str | None) -> str | None:
    """Whether the seesaw tilts: the largest tier does not earn the highest margin.

    Parameters
    ----------
    tiers : pandas.DataFrame
        :func:`helpers.seesaw.tier_table`, smallest tier first.
    highest : str or None
        :func:`decide_highest_margin_tier`.

    Returns
    -------
    str or None
        ``"tilts"`` or ``"no tilt"``; None when ``highest`` is None.
    """
    if highest is None:
        return None
    return "no tilt" if str(_known(tiers)["size_tier"].iloc[-1]) == highest else "tilts"


def tier_verdicts(tiers: pd.DataFrame, min_customers: int) -> dict[str, Any]:
    """Both verdicts of a tier table.

    Parameters
    ----------
    tiers : pandas.DataFrame
        :func:`helpers.seesaw.tier_table`.
    min_customers : int
        Fewer customers than this give no verdict.

    Returns
    -------
    dict
        ``highest_margin_tier`` and ``tilt``.
    """
    highest = decide_highest_margin_tier(tiers, min_customers)
    return {"highest_margin_tier": highest, "tilt": decide_tilt(tiers, highest)}


def sensitivity(
    ledger: pd.DataFrame, table: Callable[[pd.DataFrame], pd.DataFrame], min_customers: int
) -> dict[str, Any]:
    """Over which multiples of the assumed amounts each verdict holds (0x to 3x).

    Parameters
    ----------
    ledger : pandas.DataFrame
        A customer ledger with the level columns.
    table : callable
        Ledger -> its tier table (:func:`helpers.seesaw.tier_table` with the run's config).
    min_customers : int
        Fewer customers than this give no verdict.

    Returns
    -------
    dict
        ``highest_margin_tier`` and ``tilt`` -> :func:`helpers.ledger.levels.verdict_range`;
        empty when nothing is assumed or there are too few customers for a verdict.
    """
    customers = int((ledger["customer_id"] != UNATTRIBUTED).sum()) if len(ledger) else 0
    if customers < max(1, min_customers) or not has_assumptions(ledger):
        return {}
    slim = ledger[[c for c in _SLIM_COLUMNS if c in ledger.columns]]
    memo: dict[float, dict[str, Any]] = {}

    def verdict(name: str) -> Callable[[pd.DataFrame], Hashable]:
        def decide(at_multiple: pd.DataFrame) -> Hashable:
            key = round(float(at_multiple["cost_to_serve"].sum()), 6)  # differs at every multiple
            if key not in memo:
                memo[key] = tier_verdicts(table(at_multiple), min_customers)
            return memo[key][name]

        return decide

    return {
        name: levels.verdict_range(slim, verdict(name)) for name in ("highest_margin_tier", "tilt")
    }


# ---- sentences ------------------------------------------------------------------------------------
def _words(name: str, verdict: Any, largest: str | None) -> str:
    """How a sentence says a verdict."""
    if name == "tilt":
        if verdict is None:
            return "a comparison of sizes is not applicable"
        return (
            "the seesaw tilts (the largest tier does not have the highest margin)"
            if verdict == "tilts"
            else f"the seesaw does not tilt (the {largest} tier has the highest margin)"
        )
    if verdict is None:
        return "no tier can be compared with another"
    return f"the {verdict} tier has the highest margin"


def level_sentence(name: str, by_level: Mapping[str, Any], largest: str | None) -> str | None:
    """One sentence when a verdict differs between levels (:func:`levels.level_sentence`).

    Parameters
    ----------
    name : {"tilt", "highest_margin_tier"}
        The verdict.
    by_level : Mapping
        Level -> verdict, the lead level first.
    largest : str or None
        The largest tier with customers.

    Returns
    -------
    str or None
        None when every level agrees.
    """
    return levels.level_sentence(lambda verdict: _words(name, verdict, largest), by_level)


def range_sentence(name: str, verdict_range: Mapping[str, Any], largest: str | None) -> str:
    """How far the assumed amounts must move for a verdict to flip (:func:`levels.range_sentence`).

    Parameters
    ----------
    name : {"tilt", "highest_margin_tier"}
        The verdict.
    verdict_range : Mapping
        :func:`helpers.ledger.levels.verdict_range`.
    largest : str or None
        The largest tier with customers.

    Returns
    -------
    str
        E.g. "With the assumed cost-to-serve amounts, the small tier has the highest margin;
        this holds while they stay between 0x and 1.35x; at 1.4x the medium tier has the
        highest margin."
    """
    return levels.range_sentence(lambda verdict: _words(name, verdict, largest), verdict_range)
