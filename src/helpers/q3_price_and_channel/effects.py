"""What each lever does to every customer's revenue, cost of goods and cost to serve (expected values)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from helpers.q3_price_and_channel.prepared import Prepared, State

__all__: list[str] = []

_MONEY = ("net_revenue", "list_revenue", "cogs", "fees")
Scaling = Mapping[str, list[str]]


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


# ---- the state a scenario changes (each step makes new arrays, never changes one) ---------------
def _volume(state: State, factor: np.ndarray, scaling: Scaling) -> None:
    """Scale a customer's volume: money, orders and volume-driven costs."""
    kinds = ("per_order", "per_line", "per_revenue")
    columns = [*_MONEY, "orders", *[f"cts_{a}" for kind in kinds for a in scaling[kind]]]
    for column in dict.fromkeys(columns):
        state[column] = state[column] * factor


def _lose(state: State, share: np.ndarray | float) -> None:
    """Lose a share of each customer (expected value): everything scales by 1 - share."""
    kept = 1.0 - share
    for column in state:
        state[column] = state[column] * kept


# ---- the levers, each changing ``state`` -------------------------------------------------------
def _discount_cap(state: State, prep: Prepared, params: Mapping[str, Any]) -> Reach:
    """Discounts above the cap are recovered; volume answers the price rise (elasticity)."""
    mask = prep.tier_mask(params.get("tiers"))
    over = np.clip(prep.discount_rate() - float(params["cap"]), 0, None) * mask
    tiers = _tiers_text(params.get("tiers"), prep.config)
    if not (over > 0).any():
        why = (
            f"no customer is in the {tiers} tier(s)"
            if not mask.any()
            else f"no {tiers} customer gets a discount above {float(params['cap']):.0%} of list "
            "price"
        )
        return Reach(0, why)
    gain = over * state["list_revenue"]
    net = state["net_revenue"]
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = np.where(net > 0, gain / net, 0.0)
    state["net_revenue"] = net + gain
    _volume(state, np.clip(1 - float(params["price_elasticity"]) * rise, 0, None), prep.scaling)
    _lose(state, np.where(over > 0, float(params["customers_lost_share"]), 0.0))
    return Reach(int((over > 0).sum()))


def _telesales_for_visits(state: State, prep: Prepared, params: Mapping[str, Any]) -> Reach:
    """A share of field visits becomes telesales calls; says why when it reaches nobody."""
    if "cts_sales_visit" not in state or "cts_telesales_call" not in state:
        return Reach(0, "the cost model has no field visits or telesales calls")
    mask = prep.tier_mask(params.get("tiers"))
    had = prep.had("sales_visit")
    reached = int((mask & had).sum()) if float(params["replace_share"]) > 0 else 0
    visit, call = prep.unit_cost("sales_visit"), prep.unit_cost("telesales_call")
    if reached == 0 or not (np.isfinite(visit) and np.isfinite(call) and visit > 0):
        tiers = _tiers_text(params.get("tiers"), prep.config)
        return Reach(0, f"no field-visit cost is counted for {tiers} clients")
    replaced = float(params["replace_share"]) * mask
    removed = replaced * state["cts_sales_visit"]
    state["cts_sales_visit"] = state["cts_sales_visit"] - removed
    state["cts_telesales_call"] = (
        state["cts_telesales_call"] + removed / visit * float(params["calls_per_visit"]) * call
    )
    scaling = prep.scaling
    _volume(state, np.where(had, 1 + float(params["revenue_change"]) * replaced, 1.0), scaling)
    _lose(state, np.where(had, float(params["customers_lost_share"]) * replaced, 0.0))
    return Reach(reached)


def _small_order_fee(state: State, prep: Prepared, params: Mapping[str, Any]) -> Reach:
    """Orders below the threshold pay a fee (mode ``fee``) or are refused (``minimum``).

    A share of them (``consolidate_share``) is consolidated into fewer, larger orders.
    """
    fee, threshold = float(params["fee"]), float(params["threshold"])
    mode = params.get("mode", "fee")
    if threshold <= 0 or (mode == "fee" and fee <= 0):
        return Reach(0, "there is no cost to serve per order for a fee to recover")
    base_orders, below, below_value = prep.small_orders(threshold)
    mask = prep.tier_mask(params.get("tiers")) & (base_orders > 0)
    reached = int((mask & (below > 0)).sum())
    if reached == 0:
        tiers = _tiers_text(params.get("tiers"), prep.config)
        return Reach(0, f"no {tiers} client places an order below {threshold:,.0f}")
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(base_orders > 0, state["orders"] / base_orders, 0.0)
        denominator = np.where(base_orders > 0, base_orders, 1)
        share = np.where(mask, below / denominator, 0)
    count = below * scale * mask
    value = below_value * scale * mask
    consolidate = float(params["consolidate_share"])
    saved = consolidate * count * float(params["orders_saved_per_consolidated"])
    rest = (1 - consolidate) * count
    if mode == "minimum":
        _refuse_small_orders(state, value, saved, rest, consolidate, prep.scaling)
    else:
        elasticity = float(params["price_elasticity"])
        _charge_small_orders(state, fee, saved, rest, elasticity, prep.scaling)
    _lose(state, float(params["customers_lost_share"]) * share)
    return Reach(reached)


