"""How concentrated revenue is versus profit: Pareto / Lorenz curves, Gini, the whale curve.

Every share is computed over customers (the ``UNATTRIBUTED`` row of lines without a customer is
left out and its revenue reported). Shares are fractions (0.92 = 92%), except the keys ending
in ``_pct``, which are percentages (128.3 = 128.3% of total profit). Every headline share has a
bootstrap interval (customers resampled with replacement, seeded, vectorised): ``<key>_ci_low``
and ``<key>_ci_high``.
"""

from helpers.pareto.concentration import (
    Concentration,
    headline_shares,
    measure_concentration,
    pareto_findings,
    shares_table,
)
from helpers.pareto.curves import (
    customers_only,
    gini,
    lorenz_curves,
    top_share,
    unattributed_revenue,
    whale_curve,
)
from helpers.pareto.figures import plot_lorenz_curves, plot_whale_curve

__all__ = [
    "Concentration",
    "customers_only",
    "unattributed_revenue",
    "lorenz_curves",
    "whale_curve",
    "gini",
    "top_share",
    "measure_concentration",
    "headline_shares",
    "pareto_findings",
    "shares_table",
    "plot_lorenz_curves",
    "plot_whale_curve",
]
