"""The customers acquired inside the data's window, and whether they survived and paid in year one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.q2_attract.channels import (
    UNKNOWN,
    _attributed,
    _lead_level,
    _level_view,
    _settings,
    _small,
    customer_channels,
)
from helpers.results import Result

__all__ = ["new_customers", "newcomer_ids"]

_DAY = pd.Timedelta(days=1)
_PROFIT_SOURCES = {True: "monthly ledger", False: "pro-rated"}
_SURVIVAL_RULES = {
    True: "not closed (closed_date) within the year",
    False: "still ordering after the year (no closed dates)",
}


def new_customers(
    ledger: pd.DataFrame,
    config: Mapping[str, Any],
    monthly: pd.DataFrame | None = None,
    order_lines: pd.DataFrame | None = None,
    level: str | None = None,
) -> Result:
    """The customers acquired inside the data's window, with their first-year outcome.

    A customer is new when it signed up on or after the data's first day (or, without signup
    dates, placed its first order ``new_customer_after_days`` or more after it). It survived a
    year when it did not close within it (or, without closed dates, still ordered after it); a
    long-term partner survived ``partner_years`` years, still ordered in the last of them and
    is profitable over the period.

    Parameters
    ----------
    ledger
        The customer ledger of the period.
    config
        The run's config (sections ``acquisition`` and ``size_tiers``).
    monthly
        The ledger by month (``build_ledger(..., by_period="M")``); first-year profit is the
        profit of the 12 calendar months from the signup month. Without it, the period's
        profit is pro-rated to one year of the customer's time on the books (assumed).
    order_lines
        Canonical order lines (habitual order channels when there is no acquisition channel).
    level
        The profit level of ``ledger`` and ``monthly``; None: the level the report leads with.

    Returns
    -------
    Result
        ``table``: customer_id, channel, small, signup, last_order (dates), profit, net_revenue,
        first_year_profit (currency units), observed_days, year1_observed, survived_year1,
        year2_observed, survived_year2, partner_observed, partner (flags); ``metrics``:
        level, new_customers, new_small_clients, new_customer_rule, survival_rule,
        channel_source, first_year_profit_source; ``detail['window']``: the data's first and
        last day (NaT without customers). The table is empty when no customer joined.
    """
    settings = _settings(config)
    level = level or _lead_level(ledger)
    customers = _attributed(_level_view(ledger, level))
    monthly = _level_view(monthly, level)
    channel, source = customer_channels(customers, order_lines)
    first, last = _window(customers)
    signup, is_new, rule = _signups(customers, settings, first)
    closed_known = "closed_date" in customers and customers["closed_date"].notna().any()
    frame = _new_frame(customers, channel, _small(customers, config), signup, closed_known)
    frame = frame.loc[is_new.to_numpy()]
    _add_survival(frame, settings, closed_known, last)
    frame["first_year_profit"] = _first_year_profit(frame, monthly, first, last)
    rules = {"new_customer_rule": rule, "survival_rule": _SURVIVAL_RULES[bool(closed_known)]}
    counts = {"new_customers": len(frame), "new_small_clients": int(frame["small"].sum())}
    about = {"level": level, "channel_source": source}
    about["first_year_profit_source"] = _PROFIT_SOURCES[monthly is not None]
    table = frame.drop(columns=["closed"]).reset_index(drop=True)
    return Result(
        table=table, metrics={**about, **counts, **rules}, detail={"window": (first, last)}
    )


def newcomer_ids(ledger: pd.DataFrame, config: Mapping[str, Any]) -> list[str]:
    """The customers :func:`new_customers` reports on: those acquired inside the data's window.

    Build the monthly ledger for them alone (``build_ledger(..., by_period="M",
    customers=newcomer_ids(ledger, config))``): first-year profit reads no one else's months.

    Parameters
    ----------
    ledger
        The customer ledger of the period.
    config
        The run's config (section ``acquisition``).

    Returns
    -------
    list of str
        Their customer ids, in the ledger's order.
    """
    customers = _attributed(ledger)
    first, _ = _window(customers)
    _, is_new, _ = _signups(customers, _settings(config), first)
    return customers.loc[is_new.to_numpy(), "customer_id"].astype(str).tolist()


def _window(customers: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The data's first and last day (NaT without customers)."""
    first = pd.to_datetime(customers["first_order"]).min()
    return first, pd.to_datetime(customers["last_order"]).max()


