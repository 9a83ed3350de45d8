"""The customer ledger: every customer's P&L from list price to profit after the cost to serve.

The heavy step (order lines and activities -> one row per customer) is one Ibis expression run
on the configured engine (:mod:`helpers.engine`: DuckDB by default, Spark unchanged); only the
one-row-per-customer result comes back to pandas, where rebates, drivers and cost rates
(:mod:`helpers.costing`) are applied. Lines without a customer (``UNATTRIBUTED``) keep a row of
their own, so the sum over customers is the company total to the cent.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers import plots
from helpers.config import ConfigError, parse_period
from helpers.ledger import cost_to_serve as costing
from helpers.ledger.engine import connect, read_table
from helpers.ledger.size_tiers import assign_size_tiers
from helpers.schema import LEDGER_ATTRIBUTES, LEDGER_MEASURES, UNATTRIBUTED

__all__ = [
    "PERIODS",
    "build_ledger",
    "ledger_expression",
    "data_sources",
    "cost_model_for",
    "data_notes",
    "company_pnl",
    "tier_pnl",
    "top_bottom",
    "customer_pnl",
    "plot_tier_shares",
    "plot_waterfall",
    "ledger_metrics",
    "ledger_findings",
]

#: by_period codes: Ibis truncation unit and pandas period frequency
PERIODS: dict[str, tuple[str, str]] = {"M": ("M", "M"), "Q": ("Q", "Q"), "Y": ("Y", "Y")}
_DAYS_PER_YEAR = 365.25
_DAYS_OF_CREDIT_YEAR = 365.0
_TOTAL = "total"
_UNATTRIBUTED_LABEL = "(unattributed)"
#: customer columns the ledger reads: the attributes it joins in (size_tier is derived) and the
#: rebate rate it applies
_CUSTOMER_COLUMNS = (*(c for c in LEDGER_ATTRIBUTES if c != "size_tier"), "rebate_rate")


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
    keys: list[Any] = [table.customer_id.fill_null(UNATTRIBUTED).name("customer_id")]
    if by_period:
        keys.append(table[column].truncate(PERIODS[by_period][0]).name("period"))
    return keys


def _line_aggregates(ol: ibis.Table, modes: list[str], by_period: str | None) -> ibis.Table:
    """Per customer (and period): money, counts and delivery drivers from order lines."""
    sale = ~ol.is_return.fill_null(False)
    ret = ol.is_return.fill_null(False)
    revenue, discount = ol.revenue.fill_null(0.0), ol.discount.fill_null(0.0)
    metrics: dict[str, Any] = {
        "list_revenue": (revenue + discount).sum(),
        "discounts": discount.sum(),
        "cogs": ol.cost.fill_null(0.0).sum(),
        "units": ol.quantity.fill_null(0.0).sum(),
        "lines": ol.count(where=sale),
        "returns": ol.count(where=ret),
        "return_revenue": revenue.sum(where=ret),
        "orders": ol.order_id.nunique(where=sale),
        "first_order": ol.order_date.min(),
        "last_order": ol.order_date.max(),
    }
    if "ship_mode" in ol.columns and modes:
        mode = ol.ship_mode
        for m in modes:
            metrics[f"deliveries_{m}"] = ol.order_id.nunique(where=sale & (mode == m))
        metrics["deliveries_other"] = ol.order_id.nunique(
            where=sale & (mode.isnull() | ~mode.isin(modes))
        )
    return ol.group_by(_keys(ol, "order_date", by_period)).aggregate(**metrics)


def _activity_aggregates(act: ibis.Table, names: list[str], by_period: str | None) -> ibis.Table:
    """Per customer (and period): units, recorded minutes and units without minutes."""
    act = act.filter(act.activity.isin(names))
    qty = act.quantity.fill_null(1.0)  # a record without a quantity counts one
    metrics: dict[str, Any] = {}
    for n in names:
        this = act.activity == n
        metrics[f"act_{n}_qty"] = qty.sum(where=this)
        metrics[f"act_{n}_minutes"] = act.minutes.sum(where=this)
        metrics[f"act_{n}_unrecorded"] = qty.sum(where=this & act.minutes.isnull())
    return act.group_by(_keys(act, "date", by_period)).aggregate(**metrics)


def ledger_expression(
    order_lines: ibis.Table,
    activities: ibis.Table | None,
    config: Mapping[str, Any],
    period: tuple[Any, Any] = (None, None),
    by_period: str | None = None,
    measured: list[str] | None = None,
) -> ibis.Table:
    """The heavy aggregation as one Ibis expression: order lines (and activities) to one row
    per customer (and period). Runs unchanged on any Ibis backend.

    ``measured`` names the activities-table activities to count (those the config costs).
    """
    if by_period is not None and by_period not in PERIODS:
        raise ConfigError(f"by_period {by_period!r}: expected one of {sorted(PERIODS)} or None")
    start, end = parse_period(period)
    ol = _window(order_lines, "order_date", start, end)
    lines = _line_aggregates(ol, costing.delivery_modes(config), by_period)
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
    """What the dataset holds for costing: activity names in the activities table (or None
    without one), the columns of the customers table that hold any value (empty without one)
    and, from these, the source of every activity's driver."""
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
    """:func:`helpers.costing.cost_model` with the sources of this dataset (and its totals)."""
    return costing.cost_model(config, data_sources(processed_dir, config)["sources"], ledger)


