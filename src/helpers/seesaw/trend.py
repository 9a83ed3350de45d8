"""The trend of margin with customer size: Theil-Sen fits and binned medians."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.seesaw.tables import _config, _customers, at_lead

__all__ = ["fit_trend", "binned_margins"]


def _scatter_frame(ledger: pd.DataFrame) -> pd.DataFrame:
    led = _customers(ledger)
    led = led.loc[(led["net_revenue"] > 0) & led["margin_pct"].notna()]
    return led.sort_values("customer_id", kind="stable")


#: the last Theil-Sen fits by their exact inputs: the seesaw's metrics and its scatter fit the
#: same points, and a fit of 3,000 points (4.5 million slopes) costs about a second
_FITS: dict[tuple[bytes, bytes, tuple[Any, ...]], dict[str, float]] = {}
_FITS_KEPT = 8


def _theil_sen(sizes: np.ndarray, margins: np.ndarray, spec: Mapping[str, Any]) -> dict[str, float]:
    """Theil-Sen slope of ``margins`` on ``sizes`` with its interval, remembered by its inputs."""
    settings = tuple(spec[k] for k in ("max_points", "seed", "confidence"))
    key = (np.ascontiguousarray(sizes).tobytes(), np.ascontiguousarray(margins).tobytes(), settings)
    if key not in _FITS:
        while len(_FITS) >= _FITS_KEPT:
            _FITS.pop(next(iter(_FITS)))
        _FITS[key] = _fit_theil_sen(sizes, margins, spec)
    return dict(_FITS[key])


def _fit_theil_sen(
    sizes: np.ndarray, margins: np.ndarray, spec: Mapping[str, Any]
) -> dict[str, float]:
    n = len(sizes)
    if n < 3 or np.ptp(sizes) == 0:
        return {"slope": np.nan, "intercept": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": n}
    if n > int(spec["max_points"]):
        keep = np.random.default_rng(int(spec["seed"])).choice(
            n, int(spec["max_points"]), replace=False
        )
        sizes, margins = sizes[keep], margins[keep]
    from scipy import stats  # loads in about a second: only where a trend is fitted

    fit = stats.theilslopes(margins, sizes, alpha=float(spec["confidence"]))
    return {
        "slope": float(fit.slope),
        "intercept": float(fit.intercept),
        "ci_low": float(fit.low_slope),
        "ci_high": float(fit.high_slope),
        "n": n,
    }


def fit_trend(
    ledger: pd.DataFrame, config: Mapping[str, Any] | None = None, level: str | None = None
) -> dict[str, Any]:
    """Theil-Sen trend of margin after cost to serve on log10 net revenue.

    Over all customers with positive revenue (``all``) and over the largest ones (``upper``:
    revenue at or above ``seesaw.trend.upper_quantile``); at most ``max_points`` customers
    (sampled, seeded) enter a fit.

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config (``seesaw.trend``); None means the defaults.
    level
        The level of profit; None means the lead level
        (:func:`helpers.seesaw.tables.at_lead`).

    Returns
    -------
    dict
        ``all`` and ``upper``: slope (margin points, as a fraction, per tenfold revenue),
        intercept, ci_low, ci_high, n; ``upper`` also min_revenue (currency units).

    References
    ----------
    Sen, P. K. (1968). Estimates of the regression coefficient based on Kendall's tau. Journal
    of the American Statistical Association, 63(324), 1379-1389.
    """
    spec = _config(config)["seesaw"]["trend"]
    led = _scatter_frame(at_lead(ledger, level))
    sizes = np.log10(led["net_revenue"].to_numpy(dtype="float64"))
    margins = led["margin_pct"].to_numpy(dtype="float64")
    quantile = float(spec["upper_quantile"])
    cut = float(np.quantile(sizes, quantile)) if len(sizes) else np.nan
    upper = sizes >= cut
    return {
        "all": _theil_sen(sizes, margins, spec),
        "upper": {**_theil_sen(sizes[upper], margins[upper], spec), "min_revenue": 10**cut},
    }


def binned_margins(
    ledger: pd.DataFrame, config: Mapping[str, Any] | None = None, level: str | None = None
) -> pd.DataFrame:
    """Median margin after cost to serve in revenue quantile bins.

    Customers are ranked by net revenue (ties by customer id) and cut into ``seesaw.trend.bins``
    groups of equal size, or one group per customer when there are fewer customers than bins.

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config (``seesaw.trend.bins``); None means the defaults.
    level
        The level of profit; None means the lead level.

    Returns
    -------
    DataFrame
        revenue (median net revenue of the bin, currency units), margin_pct (median margin,
        fraction), customers.
    """
    spec = _config(config)["seesaw"]["trend"]
    led = _scatter_frame(at_lead(ledger, level))
    if led.empty:
        return pd.DataFrame(columns=["revenue", "margin_pct", "customers"])
    bins = min(int(spec["bins"]), len(led))
    rank = led["net_revenue"].rank(method="first").to_numpy() - 1  # 0 .. n-1, unique
    groups = led.groupby((rank * bins // len(led)).astype(int))
    return pd.DataFrame(
        {
            "revenue": groups["net_revenue"].median(),
            "margin_pct": groups["margin_pct"].median(),
            "customers": groups.size(),
        }
    ).reset_index(drop=True)
