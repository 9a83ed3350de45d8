"""The 80/20 analysis as one Result: concentration of revenue, margin and profit, and the whale.

Keys of :func:`measure_concentration`. ``pareto``: customers, unattributed_net_revenue (currency
units) and its share, ``top<x>_<measure>_share`` for every top share and measure,
``top<x>_by_revenue_profit_share``, ``top<x>_by_revenue_margin``, rest_by_revenue_margin,
``gini_<measure>`` (None for a measure with negative values),
``customers_for_<t>pct_<measure>_share``, the verdicts profit_vs_revenue ("more", "less", "as"
or None), revenue_concentrated (None with too few customers) and rule_holds_for_profit.
``whale``: customers, total_profit, profit_earned, profit_destroyed (currency units),
peak_share_of_customers, peak_profit_pct (%), peak_customers, loss_making_share,
loss_making_customers, profit_destroyed_pct (%), break_even_customers and share, the verdicts
whale_hump and loss_makers. Both: lead_level, one dict per level in the data (``data``,
``measured``, ``with_assumptions``) and ``sensitivity`` (verdict ->
:func:`helpers.ledger.levels.verdict_range`, when some amounts are assumed). ``shares``: measure,
top_customers, share, ci_low, ci_high (fractions).

References: Kaplan, R. S., & Cooper, R. (1998). Cost & Effect: Using Integrated Cost Systems to
Drive Profitability and Performance. Harvard Business School Press (the whale curve). Gini, C.
(1912). Variabilità e mutabilità. Efron, B., & Tibshirani, R. J. (1993). An Introduction to the
Bootstrap. Chapman & Hall (percentile intervals).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from helpers.pareto import verdicts
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
from helpers.results import Findings, Result, json_float, share_of

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
        if key in intervals and out[key] is not None:
            out[f"{key}_ci_low"], out[f"{key}_ci_high"] = (json_float(v) for v in intervals[key])
    return out


def measure_concentration(
    ledger: pd.DataFrame,
    config: Mapping[str, Any] | None = None,
    bootstrap: bool = True,
    level: str | None = None,
    sensitivity: bool = True,
) -> Concentration:
    """Concentration of revenue, gross margin and profit over customers, and the whale curve.

    Shares are fractions (0.92 = 92%), except the keys ending in ``_pct``, which are
    percentages (128.3 = 128.3% of total profit). A share of a total that is not material
    (:func:`helpers.results.share_of`) is None. The flat keys are at the lead level; each level
    in the data has its own dict of the same keys.

    Parameters
    ----------
    ledger
        One row per customer (``helpers.ledger.build_ledger``); the unattributed row is left
        out and its revenue reported.
    config
        The run's config (sections ``pareto`` and ``whale``); None means the defaults.
    bootstrap
        Add percentile intervals (``*_ci_low`` / ``*_ci_high``: customers resampled with
        replacement, seeded) to every headline share at the lead level.
    level
        The level to lead with (``data``, ``measured``, ``with_assumptions``); None means
        :func:`helpers.ledger.levels.lead_level`. The explorer, which re-costs ``profit``,
        asks for ``with_assumptions``.
    sensitivity
        Test each verdict over 0x-3x of the assumed amounts (``sensitivity``; False leaves it
        empty, for quick redraws).

    Returns
    -------
    Concentration
        ``pareto`` (top-share, Gini and customers-for-target keys per measure, the verdicts
        profit_vs_revenue, revenue_concentrated, rule_holds_for_profit), ``whale`` (totals in
        currency units, peak, loss makers, break-even customers, the verdicts whale_hump and
        loss_makers), each with lead_level, one dict per level and ``sensitivity``; ``shares``.
        The module docstring lists every key and the references (whale curve: Kaplan & Cooper
        1998; Gini 1912; bootstrap: Efron & Tibshirani 1993).
    """
    settings = _config(config)
    lead, frames, present = verdicts.level_frames(ledger, level)
    pareto, whale = _level_metrics(frames[lead], settings, bootstrap)
    for name in present:
        at_level = (
            _level_metrics(frames[name], settings, False) if name != lead else (pareto, whale)
        )
        pareto[name], whale[name] = dict(at_level[0]), dict(at_level[1])
    ranges = verdicts.sensitivity(ledger, settings) if sensitivity else {}
    pareto.update(lead_level=lead, sensitivity=_pick(ranges, ["profit_vs_revenue"]))
    whale.update(lead_level=lead, sensitivity=_pick(ranges, _WHALE_VERDICTS))
    order = verdicts.level_order(lead, present)
    return Concentration(
        table=_shares_frame(pareto, settings),
        metrics={"pareto": pareto, "whale": whale},
        findings=_pareto_sentences(pareto, settings, order),
        whale_findings=_whale_sentences(whale, settings, order),
    )


_WHALE_VERDICTS = ["whale_hump", "loss_makers", "loss_making_share_at"]


def _pick(mapping: Mapping[str, Any], keys: list[str]) -> dict[str, Any]:
    """The entries of ``mapping`` under ``keys`` (those it has)."""
    return {key: mapping[key] for key in keys if key in mapping}


def _level_metrics(
    ledger: pd.DataFrame, settings: Mapping[str, Any], bootstrap: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The pareto and whale metrics of a ledger whose ``profit`` is at one level."""
    customers = customers_only(ledger)
    names = [spec["name"] for spec in settings["pareto"]["measures"].values()]
    blank = _statistics({name: np.zeros((1, 1)) for name in names}, settings)
    point: dict[str, np.ndarray] = dict.fromkeys(blank, np.array([np.nan]))
    intervals: Intervals = {}
    if len(customers):
        point.update(_statistics(_matrix(customers, settings), settings))
        intervals = _bootstrap(customers, settings) if bootstrap else {}
    found = verdicts.ledger_verdicts(ledger, settings)
    return (
        _pareto_metrics(ledger, point, intervals, settings, found),
        _whale_metrics(ledger, point, intervals, settings, found),
    )


