"""Render a report run: ingest and ledger once, notebooks in parallel, publish atomically.

A run renders into ``<out>/.tmp-<run-id>/`` and is renamed to ``<out>/<run-id>/`` only when every
notebook succeeded; ``<out>/latest`` then points to it. A failed run leaves every earlier run
and ``latest`` untouched and keeps its failed executed notebooks in ``<out>/failed/<run-id>/``.

:func:`run_report` delegates to the run's steps, in order: :func:`_prepare_data` (ingest, ledger),
:func:`_execute_notebooks` (papermill, then :func:`_raise_for_failures`), :func:`_write_pages`
(HTML), :func:`_write_metrics`, :func:`_write_run_json`, the index page, then publishing.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd

from helpers import paths
from helpers.config import RELATIVE_PERIODS, ConfigError, load_config, parse_period, resolve_period
from helpers.report.changes import compare_runs, previous_metrics
from helpers.report.errors import (
    EXIT_CODES,
    BadInput,
    NotebookFailed,
    RunError,
    RunInterrupted,
    RunLocked,
)
from helpers.report.metrics import (
    METRICS_SCHEMA,
    build_metrics,
    data_fingerprints,
    reconciliation_block,
    validate_metrics,
    versions,
)
from helpers.report.notebooks import (
    NotebookResult,
    longest_first,
    report_notebooks,
    run_notebooks,
    to_html,
)
from helpers.report.publish import (
    claim_run_folder,
    keep_data_quality,
    make_run_id,
    publish_run,
    remove_stale_runs,
    run_lock,
)
from helpers.results import json_safe

__all__ = [
    "EXIT_CODES",
    "RunError",
    "BadInput",
    "RunLocked",
    "NotebookFailed",
    "RunInterrupted",
    "RunTimings",
    "run_report",
]


@dataclass
class RunTimings:
    """Where a run's time went (seconds).

    Attributes
    ----------
    stages
        Stage -> seconds: ``ingest``, ``ledger``, ``notebooks``, ``html``, ``total``.
    notebooks
        Notebook -> ``total_seconds``, ``compute_seconds``, ``kernel_and_overhead_seconds``.
    """

    stages: dict[str, float] = field(default_factory=dict)
    notebooks: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class _Run:
    """One run in progress: its inputs, its temporary folder and what it has measured.

    ``period`` is the period as asked (``last-month``, ``2024-03-01:2024-03-31``, ...);
    ``resolved`` and ``bounds`` are what it stands for, set once the data's dates are known.
    """

    config: dict[str, Any]
    period: str
    as_of: str
    out_dir: Path
    run_id: str
    started: datetime
    tmp: Path
    resolved: str = ""
    bounds: tuple[pd.Timestamp | None, pd.Timestamp | None] = (None, None)
    coverage: dict[str, Any] = field(default_factory=dict)
    timings: RunTimings = field(default_factory=RunTimings)

    @property
    def parameters(self) -> dict[str, Any]:
        """The parameters every notebook of the run gets (the period resolved to ISO dates)."""
        return {
            "config_path": self.config["_path"],
            "period": self.resolved,
            "run_dir": str(self.tmp),
            "interactive": False,
        }


@contextlib.contextmanager
def _timed(run: _Run, stage: str) -> Iterator[None]:
    """Record the seconds the block takes as ``stage`` (when it completes)."""
    began = time.perf_counter()
    yield
    run.timings.stages[stage] = time.perf_counter() - began


def _iso(timestamp: pd.Timestamp | None) -> str | None:
    """The date of a period bound in ISO format (None: open)."""
    return None if timestamp is None else timestamp.date().isoformat()


def _check_as_of(as_of: str) -> str:
    """``as_of`` as given when it is ``""``, ``today``, ``data`` or an ISO date; else BadInput."""
    if as_of in ("", "today", "data"):
        return as_of
    try:
        parse_period(f"{as_of}:")
    except ConfigError:
        raise BadInput(f"--as-of {as_of!r}: expected today, data or an ISO date") from None
    return as_of


def _load_inputs(config_path: str | Path, period: str) -> dict[str, Any]:
    """The dataset's config, the period's syntax checked; a bad one is :class:`BadInput`."""
    try:
        config = load_config(config_path or paths.SAMPLE_CONFIG)
        if period.strip() not in RELATIVE_PERIODS:
            parse_period(period)
    except ConfigError as exc:
        raise BadInput(str(exc)) from None
    return config


def _covered(first: pd.Timestamp | None, last: pd.Timestamp | None) -> str:
    """What the accepted order lines cover, in words."""
    if first is None or last is None:
        return "no dates"
    return f"{first.date()} to {last.date()}"


def _resolve_period(run: _Run, processed: Path) -> None:
    """Resolve the asked period against the data; stop with BadInput when it selects nothing.

    A relative period is resolved as of ``run.as_of``: today (UTC) by default, ``data`` for the
    day after the last accepted order date, or an ISO date.
    """
    from helpers.report.workspace import in_period

    lines = pd.read_parquet(processed / "order_lines.parquet", columns=["order_date"])
    dates = pd.to_datetime(lines["order_date"]).dropna()
    first, last = (dates.min(), dates.max()) if len(dates) else (None, None)
    anchor = None
    if run.as_of == "data" and last is not None:
        anchor = (last + pd.Timedelta(days=1)).date()
    elif run.as_of not in ("", "today", "data"):
        anchor = pd.Timestamp(run.as_of).date()
    run.resolved = resolve_period(run.period, anchor)
    run.bounds = parse_period(run.resolved)
    selected = len(in_period(lines, "order_date", run.bounds))
    run.coverage = {
        "asked": run.period,
        "as_of": (anchor or datetime.now(UTC).date()).isoformat(),
        "data_first": _iso(first),
        "data_last": _iso(last),
        "lines_in_period": selected,
    }
    if not len(lines):
        _keep_rejects(run, processed)
        raise BadInput(
            f"{run.config['name']}: no order line was accepted, so there is nothing to report "
            f"(period asked: {run.period or 'all'}; the accepted data covers no dates; the "
            f"rejected rows and their reasons are kept in {run.out_dir / 'failed' / run.run_id})"
        )
    if not selected:
        start, end = (_iso(bound) or "…" for bound in run.bounds)
        raise BadInput(
            f"{run.config['name']}: period {start} to {end} (asked: {run.period}) selects no "
            f"order lines; the data covers {_covered(first, last)} ({len(lines):,} accepted "
            "lines); nothing rendered"
        )


def _keep_rejects(run: _Run, processed: Path) -> None:
    """Copy the ingest's rejects and reconciliation into ``<out>/failed/<run-id>/``."""
    kept = run.out_dir / "failed" / run.run_id
    kept.mkdir(parents=True, exist_ok=True)
    for name in ("rejects.csv", "reconciliation.csv"):
        if (processed / name).exists():
            shutil.copy2(processed / name, kept / name)


