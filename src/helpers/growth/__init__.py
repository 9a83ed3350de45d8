"""Trust and growth: land and expand, approval layers, innovation adoption, first-year closures.

Every analysis takes canonical tables (and the ledger's size tiers) and returns a
:class:`helpers.results.Result` with a table, headline ``metrics`` and computed ``findings``
sentences, saying in ``message`` when the data it needs is missing. The comparisons are
observational: they describe what happened to customers who started one way or another, not
what starting that way causes.
"""

from helpers.growth._stats import bootstrap_mean_ci
from helpers.growth.adoption import innovation_adoption, plot_adoption
from helpers.growth.approvals import (
    approval_layers,
    plot_approval_cascade,
    plot_win_rate_by_layers,
)
from helpers.growth.land_and_expand import land_and_expand, plot_land_and_expand
from helpers.growth.record import growth_findings, growth_metrics
from helpers.growth.survival import (
    first_year_closure,
    kaplan_meier,
    plot_survival,
    survival_findings,
    survival_table,
)

__all__ = [
    "bootstrap_mean_ci",
    "land_and_expand",
    "approval_layers",
    "innovation_adoption",
    "survival_table",
    "kaplan_meier",
    "first_year_closure",
    "survival_findings",
    "growth_metrics",
    "growth_findings",
    "plot_land_and_expand",
    "plot_win_rate_by_layers",
    "plot_approval_cascade",
    "plot_adoption",
    "plot_survival",
]
