"""Ingest and validate a dataset's raw exports into canonical Parquet tables, losing nothing.

A dataset config maps each canonical table (``helpers.schema``) to source file(s), column names
and parse options. Row-level problems (an unparseable number or date, a negative price, a zero
quantity...) send the row to the rejects with a reason; file-level problems (missing file, empty
file, missing column, undecodable bytes...) raise :class:`IngestError` naming file, row, column,
value and what was expected. A reconciliation table proves rows and revenue in = accepted +
rejected, to the cent.
"""

from __future__ import annotations

import glob
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers import schema
from helpers.config import resolve_path
from helpers.exports import neutralise_formulas
from helpers.ingest.parsing import (
    IngestError,
    RawFile,
    decimal_evidence,
    human_date_format,
    number_core,
    parse_bools,
    parse_dates,
    parse_numbers,
    parse_strings,
    read_raw,
)

__all__ = [
    "IngestError",
    "IngestResult",
    "ingest_dataset",
    "load_table",
    "source_fields",
    "REJECT_COLUMNS",
    "RECONCILIATION_COLUMNS",
    "read_outputs",
    "rejects_by_reason",
    "plot_monthly_coverage",
]

#: columns of ``rejects.csv``
REJECT_COLUMNS = ("source_file", "source_row", "table", "column", "value", "reason", "raw")
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

# order_lines columns computed by ingest, never read from the export
_DERIVED = ("revenue", "cost_assumed", "is_return", "is_duplicate", "source_file", "source_row")
# fields an order-line export may carry besides the canonical columns
_ORDER_EXTRAS = {
    "unit_cost": "float64",  # cost per unit
    "sales": "float64",  # line sales after discount (amounts: line / revenue_only)
    "profit": "float64",  # line profit (amounts: line)
    "margin": "float64",  # line margin as a fraction of sales (amounts: line)
    "credit_note": "bool",  # a flag or document type marking credit notes / returns
}
_KIND_WORD = {
    "string": "a value",
    "float64": "a number",
    "int64": "a whole number",
    "date": "a date",
    "bool": "a yes/no value",
}
_NUM_EXAMPLE = {".": "1234.56 or 1,234.56", ",": "1234,56 or 1.234,56"}
_TABLE_KEYS = {"path", "columns"}
_MODES = ("unit", "line", "revenue_only")


def source_fields(table: str) -> dict[str, str]:
    """The fields a source of ``table`` may map (field -> schema dtype)."""
    if table not in schema.CANONICAL:
        raise KeyError(table)
    cols = {k: v for k, v in schema.CANONICAL[table].items()}
    if table == "order_lines":
        cols = {k: v for k, v in cols.items() if k not in _DERIVED} | _ORDER_EXTRAS
    return cols


@dataclass
class IngestResult:
    """What :func:`ingest_dataset` produced (also written to ``out_dir``)."""

    tables: dict[str, pd.DataFrame]
    rejects: pd.DataFrame
    reconciliation: pd.DataFrame
    quality: list[str]
    dictionary: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Check:
    """Rows failing one rule, with the reason text around each value."""

    mask: np.ndarray
    field: str
    column: str  # source column name
    values: pa.Array  # text of the values (for the message)
    tail: str  # the reason after the value, e.g. "is not a number (expected e.g. 1234.56)"
    empty: bool = False  # the reason is about a missing value (no quoted value in the message)


@dataclass
class _FileOut:
    name: str
    rows_in: int
    accepted: pa.Table
    rejects: pd.DataFrame
    cents_in: int
    cents_rejected: int
    unknown_rows: list[int]
    meta: dict[str, Any]
    reasons: dict[str, int]
    notes: list[str]


@dataclass
class _Loaded:
    table: str
    frame: pd.DataFrame
    rejects: pd.DataFrame
    files: list[_FileOut]
    mapping: dict[str, str]
    notes: list[str]


# ---------------------------------------------------------------------------------------------
# config
# ---------------------------------------------------------------------------------------------
def _config_name(config: Mapping[str, Any]) -> str:
    return str(config.get("_path") or "config")


def _options(config: Mapping[str, Any], table: str, spec: Any) -> dict[str, Any]:
    """The table's parse options: the ``ingest`` defaults overridden by the table's spec."""
    if isinstance(spec, str | list):
        spec = {"path": spec}
    if not isinstance(spec, Mapping):
        raise IngestError(
            f"{_config_name(config)}: tables.{table}: expected a mapping with at least 'path', "
            f"got {type(spec).__name__}"
        )
    base = dict(config.get("ingest") or {})
    allowed = _TABLE_KEYS | set(base)
    for key in spec:
        if key not in allowed:
            raise IngestError(
                f"{_config_name(config)}: tables.{table}.{key}: unknown key (expected one of: "
                f"{', '.join(sorted(allowed - {'required'}))})"
            )
    if "path" not in spec or not spec["path"]:
        raise IngestError(
            f"{_config_name(config)}: tables.{table}: no 'path' given (expected a file, list or glob)"
        )
    opts = {**base, **spec}
    if table == "order_lines":
        if opts.get("amounts") not in _MODES:
            raise IngestError(
                f"{_config_name(config)}: tables.{table}.amounts: {opts.get('amounts')!r} "
                f"(expected one of: {', '.join(_MODES)})"
            )
        if opts.get("discount_as") not in ("amount", "fraction"):
            raise IngestError(
                f"{_config_name(config)}: tables.{table}.discount_as: {opts.get('discount_as')!r} "
                "(expected amount or fraction)"
            )
    return opts


