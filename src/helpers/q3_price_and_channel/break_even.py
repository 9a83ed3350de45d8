"""The break-even order value of a small client's order, as served today and via every channel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.q3_price_and_channel.inputs import (
    TODAY,
    OrderBook,
    _customers,
    _scaling,
    _settings,
    _small_client_unit_economics,
    _tier_mask,
)

__all__ = ["break_even_curves"]


def break_even_curves(
    ledger: pd.DataFrame,
    config: Mapping[str, Any],
    orders: pd.DataFrame | OrderBook | None = None,
) -> pd.DataFrame:
    """Profit of one small-client order by its value, per channel.

    One row for today's service and one per configured channel (``scenarios.channels``):
    profit(v) = margin_rate x v - cost_per_order, so the order breaks even at
    v = cost_per_order / margin_rate.

    Parameters
    ----------
    ledger
        The customer ledger (small clients' unit economics; all customers if no small client
        has orders).
    config
        The run's config (sections ``scenarios`` and ``size_tiers``).
    orders
        :func:`order_values` or an :class:`OrderBook` of them; when given, the share of small
        clients' orders below each break-even value is added.

    Returns
    -------
    DataFrame
        channel, label, cost_per_order (currency units), margin_rate (profit per unit of order
        value before cost per order, fraction), break_even_order_value (currency units; NaN
        when the margin rate is not positive), share_of_small_orders_below (fraction; NaN
        without orders), plus ``attrs['curve']``: channel, order_value, profit (currency units).
    """
    economics = _small_client_unit_economics(ledger, config)
    table = pd.DataFrame(_channel_rows(economics, _scaling(ledger, config), config))
    table["break_even_order_value"] = table["cost_per_order"] / table["margin_rate"].where(
        table["margin_rate"] > 0
    )
    customers = _customers(ledger)
    small = set(customers.loc[_tier_mask(customers, "small", config), "customer_id"])
    top = 0.0
    if isinstance(orders, OrderBook):
        orders = orders.frame
    if orders is not None and len(orders):
        values = orders.loc[orders["customer_id"].isin(small), "value"]
        table["share_of_small_orders_below"] = [
            float((values < value).mean()) if np.isfinite(value) else np.nan
            for value in table["break_even_order_value"]
        ]
        top = float(values.quantile(0.75)) if len(values) else 0.0
    else:
        table["share_of_small_orders_below"] = np.nan
    finite = table["break_even_order_value"].dropna()
    top = max(top, 2.0 * float(finite.max()) if len(finite) else 1.0)
    table.attrs["curve"] = _curve(table, np.linspace(0, top, 101))
    return table


def _channel_rows(
    economics: Mapping[str, Any], scaling: Mapping[str, list[str]], config: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Cost per order and margin rate of a small client's order, today and per channel."""
    gross_margin_rate, per_revenue_rate = (
        economics["gross_margin_rate"],
        economics["per_revenue_rate"],
    )
    per_revenue = scaling["per_revenue"]
    rows = [
        {
            "channel": TODAY,
            "label": "as served today",
            "cost_per_order": economics["cost_per_order"],
            "margin_rate": gross_margin_rate - per_revenue_rate,
        }
    ]
    for name, profile in _settings(config)["channels"].items():
        multipliers = profile.get("activity_multipliers") or {}
        cost = sum(
            value * float(multipliers.get(a, 1.0))
            for a, value in economics["costs"].items()
            if a not in per_revenue
        ) / max(economics["orders"], 1.0)
        price = (1 + float(profile.get("price_change", 0.0))) * (
            1 - float(profile.get("partner_margin", 0.0))
        )
        revenue_costs = sum(
            economics["costs"][a] * float(multipliers.get(a, 1.0)) for a in per_revenue
        ) / max(economics["revenue"], 1e-9)
        # order value v at today's net price: revenue v x price, goods (1 - gm) x v
        rows.append(
            {
                "channel": name,
                "label": profile.get("label", name),
                "cost_per_order": cost,
                "margin_rate": price - (1 - gross_margin_rate) - revenue_costs * price,
            }
        )
    return rows


def _curve(table: pd.DataFrame, grid: np.ndarray) -> pd.DataFrame:
    """Profit of one order at every value of ``grid``, per channel of ``table``."""
    return pd.DataFrame(
        [
            {"channel": r.channel, "order_value": v, "profit": r.margin_rate * v - r.cost_per_order}
            for r in table.itertuples()
            for v in grid
        ]
    )
