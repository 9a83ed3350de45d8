"""Coverage over time: order lines and revenue per month, where an export's gaps show."""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["monthly_coverage", "plot_monthly_coverage"]


def monthly_coverage(order_lines: pd.DataFrame) -> pd.DataFrame:
    """Order lines and net revenue per calendar month, months without lines included.

    Parameters
    ----------
    order_lines
        Canonical order lines (``order_date``, ``revenue``).

    Returns
    -------
    pandas.DataFrame
        Indexed by month start (every month from the first to the last), with columns
        lines : int, order lines dated in the month
        revenue : float, net line revenue, currency units of the export
    """
    monthly = (
        order_lines.assign(month=order_lines["order_date"].dt.to_period("M").dt.to_timestamp())
        .groupby("month")
        .agg(lines=("revenue", "size"), revenue=("revenue", "sum"))
    )
    months = pd.date_range(monthly.index.min(), monthly.index.max(), freq="MS")
    return monthly.reindex(months, fill_value=0)


def plot_monthly_coverage(order_lines: pd.DataFrame, ax: Any = None) -> Any:
    """Order lines and net revenue per month: gaps and spikes in an export show at a glance.

    Parameters
    ----------
    order_lines
        Canonical order lines (``order_date``, ``revenue``).
    ax
        Matplotlib axes to draw on; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
        The axes with revenue bars (a twin axis carries the line counts), titled with the
        number of months and how many had no lines.
    """
    from helpers.plots import PALETTE, money_axis, new_axes, set_finding_title

    ax = new_axes(ax)
    monthly = monthly_coverage(order_lines)
    ax.bar(monthly.index, monthly["revenue"], width=20, color=PALETTE[0], label="net revenue")
    money_axis(ax)
    ax.set_ylabel("net line revenue per month")
    twin = ax.twinx()
    twin.plot(monthly.index, monthly["lines"], color=PALETTE[1], marker=".", label="order lines")
    twin.set_ylabel("order lines per month")
    twin.grid(False)
    empty = int((monthly["lines"] == 0).sum())
    set_finding_title(
        ax,
        f"{len(monthly)} months of order lines, {empty} without any",
        f"{monthly.index.min():%b %Y} to {monthly.index.max():%b %Y}",
    )
    return ax
