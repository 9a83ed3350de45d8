"""What ingest tells a reader: data-quality findings in sentences and the data dictionary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from helpers import schema
from helpers.ingest.dates import human_date_format
from helpers.ingest.linefigures import LineFigures
from helpers.ingest.loading import LoadedTable
from helpers.ingest.money import to_money
from helpers.ingest.validation import FileOut

__all__ = ["table_findings", "reconciliation_findings", "dictionary_rows"]

_DERIVED_SOURCES = {
    "revenue": "(derived: quantity * unit_price - discount)",
    "cost_assumed": "(derived)",
    "is_return": "(derived)",
    "is_duplicate": "(derived)",
    "source_file": "(derived)",
    "source_row": "(derived)",
}
_AMOUNTS = ("quantity", "unit_price", "discount", "cost")


def _counted(count: int, word: str) -> str:
    """``3 lines`` / ``1 line``."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _read_as(table: str, file: FileOut) -> str:
    """How one file was read: format, encoding, delimiter, decimal comma, date formats, rows."""
    meta = file.meta
    how = meta.get("format", "?").upper()
    if meta.get("format") == "csv":
        delimiter = {"\t": "tab"}.get(meta["delimiter"], meta["delimiter"])
        told = meta["encoding_how"]  # "utf-8" says only that it decoded as such: no echo
        how += f" in {meta['encoding']}{'' if told == meta['encoding'] else f' ({told})'}"
        how += f", delimiter '{delimiter}'"
        if meta.get("aligned"):
            how = how.replace(f"delimiter '{delimiter}'", "columns aligned by runs of spaces")
    if meta.get("compression"):
        how += f", {meta['compression']}-compressed"
    elif "sheet" in meta:
        how += f", sheet '{meta['sheet']}'"
        if meta.get("sheet_note"):
            how += f" ({meta['sheet_note']}; the first visible one was read)"
    fallen = meta.get("fallback_lines") or []
    if fallen:
        shown = ", ".join(map(str, fallen[:5])) + (
            f" and {len(fallen) - 5} more" if len(fallen) > 5 else ""
        )
        how += f" ({_counted(len(fallen), 'line')} not UTF-8, read as {meta['encoding_how'].split()[-1]}: {shown})"
    if "," in set(meta["decimal"].values()):
        how += ", decimal comma"
    formats = sorted(
        {human_date_format(fmt) for fmt in meta["date_format"].values() if not fmt.startswith("(")}
    )
    if formats:
        how += f", dates as {' / '.join(formats)}"
    return f"{table}: {file.name} read as {how}: {file.rows_in:,} rows."


def _rejected(loaded: LoadedTable) -> str:
    """How many rows were rejected and the three most common reasons (or: all accepted)."""
    rows_in = sum(file.rows_in for file in loaded.files)
    rejected = len(loaded.rejects)
    if not rejected:
        return f"{loaded.table}: all {rows_in:,} rows accepted."
    reasons: dict[str, int] = {}
    for file in loaded.files:
        for reason, count in file.reasons.items():
            reasons[reason] = reasons.get(reason, 0) + count
    top = sorted(reasons.items(), key=lambda item: -item[1])[:3]
    return (
        f"{loaded.table}: {rejected:,} of {rows_in:,} rows ({rejected / rows_in:.1%}) rejected "
        "(see rejects.csv); " + "; ".join(f"{reason}: {count:,}" for reason, count in top) + "."
    )


def _share(part: int, whole: int) -> float:
    """``part / whole`` of two nano-unit totals (0 of nothing)."""
    return part / whole if whole else 0.0


def _order_line_findings(figures: LineFigures, config: Mapping[str, Any]) -> list[str]:
    """Lines without a customer, returns, exact duplicates and lines of assumed cost."""
    total = figures.total.abs_nanos
    out = []
    orphans = figures.unattributed
    if orphans.rows:
        out.append(
            f"order_lines: {_counted(orphans.rows, 'line')} carry no customer id (revenue "
            f"{to_money(orphans.nanos):,.2f}, {_share(orphans.abs_nanos, total):.1%} of the "
            f"total); kept as '{schema.UNATTRIBUTED}'."
        )
    if figures.returns.rows:
        out.append(
            f"order_lines: {_counted(figures.returns.rows, 'return or credit-note line')} (revenue "
            f"{to_money(figures.returns.nanos):,.2f}) kept as returns."
        )
    repeats = figures.repeats
    if repeats.rows:
        out.append(
            f"order_lines: {_counted(repeats.rows, 'exact duplicate line')} flagged is_duplicate "
            f"and kept (revenue {to_money(repeats.nanos):,.2f}); drop them if the export repeats "
            "lines."
        )
    assumed = figures.assumed
    if assumed.rows:
        margin = float((config.get("assumptions") or {}).get("gross_margin", 0.3))
        out.append(
            f"order_lines: cost of goods is not in the export for {_counted(assumed.rows, 'line')} "
            f"({_share(assumed.abs_nanos, total):.0%} of revenue); assumed from a gross margin of "
            f"{margin:.0%} (assumptions.gross_margin)."
        )
    return out


