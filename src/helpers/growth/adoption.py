"""Innovation adoption: the share of each size tier buying a new product soon after its launch."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers import plots
from helpers.growth._shared import settings, tier_order
from helpers.ledger.purchases import purchase_lines
from helpers.results import Result, missing, wilson_ci

__all__ = ["innovation_adoption", "plot_adoption"]

_UNKNOWN = "unknown"  # customers without a size tier: counted, never ranked as a size


def innovation_adoption(
    order_lines: pd.DataFrame,
    products: pd.DataFrame | None,
    tiers: pd.Series,
    config: Mapping[str, Any],
    customers: pd.DataFrame | None = None,
) -> Result:
    """Share of each size tier's customers who buy a new product within N months of its launch.

    A (customer, launch) pair is eligible when the customer's first purchase came before the
    launch and they had not closed by then; it is adopted when the customer bought the product
    within ``adoption_months`` of the launch. Only launches inside the data with a whole window
    before its end count.

    Parameters
    ----------
    order_lines
        The canonical order lines.
    products
        The canonical products (``launch_date``), or None.
    tiers
        Each customer's size tier, indexed by customer_id.
    config
        The dataset config (its ``growth`` and ``size_tiers`` sections).
    customers
        The customers table (``closed_date``), or None.

    Returns
    -------
    Result
        ``table``, one row per size tier: eligible and adopted (customer-launch pairs),
        median_days (launch to first purchase), adoption_rate with its Wilson CI ci_low,
        ci_high (0-1); ``detail['launches']`` the launches counted. Not available without
        launch dates or launches with a whole window inside the data.
    """
    if products is None or "launch_date" not in products or products["launch_date"].isna().all():
        return missing(
            "No products table with launch dates: innovation adoption by size tier cannot be "
            "measured."
        )
    cfg = settings(config)
    window = pd.Timedelta(days=float(cfg["adoption_months"]) * float(cfg["days_per_month"]))
    lines = purchase_lines(order_lines)
    launches = _launches(products, lines["order_date"], window)
    if launches.empty:
        return missing(
            f"No product was launched inside the data with {cfg['adoption_months']} months left "
            "to observe it: no adoption analysis."
        )
    first = lines.groupby("customer_id")["order_date"].min()
    tier = tiers.reindex(first.index).astype("string").fillna(_UNKNOWN)
    closed = _closed_dates(customers, first.index)
    table = _eligible(first, closed, tier, launches["launch_date"].to_numpy())
    adopted = _adoptions(lines, launches, window, first, closed, tier)
    table = _rates(table.join(adopted).fillna({"adopted": 0}), config)
    result = Result(table=table, detail={"launches": launches})
    _summarise(result, len(launches), config)
    return result


def _launches(products: pd.DataFrame, dates: pd.Series, window: pd.Timedelta) -> pd.DataFrame:
    """Products launched inside the data with a whole adoption window before its end."""
    start, end = dates.min(), dates.max()
    return products.loc[
        (products["launch_date"] > start) & (products["launch_date"] + window <= end),
        ["product_id", "launch_date"],
    ]


def _closed_dates(customers: pd.DataFrame | None, index: pd.Index) -> pd.Series:
    """Each customer's closed date on ``index`` (NaT where unknown)."""
    if customers is None or "closed_date" not in customers:
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    return customers.set_index("customer_id")["closed_date"].reindex(index)


def _eligible(
    first: pd.Series, closed: pd.Series, tier: pd.Series, launch_days: np.ndarray
) -> pd.DataFrame:
    """Per tier, the (customer, launch) pairs with a first purchase before and no closure by it."""
    rows = []
    for name in sorted(tier.unique()):
        firsts = np.sort(first[tier == name].to_numpy())
        closures = np.sort(closed[tier == name].dropna().to_numpy())
        eligible = np.searchsorted(firsts, launch_days, "left") - np.searchsorted(
            closures, launch_days, "right"
        )
        rows.append({"size_tier": name, "eligible": int(np.maximum(eligible, 0).sum())})
    return pd.DataFrame(rows).set_index("size_tier")


def _adoptions(
    lines: pd.DataFrame,
    launches: pd.DataFrame,
    window: pd.Timedelta,
    first: pd.Series,
    closed: pd.Series,
    tier: pd.Series,
) -> pd.DataFrame:
    """Per tier, eligible pairs that bought the product in the window and the median days."""
    buys = lines.merge(launches, on="product_id")
    buys = buys.loc[
        (buys["order_date"] >= buys["launch_date"])
        & (buys["order_date"] < buys["launch_date"] + window)
    ]
    buys = buys.groupby(["customer_id", "product_id"], as_index=False).agg(
        launch_date=("launch_date", "first"), adopted_on=("order_date", "min")
    )
    first_buy = buys["customer_id"].map(first)
    closed_on = buys["customer_id"].map(closed)
    buys = buys.loc[(first_buy < buys["launch_date"]) & ~(closed_on <= buys["launch_date"])]
    buys["size_tier"] = buys["customer_id"].map(tier)
    buys["days"] = (buys["adopted_on"] - buys["launch_date"]).dt.days
    return buys.groupby("size_tier").agg(
        adopted=("customer_id", "size"), median_days=("days", "median")
    )


