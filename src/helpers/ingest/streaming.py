"""Order lines too large to hold in memory: validated chunk by chunk, finished on the engine.

Each source file larger than ``chunk_mb`` is read in chunks (:mod:`helpers.ingest.chunks`). The
first chunk decides how the file reads (decimal separator and date format per column, as a
whole-file read decides them from a sample of the same size); later chunks are read alike, and a
value that does not fit is rejected with its reason. Every chunk is validated by the same code as
a whole file (:func:`helpers.ingest.validation.validate_file`), its accepted rows appended to an
Arrow IPC file with a 64-bit hash of each row's fields as read and each row's place among the
chunk's lines of its order; its rejects and money are added up. Each chunk's hashes of rows,
order ids and (with several files) line keys are counted into buckets on disk
(:mod:`helpers.ingest.keycounts`), which name the few seen more than once. What needs the whole
table runs on DuckDB (memory-limited, spilling to disk) on those alone: exact repeats of a row
(equal hashes, then equal values), the lines an order has in earlier chunks (for line positions
where the export gives none) and lines repeated across files. (DuckDB holds every Arrow batch a
GROUP BY reads until its query ends, beyond its memory limit: no query groups every line.) The
finished table is written to Parquet a chunk at a time, its lines' figures
(:mod:`helpers.ingest.linefigures`) added up on the way. Peak memory depends on the chunk size
and DuckDB's limit, not on the number of lines.
"""

from __future__ import annotations

import functools
import os
from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from helpers import schema
from helpers.ingest.chunks import csv_chunks, parquet_chunks, streamable
from helpers.ingest.keycounts import Counted, KeyCounts, bucket_count, count_keys, is_in
from helpers.ingest.linefigures import Count, LineFigures, add_batch
from helpers.ingest.positions import LinesBefore, chunk_positions, lines_before_query, place
from helpers.ingest.rawfile import RawFile
from helpers.ingest.readers import read_raw, sniff_layout
from helpers.ingest.rejects import empty_rejects
from helpers.ingest.tally import merge_notes, overlap_sentence
from helpers.ingest.validation import FileOut, row_hashes, validate_file

__all__ = [
    "LINE_KEY",
    "ReadWhole",
    "Streamed",
    "should_stream",
    "stream_table",
    "STREAM_MEMORY",
]

#: chunks validated at once (this machine class has two cores)
_WORKERS = 2
#: DuckDB's memory limit for the whole-table steps (it spills to disk beyond)
STREAM_MEMORY = "400MB"
#: what makes two order lines of different files the same line
LINE_KEY = ("order_id", "customer_id", "order_date", "product_id", "quantity", "revenue")
#: text columns with many values: written without a dictionary (the Parquet writer's attempt
#: at one costs time and falls back to plain values anyway)
_PLAIN_TEXT = ("order_id",)
#: rows per batch of the parts file (DuckDB's scan of it reads 16 batches ahead)
_IPC_ROWS = 1 << 16
#: the values two rows of a file with equal hashes must also share to be repeats
_COMPARED = tuple(
    name
    for name in schema.CANONICAL["order_lines"]
    if name not in ("source_file", "source_row", "is_duplicate")
)
#: a chunk's orders and their line counts (:func:`helpers.ingest.positions.chunk_positions`),
#: with a hash of the order id (``_oh``: orders listed in several chunks are found by it)
_ORDERS = pa.schema(
    [("order_id", pa.string()), ("lines", pa.int64()), ("_oh", pa.int64()), ("_chunk", pa.int32())]
)
_DTYPE_WORDS = {"string": "text", "date": "date", "int64": "whole number", "float64": "number"}


@dataclass
class Streamed:
    """A table read in chunks: each file's outcome, the finished table and what it holds."""

    files: list[FileOut]  # each file's outcome (accepted rows are in ``final``, not here)
    final: Path  # the finished Parquet file: the schema's columns, pandas dtypes, file order
    notes: list[str]  # the sentences on lines repeated across files
    facts: dict[str, dict[str, Any]]  # per column: dtype, kind, non_null, example
    figures: LineFigures  # the accepted lines' figures


class ReadWhole(Exception):
    """A file turned out not to read in chunks (its text does not decode past the head)."""


