"""What a run records about itself: ``metrics.json``, its schema, the reconciliation, provenance."""

from __future__ import annotations

import contextlib
import hashlib
import json
import platform
from glob import glob
from importlib import metadata
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd

from helpers import paths
from helpers.config import resolve_path
from helpers.results import json_safe

__all__ = [
    "METRICS_SCHEMA",
    "METRICS_SCHEMA_VERSION",
    "build_metrics",
    "validate_metrics",
    "reconciliation_block",
    "data_fingerprints",
    "versions",
]

METRICS_SCHEMA = paths.PROJECT_ROOT / "schemas" / "metrics.schema.json"
METRICS_SCHEMA_VERSION = "1.0.0"
#: the packages whose versions a run records (besides Python)
_VERSIONED = (
    "pandas",
    "numpy",
    "duckdb",
    "ibis-framework",
    "papermill",
    "matplotlib",
    "small-clients-big-profit",
)
_ROW_KEYS = ("rows_in", "rows_accepted", "rows_rejected", "rows_unattributed")
_REVENUE_KEYS = ("revenue_in", "revenue_accepted", "revenue_rejected", "revenue_unattributed")


def build_metrics(
    run_dir: Path, run_info: dict[str, Any], reconciliation: dict[str, Any]
) -> dict[str, Any]:
    """Merge every notebook's ``metrics/<section>.json`` into the run's ``metrics.json`` payload.

    Parameters
    ----------
    run_dir
        The run's folder (its ``metrics/`` holds what the notebooks recorded).
    run_info
        The ``run`` block: id, dataset, period, created, ...
    reconciliation
        The ``reconciliation`` block (:func:`reconciliation_block`).

    Returns
    -------
    dict
        ``schema_version``, ``run``, ``reconciliation``, ``findings`` (section -> sentences) and
        one entry per section with its metrics; strict JSON (NaN and infinities as ``None``).
    """
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
    """Validate a metrics payload against the versioned JSON Schema in ``schemas/``.

    Parameters
    ----------
    payload
        What :func:`build_metrics` returned.

    Raises
    ------
    jsonschema.ValidationError
        When the payload does not match ``METRICS_SCHEMA``.
    """
    schema = json.loads(METRICS_SCHEMA.read_text())
    jsonschema.validate(payload, schema)


def _order_lines_row(recon: pd.DataFrame) -> dict[str, Any]:
    """The ingest's reconciliation row of the order lines (their total row if several files)."""
    rows = recon[recon["table"] == "order_lines"]
    if "source_file" in rows and (rows["source_file"] == "(all files)").any():
        rows = rows[rows["source_file"] == "(all files)"]
    return rows.iloc[0].to_dict() if len(rows) else {}


def reconciliation_block(
    processed: Path,
    ledger: pd.DataFrame,
    period: tuple[pd.Timestamp | None, pd.Timestamp | None] = (None, None),
) -> dict[str, Any]:
    """Rows and revenue in = accepted + rejected (from ingest), and ledger totals = period's lines.

    The ingest's balance is over the whole input (every row read is accepted or rejected); the
    ledger's is over the period: the accepted order lines dated in the period (whole days, as
    the ledger cuts them) against the period's ledger, to the cent.

    Parameters
    ----------
    processed
        The ingest's folder (``reconciliation.csv``, ``order_lines.parquet``).
    ledger
        The run's customer ledger (for ``period``).
    period
        The ledger's window, ``(start, end)``; either side None (open).

    Returns
    -------
    dict
        ``tables`` (the ingest's reconciliation rows); the order lines' ``rows_*`` (counts) and
        ``revenue_*`` (currency, to the cent) where ingest reports them; ``ingest_balanced``
        (None if unknown); ``period`` (start, end: ISO dates or None), ``period_lines`` (accepted
        lines in the period) and ``period_revenue`` (their revenue, currency);
        ``ledger_revenue_difference`` (currency), ``ledger_matches_lines`` and ``balanced``
        (both checks hold).
    """
    from helpers.report.workspace import in_period

    recon = pd.read_csv(processed / "reconciliation.csv")
    lines = pd.read_parquet(processed / "order_lines.parquet", columns=["order_date", "revenue"])
    lines = in_period(lines, "order_date", period)
    block: dict[str, Any] = {"tables": recon.to_dict(orient="records")}
    row = _order_lines_row(recon)
    block |= {key: int(row[key]) for key in _ROW_KEYS if key in row}
    block |= {key: round(float(row[key]), 2) for key in _REVENUE_KEYS if key in row}
    block["ingest_balanced"] = bool(recon["balanced"].all()) if "balanced" in recon else None
    lines_cents = int(round(lines["revenue"].sum() * 100))
    ledger_cents = int(round((ledger["list_revenue"] - ledger["discounts"]).sum() * 100))
    block["period"] = {
        "start": None if period[0] is None else period[0].date().isoformat(),
        "end": None if period[1] is None else period[1].date().isoformat(),
    }
    block["period_lines"] = len(lines)
    block["period_revenue"] = lines_cents / 100
    block["ledger_revenue_difference"] = (ledger_cents - lines_cents) / 100
    block["ledger_matches_lines"] = ledger_cents == lines_cents
    block["balanced"] = bool(
        block["ingest_balanced"] is not False and block["ledger_matches_lines"]
    )
    return block


def _file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def data_fingerprints(config: dict[str, Any]) -> dict[str, str]:
    """SHA-256 of every source file the config names.

    Parameters
    ----------
    config
        The dataset's loaded config (its ``tables`` paths may be globs).

    Returns
    -------
    dict
        Source file path -> hex digest.
    """
    prints: dict[str, str] = {}
    for spec in config.get("tables", {}).values():
        sources = spec.get("path") if isinstance(spec, dict) else spec
        for source in [sources] if isinstance(sources, str) else list(sources or []):
            for path in sorted(glob(str(resolve_path(config, source)))):
                prints[path] = _file_sha256(Path(path))
    return prints


def versions() -> dict[str, str]:
    """Versions of Python and of the packages a run depends on.

    Returns
    -------
    dict
        ``python`` and each installed package of the run's stack -> version string.
    """
    out = {"python": platform.python_version()}
    for package in _VERSIONED:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[package] = metadata.version(package)
    return out
