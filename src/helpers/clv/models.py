"""BG/NBD purchases and Gamma-Gamma spend per transaction, fitted by maximum likelihood.

The models are Fader, Hardie & Lee's (2005) BG/NBD ("Counting your customers the easy way") and
the Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV"). They
are fitted here by a direct maximum-likelihood estimate in numpy/scipy: the log-likelihood in
log-sum-exp form with its analytic gradient, L-BFGS-B on the log of the parameters, and the
special functions evaluated once per distinct frequency. The fit is checked against the
published CDNOW parameters in the tests. Another estimator (lifetimes, pymc-marketing) can
replace it behind the same four functions: ``fit_bgnbd``, ``fit_gamma_gamma``,
``expected_purchases`` and ``expected_spend``, which take and return plain arrays and
dataclasses. Short names (r, alpha, a, b; p, q, v; x, t_x, T) follow the papers' notation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import digamma, expit, gammaln, hyp2f1
from threadpoolctl import threadpool_limits

__all__ = [
    "NO_DROPOUT",
    "BGNBDParams",
    "GammaGammaParams",
    "fit_bgnbd",
    "bgnbd_boundary",
    "fit_gamma_gamma",
    "expected_purchases",
    "probability_alive",
    "expected_spend",
]

_LOG_BOUND = 20.0  # log-parameters live in [-20, 20] during the fit
_AT_BOUND = 1e-3  # a log-parameter this close to the bound has run to the edge of the search
#: a mean drop-out probability per purchase, a / (a + b), below this is the Poisson limit of
#: BG/NBD: nobody is seen to drop out, purchases follow the NBD (gamma-Poisson) model
NO_DROPOUT = 1e-6
#: a gamma shape r below this with no repeat buyers to speak of: purchase rates run to 0
_NO_RATE = 1e-3
Objective = Callable[[np.ndarray, dict[str, Any]], tuple[float, np.ndarray]]


# ---- parameters --------------------------------------------------------------------------------
@dataclass(frozen=True)
class BGNBDParams:
    """BG/NBD parameters (time in the units of the summary they were fitted on).

    Attributes
    ----------
    r, alpha
        Shape and scale of the gamma distribution of purchase rates (alpha in time units).
    a, b
        Beta distribution of the drop-out probability after each purchase.
    log_likelihood
        At the fit, in the data's time unit.
    n_customers
        Customers fitted.
    converged
        Whether the optimiser reported success.
    boundary
        Why the fit lies on the boundary of the parameter space ("" when it does not): the
        Poisson limit (a -> 0, nobody drops out), purchase rates running to 0, or a parameter
        at the edge of the search. See :func:`bgnbd_boundary`.

    References
    ----------
    Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). "Counting Your Customers" the Easy
    Way: An Alternative to the Pareto/NBD Model. Marketing Science 24(2), 275-284.
    """

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    n_customers: int
    converged: bool = True
    boundary: str = ""

    @property
    def no_dropout(self) -> bool:
        """True at the Poisson limit: the mean drop-out probability a / (a + b) is ~0."""
        return self.a / (self.a + self.b) < NO_DROPOUT

    def as_dict(self) -> dict[str, Any]:
        """The parameters and fit statistics as a plain dict (for ``metrics.json``)."""
        return asdict(self)


@dataclass(frozen=True)
class GammaGammaParams:
    """Gamma-Gamma spend parameters (money in the units of the summary's monetary value).

    Attributes
    ----------
    p
        Shape of the gamma distribution of a customer's spend per transaction.
    q, v
        Shape and scale (money) of the gamma distribution of that distribution's scale.
    log_likelihood
        At the fit, in the data's money unit.
    n_customers
        Repeat buyers fitted.
    converged
        Whether the optimiser reported success.

    References
    ----------
    Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). RFM and CLV: Using Iso-Value Curves
    for Customer Base Analysis. Journal of Marketing Research 42(4), 415-430.
    Colombo, R., & Jiang, W. (1999). A stochastic RFM model. Journal of Interactive Marketing
    13(3), 2-12.
    """

    p: float
    q: float
    v: float  # the scale called gamma in Fader & Hardie's note
    log_likelihood: float
    n_customers: int
    converged: bool = True

    def as_dict(self) -> dict[str, Any]:
        """The parameters and fit statistics as a plain dict (for ``metrics.json``)."""
        return asdict(self)


def _minimise(
    objective: Objective, n_params: int, data: dict[str, Any], max_iterations: int, tolerance: float
) -> Any:
    """L-BFGS-B on the log-parameters from zero, with the analytic gradient.

    BLAS runs on one thread during the fit: the objective's dot products span a few thousand
    rows, where waking BLAS threads costs more than it saves (17x slower on two busy cores:
    1.6 s against 0.09 s for a BG/NBD fit on 20,000 customers), and a threaded dot product
    splits its sum by the machine's core count, so its last bits vary from machine to machine.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return minimize(
            objective,
            np.zeros(n_params),
            args=(data,),
            jac=True,
            method="L-BFGS-B",
            bounds=[(-_LOG_BOUND, _LOG_BOUND)] * n_params,
            options={"maxiter": max_iterations, "ftol": tolerance, "gtol": 1e-9},
        )


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
    max_iterations, tolerance
        Optimiser settings (L-BFGS-B iterations and relative change of the objective).

    Returns
    -------
    BGNBDParams
        The fit, alpha and the log-likelihood in the data's time unit.

    Raises
    ------
    ValueError
        Without customers, or with negative frequency or recency, or recency beyond T.

    References
    ----------
    Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). "Counting Your Customers" the Easy
    Way: An Alternative to the Pareto/NBD Model. Marketing Science 24(2), 275-284.
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
    data = _bgnbd_data(x, tx, T, w, scale)
    res = _minimise(_bgnbd_objective, 4, data, max_iterations, tolerance)
    r, alpha, a, b = np.exp(res.x)
    ll = -res.fun * data["wsum"] + float(w @ x) * np.log(scale)
    params = BGNBDParams(
        r=float(r),
        alpha=float(alpha / scale),
        a=float(a),
        b=float(b),
        log_likelihood=float(ll),
        n_customers=int(round(data["wsum"])),
        converged=bool(res.success),
    )
    return replace(params, boundary=bgnbd_boundary(params, _at_edge(res.x)))