def _resolve_sources(config: Mapping[str, Any], table: str, paths: Any) -> list[tuple[Path, str]]:
    """Files of a table (a path, a list or globs), each with its display name."""
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    base = Path(config.get("_dir", "."))
    out: list[tuple[Path, str]] = []
    for item in items:
        p = resolve_path(config, item)
        if any(ch in str(item) for ch in "*?["):
            found = sorted(Path(f) for f in glob.glob(str(p)))
            if not found:
                raise IngestError(
                    f"{item}: no file matches this pattern (tables.{table}.path, relative to {base})"
                )
            out.extend((f, os.path.relpath(f, base)) for f in found)
        else:
            out.append(
                (p, os.path.relpath(p, base) if not Path(str(item)).is_absolute() else str(item))
            )
    return out


def _match_columns(
    raw: RawFile, table: str, opts: Mapping[str, Any], config: Mapping[str, Any]
) -> dict[str, str]:
    """field -> source column for this file; raises if a required column is absent."""
    fields = source_fields(table)
    given = opts.get("columns") or {}
    if not isinstance(given, Mapping):
        raise IngestError(
            f"{_config_name(config)}: tables.{table}.columns: expected a mapping field: source column"
        )
    for key in given:
        if key not in fields:
            raise IngestError(
                f"{_config_name(config)}: tables.{table}.columns.{key}: unknown field (expected one "
                f"of: {', '.join(fields)})"
            )
    header = list(raw.table.column_names)
    folded = {}
    for h in header:
        folded.setdefault(" ".join(h.split()).casefold(), []).append(h)

    def find(name: str) -> str | None:
        if name in header:
            return name
        hits = folded.get(" ".join(str(name).split()).casefold(), [])
        return hits[0] if len(hits) == 1 else None

    mapping: dict[str, str] = {}
    for fld in fields:
        src = given.get(fld, fld)
        if src in (None, ""):
            continue
        hit = find(str(src))
        if hit is not None:
            mapping[fld] = hit
        elif fld in given:
            mapping[fld] = f"\0{src}"  # configured but absent: an error if required, else a note
    required = list((opts.get("required") or {}).get(table, []))
    if table == "order_lines":
        required += ["unit_price"] if opts["amounts"] == "unit" else ["sales"]
        if opts["amounts"] == "revenue_only":
            required = [r for r in required if r != "quantity"]
    row = int(opts.get("skip_rows") or 0) + 1 if raw.meta.get("format") != "parquet" else 0
    where = f"row {row} (header)" if row else "columns"
    found = ", ".join(repr(h) for h in header[:30]) + (", ..." if len(header) > 30 else "")
    for fld in required:
        src = mapping.get(fld)
        if src is None or src.startswith("\0"):
            name = src[1:] if src else str(given.get(fld, fld))
            raise IngestError(
                f"{raw.name}: {where}: required column {name!r} ({table}.{fld}) not found "
                f"(expected it among the columns: {found}; map it under tables.{table}.columns)"
            )
    missing = [f"{src[1:]!r}" for src in mapping.values() if src.startswith("\0")]
    if missing:
        raise IngestError(
            f"{raw.name}: {where}: mapped column {missing[0]} not found (expected it among the "
            f"columns: {found}; fix or remove it under tables.{table}.columns)"
        )
    return mapping


# ---------------------------------------------------------------------------------------------
# one file
# ---------------------------------------------------------------------------------------------
def _blank_rows(tbl: pa.Table) -> np.ndarray:
    """Rows whose every field is empty or whitespace."""
    n = tbl.num_rows
    if n == 0 or tbl.num_columns == 0:
        return np.zeros(n, bool)
    cand = pc.is_null(parse_strings(tbl.column(0))).to_numpy(zero_copy_only=False)
    if not cand.any():
        return cand
    idx = np.flatnonzero(cand)
    sub = tbl.take(pa.array(idx))
    blank = np.ones(len(idx), bool)
    for col in sub.columns[1:]:
        blank &= pc.is_null(parse_strings(col)).to_numpy(zero_copy_only=False)
    out = np.zeros(n, bool)
    out[idx[blank]] = True
    return out


def _duplicates(tbl: pa.Table, threshold: int) -> np.ndarray:
    """Rows that exactly repeat an earlier row of the same file (all fields equal)."""
    n = tbl.num_rows
    if n < 2:
        return np.zeros(n, bool)
    plain = tbl.rename_columns([f"f{i}" for i in range(tbl.num_columns)])
    if n <= threshold:
        return plain.to_pandas().duplicated().to_numpy()
    import duckdb

    con = duckdb.connect()
    try:
        con.register("t", plain)
        cols = ", ".join(plain.column_names)
        hashes = (
            con.execute(f"SELECT hash({cols}) AS h FROM t").to_arrow_table().column("h").to_numpy()
        )
    finally:
        con.close()
    cand = pd.Series(hashes).duplicated(keep=False).to_numpy()
    out = np.zeros(n, bool)
    if cand.any():
        idx = np.flatnonzero(cand)
        sub = plain.take(pa.array(idx)).to_pandas()
        out[idx[sub.duplicated().to_numpy()]] = True
    return out


def _text(values: Any) -> pa.Array:
    return parse_strings(values)


