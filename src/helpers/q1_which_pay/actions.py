"""The sales team's list: small clients who look like the profitable profile but have not grown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.q1_which_pay.profile import (
    CLASSES,
    _level_view,
    _settings,
    _years_active,
    customer_features,
    profit_classes,
    small_clients,
)
from helpers.results import Result

__all__ = ["action_list"]

_COLUMNS = [
    "rank",
    "customer_id",
    "name",
    "size_tier",
    "industry",
    "region",
    "acquisition_channel",
    "status",
    "net_revenue",
    "profit",
    "avg_order_value",
    "orders_per_year",
    "annual_revenue",
    "probability_profitable",
    "annual_revenue_gap",
    "profile",
    "why",
]


def action_list(
    ledger: pd.DataFrame,
    config: Mapping[str, Any],
    model: Result,
    order_lines: pd.DataFrame | None = None,
    level: str | None = None,
) -> pd.DataFrame:
    """Small, still active clients the model calls likely profitable who have not grown yet.

    "Not grown": loss-making or break-even, or net revenue per year on the books below the
    median of the profitable clients of the same profile (tree leaf). Ranked by predicted
    probability, then by that yearly revenue gap; at most ``action_list_max`` rows, each with
    a probability of at least ``action_min_probability``.

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config (section ``questions``).
    model
        :func:`fit_profile_model`'s result; when it is not available or predicts no better
        than always guessing the majority class, the list is empty.
    order_lines
        Canonical order lines, for the habitual order channel; None when unknown.
    level
        The profit level (the model's own); None: the level the report leads with.

    Returns
    -------
    DataFrame
        rank, customer_id, name, size_tier, industry, region, acquisition_channel, status
        (profit class), net_revenue, profit (currency units), avg_order_value (currency units
        per order), orders_per_year, annual_revenue, annual_revenue_gap (currency units a
        year), probability_profitable (0-1), profile (the leaf's rule), why.
    """
    if not model.available or not model.metrics.get("model_informative", True):
        return pd.DataFrame(columns=_COLUMNS)
    settings = _settings(config)
    frame = _candidates(_level_view(ledger, level), config, model, order_lines)
    chosen = frame.loc[frame["pick"]].copy()
    chosen["why"] = np.where(
        chosen["status"] == CLASSES[2],
        "profitable but below the typical revenue of its profile",
        "not yet profitable, though its profile usually is",
    )
    chosen = chosen.sort_values(
        ["probability_profitable", "annual_revenue_gap", "customer_id"],
        ascending=[False, False, True],
    ).head(int(settings["action_list_max"]))
    chosen["rank"] = np.arange(1, len(chosen) + 1)
    chosen["size_tier"] = chosen["size_tier"].astype("object")
    return chosen[_COLUMNS].reset_index(drop=True)


def _candidates(
    ledger: pd.DataFrame,
    config: Mapping[str, Any],
    model: Result,
    order_lines: pd.DataFrame | None,
) -> pd.DataFrame:
    """Every small client with its status, score, profile and yearly revenue gap.

    ``pick`` marks the clients for the list: active, not grown and likely profitable.
    """
    small = small_clients(ledger, config)
    features = customer_features(small, config, order_lines)
    frame = small[["customer_id", "name", "size_tier", "industry", "region"]].copy()
    frame["acquisition_channel"] = small["acquisition_channel"]
    frame["status"] = profit_classes(small, config).astype("object").to_numpy()
    frame["net_revenue"] = small["net_revenue"]
    frame["profit"] = small["profit"]
    frame["avg_order_value"] = features["avg_order_value"]
    frame["orders_per_year"] = features["orders_per_year"]
    frame["probability_profitable"] = model.detail["scores"]
    frame["profile"] = model.detail["leaf_rules"]
    leaf = model.detail["leaf"]
    profitable = frame["status"] == CLASSES[2]
    frame["annual_revenue"] = small["net_revenue"] / _years_active(small, config)
    typical = frame.loc[profitable, "annual_revenue"].groupby(leaf[profitable]).median()
    frame["annual_revenue_gap"] = (
        (leaf.map(typical) - frame["annual_revenue"]).clip(lower=0).fillna(0.0)
    )
    active = pd.to_datetime(small["closed_date"]).isna()
    not_grown = ~profitable | (frame["annual_revenue_gap"] > 0)
    likely = frame["probability_profitable"] >= float(_settings(config)["action_min_probability"])
    frame["pick"] = active & not_grown & likely
    return frame
