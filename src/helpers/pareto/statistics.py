"""Every headline statistic at once on a (resamples x customers) array, and bootstrap intervals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.pareto.curves import _gini_sorted, _material_ratio, _ratio, _tag, _top_k

__all__: list[str] = []

Arrays = dict[str, np.ndarray]


def _statistics(
    values: Mapping[str, np.ndarray],
    settings: Mapping[str, Any],
    ordered: _Ordered | None = None,
) -> Arrays:
    """Every headline statistic, one value per row of the 2-D arrays in ``values``.

    ``values`` is keyed by the measures' metric names; ``revenue`` and ``profit`` are required.
    A share of a total is NaN where that total is not material (:func:`_material_ratio`).
    ``ordered`` gives the rows already in the orders the statistics need (bootstrap resamples,
    :func:`_ordered_by_counting`); without it they are sorted here.
    """
    out, cumulative = _share_statistics(values, settings, ordered)
    top = None if ordered is None else ordered.by_revenue
    out.update(_by_revenue(values["revenue"], values["profit"], settings, top))
    out.update(_whale_statistics(values["profit"], cumulative["profit"]))
    return out


class _Ordered:
    """Resampled rows already in order: each measure largest first, and the revenue ranking.

    ``descending[name]`` equals ``-np.sort(-values[name], axis=1)``; ``by_revenue`` holds
    (profit, revenue) in the order of :func:`_by_revenue` (revenue, then profit, largest
    first). Equal values are equal numbers, so every sum over them is bit-for-bit the same.
    """

    def __init__(self, descending: Arrays, by_revenue: tuple[np.ndarray, np.ndarray]) -> None:
        self.descending = descending
        self.by_revenue = by_revenue


def _ordered_by_counting(base: Mapping[str, np.ndarray], idx: np.ndarray) -> _Ordered:
    """Resamples ``idx`` (draws x customers) of ``base`` put in order without sorting them.

    The customers are ranked once per order; a resample is then each ranked customer repeated
    as many times as it was drawn (a counting sort): O(draws x customers) instead of a sort of
    every row, which was most of the bootstrap's time at 20,000 customers.
    """
    rows, n = idx.shape
    offsets = (np.arange(rows) * n)[:, None]  # row r's slots are r*n ... r*n + n-1

    def in_order(rank_order: np.ndarray, column: np.ndarray) -> np.ndarray:
        rank = np.empty(n, dtype=np.int64)
        rank[rank_order] = np.arange(n)
        flat = (rank[idx] + offsets).ravel()
        counts = np.bincount(flat, minlength=rows * n)
        return np.repeat(np.tile(column[rank_order], rows), counts).reshape(rows, n)

    descending = {}
    for name, array in base.items():
        row = array[0]
        descending[name] = in_order(np.argsort(-row, kind="stable"), row)
    revenue, profit = base["revenue"][0], base["profit"][0]
    order = np.lexsort((-profit, -revenue))
    return _Ordered(descending, (in_order(order, profit), in_order(order, revenue)))


def _share_statistics(
    values: Mapping[str, np.ndarray],
    settings: Mapping[str, Any],
    ordered: _Ordered | None = None,
) -> tuple[Arrays, Arrays]:
    """Top shares, Gini and customers needed for the target share of each measure.

    Also returns each measure's cumulative sum, largest first (the whale curve needs profit's).
    """
    spec = settings["pareto"]
    head, target = float(spec["top_share"]), float(spec["target_share"])
    shares = sorted({*spec["top_shares"], head})
    n = next(iter(values.values())).shape[1]
    out: Arrays = {}
    cumulative: Arrays = {}
    for name, array in values.items():
        desc = -np.sort(-array, axis=1) if ordered is None else ordered.descending[name]
        total = desc.sum(axis=1)
        cum = np.cumsum(desc, axis=1)
        cumulative[name] = cum
        for share in shares:
            out[f"{_tag(share)}_{name}_share"] = _material_ratio(cum[:, _top_k(n, share) - 1], desc)
        out[f"gini_{name}"] = _gini_sorted(desc[:, ::-1], total)
        reached = cum >= target * total[:, None]
        first_hit = np.where(reached.any(axis=1), reached.argmax(axis=1) + 1, np.nan)
        material = np.isfinite(_material_ratio(total, desc))
        out[f"customers_for_{round(100 * target)}pct_{name}_share"] = np.where(
            material, first_hit / n, np.nan
        )
    return out, cumulative


def _by_revenue(
    revenue: np.ndarray,
    profit: np.ndarray,
    settings: Mapping[str, Any],
    ranked: tuple[np.ndarray, np.ndarray] | None = None,
) -> Arrays:
    """The biggest customers by revenue: their share of profit, their margin and the rest's.

    ``ranked``: (profit, revenue) already in that order (see :class:`_Ordered`).
    """
    head = float(settings["pareto"]["top_share"])
    n = revenue.shape[1]
    k = _top_k(n, head)
    if ranked is not None:
        top_profit, top_revenue = ranked[0][:, :k].sum(axis=1), ranked[1][:, :k].sum(axis=1)
    else:  # ties in revenue: the more profitable first, so row order is moot
        by_profit = np.argsort(-profit, axis=1, kind="stable")
        revenue_sorted = np.take_along_axis(revenue, by_profit, axis=1)
        order = np.take_along_axis(
            by_profit, np.argsort(-revenue_sorted, axis=1, kind="stable"), axis=1
        )
        top = order[:, :k]
        top_profit = np.take_along_axis(profit, top, axis=1).sum(axis=1)
        top_revenue = np.take_along_axis(revenue, top, axis=1).sum(axis=1)
    total_profit, total_revenue = profit.sum(axis=1), revenue.sum(axis=1)
    return {
        f"{_tag(head)}_by_revenue_profit_share": _material_ratio(top_profit, profit),
        f"{_tag(head)}_by_revenue_profit": top_profit,
        f"{_tag(head)}_by_revenue_margin": _ratio(top_profit, top_revenue),
        "rest_by_revenue_margin": _ratio(total_profit - top_profit, total_revenue - top_revenue),
    }


def _whale_statistics(profit: np.ndarray, cum: np.ndarray) -> Arrays:
    """The whale curve's peak, its loss makers and the profit they destroy.

    The peak as a share of customers and a % of total profit; the profit destroyed in %. The
    percentages of total profit are NaN where that total is not material.
    """
    n = profit.shape[1]
    peak = cum.argmax(axis=1)
    peak_pct = 100 * _material_ratio(cum.max(axis=1), profit)
    return {
        "peak_share_of_customers": np.where(np.isfinite(peak_pct), (peak + 1) / n, np.nan),
        "peak_profit_pct": peak_pct,
        "loss_making_share": (profit < 0).mean(axis=1),
        "profit_destroyed_pct": 100
        * _material_ratio(-np.where(profit < 0, profit, 0).sum(axis=1), profit),
    }


def _matrix(frame: pd.DataFrame, settings: Mapping[str, Any]) -> Arrays:
    """Each measure's column of ``frame`` as a (1 x customers) array, keyed by metric name."""
    return {
        spec["name"]: frame[column].to_numpy(dtype="float64")[None, :]
        for column, spec in settings["pareto"]["measures"].items()
    }


