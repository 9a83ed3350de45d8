"""The volume-margin seesaw: do bigger accounts earn lower margins after the cost to serve, and why.

Margins are fractions of net revenue in tables and slopes (0.12 = 12%); in the metrics, keys
ending in ``_pct`` are percentages (as the metrics schema says), shares are fractions, and the
slopes are in margin points (fractions) per tenfold increase in net revenue.
"""

from helpers.seesaw.figures import plot_bridge, plot_scatter, plot_seesaw, plot_tier_margins
from helpers.seesaw.headline import measure_seesaw, seesaw_findings, seesaw_metrics
from helpers.seesaw.tables import bridge_table, tier_table
from helpers.seesaw.trend import binned_margins, fit_trend

__all__ = [
    "tier_table",
    "bridge_table",
    "fit_trend",
    "binned_margins",
    "seesaw_metrics",
    "seesaw_findings",
    "measure_seesaw",
    "plot_scatter",
    "plot_seesaw",
    "plot_tier_margins",
    "plot_bridge",
]
