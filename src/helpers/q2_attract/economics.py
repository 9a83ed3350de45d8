"""Channel economics: acquisition cost, first-year survival and profit, payback and future value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.q2_attract.channels import UNKNOWN, _settings
from helpers.q2_attract.overall import no_newcomers_message, overall_numbers, overall_sentences
from helpers.results import Result, json_float, money, pct, wilson_ci, with_money_columns

__all__ = ["future_value_assumption", "channel_economics"]

_COUNTS = ("new_customers", "new_small", "observed_1y", "survived_1y", "observed_2y",
           "survived_2y", "small_profitable_1y")  # fmt: skip
_SPEND_COLUMNS = ("spend", "leads", "cac", "conversion", "payback_months", "fv_to_cac")
_NO_SPEND = (
    "No acquisition_spend table: spend, acquisition cost (CAC), payback and lead "
    "conversion cannot be computed; shown instead are new customers, their survival "
    "and profit by channel."
)
_BY_CHANNEL = (
    ("cac", "cac_by_channel"),
    ("fv_to_cac", "fv_to_cac_by_channel"),
    ("payback_months", "payback_months_by_channel"),
    ("survival_1y", "first_year_survival_by_channel"),
    ("first_year_profit", "first_year_profit_by_channel"),
    ("future_value", "future_value_by_channel"),
    ("conversion", "conversion_by_channel"),
    ("new_customers", "new_customers_by_channel"),
)


def future_value_assumption(config: Mapping[str, Any]) -> str:
    """The sentence stating how future value is estimated.

    Parameters
    ----------
    config
        The run's config (``acquisition.horizon_years`` and ``discount_rate``).

    Returns
    -------
    str
        One sentence, for the findings.
    """
    settings = _settings(config)
    return (
        f"Future value (a simple estimate, not the BG/NBD model): first-year profit per new "
        f"customer, plus for {settings['horizon_years'] - 1} more years the first-year "
        "survivors' first-year profit (no growth assumed), kept at the measured annual "
        "retention after year one (not closed and still ordering in year two) and discounted "
        f"at {settings['discount_rate']:.0%} a year."
    )


def _annuity(retention: float, years: int, discount: float) -> float:
    """Sum over t = 1 .. years - 1 of retention^(t-1) / (1 + discount)^t."""
    years_ahead = np.arange(1, years)
    return float(np.sum(retention ** (years_ahead - 1) / (1 + discount) ** years_ahead))


#: the table's columns in currency units (a report table puts the currency in their headers)
_MONEY = ("first_year_profit", "survivor_profit", "future_value", "spend", "cac",
          "cac_per_profitable_small")  # fmt: skip


def channel_economics(new: Result, spend: pd.DataFrame | None, config: Mapping[str, Any]) -> Result:
    """Per channel: what acquiring a customer costs and what it brings back.

    Payback months = 12 x CAC / first-year profit per new customer (closed ones included; NaN
    when the first year loses money). Future value = first-year profit + first-year survival
    x survivors' first-year profit x the discounted annuity of the retention after year one
    (the channel's own when ``min_channel_size`` customers were observed two years, else the
    pooled one, else ``default_retention``); see :func:`future_value_assumption`.

    Parameters
    ----------
    new
        :func:`new_customers`.
    spend
        The acquisition_spend table (channel, month, spend, leads), or None: then spend, CAC,
        payback and conversion are NaN and the findings say so.
    config
        The run's config (section ``acquisition``).

    Returns
    -------
    Result
        ``table``, one row per channel, best first: new_customers, new_small, observed_1y,
        survived_1y, observed_2y, survived_2y, small_profitable_1y (counts), first_year_profit,
        survivor_profit, future_value, spend, cac, cac_per_profitable_small (currency units
        per customer; spend in total), leads, survival_1y with survival_1y_ci_low / _high,
        retention, conversion, small_profitable_share_1y (fractions), payback_months,
        fv_to_cac (ratio), judgement ("" or "too small to judge"; "(unknown)", the customers
        without a channel, is never ranked); ``metrics``: spend_available, best_channel (None
        when no channel can be ranked, e.g. the data has none), cheapest_channel_for_profitable_
        small, retention_after_year1_pooled, the per-channel dicts and the numbers of all new
        customers (:func:`helpers.q2_attract.overall.overall_numbers`);
        ``detail['spend_message']``. Not available when no customer joined inside the window.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. Journal of the American Statistical Association, 22(158), 209-212.
    """
    settings = _settings(config)
    if new.table.empty:
        return Result(message=no_newcomers_message(new))
    table = _outcomes_by_channel(new.table, settings)
    pooled = _add_future_value(table, settings)
    table, message = _add_spend(table, spend, new.detail["window"])
    by_channel = bool(new.metrics.get("channel_source"))
    best, cheapest = _best_channels(table, bool(message)) if by_channel else (None, None)
    table = table.sort_values("fv_to_cac" if not message else "future_value", ascending=False,
                              na_position="last").reset_index(drop=True)  # fmt: skip
    overall = overall_numbers(new.table, spend, new.detail["window"])
    findings = [message] if message else []
    findings += _economics_findings(table, best, cheapest, bool(message)) if by_channel else []
    findings += [*overall_sentences(overall, by_channel), future_value_assumption(config)]
    return Result(
        table=with_money_columns(table, _MONEY),
        metrics={**_economics_metrics(table, best, cheapest, pooled, message), **overall},
        findings=findings,
        detail={"spend_message": message},
    )


def _add_spend(
    table: pd.DataFrame, spend: pd.DataFrame | None, window: tuple[pd.Timestamp, pd.Timestamp]
) -> tuple[pd.DataFrame, str]:
    """The spend columns, and why they are NaN when there is no spend table.

    Adds the cost per profitable new small client too; the channel becomes a column.
    """
    message = "" if spend is not None and not spend.empty else _NO_SPEND
    if message:
        for column in _SPEND_COLUMNS:
            table[column] = np.nan
    else:
        table = _with_spend(table, spend, window)
    share = table["small_profitable_1y"] / table["observed_1y"].where(table["observed_1y"] > 0)
    table["small_profitable_share_1y"] = share
    table["cac_per_profitable_small"] = table["cac"] / share.where(share > 0)
    table.index.name = "channel"
    return table.reset_index(), message


def _economics_metrics(
    table: pd.DataFrame, best: str | None, cheapest: str | None, pooled: float, message: str
) -> dict[str, Any]:
    """The best and cheapest channels, the pooled retention and the per-channel numbers."""
    metrics: dict[str, Any] = {
        "spend_available": not message,
        "best_channel": best,
        "cheapest_channel_for_profitable_small": cheapest,
        "retention_after_year1_pooled": json_float(pooled),
    }
    for column, key in _BY_CHANNEL:
        metrics[key] = {
            str(c): json_float(v) for c, v in zip(table["channel"], table[column], strict=True)
        }
    return metrics


def _outcomes_by_channel(frame: pd.DataFrame, settings: Mapping[str, Any]) -> pd.DataFrame:
    """New customers, first- and second-year survival and first-year profit per channel."""
    by_channel = frame.groupby("channel")
    year1 = frame.loc[frame["year1_observed"]]
    table = pd.DataFrame(
        {"new_customers": by_channel.size(), "new_small": by_channel["small"].sum()}
    )
    by_year1 = year1.groupby("channel")
    table["observed_1y"] = by_year1.size()
    table["survived_1y"] = by_year1["survived_year1"].sum()
    table["first_year_profit"] = by_year1["first_year_profit"].mean()
    survivors = year1.loc[year1["survived_year1"]]
    table["survivor_profit"] = survivors.groupby("channel")["first_year_profit"].mean()
    small1 = year1.loc[year1["small"]]
    table["small_profitable_1y"] = (
        small1.assign(p=small1["first_year_profit"] > 0).groupby("channel")["p"].sum()
    )
    year2 = frame.loc[frame["year2_observed"] & frame["survived_year1"]]
    table["observed_2y"] = year2.groupby("channel").size()
    table["survived_2y"] = year2.groupby("channel")["survived_year2"].sum()
    table = table.fillna(0.0)
    for column in _COUNTS:
        table[column] = table[column].astype("int64")
    table["survival_1y"] = table["survived_1y"] / table["observed_1y"].where(
        table["observed_1y"] > 0
    )
    low, high = wilson_ci(table["survived_1y"], table["observed_1y"], settings["confidence"])
    table["survival_1y_ci_low"], table["survival_1y_ci_high"] = low, high
    return table


def _add_future_value(table: pd.DataFrame, settings: Mapping[str, Any]) -> float:
    """Retention after year one, future value and judgement per channel (in place).

    Returns the pooled retention.
    """
    min_n = int(settings["min_channel_size"])
    pooled_n, pooled_k = int(table["observed_2y"].sum()), int(table["survived_2y"].sum())
    pooled = pooled_k / pooled_n if pooled_n >= min_n else float(settings["default_retention"])
    table["retention"] = np.where(
        table["observed_2y"] >= min_n,
        table["survived_2y"] / table["observed_2y"].where(table["observed_2y"] > 0),
        pooled,
    )
    annuity = table["retention"].map(
        lambda rate: _annuity(
            float(rate), int(settings["horizon_years"]), float(settings["discount_rate"])
        )
    )
    table["future_value"] = (
        table["first_year_profit"]
        + table["survival_1y"].fillna(0) * table["survivor_profit"].fillna(0) * annuity
    )
    table.loc[table["observed_1y"] == 0, "future_value"] = np.nan
    table["judgement"] = np.where(table["new_customers"] < min_n, "too small to judge", "")
    return pooled


def _with_spend(
    table: pd.DataFrame, spend: pd.DataFrame, window: tuple[pd.Timestamp, pd.Timestamp]
) -> pd.DataFrame:
    """The spend and leads of the window's months joined in: CAC, conversion, payback, FV/CAC."""
    first, last = window
    month = pd.to_datetime(spend["month"])
    inside = (month >= first.to_period("M").start_time) & (month <= last)
    totals = spend.loc[inside].groupby("channel")[["spend", "leads"]].sum(min_count=1)
    table = table.join(totals, how="outer")
    for column in ("new_customers", "new_small", "observed_1y"):
        table[column] = table[column].fillna(0).astype("int64")
    table["judgement"] = table["judgement"].fillna("too small to judge")
    table["cac"] = table["spend"] / table["new_customers"].where(table["new_customers"] > 0)
    table["conversion"] = table["new_customers"] / table["leads"].where(table["leads"] > 0)
    positive = table["first_year_profit"].where(table["first_year_profit"] > 0)
    table["payback_months"] = 12 * table["cac"] / positive
    table["fv_to_cac"] = table["future_value"] / table["cac"]
    return table


