"""The reconciliation: rows and revenue in = accepted + rejected, per file and table, to the cent."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from helpers.ingest.linefigures import Count, line_figures
from helpers.ingest.loading import LoadedTable
from helpers.ingest.money import to_money
from helpers.ingest.validation import FileOut

__all__ = ["RECONCILIATION_COLUMNS", "reconcile", "reconciliation_frame"]

#: columns of ``reconciliation.csv``
RECONCILIATION_COLUMNS = (
    "table",
    "source_file",
    "rows_in",
    "rows_accepted",
    "rows_rejected",
    "rows_unattributed",
    "revenue_in",
    "revenue_accepted",
    "revenue_attributed",
    "revenue_unattributed",
    "revenue_rejected",
    "rows_revenue_unknown",
    "revenue_unknown_rows",
    "balanced",
)
_ROWS_LISTED = 10  # rows of unknown revenue named per file


def _unknown_rows_text(file: FileOut) -> str:
    """``file: rows 3, 7 and 2 more`` for the rows whose revenue is unknown; empty if none."""
    rows = file.unknown_rows
    if not rows:
        return ""
    more = f" and {len(rows) - _ROWS_LISTED} more" if len(rows) > _ROWS_LISTED else ""
    return f"{file.name}: rows " + ", ".join(map(str, rows[:_ROWS_LISTED])) + more


def _order_money(loaded: LoadedTable, file: FileOut, rows_rejected: int) -> dict[str, Any]:
    """The order-line columns of a file's row: accepted rows and revenue, attributed or not."""
    figures = loaded.lines or line_figures([], [])
    accepted, unattributed = figures.files.get(file.name, (Count(), Count()))
    balanced = file.rows_in == accepted.rows + rows_rejected and (
        file.nanos_in == accepted.nanos + file.nanos_rejected
    )
    nanos = {
        "revenue_in": file.nanos_in,
        "revenue_accepted": accepted.nanos,
        "revenue_attributed": accepted.nanos - unattributed.nanos,
        "revenue_unattributed": unattributed.nanos,
        "revenue_rejected": file.nanos_rejected,
    }
    return {
        "rows_accepted": accepted.rows,
        "rows_unattributed": unattributed.rows,
        **{key: to_money(value) for key, value in nanos.items()},
        "_nanos": nanos,
        "rows_revenue_unknown": len(file.unknown_rows),
        "revenue_unknown_rows": _unknown_rows_text(file),
        "balanced": balanced,
    }


def _file_row(loaded: LoadedTable, file: FileOut) -> dict[str, Any]:
    """One file's reconciliation row (revenue columns for order lines only)."""
    rejected = int((loaded.rejects["source_file"] == file.name).sum())
    row: dict[str, Any] = {
        "table": loaded.table,
        "source_file": file.name,
        "rows_in": file.rows_in,
        "rows_rejected": rejected,
    }
    if loaded.table == "order_lines":
        return row | _order_money(loaded, file, rejected)
    accepted = file.accepted.num_rows
    return row | {"rows_accepted": accepted, "balanced": file.rows_in == accepted + rejected}


def _total_row(table: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``(all files)`` row: sums, all balanced, and the unknown-revenue rows joined."""
    total: dict[str, Any] = {"table": table, "source_file": "(all files)"}
    for key in RECONCILIATION_COLUMNS[2:]:
        values = [row.get(key) for row in rows]
        if key == "balanced":
            total[key] = all(values)
        elif key == "revenue_unknown_rows":
            total[key] = "; ".join(value for value in values if value)
        elif key.startswith("revenue") and all("_nanos" in row for row in rows):
            total[key] = to_money(sum(row["_nanos"][key] for row in rows))
        elif all(value is not None for value in values):
            total[key] = sum(values)
    return total


def reconcile(loaded: LoadedTable) -> list[dict[str, Any]]:
    """Reconciliation rows of one table: one per file, and a total when there are several.

    Parameters
    ----------
    loaded
        The table as loaded.

    Returns
    -------
    list of dict
        Rows keyed by :data:`RECONCILIATION_COLUMNS` (revenue keys for order lines only).
    """
    rows = [_file_row(loaded, file) for file in loaded.files]
    if len(rows) > 1:
        rows.append(_total_row(loaded.table, rows))
    return rows


def reconciliation_frame(tables: Iterable[LoadedTable]) -> pd.DataFrame:
    """The reconciliation of every table, as written to ``reconciliation.csv``.

    Parameters
    ----------
    tables
        The loaded tables.

    Returns
    -------
    pandas.DataFrame
        One row per file (and an ``(all files)`` total per table with several files):
        table, source_file : str
        rows_in, rows_accepted, rows_rejected : int, rows
        rows_unattributed, rows_revenue_unknown : Int64, rows (NA for tables without revenue)
        revenue_in, revenue_accepted, revenue_attributed, revenue_unattributed,
        revenue_rejected : float, currency units of the export (NaN without revenue)
        revenue_unknown_rows : str, the rows whose revenue could not be computed
        balanced : bool, rows (and for order lines revenue, in cents) in = accepted + rejected
    """
    recon = pd.DataFrame(
        [row for loaded in tables for row in reconcile(loaded)],
        columns=list(RECONCILIATION_COLUMNS),
    )
    for column in ("rows_unattributed", "rows_revenue_unknown"):
        recon[column] = recon[column].astype("Int64")
    recon["balanced"] = recon["balanced"].astype(bool)
    return recon
