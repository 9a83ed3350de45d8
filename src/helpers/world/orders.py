"""The world's orders: order headers, then their lines (products, quantities, prices, returns).

Each function draws from its stream in a fixed order; the steps are called in that order
(reordering them, or a draw inside them, changes every table the seed gives).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers import schema
from helpers.world.customers import basket_multiplier
from helpers.world.params import ORDER_CHANNELS, SHIP_MODES, WorldParams
from helpers.world.sampling import (
    DAYS_PER_MONTH,
    Calendar,
    cents,
    choice_rows,
    normalised,
    serial_ids,
    tier_values,
    typed,
)

__all__ = ["draw_orders", "order_lines_table"]


def draw_orders(
    params: WorldParams, rng: np.random.Generator, cal: Calendar, customers: dict[str, Any]
) -> dict[str, np.ndarray]:
    """Draw the order headers: a new customer's first order on its signup day, then Poisson arrivals.

    Parameters
    ----------
    params
        The world's parameters.
    rng
        The orders' own stream.
    cal
        The period's calendar.
    customers
        The customers (:func:`helpers.world.customers.draw_customers`).

    Returns
    -------
    dict
        Per order, sorted by day then customer: ``cust`` (customer index), ``day`` (days from
        the start), ``channel`` (index in ``ORDER_CHANNELS``), ``ship`` (index in
        ``SHIP_MODES``), ``mult`` (basket multiplier), ``id`` (order id).
    """
    tier = customers["tier"]
    rate = tier_values(params, "orders_per_year")[tier] * customers["order_rate"]
    first = ~customers["existing"] & (customers["signup"] < cal.days)
    # after a new customer's first order, arrivals start the next day
    window_start = np.where(first, customers["active_from"] + 1, customers["active_from"])
    window_start = window_start.astype("float64")
    window_stop = customers["until"]
    n_more = rng.poisson(rate * cal.exposure_years(window_start, window_stop))
    later = np.repeat(np.arange(len(tier)), n_more)
    who = np.concatenate([np.flatnonzero(first), later])
    later_days = cal.draw_days(rng, window_start[later], window_stop[later])
    day = np.concatenate([customers["signup"][first], later_days])
    keep = day < cal.days
    who, day = who[keep], day[keep]
    order = np.lexsort((who, day))
    who, day = who[order], day[order]
    order_tier = tier[who]
    habit = rng.random(len(who)) < params.order_channel_habit
    other = choice_rows(rng, normalised(np.asarray(params.order_channel_mix))[order_tier])
    channel = np.where(habit, customers["habit"][who], other)
    uniform = rng.random(len(who))
    express = tier_values(params, "express_share")[order_tier]
    pickup = tier_values(params, "pickup_share")[order_tier]
    ship = np.where(uniform < express, 1, np.where(uniform < express + pickup, 2, 0))
    return {
        "cust": who,
        "day": day,
        "channel": channel,
        "ship": ship,
        "mult": basket_multiplier(params, customers, who, day) * customers["size"][who],
        "id": serial_ids("O", len(who), 7).to_numpy(),
    }


def _pick_products(
    params: WorldParams,
    rng: np.random.Generator,
    prods: dict[str, Any],
    tier: np.ndarray,
    day: np.ndarray,
) -> np.ndarray:
    """Established products by popularity; launched ones by each tier's adoption lag and propensity."""
    count = len(day)
    product = prods["old"][np.searchsorted(prods["old_cdf"], rng.random(count), side="right")]
    product = np.minimum(product, params.n_products - 1)
    new_sorted = prods["new_sorted"]
    if len(new_sorted):
        lag = tier_values(params, "adoption_lag_months")[tier] * DAYS_PER_MONTH
        # launched products this tier already buys: launch + lag <= day (launches are sorted)
        bought = np.searchsorted(prods["new_launch"], day - lag, side="right")
        p_new = (
            params.new_product_line_share
            * tier_values(params, "adoption_propensity")[tier]
            * bought
            / len(new_sorted)
        )
        pick_new = (rng.random(count) < p_new) & (bought > 0)
        idx = np.floor(rng.random(count) * np.maximum(bought, 1)).astype(np.int64)
        product = np.where(pick_new, new_sorted[np.minimum(idx, len(new_sorted) - 1)], product)
    return product


