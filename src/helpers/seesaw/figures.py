"""The seesaw's figures: the scatter with its trend, the seesaw, margins by tier, the bridge."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers import plots
from helpers.seesaw.headline import _tier_metrics, seesaw_metrics
from helpers.seesaw.tables import _config, _tiers, bridge_table, tier_table
from helpers.seesaw.trend import _scatter_frame, binned_margins, fit_trend

__all__ = ["plot_scatter", "plot_seesaw", "plot_tier_margins", "plot_bridge"]


def plot_scatter(
    ledger: pd.DataFrame, config: Mapping[str, Any] | None = None, ax: Axes | None = None
) -> Axes:
    """Customers: net revenue (log) against margin after cost to serve, by size tier.

    With the median margin per revenue bin and the Theil-Sen trend lines.

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config; None means the defaults.
    ax
        Axes to draw on; None makes a new figure.

    Returns
    -------
    Axes
        The scatter, titled with the trend.
    """
    settings = _config(config)
    ax = plots.new_axes(ax, figsize=(8.5, 5))
    led = _scatter_frame(ledger)
    tier, order = _tiers(led)
    colors = plots.tier_colors(order)
    low, high = (float(v) for v in settings["seesaw"]["margin_clip"])
    for tier_name in order:
        group = led.loc[tier == tier_name]
        ax.scatter(group["net_revenue"], 100 * group["margin_pct"].clip(low, high), s=7, alpha=0.35,
                   color=colors[tier_name], edgecolors="none", label=tier_name)  # fmt: skip
    bins = binned_margins(ledger, settings)
    ax.plot(bins["revenue"], 100 * bins["margin_pct"], "o-", color="#222222", lw=1.6, ms=4,
            label="median margin per revenue bin")  # fmt: skip
    trend = fit_trend(ledger, settings)
    x_all = np.log10(led["net_revenue"].to_numpy(dtype="float64"))
    for name, style, label in (("all", "--", "trend, all customers"),
                               ("upper", "-", "trend, largest customers")):  # fmt: skip
        fit = trend[name]
        if not np.isfinite(fit["slope"]):
            continue
        start = np.log10(trend["upper"]["min_revenue"]) if name == "upper" else x_all.min()
        grid = np.linspace(start, x_all.max(), 20)
        ax.plot(10**grid, 100 * (fit["intercept"] + fit["slope"] * grid), style, color=plots.PALETTE[3],
                lw=2, label=f"{label}: {100 * fit['slope']:+.1f} pts per 10x")  # fmt: skip
    ax.set_xscale("log")
    ax.set_ylim(100 * low - 3, 100 * high + 3)
    ax.axhline(0, color="#333333", lw=0.8)
    plots.money_axis(ax, "x")
    plots.percent_axis(ax, "y")
    ax.set_xlabel("Net revenue over the period (currency, log scale)")
    ax.set_ylabel(f"Margin after cost to serve (% of net revenue; clipped to {100 * low:.0f}%..)")
    ax.legend(frameon=False, fontsize=7.5, markerscale=2, loc="lower right", ncol=2)
    finding = _trend_title(seesaw_metrics(ledger, settings))
    plots.set_finding_title(ax, finding, f"{len(led):,} customers with positive net revenue")
    return ax


def _trend_title(metrics: Mapping[str, Any]) -> str:
    """The scatter's title: how margin moves with size among the largest customers."""
    upper = metrics.get("slope_upper")
    if upper is None:
        return "Margin after cost to serve against customer size"
    elif metrics.get("slope_upper_ci_high") is not None and metrics["slope_upper_ci_high"] < 0:
        return (
            f"Among the largest customers, margin falls {abs(100 * upper):.1f} pts per 10x revenue"
        )
    elif metrics.get("slope_upper_ci_low") is not None and metrics["slope_upper_ci_low"] > 0:
        return f"Among the largest customers, margin rises {100 * upper:.1f} pts per 10x revenue"
    else:
        return "Among the largest customers, margin shows no clear trend with size"


