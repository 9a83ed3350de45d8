"""Customer future value: BG/NBD purchases and Gamma-Gamma spend by maximum likelihood, as profit.

The models are Fader, Hardie & Lee's (2005) BG/NBD ("Counting your customers the easy way") and
the Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV"). They
are fitted here by a direct maximum-likelihood estimate in numpy/scipy: the log-likelihood in
log-sum-exp form with its analytic gradient, L-BFGS-B on the log of the parameters, and the
special functions evaluated once per distinct frequency. The fit is checked against the
published CDNOW parameters in ``tests/test_clv.py``. Another estimator (lifetimes, pymc-marketing)
can replace it behind the same four functions: ``fit_bgnbd``, ``fit_gamma_gamma``,
``expected_purchases`` and ``expected_spend``, which take and return plain arrays and
dataclasses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy.optimize import minimize
from scipy.special import digamma, expit, gammaln, hyp2f1

from helpers import plots
from helpers.ledger.purchases import purchase_lines
from helpers.results import json_safe
from helpers.schema import UNATTRIBUTED

__all__ = [
    "BGNBDParams",
    "GammaGammaParams",
    "Forecast",
    "select_period",
    "rfm_summary",
    "calibration_holdout_summary",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "expected_purchases",
    "probability_alive",
    "expected_spend",
    "forecast_customers",
    "compare_rankings",
    "holdout_check",
    "clv_findings",
    "clv_metrics",
    "plot_future_vs_past",
    "plot_holdout_deciles",
]

_LOG_BOUND = 20.0  # log-parameters live in [-20, 20] during the fit


# ---- parameters --------------------------------------------------------------------------------
@dataclass(frozen=True)
class BGNBDParams:
    """BG/NBD parameters (time in the units of the summary they were fitted on)."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    n_customers: int
    converged: bool = True

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class GammaGammaParams:
    """Gamma-Gamma spend parameters (money in the units of the summary's monetary value)."""

    p: float
    q: float
    v: float  # the scale called gamma in Fader & Hardie's note
    log_likelihood: float
    n_customers: int
    converged: bool = True

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---- transactions -> RFM summary ---------------------------------------------------------------
def select_period(
    order_lines: pd.DataFrame,
    period: tuple[pd.Timestamp | None, pd.Timestamp | None],
    date_col: str = "order_date",
) -> pd.DataFrame:
    """Order lines within an inclusive ``(start, end)`` period (either side may be None)."""
    start, end = period
    keep = pd.Series(True, index=order_lines.index)
    if start is not None:
        keep &= order_lines[date_col] >= start
    if end is not None:
        keep &= order_lines[date_col] <= end
    return order_lines.loc[keep]


def _days(values: pd.Series | np.ndarray) -> np.ndarray:
    """Whole days since 1970-01-01 of a datetime column (any resolution)."""
    arr = np.asarray(values)
    if arr.dtype.kind == "M":  # floor division of the raw integers: faster than astype
        per_day = np.timedelta64(1, "D") // np.timedelta64(1, np.datetime_data(arr.dtype)[0])
        return arr.view(np.int64) // per_day
    return arr.astype("datetime64[D]").astype(np.int64)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """Distinct values, ascending (sort and mask: np.unique hashes in numpy >= 2.3, slower here)."""
    out = np.sort(values)
    return out[np.r_[True, out[1:] != out[:-1]]] if len(out) else out


