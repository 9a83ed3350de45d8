"""Vectorised readers and parsers for raw exports: files to string columns, strings to typed values.

Everything here works on whole columns (pyarrow compute, numpy); no per-row Python except on
the rare rows that are already known to be bad. Readers return a :class:`RawFile`; parsers
return the typed values plus a mask of values that could not be parsed, so that
:mod:`helpers.ingest` can reject those rows with a reason.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

__all__ = [
    "IngestError",
    "RawFile",
    "CsvLayout",
    "sniff_format",
    "sniff_csv",
    "read_raw",
    "parse_strings",
    "parse_numbers",
    "parse_dates",
    "parse_bools",
    "NumberResult",
    "DateResult",
    "human_date_format",
]


class IngestError(ValueError):
    """A file-level problem that stops ingest: the message names file, row, column and value."""


# ---------------------------------------------------------------------------------------------
# raw files
# ---------------------------------------------------------------------------------------------
@dataclass
class RawFile:
    """One source file as read: its columns (mostly strings) and where each row came from."""

    path: Path
    name: str  # display name used in messages and in source_file
    table: pa.Table  # one column per header field, named as in the header
    rows: np.ndarray  # int64 source row (line number in the file; header = 1) per table row
    bad_rows: list[dict[str, Any]] = field(default_factory=list)  # rows the reader could not split
    meta: dict[str, Any] = field(default_factory=dict)  # format, encoding, delimiter, sheet ...

    @property
    def records(self) -> int:
        """Data rows in the file: split rows plus rows the reader had to reject."""
        return self.table.num_rows + len(self.bad_rows)


@dataclass
class CsvLayout:
    """What sniffing the head of a text file found."""

    encoding: str
    encoding_how: str  # "configured", "BOM", "utf-8", "detected"
    delimiter: str
    quotechar: str
    header: list[str]
    skip_rows: int


# multi-byte encodings; any other guess is a single-byte code page, read as `latin_encoding`
_MULTIBYTE = re.compile(r"^(gb|big5|euc|shift_jis|sjis|cp93\d|cp949|cp950|iso2022|utf|hz|johab|ks)")
_CHINESE = {"gb2312", "gbk", "gb18030", "hz"}


def sniff_format(path: Path, configured: str) -> str:
    """The file's format: configured, else from its first bytes, else from its extension."""
    if configured and configured != "auto":
        return configured
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic == b"PAR1":
        return "parquet"
    if magic == b"PK\x03\x04":
        return "xlsx"
    ext = path.suffix.lower().lstrip(".")
    if ext in ("parquet", "pq"):
        return "parquet"
    if ext in ("xlsx", "xlsm"):
        return "xlsx"
    return "csv"


def _read_head(path: Path, nbytes: int) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(nbytes)


def _decode_prefix(data: bytes, encoding: str) -> str:
    """Decode ``data`` that may end in the middle of a multi-byte character."""
    return codecs.getincrementaldecoder(encoding)(errors="strict").decode(data, final=False)


def locate_decode_error(path: Path, encoding: str) -> tuple[int, bytes] | None:
    """Line number (1-based) and bytes of the first sequence ``encoding`` cannot decode."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lines_before = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                start = max(0, min(exc.start, len(chunk)))
                return lines_before + chunk[:start].count(b"\n") + 1, exc.object[
                    exc.start : exc.end
                ]
            lines_before += chunk.count(b"\n")
    return None


def _detect_encoding(sample: bytes, latin_default: str) -> str | None:
    """Best guess of a non-UTF-8 sample's encoding (charset-normalizer, steered to cp1252/GBK)."""
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        return None
    enc = best.encoding.lower().replace("-", "_")
    if enc in _CHINESE:
        return "gb18030"  # a superset of GBK and GB2312
    if not _MULTIBYTE.match(enc):
        try:
            sample.decode(latin_default)
            return latin_default
        except UnicodeDecodeError:
            return enc
    return enc


def _non_utf8_sample(path: Path, limit: int) -> bytes:
    """Up to ``limit`` bytes of whole lines holding non-ASCII bytes (for encoding detection)."""
    out: list[bytes] = []
    size = 0
    with open(path, "rb") as fh:
        for line in fh:
            if size >= limit:
                break
            if any(b > 127 for b in line):
                out.append(line)
                size += len(line)
    return b"".join(out)


