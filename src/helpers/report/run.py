"""Render a report run: ingest and ledger once, notebooks in parallel, publish atomically.

A run renders into ``<out>/.tmp-<run-id>/`` and is renamed to ``<out>/<run-id>/`` only when every
notebook succeeded; ``<out>/latest`` then points to it. A failed run leaves every earlier run
and ``latest`` untouched and keeps its failed executed notebooks in ``<out>/failed/<run-id>/``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import multiprocessing
import os
import platform
import re
import shutil
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import jsonschema
import nbformat
import pandas as pd

from helpers import paths
from helpers.config import ConfigError, load_config, parse_period, resolve_path
from helpers.results import json_safe

__all__ = [
    "EXIT_CODES",
    "RunError",
    "RunLocked",
    "NotebookFailed",
    "report_notebooks",
    "notebook_parameters",
    "run_report",
    "build_metrics",
    "METRICS_SCHEMA",
    "METRICS_SCHEMA_VERSION",
]

#: Exit codes of ``workbook report`` for schedulers (documented in the README).
EXIT_CODES: dict[str, int] = {
    "ok": 0,
    "internal_error": 1,
    "bad_input": 2,  # bad arguments, config or data: nothing was rendered
    "locked": 3,  # another run holds the output folder's lock
    "notebook_failed": 4,  # a notebook raised: its executed copy is kept in <out>/failed/
}
METRICS_SCHEMA = paths.PROJECT_ROOT / "schemas" / "metrics.schema.json"
METRICS_SCHEMA_VERSION = "1.0.0"
_REPORT_PATTERN = re.compile(r"^(0[1-9]|[1-9][0-9])-.+\.ipynb$")  # 00-teaching is not a report page


class RunError(RuntimeError):
    """A run failed; ``exit_code`` says how (see ``EXIT_CODES``)."""

    exit_code = EXIT_CODES["internal_error"]


class RunLocked(RunError):
    exit_code = EXIT_CODES["locked"]


class BadInput(RunError):
    exit_code = EXIT_CODES["bad_input"]


class NotebookFailed(RunError):
    exit_code = EXIT_CODES["notebook_failed"]


@dataclass
class NotebookResult:
    """What one notebook's execution reports back to the run."""

    name: str
    ok: bool
    seconds: float
    compute_seconds: float = 0.0
    error: str = ""
    output: str = ""


@dataclass
class RunTimings:
    stages: dict[str, float] = field(default_factory=dict)
    notebooks: dict[str, dict[str, float]] = field(default_factory=dict)


# ---- notebooks --------------------------------------------------------------------------------
def report_notebooks(names: Sequence[str] | None = None) -> list[Path]:
    """The notebooks of the report set (``01-`` onwards, in reading order), or the named ones."""
    found = sorted(p for p in paths.NOTEBOOKS_DIR.glob("*.ipynb") if _REPORT_PATTERN.match(p.name))
    if not names:
        return found
    chosen = []
    for name in names:
        if str(name).endswith(".ipynb") and Path(name).is_file():  # an explicit path
            chosen.append(Path(name).resolve())
            continue
        stem = Path(name).stem
        match = [
            p
            for p in paths.NOTEBOOKS_DIR.glob("*.ipynb")
            if p.stem == stem or p.stem.startswith(f"{stem}-")
        ]
        if len(match) != 1:
            known = ", ".join(p.stem for p in found)
            raise BadInput(f"notebook {name!r}: not found (known: {known})")
        chosen.append(match[0])
    return chosen


def notebook_parameters(notebook: Path) -> dict[str, dict[str, Any]]:
    """The parameters of a notebook (name → default, type, help) as papermill infers them."""
    import papermill as pm

    return {
        name: {"default": p["default"], "type": p["inferred_type_name"], "help": p["help"]}
        for name, p in pm.inspect_notebook(str(notebook)).items()
    }


