"""Build the customer ledger: canonical tables to every customer's P&L down to profit.

The heavy step (order lines and activities -> one row per customer) is one Ibis expression run
on the configured engine (:mod:`helpers.ledger.engine`: DuckDB by default, Spark unchanged);
only the one-row-per-customer result comes back to pandas, where rebates, drivers and cost rates
(:mod:`helpers.ledger.cost_to_serve`) are applied. Lines without a customer (``UNATTRIBUTED``)
keep a row of their own, so the sum over customers is the company total to the cent. How the
ledger is shown (P&L tables, figures, metrics, findings) lives in :mod:`helpers.ledger.views`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd

from helpers.config import ConfigError, parse_period
from helpers.ledger import cost_to_serve as costing
from helpers.ledger.engine import connect, only_customers, read_table
from helpers.ledger.levels import LEVEL_MEMBERS, LevelMembers
from helpers.ledger.scale import default_rated, median_order_value, resolve_amounts
from helpers.ledger.size_tiers import assign_size_tiers
from helpers.schema import LEDGER_ATTRIBUTES, LEDGER_MEASURES, UNATTRIBUTED

__all__ = [
    "PERIODS",
    "build_ledger",
    "ledger_expression",
    "data_sources",
    "cost_model_for",
]

#: by_period codes: Ibis truncation unit and pandas period frequency
PERIODS: dict[str, tuple[str, str]] = {"M": ("M", "M"), "Q": ("Q", "Q"), "Y": ("Y", "Y")}
_DAYS_PER_YEAR = 365.25
_DAYS_OF_CREDIT_YEAR = 365.0
#: customer columns the ledger reads: the attributes it joins in (size_tier is derived) and the
#: rebate rate it applies
_CUSTOMER_COLUMNS = (*(c for c in LEDGER_ATTRIBUTES if c != "size_tier"), "rebate_rate")
#: columns of the engine's result that are keys or dates, not counts or sums
_NOT_COUNTS = ("customer_id", "period", "first_order", "last_order")

Window = tuple[pd.Timestamp | None, pd.Timestamp | None]


# ---- the one Ibis expression ------------------------------------------------------------------
def _window(
    table: ibis.Table, column: str, start: pd.Timestamp | None, end: pd.Timestamp | None
) -> ibis.Table:
    """Rows whose date falls in [start, end] (whole days, inclusive)."""
    preds = []
    if start is not None:
        preds.append(table[column] >= ibis.literal(pd.Timestamp(start).to_pydatetime()))
    if end is not None:
        stop = pd.Timestamp(end).normalize() + pd.Timedelta(days=1)
        preds.append(table[column] < ibis.literal(stop.to_pydatetime()))
    return table.filter(*preds) if preds else table


def _keys(table: ibis.Table, column: str, by_period: str | None) -> list[Any]:
    """Group keys: the customer (unattributed where missing) and, by period, the period start."""
    keys: list[Any] = [table.customer_id.fill_null(UNATTRIBUTED).name("customer_id")]
    if by_period:
        keys.append(table[column].truncate(PERIODS[by_period][0]).name("period"))
    return keys


#: the exact type money and quantities are added in: a float sum depends on the order the engine's
#: threads add the lines in, so two runs of the same input could differ in the last digits
EXACT = "decimal(38, 6)"


def exact_sum(value: Any, where: Any = None) -> Any:
    """The sum of ``value`` in :data:`EXACT` decimals (to a millionth), back as a float.

    Each value is rounded to six decimals, then added exactly: the result does not depend on
    the order of the rows or the number of threads, on any engine. A NaN counts as missing (a
    decimal has no NaN).
    """
    value = value.isnan().ifelse(ibis.null(), value)
    total = value.cast(EXACT).sum(where=where)
    return total.cast("float64")


def _line_aggregates(lines: ibis.Table, modes: list[str], by_period: str | None) -> ibis.Table:
    """Per customer (and period): money, counts and delivery drivers from order lines."""
    sale = ~lines.is_return.fill_null(False)
    ret = lines.is_return.fill_null(False)
    revenue, discount = lines.revenue.fill_null(0.0), lines.discount.fill_null(0.0)
    metrics: dict[str, Any] = {
        "list_revenue": exact_sum(revenue + discount),
        "discounts": exact_sum(discount),
        "cogs": exact_sum(lines.cost.fill_null(0.0)),
        "units": exact_sum(lines.quantity.fill_null(0.0)),
        "lines": lines.count(where=sale),
        "returns": lines.count(where=ret),
        "return_revenue": exact_sum(revenue, where=ret),
        "orders": lines.order_id.nunique(where=sale),
        "first_order": lines.order_date.min(),
        "last_order": lines.order_date.max(),
    }
    if "ship_mode" in lines.columns and modes:
        ship_mode = lines.ship_mode.strip().lower()  # "Standard " and "standard" are one mode
        keys = [str(mode).strip().lower() for mode in modes]
        for mode, key in zip(modes, keys, strict=True):
            metrics[f"deliveries_{mode}"] = lines.order_id.nunique(where=sale & (ship_mode == key))
        metrics["deliveries_other"] = lines.order_id.nunique(
            where=sale & (ship_mode.isnull() | ~ship_mode.isin(keys))
        )
    return lines.group_by(_keys(lines, "order_date", by_period)).aggregate(**metrics)


def _activity_aggregates(act: ibis.Table, names: list[str], by_period: str | None) -> ibis.Table:
    """Per customer (and period): units, recorded minutes and units without minutes."""
    act = act.filter(act.activity.isin(names))
    qty = act.quantity.fill_null(1.0)  # a record without a quantity counts one
    metrics: dict[str, Any] = {}
    for name in names:
        this = act.activity == name
        metrics[f"act_{name}_qty"] = exact_sum(qty, where=this)
        metrics[f"act_{name}_minutes"] = exact_sum(act.minutes, where=this)
        metrics[f"act_{name}_unrecorded"] = exact_sum(qty, where=this & act.minutes.isnull())
    return act.group_by(_keys(act, "date", by_period)).aggregate(**metrics)


def ledger_expression(
    order_lines: ibis.Table,
    activities: ibis.Table | None,
    config: Mapping[str, Any],
    period: tuple[Any, Any] = (None, None),
    by_period: str | None = None,
    measured: list[str] | None = None,
) -> ibis.Table:
    """The heavy aggregation as one Ibis expression, runnable unchanged on any Ibis backend.

    Parameters
    ----------
    order_lines
        The canonical ``order_lines`` table on the backend.
    activities
        The canonical ``activities`` table, or None without one.
    config
        The dataset config (its ``cost_to_serve`` section names the priced ship modes).
    period
        ``(start, end)`` inclusive on the line's ``order_date`` and the activity's ``date``.
    by_period
        None for one row per customer; ``"M"``, ``"Q"`` or ``"Y"`` for one per customer and period.
    measured
        Activities of the activities table to count (those the config costs as measured).

    Returns
    -------
    ibis.Table
        One row per customer (and ``period``): list_revenue, discounts, cogs, return_revenue
        (currency units), units, lines, returns, orders, ``deliveries_<mode>`` (counts),
        first_order and last_order (dates) and, for each measured activity, ``act_<name>_qty``,
        ``act_<name>_minutes`` and ``act_<name>_unrecorded``.

    Raises
    ------
    ConfigError
        When ``by_period`` is not one of :data:`PERIODS` or the period cannot be read.
    """
    if by_period is not None and by_period not in PERIODS:
        raise ConfigError(f"by_period {by_period!r}: expected one of {sorted(PERIODS)} or None")
    start, end = parse_period(period)
    lines_in = _window(order_lines, "order_date", start, end)
    lines = _line_aggregates(lines_in, costing.delivery_modes(config), by_period)
    if activities is None or not measured:
        return lines
    acts = _activity_aggregates(_window(activities, "date", start, end), measured, by_period)
    keys = ["customer_id", "period"] if by_period else ["customer_id"]
    joined = lines.outer_join(acts, keys)
    merged = {k: ibis.coalesce(joined[k], joined[f"{k}_right"]).name(k) for k in keys}
    rest = [c for c in joined.columns if c not in keys and not c.endswith("_right")]
    return joined.select(*merged.values(), *rest)


# ---- data sources -----------------------------------------------------------------------------
def data_sources(processed_dir: Path, config: Mapping[str, Any], con: Any = None) -> dict[str, Any]:
    """What the dataset holds for costing, and from it the source of every activity's driver.

    Parameters
    ----------
    processed_dir
        Folder of the canonical Parquet tables.
    config
        The dataset config (``engine`` and ``cost_to_serve`` sections).
    con
        An open Ibis backend (default: a new one from ``config``).

    Returns
    -------
    dict
        ``activities``: activity names in the activities table (None without one);
        ``customer_columns``: columns of the customers table holding any value (empty without
        one); ``sources``: activity -> ``measured``, ``derived`` or ``assumed``.
    """
    con = con if con is not None else connect(config)
    act = read_table(con, "activities", Path(processed_dir), config)
    cust = read_table(con, "customers", Path(processed_dir), config)
    names = None
    if act is not None:
        names = set(act.select("activity").distinct().to_pandas()["activity"].dropna().astype(str))
    cols: set[str] = set()
    if cust is not None:  # columns with at least one value (ingest writes absent ones as nulls)
        counts = cust.aggregate(**{c: cust[c].count() for c in cust.columns}).to_pandas()
        cols = {c for c in cust.columns if int(counts[c].iloc[0]) > 0}
    sources = costing.activity_sources(config, names or set(), cols)
    return {"activities": names, "customer_columns": cols, "sources": sources}


def cost_model_for(
    processed_dir: Path, config: Mapping[str, Any], ledger: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The cost-to-serve model of this dataset: its driver sources and, given a ledger, totals.

    Parameters
    ----------
    processed_dir
        Folder of the canonical Parquet tables.
    config
        The dataset config.
    ledger
        The ledger (:func:`build_ledger`), to add each activity's driver total and cost.

    Returns
    -------
    DataFrame
        :func:`helpers.ledger.cost_to_serve.cost_model`: activity, driver, rate, unit_cost
        (currency units per driver unit), source, note and, with a ledger, driver_total, cost
        (currency units), share_of_cost_to_serve (0-1) and cost_per_unit; plus rate_source
        ("your config", or "default, scaled (assumed)" for a default rate resolved from the
        data's median order value, :mod:`helpers.ledger.scale`).

    References
    ----------
    Kaplan, R. S., & Anderson, S. R. (2004). Time-driven activity-based costing. Harvard
    Business Review 82(11).
    """
    config = resolve_amounts(config, median_order_value(Path(processed_dir)))
    model = costing.cost_model(config, data_sources(processed_dir, config)["sources"], ledger)
    on_defaults = default_rated(config)
    model["rate_source"] = [
        "default, scaled (assumed)" if name in on_defaults else "your config"
        for name in model["activity"]
    ]
    return model