def _draw_lines(
    params: WorldParams,
    rng: np.random.Generator,
    order_tier: np.ndarray,
    orders: dict[str, Any],
    prods: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lines per order, units per line and products: (order index, product, quantity) per line.

    A product drawn twice for one order is one line with the summed quantity.
    """
    mult = orders["mult"]
    n_lines = 1 + rng.poisson((tier_values(params, "lines_per_order")[order_tier] - 1) * np.sqrt(mult))  # fmt: skip
    line_order = np.repeat(np.arange(len(order_tier)), n_lines)
    line_tier, line_day = order_tier[line_order], orders["day"][line_order]
    sigma = params.line_qty_sigma
    noise = np.exp(sigma * rng.standard_normal(len(line_tier)) - 0.5 * sigma**2)
    qty = 1 + rng.poisson((tier_values(params, "qty_per_line")[line_tier] - 1) * np.sqrt(mult[line_order]) * noise)  # fmt: skip
    product = _pick_products(params, rng, prods, line_tier, line_day)
    _, first, inverse = np.unique(
        line_order * params.n_products + product, return_index=True, return_inverse=True
    )
    qty = np.bincount(inverse, weights=qty).astype(np.int64)
    return line_order[first], product[first], qty


def _draw_returns(
    params: WorldParams,
    rng: np.random.Generator,
    cal: Calendar,
    qty: np.ndarray,
    line_tier: np.ndarray,
    line_day: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Part of some lines comes back a few days later: (line index, units, day) per return.

    Returns falling after the period are dropped.
    """
    returned = rng.random(len(line_tier)) < tier_values(params, "return_line_share")[line_tier]
    line = np.flatnonzero(returned)
    units = np.floor(rng.random(len(line)) * qty[line]) + 1
    low, high = params.return_days
    day = line_day[line] + rng.integers(low, high + 1, len(line))
    in_period = day < cal.days
    return line[in_period], units[in_period], day[in_period]


def _prices(
    params: WorldParams,
    cal: Calendar,
    prods: dict[str, Any],
    product: np.ndarray,
    day: np.ndarray,
    discounted_units: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """List price and unit cost of each line in its year (currency per unit), and its discount.

    ``discounted_units`` is the customer's discount rate times the line's units; the discount is
    that times the list price (currency per line).
    """
    inflation = (1 + params.price_increase_per_year) ** cal.year_of_day[day]
    price = cents(prods["price"][product] * inflation)
    cost = cents(prods["cost"][product] * inflation)
    return price, cost, cents(discounted_units * price)


def order_lines_table(
    params: WorldParams,
    rng: np.random.Generator,
    cal: Calendar,
    customers: dict[str, Any],
    orders: dict[str, Any],
    prods: dict[str, Any],
) -> pd.DataFrame:
    """Draw the ``order_lines`` table of the raw export, returns included.

    Parameters
    ----------
    params
        The world's parameters.
    rng
        The order lines' own stream.
    cal
        The period's calendar.
    customers
        The customers (:func:`helpers.world.customers.draw_customers`).
    orders
        The order headers (:func:`draw_orders`).
    prods
        The catalogue (``helpers.world.tables``): prices, costs, popularity, launches.

    Returns
    -------
    pandas.DataFrame
        Sorted by order date and id: ``order_id``, ``customer_id``, ``order_date``,
        ``product_id``, ``quantity`` (units; negative for a return), ``unit_price`` (list
        price, currency per unit, rising each 1 January), ``discount`` (currency per line;
        negative for a return), ``unit_cost`` (currency per unit), ``channel``, ``region``,
        ``ship_mode``. A return has order id ``<order_id>-R``, the line's price, cost and
        discount rate.
    """
    order_tier = customers["tier"][orders["cust"]]
    line_order, product, qty = _draw_lines(params, rng, order_tier, orders, prods)
    line_tier, line_day = order_tier[line_order], orders["day"][line_order]
    rate = customers["discount"][orders["cust"]][line_order]
    price, cost, discount = _prices(params, cal, prods, product, line_day, rate * qty)
    back, back_qty, back_day = _draw_returns(params, rng, cal, qty, line_tier, line_day)
    src = np.concatenate([np.arange(len(line_tier)), back])
    who = orders["cust"][line_order][src]
    frame = pd.DataFrame(
        {
            "order_id": np.concatenate([orders["id"][line_order], np.char.add(orders["id"][line_order[back]], "-R")]),
            "customer_id": customers["id"][who],
            "order_date": cal.dates(np.concatenate([line_day, back_day])),
            "product_id": prods["frame"]["product_id"].to_numpy()[product[src]],
            "quantity": np.concatenate([qty, -back_qty]).astype("float64"),
            "unit_price": price[src],
            "discount": np.concatenate([discount, -cents(discount[back] * back_qty / qty[back])]),
            "unit_cost": cost[src],
            "channel": np.asarray(ORDER_CHANNELS)[orders["channel"][line_order][src]],
            "region": np.asarray(params.regions)[customers["region"][who]],
            "ship_mode": np.asarray(SHIP_MODES)[orders["ship"][line_order][src]],
        }
    )  # fmt: skip
    return _sorted_and_typed(frame)


def _sorted_and_typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Order lines sorted by date and order id, with the schema's dtypes (``unit_cost`` too)."""
    frame = frame.sort_values(["order_date", "order_id"], kind="stable", ignore_index=True)
    columns = {k: v for k, v in schema.ORDER_LINES.items() if k in frame} | {"unit_cost": "float64"}
    return typed(frame, {name: columns[name] for name in frame.columns})
