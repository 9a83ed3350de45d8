"""Size tiers of customers: by employees where the data has them, else by revenue bands.

Revenue bands are relative by default: the customers ranked by net revenue, the smallest
``revenue_customer_shares[0]`` of them in the first tier, and so on, so the tiers mean the same in
any currency and at any size of business. Absolute bands (``revenue_bins``, currency units) apply
when the config gives them (or sets ``revenue_bands: absolute``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.config import given

__all__ = ["assign_size_tiers", "tier_basis", "revenue_bounds", "describe_tiers"]


def tier_basis(customers: pd.DataFrame, config: Mapping[str, Any]) -> str:
    """What the tiers are cut on: ``employees``, ``revenue`` (relative) or ``revenue_bins``.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer, with ``employees`` where known.
    config : Mapping
        The dataset config (``size_tiers.by``: auto, employees or revenue;
        ``size_tiers.revenue_bands``: relative or absolute).

    Returns
    -------
    str
        ``employees`` when ``by`` says so, or under ``auto`` when at least half the customers
        have a head count; else ``revenue_bins`` for absolute bands, ``revenue`` for relative.
    """
    spec = config["size_tiers"]
    by = spec.get("by", "auto")
    if by == "auto":
        known = customers["employees"].notna().mean() if "employees" in customers else 0.0
        by = "employees" if len(customers) and known >= 0.5 else "revenue"
    if by != "revenue":
        return str(by)
    absolute = spec.get("revenue_bands") == "absolute" or given(
        config, "size_tiers", "revenue_bins"
    )
    return "revenue_bins" if absolute else "revenue"


def revenue_bounds(customers: pd.DataFrame, config: Mapping[str, Any]) -> list[float]:
    """Lower bounds (currency units) of every revenue tier above the first.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer with ``net_revenue`` (currency units).
    config : Mapping
        The dataset config (``size_tiers``).

    Returns
    -------
    list of float
        The configured ``revenue_bins`` (absolute bands), or the net revenue at which each
        tier's share of customers begins (relative bands); NaN where there are no customers.
    """
    spec = config["size_tiers"]
    if tier_basis(customers.assign(employees=np.nan), config) == "revenue_bins":
        return [float(b) for b in list(spec["revenue_bins"])[1:]]
    shares = np.cumsum([float(s) for s in spec["revenue_customer_shares"]])[:-1]
    values = np.sort(customers["net_revenue"].astype("float64").dropna().to_numpy())
    if not len(values):
        return [float("nan")] * len(shares)
    positions = np.minimum((shares * len(values)).astype(int), len(values) - 1)
    return [float(values[p]) for p in positions]


def _relative_tiers(customers: pd.DataFrame, spec: Mapping[str, Any]) -> pd.Categorical:
    """Tiers by rank of net revenue: ties broken by customer id so row order never matters."""
    labels = list(spec["labels"])
    revenue = customers["net_revenue"].astype("float64").fillna(-np.inf).to_numpy()
    ids = (
        customers["customer_id"].astype(str).to_numpy()
        if "customer_id" in customers
        else np.arange(len(customers)).astype(str)
    )
    order = np.lexsort((ids, revenue))
    position = np.empty(len(customers), dtype="float64")
    position[order] = (np.arange(len(customers)) + 0.5) / max(len(customers), 1)
    cuts = np.cumsum([float(s) for s in spec["revenue_customer_shares"]])[:-1]
    codes = np.searchsorted(cuts, position, side="right")
    return pd.Categorical.from_codes(codes, categories=labels, ordered=True)


def assign_size_tiers(customers: pd.DataFrame, config: Mapping[str, Any]) -> pd.Series:
    """Size tier of every customer, as an ordered categorical aligned on ``customers.index``.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer with ``employees`` and/or ``net_revenue`` (currency units) and
        ``customer_id``.
    config : Mapping
        The dataset config (its ``size_tiers``: labels, by, employees_bins, revenue_bins,
        revenue_bands, revenue_customer_shares).

    Returns
    -------
    pandas.Series
        ``size_tier``, ordered categorical of the configured labels.

    Raises
    ------
    KeyError
        When the column the tiers are drawn from is missing.
    """
    spec = config["size_tiers"]
    basis = tier_basis(customers, config)
    column = "employees" if basis == "employees" else "net_revenue"
    if column not in customers:
        raise KeyError(f"size tiers by {basis} need a {column!r} column")
    if basis == "revenue":
        tiers = _relative_tiers(customers, spec)
        return pd.Series(tiers, index=customers.index, name="size_tier")
    bins = spec["employees_bins"] if basis == "employees" else spec["revenue_bins"]
    edges = [-np.inf, *list(bins)[1:], np.inf]
    labels = list(spec["labels"])
    tiers = pd.cut(customers[column].astype("float64"), bins=edges, labels=labels, right=False)
    return tiers.rename("size_tier")


def describe_tiers(tiers: pd.Series, basis: str) -> list[str]:
    """Sentences on how the tiers were cut, and on a split that cannot compare sizes.

    Parameters
    ----------
    tiers : pandas.Series
        The customers' size tiers (:func:`assign_size_tiers`).
    basis : str
        :func:`tier_basis`.

    Returns
    -------
    list of str
        What the tiers rest on, and a warning when one tier holds every customer.
    """
    words = {
        "employees": "Size tiers follow the customers' head counts.",
        "revenue": "Size tiers are relative revenue bands: customers ranked by net revenue "
        "(the data has no firmographics).",
        "revenue_bins": "Size tiers are the configured absolute revenue bands.",
    }
    out = [words.get(basis, f"Size tiers by {basis}.")]
    counts = tiers.value_counts()
    held = counts[counts > 0]
    if len(tiers) and len(held) == 1:
        out.append(
            f"Every customer falls in one size tier ({held.index[0]}): comparisons between "
            "sizes are not applicable."
        )
    return out
