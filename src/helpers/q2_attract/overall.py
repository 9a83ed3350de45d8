"""All new customers together: first-year profit, survival, acquisition cost and payback."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.results import Result, json_float, money, pct

__all__ = ["overall_numbers", "overall_sentences", "first_year_verdict", "no_newcomers_message"]

#: the verdict on new customers' first year: they earn money, lose money, or it is unknown
EARN, LOSE = "earn money in their first year", "lose money in their first year"


def no_newcomers_message(new: Result) -> str:
    """Why there are no acquisition economics: no customer joined inside the window.

    Parameters
    ----------
    new
        :func:`helpers.q2_attract.new_customers`.

    Returns
    -------
    str
        One sentence naming the rule that makes a customer new.
    """
    rule = new.metrics.get("new_customer_rule", "")
    return (
        "No customer joined inside the data's window"
        + (f" (new = {rule})" if rule else "")
        + ": there are no new customers to measure acquisition on."
    )


def first_year_verdict(frame: pd.DataFrame) -> str | None:
    """Whether new customers observed a full year earn money in it on average.

    Parameters
    ----------
    frame
        :func:`helpers.q2_attract.new_customers`'s table.

    Returns
    -------
    str or None
        "earn money in their first year", "lose money in their first year", or None when no
        new customer has been observed a full year.
    """
    observed = frame.loc[frame["year1_observed"]] if len(frame) else frame
    if observed.empty:
        return None
    return EARN if float(observed["first_year_profit"].mean()) > 0 else LOSE


def overall_numbers(
    frame: pd.DataFrame,
    spend: pd.DataFrame | None,
    window: tuple[pd.Timestamp, pd.Timestamp],
) -> dict[str, Any]:
    """The first year of all new customers together, and what acquiring them cost.

    Parameters
    ----------
    frame
        :func:`helpers.q2_attract.new_customers`'s table.
    spend
        The acquisition_spend table, or None.
    window
        The data's first and last day (spend inside it counts).

    Returns
    -------
    dict
        new_customers_observed_1y (count), first_year_profit_per_new_customer (currency
        units), first_year_survival (fraction), first_year_verdict (see
        :func:`first_year_verdict`), acquisition_spend (currency units), cac_overall (currency
        units per new customer) and payback_months_overall (months; None when the first year
        loses money or spend is unknown). JSON-safe.
    """
    observed = frame.loc[frame["year1_observed"]] if len(frame) else frame
    n_obs = int(len(observed))
    profit = float(observed["first_year_profit"].mean()) if n_obs else np.nan
    survival = float(observed["survived_year1"].mean()) if n_obs else np.nan
    total_spend = _spend_in(spend, window)
    cac = total_spend / len(frame) if np.isfinite(total_spend) and len(frame) else np.nan
    payback = 12 * cac / profit if np.isfinite(cac) and np.isfinite(profit) and profit > 0 else None
    return {
        "new_customers_observed_1y": n_obs,
        "first_year_profit_per_new_customer": json_float(profit),
        "first_year_survival": json_float(survival),
        "first_year_verdict": first_year_verdict(frame),
        "acquisition_spend": json_float(total_spend),
        "cac_overall": json_float(cac),
        "payback_months_overall": json_float(payback),
    }


def _spend_in(spend: pd.DataFrame | None, window: tuple[pd.Timestamp, pd.Timestamp]) -> float:
    """Acquisition spend of the window's months (NaN without a spend table or a window)."""
    first, last = window
    if spend is None or spend.empty or pd.isna(first) or pd.isna(last):
        return float("nan")
    month = pd.to_datetime(spend["month"])
    inside = (month >= first.to_period("M").start_time) & (month <= last)
    return float(spend.loc[inside, "spend"].sum())


def overall_sentences(overall: Mapping[str, Any], by_channel: bool) -> list[str]:
    """All new customers in words; without channels, why they cannot be compared by channel.

    Parameters
    ----------
    overall
        :func:`overall_numbers`.
    by_channel
        Whether the data gives a channel (then the channel sentences say the rest).

    Returns
    -------
    list of str
        Sentences without "nan" or a ranking of customers without a channel.
    """
    out = []
    if not by_channel:
        out.append(
            "The data has no acquisition or order channel: new customers cannot be compared "
            "by channel, so no channel is recommended."
        )
    n_obs = int(overall["new_customers_observed_1y"])
    if n_obs == 0:
        out.append(
            "No new customer has been observed for a full year yet: first-year profit and "
            "survival cannot be measured."
        )
        return out
    if not by_channel:
        cost = ""
        if overall["cac_overall"] is not None:
            cost = f"; acquiring one cost {money(overall['cac_overall'])}" + (
                f", paid back in {overall['payback_months_overall']:.0f} months"
                if overall["payback_months_overall"] is not None
                else ", not paid back in year one"
            )
        out.append(
            f"The {n_obs} new customers observed a full year {overall['first_year_verdict']}: "
            f"{money(overall['first_year_profit_per_new_customer'])} each, and "
            f"{pct(overall['first_year_survival'])} survive year one{cost}."
        )
    return out
