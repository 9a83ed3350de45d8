"""Reading a large export in chunks: each chunk a :class:`RawFile` with the file's own row numbers.

A CSV file is read block by block by Arrow's streaming CSV reader (``pyarrow.csv.open_csv``), a
Parquet file row group by row group (``pyarrow.parquet.ParquetFile.iter_batches``). Every chunk
carries the physical line numbers of its rows in the whole file (quoted line breaks counted) and
the ragged rows that fall inside it, so rejects name the same rows as a whole-file read would.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from helpers.ingest.errors import IngestError
from helpers.ingest.rawfile import RawFile, no_data_rows
from helpers.ingest.readers import (
    BLOCK_BYTES,
    MAX_FIELD_CHARS,
    check_field_sizes,
    check_last_record_closes,
    csv_options,
    huge_field_error,
    newlines_per_row,
    ragged_rows,
)
from helpers.ingest.sniffing import CsvLayout

__all__ = ["READ_BLOCK_BYTES", "csv_chunks", "parquet_chunks"]

#: the block Arrow's streaming CSV reader reads: it reads up to 32 blocks ahead of the one
#: parsed, so this bounds the text held in memory (128 MiB) whatever the size of the file
READ_BLOCK_BYTES = 4 << 20


def _chunk_bad_rows(
    bad: list[tuple[int, int, str]], start: int, good: int, header_line: int
) -> list[tuple[int, int, str]]:
    """The ragged rows inside the chunk whose records start at ``start`` and hold ``good`` rows.

    The chunk ends after its last good row: a ragged row right after it belongs to the next.
    """
    inside: list[tuple[int, int, str]] = []
    while True:
        end = start + good + len(inside)
        more = [row for row in bad if start <= row[0] - header_line - 1 < end]
        if len(more) == len(inside):
            return inside
        inside = more


def _check_record_sizes(table: pa.Table, path: Path, name: str) -> None:
    """Refuse a record longer than a whole-file read's block, with that read's message."""
    lengths = [pc.fill_null(pc.binary_length(column), 0) for column in table.columns]
    if not table.num_rows or max(pc.max(length).as_py() for length in lengths) <= MAX_FIELD_CHARS:
        return
    total = lengths[0]
    for length in lengths[1:]:
        total = pc.add(total, length)
    if pc.max(total).as_py() + table.num_columns > BLOCK_BYTES:
        raise huge_field_error(path, name)


def _csv_chunk(
    block: pa.Table,
    bad: list[tuple[int, int, str]],
    position: tuple[int, int],
    layout: CsvLayout,
    name: str,
    path: Path,
) -> tuple[RawFile, np.ndarray]:
    """One chunk as a RawFile; ``position`` = (records before it, line breaks inside them)."""
    records_before, breaks_before = position
    header_line = layout.skip_rows + 1
    table = block.rename_columns(layout.header)
    records = table.num_rows + len(bad)
    local = np.array([row[0] - header_line - 1 - records_before for row in bad], dtype=np.int64)
    is_bad = np.zeros(records, dtype=bool)
    is_bad[local] = True
    extra = np.zeros(records, dtype=np.int64)
    extra[~is_bad] = newlines_per_row(table)
    extra[is_bad] = [row[2].count("\n") for row in bad]
    before = np.concatenate(([0], np.cumsum(extra)[:-1])) + breaks_before
    lines = header_line + 1 + records_before + np.arange(records, dtype=np.int64) + before
    _check_record_sizes(table, path, name)
    check_field_sizes(table, lines[~is_bad], layout, name)
    shifted = [(row[0] - records_before, row[1], row[2]) for row in bad]
    meta = {
        "format": "csv",
        "encoding": layout.encoding,
        "encoding_how": layout.encoding_how,
        "delimiter": layout.delimiter,
    }
    rows = ragged_rows(shifted, lines, header_line, len(layout.header))
    return RawFile(path, name, table, lines[~is_bad], rows, meta), np.stack([lines, extra])


def _grouped(reader: Any, block_bytes: int) -> Iterator[pa.Table]:
    """The reader's batches joined into tables of about ``block_bytes`` (one chunk each)."""
    group: list[pa.RecordBatch] = []
    size = 0
    for batch in reader:
        group.append(batch)
        size += batch.nbytes
        if size >= block_bytes:
            yield pa.Table.from_batches(group).combine_chunks()
            group, size = [], 0
    if group:
        yield pa.Table.from_batches(group).combine_chunks()