def _new_frame(
    customers: pd.DataFrame,
    channel: pd.Series,
    small: pd.Series,
    signup: pd.Series,
    closed_known: bool,
) -> pd.DataFrame:
    """Channel, size, signup, closing, last order, profit and revenue of every customer."""
    return pd.DataFrame(
        {
            "customer_id": customers["customer_id"],
            "channel": channel.fillna(UNKNOWN).astype("object"),
            "small": small.astype(bool),
            "signup": pd.to_datetime(signup).astype("datetime64[ns]"),
            "closed": pd.to_datetime(customers["closed_date"]).astype("datetime64[ns]")
            if closed_known
            else pd.Series(pd.NaT, index=customers.index, dtype="datetime64[ns]"),
            "last_order": pd.to_datetime(customers["last_order"]).astype("datetime64[ns]"),
            "profit": customers["profit"].astype("float64"),
            "net_revenue": customers["net_revenue"].astype("float64"),
        }
    )


def _signups(
    customers: pd.DataFrame, settings: Mapping[str, Any], first: pd.Timestamp
) -> tuple[pd.Series, pd.Series, str]:
    """Every customer's signup date, whether it is new in the window, and the rule used."""
    if "signup_date" in customers and customers["signup_date"].notna().any():
        signup = pd.to_datetime(customers["signup_date"]).fillna(customers["first_order"])
        return signup, signup >= first, "signed up on or after the first day of the data"
    signup = customers["first_order"]
    is_new = signup >= first + float(settings["new_customer_after_days"]) * _DAY
    rule = (
        f"first order at least {settings['new_customer_after_days']} days after the data starts "
        "(no signup dates)"
    )
    return signup, is_new, rule


def _survived(
    frame: pd.DataFrame, years: float, year: pd.Timedelta, closed_known: bool
) -> pd.Series:
    """Not closed within ``years`` years of signing up (without closed dates: still ordering)."""
    if closed_known:
        return ~(frame["closed"] <= frame["signup"] + years * year)
    return frame["last_order"] >= frame["signup"] + years * year


def _add_survival(
    frame: pd.DataFrame, settings: Mapping[str, Any], closed_known: bool, last: pd.Timestamp
) -> None:
    """Observation and survival flags for years one and two, and the partner flag (in place)."""
    year = float(settings["first_year_days"]) * _DAY
    # whole days (as .dt.days), computed so that an empty frame keeps a float column
    frame["observed_days"] = np.floor(((last - frame["signup"]) / _DAY).astype("float64"))
    frame["year1_observed"] = frame["observed_days"] >= year.days
    frame["survived_year1"] = _survived(frame, 1, year, closed_known)
    frame["year2_observed"] = frame["observed_days"] >= 2 * year.days
    # retention after year one: not closed and still ordering in year two
    frame["survived_year2"] = _survived(frame, 2, year, closed_known) & (
        frame["last_order"] >= frame["signup"] + year
    )
    n_years = float(settings["partner_years"])
    frame["partner_observed"] = frame["observed_days"] >= n_years * year.days
    still_ordering = frame["last_order"] >= frame["signup"] + (n_years - 1) * year
    frame["partner"] = (
        _survived(frame, n_years, year, closed_known) & still_ordering & (frame["profit"] > 0)
    )


def _first_year_profit(
    frame: pd.DataFrame, monthly: pd.DataFrame | None, first: pd.Timestamp, last: pd.Timestamp
) -> pd.Series:
    """Profit of the 12 months from the signup month, or the period's profit pro-rated."""
    if frame.empty:
        return pd.Series(0.0, index=frame.index, dtype="float64")
    if monthly is None:
        days = (last - frame["signup"].where(frame["signup"] > first, first)).dt.days + 1
        return frame["profit"] * np.minimum(1.0, 365.25 / days.clip(lower=1))
    months = monthly.loc[
        monthly["customer_id"].isin(frame["customer_id"]), ["customer_id", "period", "profit"]
    ]
    start = frame.set_index("customer_id")["signup"].dt.to_period("M").dt.start_time
    months = months.assign(start=months["customer_id"].map(start))
    inside = (months["period"] >= months["start"]) & (
        months["period"] < months["start"] + pd.DateOffset(months=12)
    )
    per = months.loc[inside].groupby("customer_id")["profit"].sum()
    return frame["customer_id"].map(per).fillna(0.0).astype("float64")