def rfm_summary(
    transactions: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    value_col: str | None = "revenue",
    observation_end: pd.Timestamp | str | None = None,
    time_unit_days: float = 1.0,
) -> pd.DataFrame:
    """Frequency, recency, T and monetary value per customer, from transaction lines.

    A purchase is a customer-day whose lines sum to a non-negative value (a day with only
    returns, summing below zero, is not a purchase). ``frequency`` is the
    number of repeat purchase days, ``recency`` the time from the first to the last purchase,
    ``T`` the time from the first purchase to ``observation_end`` (default: the last date in
    the data), all in units of ``time_unit_days``; ``monetary_value`` is the mean value of the
    repeat purchases (0 without repeats). Lines after ``observation_end`` are ignored.
    Computed with one integer sort, no per-customer Python.

    Returns
    -------
    DataFrame indexed by customer with columns frequency, recency, T, monetary_value,
    first_value (value of the first purchase day) and first_purchase (its date).
    """
    cols = ["frequency", "recency", "T", "monetary_value", "first_value", "first_purchase"]
    day = _days(transactions[date_col])
    value = (
        transactions[value_col].to_numpy(dtype="float64", na_value=0.0)
        if value_col
        else np.ones(len(transactions))
    )
    end_day = int(day.max()) if observation_end is None and len(day) else None
    if observation_end is not None:
        end_day = int(_days(np.array([pd.Timestamp(observation_end).to_datetime64()]))[0])
    codes, uniques = pd.factorize(transactions[customer_col])
    keep = codes >= 0
    if end_day is not None:
        keep &= day <= end_day
    if not keep.all():
        codes, day, value = codes[keep], day[keep], value[keep]
    if len(codes) == 0:
        return pd.DataFrame(columns=cols, index=pd.Index([], name=customer_col))
    d0 = int(day.min())
    span = int(day.max()) - d0 + 1
    key = np.multiply(codes, span, dtype=np.int64)  # then in place: a copy is 80 MB at 10M rows
    key += day
    key -= d0
    if np.any(value < 0):  # drop the customer-days whose lines sum below zero (only returns)
        bad = _sorted_unique(key[value < 0])
        at = np.minimum(np.searchsorted(bad, key), len(bad) - 1)
        hit = bad[at] == key
        sums = np.bincount(at[hit], weights=value[hit], minlength=len(bad))
        drop = np.isin(key, bad[sums < 0]) if np.any(sums < 0) else np.zeros(len(key), bool)
        if drop.any():
            codes, day, value, key = codes[~drop], day[~drop], value[~drop], key[~drop]
    # one sort: the distinct (customer, day) pairs, grouped by customer, days ascending
    pairs = _sorted_unique(key)
    cust = pairs // span
    g = np.flatnonzero(np.r_[True, cust[1:] != cust[:-1]])
    g_end = np.r_[g[1:], len(pairs)] - 1
    present = cust[g]
    first = pairs[g] - present * span + d0
    last = pairs[g_end] - present * span + d0
    frequency = g_end - g
    n_all = len(uniques)
    first_all = np.zeros(n_all, dtype=np.int64)
    first_all[present] = first
    total = np.bincount(codes, weights=value, minlength=n_all)[present]
    on_first = day == first_all[codes]
    first_value = np.bincount(codes, weights=np.where(on_first, value, 0.0), minlength=n_all)[
        present
    ]
    monetary = np.divide(total - first_value, frequency, out=np.zeros(len(g)), where=frequency > 0)
    unit = float(time_unit_days)
    out = pd.DataFrame(
        {
            "frequency": frequency.astype("float64"),
            "recency": (last - first) / unit,
            "T": (end_day - first) / unit,
            "monetary_value": monetary,
            "first_value": first_value,
            "first_purchase": first.astype("datetime64[D]").astype("datetime64[ns]"),
        },
        index=pd.Index(uniques.take(present), name=customer_col),
    )
    return out