def choose_encoding(path: Path, head: bytes, configured: str, latin_default: str, name: str):
    """Encoding of a text file: configured; else BOM; else UTF-8 if the head decodes; else detected."""
    if configured and configured != "auto":
        try:
            codecs.lookup(configured)
        except LookupError:
            raise IngestError(
                f"{name}: unknown encoding {configured!r} (expected e.g. utf-8, cp1252, gbk)"
            ) from None
        return configured, "configured"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "BOM"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "BOM"
    try:
        _decode_prefix(head, "utf-8")
        return "utf-8", "utf-8"
    except UnicodeDecodeError:
        pass
    enc = _detect_encoding(head, latin_default)
    if enc is None:
        raise IngestError(
            f"{name}: cannot detect the text encoding (expected a CSV text file in UTF-8, cp1252, "
            "GBK...; set the table's encoding, or format: xlsx / parquet if it is not text)"
        )
    return enc, "detected"


def _sniff_delimiter(lines: list[str], quotechar: str) -> str:
    """The delimiter among ; , tab | that splits the first lines most consistently."""
    best, best_score = ",", (-1.0, 0)
    for cand in (";", "\t", "|", ","):
        counts = [len(r) for r in csv.reader(lines, delimiter=cand, quotechar=quotechar) if r]
        if not counts or counts[0] < 2:
            continue
        same = sum(c == counts[0] for c in counts) / len(counts)
        score = (same, counts[0])
        if score > best_score:
            best, best_score = cand, score
    return best


def sniff_csv(path: Path, opts: Mapping[str, Any], name: str, table: str) -> CsvLayout:
    """Encoding, delimiter and header of a delimited text file (reads only its head)."""
    if path.stat().st_size == 0:
        raise IngestError(f"{name}: the file is empty (expected a header line and data rows)")
    head = _read_head(path, int(opts["sniff_bytes"]))
    enc, how = choose_encoding(path, head, str(opts["encoding"]), opts["latin_encoding"], name)
    try:
        text = _decode_prefix(head, enc)
    except UnicodeDecodeError:
        where = locate_decode_error(path, enc)
        line, bad = where if where else (1, b"")
        raise IngestError(
            f"{name}: row {line}: bytes {bad.hex(' ')} cannot be decoded as {enc} "
            f"(expected text in {enc}; set tables.{table}.encoding to the file's encoding, "
            "e.g. cp1252 or gbk)"
        ) from None
    text = text.lstrip("\ufeff")
    skip = int(opts.get("skip_rows") or 0)
    lines = text.splitlines()[skip:]
    if not any(line.strip() for line in lines):
        raise IngestError(f"{name}: the file is empty (expected a header line and data rows)")
    if not lines[0].strip():
        raise IngestError(
            f"{name}: row {skip + 1} (header): the header line is blank (expected column names; "
            "set skip_rows if the header comes later)"
        )
    quotechar = str(opts.get("quotechar") or '"')
    delimiter = opts.get("delimiter") or "auto"
    if delimiter == "auto":
        delimiter = _sniff_delimiter(lines[:50], quotechar)
    elif delimiter in ("\\t", "tab"):
        delimiter = "\t"
    header = next(csv.reader([lines[0]], delimiter=delimiter, quotechar=quotechar))
    header = [h.strip().lstrip("\ufeff").strip() for h in header]
    seen: dict[str, int] = {}
    for i, h in enumerate(header, start=1):
        if h in seen:
            raise IngestError(
                f"{name}: row {skip + 1} (header): column {h!r} appears twice (columns "
                f"{seen[h]} and {i}; expected unique column names)"
            )
        seen[h] = i
    return CsvLayout(enc, how, delimiter, quotechar, header, skip)


def _pyarrow_encoding(enc: str) -> str:
    return "utf8" if codecs.lookup(enc).name in ("utf-8", "utf-8-sig") else enc


