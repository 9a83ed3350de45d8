"""One scenario: the levers applied in turn, profit before and after per customer and per segment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from helpers.q3_price_and_channel.effects import (
    Reach,
    _channel_migration,
    _discount_cap,
    _profit,
    _small_order_fee,
    _state,
    _telesales_for_visits,
)
from helpers.q3_price_and_channel.inputs import OrderBook, _customers, _scaling, _settings
from helpers.q3_price_and_channel.levels_view import _lead_level, ledger_at
from helpers.q3_price_and_channel.levers import LEVERS, resolve_levers, scenario_levers
from helpers.q3_price_and_channel.wording import pct_or_nan, scenario_sentences, scenario_verdict
from helpers.results import Result, pct_change

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
    customers, orders = _customers(ledger), OrderBook.of(orders)
    levers = resolve_levers(customers, config, scenario_levers(config, overrides), orders)
    level = level or _lead_level(ledger)
    view = ledger_at(customers, config, level, multiplier)
    title = "Scenario" if overrides else "Default scenario"
    return _outcome(view, config, levers, orders, {"title": title, "level": level})


def _outcome(
    view: pd.DataFrame,
    config: Mapping[str, Any],
    levers: Mapping[str, Any],
    orders: pd.DataFrame | OrderBook | None,
    context: dict[str, Any],
) -> Scenario:
    """The levers applied to the customers at one level, summed and put in words."""
    state, reaches = _apply_levers(view, config, levers, orders)
    outcome = _customer_outcomes(view, state, config)
    by_segment = _by_segment(outcome, view, config)
    totals = {k: float(v) for k, v in by_segment.iloc[-1].drop("segment").items()}
    reach = {name: found.customers for name, found in reaches.items()}
    notes = [note for found in reaches.values() for note in found.notes]
    verdict = scenario_verdict(totals["change"], reach, float(view["profit"].abs().sum()))
    context = {**context, "reach": reach, "verdict": verdict}
    findings = [*scenario_sentences(by_segment, totals, levers, config, context), *notes]
    return Scenario(
        table=by_segment,
        metrics=totals,
        findings=findings,
        customers=outcome,
        levers=dict(levers),
        notes=notes,
        level=context["level"],
        reach=reach,
        not_applicable={n: f.reason for n, f in reaches.items() if f.customers == 0},
        verdict=verdict,
    )


def _apply_levers(
    customers: pd.DataFrame,
    config: Mapping[str, Any],
    levers: Mapping[str, Any],
    orders: pd.DataFrame | OrderBook | None,
) -> tuple[pd.DataFrame, dict[str, Reach]]:
    """Every customer's state after the enabled levers, and whom each lever reached."""
    scaling = _scaling(customers, config)
    state = _state(customers)
    reaches: dict[str, Reach] = {}
    for name in LEVERS:
        params = levers.get(name) or {}
        if not params.get("enabled", False):
            continue
        if name == "discount_cap":
            reaches[name] = _discount_cap(state, customers, params, scaling, config)
        elif name == "telesales_for_visits":
            reaches[name] = _telesales_for_visits(state, customers, params, scaling, config)
        elif name == "small_order_fee":
            reaches[name] = _small_order_fee(state, customers, params, scaling, config, orders)
        else:
            reaches[name] = _channel_migration(state, customers, params, scaling, config, orders)
    return state, reaches


def _customer_outcomes(
    customers: pd.DataFrame, state: pd.DataFrame, config: Mapping[str, Any]
) -> pd.DataFrame:
    """Profit before and after, expected losses and turns, one row per customer."""
    before = customers["profit"].astype("float64")
    after = _profit(state)
    # a lever that does nothing leaves the ledger's own profit, to the cent
    untouched = np.isclose(after, _profit(_state(customers)), rtol=0, atol=1e-9)
    after = after.where(~untouched, before)
    column = _settings(config).get("segment_by", "size_tier")
    segment = (
        customers[column].astype("object").fillna("(unknown)") if column in customers else "all"
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        if_kept = np.where(state["retained"] > 0, after / state["retained"], 0.0)
    return pd.DataFrame(
        {
            "customer_id": customers["customer_id"],
            "segment": segment,
            "profit_before": before,
            "profit_after": after,
            "change": after - before,
            "retained": state["retained"],
            "net_revenue_before": customers["net_revenue"].astype("float64"),
            "net_revenue_after": state["net_revenue"],
            "fees": state["fees"],
            "lost": 1 - state["retained"],
            "turned_profitable": state["retained"] * ((before <= 0) & (if_kept > 0)),
            "turned_loss_making": state["retained"] * ((before > 0) & (if_kept <= 0)),
        }
    )


def _by_segment(
    outcome: pd.DataFrame, customers: pd.DataFrame, config: Mapping[str, Any]
) -> pd.DataFrame:
    """The outcome summed per segment (size tiers in their configured order), with a total."""
    table = outcome.assign(size=outcome["profit_before"].abs()).groupby("segment", sort=False)
    table = table.agg(
        customers=("customer_id", "size"),
        magnitude=("size", "sum"),
        profit_before=("profit_before", "sum"),
        profit_after=("profit_after", "sum"),
        change=("change", "sum"),
        net_revenue_before=("net_revenue_before", "sum"),
        net_revenue_after=("net_revenue_after", "sum"),
        fees=("fees", "sum"),
        customers_lost=("lost", "sum"),
        turned_profitable=("turned_profitable", "sum"),
        turned_loss_making=("turned_loss_making", "sum"),
    )
    column = _settings(config).get("segment_by", "size_tier")
    if column == "size_tier" and "size_tier" in customers:
        labels = config.get("size_tiers", {}).get("labels") or []
        order = [tier for tier in labels if tier in table.index]
        table = table.loc[order + [tier for tier in table.index if tier not in order]]
    table.loc["total"] = table.sum()
    table["customers"] = table["customers"].astype("int64")
    table["change_pct"] = [
        pct_or_nan(pct_change(row.profit_after, row.profit_before, row.magnitude))
        for row in table.itertuples()
    ]
    table.index.name = "segment"
    return table.drop(columns=["magnitude"]).reset_index()


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
    levers = scenario_levers(config, overrides)
    orders = OrderBook.of(orders)  # read once for every step
    enabled = [name for name in LEVERS if (levers.get(name) or {}).get("enabled", False)]
    rows, previous = [], 0.0
    for i, name in enumerate(enabled):
        keep = set(enabled[: i + 1])
        step = {lever: {**(levers.get(lever) or {}), "enabled": lever in keep} for lever in LEVERS}
        scenario = simulate(ledger, config, step, orders, level)
        total = scenario.totals
        rows.append(
            {
                "lever": name,
                "change": total["change"] - previous,
                "customers_lost": total["customers_lost"],
                "customers_reached": scenario.reach.get(name, 0),
                "reason": scenario.not_applicable.get(name, ""),
            }
        )
        previous = total["change"]
    columns = ["lever", "change", "customers_lost", "customers_reached", "reason"]
    out = pd.DataFrame(rows, columns=columns)
    out["customers_lost"] = out["customers_lost"].diff().fillna(out["customers_lost"])
    return out
