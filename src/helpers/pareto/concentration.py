"""The 80/20 analysis as one Result: concentration of revenue, margin and profit, and the whale."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from helpers.pareto.curves import (
    _config,
    _tag,
    _top_k,
    customers_only,
    unattributed_revenue,
    whale_curve,
)
from helpers.pareto.sentences import _pareto_sentences, _whale_sentences
from helpers.pareto.statistics import _bootstrap, _matrix, _statistics
from helpers.results import Findings, Result, json_float

__all__ = [
    "Concentration",
    "measure_concentration",
    "shares_table",
    "headline_shares",
    "pareto_findings",
]

Point = Mapping[str, np.ndarray]
Intervals = Mapping[str, tuple[float, float]]


@dataclass(kw_only=True)
class Concentration(Result):
    """Headline numbers of the 80/20 analysis, a :class:`~helpers.results.Result`.

    ``metrics`` has two sections, ``pareto`` and ``whale`` (also the properties of those names,
    what goes to ``ws.record``); ``table`` is the top-x% shares table (also ``shares``);
    ``findings`` are the concentration sentences and ``whale_findings`` the whale curve's.
    The object renders both lists in a notebook.
    """

    whale_findings: list[str] = field(default_factory=list)

    @property
    def pareto(self) -> dict[str, Any]:
        """Concentration metrics (``ws.record("pareto", ...)``)."""
        return self.metrics["pareto"]

    @property
    def whale(self) -> dict[str, Any]:
        """Whale-curve metrics (``ws.record("whale", ...)``)."""
        return self.metrics["whale"]

    @property
    def shares(self) -> pd.DataFrame:
        """The top-x% shares of each measure with their intervals (the ``table``)."""
        return self.table

    def _repr_markdown_(self) -> str:
        """The concentration and whale findings as one Markdown list."""
        if self.message:
            return super()._repr_markdown_()
        return Findings([*self.findings, *self.whale_findings])._repr_markdown_()


def _with_ci(point: Point, intervals: Intervals, keys: list[str]) -> dict[str, Any]:
    """Each key's point value and, where bootstrapped, its ``_ci_low`` / ``_ci_high``."""
    out: dict[str, Any] = {}
    for key in keys:
        out[key] = json_float(point[key][0])
        if key in intervals:
            out[f"{key}_ci_low"], out[f"{key}_ci_high"] = (json_float(v) for v in intervals[key])
    return out


def measure_concentration(
    ledger: pd.DataFrame, config: Mapping[str, Any] | None = None, bootstrap: bool = True
) -> Concentration:
    """Concentration of revenue, gross margin and profit over customers, and the whale curve.

    Shares are fractions (0.92 = 92%), except the keys ending in ``_pct``, which are
    percentages (128.3 = 128.3% of total profit).

    Parameters
    ----------
    ledger
        One row per customer (``helpers.ledger.build_ledger``); the unattributed row is left
        out and its revenue reported.
    config
        The run's config (sections ``pareto`` and ``whale``); None means the defaults.
    bootstrap
        Add percentile intervals (``*_ci_low`` / ``*_ci_high``: customers resampled with
        replacement, seeded) to every headline share.

    Returns
    -------
    Concentration
        ``pareto``: customers, unattributed_net_revenue (currency units) and its share,
        ``top<x>_<measure>_share`` for every top share and measure,
        ``top<x>_by_revenue_profit_share``, ``top<x>_by_revenue_margin``,
        rest_by_revenue_margin, ``gini_<measure>``, ``customers_for_<t>pct_<measure>_share``,
        rule_holds_for_profit. ``whale``: customers, total_profit (currency units),
        peak_share_of_customers, peak_profit_pct (%), peak_customers, loss_making_share,
        loss_making_customers, profit_destroyed (currency units) and profit_destroyed_pct
        (%), break_even_customers and share, the reference band (%) and whether the top
        share's profit falls in it. ``shares``: measure, top_customers, share, ci_low,
        ci_high (fractions).

    References
    ----------
    Kaplan, R. S., & Cooper, R. (1998). Cost & Effect: Using Integrated Cost Systems to Drive
    Profitability and Performance. Harvard Business School Press (the whale curve).
    Gini, C. (1912). Variabilità e mutabilità. Bologna: Tipografia di Paolo Cuppini.
    Efron, B., & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall
    (percentile intervals).
    """
    settings = _config(config)
    customers = customers_only(ledger)
    names = [spec["name"] for spec in settings["pareto"]["measures"].values()]
    blank = _statistics({name: np.zeros((1, 1)) for name in names}, settings)
    point: dict[str, np.ndarray] = dict.fromkeys(blank, np.array([np.nan]))
    intervals: Intervals = {}
    if len(customers):
        point.update(_statistics(_matrix(customers, settings), settings))
        intervals = _bootstrap(customers, settings) if bootstrap else {}
    pareto = _pareto_metrics(ledger, point, intervals, settings)
    whale = _whale_metrics(ledger, point, intervals, settings)
    return Concentration(
        table=_shares_frame(pareto, settings),
        metrics={"pareto": pareto, "whale": whale},
        findings=_pareto_sentences(pareto, settings),
        whale_findings=_whale_sentences(whale, settings),
    )


