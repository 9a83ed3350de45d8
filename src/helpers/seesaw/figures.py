"""The seesaw's figures: the scatter with its trend, the seesaw, margins by tier, the bridge."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers import plots
from helpers.ledger import levels
from helpers.seesaw.headline import _tier_metrics
from helpers.seesaw.sentences import _margin, _percent
from helpers.seesaw.tables import _config, _tiers, at_lead, bridge_table, tier_table
from helpers.seesaw.trend import _scatter_frame, binned_margins, fit_trend
from helpers.seesaw.verdicts import level_frames

__all__ = ["plot_scatter", "plot_seesaw", "plot_tier_margins", "plot_bridge"]


def plot_scatter(
    ledger: pd.DataFrame,
    config: Mapping[str, Any] | None = None,
    ax: Axes | None = None,
    level: str | None = None,
) -> Axes:
    """Customers: net revenue (log) against margin, by size tier, with bin medians and trends.

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config; None means the defaults.
    ax
        Axes to draw on; None makes a new figure.
    level
        The level of profit; None means the lead level.

    Returns
    -------
    Axes
        The scatter, titled with the trend.
    """
    settings = _config(config)
    ax = plots.new_axes(ax, figsize=(8.5, 5))
    margin, ledger = _margin_name(level or levels.lead_level(ledger)), at_lead(ledger, level)
    led = _scatter_frame(ledger)
    tier, order = _tiers(led)
    colors = plots.tier_colors(order)
    low, high = (float(v) for v in settings["seesaw"]["margin_clip"])
    for tier_name in order:
        group = led.loc[tier == tier_name]
        ax.scatter(group["net_revenue"], 100 * group["margin_pct"].clip(low, high), s=7, alpha=0.35,
                   color=colors[tier_name], edgecolors="none", label=tier_name)  # fmt: skip
    bins = binned_margins(ledger, settings, level="with_assumptions")  # profit at its level
    ax.plot(bins["revenue"], 100 * bins["margin_pct"], "o-", color="#222222", lw=1.6, ms=4,
            label="median margin per revenue bin")  # fmt: skip
    trend = fit_trend(ledger, settings, level="with_assumptions")
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
    ax.set_xlabel("Net revenue over the period (log scale)")
    ax.set_ylabel(f"{margin.capitalize()} (% of net revenue; clipped to {100 * low:.0f}%..)")
    ax.legend(frameon=False, fontsize=7.5, markerscale=2, loc="lower right", ncol=2)
    finding = _trend_title(trend["upper"], margin)
    plots.set_finding_title(ax, finding, f"{len(led):,} customers with positive net revenue")
    return ax


def _margin_name(level: str) -> str:
    """The margin a figure shows, in words: no "after cost to serve" at the level that counts none."""
    return "margin" if level == "data" else "margin after cost to serve"


def _trend_title(upper: Mapping[str, Any], margin: str = "margin after cost to serve") -> str:
    """The scatter's title: how margin moves with size among the largest customers."""
    slope, low, high = (float(upper[k]) for k in ("slope", "ci_low", "ci_high"))
    if not np.isfinite(slope):
        return f"{margin.capitalize()} against customer size"
    elif np.isfinite(high) and high < 0:
        return (
            f"Among the largest customers, margin falls {abs(100 * slope):.1f} pts per 10x revenue"
        )
    elif np.isfinite(low) and low > 0:
        return f"Among the largest customers, margin rises {100 * slope:.1f} pts per 10x revenue"
    else:
        return "Among the largest customers, margin shows no clear trend with size"