def should_stream(table: str, sources: list[tuple[Path, str]], opts: Mapping[str, Any]) -> bool:
    """Whether a table's files are read in chunks: order lines with a file over ``chunk_mb``.

    Parameters
    ----------
    table
        The canonical table.
    sources
        Its files as (path, display name).
    opts
        The table's parse options.

    Returns
    -------
    bool
        True when the table is ``order_lines`` and one of its files is a CSV or Parquet file
        larger than ``chunk_mb`` megabytes that the chunked readers cover.
    """
    if table != "order_lines":
        return False
    for path, name in sources:
        if path.is_file():
            fmt, layout = sniff_layout(path, name, table, opts)
            if streamable(path, fmt, opts, layout):
                return True
    return False


def _chunks(path: Path, name: str, table: str, opts: Mapping[str, Any]) -> Iterator[RawFile]:
    """A file's chunks: CSV by blocks, Parquet by rows; any other file whole, as one chunk."""
    if not path.is_file():
        yield read_raw(path, name, table, opts)  # raises: file not found
        return
    fmt, layout = sniff_layout(path, name, table, opts)
    megabytes = float(opts.get("chunk_mb") or 32)
    if not streamable(path, fmt, opts, layout) and path.stat().st_size <= megabytes * 2**20:
        yield read_raw(path, name, table, opts)
    elif fmt == "parquet":
        yield from parquet_chunks(path, name, max(int(megabytes * 2**20 / 64), 1000))
    elif layout is not None and streamable(path, fmt, opts, layout):
        try:
            yield from csv_chunks(path, layout, name, int(megabytes * 2**20))
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise ReadWhole(str(exc)) from None
    else:
        yield read_raw(path, name, table, opts)


def _merge(outs: list[FileOut], name: str) -> FileOut:
    """One file's outcome from its chunks' (accepted rows are in the Parquet file, not here)."""
    meta = dict(outs[0].meta)
    meta["rows"] = sum(out.rows_in for out in outs)
    marks: dict[str, list[str]] = {}
    for out in outs:
        for column, found in (out.meta.get("currency") or {}).items():
            marks[column] = sorted(set(marks.get(column, [])) | set(found))
    if marks:
        meta["currency"] = marks
    reasons: dict[str, int] = {}
    for out in outs:
        for reason, count in out.reasons.items():
            reasons[reason] = reasons.get(reason, 0) + count
    rejects = [out.rejects for out in outs if len(out.rejects)]
    return FileOut(
        name=name,
        rows_in=meta["rows"],
        accepted=outs[0].accepted.schema.empty_table(),
        rejects=pd.concat(rejects, ignore_index=True) if rejects else empty_rejects(),
        nanos_in=sum(out.nanos_in for out in outs),
        nanos_rejected=sum(out.nanos_rejected for out in outs),
        unknown_rows=[row for out in outs for row in out.unknown_rows],
        meta=meta | {"chunks": len(outs)},
        reasons=reasons,
        notes=merge_notes(out.notes for out in outs),
        decisions=outs[-1].decisions,
    )


@dataclass
class _Chunk:
    """One chunk validated: its outcome, its orders (:data:`_ORDERS`) and keys counted."""

    out: FileOut
    orders: pa.Table
    row_keys: Counted  # the accepted rows' hashes (``_h1``)
    order_keys: Counted  # the orders' hashes (``_oh``)
    line_keys: Counted | None  # with several files: hashes of the rows' LINE_KEY (``_hk``)