def csv_chunks(path: Path, layout: CsvLayout, name: str, block_bytes: int) -> Iterator[RawFile]:
    """A delimited text file as chunks of about ``block_bytes`` each, every field as text.

    Parameters
    ----------
    path
        The text file, in ``layout.encoding``.
    layout
        What :func:`helpers.ingest.sniffing.sniff_csv` found.
    name
        The file's display name, first in error messages.
    block_bytes
        Bytes per chunk. The text is read in blocks of at most :data:`READ_BLOCK_BYTES` (a
        record must fit in one), joined into chunks of this size.

    Yields
    ------
    RawFile
        Each chunk: its rows' physical line numbers in the whole file and its ragged rows.

    Raises
    ------
    IngestError
        When the file has only a header, a field is too long, or the last record opens a quote
        that never closes.
    pyarrow.ArrowInvalid
        When the text does not decode in ``layout.encoding`` (the caller reads the file whole).
    """
    bad: list[tuple[int, int, str]] = []

    def on_invalid(row: Any) -> str:
        bad.append((row.number, row.actual_columns, row.text))
        return "skip"

    read_block = min(block_bytes, READ_BLOCK_BYTES)
    reader = pacsv.open_csv(path, **csv_options(layout, layout.encoding, on_invalid, read_block))
    position, pending, last = (0, 0), None, None
    header_line = layout.skip_rows + 1
    for block in _grouped(reader, block_bytes):
        if pending is not None:
            yield pending
        inside = _chunk_bad_rows(bad, position[0], block.num_rows, header_line)
        pending, last = _csv_chunk(block, inside, position, layout, name, path)
        bad = [row for row in bad if row not in inside]
        position = (position[0] + pending.records, position[1] + int(last[1].sum()))
    if bad and pending is not None:  # ragged rows after the last good row: the last chunk's
        extra = np.array([row[2].count("\n") for row in bad], dtype=np.int64)
        before = np.concatenate(([0], np.cumsum(extra)[:-1])) + position[1]
        lines = header_line + 1 + position[0] + np.arange(len(bad), dtype=np.int64) + before
        shifted = [(row[0] - position[0], row[1], row[2]) for row in bad]
        pending.bad_rows += ragged_rows(shifted, lines, header_line, len(layout.header))
        last = np.stack([np.concatenate([last[0], lines]), np.concatenate([last[1], extra])])
    if pending is None:
        raise no_data_rows(name, header_line + 1)
    if last is not None:
        check_last_record_closes(path, layout, name, last[0], last[1])
    yield pending


def parquet_chunks(path: Path, name: str, rows: int) -> Iterator[RawFile]:
    """A Parquet file as chunks of ``rows`` rows, typed as stored (source_row = 1-based row).

    Parameters
    ----------
    path
        The Parquet file.
    name
        The file's display name.
    rows
        Rows per chunk.

    Yields
    ------
    RawFile
        Each chunk, column names stripped of surrounding spaces.

    Raises
    ------
    IngestError
        When the file cannot be read, has no rows or holds nested columns (read whole instead).
    """
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise IngestError(f"{name}: not a readable Parquet file ({exc})") from None
    if parquet.metadata.num_rows == 0:
        raise IngestError(f"{name}: the Parquet file has no rows (expected at least one data row)")
    start = 0
    for batch in parquet.iter_batches(batch_size=rows):
        table = pa.Table.from_batches([batch])
        table = table.rename_columns([column.strip() for column in table.column_names])
        numbers = np.arange(start + 1, start + table.num_rows + 1, dtype=np.int64)
        start += table.num_rows
        yield RawFile(path, name, table, numbers, [], {"format": "parquet"})


def streamable(path: Path, fmt: str, opts: Mapping[str, Any], layout: CsvLayout | None) -> bool:
    """Whether a file is read in chunks: large, and of a shape the chunked readers cover.

    Parameters
    ----------
    path
        The source file.
    fmt
        Its format as sniffed.
    opts
        The table's parse options (``chunk_mb``; ``header`` and ``price_list`` lookups are
        joined on the whole file, so such files are read whole).
    layout
        For text files, what sniffing found (aligned columns and files mixing encodings by
        line are read whole).

    Returns
    -------
    bool
        True for a CSV or Parquet file larger than ``chunk_mb`` megabytes.
    """
    if opts.get("header") or opts.get("price_list"):
        return False
    if path.stat().st_size <= float(opts.get("chunk_mb") or 32) * 2**20:
        return False
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            schema = pq.read_schema(path)
        except (pa.ArrowException, OSError):
            return False
        return not any(pa.types.is_nested(kind) for kind in schema.types)
    if fmt not in ("csv", "tsv", "txt") or layout is None:
        return False
    return layout.delimiter != "whitespace" and not layout.encoding_how.startswith("utf-8 by")