def plot_seesaw(
    ledger: pd.DataFrame,
    config: Mapping[str, Any] | None = None,
    ax: Axes | None = None,
    level: str | None = None,
) -> Axes:
    """The seesaw: each size tier's share of net revenue joined to its share of profit.

    Revenue share on the left, profit share on the right: a line falling to the right is a tier
    that earns less than its volume. When the total profit is a loss or too small to take
    shares of, only the revenue shares are drawn.

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config; None means the defaults.
    ax
        Axes to draw on; None makes a new figure.
    level
        The level of profit; None means the lead level.

    Returns
    -------
    Axes
        The figure's axes, titled with the verdict ``tilt``.
    """
    settings = _config(config)
    ax = plots.new_axes(ax, figsize=(7, 5))
    ledger = at_lead(ledger, level)
    tiers = tier_table(ledger, settings, level="with_assumptions")  # profit already at its level
    _draw_tier_lines(ax, tiers)
    ax.axhline(0, color="#333333", lw=0.8)
    ax.set_xlim(-0.45, 1.45)
    ax.set_xticks([0, 1])
    words = {"data": "on the data's margin", "measured": "after measured cost to serve"}
    lead = level or levels.lead_level(ledger)
    profit_words = words.get(lead, "after cost to serve")
    ax.set_xticklabels(["share of net revenue", f"share of profit\n{profit_words}"])
    ax.set_ylabel("Share of the customers' total (%)")
    plots.percent_axis(ax, "y")
    ax.grid(axis="x", visible=False)
    minimum = int(settings["seesaw"]["min_customers"])
    finding = _tilt_title(_tier_metrics(tiers, minimum))  # the title needs the tiers only
    plots.set_finding_title(ax, finding, "Per size tier; a line falling to the right earns less "
                            "than its volume")  # fmt: skip
    return ax


def _draw_tier_lines(ax: Any, tiers: pd.DataFrame) -> None:
    """One line per tier from its revenue share to its profit share, end labels kept apart."""
    colors = plots.tier_colors(list(tiers["size_tier"]))
    revenue = 100 * tiers["revenue_share"].to_numpy(dtype=float)
    profit = 100 * tiers["profit_share"].to_numpy(dtype=float)
    finite = np.isfinite(profit)
    values = np.concatenate([revenue, profit[finite]])
    span = max(float(values.max()), 0.0) - min(float(values.min()), 0.0) if len(values) else 0.0
    gap = 0.055 * max(span, 1e-9)  # a label's height: about 5.5% of the axis
    left = _spread(revenue, gap)
    right = np.full(len(profit), np.nan)
    right[finite] = _spread(profit[finite], gap)
    for i, tier in enumerate(tiers["size_tier"]):
        color = colors[tier]
        ends = [revenue[i], profit[i]] if finite[i] else [revenue[i]]
        ax.plot([0, 1][: len(ends)], ends, "-o", color=color, lw=3, ms=8)
        ax.annotate(f"{tier} {revenue[i]:.0f}%", (0, revenue[i]), xytext=(-0.04, left[i]),
                    textcoords="data", ha="right", va="center", color=color,
                    fontweight="bold")  # fmt: skip
        if finite[i]:
            ax.annotate(f"{profit[i]:.0f}% {tier}", (1, profit[i]), xytext=(1.04, right[i]),
                        textcoords="data", ha="left", va="center", color=color,
                        fontweight="bold")  # fmt: skip


def _spread(values: np.ndarray, gap: float) -> np.ndarray:
    """Label heights near ``values`` but at least ``gap`` apart (order kept), for end labels.

    Labels are placed from the lowest up, each at least ``gap`` above the one below, then the
    whole stack is shifted down by half its overshoot so it stays centred on the points.
    """
    if len(values) == 0:
        return values
    order = np.argsort(values, kind="stable")
    placed = np.empty(len(values))
    last = -np.inf
    for i in order:
        last = max(float(values[i]), last + gap)
        placed[i] = last
    shift = (placed[order] - values[order]).max() / 2
    return placed - shift if shift > 0 else placed


def _tilt_title(metrics: Mapping[str, Any]) -> str:
    """The seesaw's title, from the verdict ``tilt``."""
    big, tilt = metrics.get("largest_tier"), metrics.get("tilt")
    if big is None:
        return "Share of revenue and of profit by size tier"
    if metrics["tiers_with_customers"] < 2:
        return f"Every customer is in one size tier ({big}): the seesaw is not applicable"
    if tilt is None:
        return "Too few customers for a verdict on the seesaw"
    revenue, profit = metrics["largest_tier_revenue_share"], metrics["largest_tier_profit_share"]
    shares = f"{big} accounts bring {_percent(revenue)} of revenue" + (
        f" and {_percent(profit)} of profit" if profit is not None else ""
    )
    if tilt == "no tilt":
        return f"No tilt against volume: {shares}"
    return f"The seesaw tilts: {shares}"


