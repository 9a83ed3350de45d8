"""One scenario: the levers applied in turn, profit before and after per customer and per segment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from helpers.q3_price_and_channel.inputs import OrderBook
from helpers.q3_price_and_channel.levers import LEVERS, scenario_levers
from helpers.q3_price_and_channel.simulator import Simulator
from helpers.q3_price_and_channel.wording import scenario_sentences, scenario_verdict
from helpers.results import Result

__all__ = ["Scenario", "simulate", "lever_contributions"]


@dataclass(kw_only=True)
class Scenario(Result):
    """The outcome of one scenario, a :class:`~helpers.results.Result` with its customers.

    ``table`` is the profit per segment with a total row (also ``by_segment``), ``metrics`` the
    total row as a dict (also ``totals``), ``findings`` the scenario in sentences (and the notes
    on what was assumed); ``customers`` the outcome per customer, ``levers`` the levers used
    (``auto`` amounts resolved), ``notes`` what a lever had to assume, ``level`` the profit
    level, ``reach`` the customers each enabled lever changes, ``not_applicable`` why a lever
    reaches nobody and ``verdict`` whether the scenario raises, lowers or leaves profit.
    """

    customers: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    levers: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    level: str = "with_assumptions"
    reach: dict[str, int] = field(default_factory=dict)
    not_applicable: dict[str, str] = field(default_factory=dict)
    verdict: str = ""

    @property
    def by_segment(self) -> pd.DataFrame:
        """Profit before and after per segment, with a total row (the ``table``)."""
        return self.table

    @property
    def totals(self) -> dict[str, Any]:
        """The total row of :attr:`by_segment` as a dict (the ``metrics``)."""
        return self.metrics


def simulate(
    ledger: pd.DataFrame,
    config: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    orders: pd.DataFrame | OrderBook | None = None,
    level: str | None = None,
    multiplier: float = 1.0,
) -> Scenario:
    """Profit before and after a scenario, per customer and per segment.

    Each enabled lever changes every affected customer's revenue, cost of goods and cost to
    serve in turn (in the order of :data:`LEVERS`); the effects are expected values, so a
    scenario with every lever off reproduces the ledger exactly. The levers' ``auto`` amounts
    are resolved once on the whole ledger (every cost counted), so the same policy is
    evaluated at every profit level.

    Parameters
    ----------
    ledger
        The customer ledger (the unattributed row, if any, is left out: no lever applies to it).
    config
        The run's config (sections ``scenarios`` and ``size_tiers``).
    overrides
        Changes to the config's levers, e.g. ``{"small_order_fee.fee": 0}`` or
        ``{"discount_cap": {"enabled": False}}``.
    orders
        :func:`order_values` or an :class:`OrderBook` of them (order sizes for the fee lever;
        without it every order of a customer is taken at its average value).
    level
        The profit level whose costs the scenario changes (:data:`helpers.ledger.levels.LEVELS`);
        None: the level the report leads with.
    multiplier
        At the level "with_assumptions", every assumed amount multiplied by this.

    Returns
    -------
    Scenario
        ``customers``: customer_id, segment, profit_before, profit_after, change, retained
        (expected share kept, 0-1), net_revenue_before, net_revenue_after, fees (currency
        units), lost, turned_profitable, turned_loss_making (expected customers).
        ``by_segment`` (the ``table``): segment, customers, profit_before, profit_after,
        change, net_revenue_before, net_revenue_after, fees (currency units), customers_lost,
        turned_profitable, turned_loss_making (expected customers, the last two among those
        who stay), change_pct (fraction of the absolute profit before; NaN when that base is
        not material, :func:`helpers.results.pct_change`), with a total row; ``totals`` (the
        ``metrics``) the total row as a dict; ``level``, ``reach`` (customers each enabled
        lever changes), ``not_applicable`` (lever -> why it reaches nobody) and ``verdict``
        (:func:`helpers.q3_price_and_channel.wording.scenario_verdict`).

    Raises
    ------
    ValueError
        When an override or the channel-migration target is unknown.
    """
    simulator = Simulator(ledger, config, orders, level, multiplier)
    return scenario_of(simulator, overrides)


def scenario_of(simulator: Simulator, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """The scenario of :func:`simulate` on a prepared :class:`Simulator` (with its sentences)."""
    levers = simulator.levers(overrides)
    state, reaches = simulator.apply(levers)
    outcome = simulator.outcomes(state)
    by_segment = simulator.segment_table(outcome)
    totals = {k: float(v) for k, v in by_segment.iloc[-1].drop("segment").items()}
    reach = {name: found.customers for name, found in reaches.items()}
    notes = [note for found in reaches.values() for note in found.notes]
    verdict = scenario_verdict(totals["change"], reach, simulator.prepared.magnitude)
    context = {
        "title": "Scenario" if overrides else "Default scenario",
        "level": simulator.level,
        "reach": reach,
        "verdict": verdict,
    }
    findings = [*scenario_sentences(by_segment, totals, levers, simulator.config, context), *notes]
    return Scenario(
        table=by_segment,
        metrics=totals,
        findings=findings,
        customers=_customer_frame(simulator, outcome),
        levers=dict(levers),
        notes=notes,
        level=simulator.level,
        reach=reach,
        not_applicable={n: f.reason for n, f in reaches.items() if f.customers == 0},
        verdict=verdict,
    )


def _customer_frame(simulator: Simulator, outcome: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """The outcome as one row per customer (customer_id and segment first)."""
    view = simulator.view
    return pd.DataFrame(
        {
            "customer_id": view["customer_id"],
            "segment": simulator.prepared.segment,
            **{k: pd.Series(v, index=view.index) for k, v in outcome.items()},
        }
    )


def lever_contributions(
    ledger: pd.DataFrame,
    config: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    orders: pd.DataFrame | OrderBook | None = None,
    level: str | None = None,
) -> pd.DataFrame:
    """Each enabled lever's share of the scenario's profit change.

    The levers are added one at a time in their order of application, so the contributions
    sum to the scenario's total change.

    Parameters
    ----------
    ledger, config, overrides, orders, level
        As for :func:`simulate`.

    Returns
    -------
    DataFrame
        lever, change (profit change the lever adds, currency units), customers_lost (expected
        customers the lever adds to those lost), customers_reached (customers the lever
        changes; 0: not applicable) and reason (why it reaches nobody, "" when it does).
    """
    return contributions_of(Simulator(ledger, config, orders, level), overrides)


def contributions_of(
    simulator: Simulator, overrides: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """:func:`lever_contributions` on a prepared :class:`Simulator` (customers prepared once)."""
    levers = scenario_levers(simulator.config, overrides)
    enabled = [name for name in LEVERS if (levers.get(name) or {}).get("enabled", False)]
    rows, previous = [], 0.0
    for i, name in enumerate(enabled):
        keep = set(enabled[: i + 1])
        step = {lever: {**(levers.get(lever) or {}), "enabled": lever in keep} for lever in LEVERS}
        total, reaches = simulator.totals_and_reach(step)
        found = reaches.get(name)
        rows.append(
            {
                "lever": name,
                "change": total["change"] - previous,
                "customers_lost": total["customers_lost"],
                "customers_reached": found.customers if found else 0,
                "reason": found.reason if found and found.customers == 0 else "",
            }
        )
        previous = total["change"]
    columns = ["lever", "change", "customers_lost", "customers_reached", "reason"]
    out = pd.DataFrame(rows, columns=columns)
    out["customers_lost"] = out["customers_lost"].diff().fillna(out["customers_lost"])
    return out
