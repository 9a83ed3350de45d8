"""Q3 — price and channel what-ifs on the customer ledger: fees, channel moves, discount caps.

A scenario is the config's ``scenarios.levers`` with any overrides. Each lever changes every
affected customer's revenue, cost of goods and cost to serve (activity by activity) through
the explicit assumptions of ``defaults/scenarios.yaml``; the effects are expected values, so
profit after the scenario is smooth in every assumption, a scenario with every lever off
reproduces the ledger exactly, and profit changes add up over customers and segments. The
``auto`` amounts are resolved once from the whole ledger (in the data's currency); the scenario
runs at the level the report leads with, :func:`scenario_by_level` at every level. A lever
that reaches nobody is "not applicable", never advice.

The sliders that replay a scenario live in :mod:`helpers.apps.scenario_controls`.
"""

from helpers.q3_price_and_channel.break_even import break_even_curves
from helpers.q3_price_and_channel.by_level import scenario_by_level
from helpers.q3_price_and_channel.figures import (
    plot_break_even,
    plot_profit_by_segment,
    plot_tornado,
)
from helpers.q3_price_and_channel.headline import q3_findings, q3_metrics
from helpers.q3_price_and_channel.inputs import OrderBook, order_values
from helpers.q3_price_and_channel.levers import (
    LEVERS,
    assumptions_table,
    median_small_order,
    resolve_levers,
    scenario_levers,
)
from helpers.q3_price_and_channel.scenario import Scenario, lever_contributions, simulate
from helpers.q3_price_and_channel.sensitivity import scenario_grid, tornado
from helpers.q3_price_and_channel.wording import scenario_verdict

__all__ = [
    "LEVERS",
    "OrderBook",
    "Scenario",
    "order_values",
    "scenario_levers",
    "resolve_levers",
    "median_small_order",
    "assumptions_table",
    "simulate",
    "lever_contributions",
    "scenario_verdict",
    "scenario_by_level",
    "break_even_curves",
    "tornado",
    "scenario_grid",
    "q3_metrics",
    "q3_findings",
    "plot_profit_by_segment",
    "plot_break_even",
    "plot_tornado",
]