def _scale_orders(
    state: State, orders_now: np.ndarray, factor: np.ndarray, scaling: Scaling
) -> None:
    """Orders become ``orders_now x factor``, and their order-driven costs follow."""
    state["orders"] = orders_now * factor
    for column in dict.fromkeys(f"cts_{a}" for a in scaling["per_order"]):
        state[column] = state[column] * factor


def _refuse_small_orders(
    state: State,
    value: np.ndarray,
    saved: np.ndarray,
    rest: np.ndarray,
    consolidate: float,
    scaling: Scaling,
) -> None:
    """A minimum order value: refused orders take their revenue and volume.

    Merged orders only save order handling.
    """
    orders_now, net = state["orders"], state["net_revenue"]
    with np.errstate(divide="ignore", invalid="ignore"):
        kept = np.where(net > 0, 1 - (1 - consolidate) * value / net, 1.0)
        factor = np.where(orders_now > 0, (orders_now - saved - rest) / orders_now, 1.0)
    kept = np.clip(np.nan_to_num(kept, nan=1.0), 0, None)
    _volume(state, kept, {**scaling, "per_order": []})
    _scale_orders(state, orders_now, np.clip(factor, 0, None), scaling)


def _charge_small_orders(
    state: State,
    fee: float,
    saved: np.ndarray,
    rest: np.ndarray,
    elasticity: float,
    scaling: Scaling,
) -> None:
    """A small-order fee: merged orders save handling, the others pay; volume answers the fee."""
    orders_now = state["orders"]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(orders_now > 0, (orders_now - saved) / orders_now, 1.0)
    _scale_orders(state, orders_now, factor, scaling)
    state["fees"] = state["fees"] + fee * rest
    net = state["net_revenue"]
    with np.errstate(divide="ignore", invalid="ignore"):
        burden = np.where(net > 0, fee * rest / net, 0.0)
    _volume(state, np.clip(1 - elasticity * burden, 0, None), scaling)


def _channel_migration(state: State, prep: Prepared, params: Mapping[str, Any]) -> Reach:
    """A share of the eligible customers moves to the target channel.

    The moved share takes the channel's price, partner margin, activity costs, volume and
    losses; the notes say what was assumed.
    """
    channels = prep.settings()["channels"]
    target = params["target"]
    if target not in channels:
        raise ValueError(f"channel_migration.target {target!r}: expected one of {sorted(channels)}")
    overridable = ("price_change", "partner_margin", "volume_change", "lost_share")
    profile = {**channels[target], **{k: params[k] for k in overridable if k in params}}
    mask, notes = _movable(prep, params)
    moved_share = float(params["migration_rate"]) * mask
    if not moved_share.any():
        tiers = _tiers_text(params.get("tiers"), prep.config)
        why = (
            "the migration rate is zero"
            if float(params["migration_rate"]) <= 0
            else f"no {tiers} client is left to move to {target}"
        )
        return Reach(0, why, notes)
    moved = _moved_state(state, profile, prep.scaling)
    stay = 1 - moved_share
    for column in state:
        state[column] = state[column] * stay + moved[column] * moved_share
    return Reach(int((moved_share > 0).sum()), "", notes)


def _movable(prep: Prepared, params: Mapping[str, Any]) -> tuple[np.ndarray, list[str]]:
    """Customers the migration applies to, and a note when order channels are unknown.

    Customers already ordering mostly via the target channel are not moved.
    """
    mask = prep.tier_mask(params.get("tiers"))
    notes = []
    habitual = prep.habitual()
    if habitual is not None:
        mask = mask & ~(habitual == params["target"]).astype(bool)
    else:
        notes.append("No order channels: every eligible customer counts as movable.")
    if params.get("only_unprofitable"):
        mask = mask & prep.unprofitable()
    return mask, notes


def _moved_state(state: State, profile: Mapping[str, Any], scaling: Scaling) -> State:
    """Every customer as if served entirely through a channel with this ``profile``."""
    moved = dict(state)
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
    rows = len(moved["net_revenue"])
    _volume(moved, np.full(rows, 1 + float(profile.get("volume_change", 0.0))), scaling)
    _lose(moved, np.full(rows, float(profile.get("lost_share", 0.0))))
    return moved
