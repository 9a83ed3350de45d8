"""Who the small clients are, their order pattern and firmographics, and their profit class."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.ledger import levels
from helpers.ledger.purchases import habitual_channels
from helpers.schema import UNATTRIBUTED

__all__ = ["CLASSES", "TOO_SMALL", "small_clients", "customer_features", "profit_classes"]

#: profit classes, worst first
CLASSES: tuple[str, ...] = ("loss-making", "break-even", "profitable")
#: the judgement of a segment below ``min_segment_size``
TOO_SMALL = "too small to judge"
LABELS = {
    "industry": "Industry",
    "region": "Region",
    "acquisition_channel": "Acquisition channel",
    "order_channel": "Order channel",
    "order_size": "Order size",
    "order_frequency": "Order frequency",
    "returns": "Returns",
}


def _settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """The ``questions`` section of the config."""
    return dict(config["questions"])


#: the ledger columns the profit levels need (hand-built ledgers may lack them)
#: the level the report leads with ("with_assumptions" for a ledger without levels)
_lead_level = levels.lead_level
#: the ledger with profit at a level (None: the level the report leads with)
_level_view = levels.at_lead


def _num(value: float) -> str:
    """A threshold for a sentence: 3 significant figures, thousands separated."""
    if not np.isfinite(value):
        return "n/a"
    if abs(value) >= 100:
        return f"{float(f'{value:.3g}'):,.0f}"
    return f"{float(f'{value:.3g}'):g}"


#: relative tolerance of a margin comparison: a customer whose margin equals a threshold up to
#: float rounding (10% of 16.52 is 1.652 in dollars, 247.8 in yen) is on the threshold
_TIE = 1e-9


def small_clients(ledger: pd.DataFrame, config: Mapping[str, Any]) -> pd.DataFrame:
    """The ledger rows of small clients.

    Parameters
    ----------
    ledger
        The customer ledger (one row per customer).
    config
        The run's config; ``size_tiers.small`` names the small tiers.

    Returns
    -------
    DataFrame
        The ledger's rows whose size tier is small, the unattributed row excluded, with a fresh
        index (same columns as ``ledger``).
    """
    small = set(config["size_tiers"]["small"])
    keep = ledger["size_tier"].astype("object").isin(small) & (
        ledger["customer_id"] != UNATTRIBUTED
    )
    return ledger.loc[keep].reset_index(drop=True)


def _years_active(ledger: pd.DataFrame, config: Mapping[str, Any]) -> pd.Series:
    """Years on the books inside the data's window (floored at ``min_years_active``)."""
    first, last = ledger["first_order"].min(), ledger["last_order"].max()
    signup = pd.to_datetime(ledger["signup_date"]).fillna(ledger["first_order"])
    start = signup.where(signup > first, first)
    closed = pd.to_datetime(ledger["closed_date"])
    stop = closed.where(closed < last, last).fillna(last)
    days = (stop - start).dt.days.astype("float64") + 1
    years = days / 365.25
    floor = float(_settings(config)["min_years_active"])
    return years.clip(lower=floor).fillna(floor)


def customer_features(
    ledger: pd.DataFrame, config: Mapping[str, Any], order_lines: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Order pattern and firmographics of every ledger row.

    Parameters
    ----------
    ledger
        The customer ledger (or some of its rows, e.g. :func:`small_clients`).
    config
        The run's config (``questions.min_years_active`` floors the years on the books).
    order_lines
        Canonical order lines, for each customer's habitual order channel; None when unknown.

    Returns
    -------
    DataFrame
        Same index as ``ledger``: avg_order_value (net revenue per order, currency units),
        orders_per_year, lines_per_order, return_share (return lines / sales lines, fraction),
        discount_rate (discounts / list revenue, fraction), payment_terms_days, employees, and
        industry, region, acquisition_channel, order_channel (NA where the data has none).
    """
    orders = ledger["orders"].astype("float64")
    lines = ledger["lines"].astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                "avg_order_value": ledger["net_revenue"] / orders.where(orders > 0),
                "orders_per_year": orders / _years_active(ledger, config),
                "lines_per_order": lines / orders.where(orders > 0),
                "return_share": ledger["returns"].astype("float64") / lines.where(lines > 0),
                "discount_rate": ledger["discounts"]
                / ledger["list_revenue"].where(ledger["list_revenue"] > 0),
                "payment_terms_days": ledger["payment_terms_days"].astype("float64"),
                "employees": ledger["employees"].astype("float64"),
            },
            index=ledger.index,
        )
    for column in ("industry", "region", "acquisition_channel"):
        out[column] = ledger[column].astype("object") if column in ledger else np.nan
    channels = habitual_channels(order_lines)
    out["order_channel"] = ledger["customer_id"].map(channels).astype("object")
    return out


def profit_classes(ledger: pd.DataFrame, config: Mapping[str, Any]) -> pd.Series:
    """The profit class of every ledger row.

    Parameters
    ----------
    ledger
        The customer ledger (``profit`` and ``net_revenue``).
    config
        The run's config; ``questions.break_even_band`` is the band around zero profit, as a
        fraction of the absolute net revenue.

    Returns
    -------
    Series
        Same index as ``ledger``, ordered categorical of :data:`CLASSES`: loss-making (profit
        below the band), break-even (inside it), profitable (above it).
    """
    revenue = ledger["net_revenue"].abs()
    band = float(_settings(config)["break_even_band"]) * revenue + _TIE * revenue
    profit = ledger["profit"]
    classes = np.where(profit > band, CLASSES[2], np.where(profit < -band, CLASSES[0], CLASSES[1]))
    return pd.Series(pd.Categorical(classes, categories=CLASSES, ordered=True), index=ledger.index)


def _valuable(ledger: pd.DataFrame, config: Mapping[str, Any]) -> pd.Series:
    """Profitable rows earning at least ``valuable_margin`` of their net revenue.

    A margin equal to the threshold (up to float rounding, :data:`_TIE`) counts as reaching it,
    so the verdict does not hang on the currency the amounts are written in.
    """
    margin = float(_settings(config)["valuable_margin"])
    revenue = ledger["net_revenue"]
    return (profit_classes(ledger, config) == CLASSES[2]) & (
        ledger["profit"] >= margin * revenue - _TIE * revenue.abs()
    )
