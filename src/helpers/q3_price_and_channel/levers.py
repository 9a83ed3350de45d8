"""The scenario's levers: the config's values, overrides, ``auto`` amounts and how to state them."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.config import given
from helpers.labels import column_label, is_fraction_column
from helpers.q3_price_and_channel.inputs import (
    OrderBook,
    _customers,
    _settings,
    _small_client_unit_economics,
    _tier_mask,
)
from helpers.results import currency, money

__all__ = [
    "LEVERS",
    "scenario_levers",
    "resolve_levers",
    "median_small_order",
    "assumptions_table",
]

#: the levers, in the order they apply
LEVERS: tuple[str, ...] = (
    "discount_cap",
    "telesales_for_visits",
    "small_order_fee",
    "channel_migration",
)


def scenario_levers(
    config: Mapping[str, Any], overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The config's levers (``scenarios.levers``) with ``overrides`` merged in.

    Parameters
    ----------
    config
        The run's config (section ``scenarios``).
    overrides
        ``{lever: {param: value}}`` or ``{"lever.param": value}``; None changes nothing.

    Returns
    -------
    dict
        One entry per lever: its parameters (``enabled`` and the lever's assumptions).

    Raises
    ------
    ValueError
        When an override is neither ``"lever.param"`` nor a mapping of parameters, or names a
        lever that is not one of :data:`LEVERS`.
    """
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


def resolve_levers(
    ledger: pd.DataFrame,
    config: Mapping[str, Any],
    levers: Mapping[str, Any],
    orders: pd.DataFrame | OrderBook | None = None,
) -> dict[str, Any]:
    """The levers with their ``auto`` amounts replaced by their value on this ledger.

    Every currency amount is resolved from the data unless the config gives it, so an export in
    yen and the same export in dollars get the same policy. The small-order fee's
    ``threshold: auto`` is the order value at which a small client's order covers its cost to
    serve (cost per order / margin rate); when no order value does (a margin rate at or below
    zero) it is ``threshold_median_multiple`` x the small clients' median order value.
    ``fee: auto`` is ``fee_cost_share`` of the cost per order.

    Parameters
    ----------
    ledger
        The customer ledger (the unattributed row is left out of the unit economics).
    config
        The run's config (sections ``scenarios`` and ``size_tiers``).
    levers
        The levers (:func:`scenario_levers`); not changed.
    orders
        :func:`order_values`, for the small clients' median order value; None: their net
        revenue per order stands in.

    Returns
    -------
    dict
        A copy of ``levers`` with the fee's threshold and amount as floats (currency units),
        and ``_sources``: "lever.param" -> where each currency amount comes from.
    """
    return _resolved(
        levers,
        lambda: _small_client_unit_economics(ledger, config),
        lambda: median_small_order(ledger, config, orders),
    )


def _resolved(
    levers: Mapping[str, Any],
    economics_of: Callable[[], Mapping[str, Any]],
    median_of: Callable[[], float],
) -> dict[str, Any]:
    """:func:`resolve_levers` with the small clients' unit economics and median order asked for.

    ``economics_of`` and ``median_of`` are called only when an ``auto`` amount needs them.
    """
    out = copy.deepcopy(dict(levers))
    sources: dict[str, str] = {}
    fee = out.get("small_order_fee")
    if fee:
        economics = economics_of()
        margin = economics["gross_margin_rate"] - economics["per_revenue_rate"]
        cost = economics["cost_per_order"]
        if fee.get("threshold") == "auto":
            fee["threshold"], sources["small_order_fee.threshold"] = _auto_threshold(
                cost, margin, median_of(), fee
            )
        if fee.get("fee") == "auto":
            share = float(fee.get("fee_cost_share", 0.5))
            fee["fee"] = share * cost
            sources["small_order_fee.fee"] = (
                f"from the data: {share:g} x the small clients' cost to serve per order "
                f"({money(cost)})"
            )
        fee["threshold"], fee["fee"] = float(fee["threshold"]), float(fee["fee"])
    out["_sources"] = sources
    return out


def _auto_threshold(
    cost: float, margin: float, median: float, fee: Mapping[str, Any]
) -> tuple[float, str]:
    """The fee's threshold resolved from the data, and where it comes from."""
    if cost <= 0:
        return 0.0, "from the data: no cost to serve per order is counted, so no order is too small"
    if np.isfinite(margin) and margin > 0:
        return cost / margin, (
            f"from the data: the small clients' break-even order value (cost to serve per order "
            f"{money(cost)} / margin rate {margin:.1%})"
        )
    multiple = float(fee.get("threshold_median_multiple", 1.0))
    value = multiple * median if np.isfinite(median) else 0.0
    return value, (
        f"from the data: {multiple:g} x the small clients' median order value ({money(median)}); "
        "no order value breaks even at their margin"
    )