class _Parts:
    """The accepted rows of every chunk, appended to one Arrow IPC file (fast, uncompressed).

    Each row gets ``_file`` (the file's place in the table's list), ``_seq`` (its place in
    the whole table), ``_chunk`` (its chunk's place) and ``_pos`` (its place among the chunk's
    rows of its order); each chunk's orders and their line counts go to a second file
    (:mod:`helpers.ingest.positions`). The row hashes (per file) and order-id hashes go to
    :class:`helpers.ingest.keycounts.KeyCounts`. Nulls per column are counted as rows go by.
    """

    def __init__(self, path: Path, buckets: int):
        self.path, self.writer, self.schema = path, None, None
        self.orders_path, self.orders = path.with_suffix(".orders.arrow"), None
        self.keys = KeyCounts(path.parent / "keys", buckets)
        self.rows, self.chunks, self.nulls = 0, 0, {}

    def write(self, chunk: _Chunk, file_index: int) -> None:
        accepted, size = chunk.out.accepted, chunk.out.accepted.num_rows
        extra = {
            "_file": np.full(size, file_index, np.int32),
            "_seq": np.arange(self.rows, self.rows + size, dtype=np.int64),
            "_chunk": np.full(size, self.chunks, np.int32),
        }
        for name, values in extra.items():
            accepted = accepted.append_column(name, pa.array(values))
        if self.writer is None:
            self.schema = accepted.schema
            self.writer = pa.ipc.new_file(str(self.path), self.schema)
        for batch in accepted.cast(self.schema).to_batches(max_chunksize=_IPC_ROWS):
            self.writer.write_batch(batch)  # small batches: a scan reads a few ahead
        self._write_orders(chunk.orders)
        self.keys.add(f"rows{file_index}", chunk.row_keys)
        self.keys.add("orders", chunk.order_keys)
        if chunk.line_keys is not None:
            self.keys.add("lines", chunk.line_keys)
        self.rows += size
        self.chunks += 1
        for name in accepted.column_names:
            self.nulls[name] = self.nulls.get(name, 0) + accepted.column(name).null_count

    def _write_orders(self, orders: pa.Table) -> None:
        chunk = pa.array(np.full(orders.num_rows, self.chunks, np.int32))
        orders = orders.append_column("_chunk", chunk).cast(_ORDERS)
        if self.orders is None:
            self.orders = pa.ipc.new_file(str(self.orders_path), _ORDERS)
        self.orders.write_table(orders)

    def close(self) -> None:
        for writer in (self.writer, self.orders):
            if writer is not None:
                writer.close()


def _validated(
    raw: RawFile, table: str, opts: Mapping[str, Any], config: Mapping[str, Any]
) -> _Chunk:
    """One chunk validated; its rows' places in their orders (``_pos``), its orders, its keys.

    With ``opts["_line_keys"]`` (a table of several files) each row also gets ``_hk``, a hash
    of its :data:`LINE_KEY` values, by which lines repeated across files are found.
    """
    out = validate_file(raw, table, opts, config)
    positions, orders = chunk_positions(out.accepted.column("order_id"))
    out.accepted = out.accepted.append_column("_pos", pa.array(positions))
    order_keys = row_hashes(orders.select(["order_id"]))["_h1"]
    orders = orders.append_column("_oh", pa.array(order_keys))
    row_keys = count_keys(out.accepted.column("_h1").to_numpy())
    line_keys = None
    if opts.get("_line_keys"):
        hashes = row_hashes(out.accepted.select(list(LINE_KEY)))["_h1"]
        out.accepted = out.accepted.append_column("_hk", pa.array(hashes))
        line_keys = count_keys(hashes)
    return _Chunk(out, orders, row_keys, count_keys(order_keys), line_keys)


def _stream_file(
    path: Path, name: str, table: str, opts: Mapping[str, Any], config: Mapping[str, Any], sink: Any
) -> FileOut:
    """Validate one file chunk by chunk; each :class:`_Chunk` goes to ``sink(chunk)``.

    The first chunk decides how the file reads; the later ones are validated two at a time
    (Arrow and NumPy work outside Python's lock) and taken in file order, so an error is
    the one a whole read meets first.
    """
    outs: list[FileOut] = []

    def take(done: _Chunk) -> None:
        sink(done)
        done.out.accepted = done.out.accepted.schema.empty_table()  # a slice would keep it
        outs.append(done.out)

    chunks = _chunks(path, name, table, opts)
    first = next(chunks)
    take(_validated(first, table, {**opts, "_pinned": {}}, config))
    pinned, rows = outs[0].decisions, first.table.num_rows
    del first
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        running: deque[Future] = deque()
        for raw in chunks:
            chunk_opts = {**opts, "_pinned": {**pinned, "rows_before": rows}}
            rows += raw.table.num_rows
            running.append(pool.submit(_validated, raw, table, chunk_opts, config))
            del raw
            while len(running) >= _WORKERS:
                take(running.popleft().result())
        while running:
            take(running.popleft().result())
    return _merge(outs, name)