def _pareto_metrics(
    ledger: pd.DataFrame, point: Point, intervals: Intervals, settings: Mapping[str, Any]
) -> dict[str, Any]:
    """The concentration section: shares, margins by revenue, Gini, customers needed, rule."""
    spec = settings["pareto"]
    names = [measure["name"] for measure in spec["measures"].values()]
    head, target = _tag(float(spec["top_share"])), round(100 * float(spec["target_share"]))
    unattributed = unattributed_revenue(ledger)
    total_revenue = float(ledger["net_revenue"].sum())
    keys = [
        *[f"{_tag(share)}_{name}_share" for name in names for share in spec["top_shares"]],
        f"{head}_by_revenue_profit_share",
        f"{head}_by_revenue_margin",
        "rest_by_revenue_margin",
        *[f"gini_{name}" for name in names],
        *[f"customers_for_{target}pct_{name}_share" for name in names],
    ]
    metrics: dict[str, Any] = {
        "customers": len(customers_only(ledger)),
        "unattributed_net_revenue": json_float(unattributed),
        "unattributed_revenue_share": json_float(unattributed / total_revenue)
        if total_revenue
        else None,
        **_with_ci(point, intervals, list(dict.fromkeys(keys))),
    }
    top_revenue = metrics[f"{head}_revenue_share"]
    by_revenue = metrics[f"{head}_by_revenue_profit_share"]
    metrics["rule_holds_for_profit"] = bool(
        by_revenue is not None
        and top_revenue is not None
        and by_revenue >= float(spec["rule_share"])
        and by_revenue >= top_revenue
    )
    return metrics


def _whale_metrics(
    ledger: pd.DataFrame, point: Point, intervals: Intervals, settings: Mapping[str, Any]
) -> dict[str, Any]:
    """The whale section: peak, loss makers, profit destroyed, break-even, reference band."""
    spec = settings["whale"]
    customers = customers_only(ledger)
    n = len(customers)
    band_key = f"{_tag(float(spec['reference_top_share']))}_profit_share"
    profits = whale_curve(ledger)["profit"].to_numpy()
    net = customers["net_revenue"].to_numpy(dtype="float64")
    profit = customers["profit"].to_numpy(dtype="float64")
    even = np.abs(profit) <= float(spec["break_even_margin"]) * np.abs(net)
    low, high = (float(v) for v in spec["reference_band"])
    band_share = point[band_key][0]
    peak_share = point["peak_share_of_customers"][0]
    keys = ["peak_share_of_customers", "peak_profit_pct", "loss_making_share",
            "profit_destroyed_pct", band_key]  # fmt: skip
    return {
        "customers": n,
        "total_profit": json_float(float(profits.sum())),
        **_with_ci(point, intervals, keys),
        "peak_customers": int(round(peak_share * n)) if np.isfinite(peak_share) else None,
        "loss_making_customers": int((profits < 0).sum()),
        "profit_destroyed": json_float(-profits[profits < 0].sum()),
        "break_even_customers": int(even.sum()),
        "break_even_share": json_float(even.mean()) if n else None,
        "reference_band_low_pct": 100 * low,
        "reference_band_high_pct": 100 * high,
        "in_reference_band": bool(np.isfinite(band_share) and low <= band_share <= high),
    }