def plot_seesaw(
    ledger: pd.DataFrame, config: Mapping[str, Any] | None = None, ax: Axes | None = None
) -> Axes:
    """The seesaw: each size tier's share of net revenue joined to its share of profit.

    Revenue share on the left, profit share on the right: a line falling to the right is a tier
    that earns less than its volume.

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config; None means the defaults.
    ax
        Axes to draw on; None makes a new figure.

    Returns
    -------
    Axes
        The figure's axes, titled from the tier table.
    """
    settings = _config(config)
    ax = plots.new_axes(ax, figsize=(7, 5))
    tiers = tier_table(ledger, settings)
    colors = plots.tier_colors(list(tiers["size_tier"]))
    for _, row in tiers.iterrows():
        revenue, profit = 100 * row["revenue_share"], 100 * row["profit_share"]
        color = colors[row["size_tier"]]
        ax.plot([0, 1], [revenue, profit], "-o", color=color, lw=3, ms=8)
        ax.annotate(f"{row['size_tier']} {revenue:.0f}%", (0, revenue), xytext=(-8, 0),
                    textcoords="offset points", ha="right", va="center", color=color,
                    fontweight="bold")  # fmt: skip
        ax.annotate(f"{profit:.0f}% {row['size_tier']}", (1, profit), xytext=(8, 0),
                    textcoords="offset points", ha="left", va="center", color=color,
                    fontweight="bold")  # fmt: skip
    ax.axhline(0, color="#333333", lw=0.8)
    ax.set_xlim(-0.45, 1.45)
    ax.set_xticks([0, 1])
    ax.set_xticklabels(["share of net revenue", "share of profit\nafter cost to serve"])
    ax.set_ylabel("Share of the customers' total (%)")
    plots.percent_axis(ax, "y")
    ax.grid(axis="x", visible=False)
    finding = _tilt_title(_tier_metrics(tiers))  # the title needs the tiers only, not the trend
    plots.set_finding_title(ax, finding, "Per size tier; a line falling to the right earns less "
                            "than its volume")  # fmt: skip
    return ax


def _tilt_title(metrics: Mapping[str, Any]) -> str:
    """The seesaw's title: whether the largest tier earns less than its volume."""
    if metrics.get("largest_tier") is None:
        return "Share of revenue and of profit by size tier"
    elif metrics["big_accounts_most_profitable"]:
        return (
            f"No tilt against volume: {metrics['largest_tier']} accounts bring "
            f"{metrics['largest_tier_revenue_share']:.0%} of revenue and "
            f"{metrics['largest_tier_profit_share']:.0%} of profit"
        )
    else:
        return (
            f"The seesaw tilts: {metrics['largest_tier']} accounts bring "
            f"{metrics['largest_tier_revenue_share']:.0%} of revenue, "
            f"{metrics['largest_tier_profit_share']:.0%} of profit"
        )


def plot_tier_margins(
    ledger: pd.DataFrame, config: Mapping[str, Any] | None = None, ax: Axes | None = None
) -> Axes:
    """Margin after cost to serve by size tier (bars), gross margin and the company margin.

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config; None means the defaults.
    ax
        Axes to draw on; None makes a new figure.

    Returns
    -------
    Axes
        The bars (% of net revenue; gross margin as an outline, the company margin dashed).
    """
    settings = _config(config)
    ax = plots.new_axes(ax)
    tiers = tier_table(ledger, settings)
    colors = plots.tier_colors(list(tiers["size_tier"]))
    positions = np.arange(len(tiers))
    ax.bar(positions, 100 * tiers["gross_margin_pct"], 0.7, facecolor="none", edgecolor="#555555",
           ls="--", label="gross margin")  # fmt: skip
    bars = ax.bar(positions, 100 * tiers["margin_pct"], 0.5, color=[colors[size] for size in tiers["size_tier"]],
                  label="margin after cost to serve")  # fmt: skip
    ax.bar_label(
        bars, labels=[f"{100 * v:.1f}%" for v in tiers["margin_pct"]], padding=2, fontsize=9
    )
    net = tiers["net_revenue"].sum()
    if net:
        company = 100 * tiers["profit"].sum() / net
        ax.axhline(company, color=plots.PALETTE[3], lw=1.2, ls=":",
                   label=f"company margin {company:.1f}%")  # fmt: skip
    ax.axhline(0, color="#333333", lw=0.8)
    ax.set_xticks(positions)
    ax.set_xticklabels(tiers["size_tier"])
    ax.set_xlabel("Size tier (smallest to largest)")
    ax.set_ylabel("% of net revenue")
    plots.percent_axis(ax, "y")
    ax.legend(frameon=False, fontsize=8)
    valid = tiers.dropna(subset=["margin_pct"])
    if len(valid):
        best = valid.loc[valid["margin_pct"].idxmax()]
        finding = (
            f"The {best['size_tier']} tier earns the highest margin after cost to serve "
            f"({100 * best['margin_pct']:.1f}%)"
        )
    else:
        finding = "Margin by size tier"
    plots.set_finding_title(ax, finding, "Margin as % of net revenue, per size tier")
    return ax


