"""Row checks of one file: each mapped field parsed by its type, every failing row noted with why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.ingest.columns import source_fields
from helpers.ingest.dates import DateResult, human_date_format, parse_dates
from helpers.ingest.keys import KEY_FIELDS, normalise_ids
from helpers.ingest.readers import RawFile
from helpers.ingest.values import (
    currency_marks,
    decimal_evidence,
    number_core,
    parse_bools,
    parse_numbers,
    parse_strings,
)

__all__ = ["Check", "FileParser", "parse_fields"]

_KIND_WORD = {
    "string": "a value",
    "float64": "a number",
    "int64": "a whole number",
    "date": "a date",
    "bool": "a yes/no value",
}
_EITHER_WAY = r"^[+-]?\d{1,3}(?:[.,]\d{3})+$"
_NUM_EXAMPLE = {".": "1234.56 or 1,234.56", ",": "1234,56 or 1.234,56"}

#: parsed values of one field and their null mask
Parsed = tuple[np.ndarray, np.ndarray]


@dataclass
class Check:
    """Rows failing one rule, with the reason text around each value."""

    mask: np.ndarray
    field: str
    column: str  # source column name
    values: pa.Array  # text of the values (for the message)
    tail: str  # the reason after the value, e.g. "is not a number (expected e.g. 1234.56)"
    empty: bool = False  # the reason is about a missing value (no quoted value in the message)


def _ambiguous_example(column: pa.ChunkedArray) -> str:
    """The first value that reads with either decimal separator (``10.000``, ``1,234``)."""
    text = parse_strings(column)
    hits = pc.filter(text, pc.fill_null(pc.match_substring_regex(text, _EITHER_WAY), False))
    return f"'{hits[0].as_py()}'" if len(hits) else "1,234"


#: rows of a file whose currency marks are looked for
_CURRENCY_SAMPLE = 20_000


class FileParser:
    """Parses the mapped columns of one raw file into canonical arrays plus rejection checks.

    Parameters
    ----------
    raw
        The file as read.
    table
        The canonical table it is a source of.
    opts
        The table's parse options (decimal, thousands, currency symbols, date format, dayfirst,
        date range, yes/no words).
    mapping
        Field -> source column, as matched.

    Attributes
    ----------
    checks : list of Check
        The failing rows found so far, one entry per rule and field.
    meta : dict
        Per source column: the decimal separator (``decimal``) and date format (``date_format``)
        read.
    notes : list of str
        Finding sentences about guesses (ambiguous decimals or day/month order).
    pinned : dict
        The decisions taken (``decimal`` and date ``dates`` formats per source column), to read
        the next chunk of a streamed file alike; passed back in as ``opts["_pinned"]``.
    """

    def __init__(self, raw: RawFile, table: str, opts: Mapping[str, Any], mapping: dict[str, str]):
        self.raw, self.table, self.opts, self.mapping = raw, table, opts, mapping
        self.n_rows = raw.table.num_rows
        self.checks: list[Check] = []
        self.meta: dict[str, Any] = {"decimal": {}, "date_format": {}}
        self.notes: list[str] = []
        self.date_min = np.datetime64(str(opts["date_min"]), "ns")
        self.date_max = np.datetime64(str(opts["date_max"]), "ns")
        pinned = opts.get("_pinned") or {}
        self._file_decimal: str | None = pinned.get("file_decimal")
        self.pinned: dict[str, dict[str, Any]] = {
            "decimal": dict(pinned.get("decimal") or {}),
            "dates": dict(pinned.get("dates") or {}),
        }
        self.percent: dict[str, np.ndarray] = {}  # field -> values written with %
        self._texts: dict[str, pa.Array | None] = {}
        self.rows_before = int(pinned.get("rows_before") or 0)  # a streamed file's earlier rows

    def decisions(self) -> dict[str, Any]:
        """What reading this file decided, to read its next chunk alike (``opts["_pinned"]``)."""
        rows = self.rows_before + self.n_rows
        return {**self.pinned, "file_decimal": self._file_decimal, "rows_before": rows}

    def col(self, fld: str) -> pa.ChunkedArray | None:
        """The raw column mapped to ``fld``, or None when the file has none."""
        source = self.mapping.get(fld)
        return None if source is None else self.raw.table.column(source)

    def text(self, fld: str) -> pa.Array | None:
        """The column of ``fld`` as trimmed text (null where empty), or None."""
        if fld not in self._texts:
            column = self.col(fld)
            self._texts[fld] = None if column is None else parse_strings(column)
        return self._texts[fld]

    def add(self, mask: np.ndarray, fld: str, tail: str, *, empty: bool = False) -> None:
        """Note the rows in ``mask`` as failing on ``fld`` for the reason ``tail`` (if any)."""
        if mask.any():
            source = self.mapping[fld]
            self.checks.append(Check(mask, fld, source, self.text(fld), tail, empty))

    def file_decimal(self) -> str:
        """The file's prevailing decimal separator, from a sample of every numeric column."""
        if self._file_decimal is None:
            dot = comma = 0
            fields = source_fields(self.table)
            currency = list(self.opts.get("currency_symbols") or [])
            for fld, source in self.mapping.items():
                if fields.get(fld) in ("float64", "int64"):
                    column = self.raw.table.column(source).slice(0, 20_000)
                    if pa.types.is_string(column.type):
                        core, _, _ = number_core(column, currency)
                        n_dot, n_comma, _ = decimal_evidence(core)
                        dot, comma = dot + n_dot, comma + n_comma
            self._file_decimal = "," if comma > dot else "."
        return self._file_decimal

    def number(self, fld: str) -> Parsed | None:
        """Values and null mask of a number field; bad values noted (None if not mapped)."""
        column = self.col(fld)
        if column is None:
            return None
        source = self.mapping[fld]
        kwargs = {
            "decimal": str(self.pinned["decimal"].get(source, self.opts["decimal"])),
            "thousands": self.opts.get("thousands"),
            "currency": list(self.opts.get("currency_symbols") or []),
        }
        result = parse_numbers(column, **kwargs)
        if result.ambiguous and self.file_decimal() != result.decimal:
            result = parse_numbers(column, **kwargs, fallback_decimal=self.file_decimal())
        self.meta["decimal"][source] = result.decimal
        self.pinned["decimal"][source] = result.decimal
        head = max(_CURRENCY_SAMPLE - self.rows_before, 0)  # the file's first rows only
        symbols = currency_marks(column, kwargs["currency"], head) if head else []
        if symbols:
            self.meta.setdefault("currency", {})[source] = symbols
        if result.percent is not None:
            self.percent[fld] = result.percent
        if result.ambiguous:
            self.notes.append(
                f"{self.table}: column '{source}' of {self.raw.name} shows no decimal separator "
                f"for sure ({result.ambiguous:,} values like {_ambiguous_example(column)}); read "
                f"with '{result.decimal}' as decimal separator, like the file's other columns (set "
                "decimal to be sure)."
            )
        other = "," if result.decimal == "." else "."
        example = _NUM_EXAMPLE[result.decimal]
        self.add(result.bad & ~result.mixed, fld, f"is not a number (expected e.g. {example})")
        self.add(
            result.mixed,
            fld,
            f"has '{other}' as decimal separator but this column uses '{result.decimal}' "
            f"(expected e.g. {example})",
        )
        return result.values, result.null

    def integer(self, fld: str) -> Parsed | None:
        """Values and null mask of a whole-number field; fractions noted and made NaN."""
        got = self.number(fld)
        if got is None:
            return None
        values, null = got
        fraction = ~null & ~np.isnan(values) & (values != np.floor(np.nan_to_num(values)))
        self.add(fraction, fld, "is not a whole number (expected e.g. 3)")
        huge = ~null & ~fraction & (np.abs(np.nan_to_num(values)) >= 2.0**63)
        self.add(huge, fld, f"is too large (expected a whole number below {2**63:,})")
        return np.where(fraction | huge, np.nan, values), null

    def _note_ambiguous_dates(self, source: str, human: str) -> None:
        self.notes.append(
            f"{self.table}: dates in column '{source}' of {self.raw.name} read both as day/month "
            f"and month/day (no day above 12); read as {human} (dayfirst: "
            f"{str(bool(self.opts['dayfirst'])).lower()}); set date_format to be sure."
        )

    def _note_date_reading(self, source: str, result: DateResult) -> None:
        """Say when dates came as Excel day numbers or carried UTC offsets."""
        where = f"{self.table}: dates in column '{source}' of {self.raw.name}"
        if result.formats[0] == "(Excel day number)":
            self.notes.append(
                f"{where} are Excel day numbers (1900 date system); read as dates "
                "(45391 = 2024-04-09)."
            )
        if result.offsets:
            self.notes.append(
                f"{where} carry UTC offsets (e.g. -05:00, Z); each is read on the calendar day "
                "written in the file (the local day), not moved to UTC."
            )

    def date(self, fld: str) -> Parsed | None:
        """Days (datetime64[ns]) and null mask of a date field; bad and out-of-range noted."""
        column = self.col(fld)
        if column is None:
            return None
        source = self.mapping[fld]
        result = parse_dates(
            column,
            date_format=str(self.opts["date_format"]),
            dayfirst=bool(self.opts["dayfirst"]),
            formats=self.pinned["dates"].get(source),
        )
        main = result.formats[0]
        self.meta["date_format"][source] = main
        self.pinned["dates"][source] = list(result.formats)
        human = human_date_format(main)
        if result.ambiguous:
            self._note_ambiguous_dates(source, human)
        self._note_date_reading(source, result)
        example = (
            "2020-11-08" if main.startswith("(") else pd.Timestamp("2020-11-08").strftime(main)
        )
        self.add(result.bad, fld, f"is not a date (expected {human}, e.g. {example})")
        days = result.values.astype("datetime64[D]").astype("datetime64[ns]")
        outside = ~np.isnat(days) & ((days < self.date_min) | (days > self.date_max))
        if result.beyond is not None:
            outside |= result.beyond
        low = str(self.date_min.astype("datetime64[D]"))
        high = str(self.date_max.astype("datetime64[D]"))
        self.add(outside, fld, f"is out of range (expected a date between {low} and {high})")
        return days, result.null

    def boolean(self, fld: str, truthy: list[str] | None = None) -> Parsed | None:
        """Values and null mask of a yes/no field; other words noted unless ``truthy`` is given.

        With ``truthy`` (the credit-note words) any other text means no.
        """
        column = self.col(fld)
        if column is None:
            return None
        true_words = truthy or list(self.opts["true_values"])
        values, null, bad = parse_bools(column, true_words, list(self.opts["false_values"]))
        if truthy is not None:
            bad = np.zeros(self.n_rows, bool)  # any other text means "not a credit note"
        self.add(bad, fld, "is not a yes/no value (expected one of true, false, yes, no, 1, 0)")
        return values, null

    def require(self, fld: str, null: np.ndarray, kind: str) -> None:
        """Note the rows where the required field ``fld`` (of schema dtype ``kind``) is empty."""
        self.add(null, fld, f"value is empty (expected {_KIND_WORD[kind]} for {fld})", empty=True)