def _rates(table: pd.DataFrame, config: Mapping[str, Any]) -> pd.DataFrame:
    """Adoption rate and its Wilson CI per tier, tiers in their configured order."""
    conf = float(config["growth"]["confidence"])
    table["adoption_rate"] = table["adopted"] / table["eligible"].where(table["eligible"] > 0)
    table["ci_low"], table["ci_high"] = wilson_ci(table["adopted"], table["eligible"], conf)
    order = [t for t in tier_order(config) if t in table.index]
    return table.loc[order + [t for t in table.index if t not in order]]


def _summarise(result: Result, launches: int, config: Mapping[str, Any]) -> None:
    """Metrics and the finding: adoption by tier, small tiers pooled against the rest."""
    cfg = settings(config)
    table = result.table.drop(index=_UNKNOWN, errors="ignore")  # no tier: not a size to rank
    shown = table.loc[table["eligible"] >= int(cfg["min_group_size"])]
    result.metrics = {
        "launches": launches,
        "adoption_months": cfg["adoption_months"],
        "adoption_rate_by_tier": {
            str(k): float(v) for k, v in shown["adoption_rate"].dropna().items()
        },
    }
    if not len(shown):
        return
    small = [t for t in config["size_tiers"]["small"] if t in table.index]
    is_small = table.index.isin(small)
    by_tier = ", ".join(f"{t} {r:.1%}" for t, r in shown["adoption_rate"].items())
    head = (
        f"Within {cfg['adoption_months']} months of {launches} launches, the share of "
        f"existing customers buying each new product was {by_tier}"
    )
    eligible = (table.loc[is_small, "eligible"].sum(), table.loc[~is_small, "eligible"].sum())
    if min(eligible) == 0:
        result.findings = [
            f"{head}; small clients cannot be compared with the rest: one side has no "
            "customers who were buying before a launch."
        ]
        return
    pooled = {
        name: table.loc[mask, "adopted"].sum() / max(table.loc[mask, "eligible"].sum(), 1)
        for name, mask in (("small", is_small), ("rest", ~is_small))
    }
    result.metrics["adoption_rate_small_tiers"] = float(pooled["small"])
    result.metrics["adoption_rate_other_tiers"] = float(pooled["rest"])
    verdict = "earlier" if pooled["small"] > pooled["rest"] else "no earlier"
    result.findings = [
        f"{head}: small clients ({', '.join(small)}) adopt {verdict} than the rest "
        f"({pooled['small']:.1%} against {pooled['rest']:.1%})."
    ]


def plot_adoption(result: Result, config: Mapping[str, Any], ax: Axes | None = None) -> Axes:
    """Share of each size tier adopting a new product within the window, with Wilson CIs.

    Parameters
    ----------
    result
        :func:`innovation_adoption` (available).
    config
        The dataset config (``growth.min_group_size`` and ``adoption_months``).
    ax
        Axes to draw on (default: a new figure).

    Returns
    -------
    Axes
        One bar per tier with at least ``min_group_size`` eligible pairs, titled with the
        first finding.
    """
    ax = plots.new_axes(ax)
    table = result.table
    shown = table.loc[table["eligible"] >= int(config["growth"]["min_group_size"])]
    shown = shown.drop(index=_UNKNOWN, errors="ignore")
    colors = plots.tier_colors(list(map(str, table.index)))
    x = np.arange(len(shown))
    rate = shown["adoption_rate"]
    ax.bar(x, rate * 100, color=[colors[str(i)] for i in shown.index])
    ax.errorbar(
        x,
        rate * 100,
        yerr=[(rate - shown["ci_low"]) * 100, (shown["ci_high"] - rate) * 100],
        fmt="none",
        ecolor="#333333",
        capsize=3,
    )
    ax.set_xticks(x, list(shown.index))
    ax.set_ylabel(f"Bought a new product within {config['growth']['adoption_months']} months")
    plots.percent_axis(ax)
    plots.set_finding_title(
        ax,
        result.findings[0] if result.findings else "New-product adoption by size tier",
        "per (customer, launch) pair; whiskers: Wilson CI",
    )
    return ax
