"""Readers of raw exports (CSV and other delimited text, xlsx, Parquet) into columns of text.

Readers return a :class:`RawFile`: one column per header field (strings, except for Parquet,
which keeps its types), the source line of every row and the rows that could not be split.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from helpers.ingest.encodings import (
    decode_by_line,
    detect_encoding,
    file_is_mixed_utf8,
    locate_decode_error,
    non_utf8_sample,
    undecodable_error,
)
from helpers.ingest.errors import IngestError
from helpers.ingest.rawfile import RawFile, no_data_rows
from helpers.ingest.sheets import read_xlsx_raw
from helpers.ingest.sniffing import ALIGNED_COLUMNS, CsvLayout, sniff_csv, sniff_format

__all__ = [
    "RawFile",
    "read_raw",
    "read_csv_raw",
    "read_xlsx_raw",
    "read_parquet_raw",
    "sniff_layout",
]

#: the longest field a text export may hold (characters)
MAX_FIELD_CHARS = 1 << 20
BLOCK_BYTES = 1 << 24  # the CSV reader's block; a record must fit in one
#: one ragged row: (record number, fields found, raw text)
_BadRow = tuple[int, int, str]


# ---- CSV ------------------------------------------------------------------------------------
def _pyarrow_encoding(encoding: str) -> str:
    return "utf8" if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig") else encoding


def csv_options(
    layout: CsvLayout, encoding: str, on_invalid: Any, block_bytes: int = BLOCK_BYTES
) -> dict[str, Any]:
    """Options of Arrow's CSV reader: every field a string ``f0, f1 ...``.

    Ragged rows are handed to ``on_invalid``; records stay in file order (one thread keeps
    their numbers).

    Parameters
    ----------
    layout
        What sniffing found (delimiter, quote, header, rows skipped).
    encoding
        The text's encoding.
    on_invalid
        Called with each row of the wrong field count; returns ``"skip"``.
    block_bytes
        The reader's block; a record must fit in one.

    Returns
    -------
    dict
        ``read_options``, ``parse_options`` and ``convert_options`` for ``pyarrow.csv``.
    """
    names = [f"f{i}" for i in range(len(layout.header))]
    return {
        "read_options": pacsv.ReadOptions(
            use_threads=False,  # keeps row numbers of invalid rows
            block_size=block_bytes,
            skip_rows=layout.skip_rows + 1,
            column_names=names,
            encoding=_pyarrow_encoding(encoding),
        ),
        "parse_options": pacsv.ParseOptions(
            delimiter=layout.delimiter,
            quote_char=layout.quotechar,
            double_quote=True,
            newlines_in_values=True,
            ignore_empty_lines=False,
            invalid_row_handler=on_invalid,
        ),
        "convert_options": pacsv.ConvertOptions(
            column_types={column: pa.string() for column in names},
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            null_values=[""],
        ),
    }


def _read_csv_table(path: Path, layout: CsvLayout, encoding: str) -> tuple[pa.Table, list[_BadRow]]:
    """Every field as a string column ``f0, f1 ...``; rows with the wrong field count set aside."""
    bad: list[_BadRow] = []

    def on_invalid(row: Any) -> str:
        bad.append((row.number, row.actual_columns, row.text))
        return "skip"

    table = pacsv.read_csv(path, **csv_options(layout, encoding, on_invalid))
    return table, bad


def _read_csv_redetected(
    path: Path, layout: CsvLayout, name: str, table: str, opts: Mapping[str, Any]
) -> tuple[pa.Table, list[_BadRow]]:
    """Read again in the encoding detected from the non-ASCII lines (UTF-8 failed past the head)."""
    sample = non_utf8_sample(path, int(opts["sniff_bytes"]))
    encoding = detect_encoding(sample, opts["latin_encoding"]) or ""
    try:
        codecs.lookup(encoding)
        result = _read_csv_table(path, layout, encoding)
    except (LookupError, pa.ArrowInvalid, UnicodeDecodeError):
        line, bad = locate_decode_error(path, "utf-8") or (0, b"")
        raise IngestError(
            f"{name}: row {line}: bytes {bad.hex(' ')} are not UTF-8 and the "
            f"encoding could not be detected (expected UTF-8, cp1252 or GBK text; set "
            f"tables.{table}.encoding)"
        ) from None
    layout.encoding, layout.encoding_how = encoding, "detected"
    return result


def _utf8_copy(path: Path, layout: CsvLayout, opts: Mapping[str, Any], folder: Path) -> Path:
    """A UTF-8 copy of a UTF-8 file holding a few lines in the Latin code page, line by line.

    ``layout`` records how: ``encoding_how`` names the code page, ``fallback_lines`` the lines.
    """
    latin = str(opts["latin_encoding"])
    try:
        text, fallen = decode_by_line(path.read_bytes(), latin)
    except UnicodeDecodeError:
        return path  # not this case: the caller's error names the bytes
    copy = folder / "utf8.csv"
    copy.write_text(text, encoding="utf-8", newline="")
    layout.encoding, layout.encoding_how = "utf-8", f"utf-8 by line, else {latin}"
    layout.fallback_lines = fallen
    return copy


def _read_csv_decoded(
    path: Path, layout: CsvLayout, name: str, table: str, opts: Mapping[str, Any], folder: Path
) -> tuple[pa.Table, list[_BadRow], Path]:
    """Read in the sniffed encoding; if only the head was UTF-8, detect the encoding and retry.

    A UTF-8 file with a few lines in another encoding is read line by line from a UTF-8 copy
    in ``folder``; the path returned is the file actually read.
    """
    if layout.encoding_how.startswith("utf-8 by line"):
        path = _utf8_copy(path, layout, opts, folder)
    try:
        return (*_read_csv_table(path, layout, layout.encoding), path)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if "straddling object" in str(exc):
            raise huge_field_error(path, name) from None
        if "invalid UTF8" not in str(exc) and not isinstance(exc, UnicodeDecodeError):
            raise IngestError(f"{name}: cannot be read as CSV ({exc})") from None
        if layout.encoding_how in ("configured", "BOM"):
            raise undecodable_error(path, layout.encoding, name, table, default_line=0) from None
    if file_is_mixed_utf8(path):
        copy = _utf8_copy(path, layout, opts, folder)
        if copy != path:
            return (*_read_csv_table(copy, layout, "utf-8"), copy)
    return (*_read_csv_redetected(path, layout, name, table, opts), path)


def _may_hold_newline(column: pa.ChunkedArray) -> bool:
    """Whether a text column may hold a line break: its value bytes scanned at once (memchr)."""
    for chunk in column.chunks:
        buffers = chunk.buffers()
        if len(buffers) != 3 or not pa.types.is_string(chunk.type):
            return True  # not plain text: look value by value
        if buffers[2] is not None and b"\n" in buffers[2].to_pybytes():
            return True
    return False


def newlines_per_row(table: pa.Table) -> np.ndarray:
    """Line breaks inside the quoted fields of each row."""
    extra = np.zeros(table.num_rows, dtype=np.int64)
    for column in table.columns:
        if table.num_rows and _may_hold_newline(column):
            extra += pc.fill_null(pc.count_substring(column, "\n"), 0).to_numpy()
    return extra


def _physical_lines(
    table: pa.Table, bad: list[_BadRow], header_line: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Line number of every record, line breaks inside it, and whether it is a ragged row.

    Record numbers count records (header = ``header_line``); line numbers count lines of the
    file, so a quoted newline moves every later record one line down.
    """
    records = table.num_rows + len(bad)
    bad_numbers = np.array([row[0] for row in bad], dtype=np.int64)
    is_bad = np.zeros(records, dtype=bool)
    is_bad[bad_numbers - header_line - 1] = True
    extra = np.zeros(records, dtype=np.int64)
    extra[~is_bad] = newlines_per_row(table)
    extra[is_bad] = [row[2].count("\n") for row in bad]
    before = np.concatenate(([0], np.cumsum(extra)[:-1]))
    lines = header_line + 1 + np.arange(records, dtype=np.int64) + before
    return lines, extra, is_bad


