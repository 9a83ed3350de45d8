"""Q3 — price and channel what-ifs on the customer ledger: fees, channel moves, discount caps.

A scenario is the config's ``scenarios.levers`` with any overrides. Each lever changes every
affected customer's revenue, cost of goods and cost to serve (activity by activity) through
the explicit assumptions of ``defaults/scenarios.yaml``; the effects are expected values, so
profit after the scenario is smooth in every assumption, a scenario with every lever off
reproduces the ledger exactly, and profit changes add up over customers and segments.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers import plots
from helpers.results import json_float, money, signed_money
from helpers.schema import UNATTRIBUTED

__all__ = [
    "LEVERS",
    "Scenario",
    "order_values",
    "scenario_levers",
    "resolve_levers",
    "assumptions_table",
    "simulate",
    "lever_contributions",
    "break_even_curves",
    "tornado",
    "scenario_grid",
    "q3_metrics",
    "q3_findings",
    "plot_profit_by_segment",
    "plot_break_even",
    "plot_tornado",
    "scenario_widgets",
]

#: the levers, in the order they apply
LEVERS: tuple[str, ...] = (
    "discount_cap",
    "telesales_for_visits",
    "small_order_fee",
    "channel_migration",
)
_MONEY = ("net_revenue", "list_revenue", "cogs", "fees")
_TODAY = "today"


@dataclass
class Scenario:
    """The outcome of one scenario: per customer, per segment, totals and the levers used."""

    customers: pd.DataFrame
    by_segment: pd.DataFrame
    totals: dict[str, float]
    levers: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def _settings(config: Mapping[str, Any]) -> dict[str, Any]:
    return dict(config["scenarios"])


# ---- inputs -----------------------------------------------------------------------------------
def order_values(order_lines: pd.DataFrame | None) -> pd.DataFrame | None:
    """One row per sales order: customer_id, order_id, value (net revenue), channel."""
    if order_lines is None:
        return None
    sales = order_lines.loc[~order_lines["is_return"].fillna(False).astype(bool)]
    cols = ["customer_id", "order_id"]
    agg: dict[str, tuple[str, str]] = {"value": ("revenue", "sum")}
    if "channel" in sales:
        agg["channel"] = ("channel", "first")
    out = sales.groupby(cols, observed=True, sort=False).agg(**agg).reset_index()
    out["customer_id"] = out["customer_id"].astype("object")
    return out


def _customers(ledger: pd.DataFrame) -> pd.DataFrame:
    return ledger.loc[ledger["customer_id"] != UNATTRIBUTED].reset_index(drop=True)


def _activities(ledger: pd.DataFrame) -> list[str]:
    return [c[4:] for c in ledger.columns if c.startswith("cts_")]


def _scaling(ledger: pd.DataFrame, config: Mapping[str, Any]) -> dict[str, list[str]]:
    """Activities of the ledger by how their cost scales (unlisted: per_line)."""
    spec = _settings(config)["activity_scaling"]
    acts = _activities(ledger)
    out = {k: [a for a in spec.get(k, []) if a in acts] for k in
           ("per_order", "per_line", "per_revenue", "per_customer")}  # fmt: skip
    listed = {a for v in out.values() for a in v}
    out["per_line"] += [a for a in acts if a not in listed]
    return out


def _tier_mask(ledger: pd.DataFrame, tiers: Any, config: Mapping[str, Any]) -> np.ndarray:
    if tiers in (None, "all"):
        return np.ones(len(ledger), dtype=bool)
    names = config["size_tiers"]["small"] if tiers == "small" else tiers
    names = [names] if isinstance(names, str) else list(names)
    return ledger["size_tier"].astype("object").isin(names).to_numpy()


def _unit_cost(ledger: pd.DataFrame, activity: str) -> float:
    """Effective cost per driver unit of an activity in the ledger (NaN without drivers)."""
    drv = f"drv_{activity}"
    if drv not in ledger or f"cts_{activity}" not in ledger:
        return float("nan")
    units = float(ledger[drv].sum())
    return float(ledger[f"cts_{activity}"].sum()) / units if units > 0 else float("nan")


# ---- levers -----------------------------------------------------------------------------------
def scenario_levers(config: Mapping[str, Any], overrides: Mapping[str, Any] | None = None) -> dict:
    """The config's levers with ``overrides`` merged in (``{lever: {param: value}}`` or
    ``{"lever.param": value}``)."""
    levers = copy.deepcopy(dict(_settings(config)["levers"]))
    for key, value in (overrides or {}).items():
        if "." in key:
            lever, param = key.split(".", 1)
            levers.setdefault(lever, {})[param] = value
        elif isinstance(value, Mapping):
            levers.setdefault(key, {}).update(value)
        else:
            raise ValueError(f"override {key!r}: expected 'lever.param' or a mapping of params")
    unknown = set(levers) - set(LEVERS)
    if unknown:
        raise ValueError(f"unknown lever(s) {sorted(unknown)}: expected some of {list(LEVERS)}")
    return levers


def _small_order_stats(
    ledger: pd.DataFrame, orders: pd.DataFrame | None, threshold: float
) -> pd.DataFrame:
    """Per ledger row: orders (n), orders below the threshold (k) and their value (v)."""
    n = ledger["orders"].astype("float64").to_numpy()
    if orders is None:  # every order at the customer's average value (assumed)
        with np.errstate(divide="ignore", invalid="ignore"):
            avg = ledger["net_revenue"].to_numpy() / np.where(n > 0, n, np.nan)
        below = np.nan_to_num(avg < threshold, nan=False).astype(bool) & (n > 0)
        k = np.where(below, n, 0.0)
        v = np.where(below, ledger["net_revenue"].to_numpy(), 0.0)
        return pd.DataFrame({"n": n, "k": k, "v": v}, index=ledger.index)
    small = orders.loc[orders["value"] < threshold]
    per = small.groupby("customer_id")["value"].agg(["size", "sum"])
    ids = ledger["customer_id"].astype("object")
    k = ids.map(per["size"]).fillna(0.0).to_numpy(dtype="float64")
    v = ids.map(per["sum"]).fillna(0.0).to_numpy(dtype="float64")
    return pd.DataFrame({"n": n, "k": np.minimum(k, n), "v": v}, index=ledger.index)


def _small_client_unit_economics(
    ledger: pd.DataFrame, config: Mapping[str, Any]
) -> dict[str, float]:
    """Small clients today: cost to serve per order (except revenue-driven costs), the margin
    rate per unit of net revenue after revenue-driven costs, and their activities' shares."""
    led = _customers(ledger)
    small = led.loc[_tier_mask(led, "small", config)]
    if small.empty or small["orders"].sum() <= 0:
        small = led
    sc = _scaling(ledger, config)
    orders = float(small["orders"].sum())
    revenue = float(small["net_revenue"].sum())
    per_rev = sum(float(small[f"cts_{a}"].sum()) for a in sc["per_revenue"])
    costs = {a: float(small[f"cts_{a}"].sum()) for a in _activities(ledger)}
    return {
        "orders": orders,
        "revenue": revenue,
        "gross_margin_rate": float(small["gross_margin"].sum()) / revenue if revenue else np.nan,
        "per_revenue_rate": per_rev / revenue if revenue else 0.0,
        "cost_per_order": sum(v for a, v in costs.items() if a not in sc["per_revenue"])
        / max(orders, 1.0),
        "costs": costs,
    }


