"""The customer ledger: canonical tables -> one row per customer (and period) with its P&L.

Modules: ``engine`` (DuckDB or another Ibis backend), ``cost_to_serve`` (time-driven
activity-based costing), ``size_tiers``, ``purchases`` (shared views of the order lines),
``build`` (the ledger) and ``views`` (its P&L tables, figures, metrics and findings).
"""

from helpers.ledger.build import *  # noqa: F403
from helpers.ledger.build import __all__ as _build_all
from helpers.ledger.views import *  # noqa: F403
from helpers.ledger.views import __all__ as _views_all

__all__ = [*_build_all, *_views_all]