def plot_tier_margins(
    ledger: pd.DataFrame,
    config: Mapping[str, Any] | None = None,
    ax: Axes | None = None,
    level: str | None = None,
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
    level
        The level of profit; None means the lead level.

    Returns
    -------
    Axes
        The bars (% of net revenue; gross margin as an outline, the company margin dashed),
        titled with the verdict ``highest_margin_tier``.
    """
    settings = _config(config)
    ax = plots.new_axes(ax)
    lead, frames, _ = level_frames(ledger, level)
    tiers = tier_table(frames[lead], settings, level="with_assumptions")  # profit at its level
    colors = plots.tier_colors(list(tiers["size_tier"]))
    positions = np.arange(len(tiers))
    ax.bar(positions, 100 * tiers["gross_margin_pct"], 0.7, facecolor="none", edgecolor="#555555",
           ls="--", label="gross margin")  # fmt: skip
    bars = ax.bar(positions, 100 * tiers["margin_pct"], 0.5, color=[colors[size] for size in tiers["size_tier"]],
                  label=_margin_name(lead))  # fmt: skip
    ax.bar_label(bars, labels=[_margin(100 * v) if np.isfinite(v) else "" for v in tiers["margin_pct"]],
                 padding=2, fontsize=9)  # fmt: skip
    net = tiers["net_revenue"].sum()
    if net:
        company = tiers["profit"].sum() / net
        ax.axhline(100 * company, color=plots.PALETTE[3], lw=1.2, ls=":",
                   label=f"company margin {_margin(100 * company)}")  # fmt: skip
    ax.axhline(0, color="#333333", lw=0.8)
    ax.set_xticks(positions)
    ax.set_xticklabels(tiers["size_tier"])
    ax.set_xlabel("Size tier (smallest to largest)")
    ax.set_ylabel("% of net revenue")
    plots.percent_axis(ax, "y")
    ax.legend(frameon=False, fontsize=8)
    found = _tier_metrics(tiers, int(settings["seesaw"]["min_customers"]))
    subtitle = f"Margin as % of net revenue, per size tier; profit {levels.LEVEL_WORDS[lead]}"
    plots.set_finding_title(ax, _margin_title(found, _margin_name(lead)), subtitle)
    return ax


def _margin_title(metrics: Mapping[str, Any], margin: str = "margin after cost to serve") -> str:
    """The tier-margin figure's title, from the verdict ``highest_margin_tier``."""
    best = metrics.get("highest_margin_tier")
    if best is None:
        return "Margin by size tier (no comparison: one tier, or too few customers)"
    value, words = metrics["most_profitable_tier_margin_pct"], margin
    if value is not None and value < 0:
        return f"Every tier loses money; the {best} tier loses the least ({_margin(value)})"
    return f"The {best} tier earns the highest {words} ({_margin(value)})"


_BRIDGE_COLORS = {
    "discounts": plots.PALETTE[3],
    "rebates": plots.PALETTE[1],
    "cost of goods": "#BBBBBB",
}
_CTS_COLORS = [plots.PALETTE[4], plots.PALETTE[6], plots.PALETTE[0], plots.PALETTE[5], "#777777"]


def plot_bridge(
    ledger: pd.DataFrame,
    config: Mapping[str, Any] | None = None,
    ax: Axes | None = None,
    level: str | None = None,
) -> Axes:
    """Why it tilts: per size tier, list price (100%) down to profit, as % of list revenue.

    Parameters
    ----------
    ledger
        The customer ledger.
    config, ax
        The run's config (None: the defaults); Axes to draw on (None: a new figure).
    level
        The level of profit; None means the lead level (:func:`bridge_table`).

    Returns
    -------
    Axes
        The stacked bars: discounts, rebates, cost of goods, cost to serve, profit.
    """
    settings = _config(config)
    bridge = bridge_table(ledger, settings, level=level)
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
        ax.text(min(profit, 0) - 1, row_no, f"profit {_margin(profit)}", ha="right", va="center", fontsize=9,
                fontweight="bold")  # fmt: skip
    ax.axvline(0, color="#333333", lw=0.8)
    ax.axvline(100, color="#333333", lw=0.8)
    ax.set_yticks(rows)
    ax.set_yticklabels(bridge["size_tier"])
    ax.invert_yaxis()
    profits = np.minimum(bridge["profit"].to_numpy(dtype="float64"), 0)
    low = 100 * float(np.nanmin(profits)) if np.isfinite(profits).any() else 0.0
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
            f"Discounts and rebates take {_percent(d_big / 100)} of list price from {big} "
            f"accounts, {_percent(d_small / 100)} from {small} ones"
        )
    else:
        return "From list price to profit"