def _prepare_data(run: _Run) -> pd.DataFrame:
    """Ingest the dataset into the run, resolve the period and build its ledger; return it.

    The ledger's totals are recorded in every run, whatever notebooks run.
    """
    from helpers.ingest import IngestError
    from helpers.ledger import ledger_metrics
    from helpers.report.workspace import Workspace, prepare

    processed = run.tmp / "processed"
    with _timed(run, "ingest"):
        try:
            prepare(run.config, processed)
        except (IngestError, ConfigError) as exc:
            raise BadInput(str(exc)) from None
    _resolve_period(run, processed)
    with _timed(run, "ledger"):
        workspace = Workspace(
            config=run.config, period=run.bounds, run_dir=run.tmp, processed_dir=processed
        )
        ledger = workspace.ledger  # computed once, cached as Parquet for every notebook
        workspace.record("ledger", ledger_metrics(ledger))
    return ledger


def _keep_failed(kept: Path, failed: list[NotebookResult]) -> str:
    """Keep the failures' errors (``errors.txt``) and executed notebooks; say what could not be.

    The errors are written first and are small: they survive a disk too full for the notebooks.
    A notebook that cannot be copied whole is not left half-written.
    """
    problems = []
    try:
        kept.mkdir(parents=True, exist_ok=True)
        (kept / "errors.txt").write_text("".join(f"{result.error}\n" for result in failed))
    except OSError as exc:
        return f"; could not keep anything in {kept}: {exc.strerror or exc}"
    for result in failed:
        target = kept / Path(result.output).name
        try:
            if Path(result.output).exists():
                shutil.copy2(result.output, target)
        except OSError as exc:
            target.unlink(missing_ok=True)
            problems.append(f"{target.name}: {exc.strerror or exc}")
    if problems:
        return f"; errors kept in {kept / 'errors.txt'}, not the notebook ({'; '.join(problems)})"
    return f" (executed notebook kept in {kept})"


def _raise_for_failures(run: _Run, results: list[NotebookResult]) -> None:
    """Keep the failed notebooks in ``<out>/failed/<run-id>/`` and raise :class:`NotebookFailed`.

    The notebooks' own errors are in the message whatever could be kept.
    """
    failed = [result for result in results if not result.ok]
    if not failed:
        return
    kept = _keep_failed(run.out_dir / "failed" / run.run_id, failed)
    messages = "; ".join(result.error for result in failed)
    raise NotebookFailed(f"{messages}{kept}")