def data_notes(processed_dir: Path, config: Mapping[str, Any]) -> list[str]:
    """Sentences saying which inputs of the ledger are missing and what is assumed instead."""
    found = data_sources(processed_dir, config)
    section = config["cost_to_serve"]
    notes = []
    cols = found["customer_columns"]
    if not cols:
        notes.append(
            "No customers table: size tiers come from net revenue bands, names and industries "
            "are unknown, rebates "
            f"({section.get('default_rebate_rate', 0.0):.0%}) and payment terms "
            f"({section.get('default_payment_terms_days')} days) are assumed, and no customer "
            "is treated as a key account."
        )
    else:
        for col, what in (
            ("rebate_rate", f"rebates assumed at {section.get('default_rebate_rate', 0.0):.0%}"),
            (
                "payment_terms_days",
                f"payment terms assumed at {section.get('default_payment_terms_days')} days",
            ),
            ("key_account", "no customer is treated as a key account"),
        ):
            if col not in cols:
                notes.append(f"The customers table has no {col} column: {what}.")
    if found["activities"] is None:
        notes.append(
            "No activities table: sales visits, telesales calls and support tickets are assumed "
            "from order counts (see the cost-to-serve model below)."
        )
    if not notes:
        notes.append(
            "The ledger uses order lines, the customers table (terms, rebates, key accounts, "
            "size) and the activities table (visits, calls, tickets): nothing is missing."
        )
    return notes