# ---- build ------------------------------------------------------------------------------------
def build_ledger(
    processed_dir: Path,
    config: Mapping[str, Any],
    period: tuple[Any, Any] | str | None = (None, None),
    by_period: str | None = None,
    customers: Iterable[str] | None = None,
) -> pd.DataFrame:
    """One row per customer (or customer x period) with the P&L down to profit.

    Parameters
    ----------
    processed_dir
        Folder of the canonical Parquet tables (what ingest writes).
    config
        The dataset config (``engine`` and ``cost_to_serve`` sections are used).
    period
        ``(start, end)`` inclusive on ``order_date`` (either may be None), or ``"START:END"``.
    by_period
        None for one row per customer; ``"M"``, ``"Q"`` or ``"Y"`` for one row per customer and
        month, quarter or year (a ``period`` column holding the period's first day).
    customers
        Only these customers' rows (None: every customer), with the figures of the whole
        ledger (see :func:`~helpers.ledger.engine.only_customers`).

    Returns
    -------
    DataFrame
        :data:`~helpers.schema.LEDGER_ATTRIBUTES` (+ ``period``),
        :data:`~helpers.schema.LEDGER_MEASURES` (money in currency units: list_revenue,
        discounts, rebates, net_revenue, cogs, gross_margin, cost_to_serve, profit; margin_pct
        and gross_margin_pct as shares of net revenue; counts; tenure_days in days),
        ``cts_<activity>`` (currency units) and ``drv_<activity>`` (driver units) for every
        configured activity (``drv_delivery_<mode>``, and ``min_<activity>`` in minutes where
        minutes were recorded), ``rebate_rate`` (0-1); sorted by profit, highest first.

    Raises
    ------
    FileNotFoundError
        When ``processed_dir`` has no order_lines table.
    ConfigError
        When the period, ``by_period`` or the cost-to-serve section is invalid.

    References
    ----------
    Kaplan, R. S., & Anderson, S. R. (2004). Time-driven activity-based costing. Harvard
    Business Review 82(11).
    """
    processed_dir = Path(processed_dir)
    config = resolve_amounts(config, median_order_value(processed_dir))
    start, end = parse_period(period)
    con = connect(config)
    order_lines, act_table, sources, measured = _inputs(con, processed_dir, config)
    window, order_lines, act_table = only_customers(customers, (start, end), order_lines, act_table)
    expr = ledger_expression(order_lines, act_table, config, (start, end), by_period, measured)
    # Arrow first: Ibis's own to_pandas turns every column holding a null into Python lists
    result = _normalise(expr.to_pyarrow().to_pandas())
    attributes = _with_line_regions(
        _customers(con, processed_dir, config), _regions_from_lines(order_lines)
    )
    return _finish(result, attributes, config, sources, window, by_period)


