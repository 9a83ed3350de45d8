"""Validating one source file: parse, check, derive amounts, split accepted rows from rejects."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers import schema
from helpers.ingest.amounts import order_amounts
from helpers.ingest.checks import Check, FileParser, parse_fields
from helpers.ingest.columns import match_columns, source_fields
from helpers.ingest.errors import IngestError
from helpers.ingest.money import exact_total
from helpers.ingest.readers import RawFile
from helpers.ingest.rejects import empty_rejects, ragged_rejects, reject_frame
from helpers.ingest.shapes import log_keys, mark_cancellations
from helpers.ingest.suspects import (
    flag_control_characters,
    flag_large_amounts,
    flag_total_lines,
    note_discounts_over_list,
)
from helpers.ingest.tally import Tally
from helpers.ingest.values import parse_strings

__all__ = ["FileOut", "validate_file", "blank_rows", "duplicates", "to_cents", "ARROW_TYPES"]

#: arrow type of each schema dtype
ARROW_TYPES = {
    "string": pa.string(),
    "float64": pa.float64(),
    "int64": pa.int64(),
    "bool": pa.bool_(),
    "date": pa.timestamp("ns"),
}


@dataclass
class FileOut:
    """One validated file: its accepted rows, its rejects and what reconciliation needs."""

    name: str
    rows_in: int
    accepted: pa.Table  # the schema's columns
    rejects: pd.DataFrame  # REJECT_COLUMNS
    nanos_in: int  # revenue of every row whose revenue is known (not total lines), 1e-9 units
    nanos_rejected: int  # of that, the revenue of rejected rows
    unknown_rows: list[int]  # source rows rejected before their revenue could be computed
    meta: dict[str, Any]  # how the file was read, its column mapping and row count
    reasons: dict[str, int]  # rejected rows per short reason
    notes: list[str]  # finding sentences about guesses
    decisions: dict[str, Any] = field(default_factory=dict)  # how to read the next chunk alike


def to_cents(amounts: np.ndarray) -> np.ndarray:
    """Amounts as integer cents (NaN -> 0; the caller tracks which are unknown).

    Parameters
    ----------
    amounts
        Money in currency units.

    Returns
    -------
    numpy.ndarray of int64
        The amounts times 100, rounded.
    """
    return np.round(np.nan_to_num(amounts, nan=0.0) * 100.0).astype(np.int64)


def blank_rows(table: pa.Table) -> np.ndarray:
    """Rows whose every field is empty or whitespace.

    Parameters
    ----------
    table
        A file's columns as read.

    Returns
    -------
    numpy.ndarray of bool
        One entry per row.
    """
    size = table.num_rows
    if size == 0 or table.num_columns == 0:
        return np.zeros(size, bool)
    candidates = pc.is_null(parse_strings(table.column(0))).to_numpy(zero_copy_only=False)
    if not candidates.any():
        return candidates
    idx = np.flatnonzero(candidates)
    subset = table.take(pa.array(idx))
    blank = np.ones(len(idx), bool)
    for column in subset.columns[1:]:
        blank &= pc.is_null(parse_strings(column)).to_numpy(zero_copy_only=False)
    out = np.zeros(size, bool)
    out[idx[blank]] = True
    return out


@functools.cache
def _duckdb() -> Any:
    """One in-memory DuckDB connection per process for hashing rows (connecting costs ~0.1 s).

    One thread per query: each chunk's query runs in the thread that asks (chunks are hashed
    side by side), and a scan of Arrow text is slower on two threads than on one.
    """
    import duckdb

    return duckdb.connect(config={"threads": 1})


def _hash_candidates(plain: pa.Table) -> np.ndarray:
    """Rows whose hash of all fields repeats (DuckDB): the only rows that can be duplicates."""
    con = _duckdb().cursor()
    try:
        con.register("t", plain)
        cols = ", ".join(plain.column_names)
        query = f"SELECT hash({cols}) AS h FROM t"
        hashes = con.execute(query).to_arrow_table().column("h").to_numpy()
    finally:
        con.close()
    return pd.Series(hashes).duplicated(keep=False).to_numpy()


def duplicates(table: pa.Table, threshold: int) -> np.ndarray:
    """Rows that exactly repeat an earlier row of the same file (all fields equal).

    Parameters
    ----------
    table
        A file's columns as read.
    threshold
        Up to this many rows pandas compares the rows directly; above, only rows whose hash
        repeats are compared.

    Returns
    -------
    numpy.ndarray of bool
        True for every repeat after the first occurrence.
    """
    size = table.num_rows
    if size < 2:
        return np.zeros(size, bool)
    plain = table.rename_columns([f"f{i}" for i in range(table.num_columns)])
    if size <= threshold:
        return plain.to_pandas().duplicated().to_numpy()
    candidates = _hash_candidates(plain)
    out = np.zeros(size, bool)
    if candidates.any():
        idx = np.flatnonzero(candidates)
        subset = plain.take(pa.array(idx)).to_pandas()
        out[idx[subset.duplicated().to_numpy()]] = True
    return out


def _required_fields(opts: Mapping[str, Any], table: str, mapping: Mapping[str, str]) -> list[str]:
    """Fields that must have a value (order lines: a missing customer is kept as unattributed)."""
    required = list((opts.get("required") or {}).get(table, []))
    if table == "order_lines":
        required = [fld for fld in required if fld != "customer_id"]
        required.append("unit_price" if opts["amounts"] == "unit" else "sales")
        if opts["amounts"] == "revenue_only" and "quantity" not in mapping:
            required = [fld for fld in required if fld != "quantity"]
        if opts.get("transaction_log"):
            required = [fld for fld in required if fld not in ("order_id", "product_id")]
    return required


def _cancellation_sentence(figures: Mapping[str, Any]) -> str:
    count = int(figures["lines"])
    return (
        f"order_lines: {count:,} line{'s' if count != 1 else ''} of {figures['first_file']} "
        f"{'carry' if count != 1 else 'carries'} an order id matching {figures['first_pattern']!r} "
        "(cancellation_pattern): kept as cancellations (returns)."
    )


def _order_shapes(parser: FileParser, cols: dict[str, Any], opts: Mapping[str, Any]) -> dict:
    """A transaction log's derived keys and cancellations by order-id pattern, said."""
    if parser.table != "order_lines":
        return cols
    if opts.get("transaction_log"):
        cols, sentence = log_keys(cols, parser.n_rows, parser.raw.name)
        parser.notes.append(sentence)
    pattern = str(opts.get("cancellation_pattern") or "")
    if pattern:
        cols, count = mark_cancellations(cols, pattern, parser.n_rows)
        figures = {"lines": count, "first_file": parser.raw.name, "first_pattern": pattern}
        key = f"cancellations {parser.raw.name}"
        parser.notes.append(Tally(key, figures, _cancellation_sentence))
    return cols


