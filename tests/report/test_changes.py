"""What changed since the last good run of the same dataset and config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.report.changes import compare_runs, previous_metrics
from helpers.report.summary import _change_rows


def _metrics(revenue: float, profit: float, losing: float, fingerprint: str = "abc") -> dict:
    return {
        "run": {"id": "r1", "dataset": "d", "config_fingerprint": fingerprint, "period": {}},
        "ledger": {"total_revenue": revenue, "total_profit": profit, "loss_making_share": losing},
    }


def test_changes_have_size_and_direction() -> None:
    rows = compare_runs(_metrics(1200.0, 90.0, 0.25), _metrics(1000.0, 100.0, 0.20))["rows"]
    by_metric = {row["metric"]: row for row in rows}
    assert by_metric["total_revenue"]["change"] == pytest.approx(200.0)
    assert by_metric["total_revenue"]["change_pct"] == pytest.approx(0.2)
    assert by_metric["total_revenue"]["direction"] == "up"
    assert by_metric["total_profit"]["direction"] == "down"
    assert by_metric["loss_making_share"]["change"] == pytest.approx(0.05)
    assert by_metric["loss_making_share"]["change_pct"] is None  # shares change in points
    assert set(by_metric) == {"total_revenue", "total_profit", "loss_making_share"}


def test_first_run_has_nothing_to_compare() -> None:
    assert compare_runs(_metrics(1.0, 1.0, 0.1), None) == {"previous_run": None, "rows": []}


def test_only_the_same_dataset_and_config_count(tmp_path: Path) -> None:
    (tmp_path / "run1").mkdir()
    (tmp_path / "run1" / "metrics.json").write_text(json.dumps(_metrics(1.0, 1.0, 0.1)))
    (tmp_path / "latest").symlink_to("run1")
    assert previous_metrics(tmp_path, "d", "abc")["ledger"]["total_revenue"] == 1.0
    assert previous_metrics(tmp_path, "d", "other-config") is None
    assert previous_metrics(tmp_path, "other-dataset", "abc") is None
    assert previous_metrics(tmp_path / "nowhere", "d", "abc") is None


def test_the_summary_table_reads_for_people() -> None:
    changes = compare_runs(_metrics(1_200_000.0, 90.0, 0.25), _metrics(1_000_000.0, 90.0, 0.20))
    rows = {row["label"]: row for row in _change_rows(changes)}
    assert rows["Net revenue"] == {
        "label": "Net revenue", "previous": "1M", "current": "1.2M", "change": "+200k (+20.0%)",
    }  # fmt: skip
    assert rows["Customers losing money"]["change"] == "+5.0 points"
    assert rows["Customer profit"]["change"] == "unchanged"
