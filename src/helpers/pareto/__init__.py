"""How concentrated revenue is versus profit: Pareto / Lorenz curves, Gini, the whale curve.

Every share is computed over customers (the ``UNATTRIBUTED`` row of lines without a customer is
left out and its revenue reported). Shares are fractions (0.92 = 92%), except the keys ending
in ``_pct``, which are percentages (128.3 = 128.3% of total profit); a share of a total that is
not material (:func:`helpers.results.share_of`) is None. Every headline share has a bootstrap
interval (customers resampled with replacement, seeded, vectorised): ``<key>_ci_low`` and
``<key>_ci_high``. The headlines are at the lead level of profit, with each level of the data
beside them and each verdict tested over 0x-3x of the assumed amounts (:mod:`.verdicts`).

Code map: ``curves`` (Lorenz, whale, Gini, top share), ``statistics`` (every headline number
at once, bootstrap), ``verdicts`` (the verdicts, decided once; levels; sensitivity),
``sentences``, ``concentration`` (the Result), ``figures``.
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
from helpers.pareto.figures import plot_lorenz_curves, plot_whale_curve, plot_whale_sensitivity
from helpers.pareto.verdicts import (
    at_lead,
    decide_loss_makers,
    decide_profit_vs_revenue,
    decide_whale_hump,
    has_assumptions,
    ledger_verdicts,
)

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
    "plot_whale_sensitivity",
    "decide_profit_vs_revenue",
    "decide_whale_hump",
    "decide_loss_makers",
    "ledger_verdicts",
    "at_lead",
    "has_assumptions",
]