def _pandas_schema(nulls: Mapping[str, int], table: str) -> pa.Schema:
    """The schema a whole-file read writes: pandas' dtypes (nullable where nulls occur)."""
    dtypes = {}
    for column, dtype in schema.CANONICAL[table].items():
        has_null = nulls.get(column, 0) > 0 and column != "line_no"
        dtypes[column] = {
            "string": "string",
            "date": "datetime64[ns]",
            "int64": "Int64" if has_null else "int64",
            "bool": "boolean" if has_null else "bool",
            "float64": "float64",
        }[dtype]
    empty = pd.DataFrame({column: pd.Series([], dtype=dtype) for column, dtype in dtypes.items()})
    described = pa.Schema.from_pandas(empty, preserve_index=False)
    fields = [  # text as Arrow's string, as the chunks hold it (a large_string would copy it)
        field.with_type(pa.string()) if pa.types.is_large_string(field.type) else field
        for field in described
    ]
    return pa.schema(fields, metadata=described.metadata)


def _lines_before(con: Any, parts: _Parts) -> LinesBefore:
    """Per chunk, the lines its orders have in earlier chunks (DuckDB, read in chunk order).

    Only the orders whose id hash is listed by more than one chunk can have lines in an
    earlier chunk: their rows of the order lists are copied into a DuckDB table (which spills
    to disk), a batch at a time; the query runs on them alone.
    """
    several = parts.keys.repeated("orders")
    con.execute("CREATE TEMP TABLE orders (order_id VARCHAR, lines BIGINT, _chunk INTEGER)")
    with pa.OSFile(str(parts.orders_path)) as source:
        reader = pa.ipc.open_file(source)
        for index in range(reader.num_record_batches if len(several) else 0):
            batch = reader.get_batch(index)
            listed = is_in(batch.column("_oh").to_numpy(), several)
            if listed.any():
                rows = batch.filter(pa.array(listed)).select(["order_id", "lines", "_chunk"])
                con.register("listed", rows)
                con.execute("INSERT INTO orders SELECT * FROM listed")
                con.unregister("listed")
    return LinesBefore(iter(con.execute(lines_before_query).to_arrow_reader(1 << 16)))


def _register_again(con: Any, parts: _Parts) -> bool:
    """Register ``again``: the LINE_KEY hashes (``_hk``) seen more than once; whether any are.

    Every line of a key seen once is the only line of its key, so it repeats no line of an
    earlier file: the queries on lines across files look at the lines of these keys alone.
    """
    keys = parts.keys.repeated("lines")
    con.register("again", pa.table({"_hk": keys}))
    return bool(len(keys))


def _repeats(con: Any, parts: _Parts, files: int, across: bool) -> np.ndarray:
    """``_seq`` of the rows that repeat an earlier row of their file, or a line of an earlier file.

    A row repeats an earlier row of its file when the hashes of their fields as read are equal
    and so is every value they were read into (a chance collision of the hash alone would need
    equal values too); only rows whose hash occurs more than once in their file
    (:class:`helpers.ingest.keycounts.KeyCounts`) are compared. ``across``: whether some
    lines' keys repeat (:func:`_register_again`).
    """
    twice = pa.concat_tables(
        [
            pa.table({"_file": pa.array(np.full(len(keys), index, np.int32)), "_h1": keys})
            for index in range(files)
            for keys in [parts.keys.repeated(f"rows{index}")]
        ]
    )
    found = np.array([], np.int64)
    if twice.num_rows:
        values = ", ".join(_COMPARED)
        con.register("twice", twice)
        query = f"""SELECT _seq FROM parts SEMI JOIN twice USING (_file, _h1)
            QUALIFY row_number() OVER (PARTITION BY _file, _h1, {values} ORDER BY _seq) > 1"""
        found = con.execute(query).to_arrow_table().column(0).to_numpy()
    if across:
        key = ", ".join(LINE_KEY)
        query = f"""SELECT _seq FROM parts SEMI JOIN again USING (_hk)
            QUALIFY first_value(_file) OVER (PARTITION BY {key} ORDER BY _seq) <> _file"""
        more = con.execute(query).to_arrow_table().column(0).to_numpy()
        found = np.union1d(found, more)
    return np.sort(found)