def _read_csv_table(path: Path, layout: CsvLayout, encoding: str):
    names = [f"f{i}" for i in range(len(layout.header))]
    bad: list[tuple[int, int, str]] = []

    def on_invalid(row: Any) -> str:
        bad.append((row.number, row.actual_columns, row.text))
        return "skip"

    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(
            use_threads=False,  # keeps row numbers of invalid rows
            block_size=1 << 24,
            skip_rows=layout.skip_rows + 1,
            column_names=names,
            encoding=_pyarrow_encoding(encoding),
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=layout.delimiter,
            quote_char=layout.quotechar,
            double_quote=True,
            newlines_in_values=True,
            ignore_empty_lines=False,
            invalid_row_handler=on_invalid,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            null_values=[""],
        ),
    )
    return table, bad


def _tail_is_unterminated(path: Path, encoding: str, start_line: int, layout: CsvLayout) -> bool:
    """Whether the record starting at ``start_line`` opens a quote that never closes."""
    with open(path, encoding=encoding, newline="") as fh:
        for _ in range(start_line - 1):
            fh.readline()
        tail = fh.read()
    try:
        for _ in csv.reader(
            io.StringIO(tail), delimiter=layout.delimiter, quotechar=layout.quotechar, strict=True
        ):
            pass
    except csv.Error:
        return True
    return False


def read_csv_raw(
    path: Path, layout: CsvLayout, name: str, table: str, opts: Mapping[str, Any]
) -> RawFile:
    """Read a delimited text file with every column as strings; ragged rows set aside."""
    encoding = layout.encoding
    try:
        tbl, bad = _read_csv_table(path, layout, encoding)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if "invalid UTF8" not in str(exc) and not isinstance(exc, UnicodeDecodeError):
            raise IngestError(f"{name}: cannot be read as CSV ({exc})") from None
        if layout.encoding_how in ("configured", "BOM"):
            where = locate_decode_error(path, encoding) or (0, b"")
            raise IngestError(
                f"{name}: row {where[0]}: bytes {where[1].hex(' ')} cannot be decoded as "
                f"{encoding} (expected text in {encoding}; set tables.{table}.encoding to the "
                "file's encoding, e.g. cp1252 or gbk)"
            ) from None
        sample = _non_utf8_sample(path, int(opts["sniff_bytes"]))
        encoding = _detect_encoding(sample, opts["latin_encoding"]) or ""
        try:
            codecs.lookup(encoding)
            tbl, bad = _read_csv_table(path, layout, encoding)
        except (LookupError, pa.ArrowInvalid, UnicodeDecodeError):
            where = locate_decode_error(path, "utf-8") or (0, b"")
            raise IngestError(
                f"{name}: row {where[0]}: bytes {where[1].hex(' ')} are not UTF-8 and the "
                f"encoding could not be detected (expected UTF-8, cp1252 or GBK text; set "
                f"tables.{table}.encoding)"
            ) from None
        layout.encoding, layout.encoding_how = encoding, "detected"
    tbl = tbl.rename_columns(layout.header)
    records = tbl.num_rows + len(bad)
    first = layout.skip_rows + 1  # line number of the header
    if records == 0:
        raise IngestError(
            f"{name}: row {first + 1}: only a header line, no data rows (expected at least one "
            "data row after the header)"
        )
    # record numbers (header = skip_rows + 1) -> physical line numbers (quoted newlines span lines)
    bad_numbers = np.array([b[0] for b in bad], dtype=np.int64)
    is_bad = np.zeros(records, dtype=bool)
    is_bad[bad_numbers - first - 1] = True
    extra = np.zeros(records, dtype=np.int64)
    good_extra = np.zeros(tbl.num_rows, dtype=np.int64)
    for col in tbl.columns:
        if tbl.num_rows and pc.any(pc.match_substring(col, "\n")).as_py():
            good_extra += pc.fill_null(pc.count_substring(col, "\n"), 0).to_numpy()
    extra[~is_bad] = good_extra
    extra[is_bad] = [b[2].count("\n") for b in bad]
    line = (
        first
        + 1
        + np.arange(records, dtype=np.int64)
        + np.concatenate(([0], np.cumsum(extra)[:-1]))
    )
    if extra[-1] > 0 and _tail_is_unterminated(path, encoding, int(line[-1]), layout):
        raise IngestError(
            f"{name}: row {int(line[-1])}: unterminated quote: a field opened with "
            f"{layout.quotechar} on this line never closes, so the {int(extra[-1])} "
            f"line{'s' if extra[-1] != 1 else ''} after "
            f"it would be swallowed (expected a closing {layout.quotechar})"
        )
    ncols = len(layout.header)
    bad_rows = [
        {
            "source_row": int(line[num - first - 1]),
            "reason": f"row has {actual} field{'s' if actual != 1 else ''} (expected {ncols} as in the header)",
            "raw": text,
        }
        for num, actual, text in bad
    ]
    meta = {
        "format": "csv",
        "encoding": layout.encoding,
        "encoding_how": layout.encoding_how,
        "delimiter": layout.delimiter,
    }
    return RawFile(path, name, tbl, line[~is_bad], bad_rows, meta)


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    text = str(value)
    return text if text.strip() else None


