"""The 80/20 figures: Pareto (Lorenz) curves of revenue, margin and profit, and the whale curve."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers import plots
from helpers.pareto.concentration import measure_concentration
from helpers.pareto.curves import _config, _top_k, lorenz_curves, whale_curve

__all__ = ["plot_lorenz_curves", "plot_whale_curve"]


def plot_lorenz_curves(
    ledger: pd.DataFrame, ax: Axes | None = None, config: Mapping[str, Any] | None = None
) -> Axes:
    """Revenue, gross margin and profit concentration on one figure.

    Customers are ranked from the largest down on each measure; the figure has the line of
    equality and a marker where each curve crosses the top share (``pareto.top_share``).

    Parameters
    ----------
    ledger
        The customer ledger.
    ax
        Axes to draw on; None makes a new figure.
    config
        The run's config; None means the defaults.

    Returns
    -------
    Axes
        The figure's axes (both axes in %), titled with what the top customers bring.
    """
    settings = _config(config)
    ax = plots.new_axes(ax)
    top = float(settings["pareto"]["top_share"])
    styles = ["-", "--", "-."]
    reached = {}
    for i, (name, curve) in enumerate(
        lorenz_curves(ledger, settings).groupby("measure", sort=False)
    ):
        share = 100 * curve["share_of_customers"].to_numpy()
        cum = 100 * curve["cum_share"].to_numpy()
        ax.plot(
            share, cum, styles[i % 3], color=plots.PALETTE[i], lw=2, label=curve["label"].iloc[0]
        )
        n = len(curve) - 1
        if n:
            reached[name] = cum[_top_k(n, top)]
            ax.plot(100 * _top_k(n, top) / n, reached[name], "o", color=plots.PALETTE[i])
    ax.plot([0, 100], [0, 100], color="#999999", lw=1, ls=":", label="every customer equal")
    ax.axvline(100 * top, color="#555555", lw=0.8, ls=":")
    ax.axhline(100, color="#555555", lw=0.8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Customers, ranked from largest to smallest on each measure (% of customers)")
    ax.set_ylabel("Cumulative share of the total (%)")
    plots.percent_axis(ax, "x")
    plots.percent_axis(ax, "y")
    ax.legend(frameon=False, loc="lower right")
    if "revenue" in reached and "profit" in reached and np.isfinite(reached["profit"]):
        finding = (
            f"The top {top:.0%} of customers bring {reached['revenue']:.0f}% of revenue; "
            f"the most profitable {top:.0%} earn {reached['profit']:.0f}% of profit"
        )
    else:
        finding = "Concentration of revenue, gross margin and profit over customers"
    plots.set_finding_title(ax, finding, "Pareto (Lorenz) curves; profit after cost to serve")
    return ax


def plot_whale_curve(
    ledger: pd.DataFrame, ax: Axes | None = None, config: Mapping[str, Any] | None = None
) -> Axes:
    """The whale curve: cumulative profit against customers ranked from most to least profitable.

    Marks the peak, the loss-making tail and the published ABC reference band; when the company
    makes no profit overall, draws cumulative profit in currency instead.

    Parameters
    ----------
    ledger
        The customer ledger.
    ax
        Axes to draw on; None makes a new figure.
    config
        The run's config (section ``whale``); None means the defaults.

    Returns
    -------
    Axes
        The figure's axes (% of customers, % of total profit), titled with the hump.

    References
    ----------
    Kaplan, R. S., & Cooper, R. (1998). Cost & Effect: Using Integrated Cost Systems to Drive
    Profitability and Performance. Harvard Business School Press.
    """
    settings = _config(config)
    ax = plots.new_axes(ax)
    curve = whale_curve(ledger)
    whale = measure_concentration(ledger, settings, bootstrap=False).whale
    if curve.empty or whale["peak_profit_pct"] is None:
        return _no_whale(ax, curve)
    share = np.concatenate([[0.0], 100 * curve["share_of_customers"].to_numpy()])
    cum = np.concatenate([[0.0], curve["cum_profit_pct"].to_numpy()])
    ax.plot(share, cum, color=plots.PALETTE[0], lw=2.2, label="cumulative profit")
    _mark_whale(ax, whale, settings)
    ax.axhline(100, color="#555555", lw=0.8, ls="--", label="total profit (100%)")
    ax.set_xlim(0, 100)
    high = whale["reference_band_high_pct"]
    ax.set_ylim(min(0, float(np.nanmin(cum))) - 5, max(high, float(np.nanmax(cum))) * 1.08)
    ax.set_xlabel("Customers, ranked from most to least profitable (% of customers)")
    ax.set_ylabel("Cumulative profit after cost to serve (% of total)")
    plots.percent_axis(ax, "x")
    plots.percent_axis(ax, "y")
    ax.legend(frameon=False, loc="lower center", fontsize=8)
    peak_x, peak_y = 100 * whale["peak_share_of_customers"], whale["peak_profit_pct"]
    if peak_y > 100.5:
        finding = (
            f"The most profitable {peak_x:.0f}% of customers earn {peak_y:.0f}% of profit; "
            f"the rest give {peak_y - 100:.0f}% back"
        )
    else:
        finding = f"No whale: profit accumulates to {peak_y:.0f}% with hardly any loss-making tail"
    plots.set_finding_title(
        ax, finding, f"{whale['customers']:,} customers; profit after cost to serve"
    )
    return ax


def _mark_whale(ax: Axes, whale: Mapping[str, Any], settings: Mapping[str, Any]) -> None:
    """The reference band, the peak and the loss-making tail on a whale curve."""
    low, high = whale["reference_band_low_pct"], whale["reference_band_high_pct"]
    band_x = 100 * float(settings["whale"]["reference_top_share"])
    ax.fill_between([band_x - 1.5, band_x + 1.5], low, high, color=plots.PALETTE[4], alpha=0.35,
                    label=f"reference: ABC studies, top {band_x:.0f}% earn {low:.0f}-{high:.0f}%"
                    " (not a target)")  # fmt: skip
    peak_x, peak_y = 100 * whale["peak_share_of_customers"], whale["peak_profit_pct"]
    ax.plot(peak_x, peak_y, "o", color=plots.PALETTE[3], ms=7)
    ax.annotate(f"peak: {peak_x:.0f}% of customers earn {peak_y:.0f}% of profit", (peak_x, peak_y),
                xytext=(8, 8), textcoords="offset points", fontsize=9)  # fmt: skip
    if whale["loss_making_share"]:
        ax.axvspan(100 * (1 - whale["loss_making_share"]), 100, color=plots.PALETTE[1], alpha=0.12,
                   label=f"loss-making customers ({whale['loss_making_share']:.0%})")  # fmt: skip


def _no_whale(ax: Axes, curve: pd.DataFrame) -> Axes:
    """Cumulative profit in currency, for a company that makes no profit overall."""
    cum = np.concatenate([[0.0], curve["cum_profit"].to_numpy()])
    ax.plot(100 * np.arange(len(cum)) / max(len(cum) - 1, 1), cum, color=plots.PALETTE[3], lw=2)
    plots.money_axis(ax)
    ax.set_ylabel("Cumulative profit (currency)")
    ax.set_xlabel("Customers, most to least profitable (% of customers)")
    plots.percent_axis(ax, "x")
    plots.set_finding_title(ax, "The company makes no profit overall: no whale curve")
    return ax