def _tail_is_unterminated(path: Path, encoding: str, start_line: int, layout: CsvLayout) -> bool:
    """Whether the record starting at ``start_line`` opens a quote that never closes."""
    with open(path, encoding=encoding, newline="") as handle:
        for _ in range(start_line - 1):
            handle.readline()
        tail = handle.read()
    try:
        for _ in csv.reader(
            io.StringIO(tail), delimiter=layout.delimiter, quotechar=layout.quotechar, strict=True
        ):
            pass
    except csv.Error:
        return True
    return False


def check_last_record_closes(
    path: Path, layout: CsvLayout, name: str, lines: np.ndarray, extra: np.ndarray
) -> None:
    """Refuse a file whose last record opens a quote that swallows the lines after it."""
    last_line, swallowed = int(lines[-1]), int(extra[-1])
    if swallowed > 0 and _tail_is_unterminated(path, layout.encoding, last_line, layout):
        raise IngestError(
            f"{name}: row {last_line}: unterminated quote: a field opened with "
            f"{layout.quotechar} on this line never closes, so the {swallowed} "
            f"line{'s' if swallowed != 1 else ''} after "
            f"it would be swallowed (expected a closing {layout.quotechar})"
        )


def ragged_rows(
    bad: list[_BadRow], lines: np.ndarray, header_line: int, n_columns: int
) -> list[dict[str, Any]]:
    """The rows with the wrong number of fields, as ``source_row``, ``reason`` and ``raw``."""
    return [
        {
            "source_row": int(lines[number - header_line - 1]),
            "reason": f"row has {actual} field{'s' if actual != 1 else ''} (expected {n_columns} as in the header)",
            "raw": text,
        }
        for number, actual, text in bad
    ]