def _inputs(
    con: Any, processed_dir: Path, config: Mapping[str, Any]
) -> tuple[ibis.Table, ibis.Table | None, dict[str, str], list[str]]:
    """The order lines, the activities if any are measured, each activity's source, those measured."""
    order_lines = read_table(con, "order_lines", processed_dir, config)
    if order_lines is None:
        raise FileNotFoundError(f"{processed_dir}: no order_lines table (run ingest first)")
    sources = data_sources(processed_dir, config, con)["sources"]
    measured = _measured(config, sources)
    act_table = read_table(con, "activities", processed_dir, config) if measured else None
    return order_lines, act_table, sources, measured


def _measured(config: Mapping[str, Any], sources: Mapping[str, str]) -> list[str]:
    """The activities-table activities whose drivers are measured, sorted."""
    acts = costing.activities(config)
    return sorted(
        {spec["activity"] for name, spec in acts.items() if sources.get(name) == "measured"}
    )


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Backend-independent dtypes: float sums, int counts, ns timestamps, string ids."""
    out = frame.copy()
    for col in out.columns:
        if col in ("first_order", "last_order", "period"):
            out[col] = pd.to_datetime(out[col]).astype("datetime64[ns]")
        elif col == "customer_id":
            out[col] = out[col].astype("string")
        else:
            out[col] = pd.to_numeric(out[col]).astype("float64")
    return out


def _customers(con: Any, processed_dir: Path, config: Mapping[str, Any]) -> pd.DataFrame | None:
    """The customer columns the ledger joins in, with ledger dtypes (None without the table)."""
    table = read_table(con, "customers", processed_dir, config)
    if table is None:
        return None
    cols = [c for c in _CUSTOMER_COLUMNS if c in table.columns]
    return _customer_dtypes(table.select(*cols).to_pandas())


def _customer_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """Customer columns in the ledger's dtypes, one row per customer (in place, returned)."""
    for col in frame.columns:
        if col in ("signup_date", "closed_date"):
            frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")
        elif col == "key_account":
            frame[col] = frame[col].astype("boolean")
        elif col in ("employees", "payment_terms_days", "rebate_rate"):
            frame[col] = pd.to_numeric(frame[col]).astype("float64")
        else:
            frame[col] = frame[col].astype("string")
    return frame.drop_duplicates("customer_id")


