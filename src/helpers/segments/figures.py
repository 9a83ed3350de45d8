"""The segments' figures: profitability quadrants, segment profiles, the ABC cross-tabulation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers.segments.classes import profile_segments, quadrant_thresholds
from helpers.segments.rfm import _customers
from helpers.segments.sentences import _percent
from helpers.segments.verdicts import at_lead

__all__ = ["plot_quadrants", "plot_segment_profile", "plot_abc_crosstab"]


def plot_quadrants(
    ledger: pd.DataFrame,
    segments: pd.DataFrame,
    config: Mapping[str, Any],
    ax: Axes | None = None,
    level: str | None = None,
) -> Axes:
    """Customers on volume (net revenue, log) x margin after cost to serve, by quadrant.

    The thresholds are drawn; the margin axis is clipped to ``seesaw.margin_clip`` for legibility.

    Parameters
    ----------
    ledger
        The customer ledger.
    segments
        :func:`assign_segments`.
    config
        The run's config.
    ax
        Axes to draw on; None makes a new figure.
    level
        The level of profit; None means the lead level.

    Returns
    -------
    Axes
        The scatter, titled with the customers to reprice.
    """
    from helpers import plots

    ax = plots.new_axes(ax, figsize=(8, 5))
    ledger = at_lead(ledger, level)
    led = _customers(ledger).merge(segments[["customer_id", "quadrant"]], on="customer_id")
    led = led.loc[led["net_revenue"] > 0]
    low, high = (float(v) for v in config.get("seesaw", {}).get("margin_clip", [-1.0, 1.0]))
    thresholds = quadrant_thresholds(ledger, config, level="with_assumptions")  # at its level
    cats = list(segments["quadrant"].cat.categories)
    for i, name in enumerate(cats):
        group = led.loc[led["quadrant"] == name]
        ax.scatter(group["net_revenue"], 100 * group["margin_pct"].clip(low, high), s=8,
                   alpha=0.5, color=plots.PALETTE[i], label=f"{name} ({len(group):,})",
                   edgecolors="none")  # fmt: skip
    ax.set_xscale("log")
    ax.axvline(thresholds["volume"], color="#333333", lw=0.9, ls="--")
    ax.axhline(100 * thresholds["margin"], color="#333333", lw=0.9, ls="--")
    ax.set_ylim(100 * low - 2, 100 * high + 2)
    plots.money_axis(ax, "x")
    plots.percent_axis(ax, "y")
    ax.set_xlabel("Net revenue over the period (log scale)")
    ax.set_ylabel(f"Margin (% of net revenue, clipped at {100 * low:.0f}%)")
    ax.legend(frameon=False, fontsize=8, markerscale=2, loc="lower right")
    quads = profile_segments(ledger, segments, "quadrant", level="with_assumptions")
    plots.set_finding_title(ax, _quadrant_title(quads.set_index("quadrant"), thresholds, config),
                            "Profitability quadrants: volume x margin")  # fmt: skip
    return ax


def _quadrant_title(
    quads: pd.DataFrame, thresholds: Mapping[str, float], config: Mapping[str, Any]
) -> str:
    """The quadrant figure's title: the big customers below the margin line (or losing more)."""
    rep = config["quadrants"]["names"]["high_low"]
    if rep not in quads.index:
        return "No big customer earns below the margin line"
    line = _percent(thresholds["margin"], 1)
    verb = "lose more than" if thresholds["margin"] < 0 else "earn below"
    return (
        f"{int(quads.loc[rep, 'customers']):,} big customers "
        f"({_percent(quads.loc[rep, 'revenue_share'])} of revenue) {verb} the {line} margin "
        f"line: {rep.lower()}"
    )


def plot_segment_profile(profile: pd.DataFrame, by: str, ax: Axes | None = None) -> Axes:
    """Each segment's share of customers, of revenue and of profit (horizontal bars).

    Parameters
    ----------
    profile
        :func:`profile_segments`.
    by
        Its segmentation column.
    ax
        Axes to draw on; None makes a new figure.

    Returns
    -------
    Axes
        The bars (%), titled with the most profitable segment.
    """
    from helpers import plots

    ax = plots.new_axes(ax, figsize=(8, 0.55 * len(profile) + 1.5))
    positions = np.arange(len(profile))
    height = 0.27
    for i, (col, label) in enumerate((("customer_share", "share of customers"),
                                      ("revenue_share", "share of revenue"),
                                      ("profit_share", "share of profit"))):  # fmt: skip
        ax.barh(positions + (i - 1) * height, 100 * profile[col], height, color=plots.PALETTE[i],
                label=label)  # fmt: skip
    ax.set_yticks(positions)
    ax.set_yticklabels(profile[by].astype(str))
    ax.invert_yaxis()
    ax.axvline(0, color="#333333", lw=0.8)
    plots.percent_axis(ax, "x")
    ax.set_xlabel("Share of the customers' total (%)")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    finding = _profile_title(profile, by)
    plots.set_finding_title(ax, finding, f"Customers, revenue and profit by {by.replace('_', ' ')}")
    return ax


def _profile_title(profile: pd.DataFrame, by: str) -> str:
    """The segment with the most profit (or the smallest loss), with its shares or amount."""
    from helpers import plots

    if not len(profile):
        return "No segments"
    best = profile.loc[profile["profit"].idxmax()]
    if pd.notna(best["profit_share"]):
        return (
            f"{best[by]}: {_percent(best['customer_share'])} of customers, "
            f"{_percent(best['profit_share'])} of profit"
        )
    verb = "loses the least" if best["profit"] < 0 else "makes the most"
    return (
        f"{best[by]} {verb} ({plots.format_money(best['profit'])}); no share of profit: the "
        "total is a loss or too small"
    )


def plot_abc_crosstab(crosstab: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Heatmap of customers by ABC class on revenue (rows) and on profit (columns).

    Parameters
    ----------
    crosstab
        :func:`abc_crosstab`.
    ax
        Axes to draw on; None makes a new figure.

    Returns
    -------
    Axes
        The annotated heatmap, titled with the 'A by revenue' customers that are not A by profit.
    """
    import seaborn as sns

    from helpers import plots

    ax = plots.new_axes(ax, figsize=(6.5, 4))
    body = crosstab.drop(index="total", columns="total", errors="ignore")
    sns.heatmap(body, annot=True, fmt=",d", cmap="Blues", cbar=False, ax=ax, linewidths=0.5)
    ax.set_xlabel("ABC class by profit after cost to serve")
    ax.set_ylabel("ABC class by net revenue")
    top = body.index[0] if len(body.index) else "A"
    off = int(body.loc[top].sum() - body.loc[top].get(top, 0)) if top in body.index else 0
    plots.set_finding_title(
        ax, f"{off:,} of {int(body.loc[top].sum()) if top in body.index else 0:,} '{top} by "
        f"revenue' customers are not '{top} by profit'", "Customers (count)",
    )  # fmt: skip
    return ax