def _at_edge(log_params: np.ndarray) -> list[str]:
    """The BG/NBD parameters whose logarithm reached the edge of the optimiser's search."""
    names = ("r", "alpha", "a", "b")
    return [
        n for n, v in zip(names, log_params, strict=True) if abs(abs(v) - _LOG_BOUND) < _AT_BOUND
    ]


def bgnbd_boundary(params: BGNBDParams, at_edge: list[str] | tuple[str, ...] = ()) -> str:
    """Why a BG/NBD fit lies on the boundary of its parameter space, or "" when it does not.

    Parameters
    ----------
    params
        A fit (:func:`fit_bgnbd`).
    at_edge
        Names of the parameters whose logarithm reached the edge of the optimiser's search.

    Returns
    -------
    str
        The Poisson limit (a / (a + b) below :data:`NO_DROPOUT`: no customer is seen to drop
        out), purchase rates running to 0 (r below 0.001: hardly any repeat purchases), or
        the parameters at the edge of the search; "" for an interior fit.
    """
    dropout = params.a / (params.a + params.b)
    if params.no_dropout:
        return (
            f"the Poisson limit: the fitted chance of dropping out after a purchase, a / (a + b), "
            f"is {dropout:.1e}: no customer is seen to drop out"
        )
    if params.r < _NO_RATE:
        return (
            f"purchase rates run to 0 (the fitted r is {params.r:.2g}): hardly any customer "
            "bought again"
        )
    if at_edge:
        return f"{', '.join(at_edge)} at the edge of the optimiser's search"
    return ""


