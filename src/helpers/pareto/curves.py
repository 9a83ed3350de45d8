"""Concentration curves and indices over customers: Lorenz (Pareto form), whale curve, Gini, top share."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.results import MATERIALITY, is_material
from helpers.schema import UNATTRIBUTED

__all__ = [
    "customers_only",
    "unattributed_revenue",
    "lorenz_curves",
    "whale_curve",
    "gini",
    "top_share",
]


def _config(config: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The config with sections ``pareto`` and ``whale`` (the defaults fill what is missing)."""
    if config is not None and "pareto" in config and "whale" in config:
        return config
    from helpers.config import defaults

    return {**defaults(), **(config or {})}


def _tag(share: float) -> str:
    """0.2 -> 'top20', 0.01 -> 'top1'."""
    return f"top{round(100 * share):d}"


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` where ``den`` is positive, NaN elsewhere."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den == 0, 1, den), np.nan)


def _material_ratio(num: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``num`` over each row's total of ``values``, NaN where that total is not material.

    The rule of :func:`helpers.results.share_of`: the total must be positive and at least
    :data:`helpers.results.MATERIALITY` of the sum of the values' sizes.
    """
    total = values.sum(axis=1)
    material = (total > 0) & (total >= MATERIALITY * np.abs(values).sum(axis=1))
    return np.where(material, _ratio(num, total), np.nan)


def _top_k(n: int, share: float) -> int:
    """Customers in the top ``share`` of ``n``: ceil(share * n), at least one."""
    return max(1, math.ceil(round(share * n, 9)))


def _gini_sorted(asc: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Gini of each row of ``asc`` (sorted ascending); NaN for a negative value or total.

    NaN also where the total is zero. The Gini coefficient is defined for non-negative amounts (with losses it passes 1 and no
    longer measures concentration), so a row with a negative value has none.
    """
    n = asc.shape[1]
    ranks = np.arange(1, n + 1, dtype="float64")
    value = _ratio(2.0 * (asc @ ranks), n * total) - (n + 1) / n
    return np.where(asc[:, 0] >= 0, value, np.nan) if n else value


def customers_only(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger without the row of lines that carry no customer.

    Parameters
    ----------
    ledger
        The customer ledger.

    Returns
    -------
    DataFrame
        The rows whose ``customer_id`` is not ``UNATTRIBUTED`` (same columns and index).
    """
    return ledger.loc[ledger["customer_id"] != UNATTRIBUTED]


def unattributed_revenue(ledger: pd.DataFrame) -> float:
    """Net revenue of lines without a customer (kept out of every customer-level share).

    Parameters
    ----------
    ledger
        The customer ledger.

    Returns
    -------
    float
        The ``UNATTRIBUTED`` row's net revenue, currency units (0 without one).
    """
    return float(ledger.loc[ledger["customer_id"] == UNATTRIBUTED, "net_revenue"].sum())


def lorenz_curves(ledger: pd.DataFrame, config: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The Pareto form of the Lorenz curve of each measure, customers ranked largest first.

    For a non-negative measure the curve rises monotonically to 1; for profit it can rise above 1
    (the most profitable customers earn more than all the profit) and come back down to 1.

    Parameters
    ----------
    ledger
        The customer ledger (the unattributed row is left out).
    config
        The run's config (``pareto.measures``: column -> name, label); None means the defaults.

    Returns
    -------
    DataFrame
        Long frame, from (0, 0) per measure: measure, label, share_of_customers (0-1),
        cum_share (cumulative share of the measure's total, fraction; NaN if the total is not
        positive and material, :func:`helpers.results.is_material`).

    References
    ----------
    Lorenz, M. O. (1905). Methods of measuring the concentration of wealth. Publications of
    the American Statistical Association, 9(70), 209-219.
    """
    settings = _config(config)
    customers = customers_only(ledger)
    n = len(customers)
    frames = []
    for column, spec in settings["pareto"]["measures"].items():
        values = np.sort(customers[column].to_numpy(dtype="float64"))[::-1]
        total = values.sum()
        cum = (
            np.concatenate([[0.0], np.cumsum(values) / total])
            if total > 0 and is_material(total, np.abs(values).sum())
            else np.full(n + 1, np.nan)
        )
        frames.append(
            pd.DataFrame(
                {
                    "measure": spec["name"],
                    "label": spec["label"],
                    "share_of_customers": np.arange(n + 1) / max(n, 1),
                    "cum_share": cum,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def whale_curve(ledger: pd.DataFrame) -> pd.DataFrame:
    """Cumulative profit over customers ranked from most to least profitable.

    Parameters
    ----------
    ledger
        The customer ledger (the unattributed row is left out).

    Returns
    -------
    DataFrame
        customer_id, profit (currency units), rank, share_of_customers (0-1), cum_profit
        (currency units; the last row's is the total profit), cum_profit_pct (% of total
        profit; NaN if the total is not positive and material, :func:`helpers.results.is_material`).

    References
    ----------
    Kaplan, R. S., & Cooper, R. (1998). Cost & Effect: Using Integrated Cost Systems to Drive
    Profitability and Performance. Harvard Business School Press.
    """
    customers = customers_only(ledger)[["customer_id", "profit"]]
    customers = customers.sort_values(
        ["profit", "customer_id"], ascending=[False, True], kind="stable"
    )
    total = float(customers["profit"].sum())
    cum = customers["profit"].cumsum().to_numpy(dtype="float64")
    n = len(customers)
    return pd.DataFrame(
        {
            "customer_id": customers["customer_id"].to_numpy(),
            "profit": customers["profit"].to_numpy(dtype="float64"),
            "rank": np.arange(1, n + 1),
            "share_of_customers": np.arange(1, n + 1) / max(n, 1),
            "cum_profit": cum,
            "cum_profit_pct": 100 * cum / total
            if total > 0 and is_material(total, float(customers["profit"].abs().sum()))
            else np.nan,
        }
    )


def gini(values: pd.Series | np.ndarray) -> float:
    """The Gini coefficient: mean absolute difference over twice the mean.

    Parameters
    ----------
    values
        One value per customer.

    Returns
    -------
    float
        0 when everyone holds the same, towards 1 when one holds everything; NaN when there
        are no values, a value is negative (the coefficient is defined for non-negative
        amounts: with losses it can pass 1) or the total is not positive.

    References
    ----------
    Gini, C. (1912). Variabilità e mutabilità. Bologna: Tipografia di Paolo Cuppini.
    """
    ordered = np.sort(np.asarray(values, dtype="float64"))[None, :]
    if ordered.shape[1] == 0:
        return float("nan")
    return float(_gini_sorted(ordered, ordered.sum(axis=1))[0])


def top_share(values: pd.Series | np.ndarray, share: float) -> float:
    """Share of the total held by the top ``share`` of items.

    Parameters
    ----------
    values
        One value per item.
    share
        The top fraction of items, e.g. 0.2; ceil(share x n) items (at least one) count.

    Returns
    -------
    float
        Their share of the total (fraction); NaN when there are no items or the total is not
        positive and material (:func:`helpers.results.is_material`).
    """
    ordered = np.sort(np.asarray(values, dtype="float64"))[::-1]
    total = ordered.sum()
    if len(ordered) == 0 or total <= 0 or not is_material(total, np.abs(ordered).sum()):
        return float("nan")
    return float(ordered[: _top_k(len(ordered), share)].sum() / total)