def calibration_holdout_summary(
    transactions: pd.DataFrame,
    calibration_end: pd.Timestamp,
    observation_end: pd.Timestamp,
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    value_col: str | None = "revenue",
    time_unit_days: float = 1.0,
) -> pd.DataFrame:
    """The RFM summary up to ``calibration_end`` plus what each of those customers did after.

    Adds ``frequency_holdout`` (purchase days in the holdout), ``value_holdout`` (their value)
    and ``duration_holdout`` (holdout length in time units) to the calibration summary.
    """
    calibration_end, observation_end = pd.Timestamp(calibration_end), pd.Timestamp(observation_end)
    cal = rfm_summary(
        transactions,
        customer_col=customer_col,
        date_col=date_col,
        value_col=value_col,
        observation_end=calibration_end,
        time_unit_days=time_unit_days,
    )
    dates = transactions[date_col]
    later = transactions.loc[(dates > calibration_end) & (dates <= observation_end)]
    hold = rfm_summary(
        later,
        customer_col=customer_col,
        date_col=date_col,
        value_col=value_col,
        observation_end=observation_end,
        time_unit_days=time_unit_days,
    )
    total_value = hold["first_value"] + hold["monetary_value"] * hold["frequency"]
    out = cal.assign(
        frequency_holdout=(hold["frequency"] + 1).reindex(cal.index).fillna(0.0),
        value_holdout=total_value.reindex(cal.index).fillna(0.0),
        duration_holdout=(observation_end - calibration_end).days / float(time_unit_days),
    )
    return out


# ---- BG/NBD --------------------------------------------------------------------------------
def _bgnbd_objective(theta: np.ndarray, data: dict[str, np.ndarray]) -> tuple[float, np.ndarray]:
    """Mean negative log-likelihood of BG/NBD and its gradient in the log-parameters.

    Customers without repeat purchases contribute ``-r log(alpha + T)`` only, evaluated once per
    distinct T; for repeat buyers the two terms of the likelihood are added in log-sum-exp form
    (``softplus`` of their difference), and the gamma functions are evaluated once per distinct
    frequency.
    """
    r, alpha, a, b = np.exp(theta)
    ux, inv, cnt = data["ux"], data["inv"], data["cnt"]
    x, tx, T, w = data["x"], data["tx"], data["T"], data["w"]
    T0, w0, wsum = data["T0"], data["w0"], data["wsum"]
    # once per distinct frequency (repeat buyers only: for x = 0 these terms vanish)
    lg = (
        gammaln(r + ux) - gammaln(r) + gammaln(a + b) + gammaln(b + ux) - gammaln(b)
        - gammaln(a + b + ux)
    )  # fmt: skip
    dg_r = digamma(r + ux) - digamma(r)
    dg_a = digamma(a + b) - digamma(a + b + ux)
    dg_b = digamma(a + b) + digamma(b + ux) - digamma(b) - digamma(a + b + ux)
    inv_bx1 = 1.0 / (b + ux - 1.0)
    c4 = np.log(a) + np.log(inv_bx1)
    # customers without repeats: once per distinct T
    la_T0 = np.log(alpha + T0)
    # repeat buyers: log(e^A3 + e^A4) = A3 + softplus(A4 - A3), weight of A4 = expit(A4 - A3)
    rx = r + x
    la_T = np.log(alpha + T)
    la_t = np.log(alpha + tx)
    d = c4[inv] - rx * (la_t - la_T)
    w4 = expit(d)
    ww4 = w * w4
    ll = (
        cnt @ lg
        + wsum * r * np.log(alpha)
        - r * (w0 @ la_T0)
        + w @ (np.logaddexp(0.0, d) - rx * la_T)
    )
    g_r = cnt @ dg_r + wsum * np.log(alpha) - w0 @ la_T0 - w @ la_T - ww4 @ (la_t - la_T)
    g_alpha = (
        wsum * r / alpha
        - r * (w0 @ (1.0 / (alpha + T0)))
        - (w * rx) @ (1.0 / (alpha + T))
        - (ww4 * rx) @ (1.0 / (alpha + tx) - 1.0 / (alpha + T))
    )
    sw4 = np.bincount(inv, weights=ww4, minlength=len(ux))
    g_a = cnt @ dg_a + sw4.sum() / a
    g_b = cnt @ dg_b - sw4 @ inv_bx1
    grad = np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b])
    return -ll / wsum, -grad / wsum