class _FileParser:
    """Parses the mapped columns of one raw file into canonical arrays plus rejection checks."""

    def __init__(self, raw: RawFile, table: str, opts: Mapping[str, Any], mapping: dict[str, str]):
        self.raw, self.table, self.opts, self.mapping = raw, table, opts, mapping
        self.n = raw.table.num_rows
        self.checks: list[_Check] = []
        self.meta: dict[str, Any] = {"decimal": {}, "date_format": {}}
        self.notes: list[str] = []
        self.date_min = np.datetime64(str(opts["date_min"]), "ns")
        self.date_max = np.datetime64(str(opts["date_max"]), "ns")
        self._file_decimal: str | None = None

    def col(self, fld: str) -> pa.ChunkedArray | None:
        src = self.mapping.get(fld)
        return None if src is None else self.raw.table.column(src)

    def text(self, fld: str) -> pa.Array | None:
        c = self.col(fld)
        return None if c is None else _text(c)

    def add(self, mask: np.ndarray, fld: str, tail: str, *, empty: bool = False) -> None:
        if mask.any():
            src = self.mapping[fld]
            self.checks.append(_Check(mask, fld, src, self.text(fld), tail, empty))

    def file_decimal(self) -> str:
        """The file's prevailing decimal separator, from a sample of every numeric column."""
        if self._file_decimal is None:
            dot = com = 0
            fields = source_fields(self.table)
            for fld, src in self.mapping.items():
                if fields.get(fld) in ("float64", "int64"):
                    col = self.raw.table.column(src).slice(0, 20_000)
                    if pa.types.is_string(col.type):
                        core, _, _ = number_core(col, list(self.opts.get("currency_symbols") or []))
                        d, c, _ = decimal_evidence(core)
                        dot, com = dot + d, com + c
            self._file_decimal = "," if com > dot else "."
        return self._file_decimal

    def number(self, fld: str) -> tuple[np.ndarray, np.ndarray] | None:
        c = self.col(fld)
        if c is None:
            return None
        kwargs = {
            "decimal": str(self.opts["decimal"]),
            "thousands": self.opts.get("thousands"),
            "currency": list(self.opts.get("currency_symbols") or []),
        }
        res = parse_numbers(c, **kwargs)
        if res.ambiguous and self.file_decimal() != res.decimal:
            res = parse_numbers(c, **kwargs, fallback_decimal=self.file_decimal())
        src = self.mapping[fld]
        self.meta["decimal"][src] = res.decimal
        if res.ambiguous:
            self.notes.append(
                f"{self.table}: column '{src}' of {self.raw.name} shows no decimal separator "
                f"for sure ({res.ambiguous:,} values like 1,234); read with '{res.decimal}' as "
                "decimal separator, like the file's other columns (set decimal to be sure)."
            )
        other = "," if res.decimal == "." else "."
        ex = _NUM_EXAMPLE[res.decimal]
        self.add(res.bad & ~res.mixed, fld, f"is not a number (expected e.g. {ex})")
        self.add(
            res.mixed,
            fld,
            f"has '{other}' as decimal separator but this column uses '{res.decimal}' "
            f"(expected e.g. {ex})",
        )
        return res.values, res.null

    def integer(self, fld: str) -> tuple[np.ndarray, np.ndarray] | None:
        got = self.number(fld)
        if got is None:
            return None
        vals, null = got
        frac = ~null & ~np.isnan(vals) & (vals != np.floor(np.nan_to_num(vals)))
        self.add(frac, fld, "is not a whole number (expected e.g. 3)")
        vals = np.where(frac, np.nan, vals)
        return vals, null

    def date(self, fld: str) -> tuple[np.ndarray, np.ndarray] | None:
        c = self.col(fld)
        if c is None:
            return None
        res = parse_dates(
            c, date_format=str(self.opts["date_format"]), dayfirst=bool(self.opts["dayfirst"])
        )
        src = self.mapping[fld]
        main = res.formats[0]
        self.meta["date_format"][src] = main
        human = human_date_format(main)
        if res.ambiguous:
            self.notes.append(
                f"{self.table}: dates in column '{src}' of {self.raw.name} read both as day/month "
                f"and month/day (no day above 12); read as {human} (dayfirst: "
                f"{str(bool(self.opts['dayfirst'])).lower()}); set date_format to be sure."
            )
        example = "2020-11-08" if main == "(typed)" else pd.Timestamp("2020-11-08").strftime(main)
        self.add(res.bad, fld, f"is not a date (expected {human}, e.g. {example})")
        vals = res.values.astype("datetime64[D]").astype("datetime64[ns]")
        ok = ~np.isnat(vals)
        out = ok & ((vals < self.date_min) | (vals > self.date_max))
        lo = str(self.date_min.astype("datetime64[D]"))
        hi = str(self.date_max.astype("datetime64[D]"))
        self.add(out, fld, f"is out of range (expected a date between {lo} and {hi})")
        return vals, res.null

    def boolean(
        self, fld: str, truthy: list[str] | None = None
    ) -> tuple[np.ndarray, np.ndarray] | None:
        c = self.col(fld)
        if c is None:
            return None
        t = truthy or list(self.opts["true_values"])
        vals, null, bad = parse_bools(c, t, list(self.opts["false_values"]))
        if truthy is not None:
            bad = np.zeros(self.n, bool)  # any other text means "not a credit note"
        self.add(bad, fld, "is not a yes/no value (expected one of true, false, yes, no, 1, 0)")
        return vals, null

    def require(self, fld: str, null: np.ndarray, kind: str) -> None:
        self.add(null, fld, f"value is empty (expected {_KIND_WORD[kind]} for {fld})", empty=True)


def _generic_columns(p: _FileParser, fields: dict[str, str], required: list[str]) -> dict[str, Any]:
    """Parse every mapped field by its schema dtype; returns field -> array (pa or numpy)."""
    out: dict[str, Any] = {}
    for fld, dtype in fields.items():
        if fld not in p.mapping:
            continue
        if dtype == "string":
            vals = p.text(fld)
            if fld in required:
                p.require(fld, pc.is_null(vals).to_numpy(zero_copy_only=False), dtype)
            out[fld] = vals
            continue
        if dtype == "float64":
            got = p.number(fld)
        elif dtype == "int64":
            got = p.integer(fld)
        elif dtype == "date":
            got = p.date(fld)
        elif dtype == "bool":
            got = p.boolean(
                fld, list(p.opts["credit_note_values"]) if fld == "credit_note" else None
            )
        else:  # pragma: no cover - schema dtypes are the ones above
            raise ValueError(dtype)
        vals, null = got
        if fld in required:
            p.require(fld, null, dtype)
        out[fld] = (vals, null)
    return out


