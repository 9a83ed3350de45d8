"""Loading one canonical table: every source file read and validated, accepted rows in the schema."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from helpers import schema
from helpers.ingest.columns import config_name, resolve_sources, table_options
from helpers.ingest.errors import IngestError
from helpers.ingest.linefigures import FIGURE_COLUMNS, LineFigures, line_figures
from helpers.ingest.readers import read_raw
from helpers.ingest.rejects import empty_rejects
from helpers.ingest.shapes import attach_lookups
from helpers.ingest.streaming import (
    LINE_KEY,
    ReadWhole,
    should_stream,
    stream_table,
)
from helpers.ingest.tally import overlap_sentence
from helpers.ingest.validation import ARROW_TYPES, FileOut, validate_file

__all__ = ["LoadedTable", "load_sources", "load_table", "flag_overlaps"]

#: rows per batch when a table read in chunks is read back (a few columns at a time)
_BATCH_ROWS = 1 << 20


@dataclass
class LoadedTable:
    """One canonical table as loaded: accepted rows, rejects, and what each file gave."""

    table: str
    frame: pd.DataFrame  # accepted rows, the schema's columns and dtypes (read in chunks: none)
    rejects: pd.DataFrame  # REJECT_COLUMNS
    files: list[FileOut]
    mapping: dict[str, str]  # field -> source column of the first file
    notes: list[str]
    parquet: Path | None = None  # read in chunks: the finished table (``frame`` is empty then)
    facts: dict[str, dict[str, Any]] | None = None  # read in chunks: the dictionary's facts
    lines: LineFigures | None = None  # order lines: the figures of the accepted lines

    @property
    def rows_accepted(self) -> int:
        """Accepted rows (order lines: as counted in their figures, in memory or not)."""
        return self.lines.total.rows if self.lines is not None else len(self.frame)

    def batches(self, columns: Sequence[str]) -> Iterator[pa.Table]:
        """The accepted rows' ``columns`` in file order: the frame whole, or bounded batches."""
        if self.parquet is None:
            yield pa.Table.from_pandas(self.frame[list(columns)], preserve_index=False)
            return
        parquet = pq.ParquetFile(self.parquet)
        for batch in parquet.iter_batches(batch_size=_BATCH_ROWS, columns=list(columns)):
            yield pa.Table.from_batches([batch])


def _with_figures(loaded: LoadedTable) -> LoadedTable:
    """Order lines: their figures added up (:mod:`helpers.ingest.linefigures`)."""
    if loaded.table == "order_lines":
        names = [file.name for file in loaded.files]
        loaded.lines = line_figures(loaded.batches(FIGURE_COLUMNS), names)
    return loaded


def _to_pandas(accepted: pa.Table, table: str) -> pd.DataFrame:
    """Arrow table -> pandas with the schema's dtypes (nullable Int64/boolean where NA occurs)."""
    data: dict[str, Any] = {}
    for column, dtype in schema.CANONICAL[table].items():
        arr = accepted.column(column)
        has_null = arr.null_count > 0
        if dtype == "string":
            data[column] = pd.Series(arr.to_pandas(), dtype="string")
        elif dtype == "date":
            data[column] = pd.Series(arr.to_pandas()).astype("datetime64[ns]")
        elif dtype == "int64":
            data[column] = pd.Series(arr.to_pandas()).astype("Int64" if has_null else "int64")
        elif dtype == "bool":
            data[column] = pd.Series(arr.to_pandas()).astype("boolean" if has_null else "bool")
        else:
            data[column] = pd.Series(arr.to_pandas()).astype("float64")
    return pd.DataFrame(data)


def _fill_line_no(accepted: pa.Table) -> pa.Table:
    """line_no = position of the line within its order (in file order) where not given."""
    line_no = accepted.column("line_no")
    if accepted.num_rows and line_no.null_count == 0:
        return accepted
    codes, _ = pd.factorize(accepted.column("order_id").to_pandas(), use_na_sentinel=False)
    derived = pd.Series(codes).groupby(codes).cumcount().to_numpy() + 1
    if accepted.num_rows:
        given = pc.fill_null(line_no, -1).to_numpy()
    else:
        given = np.array([], np.int64)
    values = np.where(given >= 0, given, derived).astype(np.int64)
    position = accepted.column_names.index("line_no")
    return accepted.set_column(position, "line_no", pa.array(values))


def _lookup_reader(config: Mapping[str, Any], table: str) -> Any:
    """How a lookup file (order header, price list) is read: with the table's defaults."""

    def read(path: Any, name: str, spec: Mapping[str, Any]) -> Any:
        options = {key: value for key, value in spec.items() if key != "columns"}
        return read_raw(path, name, table, table_options(config, table, options))

    return read