def read_xlsx_raw(path: Path, name: str, table: str, opts: Mapping[str, Any]) -> RawFile:
    """Read one sheet of an Excel workbook (cells as text; dates in ISO form)."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise IngestError(f"{name}: not a readable .xlsx workbook ({exc})") from None
    try:
        sheet = opts.get("sheet")
        sheets = wb.sheetnames
        if sheet is None or sheet == "":
            ws = wb[sheets[0]]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(sheets):
                raise IngestError(
                    f"{name}: sheet number {sheet} not found (expected 0 to {len(sheets) - 1}; "
                    f"sheets are: {', '.join(map(repr, sheets))})"
                )
            ws = wb[sheets[sheet]]
        elif sheet not in sheets:
            raise IngestError(
                f"{name}: sheet {sheet!r} not found (expected one of the workbook's sheets: "
                f"{', '.join(map(repr, sheets))})"
            )
        else:
            ws = wb[sheet]
        skip = int(opts.get("skip_rows") or 0)
        rows = [
            [_cell_text(v) for v in r] for r in ws.iter_rows(min_row=skip + 1, values_only=True)
        ]
    finally:
        wb.close()
    while rows and all(v is None for v in rows[-1]):
        rows.pop()  # Excel's used range often ends in formatted empty rows
    if not rows:
        raise IngestError(
            f"{name}: sheet {ws.title!r} is empty (expected a header row and data rows)"
        )
    header = [(h or "").strip() for h in rows[0]]
    while header and header[-1] == "":
        header.pop()
    seen: dict[str, int] = {}
    for i, h in enumerate(header, start=1):
        if h in seen:
            raise IngestError(
                f"{name}: row {skip + 1} (header): column {h!r} appears twice (columns "
                f"{seen[h]} and {i}; expected unique column names)"
            )
        seen[h] = i
    data = rows[1:]
    if not data:
        raise IngestError(
            f"{name}: row {skip + 2}: only a header line, no data rows (expected at least one "
            "data row after the header)"
        )
    cols = {
        h: pa.array([(r[i] if i < len(r) else None) for r in data], type=pa.string())
        for i, h in enumerate(header)
    }
    tbl = pa.table(cols)
    rows_no = np.arange(len(data), dtype=np.int64) + skip + 2
    return RawFile(path, name, tbl, rows_no, [], {"format": "xlsx", "sheet": ws.title})


def read_parquet_raw(path: Path, name: str) -> RawFile:
    """Read a Parquet file as it is typed (source_row = 1-based row number)."""
    import pyarrow.parquet as pq

    try:
        tbl = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise IngestError(f"{name}: not a readable Parquet file ({exc})") from None
    if tbl.num_rows == 0:
        raise IngestError(f"{name}: the Parquet file has no rows (expected at least one data row)")
    tbl = tbl.rename_columns([c.strip() for c in tbl.column_names])
    return RawFile(
        path, name, tbl, np.arange(1, tbl.num_rows + 1, dtype=np.int64), [], {"format": "parquet"}
    )


def read_raw(path: Path, name: str, table: str, opts: Mapping[str, Any]) -> RawFile:
    """Read one source file of ``table`` whatever its format."""
    if not path.is_file():
        raise IngestError(f"{name}: file not found (looked for {path})")
    fmt = sniff_format(path, str(opts.get("format") or "auto"))
    if fmt == "parquet":
        return read_parquet_raw(path, name)
    if fmt == "xlsx":
        return read_xlsx_raw(path, name, table, opts)
    if fmt in ("csv", "tsv", "txt"):
        if fmt == "tsv" and opts.get("delimiter", "auto") == "auto":
            opts = {**opts, "delimiter": "\t"}
        layout = sniff_csv(path, opts, name, table)
        return read_csv_raw(path, layout, name, table, opts)
    raise IngestError(
        f"{name}: unknown format {fmt!r} (expected auto, csv, tsv, txt, xlsx or parquet)"
    )


# ---------------------------------------------------------------------------------------------
# column parsers
# ---------------------------------------------------------------------------------------------
def _as_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    return values


def parse_strings(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Text values trimmed, with empty strings as null; numbers and dates rendered as text."""
    arr = _as_array(values)
    if pa.types.is_floating(arr.type):
        as_int = pc.cast(arr, pa.int64(), safe=False)
        whole = pc.equal(pc.cast(as_int, pa.float64()), arr)
        arr = pc.if_else(whole, pc.cast(as_int, pa.string()), pc.cast(arr, pa.string()))
    elif not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pc.cast(arr, pa.string())
    arr = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(pc.utf8_length(arr), 0), pa.scalar(None, pa.string()), arr)


