"""The one door through which a notebook reaches its data, its ledger and its output folder.

Under the report pipeline, ``run_dir`` is the run's (temporary) folder, already holding the
canonical tables and the ledger in ``run_dir/processed``. In JupyterLab, with ``run_dir`` left
empty, the workspace prepares the dataset once into ``data/processed/<name>/`` and reuses it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from helpers import paths
from helpers.config import load_config, parse_period, resolve_path
from helpers.results import json_safe

__all__ = ["Workspace", "open_workspace", "prepare", "config_fingerprint"]


def config_fingerprint(config: dict[str, Any]) -> str:
    """A short hash of the config and of the size and mtime of every source file it names."""
    h = hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode())
    for spec in config.get("tables", {}).values():
        sources = spec.get("path") if isinstance(spec, dict) else spec
        for src in [sources] if isinstance(sources, str) else sources or []:
            p = resolve_path(config, src)
            if p.exists():
                st = p.stat()
                h.update(f"{p}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:12]


def prepare(config: dict[str, Any], processed_dir: Path) -> Path:
    """Ingest the dataset into ``processed_dir`` unless it already holds this config's tables."""
    from helpers import ingest

    processed_dir = Path(processed_dir)
    stamp = processed_dir / "fingerprint.txt"
    fp = config_fingerprint(config)
    if stamp.exists() and stamp.read_text().strip() == fp:
        return processed_dir
    ingest.ingest_dataset(config, processed_dir)
    stamp.write_text(fp)
    return processed_dir


@dataclass
class Workspace:
    """Data in, results out, for one notebook run."""

    config: dict[str, Any]
    period: tuple[pd.Timestamp | None, pd.Timestamp | None]
    run_dir: Path
    processed_dir: Path
    _tables: dict[str, pd.DataFrame | None] = field(default_factory=dict, repr=False)

    # ---- inputs -------------------------------------------------------------------------
    def has(self, name: str) -> bool:
        """Whether the dataset has canonical table ``name``."""
        return (self.processed_dir / f"{name}.parquet").exists()

    def table(self, name: str) -> pd.DataFrame | None:
        """Canonical table ``name`` (whole history, no period filter), or None if absent."""
        if name not in self._tables:
            p = self.processed_dir / f"{name}.parquet"
            self._tables[name] = pd.read_parquet(p) if p.exists() else None
        return self._tables[name]

    @property
    def period_label(self) -> str:
        start, end = self.period
        return f"{start.date() if start else '…'} to {end.date() if end else '…'}"

    @cached_property
    def ledger(self) -> pd.DataFrame:
        """The customer ledger for the workspace's period (built once, cached as Parquet; the
        cache is written atomically, so notebooks running side by side never read half a file)."""
        start, end = self.period
        key = f"{start.date() if start else 'all'}_{end.date() if end else 'all'}"
        cached = self.processed_dir / f"ledger_{key}.parquet"
        if cached.exists():
            return pd.read_parquet(cached)
        from helpers.ledger import build_ledger  # the engine (Ibis, DuckDB) loads only when needed

        ledger = build_ledger(self.processed_dir, self.config, period=self.period)
        tmp = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
        ledger.to_parquet(tmp)
        os.replace(tmp, cached)
        return ledger

    # ---- outputs ------------------------------------------------------------------------
    @property
    def figures_dir(self) -> Path:
        return self.run_dir / "figures"

    @property
    def exports_dir(self) -> Path:
        return self.run_dir / "exports"

    def record(
        self, section: str, metrics: dict[str, Any], findings: list[str] | None = None
    ) -> None:
        """Save a notebook's headline numbers (and its computed finding sentences) for the
        run's ``metrics.json`` and executive summary; merged into ``run_dir/metrics/<section>.json``."""
        out = self.run_dir / "metrics" / f"{section}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        current = json.loads(out.read_text()) if out.exists() else {"metrics": {}, "findings": []}
        current["metrics"].update(json_safe(metrics))
        for sentence in findings or []:
            if sentence not in current["findings"]:
                current["findings"].append(sentence)
        out.write_text(json.dumps(current, indent=2, default=_json_default, allow_nan=False))

    def save_figure(self, fig: Any, name: str) -> Path:
        """Save a matplotlib figure as PNG and SVG in the run's ``figures/`` folder."""
        self.figures_dir.mkdir(parents=True, exist_ok=True)
        png = self.figures_dir / f"{name}.png"
        fig.savefig(png, dpi=110, bbox_inches="tight")
        fig.savefig(png.with_suffix(".svg"), bbox_inches="tight")
        return png

    def export(self, frame: pd.DataFrame, name: str) -> list[Path]:
        """Write an action list as CSV and Excel (formulas neutralised) in ``exports/``."""
        from helpers.exports import write_table

        return write_table(frame, self.exports_dir / name)


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def open_workspace(
    config_path: str | Path = "",
    period: str = "",
    run_dir: str | Path = "",
) -> Workspace:
    """Open the data of a notebook run.

    Parameters
    ----------
    config_path
        The dataset's YAML config; empty means the embedded sample world.
    period
        ``"START:END"`` in ISO dates (either side may be empty) for the ledger's window.
    run_dir
        The report run's folder (set by the pipeline); empty for interactive use.
    """
    config = load_config(config_path or paths.SAMPLE_CONFIG)
    name = config["name"]
    if run_dir:
        run = Path(run_dir)
        processed = run / "processed"
        if not (processed / "order_lines.parquet").exists():
            prepare(config, processed)
    else:
        base = paths.PROCESSED_DIR / name
        processed = prepare(config, base / "tables")
        run = base / "interactive"
    run.mkdir(parents=True, exist_ok=True)
    return Workspace(
        config=config, period=parse_period(period), run_dir=run, processed_dir=processed
    )
