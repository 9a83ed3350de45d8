"""The teaching app's charts as data: the series each chart draws, for the browser to draw.

A served class's page draws its five charts in the browser (bqplot, :class:`LiveChart`) from
these series; a slider move sends new numbers to the marks already on the page instead of a new
PNG. Each series comes from the same tables the static report's figures are drawn from
(:mod:`helpers.pareto`, :mod:`helpers.seesaw`, :mod:`helpers.growth`); each chart's title is
the section's first finding, computed from the same world.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers import plots
from helpers.apps.teaching_model import TeachingState

__all__ = ["MAX_POINTS", "AXES", "chart_data", "thin"]

#: points kept per curve (evenly spaced along it, the ends and the peak always kept)
MAX_POINTS = 201
#: chart -> (x label, y label, x range, y range or None to fit the data)
AXES: dict[str, tuple[str, str, tuple[float, float], tuple[float, float] | None]] = {
    "concentration": ("Customers, ranked from largest (%)", "Cumulative share (%)", (0, 100),
                      (0, None)),
    "whale": ("Customers, ranked from most profitable (%)", "Cumulative profit (% of total)",
              (0, 100), None),
    "seesaw": ("0 = share of net revenue, 1 = share of profit", "Share of the total (%)",
               (-0.2, 1.2), None),
    "risks": ("Days since the customer started", "Still active (%)", (0, None), (0, 102)),
    "trust": ("Approval layer reached", "Quotes still alive (%)", (0, None), (0, 105)),
}  # fmt: skip
_LEVEL = "with_assumptions"  # the profit level the explorer and the teaching app show


def thin(x: np.ndarray, y: np.ndarray, most: int = MAX_POINTS) -> tuple[list, list]:
    """At most ``most`` points of a curve: evenly spaced, with its ends and its highest point.

    Parameters
    ----------
    x, y
        The curve.
    most
        Points kept.

    Returns
    -------
    (list, list)
        The kept points, in order, as plain floats (NaN where the curve has none).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) > most:
        keep = set(np.linspace(0, len(x) - 1, most).round().astype(int))
        if np.isfinite(y).any():
            keep.add(int(np.nanargmax(y)))
        index = np.array(sorted(keep))
        x, y = x[index], y[index]
    return [float(v) for v in x], [float(v) for v in y]


def _series(label: str, x: Any, y: Any, color: str) -> dict[str, Any]:
    xs, ys = thin(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return {"label": label, "x": xs, "y": ys, "color": color}


def _concentration(state: TeachingState) -> list[dict[str, Any]]:
    """Lorenz curves of revenue, gross margin and profit (:func:`helpers.pareto.lorenz_curves`)."""
    from helpers import pareto
    from helpers.ledger.levels import level_frames

    lead, frames, _ = level_frames(state.ledger, _LEVEL)
    curves = pareto.lorenz_curves(frames[lead], state.config)
    out = [
        _series(str(curve["label"].iloc[0]), 100 * curve["share_of_customers"],
                100 * curve["cum_share"], plots.PALETTE[i % len(plots.PALETTE)])
        for i, (_, curve) in enumerate(curves.groupby("measure", sort=False))
    ]  # fmt: skip
    return [*out, _series("every customer equal", [0, 100], [0, 100], "#999999")]


def _whale(state: TeachingState) -> list[dict[str, Any]]:
    """Cumulative profit against customers ranked by profit (:func:`helpers.pareto.whale_curve`)."""
    from helpers import pareto
    from helpers.ledger.levels import level_frames

    lead, frames, _ = level_frames(state.ledger, _LEVEL)
    curve = pareto.whale_curve(frames[lead])
    share = np.concatenate([[0.0], 100 * curve["share_of_customers"].to_numpy(dtype=float)])
    cum = np.concatenate([[0.0], curve["cum_profit_pct"].to_numpy(dtype=float)])
    return [
        _series("cumulative profit", share, cum, plots.PALETTE[0]),
        _series("total profit (100%)", [0, 100], [100, 100], "#555555"),
    ]


def _seesaw(state: TeachingState) -> list[dict[str, Any]]:
    """Each size tier from its share of revenue to its share of profit (the seesaw's table)."""
    from helpers import seesaw

    ledger = seesaw.at_lead(state.ledger, _LEVEL)
    tiers = seesaw.tier_table(ledger, state.config, level="with_assumptions")
    colors = plots.tier_colors([str(t) for t in tiers["size_tier"]])
    return [
        _series(f"{row.size_tier}", [0, 1], [100 * row.revenue_share, 100 * row.profit_share],
                colors[str(row.size_tier)])
        for row in tiers.itertuples()
    ]  # fmt: skip


def _risks(state: TeachingState) -> list[dict[str, Any]]:
    """Kaplan-Meier survival of new customers by size tier (:func:`helpers.growth.kaplan_meier`)."""
    from helpers import growth

    survival = state.headline["_cache"]["survival"]
    if not survival.available:
        return []
    fits = growth.kaplan_meier(survival.table, "size_tier", state.config).detail.get("fits", {})
    colors = plots.tier_colors([str(name) for name in fits])
    out = []
    for name, fitter in fits.items():
        curve = fitter.survival_function_
        out.append(_series(str(name), curve.index, 100 * curve.iloc[:, 0], colors[str(name)]))
    year = float(state.config["growth"]["first_year_days"])
    return [*out, _series("one year", [year, year], [0, 100], "#555555")]


def _trust(state: TeachingState) -> list[dict[str, Any]]:
    """Quotes still alive after each approval layer, by amount band (the approval cascade)."""
    approvals = state.headline["_cache"]["approvals"]
    if not approvals.available:
        return []
    table: pd.DataFrame = approvals.detail["by_amount"]
    colors = plots.tier_colors([str(band) for band in table.index])
    out = []
    for band, row in table.iterrows():
        layers = float(row["mean_layers"])
        steps = np.arange(0, int(np.ceil(layers)) + 1, dtype=float)
        steps[-1] = layers
        per_layer = row["win_rate"] ** (1 / layers) if layers > 0 else 1.0
        label = f"{band} (median {plots.format_money(row['median_amount'])})"
        out.append(_series(label, steps, 100 * per_layer**steps, colors[str(band)]))
    return out


_CHARTS = {
    "concentration": _concentration,
    "whale": _whale,
    "seesaw": _seesaw,
    "risks": _risks,
    "trust": _trust,
}


def _title(name: str, sentences: list[str]) -> str:
    """The chart's title: its section's first finding (concentration: revenue against profit)."""
    if name == "concentration":
        ranked = sorted(
            sentences, key=lambda s: ("concentrated than" not in s, "concentrated" not in s)
        )
        sentences = ranked
    return sentences[0] if sentences else ""


def chart_data(
    name: str, state: TeachingState, findings: Mapping[str, list[str]]
) -> dict[str, Any]:
    """A chart's series, title and axes for the browser to draw.

    Parameters
    ----------
    name
        A chart (:data:`AXES`).
    state
        The world.
    findings
        The world's section findings (the chart's title is its section's first; the
        concentration chart's, its sentence comparing how concentrated profit and revenue are).

    Returns
    -------
    dict
        ``title`` (str), ``series`` (list of ``{label, x, y, color}``, x and y in the units of
        :data:`AXES`: percentages, days or layers) and ``axes`` (:data:`AXES`'s entry), plain
        JSON.
    """
    x_label, y_label, x_range, y_range = AXES[name]
    axes = [x_label, y_label, list(x_range), list(y_range) if y_range else None]
    return {
        "title": _title(name, list(findings.get(name) or [])),
        "series": _CHARTS[name](state),
        "axes": axes,
    }