def resolve_levers(
    ledger: pd.DataFrame, config: Mapping[str, Any], levers: Mapping[str, Any]
) -> dict[str, Any]:
    """Levers with ``auto`` amounts replaced by their value on this ledger."""
    out = copy.deepcopy(dict(levers))
    fee = out.get("small_order_fee")
    if fee:
        econ = _small_client_unit_economics(ledger, config)
        margin = econ["gross_margin_rate"] - econ["per_revenue_rate"]
        if fee.get("threshold") == "auto":
            fee["threshold"] = (
                econ["cost_per_order"] / margin if margin and margin > 0 else econ["cost_per_order"]
            )
        if fee.get("fee") == "auto":
            fee["fee"] = float(fee.get("fee_cost_share", 0.5)) * econ["cost_per_order"]
        fee["threshold"], fee["fee"] = float(fee["threshold"]), float(fee["fee"])
    return out


def assumptions_table(levers: Mapping[str, Any], config: Mapping[str, Any]) -> pd.DataFrame:
    """The scenario's assumptions as rows (lever, assumption, value), the target channel's
    profile included, for the report."""
    rows = []
    for name in LEVERS:
        for param, value in (levers.get(name) or {}).items():
            rows.append({"lever": name, "assumption": param, "value": value})
        if name == "channel_migration" and (levers.get(name) or {}).get("enabled"):
            target = levers[name]["target"]
            for param, value in _settings(config)["channels"][target].items():
                if param in levers[name]:
                    continue
                rows.append({"lever": name, "assumption": f"{target}.{param}", "value": value})
    out = pd.DataFrame(rows, columns=["lever", "assumption", "value"])
    out["value"] = out["value"].map(lambda v: f"{v:,.4g}" if isinstance(v, float) else str(v))
    return out


def _state(ledger: pd.DataFrame) -> pd.DataFrame:
    acts = _activities(ledger)
    st = pd.DataFrame(
        {
            "net_revenue": ledger["net_revenue"].astype("float64"),
            "list_revenue": ledger["list_revenue"].astype("float64"),
            "cogs": ledger["cogs"].astype("float64"),
            "fees": 0.0,
            "orders": ledger["orders"].astype("float64"),
            "retained": 1.0,
        },
        index=ledger.index,
    )
    for a in acts:
        st[f"cts_{a}"] = ledger[f"cts_{a}"].astype("float64")
    return st


