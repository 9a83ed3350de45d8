"""Per size tier: customers, revenue, profit and margins, and the bridge from list price to profit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.schema import UNATTRIBUTED

__all__ = ["tier_table", "bridge_table"]

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


def tier_table(ledger: pd.DataFrame, config: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Per size tier (smallest first): customers, revenue, profit, their shares and margins.

    Parameters
    ----------
    ledger
        The customer ledger (the unattributed row is left out; unknown tiers come last).
    config
        The run's config; None means the defaults.

    Returns
    -------
    DataFrame
        size_tier, customers, customer_share, net_revenue (currency units), revenue_share,
        profit (currency units), profit_share (fractions of the customers' totals), margin_pct
        (profit after cost to serve), gross_margin_pct, cost_to_serve_pct (fractions of net
        revenue).
    """
    led = _customers(ledger)
    tier, order = _tiers(led)
    cols = ["net_revenue", "list_revenue", "gross_margin", "cost_to_serve", "profit"]
    sums = led[cols].assign(customers=1).groupby(tier.to_numpy()).sum().reindex(order)
    total = sums.sum()
    net = sums["net_revenue"].where(sums["net_revenue"] != 0)
    out = pd.DataFrame(
        {
            "size_tier": order,
            "customers": sums["customers"].astype(int).to_numpy(),
            "customer_share": (sums["customers"] / total["customers"]).to_numpy(),
            "net_revenue": sums["net_revenue"].to_numpy(),
            "revenue_share": (sums["net_revenue"] / total["net_revenue"]).to_numpy()
            if total["net_revenue"]
            else np.nan,
            "profit": sums["profit"].to_numpy(),
            "profit_share": (sums["profit"] / total["profit"]).to_numpy()
            if total["profit"]
            else np.nan,
            "margin_pct": (sums["profit"] / net).to_numpy(),
            "gross_margin_pct": (sums["gross_margin"] / net).to_numpy(),
            "cost_to_serve_pct": (sums["cost_to_serve"] / net).to_numpy(),
        }
    )
    return out


def bridge_table(ledger: pd.DataFrame, config: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Per size tier, the bridge from list price to profit as fractions of list revenue.

    Parameters
    ----------
    ledger
        The customer ledger (the unattributed row is left out).
    config
        The run's config (``seesaw.bridge.groups``: step label -> activities); None means the
        defaults.

    Returns
    -------
    DataFrame
        size_tier, discounts, rebates, cost of goods, one column per cost-to-serve group (and
        "other cost to serve"), profit: fractions of list revenue that add up to 1.
    """
    settings = _config(config)
    led = _customers(ledger)
    tier, order = _tiers(led)
    groups = _groups(led, settings)
    steps = pd.DataFrame(
        {"discounts": led["discounts"], "rebates": led["rebates"], "cost of goods": led["cogs"]}
    )
    for label, cols in groups.items():
        steps[label] = led[cols].sum(axis=1) if cols else 0.0
    steps["profit"] = led["profit"]
    steps["list_revenue"] = led["list_revenue"]
    sums = steps.groupby(tier.to_numpy()).sum().reindex(order)
    lst = sums.pop("list_revenue").replace(0, np.nan)
    out = sums.div(lst, axis=0)
    out.index.name = "size_tier"
    return out.reset_index()