def _pareto_metrics(
    ledger: pd.DataFrame,
    point: Point,
    intervals: Intervals,
    settings: Mapping[str, Any],
    found: Mapping[str, Any],
) -> dict[str, Any]:
    """The concentration section: shares, margins by revenue, Gini, customers needed, verdicts."""
    spec = settings["pareto"]
    names = [measure["name"] for measure in spec["measures"].values()]
    head, target = _tag(float(spec["top_share"])), round(100 * float(spec["target_share"]))
    unattributed = unattributed_revenue(ledger)
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
        "unattributed_revenue_share": share_of(unattributed, ledger["net_revenue"]),
        **_with_ci(point, intervals, list(dict.fromkeys(keys))),
    }
    profits = customers_only(ledger)["profit"].to_numpy(dtype="float64")
    metrics.update(
        total_profit=json_float(profits.sum()),
        profit_earned=json_float(profits[profits > 0].sum()),
        profit_lost=json_float(-profits[profits < 0].sum()),
    )
    metrics[f"{head}_by_revenue_profit"] = json_float(point[f"{head}_by_revenue_profit"][0])
    top_revenue = metrics[f"{head}_revenue_share"]
    by_revenue = metrics[f"{head}_by_revenue_profit_share"]
    verdict = found["profit_vs_revenue"]
    metrics["profit_vs_revenue"] = verdict
    enough = metrics["customers"] >= max(1, int(spec["min_customers"]))
    metrics["revenue_concentrated"] = (
        bool(top_revenue is not None and top_revenue >= float(spec["rule_share"]))
        if enough
        else None
    )
    metrics["rule_holds_for_profit"] = bool(
        verdict in ("more", "as")
        and by_revenue is not None
        and by_revenue >= float(spec["rule_share"])
    )
    return metrics


