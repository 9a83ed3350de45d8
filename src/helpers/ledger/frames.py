"""The customer ledger of canonical tables held in memory, in pandas: no files, no engine.

:func:`helpers.ledger.build_ledger` reads canonical Parquet tables with an engine (DuckDB by
default), which suits an export of any size. A small data set already in memory (the teaching
app's world, a few tens of thousands of lines, rebuilt on every slider move) is cheaper to
aggregate with pandas: :func:`ledger_from_frames` computes the same per-customer aggregates as
:func:`helpers.ledger.build.ledger_expression` (money added in millionths, exactly, as the
engine adds :data:`~helpers.ledger.build.EXACT` decimals), then finishes the ledger with the very
steps :func:`~helpers.ledger.build_ledger` finishes it with (rebates, drivers, rates, levels,
tiers). Whole history only, one row per customer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.ledger import cost_to_serve as costing
from helpers.ledger.build import (
    _CUSTOMER_COLUMNS,
    _customer_dtypes,
    _finish,
    _measured,
    _normalise,
    _with_line_regions,
)
from helpers.ledger.scale import resolve_amounts
from helpers.schema import UNATTRIBUTED

__all__ = ["ledger_from_frames", "median_order_value_of", "frame_sources"]

_MICROS = 1_000_000  # the engine adds money in decimal(38, 6): millionths, added exactly


def _micros(values: pd.Series) -> np.ndarray:
    """Values (NaN as 0) rounded to millionths, as int64 (added exactly, in any order)."""
    return np.round(values.to_numpy(dtype="float64", na_value=0.0) * _MICROS).astype(np.int64)


def _keys(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Customer codes per row (sorted ids; a missing id is :data:`UNATTRIBUTED`) and the ids."""
    codes, ids = pd.factorize(column.astype("string").fillna(UNATTRIBUTED), sort=True)
    return codes, pd.Index(ids, dtype="string", name="customer_id")


def _exact_sums(
    codes: np.ndarray, ids: pd.Index, columns: Mapping[str, np.ndarray]
) -> pd.DataFrame:
    """Per customer, each column's exact sum (int64 millionths back to float)."""
    sums = pd.DataFrame(dict(columns)).groupby(codes).sum().reindex(range(len(ids)), fill_value=0)
    return sums.set_axis(ids).astype("float64") / _MICROS


def _count(codes: np.ndarray, size: int, where: np.ndarray, items: np.ndarray | None = None) -> Any:
    """Per customer, the rows where ``where`` holds (or the distinct ``items`` among them)."""
    picked = codes[where]
    if items is not None:  # distinct (customer, item) pairs
        pairs = np.unique(picked.astype(np.int64) * (int(items.max(initial=0)) + 1) + items[where])
        picked = pairs // (int(items.max(initial=0)) + 1)
    return np.bincount(picked, minlength=size).astype("float64")


def _has_rows(codes: np.ndarray, size: int, where: np.ndarray) -> np.ndarray:
    """Per customer, whether any row holds ``where`` (an engine's sum of no rows is missing)."""
    return np.bincount(codes[where], minlength=size) > 0


def _line_aggregates(lines: pd.DataFrame, modes: list[str]) -> pd.DataFrame:
    """Per customer: :func:`helpers.ledger.build.ledger_expression`'s line figures."""
    codes, ids = _keys(lines["customer_id"])
    size = len(ids)
    orders = pd.factorize(lines["order_id"])[0]
    ret = lines["is_return"].to_numpy(dtype=bool, na_value=False)
    sale = ~ret
    revenue = lines["revenue"].fillna(0.0)
    discount = lines["discount"].fillna(0.0)
    money = {
        "list_revenue": _micros(revenue + discount),
        "discounts": _micros(discount),
        "cogs": _micros(lines["cost"].fillna(0.0)),
        "units": _micros(lines["quantity"].fillna(0.0)),
        "return_revenue": np.where(ret, _micros(revenue), 0),
    }
    out = _exact_sums(codes, ids, money)
    out["return_revenue"] = out["return_revenue"].where(_has_rows(codes, size, ret))
    out["lines"] = _count(codes, size, sale)
    out["returns"] = _count(codes, size, ret)
    out["orders"] = _count(codes, size, sale, orders)
    dates = lines["order_date"].groupby(codes).agg(["min", "max"]).set_axis(ids)
    out["first_order"], out["last_order"] = dates["min"], dates["max"]
    if "ship_mode" in lines.columns and modes:
        ship = lines["ship_mode"].astype("string").str.strip().str.lower()
        wanted = [str(mode).strip().lower() for mode in modes]
        for mode, key in zip(modes, wanted, strict=True):
            hit = sale & ship.eq(key).to_numpy(dtype=bool, na_value=False)
            out[f"deliveries_{mode}"] = _count(codes, size, hit, orders)
        other = sale & ~ship.isin(wanted).to_numpy(dtype=bool, na_value=False)
        out["deliveries_other"] = _count(codes, size, other, orders)
    return out


