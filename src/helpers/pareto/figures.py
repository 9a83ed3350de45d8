"""The 80/20 figures: Pareto (Lorenz) curves, the whale curve, and the whale at 0x, 1x, 2x.

Every title reads the verdicts of :func:`helpers.pareto.measure_concentration` at the lead level
(:mod:`helpers.pareto.verdicts`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers import plots
from helpers.ledger import levels
from helpers.pareto import verdicts
from helpers.pareto.concentration import measure_concentration
from helpers.pareto.curves import _config, _tag, _top_k, customers_only, lorenz_curves, whale_curve
from helpers.pareto.sentences import _pct100, _percent

__all__ = ["plot_lorenz_curves", "plot_whale_curve", "plot_whale_sensitivity"]

_VERDICT_TITLES = {
    "more": "profit is more concentrated than revenue",
    "less": "profit is less concentrated than revenue",
    "as": "profit is as concentrated as revenue",
}


def plot_lorenz_curves(
    ledger: pd.DataFrame,
    ax: Axes | None = None,
    config: Mapping[str, Any] | None = None,
    level: str | None = None,
) -> Axes:
    """Revenue, gross margin and profit concentration on one figure.

    Customers are ranked from the largest down on each measure; the figure has the line of
    equality and a marker where each curve crosses the top share (``pareto.top_share``). A
    measure whose total is not material has no curve.

    Parameters
    ----------
    ledger
        The customer ledger.
    ax
        Axes to draw on; None makes a new figure.
    config
        The run's config; None means the defaults.
    level
        The level of profit; None means the lead level (:func:`measure_concentration`).

    Returns
    -------
    Axes
        The figure's axes (both axes in %), titled with the verdict ``profit_vs_revenue``.
    """
    settings = _config(config)
    lead, frames, _ = verdicts.level_frames(ledger, level)
    result = measure_concentration(ledger, settings, bootstrap=False, level=level,
                                   sensitivity=False)  # fmt: skip
    ax = plots.new_axes(ax)
    top = float(settings["pareto"]["top_share"])
    curves = lorenz_curves(frames[lead], settings)
    if lead == "data":  # profit is the gross margin: one curve, not two
        curves = curves.loc[curves["measure"] != "profit"]
    for i, (_, curve) in enumerate(curves.groupby("measure", sort=False)):
        share = 100 * curve["share_of_customers"].to_numpy()
        cum = 100 * curve["cum_share"].to_numpy()
        ax.plot(share, cum, ["-", "--", "-."][i % 3], color=plots.PALETTE[i], lw=2,
                label=curve["label"].iloc[0])  # fmt: skip
        n = len(curve) - 1
        if n and np.isfinite(cum[_top_k(n, top)]):
            ax.plot(100 * _top_k(n, top) / n, cum[_top_k(n, top)], "o", color=plots.PALETTE[i])
    ax.plot([0, 100], [0, 100], color="#999999", lw=1, ls=":", label="every customer equal")
    ax.axvline(100 * top, color="#555555", lw=0.8, ls=":")
    ax.axhline(100, color="#555555", lw=0.8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Customers, ranked from largest to smallest on each measure (% of customers)")
    ax.set_ylabel("Cumulative share of the total (%)")
    plots.percent_axis(ax, "x")
    plots.percent_axis(ax, "y")
    ax.legend(frameon=False, loc="lower right")
    plots.set_finding_title(ax, _lorenz_title(result.pareto, top),
                            f"Pareto (Lorenz) curves; profit {levels.LEVEL_WORDS[lead]}")  # fmt: skip
    return ax


def _lorenz_title(pareto: Mapping[str, Any], top: float) -> str:
    """The Lorenz figure's title, from the verdict ``profit_vs_revenue``."""
    head = _tag(top)
    revenue = pareto[f"{head}_revenue_share"]
    if revenue is None:
        return "Concentration of revenue, gross margin and profit over customers"
    start = f"The top {top:.0%} of customers by revenue bring {_percent(revenue)} of revenue"
    verdict = pareto["profit_vs_revenue"]
    if verdict is None:
        return f"{start}; no verdict on profit (too few customers or no material profit)"
    profit = _percent(pareto[f"{head}_by_revenue_profit_share"])
    return f"{start} and {profit} of profit: {_VERDICT_TITLES[verdict]}"