def flag_overlaps(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Order lines of one file that repeat a line of another file: the exports overlap.

    Parameters
    ----------
    frame
        The accepted order lines of every file (``source_file`` tells them apart).

    Returns
    -------
    (frame, notes)
        A copy with the repeats flagged ``is_duplicate`` (the ledger leaves them out), and
        one sentence per pair of overlapping files.
    """
    same = frame.duplicated(list(LINE_KEY), keep=False)
    if not same.any():
        return frame, []
    first_file = frame.groupby(list(LINE_KEY), sort=False, dropna=False)["source_file"]
    first = first_file.transform("first")
    repeats = same & (frame["source_file"] != first)
    if not repeats.any():
        return frame, []
    out = frame.copy()
    out.loc[repeats, "is_duplicate"] = True
    notes = []
    pairs = pd.DataFrame({"file": frame["source_file"], "first": first})[repeats]
    for (later, earlier), group in pairs.groupby(["file", "first"], sort=False):
        revenue = float(frame.loc[group.index, "revenue"].sum())
        notes.append(overlap_sentence(len(group), later, earlier, revenue))
    return out, notes


def _read_whole(
    path: Path, name: str, table: str, opts: Mapping[str, Any], config: Mapping[str, Any]
) -> FileOut:
    """One file read and validated whole (order lines: its lookups joined first)."""
    raw = read_raw(path, name, table, opts)
    joined: list[str] = []
    if table == "order_lines":
        raw, joined = attach_lookups(raw, opts, config, _lookup_reader(config, table))
    out = validate_file(raw, table, opts, config)
    out.notes[:0] = joined
    return out


def _load_streamed(
    table: str,
    sources: list[tuple[Path, str]],
    opts: Mapping[str, Any],
    config: Mapping[str, Any],
    work: Path,
) -> LoadedTable:
    """A table read in chunks (:mod:`helpers.ingest.streaming`): its figures and its Parquet file."""
    streamed = stream_table(table, sources, opts, config, work)
    files = streamed.files
    rejects = [file.rejects for file in files if len(file.rejects)]
    empty = pa.table(
        {name: pa.array([], ARROW_TYPES[kind]) for name, kind in schema.CANONICAL[table].items()}
    )
    return LoadedTable(
        table,
        _to_pandas(empty, table),
        pd.concat(rejects, ignore_index=True) if rejects else empty_rejects(),
        files,
        files[0].meta["columns"],
        [note for file in files for note in file.notes] + streamed.notes,
        parquet=streamed.final,
        facts=streamed.facts,
        lines=streamed.figures,
    )


def load_sources(
    spec: Any, table: str, config: Mapping[str, Any], work: Path | None = None
) -> LoadedTable:
    """Read and validate every source file of one canonical table.

    Parameters
    ----------
    spec
        The table's entry under ``tables`` in the config.
    table
        A canonical table name (``helpers.schema.CANONICAL``).
    config
        The whole (merged) config.
    work
        A folder for intermediate files. With it, order lines with a file larger than
        ``chunk_mb`` are read in chunks in bounded memory: ``frame`` is then empty (the
        schema's columns) and ``parquet`` the finished table, read back in batches.

    Returns
    -------
    LoadedTable
        The accepted rows of all files (order lines: ``line_no`` filled in, and the figures
        of :mod:`helpers.ingest.linefigures`), their rejects, each file's outcome, the first
        file's column mapping and the notes.

    Raises
    ------
    IngestError
        When the table is unknown, its options are invalid, or a file-level problem stops a
        file.
    """
    if table not in schema.CANONICAL:
        raise IngestError(
            f"{config_name(config)}: tables.{table}: unknown table {table!r} (expected one of: "
            f"{', '.join(schema.CANONICAL)})"
        )
    opts = table_options(config, table, spec)
    sources = resolve_sources(config, table, opts["path"])
    if work is not None and should_stream(table, sources, opts):
        try:
            return _load_streamed(table, sources, opts, config, work)
        except ReadWhole:
            pass  # a text file that does not decode past its head: read whole, as before
    files = [_read_whole(path, name, table, opts, config) for path, name in sources]
    accepted = pa.concat_tables([file.accepted for file in files])
    if table == "order_lines":
        accepted = _fill_line_no(accepted)
    frame = _to_pandas(accepted, table)
    rejects = (
        pd.concat([file.rejects for file in files], ignore_index=True) if files else empty_rejects()
    )
    notes = [note for file in files for note in file.notes]
    if table == "order_lines" and len(files) > 1:
        frame, overlap = flag_overlaps(frame)
        notes += overlap
    mapping = files[0].meta["columns"] if files else {}
    return _with_figures(LoadedTable(table, frame, rejects, files, mapping, notes))


def load_table(
    spec: Any, table_name: str, config: Mapping[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load one canonical table from its source(s).

    Parameters
    ----------
    spec
        The table's entry under ``tables`` in the config (a mapping with ``path`` etc.).
    table_name
        A canonical table name (``helpers.schema.CANONICAL``).
    config
        The whole (merged) config: parse defaults under ``ingest``, ``assumptions``, ``_dir``.

    Returns
    -------
    (accepted, rejects)
        Accepted rows with the schema's columns and dtypes (``helpers.schema.CANONICAL``;
        order lines: amounts in currency units of the export); rejected rows with
        ``REJECT_COLUMNS`` and their reasons.

    Raises
    ------
    IngestError
        On a file-level problem (see :func:`load_sources`).
    """
    loaded = load_sources(spec, table_name, config)
    return loaded.frame, loaded.rejects