def _parse_typed(parser: FileParser, fld: str, dtype: str) -> Parsed:
    if dtype == "float64":
        return parser.number(fld)
    if dtype == "int64":
        return parser.integer(fld)
    if dtype == "date":
        return parser.date(fld)
    if dtype == "bool":
        truthy = list(parser.opts["credit_note_values"]) if fld == "credit_note" else None
        return parser.boolean(fld, truthy)
    raise ValueError(dtype)  # pragma: no cover - schema dtypes are the ones above


def parse_fields(parser: FileParser, fields: dict[str, str], required: list[str]) -> dict[str, Any]:
    """Parse every mapped field by its schema dtype, noting empty required values.

    Parameters
    ----------
    parser
        The file's parser (collects the checks).
    fields
        Field -> schema dtype (see :func:`helpers.ingest.columns.source_fields`).
    required
        Fields that must have a value in every row.

    Returns
    -------
    dict of str to Any
        Field -> text (a pyarrow array) for strings, else (values, null mask) numpy arrays.
    """
    out: dict[str, Any] = {}
    for fld, dtype in fields.items():
        if fld not in parser.mapping:
            continue
        if dtype == "string":
            text = parser.text(fld)
            if fld in KEY_FIELDS and parser.opts.get("id_normalise"):
                text = normalise_ids(text, list(parser.opts["id_normalise"]))
            if fld in required:
                parser.require(fld, pc.is_null(text).to_numpy(zero_copy_only=False), dtype)
            out[fld] = text
            continue
        values, null = _parse_typed(parser, fld, dtype)
        if fld in required:
            parser.require(fld, null, dtype)
        out[fld] = (values, null)
    return out
