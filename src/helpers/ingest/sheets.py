"""Spreadsheet readers: one sheet of .xlsx (openpyxl) or .xls, .xlsb, .ods (python-calamine)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from helpers.ingest.errors import IngestError
from helpers.ingest.rawfile import RawFile, no_data_rows
from helpers.ingest.sniffing import check_unique_header

__all__ = ["read_xlsx_raw"]


def _cell_text(value: Any) -> str | None:
    """A cell as text: whole floats without ``.0``, dates in ISO form, blanks as None."""
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


def _pick_sheet_name(sheets: list[str], hidden: set[str], sheet: Any, name: str) -> str:
    """The configured sheet (by name or 0-based number), else the first visible one."""
    if sheet is None or sheet == "":
        visible = [title for title in sheets if title not in hidden]
        return visible[0] if visible else sheets[0]
    if isinstance(sheet, int):
        if not 0 <= sheet < len(sheets):
            raise IngestError(
                f"{name}: sheet number {sheet} not found (expected 0 to {len(sheets) - 1}; "
                f"sheets are: {', '.join(map(repr, sheets))})"
            )
        return sheets[sheet]
    if sheet not in sheets:
        raise IngestError(
            f"{name}: sheet {sheet!r} not found (expected one of the workbook's sheets: "
            f"{', '.join(map(repr, sheets))})"
        )
    return str(sheet)


def _pick_sheet(workbook: Any, sheet: Any, name: str) -> Any:
    """The configured sheet (by name or 0-based number), else the first visible one."""
    sheets = workbook.sheetnames
    if sheet is None or sheet == "":
        hidden = {ws.title for ws in workbook.worksheets if ws.sheet_state != "visible"}
        return workbook[_pick_sheet_name(sheets, hidden, sheet, name)]
    if isinstance(sheet, int):
        if not 0 <= sheet < len(sheets):
            raise IngestError(
                f"{name}: sheet number {sheet} not found (expected 0 to {len(sheets) - 1}; "
                f"sheets are: {', '.join(map(repr, sheets))})"
            )
        return workbook[sheets[sheet]]
    if sheet not in sheets:
        raise IngestError(
            f"{name}: sheet {sheet!r} not found (expected one of the workbook's sheets: "
            f"{', '.join(map(repr, sheets))})"
        )
    return workbook[sheet]


def _sheet_rows(path: Path, name: str, sheet: Any, skip: int) -> tuple[list[list[Any]], str]:
    """The sheet's rows as text from row ``skip + 1``, trailing empty rows dropped; its title."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise IngestError(f"{name}: not a readable .xlsx workbook ({exc})") from None
    try:
        worksheet = _pick_sheet(workbook, sheet, name)
        rows = [
            [_cell_text(value) for value in row]
            for row in worksheet.iter_rows(min_row=skip + 1, values_only=True)
        ]
    finally:
        workbook.close()
    while rows and all(value is None for value in rows[-1]):
        rows.pop()  # Excel's used range often ends in formatted empty rows
    return rows, worksheet.title


def _calamine_rows(path: Path, name: str, sheet: Any, skip: int) -> tuple[list[list[Any]], str]:
    """Rows of a .xls, .xlsb or .ods sheet as text (python-calamine), like :func:`_sheet_rows`."""
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 - calamine raises its own and OS errors
        raise IngestError(f"{name}: not a readable spreadsheet ({exc})") from None
    try:
        sheets = list(workbook.sheet_names)
        hidden = {
            meta.name
            for meta in workbook.sheets_metadata
            if meta.visible != python_calamine.SheetVisibleEnum.Visible
        }
        title = _pick_sheet_name(sheets, hidden, sheet, name)
        values = workbook.get_sheet_by_name(title).to_python(skip_empty_area=False)
    finally:
        workbook.close()
    rows = [[_cell_text(value) for value in row] for row in values[skip:]]
    while rows and all(value is None for value in rows[-1]):
        rows.pop()
    return rows, title


def _first_sheet_note(path: Path, fmt: str, title: str) -> str:
    """``; the first sheet 'X' is hidden`` when the sheet read is not the workbook's first."""
    if fmt == "xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True)
        first = workbook.sheetnames[0]
        workbook.close()
    else:
        import python_calamine

        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        first = workbook.sheet_names[0]
        workbook.close()
    return "" if first == title else f"the first sheet {first!r} is hidden"


def read_xlsx_raw(path: Path, name: str, table: str, opts: Mapping[str, Any]) -> RawFile:
    """Read one sheet of an Excel workbook (cells as text; dates in ISO form).

    Parameters
    ----------
    path
        The workbook.
    name
        The file's display name, first in error messages.
    table
        The canonical table the file is a source of (unused; readers share one signature).
    opts
        The table's parse options: ``sheet`` (name or 0-based number; empty for the first)
        and ``skip_rows``.

    Returns
    -------
    RawFile
        String columns named as in the header row, the sheet row of every data row and
        ``meta`` (format, sheet).

    Raises
    ------
    IngestError
        When the workbook cannot be read, the sheet is missing or empty, the header names a
        column twice or no data row follows it.
    """
    skip = int(opts.get("skip_rows") or 0)
    fmt = str(opts.get("_format") or "xlsx")
    reader = _sheet_rows if fmt == "xlsx" else _calamine_rows
    rows, title = reader(path, name, opts.get("sheet"), skip)
    if not rows:
        raise IngestError(f"{name}: sheet {title!r} is empty (expected a header row and data rows)")
    header = [(column or "").strip() for column in rows[0]]
    while header and header[-1] == "":
        header.pop()
    check_unique_header(header, name, skip + 1)
    data = rows[1:]
    if not data:
        raise no_data_rows(name, skip + 2)
    columns = {
        column: pa.array([(row[i] if i < len(row) else None) for row in data], type=pa.string())
        for i, column in enumerate(header)
    }
    row_numbers = np.arange(len(data), dtype=np.int64) + skip + 2
    meta = {"format": fmt, "sheet": title}
    note = _first_sheet_note(path, fmt, title) if opts.get("sheet") in (None, "") else ""
    if note:
        meta["sheet_note"] = note
    return RawFile(path, name, pa.table(columns), row_numbers, [], meta)
