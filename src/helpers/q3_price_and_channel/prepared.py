"""What every scenario at one profit level reads from the ledger, computed once as arrays."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.q3_price_and_channel.inputs import (
    OrderBook,
    _activities,
    _scaling,
    _settings,
    _small_order_stats,
    _tier_mask,
    _unit_cost,
)

__all__: list[str] = []

#: a scenario's state: column -> one float64 value per customer (never changed in place)
State = dict[str, np.ndarray]


class Prepared:
    """The customers at one level as NumPy arrays, with what the levers read from them kept once.

    Every scenario on the same customers, config and orders reads the same tier masks,
    discount rates, unit costs, small-order counts and habitual channels; they depend on no
    lever parameter but the tiers, threshold or target named, so each is computed once, the
    way a single scenario computes it.

    Parameters
    ----------
    view
        The customers at one level (:func:`helpers.q3_price_and_channel.levels_view.ledger_at`
        of the ledger without its unattributed row); read, never changed.
    config
        The run's config (sections ``scenarios`` and ``size_tiers``).
    orders
        :func:`helpers.q3_price_and_channel.inputs.order_values` as a book, or None.
    shared
        What another level's :class:`Prepared` of the same customers kept of the columns no
        level changes (tiers, discounts, orders, revenue, ids); None: nothing yet.
    """

    def __init__(
        self,
        view: pd.DataFrame,
        config: Mapping[str, Any],
        orders: OrderBook | None,
        shared: dict[Any, Any] | None = None,
    ) -> None:
        self.view, self.config, self.orders = view, config, orders
        self.scaling = _scaling(view, config)
        self.base = _base_state(view)
        self.rows = len(view)
        self.profit = view["profit"].astype("float64").to_numpy()
        self.base_profit = profit_of(self.base)
        self.magnitude = float(view["profit"].abs().sum())
        self.segment = _segments(view, config)
        self.codes, self.labels, self.bounds, self.order = _segment_codes(
            self.segment, view, config
        )
        self._cache: dict[Any, Any] = {}
        #: kept values that read no column a profit level changes (costs, profit)
        self.shared: dict[Any, Any] = {} if shared is None else shared

    def _once(self, key: Any, compute: Callable[[], Any], *, shared: bool = False) -> Any:
        """``compute()`` the first time ``key`` is asked for, the kept value after.

        ``shared``: the value reads no cost or profit, so every level's view shares it.
        """
        cache = self.shared if shared else self._cache
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    def tier_mask(self, tiers: Any) -> np.ndarray:
        """Customers whose size tier is in ``tiers`` (as :func:`inputs._tier_mask`)."""
        key = tuple(tiers) if isinstance(tiers, list | tuple) else tiers
        return self._once(
            ("tiers", key), lambda: _tier_mask(self.view, tiers, self.config), shared=True
        )

    def discount_rate(self) -> np.ndarray:
        """Each customer's discounts / list revenue (0 without list revenue)."""

        def compute() -> np.ndarray:
            listed = self.view["list_revenue"]
            with np.errstate(divide="ignore", invalid="ignore"):
                rate = self.view["discounts"] / listed.where(listed > 0)
            return rate.fillna(0.0).to_numpy(dtype="float64")

        return self._once("discount_rate", compute, shared=True)

    def had(self, activity: str) -> np.ndarray:
        """Customers with a positive cost of ``activity`` at this level."""
        return self._once(("had", activity), lambda: (self.view[f"cts_{activity}"] > 0).to_numpy())

    def unit_cost(self, activity: str) -> float:
        """Cost per driver unit of ``activity`` at this level (NaN without drivers)."""
        return self._once(("unit", activity), lambda: _unit_cost(self.view, activity))

    def small_orders(self, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Orders (n), orders below ``threshold`` (k) and their value (v) of every customer."""

        def compute() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            stats = _small_order_stats(self.view, self.orders, threshold)
            return tuple(stats[c].to_numpy(dtype="float64") for c in ("n", "k", "v"))

        return self._once(("small", threshold), compute, shared=True)

    def habitual(self) -> np.ndarray | None:
        """Each customer's most used channel ("" when unknown); None without order channels."""

        def compute() -> np.ndarray | None:
            habit = self.orders.habit() if self.orders is not None else None
            if habit is None:
                return None
            ids = self.view["customer_id"].astype("object")
            return ids.map(habit).astype("object").fillna("").to_numpy(dtype=object)

        return self._once("habitual", compute, shared=True)

    def unprofitable(self) -> np.ndarray:
        """Customers whose profit at this level is zero or less."""
        return self._once("unprofitable", lambda: (self.view["profit"] <= 0).to_numpy())

    def segment_sums(self, values: np.ndarray) -> np.ndarray:
        """Per segment (table order), the sums of each row of ``values`` (one per customer)."""
        ordered = values[:, self.order]
        sums = [ordered[:, start:stop].sum(axis=1) for start, stop in self.bounds]
        return np.stack(sums) if sums else np.zeros((0, len(values)))

    def settings(self) -> dict[str, Any]:
        """The config's ``scenarios`` section."""
        return self._once("settings", lambda: _settings(self.config))


def _base_state(view: pd.DataFrame) -> State:
    """The money, orders, retained share and activity costs of every customer, as today."""
    rows = len(view)
    state = {
        "net_revenue": view["net_revenue"].to_numpy(dtype="float64"),
        "list_revenue": view["list_revenue"].to_numpy(dtype="float64"),
        "cogs": view["cogs"].to_numpy(dtype="float64"),
        "fees": np.zeros(rows),
        "orders": view["orders"].to_numpy(dtype="float64"),
        "retained": np.ones(rows),
    }
    for activity in _activities(view):
        state[f"cts_{activity}"] = view[f"cts_{activity}"].to_numpy(dtype="float64")
    return state


def profit_of(state: State) -> np.ndarray:
    """Profit after cost to serve of every customer (fees count as revenue; NaN costs as 0)."""
    costs = np.zeros(len(state["net_revenue"]))
    for number, column in enumerate(c for c in state if c.startswith("cts_")):
        value = np.where(np.isnan(state[column]), 0.0, state[column])
        costs = value if number == 0 else costs + value
    return state["net_revenue"] + state["fees"] - state["cogs"] - costs


def _segments(view: pd.DataFrame, config: Mapping[str, Any]) -> pd.Series | str:
    """Each customer's segment (``scenarios.segment_by``; "all" when the column is missing)."""
    column = _settings(config).get("segment_by", "size_tier")
    if column not in view:
        return "all"
    return view[column].astype("object").fillna("(unknown)")


def _segment_codes(
    segment: pd.Series | str, view: pd.DataFrame, config: Mapping[str, Any]
) -> tuple[np.ndarray, list[Any], list[tuple[int, int]], np.ndarray]:
    """Segment codes, labels in table order, each segment's rows once sorted, and that sort.

    The segments come in order of appearance, size tiers in their configured order first.
    """
    if isinstance(segment, str):
        codes, uniques = np.zeros(len(view), dtype=np.int64), [segment]
    else:
        codes, found = pd.factorize(segment, sort=False)
        uniques = list(found)
    if _settings(config).get("segment_by", "size_tier") == "size_tier" and "size_tier" in view:
        labels = config.get("size_tiers", {}).get("labels") or []
        first = [tier for tier in labels if tier in uniques]
        uniques_in_order = first + [tier for tier in uniques if tier not in first]
    else:
        uniques_in_order = uniques
    rank = np.array([uniques_in_order.index(label) for label in uniques], dtype=np.int64)
    ranked = rank[codes] if len(codes) else codes
    order = np.argsort(ranked, kind="stable")
    stops = np.cumsum(np.bincount(ranked, minlength=len(uniques_in_order)))
    bounds = list(zip([0, *stops[:-1].tolist()], stops.tolist(), strict=True))
    return ranked, uniques_in_order, bounds, order
