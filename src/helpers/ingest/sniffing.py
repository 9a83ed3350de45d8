"""Sniffing a raw export: its format, and a text file's encoding, delimiter and header."""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.ingest.encodings import (
    choose_encoding,
    decode_by_line,
    decode_prefix,
    undecodable_error,
)
from helpers.ingest.errors import IngestError

__all__ = ["ALIGNED_COLUMNS", "CsvLayout", "sniff_format", "sniff_csv", "check_unique_header"]

_EMPTY_FILE = "the file is empty (expected a header line and data rows)"


@dataclass
class CsvLayout:
    """What sniffing the head of a text file found."""

    encoding: str
    encoding_how: str  # "configured", "BOM", "utf-8", "detected", "utf-8 by line, else cp1252"
    delimiter: str
    quotechar: str
    header: list[str]
    skip_rows: int
    fallback_lines: list[int] = field(default_factory=list)  # lines read in the Latin code page


def sniff_format(path: Path, configured: str) -> str:
    """The file's format: configured, else from its first bytes, else from its extension.

    Parameters
    ----------
    path
        The source file.
    configured
        The table's ``format`` option; ``auto`` or empty to sniff.

    Returns
    -------
    str
        ``configured`` as given, else ``parquet``, ``xlsx``, ``xls``, ``xlsb``, ``ods``,
        ``gzip`` (a compressed file of any of them) or ``csv``.
    """
    if configured and configured != "auto":
        return configured
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic == b"PAR1":
        return "parquet"
    if magic[:2] == b"\x1f\x8b":
        return "gzip"
    ext = path.suffix.lower().lstrip(".")
    if magic == b"PK\x03\x04":
        return ext if ext in ("ods", "xlsb") else _zip_format(path)
    if magic == b"\xd0\xcf\x11\xe0":  # an OLE2 compound file: Excel 97-2003
        return "xls"
    if ext in ("parquet", "pq"):
        return "parquet"
    if ext in ("xlsx", "xlsm", "xls", "xlsb", "ods"):
        return "xlsx" if ext == "xlsm" else ext
    return "csv"


def _zip_format(path: Path) -> str:
    """``ods`` for an OpenDocument spreadsheet (its ``mimetype`` entry), else ``xlsx``."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            if "mimetype" in archive.namelist():
                if b"opendocument.spreadsheet" in archive.read("mimetype"):
                    return "ods"
            if "xl/workbook.bin" in archive.namelist():
                return "xlsb"
    except zipfile.BadZipFile:
        pass
    return "xlsx"


def check_unique_header(header: list[str], name: str, header_row: int) -> None:
    """Refuse a header that names a column twice.

    Parameters
    ----------
    header
        The column names, in order.
    name
        The file's display name, first in the message.
    header_row
        The header's line (CSV) or row (xlsx) number, 1-based.

    Raises
    ------
    IngestError
        Naming the repeated column and both of its positions.
    """
    seen: dict[str, int] = {}
    for position, column in enumerate(header, start=1):
        if column in seen:
            raise IngestError(
                f"{name}: row {header_row} (header): column {column!r} appears twice (columns "
                f"{seen[column]} and {position}; expected unique column names)"
            )
        seen[column] = position


def _read_head(path: Path, nbytes: int) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(nbytes)


def _head_lines(path: Path, opts: Mapping[str, Any], name: str, table: str) -> tuple[str, str, str]:
    """The decoded head of the file, its encoding and how that was chosen."""
    head = _read_head(path, int(opts["sniff_bytes"]))
    encoding, how = choose_encoding(path, head, str(opts["encoding"]), opts["latin_encoding"], name)
    try:
        if how.startswith("utf-8 by line"):
            text, _ = decode_by_line(head, opts["latin_encoding"])
        else:
            text = decode_prefix(head, encoding)
    except UnicodeDecodeError:
        raise undecodable_error(path, encoding, name, table, default_line=1) from None
    return text.lstrip("\ufeff"), encoding, how


def _lines_from_header(text: str, skip: int, name: str) -> list[str]:
    """The head's lines from the header on; refuses an empty head or a blank header line."""
    lines = text.splitlines()[skip:]
    if not any(line.strip() for line in lines):
        raise IngestError(f"{name}: {_EMPTY_FILE}")
    if not lines[0].strip():
        raise IngestError(
            f"{name}: row {skip + 1} (header): the header line is blank (expected column names; "
            "set skip_rows if the header comes later)"
        )
    return lines


