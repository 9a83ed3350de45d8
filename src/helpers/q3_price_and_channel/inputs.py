"""What the Q3 simulator reads from the data: order values, activities and small-client economics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.schema import UNATTRIBUTED

__all__ = ["order_values", "OrderBook"]

#: the name of "the channels as served today" in the break-even table
TODAY = "today"


def _settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """The ``scenarios`` section of the config."""
    return dict(config["scenarios"])


def order_values(order_lines: pd.DataFrame | None) -> pd.DataFrame | None:
    """One row per sales order, the sizes the small-order fee lever looks at.

    Parameters
    ----------
    order_lines
        Canonical order lines (``is_return``, ``customer_id``, ``order_id``, ``revenue`` and,
        when known, ``channel``); None when the data has none.

    Returns
    -------
    DataFrame or None
        customer_id, order_id, value (net revenue of the order's sales lines, currency units)
        and channel (the order's first line's channel, when the lines have one); None when
        ``order_lines`` is None.
    """
    if order_lines is None:
        return None
    sales = order_lines.loc[~order_lines["is_return"].fillna(False).astype(bool)]
    agg: dict[str, tuple[str, str]] = {"value": ("revenue", "sum")}
    if "channel" in sales:
        agg["channel"] = ("channel", "first")
    out = (
        sales.groupby(["customer_id", "order_id"], observed=True, sort=False)
        .agg(**agg)
        .reset_index()
    )
    out["customer_id"] = out["customer_id"].astype("object")
    return out


class OrderBook:
    """The orders of :func:`order_values`, with what the levers read from them kept once.

    A scenario grid or a tornado runs dozens of scenarios on the same orders; each reads the
    same per-customer counts of small orders, habitual channels and order values. The book
    computes each of them once, the same way a single scenario does, so every scenario's
    numbers are those it would get on its own. The orders are read, never changed.

    Parameters
    ----------
    frame
        :func:`order_values` (customer_id, order_id, value and, when known, channel).
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self._small: dict[float, pd.DataFrame] = {}
        self._values: dict[frozenset[Any], pd.Series] = {}
        self._habit: list[pd.Series | None] = []

    @classmethod
    def of(cls, orders: pd.DataFrame | OrderBook | None) -> OrderBook | None:
        """``orders`` as a book (itself when it is one already; None stays None)."""
        return orders if orders is None or isinstance(orders, OrderBook) else cls(orders)

    def __len__(self) -> int:
        """The number of orders."""
        return len(self.frame)

    def small_orders(self, threshold: float) -> pd.DataFrame:
        """Per customer with an order below ``threshold``: their count (size) and value (sum)."""
        if threshold not in self._small:
            small = self.frame.loc[self.frame["value"] < threshold]
            self._small[threshold] = small.groupby("customer_id")["value"].agg(["size", "sum"])
        return self._small[threshold]

    def values_of(self, customer_ids: frozenset[Any]) -> pd.Series:
        """The values of the orders of these customers, in the book's order."""
        if customer_ids not in self._values:
            mine = self.frame["customer_id"].isin(customer_ids)
            self._values[customer_ids] = self.frame.loc[mine, "value"]
        return self._values[customer_ids]

    def habit(self) -> pd.Series | None:
        """Each customer's most used channel (customer_id -> channel); None without channels."""
        if not self._habit:
            orders = self.frame
            known = "channel" in orders and bool(orders["channel"].notna().any())
            self._habit.append(_habitual_channel(orders) if known else None)
        return self._habit[0]


def _habitual_channel(orders: pd.DataFrame) -> pd.Series:
    """customer_id -> the channel of most of the customer's orders (ties: the first sorted)."""
    return (
        orders.dropna(subset=["channel"])
        .groupby(["customer_id", "channel"])
        .size()
        .reset_index(name="n")
        .sort_values(["customer_id", "n"], ascending=[True, False])
        .drop_duplicates("customer_id")
        .set_index("customer_id")["channel"]
    )


def _customers(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger without the row of lines that carry no customer (no lever applies to it)."""
    return ledger.loc[ledger["customer_id"] != UNATTRIBUTED].reset_index(drop=True)


def _activities(ledger: pd.DataFrame) -> list[str]:
    """The cost-to-serve activities of the ledger (its ``cts_<activity>`` columns)."""
    return [column[4:] for column in ledger.columns if column.startswith("cts_")]


def _scaling(ledger: pd.DataFrame, config: Mapping[str, Any]) -> dict[str, list[str]]:
    """Activities of the ledger by how their cost scales (unlisted: per_line)."""
    spec = _settings(config)["activity_scaling"]
    activities = _activities(ledger)
    kinds = ("per_order", "per_line", "per_revenue", "per_customer")
    out = {kind: [a for a in spec.get(kind, []) if a in activities] for kind in kinds}
    listed = {a for names in out.values() for a in names}
    out["per_line"] += [a for a in activities if a not in listed]
    return out


def _tier_mask(ledger: pd.DataFrame, tiers: Any, config: Mapping[str, Any]) -> np.ndarray:
    """Rows whose size tier is in ``tiers`` (None or "all": every row; "small": the small tiers)."""
    if tiers in (None, "all"):
        return np.ones(len(ledger), dtype=bool)
    names = config["size_tiers"]["small"] if tiers == "small" else tiers
    names = [names] if isinstance(names, str) else list(names)
    return ledger["size_tier"].astype("object").isin(names).to_numpy()


def _unit_cost(ledger: pd.DataFrame, activity: str) -> float:
    """Effective cost per driver unit of an activity in the ledger (NaN without drivers)."""
    driver = f"drv_{activity}"
    if driver not in ledger or f"cts_{activity}" not in ledger:
        return float("nan")
    units = float(ledger[driver].sum())
    return float(ledger[f"cts_{activity}"].sum()) / units if units > 0 else float("nan")


def _small_order_stats(
    ledger: pd.DataFrame, orders: pd.DataFrame | OrderBook | None, threshold: float
) -> pd.DataFrame:
    """Per ledger row: orders (n), orders below the threshold (k) and their value (v)."""
    n_orders = ledger["orders"].astype("float64").to_numpy()
    if orders is None:  # every order at the customer's average value (assumed)
        with np.errstate(divide="ignore", invalid="ignore"):
            average = ledger["net_revenue"].to_numpy() / np.where(n_orders > 0, n_orders, np.nan)
        below = np.nan_to_num(average < threshold, nan=False).astype(bool) & (n_orders > 0)
        count = np.where(below, n_orders, 0.0)
        value = np.where(below, ledger["net_revenue"].to_numpy(), 0.0)
        return pd.DataFrame({"n": n_orders, "k": count, "v": value}, index=ledger.index)
    per = OrderBook.of(orders).small_orders(threshold)
    ids = ledger["customer_id"].astype("object")
    count = ids.map(per["size"]).fillna(0.0).to_numpy(dtype="float64")
    value = ids.map(per["sum"]).fillna(0.0).to_numpy(dtype="float64")
    return pd.DataFrame(
        {"n": n_orders, "k": np.minimum(count, n_orders), "v": value}, index=ledger.index
    )


def _small_client_unit_economics(ledger: pd.DataFrame, config: Mapping[str, Any]) -> dict[str, Any]:
    """Small clients' unit economics today (all customers when no small client has orders).

    Their orders and revenue, cost to serve per order (except revenue-driven costs), the
    margin rate per unit of net revenue after revenue-driven costs, and their activities' costs.
    """
    customers = _customers(ledger)
    small = customers.loc[_tier_mask(customers, "small", config)]
    if small.empty or small["orders"].sum() <= 0:
        small = customers
    per_revenue = _scaling(ledger, config)["per_revenue"]
    orders = float(small["orders"].sum())
    revenue = float(small["net_revenue"].sum())
    revenue_costs = sum(float(small[f"cts_{a}"].sum()) for a in per_revenue)
    costs = {a: float(small[f"cts_{a}"].sum()) for a in _activities(ledger)}
    margin = float(small["gross_margin"].sum()) / revenue if revenue else np.nan
    return {
        "orders": orders,
        "revenue": revenue,
        "gross_margin_rate": margin,
        "per_revenue_rate": revenue_costs / revenue if revenue else 0.0,
        "cost_per_order": sum(cost for a, cost in costs.items() if a not in per_revenue)
        / max(orders, 1.0),
        "costs": costs,
    }