def _best_channels(table: pd.DataFrame, no_spend: bool) -> tuple[str | None, str | None]:
    """The best judged channel and the cheapest source of profitable small clients.

    Best: the highest FV / CAC (without spend: future value); cheapest: the lowest spend per
    profitable new small client.
    """
    judged = table.loc[
        (table["judgement"] == "") & table["future_value"].notna() & (table["channel"] != UNKNOWN)
    ]
    if no_spend:
        rank = judged.sort_values("future_value", ascending=False)
    else:
        rank = judged.dropna(subset=["fv_to_cac"]).sort_values("fv_to_cac", ascending=False)
    best = str(rank.iloc[0]["channel"]) if len(rank) else None
    cheap = judged.dropna(subset=["cac_per_profitable_small"]).sort_values(
        "cac_per_profitable_small"
    )
    cheapest = str(cheap.iloc[0]["channel"]) if len(cheap) else None
    return best, cheapest


def _economics_findings(
    table: pd.DataFrame, best: str | None, cheapest: str | None, no_spend: bool
) -> list[str]:
    """The best channel, the channels whose customers do not repay their cost, the cheapest."""
    by_channel = table.set_index("channel")
    out = [_best_sentence(by_channel.loc[best], best, no_spend)] if best is not None else []
    if no_spend:
        return out
    losers = by_channel.loc[(by_channel["judgement"] == "") & (by_channel["fv_to_cac"] < 1)]
    if len(losers):
        out.append(
            "Future value does not cover acquisition cost in: "
            + ", ".join(f"{c} ({v:.1f}x)" for c, v in losers["fv_to_cac"].items())
            + "."
        )
    if cheapest is not None:
        row = by_channel.loc[cheapest]
        out.append(
            f"Cheapest source of profitable small clients: {cheapest}, about "
            f"{money(row['cac_per_profitable_small'])} of spend per new small client "
            "profitable in its first year."
        )
    return out


def _best_sentence(row: pd.Series, best: str, no_spend: bool) -> str:
    """The best channel in a sentence: its future value, or its CAC, survival and payback."""
    if no_spend:
        survive = f"{pct(row['survival_1y'])} survive year one"
        if row["future_value"] <= 0:
            return (
                f"No channel brings new customers expected to earn money; {best}'s lose the "
                f"least ({money(row['future_value'])} each in estimated future value; {survive})."
            )
        return (
            f"{best} brings the new customers with the highest estimated future value "
            f"({money(row['future_value'])} each; {survive})."
        )
    months = row["payback_months"]
    payback = (
        "does not pay back its CAC in year one"
        if not np.isfinite(months)
        else "pays back its CAC within a month"
        if months < 1
        else f"pays back its CAC in {months:.0f} months"
    )
    return (
        f"{best} is the best acquisition channel: CAC {money(row['cac'])}, "
        f"{pct(row['survival_1y'])} of its new customers survive year one, it {payback} "
        f"and returns {row['fv_to_cac']:.1f}x its CAC in estimated future value."
    )