def huge_field_error(path: Path, name: str) -> IngestError:
    """The error for a record longer than the reader's block (16 MiB): names the first huge line.

    Parameters
    ----------
    path
        The text file.
    name
        The file's display name.

    Returns
    -------
    IngestError
        To raise.
    """
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            if len(line) > MAX_FIELD_CHARS:
                return IngestError(
                    f"{name}: row {number}: a line of {len(line):,} bytes (expected fields of at "
                    f"most {MAX_FIELD_CHARS:,} characters; an unbalanced quote may have "
                    "swallowed the lines after it)"
                )
    return IngestError(
        f"{name}: a record longer than {BLOCK_BYTES:,} bytes (expected fields of at most "
        f"{MAX_FIELD_CHARS:,} characters; an unbalanced quote may have swallowed the lines after it)"
    )


def check_field_sizes(table: pa.Table, lines: np.ndarray, layout: CsvLayout, name: str) -> None:
    """Refuse a field longer than :data:`MAX_FIELD_CHARS` (an unbalanced quote, or not a table)."""
    for position, column in enumerate(table.columns):
        if not table.num_rows:
            return
        if (pc.max(pc.binary_length(column)).as_py() or 0) <= MAX_FIELD_CHARS:
            continue  # no more bytes than characters allowed: no need to count characters
        longest = pc.max(pc.utf8_length(column)).as_py() or 0
        if longest > MAX_FIELD_CHARS:
            index = int(pc.index(pc.utf8_length(column), longest).as_py())
            raise IngestError(
                f"{name}: row {int(lines[index])}, column "
                f"{layout.header[position]!r}: a field of {longest:,} characters (expected at "
                f"most {MAX_FIELD_CHARS:,}; an unbalanced quote may have swallowed the lines "
                "after it)"
            )