def _shares_frame(metrics: Mapping[str, Any], settings: Mapping[str, Any]) -> pd.DataFrame:
    """One row per measure and top share: the share and its interval."""
    rows = []
    for spec in settings["pareto"]["measures"].values():
        for share in settings["pareto"]["top_shares"]:
            key = f"{_tag(share)}_{spec['name']}_share"
            rows.append(
                {
                    "measure": spec["label"],
                    "top_customers": f"top {share:.0%}",
                    "share": metrics.get(key),
                    "ci_low": metrics.get(f"{key}_ci_low"),
                    "ci_high": metrics.get(f"{key}_ci_high"),
                }
            )
    return pd.DataFrame(rows)


def shares_table(result: Concentration) -> pd.DataFrame:
    """The top-x% shares of each measure with their intervals.

    Parameters
    ----------
    result
        :func:`measure_concentration`'s result.

    Returns
    -------
    DataFrame
        One row per measure and top share: measure, top_customers ("top 20%"), share,
        ci_low, ci_high (fractions; None where not available).
    """
    return result.shares


def headline_shares(
    ledger: pd.DataFrame, config: Mapping[str, Any] | None = None
) -> dict[str, float]:
    """Fast headline numbers (no bootstrap), for the explorer and the teaching app.

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config (sections ``pareto`` and ``whale``); None means the defaults.

    Returns
    -------
    dict
        top_share (the top fraction of customers), top_revenue_share (top customers by
        revenue, share of revenue), top_profit_share (the most profitable, share of profit;
        negative when the company loses money overall), top_by_revenue_profit_share,
        whale_peak_share, whale_peak_profit_share and loss_making_share: fractions, NaN where
        not available.
    """
    settings = _config(config)
    result = measure_concentration(ledger, settings, bootstrap=False)
    head = _tag(float(settings["pareto"]["top_share"]))
    pareto, whale = result.pareto, result.whale

    def number(value: Any) -> float:
        return float("nan") if value is None else float(value)

    peak = whale["peak_profit_pct"]
    profit_share = (
        number(pareto[f"{head}_profit_share"])
        if whale["total_profit"] is None or whale["total_profit"] > 0
        else _signed_top_profit_share(ledger, settings)
    )
    return {
        "top_share": float(settings["pareto"]["top_share"]),
        "top_revenue_share": number(pareto[f"{head}_revenue_share"]),
        "top_profit_share": profit_share,
        "top_by_revenue_profit_share": number(pareto[f"{head}_by_revenue_profit_share"]),
        "whale_peak_share": number(whale["peak_share_of_customers"]),
        "whale_peak_profit_share": number(None if peak is None else peak / 100),
        "loss_making_share": number(whale["loss_making_share"]),
    }


def _signed_top_profit_share(ledger: pd.DataFrame, settings: Mapping[str, Any]) -> float:
    """Share of a non-positive total (negative when the company loses money overall)."""
    ordered = np.sort(customers_only(ledger)["profit"].to_numpy(dtype="float64"))[::-1]
    total = ordered.sum()
    if not len(ordered) or total == 0:
        return float("nan")
    return float(
        ordered[: _top_k(len(ordered), float(settings["pareto"]["top_share"]))].sum() / total
    )


def pareto_findings(ledger: pd.DataFrame, config: Mapping[str, Any] | None = None) -> list[str]:
    """The finding sentences on concentration and the whale curve (no intervals: fast).

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config; None means the defaults.

    Returns
    -------
    list of str
        The concentration sentences, then the whale curve's.
    """
    result = measure_concentration(ledger, config, bootstrap=False)
    return [*result.findings, *result.whale_findings]