@dataclass
class NumberResult:
    """Parsed numbers: NaN where null or bad."""

    values: np.ndarray
    null: np.ndarray  # no value given
    bad: np.ndarray  # a value was given but is not a number in the column's format
    mixed: np.ndarray  # bad, but a number with the other decimal separator
    decimal: str  # "." or ","
    ambiguous: int = 0  # values readable with either separator (e.g. 1,234) when no evidence
    evidence: bool = False  # some value showed the decimal separator (or it was configured)


_SPACES = " \u00a0\u202f'"


def _regex_class(chars: str) -> str:
    return "".join(re.escape(c) if c not in " " else " " for c in chars)


def _valid_pattern(decimal: str, thousands: str) -> str:
    t = f"[{_regex_class(thousands)}]" if thousands else None
    d = re.escape(decimal)
    intpart = rf"(?:\d+|\d{{1,3}}(?:{t}\d{{3}})+)" if t else r"\d+"
    exp = r"(?:[eE][+-]?\d+)?" if decimal == "." else ""
    return rf"^[+-]?(?:{intpart}(?:{d}\d*)?{exp}|{d}\d+{exp})$"


def _thousands_for(decimal: str, thousands: str | None) -> str:
    if thousands in (None, "auto"):
        return ("," if decimal == "." else ".") + _SPACES
    return str(thousands)


def _to_numpy(arr: pa.Array) -> np.ndarray:
    return pc.fill_null(arr, np.nan).to_numpy(zero_copy_only=False).astype(np.float64, copy=False)


def decimal_evidence(core: pa.Array) -> tuple[int, int, int]:
    """Counts of values that show a '.' decimal, a ',' decimal, or could be either."""
    dot = pc.match_substring_regex(core, rf"^[+-]?(?:\d+|\d{{1,3}}(?:[,{_SPACES}]\d{{3}})+)?\.\d+$")
    dot_amb = pc.match_substring_regex(core, r"^[+-]?\d{1,3}(?:\.\d{3})+$")
    com = pc.match_substring_regex(core, rf"^[+-]?(?:\d+|\d{{1,3}}(?:[.{_SPACES}]\d{{3}})+)?,\d+$")
    com_amb = pc.match_substring_regex(core, r"^[+-]?\d{1,3}(?:,\d{3})+$")
    n_dot = pc.sum(pc.and_(dot, pc.invert(dot_amb))).as_py() or 0
    n_com = pc.sum(pc.and_(com, pc.invert(com_amb))).as_py() or 0
    n_amb = pc.sum(pc.or_(dot_amb, com_amb)).as_py() or 0
    return n_dot, n_com, n_amb


def _any(mask: pa.Array) -> bool:
    return bool(pc.any(mask).as_py())


def _false(n: int) -> pa.Array:
    return pa.array(np.zeros(n, bool))


