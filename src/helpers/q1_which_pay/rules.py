"""A decision tree's leaves read as sentences ("acquired through distributor, ordering ≥ 400...")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

from helpers.q1_which_pay.profile import _num

__all__: list[str] = []

NUMERIC_FEATURES: dict[str, str] = {
    # feature -> phrase used in rule sentences ({} is replaced by the condition)
    "avg_order_value": "ordering {} per order",
    "orders_per_year": "placing {} orders a year",
    "lines_per_order": "buying {} lines per order",
    "return_share": "returning {} of their lines",
    "discount_rate": "getting discounts of {} of list price",
    "payment_terms_days": "paying at {} days",
    "employees": "with {} employees",
}
_PERCENT_FEATURES = {"return_share", "discount_rate"}
CATEGORY_PHRASES: dict[str, tuple[str, str]] = {
    # column -> (phrase when equal, phrase when different); {} is the value
    "industry": ("in {}", "not in {}"),
    "region": ("in the {} region", "outside the {} region"),
    "acquisition_channel": ("acquired through {}", "not acquired through {}"),
    "order_channel": ("ordering mostly via {}", "not ordering mostly via {}"),
}
Origin = Mapping[str, tuple[str, str]]
Condition = tuple[str, str, float]


def _design_matrix(features: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, tuple[str, str]]]:
    """Numeric features (NaN -> median) and one-hot categories; the origin of each column."""
    columns: dict[str, pd.Series] = {}
    origin: dict[str, tuple[str, str]] = {}
    for name in NUMERIC_FEATURES:
        values = features[name].astype("float64")
        if values.notna().sum() == 0 or values.nunique(dropna=True) < 2:
            continue
        columns[name] = values.fillna(values.median())
        origin[name] = (name, "")
    for name in CATEGORY_PHRASES:
        values = features[name]
        if values.notna().sum() == 0 or values.nunique(dropna=True) < 2:
            continue
        for value in sorted(values.dropna().astype(str).unique()):
            column = f"{name}={value}"
            columns[column] = (values.astype("object") == value).astype("float64")
            origin[column] = (name, value)
    return pd.DataFrame(columns, index=features.index), origin


def _leaf_rules(
    tree: DecisionTreeClassifier, columns: Sequence[str], origin: Origin
) -> dict[int, str]:
    """The conditions leading to every leaf of ``tree``, as a phrase."""
    nodes = tree.tree_
    out: dict[int, str] = {}

    def walk(node: int, conditions: list[Condition]) -> None:
        if nodes.children_left[node] == -1:
            out[node] = _phrase(conditions, origin)
            return
        column, threshold = columns[nodes.feature[node]], float(nodes.threshold[node])
        walk(nodes.children_left[node], [*conditions, (column, "le", threshold)])
        walk(nodes.children_right[node], [*conditions, (column, "gt", threshold)])

    walk(0, [])
    return out


def _phrase(conditions: list[Condition], origin: Origin) -> str:
    """The conditions of one path as a phrase: categories first, then numeric ranges."""
    bounds: dict[str, list[float]] = {}
    equal: dict[str, str] = {}
    differ: dict[str, list[str]] = {}
    for column, side, threshold in conditions:
        name, value = origin[column]
        if value:  # one-hot: > 0.5 means equal
            if side == "gt":
                equal[name] = value
            else:
                differ.setdefault(name, []).append(value)
        else:
            low, high = bounds.get(name, [-np.inf, np.inf])
            bounds[name] = (
                [max(low, threshold), high] if side == "gt" else [low, min(high, threshold)]
            )
    parts = []
    for name, (same, other) in CATEGORY_PHRASES.items():
        if name in equal:
            parts.append(same.format(equal[name].replace("_", " ")))
        elif name in differ:
            parts.append(other.format(" or ".join(v.replace("_", " ") for v in differ[name])))
    for name, template in NUMERIC_FEATURES.items():
        if name in bounds:
            parts.append(template.format(_range(name, *bounds[name])))
    return ", ".join(parts) if parts else "of any profile"


def _range(name: str, low: float, high: float) -> str:
    """A numeric condition in words: "more than 3 and at most 7", "at most 120"..."""
    fmt = (lambda value: f"{value:.1%}") if name in _PERCENT_FEATURES else _num
    if np.isfinite(low) and np.isfinite(high):
        return f"more than {fmt(low)} and at most {fmt(high)}"
    if np.isfinite(low):
        return f"more than {fmt(low)}"
    return f"at most {fmt(high)}"
