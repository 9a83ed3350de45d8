"""Write tables for people: CSV and Excel with spreadsheet formulas neutralised."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

__all__ = ["neutralise_formulas", "write_table"]

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


def write_table(frame: pd.DataFrame, stem: str | Path) -> list[Path]:
    """Write ``frame`` to ``<stem>.csv`` (UTF-8 with BOM, for Excel) and ``<stem>.xlsx``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table; formulas are neutralised first (:func:`neutralise_formulas`).
    stem : str or pathlib.Path
        The path without suffix; missing folders are created.

    Returns
    -------
    list of pathlib.Path
        The CSV and the Excel file written.
    """
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    safe = neutralise_formulas(frame)
    csv_path, xlsx_path = stem.with_suffix(".csv"), stem.with_suffix(".xlsx")
    safe.to_csv(csv_path, index=False, encoding="utf-8-sig")
    safe.to_excel(xlsx_path, index=False, engine="openpyxl")
    return [csv_path, xlsx_path]