def _order_amounts(
    p: _FileParser, cols: dict[str, Any], opts: Mapping[str, Any], gross_margin: float
) -> dict[str, np.ndarray]:
    """Derive quantity, unit_price, discount, revenue, cost (+ flags) for order lines."""
    n = p.n
    mode, disc_as = opts["amounts"], opts["discount_as"]

    def get(fld: str, fill: float = np.nan) -> tuple[np.ndarray, np.ndarray]:
        if fld in cols:
            v, null = cols[fld]
            return np.where(null, fill, v), null
        return np.full(n, fill), np.ones(n, bool)

    credit = cols["credit_note"][0] if "credit_note" in cols else np.zeros(n, bool)
    q, q_null = get("quantity")
    if mode == "revenue_only" and "quantity" not in cols:
        q = np.ones(n)
    zero_q = ~q_null & (q == 0)
    if "quantity" in cols:
        p.add(zero_q, "quantity", "is zero (expected a non-zero quantity; returns are negative)")
    d, d_null = get("discount", 0.0)
    if disc_as == "fraction" and "discount" in cols:
        limit = 1.0 if mode == "unit" else 1.0 - 1e-12
        badf = ~d_null & ~np.isnan(d) & (np.abs(d) > limit)
        p.add(badf, "discount", "is not a fraction between 0 and 1 (expected e.g. 0.2 for 20% off)")
        d = np.where(badf, np.nan, d)
    with np.errstate(invalid="ignore", divide="ignore"):
        if mode == "unit":
            price, _ = get("unit_price")
            neg = (price < 0) & ~credit
            p.add(
                neg,
                "unit_price",
                "is negative (expected a price >= 0; returns carry a negative quantity or a "
                "credit-note flag)",
            )
            is_return = (q < 0) | credit | ((price < 0) & credit)
            sign = np.where(is_return, -1.0, 1.0)
            price = np.where(credit, np.abs(price), price)
            qty = sign * np.abs(q)
            if disc_as == "fraction":
                disc = np.abs(d) * qty * price
            else:
                disc = np.where(is_return & (d > 0), -d, d)
            revenue = qty * price - disc
            cost = np.full(n, np.nan)
            if "unit_cost" in cols:
                uc, uc_null = get("unit_cost")
                p.add(~uc_null & (uc < 0), "unit_cost", "is negative (expected a cost >= 0)")
                cost = qty * np.abs(uc)
            elif "cost" in cols:
                c, _ = get("cost")
                cost = sign * np.abs(c)
        else:
            sales, _ = get("sales")
            is_return = (q < 0) | (sales < 0) | credit
            sign = np.where(is_return, -1.0, 1.0)
            flipped = is_return & (sales > 0)
            revenue = sign * np.abs(sales)
            qty = sign * np.abs(q)
            if mode == "line" and "discount" in cols:
                if disc_as == "fraction":
                    listed = np.abs(revenue) / (1.0 - np.abs(d))
                    disc = sign * (listed - np.abs(revenue))
                else:
                    listed = np.abs(revenue) + np.abs(d)
                    disc = sign * np.abs(d)
            else:
                listed, disc = np.abs(revenue), np.zeros(n)
            price = listed / np.abs(q)
            cost = np.full(n, np.nan)
            if mode == "line":
                if "profit" in cols:
                    prof, _ = get("profit")
                    cost = revenue - np.where(flipped, -prof, prof)
                elif "margin" in cols:
                    m, _ = get("margin")
                    cost = revenue * (1.0 - m)
                elif "cost" in cols:
                    c, _ = get("cost")
                    cost = sign * np.abs(c)
    assumed = np.isnan(cost) if mode != "revenue_only" else np.ones(n, bool)
    cost = np.where(assumed, revenue * (1.0 - gross_margin), cost)
    # drop float noise (-19.950000000000003) without touching real sub-cent amounts
    return {
        "quantity": qty,
        "unit_price": np.round(price, 9),
        "discount": np.round(disc, 9),
        "revenue": np.round(revenue, 9),
        "cost": np.round(cost, 9),
        "cost_assumed": assumed,
        "is_return": is_return,
    }


def _reject_frame(
    raw: RawFile, table: str, checks: list[_Check], blank: np.ndarray, rejected_idx: np.ndarray
) -> pd.DataFrame:
    """One reject row per rejected source row: first failing column and value, all reasons."""
    parts = []
    for k, chk in enumerate(checks):
        idx = np.flatnonzero(chk.mask)
        vals = chk.values.take(pa.array(idx)).to_pylist()
        shown = ["" if v is None else (v if len(v) <= 60 else v[:57] + "...") for v in vals]
        if chk.empty:
            reasons = [f"column '{chk.column}': {chk.tail}"] * len(idx)
        else:
            reasons = [f"column '{chk.column}': '{v}' {chk.tail}" for v in shown]
        parts.append(
            pd.DataFrame({"i": idx, "k": k, "column": chk.column, "value": vals, "reason": reasons})
        )
    bidx = np.flatnonzero(blank)
    parts.append(
        pd.DataFrame(
            {
                "i": bidx,
                "k": -1,
                "column": None,
                "value": None,
                "reason": "blank row (every field is empty)",
            }
        )
    )
    allr = pd.concat(parts, ignore_index=True).sort_values(["i", "k"], kind="stable")
    multi = allr["i"].duplicated(keep=False)
    single = allr[~multi]
    if multi.any():
        grouped = (
            allr[multi]
            .groupby("i", sort=False)
            .agg(column=("column", "first"), value=("value", "first"), reason=("reason", "; ".join))
            .reset_index()
        )
        allr = pd.concat([single[["i", "column", "value", "reason"]], grouped]).sort_values("i")
    else:
        allr = single[["i", "column", "value", "reason"]]
    idx = allr["i"].to_numpy()
    assert len(idx) == len(rejected_idx)
    sep = raw.meta.get("delimiter") or ","
    strings = [
        pc.fill_null(parse_strings(raw.table.column(c).take(pa.array(idx))), "")
        for c in range(raw.table.num_columns)
    ]
    rawtext = pc.binary_join_element_wise(*strings, sep).to_pylist() if strings else [""] * len(idx)
    return pd.DataFrame(
        {
            "source_file": raw.name,
            "source_row": raw.rows[idx],
            "table": table,
            "column": allr["column"].to_numpy(object),
            "value": allr["value"].to_numpy(object),
            "reason": allr["reason"].to_numpy(object),
            "raw": rawtext,
        }
    )