def _chunk_tables(parts: Path) -> Iterator[pa.Table]:
    """The parts in file order, one table per chunk (its batches joined again)."""
    with pa.OSFile(str(parts)) as source:  # read, not mapped: mapped pages would stay resident
        reader = pa.ipc.open_file(source)
        held: list[pa.RecordBatch] = []
        for index in range(reader.num_record_batches):
            batch = reader.get_batch(index)
            if held and batch.column("_chunk")[0] != held[0].column("_chunk")[0]:
                yield pa.Table.from_batches(held)
                held = []
            held.append(batch)
        if held:
            yield pa.Table.from_batches(held)


def _finished_batches(
    parts: Path, repeats: np.ndarray, before: LinesBefore | None
) -> Iterator[pa.Table]:
    """The parts in file order (a chunk at a time) with ``is_duplicate`` and ``line_no`` set."""
    for rows in _chunk_tables(parts):
        seq = rows.column("_seq").to_numpy()
        repeat = is_in(seq, repeats)
        flag = pc.or_(rows.column("is_duplicate"), pa.array(repeat))
        rows = rows.set_column(rows.schema.get_field_index("is_duplicate"), "is_duplicate", flag)
        if before is not None:
            order_ids = rows.column("order_id").combine_chunks()
            earlier = before.of_chunk(rows.column("_chunk")[0].as_py())
            places = place(rows.column("_pos").to_numpy(), order_ids, earlier)
            line_no = pc.coalesce(rows.column("line_no"), pa.array(places))
            rows = rows.set_column(rows.schema.get_field_index("line_no"), "line_no", line_no)
        yield rows


def _overlap_notes(con: Any, names: list[str]) -> list[str]:
    """One sentence per pair of files whose lines repeat (same key), as a whole read says it."""
    key = ", ".join(LINE_KEY)
    rows = con.execute(
        f"""SELECT _file, first_file, count(*) AS lines, sum(revenue) AS revenue
        FROM (SELECT _file, _seq, revenue, first_value(_file) OVER
              (PARTITION BY {key} ORDER BY _seq) AS first_file
              FROM parts SEMI JOIN again USING (_hk))
        WHERE first_file <> _file
        GROUP BY _file, first_file ORDER BY min(_seq)"""
    ).fetchall()
    return [
        overlap_sentence(count, names[later], names[earlier], float(revenue))
        for later, earlier, count, revenue in rows
    ]


def _prepared(
    batches: Iterator[pa.Table], target: pa.Schema, figures: LineFigures
) -> Iterator[pa.Table]:
    """The finished batches in the target schema, their figures added up as they go by."""
    for rows in batches:
        rows = rows.select(target.names).cast(target)
        add_batch(figures, rows)
        yield rows


def _write_final(
    final: Path, target: pa.Schema, batches: Iterator[pa.Table], figures: LineFigures
) -> None:
    """The finished table as Parquet; its lines' figures added up on the way.

    The next batch is read, flagged and cast on a second thread while one is written (the
    Parquet writer works on one thread). Text of few distinct values is dictionary-encoded,
    order ids are written plain; min/max statistics are kept for numbers, dates and flags, not
    for text (a row group's smallest and largest ids serve no filter and took 1.2 of 7.4 s of
    CPU writing 10 million lines).
    """
    text = [field.name for field in target if pa.types.is_string(field.type)]
    options = {
        "use_dictionary": [name for name in text if name not in _PLAIN_TEXT],
        "write_statistics": [name for name in target.names if name not in text],
    }
    prepared = _prepared(batches, target, figures)
    with pq.ParquetWriter(final, target, **options) as writer:
        with ThreadPoolExecutor(max_workers=1) as pool:
            ahead = pool.submit(next, prepared, None)
            while (rows := ahead.result()) is not None:
                ahead = pool.submit(next, prepared, None)
                writer.write_table(rows)


