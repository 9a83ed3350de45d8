"""How far to trust the forecast: fit on the history up to a few months before the end, predict them.

A holdout error beyond ``clv.holdout_caution`` gets a caution naming the likely cause measured from
the data: seasonality (the holdout months' share of each earlier year's purchases against an even
spread) and trend (existing customers' purchases in the holdout against the same months a year
earlier). BG/NBD assumes a steady rate of buying, so it sees neither.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers import plots
from helpers.clv.forecast import Forecast, forecast_customers
from helpers.clv.models import expected_purchases
from helpers.clv.rfm import calibration_holdout_summary, purchase_transactions
from helpers.results import Result, missing

__all__ = ["holdout_check", "holdout_causes", "plot_holdout_deciles"]


def _settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config's ``clv`` section as a dict (defaults in ``defaults/clv.yaml``)."""
    return dict(config["clv"])


# ---- holdout check ----------------------------------------------------------------------------
def holdout_check(
    order_lines: pd.DataFrame,
    config: Mapping[str, Any],
    observation_end: pd.Timestamp | None = None,
) -> Result:
    """Calibrate on the history up to ``holdout_months`` before the end, predict the rest.

    Parameters
    ----------
    order_lines
        The canonical order lines.
    config
        The dataset config (its ``clv`` section).
    observation_end
        The end of the holdout (default: the last order date).

    Returns
    -------
    Result
        ``table``, one row per decile of predicted purchases (1 = lowest): customers, and per
        customer the mean predicted and actual purchases, their mean absolute error (mae), and
        the same for revenue (currency units); ``metrics`` calibration_end (ISO date),
        holdout_mae, holdout_mae_revenue, holdout_predicted_purchases,
        holdout_actual_purchases, holdout_total_error_pct (predicted / actual - 1; None
        without actual purchases), holdout_caution (the error is beyond
        ``clv.holdout_caution``) and then the causes (:func:`holdout_causes`, prefixed
        ``holdout_``); ``detail['customers']`` one row per customer. Not available (the
        message says why) on a short or thin history, or without a model before the holdout.
    """
    cfg = _settings(config)
    lines = purchase_transactions(order_lines)
    if len(lines) == 0:
        return missing("No order lines: no holdout check.")
    dates = lines["order_date"]
    end = pd.Timestamp(observation_end) if observation_end is not None else dates.max()
    cal_end = end - pd.Timedelta(days=float(cfg["holdout_months"]) * float(cfg["days_per_month"]))
    if cal_end <= dates.min():
        return missing(
            f"History shorter than the {cfg['holdout_months']}-month holdout: no holdout check."
        )
    unit = float(cfg["time_unit_days"])
    summary = calibration_holdout_summary(lines, cal_end, end, time_unit_days=unit)
    if len(summary) < int(cfg["min_customers"]):
        return missing(
            f"Only {len(summary):,} customers bought before the holdout (up to "
            f"{cal_end.date()}), fewer than {cfg['min_customers']}: no holdout check."
        )
    calibrated = forecast_customers(
        lines.loc[dates <= cal_end], None, config, observation_end=cal_end
    )
    if not calibrated.available:
        return missing(
            f"No holdout check: before the holdout (up to {cal_end.date()}), {_lower(calibrated.message)}"
        )
    summary = _predicted(summary, calibrated, int(cfg["holdout_deciles"]))
    metrics = _holdout_metrics(summary, cal_end)
    findings = [_holdout_finding(metrics), *_caution_if_off(metrics, lines, cal_end, end, cfg)]
    return Result(_decile_table(summary), metrics, findings, detail={"customers": summary})


def _caution_if_off(
    metrics: dict[str, Any],
    lines: pd.DataFrame,
    cal_end: pd.Timestamp,
    end: pd.Timestamp,
    cfg: Mapping[str, Any],
) -> list[str]:
    """The caution on an error beyond ``holdout_caution`` (its causes added to ``metrics``)."""
    error = metrics["holdout_total_error_pct"]
    metrics["holdout_caution"] = error is not None and abs(error) > float(cfg["holdout_caution"])
    if not metrics["holdout_caution"]:
        return []
    causes = holdout_causes(lines, cal_end, end)
    metrics.update({f"holdout_{key}": value for key, value in causes.items()})
    return [_caution(error, causes, cfg, cal_end, end)]