def _activity_aggregates(acts: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Per customer: units, recorded minutes and units without minutes of each activity."""
    acts = acts.loc[acts["activity"].isin(names)]
    codes, ids = _keys(acts["customer_id"])
    qty = _micros(acts["quantity"].fillna(1.0))  # a record without a quantity counts one
    minutes = _micros(acts["minutes"])
    unrecorded = acts["minutes"].isna().to_numpy()
    activity = acts["activity"].astype("string")
    columns: dict[str, np.ndarray] = {}
    recorded: dict[str, np.ndarray] = {}
    for name in names:
        this = activity.eq(name).to_numpy(dtype=bool, na_value=False)
        columns[f"act_{name}_qty"] = np.where(this, qty, 0)
        columns[f"act_{name}_minutes"] = np.where(this, minutes, 0)
        columns[f"act_{name}_unrecorded"] = np.where(this & unrecorded, qty, 0)
        recorded[f"act_{name}_minutes"] = this & ~unrecorded
    out = _exact_sums(codes, ids, columns)
    for column, rows in recorded.items():  # a sum of no recorded minutes is missing
        out[column] = out[column].where(_has_rows(codes, len(ids), rows))
    return out


def median_order_value_of(order_lines: pd.DataFrame) -> float:
    """The median revenue of a sales order (:func:`helpers.ledger.scale.median_order_value`).

    Parameters
    ----------
    order_lines
        Canonical order lines (``order_id``, ``revenue``, ``is_return``).

    Returns
    -------
    float
        Currency units; NaN when no order has positive revenue.
    """
    sales = order_lines.loc[~order_lines["is_return"].to_numpy(dtype=bool, na_value=False)]
    orders = pd.factorize(sales["order_id"])[0]
    totals = np.bincount(orders, weights=_micros(sales["revenue"]).astype("float64")) / _MICROS
    totals = pd.Series(totals[totals > 0])
    return float(totals.median()) if len(totals) else float("nan")


def frame_sources(tables: Mapping[str, pd.DataFrame], config: Mapping[str, Any]) -> dict[str, str]:
    """Where each activity's driver comes from (:func:`helpers.ledger.build.data_sources`).

    Parameters
    ----------
    tables
        Canonical tables by name (``activities`` and ``customers`` are read when present).
    config
        The dataset config.

    Returns
    -------
    dict
        Activity -> ``measured``, ``derived`` or ``assumed``.
    """
    acts, customers = tables.get("activities"), tables.get("customers")
    names = set(acts["activity"].dropna().astype(str)) if acts is not None else set()
    columns: set[str] = set()
    if customers is not None:
        columns = {c for c in customers.columns if customers[c].notna().any()}
    return costing.activity_sources(config, names, columns)


def _customers(customers: pd.DataFrame | None) -> pd.DataFrame | None:
    """The customer columns the ledger joins in, with the ledger's dtypes."""
    if customers is None:
        return None
    return _customer_dtypes(
        customers[[c for c in _CUSTOMER_COLUMNS if c in customers.columns]].copy()
    )


def _line_regions(lines: pd.DataFrame) -> pd.DataFrame | None:
    """Each customer's region of most net revenue on its lines (ties: alphabetical first)."""
    if "region" not in lines.columns:
        return None
    region = lines["region"].astype("string")
    kept = lines.loc[region.notna() & (region != "")]
    if kept.empty:
        return None
    keys = pd.MultiIndex.from_arrays([kept["customer_id"], kept["region"].astype("string")])
    by = pd.Series(_micros(kept["revenue"]), index=keys).groupby(level=[0, 1]).sum()
    frame = by.rename("revenue").reset_index()
    frame.columns = ["customer_id", "region", "revenue"]
    frame = frame.sort_values(["customer_id", "revenue", "region"], ascending=[True, False, True])
    first = frame.drop_duplicates("customer_id")[["customer_id", "region"]]
    return first.astype({"customer_id": "string", "region": "string"}).reset_index(drop=True)


def ledger_from_frames(
    tables: Mapping[str, pd.DataFrame], config: Mapping[str, Any]
) -> pd.DataFrame:
    """One row per customer with the P&L down to profit, from canonical frames in memory.

    Parameters
    ----------
    tables
        Canonical tables by name, as ingest writes them: ``order_lines`` (required: order_id,
        customer_id, order_date, quantity, discount, revenue, cost, is_return; ship_mode and
        region used when present), ``customers`` and ``activities`` (optional).
    config
        The dataset config (``cost_to_serve``, ``size_tiers``; ``_given`` tells configured
        rates from defaults, which are scaled to the lines' median order value).

    Returns
    -------
    DataFrame
        The ledger of :func:`helpers.ledger.build_ledger` for the whole history (same columns,
        dtypes, order and values: money equal to the engine's to the last cent).
    """
    lines = tables["order_lines"]
    config = resolve_amounts(config, median_order_value_of(lines))
    sources = frame_sources(tables, config)
    result = _line_aggregates(lines, costing.delivery_modes(config))
    measured = _measured(config, sources)
    acts = tables.get("activities")
    if acts is not None and measured:
        result = result.join(_activity_aggregates(acts, measured), how="outer")
    result = _normalise(result.reset_index())
    customers = _with_line_regions(_customers(tables.get("customers")), _line_regions(lines))
    return _finish(result, customers, config, sources, (None, None), None)
