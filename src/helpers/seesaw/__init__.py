"""The volume-margin seesaw: do bigger accounts earn lower margins after the cost to serve, and why.

Margins are fractions of net revenue in tables and slopes (0.12 = 12%); in the metrics, keys
ending in ``_pct`` are percentages (as the metrics schema says), shares are fractions, and the
slopes are in margin points (fractions) per tenfold increase in net revenue. Everything is at
the lead level of profit (:func:`helpers.ledger.levels.lead_level`), with each level of the data
and each verdict's range over 0x-3x of the assumed amounts beside it (:mod:`.verdicts`).

Code map: ``tables`` (tier table, bridge), ``trend`` (Theil-Sen, binned medians), ``verdicts``
(highest-margin tier and tilt, decided once; levels; sensitivity), ``sentences``, ``headline``
(metrics and the Result), ``figures``.
"""

from helpers.seesaw.figures import plot_bridge, plot_scatter, plot_seesaw, plot_tier_margins
from helpers.seesaw.headline import measure_seesaw, seesaw_findings, seesaw_metrics
from helpers.seesaw.tables import at_lead, bridge_table, tier_table
from helpers.seesaw.trend import binned_margins, fit_trend
from helpers.seesaw.verdicts import decide_highest_margin_tier, decide_tilt

__all__ = [
    "tier_table",
    "at_lead",
    "decide_highest_margin_tier",
    "decide_tilt",
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
