"""What changed since the last good run: headline figures compared with the previous report.

A scheduled run compares its headline figures with the newest published run of the same dataset
and config (``<out>/latest``, when its dataset and config fingerprint match) and records the
changes in ``metrics.json`` (``changes``) and on the summary page. A run of a bounded period also
compares the customer ledger's headline figures with the same period a year earlier, when the
data reaches back that far (``changes.year_earlier``; :func:`year_earlier_period`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.results import json_float

__all__ = [
    "HEADLINES",
    "LEDGER_HEADLINES",
    "previous_metrics",
    "compare_runs",
    "year_earlier_period",
]

#: the figures compared: (section, metric, label, kind); kind "money", "share" (a fraction),
#: "percent" (already in %) or "count"
HEADLINES: tuple[tuple[str, str, str, str], ...] = (
    ("ledger", "total_revenue", "Net revenue", "money"),
    ("ledger", "total_profit", "Customer profit", "money"),
    ("ledger", "customers", "Customers", "count"),
    ("ledger", "loss_making_share", "Customers losing money", "share"),
    ("pareto", "top20_revenue_share", "Top 20% by revenue: share of revenue", "share"),
    ("pareto", "top20_profit_share", "Top 20% by profit: share of profit", "share"),
    ("whale", "peak_profit_pct", "Whale-curve peak (% of profit)", "percent"),
    ("q1", "small_loss_making_share", "Small clients losing money", "share"),
    ("clv", "total_expected_revenue", "Expected revenue (future value)", "money"),
)
#: the figures compared with the same period a year earlier (the ledger's: nothing is re-fitted)
LEDGER_HEADLINES: tuple[tuple[str, str, str, str], ...] = (
    ("ledger", "total_revenue", "Net revenue", "money"),
    ("ledger", "total_profit", "Customer profit", "money"),
    ("ledger", "customers", "Customers", "count"),
    ("ledger", "orders", "Orders", "count"),
    ("ledger", "loss_making_share", "Customers losing money", "share"),
)
_SAME = 1e-9  # relative change below which a figure is unchanged


def previous_metrics(out_dir: Path, dataset: str, fingerprint: str) -> dict[str, Any] | None:
    """The metrics of the last good run of the same dataset and config, if there is one.

    Parameters
    ----------
    out_dir : pathlib.Path
        The reports folder (its ``latest`` link points to the last published run).
    dataset : str
        The dataset's name.
    fingerprint : str
        The config fingerprint of this run (``run.config_fingerprint``).

    Returns
    -------
    dict or None
        The previous ``metrics.json`` payload; None when there is none, it is unreadable, or it
        belongs to another dataset or config.
    """
    path = Path(out_dir) / "latest" / "metrics.json"
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    run = previous.get("run") or {}
    if run.get("dataset") != dataset or run.get("config_fingerprint") != fingerprint:
        return None
    return previous


def _direction(change: float) -> str:
    return "unchanged" if change == 0 else ("up" if change > 0 else "down")


def year_earlier_period(
    start: Any, end: Any, first_order: Any
) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The same period a year earlier, when the data covers all of it.

    Parameters
    ----------
    start, end : date-like or None
        The run's period (both inclusive); an open side means no comparison.
    first_order : date-like or None
        The data's first order date.

    Returns
    -------
    (Timestamp, Timestamp) or None
        Both bounds moved back one calendar year (29 February becomes 28 February); None when
        the period is open or the data starts after the earlier period's first day.
    """
    if start is None or end is None or first_order is None or pd.isna(first_order):
        return None
    earlier = (
        pd.Timestamp(start) - pd.DateOffset(years=1),
        pd.Timestamp(end) - pd.DateOffset(years=1),
    )
    return earlier if pd.Timestamp(first_order) <= earlier[0] else None


def compare_runs(
    current: Mapping[str, Any],
    previous: Mapping[str, Any] | None,
    headlines: tuple[tuple[str, str, str, str], ...] = HEADLINES,
) -> dict[str, Any]:
    """The headline figures of ``current`` against ``previous``.

    Parameters
    ----------
    current, previous : Mapping
        ``metrics.json`` payloads (``previous`` None for a first run).
    headlines : tuple
        The figures compared: (section, metric, label, kind); default :data:`HEADLINES`.

    Returns
    -------
    dict
        ``previous_run`` (its id and period, or None) and ``rows``: one per figure present in
        both runs with section, metric, label, kind, previous, current, change (current -
        previous: currency units, share points as a fraction, or counts), change_pct (relative
        change; None for shares and for a zero base) and direction ("up", "down",
        "unchanged").
    """
    if previous is None:
        return {"previous_run": None, "rows": []}
    rows = []
    for section, metric, label, kind in headlines:
        now = json_float((current.get(section) or {}).get(metric))
        before = json_float((previous.get(section) or {}).get(metric))
        if now is None or before is None:
            continue
        change = now - before
        if abs(change) <= _SAME * max(abs(now), abs(before), 1.0):
            change = 0.0
        relative = change / abs(before) if kind not in ("share", "percent") and before else None
        rows.append(
            {
                "section": section,
                "metric": metric,
                "label": label,
                "kind": kind,
                "previous": before,
                "current": now,
                "change": change,
                "change_pct": relative,
                "direction": _direction(change),
            }
        )
    run = previous.get("run") or {}
    return {"previous_run": {"id": run.get("id"), "period": run.get("period")}, "rows": rows}