def number_core(values: pa.Array | pa.ChunkedArray, currency: Sequence[str]):
    """Strip currency, sign conventions and percent: (core text, negate mask, percent mask).

    Each convention is looked for with a cheap literal scan first; the regex only runs
    when the column has it.
    """
    s = parse_strings(values)
    n = len(s)
    words = [c for c in currency if c]
    if words and _any(pc.match_substring_regex(s, r"[^0-9.,+\-()%\s']")):
        words.sort(key=len, reverse=True)
        pat = "(?i)(" + "|".join(re.escape(c) for c in words) + ")"
        s = pc.utf8_trim_whitespace(pc.replace_substring_regex(s, pat, ""))
    neg = _false(n)
    if _any(pc.starts_with(s, "(")):
        paren = pc.fill_null(pc.match_substring_regex(s, r"^\(.*\)$"), False)
        s = pc.if_else(paren, pc.utf8_trim_whitespace(pc.utf8_slice_codeunits(s, 1, -1)), s)
        neg = paren
    if _any(pc.ends_with(s, "-")):
        trailing = pc.fill_null(pc.match_substring_regex(s, r"^[^+-]*\d-$"), False)
        s = pc.if_else(trailing, pc.utf8_slice_codeunits(s, 0, -1), s)
        neg = pc.or_(neg, trailing)
    pct = _false(n)
    if _any(pc.ends_with(s, "%")):
        pct = pc.fill_null(pc.ends_with(s, "%"), False)
        s = pc.if_else(pct, pc.utf8_trim_whitespace(pc.utf8_slice_codeunits(s, 0, -1)), s)
    return s, neg, pct


def _plain_sample(s: pa.Array) -> bool:
    """Whether the first values cast to float as they are (worth trying the fast path)."""
    head = pc.drop_null(s.slice(0, 2000))
    try:
        pc.cast(head, pa.float64())
    except pa.ArrowInvalid:
        return False
    return True


def parse_numbers(
    values: pa.Array | pa.ChunkedArray,
    *,
    decimal: str = "auto",
    thousands: str | None = "auto",
    currency: Sequence[str] = (),
    fallback_decimal: str = ".",
) -> NumberResult:
    """Parse a column of numbers written in any common convention.

    Accepts ``1234.56``, ``1,234.56``, ``1.234,56``, ``1 234,56``, ``€ 12,50``, ``(12.50)``,
    ``12.50-``, ``15%`` (= 0.15). With ``decimal="auto"`` the separator is decided per column
    from the values that show it (``12,5`` or ``1.234,56`` show a comma); values that could be
    either (``1,234``) follow the column's decision, else ``fallback_decimal``.
    """
    arr = _as_array(values)
    n = len(arr)
    if (
        pa.types.is_integer(arr.type)
        or pa.types.is_floating(arr.type)
        or pa.types.is_decimal(arr.type)
    ):
        f = pc.cast(arr, pa.float64())
        null = pc.is_null(f).to_numpy(zero_copy_only=False)
        return NumberResult(_to_numpy(f), null, np.zeros(n, bool), np.zeros(n, bool), ".")
    if pa.types.is_boolean(arr.type):
        f = pc.cast(arr, pa.float64())
        null = pc.is_null(f).to_numpy(zero_copy_only=False)
        return NumberResult(_to_numpy(f), null, np.zeros(n, bool), np.zeros(n, bool), ".")
    s = parse_strings(arr)
    null = pc.is_null(s).to_numpy(zero_copy_only=False)
    if decimal in (".", "auto") and thousands in ("auto", ",", None, "") and _plain_sample(s):
        try:  # fast path: plain numbers
            f = _to_numpy(pc.cast(s, pa.float64()))
            if np.isfinite(f[~null]).all():
                dot = bool(pc.any(pc.match_substring(s, ".")).as_py())
                return NumberResult(f, null, np.zeros(n, bool), np.zeros(n, bool), ".", 0, dot)
        except pa.ArrowInvalid:
            pass
    core, neg, pct = number_core(s, currency)
    ambiguous = 0
    evidence = decimal != "auto"
    if decimal == "auto":
        n_dot, n_com, n_amb = decimal_evidence(core.slice(0, 200_000))
        if n_dot == n_com and len(core) > 200_000:
            n_dot, n_com, n_amb = decimal_evidence(core)
        evidence = n_dot != n_com
        if n_com > n_dot:
            decimal = ","
        elif n_dot > n_com:
            decimal = "."
        else:
            decimal = fallback_decimal
            ambiguous = n_amb
    thou = _thousands_for(decimal, thousands)
    valid = pc.fill_null(pc.match_substring_regex(core, _valid_pattern(decimal, thou)), False)
    clean = core
    for ch in thou:
        if _any(pc.match_substring(clean, ch)):
            clean = pc.replace_substring(clean, ch, "")
    if decimal == ",":
        clean = pc.replace_substring(clean, ",", ".")
    clean = pc.if_else(valid, clean, pa.scalar(None, pa.string()))
    f = _to_numpy(pc.cast(clean, pa.float64()))
    f = np.where(neg.to_numpy(zero_copy_only=False), -np.abs(f), f)
    f = np.where(pct.to_numpy(zero_copy_only=False), f / 100.0, f)
    bad = ~null & ~valid.to_numpy(zero_copy_only=False)
    mixed = np.zeros(n, bool)
    if bad.any():
        other = "," if decimal == "." else "."
        alt = pc.match_substring_regex(core, _valid_pattern(other, _thousands_for(other, "auto")))
        mixed = bad & pc.fill_null(alt, False).to_numpy(zero_copy_only=False)
        # a value that has the column's separator but also the other one as decimal (12,3.4)
    f[bad | null] = np.nan
    return NumberResult(f, null, bad, mixed, decimal, ambiguous, evidence)


