"""What the explorer draws and says about a view of the ledger: the report's own figures and findings.

Each figure comes with alt text and a caption; the sentences are computed (:mod:`helpers.pareto`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from helpers import pareto, seesaw

__all__ = [
    "LEVEL",
    "VIEWS",
    "draw_whale",
    "draw_seesaw",
    "headline",
    "measure",
    "findings",
    "totals_sentence",
    "render",
]


#: the level of profit the explorer shows: after the whole cost to serve at the controls' rates
#: (:mod:`helpers.ledger.levels`), so every chart, count and sentence follows the sliders; the
#: data's own margin and the measured level are still named in the findings' level sentence
LEVEL = "with_assumptions"


def draw_whale(ledger: pd.DataFrame, config: Mapping[str, Any], axes: Any = None) -> Any:
    """The whale curve of the report (:func:`helpers.pareto.plot_whale_curve`).

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The dataset's config.
    axes
        The matplotlib axes to draw on (``None``: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        What the report's function returns.
    """
    return pareto.plot_whale_curve(ledger, ax=axes, config=config, level=LEVEL)


def draw_seesaw(ledger: pd.DataFrame, config: Mapping[str, Any], axes: Any = None) -> Any:
    """The seesaw of the report (:func:`helpers.seesaw.plot_seesaw`).

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The dataset's config.
    axes
        The matplotlib axes to draw on (``None``: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        What the report's function returns.
    """
    return seesaw.plot_seesaw(ledger, config, ax=axes, level=LEVEL)


def measure(ledger: pd.DataFrame, config: Mapping[str, Any]) -> pareto.Concentration:
    """The view's concentration, measured once for :func:`headline` and :func:`findings`.

    Parameters
    ----------
    ledger
        The customer ledger of the view.
    config
        The dataset's config.

    Returns
    -------
    helpers.pareto.Concentration
        :func:`helpers.pareto.measure_concentration` at :data:`LEVEL`, without bootstrap.
    """
    return pareto.measure_concentration(ledger, config, bootstrap=False, level=LEVEL)


def headline(
    ledger: pd.DataFrame, config: Mapping[str, Any], measured: pareto.Concentration | None = None
) -> dict[str, float]:
    """Headline shares of the current view (top share of revenue and of profit, whale peak).

    Parameters
    ----------
    ledger
        The customer ledger of the view.
    config
        The dataset's config.
    measured
        :func:`measure` of this ledger, if the caller has it.

    Returns
    -------
    dict
        :func:`helpers.pareto.headline_shares` (fractions).
    """
    return pareto.headline_shares(ledger, config, level=LEVEL, measured=measured)


def findings(
    ledger: pd.DataFrame, config: Mapping[str, Any], measured: pareto.Concentration | None = None
) -> list[str]:
    """The computed finding sentences of the current view (from :mod:`helpers.pareto`).

    Parameters
    ----------
    ledger
        The customer ledger of the view.
    config
        The dataset's config.
    measured
        :func:`measure` of this ledger, if the caller has it.

    Returns
    -------
    list of str
        The totals sentence, then the 80/20 findings (one sentence if no customer matches).
    """
    if ledger.empty:
        return ["No customer matches these filters."]
    sentences = pareto.pareto_findings(ledger, config, level=LEVEL, measured=measured)
    return [totals_sentence(ledger), *sentences]


def totals_sentence(ledger: pd.DataFrame) -> str:
    """The view's totals: customers, cost to serve as a share of net revenue, profit.

    Parameters
    ----------
    ledger
        The customer ledger of the view.

    Returns
    -------
    str
        One sentence (amounts in currency).
    """
    net, cts, profit = (float(ledger[c].sum()) for c in ("net_revenue", "cost_to_serve", "profit"))
    share = f"{cts / net:.1%} of net revenue" if net else "no net revenue"
    return (
        f"{len(ledger):,} customers: cost to serve {cts:,.0f} ({share}), profit after the cost "
        f"to serve {profit:,.0f}."
    )


#: what the explorer draws: name -> (figure function, caption)
VIEWS: dict[str, tuple[Callable[..., Any], str]] = {
    "whale": (
        draw_whale,
        "Whale curve: cumulative profit (as % of total) against customers ranked from most to "
        "least profitable, after the cost to serve at the rates of the controls.",
    ),
    "seesaw": (
        draw_seesaw,
        "Seesaw: each size tier's share of volume against its share of profit, after the cost "
        "to serve at the rates of the controls.",
    ),
}


def render(view: str, ledger: pd.DataFrame, config: Mapping[str, Any]) -> tuple[Figure, str, str]:
    """Draw one view on a new figure.

    Parameters
    ----------
    view
        A name in :data:`VIEWS`.
    ledger
        The customer ledger of the view (empty: an empty chart that says so).
    config
        The dataset's config (``explorer.figure_size``).

    Returns
    -------
    (matplotlib.figure.Figure, str, str)
        The figure, its alt text (the chart's kind and title) and its caption.
    """
    from helpers import plots

    plots.apply_theme()
    function, caption = VIEWS[view]
    options = config["explorer"]
    fig, axes = plt.subplots(figsize=tuple(options["figure_size"]))
    if ledger.empty:
        axes.text(0.5, 0.5, "No customer matches these filters", ha="center", va="center")
        axes.set_axis_off()
        return fig, "An empty chart: no customer matches the filters.", caption
    function(ledger, config, axes=axes)
    title = axes.get_title(loc="left") or axes.get_title()
    alt = f"{caption.split(':')[0]} chart. {title.strip()}".strip()
    return fig, alt, caption