def _profit(st: pd.DataFrame) -> pd.Series:
    cts = [c for c in st.columns if c.startswith("cts_")]
    return st["net_revenue"] + st["fees"] - st["cogs"] - st[cts].sum(axis=1)


def _volume(st: pd.DataFrame, factor: np.ndarray, sc: Mapping[str, list[str]]) -> None:
    """Scale a customer's volume: money, orders and volume-driven costs (in place)."""
    cols = [*_MONEY, "orders", *[f"cts_{a}" for k in ("per_order", "per_line", "per_revenue")
                                 for a in sc[k]]]  # fmt: skip
    st[cols] = st[cols].mul(factor, axis=0)


def _lose(st: pd.DataFrame, share: np.ndarray) -> None:
    """Lose a share of each customer (expected value): everything scales by 1 - share."""
    st[st.columns] = st.mul(1.0 - share, axis=0)


def _discount_cap(
    st: pd.DataFrame, ledger: pd.DataFrame, p: Mapping[str, Any], sc: Any, config: Any
) -> None:
    mask = _tier_mask(ledger, p.get("tiers"), config)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = ledger["discounts"] / ledger["list_revenue"].where(ledger["list_revenue"] > 0)
    over = (rate.fillna(0.0) - float(p["cap"])).clip(lower=0).to_numpy() * mask
    gain = over * st["list_revenue"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = np.where(st["net_revenue"] > 0, gain / st["net_revenue"].to_numpy(), 0.0)
    st["net_revenue"] = st["net_revenue"] + gain
    _volume(st, np.clip(1 - float(p["price_elasticity"]) * rise, 0, None), sc)
    _lose(st, np.where(over > 0, float(p["customers_lost_share"]), 0.0))


def _telesales_for_visits(
    st: pd.DataFrame, ledger: pd.DataFrame, p: Mapping[str, Any], sc: Any, config: Any
) -> list[str]:
    if "cts_sales_visit" not in st or "cts_telesales_call" not in st:
        return ["No sales_visit or telesales_call activity in the cost model: telesales lever off."]
    visit, call = _unit_cost(ledger, "sales_visit"), _unit_cost(ledger, "telesales_call")
    if not (np.isfinite(visit) and np.isfinite(call) and visit > 0):
        return ["No visits or calls to price: telesales lever off."]
    mask = _tier_mask(ledger, p.get("tiers"), config)
    r = float(p["replace_share"]) * mask
    removed = r * st["cts_sales_visit"].to_numpy()
    st["cts_sales_visit"] = st["cts_sales_visit"] - removed
    st["cts_telesales_call"] = (
        st["cts_telesales_call"] + removed / visit * float(p["calls_per_visit"]) * call
    )
    had = (ledger["cts_sales_visit"] > 0).to_numpy()
    _volume(st, np.where(had, 1 + float(p["revenue_change"]) * r, 1.0), sc)
    _lose(st, np.where(had, float(p["customers_lost_share"]) * r, 0.0))
    return []


def _small_order_fee(
    st: pd.DataFrame,
    ledger: pd.DataFrame,
    p: Mapping[str, Any],
    sc: Mapping[str, list[str]],
    config: Any,
    orders: pd.DataFrame | None,
) -> None:
    fee, threshold, mode = float(p["fee"]), float(p["threshold"]), p.get("mode", "fee")
    if threshold <= 0 or (mode == "fee" and fee <= 0):
        return
    stats = _small_order_stats(ledger, orders, threshold)
    mask = _tier_mask(ledger, p.get("tiers"), config) & (stats["n"].to_numpy() > 0)
    base_orders = stats["n"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(base_orders > 0, st["orders"].to_numpy() / base_orders, 0.0)
        share = np.where(mask, stats["k"].to_numpy() / np.where(base_orders > 0, base_orders, 1), 0)
    k = stats["k"].to_numpy() * scale * mask
    v = stats["v"].to_numpy() * scale * mask
    s = float(p["consolidate_share"])
    saved = s * k * float(p["orders_saved_per_consolidated"])
    rest = (1 - s) * k
    orders_now = st["orders"].to_numpy()
    per_order = [f"cts_{a}" for a in sc["per_order"]]
    if mode == "minimum":
        with np.errstate(divide="ignore", invalid="ignore"):
            kept = np.where(st["net_revenue"] > 0, 1 - (1 - s) * v / st["net_revenue"], 1.0)
            order_factor = np.where(orders_now > 0, (orders_now - saved - rest) / orders_now, 1.0)
        kept = np.clip(np.nan_to_num(kept, nan=1.0), 0, None)
        order_factor = np.clip(order_factor, 0, None)
        # refused orders take their revenue and volume; merged ones only save order handling
        _volume(st, kept, {**sc, "per_order": []})
        st["orders"] = orders_now * order_factor
        st[per_order] = st[per_order].mul(order_factor, axis=0)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            order_factor = np.where(orders_now > 0, (orders_now - saved) / orders_now, 1.0)
        st["orders"] = orders_now * order_factor
        st[per_order] = st[per_order].mul(order_factor, axis=0)
        st["fees"] = st["fees"] + fee * rest
        with np.errstate(divide="ignore", invalid="ignore"):
            burden = np.where(st["net_revenue"] > 0, fee * rest / st["net_revenue"], 0.0)
        _volume(st, np.clip(1 - float(p["price_elasticity"]) * burden, 0, None), sc)
    _lose(st, float(p["customers_lost_share"]) * share)


def _channel_migration(
    st: pd.DataFrame,
    ledger: pd.DataFrame,
    p: Mapping[str, Any],
    sc: Mapping[str, list[str]],
    config: Mapping[str, Any],
    orders: pd.DataFrame | None,
) -> list[str]:
    channels = _settings(config)["channels"]
    target = p["target"]
    if target not in channels:
        raise ValueError(f"channel_migration.target {target!r}: expected one of {sorted(channels)}")
    overridable = ("price_change", "partner_margin", "volume_change", "lost_share")
    prof = {**channels[target], **{k: p[k] for k in overridable if k in p}}
    mask = _tier_mask(ledger, p.get("tiers"), config)
    notes = []
    if orders is not None and "channel" in orders and orders["channel"].notna().any():
        habit = (
            orders.dropna(subset=["channel"])
            .groupby(["customer_id", "channel"])
            .size()
            .reset_index(name="n")
            .sort_values(["customer_id", "n"], ascending=[True, False])
            .drop_duplicates("customer_id")
            .set_index("customer_id")["channel"]
        )
        already = (
            ledger["customer_id"].astype("object").map(habit).astype("object").fillna("") == target
        ).to_numpy(dtype=bool)
        mask = mask & ~already
    else:
        notes.append("No order channels: every eligible customer counts as movable.")
    if p.get("only_unprofitable"):
        mask = mask & (ledger["profit"] <= 0).to_numpy()
    m = float(p["migration_rate"]) * mask
    if not m.any():
        return notes
    moved = st.copy()
    for a, mult in (prof.get("activity_multipliers") or {}).items():
        if f"cts_{a}" in moved:
            moved[f"cts_{a}"] = moved[f"cts_{a}"] * float(mult)
    price = (1 + float(prof.get("price_change", 0.0))) * (
        1 - float(prof.get("partner_margin", 0.0))
    )
    moved["net_revenue"] = moved["net_revenue"] * price
    # revenue-driven costs follow what the customer is charged
    for a in sc["per_revenue"]:
        moved[f"cts_{a}"] = moved[f"cts_{a}"] * price
    n = len(moved)
    _volume(moved, np.full(n, 1 + float(prof.get("volume_change", 0.0))), sc)
    _lose(moved, np.full(n, float(prof.get("lost_share", 0.0))))
    st[st.columns] = st.mul(1 - m, axis=0) + moved.mul(m, axis=0)
    return notes


def simulate(
    ledger: pd.DataFrame,
    config: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    orders: pd.DataFrame | None = None,
) -> Scenario:
    """Profit before and after a scenario, per customer and per segment.

    Parameters
    ----------
    ledger
        The customer ledger (the unattributed row, if any, is left out: no lever applies to it).
    overrides
        Changes to the config's levers, e.g. ``{"small_order_fee.fee": 0}`` or
        ``{"discount_cap": {"enabled": False}}``.
    orders
        :func:`order_values` (order sizes for the fee lever; without it every order of a customer
        is taken at its average value).

    Returns
    -------
    Scenario
        ``customers``: customer_id, segment, profit_before, profit_after, change, retained,
        net_revenue_before/after, fees; ``by_segment``: customers, profit before/after,
        change, customers_lost (expected), turned_profitable, turned_loss_making (expected,
        among those who stay), with a total row; ``totals`` the total row as a dict.
    """
    led = _customers(ledger)
    s = _settings(config)
    levers = resolve_levers(led, config, scenario_levers(config, overrides))
    sc = _scaling(led, config)
    st = _state(led)
    notes: list[str] = []
    for name in LEVERS:
        p = levers.get(name) or {}
        if not p.get("enabled", False):
            continue
        if name == "discount_cap":
            _discount_cap(st, led, p, sc, config)
        elif name == "telesales_for_visits":
            notes += _telesales_for_visits(st, led, p, sc, config)
        elif name == "small_order_fee":
            _small_order_fee(st, led, p, sc, config, orders)
        else:
            notes += _channel_migration(st, led, p, sc, config, orders)
    before = led["profit"].astype("float64")
    after = _profit(st)
    # a lever that does nothing leaves the ledger's own profit, to the cent
    untouched = np.isclose(after, _profit(_state(led)), rtol=0, atol=1e-9)
    after = after.where(~untouched, before)
    seg_col = s.get("segment_by", "size_tier")
    segment = led[seg_col].astype("object").fillna("(unknown)") if seg_col in led else "all"
    with np.errstate(divide="ignore", invalid="ignore"):
        cond = np.where(st["retained"] > 0, after / st["retained"], 0.0)
    customers = pd.DataFrame(
        {
            "customer_id": led["customer_id"],
            "segment": segment,
            "profit_before": before,
            "profit_after": after,
            "change": after - before,
            "retained": st["retained"],
            "net_revenue_before": led["net_revenue"].astype("float64"),
            "net_revenue_after": st["net_revenue"],
            "fees": st["fees"],
            "lost": 1 - st["retained"],
            "turned_profitable": st["retained"] * ((before <= 0) & (cond > 0)),
            "turned_loss_making": st["retained"] * ((before > 0) & (cond <= 0)),
        }
    )
    by = customers.groupby("segment", sort=False).agg(
        customers=("customer_id", "size"),
        profit_before=("profit_before", "sum"),
        profit_after=("profit_after", "sum"),
        change=("change", "sum"),
        net_revenue_before=("net_revenue_before", "sum"),
        net_revenue_after=("net_revenue_after", "sum"),
        fees=("fees", "sum"),
        customers_lost=("lost", "sum"),
        turned_profitable=("turned_profitable", "sum"),
        turned_loss_making=("turned_loss_making", "sum"),
    )
    if seg_col == "size_tier" and "size_tier" in led:
        labels = config.get("size_tiers", {}).get("labels") or []
        order = [t for t in labels if t in by.index]
        by = by.loc[order + [t for t in by.index if t not in order]]
    by.loc["total"] = by.sum()
    by["customers"] = by["customers"].astype("int64")
    by["change_pct"] = by["change"] / by["profit_before"].abs().where(by["profit_before"] != 0)
    by.index.name = "segment"
    by = by.reset_index()
    totals = {k: float(v) for k, v in by.iloc[-1].drop("segment").items()}
    return Scenario(customers=customers, by_segment=by, totals=totals, levers=levers, notes=notes)


def lever_contributions(
    ledger: pd.DataFrame,
    config: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    orders: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each enabled lever's share of the scenario's profit change, adding the levers one at a
    time in their order of application (the contributions sum to the total change)."""
    levers = scenario_levers(config, overrides)
    on = [n for n in LEVERS if (levers.get(n) or {}).get("enabled", False)]
    rows, previous = [], 0.0
    for i, name in enumerate(on):
        keep = set(on[: i + 1])
        o = {n: {**(levers.get(n) or {}), "enabled": n in keep} for n in LEVERS}
        total = simulate(ledger, config, o, orders).totals
        rows.append(
            {
                "lever": name,
                "change": total["change"] - previous,
                "customers_lost": total["customers_lost"],
            }
        )
        previous = total["change"]
    out = pd.DataFrame(rows, columns=["lever", "change", "customers_lost"])
    out["customers_lost"] = out["customers_lost"].diff().fillna(out["customers_lost"])
    return out


# ---- break-even order size ----------------------------------------------------------------------
def break_even_curves(
    ledger: pd.DataFrame, config: Mapping[str, Any], orders: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Profit of one small-client order by its value, per channel (today's service and every
    configured channel): profit(v) = margin_rate x v - cost_per_order.

    Returns
    -------
    DataFrame
        channel, label, cost_per_order, margin_rate, break_even_order_value (NaN when the
        margin rate is not positive), plus ``attrs['curve']``: channel, order_value, profit.
    """
    econ = _small_client_unit_economics(ledger, config)
    sc = _scaling(ledger, config)
    gm, prr = econ["gross_margin_rate"], econ["per_revenue_rate"]
    rows = [
        {
            "channel": _TODAY,
            "label": "as served today",
            "cost_per_order": econ["cost_per_order"],
            "margin_rate": gm - prr,
        }
    ]
    for name, prof in _settings(config)["channels"].items():
        mult = prof.get("activity_multipliers") or {}
        cost = sum(
            v * float(mult.get(a, 1.0))
            for a, v in econ["costs"].items()
            if a not in sc["per_revenue"]
        ) / max(econ["orders"], 1.0)
        price = (1 + float(prof.get("price_change", 0.0))) * (
            1 - float(prof.get("partner_margin", 0.0))
        )
        per_rev = sum(econ["costs"][a] * float(mult.get(a, 1.0)) for a in sc["per_revenue"]) / max(
            econ["revenue"], 1e-9
        )
        # order value v at today's net price: revenue v x price, goods (1 - gm) x v
        rows.append(
            {
                "channel": name,
                "label": prof.get("label", name),
                "cost_per_order": cost,
                "margin_rate": price - (1 - gm) - per_rev * price,
            }
        )
    table = pd.DataFrame(rows)
    table["break_even_order_value"] = table["cost_per_order"] / table["margin_rate"].where(
        table["margin_rate"] > 0
    )
    small = set(
        _customers(ledger).loc[_tier_mask(_customers(ledger), "small", config), "customer_id"]
    )
    if orders is not None and len(orders):
        vals = orders.loc[orders["customer_id"].isin(small), "value"]
        table["share_of_small_orders_below"] = [
            float((vals < v).mean()) if np.isfinite(v) else np.nan
            for v in table["break_even_order_value"]
        ]
        top = float(vals.quantile(0.75)) if len(vals) else 0.0
    else:
        table["share_of_small_orders_below"] = np.nan
        top = 0.0
    finite = table["break_even_order_value"].dropna()
    top = max(top, 2.0 * float(finite.max()) if len(finite) else 1.0)
    grid = np.linspace(0, top, 101)
    table.attrs["curve"] = pd.DataFrame(
        [
            {"channel": r.channel, "order_value": v, "profit": r.margin_rate * v - r.cost_per_order}
            for r in table.itertuples()
            for v in grid
        ]
    )
    return table


# ---- sensitivity ------------------------------------------------------------------------------
def tornado(
    ledger: pd.DataFrame, config: Mapping[str, Any], orders: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The default scenario's total profit change with one assumption at a time at its low and
    high value (``scenarios.tornado``), sorted by swing (largest first)."""
    base = simulate(ledger, config, None, orders).totals["change"]
    rows = []
    for spec in _settings(config)["tornado"]:
        key = f"{spec['lever']}.{spec['param']}"
        lo = simulate(ledger, config, {key: spec["low"]}, orders).totals["change"]
        hi = simulate(ledger, config, {key: spec["high"]}, orders).totals["change"]
        rows.append(
            {
                "assumption": key,
                "low": spec["low"],
                "high": spec["high"],
                "change_at_low": lo,
                "change_at_high": hi,
                "base_change": base,
                "swing": abs(hi - lo),
            }
        )
    out = pd.DataFrame(rows)
    return out.sort_values("swing", ascending=False).reset_index(drop=True) if len(out) else out


def scenario_grid(
    ledger: pd.DataFrame, config: Mapping[str, Any], orders: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The default scenario and its alternatives (``scenarios.grid``: every combination of
    multiples of the default values): total profit change, customers lost and turned profitable."""
    grid = _settings(config)["grid"]
    resolved = resolve_levers(_customers(ledger), config, scenario_levers(config))
    keys = list(grid)
    rows = []
    for combo in itertools.product(*(grid[k] for k in keys)):
        o = {}
        row: dict[str, Any] = {}
        for key, mult in zip(keys, combo, strict=True):
            lever, param = key.split(".", 1)
            value = float(resolved[lever][param]) * float(mult)
            o[key] = value
            row[key] = value
        t = simulate(ledger, config, o, orders).totals
        row.update(
            {
                "default": all(float(m) == 1.0 for m in combo),
                "profit_after": t["profit_after"],
                "change": t["change"],
                "change_pct": t["change_pct"],
                "customers_lost": t["customers_lost"],
                "turned_profitable": t["turned_profitable"],
            }
        )
        rows.append(row)
    return pd.DataFrame(rows).sort_values("change", ascending=False).reset_index(drop=True)


# ---- headline ---------------------------------------------------------------------------------
def _lever_text(levers: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    f = levers.get("small_order_fee") or {}
    if f.get("enabled"):
        out["small_order_fee"] = (
            f"a fee of {money(f['fee'])} on orders below {money(f['threshold'])}"
            if f.get("mode", "fee") == "fee"
            else f"a minimum order value of {money(f['threshold'])}"
        )
    m = levers.get("channel_migration") or {}
    if m.get("enabled"):
        label = _settings(config)["channels"][m["target"]].get("label", m["target"])
        out["channel_migration"] = f"moving {m['migration_rate']:.0%} of small clients to {label}"
    d = levers.get("discount_cap") or {}
    if d.get("enabled"):
        out["discount_cap"] = f"capping discounts at {d['cap']:.0%} of list price"
    t = levers.get("telesales_for_visits") or {}
    if t.get("enabled"):
        out["telesales_for_visits"] = (
            f"replacing {t['replace_share']:.0%} of field visits with telesales calls"
        )
    return out


def q3_metrics(
    scenario: Scenario,
    contributions: pd.DataFrame,
    curves: pd.DataFrame,
    sensitivity: pd.DataFrame,
    config: Mapping[str, Any],
) -> dict[str, Any]:
    """The numbers for ``ws.record("q3", ...)``."""
    t = scenario.totals
    small = set(config["size_tiers"]["small"])
    seg = scenario.by_segment
    small_rows = seg.loc[seg["segment"].isin(small)]
    fee = scenario.levers.get("small_order_fee") or {}
    return {
        "default_scenario_profit_before": t["profit_before"],
        "default_scenario_profit_after": t["profit_after"],
        "default_scenario_profit_change": t["change"],
        "default_scenario_profit_change_pct": json_float(t["change_pct"]),
        "small_clients_profit_change": float(small_rows["change"].sum()),
        "customers_lost": t["customers_lost"],
        "customers_turned_profitable": t["turned_profitable"],
        "customers_turned_loss_making": t["turned_loss_making"],
        "fee_threshold": json_float(fee.get("threshold")),
        "fee_amount": json_float(fee.get("fee")),
        "lever_contributions": {str(r.lever): float(r.change) for r in contributions.itertuples()},
        "break_even_order_value_by_channel": {
            str(r.channel): json_float(r.break_even_order_value) for r in curves.itertuples()
        },
        "tornado_top_assumption": str(sensitivity.iloc[0]["assumption"])
        if len(sensitivity)
        else None,
        "tornado_swing": {str(r.assumption): float(r.swing) for r in sensitivity.itertuples()},
    }


def q3_findings(
    scenario: Scenario,
    contributions: pd.DataFrame,
    curves: pd.DataFrame,
    sensitivity: pd.DataFrame,
    config: Mapping[str, Any],
) -> list[str]:
    """Computed finding sentences, ending with the action list."""
    t = scenario.totals
    texts = _lever_text(scenario.levers, config)
    out = []
    if texts:
        out.append(
            "Default scenario — "
            + "; ".join(texts.values())
            + f": profit {signed_money(t['change'])} ({t['change_pct']:+.1%}), with "
            f"{t['customers_lost']:.0f} customers expected to leave and "
            f"{t['turned_profitable']:.0f} turned from loss to profit."
        )
    else:
        out.append("Every lever is switched off: the scenario is the ledger as it is.")
    seg = scenario.by_segment.iloc[:-1]
    for r in seg.itertuples():
        if abs(r.change) > 0:
            out.append(
                f"{str(r.segment).capitalize()}: profit {money(r.profit_before)} → "
                f"{money(r.profit_after)} ({signed_money(r.change)})."
            )
    today = curves.loc[curves["channel"] == _TODAY].iloc[0]
    parts = [
        f"{r.channel} {money(r.break_even_order_value)}"
        for r in curves.iloc[1:].itertuples()
        if np.isfinite(r.break_even_order_value)
    ]
    below = today.get("share_of_small_orders_below", np.nan)
    out.append(
        f"A small client's order breaks even at {money(today['break_even_order_value'])} as "
        "served today"
        + (f" ({below:.0%} of their orders are smaller)" if np.isfinite(below) else "")
        + (f"; via other channels: {', '.join(parts)}." if parts else ".")
    )
    if len(sensitivity):
        top = sensitivity.iloc[0]
        out.append(
            f"The result moves most with {top['assumption']}: from "
            f"{signed_money(top['change_at_low'])} at {top['low']} to {signed_money(top['change_at_high'])} "
            f"at {top['high']}."
        )
        signs = np.sign(sensitivity[["change_at_low", "change_at_high"]].to_numpy())
        if (signs > 0).all():
            out.append("Within every tested range of the assumptions the scenario still gains.")
        elif (signs < 0).any():
            flips = sensitivity.loc[(signs < 0).any(axis=1), "assumption"].tolist()
            out.append("The gain turns into a loss at the edge of: " + ", ".join(flips) + ".")
    good = contributions.loc[contributions["change"] > 0]
    bad = contributions.loc[contributions["change"] <= 0]
    for r in good.sort_values("change", ascending=False).itertuples():
        out.append(f"Action: {texts.get(r.lever, r.lever)} ({signed_money(r.change)}).")
    for r in bad.itertuples():
        out.append(
            f"Do not: {texts.get(r.lever, r.lever)} ({signed_money(r.change)} under these assumptions)."
        )
    return out


# ---- figures ----------------------------------------------------------------------------------
def plot_profit_by_segment(scenario: Scenario, ax: Axes | None = None) -> Axes:
    """Profit before and after the scenario, per segment, with the change written on top."""
    ax = plots.new_axes(ax)
    seg = scenario.by_segment.iloc[:-1].reset_index(drop=True)
    x = np.arange(len(seg))
    w = 0.38
    ax.bar(x - w / 2, seg["profit_before"], w, label="before", color=plots.PALETTE[7], alpha=0.35)
    ax.bar(x + w / 2, seg["profit_after"], w, label="after", color=plots.PALETTE[0])
    for i, r in seg.iterrows():
        top = max(r["profit_before"], r["profit_after"], 0)
        ax.annotate(signed_money(r["change"]), (i + w / 2, top), ha="center", va="bottom",
                    fontsize=8, xytext=(0, 2), textcoords="offset points")  # fmt: skip
    ax.axhline(0, color="#333333", linewidth=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels(seg["segment"].astype(str))
    ax.margins(y=0.12)
    plots.money_axis(ax)
    ax.set_ylabel("profit")
    ax.legend(frameon=False)
    t = scenario.totals
    plots.set_finding_title(
        ax,
        f"The scenario changes profit by {signed_money(t['change'])} ({t['change_pct']:+.1%})",
        f"Profit after cost to serve by segment; {t['customers_lost']:.0f} customers expected lost",
    )
    return ax


def plot_break_even(curves: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Profit of one small-client order against its value, one line per channel; the dot marks
    the break-even order value."""
    ax = plots.new_axes(ax)
    curve = curves.attrs.get("curve")
    for i, r in enumerate(curves.itertuples()):
        c = curve.loc[curve["channel"] == r.channel]
        color = plots.PALETTE[7] if r.channel == _TODAY else plots.PALETTE[i % 7]
        ax.plot(c["order_value"], c["profit"], color=color, label=r.label,
                linewidth=2.2 if r.channel == _TODAY else 1.5)  # fmt: skip
        if np.isfinite(r.break_even_order_value):
            ax.scatter([r.break_even_order_value], [0], color=color, zorder=3)
    ax.axhline(0, color="#333333", linewidth=0.8)
    plots.money_axis(ax, "x")
    plots.money_axis(ax, "y")
    ax.set_xlabel("order value (today's net prices)")
    ax.set_ylabel("profit per order")
    ax.legend(frameon=False, fontsize=8)
    today = curves.iloc[0]
    plots.set_finding_title(
        ax,
        f"A small client's order breaks even at {money(today['break_even_order_value'])}",
        "Profit per order after cost to serve, by channel; dots: break-even order value",
    )
    return ax


def plot_tornado(sensitivity: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Profit change of the default scenario as each assumption moves from low to high."""
    ax = plots.new_axes(ax, figsize=(8, max(3.5, 0.45 * len(sensitivity) + 1.5)))
    if sensitivity.empty:
        ax.set_axis_off()
        return ax
    t = sensitivity.iloc[::-1].reset_index(drop=True)
    base = float(t["base_change"].iloc[0])
    y = np.arange(len(t))
    ax.barh(y, t["change_at_low"] - base, left=base, color=plots.PALETTE[5], label="low value")
    ax.barh(y, t["change_at_high"] - base, left=base, color=plots.PALETTE[1], label="high value")
    ax.axvline(base, color="#333333", linewidth=1)
    ax.axvline(0, color=plots.PALETTE[3], linewidth=0.8, linestyle="--")
    ax.set_yticks(y)
    ax.set_yticklabels([f"{a} ({lo:g} / {hi:g})" for a, lo, hi in
                        zip(t["assumption"], t["low"], t["high"], strict=True)], fontsize=8)  # fmt: skip
    plots.money_axis(ax, "x")
    ax.set_xlabel("total profit change")
    ax.legend(frameon=False, fontsize=8)
    top = sensitivity.iloc[0]
    plots.set_finding_title(
        ax,
        f"{top['assumption']} moves the result most ({money(top['swing'])})",
        f"Default scenario {signed_money(base)}; one assumption at a time at its low / high value",
    )
    return ax


def scenario_widgets(
    ledger: pd.DataFrame, config: Mapping[str, Any], orders: pd.DataFrame | None = None
) -> Any:
    """ipywidgets sliders for the lever assumptions (``scenarios.sliders``) that redraw the
    before/after and break-even figures with the same figure functions as the report."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    s = _settings(config)
    resolved = resolve_levers(_customers(ledger), config, scenario_levers(config))
    controls: dict[str, Any] = {}
    for key, (lo, hi, step) in s["sliders"].items():
        lever, param = key.split(".", 1)
        value = float(resolved[lever][param])
        if param in ("threshold", "fee"):  # currency: multiples of the resolved default
            controls[key] = widgets.FloatSlider(
                value=value, min=lo * value, max=hi * value, step=max(step * value, 1e-6),
                description=key, style={"description_width": "initial"},
                layout=widgets.Layout(width="480px"),
            )  # fmt: skip
        else:
            controls[key] = widgets.FloatSlider(
                value=value, min=lo, max=hi, step=step, description=key,
                style={"description_width": "initial"}, layout=widgets.Layout(width="480px"),
            )  # fmt: skip
    controls["channel_migration.target"] = widgets.Dropdown(
        options=list(s["channels"]), value=resolved["channel_migration"]["target"],
        description="channel_migration.target", style={"description_width": "initial"},
    )  # fmt: skip
    keys = list(controls)

    def redraw(**values: Any) -> None:
        o = {k.replace("__", "."): v for k, v in values.items()}
        scen = simulate(ledger, config, o, orders)
        fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
        plot_profit_by_segment(scen, ax=axes[0])
        cfg = copy.deepcopy(dict(config))
        plot_break_even(break_even_curves(ledger, cfg, orders), ax=axes[1])
        fig.tight_layout()
        display(fig)
        plt.close(fig)

    out = widgets.interactive_output(redraw, {k.replace(".", "__"): controls[k] for k in keys})
    return widgets.VBox([widgets.VBox([controls[k] for k in keys]), out])
