"""Tables for people: the DataFrames a report page shows, formatted with pandas' Styler.

A notebook of the report ends many cells with a DataFrame. Shown as it is, a reader sees an
index column, ``2.194148e+07``, shares as ``0.056361``, Python lists and ``None``. :func:`to_html`
renders a frame for people instead, and :func:`install` makes every DataFrame a notebook cell
returns render that way (the workspace calls it when it opens in a kernel):

- column labels in words (``net_revenue`` -> "Net revenue", ``ci_low`` -> "CI low");
- no index column (a named index becomes the first column);
- shares and rates (columns named ``*share*``, ``*pct*``, ``*_rate``, ``ci_low``/``ci_high``,
  ``probability``, ``survival*``, ``retention``, ``claim``, or listed in the frame's
  ``attrs["fraction_columns"]``) as percentages; ``*_pct`` columns of numbers beyond a
  fraction's range as the percentages they are; a column of large amounts without decimals;
  dotted config paths in words; the currency in the headers of the columns named in
  ``attrs["money_columns"]`` (:func:`helpers.results.with_money_columns`); whole numbers and large amounts with thousands separators;
  other numbers to 2 decimals or 3 significant figures;
- lists, tuples and mappings as text; missing values as a dash; dates without a midnight time;
- every text HTML-escaped (a customer called ``<script>`` is shown, never run);
- at most :data:`MAX_ROWS` rows (the count of the rest is said), in a box that scrolls sideways
  when the table is wider than the page.

The formatting is by column name and value, so it holds for any currency and any scale: amounts
are never rescaled or given a symbol here.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.labels import column_label, is_config_path, is_fraction_column, is_percent_column
from helpers.results import currency

__all__ = [
    "MAX_ROWS",
    "ToTheCent",
    "column_label",
    "format_value",
    "install",
    "is_fraction_column",
    "to_html",
]

#: rows a page shows of a long table
MAX_ROWS = 40
_DASH = "\u2014"


def _is_missing(value: Any) -> bool:
    """Whether a scalar is None, NaN or NaT."""
    if value is None or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _number(value: float, fraction: bool) -> str:
    """A number for a reader (see the module docstring); never "-0"."""
    if not math.isfinite(value):
        return _DASH
    if fraction:
        text = f"{value:.1%}"
    elif float(value).is_integer() or abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 1:
        text = f"{value:,.2f}"
    else:
        text = f"{value:.3g}"
    return text[1:] if _NEGATIVE_ZERO.fullmatch(text) else text


_NEGATIVE_ZERO = re.compile(r"-0(?:\.0+)?(?:e[+-]?\d+)?%?")


def format_value(value: Any, fraction: bool = False) -> str:
    """One cell as text for a reader.

    Parameters
    ----------
    value
        The cell: a number, text, date, bool, list or mapping (or missing).
    fraction
        Whether a number is a share (written as a percentage).

    Returns
    -------
    str
        The text (a dash for a missing value; "yes"/"no" for a bool).
    """
    if isinstance(value, list | tuple | set | np.ndarray):
        return ", ".join(format_value(item, fraction) for item in value)
    if isinstance(value, Mapping):
        return "; ".join(
            f"{column_label(k)}: {format_value(v, fraction)}" for k, v in value.items()
        )
    if _is_missing(value):
        return _DASH
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        return _number(float(value), fraction)
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else str(value)
    return str(value)


def _format_cell(value: Any, fraction: bool) -> str:
    """:func:`format_value`, HTML-escaped: a cell's text comes from the data (names, ids)."""
    return html.escape(format_value(value, fraction))


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its index as columns (unless it is a plain row number)."""
    out = frame.copy()
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = [" ".join(str(p) for p in col if str(p)) for col in out.columns]
    unnamed = all(name is None for name in out.index.names)
    if unnamed and out.index.dtype.kind in "iu":  # row numbers (a RangeIndex, a filtered one)
        return out.reset_index(drop=True)
    out = out.reset_index()
    if unnamed and out.index.nlevels == 1 and len(frame.index.names) == 1:
        out.columns = ["", *out.columns[1:]]  # row labels: no "Index" header
    return out


def to_html(frame: pd.DataFrame, max_rows: int = MAX_ROWS, cents: bool = False) -> str:
    """A DataFrame as an HTML table for people (pandas' Styler; see the module docstring).

    Parameters
    ----------
    frame
        Any DataFrame (any index, any dtypes).
    max_rows
        Rows shown; the number of the rest is said under the table.
    cents
        Write amounts that are not whole with two decimals (a reconciliation to the cent).

    Returns
    -------
    str
        HTML: a ``<div>`` that scrolls sideways, holding the table and, for a long frame, a line
        "Showing the first N of M rows.".
    """
    flat = _flat(frame)
    fractions = tuple(frame.attrs.get("fraction_columns", ()))
    shown = _cells_text(flat, flat.head(max_rows), cents, fractions)
    money = set(frame.attrs.get("money_columns", ())) if currency() else set()
    labels = [column_label(c) + (f" ({currency()})" if c in money else "") for c in shown.columns]
    styler = (
        shown.style.hide(axis="index")
        .relabel_index([html.escape(label) for label in labels], axis="columns")
        .set_table_attributes('class="wb-table"')
        .set_table_styles(
            [
                {"selector": "td", "props": "text-align: right; white-space: nowrap;"},
                {"selector": "th", "props": "text-align: right; white-space: normal;"},
            ]
        )
    )
    more = (
        f'<p class="wb-table-more">Showing the first {max_rows:,} of {len(flat):,} rows.</p>'
        if len(flat) > max_rows
        else ""
    )
    return f'<div style="overflow-x: auto; max-width: 100%;">{styler.to_html()}</div>{more}'


#: a value that is a program identifier, not a word ("with_assumptions", "loss_making")
_IDENTIFIER = re.compile(r"[a-z]+(?:_[a-z0-9]+)+")


def _row_fractions(flat: pd.DataFrame) -> pd.Series:
    """Per row, whether its numbers are shares, by the row's label in the first column.

    A table of figures by row (a transposed one) names them there ("profit_margin",
    "loss_making_share"); its columns then say nothing about the kind of each number.
    """
    first = flat.columns[0] if len(flat.columns) else None
    if first is None or pd.api.types.is_numeric_dtype(flat[first]) or len(flat.columns) < 2:
        return pd.Series(False, index=flat.index)
    numbers = flat.iloc[:, 1:].apply(pd.to_numeric, errors="coerce")
    return pd.Series(
        [
            isinstance(label, str)
            and is_fraction_column(label.replace(" ", "_"), numbers.loc[i].dropna())
            for i, label in flat[first].items()
        ],
        index=flat.index,
    )


def _cell(value: Any, fraction: bool, cents: bool, kind: str = "") -> str:
    """One cell's escaped text: identifiers in words, amounts to the cent when asked.

    ``kind`` is the column's: "percent" (numbers already in %), "whole" (large amounts, all
    written without decimals) or "" (each number by itself).
    """
    if isinstance(value, str) and (_IDENTIFIER.fullmatch(value) or is_config_path(value)):
        value = column_label(value)
    number = isinstance(value, float | np.floating) and math.isfinite(value)
    exact = number and not fraction
    if cents and exact and not float(value).is_integer():
        return f"{value:,.2f}"
    if exact and kind == "percent":
        return html.escape(_number(float(value) / 100, True))
    if exact and kind == "whole":
        return html.escape(_number(round(float(value)) + 0.0, False))
    return _format_cell(value, fraction)


def _column_kind(name: Any, values: pd.Series) -> str:
    """How a column's numbers are written together: "percent", "whole" or "" (one by one).

    "whole": floats that are mostly amounts of a thousand or more and none below one (a
    change of -379.22 among changes of 80,551 reads -379, not with cents).
    """
    if is_percent_column(name, values):
        return "percent"
    if not pd.api.types.is_float_dtype(values):
        return ""
    size = values[np.isfinite(values)].abs()
    size = size[size > 0]
    return "whole" if len(size) and size.median() >= 1000 and size.min() >= 1 else ""


def _cells_text(
    flat: pd.DataFrame, shown: pd.DataFrame, cents: bool = False, fractions: Any = ()
) -> pd.DataFrame:
    """Every shown cell as escaped text for a reader, shares by column name or by row label.

    ``fractions`` names columns that hold shares whatever their names say (the frame's
    ``attrs["fraction_columns"]``, set by the helper that made it).
    """
    by_row = _row_fractions(flat)
    out = {}
    for column in shown.columns:
        by_column = column in fractions or is_fraction_column(column, flat[column])
        kind = "" if by_column or by_row.any() else _column_kind(column, flat[column])
        out[column] = [
            _cell(value, by_column or bool(by_row.loc[i]), cents, kind)
            for i, value in shown[column].items()
        ]
    return pd.DataFrame(out, index=shown.index, columns=shown.columns)


class ToTheCent:
    """A DataFrame shown with its amounts to the cent (a reconciliation), in a notebook.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table; numbers that are not whole are written with two decimals, shares as
        percentages, everything else as :func:`to_html` writes it.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def _repr_html_(self) -> str:
        return to_html(self.frame, cents=True)


def install() -> bool:
    """Make every DataFrame a notebook cell returns render with :func:`to_html`.

    Returns
    -------
    bool
        True when installed (inside IPython), False elsewhere (nothing changes).
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebook stack
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, to_html)
    return True