def _bgnbd_data(
    x: np.ndarray, tx: np.ndarray, T: np.ndarray, w: np.ndarray, scale: float
) -> dict[str, Any]:
    """The BG/NBD likelihood's inputs: repeat buyers by distinct frequency, the rest by T."""
    rep = x > 0
    ux, inv = np.unique(x[rep], return_inverse=True)
    T0, inv0 = np.unique(T[~rep], return_inverse=True)
    return {
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


def _log_alive_odds(
    params: BGNBDParams, x: np.ndarray, tx: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Log of a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x) for x > 0, -inf for x == 0."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    safe = np.where(x > 0, b + x - 1, 1.0)
    odds = np.log(a) - np.log(safe) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return np.where(x > 0, odds, -np.inf)


def probability_alive(params: BGNBDParams, frequency: Any, recency: Any, T: Any) -> np.ndarray:
    """P(customer still active at T | x, t_x, T) under BG/NBD.

    Parameters
    ----------
    params
        :func:`fit_bgnbd`.
    frequency, recency, T
        Repeat purchases, time of the last purchase and length of observation per customer,
        in the time unit of ``params``.

    Returns
    -------
    ndarray
        Probabilities (1 for customers without repeat purchases).

    References
    ----------
    Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). "Counting Your Customers" the Easy
    Way: An Alternative to the Pareto/NBD Model. Marketing Science 24(2), 275-284.
    """
    x, tx, T = (np.asarray(v, dtype="float64") for v in (frequency, recency, T))
    return 1.0 / (1.0 + np.exp(_log_alive_odds(params, x, tx, T)))


def expected_purchases(
    params: BGNBDParams, t: float | np.ndarray, frequency: Any, recency: Any, T: Any
) -> np.ndarray:
    """Expected purchases in the next ``t`` time units of customers with history (x, t_x, T).

    Fader, Hardie & Lee (2005), equation (10). At the Poisson limit (a / (a + b) below
    :data:`NO_DROPOUT`, where the closed form loses all precision) it is the limit itself, the
    NBD expectation ``(r + x) / (alpha + T) * t``: every customer alive, buying at the gamma
    posterior mean of their rate.

    Parameters
    ----------
    params
        :func:`fit_bgnbd`.
    t
        Horizon in the time unit of ``params``.
    frequency, recency, T
        Repeat purchases, time of the last purchase and length of observation per customer.

    Returns
    -------
    ndarray
        Expected purchases per customer (NaN where the closed form is not finite: never a
        silent 0).

    References
    ----------
    Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). "Counting Your Customers" the Easy
    Way: An Alternative to the Pareto/NBD Model. Marketing Science 24(2), 275-284.
    """
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, tx, T = (np.asarray(v, dtype="float64") for v in (frequency, recency, T))
    t = np.asarray(t, dtype="float64")
    if params.no_dropout:  # the NBD limit: (r + x) / (alpha + T) per time unit
        return np.exp(np.log(r + x) - np.log(alpha + T)) * t
    if abs(a - 1.0) < 1e-9:  # the closed form divides by a - 1: step off the removable point
        a = 1.0 + 1e-9
    z = t / (alpha + T + t)
    hyp = hyp2f1(r + x, b + x, a + b + x - 1.0, z)
    head = (a + b + x - 1.0) / (a - 1.0)
    tail = 1.0 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t))) * hyp
    alive = 1.0 / (1.0 + np.exp(_log_alive_odds(params, x, tx, T)))
    out = head * tail * alive
    return np.where(np.isfinite(out), np.maximum(out, 0.0), np.nan)


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
    max_iterations, tolerance
        Optimiser settings (L-BFGS-B iterations and relative change of the objective).

    Returns
    -------
    GammaGammaParams
        The fit, v and the log-likelihood in the data's money unit.

    Raises
    ------
    ValueError
        Without repeat buyers with positive spend.

    References
    ----------
    Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). RFM and CLV: Using Iso-Value Curves
    for Customer Base Analysis. Journal of Marketing Research 42(4), 415-430.
    Colombo, R., & Jiang, W. (1999). A stochastic RFM model. Journal of Interactive Marketing
    13(3), 2-12.
    """
    x = np.asarray(frequency, dtype="float64")
    m = np.asarray(monetary_value, dtype="float64")
    keep = (x > 0) & (m > 0) & np.isfinite(m)
    x, m = x[keep], m[keep]
    if len(x) == 0:
        raise ValueError("fit_gamma_gamma: no repeat buyers with positive spend")
    scale = 1.0 / float(m.mean())  # v_true = v_scaled / scale
    data = _gg_data(x, m * scale)
    res = _minimise(_gg_objective, 3, data, max_iterations, tolerance)
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


def _gg_data(x: np.ndarray, scaled_spend: np.ndarray) -> dict[str, Any]:
    """The Gamma-Gamma likelihood's inputs, the gamma functions once per distinct frequency."""
    ux, inv = np.unique(x, return_inverse=True)
    return {
        "ux": ux,
        "inv": inv,
        "cnt": np.bincount(inv, minlength=len(ux)).astype("float64"),
        "x": x,
        "logm": np.log(scaled_spend),
        "logx": np.log(x),
        "xm": x * scaled_spend,
        "n": float(len(x)),
    }


def expected_spend(params: GammaGammaParams, frequency: Any, monetary_value: Any) -> np.ndarray:
    """Expected value of a future purchase given x repeat purchases of mean value m.

    ``(v + x m) p / (p x + q - 1)``; a customer without repeats gets the population mean
    ``p v / (q - 1)``. Needs ``q > 1`` (else the mean spend is infinite): then it falls back
    to the customer's own mean (the repeat buyers' mean for customers without repeats).

    Parameters
    ----------
    params
        :func:`fit_gamma_gamma`.
    frequency, monetary_value
        Repeat purchases and their mean value per customer.

    Returns
    -------
    ndarray
        Expected value of the next purchase per customer, currency units.

    References
    ----------
    Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). RFM and CLV: Using Iso-Value Curves
    for Customer Base Analysis. Journal of Marketing Research 42(4), 415-430.
    Colombo, R., & Jiang, W. (1999). A stochastic RFM model. Journal of Interactive Marketing
    13(3), 2-12.
    """
    x = np.asarray(frequency, dtype="float64")
    m = np.where(x > 0, np.asarray(monetary_value, dtype="float64"), 0.0)
    p, q, v = params.p, params.q, params.v
    if q <= 1.0:
        fallback = float(m[x > 0].mean()) if np.any(x > 0) else 0.0
        return np.where(x > 0, m, fallback)
    return (v + x * m) * p / (p * x + q - 1.0)