def median_small_order(
    ledger: pd.DataFrame, config: Mapping[str, Any], orders: pd.DataFrame | OrderBook | None
) -> float:
    """The small clients' median order value (all customers' when no small client ordered).

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config (``size_tiers.small``).
    orders
        :func:`order_values`, or None: each customer's net revenue per order stands in.

    Returns
    -------
    float
        Currency units of the data; NaN without any order.
    """
    customers = _customers(ledger)
    small = customers.loc[_tier_mask(customers, "small", config)]
    book = OrderBook.of(orders)
    for group in (small, customers):
        if book is not None and len(book):
            values = book.values_of(frozenset(group["customer_id"].to_numpy(dtype=object)))
        else:
            placed = group.loc[group["orders"] > 0]
            values = placed["net_revenue"] / placed["orders"]
        if len(values):
            return float(values.median())
    return float("nan")


def assumptions_table(levers: Mapping[str, Any], config: Mapping[str, Any]) -> pd.DataFrame:
    """The scenario's assumptions as rows, for the report.

    Parameters
    ----------
    levers
        The scenario's levers (``Scenario.levers``).
    config
        The run's config: the channel-migration target's profile comes from
        ``scenarios.channels``.

    Returns
    -------
    DataFrame
        lever, assumption (a lever parameter in words, or the target channel's profile), value
        (as text: yes/no, lists joined, shares and rates as percentages, the fee and the
        threshold as amounts with the currency, other numbers to 4 significant figures), source ("your config", "default", or how a currency amount was
        resolved from the data).
    """
    rows = []
    sources = levers.get("_sources") or {}
    for name in LEVERS:
        params = levers.get(name) or {}
        rows += [
            {"lever": name, "assumption": key, "value": value,
             "source": _source(config, sources, ("levers", name, key))}
            for key, value in params.items()
        ]  # fmt: skip
        if name == "channel_migration" and params.get("enabled"):
            target = levers[name]["target"]
            for key, value in _settings(config)["channels"][target].items():
                if key not in levers[name]:
                    where = _source(config, sources, ("channels", target, key))
                    rows.append(
                        {
                            "lever": name,
                            "assumption": f"{target}.{key}",
                            "value": value,
                            "source": where,
                        }  # fmt: skip
                    )
    out = pd.DataFrame(rows, columns=["lever", "assumption", "value", "source"])
    out["value"] = [
        _value_words(k, v) for k, v in zip(out["assumption"], out["value"], strict=True)
    ]
    out["lever"] = out["lever"].map(column_label)
    out["assumption"] = out["assumption"].map(lambda key: column_label(key.replace(".", "_")))
    return out


#: lever settings that are fractions though their names do not say so
_FRACTION_PARAMS = ("cap", "revenue_change", "price_change", "volume_change")
#: lever settings that are currency amounts (resolved from the data unless the config gives them)
_AMOUNT_PARAMS = ("fee", "threshold")


def _amount_words(value: float) -> str:
    """An amount as the report writes one: whole units from 100, else 2 decimals; currency."""
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
    return f"{text} {currency()}" if currency() else text


def _value_words(key: str, value: Any) -> str:
    """A lever setting as text for a reader: yes/no, lists joined, shares as percentages."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_value_words(key, item) for item in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{column_label(k)}: {_value_words(str(k), v)}" for k, v in value.items())
    name = key.split(".")[-1]
    share = name in _FRACTION_PARAMS or is_fraction_column(name, pd.Series([value]))
    if isinstance(value, int | float) and share:
        return f"{value:.0%}" if float(value * 100).is_integer() else f"{value:.1%}"
    if isinstance(value, int | float) and name in _AMOUNT_PARAMS:
        return _amount_words(float(value))
    if isinstance(value, float):
        return f"{value:,.4g}"
    return str(value)


def _source(config: Mapping[str, Any], sources: Mapping[str, str], path: tuple[str, ...]) -> str:
    """Where a scenario setting comes from: resolved from the data, the config, or the default."""
    if path[0] == "levers" and f"{path[1]}.{path[2]}" in sources:
        return sources[f"{path[1]}.{path[2]}"]
    return "your config" if given(config, "scenarios", *path) else "default"


def _lever_text(levers: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, str]:
    """Each enabled lever in words ("a fee of 12 on orders below 150"), in a fixed order."""
    out = {}
    fee = levers.get("small_order_fee") or {}
    if fee.get("enabled"):
        out["small_order_fee"] = (
            f"a fee of {money(fee['fee'])} on orders below {money(fee['threshold'])}"
            if fee.get("mode", "fee") == "fee"
            else f"a minimum order value of {money(fee['threshold'])}"
        )
    move = levers.get("channel_migration") or {}
    if move.get("enabled"):
        label = _settings(config)["channels"][move["target"]].get("label", move["target"])
        out["channel_migration"] = (
            f"moving {move['migration_rate']:.0%} of small clients to {label}"
        )
    cap = levers.get("discount_cap") or {}
    if cap.get("enabled"):
        out["discount_cap"] = f"capping discounts at {cap['cap']:.0%} of list price"
    calls = levers.get("telesales_for_visits") or {}
    if calls.get("enabled"):
        out["telesales_for_visits"] = (
            f"replacing {calls['replace_share']:.0%} of field visits with telesales calls"
        )
    return out
