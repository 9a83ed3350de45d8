"""Each customer's future value as profit, how it ranks against past sales, and a holdout check."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers import plots
from helpers.clv.models import (
    BGNBDParams,
    GammaGammaParams,
    expected_purchases,
    expected_spend,
    fit_bgnbd,
    fit_gamma_gamma,
    probability_alive,
)
from helpers.clv.rfm import calibration_holdout_summary, rfm_summary
from helpers.ledger.purchases import purchase_lines
from helpers.results import Result, json_safe, missing
from helpers.schema import UNATTRIBUTED

__all__ = [
    "Forecast",
    "forecast_customers",
    "compare_rankings",
    "holdout_check",
    "clv_metrics",
    "clv_findings",
    "plot_future_vs_past",
    "plot_holdout_deciles",
]

_DAYS_PER_MONTH = 30.4375
_MODEL = "BG/NBD + Gamma-Gamma, maximum likelihood (helpers.clv)"


@dataclass
class Forecast(Result):
    """Per-customer future value: a :class:`~helpers.results.Result` with the fitted models.

    Attributes
    ----------
    table
        One row per customer (also as ``customers``): see :func:`forecast_customers`.
    bgnbd, gamma_gamma
        The fitted models (None when not fitted).
    horizon_days
        The forecast horizon, days.
    note
        How the forecast departs from the full model (no Gamma-Gamma fit, or heavy-tailed
        spend), empty otherwise.
    """

    bgnbd: BGNBDParams | None = None
    gamma_gamma: GammaGammaParams | None = None
    horizon_days: float = 0.0
    note: str = ""

    @property
    def customers(self) -> pd.DataFrame:
        """The per-customer forecast (the ``table``)."""
        return self.table


def _settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config's ``clv`` section as a dict (defaults in ``defaults/clv.yaml``)."""
    return dict(config["clv"])


# ---- forecast per customer --------------------------------------------------------------------
def forecast_customers(
    order_lines: pd.DataFrame,
    ledger: pd.DataFrame | None,
    config: Mapping[str, Any],
    observation_end: pd.Timestamp | None = None,
) -> Forecast:
    """Expected purchases, revenue and profit of every customer over the configured horizon.

    Fits BG/NBD and Gamma-Gamma on the order lines (per ``clv`` config), then expected profit =
    expected revenue x the customer's gross margin % - expected purchases x the customer's cost
    to serve per order, both from the ledger (book-wide gross margin % where a customer's own is
    undefined; no cost to serve without a ledger column for it).

    Parameters
    ----------
    order_lines
        The canonical order lines.
    ledger
        The ledger (net_revenue, gross_margin, cost_to_serve, orders, profit), or None.
    config
        The dataset config (its ``clv`` section).
    observation_end
        The end of observation (default: the last order date).

    Returns
    -------
    Forecast
        ``table`` indexed by customer: the RFM summary (:func:`helpers.clv.rfm_summary`),
        p_alive (0-1), expected_purchases, expected_spend and expected_revenue (currency
        units), gross_margin_pct (0-1), cts_per_order, past_net_revenue, past_profit and
        expected_profit (currency units); the fitted models; ``metrics`` and ``findings`` on the
        totals. Not available with fewer than ``min_customers`` customers.

    References
    ----------
    Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). "Counting Your Customers" the Easy
    Way: An Alternative to the Pareto/NBD Model. Marketing Science 24(2), 275-284.
    Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). RFM and CLV: Using Iso-Value Curves
    for Customer Base Analysis. Journal of Marketing Research 42(4), 415-430.
    """
    cfg = _settings(config)
    unit = float(cfg["time_unit_days"])
    horizon_days = float(cfg["horizon_months"]) * float(cfg["days_per_month"])
    lines = purchase_lines(order_lines)
    summary = rfm_summary(lines, observation_end=observation_end, time_unit_days=unit)
    if len(summary) < int(cfg["min_customers"]):
        return _too_few(summary, cfg["min_customers"], horizon_days)
    bgnbd, gamma_gamma = _fit_models(summary, cfg)
    out = _expectations(summary, bgnbd, gamma_gamma, horizon_days / unit)
    out = _add_profit(out, ledger, float(cfg["margin_floor"]))
    forecast = Forecast(
        table=out,
        bgnbd=bgnbd,
        gamma_gamma=gamma_gamma,
        horizon_days=horizon_days,
        note=_model_note(gamma_gamma, cfg),
    )
    forecast.metrics = _forecast_metrics(forecast)
    forecast.findings = _forecast_findings(forecast)
    return forecast