def _cents(x: np.ndarray) -> np.ndarray:
    """Amounts as integer cents (NaN -> 0; the caller tracks which are unknown)."""
    return np.round(np.nan_to_num(x, nan=0.0) * 100.0).astype(np.int64)


def _process_file(
    raw: RawFile, table: str, opts: Mapping[str, Any], config: Mapping[str, Any]
) -> _FileOut:
    mapping = _match_columns(raw, table, opts, config)
    p = _FileParser(raw, table, opts, mapping)
    n = p.n
    fields = source_fields(table)
    required = list((opts.get("required") or {}).get(table, []))
    is_orders = table == "order_lines"
    if is_orders:
        required = [r for r in required if r != "customer_id"]
        if opts["amounts"] == "unit":
            required.append("unit_price")
        else:
            required.append("sales")
        if opts["amounts"] == "revenue_only" and "quantity" not in mapping:
            required = [r for r in required if r != "quantity"]
    cols = _generic_columns(p, fields, required)
    blank = _blank_rows(raw.table)
    out: dict[str, Any] = {}
    cents_row = np.zeros(n, np.int64)
    known = np.ones(n, bool)
    if is_orders:
        gm = float((config.get("assumptions") or {}).get("gross_margin", 0.3))
        amounts = _order_amounts(p, cols, opts, gm)
        out.update(amounts)
        rev = amounts["revenue"]
        known = ~np.isnan(rev) | blank
        cents_row = _cents(np.where(blank, 0.0, rev))
    rejected = blank.copy()
    for chk in p.checks:
        chk.mask = chk.mask & ~blank
        rejected |= chk.mask
    p.checks = [c for c in p.checks if c.mask.any()]
    reasons: dict[str, int] = {}
    for chk in p.checks:
        key = f"column '{chk.column}' {chk.tail.split(' (')[0]}"
        reasons[key] = reasons.get(key, 0) + int(chk.mask.sum())
    if blank.any():
        reasons["blank row"] = int(blank.sum())
    rej_idx = np.flatnonzero(rejected)
    rejects = (
        _reject_frame(raw, table, p.checks, blank, rej_idx) if len(rej_idx) else _empty_rejects()
    )
    if raw.bad_rows:
        extra = pd.DataFrame(
            {
                "source_file": raw.name,
                "source_row": [b["source_row"] for b in raw.bad_rows],
                "table": table,
                "column": None,
                "value": None,
                "reason": [b["reason"] for b in raw.bad_rows],
                "raw": [b["raw"] for b in raw.bad_rows],
            }
        )
        rejects = pd.concat([rejects, extra], ignore_index=True).sort_values(
            "source_row", kind="stable"
        )
        rejects = rejects.reset_index(drop=True)
        reasons["row has the wrong number of fields"] = len(raw.bad_rows)
    if opts.get("strict") and len(rejects):
        first = rejects.iloc[0]
        raise IngestError(f"{raw.name}: row {first['source_row']}, {first['reason']}")

    keep = ~rejected
    keep_idx = pa.array(np.flatnonzero(keep))
    dup = _duplicates(raw.table, int(opts.get("duplicate_hash_rows") or 200_000))
    acc: dict[str, pa.Array] = {}
    schema_cols = schema.CANONICAL[table]
    for col, dtype in schema_cols.items():
        if col in out:
            arr = out[col]
            acc[col] = (
                pa.array(arr[keep]) if dtype != "float64" else pa.array(arr[keep], pa.float64())
            )
        elif col == "is_duplicate":
            acc[col] = pa.array(dup[keep])
        elif col == "source_file":
            codes = pa.array(np.zeros(int(keep.sum()), np.int32))
            acc[col] = pa.DictionaryArray.from_arrays(codes, [raw.name]).cast(pa.string())
        elif col == "source_row":
            acc[col] = pa.array(raw.rows[keep])
        elif col in cols:
            v = cols[col]
            if isinstance(v, tuple):
                vals, null = v
                if dtype == "date":
                    acc[col] = pa.array(vals[keep], pa.timestamp("ns"))
                elif dtype == "bool":
                    acc[col] = pa.array(vals[keep], mask=null[keep])
                elif dtype == "int64":
                    acc[col] = pa.array(vals[keep], mask=null[keep] | np.isnan(vals[keep])).cast(
                        pa.int64()
                    )
                else:
                    acc[col] = pa.array(vals[keep], pa.float64())
            else:
                acc[col] = v.take(keep_idx)
        else:
            acc[col] = pa.nulls(int(keep.sum()), _ARROW[dtype])
    if is_orders:
        cust = acc["customer_id"]
        acc["customer_id"] = pc.fill_null(cust, schema.UNATTRIBUTED)
    accepted = pa.table(acc)
    cents_in = int(cents_row[known].sum())
    cents_rej = int(cents_row[rejected & known].sum())
    unknown = list(raw.rows[rejected & ~known]) + [b["source_row"] for b in raw.bad_rows]
    meta = dict(raw.meta) | p.meta | {"columns": mapping, "rows": raw.records}
    return _FileOut(
        raw.name,
        raw.records,
        accepted,
        rejects,
        cents_in,
        cents_rej,
        sorted(int(u) for u in unknown),
        meta,
        reasons,
        p.notes,
    )