def _finish(
    table: str, parts: _Parts, final: Path, names: list[str], work: Path
) -> tuple[list[str], LineFigures]:
    """Write the finished table to ``final`` (DuckDB, memory-limited).

    Returns the sentences on lines repeated across files and the lines' figures.
    """
    import duckdb
    import pyarrow.dataset as ds

    spill = work / "spill"
    spill.mkdir(exist_ok=True)
    settings = {"memory_limit": STREAM_MEMORY, "temp_directory": str(spill), "threads": 2}
    con = duckdb.connect(config=settings)
    try:
        con.register("parts", ds.dataset(str(parts.path), format="arrow"))
        across = len(names) > 1 and _register_again(con, parts)
        repeats = _repeats(con, parts, len(names), across)
        before = _lines_before(con, parts) if parts.nulls.get("line_no") else None
        batches = _finished_batches(parts.path, repeats, before)
        figures = LineFigures(files={name: (Count(), Count()) for name in names})
        _write_final(final, _pandas_schema(parts.nulls, table), batches, figures)
        return (_overlap_notes(con, names) if across else []), figures
    finally:
        con.close()


def _dictionary_facts(final: Path, table: str, nulls: Mapping[str, int]) -> dict[str, dict]:
    """Per column of a finished table: pandas dtype, the dtype in words, values present, example.

    ``nulls`` are the nulls per column of the parts (``line_no`` is filled in since). The
    facts are what :func:`helpers.ingest.quality.dictionary_rows` gives for a table in memory;
    the example is the first value present, as text.
    """
    parquet = pq.ParquetFile(final)
    rows = parquet.metadata.num_rows
    described = parquet.schema_arrow.pandas_metadata["columns"]
    pandas_types = {column["name"]: column["numpy_type"] for column in described}
    facts: dict[str, dict[str, Any]] = {}
    for column, dtype in schema.CANONICAL[table].items():
        kind = "yes/no" if dtype == "bool" else _DTYPE_WORDS[dtype]
        absent = 0 if column == "line_no" else int(nulls.get(column, 0))
        facts[column] = {"dtype": pandas_types[column], "kind": kind, "non_null": rows - absent}
        facts[column]["example"] = ""
    missing = [column for column, fact in facts.items() if fact["non_null"]]
    for batch in parquet.iter_batches(batch_size=1 << 16, columns=missing):
        frame = batch.to_pandas()
        for column in list(missing):
            present = frame[column].dropna()
            if len(present):
                facts[column]["example"] = str(present.iloc[0])
                missing.remove(column)
        if not missing:
            break
    return facts


def stream_table(
    table: str,
    sources: list[tuple[Path, str]],
    opts: Mapping[str, Any],
    config: Mapping[str, Any],
    work: Path,
) -> Streamed:
    """Validate a table's files chunk by chunk and finish the table on DuckDB.

    Parameters
    ----------
    table
        The canonical table (``order_lines``).
    sources
        Its files as (path, display name), in order.
    opts
        The table's parse options.
    config
        The whole config.
    work
        A folder for the intermediate files (removed by the caller).

    Returns
    -------
    Streamed
        Each file's outcome, the finished Parquet file (``work/<table>.parquet``), the
        sentences on lines repeated across files, the data dictionary's facts per column
        (``dtype``, ``kind``, ``non_null``, ``example``) and the accepted lines' figures.

    Raises
    ------
    IngestError
        On a file-level problem, as a whole-file read raises it.
    ReadWhole
        When a text file does not decode past its head (the caller reads the table whole).
    """
    size = sum(path.stat().st_size for path, _ in sources if path.is_file())
    parts = _Parts(work / f"{table}.parts.arrow", bucket_count(size))
    opts = {**opts, "_line_keys": len(sources) > 1}
    files: list[FileOut] = []
    try:
        for index, (path, name) in enumerate(sources):
            sink = functools.partial(parts.write, file_index=index)
            files.append(_stream_file(path, name, table, opts, config, sink))
    finally:
        parts.close()
    final = work / f"{table}.parquet"
    notes, figures = _finish(table, parts, final, [file.name for file in files], work)
    os.remove(parts.path)
    os.remove(parts.orders_path)
    facts = _dictionary_facts(final, table, parts.nulls)
    return Streamed(files, final, notes, facts, figures)