def _lower(sentence: str) -> str:
    """A sentence to follow a colon: its first letter in lower case (unless a number)."""
    return sentence[:1].lower() + sentence[1:] if sentence else sentence


def _predicted(summary: pd.DataFrame, calibrated: Forecast, deciles: int) -> pd.DataFrame:
    """The holdout summary with predicted purchases and revenue, their decile and errors."""
    pred = expected_purchases(
        calibrated.bgnbd,
        summary["duration_holdout"].iloc[0],
        summary["frequency"],
        summary["recency"],
        summary["T"],
    )
    spend = calibrated.customers["expected_spend"].reindex(summary.index).to_numpy()
    out = summary.assign(predicted=pred, predicted_revenue=pred * spend)
    ranks = out["predicted"].rank(method="first")
    out["decile"] = pd.qcut(ranks, min(deciles, len(out)), labels=False) + 1
    out["abs_error"] = (out["predicted"] - out["frequency_holdout"]).abs()
    out["abs_error_revenue"] = (out["predicted_revenue"] - out["value_holdout"]).abs()
    return out


def _decile_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Mean predicted and actual purchases and revenue, and their errors, per decile."""
    return summary.groupby("decile", observed=True).agg(
        customers=("predicted", "size"),
        predicted=("predicted", "mean"),
        actual=("frequency_holdout", "mean"),
        mae=("abs_error", "mean"),
        predicted_revenue=("predicted_revenue", "mean"),
        actual_revenue=("value_holdout", "mean"),
        mae_revenue=("abs_error_revenue", "mean"),
    )


def _holdout_metrics(summary: pd.DataFrame, cal_end: pd.Timestamp) -> dict[str, Any]:
    """Headline numbers of the holdout check."""
    actual_total = float(summary["frequency_holdout"].sum())
    predicted_total = float(summary["predicted"].sum())
    return {
        "calibration_end": cal_end.date().isoformat(),
        "holdout_mae": float(summary["abs_error"].mean()),
        "holdout_mae_revenue": float(summary["abs_error_revenue"].mean()),
        "holdout_predicted_purchases": predicted_total,
        "holdout_actual_purchases": actual_total,
        "holdout_total_error_pct": predicted_total / actual_total - 1.0 if actual_total else None,
    }


def _holdout_finding(metrics: Mapping[str, Any]) -> str:
    """Predicted against actual purchases in the holdout, and the error per customer."""
    error = metrics["holdout_total_error_pct"]
    against = (
        f"{metrics['holdout_actual_purchases']:,.0f} actual ({error:+.0%})"
        if error is not None
        else "none actually made"
    )
    return (
        f"Holdout check: calibrated up to {metrics['calibration_end']}, the model predicted "
        f"{metrics['holdout_predicted_purchases']:,.0f} purchases against {against}, a mean "
        f"absolute error of {metrics['holdout_mae']:.2f} purchases per customer."
    )


# ---- why the holdout is off: seasonality and trend, measured -----------------------------------
def _purchase_days(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per customer and purchase day: customer_id, day."""
    days = lines.assign(day=lines["order_date"].dt.normalize())[["customer_id", "day"]]
    return days.drop_duplicates()