_BRIDGE_COLORS = {
    "discounts": plots.PALETTE[3],
    "rebates": plots.PALETTE[1],
    "cost of goods": "#BBBBBB",
}
_CTS_COLORS = [plots.PALETTE[4], plots.PALETTE[6], plots.PALETTE[0], plots.PALETTE[5], "#777777"]


def plot_bridge(
    ledger: pd.DataFrame, config: Mapping[str, Any] | None = None, ax: Axes | None = None
) -> Axes:
    """Why it tilts: per size tier, the bridge from list price down to profit.

    List price (100%, right) through discounts, rebates, cost of goods and cost to serve down to
    profit (left), as % of list revenue.

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config; None means the defaults.
    ax
        Axes to draw on; None makes a new figure.

    Returns
    -------
    Axes
        The stacked bars.
    """
    settings = _config(config)
    bridge = bridge_table(ledger, settings)
    ax = plots.new_axes(ax, figsize=(9, 0.8 * len(bridge) + 2))
    steps = [c for c in bridge.columns if c not in ("size_tier", "profit")]
    colors = {**_BRIDGE_COLORS}
    for i, step in enumerate([s for s in steps if s not in colors]):
        colors[step] = _CTS_COLORS[i % len(_CTS_COLORS)]
    rows = np.arange(len(bridge))
    for row_no, (_, row) in enumerate(bridge.iterrows()):
        right = 100.0
        for step in steps:
            width = 100 * float(row[step]) if np.isfinite(row[step]) else 0.0
            ax.barh(row_no, width, left=right - width, color=colors[step], edgecolor="white", lw=0.5,
                    label=step if row_no == 0 else None)  # fmt: skip
            if width >= 4:
                ax.text(
                    right - width / 2, row_no, f"{width:.0f}", ha="center", va="center", fontsize=8
                )
            right -= width
        profit = 100 * float(row["profit"]) if np.isfinite(row["profit"]) else 0.0
        ax.barh(row_no, profit, left=0, color=plots.PALETTE[2], hatch="" if profit >= 0 else "//",
                edgecolor="white", label="profit" if row_no == 0 else None)  # fmt: skip
        ax.text(min(profit, 0) - 1, row_no, f"profit {profit:.1f}%", ha="right", va="center", fontsize=9,
                fontweight="bold")  # fmt: skip
    ax.axvline(0, color="#333333", lw=0.8)
    ax.axvline(100, color="#333333", lw=0.8)
    ax.set_yticks(rows)
    ax.set_yticklabels(bridge["size_tier"])
    ax.invert_yaxis()
    low = 100 * float(np.nanmin(np.minimum(bridge["profit"].to_numpy(dtype="float64"), 0)))
    ax.set_xlim(low - 22, 103)
    plots.percent_axis(ax, "x")
    ax.set_xlabel("% of list revenue (list price = 100%, read right to left)")
    ax.legend(frameon=False, fontsize=7.5, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    finding = _leak_title(bridge)
    plots.set_finding_title(ax, finding, "From list price to profit after cost to serve, per tier")
    return ax


def _leak_title(bridge: pd.DataFrame) -> str:
    """The bridge's title: discounts and rebates of the largest against the smallest tier."""
    leak = bridge.set_index("size_tier")
    if len(leak) >= 2:
        big, small = leak.index[-1], leak.index[0]
        d_big = 100 * (leak.loc[big, "discounts"] + leak.loc[big, "rebates"])
        d_small = 100 * (leak.loc[small, "discounts"] + leak.loc[small, "rebates"])
        return (
            f"Discounts and rebates take {d_big:.0f}% of list price from {big} accounts, "
            f"{d_small:.0f}% from {small} ones"
        )
    else:
        return "From list price to profit"
