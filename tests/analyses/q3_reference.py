"""A straightforward per-scenario Q3 evaluation in pandas, the fast simulator's reference.

This is the simulator as it was before the scenarios were prepared once and run on arrays
(``helpers.q3_price_and_channel`` at commit 48cdb2c): each scenario rebuilds the customers'
state as a DataFrame and applies the levers column by column, then sums per segment with a
groupby. The tests check that :func:`helpers.q3_price_and_channel.simulate`, the tornado and
the scenario grid give its numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from helpers.q3_price_and_channel.inputs import (
    OrderBook,
    _activities,
    _customers,
    _scaling,
    _settings,
    _small_order_stats,
    _tier_mask,
    _unit_cost,
)
from helpers.q3_price_and_channel.levels_view import _lead_level, ledger_at
from helpers.q3_price_and_channel.levers import LEVERS, resolve_levers, scenario_levers
from helpers.q3_price_and_channel.wording import pct_or_nan
from helpers.results import pct_change

Scaling = Mapping[str, list[str]]


def reference_simulate(
    ledger: pd.DataFrame,
    config: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    orders: pd.DataFrame | OrderBook | None = None,
    level: str | None = None,
    multiplier: float = 1.0,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """One scenario the straightforward way: (per-segment table, per-customer outcome, reach)."""
    customers, orders = _customers(ledger), OrderBook.of(orders)
    levers = resolve_levers(customers, config, scenario_levers(config, overrides), orders)
    view = ledger_at(customers, config, level or _lead_level(ledger), multiplier)
    state, reaches = _apply_levers(view, config, levers, orders)
    outcome = _customer_outcomes(view, state, config)
    reach = {name: found.customers for name, found in reaches.items()}
    return _by_segment(outcome, view, config), outcome, reach


_MONEY = ("net_revenue", "list_revenue", "cogs", "fees")


@dataclass
class Reach:
    """How many customers a lever changes, why it changes none, and what it had to assume."""

    customers: int = 0
    reason: str = ""
    notes: list[str] = field(default_factory=list)


def _tiers_text(tiers: Any, config: Mapping[str, Any]) -> str:
    """The tiers a lever targets, in words ("micro or small", "every")."""
    if tiers in (None, "all"):
        return "any"
    names = config["size_tiers"]["small"] if tiers == "small" else tiers
    names = [names] if isinstance(names, str) else list(names)
    return " or ".join(map(str, names))


# ---- the state a scenario changes ---------------------------------------------------------------
def _state(ledger: pd.DataFrame) -> pd.DataFrame:
    """The money, orders, retained share and activity costs of every customer, as today."""
    state = pd.DataFrame(
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
    for activity in _activities(ledger):
        state[f"cts_{activity}"] = ledger[f"cts_{activity}"].astype("float64")
    return state


def _profit(state: pd.DataFrame) -> pd.Series:
    """Profit after cost to serve of every customer in ``state`` (fees count as revenue)."""
    costs = [column for column in state.columns if column.startswith("cts_")]
    return state["net_revenue"] + state["fees"] - state["cogs"] - state[costs].sum(axis=1)


def _volume(state: pd.DataFrame, factor: np.ndarray, scaling: Scaling) -> None:
    """Scale a customer's volume: money, orders and volume-driven costs (in place)."""
    kinds = ("per_order", "per_line", "per_revenue")
    columns = [*_MONEY, "orders", *[f"cts_{a}" for kind in kinds for a in scaling[kind]]]
    state[columns] = state[columns].mul(factor, axis=0)


def _lose(state: pd.DataFrame, share: np.ndarray | float) -> None:
    """Lose a share of each customer (expected value): everything scales by 1 - share."""
    state[state.columns] = state.mul(1.0 - share, axis=0)


