"""The scenario's levers: the config's values, overrides, ``auto`` amounts and how to state them."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import pandas as pd

from helpers.q3_price_and_channel.inputs import _settings, _small_client_unit_economics
from helpers.results import money

__all__ = ["LEVERS", "scenario_levers", "resolve_levers", "assumptions_table"]

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
    ledger: pd.DataFrame, config: Mapping[str, Any], levers: Mapping[str, Any]
) -> dict[str, Any]:
    """The levers with their ``auto`` amounts replaced by their value on this ledger.

    The small-order fee's ``threshold: auto`` is the order value at which a small client's
    order covers its cost to serve (cost per order / margin rate); ``fee: auto`` is
    ``fee_cost_share`` of that cost per order.

    Parameters
    ----------
    ledger
        The customer ledger (the unattributed row is left out of the unit economics).
    config
        The run's config (sections ``scenarios`` and ``size_tiers``).
    levers
        The levers (:func:`scenario_levers`); not changed.

    Returns
    -------
    dict
        A copy of ``levers`` with the fee's threshold and amount as floats (currency units).
    """
    out = copy.deepcopy(dict(levers))
    fee = out.get("small_order_fee")
    if fee:
        economics = _small_client_unit_economics(ledger, config)
        margin = economics["gross_margin_rate"] - economics["per_revenue_rate"]
        cost = economics["cost_per_order"]
        if fee.get("threshold") == "auto":
            fee["threshold"] = cost / margin if margin and margin > 0 else cost
        if fee.get("fee") == "auto":
            fee["fee"] = float(fee.get("fee_cost_share", 0.5)) * cost
        fee["threshold"], fee["fee"] = float(fee["threshold"]), float(fee["fee"])
    return out


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
        lever, assumption (a lever parameter, or ``<channel>.<param>`` for the target
        channel's profile), value (as text: floats to 4 significant figures).
    """
    rows = []
    for name in LEVERS:
        params = levers.get(name) or {}
        rows += [
            {"lever": name, "assumption": key, "value": value} for key, value in params.items()
        ]
        if name == "channel_migration" and params.get("enabled"):
            target = levers[name]["target"]
            for key, value in _settings(config)["channels"][target].items():
                if key not in levers[name]:
                    rows.append({"lever": name, "assumption": f"{target}.{key}", "value": value})
    out = pd.DataFrame(rows, columns=["lever", "assumption", "value"])
    out["value"] = out["value"].map(
        lambda value: f"{value:,.4g}" if isinstance(value, float) else str(value)
    )
    return out


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