ALIGNED_COLUMNS = re.compile(r"\t| {2,}")


def _looks_aligned(lines: list[str]) -> bool:
    """Whether the first lines are columns aligned by runs of spaces (no other delimiter)."""
    if not lines or any(char in lines[0] for char in ";,\t|"):
        return False
    counts = [len(ALIGNED_COLUMNS.split(line.strip())) for line in lines[:50] if line.strip()]
    return counts[0] >= 3 and sum(count == counts[0] for count in counts) / len(counts) >= 0.6


def _field_counts(lines: list[str], delimiter: str, quotechar: str) -> list[int]:
    """Fields per line, up to a line the csv module cannot split (a huge or unclosed field)."""
    counts = []
    reader = csv.reader(lines, delimiter=delimiter, quotechar=quotechar)
    try:
        for fields in reader:
            if fields:
                counts.append(len(fields))
    except csv.Error:
        pass
    return counts


def _sniff_delimiter(lines: list[str], quotechar: str) -> str:
    """The delimiter among ; , tab | that splits the first lines most consistently.

    ``whitespace`` when none splits the header and its columns are aligned by runs of spaces.
    """
    if _looks_aligned(lines):
        return "whitespace"
    best, best_score = ",", (-1.0, 0)
    for candidate in (";", "\t", "|", ","):
        counts = _field_counts(lines, candidate, quotechar)
        if not counts or counts[0] < 2:
            continue
        same = sum(count == counts[0] for count in counts) / len(counts)
        score = (same, counts[0])
        if score > best_score:
            best, best_score = candidate, score
    return best


def _delimiter(opts: Mapping[str, Any], lines: list[str], quotechar: str) -> str:
    """The configured delimiter (``tab`` or a backslash-t for a tab), else the sniffed one."""
    delimiter = opts.get("delimiter") or "auto"
    if delimiter == "auto":
        return _sniff_delimiter(lines[:50], quotechar)
    if delimiter in ("\\t", "tab"):
        return "\t"
    return delimiter


def sniff_csv(path: Path, opts: Mapping[str, Any], name: str, table: str) -> CsvLayout:
    """Encoding, delimiter and header of a delimited text file (reads only its head).

    Parameters
    ----------
    path
        The text file.
    opts
        The table's parse options: ``sniff_bytes``, ``encoding``, ``latin_encoding``,
        ``skip_rows``, ``quotechar``, ``delimiter``.
    name
        The file's display name, first in error messages.
    table
        The canonical table the file is a source of.

    Returns
    -------
    CsvLayout
        Encoding (and how it was chosen), delimiter, quote character, header and rows skipped.

    Raises
    ------
    IngestError
        When the file is empty, its head does not decode, the header line is blank or names a
        column twice.
    """
    if path.stat().st_size == 0:
        raise IngestError(f"{name}: {_EMPTY_FILE}")
    text, encoding, how = _head_lines(path, opts, name, table)
    skip = int(opts.get("skip_rows") or 0)
    lines = _lines_from_header(text, skip, name)
    quotechar = str(opts.get("quotechar") or '"')
    delimiter = _delimiter(opts, lines, quotechar)
    if delimiter == "whitespace":
        header = ALIGNED_COLUMNS.split(lines[0].strip())
        check_unique_header(header, name, skip + 1)
        return CsvLayout(encoding, how, delimiter, quotechar, header, skip)
    header = next(csv.reader([lines[0]], delimiter=delimiter, quotechar=quotechar))
    header = [column.strip().lstrip("\ufeff").strip() for column in header]
    check_unique_header(header, name, skip + 1)
    return CsvLayout(encoding, how, delimiter, quotechar, header, skip)
