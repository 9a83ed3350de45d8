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
from helpers.clv.rfm import purchase_transactions, rfm_summary
from helpers.results import Result, json_safe, share_of
from helpers.schema import UNATTRIBUTED

__all__ = [
    "Forecast",
    "forecast_customers",
    "compare_rankings",
    "clv_metrics",
    "clv_findings",
    "plot_future_vs_past",
]

_DAYS_PER_MONTH = 30.4375
_MODEL = "BG/NBD + Gamma-Gamma, maximum likelihood (helpers.clv)"
_MIN_RANKED = 3  # fewer customers than this: no ranking comparison
#: how closely past sales and expected profit rank customers alike: (lowest rank correlation,
#: words), the first that the correlation reaches
_AGREEMENT = ((0.8, "largely agree"), (0.4, "agree only loosely"), (-1.0, "hardly agree"))


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
        totals. Not available (``message`` says why) with fewer than ``min_customers``
        customers, without repeat purchases, or when the fit runs to a boundary other than the
        Poisson limit (there, the model's no-drop-out limit is used and the note says so).

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
    lines = purchase_transactions(order_lines)
    summary = rfm_summary(lines, observation_end=observation_end, time_unit_days=unit)
    reason = _why_no_model(summary, cfg)
    if reason:
        return _unavailable(summary, reason, horizon_days)
    bgnbd, gamma_gamma = _fit_models(summary, cfg)
    out = _expectations(summary, bgnbd, gamma_gamma, horizon_days / unit)
    reason = _why_not_usable(bgnbd, out)
    if reason:
        return _unavailable(summary, reason, horizon_days, bgnbd)
    return _available(
        _add_profit(out, ledger, float(cfg["margin_floor"])), bgnbd, gamma_gamma, horizon_days, cfg
    )


def _available(
    table: pd.DataFrame,
    bgnbd: BGNBDParams,
    gamma_gamma: GammaGammaParams | None,
    horizon_days: float,
    cfg: Mapping[str, Any],
) -> Forecast:
    """The available forecast: its table, models, note, metrics and findings."""
    notes = [_boundary_note(bgnbd), _model_note(gamma_gamma, cfg)]
    forecast = Forecast(
        table=table,
        bgnbd=bgnbd,
        gamma_gamma=gamma_gamma,
        horizon_days=horizon_days,
        note=" ".join(n for n in notes if n),
    )
    forecast.metrics, forecast.findings = _forecast_metrics(forecast), _forecast_findings(forecast)
    return forecast


def _why_no_model(summary: pd.DataFrame, cfg: Mapping[str, Any]) -> str:
    """Why the data cannot support a future-value model, or "" when it can."""
    if len(summary) < int(cfg["min_customers"]):
        noun = "customer" if len(summary) == 1 else "customers"
        return (
            f"Only {len(summary):,} {noun} with purchases: too few (fewer than "
            f"{cfg['min_customers']}) for a future-value model."
        )
    if not (summary["frequency"] > 0).any():
        return (
            f"None of the {len(summary):,} customers bought again after their first purchase "
            "day: there are no repeat purchases to model (BG/NBD learns how often customers buy "
            "again and when they stop), so no future value is forecast."
        )
    return ""


def _why_not_usable(bgnbd: BGNBDParams, out: pd.DataFrame) -> str:
    """Why a fitted model gives no forecast, or "" when it gives one.

    A boundary other than the Poisson limit, or an expectation that is not finite.
    """
    if bgnbd.boundary and not bgnbd.no_dropout:
        return (
            f"The BG/NBD fit ran to the boundary of its parameters ({bgnbd.boundary}): a "
            "forecast from it would be an artefact of the fit, so none is given."
        )
    not_finite = int(out["expected_purchases"].isna().sum())
    if not_finite:
        return (
            f"The BG/NBD expectation is not finite for {not_finite:,} customers: no forecast "
            "is given rather than a wrong one (the fitted parameters are in the model table)."
        )
    return ""


def _unavailable(
    summary: pd.DataFrame, message: str, horizon_days: float, bgnbd: BGNBDParams | None = None
) -> Forecast:
    """The forecast that is not available, saying why (with the fit, when there was one)."""
    metrics: dict[str, Any] = {"available": False, "message": message}
    if bgnbd is not None:
        metrics["bgnbd"] = bgnbd.as_dict()
    return Forecast(
        table=summary,
        metrics=metrics,
        findings=[message],
        message=message,
        bgnbd=bgnbd,
        horizon_days=horizon_days,
    )


def _boundary_note(bgnbd: BGNBDParams) -> str:
    """What the forecast does at the Poisson limit of BG/NBD, or ""."""
    if not bgnbd.no_dropout:
        return ""
    return (
        f"The BG/NBD fit ran to its boundary, {bgnbd.boundary}; expected purchases therefore "
        "use the model's no-drop-out limit (the NBD model): each customer's posterior purchase "
        "rate (r + x) / (alpha + T) times the horizon, every customer counted as alive."
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
        "boundary": forecast.bgnbd.boundary or None,
        "fallback": "nbd (no drop-out limit of BG/NBD)" if forecast.bgnbd.no_dropout else None,
    }


def _forecast_findings(forecast: Forecast) -> list[str]:
    """The expected purchases, revenue and profit over the horizon, and the model's note."""
    customers = forecast.customers
    months = round(forecast.horizon_days / _DAYS_PER_MONTH)
    basis = (
        "after cost to serve"
        if customers["cts_per_order"].abs().sum() > 0
        else "on the gross margin (no cost to serve counted)"
    )
    profit = (
        f" and {plots.format_money(customers['expected_profit'].sum())} in profit {basis}."
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
        spearman (rank correlation of the two rankings; None when either does not vary),
        top_overlap (share of the top by future profit also top by past sales),
        top_by_sales_future_profit_share and top_by_future_future_profit_share (each top
        group's share of total expected profit; None when that total is not positive and
        material, :func:`helpers.results.share_of`) and n_top (customers in each top group).
        Empty with fewer than three customers to rank.
    """
    both = customers[["past_net_revenue", "expected_profit"]].dropna()
    if len(both) < _MIN_RANKED:
        return {}
    n_top = max(1, int(round(len(both) * top_share)))
    top_sales = set(both["past_net_revenue"].nlargest(n_top).index)
    top_future = set(both["expected_profit"].nlargest(n_top).index)
    profits = both["expected_profit"]

    def share(ids: set[Any]) -> float | None:
        return share_of(float(profits[profits.index.isin(ids)].sum()), profits)

    varies = both["past_net_revenue"].nunique() > 1 and profits.nunique() > 1
    return {
        "spearman": float(both["past_net_revenue"].rank().corr(profits.rank())) if varies else None,
        "top_overlap": len(top_sales & top_future) / n_top,
        "top_by_sales_future_profit_share": share(top_sales),
        "top_by_future_future_profit_share": share(top_future),
        "n_top": n_top,
    }


def _agreement(spearman: float | None) -> str:
    """How closely two rankings agree, in words, from their rank correlation."""
    if spearman is None:
        return "Past sales against expected future profit"
    words = next(text for bound, text in _AGREEMENT if spearman >= bound)
    return f"Past sales and future profit {words} (rank correlation {spearman:.2f})"


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
        correlation = (
            f" (rank correlation {ranking['spearman']:.2f})"
            if ranking.get("spearman") is not None
            else ""
        )
        out.append(
            f"{ranking['top_overlap']:.0%} of the top {ranking['n_top']:,} customers by "
            f"expected future profit are also in the top by past sales{correlation}."
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
        _agreement(ranking.get("spearman")),
        "BG/NBD x Gamma-Gamma, times each customer's margin, less cost to serve",
    )
    return ax


def model_table(forecast: Forecast) -> pd.DataFrame:
    """The fitted BG/NBD and Gamma-Gamma parameters, one row each, with what they mean.

    Parameters
    ----------
    forecast
        :func:`forecast_customers`.

    Returns
    -------
    DataFrame
        model, parameter, value (time in the summary's unit; money in the data's currency),
        meaning; empty when no model was fitted. A BG/NBD fit on a boundary of its parameter
        space adds a row "boundary" saying which.
    """
    rows: list[dict[str, Any]] = []
    if forecast.bgnbd is not None:
        fit = forecast.bgnbd
        rows += [
            {"model": "BG/NBD", "parameter": "r", "value": fit.r,
             "meaning": "shape of how often customers buy"},
            {"model": "BG/NBD", "parameter": "alpha", "value": fit.alpha,
             "meaning": "scale of how often customers buy (time units)"},
            {"model": "BG/NBD", "parameter": "a, b", "value": f"{fit.a:.3g}, {fit.b:.3g}",
             "meaning": f"chance of leaving after a purchase: {fit.a / (fit.a + fit.b):.1%} on average"},
            {"model": "BG/NBD", "parameter": "customers", "value": fit.n_customers,
             "meaning": "customers fitted"},
        ]  # fmt: skip
        if fit.boundary:
            rows.append({"model": "BG/NBD", "parameter": "boundary", "value": "yes",
                         "meaning": fit.boundary})  # fmt: skip
    if forecast.gamma_gamma is not None:
        spend = forecast.gamma_gamma
        mean = spend.p * spend.v / (spend.q - 1) if spend.q > 1 else float("nan")
        rows += [
            {"model": "Gamma-Gamma", "parameter": "p, q, v",
             "value": f"{spend.p:.3g}, {spend.q:.3g}, {spend.v:.3g}",
             "meaning": "spread of spend per order across customers"},
            {"model": "Gamma-Gamma", "parameter": "mean spend per order", "value": mean,
             "meaning": "expected spend per repeat order (currency; none when q <= 1)"},
            {"model": "Gamma-Gamma", "parameter": "customers", "value": spend.n_customers,
             "meaning": "repeat buyers fitted"},
        ]  # fmt: skip
    return pd.DataFrame(rows, columns=["model", "parameter", "value", "meaning"])
