"""Rejected rows: one line per rejected source row, with its column, value and every reason."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.ingest.checks import Check
from helpers.ingest.readers import RawFile
from helpers.ingest.values import parse_strings

__all__ = [
    "REJECT_COLUMNS",
    "empty_rejects",
    "reject_frame",
    "ragged_rejects",
    "rejects_by_reason",
    "printable",
]

#: columns of ``rejects.csv``
REJECT_COLUMNS = ("source_file", "source_row", "table", "column", "value", "reason", "raw")
_SHOWN_CHARS = 60  # longer values are cut in the reason text
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")


def empty_rejects() -> pd.DataFrame:
    """No rejected rows, with the columns and dtypes of the rejects.

    Returns
    -------
    pandas.DataFrame
        Empty, with :data:`REJECT_COLUMNS` (``source_row`` int64, the others object).
    """
    return pd.DataFrame(
        {c: pd.Series(dtype="int64" if c == "source_row" else object) for c in REJECT_COLUMNS}
    )


def printable(value: str | None) -> str | None:
    """Control characters (a NUL byte...) spelt as text (``x00`` after a backslash).

    Parameters
    ----------
    value
        A source value or raw row, or None.

    Returns
    -------
    str or None
        The value with each control character but tab and newline spelt as a backslash,
        ``x`` and two hex digits.
    """
    if value is None or not _CONTROL.search(value):
        return value
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", value)


def _shown(value: str | None) -> str:
    if value is None:
        return ""
    return value if len(value) <= _SHOWN_CHARS else value[: _SHOWN_CHARS - 3] + "..."


def _failures(checks: list[Check], blank: np.ndarray) -> pd.DataFrame:
    """One line per failing (row ``i``, check ``k``): column, value and reason; blank rows k=-1."""
    parts = []
    for position, check in enumerate(checks):
        idx = np.flatnonzero(check.mask)
        values = [printable(value) for value in check.values.take(pa.array(idx)).to_pylist()]
        if check.empty:
            reasons = [f"column '{check.column}': {check.tail}"] * len(idx)
        else:
            reasons = [f"column '{check.column}': '{_shown(v)}' {check.tail}" for v in values]
        parts.append(
            pd.DataFrame(
                {
                    "i": idx,
                    "k": position,
                    "column": check.column,
                    "value": values,
                    "reason": reasons,
                }
            )
        )
    blank_reason = "blank row (every field is empty)"
    parts.append(
        pd.DataFrame(
            {
                "i": np.flatnonzero(blank),
                "k": -1,
                "column": None,
                "value": None,
                "reason": blank_reason,
            }
        )
    )
    return pd.concat(parts, ignore_index=True).sort_values(["i", "k"], kind="stable")


def _one_per_row(failures: pd.DataFrame) -> pd.DataFrame:
    """Per row: the first failing column and value, and every reason joined by ``; ``."""
    multi = failures["i"].duplicated(keep=False)
    single = failures.loc[~multi, ["i", "column", "value", "reason"]]
    if not multi.any():
        return single
    several = failures[multi]
    # column and value of the same (first) failure; groupby's "first" would skip a missing
    # value and pair one check's column with another's value
    grouped = several.drop_duplicates("i")[["i", "column", "value"]].assign(
        reason=several.groupby("i", sort=False)["reason"].agg("; ".join).to_numpy()
    )
    return pd.concat([single, grouped]).sort_values("i")


def _raw_text(raw: RawFile, idx: np.ndarray) -> list[str]:
    """The rows' fields joined by the file's delimiter (``,`` for non-CSV files)."""
    delimiter = raw.meta.get("delimiter") or ","
    strings = [
        pc.fill_null(parse_strings(raw.table.column(c).take(pa.array(idx))), "")
        for c in range(raw.table.num_columns)
    ]
    if not strings:
        return [""] * len(idx)
    return [
        printable(text) for text in pc.binary_join_element_wise(*strings, delimiter).to_pylist()
    ]


def reject_frame(
    raw: RawFile, table: str, checks: list[Check], blank: np.ndarray, rejected_idx: np.ndarray
) -> pd.DataFrame:
    """One reject row per rejected source row: first failing column and value, all reasons.

    Parameters
    ----------
    raw
        The file as read.
    table
        The canonical table it is a source of.
    checks
        The failing rows of each rule (blank rows already taken out of their masks).
    blank
        Rows whose every field is empty.
    rejected_idx
        Positions of the rejected rows (every row of ``checks`` and ``blank``), ascending.

    Returns
    -------
    pandas.DataFrame
        :data:`REJECT_COLUMNS`: file, source line, table, first failing column and its value,
        the reasons (``column 'x': 'value' is not ...``; several joined by ``; ``), the raw row.
    """
    per_row = _one_per_row(_failures(checks, blank))
    idx = per_row["i"].to_numpy()
    assert len(idx) == len(rejected_idx)
    return pd.DataFrame(
        {
            "source_file": raw.name,
            "source_row": raw.rows[idx],
            "table": table,
            "column": per_row["column"].to_numpy(object),
            "value": per_row["value"].to_numpy(object),
            "reason": per_row["reason"].to_numpy(object),
            "raw": _raw_text(raw, idx),
        }
    )


def ragged_rejects(raw: RawFile, table: str) -> pd.DataFrame:
    """The rows the reader could not split, as rejects.

    Parameters
    ----------
    raw
        The file as read (its ``bad_rows``).
    table
        The canonical table it is a source of.

    Returns
    -------
    pandas.DataFrame
        :data:`REJECT_COLUMNS`, with no column or value; the reason names the field count.
    """
    return pd.DataFrame(
        {
            "source_file": raw.name,
            "source_row": [row["source_row"] for row in raw.bad_rows],
            "table": table,
            "column": None,
            "value": None,
            "reason": [row["reason"] for row in raw.bad_rows],
            "raw": [row["raw"] for row in raw.bad_rows],
        }
    )


def rejects_by_reason(rejects: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows counted per table and column, with the first example reason.

    Parameters
    ----------
    rejects
        Rejected rows with :data:`REJECT_COLUMNS` (as in ``rejects.csv``).

    Returns
    -------
    pandas.DataFrame
        Columns ``table``, ``column`` (the source column), ``rows`` (count of rejected rows)
        and ``example`` (the first reason); most rows first. Whole-row reasons (blank or
        ragged rows) are counted when their column is an empty string, as ``rejects.csv``
        reads back; a missing (None/NaN) column is left out by the grouping.
    """
    if rejects.empty:
        return pd.DataFrame(columns=["table", "column", "rows", "example"])
    return (
        rejects.groupby(["table", "column"], sort=False)
        .agg(rows=("reason", "size"), example=("reason", "first"))
        .reset_index()
        .sort_values("rows", ascending=False, ignore_index=True)
    )