def read_csv_raw(
    path: Path, layout: CsvLayout, name: str, table: str, opts: Mapping[str, Any]
) -> RawFile:
    """Read a delimited text file with every column as strings; ragged rows set aside.

    Parameters
    ----------
    path
        The text file.
    layout
        What :func:`helpers.ingest.sniffing.sniff_csv` found; its encoding is updated in place
        when the file turns out not to be UTF-8 past its head.
    name
        The file's display name, first in error messages.
    table
        The canonical table the file is a source of.
    opts
        The table's parse options (``sniff_bytes``, ``latin_encoding`` for re-detection).

    Returns
    -------
    RawFile
        String columns named as in the header, the line number of every row, the ragged rows
        and ``meta`` (format, encoding, how it was chosen, delimiter).

    Raises
    ------
    IngestError
        When the file cannot be parsed as CSV or decoded, has only a header, or ends in an
        unterminated quote.
    """
    with tempfile.TemporaryDirectory(prefix="ingest-") as folder:
        raw_table, bad, text_path = _read_csv_decoded(path, layout, name, table, opts, Path(folder))
        raw_table = raw_table.rename_columns(layout.header)
        header_line = layout.skip_rows + 1
        if raw_table.num_rows + len(bad) == 0:
            raise no_data_rows(name, header_line + 1)
        lines, extra, is_bad = _physical_lines(raw_table, bad, header_line)
        check_field_sizes(raw_table, lines[~is_bad], layout, name)
        check_last_record_closes(text_path, layout, name, lines, extra)
    meta = {
        "format": "csv",
        "encoding": layout.encoding,
        "encoding_how": layout.encoding_how,
        "delimiter": layout.delimiter,
    }
    if layout.fallback_lines:
        meta["fallback_lines"] = layout.fallback_lines
    bad_rows = ragged_rows(bad, lines, header_line, len(layout.header))
    return RawFile(path, name, raw_table, lines[~is_bad], bad_rows, meta)


# ---- Parquet and the dispatcher -------------------------------------------------------------
def read_parquet_raw(path: Path, name: str) -> RawFile:
    """Read a Parquet file as it is typed (source_row = 1-based row number).

    Parameters
    ----------
    path
        The Parquet file.
    name
        The file's display name, first in error messages.

    Returns
    -------
    RawFile
        The file's typed columns, names stripped of surrounding spaces; ``meta`` gives the format.

    Raises
    ------
    IngestError
        When the file cannot be read or has no rows.
    """
    import pyarrow.parquet as pq

    try:
        parquet = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise IngestError(f"{name}: not a readable Parquet file ({exc})") from None
    if parquet.num_rows == 0:
        raise IngestError(f"{name}: the Parquet file has no rows (expected at least one data row)")
    parquet = parquet.rename_columns([column.strip() for column in parquet.column_names])
    nested = [
        column
        for column, kind in zip(parquet.column_names, parquet.schema.types, strict=True)
        if pa.types.is_nested(kind)
    ]
    for column in nested:  # as text, so no step trips on it; refused if a field maps to it
        text = pa.array([None if v is None else str(v) for v in parquet.column(column).to_pylist()])
        parquet = parquet.set_column(parquet.column_names.index(column), column, text)
    row_numbers = np.arange(1, parquet.num_rows + 1, dtype=np.int64)
    meta = {"format": "parquet", "nested": nested} if nested else {"format": "parquet"}
    return RawFile(path, name, parquet, row_numbers, [], meta)


def _read_gzip(path: Path, name: str, table: str, opts: Mapping[str, Any]) -> RawFile:
    """A gzip-compressed export, unpacked into a temporary file and read as what it holds."""
    with tempfile.TemporaryDirectory(prefix="ingest-") as folder:
        inner = Path(folder) / path.name.removesuffix(".gz").removesuffix(".gzip")
        try:
            with gzip.open(path, "rb") as packed, open(inner, "wb") as unpacked:
                shutil.copyfileobj(packed, unpacked, 1 << 20)
        except (OSError, EOFError) as exc:
            raise IngestError(f"{name}: not a readable gzip file ({exc})") from None
        raw = read_raw(inner, name, table, {**opts, "format": "auto"})
    raw.path, raw.meta = path, {**raw.meta, "compression": "gzip"}
    return raw


