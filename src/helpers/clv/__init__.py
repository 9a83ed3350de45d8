"""Customer lifetime value: RFM summary, BG/NBD and Gamma-Gamma models, forecasts and their checks.

Modules: ``rfm`` (transactions to the RFM summary), ``models`` (the BG/NBD and Gamma-Gamma fits
and expectations) ``forecast`` (each customer's expected profit, the ranking against past sales
and the notebook's record) and ``holdout`` (the holdout check and the likely causes of its error).
"""

from helpers.clv.forecast import (
    Forecast,
    clv_findings,
    clv_metrics,
    compare_rankings,
    forecast_customers,
    model_table,
    plot_future_vs_past,
)
from helpers.clv.holdout import holdout_causes, holdout_check, plot_holdout_deciles
from helpers.clv.models import (
    NO_DROPOUT,
    BGNBDParams,
    GammaGammaParams,
    bgnbd_boundary,
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
    "NO_DROPOUT",
    "fit_bgnbd",
    "bgnbd_boundary",
    "fit_gamma_gamma",
    "expected_purchases",
    "probability_alive",
    "expected_spend",
    "forecast_customers",
    "model_table",
    "compare_rankings",
    "holdout_check",
    "holdout_causes",
    "clv_findings",
    "clv_metrics",
    "plot_future_vs_past",
    "plot_holdout_deciles",
]