def plot_whale_curve(
    ledger: pd.DataFrame,
    ax: Axes | None = None,
    config: Mapping[str, Any] | None = None,
    level: str | None = None,
) -> Axes:
    """The whale curve: cumulative profit against customers ranked from most to least profitable.

    Marks the peak and the loss-making tail; when the total profit is a loss or too small to
    take shares of, draws cumulative profit in currency instead.

    Parameters
    ----------
    ledger
        The customer ledger.
    ax
        Axes to draw on; None makes a new figure.
    config
        The run's config (sections ``pareto`` and ``whale``); None means the defaults.
    level
        The level of profit; None means the lead level (:func:`measure_concentration`).

    Returns
    -------
    Axes
        The figure's axes (% of customers, % of total profit), titled with the verdict
        ``whale_hump``.

    References
    ----------
    Kaplan, R. S., & Cooper, R. (1998). Cost & Effect: Using Integrated Cost Systems to Drive
    Profitability and Performance. Harvard Business School Press.
    """
    settings = _config(config)
    lead, frames, _ = verdicts.level_frames(ledger, level)
    ax = plots.new_axes(ax)
    curve = whale_curve(frames[lead])
    whale = measure_concentration(ledger, settings, bootstrap=False, level=level,
                                  sensitivity=False).whale  # fmt: skip
    if curve.empty or whale["peak_profit_pct"] is None:
        return _no_whale(ax, curve, whale)
    share = np.concatenate([[0.0], 100 * curve["share_of_customers"].to_numpy()])
    cum = np.concatenate([[0.0], curve["cum_profit_pct"].to_numpy()])
    ax.plot(share, cum, color=plots.PALETTE[0], lw=2.2, label="cumulative profit")
    _mark_whale(ax, whale)
    ax.axhline(100, color="#555555", lw=0.8, ls="--", label="total profit (100%)")
    ax.set_xlim(0, 100)
    ax.set_ylim(min(0, float(np.nanmin(cum))) - 5, max(100, float(np.nanmax(cum))) * 1.08)
    ax.set_xlabel("Customers, ranked from most to least profitable (% of customers)")
    ax.set_ylabel("Cumulative profit (% of total)")
    plots.percent_axis(ax, "x")
    plots.percent_axis(ax, "y")
    ax.legend(frameon=False, loc="best", fontsize=8)  # "best": clear of the curve and the band
    plots.set_finding_title(
        ax,
        _whale_title(whale),
        f"{whale['customers']:,} customers; profit {levels.LEVEL_WORDS[lead]}",
    )
    return ax


def _whale_title(whale: Mapping[str, Any]) -> str:
    """The whale curve's finding, from its verdict ``whale_hump``."""
    peak_x, peak_y = whale["peak_share_of_customers"], whale["peak_profit_pct"]
    if whale["whale_hump"] == "over 100%":
        return (
            f"The most profitable {_percent(peak_x, decimals=1)} of customers earn "
            f"{_pct100(peak_y, 1)} of profit; the rest give {_pct100(peak_y - 100, 1)} back"
        )
    return f"No hump: profit accumulates to {_pct100(peak_y)} with hardly any loss-making tail"


def _mark_whale(ax: Axes, whale: Mapping[str, Any]) -> None:
    """The peak and the loss-making tail on a whale curve."""
    peak_x, peak_y = 100 * whale["peak_share_of_customers"], whale["peak_profit_pct"]
    ax.plot(peak_x, peak_y, "o", color=plots.PALETTE[3], ms=7)
    right = peak_x > 50  # a label right of a peak past the middle would leave the axes
    ax.annotate(f"peak: {peak_x:.1f}% of customers earn {peak_y:.1f}% of profit", (peak_x, peak_y),
                xytext=(-8 if right else 8, 8), textcoords="offset points", fontsize=9,
                ha="right" if right else "left")  # fmt: skip
    if whale["loss_making_share"]:
        ax.axvspan(100 * (1 - whale["loss_making_share"]), 100, color=plots.PALETTE[1], alpha=0.12,
                   label=f"loss-making customers ({_percent(whale['loss_making_share'], decimals=1)})")  # fmt: skip