def _read_aligned(
    path: Path, layout: CsvLayout, name: str, table: str, opts: Mapping[str, Any]
) -> RawFile:
    """Columns aligned by runs of spaces: split each line on tabs or 2+ spaces, then read as CSV."""
    with tempfile.TemporaryDirectory(prefix="ingest-") as folder:
        copy = Path(folder) / "aligned.csv"
        with (
            open(path, encoding=layout.encoding, newline="") as source,
            open(copy, "w", encoding="utf-8", newline="") as target,
        ):
            writer = csv.writer(
                target, delimiter="\t", quotechar=layout.quotechar, lineterminator="\n"
            )
            blank = [""] * len(layout.header)
            for line in source:
                stripped = line.strip()
                writer.writerow(ALIGNED_COLUMNS.split(stripped) if stripped else blank)
        tab = CsvLayout(
            "utf-8", layout.encoding_how, "\t", layout.quotechar, layout.header, layout.skip_rows
        )
        raw = read_csv_raw(copy, tab, name, table, opts)
    raw.path = path
    raw.meta = {**raw.meta, "encoding": layout.encoding, "delimiter": "  ", "aligned": True}
    return raw


def sniff_layout(
    path: Path, name: str, table: str, opts: Mapping[str, Any]
) -> tuple[str, CsvLayout | None]:
    """A file's format and, for delimited text, what sniffing its head found.

    Parameters
    ----------
    path
        The source file (it exists).
    name
        The file's display name, first in error messages.
    table
        The canonical table the file is a source of.
    opts
        The table's parse options (``format``, ``delimiter`` and the sniffing options).

    Returns
    -------
    (format, layout)
        The format as :func:`helpers.ingest.sniffing.sniff_format` gives it; the layout of a
        ``csv``, ``tsv`` or ``txt`` file (a ``tsv`` file is tab-delimited unless configured),
        else None.

    Raises
    ------
    IngestError
        When a text file's head cannot be sniffed (empty, undecodable, no header).
    """
    fmt = sniff_format(path, str(opts.get("format") or "auto"))
    if fmt not in ("csv", "tsv", "txt"):
        return fmt, None
    if fmt == "tsv" and opts.get("delimiter", "auto") == "auto":
        opts = {**opts, "delimiter": "\t"}
    return fmt, sniff_csv(path, opts, name, table)


def read_raw(path: Path, name: str, table: str, opts: Mapping[str, Any]) -> RawFile:
    """Read one source file of ``table`` whatever its format.

    Parameters
    ----------
    path
        The source file.
    name
        The file's display name, first in error messages and in ``source_file``.
    table
        The canonical table the file is a source of.
    opts
        The table's parse options (``format`` and the reader's options).

    Returns
    -------
    RawFile
        As read by the reader of its format (sniffed unless ``format`` is set).

    Raises
    ------
    IngestError
        When the file is missing, its format is unknown, or its reader refuses it.
    """
    if not path.is_file():
        raise IngestError(f"{name}: file not found (looked for {path})")
    fmt, layout = sniff_layout(path, name, table, opts)
    if fmt == "gzip":
        return _read_gzip(path, name, table, opts)
    if fmt == "parquet":
        return read_parquet_raw(path, name)
    if fmt in ("xlsx", "xls", "xlsb", "ods"):
        return read_xlsx_raw(path, name, table, {**opts, "_format": fmt})
    if layout is not None:
        if layout.delimiter == "whitespace":
            return _read_aligned(path, layout, name, table, opts)
        return read_csv_raw(path, layout, name, table, opts)
    raise IngestError(
        f"{name}: unknown format {fmt!r} (expected auto, csv, tsv, txt, xlsx, xls, xlsb, ods or "
        "parquet)"
    )