def fit_bgnbd(
    frequency: np.ndarray | pd.Series,
    recency: np.ndarray | pd.Series,
    T: np.ndarray | pd.Series,
    *,
    weights: np.ndarray | pd.Series | None = None,
    max_iterations: int = 500,
    tolerance: float = 1e-10,
) -> BGNBDParams:
    """Fit BG/NBD (r, alpha, a, b) by maximum likelihood.

    Parameters
    ----------
    frequency, recency, T
        Repeat purchases, time of the last purchase and length of observation per customer
        (time measured from each customer's first purchase, in one unit).
    weights
        Number of customers sharing each row (for summaries already grouped); default 1.

    Returns
    -------
    BGNBDParams, with the log-likelihood in the data's time unit.
    """
    x = np.asarray(frequency, dtype="float64")
    tx = np.asarray(recency, dtype="float64")
    T = np.asarray(T, dtype="float64")
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype="float64")
    if len(x) == 0:
        raise ValueError("fit_bgnbd: no customers to fit")
    if np.any(x < 0) or np.any(tx < 0) or np.any(tx > T + 1e-9):
        raise ValueError("fit_bgnbd: need frequency >= 0 and 0 <= recency <= T")
    # rescale time so the longest observation is 10 units: alpha_true = alpha_scaled / scale
    scale = 10.0 / max(float(T.max()), 1e-12)
    rep = x > 0
    ux, inv = np.unique(x[rep], return_inverse=True)
    T0, inv0 = np.unique(T[~rep], return_inverse=True)
    data = {
        "ux": ux,
        "inv": inv,
        "cnt": np.bincount(inv, weights=w[rep], minlength=len(ux)),
        "w": w[rep],
        "wsum": float(w.sum()),
        "x": x[rep],
        "tx": tx[rep] * scale,
        "T": T[rep] * scale,
        "T0": T0 * scale,
        "w0": np.bincount(inv0, weights=w[~rep], minlength=len(T0)),
    }
    res = minimize(
        _bgnbd_objective,
        np.zeros(4),
        args=(data,),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-_LOG_BOUND, _LOG_BOUND)] * 4,
        options={"maxiter": max_iterations, "ftol": tolerance, "gtol": 1e-9},
    )
    r, alpha, a, b = np.exp(res.x)
    ll = -res.fun * data["wsum"] + float(w @ x) * np.log(scale)
    return BGNBDParams(
        r=float(r),
        alpha=float(alpha / scale),
        a=float(a),
        b=float(b),
        log_likelihood=float(ll),
        n_customers=int(round(data["wsum"])),
        converged=bool(res.success),
    )


