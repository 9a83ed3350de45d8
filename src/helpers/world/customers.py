"""The world's customers: who they are, their terms, and when they sign, close or lapse.

:func:`draw_customers` draws in a fixed order from its stream; the steps below are called in that
order (reordering them, or a draw inside them, changes every table the seed gives).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers import schema
from helpers.world.params import ACQUISITION_CHANNELS, TIERS, WorldParams
from helpers.world.sampling import (
    DAYS_PER_MONTH,
    DAYS_PER_YEAR,
    Calendar,
    choice_rows,
    normalised,
    serial_ids,
    tier_values,
    typed,
)

__all__ = ["draw_customers", "customers_table", "basket_multiplier"]

#: the order channel a customer from each acquisition channel orders through by habit
#: (-1: referral and trade-show customers order through field sales or telesales, by size)
_HABIT_CHANNEL: dict[str, int] = {
    "field_sales": 0,
    "telesales": 1,
    "online": 2,
    "distributor": 3,
    "referral": -1,
    "trade_show": -1,
}

_NAME_FIRST = (
    "Alpine", "Atlas", "Beacon", "Birch", "Blue Ridge", "Cedar", "Coastal", "Copper", "Crescent",
    "Crown", "Delta", "Eagle", "Evergreen", "Falcon", "Granite", "Harbor", "Highland", "Horizon",
    "Iron", "Keystone", "Lakeside", "Liberty", "Maple", "Meridian", "Midland", "Northstar",
    "Oak", "Orion", "Pacific", "Pioneer", "Prairie", "Redwood", "Riverside", "Silverline",
    "Summit", "Sunrise", "Tri-County", "Valley", "Westfield", "Zenith",
)  # fmt: skip
_NAME_TRADE = (
    "Bakery", "Builders", "Carpentry", "Catering", "Clinic", "Construction", "Dental", "Design",
    "Electric", "Engineering", "Fabrication", "Foods", "Freight", "Furniture", "Glass",
    "Hardware", "Health", "Interiors", "Labs", "Landscaping", "Logistics", "Machining",
    "Marine", "Media", "Metalworks", "Motors", "Optics", "Packaging", "Pharma", "Plastics",
    "Plumbing", "Printing", "Robotics", "Roofing", "Software", "Solar", "Steel", "Textiles",
    "Tools", "Veterinary",
)  # fmt: skip
_NAME_FORM = (
    "Ltd", "GmbH", "Inc.", "& Co.", "Group", "Partners", "LLC", "AG", "Holdings", "& Sons",
)  # fmt: skip


def _names(rng: np.random.Generator, count: int) -> np.ndarray:
    """Deterministic company-like names, unique while the word lists allow."""
    n_first, n_trade, n_form = len(_NAME_FIRST), len(_NAME_TRADE), len(_NAME_FORM)
    combos = n_first * n_trade * n_form
    combo = rng.choice(combos, size=count, replace=count > combos)
    first = np.asarray(_NAME_FIRST)[combo // (n_trade * n_form)]
    trade = np.asarray(_NAME_TRADE)[(combo // n_form) % n_trade]
    form = np.asarray(_NAME_FORM)[combo % n_form]
    names = np.char.add(np.char.add(np.char.add(first, " "), np.char.add(trade, " ")), form)
    if count > combos:  # more customers than combinations: number the repeats
        dup = pd.Series(names).groupby(names).cumcount().to_numpy()
        names = np.where(
            dup > 0, np.char.add(names, np.char.add(" ", (dup + 1).astype(str))), names
        )
    return names


def _firmographics(params: WorldParams, rng: np.random.Generator, count: int) -> dict[str, Any]:
    """Size tier, employees (log-uniform in the tier's range) and acquisition channel."""
    tier = rng.choice(len(TIERS), count, p=normalised(params.size_shares))
    low, high = tier_values(params, "employees_range")[tier].T
    employees = np.clip(np.floor(np.exp(rng.uniform(np.log(low), np.log(high + 1)))), low, high)
    channel = choice_rows(rng, normalised(tier_values(params, "channel_mix"))[tier])
    return {"tier": tier, "employees": employees, "channel": channel}


def _lifetimes(
    params: WorldParams,
    rng: np.random.Generator,
    cal: Calendar,
    tier: np.ndarray,
    channel: np.ndarray,
) -> dict[str, Any]:
    """Signup, closure and lapse days (from the start), and the window each customer orders in.

    Closure: a first-year hazard for new firms (lead quality by channel, the tier's mean kept),
    a lower yearly hazard afterwards; existing customers are past their first year.
    """
    count = len(tier)
    existing = rng.random(count) < params.existing_share
    tenure_low, tenure_high = params.existing_tenure_years
    signup = np.where(
        existing,
        -np.round(rng.uniform(tenure_low, tenure_high, count) * DAYS_PER_YEAR),
        cal.draw_days(rng, np.zeros(count), np.full(count, cal.days)),
    ).astype(np.int64)
    mult = np.asarray(params.closure_multiplier)
    mix = normalised(tier_values(params, "channel_mix"))
    p_first = np.clip(
        tier_values(params, "first_year_closure")[tier] * mult[channel] / (mix @ mult)[tier], 0, 1
    )
    later = tier_values(params, "later_closure_per_year")[tier]
    first_close = rng.random(count) < p_first
    wait_later = rng.exponential(1.0, count) / np.maximum(later, 1e-12) * DAYS_PER_YEAR
    close = np.where(
        existing,
        wait_later,
        np.where(
            first_close,
            signup + rng.uniform(0, DAYS_PER_YEAR, count),
            signup + DAYS_PER_YEAR + wait_later,
        ),
    )
    lapse_rate = np.maximum(tier_values(params, "lapse_per_year")[tier], 1e-12)
    active_from = np.maximum(signup, 0)
    lapse = active_from + rng.exponential(1.0, count) / lapse_rate * DAYS_PER_YEAR
    return {
        "existing": existing,
        "signup": signup,
        "close": close,
        "closed": close < cal.days,
        "active_from": active_from,
        "until": np.minimum(np.minimum(close, lapse), cal.days),
    }


def _service_terms(
    params: WorldParams, rng: np.random.Generator, tier: np.ndarray
) -> dict[str, Any]:
    """Payment terms (days) and whether a key-account team serves the customer."""
    terms = np.asarray(params.payment_terms_options)[
        choice_rows(rng, normalised(tier_values(params, "payment_terms_mix"))[tier])
    ]
    key_account = rng.random(len(tier)) < tier_values(params, "key_account_share")[tier]
    return {"terms": terms, "key_account": key_account}


def _places(
    params: WorldParams, rng: np.random.Generator, tier: np.ndarray, channel: np.ndarray
) -> dict[str, Any]:
    """Region, industry and the order channel the customer uses by habit."""
    count = len(tier)
    region = rng.choice(len(params.regions), count, p=normalised(params.region_weights))
    industry = rng.choice(len(params.industries), count, p=normalised(params.industry_weights))
    habit = np.array([_HABIT_CHANNEL[name] for name in ACQUISITION_CHANNELS])[channel]
    fallback = choice_rows(rng, normalised(np.asarray(params.order_channel_mix))[tier])
    return {"region": region, "industry": industry, "habit": np.where(habit < 0, fallback, habit)}


def _rates(params: WorldParams, rng: np.random.Generator, tier: np.ndarray) -> dict[str, Any]:
    """Negotiated discount and rebate rates, and the customer's order-rate and basket multipliers."""
    count = len(tier)
    discount_low, discount_high = tier_values(params, "discount_range")[tier].T
    rebate_low, rebate_high = tier_values(params, "rebate_range")[tier].T
    rate_sigma, size_sigma = params.order_rate_sigma, params.order_size_sigma
    return {
        "discount": rng.uniform(discount_low, discount_high),
        "rebate": np.round(rng.uniform(rebate_low, rebate_high), 4),
        "order_rate": np.exp(rate_sigma * rng.standard_normal(count) - 0.5 * rate_sigma**2),
        "size": np.exp(size_sigma * rng.standard_normal(count) - 0.5 * size_sigma**2),
    }


def draw_customers(params: WorldParams, rng: np.random.Generator, cal: Calendar) -> dict[str, Any]:
    """Draw the customers, their terms and their lifetimes.

    Parameters
    ----------
    params
        The world's parameters.
    rng
        The customers' own stream (draws are taken in a fixed order).
    cal
        The period's calendar.

    Returns
    -------
    dict
        Column -> array, one entry per customer, ids in signup order (existing customers
        first): ``tier``, ``channel``, ``region``, ``industry``, ``habit`` (indices),
        ``employees``; ``existing``, ``closed``, ``key_account``, ``expands`` (bool);
        ``signup``, ``close``, ``active_from``, ``until`` (days from the start);
        ``discount``, ``rebate`` (fractions), ``terms`` (days), ``order_rate``, ``size``
        (multipliers); ``name``, ``id``.
    """
    count = params.n_customers
    cols = _firmographics(params, rng, count)
    cols |= _lifetimes(params, rng, cal, cols["tier"], cols["channel"])
    expand_share = np.asarray(params.expand_share)[cols["channel"]]
    cols["expands"] = ~cols["existing"] & (rng.random(count) < expand_share)
    cols |= _service_terms(params, rng, cols["tier"])
    cols |= _places(params, rng, cols["tier"], cols["channel"])
    cols |= _rates(params, rng, cols["tier"])
    order = np.argsort(cols["signup"], kind="stable")  # customer ids follow signup order
    cols = {key: values[order] for key, values in cols.items()}
    cols["name"] = _names(rng, count)
    cols["id"] = serial_ids("C", count, 5).to_numpy()
    return cols


def customers_table(params: WorldParams, customers: dict[str, Any], cal: Calendar) -> pd.DataFrame:
    """The ``customers`` table of the raw export.

    Parameters
    ----------
    params
        The world's parameters.
    customers
        The customers (:func:`draw_customers`).
    cal
        The period's calendar.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`helpers.schema.CUSTOMERS`: ``customer_id``, ``name``,
        ``employees`` (persons), ``size_band``, ``industry``, ``region``,
        ``acquisition_channel``, ``signup_date``, ``closed_date`` (NaT while open),
        ``payment_terms_days`` (days), ``rebate_rate`` (fraction), ``key_account``,
        ``account_owner`` (the region's rep 1, 2 or 3).
    """
    close_day = np.where(customers["closed"], np.floor(customers["close"]), np.nan)
    frame = pd.DataFrame(
        {
            "customer_id": customers["id"],
            "name": customers["name"],
            "employees": customers["employees"],
            "size_band": np.asarray(TIERS)[customers["tier"]],
            "industry": np.asarray(params.industries)[customers["industry"]],
            "region": np.asarray(params.regions)[customers["region"]],
            "acquisition_channel": np.asarray(ACQUISITION_CHANNELS)[customers["channel"]],
            "signup_date": cal.dates(customers["signup"]),
            "closed_date": pd.Series(cal.start + pd.to_timedelta(close_day, unit="D")),
            "payment_terms_days": customers["terms"],
            "rebate_rate": customers["rebate"],
            "key_account": customers["key_account"],
        }
    )
    rep = np.arange(len(frame)) % 3 + 1  # three reps per region, no random draw
    frame["account_owner"] = frame["region"].astype(str) + " rep " + rep.astype(str)
    return typed(frame, schema.CUSTOMERS)


def basket_multiplier(
    params: WorldParams, customers: dict[str, Any], who: np.ndarray, day: np.ndarray
) -> np.ndarray:
    """Land and expand: trial-sized baskets at signup, growing to ``expand_to``.

    Parameters
    ----------
    params
        The world's parameters (``trial_size``, ``expand_to``, ``expand_months``).
    customers
        The customers (:func:`draw_customers`).
    who
        Customer index of each event.
    day
        Day of each event (days from the start).

    Returns
    -------
    numpy.ndarray
        The basket multiplier of each event (1 for customers that do not land and expand).
    """
    months = (day - customers["signup"][who]) / DAYS_PER_MONTH
    ramp = np.clip(months / max(params.expand_months, 1e-9), 0.0, 1.0)
    grow = params.trial_size + (params.expand_to - params.trial_size) * ramp
    return np.where(customers["expands"][who], grow, 1.0)
