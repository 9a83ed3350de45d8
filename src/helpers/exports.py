"""Write tables for people: CSV and Excel with spreadsheet formulas neutralised."""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["neutralise_formulas", "write_table", "excel_cap_note"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "|", "%")
#: a negative number written as text (``-11062.06``, ``-1.234,56``): a value, not a formula
_NEGATIVE_NUMBER = re.compile(r"-\d+(?:[.,]\d+)*")


def _neutralise(value: object) -> object:
    """A text value prefixed with a quote when it starts like a formula (not a negative number)."""
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_START)
        and not _NEGATIVE_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` safe to open in a spreadsheet.

    Every text cell that a spreadsheet would run as a formula (starting with ``= + - @``, tab,
    CR, ``|`` or ``%``) is prefixed with a quote. Numbers are left alone, so negative amounts
    stay numbers, and so is a negative number held as text (``-11062.06``): it is no formula.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any table; it is not modified.

    Returns
    -------
    pandas.DataFrame
        The same columns and dtypes, text cells neutralised.

    References
    ----------
    OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection
    """
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(_neutralise).astype(out[col].dtype)
    return out


def write_table(
    frame: pd.DataFrame,
    stem: str | Path,
    sheet: str | None = None,
    max_rows: int | None = None,
) -> list[Path]:
    """Write ``frame`` to ``<stem>.csv`` (for machines) and ``<stem>.xlsx`` (for people).

    - CSV: UTF-8 with a BOM (Excel reads the accents), the frame's own column names, numbers
      rounded to 6 decimals (``1219.43``, not ``1219.4299999999998``), dates without a midnight
      time.
    - Excel (XlsxWriter): column headers in words (``net_revenue`` -> "Net revenue"), a frozen
      header row with an autofilter, column widths fitted to the content (at most 60, longer text
      wrapped), and number formats by column: shares, margins and probabilities as percentages,
      whole numbers with thousands separators, other numbers with two decimals, dates as
      ``yyyy-mm-dd``; flags as yes/no; columns without any value left out. Streamed row by
      row, and at most ``max_rows`` rows (the first, in the frame's order): the CSV holds them
      all (:func:`excel_cap_note` says so in words).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table (its index is not written); formulas are neutralised first
        (:func:`neutralise_formulas`).
    stem : str or pathlib.Path
        The path without suffix; missing folders are created.
    sheet : str, optional
        The worksheet's name (default: the stem in words, at most 31 characters).
    max_rows : int, optional
        The most rows the Excel sheet holds (None: every row).

    Returns
    -------
    list of pathlib.Path
        The CSV and the Excel file written.

    References
    ----------
    XlsxWriter, "Working with Pandas and XlsxWriter",
    https://xlsxwriter.readthedocs.io/working_with_pandas.html
    """
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    safe = _tidy(neutralise_formulas(frame.reset_index(drop=True)))
    csv_path, xlsx_path = stem.with_suffix(".csv"), stem.with_suffix(".xlsx")
    safe.to_csv(csv_path, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")
    shown = safe if max_rows is None else safe.head(max_rows)
    _write_excel(shown, xlsx_path, sheet or stem.name.replace("_", " ")[:31])
    return [csv_path, xlsx_path]


def excel_cap_note(name: str, rows: int, max_rows: int | None) -> str:
    """The sentence that says an Excel export holds only the first rows, or "" when it holds all.

    Parameters
    ----------
    name : str
        The export's stem (``customer_pnl``).
    rows : int
        Rows of the whole table.
    max_rows : int or None
        The cap given to :func:`write_table`.

    Returns
    -------
    str
        E.g. "customer_pnl.xlsx holds the first 10,000 of 19,745 rows (in the table's order);
        customer_pnl.csv holds them all."
    """
    if max_rows is None or rows <= max_rows:
        return ""
    return (
        f"{name}.xlsx holds the first {max_rows:,} of {rows:,} rows (in the table's order); "
        f"{name}.csv holds them all."
    )


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Floats rounded to 6 decimals (no float noise); dates without time zone."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_float_dtype(values):
            out[column] = values.round(6)
        elif isinstance(values.dtype, pd.DatetimeTZDtype):
            out[column] = values.dt.tz_localize(None)
    return out


def _kind(name: object, values: pd.Series) -> str:
    """How a column is formatted in Excel: share, whole, number, date or text."""
    from helpers.labels import is_fraction_column

    if pd.api.types.is_bool_dtype(values):
        return "text"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "date"
    if not pd.api.types.is_numeric_dtype(values):
        return "text"
    if is_fraction_column(name, values):
        return "share"
    numbers = values.dropna()
    if pd.api.types.is_integer_dtype(values) or bool((numbers == numbers.round()).all()):
        return "whole"
    return "number"


#: rows of an Excel worksheet, the header row included
_EXCEL_MAX_ROWS = 1_048_576

_FORMATS = {"share": "0.0%", "whole": "#,##0", "number": "#,##0.00", "date": "yyyy-mm-dd"}


def _width(label: str, values: pd.Series, kind: str) -> float:
    """A column's width in characters: its header or its longest shown value, within 8-60."""
    if kind == "date":
        longest = 10
    elif kind in _FORMATS:
        numbers = pd.to_numeric(values, errors="coerce").abs().dropna()
        top = float(numbers.max()) if len(numbers) else 0.0
        longest = len(f"{top:,.2f}") + 1
    else:
        shown = values.dropna().astype(str).head(2000)
        longest = int(shown.str.len().max()) if len(shown) else 0
    return float(min(max(len(label), longest, 6) + 2, 60))


def _for_people(frame: pd.DataFrame) -> pd.DataFrame:
    """The sheet's table: columns with no value at all left out, yes/no for flags."""
    out = frame.loc[:, [c for c in frame.columns if frame[c].notna().any()]].copy()
    for column in out.columns:
        if pd.api.types.is_bool_dtype(out[column]):
            out[column] = out[column].map({True: "yes", False: "no"}).astype("object")
    return out


def _write_excel(frame: pd.DataFrame, path: Path, sheet: str) -> None:
    """The frame as one formatted worksheet (see :func:`write_table`).

    Written row by row with XlsxWriter's ``constant_memory`` mode (each row goes to disk as
    it is complete, strings inline), one typed call per cell: memory stays flat and time
    linear in the cells, however many customers the book holds.
    """
    import xlsxwriter

    from helpers.labels import column_label

    frame = _for_people(frame)
    if len(frame) >= _EXCEL_MAX_ROWS:  # as pandas' to_excel: a sheet holds 1,048,576 rows
        raise ValueError(
            f"This sheet is too large! Your sheet size is: {len(frame) + 1}, {frame.shape[1]} "
            f"Max sheet size is: {_EXCEL_MAX_ROWS}, 16384"
        )
    labels = [column_label(c) for c in frame.columns]
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    try:
        ws = book.add_worksheet(sheet)
        header = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        date = book.add_format({"num_format": _FORMATS["date"]})
        writers = []
        for i, (column, label) in enumerate(zip(frame.columns, labels, strict=True)):
            kind = _kind(column, frame[column])
            width = _width(label, frame[column], kind)
            spec = {"num_format": _FORMATS[kind]} if kind in _FORMATS else {}
            if kind == "text" and width >= 60:  # long sentences wrap inside the column
                spec |= {"text_wrap": True, "valign": "top"}
            ws.set_column(i, i, width, book.add_format(spec) if spec else None)
            writers.append(_cell_writer(ws, kind, date))
        ws.write_row(0, 0, labels, header)
        _write_rows(frame, writers)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(frame), 1), max(len(labels) - 1, 0))
    finally:
        book.close()


def _cell_writer(ws: Any, kind: str, date: Any) -> Callable[[int, int, Any], None]:
    """The call that writes one non-missing cell of a column of this kind.

    Cells are written as pandas' ``to_excel`` wrote them: numbers as numbers (infinity as the
    text "inf"), dates with the date format, everything else through XlsxWriter's ``write``
    (text, yes/no, dates held as objects); the column's format applies to unformatted cells.
    """
    if kind == "date":
        return lambda row, col, value: ws.write_datetime(row, col, value, date)
    if kind in _FORMATS:
        number = ws.write_number

        def write_number(row: int, col: int, value: Any) -> None:
            if math.isinf(value):
                ws.write_string(row, col, "inf" if value > 0 else "-inf")
            else:
                number(row, col, value)

        return write_number

    def write_any(row: int, col: int, value: Any) -> None:
        if isinstance(value, datetime.date):
            ws.write_datetime(row, col, value, date)
        elif isinstance(value, datetime.timedelta):
            ws.write_number(row, col, value.total_seconds() / 86400)
        elif isinstance(value, float) and math.isinf(value):
            ws.write_string(row, col, "inf" if value > 0 else "-inf")
        else:
            ws.write(row, col, value)

    return write_any


def _write_rows(frame: pd.DataFrame, writers: list[Callable[[int, int, Any], None]]) -> None:
    """Every row of ``frame`` below the header, in order; missing values leave the cell empty."""
    columns = [frame[c].astype("object").where(frame[c].notna(), None).tolist() for c in frame]
    indexed = list(enumerate(writers))
    for row, values in enumerate(zip(*columns, strict=True), start=1):
        for col, write in indexed:
            value = values[col]
            if value is not None:
                write(row, col, value)