# ---- dates ----------------------------------------------------------------------------------
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d",
    "%Y%m%d",
    "%d.%m.%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%y",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M",
    "%d/%m/%y",
    "%m/%d/%y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%b %d %Y",
    "%b %d, %Y",
    "%d %B %Y",
    "%B %d, %Y",
)


def human_date_format(fmt: str) -> str:
    """``%d.%m.%Y`` -> ``dd.mm.yyyy`` for messages."""
    for a, b in (
        ("%Y", "yyyy"),
        ("%y", "yy"),
        ("%m", "mm"),
        ("%d", "dd"),
        ("%H", "HH"),
        ("%M", "MM"),
        ("%S", "SS"),
        ("%b", "Mon"),
        ("%B", "Month"),
    ):
        fmt = fmt.replace(a, b)
    return fmt


def _swap_day_month(fmt: str) -> str:
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


@dataclass
class DateResult:
    """Parsed dates as datetime64[ns]: NaT where null or bad."""

    values: np.ndarray
    null: np.ndarray
    bad: np.ndarray
    formats: list[str]  # formats used, first = main
    ambiguous: bool = False  # day and month could be swapped in every value


def _normalise_date_text(s: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(pc.utf8_lower(s), r"(^|\D)0+(\d)", r"\1\2")


def _strptime(s: pa.Array, fmt: str) -> pa.Array:
    """strptime that refuses impossible dates (arrow rolls 31.02. over to 02.03.)."""
    ts = pc.strptime(s, format=fmt, unit="s", error_is_null=True)
    if "%d" not in fmt:
        return ts
    suspect = pc.fill_null(pc.less_equal(pc.day(ts), 3), False)
    if not pc.any(suspect).as_py():
        return ts
    idx = pc.indices_nonzero(suspect)
    back = pc.strftime(pc.take(ts, idx), format=fmt)
    same = pc.equal(_normalise_date_text(back), _normalise_date_text(pc.take(s, idx)))
    wrong = pc.filter(idx, pc.invert(pc.fill_null(same, False)))
    if len(wrong) == 0:
        return ts
    mask = np.zeros(len(ts), bool)
    mask[wrong.to_numpy()] = True
    return pc.if_else(pa.array(mask), pa.scalar(None, ts.type), ts)


def parse_dates(
    values: pa.Array | pa.ChunkedArray,
    *,
    date_format: str = "auto",
    dayfirst: bool = False,
    sample_size: int = 2000,
) -> DateResult:
    """Parse a column of dates; with ``date_format="auto"`` the format is inferred from a sample.

    When every value reads both as day/month and month/day (all days <= 12) the column is
    ambiguous: ``dayfirst`` decides, and ``ambiguous`` is set so the caller can say so.
    """
    arr = _as_array(values)
    n = len(arr)
    if pa.types.is_timestamp(arr.type) or pa.types.is_date(arr.type):
        ts = pc.cast(arr, pa.timestamp("ns")) if not pa.types.is_timestamp(arr.type) else arr
        if pa.types.is_timestamp(ts.type) and ts.type.tz is not None:
            ts = pc.local_timestamp(ts)
        ts = pc.cast(ts, pa.timestamp("ns"))
        null = pc.is_null(ts).to_numpy(zero_copy_only=False)
        vals = ts.to_numpy(zero_copy_only=False).astype("datetime64[ns]")
        return DateResult(vals, null, np.zeros(n, bool), ["(typed)"])
    s = parse_strings(arr)
    null = pc.is_null(s).to_numpy(zero_copy_only=False)
    ambiguous = False
    if date_format and date_format != "auto":
        formats = [str(date_format)]
    else:
        nonnull = pc.drop_null(s)
        sample = pc.unique(nonnull.slice(0, max(sample_size * 50, 1)))
        if len(sample) > sample_size:
            sample = sample.slice(0, sample_size)
        scores = []
        for fmt in _DATE_FORMATS:
            ok = pc.sum(pc.is_valid(_strptime(sample, fmt))).as_py() or 0
            if ok:
                scores.append((ok, fmt))
        if not scores:
            formats = ["%Y-%m-%d"]
        else:
            best_ok = max(ok for ok, _ in scores)
            best = [f for ok, f in scores if ok == best_ok]
            main = best[0]
            if "%d" in main and "%m" in main and _swap_day_month(main) in best:
                ambiguous = True
                day_first = main if main.index("%d") < main.index("%m") else _swap_day_month(main)
                main = day_first if dayfirst else _swap_day_month(day_first)
            swapped = _swap_day_month(main) if "%d" in main and "%m" in main else None
            main_dayfirst = "%d" in main and "%m" in main and main.index("%d") < main.index("%m")
            formats = [main] + [
                f
                for ok, f in sorted(scores, reverse=True)
                if f != main
                and f != swapped
                and not (
                    "%d" in f and "%m" in f and (f.index("%d") < f.index("%m")) != main_dayfirst
                )
            ]
    out = pa.nulls(n, pa.timestamp("s"))
    if formats[0] in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S"):
        try:  # fast path: ISO dates cast strictly (impossible dates like 2020-02-31 fail)
            out = pc.cast(s, pa.timestamp("s"))
        except pa.ArrowInvalid:
            out = pa.nulls(n, pa.timestamp("s"))
    for fmt in formats:
        missing = pc.and_(pc.is_null(out), pc.is_valid(s))
        if not pc.any(missing).as_py():
            break
        out = pc.coalesce(out, _strptime(s, fmt))
    vals = out.to_numpy(zero_copy_only=False).astype("datetime64[ns]")
    bad = ~null & np.isnat(vals)
    return DateResult(vals, null, bad, formats, ambiguous)


def parse_bools(
    values: pa.Array | pa.ChunkedArray, true_values: Sequence[str], false_values: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse yes/no values: (values, null mask, bad mask); comparison ignores case."""
    arr = _as_array(values)
    n = len(arr)
    if pa.types.is_boolean(arr.type):
        null = pc.is_null(arr).to_numpy(zero_copy_only=False)
        return pc.fill_null(arr, False).to_numpy(zero_copy_only=False), null, np.zeros(n, bool)
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
        null = pc.is_null(arr).to_numpy(zero_copy_only=False)
        vals = pc.fill_null(pc.not_equal(arr, 0), False).to_numpy(zero_copy_only=False)
        return vals, null, np.zeros(n, bool)
    s = pc.utf8_lower(parse_strings(arr))
    null = pc.is_null(s).to_numpy(zero_copy_only=False)
    is_true = pc.fill_null(pc.is_in(s, pa.array([str(v).lower() for v in true_values])), False)
    is_false = pc.fill_null(pc.is_in(s, pa.array([str(v).lower() for v in false_values])), False)
    t = is_true.to_numpy(zero_copy_only=False)
    bad = ~null & ~t & ~is_false.to_numpy(zero_copy_only=False)
    return t, null, bad