def _regions_from_lines(order_lines: Any) -> pd.DataFrame | None:
    """Each customer's region from its order lines: the one with the most net revenue.

    An export such as Superstore carries the region on every line, not in a customers table;
    ties go to the region first in alphabetical order. None when no line has a region.
    """
    if "region" not in order_lines.columns:
        return None
    lines = order_lines.filter(order_lines.region.notnull() & (order_lines.region != ""))
    by = lines.group_by(["customer_id", "region"]).aggregate(revenue=exact_sum(lines.revenue))
    frame = by.to_pandas()
    if frame.empty:
        return None
    frame = frame.sort_values(["customer_id", "revenue", "region"], ascending=[True, False, True])
    first = frame.drop_duplicates("customer_id")[["customer_id", "region"]]
    return first.astype({"customer_id": "string", "region": "string"})


def _with_line_regions(
    customers: pd.DataFrame | None, regions: pd.DataFrame | None
) -> pd.DataFrame | None:
    """The customers' regions, taken from the order lines where the customers table has none."""
    if regions is None:
        return customers
    if customers is None:
        return regions.reset_index(drop=True)
    absent = regions.loc[~regions["customer_id"].isin(customers["customer_id"])]
    if "region" not in customers.columns:
        merged = customers.merge(regions, on="customer_id", how="left")
        return pd.concat([merged, absent], ignore_index=True) if len(absent) else merged
    merged = customers.merge(regions.rename(columns={"region": "_line_region"}), on="customer_id",
                             how="left")  # fmt: skip
    merged["region"] = merged["region"].fillna(merged.pop("_line_region"))
    return pd.concat([merged, absent], ignore_index=True) if len(absent) else merged