def _too_few(summary: pd.DataFrame, min_customers: Any, horizon_days: float) -> Forecast:
    """The forecast that is not available: too few customers for a model."""
    message = (
        f"Only {len(summary)} customers with purchases: too few (fewer than "
        f"{min_customers}) for a future-value model."
    )
    return Forecast(
        table=summary,
        metrics={"available": False, "message": message},
        findings=[message],
        message=message,
        horizon_days=horizon_days,
    )


def _fit_models(
    summary: pd.DataFrame, cfg: Mapping[str, Any]
) -> tuple[BGNBDParams, GammaGammaParams | None]:
    """BG/NBD on every customer; Gamma-Gamma when there are enough repeat buyers."""
    options = {
        "max_iterations": int(cfg["optimizer"]["max_iterations"]),
        "tolerance": float(cfg["optimizer"]["tolerance"]),
    }
    bgnbd = fit_bgnbd(summary["frequency"], summary["recency"], summary["T"], **options)
    repeat = (summary["frequency"] > 0) & (summary["monetary_value"] > 0)
    if int(repeat.sum()) < int(cfg["min_repeat_customers"]):
        return bgnbd, None
    return bgnbd, fit_gamma_gamma(summary["frequency"], summary["monetary_value"], **options)


def _expectations(
    summary: pd.DataFrame,
    bgnbd: BGNBDParams,
    gamma_gamma: GammaGammaParams | None,
    horizon: float,
) -> pd.DataFrame:
    """The summary with p_alive and the expected purchases, spend and revenue over ``horizon``."""
    freq, rec, age = summary["frequency"], summary["recency"], summary["T"]
    purchases = expected_purchases(bgnbd, horizon, freq, rec, age)
    if gamma_gamma is not None:
        spend = expected_spend(gamma_gamma, freq, summary["monetary_value"])
    else:  # too few repeat buyers: each customer's own mean purchase value
        spend = (
            (summary["first_value"] + summary["monetary_value"] * freq) / (freq + 1)
        ).to_numpy()
    out = summary.assign(
        p_alive=probability_alive(bgnbd, freq, rec, age),
        expected_purchases=purchases,
        expected_spend=spend,
    )
    out["expected_revenue"] = out["expected_purchases"] * out["expected_spend"]
    return out


def _model_note(gamma_gamma: GammaGammaParams | None, cfg: Mapping[str, Any]) -> str:
    """How expected spend departs from the Gamma-Gamma model, or an empty string."""
    if gamma_gamma is None:
        return (
            f"Fewer than {cfg['min_repeat_customers']} repeat buyers: no Gamma-Gamma fit, expected "
            "spend is each customer's own mean purchase."
        )
    if gamma_gamma.q <= 1.0:
        return (
            "Spend per purchase is too heavy-tailed for the Gamma-Gamma model "
            f"(q = {gamma_gamma.q:.2f} <= 1, an infinite mean): expected spend falls back to each "
            "customer's own mean repeat purchase (the repeat buyers' average for one-time buyers)."
        )
    return ""


def _add_profit(out: pd.DataFrame, ledger: pd.DataFrame | None, floor: float) -> pd.DataFrame:
    """Turn expected revenue and purchases into expected profit with the ledger's unit economics."""
    out = out.copy()
    if ledger is None or "net_revenue" not in ledger:
        out["gross_margin_pct"] = np.nan
        out["cts_per_order"] = 0.0
        out["past_net_revenue"] = out["first_value"] + out["monetary_value"] * out["frequency"]
        out["past_profit"] = np.nan
        out["expected_profit"] = np.nan
        return out
    led = ledger.loc[ledger["customer_id"] != UNATTRIBUTED].set_index("customer_id")
    net = led["net_revenue"].astype("float64")
    margin = led["gross_margin"].astype("float64") if "gross_margin" in led else net * np.nan
    book = float(margin.sum() / net.sum()) if net.sum() > 0 else 0.0
    own = (margin / net.where(net > 0)).clip(floor, 1.0)
    cts = led["cost_to_serve"].astype("float64") if "cost_to_serve" in led else net * 0.0
    orders = led["orders"].astype("float64") if "orders" in led else net * np.nan
    per_order = (cts / orders.where(orders > 0)).fillna(0.0)
    out["gross_margin_pct"] = own.reindex(out.index).fillna(book)
    out["cts_per_order"] = per_order.reindex(out.index).fillna(0.0)
    out["past_net_revenue"] = net.reindex(out.index)
    out["past_profit"] = (
        led["profit"].astype("float64").reindex(out.index) if "profit" in led else np.nan
    )
    out["expected_profit"] = (
        out["expected_revenue"] * out["gross_margin_pct"]
        - out["expected_purchases"] * out["cts_per_order"]
    )
    return out


