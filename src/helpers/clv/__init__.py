"""Customer lifetime value: RFM summary, BG/NBD and Gamma-Gamma models, forecasts and their checks.

Modules: ``rfm`` (transactions to the RFM summary), ``models`` (the BG/NBD and Gamma-Gamma fits
and expectations) and ``forecast`` (each customer's expected profit, the ranking against past
sales, the holdout check and the notebook's record).
"""

from helpers.clv.forecast import (
    Forecast,
    clv_findings,
    clv_metrics,
    compare_rankings,
    forecast_customers,
    holdout_check,
    plot_future_vs_past,
    plot_holdout_deciles,
)
from helpers.clv.models import (
    BGNBDParams,
    GammaGammaParams,
    expected_purchases,
    expected_spend,
    fit_bgnbd,
    fit_gamma_gamma,
    probability_alive,
)
from helpers.clv.rfm import calibration_holdout_summary, rfm_summary, select_period

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