def _execute_notebooks(
    run: _Run, selected: list[Path], jobs: int, progress: bool
) -> list[NotebookResult]:
    """Execute the selected notebooks into the run; raise if any failed."""
    with _timed(run, "notebooks"):
        (run.tmp / "notebooks").mkdir()
        timeout = (run.config.get("report") or {}).get("cell_timeout_seconds")
        first = longest_first(selected, _last_timings(run.out_dir))
        page = ([notebook.stem for notebook in selected], run.config["name"])
        results = run_notebooks(first, run.tmp, run.parameters, jobs, progress, timeout, page)
        order = {notebook.stem: index for index, notebook in enumerate(selected)}
        results = sorted(results, key=lambda result: order[result.name])
    _raise_for_failures(run, results)
    return results


def _last_timings(out_dir: Path) -> dict[str, float]:
    """Each notebook's seconds in the last published run of ``out_dir`` (empty without one)."""
    try:
        timings = json.loads((Path(out_dir) / "latest" / "run.json").read_text())["timings"]
        return {name: float(t["total_seconds"]) for name, t in timings["notebooks"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _write_pages(run: _Run, results: list[NotebookResult]) -> None:
    """Every executed notebook's HTML page (those the workers did not write), and its timings."""
    with _timed(run, "html"):
        stems = [result.name for result in results]
        for result in results:
            html = run.tmp / f"{result.name}.html"
            if not html.exists():
                to_html(Path(result.output), html, stems, run.config["name"])
            run.timings.notebooks[result.name] = {
                "total_seconds": round(result.seconds, 3),
                "compute_seconds": round(result.compute_seconds, 3),
                "kernel_and_overhead_seconds": round(result.seconds - result.compute_seconds, 3),
            }


def _run_info(run: _Run, results: list[NotebookResult]) -> dict[str, Any]:
    """The ``run`` block of ``metrics.json`` and ``run.json``."""
    from helpers.ingest.pipeline import currency_of
    from helpers.report.workspace import config_fingerprint

    return {
        "id": run.run_id,
        "dataset": run.config["name"],
        "currency": currency_of(run.config, run.tmp / "processed"),
        "period": {"start": _iso(run.bounds[0]), "end": _iso(run.bounds[1])} | run.coverage,
        "created": run.started.isoformat(timespec="seconds"),
        "config_fingerprint": config_fingerprint(run.config),
        "notebooks": [result.name for result in results],
    }


def _year_earlier(run: _Run, metrics: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ledger's headline figures against the same period a year earlier (None: no such data).

    Only the ledger is rebuilt for the earlier period (seconds): the analyses are not re-run.
    """
    from helpers.ledger import build_ledger, ledger_metrics
    from helpers.report.changes import LEDGER_HEADLINES, year_earlier_period

    earlier = year_earlier_period(*run.bounds, run.coverage.get("data_first"))
    if earlier is None:
        return None
    with _timed(run, "year_earlier"):
        ledger = build_ledger(run.tmp / "processed", run.config, period=earlier)
    if not len(ledger):
        return None
    compared = compare_runs(metrics, {"ledger": ledger_metrics(ledger)}, LEDGER_HEADLINES)
    period = {"start": _iso(earlier[0]), "end": _iso(earlier[1])}
    return {"period": period, "rows": compared["rows"]}


def _write_metrics(run: _Run, run_info: dict[str, Any], ledger: pd.DataFrame) -> dict[str, Any]:
    """Merge, validate and write ``metrics.json``; return its payload.

    Raises :class:`RunError` when the payload does not match the metrics schema.
    """
    reconciliation = reconciliation_block(run.tmp / "processed", ledger, run.bounds)
    metrics = build_metrics(run.tmp, run_info, reconciliation)
    previous = previous_metrics(run.out_dir, run_info["dataset"], run_info["config_fingerprint"])
    metrics["changes"] = compare_runs(metrics, previous)
    metrics["changes"]["year_earlier"] = _year_earlier(run, metrics)
    try:
        validate_metrics(metrics)
    except jsonschema.ValidationError as exc:
        raise RunError(
            f"metrics.json does not match {METRICS_SCHEMA.name}: {exc.message}"
        ) from None
    (run.tmp / "metrics.json").write_text(json.dumps(metrics, indent=2, allow_nan=False))
    return metrics


def _write_run_json(run: _Run, run_info: dict[str, Any]) -> None:
    """Write ``run.json``: the config, parameters, versions, data fingerprints and timings."""
    run.timings.stages["total"] = sum(run.timings.stages.values())
    run_json = {
        "run": run_info,
        "config": {k: v for k, v in run.config.items() if not k.startswith("_")},
        "config_path": run.config["_path"],
        "parameters": run.parameters | {"run_dir": "<run folder>"},
        "versions": versions(),
        "data_fingerprints": data_fingerprints(run.config),
        "timings": {"stages": run.timings.stages, "notebooks": run.timings.notebooks},
    }
    (run.tmp / "run.json").write_text(json.dumps(json_safe(run_json), indent=2, default=str))


def _render(run: _Run, selected: list[Path], jobs: int, progress: bool) -> None:
    """Every step of a run, in order, into its temporary folder."""
    from helpers.report.summary import write_index

    ledger = _prepare_data(run)
    results = _execute_notebooks(run, selected, jobs, progress)
    _write_pages(run, results)
    run_info = _run_info(run, results)
    metrics = _write_metrics(run, run_info, ledger)
    _write_run_json(run, run_info)
    from helpers.ledger.scale import median_order_value, resolve_amounts

    used = resolve_amounts(run.config, median_order_value(run.tmp / "processed"))
    write_index(run.tmp, metrics, used, results=[result.name for result in results])
    keep_data_quality(run.tmp)


def _raise_interrupted(signum: int, frame: Any) -> None:
    """Turn SIGTERM or SIGINT into :class:`RunInterrupted`; a second signal waits its turn."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise RunInterrupted(signum)


@contextlib.contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """SIGTERM and SIGINT raise :class:`RunInterrupted` inside the block (main thread only).

    The exception unwinds the run: its workers and kernels are stopped (see
    :func:`~helpers.report.notebooks.run_notebooks`) and its temporary folder removed.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    for sig in previous:
        signal.signal(sig, _raise_interrupted)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_report(
    config_path: str | Path = "",
    period: str = "",
    out_dir: str | Path = "",
    notebooks: Sequence[str] | None = None,
    jobs: int = 2,
    progress: bool = True,
    as_of: str = "",
) -> Path:
    """Render the report set for a dataset and period; return the published run folder.

    Nothing under ``out_dir`` changes except on success (and ``failed/`` on a failure).

    Parameters
    ----------
    config_path
        The dataset's YAML config; empty means the sample world.
    period
        ``"START:END"`` (ISO dates, either side may be empty) or a relative period.
    out_dir
        The output folder (default ``reports/``); the run goes to ``out_dir/<run-id>/``.
    notebooks
        Names or numbers of notebooks (default: the report set).
    jobs
        Notebooks rendered in parallel.
    progress
        Progress bars (else one line per notebook).
    as_of
        The day a relative period is resolved against: ``""`` or ``"today"`` (UTC), ``"data"``
        (the day after the data's last order date) or an ISO date.

    Returns
    -------
    pathlib.Path
        The published run folder (``out_dir/latest`` points to it).

    Raises
    ------
    BadInput
        When the config, period, notebook names or data are bad, when no order line was
        accepted or the period selects none (nothing rendered).
    RunLocked
        When another run holds ``out_dir``'s lock.
    NotebookFailed
        When a notebook raised or a cell ran past ``report.cell_timeout_seconds`` (its executed
        copy and the error are kept in ``out_dir/failed/<run-id>/``).
    RunInterrupted
        When SIGTERM or SIGINT stopped the run (workers, kernels and the temporary folder gone).
    RunError
        When the metrics do not match their schema.
    """
    out_dir = Path(out_dir or paths.REPORTS_DIR).resolve()
    config = _load_inputs(config_path, period)
    as_of = _check_as_of(as_of)
    selected = report_notebooks(notebooks)
    if not selected:
        raise BadInput(f"no report notebooks found in {paths.NOTEBOOKS_DIR}")
    run = _new_run(config, period, as_of, out_dir)
    with run_lock(out_dir, run.run_id):
        return _render_and_publish(run, selected, jobs, progress)


def _new_run(config: dict[str, Any], period: str, as_of: str, out_dir: Path) -> _Run:
    """A run starting now; its id names the period resolved where the data is not needed."""
    started = datetime.now(UTC)
    anchor = None if as_of in ("", "today", "data") else pd.Timestamp(as_of).date()
    label = period if as_of == "data" else resolve_period(period, anchor)
    run_id = make_run_id(config["name"], label, started)
    return _Run(config, period, as_of, out_dir, run_id, started, out_dir / f".tmp-{run_id}")


def _render_and_publish(run: _Run, selected: list[Path], jobs: int, progress: bool) -> Path:
    """Under the lock: clear dead runs' folders, render, publish; the temporary folder goes."""
    remove_stale_runs(run.out_dir)
    claim_run_folder(run.tmp)
    try:
        with _stopped_by_signals():
            _render(run, selected, jobs, progress)
            return publish_run(run.tmp, run.out_dir, run.run_id)
    finally:
        if run.tmp.exists():
            shutil.rmtree(run.tmp, ignore_errors=True)
