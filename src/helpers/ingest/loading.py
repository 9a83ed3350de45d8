"""Loading one canonical table: every source file read and validated, accepted rows in the schema."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers import schema
from helpers.ingest.columns import config_name, resolve_sources, table_options
from helpers.ingest.errors import IngestError
from helpers.ingest.readers import read_raw
from helpers.ingest.rejects import empty_rejects
from helpers.ingest.shapes import attach_lookups
from helpers.ingest.streaming import (
    ReadWhole,
    dictionary_facts,
    should_stream,
    slim_frame,
    stream_table,
)
from helpers.ingest.validation import FileOut, validate_file

__all__ = ["LoadedTable", "load_sources", "load_table", "flag_overlaps"]

#: what makes two order lines of different files the same line
_LINE_KEY = ("order_id", "customer_id", "order_date", "product_id", "quantity", "revenue")


@dataclass
class LoadedTable:
    """One canonical table as loaded: accepted rows, rejects, and what each file gave."""

    table: str
    frame: pd.DataFrame  # accepted rows, the schema's columns and dtypes
    rejects: pd.DataFrame  # REJECT_COLUMNS
    files: list[FileOut]
    mapping: dict[str, str]  # field -> source column of the first file
    notes: list[str]
    parquet: Path | None = None  # read in chunks: the finished table (``frame`` is slim then)
    facts: dict[str, dict[str, Any]] | None = None  # read in chunks: the dictionary's facts


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
    same = frame.duplicated(list(_LINE_KEY), keep=False)
    if not same.any():
        return frame, []
    first_file = frame.groupby(list(_LINE_KEY), sort=False, dropna=False)["source_file"]
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
        notes.append(
            f"order_lines: {len(group):,} line{'s' if len(group) != 1 else ''} of {later} "
            f"{'repeat' if len(group) != 1 else 'repeats'} lines of {earlier} (same order, customer, date, product, quantity and "
            f"revenue): the exports overlap; flagged is_duplicate (revenue {revenue:,.2f})."
        )
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
    """A table read in chunks (:mod:`helpers.ingest.streaming`): a slim frame, the Parquet file."""
    files, final, overlap = stream_table(table, sources, opts, config, work)
    rejects = [file.rejects for file in files if len(file.rejects)]
    return LoadedTable(
        table,
        slim_frame(final),
        pd.concat(rejects, ignore_index=True) if rejects else empty_rejects(),
        files,
        files[0].meta["columns"],
        [note for file in files for note in file.notes] + overlap,
        parquet=final,
        facts=dictionary_facts(final, table),
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
        ``chunk_mb`` are read in chunks in bounded memory: ``frame`` then holds only the
        columns the later checks read (``helpers.ingest.streaming.SLIM_COLUMNS``) and
        ``parquet`` the finished table.

    Returns
    -------
    LoadedTable
        The accepted rows of all files (order lines: ``line_no`` filled in), their rejects,
        each file's outcome, the first file's column mapping and the notes.

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
    return LoadedTable(table, frame, rejects, files, mapping, notes)


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