def _bounds(result: pd.DataFrame, window: Window, by: str | None) -> tuple[pd.Series, pd.Series]:
    """Each row's window (first and last day): the period bounds, else the data's extent."""
    start, end = window
    low = start if start is not None else result["first_order"].min()
    high = end if end is not None else result["last_order"].max()
    low_s = pd.Series(pd.Timestamp(low) if pd.notna(low) else pd.NaT, index=result.index)
    high_s = pd.Series(pd.Timestamp(high) if pd.notna(high) else pd.NaT, index=result.index)
    if by:
        freq = PERIODS[by][1]
        p_start = result["period"]
        p_end = p_start.dt.to_period(freq).dt.end_time.dt.normalize()
        low_s = pd.concat([low_s, p_start], axis=1).max(axis=1)
        high_s = pd.concat([high_s, p_end.astype("datetime64[ns]")], axis=1).min(axis=1)
    return low_s.astype("datetime64[ns]"), high_s.astype("datetime64[ns]")


def _customer_years(led: pd.DataFrame, low: pd.Series, high: pd.Series) -> pd.Series:
    """Years on the books inside the window.

    From max(window start, signup or else first order) to min(window end, closed date).
    """
    began = led["signup_date"].fillna(led["first_order"]).fillna(low)
    stop = pd.concat([high, led["closed_date"]], axis=1).min(axis=1)
    first = pd.concat([low, began], axis=1).max(axis=1)
    days = (stop - first).dt.days + 1
    years = days.clip(lower=0).fillna(0).astype("float64") / _DAYS_PER_YEAR
    return years.where(led["customer_id"] != UNATTRIBUTED, 0.0)