_ARROW = {
    "string": pa.string(),
    "float64": pa.float64(),
    "int64": pa.int64(),
    "bool": pa.bool_(),
    "date": pa.timestamp("ns"),
}


def _empty_rejects() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype="int64" if c == "source_row" else object) for c in REJECT_COLUMNS}
    )


def _to_pandas(tbl: pa.Table, table: str) -> pd.DataFrame:
    """Arrow table -> pandas with the schema's dtypes (nullable Int64/boolean where NA occurs)."""
    data: dict[str, Any] = {}
    for col, dtype in schema.CANONICAL[table].items():
        arr = tbl.column(col)
        has_null = arr.null_count > 0
        if dtype == "string":
            data[col] = pd.Series(arr.to_pandas(), dtype="string")
        elif dtype == "date":
            data[col] = pd.Series(arr.to_pandas()).astype("datetime64[ns]")
        elif dtype == "int64":
            data[col] = pd.Series(arr.to_pandas()).astype("Int64" if has_null else "int64")
        elif dtype == "bool":
            data[col] = pd.Series(arr.to_pandas()).astype("boolean" if has_null else "bool")
        else:
            data[col] = pd.Series(arr.to_pandas()).astype("float64")
    return pd.DataFrame(data)


def _load(spec: Any, table: str, config: Mapping[str, Any]) -> _Loaded:
    if table not in schema.CANONICAL:
        raise IngestError(
            f"{_config_name(config)}: tables.{table}: unknown table {table!r} (expected one of: "
            f"{', '.join(schema.CANONICAL)})"
        )
    opts = _options(config, table, spec)
    files: list[_FileOut] = []
    for path, name in _resolve_sources(config, table, opts["path"]):
        raw = read_raw(path, name, table, opts)
        files.append(_process_file(raw, table, opts, config))
    accepted = pa.concat_tables([f.accepted for f in files])
    if table == "order_lines":
        accepted = _fill_line_no(accepted)
    frame = _to_pandas(accepted, table)
    rejects = (
        pd.concat([f.rejects for f in files], ignore_index=True) if files else _empty_rejects()
    )
    notes = [n for f in files for n in f.notes]
    mapping = files[0].meta["columns"] if files else {}
    return _Loaded(table, frame, rejects, files, mapping, notes)


def _fill_line_no(tbl: pa.Table) -> pa.Table:
    """line_no = position of the line within its order (in file order) where not given."""
    ln = tbl.column("line_no")
    if tbl.num_rows and ln.null_count == 0:
        return tbl
    codes, _ = pd.factorize(tbl.column("order_id").to_pandas(), use_na_sentinel=False)
    derived = pd.Series(codes).groupby(codes).cumcount().to_numpy() + 1
    given = pc.fill_null(ln, -1).to_numpy() if tbl.num_rows else np.array([], np.int64)
    vals = np.where(given >= 0, given, derived).astype(np.int64)
    return tbl.set_column(tbl.column_names.index("line_no"), "line_no", pa.array(vals))