def _forecast_metrics(forecast: Forecast) -> dict[str, Any]:
    """Headline numbers of an available forecast: model, horizon, parameters and totals."""
    customers = forecast.customers
    profit_known = customers["expected_profit"].notna().any()
    return {
        "available": True,
        "model": _MODEL,
        "horizon_months": round(forecast.horizon_days / _DAYS_PER_MONTH, 2),
        "customers": len(customers),
        "bgnbd": forecast.bgnbd.as_dict(),
        "gamma_gamma": forecast.gamma_gamma.as_dict() if forecast.gamma_gamma else None,
        "total_expected_purchases": float(customers["expected_purchases"].sum()),
        "total_expected_revenue": float(customers["expected_revenue"].sum()),
        "total_expected_profit": float(customers["expected_profit"].sum())
        if profit_known
        else None,
        "note": forecast.note,
    }


def _forecast_findings(forecast: Forecast) -> list[str]:
    """The expected purchases, revenue and profit over the horizon, and the model's note."""
    customers = forecast.customers
    months = round(forecast.horizon_days / _DAYS_PER_MONTH)
    profit = (
        f" and {plots.format_money(customers['expected_profit'].sum())} in profit after cost "
        "to serve."
        if customers["expected_profit"].notna().any()
        else "."
    )
    out = [
        f"Over the next {months} months the customers are expected to make "
        f"{customers['expected_purchases'].sum():,.0f} purchases worth "
        f"{plots.format_money(customers['expected_revenue'].sum())} in revenue" + profit
    ]
    if forecast.note:
        out.append(forecast.note)
    return out


