"""The one door through which a notebook reaches its data, its ledger and its output folder.

Under the report pipeline, ``run_dir`` is the run's (temporary) folder, already holding the
canonical tables and the ledger in ``run_dir/processed``. In JupyterLab, with ``run_dir`` left
empty, the workspace prepares the dataset once into ``data/processed/<name>/`` and reuses it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from helpers import paths
from helpers.config import load_config, parse_period, resolve_path
from helpers.results import json_safe

__all__ = [
    "dataset_folder",
    "Workspace",
    "open_workspace",
    "prepare",
    "config_fingerprint",
    "in_period",
    "PERIOD_COLUMNS",
]

#: the date column by which each dated canonical table is cut to a period
PERIOD_COLUMNS = {
    "order_lines": "order_date",
    "activities": "date",
    "acquisition_spend": "month",
    "opportunities": "date",
}


def in_period(
    frame: pd.DataFrame, column: str, period: tuple[pd.Timestamp | None, pd.Timestamp | None]
) -> pd.DataFrame:
    """The rows of ``frame`` whose ``column`` falls in the period (whole days, inclusive).

    The same window as the ledger's: ``start <= date < end + 1 day``, so a time of day on the
    last day counts.

    Parameters
    ----------
    frame
        A canonical table.
    column
        Its date column.
    period
        ``(start, end)``, either may be None (open).

    Returns
    -------
    pandas.DataFrame
        The rows in the period, all columns (``frame`` itself when the period is open).
    """
    start, end = period
    if start is None and end is None:
        return frame
    dates = pd.to_datetime(frame[column])
    keep = pd.Series(True, index=frame.index)
    if start is not None:
        keep &= dates >= pd.Timestamp(start)
    if end is not None:
        keep &= dates < pd.Timestamp(end).normalize() + pd.Timedelta(days=1)
    return frame.loc[keep]


def config_fingerprint(config: dict[str, Any]) -> str:
    """A short hash of the config and of the size and mtime of every source file it names.

    Parameters
    ----------
    config
        The dataset's loaded config.

    Returns
    -------
    str
        12 hex digits; it changes when the config or a source file changes.
    """
    digest = hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode())
    for spec in config.get("tables", {}).values():
        sources = spec.get("path") if isinstance(spec, dict) else spec
        for source in [sources] if isinstance(sources, str) else sources or []:
            path = resolve_path(config, source)
            if path.exists():
                stat = path.stat()
                digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:12]


def prepare(config: dict[str, Any], processed_dir: Path) -> Path:
    """Ingest the dataset into ``processed_dir`` unless it already holds this config's tables.

    ``processed_dir/fingerprint.txt`` holds the :func:`config_fingerprint` of what was ingested.

    Parameters
    ----------
    config
        The dataset's loaded config.
    processed_dir
        The folder for the canonical tables.

    Returns
    -------
    pathlib.Path
        ``processed_dir``.

    Raises
    ------
    helpers.ingest.IngestError
        When the data cannot be ingested (and ``ConfigError`` for a bad table mapping).
    """
    from helpers import ingest

    processed_dir = Path(processed_dir)
    stamp = processed_dir / "fingerprint.txt"
    fingerprint = config_fingerprint(config)
    if stamp.exists() and stamp.read_text().strip() == fingerprint:
        return processed_dir
    ingest.ingest_dataset(config, processed_dir)
    stamp.write_text(fingerprint)
    return processed_dir


@dataclass
class Workspace:
    """Data in, results out, for one notebook run.

    Attributes
    ----------
    config
        The dataset's loaded config.
    period
        The ledger's window: (start, end), either may be None (open).
    run_dir
        Where the notebook's metrics, figures and exports go.
    processed_dir
        The canonical tables (what ingest wrote).
    """

    config: dict[str, Any]
    period: tuple[pd.Timestamp | None, pd.Timestamp | None]
    run_dir: Path
    processed_dir: Path
    _tables: dict[str, pd.DataFrame | None] = field(default_factory=dict, repr=False)
    _cut: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    # ---- inputs -------------------------------------------------------------------------
    def has(self, name: str) -> bool:
        """Whether the dataset has canonical table ``name``.

        Parameters
        ----------
        name
            A canonical table, e.g. ``"customers"``.

        Returns
        -------
        bool
            True when ``processed_dir/<name>.parquet`` exists.
        """
        return (self.processed_dir / f"{name}.parquet").exists()

    def history(self, name: str) -> pd.DataFrame | None:
        """Canonical table ``name`` over the whole history (no period filter), read once.

        Parameters
        ----------
        name
            A canonical table, e.g. ``"order_lines"``.

        Returns
        -------
        pandas.DataFrame or None
            The table with the columns of :mod:`helpers.schema`, or None if the dataset has none.
        """
        if name not in self._tables:
            path = self.processed_dir / f"{name}.parquet"
            self._tables[name] = pd.read_parquet(path) if path.exists() else None
        return self._tables[name]

    def table(self, name: str) -> pd.DataFrame | None:
        """Canonical table ``name`` in the workspace's period: the lines the ledger sees.

        Dated tables (:data:`PERIOD_COLUMNS`: order lines, activities, acquisition spend,
        opportunities) are cut to the period like the ledger; the others (customers, products)
        are whole. :meth:`history` gives the whole history.

        Parameters
        ----------
        name
            A canonical table, e.g. ``"customers"``.

        Returns
        -------
        pandas.DataFrame or None
            The table with the columns of :mod:`helpers.schema`, or None if the dataset has none.
        """
        whole = self.history(name)
        if whole is None or name not in PERIOD_COLUMNS or PERIOD_COLUMNS[name] not in whole:
            return whole
        if name not in self._cut:
            self._cut[name] = in_period(whole, PERIOD_COLUMNS[name], self.period)
        return self._cut[name]

    @cached_property
    def period_label(self) -> str:
        """The period as ``START to END``; an open side is the data's first or last order date.

        E.g. ``"2023-01-02 to 2024-12-31 (all the data)"`` when no period was asked for,
        ``"2024-01-01 to 2024-12-31 (to the last order)"`` when only the start was.
        """
        start, end = self.period
        if start and end:
            return f"{start.date()} to {end.date()}"
        first, last = self._order_dates()
        if first is None or last is None:
            return f"{start.date() if start else 'the first order'} to {end.date() if end else 'the last order'}"
        text = f"{(start or first).date()} to {(end or last).date()}"
        if not start and not end:
            return f"{text} (all the data)"
        return f"{text} ({'from the first order' if not start else 'to the last order'})"

    def _order_dates(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """The first and last order dates of the canonical order lines (None when unreadable)."""
        try:
            dates = pd.read_parquet(
                self.processed_dir / "order_lines.parquet", columns=["order_date"]
            )
        except (OSError, ValueError, KeyError):
            return None, None
        column = pd.to_datetime(dates["order_date"])
        if column.dropna().empty:
            return None, None
        return column.min(), column.max()

    @cached_property
    def ledger(self) -> pd.DataFrame:
        """The customer ledger for the workspace's period, built once and cached as Parquet.

        The cache is written atomically, so notebooks running side by side never read half a
        file. Its columns are those of :func:`helpers.ledger.build_ledger`.
        """
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
        """Where :meth:`save_figure` writes (``run_dir/figures``)."""
        return self.run_dir / "figures"

    @property
    def exports_dir(self) -> Path:
        """Where :meth:`export` writes (``run_dir/exports``)."""
        return self.run_dir / "exports"

    def record(
        self, section: str, metrics: dict[str, Any], findings: list[str] | None = None
    ) -> None:
        """Save a notebook's headline numbers and finding sentences for the run's summary.

        They are merged into ``run_dir/metrics/<section>.json``, which the run folds into its
        ``metrics.json`` and executive summary.

        Parameters
        ----------
        section
            The metrics section, e.g. ``"pareto"``.
        metrics
            Name -> number (NaN is stored as null); updates what the section holds.
        findings
            Computed sentences, appended unless already there.
        """
        out = self.run_dir / "metrics" / f"{section}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        current = json.loads(out.read_text()) if out.exists() else {"metrics": {}, "findings": []}
        current["metrics"].update(json_safe(metrics))
        for sentence in findings or []:
            if sentence not in current["findings"]:
                current["findings"].append(sentence)
        out.write_text(json.dumps(current, indent=2, default=_json_default, allow_nan=False))

    def save_figure(self, fig: Any, name: str, *, show: bool = True) -> Path:
        """Save a matplotlib figure as PNG and SVG in the run's ``figures/`` folder, and show it.

        Inside a notebook kernel the PNG is displayed in the cell's output (whatever the
        matplotlib backend: a scheduled run sets ``MPLBACKEND=Agg``, which draws nothing
        inline) and the figure is closed, so JupyterLab's inline backend does not draw it twice.

        Parameters
        ----------
        fig
            The figure.
        name
            The files' stem.
        show
            Display the PNG in the notebook (False for apps that place the figure themselves).

        Returns
        -------
        pathlib.Path
            The PNG (the SVG sits beside it).
        """
        from helpers.plots import label_money_axes, rasterize_dense

        self.figures_dir.mkdir(parents=True, exist_ok=True)
        label_money_axes(fig)  # "Amount" -> "Amount (USD)" when the run has a currency
        png = self.figures_dir / f"{name}.png"
        fig.savefig(png, dpi=110, bbox_inches="tight")
        rasterize_dense(fig)  # thousands of points: pixels inside the SVG, axes and text stay
        fig.savefig(png.with_suffix(".svg"), bbox_inches="tight")
        from helpers.plots import is_message_figure

        if is_message_figure(fig):  # says why there is nothing to draw: no key figure
            with (self.figures_dir / MESSAGE_FIGURES).open("a", encoding="utf-8") as out:
                out.write(name + "\n")
        if show and _in_kernel():
            import matplotlib.pyplot as plt
            from IPython.display import Image, display

            display(Image(filename=str(png)))  # the bytes are embedded in the notebook
            plt.close(fig)
        return png

    def export(self, frame: pd.DataFrame, name: str) -> list[Path]:
        """Write an action list as CSV and Excel (formulas neutralised) in ``exports/``.

        The Excel sheet holds at most ``report.excel_max_rows`` rows (the CSV holds them all);
        when it is cut, the notebook's page says so.

        Parameters
        ----------
        frame
            The list.
        name
            The files' stem.

        Returns
        -------
        list of pathlib.Path
            The files written (see :func:`helpers.exports.write_table`).
        """
        from helpers.exports import excel_cap_note, write_table

        cap = (self.config.get("report") or {}).get("excel_max_rows")
        written = write_table(frame, self.exports_dir / name, max_rows=cap)
        note = excel_cap_note(name, len(frame), cap)
        if note and _in_kernel():  # said on the page, beside the export
            from IPython.display import display

            from helpers.results import Findings

            display(Findings([note]))
        return written


#: the run's figures that only say why there is nothing to draw (one stem a line)
MESSAGE_FIGURES = "message-figures.txt"


def _in_kernel() -> bool:
    """Whether the code runs in a Jupyter kernel (a notebook, papermill, Voila)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebook stack
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _json_default(value: Any) -> Any:
    """JSON for what ``json_safe`` left: numpy scalars, timestamps, anything else as text."""
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def dataset_folder(name: str, root: Path | None = None) -> Path:
    """The folder of a dataset's processed tables, always inside ``root``.

    Parameters
    ----------
    name : str
        The dataset's name (from its config); any character other than letters, digits, dots
        and dashes becomes ``-`` and leading dots are dropped, so ``../../x`` cannot escape.
    root : pathlib.Path, optional
        Default :data:`helpers.paths.PROCESSED_DIR`.

    Returns
    -------
    pathlib.Path
        ``root / <slug>``.

    Raises
    ------
    ValueError
        Should the slug still resolve outside ``root`` (it cannot by construction).
    """
    root = Path(root or paths.PROCESSED_DIR)
    folder = re.sub(r"[^A-Za-z0-9.-]+", "-", str(name)).strip("-.") or "dataset"
    path = root / folder
    if root.resolve() not in path.resolve().parents:
        raise ValueError(f"dataset name {name!r} resolves outside {root}")
    return path


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

    Returns
    -------
    Workspace
        The run's workspace; its data is ingested first if needed (under the pipeline into
        ``run_dir/processed``, interactively into ``data/processed/<name>/tables``).

    Raises
    ------
    helpers.config.ConfigError
        When the config cannot be loaded or the period parsed.
    """
    config = load_config(config_path or paths.SAMPLE_CONFIG)
    name = config["name"]
    if run_dir:
        run = Path(run_dir)
        processed = run / "processed"
        if not (processed / "order_lines.parquet").exists():
            prepare(config, processed)
    else:
        base = dataset_folder(name)
        processed = prepare(config, base / "tables")
        run = base / "interactive"
    run.mkdir(parents=True, exist_ok=True)
    from helpers.ledger.scale import median_order_value, resolve_amounts

    config = resolve_amounts(config, median_order_value(processed))  # defaults scaled to the data
    from helpers.ingest.pipeline import currency_of
    from helpers.results import set_currency

    set_currency(currency_of(config, processed))  # amounts in sentences and figure axes carry it
    if _in_kernel():  # the DataFrames a page shows, formatted for people
        from helpers.report import tables

        tables.install()
    return Workspace(
        config=config, period=parse_period(period), run_dir=run, processed_dir=processed
    )