def load_table(
    spec: Any, table_name: str, config: Mapping[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load one canonical table from its source(s).

    Parameters
    ----------
    spec
        The table's entry under ``tables`` in the config (a mapping with ``path`` etc.).
    table_name
        A canonical table name (``helpers.schema.CANONICAL``).
    config
        The whole (merged) config: parse defaults under ``ingest``, ``assumptions``, ``_dir``.

    Returns
    -------
    (accepted, rejects)
        Accepted rows with the schema's columns and dtypes; rejected rows with their reasons.
    """
    loaded = _load(spec, table_name, config)
    return loaded.frame, loaded.rejects


# ---------------------------------------------------------------------------------------------
# the dataset
# ---------------------------------------------------------------------------------------------
def _n(count: int, word: str) -> str:
    """``3 lines`` / ``1 line``."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _money(cents: int) -> float:
    return round(cents / 100.0, 2)


def _reconcile(loaded: _Loaded) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    frame = loaded.frame
    is_orders = loaded.table == "order_lines"
    if is_orders and len(frame):
        cents = _cents(frame["revenue"].to_numpy(dtype=float))
        unattr = (frame["customer_id"] == schema.UNATTRIBUTED).to_numpy(dtype=bool)
    for f in loaded.files:
        if is_orders and len(frame):
            in_file = (frame["source_file"] == f.name).to_numpy(dtype=bool)
            acc = int(in_file.sum())
        else:
            in_file = np.zeros(0, bool)
            acc = f.accepted.num_rows
        rej = int((loaded.rejects["source_file"] == f.name).sum())
        row: dict[str, Any] = {
            "table": loaded.table,
            "source_file": f.name,
            "rows_in": f.rows_in,
            "rows_accepted": acc,
            "rows_rejected": rej,
        }
        if is_orders:
            acc_c = int(cents[in_file].sum()) if len(frame) else 0
            un_c = int(cents[in_file & unattr].sum()) if len(frame) else 0
            shown = ", ".join(map(str, f.unknown_rows[:10])) + (
                f" and {len(f.unknown_rows) - 10} more" if len(f.unknown_rows) > 10 else ""
            )
            row |= {
                "rows_unattributed": int((in_file & unattr).sum()) if len(frame) else 0,
                "revenue_in": _money(f.cents_in),
                "revenue_accepted": _money(acc_c),
                "revenue_attributed": _money(acc_c - un_c),
                "revenue_unattributed": _money(un_c),
                "revenue_rejected": _money(f.cents_rejected),
                "rows_revenue_unknown": len(f.unknown_rows),
                "revenue_unknown_rows": f"{f.name}: rows {shown}" if f.unknown_rows else "",
                "balanced": f.rows_in == acc + rej and f.cents_in == acc_c + f.cents_rejected,
            }
        else:
            row["balanced"] = f.rows_in == acc + rej
        rows.append(row)
    if len(rows) > 1:
        total: dict[str, Any] = {"table": loaded.table, "source_file": "(all files)"}
        for key in RECONCILIATION_COLUMNS[2:]:
            vals = [r.get(key) for r in rows]
            if key == "balanced":
                total[key] = all(vals)
            elif key == "revenue_unknown_rows":
                total[key] = "; ".join(v for v in vals if v)
            elif all(v is not None for v in vals):
                total[key] = round(sum(vals), 2) if key.startswith("revenue") else sum(vals)
        rows.append(total)
    return rows


def _quality(loaded: _Loaded, config: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    t = loaded.table
    frame = loaded.frame
    for f in loaded.files:
        m = f.meta
        how = m.get("format", "?").upper()
        if m.get("format") == "csv":
            delim = {"\t": "tab"}.get(m["delimiter"], m["delimiter"])
            how += f" in {m['encoding']} ({m['encoding_how']}), delimiter '{delim}'"
        elif m.get("format") == "xlsx":
            how += f", sheet '{m['sheet']}'"
        dec = sorted({v for v in m["decimal"].values()})
        if "," in dec:
            how += ", decimal comma"
        fmts = sorted({human_date_format(v) for v in m["date_format"].values() if v != "(typed)"})
        if fmts:
            how += f", dates as {' / '.join(fmts)}"
        out.append(f"{t}: {f.name} read as {how}: {f.rows_in:,} rows.")
    n_in = sum(f.rows_in for f in loaded.files)
    n_rej = len(loaded.rejects)
    if n_rej:
        reasons: dict[str, int] = {}
        for f in loaded.files:
            for k, v in f.reasons.items():
                reasons[k] = reasons.get(k, 0) + v
        top = sorted(reasons.items(), key=lambda kv: -kv[1])[:3]
        out.append(
            f"{t}: {n_rej:,} of {n_in:,} rows ({n_rej / n_in:.1%}) rejected (see rejects.csv); "
            + "; ".join(f"{k}: {v:,}" for k, v in top)
            + "."
        )
    else:
        out.append(f"{t}: all {n_in:,} rows accepted.")
    out.extend(loaded.notes)
    if t == "order_lines" and len(frame):
        rev = frame["revenue"].to_numpy(dtype=float)
        total = float(np.abs(rev).sum()) or 1.0
        un = (frame["customer_id"] == schema.UNATTRIBUTED).to_numpy(dtype=bool)
        if un.any():
            out.append(
                f"order_lines: {_n(int(un.sum()), 'line')} carry no customer id (revenue "
                f"{rev[un].sum():,.2f}, {np.abs(rev[un]).sum() / total:.1%} of the total); kept as "
                f"'{schema.UNATTRIBUTED}'."
            )
        ret = frame["is_return"].to_numpy(dtype=bool)
        if ret.any():
            out.append(
                f"order_lines: {_n(int(ret.sum()), 'return or credit-note line')} (revenue "
                f"{rev[ret].sum():,.2f}) kept as returns."
            )
        dup = frame["is_duplicate"].to_numpy(dtype=bool)
        if dup.any():
            out.append(
                f"order_lines: {_n(int(dup.sum()), 'exact duplicate line')} flagged is_duplicate and "
                f"kept (revenue {rev[dup].sum():,.2f}); drop them if the export repeats lines."
            )
        assumed = frame["cost_assumed"].to_numpy(dtype=bool)
        if assumed.any():
            gm = float((config.get("assumptions") or {}).get("gross_margin", 0.3))
            share = np.abs(rev[assumed]).sum() / total
            out.append(
                f"order_lines: cost of goods is not in the export for {_n(int(assumed.sum()), 'line')} "
                f"({share:.0%} of revenue); assumed from a gross margin of {gm:.0%} "
                "(assumptions.gross_margin)."
            )
    return out


def _dictionary(loaded: _Loaded) -> list[dict[str, Any]]:
    rows = []
    frame = loaded.frame
    derived = {
        "revenue": "(derived: quantity * unit_price - discount)",
        "cost_assumed": "(derived)",
        "is_return": "(derived)",
        "is_duplicate": "(derived)",
        "source_file": "(derived)",
        "source_row": "(derived)",
    }
    for col in schema.CANONICAL[loaded.table]:
        s = frame[col]
        nn = s.dropna()
        src = loaded.mapping.get(col)
        if src is None:
            src = derived.get(col, "(absent)") if loaded.table == "order_lines" else "(absent)"
            if loaded.table == "order_lines" and col in (
                "quantity",
                "unit_price",
                "discount",
                "cost",
            ):
                src = src if src != "(absent)" else "(derived)"
            if col == "line_no" and src == "(absent)":
                src = "(derived: position in order)"
        rows.append(
            {
                "table": loaded.table,
                "column": col,
                "source_column": src,
                "dtype": str(s.dtype),
                "non_null": int(len(nn)),
                "example": str(nn.iloc[0]) if len(nn) else "",
            }
        )
    return rows


def _write_atomic(path: Path, writer: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    writer(tmp)
    os.replace(tmp, path)


def ingest_dataset(config: Mapping[str, Any], out_dir: Path) -> IngestResult:
    """Read every table of a dataset config, validate, and write canonical tables to ``out_dir``.

    Writes ``<table>.parquet`` for each table present, ``rejects.csv``, ``reconciliation.csv``,
    ``dictionary.csv`` (the data dictionary) and ``ingest.json`` (summary, detection, quality
    findings). Nothing is written if a file-level problem raises :class:`IngestError`.
    """
    start = time.perf_counter()
    tables = config.get("tables") or {}
    if not isinstance(tables, Mapping):
        raise IngestError(f"{_config_name(config)}: 'tables' must map table names to sources")
    for name in tables:
        if name not in schema.CANONICAL:
            raise IngestError(
                f"{_config_name(config)}: tables.{name}: unknown table {name!r} (expected one of: "
                f"{', '.join(schema.CANONICAL)})"
            )
    for name in schema.REQUIRED_TABLES:
        if name not in tables:
            raise IngestError(
                f"{_config_name(config)}: tables: no {name!r} source (it is required)"
            )
    loaded = {name: _load(spec, name, config) for name, spec in tables.items()}
    recon = pd.DataFrame(
        [r for ld in loaded.values() for r in _reconcile(ld)], columns=list(RECONCILIATION_COLUMNS)
    )
    for col in ("rows_unattributed", "rows_revenue_unknown"):
        recon[col] = recon[col].astype("Int64")
    recon["balanced"] = recon["balanced"].astype(bool)
    quality = [q for ld in loaded.values() for q in _quality(ld, config)]
    if recon["balanced"].all():
        quality.append(
            "Reconciliation: rows and revenue in = accepted + rejected, to the cent, for every table."
        )
    else:
        bad = recon.loc[~recon["balanced"].astype(bool), ["table", "source_file"]]
        quality.append(
            "Reconciliation does NOT balance for: "
            + ", ".join(f"{t} ({f})" for t, f in bad.itertuples(index=False))
            + "."
        )
    for r in recon.itertuples(index=False):
        if r.table == "order_lines" and r.rows_revenue_unknown and r.source_file != "(all files)":
            quality.append(
                f"order_lines: the revenue of {_n(int(r.rows_revenue_unknown), 'rejected row')} cannot be "
                f"computed ({r.revenue_unknown_rows}); they are counted in rows but not in revenue."
            )
    rejects = pd.concat([ld.rejects for ld in loaded.values()], ignore_index=True)
    rejects = rejects[list(REJECT_COLUMNS)]
    dictionary = pd.DataFrame([r for ld in loaded.values() for r in _dictionary(ld)])
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, ld in loaded.items():
        _write_atomic(
            out_dir / f"{name}.parquet", lambda p, f=ld.frame: f.to_parquet(p, index=False)
        )
    for name in schema.CANONICAL:
        stale = out_dir / f"{name}.parquet"
        if name not in loaded and stale.exists():
            stale.unlink()
    _write_atomic(
        out_dir / "rejects.csv", lambda p: neutralise_formulas(rejects).to_csv(p, index=False)
    )
    _write_atomic(out_dir / "reconciliation.csv", lambda p: recon.to_csv(p, index=False))
    _write_atomic(out_dir / "dictionary.csv", lambda p: dictionary.to_csv(p, index=False))
    summary = {
        "config": str(config.get("_path", "")),
        "name": config.get("name"),
        "seconds": round(time.perf_counter() - start, 3),
        "balanced": bool(recon["balanced"].all()),
        "tables": {
            name: {
                "rows_accepted": len(ld.frame),
                "rows_rejected": len(ld.rejects),
                "files": [f.meta for f in ld.files],
            }
            for name, ld in loaded.items()
        },
        "reconciliation": json.loads(recon.to_json(orient="records")),
        "quality": quality,
    }
    _write_atomic(
        out_dir / "ingest.json",
        lambda p: p.write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8"),
    )
    return IngestResult(
        tables={name: ld.frame for name, ld in loaded.items()},
        rejects=rejects.reset_index(drop=True),
        reconciliation=recon,
        quality=quality,
        dictionary=dictionary,
        summary=summary,
    )


def read_outputs(processed_dir: Path) -> IngestResult:
    """Read back what :func:`ingest_dataset` wrote (tables are not loaded: see the workspace)."""
    processed_dir = Path(processed_dir)
    summary = json.loads((processed_dir / "ingest.json").read_text(encoding="utf-8"))
    return IngestResult(
        tables={},
        rejects=pd.read_csv(processed_dir / "rejects.csv", dtype=str, keep_default_na=False),
        reconciliation=pd.read_csv(processed_dir / "reconciliation.csv"),
        quality=list(summary.get("quality", [])),
        dictionary=pd.read_csv(processed_dir / "dictionary.csv"),
        summary=summary,
    )


def rejects_by_reason(rejects: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows counted per table and column, with the first example reason."""
    if rejects.empty:
        return pd.DataFrame(columns=["table", "column", "rows", "example"])
    return (
        rejects.groupby(["table", "column"], sort=False)
        .agg(rows=("reason", "size"), example=("reason", "first"))
        .reset_index()
        .sort_values("rows", ascending=False, ignore_index=True)
    )


def plot_monthly_coverage(order_lines: pd.DataFrame, ax: Any = None) -> Any:
    """Order lines and net revenue per month: gaps and spikes in an export show at a glance."""
    from helpers.plots import PALETTE, money_axis, new_axes, set_finding_title

    ax = new_axes(ax)
    monthly = (
        order_lines.assign(month=order_lines["order_date"].dt.to_period("M").dt.to_timestamp())
        .groupby("month")
        .agg(lines=("revenue", "size"), revenue=("revenue", "sum"))
    )
    months = pd.date_range(monthly.index.min(), monthly.index.max(), freq="MS")
    monthly = monthly.reindex(months, fill_value=0)
    ax.bar(monthly.index, monthly["revenue"], width=20, color=PALETTE[0], label="net revenue")
    money_axis(ax)
    ax.set_ylabel("net line revenue per month")
    twin = ax.twinx()
    twin.plot(monthly.index, monthly["lines"], color=PALETTE[1], marker=".", label="order lines")
    twin.set_ylabel("order lines per month")
    twin.grid(False)
    empty = int((monthly["lines"] == 0).sum())
    set_finding_title(
        ax,
        f"{len(monthly)} months of order lines, {empty} without any",
        f"{monthly.index.min():%b %Y} to {monthly.index.max():%b %Y}",
    )
    return ax