def compare_rankings(customers: pd.DataFrame, top_share: float) -> dict[str, float]:
    """How ranking by expected future profit differs from ranking by past sales.

    Parameters
    ----------
    customers
        :func:`forecast_customers`'s table (past_net_revenue, expected_profit).
    top_share
        The share of customers counted as the top (e.g. 0.2).

    Returns
    -------
    dict
        spearman (rank correlation of the two rankings), top_overlap (share of the top by
        future profit also top by past sales), top_by_sales_future_profit_share and
        top_by_future_future_profit_share (each top group's share of total expected profit)
        and n_top (customers in each top group).
    """
    both = customers[["past_net_revenue", "expected_profit"]].dropna()
    n_top = max(1, int(round(len(both) * top_share)))
    top_sales = set(both["past_net_revenue"].nlargest(n_top).index)
    top_future = set(both["expected_profit"].nlargest(n_top).index)
    total = float(both["expected_profit"].sum())

    def share(ids: set[Any]) -> float:
        return (
            float(both.loc[both.index.isin(ids), "expected_profit"].sum() / total)
            if total
            else np.nan
        )

    return {
        "spearman": float(both["past_net_revenue"].rank().corr(both["expected_profit"].rank())),
        "top_overlap": len(top_sales & top_future) / n_top,
        "top_by_sales_future_profit_share": share(top_sales),
        "top_by_future_future_profit_share": share(top_future),
        "n_top": n_top,
    }


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
        holdout_actual_purchases and holdout_total_error_pct (predicted / actual - 1);
        ``detail['customers']`` one row per customer. Not available when the history is too
        short or too thin.
    """
    cfg = _settings(config)
    lines = purchase_lines(order_lines)
    dates = lines["order_date"]
    if len(lines) == 0:
        return missing("No order lines: no holdout check.")
    end = pd.Timestamp(observation_end) if observation_end is not None else dates.max()
    cal_end = end - pd.Timedelta(days=float(cfg["holdout_months"]) * float(cfg["days_per_month"]))
    if cal_end <= dates.min():
        return missing(
            f"History shorter than the {cfg['holdout_months']}-month holdout: no holdout check."
        )
    unit = float(cfg["time_unit_days"])
    summary = calibration_holdout_summary(lines, cal_end, end, time_unit_days=unit)
    if len(summary) < int(cfg["min_customers"]):
        return missing("Too few customers before the holdout: no check.")
    calibrated = forecast_customers(
        lines.loc[dates <= cal_end], None, config, observation_end=cal_end
    )
    summary = _predicted(summary, calibrated, int(cfg["holdout_deciles"]))
    metrics = _holdout_metrics(summary, cal_end)
    return Result(
        table=_decile_table(summary),
        metrics=metrics,
        findings=[_holdout_finding(metrics)],
        detail={"customers": summary},
    )


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
    out["decile"] = pd.qcut(ranks, deciles, labels=range(1, deciles + 1))
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
        "holdout_total_error_pct": float(summary["predicted"].sum() / actual_total - 1.0)
        if actual_total
        else float("nan"),
    }


def _holdout_finding(metrics: Mapping[str, Any]) -> str:
    """Predicted against actual purchases in the holdout, and the error per customer."""
    return (
        f"Holdout check: calibrated up to {metrics['calibration_end']}, the model predicted "
        f"{metrics['holdout_predicted_purchases']:,.0f} purchases against "
        f"{metrics['holdout_actual_purchases']:,.0f} actual "
        f"({metrics['holdout_total_error_pct']:+.0%}), a mean absolute error of "
        f"{metrics['holdout_mae']:.2f} purchases per customer."
    )


# ---- the notebook's record --------------------------------------------------------------------
def clv_metrics(
    forecast: Forecast, ranking: Mapping[str, float], holdout: Result
) -> dict[str, Any]:
    """Headline numbers of the future-value model for ``ws.record("clv", ...)``.

    Parameters
    ----------
    forecast
        :func:`forecast_customers`.
    ranking
        :func:`compare_rankings` (empty without a forecast).
    holdout
        :func:`holdout_check`.

    Returns
    -------
    dict
        The forecast's metrics (available, model, horizon_months, customers, the fitted
        parameters, total_expected_purchases, total_expected_revenue, total_expected_profit,
        note), ``ranking_<key>``, the holdout metrics and holdout_message when the check was
        not possible; only available and message without a forecast. Strict JSON.
    """
    if not forecast.available:
        return dict(forecast.metrics)
    out: dict[str, Any] = dict(forecast.metrics)
    out.update({f"ranking_{k}": v for k, v in ranking.items()})
    out.update(holdout.metrics)
    if holdout.message:
        out["holdout_message"] = holdout.message
    return json_safe(out)


def clv_findings(forecast: Forecast, ranking: Mapping[str, float], holdout: Result) -> list[str]:
    """Sentences computed from the forecast, the ranking comparison and the holdout check.

    Parameters
    ----------
    forecast
        :func:`forecast_customers`.
    ranking
        :func:`compare_rankings` (empty without a forecast).
    holdout
        :func:`holdout_check`.

    Returns
    -------
    list of str
        The forecast's findings, the overlap of the two rankings and the holdout check (or why
        it was not possible); only why there is no forecast without one.
    """
    if not forecast.available:
        return [forecast.message]
    out = list(forecast.findings)
    if ranking:
        out.append(
            f"{ranking['top_overlap']:.0%} of the top {ranking['n_top']:,} customers by "
            f"expected future profit are also in the top by past sales (rank correlation "
            f"{ranking['spearman']:.2f})."
        )
    out.extend(holdout.findings)
    return out


# ---- figures ----------------------------------------------------------------------------------
def plot_future_vs_past(
    customers: pd.DataFrame, ranking: Mapping[str, float], ax: Axes | None = None
) -> Axes:
    """Past net revenue against expected future profit, one dot per customer.

    Parameters
    ----------
    customers
        :func:`forecast_customers`'s table.
    ranking
        :func:`compare_rankings` (its rank correlation titles the figure).
    ax
        Axes to draw on (default: a new figure).

    Returns
    -------
    Axes
        The scatter, past net revenue on a symmetric log axis.
    """
    ax = plots.new_axes(ax)
    both = customers[["past_net_revenue", "expected_profit"]].dropna()
    ax.scatter(
        both["past_net_revenue"], both["expected_profit"], s=8, alpha=0.4, color=plots.PALETTE[0]
    )
    ax.axhline(0, color="#555555", linewidth=0.8)
    ax.set_xscale("symlog", linthresh=max(1.0, float(both["past_net_revenue"].abs().median())))
    ax.set_xlabel("Past net revenue (period)")
    ax.set_ylabel("Expected profit (horizon)")
    plots.money_axis(ax, "y")
    plots.set_finding_title(
        ax,
        f"Past sales and future profit agree only loosely (rank correlation "
        f"{ranking.get('spearman', float('nan')):.2f})",
        "BG/NBD x Gamma-Gamma, times each customer's margin, less cost to serve",
    )
    return ax


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
