"""The world's six tables, drawn from its parameters: :func:`generate` and the smaller tables.

Customers and orders have modules of their own (``customers``, ``orders``); the catalogue,
service activities, quotes and acquisition spend are drawn here. Each table has its own random
stream, spawned from the seed in a fixed order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers import schema
from helpers.world.customers import basket_multiplier, customers_table, draw_customers
from helpers.world.orders import draw_orders, order_lines_table
from helpers.world.params import ACQUISITION_CHANNELS, WorldParams
from helpers.world.sampling import (
    Calendar,
    cents,
    make_calendar,
    serial_ids,
    tier_values,
    typed,
)

__all__ = ["generate"]


def _products(params: WorldParams, rng: np.random.Generator, cal: Calendar) -> dict[str, Any]:
    """The catalogue: the ``products`` table, and prices, costs, popularity and launch order."""
    count = params.n_products
    price = params.price_median * np.exp(params.price_sigma * rng.standard_normal(count))
    price = np.maximum(cents(price), 0.5)
    low, high = params.cost_ratio_range
    cost = cents(price * rng.uniform(low, high, count))
    category = rng.choice(len(params.categories), count)
    is_new = np.zeros(count, dtype=bool)
    n_new = int(round(params.new_product_share * count))
    is_new[rng.choice(count, n_new, replace=False)] = True
    launch = np.full(count, np.nan)
    launch[is_new] = rng.integers(0, max(cal.days - 90, 1), n_new)
    popularity = np.arange(1, count + 1, dtype="float64") ** -params.popularity_exponent
    popularity = popularity[rng.permutation(count)]
    old = np.flatnonzero(~is_new)
    new_sorted = np.flatnonzero(is_new)[np.argsort(launch[is_new], kind="stable")]
    frame = pd.DataFrame(
        {
            "product_id": serial_ids("P", count, 4),
            "category": np.asarray(params.categories)[category],
            "list_price": price,
            "launch_date": pd.Series(
                cal.start + pd.to_timedelta(launch, unit="D"), dtype="datetime64[ns]"
            ),
        }
    )
    return {
        "frame": typed(frame, schema.PRODUCTS),
        "price": price,
        "cost": cost,
        "old": old,
        "old_cdf": np.cumsum(popularity[old]) / popularity[old].sum(),
        "new_sorted": new_sorted,
        "new_launch": launch[new_sorted],
    }


def _expected_activities(
    params: WorldParams, cal: Calendar, customers: dict[str, Any], orders: dict[str, Any]
) -> dict[str, np.ndarray]:
    """Expected count of each activity per customer: per order, per year, for key accounts."""
    tier = customers["tier"]
    n_orders = np.bincount(orders["cust"], minlength=len(tier)).astype("float64")
    years = cal.exposure_years(customers["active_from"], customers["until"])
    return {
        "sales_visit": tier_values(params, "visits_per_order")[tier] * n_orders
        + customers["key_account"] * params.key_account_visits_per_year * years,
        "telesales_call": tier_values(params, "calls_per_order")[tier] * n_orders
        + tier_values(params, "calls_per_year")[tier] * years,
        "support_ticket": tier_values(params, "tickets_per_order")[tier] * n_orders,
    }


def _activities(
    params: WorldParams,
    rng: np.random.Generator,
    cal: Calendar,
    customers: dict[str, Any],
    orders: dict[str, Any],
) -> pd.DataFrame:
    """The ``activities`` table: sales visits, telesales calls and support tickets (minutes)."""
    minutes = {"sales_visit": np.nan, "telesales_call": params.call_minutes, "support_ticket": params.ticket_minutes}  # fmt: skip
    parts = []
    for activity, lam in _expected_activities(params, cal, customers, orders).items():
        count = rng.poisson(lam)
        who = np.repeat(np.arange(len(customers["tier"])), count)
        day = cal.draw_days(rng, customers["active_from"][who], customers["until"][who])
        mean = minutes[activity]
        mins = (
            np.full(len(who), np.nan)
            if np.isnan(mean)
            else np.round(mean * np.exp(0.5 * rng.standard_normal(len(who)) - 0.125), 1)
        )
        parts.append(
            pd.DataFrame(
                {"cust": who, "day": day, "activity": activity, "quantity": 1.0, "minutes": mins}
            )
        )
    acts = pd.concat(parts, ignore_index=True).sort_values(["day", "cust"], kind="stable")
    frame = pd.DataFrame(
        {
            "customer_id": customers["id"][acts["cust"].to_numpy()],
            "date": cal.dates(acts["day"].to_numpy()),
            "activity": acts["activity"].to_numpy(),
            "quantity": acts["quantity"].to_numpy(),
            "minutes": acts["minutes"].to_numpy(),
        }
    )
    return typed(frame, schema.ACTIVITIES)


def _opportunities(
    params: WorldParams, rng: np.random.Generator, cal: Calendar, customers: dict[str, Any]
) -> pd.DataFrame:
    """Quotes: approval layers rise with the amount; each layer lowers the win rate and adds time."""
    tier = customers["tier"]
    years = cal.exposure_years(customers["active_from"], customers["until"])
    count = rng.poisson(tier_values(params, "quotes_per_year")[tier] * years)
    who = np.repeat(np.arange(len(tier)), count)
    day = cal.draw_days(rng, customers["active_from"][who], customers["until"][who])
    quote_tier = tier[who]
    median = tier_values(params, "quote_median")[quote_tier] * basket_multiplier(params, customers, who, day)  # fmt: skip
    amount = cents(median * np.exp(params.quote_sigma * rng.standard_normal(len(who))))
    amount = np.maximum(amount, 1.0)
    steps = np.floor(np.log(np.maximum(amount, 1e-9) / params.approval_base) / np.log(params.approval_step))  # fmt: skip
    layers = np.clip(np.where(amount < params.approval_base, 1, 2 + steps), 1, params.max_layers)
    layers = layers.astype(np.int64)
    won = rng.random(len(who)) < params.win_base * params.win_decay ** (layers - 1)
    mean_days = params.close_days_base * params.close_days_growth ** (layers - 1)
    close_day = day + np.ceil(rng.gamma(2.0, mean_days / 2.0))
    still_open = close_day >= cal.days
    order = np.lexsort((who, day))
    frame = pd.DataFrame(
        {
            "quote_id": serial_ids("Q", len(who), 6).to_numpy(),
            "customer_id": customers["id"][who][order],
            "date": cal.dates(day[order]),
            "amount": amount[order],
            "approval_layers": layers[order],
            "won": pd.array(np.where(still_open, None, won)[order], dtype="boolean"),
            "close_date": pd.Series(
                cal.start
                + pd.to_timedelta(np.where(still_open, np.nan, close_day)[order], unit="D")
            ),
        }
    )
    return typed(frame, schema.OPPORTUNITIES)


def _acquisition_spend(
    params: WorldParams, rng: np.random.Generator, cal: Calendar, customers: dict[str, Any]
) -> pd.DataFrame:
    """Monthly leads and spend per channel, consistent with the customers each channel signed."""
    months = pd.date_range(cal.start, periods=params.years * 12, freq="MS")
    new = (customers["signup"] >= 0) & (customers["signup"] < cal.days)
    month_idx = (cal.dates(customers["signup"][new]).astype("datetime64[M]") - np.datetime64(cal.start, "M")).astype(np.int64)  # fmt: skip
    n_channels = len(ACQUISITION_CHANNELS)
    signed = np.zeros((n_channels, len(months)))
    np.add.at(signed, (customers["channel"][new], month_idx), 1)
    conv = np.asarray(params.lead_conversion)[:, None]
    # leads that did not convert: Poisson around the channel's conversion rate (a floor keeps
    # months without a signup from showing zero leads)
    floor = np.maximum(signed.mean(axis=1, keepdims=True) * 0.5, 0.5)
    leads = signed + rng.poisson(np.maximum(signed, floor) * (1 / conv - 1))
    spend = leads * np.asarray(params.cost_per_lead)[:, None] * np.exp(0.15 * rng.standard_normal(leads.shape))  # fmt: skip
    frame = pd.DataFrame(
        {
            "channel": np.repeat(np.asarray(ACQUISITION_CHANNELS), len(months)),
            "month": np.tile(months.values, n_channels),
            "spend": cents(spend.ravel()),
            "leads": leads.ravel().astype("float64"),
        }
    )
    return typed(frame, schema.ACQUISITION_SPEND)


def generate(params: WorldParams | None = None) -> dict[str, pd.DataFrame]:
    """Generate the world's six tables, as a raw export would hold them.

    Parameters
    ----------
    params
        The world's parameters; ``None`` gives the default world. Same params, same tables.

    Returns
    -------
    dict
        Table name -> DataFrame. ``order_lines``: order_id, customer_id, order_date,
        product_id, quantity (units), unit_price (list price, currency per unit), discount
        (currency per line), unit_cost (currency per unit), channel, region, ship_mode;
        returns have negative quantity and discount. ``customers``, ``activities``
        (quantity, minutes), ``acquisition_spend`` (spend in currency, leads),
        ``opportunities`` (amount in currency, approval_layers) and ``products``
        (list_price in currency per unit) have the columns of :mod:`helpers.schema`.
    """
    params = params or WorldParams()
    streams = np.random.default_rng(params.seed).spawn(7)
    cal = make_calendar(params)
    prods = _products(params, streams[0], cal)
    customers = draw_customers(params, streams[1], cal)
    orders = draw_orders(params, streams[2], cal, customers)
    return {
        "order_lines": order_lines_table(params, streams[3], cal, customers, orders, prods),
        "customers": customers_table(params, customers, cal),
        "activities": _activities(params, streams[4], cal, customers, orders),
        "acquisition_spend": _acquisition_spend(params, streams[5], cal, customers),
        "opportunities": _opportunities(params, streams[6], cal, customers),
        "products": prods["frame"],
    }