# ---- the levers, each changing ``state`` in place -----------------------------------------------
def _discount_cap(
    state: pd.DataFrame,
    ledger: pd.DataFrame,
    params: Mapping[str, Any],
    scaling: Scaling,
    config: Mapping[str, Any],
) -> Reach:
    """Discounts above the cap are recovered; volume answers the price rise (elasticity)."""
    mask = _tier_mask(ledger, params.get("tiers"), config)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = ledger["discounts"] / ledger["list_revenue"].where(ledger["list_revenue"] > 0)
    over = (rate.fillna(0.0) - float(params["cap"])).clip(lower=0).to_numpy() * mask
    tiers = _tiers_text(params.get("tiers"), config)
    if not (over > 0).any():
        why = (
            f"no customer is in the {tiers} tier(s)"
            if not mask.any()
            else f"no {tiers} customer gets a discount above {float(params['cap']):.0%} of list "
            "price"
        )
        return Reach(0, why)
    gain = over * state["list_revenue"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = np.where(state["net_revenue"] > 0, gain / state["net_revenue"].to_numpy(), 0.0)
    state["net_revenue"] = state["net_revenue"] + gain
    _volume(state, np.clip(1 - float(params["price_elasticity"]) * rise, 0, None), scaling)
    _lose(state, np.where(over > 0, float(params["customers_lost_share"]), 0.0))
    return Reach(int((over > 0).sum()))


def _telesales_for_visits(
    state: pd.DataFrame,
    ledger: pd.DataFrame,
    params: Mapping[str, Any],
    scaling: Scaling,
    config: Mapping[str, Any],
) -> Reach:
    """A share of field visits becomes telesales calls; says why when it reaches nobody."""
    if "cts_sales_visit" not in state or "cts_telesales_call" not in state:
        return Reach(0, "the cost model has no field visits or telesales calls")
    mask = _tier_mask(ledger, params.get("tiers"), config)
    had = (ledger["cts_sales_visit"] > 0).to_numpy()
    reached = int((mask & had).sum()) if float(params["replace_share"]) > 0 else 0
    visit, call = _unit_cost(ledger, "sales_visit"), _unit_cost(ledger, "telesales_call")
    if reached == 0 or not (np.isfinite(visit) and np.isfinite(call) and visit > 0):
        tiers = _tiers_text(params.get("tiers"), config)
        return Reach(0, f"no field-visit cost is counted for {tiers} clients")
    replaced = float(params["replace_share"]) * mask
    removed = replaced * state["cts_sales_visit"].to_numpy()
    state["cts_sales_visit"] = state["cts_sales_visit"] - removed
    state["cts_telesales_call"] = (
        state["cts_telesales_call"] + removed / visit * float(params["calls_per_visit"]) * call
    )
    _volume(state, np.where(had, 1 + float(params["revenue_change"]) * replaced, 1.0), scaling)
    _lose(state, np.where(had, float(params["customers_lost_share"]) * replaced, 0.0))
    return Reach(reached)


def _small_order_fee(
    state: pd.DataFrame,
    ledger: pd.DataFrame,
    params: Mapping[str, Any],
    scaling: Scaling,
    config: Mapping[str, Any],
    orders: pd.DataFrame | OrderBook | None,
) -> Reach:
    """Orders below the threshold pay a fee (mode ``fee``) or are refused (``minimum``).

    A share of them (``consolidate_share``) is consolidated into fewer, larger orders.
    """
    fee, threshold = float(params["fee"]), float(params["threshold"])
    mode = params.get("mode", "fee")
    if threshold <= 0 or (mode == "fee" and fee <= 0):
        return Reach(0, "there is no cost to serve per order for a fee to recover")
    stats = _small_order_stats(ledger, orders, threshold)
    mask = _tier_mask(ledger, params.get("tiers"), config) & (stats["n"].to_numpy() > 0)
    reached = int((mask & (stats["k"].to_numpy() > 0)).sum())
    if reached == 0:
        tiers = _tiers_text(params.get("tiers"), config)
        return Reach(0, f"no {tiers} client places an order below {threshold:,.0f}")
    base_orders = stats["n"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(base_orders > 0, state["orders"].to_numpy() / base_orders, 0.0)
        denominator = np.where(base_orders > 0, base_orders, 1)
        share = np.where(mask, stats["k"].to_numpy() / denominator, 0)
    count = stats["k"].to_numpy() * scale * mask
    value = stats["v"].to_numpy() * scale * mask
    consolidate = float(params["consolidate_share"])
    saved = consolidate * count * float(params["orders_saved_per_consolidated"])
    rest = (1 - consolidate) * count
    if mode == "minimum":
        _refuse_small_orders(state, value, saved, rest, consolidate, scaling)
    else:
        _charge_small_orders(state, fee, saved, rest, float(params["price_elasticity"]), scaling)
    _lose(state, float(params["customers_lost_share"]) * share)
    return Reach(reached)


def _scale_orders(
    state: pd.DataFrame, orders_now: np.ndarray, factor: np.ndarray, scaling: Scaling
) -> None:
    """Orders become ``orders_now x factor``, and their order-driven costs follow (in place)."""
    per_order = [f"cts_{a}" for a in scaling["per_order"]]
    state["orders"] = orders_now * factor
    state[per_order] = state[per_order].mul(factor, axis=0)


def _refuse_small_orders(
    state: pd.DataFrame,
    value: np.ndarray,
    saved: np.ndarray,
    rest: np.ndarray,
    consolidate: float,
    scaling: Scaling,
) -> None:
    """A minimum order value: refused orders take their revenue and volume.

    Merged orders only save order handling.
    """
    orders_now = state["orders"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        kept = np.where(
            state["net_revenue"] > 0, 1 - (1 - consolidate) * value / state["net_revenue"], 1.0
        )
        factor = np.where(orders_now > 0, (orders_now - saved - rest) / orders_now, 1.0)
    kept = np.clip(np.nan_to_num(kept, nan=1.0), 0, None)
    _volume(state, kept, {**scaling, "per_order": []})
    _scale_orders(state, orders_now, np.clip(factor, 0, None), scaling)


def _charge_small_orders(
    state: pd.DataFrame,
    fee: float,
    saved: np.ndarray,
    rest: np.ndarray,
    elasticity: float,
    scaling: Scaling,
) -> None:
    """A small-order fee: merged orders save handling, the others pay; volume answers the fee."""
    orders_now = state["orders"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(orders_now > 0, (orders_now - saved) / orders_now, 1.0)
    _scale_orders(state, orders_now, factor, scaling)
    state["fees"] = state["fees"] + fee * rest
    with np.errstate(divide="ignore", invalid="ignore"):
        burden = np.where(state["net_revenue"] > 0, fee * rest / state["net_revenue"], 0.0)
    _volume(state, np.clip(1 - elasticity * burden, 0, None), scaling)


def _channel_migration(
    state: pd.DataFrame,
    ledger: pd.DataFrame,
    params: Mapping[str, Any],
    scaling: Scaling,
    config: Mapping[str, Any],
    orders: pd.DataFrame | OrderBook | None,
) -> Reach:
    """A share of the eligible customers moves to the target channel.

    The moved share takes the channel's price, partner margin, activity costs, volume and
    losses; the notes say what was assumed.
    """
    channels = _settings(config)["channels"]
    target = params["target"]
    if target not in channels:
        raise ValueError(f"channel_migration.target {target!r}: expected one of {sorted(channels)}")
    overridable = ("price_change", "partner_margin", "volume_change", "lost_share")
    profile = {**channels[target], **{k: params[k] for k in overridable if k in params}}
    mask, notes = _movable(ledger, params, config, orders)
    moved_share = float(params["migration_rate"]) * mask
    if not moved_share.any():
        tiers = _tiers_text(params.get("tiers"), config)
        why = (
            "the migration rate is zero"
            if float(params["migration_rate"]) <= 0
            else f"no {tiers} client is left to move to {target}"
        )
        return Reach(0, why, notes)
    moved = _moved_state(state, profile, scaling)
    state[state.columns] = state.mul(1 - moved_share, axis=0) + moved.mul(moved_share, axis=0)
    return Reach(int((moved_share > 0).sum()), "", notes)


def _movable(
    ledger: pd.DataFrame,
    params: Mapping[str, Any],
    config: Mapping[str, Any],
    orders: pd.DataFrame | OrderBook | None,
) -> tuple[np.ndarray, list[str]]:
    """Customers the migration applies to, and a note when order channels are unknown.

    Customers already ordering mostly via the target channel are not moved.
    """
    mask = _tier_mask(ledger, params.get("tiers"), config)
    notes = []
    book = OrderBook.of(orders)
    habit = book.habit() if book is not None else None
    if habit is not None:
        habitual = ledger["customer_id"].astype("object").map(habit).astype("object").fillna("")
        mask = mask & ~(habitual == params["target"]).to_numpy(dtype=bool)
    else:
        notes.append("No order channels: every eligible customer counts as movable.")
    if params.get("only_unprofitable"):
        mask = mask & (ledger["profit"] <= 0).to_numpy()
    return mask, notes


def _moved_state(state: pd.DataFrame, profile: Mapping[str, Any], scaling: Scaling) -> pd.DataFrame:
    """Every customer as if served entirely through a channel with this ``profile``."""
    moved = state.copy()
    for activity, multiplier in (profile.get("activity_multipliers") or {}).items():
        if f"cts_{activity}" in moved:
            moved[f"cts_{activity}"] = moved[f"cts_{activity}"] * float(multiplier)
    price = (1 + float(profile.get("price_change", 0.0))) * (
        1 - float(profile.get("partner_margin", 0.0))
    )
    moved["net_revenue"] = moved["net_revenue"] * price
    # revenue-driven costs follow what the customer is charged
    for activity in scaling["per_revenue"]:
        moved[f"cts_{activity}"] = moved[f"cts_{activity}"] * price
    n_rows = len(moved)
    _volume(moved, np.full(n_rows, 1 + float(profile.get("volume_change", 0.0))), scaling)
    _lose(moved, np.full(n_rows, float(profile.get("lost_share", 0.0))))
    return moved


def _apply_levers(
    customers: pd.DataFrame,
    config: Mapping[str, Any],
    levers: Mapping[str, Any],
    orders: pd.DataFrame | OrderBook | None,
) -> tuple[pd.DataFrame, dict[str, Reach]]:
    """Every customer's state after the enabled levers, and whom each lever reached."""
    scaling = _scaling(customers, config)
    state = _state(customers)
    reaches: dict[str, Reach] = {}
    for name in LEVERS:
        params = levers.get(name) or {}
        if not params.get("enabled", False):
            continue
        if name == "discount_cap":
            reaches[name] = _discount_cap(state, customers, params, scaling, config)
        elif name == "telesales_for_visits":
            reaches[name] = _telesales_for_visits(state, customers, params, scaling, config)
        elif name == "small_order_fee":
            reaches[name] = _small_order_fee(state, customers, params, scaling, config, orders)
        else:
            reaches[name] = _channel_migration(state, customers, params, scaling, config, orders)
    return state, reaches


def _customer_outcomes(
    customers: pd.DataFrame, state: pd.DataFrame, config: Mapping[str, Any]
) -> pd.DataFrame:
    """Profit before and after, expected losses and turns, one row per customer."""
    before = customers["profit"].astype("float64")
    after = _profit(state)
    # a lever that does nothing leaves the ledger's own profit, to the cent
    untouched = np.isclose(after, _profit(_state(customers)), rtol=0, atol=1e-9)
    after = after.where(~untouched, before)
    column = _settings(config).get("segment_by", "size_tier")
    segment = (
        customers[column].astype("object").fillna("(unknown)") if column in customers else "all"
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        if_kept = np.where(state["retained"] > 0, after / state["retained"], 0.0)
    return pd.DataFrame(
        {
            "customer_id": customers["customer_id"],
            "segment": segment,
            "profit_before": before,
            "profit_after": after,
            "change": after - before,
            "retained": state["retained"],
            "net_revenue_before": customers["net_revenue"].astype("float64"),
            "net_revenue_after": state["net_revenue"],
            "fees": state["fees"],
            "lost": 1 - state["retained"],
            "turned_profitable": state["retained"] * ((before <= 0) & (if_kept > 0)),
            "turned_loss_making": state["retained"] * ((before > 0) & (if_kept <= 0)),
        }
    )


def _by_segment(
    outcome: pd.DataFrame, customers: pd.DataFrame, config: Mapping[str, Any]
) -> pd.DataFrame:
    """The outcome summed per segment (size tiers in their configured order), with a total."""
    table = outcome.assign(size=outcome["profit_before"].abs()).groupby("segment", sort=False)
    table = table.agg(
        customers=("customer_id", "size"),
        magnitude=("size", "sum"),
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
    column = _settings(config).get("segment_by", "size_tier")
    if column == "size_tier" and "size_tier" in customers:
        labels = config.get("size_tiers", {}).get("labels") or []
        order = [tier for tier in labels if tier in table.index]
        table = table.loc[order + [tier for tier in table.index if tier not in order]]
    table.loc["total"] = table.sum()
    table["customers"] = table["customers"].astype("int64")
    table["change_pct"] = [
        pct_or_nan(pct_change(row.profit_after, row.profit_before, row.magnitude))
        for row in table.itertuples()
    ]
    table.index.name = "segment"
    return table.drop(columns=["magnitude"]).reset_index()
