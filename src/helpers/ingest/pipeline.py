"""Ingest and validate a dataset's raw exports into canonical Parquet tables, losing nothing.

A dataset config maps each canonical table (``helpers.schema``) to source file(s), column names
and parse options. Row-level problems (an unparseable number or date, a negative price, a zero
quantity...) send the row to the rejects with a reason; file-level problems (missing file, empty
file, missing column, undecodable bytes...) raise :class:`IngestError` naming file, row, column,
value and what was expected. A reconciliation table proves rows and revenue in = accepted +
rejected, to the cent.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from helpers import schema
from helpers.exports import neutralise_formulas
from helpers.ingest.columns import config_name
from helpers.ingest.errors import IngestError
from helpers.ingest.keys import check_keys, key_findings
from helpers.ingest.loading import LoadedTable, load_sources
from helpers.ingest.quality import dictionary_rows, reconciliation_findings, table_findings
from helpers.ingest.reconciliation import reconciliation_frame
from helpers.ingest.rejects import REJECT_COLUMNS

__all__ = ["IngestResult", "currency_of", "ingest_dataset", "read_outputs"]


@dataclass
class IngestResult:
    """What :func:`ingest_dataset` produced (also written to ``out_dir``).

    Attributes
    ----------
    tables : dict of str to pandas.DataFrame
        Accepted rows per canonical table, with the schema's columns and dtypes (order lines:
        amounts in currency units of the export). Order lines read in chunks (a file larger
        than ``ingest.chunk_mb``) are not held in memory: their frame here is empty (the
        schema's columns) and the whole table is in ``<out_dir>/order_lines.parquet``.
    rejects : pandas.DataFrame
        Rejected rows with ``REJECT_COLUMNS``.
    reconciliation : pandas.DataFrame
        Rows and revenue in, accepted and rejected per file (``RECONCILIATION_COLUMNS``).
    quality : list of str
        Data-quality findings as sentences.
    dictionary : pandas.DataFrame
        The data dictionary: table, column, source_column, dtype, non_null, example.
    summary : dict
        What ``ingest.json`` holds: config, name, seconds, balanced, tables, reconciliation,
        quality, keys (ids without a row in the table they point to, see
        :func:`helpers.ingest.keys.check_keys`).
    """

    tables: dict[str, pd.DataFrame]
    rejects: pd.DataFrame
    reconciliation: pd.DataFrame
    quality: list[str]
    dictionary: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)


def _check_tables(config: Mapping[str, Any]) -> Mapping[str, Any]:
    """The config's ``tables``: every name canonical, every required table present."""
    tables = config.get("tables") or {}
    if not isinstance(tables, Mapping):
        raise IngestError(f"{config_name(config)}: 'tables' must map table names to sources")
    for name in tables:
        if name not in schema.CANONICAL:
            raise IngestError(
                f"{config_name(config)}: tables.{name}: unknown table {name!r} (expected one of: "
                f"{', '.join(schema.CANONICAL)})"
            )
    for name in schema.REQUIRED_TABLES:
        if name not in tables:
            raise IngestError(f"{config_name(config)}: tables: no {name!r} source (it is required)")
    return tables


def _write_atomic(path: Path, writer: Callable[[Path], Any]) -> None:
    """Write through a temporary file renamed into place (no half-written outputs)."""
    tmp = path.with_name(f".{path.name}.tmp")
    writer(tmp)
    os.replace(tmp, path)


def _write_tables(out_dir: Path, loaded: Mapping[str, LoadedTable]) -> None:
    """``<table>.parquet`` for each table loaded; a stale one of a table not loaded is removed."""
    for name, table in loaded.items():
        if table.parquet is not None:  # read in chunks: already written whole
            os.replace(table.parquet, out_dir / f"{name}.parquet")
            continue
        _write_atomic(
            out_dir / f"{name}.parquet",
            lambda path, frame=table.frame: frame.to_parquet(path, index=False),
        )
    for name in schema.CANONICAL:
        stale = out_dir / f"{name}.parquet"
        if name not in loaded and stale.exists():
            stale.unlink()


def _write_frames(
    out_dir: Path, loaded: Mapping[str, LoadedTable], frames: Mapping[str, pd.DataFrame]
) -> None:
    """The tables as Parquet and each frame as ``<stem>.csv``, formulas neutralised."""
    _write_tables(out_dir, loaded)
    for stem, frame in frames.items():
        _write_atomic(
            out_dir / f"{stem}.csv",
            lambda path, frame=frame: neutralise_formulas(frame).to_csv(path, index=False),
        )


def _summary(
    config: Mapping[str, Any],
    loaded: Mapping[str, LoadedTable],
    recon: pd.DataFrame,
    quality: list[str],
    seconds: float,
) -> dict[str, Any]:
    """What ``ingest.json`` records: the run, per-table counts and file detection, findings."""
    return {
        "config": str(config.get("_path", "")),
        "name": config.get("name"),
        "seconds": round(seconds, 3),
        "balanced": bool(recon["balanced"].all()),
        "tables": {
            name: {
                "rows_accepted": table.rows_accepted,
                "rows_rejected": len(table.rejects),
                "files": [file.meta for file in table.files],
            }
            for name, table in loaded.items()
        },
        "reconciliation": json.loads(recon.to_json(orient="records")),
        "quality": quality,
    }


def ingest_dataset(config: Mapping[str, Any], out_dir: Path) -> IngestResult:
    """Read every table of a dataset config, validate, and write canonical tables to ``out_dir``.

    Writes ``<table>.parquet`` for each table present, ``rejects.csv``, ``reconciliation.csv``,
    ``dictionary.csv`` (the data dictionary) and ``ingest.json`` (summary, detection, quality
    findings). Nothing is written if a file-level problem raises :class:`IngestError`.

    Parameters
    ----------
    config
        The whole (merged) dataset config (``helpers.config.load_config``): ``tables``, parse
        defaults under ``ingest``, ``assumptions``, ``_path`` and ``_dir``.
    out_dir
        Folder for the outputs (created if needed).

    Returns
    -------
    IngestResult
        The accepted tables, rejects, reconciliation, quality findings, data dictionary and
        summary, as written.

    Raises
    ------
    IngestError
        When ``tables`` is malformed, names an unknown table or lacks a required one, or a
        file-level problem stops a file (see :func:`helpers.ingest.loading.load_sources`).
    """
    start = time.perf_counter()
    tables = _check_tables(config)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir.parent, prefix=f".{out_dir.name}-ingest-") as work:
        return _ingest(config, tables, out_dir, Path(work), start)


