"""Q1's figures: the profit classes against the claims, and profitability by segment."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from helpers import plots
from helpers.ledger import levels
from helpers.q1_which_pay.profile import LABELS, TOO_SMALL
from helpers.results import Result, pct

__all__ = ["plot_class_shares", "plot_segment_profitability"]

_GROUP_COLORS = {
    "loss-making": plots.PALETTE[3],
    "break-even": plots.PALETTE[1],
    "profitable": plots.PALETTE[2],
    "worth nothing": plots.PALETTE[7],
    "truly valuable": plots.PALETTE[0],
}


def _not_available(ax: Axes | None, result: Result, **text: object) -> Axes:
    """A blank figure that says why the analysis is not available."""
    return plots.message_figure(ax, result.message, **text)


def plot_class_shares(shares: Result, ax: Axes | None = None) -> Axes:
    """Shares of small clients per profit group with their intervals and the claimed shares.

    Parameters
    ----------
    shares
        :func:`class_shares`.
    ax
        Axes to draw on; None makes a new figure.

    Returns
    -------
    Axes
        Horizontal bars (share, %) with Wilson intervals and diamonds at the claims; a blank
        figure with the reason when ``shares`` is not available.
    """
    if not shares.available:
        return _not_available(ax, shares, wrap=True)
    ax = plots.new_axes(ax)
    table = shares.table.iloc[::-1].reset_index(drop=True)
    positions = np.arange(len(table))
    ax.barh(positions, 100 * table["share"], height=0.6,
            color=[_GROUP_COLORS[group] for group in table["group"]])  # fmt: skip
    err = 100 * np.vstack([table["share"] - table["ci_low"], table["ci_high"] - table["share"]])
    ax.errorbar(100 * table["share"], positions, xerr=err, fmt="none", ecolor="#333333", capsize=3)
    claimed = table["claim"].notna()
    ax.scatter(
        100 * table.loc[claimed, "claim"].astype(float),
        positions[claimed.to_numpy()],
        marker="D",
        color="white",
        edgecolor="#333333",
        zorder=3,
        label="the often-quoted share",
    )
    ax.set_yticks(positions)
    ax.set_yticklabels(table["group"])
    plots.percent_axis(ax, "x")
    ax.set_xlabel("share of small clients")
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=1)
    metrics = shares.metrics
    plots.set_finding_title(
        ax,
        f"{pct(metrics['small_worth_nothing_share'])} of small clients are worth nothing, "
        f"{pct(metrics['small_valuable_share'])} truly valuable",
        f"{metrics['small_clients']:,} small clients{_level_words(metrics)}; bars with 95% "
        f"Wilson intervals; diamonds: the claimed {pct(metrics['claim_worth_nothing'])} / "
        f"{pct(metrics['claim_valuable'])}",
    )
    return ax


def _level_words(metrics: dict) -> str:
    """The level in brackets when the shares are not at the complete level, else ""."""
    level = metrics.get("level", "with_assumptions")
    return "" if level == "with_assumptions" else f" ({levels.LEVEL_WORDS[level]})"


def plot_segment_profitability(segments: Result, ax: Axes | None = None) -> Axes:
    """Share profitable per segment (dots with intervals), grouped by dimension.

    Parameters
    ----------
    segments
        :func:`segment_profitability`.
    ax
        Axes to draw on; None makes a new figure sized to the number of segments.

    Returns
    -------
    Axes
        One dot per segment with its Wilson interval (segments too small to judge in grey) and
        the share of all small clients as a dashed line; a blank figure with the reason when
        ``segments`` is not available.
    """
    if not segments.available:
        return _not_available(ax, segments)
    table = segments.table.iloc[::-1].reset_index(drop=True)
    ax = plots.new_axes(ax, figsize=(8, max(4.0, 0.28 * len(table) + 1)))
    positions = np.arange(len(table))
    judged = (table["judgement"] == "").to_numpy()
    for mask, color, label in (
        (judged, plots.PALETTE[0], "judged"),
        (~judged, "#AAAAAA", TOO_SMALL),
    ):
        if not mask.any():
            continue
        rows = table.loc[mask]
        err = 100 * np.vstack(
            [rows["share_profitable"] - rows["ci_low"], rows["ci_high"] - rows["share_profitable"]]
        )
        ax.errorbar(100 * rows["share_profitable"], positions[mask], xerr=err, fmt="o",
                    color=color, capsize=2, label=label)  # fmt: skip
    overall = segments.metrics["overall_profitable_share"]
    ax.axvline(100 * overall, color="#555555", linestyle="--", linewidth=1, label="all small")
    ax.set_yticks(positions)
    ax.set_yticklabels(
        [
            f"{LABELS.get(dim, dim)}: {segment}  (n={n})"
            for dim, segment, n in zip(
                table["dimension"], table["segment"], table["customers"], strict=True
            )
        ],
        fontsize=8,
    )
    plots.percent_axis(ax, "x")
    ax.set_xlabel(
        "share of small clients that are profitable "
        f"(all small: {pct(overall)}; 95% Wilson intervals; grey: too small to judge)"
    )
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    plots.set_finding_title(ax, _best_segment_title(segments))
    return ax


def _best_segment_title(segments: Result) -> str:
    """The judged segment with the highest share profitable, as a figure title."""
    judged = segments.table.loc[segments.table["judgement"] == ""]
    if not len(judged):
        return "Every segment is too small to judge"
    best = judged.loc[judged["share_profitable"].idxmax()]
    return (
        f"{LABELS.get(best['dimension'], best['dimension'])} {best['segment']}: "
        f"{pct(best['share_profitable'])} of small clients profitable"
    )