def _log_alive_odds(
    params: BGNBDParams, x: np.ndarray, tx: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """log of a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x) for x > 0, -inf for x == 0."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    safe = np.where(x > 0, b + x - 1, 1.0)
    odds = np.log(a) - np.log(safe) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return np.where(x > 0, odds, -np.inf)


def probability_alive(params: BGNBDParams, frequency: Any, recency: Any, T: Any) -> np.ndarray:
    """P(customer still active at T | x, t_x, T) under BG/NBD."""
    x, tx, T = (np.asarray(v, dtype="float64") for v in (frequency, recency, T))
    return 1.0 / (1.0 + np.exp(_log_alive_odds(params, x, tx, T)))


def expected_purchases(
    params: BGNBDParams, t: float | np.ndarray, frequency: Any, recency: Any, T: Any
) -> np.ndarray:
    """Expected purchases in the next ``t`` time units of customers with history (x, t_x, T).

    Fader, Hardie & Lee (2005), equation (10); ``t`` in the units the params were fitted in.
    """
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, tx, T = (np.asarray(v, dtype="float64") for v in (frequency, recency, T))
    t = np.asarray(t, dtype="float64")
    if abs(a - 1.0) < 1e-9:  # the closed form divides by a - 1: step off the removable point
        a = 1.0 + 1e-9
    z = t / (alpha + T + t)
    hyp = hyp2f1(r + x, b + x, a + b + x - 1.0, z)
    head = (a + b + x - 1.0) / (a - 1.0)
    tail = 1.0 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t))) * hyp
    alive = 1.0 / (1.0 + np.exp(_log_alive_odds(params, x, tx, T)))
    out = head * tail * alive
    return np.where(np.isfinite(out), np.maximum(out, 0.0), 0.0)


# ---- Gamma-Gamma -------------------------------------------------------------------------------
def _gg_objective(theta: np.ndarray, data: dict[str, np.ndarray]) -> tuple[float, np.ndarray]:
    """Mean negative log-likelihood of Gamma-Gamma and its gradient in the log-parameters."""
    p, q, v = np.exp(theta)
    ux, inv, cnt, x, logm, logx, xm, n = (
        data[k] for k in ("ux", "inv", "cnt", "x", "logm", "logx", "xm", "n")
    )
    lg = gammaln(p * ux + q) - gammaln(p * ux)
    dg_pq = digamma(p * ux + q)
    dg_p = dg_pq - digamma(p * ux)
    log_vxm = np.log(v + xm)
    px = p * x
    ll = (
        cnt @ lg
        - n * gammaln(q)
        + n * q * np.log(v)
        + (px - 1.0) @ logm
        + px @ logx
        - (px + q) @ log_vxm
    )
    g_p = (cnt * ux) @ dg_p + x @ (logm + logx - log_vxm)
    g_q = cnt @ dg_pq - n * digamma(q) + n * np.log(v) - log_vxm.sum()
    g_v = n * q / v - ((px + q) / (v + xm)).sum()
    grad = np.array([g_p * p, g_q * q, g_v * v])
    return -ll / n, -grad / n


def fit_gamma_gamma(
    frequency: np.ndarray | pd.Series,
    monetary_value: np.ndarray | pd.Series,
    *,
    max_iterations: int = 500,
    tolerance: float = 1e-10,
) -> GammaGammaParams:
    """Fit the Gamma-Gamma spend model (p, q, v) by maximum likelihood on repeat buyers.

    Parameters
    ----------
    frequency, monetary_value
        Repeat purchases and their mean value per customer; rows with ``frequency == 0`` or
        non-positive value are left out (the model describes repeat spend).
    """
    x = np.asarray(frequency, dtype="float64")
    m = np.asarray(monetary_value, dtype="float64")
    keep = (x > 0) & (m > 0) & np.isfinite(m)
    x, m = x[keep], m[keep]
    if len(x) == 0:
        raise ValueError("fit_gamma_gamma: no repeat buyers with positive spend")
    scale = 1.0 / float(m.mean())  # v_true = v_scaled / scale
    ms = m * scale
    ux, inv = np.unique(x, return_inverse=True)
    data = {
        "ux": ux,
        "inv": inv,
        "cnt": np.bincount(inv, minlength=len(ux)).astype("float64"),
        "x": x,
        "logm": np.log(ms),
        "logx": np.log(x),
        "xm": x * ms,
        "n": float(len(x)),
    }
    res = minimize(
        _gg_objective,
        np.zeros(3),
        args=(data,),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-_LOG_BOUND, _LOG_BOUND)] * 3,
        options={"maxiter": max_iterations, "ftol": tolerance, "gtol": 1e-9},
    )
    p, q, v = np.exp(res.x)
    ll = -res.fun * data["n"] + data["n"] * np.log(scale)
    return GammaGammaParams(
        p=float(p),
        q=float(q),
        v=float(v / scale),
        log_likelihood=float(ll),
        n_customers=len(x),
        converged=bool(res.success),
    )


def expected_spend(params: GammaGammaParams, frequency: Any, monetary_value: Any) -> np.ndarray:
    """Expected value of a future purchase given x repeat purchases of mean value m.

    ``(v + x m) p / (p x + q - 1)``; a customer without repeats gets the population mean
    ``p v / (q - 1)``. Needs ``q > 1`` (else the mean spend is infinite): then it falls back
    to the customer's own mean (the repeat buyers' mean for customers without repeats).
    """
    x = np.asarray(frequency, dtype="float64")
    m = np.where(x > 0, np.asarray(monetary_value, dtype="float64"), 0.0)
    p, q, v = params.p, params.q, params.v
    if q <= 1.0:
        fallback = float(m[x > 0].mean()) if np.any(x > 0) else 0.0
        return np.where(x > 0, m, fallback)
    return (v + x * m) * p / (p * x + q - 1.0)


# ---- forecast per customer -------------------------------------------------------------------
@dataclass
class Forecast:
    """Per-customer future value (``customers``), the fitted models and a status message."""

    customers: pd.DataFrame
    bgnbd: BGNBDParams | None
    gamma_gamma: GammaGammaParams | None
    horizon_days: float
    message: str = ""

    @property
    def available(self) -> bool:
        return self.bgnbd is not None


def _settings(config: Mapping[str, Any]) -> dict[str, Any]:
    return dict(config["clv"])


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
    """
    cfg = _settings(config)
    unit = float(cfg["time_unit_days"])
    horizon_days = float(cfg["horizon_months"]) * float(cfg["days_per_month"])
    lines = purchase_lines(order_lines)
    summary = rfm_summary(lines, observation_end=observation_end, time_unit_days=unit)
    if len(summary) < int(cfg["min_customers"]):
        return Forecast(
            summary,
            None,
            None,
            horizon_days,
            f"Only {len(summary)} customers with purchases: too few (fewer than "
            f"{cfg['min_customers']}) for a future-value model.",
        )
    opt = {
        "max_iterations": int(cfg["optimizer"]["max_iterations"]),
        "tolerance": float(cfg["optimizer"]["tolerance"]),
    }
    bg = fit_bgnbd(summary["frequency"], summary["recency"], summary["T"], **opt)
    repeat = (summary["frequency"] > 0) & (summary["monetary_value"] > 0)
    gg = None
    if int(repeat.sum()) >= int(cfg["min_repeat_customers"]):
        gg = fit_gamma_gamma(summary["frequency"], summary["monetary_value"], **opt)
    x, tx, T = summary["frequency"], summary["recency"], summary["T"]
    purchases = expected_purchases(bg, horizon_days / unit, x, tx, T)
    if gg is not None:
        spend = expected_spend(gg, x, summary["monetary_value"])
    else:  # too few repeat buyers: each customer's own mean purchase value
        spend = ((summary["first_value"] + summary["monetary_value"] * x) / (x + 1)).to_numpy()
    out = summary.assign(
        p_alive=probability_alive(bg, x, tx, T),
        expected_purchases=purchases,
        expected_spend=spend,
    )
    out["expected_revenue"] = out["expected_purchases"] * out["expected_spend"]
    out = _add_profit(out, ledger, float(cfg["margin_floor"]))
    note = ""
    if gg is None:
        note = (
            f"Fewer than {cfg['min_repeat_customers']} repeat buyers: no Gamma-Gamma fit, expected "
            "spend is each customer's own mean purchase."
        )
    elif gg.q <= 1.0:
        note = (
            f"Spend per purchase is too heavy-tailed for the Gamma-Gamma model (q = {gg.q:.2f} <= 1, "
            "an infinite mean): expected spend falls back to each customer's own mean repeat "
            "purchase (the repeat buyers' average for one-time buyers)."
        )
    return Forecast(out, bg, gg, horizon_days, note)


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
    gm = led["gross_margin"].astype("float64") if "gross_margin" in led else net * np.nan
    book = float(gm.sum() / net.sum()) if net.sum() > 0 else 0.0
    own = (gm / net.where(net > 0)).clip(floor, 1.0)
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