def _ingest(
    config: Mapping[str, Any],
    tables: Mapping[str, Any],
    out_dir: Path,
    work: Path,
    start: float,
) -> IngestResult:
    """:func:`ingest_dataset` with a folder for intermediate files (a table read in chunks)."""
    loaded = {name: load_sources(spec, name, config, work) for name, spec in tables.items()}
    recon = reconciliation_frame(loaded.values())
    quality = [sentence for table in loaded.values() for sentence in table_findings(table, config)]
    links = check_keys(loaded)
    quality += key_findings(links)
    quality += reconciliation_findings(recon)
    rejects = pd.concat([table.rejects for table in loaded.values()], ignore_index=True)
    rejects = rejects[list(REJECT_COLUMNS)]
    dictionary = pd.DataFrame([row for table in loaded.values() for row in dictionary_rows(table)])
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_frames(
        out_dir, loaded, {"rejects": rejects, "reconciliation": recon, "dictionary": dictionary}
    )
    summary = _summary(config, loaded, recon, quality, time.perf_counter() - start)
    summary["keys"] = links
    _write_atomic(
        out_dir / "ingest.json",
        lambda path: path.write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8"),
    )
    return IngestResult(
        tables={name: table.frame for name, table in loaded.items()},
        rejects=rejects.reset_index(drop=True),
        reconciliation=recon,
        quality=quality,
        dictionary=dictionary,
        summary=summary,
    )


def read_outputs(processed_dir: Path) -> IngestResult:
    """Read back what :func:`ingest_dataset` wrote (tables are not loaded: see the workspace).

    Parameters
    ----------
    processed_dir
        The folder :func:`ingest_dataset` wrote to.

    Returns
    -------
    IngestResult
        No tables; rejects as text (empty strings, not NaN), the reconciliation, quality
        findings, data dictionary and summary as written.
    """
    processed_dir = Path(processed_dir)
    summary = json.loads((processed_dir / "ingest.json").read_text(encoding="utf-8"))
    return IngestResult(
        tables={},
        rejects=pd.read_csv(processed_dir / "rejects.csv", dtype=str, keep_default_na=False),
        reconciliation=pd.read_csv(processed_dir / "reconciliation.csv"),
        quality=list(summary.get("quality", [])),
        dictionary=pd.read_csv(processed_dir / "dictionary.csv"),
        summary=summary,
    )


def currency_of(config: Mapping[str, Any], processed_dir: Path | None = None) -> str | None:
    """The currency every amount of the report is labelled with.

    Parameters
    ----------
    config
        The dataset config; its ``currency`` (a code or symbol) wins.
    processed_dir
        The folder of the ingested tables: without a configured currency, the one currency mark
        the order lines' amounts carried in the export (``ingest.json``, e.g. "€" or "USD").

    Returns
    -------
    str or None
        None when neither says (the report then writes amounts without a unit), or when the
        export carries more than one mark.
    """
    if config.get("currency"):
        return str(config["currency"])
    path = Path(processed_dir) / "ingest.json" if processed_dir else None
    if path is None or not path.exists():
        return None
    summary = json.loads(path.read_text(encoding="utf-8"))
    files = summary.get("tables", {}).get("order_lines", {}).get("files", [])
    marks = {mark for f in files for found in (f.get("currency") or {}).values() for mark in found}
    return marks.pop() if len(marks) == 1 else None
