"""Customer segments: size tiers, RFM segments, profitability quadrants and ABC classes.

Profit is at the lead level (:func:`helpers.ledger.levels.lead_level`) unless a function is given
another ``level``; the headline has each level of the data beside it and each verdict's range
over 0x-3x of the assumed amounts. Code map: ``rfm``, ``classes`` (quadrants, ABC, profiles),
``verdicts`` (highest-margin tier, small clients; decided once), ``sentences``, ``headline``,
``figures``.
"""

from helpers.segments.classes import (
    abc_classes,
    abc_crosstab,
    assign_quadrants,
    assign_segments,
    profile_segments,
    quadrant_thresholds,
)
from helpers.segments.figures import plot_abc_crosstab, plot_quadrants, plot_segment_profile
from helpers.segments.headline import segment_findings, segment_metrics, segment_summary
from helpers.segments.rfm import name_rfm_segments, rfm_scores
from helpers.segments.verdicts import decide_highest_margin_tier, decide_small_clients

__all__ = [
    "rfm_scores",
    "name_rfm_segments",
    "quadrant_thresholds",
    "assign_quadrants",
    "abc_classes",
    "abc_crosstab",
    "assign_segments",
    "profile_segments",
    "segment_metrics",
    "segment_findings",
    "segment_summary",
    "plot_quadrants",
    "plot_segment_profile",
    "plot_abc_crosstab",
    "decide_highest_margin_tier",
    "decide_small_clients",
]
