"""Report pipeline pieces that need no data: run ids, the lock, publishing, metrics, escaping."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from helpers.config import load_config
from helpers.paths import SAMPLE_CONFIG
from helpers.report import errors, metrics, notebooks, publish, summary


def test_run_id_names_dataset_period_and_time() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert publish.make_run_id("my data", "2024-01-01:2024-12-31", when) == (
        "my-data_2024-01-01-2024-12-31_20260102T030405000006Z"
    )
    assert publish.make_run_id("sample", "", when).startswith("sample_all_")


def test_lock_refuses_a_second_run(tmp_path: Path) -> None:
    with publish.run_lock(tmp_path):
        with pytest.raises(errors.RunLocked, match="another report run holds the lock") as info:
            with publish.run_lock(tmp_path):
                pass
        assert info.value.exit_code == errors.EXIT_CODES["locked"]
    with publish.run_lock(tmp_path):  # released afterwards
        pass


def test_publish_is_atomic_and_repoints_latest(tmp_path: Path) -> None:
    for run_id in ("run-a", "run-b"):
        tmp = tmp_path / f".tmp-{run_id}"
        tmp.mkdir()
        (tmp / "index.html").write_text(run_id)
        publish.publish_run(tmp, tmp_path, run_id)
        assert (tmp_path / "latest" / "index.html").read_text() == run_id
    assert (tmp_path / "run-a" / "index.html").read_text() == "run-a"
    assert not list(tmp_path.glob(".tmp-*")) and not list(tmp_path.glob(".latest-*"))


def _metrics_dir(tmp_path: Path) -> Path:
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "ledger.json").write_text(
        json.dumps(
            {
                "metrics": {"total_revenue": 100.0, "total_profit": 7.5},
                "findings": ["Profit is 7.5."],
            }
        )
    )
    (tmp_path / "metrics" / "pareto.json").write_text(
        json.dumps(
            {"metrics": {"top20_revenue_share": 0.7, "gini_profit": float("nan")}, "findings": []}
        )
    )
    return tmp_path


RUN = {"id": "x", "dataset": "d", "period": {"start": None, "end": None}, "created": "now"}
RECON = {"balanced": True, "ledger_matches_lines": True, "ledger_revenue_difference": 0.0}


def test_metrics_merge_validates_and_is_strict_json(tmp_path: Path) -> None:
    payload = metrics.build_metrics(_metrics_dir(tmp_path), RUN, RECON)
    metrics.validate_metrics(payload)
    assert payload["ledger"]["total_profit"] == 7.5
    assert payload["pareto"]["gini_profit"] is None  # NaN is not JSON
    assert payload["findings"] == {"ledger": ["Profit is 7.5."]}
    json.dumps(payload, allow_nan=False)


def test_schema_rejects_missing_totals(tmp_path: Path) -> None:
    payload = metrics.build_metrics(_metrics_dir(tmp_path), RUN, RECON)
    del payload["ledger"]["total_profit"]
    with pytest.raises(jsonschema.ValidationError, match="total_profit"):
        metrics.validate_metrics(payload)


def test_summary_escapes_data_text(tmp_path: Path) -> None:
    payload = metrics.build_metrics(_metrics_dir(tmp_path), RUN | {"dataset": "<b>x</b>"}, RECON)
    payload["findings"]["ledger"] = ["The most profitable customer is <script>alert(1)</script>."]
    html = summary.write_index(
        tmp_path, payload, load_config(SAMPLE_CONFIG), results=["02-customer-ledger"]
    ).read_text()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>x</b>" not in html
    assert 'href="02-customer-ledger.html"' in html


def test_unknown_notebook_is_bad_input() -> None:
    with pytest.raises(errors.BadInput, match="notebook 'nope': not found"):
        notebooks.report_notebooks(["nope"])


def test_notebooks_start_longest_first_and_results_keep_page_order(tmp_path):
    from helpers.report.notebooks import longest_first

    pages = [tmp_path / f"0{i}-page.ipynb" for i in range(1, 6)]
    last_run = {"01-page": 5.0, "02-page": 30.0, "03-page": 12.0, "05-page": 40.0}
    started = [p.stem for p in longest_first(pages, last_run)]
    assert started == ["05-page", "02-page", "03-page", "01-page", "04-page"]
    # without an earlier run: the later (heavier) pages first
    assert [p.stem for p in longest_first(pages, {})][0] == "05-page"
    assert sorted(longest_first(pages, {})) == sorted(pages)


def test_last_timings_read_from_the_published_run_and_absent_without_one(tmp_path):
    import json

    from helpers.report.run import _last_timings

    assert _last_timings(tmp_path) == {}
    (tmp_path / "latest").mkdir()
    (tmp_path / "latest" / "run.json").write_text("not json")
    assert _last_timings(tmp_path) == {}
    timings = {"notebooks": {"02-customer-ledger": {"total_seconds": 21.0}}}
    (tmp_path / "latest" / "run.json").write_text(json.dumps({"timings": timings}))
    assert _last_timings(tmp_path) == {"02-customer-ledger": 21.0}