# ---- from the engine's aggregates to the ledger -----------------------------------------------
def _finish(
    result: pd.DataFrame,
    customers: pd.DataFrame | None,
    config: Mapping[str, Any],
    sources: Mapping[str, str],
    window: Window,
    by_period: str | None,
) -> pd.DataFrame:
    """From the engine's per-customer aggregates to the ledger (pandas, one row a customer).

    The engine returns rows in any order; they are sorted by key first, so every sum over
    customers below adds in the same order on every run.
    """
    keys = [k for k in ("customer_id", "period") if k in result.columns]
    result = result.sort_values(keys, kind="stable").reset_index(drop=True)
    led = _with_customers(_with_counts(result), customers)
    led = _add_money(led, config["cost_to_serve"])
    base = _base_drivers(led, config, window, by_period)
    drivers = costing.activity_drivers(base, config, sources)
    led = pd.concat([led, drivers], axis=1)
    cts = costing.apply_rates(led, config)
    led = _add_profit(pd.concat([led, cts], axis=1), cts)
    led = _add_levels(led, cts, sources, config)
    led["size_tier"] = _size_tiers(led, config)
    return _ordered(led, list(cts.columns), list(drivers.columns), by_period)


def _with_counts(result: pd.DataFrame) -> pd.DataFrame:
    """Sums and counts with 0 where the engine found nothing; line and order counts as ints."""
    counts = [c for c in result.columns if c not in _NOT_COUNTS]
    result[counts] = result[counts].fillna(0.0)
    for col in ("lines", "returns", "orders"):
        result[col] = result[col].astype("int64")
    return result


def _with_customers(result: pd.DataFrame, customers: pd.DataFrame | None) -> pd.DataFrame:
    """The customer attributes joined in, every one present with the ledger's dtype."""
    led = result.copy()
    if customers is not None:
        led = led.merge(customers, on="customer_id", how="left")
    for col in _CUSTOMER_COLUMNS[1:]:
        if col not in led:
            led[col] = pd.NaT if col.endswith("_date") else np.nan
    for col in ("signup_date", "closed_date"):
        led[col] = pd.to_datetime(led[col]).astype("datetime64[ns]")
    led["key_account"] = led["key_account"].astype("boolean")
    for col in ("name", "industry", "region", "acquisition_channel", "account_owner"):
        led[col] = led[col].astype("string")
    return led


def _add_money(led: pd.DataFrame, section: Mapping[str, Any]) -> pd.DataFrame:
    """List revenue -> discounts -> rebates -> net revenue -> cogs -> gross margin."""
    default_rate = float(section.get("default_rebate_rate", 0.0))
    led["rebate_rate"] = led["rebate_rate"].astype("float64").fillna(default_rate)
    led["rebates"] = led["rebate_rate"] * (led["list_revenue"] - led["discounts"])
    led["net_revenue"] = led["list_revenue"] - led["discounts"] - led["rebates"]
    led["gross_margin"] = led["net_revenue"] - led["cogs"]
    return led


def _base_drivers(
    led: pd.DataFrame, config: Mapping[str, Any], window: Window, by_period: str | None
) -> pd.DataFrame:
    """The ledger with the base drivers of :data:`~helpers.ledger.cost_to_serve.BASE_DRIVERS`."""
    section = config["cost_to_serve"]
    low, high = _bounds(led, window, by_period)
    base = led.copy()
    base["return_lines"] = led["returns"].astype("float64")
    base["customer_years"] = _customer_years(led, low, high)
    attributed = (led["customer_id"] != UNATTRIBUTED).to_numpy()
    key = led["key_account"].to_numpy(dtype=bool, na_value=False) & attributed
    base["key_account_years"] = base["customer_years"].where(key, 0.0)
    terms = led["payment_terms_days"].astype("float64")
    terms = terms.fillna(float(section.get("default_payment_terms_days", 0.0)))
    base["financed_revenue_years"] = led["net_revenue"] * terms / _DAYS_OF_CREDIT_YEAR
    modes = costing.delivery_modes(config)
    delivery_cols = [f"deliveries_{m}" for m in [*modes, "other"] if f"deliveries_{m}" in led]
    base["deliveries"] = (
        led[delivery_cols].sum(axis=1) if delivery_cols else led["orders"].astype("float64")
    )
    return base


