"""Q2 — how to attract profitable small clients cheaply: channel economics and the crowd arithmetic.

Per acquisition channel: spend, new customers, cost of acquisition (CAC), first-year survival and
profit, months to pay back CAC and a simple documented future value; then how many leads (and
small clients) it takes to find one long-term partner, with Monte Carlo uncertainty. Works
without a spend table (customers and profit by channel only) and without a customers table
(each customer's habitual order channel stands in for the acquisition channel); without either,
nothing is ranked by channel. Profit is taken at the level the report leads with unless a
``level`` is given; :func:`economics_by_level` compares first-year profit and payback across
levels.
"""

from helpers.q2_attract.by_level import economics_by_level
from helpers.q2_attract.channels import channel_summary, customer_channels
from helpers.q2_attract.crowd import crowd_arithmetic
from helpers.q2_attract.economics import channel_economics, future_value_assumption
from helpers.q2_attract.figures import plot_channel_economics, plot_channel_profit, plot_crowd
from helpers.q2_attract.headline import q2_findings, q2_metrics
from helpers.q2_attract.newcomers import new_customers, newcomer_ids

__all__ = [
    "customer_channels",
    "channel_summary",
    "new_customers",
    "newcomer_ids",
    "channel_economics",
    "crowd_arithmetic",
    "economics_by_level",
    "future_value_assumption",
    "q2_metrics",
    "q2_findings",
    "plot_channel_economics",
    "plot_crowd",
    "plot_channel_profit",
]
