"""Q2 — how to attract profitable small clients cheaply: channel economics and the crowd arithmetic.

Per acquisition channel: spend, new customers, cost of acquisition (CAC), first-year survival and
profit, months to pay back CAC and a simple documented future value; then how many leads (and
small clients) it takes to find one long-term partner, with Monte Carlo uncertainty. Works
without a spend table (customers and profit by channel only) and without a customers table
(each customer's habitual order channel stands in for the acquisition channel).
"""

from helpers.q2_attract.channels import channel_summary, customer_channels
from helpers.q2_attract.crowd import crowd_arithmetic
from helpers.q2_attract.economics import channel_economics, future_value_assumption
from helpers.q2_attract.figures import plot_channel_economics, plot_channel_profit, plot_crowd
from helpers.q2_attract.headline import q2_findings, q2_metrics
from helpers.q2_attract.newcomers import new_customers

__all__ = [
    "customer_channels",
    "channel_summary",
    "new_customers",
    "channel_economics",
    "crowd_arithmetic",
    "future_value_assumption",
    "q2_metrics",
    "q2_findings",
    "plot_channel_economics",
    "plot_crowd",
    "plot_channel_profit",
]