def _derive_amounts(
    parser: FileParser,
    cols: dict[str, Any],
    opts: Mapping[str, Any],
    config: Mapping[str, Any],
    blank: np.ndarray,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Order-line amounts, revenue per row (0 where unknown), and which rows' revenue is known.

    Lines too large to count to the cent are rejected here and their revenue is unknown.
    """
    size = parser.n_rows
    if parser.table != "order_lines":
        return {}, np.zeros(size), np.ones(size, bool)
    gross_margin = float((config.get("assumptions") or {}).get("gross_margin", 0.3))
    amounts = order_amounts(parser, cols, opts, gross_margin)
    revenue = amounts["revenue"]
    known = (~np.isnan(revenue) & ~flag_large_amounts(parser, revenue)) | blank
    return amounts, np.where(blank | ~known, 0.0, revenue), known


def _settle_checks(parser: FileParser, blank: np.ndarray) -> np.ndarray:
    """Rejected rows; blank rows are rejected as blank only, so they leave every check."""
    rejected = blank.copy()
    for check in parser.checks:
        check.mask = check.mask & ~blank
        rejected |= check.mask
    parser.checks = [check for check in parser.checks if check.mask.any()]
    return rejected


def _reason_counts(checks: list[Check], blank: np.ndarray, raw: RawFile) -> dict[str, int]:
    """Rejected rows per short reason (``column 'x' is not a number``, ``blank row`` ...)."""
    reasons: dict[str, int] = {}
    for check in checks:
        key = f"column '{check.column}' {check.tail.split(' (')[0]}"
        reasons[key] = reasons.get(key, 0) + int(check.mask.sum())
    if blank.any():
        reasons["blank row"] = int(blank.sum())
    if raw.bad_rows:
        reasons["row has the wrong number of fields"] = len(raw.bad_rows)
    return reasons


def _file_rejects(
    raw: RawFile, table: str, checks: list[Check], blank: np.ndarray, rejected: np.ndarray
) -> pd.DataFrame:
    """Rejects of the checks and blank rows, with the reader's ragged rows, in file order."""
    rejected_idx = np.flatnonzero(rejected)
    if len(rejected_idx):
        rejects = reject_frame(raw, table, checks, blank, rejected_idx)
    else:
        rejects = empty_rejects()
    if not raw.bad_rows:
        return rejects
    rejects = pd.concat([rejects, ragged_rejects(raw, table)], ignore_index=True)
    return rejects.sort_values("source_row", kind="stable").reset_index(drop=True)


def _kept_values(parsed: tuple[np.ndarray, np.ndarray], dtype: str, keep: np.ndarray) -> pa.Array:
    """Accepted values of a parsed (values, null) field as an arrow array of its dtype."""
    values, null = parsed
    if dtype == "date":
        return pa.array(values[keep], pa.timestamp("ns"))
    if dtype == "bool":
        return pa.array(values[keep], mask=null[keep])
    if dtype == "int64":
        return pa.array(values[keep], mask=null[keep] | np.isnan(values[keep])).cast(pa.int64())
    return pa.array(values[keep], pa.float64())


def _accepted_column(
    column: str, dtype: str, raw: RawFile, parsed: dict[str, Any], keep: np.ndarray
) -> pa.Array:
    """One schema column of the accepted rows: derived, provenance, parsed or all null.

    ``parsed`` holds the parsed fields, the derived amounts and ``is_duplicate``.
    """
    if column == "source_file":
        codes = pa.array(np.zeros(int(keep.sum()), np.int32))
        return pa.DictionaryArray.from_arrays(codes, [raw.name]).cast(pa.string())
    if column == "source_row":
        return pa.array(raw.rows[keep])
    if column not in parsed:
        return pa.nulls(int(keep.sum()), ARROW_TYPES[dtype])
    value = parsed[column]
    if isinstance(value, np.ndarray):  # derived amounts and flags
        return pa.array(value[keep]) if dtype != "float64" else pa.array(value[keep], pa.float64())
    if isinstance(value, tuple):
        return _kept_values(value, dtype, keep)
    return value if keep.all() else value.take(pa.array(np.flatnonzero(keep)))


def _accepted_table(
    raw: RawFile,
    table: str,
    cols: dict[str, Any],
    derived: dict[str, np.ndarray],
    keep: np.ndarray,
    opts: Mapping[str, Any],
) -> pa.Table:
    """The accepted rows with the schema's columns (order lines: no customer = unattributed)."""
    chunked = bool(opts.get("_pinned") is not None)
    if chunked:  # a chunk of a streamed file: repeats are found across chunks, by row hash
        flags = {"is_duplicate": np.zeros(raw.table.num_rows, bool)}
    else:
        threshold = int(opts.get("duplicate_hash_rows") or 200_000)
        flags = {"is_duplicate": duplicates(raw.table, threshold)}
    parsed = cols | flags | derived
    accepted = {
        column: _accepted_column(column, dtype, raw, parsed, keep)
        for column, dtype in schema.CANONICAL[table].items()
    }
    if table == "order_lines":
        accepted["customer_id"] = pc.fill_null(accepted["customer_id"], schema.UNATTRIBUTED)
    if chunked:
        hashes = row_hashes(raw.table)
        accepted |= {name: pa.array(values[keep]) for name, values in hashes.items()}
    return pa.table(accepted)


def row_hashes(table: pa.Table) -> dict[str, np.ndarray]:
    """A 64-bit hash of every row's fields as read (DuckDB ``hash``).

    Parameters
    ----------
    table
        A file's (or chunk's) columns as read.

    Returns
    -------
    dict of str to numpy.ndarray
        ``_h1``: DuckDB's uint64 hash as int64 (which every engine reads), one entry per row.
        Rows that repeat each other have equal hashes; rows with equal hashes are compared
        value by value before they are called repeats (see
        :func:`helpers.ingest.streaming.stream_table`).
    """
    plain = table.rename_columns([f"f{i}" for i in range(table.num_columns)])
    cols = ", ".join(plain.column_names)
    con = _duckdb().cursor()
    try:
        con.register("t", plain)
        out = con.execute(f"SELECT hash({cols}) AS h1 FROM t").to_arrow_table()
    finally:
        con.close()
    return {"_h1": out.column("h1").to_numpy().view(np.int64)}


def validate_file(
    raw: RawFile, table: str, opts: Mapping[str, Any], config: Mapping[str, Any]
) -> FileOut:
    """Validate one source file: its accepted rows in the schema, its rejects and their money.

    Parameters
    ----------
    raw
        The file as read.
    table
        The canonical table it is a source of.
    opts
        The table's parse options.
    config
        The whole config (``assumptions.gross_margin`` for order lines without a cost).

    Returns
    -------
    FileOut
        Accepted rows, rejects, revenue in and rejected in cents (order lines), the rows whose
        revenue is unknown, how the file was read, reject counts per reason and notes.

    Raises
    ------
    IngestError
        When a required or configured column is missing, or (with ``strict``) at the first
        rejected row.
    """
    mapping = match_columns(raw, table, opts, config)
    parser = FileParser(raw, table, opts, mapping)
    cols = parse_fields(parser, source_fields(table), _required_fields(opts, table, mapping))
    cols = _order_shapes(parser, cols, opts)
    flag_control_characters(parser)
    blank = blank_rows(raw.table)
    derived, revenue, known = _derive_amounts(parser, cols, opts, config, blank)
    rejected = _settle_checks(parser, blank)
    totals = np.zeros(parser.n_rows, bool)
    if table == "order_lines":
        totals = flag_total_lines(parser, rejected & ~blank)
        note_discounts_over_list(parser, derived, ~rejected)
    counted = known & ~totals
    rejects = _file_rejects(raw, table, parser.checks, blank, rejected)
    if opts.get("strict") and len(rejects):
        first = rejects.iloc[0]
        raise IngestError(f"{raw.name}: row {first['source_row']}, {first['reason']}")
    accepted = _accepted_table(raw, table, cols, derived, ~rejected, opts)
    unknown = list(raw.rows[rejected & ~known]) + [row["source_row"] for row in raw.bad_rows]
    return FileOut(
        name=raw.name,
        rows_in=raw.records,
        accepted=accepted,
        rejects=rejects,
        nanos_in=exact_total(revenue[counted]),
        nanos_rejected=exact_total(revenue[rejected & counted]),
        unknown_rows=sorted(int(row) for row in unknown),
        meta=dict(raw.meta) | parser.meta | {"columns": mapping, "rows": raw.records},
        reasons=_reason_counts(parser.checks, blank, raw),
        notes=parser.notes,
        decisions=parser.decisions(),
    )