def _no_whale(ax: Axes, curve: pd.DataFrame, whale: Mapping[str, Any]) -> Axes:
    """Cumulative profit in currency, for a total that is a loss or too small for shares."""
    cum = np.concatenate([[0.0], curve["cum_profit"].to_numpy()])
    ax.plot(100 * np.arange(len(cum)) / max(len(cum) - 1, 1), cum, color=plots.PALETTE[3], lw=2)
    ax.axhline(0, color="#333333", lw=0.8)
    plots.money_axis(ax)
    ax.set_ylabel("Cumulative profit")
    ax.set_xlabel("Customers, most to least profitable (% of customers)")
    plots.percent_axis(ax, "x")
    total = whale["total_profit"]
    if not whale["customers"]:
        finding = "No customer: no whale curve"
    elif total is not None and total <= 0:
        finding = f"The customers make a loss overall ({plots.format_money(total)}): no share of profit to show"
    else:
        finding = "Profit is small against what customers earn and lose: no share of profit to show"
    plots.set_finding_title(ax, finding, "Cumulative profit in currency")
    return ax


def plot_whale_sensitivity(
    ledger: pd.DataFrame, ax: Axes | None = None, config: Mapping[str, Any] | None = None
) -> Axes:
    """The whale curve with the assumed cost-to-serve amounts at 0x, 1x and 2x.

    Cumulative profit in currency (comparable between multiples, whose totals differ), one
    curve per multiple in ``whale.sensitivity_multipliers``, each with its peak marked.

    Parameters
    ----------
    ledger
        The customer ledger with the level columns (``assumed_amount``).
    ax
        Axes to draw on; None makes a new figure.
    config
        The run's config (section ``whale``); None means the defaults.

    Returns
    -------
    Axes
        The curves, titled with the share of customers losing money at each multiple
        (:func:`helpers.pareto.verdicts.loss_shares_at`, as in the findings).
    """
    settings = _config(config)
    ax = plots.new_axes(ax)
    multipliers = [float(k) for k in settings["whale"]["sensitivity_multipliers"]]
    if not verdicts.has_assumptions(ledger) or customers_only(ledger).empty:
        ax.text(0.5, 0.5, "Nothing is assumed: one whale curve", ha="center", va="center")
        ax.set_axis_off()
        plots.set_finding_title(ax, "No cost to serve rests on assumptions: no sensitivity to show")
        return ax
    for i, k in enumerate(multipliers):
        curve = whale_curve(levels.at_multiplier(ledger, k))
        cum = np.concatenate([[0.0], curve["cum_profit"].to_numpy()])
        share = 100 * np.arange(len(cum)) / max(len(cum) - 1, 1)
        ax.plot(share, cum, ["--", "-", ":"][i % 3], color=plots.PALETTE[i], lw=2,
                label=f"assumed amounts x{k:g}")  # fmt: skip
        ax.plot(share[cum.argmax()], cum.max(), "o", color=plots.PALETTE[i], ms=6)
    ax.axhline(0, color="#333333", lw=0.8)
    ax.set_xlim(0, 100)
    plots.money_axis(ax)
    plots.percent_axis(ax, "x")
    ax.set_xlabel("Customers, ranked from most to least profitable (% of customers)")
    ax.set_ylabel("Cumulative profit")
    ax.legend(frameon=False, loc="lower left", fontsize=8)
    shares = verdicts.loss_shares_at(ledger, multipliers)
    finding = "Customers losing money: " + ", ".join(
        f"{_percent(share)} at {k}" for k, share in shares.items()
    ) + " of the assumed amounts"  # fmt: skip
    plots.set_finding_title(
        ax, finding, "Whale curve with the assumed cost-to-serve amounts scaled"
    )
    return ax
