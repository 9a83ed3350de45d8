"""Per size tier: customers, revenue, profit and margins, and the bridge from list price to profit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.results import share_of
from helpers.schema import UNATTRIBUTED
from helpers.seesaw import verdicts

__all__ = ["tier_table", "bridge_table", "at_lead"]

_UNKNOWN = "(unknown)"


def _config(config: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if config is not None and "seesaw" in config and "size_tiers" in config:
        return config
    from helpers.config import defaults

    return {**defaults(), **(config or {})}


def _customers(ledger: pd.DataFrame) -> pd.DataFrame:
    return ledger.loc[ledger["customer_id"] != UNATTRIBUTED]


def _tiers(ledger: pd.DataFrame) -> tuple[pd.Series, list[str]]:
    """The size tier of each customer as text, and the tiers in size order (unknown last)."""
    tier = ledger["size_tier"]
    cats = list(tier.cat.categories) if isinstance(tier.dtype, pd.CategoricalDtype) else []
    text = tier.astype("object").fillna(_UNKNOWN).astype(str)
    order = [str(c) for c in cats if (text == str(c)).any()]
    order += sorted(set(text) - set(order))
    return text, order


# ---- tables -------------------------------------------------------------------------------------
def _groups(ledger: pd.DataFrame, config: Mapping[str, Any]) -> dict[str, list[str]]:
    """Cost-to-serve columns of each bridge step (activities not configured: 'other')."""
    present = [c for c in ledger.columns if c.startswith("cts_")]
    out: dict[str, list[str]] = {}
    used: set[str] = set()
    for label, activities in config["seesaw"]["bridge"]["groups"].items():
        cols = [f"cts_{a}" for a in activities if f"cts_{a}" in present]
        out[label] = cols
        used.update(cols)
    out["other cost to serve"] = [c for c in present if c not in used]
    return out


def at_lead(ledger: pd.DataFrame, level: str | None = None) -> pd.DataFrame:
    """The ledger with ``profit`` at the lead level (or at ``level``).

    Parameters
    ----------
    ledger : pandas.DataFrame
        The customer ledger.
    level : str, optional
        ``data``, ``measured`` or ``with_assumptions``; None means the lead level
        (:func:`helpers.ledger.levels.lead_level`).

    Returns
    -------
    pandas.DataFrame
        :func:`helpers.ledger.levels.at_level` (the ledger as it is without the level columns).
    """
    lead, frames, _ = verdicts.level_frames(ledger, level)
    return frames[lead]


def tier_table(
    ledger: pd.DataFrame, config: Mapping[str, Any] | None = None, level: str | None = None
) -> pd.DataFrame:
    """Per size tier (smallest first): customers, revenue, profit, their shares and margins.

    Parameters
    ----------
    ledger
        The customer ledger (the unattributed row is left out; unknown tiers come last).
    config
        The run's config; None means the defaults.
    level
        The level of profit; None means the lead level (:func:`at_lead`).

    Returns
    -------
    DataFrame
        size_tier, customers, customer_share, net_revenue (currency units), revenue_share,
        profit (currency units), profit_share (fractions of the customers' totals; NaN when
        the total profit is not material, :func:`helpers.results.share_of`), margin_pct
        (profit after cost to serve), gross_margin_pct, cost_to_serve_pct (fractions of net
        revenue).
    """
    return _tier_table(at_lead(ledger, level))


def _tier_table(ledger: pd.DataFrame) -> pd.DataFrame:
    """:func:`tier_table` of a ledger whose ``profit`` is at the level wanted."""
    led = _customers(ledger)
    tier, order = _tiers(led)
    cols = ["net_revenue", "list_revenue", "gross_margin", "cost_to_serve", "profit"]
    sums = led[cols].assign(customers=1).groupby(tier.to_numpy()).sum().reindex(order)
    total = sums.sum()
    net = sums["net_revenue"].where(sums["net_revenue"] != 0)
    material = share_of(1.0, led["profit"]) is not None
    return pd.DataFrame(
        {
            "size_tier": order,
            "customers": sums["customers"].astype(int).to_numpy(),
            "customer_share": (sums["customers"] / total["customers"]).to_numpy(),
            "net_revenue": sums["net_revenue"].to_numpy(),
            "revenue_share": (sums["net_revenue"] / total["net_revenue"]).to_numpy()
            if total["net_revenue"] > 0
            else np.nan,
            "profit": sums["profit"].to_numpy(),
            "profit_share": (sums["profit"] / total["profit"]).to_numpy() if material else np.nan,
            "margin_pct": (sums["profit"] / net).to_numpy(),
            "gross_margin_pct": (sums["gross_margin"] / net).to_numpy(),
            "cost_to_serve_pct": (sums["cost_to_serve"] / net).to_numpy(),
        }
    )


def _margin_table(ledger: pd.DataFrame) -> pd.DataFrame:
    """The columns of :func:`tier_table` the verdicts read: size_tier, customers, margin_pct.

    Quick, for the verdicts at 61 multiples of the assumed amounts.
    """
    led = _customers(ledger)
    tier, order = _tiers(led)
    codes = pd.Categorical(tier.to_numpy(), categories=order).codes
    net = np.bincount(
        codes, weights=led["net_revenue"].to_numpy(dtype="float64"), minlength=len(order)
    )
    profit = np.bincount(
        codes, weights=led["profit"].to_numpy(dtype="float64"), minlength=len(order)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        margin = np.where(net != 0, profit / np.where(net == 0, 1, net), np.nan)
    return pd.DataFrame(
        {
            "size_tier": order,
            "customers": np.bincount(codes, minlength=len(order)),
            "margin_pct": margin,
        }
    )


def bridge_table(
    ledger: pd.DataFrame, config: Mapping[str, Any] | None = None, level: str | None = None
) -> pd.DataFrame:
    """Per size tier, the bridge from list price to profit as fractions of list revenue.

    Parameters
    ----------
    ledger
        The customer ledger (the unattributed row is left out).
    config
        The run's config (``seesaw.bridge.groups``: step label -> activities); None means the
        defaults.
    level
        The level of profit; None means the lead level. At ``data`` the bridge has no cost to
        serve; at ``measured`` one step, the cost to serve the data counts; at
        ``with_assumptions`` the groups of ``seesaw.bridge.groups``.

    Returns
    -------
    DataFrame
        size_tier, discounts, rebates, cost of goods, the cost-to-serve steps, profit:
        fractions of list revenue that add up to 1 (named in ``attrs["fraction_columns"]``, so
        a report table shows them as percentages).
    """
    settings = _config(config)
    lead, frames, _ = verdicts.level_frames(ledger, level)
    led = _customers(frames[lead])
    tier, order = _tiers(led)
    steps = pd.DataFrame(
        {"discounts": led["discounts"], "rebates": led["rebates"], "cost of goods": led["cogs"]}
    )
    if lead == "measured":
        steps["cost to serve the data counts"] = led["cost_to_serve"]
    elif lead == "with_assumptions":
        for label, cols in _groups(led, settings).items():
            steps[label] = led[cols].sum(axis=1) if cols else 0.0
    steps["profit"] = led["profit"]
    steps["list_revenue"] = led["list_revenue"]
    sums = steps.groupby(tier.to_numpy()).sum().reindex(order)
    lst = sums.pop("list_revenue").replace(0, np.nan)
    out = sums.div(lst, axis=0)
    out.index.name = "size_tier"
    out = out.reset_index()
    out.attrs["fraction_columns"] = list(sums.columns)  # shown as % of list revenue
    return out
