"""Q3's figures: profit by segment before and after, break-even order values, the tornado."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers import plots
from helpers.q3_price_and_channel.headline import ASSUMPTION_WORDS
from helpers.q3_price_and_channel.inputs import TODAY
from helpers.q3_price_and_channel.scenario import Scenario
from helpers.q3_price_and_channel.wording import NOT_APPLICABLE, level_words, signed
from helpers.results import json_float, money

__all__ = ["plot_profit_by_segment", "plot_break_even", "plot_tornado"]


def plot_profit_by_segment(scenario: Scenario, ax: Axes | None = None) -> Axes:
    """Profit before and after the scenario, per segment, with the change written on top.

    Parameters
    ----------
    scenario
        :func:`simulate`'s result.
    ax
        Axes to draw on; None makes a new figure.

    Returns
    -------
    Axes
        The figure's axes, titled with the total change.
    """
    ax = plots.new_axes(ax)
    segments = scenario.by_segment.iloc[:-1].reset_index(drop=True)
    positions = np.arange(len(segments))
    width = 0.38
    ax.bar(positions - width / 2, segments["profit_before"], width, label="before",
           color=plots.PALETTE[7], alpha=0.35)  # fmt: skip
    ax.bar(positions + width / 2, segments["profit_after"], width, label="after",
           color=plots.PALETTE[0])  # fmt: skip
    for i, row in segments.iterrows():
        top = max(row["profit_before"], row["profit_after"], 0)
        ax.annotate(signed(row["change"]), (i + width / 2, top), ha="center", va="bottom",
                    fontsize=8, xytext=(0, 2), textcoords="offset points")  # fmt: skip
    ax.axhline(0, color="#333333", linewidth=0.8)
    ax.set_xticks(positions)
    ax.set_xticklabels(segments["segment"].astype(str))
    ax.margins(y=0.12)
    plots.money_axis(ax)
    ax.set_ylabel("profit")
    ax.legend(frameon=False)
    totals = scenario.totals
    plots.set_finding_title(
        ax,
        _scenario_title(scenario),
        f"Profit by segment{level_words(scenario.level)}; "
        f"{totals['customers_lost']:.0f} customers expected lost",
    )
    return ax


def _scenario_title(scenario: Scenario) -> str:
    """The figure's title from the scenario's verdict (never a % of a near-zero base)."""
    if scenario.verdict in (NOT_APPLICABLE, ""):
        return "No lever of the scenario reaches any customer"
    share = json_float(scenario.totals.get("change_pct"))
    percent = f" ({share:+.1%})" if share is not None and round(share, 3) else ""
    return f"The scenario {scenario.verdict}: {signed(scenario.totals['change'])}{percent}"


def plot_break_even(curves: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Profit of one small-client order against its value, one line per channel.

    Parameters
    ----------
    curves
        :func:`break_even_curves` (with its ``attrs['curve']``).
    ax
        Axes to draw on; None makes a new figure.

    Returns
    -------
    Axes
        The figure's axes; a dot marks each channel's break-even order value.
    """
    ax = plots.new_axes(ax)
    curve = curves.attrs.get("curve")
    for i, row in enumerate(curves.itertuples()):
        line = curve.loc[curve["channel"] == row.channel]
        color = plots.PALETTE[7] if row.channel == TODAY else plots.PALETTE[i % 7]
        ax.plot(line["order_value"], line["profit"], color=color, label=row.label,
                linewidth=2.2 if row.channel == TODAY else 1.5)  # fmt: skip
        if np.isfinite(row.break_even_order_value):
            ax.scatter([row.break_even_order_value], [0], color=color, zorder=3)
    ax.axhline(0, color="#333333", linewidth=0.8)
    plots.money_axis(ax, "x")
    plots.money_axis(ax, "y")
    ax.set_xlabel("order value (today's net prices)")
    ax.set_ylabel("profit per order")
    ax.legend(frameon=False, fontsize=8)
    today = curves.iloc[0]
    value = today["break_even_order_value"]
    plots.set_finding_title(
        ax,
        f"A small client's order breaks even at {money(value)}"
        if np.isfinite(value)
        else "A small client's order never breaks even as served today",
        "Profit per order after cost to serve, by channel; dots: break-even order value",
    )
    return ax


def plot_tornado(sensitivity: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Profit change of the default scenario as each assumption moves from low to high.

    Parameters
    ----------
    sensitivity
        :func:`tornado`.
    ax
        Axes to draw on; None makes a new figure.

    Returns
    -------
    Axes
        The figure's axes (blank when ``sensitivity`` is empty).
    """
    ax = plots.new_axes(ax, figsize=(8, max(3.5, 0.45 * len(sensitivity) + 1.5)))
    if sensitivity.empty:
        ax.set_axis_off()
        return ax
    table = sensitivity.iloc[::-1].reset_index(drop=True)
    base = float(table["base_change"].iloc[0])
    positions = np.arange(len(table))
    ax.barh(positions, table["change_at_low"] - base, left=base, color=plots.PALETTE[5],
            label="low value")  # fmt: skip
    ax.barh(positions, table["change_at_high"] - base, left=base, color=plots.PALETTE[1],
            label="high value")  # fmt: skip
    ax.axvline(base, color="#333333", linewidth=1)
    ax.axvline(0, color=plots.PALETTE[3], linewidth=0.8, linestyle="--")
    ax.set_yticks(positions)
    labels = [
        f"{ASSUMPTION_WORDS.get(name, name)} ({low:g} / {high:g})"
        for name, low, high in zip(table["assumption"], table["low"], table["high"], strict=True)
    ]
    ax.set_yticklabels(labels, fontsize=8)
    plots.money_axis(ax, "x")
    ax.set_xlabel("total profit change")
    ax.legend(frameon=False, fontsize=8)
    top = sensitivity.iloc[0]
    plots.set_finding_title(
        ax,
        f"{_capital(ASSUMPTION_WORDS.get(top['assumption'], top['assumption']))} moves the "
        f"result most ({money(top['swing'])})",
        f"Default scenario {signed(base)}; one assumption at a time at its low / high value",
    )
    return ax


def _capital(text: str) -> str:
    """``text`` with its first letter in capitals."""
    return text[:1].upper() + text[1:]
