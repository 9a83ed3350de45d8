"""Size tiers of customers: by employees where the data has them, else by revenue bands."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["assign_size_tiers"]


def assign_size_tiers(customers: pd.DataFrame, config: Mapping[str, Any]) -> pd.Series:
    """Size tier of every customer, as an ordered categorical aligned on ``customers.index``.

    Uses ``employees`` where the data has it for most customers (``size_tiers.by: auto``),
    else ``net_revenue`` bands; both sets of lower bounds come from ``config['size_tiers']``.

    Parameters
    ----------
    customers
        One row per customer with ``employees`` and/or ``net_revenue`` (currency units).
    config
        The dataset config (its ``size_tiers``: labels, by, employees_bins, revenue_bins).

    Returns
    -------
    Series
        ``size_tier``, ordered categorical of the configured labels.

    Raises
    ------
    KeyError
        When the column the tiers are drawn from is missing.
    """
    spec = config["size_tiers"]
    labels = list(spec["labels"])
    by = spec.get("by", "auto")
    if by == "auto":
        known = customers["employees"].notna().mean() if "employees" in customers else 0.0
        by = "employees" if known >= 0.5 else "revenue"
    if by == "employees":
        column, bins = "employees", spec["employees_bins"]
    else:
        column, bins = "net_revenue", spec["revenue_bins"]
    if column not in customers:
        raise KeyError(f"size tiers by {by} need a {column!r} column")
    edges = [-np.inf, *list(bins)[1:], np.inf]
    tiers = pd.cut(customers[column].astype("float64"), bins=edges, labels=labels, right=False)
    return tiers.rename("size_tier")