def _whale_metrics(
    ledger: pd.DataFrame,
    point: Point,
    intervals: Intervals,
    settings: Mapping[str, Any],
    found: Mapping[str, Any],
) -> dict[str, Any]:
    """The whale section: peak, loss makers, profit earned and destroyed, break-even, verdicts."""
    spec = settings["whale"]
    customers = customers_only(ledger)
    n = len(customers)
    profits = whale_curve(ledger)["profit"].to_numpy()
    net = customers["net_revenue"].to_numpy(dtype="float64")
    margin = float(spec["break_even_margin"])
    even = np.abs(customers["profit"].to_numpy(dtype="float64")) <= margin * np.abs(net)
    peak_share = point["peak_share_of_customers"][0]
    keys = ["peak_share_of_customers", "peak_profit_pct", "loss_making_share",
            "profit_destroyed_pct", f"{_tag(float(settings['pareto']['top_share']))}_profit_share"]  # fmt: skip
    return {
        "customers": n,
        "total_profit": json_float(float(profits.sum())),
        "profit_earned": json_float(float(profits[profits > 0].sum())),
        **_with_ci(point, intervals, keys),
        "peak_customers": int(round(peak_share * n)) if np.isfinite(peak_share) else None,
        "peak_profit": json_float(float(np.cumsum(profits).max())) if n else None,
        "loss_making_customers": int((profits < 0).sum()),
        "profit_destroyed": json_float(-profits[profits < 0].sum()),
        "break_even_customers": int(even.sum()),
        "break_even_share": json_float(even.mean()) if n else None,
        "whale_hump": found["whale_hump"],
        "loss_makers": found["loss_makers"],
    }


#: the profit measure's label at each level of profit (the table says which profit it ranks)
_PROFIT_LABELS = {
    "data": "Profit (the data's margin, no cost to serve)",
    "measured": "Profit after the cost to serve the data counts",
    "with_assumptions": "Profit after cost to serve",
}


def _shares_frame(metrics: Mapping[str, Any], settings: Mapping[str, Any]) -> pd.DataFrame:
    """One row per measure and top share: the share and its interval."""
    rows = []
    for column, spec in settings["pareto"]["measures"].items():
        label = spec["label"]
        if column == "profit" and metrics.get("lead_level") in _PROFIT_LABELS:
            label = _PROFIT_LABELS[metrics["lead_level"]]  # which profit the shares are of
        for share in settings["pareto"]["top_shares"]:
            key = f"{_tag(share)}_{spec['name']}_share"
            rows.append(
                {
                    "measure": label,
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
    ledger: pd.DataFrame,
    config: Mapping[str, Any] | None = None,
    level: str | None = None,
    measured: Concentration | None = None,
) -> dict[str, float]:
    """Fast headline numbers (no bootstrap), for the explorer and the teaching app.

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config (sections ``pareto`` and ``whale``); None means the defaults.
    level
        The level of profit (:func:`measure_concentration`); None means the lead level.
    measured
        :func:`measure_concentration` of this ledger, config and level (without bootstrap),
        when the caller has it already (the teaching app measures once for figures and
        sentences); None measures here.

    Returns
    -------
    dict
        top_share (the top fraction of customers), top_revenue_share (top customers by
        revenue, share of revenue), top_profit_share (the most profitable, share of profit;
        negative when the company loses money overall, NaN when a positive total is not
        material), top_by_revenue_profit_share, whale_peak_share, whale_peak_profit_share and
        loss_making_share: fractions, NaN where not available.
    """
    settings = _config(config)
    result = measured or measure_concentration(ledger, settings, bootstrap=False, level=level,
                                               sensitivity=False)  # fmt: skip
    head = _tag(float(settings["pareto"]["top_share"]))
    pareto, whale = result.pareto, result.whale

    def number(value: Any) -> float:
        return float("nan") if value is None else float(value)

    peak = whale["peak_profit_pct"]
    profit_share = (
        number(pareto[f"{head}_profit_share"])
        if whale["total_profit"] is None or whale["total_profit"] > 0
        else _signed_top_profit_share(
            verdicts.level_frames(ledger, level)[1][result.pareto["lead_level"]], settings
        )
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


def pareto_findings(
    ledger: pd.DataFrame,
    config: Mapping[str, Any] | None = None,
    level: str | None = None,
    measured: Concentration | None = None,
) -> list[str]:
    """The finding sentences on concentration and the whale curve (no intervals: fast).

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config; None means the defaults.
    level
        The level of profit (:func:`measure_concentration`); None means the lead level.
    measured
        :func:`measure_concentration` of this ledger, config and level (without bootstrap,
        with the sensitivity the sentences cite), when the caller has it; None measures here.

    Returns
    -------
    list of str
        The concentration sentences, then the whale curve's.
    """
    result = measured or measure_concentration(ledger, config, bootstrap=False, level=level)
    return [*result.findings, *result.whale_findings]
