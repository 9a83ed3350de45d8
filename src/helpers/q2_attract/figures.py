"""Q2's figures: channel economics per new customer, the crowd arithmetic, profit by channel."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers import plots
from helpers.q2_attract.channels import UNKNOWN
from helpers.q2_attract.crowd import per_partner
from helpers.results import Result, money

__all__ = ["plot_channel_economics", "plot_crowd", "plot_channel_profit"]


def _label(channel: str) -> str:
    """A channel name for an axis: underscores as spaces; customers without one said so."""
    if channel == UNKNOWN:
        return "no channel recorded"
    return channel.replace("_", " ")


def _not_available(ax: Axes | None, message: str) -> Axes:
    """A blank figure that says why the analysis is not available."""
    return plots.message_figure(ax, message, wrap=True)


def plot_channel_economics(economics: Result, ax: Axes | None = None) -> Axes:
    """CAC next to first-year profit and future value per new customer, by channel.

    Parameters
    ----------
    economics
        :func:`channel_economics` (without spend, the CAC bars are left out).
    ax
        Axes to draw on; None makes a new figure.

    Returns
    -------
    Axes
        Grouped bars per channel (currency units per new customer), titled with the best one;
        a blank figure with the reason when ``economics`` is not available.
    """
    if not economics.available:
        return _not_available(ax, economics.message)
    table = economics.table.dropna(subset=["future_value"]).reset_index(drop=True)
    if len(table) < 2:
        return _not_available(
            ax, "Only one acquisition channel has new customers to value: nothing to compare."
        )
    ax = plots.new_axes(ax)
    positions = np.arange(len(table))
    no_spend = not economics.metrics.get("spend_available")
    series = [("first_year_profit", "first-year profit", plots.PALETTE[2]),
              ("future_value", "future value (estimate)", plots.PALETTE[0])]  # fmt: skip
    if not no_spend:
        series.insert(0, ("cac", "acquisition cost (CAC)", plots.PALETTE[3]))
    width = 0.8 / len(series)
    for i, (column, label, color) in enumerate(series):
        offset = (i - (len(series) - 1) / 2) * width
        ax.bar(positions + offset, table[column], width, label=label, color=color)
    ax.axhline(0, color="#333333", linewidth=0.8)
    ax.set_xticks(positions)
    ax.set_xticklabels([_label(c) for c in table["channel"]], rotation=20, ha="right")
    plots.money_axis(ax)
    ax.set_ylabel("per new customer")
    ax.legend(frameon=False, fontsize=8)
    best = economics.metrics.get("best_channel")
    if best and not no_spend:
        ratio = table.set_index("channel").loc[best, "fv_to_cac"]
        finding = f"{_label(best).capitalize()} returns {ratio:.1f}x its acquisition cost"
    elif best:
        finding = f"{_label(best).capitalize()} brings the most valuable new customers"
    else:
        finding = "Acquisition economics by channel"
    plots.set_finding_title(ax, finding, "Per new customer, by acquisition channel")
    return ax


#: a "per partner" axis goes logarithmic only when its values span more than this factor
_LOG_AXIS_SPAN = 10.0


def plot_crowd(crowd: Result, ax: Axes | None = None) -> Axes:
    """Leads (or new small clients) needed per long-term partner, by channel, with intervals.

    Parameters
    ----------
    crowd
        :func:`crowd_arithmetic`.
    ax
        Axes to draw on; None makes a new figure.

    Returns
    -------
    Axes
        One point per channel (leads per partner when leads are known, else new small clients
        per partner) with its posterior interval; the axis is logarithmic only when the
        intervals span more than a factor of ten. Titled with the all-channels figure, rounded
        as the findings round it. A blank figure with the reason when ``crowd`` is not
        available.
    """
    if not crowd.available or crowd.table.empty:
        return _not_available(ax, crowd.message or "No new small clients to count.")
    ax = plots.new_axes(ax)
    use_leads = crowd.table["leads_per_partner"].notna().any()
    column = "leads_per_partner" if use_leads else "small_per_partner"
    table = crowd.table.dropna(subset=[column]).reset_index(drop=True)
    what = "leads" if use_leads else "new small clients"
    _draw_per_partner(ax, table, column, what)
    verdict = crowd.metrics.get("crowd_verdict", "estimated")
    if len(table) and verdict == "estimated":
        total = table.loc[table["channel"] == "all channels"]
        value = float(total[column].iloc[0]) if len(total) else float(table[column].median())
        finding = f"About {per_partner(value, column)} {what} reached for one long-term partner"
    elif len(table):
        finding = f"Too few long-term partners to estimate how many {what} it takes"
    else:
        finding = "Not enough history for the crowd arithmetic"
    plots.set_finding_title(ax, finding, "Median and 95% interval (Beta posteriors)")
    return ax


def _draw_per_partner(ax: Axes, table: pd.DataFrame, column: str, what: str) -> None:
    """Each channel's median as a point with its interval; a log axis only over a wide span."""
    positions = np.arange(len(table))
    low, high = table[f"{column}_low"], table[f"{column}_high"]
    for position, channel, value, lo, hi in zip(
        positions, table["channel"], table[column], low, high, strict=True
    ):
        color = plots.PALETTE[7] if channel == "all channels" else plots.PALETTE[0]
        ax.errorbar([value], [position], xerr=[[value - lo], [hi - value]], fmt="o",
                    color=color, ecolor=color, capsize=4, markersize=7)  # fmt: skip
    ax.set_yticks(positions)
    ax.set_yticklabels([_label(c) for c in table["channel"]])
    ax.set_ylim(-0.6, len(table) - 0.4)
    ax.invert_yaxis()
    span = float(high.max() / low.min()) if len(table) and low.min() > 0 else 1.0
    if span > _LOG_AXIS_SPAN:
        ax.set_xscale("log")
        ax.set_xlabel(f"{what} per long-term partner (log scale)")
    else:
        ax.ticklabel_format(axis="x", style="plain", useOffset=False)
        ax.set_xlabel(f"{what} per long-term partner")


def plot_channel_profit(summary: Result, ax: Axes | None = None) -> Axes:
    """Profit per customer by channel (all customers), the view without a spend table.

    Parameters
    ----------
    summary
        :func:`channel_summary`.
    ax
        Axes to draw on; None makes a new figure.

    Returns
    -------
    Axes
        One bar per channel (currency units per customer); a blank figure with the reason when
        ``summary`` is not available.
    """
    if not summary.available:
        return _not_available(ax, summary.message)
    ax = plots.new_axes(ax)
    table = summary.table
    ax.bar([_label(c) for c in table["channel"]], table["profit_per_customer"],
           color=plots.PALETTE[0])  # fmt: skip
    ax.axhline(0, color="#333333", linewidth=0.8)
    plots.money_axis(ax)
    ax.set_ylabel("profit per customer")
    ax.tick_params(axis="x", rotation=20)
    known = table.loc[table["channel"] != UNKNOWN]
    if len(known) >= 2:
        top = known.loc[known["profit_per_customer"].idxmax()]
        verb = "earn" if top["profit_per_customer"] > 0 else "lose the least:"
        finding = (
            f"{_label(str(top['channel'])).capitalize()} customers {verb} "
            f"{money(top['profit_per_customer'])} each"
        )
    else:
        finding = "Only one channel recorded: nothing to compare"
    plots.set_finding_title(ax, finding, "Profit per customer over the period, by channel")
    return ax