def _execute(
    notebook: str, run_dir: str, parameters: dict[str, Any], position: int
) -> NotebookResult:
    """Execute one notebook with papermill (in a worker process); never raises."""
    import papermill as pm

    os.environ.setdefault("MPLBACKEND", "Agg")
    name = Path(notebook).stem
    output = Path(run_dir) / "notebooks" / f"{name}.ipynb"
    t0 = time.perf_counter()
    try:
        nb = pm.execute_notebook(
            notebook,
            str(output),
            parameters=parameters,
            kernel_name="python3",
            cwd=str(paths.NOTEBOOKS_DIR),
            progress_bar=(
                {"desc": f"{name[:28]:<28}", "position": position, "leave": False}
                if position
                else False
            ),
            report_mode=False,
        )
    except pm.PapermillExecutionError as exc:
        return NotebookResult(
            name,
            ok=False,
            seconds=time.perf_counter() - t0,
            error=f"notebook {name}, cell {_source_cell(output, exc.cell_index)}: "
            f"{exc.ename}: {exc.evalue}",
            output=str(output),
        )
    except Exception as exc:  # kernel died, bad notebook JSON, ...
        return NotebookResult(
            name,
            ok=False,
            seconds=time.perf_counter() - t0,
            error=f"notebook {name}: {type(exc).__name__}: {exc}",
            output=str(output),
        )
    compute = sum(c.metadata.get("papermill", {}).get("duration") or 0.0 for c in nb.cells)
    return NotebookResult(name, True, time.perf_counter() - t0, compute, output=str(output))


def _source_cell(executed: Path, index: int) -> int:
    """1-based number of the failing cell in the notebook as stored (the cell papermill injects
    with the run's parameters is not counted), so a reader finds it in JupyterLab."""
    try:
        cells = nbformat.read(executed, as_version=4).cells[:index]
    except (OSError, ValueError):
        return index + 1
    return index + 1 - sum("injected-parameters" in c.metadata.get("tags", []) for c in cells)


