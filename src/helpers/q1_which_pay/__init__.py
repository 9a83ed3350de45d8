"""Q1 — which small clients are profitable: profit classes, segments, a readable model, actions.

Every function takes the customer ledger (one row per customer, :mod:`helpers.ledger`) and the
config (section ``questions``); "small" means the tiers in ``size_tiers.small``. Profit is taken
at the level the report leads with (:func:`helpers.ledger.levels.lead_level`) unless a
``level`` is given; :func:`shares_by_level` compares the claims' verdicts across levels. Shares come
with Wilson intervals, segments smaller than ``min_segment_size`` are flagged "too small to
judge", and the decision tree's accuracy is measured on clients it never saw.
"""

from helpers.q1_which_pay.actions import action_list
from helpers.q1_which_pay.by_level import shares_by_level
from helpers.q1_which_pay.figures import plot_class_shares, plot_segment_profitability
from helpers.q1_which_pay.headline import q1_findings, q1_metrics
from helpers.q1_which_pay.model import fit_profile_model
from helpers.q1_which_pay.profile import (
    CLASSES,
    TOO_SMALL,
    customer_features,
    profit_classes,
    small_clients,
)
from helpers.q1_which_pay.segment_profit import segment_profitability
from helpers.q1_which_pay.shares import claim_verdicts, class_shares

__all__ = [
    "CLASSES",
    "TOO_SMALL",
    "small_clients",
    "customer_features",
    "profit_classes",
    "class_shares",
    "claim_verdicts",
    "shares_by_level",
    "segment_profitability",
    "fit_profile_model",
    "action_list",
    "q1_metrics",
    "q1_findings",
    "plot_class_shares",
    "plot_segment_profitability",
]