def table_findings(loaded: LoadedTable, config: Mapping[str, Any]) -> list[str]:
    """Data-quality findings of one table, as sentences.

    Parameters
    ----------
    loaded
        The table as loaded.
    config
        The whole config (``assumptions.gross_margin`` is named when cost was assumed).

    Returns
    -------
    list of str
        How each file was read; what was rejected and why; the parser's notes; for order
        lines the lines without a customer, returns, duplicates and assumed cost.
    """
    out = [_read_as(loaded.table, file) for file in loaded.files]
    out.append(_rejected(loaded))
    out.extend(loaded.notes)
    if loaded.lines is not None and loaded.lines.total.rows:
        out.extend(_order_line_findings(loaded.lines, config))
    return out


def reconciliation_findings(recon: pd.DataFrame) -> list[str]:
    """Whether the reconciliation balances, and which rows' revenue is unknown, as sentences.

    Parameters
    ----------
    recon
        The reconciliation (see :func:`helpers.ingest.reconciliation.reconciliation_frame`).

    Returns
    -------
    list of str
        One sentence on the balance (naming the tables and files that do not balance), then
        one per order-line file with rejected rows whose revenue could not be computed.
    """
    if recon["balanced"].all():
        out = [
            "Reconciliation: rows and revenue in = accepted + rejected, to the cent, for every table."
        ]
    else:
        unbalanced = recon.loc[~recon["balanced"].astype(bool), ["table", "source_file"]]
        out = [
            "Reconciliation does NOT balance for: "
            + ", ".join(f"{table} ({file})" for table, file in unbalanced.itertuples(index=False))
            + "."
        ]
    for row in recon.itertuples(index=False):
        if (
            row.table == "order_lines"
            and row.rows_revenue_unknown
            and row.source_file != "(all files)"
        ):
            out.append(
                f"order_lines: the revenue of {_counted(int(row.rows_revenue_unknown), 'rejected row')} cannot be "
                f"computed ({row.revenue_unknown_rows}); they are counted in rows but not in revenue."
            )
    return out


def _source_of(loaded: LoadedTable, column: str) -> str:
    """Where a canonical column came from: its source column, ``(derived...)`` or ``(absent)``."""
    source = loaded.mapping.get(column)
    if source is not None:
        return source
    is_orders = loaded.table == "order_lines"
    source = _DERIVED_SOURCES.get(column, "(absent)") if is_orders else "(absent)"
    if is_orders and column in _AMOUNTS and source == "(absent)":
        source = "(derived)"
    if column == "line_no" and source == "(absent)":
        source = "(derived: position in order)"
    return source


def _kind(series: pd.Series) -> str:
    """A column's type in words, for readers of the data dictionary."""
    if pd.api.types.is_bool_dtype(series):
        return "yes/no"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    if pd.api.types.is_integer_dtype(series):
        return "whole number"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    return "text"


def dictionary_rows(loaded: LoadedTable) -> list[dict[str, Any]]:
    """The data dictionary of one table: a row per canonical column.

    Parameters
    ----------
    loaded
        The table as loaded.

    Returns
    -------
    list of dict
        Keys ``table``, ``column``, ``source_column`` (or how it was derived), ``dtype``,
        ``kind`` (the dtype in words: number, whole number, date, text, yes/no), ``non_null``
        (count of values present) and ``example`` (the first value, as text).
    """
    rows = []
    for column in schema.CANONICAL[loaded.table]:
        if loaded.facts is not None:  # read in chunks: the facts of the finished table
            source = {"source_column": _source_of(loaded, column)}
            rows.append({"table": loaded.table, "column": column} | source | loaded.facts[column])
            continue
        series = loaded.frame[column]
        present = series.dropna()
        rows.append(
            {
                "table": loaded.table,
                "column": column,
                "source_column": _source_of(loaded, column),
                "dtype": str(series.dtype),
                "kind": _kind(series),
                "non_null": int(len(present)),
                "example": str(present.iloc[0]) if len(present) else "",
            }
        )
    return rows