def compare_rankings(customers: pd.DataFrame, top_share: float) -> dict[str, float]:
    """How ranking by expected future profit differs from ranking by past sales.

    Returns the Spearman correlation of the two rankings, the share of the top customers by
    future profit who are also top by past sales, and the share of total expected profit that
    each top group holds.
    """
    d = customers[["past_net_revenue", "expected_profit"]].dropna()
    n_top = max(1, int(round(len(d) * top_share)))
    top_sales = set(d["past_net_revenue"].nlargest(n_top).index)
    top_future = set(d["expected_profit"].nlargest(n_top).index)
    total = float(d["expected_profit"].sum())

    def share(ids: set[Any]) -> float:
        return float(d.loc[list(ids), "expected_profit"].sum() / total) if total else np.nan

    return {
        "spearman": float(d["past_net_revenue"].rank().corr(d["expected_profit"].rank())),
        "top_overlap": len(top_sales & top_future) / n_top,
        "top_by_sales_future_profit_share": share(top_sales),
        "top_by_future_future_profit_share": share(top_future),
        "n_top": n_top,
    }


# ---- holdout check -----------------------------------------------------------------------------
def holdout_check(
    order_lines: pd.DataFrame,
    config: Mapping[str, Any],
    observation_end: pd.Timestamp | None = None,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Calibrate on the history up to ``holdout_months`` before the end, predict the rest.

    Returns the error per decile of predicted purchases (mean predicted, mean actual, mean
    absolute error per customer, for purchases and revenue) and overall metrics. An empty table
    and a ``message`` entry when the history is too short or too thin.
    """
    cfg = _settings(config)
    unit = float(cfg["time_unit_days"])
    lines = purchase_lines(order_lines)
    dates = lines["order_date"]
    if len(lines) == 0:
        return pd.DataFrame(), {"message": "No order lines: no holdout check."}
    end = pd.Timestamp(observation_end) if observation_end is not None else dates.max()
    cal_end = end - pd.Timedelta(days=float(cfg["holdout_months"]) * float(cfg["days_per_month"]))
    if cal_end <= dates.min():
        return pd.DataFrame(), {
            "message": f"History shorter than the {cfg['holdout_months']}-month holdout: "
            "no holdout check."
        }
    s = calibration_holdout_summary(lines, cal_end, end, time_unit_days=unit)
    if len(s) < int(cfg["min_customers"]):
        return pd.DataFrame(), {"message": "Too few customers before the holdout: no check."}
    fc = forecast_customers(lines.loc[dates <= cal_end], None, config, observation_end=cal_end)
    pred = expected_purchases(
        fc.bgnbd, s["duration_holdout"].iloc[0], s["frequency"], s["recency"], s["T"]
    )
    s = s.assign(
        predicted=pred,
        predicted_revenue=pred * fc.customers["expected_spend"].reindex(s.index).to_numpy(),
    )
    k = int(cfg["holdout_deciles"])
    s["decile"] = pd.qcut(s["predicted"].rank(method="first"), k, labels=range(1, k + 1))
    s["abs_error"] = (s["predicted"] - s["frequency_holdout"]).abs()
    s["abs_error_revenue"] = (s["predicted_revenue"] - s["value_holdout"]).abs()
    table = s.groupby("decile", observed=True).agg(
        customers=("predicted", "size"),
        predicted=("predicted", "mean"),
        actual=("frequency_holdout", "mean"),
        mae=("abs_error", "mean"),
        predicted_revenue=("predicted_revenue", "mean"),
        actual_revenue=("value_holdout", "mean"),
        mae_revenue=("abs_error_revenue", "mean"),
    )
    actual_total = float(s["frequency_holdout"].sum())
    metrics = {
        "calibration_end": cal_end.date().isoformat(),
        "holdout_mae": float(s["abs_error"].mean()),
        "holdout_mae_revenue": float(s["abs_error_revenue"].mean()),
        "holdout_predicted_purchases": float(s["predicted"].sum()),
        "holdout_actual_purchases": actual_total,
        "holdout_total_error_pct": float(s["predicted"].sum() / actual_total - 1.0)
        if actual_total
        else float("nan"),
        "message": "",
    }
    return table, metrics


# ---- metrics, findings and figures ------------------------------------------------------------
def clv_metrics(
    forecast: Forecast, ranking: Mapping[str, float], holdout: Mapping[str, Any]
) -> dict[str, Any]:
    """Headline numbers of the future-value model for ``ws.record("clv", ...)``."""
    if not forecast.available:
        return {"available": False, "message": forecast.message}
    c = forecast.customers
    out: dict[str, Any] = {
        "available": True,
        "model": "BG/NBD + Gamma-Gamma, maximum likelihood (helpers.clv)",
        "horizon_months": round(forecast.horizon_days / 30.4375, 2),
        "customers": len(c),
        "bgnbd": forecast.bgnbd.as_dict(),
        "gamma_gamma": forecast.gamma_gamma.as_dict() if forecast.gamma_gamma else None,
        "total_expected_purchases": float(c["expected_purchases"].sum()),
        "total_expected_revenue": float(c["expected_revenue"].sum()),
        "total_expected_profit": float(c["expected_profit"].sum())
        if c["expected_profit"].notna().any()
        else None,
        "note": forecast.message,
    }
    out.update({f"ranking_{k}": v for k, v in ranking.items()})
    out.update({k: v for k, v in holdout.items() if k != "message"})
    if holdout.get("message"):
        out["holdout_message"] = holdout["message"]
    return json_safe(out)


# ---- findings and figures ----------------------------------------------------------------------
def clv_findings(
    forecast: Forecast, ranking: Mapping[str, float], holdout: Mapping[str, Any]
) -> list[str]:
    """Sentences computed from the forecast, the ranking comparison and the holdout check."""
    if not forecast.available:
        return [forecast.message]
    c = forecast.customers
    months = round(forecast.horizon_days / 30.4375)
    out = [
        f"Over the next {months} months the customers are expected to make "
        f"{c['expected_purchases'].sum():,.0f} purchases worth "
        f"{plots.format_money(c['expected_revenue'].sum())} in revenue"
        + (
            f" and {plots.format_money(c['expected_profit'].sum())} in profit after cost to serve."
            if c["expected_profit"].notna().any()
            else "."
        )
    ]
    if forecast.message:
        out.append(forecast.message)
    if ranking:
        out.append(
            f"{ranking['top_overlap']:.0%} of the top {ranking['n_top']:,} customers by "
            f"expected future profit are also in the top by past sales (rank correlation "
            f"{ranking['spearman']:.2f})."
        )
    if holdout.get("message"):
        out.append(holdout["message"])
    elif "holdout_total_error_pct" in holdout:
        out.append(
            f"Holdout check: calibrated up to {holdout['calibration_end']}, the model predicted "
            f"{holdout['holdout_predicted_purchases']:,.0f} purchases against "
            f"{holdout['holdout_actual_purchases']:,.0f} actual "
            f"({holdout['holdout_total_error_pct']:+.0%}), a mean absolute error of "
            f"{holdout['holdout_mae']:.2f} purchases per customer."
        )
    return out


def plot_future_vs_past(
    customers: pd.DataFrame, ranking: Mapping[str, float], ax: Axes | None = None
) -> Axes:
    """Past net revenue against expected future profit, one dot per customer."""
    ax = plots.new_axes(ax)
    d = customers[["past_net_revenue", "expected_profit"]].dropna()
    ax.scatter(d["past_net_revenue"], d["expected_profit"], s=8, alpha=0.4, color=plots.PALETTE[0])
    ax.axhline(0, color="#555555", linewidth=0.8)
    ax.set_xscale("symlog", linthresh=max(1.0, float(d["past_net_revenue"].abs().median())))
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
    """Predicted against actual purchases in the holdout, per decile of prediction."""
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