def _to_html(executed: Path, out_html: Path) -> None:
    """Render an executed notebook as a standalone HTML page with the code hidden."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    nb = nbformat.read(executed, as_version=4)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": executed.stem}})
    out_html.write_text(body, encoding="utf-8")


# ---- safety -----------------------------------------------------------------------------------
@contextlib.contextmanager
def run_lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive, non-blocking lock on ``out_dir`` for the duration of a run."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lock_path = out_dir / ".lock"
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RunLocked(
                f"{out_dir}: another report run holds the lock ({holder}); try again later"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _publish(tmp: Path, out_dir: Path, run_id: str) -> Path:
    """Rename the finished run into place and repoint ``latest`` atomically."""
    final = out_dir / run_id
    os.rename(tmp, final)
    link_tmp = out_dir / f".latest-{run_id}"
    if link_tmp.is_symlink():
        link_tmp.unlink()
    link_tmp.symlink_to(run_id, target_is_directory=True)
    os.replace(link_tmp, out_dir / "latest")
    return final


# ---- metadata ---------------------------------------------------------------------------------
def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-") or "all"


def make_run_id(dataset: str, period: str, when: datetime) -> str:
    """``<dataset>_<period>_<UTC timestamp>``, e.g. ``sample_2024-01-01-2024-12-31_20260101T120000Z``."""
    return (
        f"{_slug(dataset)}_{_slug(period) if period else 'all'}_{when.strftime('%Y%m%dT%H%M%S%fZ')}"
    )


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def data_fingerprints(config: dict[str, Any]) -> dict[str, str]:
    """SHA-256 of every source file the config names."""
    from glob import glob

    prints: dict[str, str] = {}
    for spec in config.get("tables", {}).values():
        sources = spec.get("path") if isinstance(spec, dict) else spec
        for src in [sources] if isinstance(sources, str) else list(sources or []):
            for p in sorted(glob(str(resolve_path(config, src)))):
                prints[p] = _file_sha256(Path(p))
    return prints


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in (
        "pandas",
        "numpy",
        "duckdb",
        "ibis-framework",
        "papermill",
        "matplotlib",
        "small-clients-big-profit",
    ):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[pkg] = metadata.version(pkg)
    return out


def reconciliation_block(processed: Path, ledger: pd.DataFrame) -> dict[str, Any]:
    """Rows and revenue in = accepted + rejected (from ingest), and ledger totals = order lines."""
    recon = pd.read_csv(processed / "reconciliation.csv")
    lines = pd.read_parquet(processed / "order_lines.parquet", columns=["revenue"])
    block: dict[str, Any] = {"tables": recon.to_dict(orient="records")}
    rows = recon[recon["table"] == "order_lines"]
    if "source_file" in rows and (rows["source_file"] == "(all files)").any():
        rows = rows[rows["source_file"] == "(all files)"]  # several files: their total row
    ol = rows.iloc[0].to_dict() if len(rows) else {}
    for key in ("rows_in", "rows_accepted", "rows_rejected", "rows_unattributed"):
        if key in ol:
            block[key] = int(ol[key])
    for key in ("revenue_in", "revenue_accepted", "revenue_rejected", "revenue_unattributed"):
        if key in ol:
            block[key] = round(float(ol[key]), 2)
    block["ingest_balanced"] = bool(recon["balanced"].all()) if "balanced" in recon else None
    lines_cents = int(round(lines["revenue"].sum() * 100))
    ledger_cents = int(round((ledger["list_revenue"] - ledger["discounts"]).sum() * 100))
    block["ledger_revenue_difference"] = (ledger_cents - lines_cents) / 100
    block["ledger_matches_lines"] = ledger_cents == lines_cents
    block["balanced"] = bool(
        block["ingest_balanced"] is not False and block["ledger_matches_lines"]
    )
    return block


def build_metrics(
    run_dir: Path, run_info: dict[str, Any], reconciliation: dict[str, Any]
) -> dict[str, Any]:
    """Merge every notebook's ``metrics/<section>.json`` into the run's ``metrics.json`` payload."""
    payload: dict[str, Any] = {
        "schema_version": METRICS_SCHEMA_VERSION,
        "run": run_info,
        "reconciliation": reconciliation,
        "findings": {},
    }
    for path in sorted((run_dir / "metrics").glob("*.json")):
        section = json.loads(path.read_text())
        payload.setdefault(path.stem, {}).update(section.get("metrics", {}))
        if section.get("findings"):
            payload["findings"][path.stem] = section["findings"]
    return json_safe(payload)


def validate_metrics(payload: dict[str, Any]) -> None:
    """Validate a metrics payload against the versioned JSON Schema in ``schemas/``."""
    schema = json.loads(METRICS_SCHEMA.read_text())
    jsonschema.validate(payload, schema)


# ---- the run ----------------------------------------------------------------------------------
def run_report(
    config_path: str | Path = "",
    period: str = "",
    out_dir: str | Path = "",
    notebooks: Sequence[str] | None = None,
    jobs: int = 2,
    progress: bool = True,
) -> Path:
    """Render the report set for a dataset and period; return the published run folder.

    Raises ``RunError`` subclasses (``BadInput``, ``RunLocked``, ``NotebookFailed``) whose
    ``exit_code`` a scheduler can act on; nothing under ``out_dir`` changes except on success
    (and the ``failed/`` folder on a notebook failure).
    """
    from tqdm.auto import tqdm

    from helpers.ingest import IngestError
    from helpers.ledger import ledger_metrics
    from helpers.report.workspace import Workspace, config_fingerprint, prepare

    out_dir = Path(out_dir or paths.REPORTS_DIR).resolve()
    try:
        config = load_config(config_path or paths.SAMPLE_CONFIG)
        bounds = parse_period(period)
    except ConfigError as exc:
        raise BadInput(str(exc)) from None
    selected = report_notebooks(notebooks)
    if not selected:
        raise BadInput(f"no report notebooks found in {paths.NOTEBOOKS_DIR}")

    with run_lock(out_dir):
        started = datetime.now(UTC)
        run_id = make_run_id(config["name"], period, started)
        tmp = out_dir / f".tmp-{run_id}"
        tmp.mkdir(parents=True)
        timings = RunTimings()
        try:
            t = time.perf_counter()
            try:
                prepare(config, tmp / "processed")
            except (IngestError, ConfigError) as exc:
                raise BadInput(str(exc)) from None
            timings.stages["ingest"] = time.perf_counter() - t

            t = time.perf_counter()
            ws = Workspace(
                config=config, period=bounds, run_dir=tmp, processed_dir=tmp / "processed"
            )
            ledger = ws.ledger  # computed once, cached as Parquet for every notebook
            ws.record("ledger", ledger_metrics(ledger))  # totals in every run, whatever runs
            timings.stages["ledger"] = time.perf_counter() - t

            t = time.perf_counter()
            params = {
                "config_path": config["_path"],
                "period": period,
                "run_dir": str(tmp),
                "interactive": False,
            }
            (tmp / "notebooks").mkdir()
            results = _run_notebooks(selected, tmp, params, jobs, progress, tqdm)
            timings.stages["notebooks"] = time.perf_counter() - t
            failed = [r for r in results if not r.ok]
            if failed:
                kept = out_dir / "failed" / run_id
                kept.mkdir(parents=True)
                for r in failed:
                    if Path(r.output).exists():
                        shutil.copy2(r.output, kept / Path(r.output).name)
                messages = "; ".join(r.error for r in failed)
                raise NotebookFailed(f"{messages} (executed notebook kept in {kept})")

            t = time.perf_counter()
            for r in results:
                _to_html(Path(r.output), tmp / f"{r.name}.html")
                timings.notebooks[r.name] = {
                    "total_seconds": round(r.seconds, 3),
                    "compute_seconds": round(r.compute_seconds, 3),
                    "kernel_and_overhead_seconds": round(r.seconds - r.compute_seconds, 3),
                }
            timings.stages["html"] = time.perf_counter() - t

            run_info = {
                "id": run_id,
                "dataset": config["name"],
                "period": {"start": _iso(bounds[0]), "end": _iso(bounds[1])},
                "created": started.isoformat(timespec="seconds"),
                "config_fingerprint": config_fingerprint(config),
                "notebooks": [r.name for r in results],
            }
            metrics = build_metrics(tmp, run_info, reconciliation_block(tmp / "processed", ledger))
            try:
                validate_metrics(metrics)
            except jsonschema.ValidationError as exc:
                raise RunError(
                    f"metrics.json does not match {METRICS_SCHEMA.name}: {exc.message}"
                ) from None
            (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2, allow_nan=False))
            timings.stages["total"] = sum(timings.stages.values())
            run_json = {
                "run": run_info,
                "config": {k: v for k, v in config.items() if not k.startswith("_")},
                "config_path": config["_path"],
                "parameters": params | {"run_dir": "<run folder>"},
                "versions": _versions(),
                "data_fingerprints": data_fingerprints(config),
                "timings": {"stages": timings.stages, "notebooks": timings.notebooks},
            }
            (tmp / "run.json").write_text(json.dumps(json_safe(run_json), indent=2, default=str))
            from helpers.report.summary import write_index

            write_index(tmp, metrics, config, results=[r.name for r in results])
            _keep_data_quality(tmp)
            return _publish(tmp, out_dir, run_id)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)


def _keep_data_quality(run_dir: Path) -> None:
    """Keep the ingest's rejects, reconciliation and dictionary in ``data-quality/``; drop the
    canonical tables (a copy of the data does not belong in a report)."""
    processed, keep = run_dir / "processed", run_dir / "data-quality"
    keep.mkdir()
    for name in ("rejects.csv", "reconciliation.csv", "dictionary.csv", "ingest.json"):
        if (processed / name).exists():
            shutil.move(processed / name, keep / name)
    shutil.rmtree(processed)


def _iso(ts: pd.Timestamp | None) -> str | None:
    return None if ts is None else ts.date().isoformat()


def _run_notebooks(
    selected: list[Path], tmp: Path, params: dict[str, Any], jobs: int, progress: bool, tqdm: Any
) -> list[NotebookResult]:
    """Run the notebooks, ``jobs`` at a time, each in its own process and kernel."""
    results: list[NotebookResult] = []
    ctx = multiprocessing.get_context("spawn")
    with (
        ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=ctx) as pool,
        tqdm(
            total=len(selected), desc="report", unit="notebook", disable=not progress, position=0
        ) as bar,
    ):
        futures = {
            pool.submit(
                _execute, str(nb), str(tmp), params, (i % max(1, jobs)) + 1 if progress else 0
            ): nb
            for i, nb in enumerate(selected)
        }
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            bar.set_postfix_str(
                f"{result.name} {'ok' if result.ok else 'FAILED'} {result.seconds:.0f}s"
            )
            bar.update(1)
    order = {nb.stem: i for i, nb in enumerate(selected)}
    return sorted(results, key=lambda r: order[r.name])
