"""The house style of every figure: one theme, a colour-blind-safe palette, finding titles.

Figure functions live beside the analysis they draw (``pareto.plot_whale_curve``...); they take
``ax=None``, return the Axes, never call ``plt.show()`` and use the helpers below.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, PercentFormatter

from helpers.results import compact_money

__all__ = [
    "PALETTE",
    "apply_theme",
    "new_axes",
    "tier_colors",
    "set_finding_title",
    "percent_axis",
    "money_axis",
    "format_money",
    "message_figure",
    "is_message_figure",
    "label_money_axes",
    "rasterize_dense",
]

#: Okabe-Ito: distinguishable with every common colour-vision deficiency, and in grey print.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # green
    "#D55E00",  # vermillion
    "#CC79A7",  # purple
    "#56B4E9",  # sky
    "#F0E442",  # yellow
    "#000000",
)


#: seaborn's ``set_theme(context="notebook", style="whitegrid", palette=PALETTE)`` as a style
#: sheet: importing seaborn (and SciPy through it) costs about 3 s in every notebook's kernel.
HOUSE_STYLE = Path(__file__).resolve().parent / "defaults" / "house.mplstyle"

#: what the house adds to that theme
HOUSE_RC: dict[str, object] = {
    "figure.figsize": (8, 4.5),
    "figure.dpi": 100,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "savefig.facecolor": "white",
    "svg.fonttype": "none",
}


def apply_theme() -> None:
    """Set the theme used by every notebook: :data:`HOUSE_STYLE` then :data:`HOUSE_RC`.

    Idempotent. Draws exactly as seaborn's theme did (``tests/test_plots.py`` compares them).
    """
    plt.style.use(HOUSE_STYLE)
    plt.rcParams.update(HOUSE_RC)


def new_axes(ax: Axes | None = None, figsize: tuple[float, float] | None = None) -> Axes:
    """The Axes to draw on: ``ax`` if given, else a new figure's."""
    if ax is not None:
        return ax
    apply_theme()
    _, ax = plt.subplots(figsize=figsize)
    return ax


def tier_colors(tiers: Sequence[str]) -> dict[str, str]:
    """A stable colour per size tier (smallest first)."""
    return {tier: PALETTE[i % len(PALETTE)] for i, tier in enumerate(tiers)}


def set_finding_title(ax: Axes, finding: str, subtitle: str | None = None) -> Axes:
    """Title an Axes with the finding it shows and an optional grey subtitle.

    The finding (a sentence) is wrapped to the figure's width; the subtitle sits just above the
    plot and the title grows upwards, so they never overlap.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The Axes to title.
    finding : str
        The sentence the figure shows.
    subtitle : str, optional
        A grey line under the title (units, source, assumptions).

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, titled.
    """
    width = max(40, int(ax.figure.get_figwidth() * 11))
    ax.set_title(textwrap.fill(finding, width), loc="left", pad=20 if subtitle else 6)
    if subtitle:
        ax.annotate(
            subtitle, xy=(0, 1), xycoords="axes fraction", xytext=(0, 5),
            textcoords="offset points", fontsize=9, color="#555555", va="bottom",
        )  # fmt: skip
    return ax


def percent_axis(ax: Axes, axis: str = "y", xmax: float = 100) -> Axes:
    """Format an axis holding percentages (values in 0..xmax)."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(PercentFormatter(xmax=xmax, decimals=0))
    return ax


def format_money(value: float) -> str:
    """1234567 -> '1.23M', 4321 -> '4.32k' (:func:`helpers.results.compact_money`)."""
    return compact_money(value)


def money_axis(ax: Axes, axis: str = "y") -> Axes:
    """Format an axis holding currency amounts compactly (k, M, bn)."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    formatter = FuncFormatter(lambda v, _pos: format_money(v))
    formatter._wb_money = True  # read by label_money_axes: the axis label gets the currency
    target.set_major_formatter(formatter)
    return ax


def message_figure(ax: Axes | None, message: str, **text: object) -> Axes:
    """A blank figure that says why there is nothing to draw (not a key figure of a summary).

    Parameters
    ----------
    ax
        Axes to draw on; None makes a new figure.
    message
        The reason, in words.
    **text
        Passed to ``ax.text`` (e.g. ``wrap=True``).

    Returns
    -------
    Axes
        The axes, turned off; :func:`is_message_figure` is True for its figure.
    """
    ax = new_axes(ax)
    ax.text(0.5, 0.5, message, ha="center", va="center", **text)
    ax.set_axis_off()
    ax.figure._wb_message = True  # read by is_message_figure (the report leaves it out)
    return ax


def is_message_figure(fig: object) -> bool:
    """Whether a figure only says why there is nothing to draw (:func:`message_figure`)."""
    return bool(getattr(fig, "_wb_message", False))


def label_money_axes(fig: object) -> None:
    """Add the run's currency to the label of every money axis of ``fig`` (:func:`money_axis`).

    "Amount" becomes "Amount (USD)"; nothing changes without a currency
    (:func:`helpers.results.set_currency`) or on an axis that already names it.
    """
    from helpers.results import currency

    code = currency()
    if not code:
        return
    for ax in getattr(fig, "axes", []):
        for target, get, put in (
            (ax.xaxis, ax.get_xlabel, ax.set_xlabel),
            (ax.yaxis, ax.get_ylabel, ax.set_ylabel),
        ):
            if getattr(target.get_major_formatter(), "_wb_money", False) and code not in get():
                put(f"{get()} ({code})" if get() else code)


#: a collection with more marks than this is drawn as pixels inside an SVG (axes and text stay
#: vector): 20,000 scatter points as SVG paths take seconds to write and megabytes to ship
DENSE_MARKS = 2000


def rasterize_dense(fig: object) -> int:
    """Mark every collection of ``fig`` with more than :data:`DENSE_MARKS` marks as rasterized.

    Matplotlib then embeds those marks as an image in vector output (SVG, PDF); a PNG is drawn
    the same either way. Returns how many collections were marked.
    """
    marked = 0
    for ax in getattr(fig, "axes", []):
        for collection in ax.collections:
            marks = max(len(collection.get_offsets()), len(collection.get_paths()))
            if marks > DENSE_MARKS:
                collection.set_rasterized(True)
                marked += 1
    return marked