def _add_profit(led: pd.DataFrame, cts: pd.DataFrame) -> pd.DataFrame:
    """Cost to serve, profit, margins and tenure from the gross margin and the activity costs."""
    led["cost_to_serve"] = cts.sum(axis=1) if len(cts.columns) else 0.0
    led["profit"] = led["gross_margin"] - led["cost_to_serve"]
    net = led["net_revenue"].where(led["net_revenue"] != 0)
    led["margin_pct"] = led["profit"] / net
    led["gross_margin_pct"] = led["gross_margin"] / net
    began = led["signup_date"].where(led["signup_date"] <= led["first_order"], led["first_order"])
    led["tenure_days"] = (led["last_order"] - began).dt.days.astype("float64").clip(lower=0)
    return led


def _add_levels(
    led: pd.DataFrame, cts: pd.DataFrame, sources: Mapping[str, str], config: Mapping[str, Any]
) -> pd.DataFrame:
    """The cost to serve split by what it rests on (see :mod:`helpers.ledger.levels`)."""
    names = [col.removeprefix("cts_") for col in cts.columns]
    on_defaults = default_rated(config)
    groups = {
        "cost_to_serve_measured": [n for n in names if sources.get(n) != "assumed"],
        "cost_to_serve_assumed": [n for n in names if sources.get(n) == "assumed"],
        "assumed_amount": [n for n in names if sources.get(n) == "assumed" or n in on_defaults],
    }
    for column, members in groups.items():
        cols = [f"cts_{n}" for n in members]
        led[column] = cts[cols].sum(axis=1) if cols else 0.0
    led["profit_measured"] = led["gross_margin"] - led["cost_to_serve_measured"]
    # which activities each level adds up, for re-costing at other rates (kept in Parquet too)
    led.attrs[LEVEL_MEMBERS] = LevelMembers({c: [f"cts_{n}" for n in m] for c, m in groups.items()})
    return led


def _size_tiers(led: pd.DataFrame, config: Mapping[str, Any]) -> pd.Categorical:
    """Each row's size tier (never one for the unattributed row)."""
    tiers = pd.Series(pd.NA, index=led.index, dtype="object")
    known = led.loc[led["customer_id"] != UNATTRIBUTED]
    if len(known):
        tiers.loc[known.index] = assign_size_tiers(known, config).astype("object")
    labels = list(config["size_tiers"]["labels"])
    return pd.Categorical(tiers, categories=labels, ordered=True)


def _ordered(
    led: pd.DataFrame, cts_cols: list[str], driver_cols: list[str], by_period: str | None
) -> pd.DataFrame:
    """The ledger's columns in schema order, rows by profit (highest first)."""
    head = ["customer_id", *(["period"] if by_period else [])]
    attrs = [c for c in LEDGER_ATTRIBUTES if c != "customer_id"]
    drv_cols = [c for c in driver_cols if c.startswith("drv_")]
    min_cols = [c for c in driver_cols if c.startswith("min_")]
    cols = [*head, *attrs, *LEDGER_MEASURES, *cts_cols, *drv_cols, *min_cols, "rebate_rate"]
    order = ["profit", "customer_id", *(["period"] if by_period else [])]
    return (
        led[cols]
        .sort_values(order, ascending=[False, True, True][: len(order)], kind="stable")
        .reset_index(drop=True)
    )
