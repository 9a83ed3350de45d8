"""Many scenarios on one ledger: the customers prepared once, each scenario's arithmetic on arrays."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.q3_price_and_channel.effects import (
    Reach,
    _channel_migration,
    _discount_cap,
    _small_order_fee,
    _telesales_for_visits,
)
from helpers.q3_price_and_channel.inputs import (
    OrderBook,
    _customers,
    _small_client_unit_economics,
)
from helpers.q3_price_and_channel.levels_view import _lead_level, ledger_at
from helpers.q3_price_and_channel.levers import (
    LEVERS,
    _resolved,
    median_small_order,
    scenario_levers,
)
from helpers.q3_price_and_channel.prepared import Prepared, State, profit_of
from helpers.q3_price_and_channel.wording import pct_or_nan
from helpers.results import pct_change

__all__ = ["Simulator"]

_EFFECTS = {
    "discount_cap": _discount_cap,
    "telesales_for_visits": _telesales_for_visits,
    "small_order_fee": _small_order_fee,
    "channel_migration": _channel_migration,
}
#: the sums of the per-segment table, in its column order (customers and change_pct aside)
_SUMS = ("profit_before", "profit_after", "change", "net_revenue_before", "net_revenue_after",
         "fees", "customers_lost", "turned_profitable", "turned_loss_making")  # fmt: skip


class Simulator:
    """Scenarios on one ledger at one profit level, with everything no lever changes kept once.

    The customers, their view at the level, the levers' ``auto`` amounts' inputs, each lever's
    eligibility and the segments are prepared once; a scenario is then NumPy arithmetic on
    float64 arrays and per-segment sums, with the numbers :func:`simulate` gives on its own.

    Parameters
    ----------
    ledger, config, orders, level, multiplier
        As for :func:`helpers.q3_price_and_channel.scenario.simulate`.
    like
        A simulator of the same ledger, config and orders whose level-free preparation is
        shared (:meth:`at`); None: prepare everything.
    """

    def __init__(
        self,
        ledger: pd.DataFrame,
        config: Mapping[str, Any],
        orders: pd.DataFrame | OrderBook | None = None,
        level: str | None = None,
        multiplier: float = 1.0,
        *,
        like: Simulator | None = None,
    ) -> None:
        self.config, self.orders = config, OrderBook.of(orders)
        self._ledger = ledger
        self.customers = _customers(ledger) if like is None else like.customers
        self.level = level or _lead_level(ledger)
        self.view = ledger_at(self.customers, config, self.level, multiplier)
        shared = None if like is None else like.prepared.shared
        self.prepared = Prepared(self.view, config, self.orders, shared)
        self._known: dict[str, Any] = {} if like is None else like._known

    def at(self, level: str | None = None, multiplier: float = 1.0) -> Simulator:
        """The same customers, config and orders at another level (or multiplier).

        What no level changes (the levers' ``auto`` inputs, tiers, discounts, small orders,
        habitual channels) is shared, not computed again.
        """
        return Simulator(self._ledger, self.config, self.orders, level, multiplier, like=self)

    def levers(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The config's levers with ``overrides``, ``auto`` amounts resolved on the ledger.

        The same as :func:`helpers.q3_price_and_channel.levers.resolve_levers` on the
        customers; raises its ValueError for an unknown override.
        """
        return _resolved(
            scenario_levers(self.config, overrides),
            lambda: self._kept("economics", self._economics),
            lambda: self._kept("median", self._median),
        )

    def _economics(self) -> dict[str, Any]:
        return _small_client_unit_economics(self.customers, self.config)

    def _median(self) -> float:
        return median_small_order(self.customers, self.config, self.orders)

    def _kept(self, key: str, compute: Any) -> Any:
        """``compute()`` once per simulator."""
        if key not in self._known:
            self._known[key] = compute()
        return self._known[key]

    def apply(self, levers: Mapping[str, Any]) -> tuple[State, dict[str, Reach]]:
        """Every customer's state after the enabled levers, and whom each lever reached."""
        state = dict(self.prepared.base)
        reaches: dict[str, Reach] = {}
        for name in LEVERS:
            params = levers.get(name) or {}
            if params.get("enabled", False):
                reaches[name] = _EFFECTS[name](state, self.prepared, params)
        return state, reaches

    def outcomes(self, state: State) -> dict[str, np.ndarray]:
        """Profit before and after, expected losses and turns per customer (as arrays).

        Keys: profit_before, profit_after, change, retained, net_revenue_before,
        net_revenue_after, fees, lost, turned_profitable, turned_loss_making.
        """
        prep = self.prepared
        before = prep.profit
        after = profit_of(state)
        # a lever that does nothing leaves the ledger's own profit, to the cent
        untouched = np.isclose(after, prep.base_profit, rtol=0, atol=1e-9)
        after = np.where(~untouched, after, before)
        retained = state["retained"]
        with np.errstate(divide="ignore", invalid="ignore"):
            if_kept = np.where(retained > 0, after / retained, 0.0)
        return {
            "profit_before": before,
            "profit_after": after,
            "change": after - before,
            "retained": retained,
            "net_revenue_before": prep.base["net_revenue"],
            "net_revenue_after": state["net_revenue"],
            "fees": state["fees"],
            "lost": 1 - retained,
            "turned_profitable": retained * ((before <= 0) & (if_kept > 0)),
            "turned_loss_making": retained * ((before > 0) & (if_kept <= 0)),
        }

    def segment_table(self, outcome: Mapping[str, np.ndarray]) -> pd.DataFrame:
        """The outcome summed per segment (size tiers in their configured order), with a total.

        Columns: segment, customers, the sums of :data:`_SUMS` (currency units; expected
        customers for customers_lost and the turns) and change_pct (fraction or NaN).
        """
        prep = self.prepared
        values = np.stack(
            [np.abs(outcome["profit_before"])]
            + [outcome["lost" if c == "customers_lost" else c] for c in _SUMS]
        )
        sums = prep.segment_sums(values)
        counts = np.bincount(prep.codes, minlength=len(prep.labels)).astype("float64")
        rows = np.column_stack([counts, sums])
        rows = np.vstack([rows, rows.sum(axis=0)]) if len(rows) else np.zeros((1, len(values) + 1))
        table = pd.DataFrame(
            rows[:, 2:], columns=list(_SUMS), index=pd.Index([*prep.labels, "total"], dtype=object)
        )
        table.insert(0, "customers", rows[:, 0].astype("int64"))
        table["change_pct"] = [
            pct_or_nan(pct_change(after, before, magnitude))
            for after, before, magnitude in zip(
                table["profit_after"], table["profit_before"], rows[:, 1], strict=True
            )
        ]
        table.index.name = "segment"
        return table.reset_index()

    def totals(self, overrides: Mapping[str, Any] | None = None) -> dict[str, float]:
        """The total row of a scenario's per-segment table (no sentences, no customer frame)."""
        return self.totals_and_reach(overrides)[0]

    def totals_and_reach(
        self, overrides: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, float], dict[str, Reach]]:
        """The total row of a scenario's per-segment table, and whom each enabled lever reached."""
        state, reaches = self.apply(self.levers(overrides))
        table = self.segment_table(self.outcomes(state))
        return {k: float(v) for k, v in table.iloc[-1].drop("segment").items()}, reaches