def _count(days: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> int:
    """Purchase days in (start, end]."""
    return int(((days["day"] > start) & (days["day"] <= end)).sum())


def holdout_causes(
    lines: pd.DataFrame, calibration_end: pd.Timestamp, end: pd.Timestamp
) -> dict[str, Any]:
    """Seasonality and trend around a holdout window, measured from the purchases.

    Parameters
    ----------
    lines : pandas.DataFrame
        Purchase lines (customer_id, order_date).
    calibration_end, end : pandas.Timestamp
        The holdout is (calibration_end, end].

    Returns
    -------
    dict
        ``season_share``: the holdout's calendar window's share of the purchases of each
        complete earlier year ending where that window ends (pooled over the years the data
        holds; None without one), ``even_share``: the window's share of a year (what a steady
        rate predicts), ``season_years``: the earlier years used, ``season_effect``:
        even_share / season_share - 1 (the error a steady-rate model makes from seasonality
        alone), ``trend``: existing customers' purchases in the window against the same window
        a year earlier, minus 1 (None without it), and ``trend_effect``: 1 / (1 + trend) - 1.
        Purchases are customer-days, as the model counts them.
    """
    days = _purchase_days(lines)
    year = pd.Timedelta(days=365.25)
    window = end - calibration_end
    first_day = days["day"].min()
    in_window, in_year, years = 0, 0, 0
    while end - (years + 2) * year >= first_day - pd.Timedelta(days=1):
        shift = (years + 1) * year
        in_window += _count(days, calibration_end - shift, end - shift)
        in_year += _count(days, end - shift - year, end - shift)
        years += 1
    even = window / year
    season = in_window / in_year if in_year else None
    out: dict[str, Any] = {
        "even_share": even,
        "season_share": season,
        "season_years": years,
        "season_effect": even / season - 1 if season else None,
        "trend": None,
        "trend_effect": None,
    }
    if end - year - window >= first_day:
        known = days.groupby("customer_id")["day"].min()
        before = days.loc[days["customer_id"].map(known) <= calibration_end - year]
        now = days.loc[days["customer_id"].map(known) <= calibration_end]
        last_year = _count(before, calibration_end - year, end - year)
        this_year = _count(now, calibration_end, end)
        if last_year:
            out["trend"] = this_year / last_year - 1
            out["trend_effect"] = last_year / this_year - 1 if this_year else None
    return out


def _caution(
    error: float,
    causes: Mapping[str, Any],
    cfg: Mapping[str, Any],
    cal_end: pd.Timestamp,
    end: pd.Timestamp,
) -> str:
    """The caution on a holdout error beyond the limit, with the causes the data shows."""
    limit = float(cfg["holdout_caution"])
    months = f"{(cal_end + pd.Timedelta(days=1)):%b} to {end:%b}"
    head = (
        f"Caution: the forecast was off by {error:+.0%} in the holdout, beyond +/-{limit:.0%}; "
        f"its totals {'understate' if error < 0 else 'overstate'} what customers buy."
    )
    measured, likely = [], []
    if causes.get("season_share") is not None:
        measured.append(
            f"the months {months} held {causes['season_share']:.0%} of each earlier year's "
            f"purchases against {causes['even_share']:.0%} for an even year (seasonality the "
            f"steady-rate model does not see: {causes['season_effect']:+.0%} on its own)"
        )
        if _explains(causes["season_effect"], error):
            likely.append("seasonality")
    if causes.get("trend") is not None and causes.get("trend_effect") is not None:
        measured.append(
            f"existing customers bought {causes['trend']:+.0%} in those months against the same "
            f"months a year earlier (a trend: {causes['trend_effect']:+.0%} on its own)"
        )
        if _explains(causes["trend_effect"], error):
            likely.append("trend")
    if not measured:
        return head + " The data holds no earlier year to measure seasonality or a trend against."
    verdict = (
        f" Likely cause: {' and '.join(likely)}."
        if likely
        else " Neither explains the error: the model may not suit how these customers buy."
    )
    return f"{head} Measured from the data: {'; '.join(measured)}.{verdict}"


def _explains(effect: float | None, error: float) -> bool:
    """Whether a measured effect points the way of the error and is at least a fifth of it."""
    return effect is not None and effect * error > 0 and abs(effect) >= 0.2 * abs(error)


# ---- figure ---------------------------------------------------------------------------------
def plot_holdout_deciles(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Predicted against actual purchases in the holdout, per decile of prediction.

    Parameters
    ----------
    table
        :func:`holdout_check`'s table.
    ax
        Axes to draw on (default: a new figure).

    Returns
    -------
    Axes
        Paired bars per decile, the decile with the largest error in the subtitle.
    """
    ax = plots.new_axes(ax)
    idx = np.arange(len(table))
    ax.bar(idx - 0.2, table["predicted"], width=0.4, label="predicted", color=plots.PALETTE[0])
    ax.bar(idx + 0.2, table["actual"], width=0.4, label="actual", color=plots.PALETTE[1])
    ax.set_xticks(idx, [str(d) for d in table.index])
    ax.set_xlabel("Decile of predicted purchases (1 = lowest)")
    ax.set_ylabel("Purchases per customer in the holdout")
    ax.legend(frameon=False)
    worst = table["mae"].idxmax() if len(table) else "-"
    plots.set_finding_title(
        ax,
        "How far to trust the forecast: predicted vs actual purchases in the holdout",
        f"largest mean absolute error in decile {worst}",
    )
    return ax