# ---- build ------------------------------------------------------------------------------------
def build_ledger(
    processed_dir: Path,
    config: Mapping[str, Any],
    period: tuple[Any, Any] | str | None = (None, None),
    by_period: str | None = None,
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

    Returns
    -------
    DataFrame
        :data:`~helpers.schema.LEDGER_ATTRIBUTES` (+ ``period``),
        :data:`~helpers.schema.LEDGER_MEASURES`, ``cts_<activity>`` and ``drv_<activity>`` for
        every configured activity (``drv_delivery_<mode>``, and ``min_<activity>`` where minutes
        were recorded), ``rebate_rate``; sorted by profit, highest first.
    """
    processed_dir = Path(processed_dir)
    start, end = parse_period(period)
    con = connect(config)
    ol = read_table(con, "order_lines", processed_dir, config)
    if ol is None:
        raise FileNotFoundError(f"{processed_dir}: no order_lines table (run ingest first)")
    found = data_sources(processed_dir, config, con)
    acts = costing.activities(config)
    measured = sorted(
        {s["activity"] for n, s in acts.items() if found["sources"].get(n) == "measured"}
    )
    act_table = read_table(con, "activities", processed_dir, config) if measured else None
    expr = ledger_expression(ol, act_table, config, (start, end), by_period, measured)
    result = _normalise(expr.to_pandas())
    customers = _customers(con, processed_dir, config)
    return _finish(result, customers, config, found["sources"], (start, end), by_period)


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
    table = read_table(con, "customers", processed_dir, config)
    if table is None:
        return None
    cols = [c for c in _CUSTOMER_COLUMNS if c in table.columns]
    frame = table.select(*cols).to_pandas()
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


def _bounds(
    result: pd.DataFrame, window: tuple[pd.Timestamp | None, pd.Timestamp | None], by: str | None
) -> tuple[pd.Series, pd.Series]:
    """Each row's window (first and last day): the period bounds, else the data's extent."""
    start, end = window
    lo = start if start is not None else result["first_order"].min()
    hi = end if end is not None else result["last_order"].max()
    lo_s = pd.Series(pd.Timestamp(lo) if pd.notna(lo) else pd.NaT, index=result.index)
    hi_s = pd.Series(pd.Timestamp(hi) if pd.notna(hi) else pd.NaT, index=result.index)
    if by:
        freq = PERIODS[by][1]
        p_start = result["period"]
        p_end = p_start.dt.to_period(freq).dt.end_time.dt.normalize()
        lo_s = pd.concat([lo_s, p_start], axis=1).max(axis=1)
        hi_s = pd.concat([hi_s, p_end.astype("datetime64[ns]")], axis=1).min(axis=1)
    return lo_s.astype("datetime64[ns]"), hi_s.astype("datetime64[ns]")


def _customer_years(led: pd.DataFrame, lo: pd.Series, hi: pd.Series) -> pd.Series:
    """Years on the books inside the window: from max(window start, signup or else first
    order) to min(window end, closed date)."""
    began = led["signup_date"].fillna(led["first_order"]).fillna(lo)
    stop = pd.concat([hi, led["closed_date"]], axis=1).min(axis=1)
    first = pd.concat([lo, began], axis=1).max(axis=1)
    days = (stop - first).dt.days + 1
    years = days.clip(lower=0).fillna(0).astype("float64") / _DAYS_PER_YEAR
    return years.where(led["customer_id"] != UNATTRIBUTED, 0.0)


def _finish(
    result: pd.DataFrame,
    customers: pd.DataFrame | None,
    config: Mapping[str, Any],
    sources: Mapping[str, str],
    window: tuple[pd.Timestamp | None, pd.Timestamp | None],
    by_period: str | None,
) -> pd.DataFrame:
    """From the engine's per-customer aggregates to the ledger (pandas, one row a customer)."""
    section = config["cost_to_serve"]
    counts = [
        c for c in result.columns if c not in ("customer_id", "period", "first_order", "last_order")
    ]
    result[counts] = result[counts].fillna(0.0)
    for col in ("lines", "returns", "orders"):
        result[col] = result[col].astype("int64")
    led = result.copy()
    if customers is not None:
        led = led.merge(customers, on="customer_id", how="left")
    for col in _CUSTOMER_COLUMNS[1:]:
        if col not in led:
            led[col] = pd.NaT if col.endswith("_date") else np.nan
    for col in ("signup_date", "closed_date"):
        led[col] = pd.to_datetime(led[col]).astype("datetime64[ns]")
    led["key_account"] = led["key_account"].astype("boolean")
    for col in ("name", "industry", "region", "acquisition_channel"):
        led[col] = led[col].astype("string")
    unattributed = led["customer_id"] == UNATTRIBUTED

    # money: list revenue -> discounts -> rebates -> net revenue -> cogs -> gross margin
    led["rebate_rate"] = (
        led["rebate_rate"].astype("float64").fillna(float(section.get("default_rebate_rate", 0.0)))
    )
    led["rebates"] = led["rebate_rate"] * (led["list_revenue"] - led["discounts"])
    led["net_revenue"] = led["list_revenue"] - led["discounts"] - led["rebates"]
    led["gross_margin"] = led["net_revenue"] - led["cogs"]

    # drivers
    lo, hi = _bounds(led, window, by_period)
    base = led.copy()
    base["return_lines"] = led["returns"].astype("float64")
    base["customer_years"] = _customer_years(led, lo, hi)
    key = led["key_account"].to_numpy(dtype=bool, na_value=False) & ~unattributed.to_numpy()
    base["key_account_years"] = base["customer_years"].where(key, 0.0)
    terms = led["payment_terms_days"].astype("float64")
    terms = terms.fillna(float(section.get("default_payment_terms_days", 0.0)))
    base["financed_revenue_years"] = led["net_revenue"] * terms / _DAYS_OF_CREDIT_YEAR
    modes = costing.delivery_modes(config)
    delivery_cols = [f"deliveries_{m}" for m in [*modes, "other"] if f"deliveries_{m}" in led]
    base["deliveries"] = (
        led[delivery_cols].sum(axis=1) if delivery_cols else led["orders"].astype("float64")
    )
    drivers = costing.activity_drivers(base, config, sources)
    led = pd.concat([led, drivers], axis=1)
    cts = costing.apply_rates(led, config)
    led = pd.concat([led, cts], axis=1)

    # profit
    led["cost_to_serve"] = cts.sum(axis=1) if len(cts.columns) else 0.0
    led["profit"] = led["gross_margin"] - led["cost_to_serve"]
    net = led["net_revenue"].where(led["net_revenue"] != 0)
    led["margin_pct"] = led["profit"] / net
    led["gross_margin_pct"] = led["gross_margin"] / net
    began = led["signup_date"].where(led["signup_date"] <= led["first_order"], led["first_order"])
    led["tenure_days"] = (led["last_order"] - began).dt.days.astype("float64").clip(lower=0)

    # size tiers (never for the unattributed row)
    tiers = pd.Series(pd.NA, index=led.index, dtype="object")
    known = led.loc[~unattributed]
    if len(known):
        tiers.loc[known.index] = assign_size_tiers(known, config).astype("object")
    labels = list(config["size_tiers"]["labels"])
    led["size_tier"] = pd.Categorical(tiers, categories=labels, ordered=True)

    head = ["customer_id", *(["period"] if by_period else [])]
    attrs = [c for c in LEDGER_ATTRIBUTES if c != "customer_id"]
    drv_cols = [c for c in drivers.columns if c.startswith("drv_")]
    min_cols = [c for c in drivers.columns if c.startswith("min_")]
    cols = [*head, *attrs, *LEDGER_MEASURES, *cts.columns, *drv_cols, *min_cols, "rebate_rate"]
    order = ["profit", "customer_id", *(["period"] if by_period else [])]
    return (
        led[cols]
        .sort_values(order, ascending=[False, True, True][: len(order)], kind="stable")
        .reset_index(drop=True)
    )


# ---- reading the ledger -----------------------------------------------------------------------
def _activities_in(ledger: pd.DataFrame) -> list[str]:
    return [c[4:] for c in ledger.columns if c.startswith("cts_")]


def _label(activity: str) -> str:
    return activity.replace("_", " ").capitalize()


def company_pnl(ledger: pd.DataFrame) -> pd.DataFrame:
    """The company P&L as waterfall steps, from list revenue to profit.

    Returns
    -------
    DataFrame
        step (label), amount (signed: deductions negative), kind (``total`` or ``change``),
        share_of_net_revenue.
    """
    total = ledger.sum(numeric_only=True)
    rows: list[tuple[str, float, str]] = [
        ("List revenue", total["list_revenue"], _TOTAL),
        ("Discounts", -total["discounts"], "change"),
        ("Rebates", -total["rebates"], "change"),
        ("Net revenue", total["net_revenue"], _TOTAL),
        ("Cost of goods", -total["cogs"], "change"),
        ("Gross margin", total["gross_margin"], _TOTAL),
    ]
    for act in _activities_in(ledger):
        rows.append((_label(act), -total[f"cts_{act}"], "change"))
    rows.append(("Profit", total["profit"], _TOTAL))
    pnl = pd.DataFrame(rows, columns=["step", "amount", "kind"])
    net = total["net_revenue"]
    pnl["share_of_net_revenue"] = pnl["amount"] / net if net else np.nan
    return pnl


def plot_waterfall(pnl: pd.DataFrame, ax: Axes | None = None, min_share: float = 0.0) -> Axes:
    """Waterfall of :func:`company_pnl`: totals as full bars, changes as floating bars.

    ``min_share``: changes smaller than this share of net revenue are merged into one "Other"
    bar, so small activities do not crowd the axis.
    """
    steps = pnl
    if min_share > 0:
        small = (steps["kind"] != _TOTAL) & (steps["share_of_net_revenue"].abs() < min_share)
        small &= steps.index > steps.index[steps["step"] == "Gross margin"][0]
        if small.sum() > 1:
            other = pd.DataFrame(
                [
                    {
                        "step": "Other cost to serve",
                        "amount": steps.loc[small, "amount"].sum(),
                        "kind": "change",
                    }
                ]
            )
            keep = steps.loc[~small]
            steps = pd.concat([keep.iloc[:-1], other, keep.iloc[-1:]], ignore_index=True)
    ax = plots.new_axes(ax, figsize=(10, 4.8))
    level = 0.0
    colors = {"total": plots.PALETTE[0], "down": plots.PALETTE[3], "up": plots.PALETTE[2]}
    for i, row in enumerate(steps.itertuples()):
        if row.kind == _TOTAL:
            bottom, height, color = 0.0, row.amount, colors["total"]
            level = row.amount
        else:
            bottom, height = level, row.amount
            color = colors["down"] if row.amount < 0 else colors["up"]
            level += row.amount
        ax.bar(i, height, bottom=bottom, color=color, width=0.7)
        ax.annotate(
            plots.format_money(row.amount),
            (i, max(bottom, bottom + height)),
            ha="center",
            va="bottom",
            fontsize=8,
            xytext=(0, 2),
            textcoords="offset points",
        )
    ax.axhline(0, color="#333333", linewidth=0.8)
    ax.margins(y=0.1)  # room for the labels above the tallest bar
    ax.grid(False, axis="x")
    ax.set_xticks(range(len(steps)))
    ax.set_xticklabels(steps["step"], rotation=35, ha="right")
    plots.money_axis(ax)
    ax.set_ylabel("Amount")
    total = pnl.set_index("step")["amount"]
    net, profit = total.get("Net revenue", np.nan), total.get("Profit", np.nan)
    cts = total.get("Gross margin", np.nan) - profit
    finding = (
        f"Cost to serve takes {cts / net:.0%} of net revenue; profit is {profit / net:.1%} of it"
        if net
        else "Company P&L from list revenue to profit"
    )
    plots.set_finding_title(ax, finding, "Company P&L, list revenue to profit after cost to serve")
    return ax


def _attributed(ledger: pd.DataFrame) -> pd.DataFrame:
    return ledger.loc[ledger["customer_id"] != UNATTRIBUTED]


def tier_pnl(ledger: pd.DataFrame) -> pd.DataFrame:
    """P&L per size tier (plus the unattributed row, if any, and the total), with each tier's
    share of net revenue and of profit and its loss-making customers."""
    frame = ledger.assign(
        tier=ledger["size_tier"]
        .astype("object")
        .where(ledger["customer_id"] != UNATTRIBUTED, _UNATTRIBUTED_LABEL)
        .fillna("(unknown)"),
        loss=(ledger["profit"] < 0) & (ledger["customer_id"] != UNATTRIBUTED),
        one=(ledger["customer_id"] != UNATTRIBUTED).astype(int),
    )
    cols = [
        "net_revenue",
        "discounts",
        "rebates",
        "cogs",
        "gross_margin",
        "cost_to_serve",
        "profit",
    ]
    by = frame.groupby("tier", sort=False)[[*cols, "one", "loss"]].sum()
    labels = [t for t in ledger["size_tier"].cat.categories if t in by.index]
    extra = [t for t in by.index if t not in labels]
    by = by.loc[labels + extra]
    by.loc[_TOTAL] = by.sum()
    out = by.rename(columns={"one": "customers", "loss": "loss_making"})
    out["customers"] = out["customers"].astype(int)
    out["loss_making"] = out["loss_making"].astype(int)
    net = out["net_revenue"].where(out["net_revenue"] != 0)
    out["margin_pct"] = out["profit"] / net
    out["cost_to_serve_pct"] = out["cost_to_serve"] / net
    total = out.loc[_TOTAL]
    out["share_of_net_revenue"] = (
        out["net_revenue"] / total["net_revenue"] if total["net_revenue"] else np.nan
    )
    out["share_of_profit"] = out["profit"] / total["profit"] if total["profit"] else np.nan
    out.index.name = "size_tier"
    return out.reset_index()


def top_bottom(ledger: pd.DataFrame, n: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``n`` most and the ``n`` least profitable customers (unattributed lines excluded)."""
    cols = [
        "customer_id",
        "name",
        "size_tier",
        "net_revenue",
        "gross_margin",
        "cost_to_serve",
        "profit",
        "margin_pct",
        "orders",
    ]
    led = _attributed(ledger)[cols]
    most = led.sort_values(["profit", "customer_id"], ascending=[False, True]).head(n)
    least = led.sort_values(["profit", "customer_id"], ascending=[True, True]).head(n)
    return most.reset_index(drop=True), least.reset_index(drop=True)


def customer_pnl(ledger: pd.DataFrame) -> pd.DataFrame:
    """Every customer's P&L (the export): attributes, the waterfall and cost to serve by
    activity, most profitable first."""
    cols = [
        "customer_id",
        "name",
        "size_tier",
        "industry",
        "region",
        "key_account",
        *LEDGER_MEASURES,
        *[c for c in ledger.columns if c.startswith("cts_")],
    ]
    cols = [c for c in dict.fromkeys(cols) if c in ledger]
    return ledger[cols].sort_values("profit", ascending=False, kind="stable").reset_index(drop=True)


def plot_tier_shares(tiers: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Each size tier's share of net revenue next to its share of profit (:func:`tier_pnl`)."""
    ax = plots.new_axes(ax)
    t = tiers[~tiers["size_tier"].isin([_TOTAL])].reset_index(drop=True)
    x = np.arange(len(t))
    width = 0.38
    ax.bar(x - width / 2, 100 * t["share_of_net_revenue"], width, label="share of net revenue",
           color=plots.PALETTE[0])  # fmt: skip
    ax.bar(x + width / 2, 100 * t["share_of_profit"], width, label="share of profit",
           color=plots.PALETTE[1])  # fmt: skip
    ax.axhline(0, color="#333333", linewidth=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels(t["size_tier"].astype(str))
    plots.percent_axis(ax)
    ax.legend(frameon=False)
    best = t.loc[t["customers"] > 0].dropna(subset=["margin_pct"])
    if len(best):
        top = best.loc[best["share_of_profit"].idxmax()]
        finding = (
            f"{str(top['size_tier']).capitalize()} customers earn {top['share_of_profit']:.0%} "
            f"of profit from {top['share_of_net_revenue']:.0%} of net revenue"
        )
    else:
        finding = "Share of net revenue and of profit by size tier"
    plots.set_finding_title(
        ax, finding, "Share of net revenue and of profit after cost to serve, by size tier"
    )
    return ax


def ledger_metrics(ledger: pd.DataFrame) -> dict[str, Any]:
    """Headline numbers for ``metrics.json``: ``total_revenue`` is net revenue."""
    total = ledger.sum(numeric_only=True)
    led = _attributed(ledger)
    loss = int((led["profit"] < 0).sum())
    net = float(total["net_revenue"])
    unattr = ledger.loc[ledger["customer_id"] == UNATTRIBUTED, "net_revenue"].sum()
    return {
        "total_revenue": round(net, 2),
        "total_net_revenue": round(net, 2),
        "total_list_revenue": round(float(total["list_revenue"]), 2),
        "total_discounts": round(float(total["discounts"]), 2),
        "total_rebates": round(float(total["rebates"]), 2),
        "total_cogs": round(float(total["cogs"]), 2),
        "total_gross_margin": round(float(total["gross_margin"]), 2),
        "total_cost_to_serve": round(float(total["cost_to_serve"]), 2),
        "total_profit": round(float(total["profit"]), 2),
        "profit_margin": float(total["profit"] / net) if net else None,
        "cost_to_serve_share": float(total["cost_to_serve"] / net) if net else None,
        "customers": int(len(led)),
        "loss_making_customers": loss,
        "loss_making_share": loss / len(led) if len(led) else None,
        "unattributed_net_revenue": round(float(unattr), 2),
        "orders": int(total["orders"]),
        "lines": int(total["lines"]),
    }


def ledger_findings(ledger: pd.DataFrame, model: pd.DataFrame | None = None) -> list[str]:
    """Computed sentences on the ledger: cost to serve, loss makers, tiers, the biggest activity."""
    if ledger.empty:
        return ["No order lines or activities fall in the period: the ledger is empty."]
    m = ledger_metrics(ledger)
    net = m["total_net_revenue"]
    out = []
    if net:
        out.append(
            f"Cost to serve takes {m['cost_to_serve_share']:.0%} of net revenue; "
            f"{m['loss_making_customers']:,} of {m['customers']:,} customers "
            f"({m['loss_making_share'] or 0:.0%}) lose money after it."
        )
        out.append(
            f"Customer profit is {plots.format_money(m['total_profit'])} on "
            f"{plots.format_money(net)} of net revenue ({m['profit_margin']:.1%}), after "
            f"{plots.format_money(m['total_discounts'] + m['total_rebates'])} of discounts and "
            f"rebates and {plots.format_money(m['total_cost_to_serve'])} of cost to serve."
        )
    acts = {a: float(ledger[f"cts_{a}"].sum()) for a in _activities_in(ledger)}
    if acts and m["total_cost_to_serve"]:
        biggest = max(acts, key=lambda a: acts[a])
        out.append(
            f"The largest cost to serve is {_label(biggest).lower()}: "
            f"{plots.format_money(acts[biggest])} ({acts[biggest] / m['total_cost_to_serve']:.0%} "
            "of cost to serve)."
        )
    tiers = tier_pnl(ledger)
    tiers = tiers[~tiers["size_tier"].isin([_TOTAL, _UNATTRIBUTED_LABEL, "(unknown)"])]
    tiers = tiers[tiers["customers"] > 0].dropna(subset=["margin_pct"])
    if len(tiers) > 1:
        best = tiers.loc[tiers["margin_pct"].idxmax()]
        worst = tiers.loc[tiers["margin_pct"].idxmin()]
        out.append(
            f"By size tier, {best['size_tier']} customers earn the highest profit margin "
            f"({best['margin_pct']:.1%} of net revenue, {best['share_of_profit']:.0%} of profit) "
            f"and {worst['size_tier']} customers the lowest ({worst['margin_pct']:.1%}, "
            f"{worst['share_of_profit']:.0%} of profit)."
        )
    if m["unattributed_net_revenue"]:
        out.append(
            f"Order lines without a customer bring {plots.format_money(m['unattributed_net_revenue'])} "
            "of net revenue; they keep a row of their own so totals reconcile."
        )
    if model is not None:
        out.append(costing.describe_sources(model))
    return out