def _bootstrap(frame: pd.DataFrame, settings: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    """Percentile intervals of every statistic, customers resampled with replacement.

    Resamples are drawn in chunks of at most ``max_cells`` values, seeded, so the intervals
    are reproducible.
    """
    spec = settings["pareto"]["bootstrap"]
    n_resamples, n = int(spec["n_resamples"]), len(frame)
    if n_resamples <= 0 or n < 2:
        return {}
    rng = np.random.default_rng(int(spec["seed"]))
    base = _matrix(frame, settings)
    chunk = max(1, int(spec["max_cells"]) // n)
    parts: list[Arrays] = []
    for start in range(0, n_resamples, chunk):
        idx = rng.integers(0, n, size=(min(chunk, n_resamples - start), n))
        ordered = _ordered_by_counting(base, idx)
        parts.append(_statistics({k: v[0][idx] for k, v in base.items()}, settings, ordered))
    alpha = (1 - float(spec["confidence"])) / 2
    out: dict[str, tuple[float, float]] = {}
    for key in parts[0]:
        draws = np.concatenate([part[key] for part in parts])
        draws = draws[np.isfinite(draws)]
        if len(draws):
            low, high = np.quantile(draws, [alpha, 1 - alpha])
            out[key] = (float(low), float(high))
    return out
