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
from helpers.results import Result, sentence_money, sentence_pct

__all__ = ["action_list"]

_COLUMNS = [
    "rank",
    "customer_id",
    "name",
    "account_owner",
    "region",
    "size_tier",
    "industry",
    "acquisition_channel",
    "status",
    "last_order",
    "net_revenue",
    "profit",
    "margin",
    "avg_order_value",
    "orders_per_year",
    "annual_revenue",
    "probability_profitable",
    "annual_revenue_gap",
    "profile",
    "why",
    "next_step",
]
#: descriptive columns left out of the list when the data has no value in them
_OPTIONAL = ("name", "account_owner", "region", "industry", "acquisition_channel")


def action_list(
    ledger: pd.DataFrame,
    config: Mapping[str, Any],
    model: Result,
    order_lines: pd.DataFrame | None = None,
    level: str | None = None,
) -> pd.DataFrame:
    """Small, still active clients the model calls likely profitable who have not grown yet.

    "Not grown": loss-making or break-even, or yearly net revenue below the median of the
    profitable clients of the same profile (tree leaf). Ranked by probability, then by that
    revenue gap; at most ``action_list_max`` rows, each at least ``action_min_probability``.
    The profiles are the rules of the tree the report tests and quotes (same thresholds).

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
        rank, customer_id, name, account_owner, region, size_tier, industry,
        acquisition_channel (the descriptive ones only where the data has them), status
        (profit class), last_order (date), net_revenue, profit (currency units), margin
        (profit / net revenue, fraction), avg_order_value (currency units per order),
        orders_per_year, annual_revenue, probability_profitable (0-1), annual_revenue_gap
        (currency units a year), profile (the leaf's rule), why (this customer's figures
        against its profitable peers) and next_step (the lever with the largest gap to them:
        discount, order size or order frequency). Clients that have lapsed (no order for three
        times their usual gap, ``growth.lapse_*``) or closed are left out.
    """
    if not model.available or not model.metrics.get("model_informative", True):
        return pd.DataFrame(columns=_COLUMNS)
    settings = _settings(config)
    frame = _candidates(_level_view(ledger, level), config, model, order_lines)
    chosen = (
        frame.loc[frame["pick"]]
        .sort_values(
            ["probability_profitable", "annual_revenue_gap", "customer_id"],
            ascending=[False, False, True],
        )
        .head(int(settings["action_list_max"]))
        .copy()
    )
    chosen["why"] = [_why(row) for row in chosen.itertuples()]  # the listed rows only
    chosen["next_step"] = [_next_step(row) for row in chosen.itertuples()]
    chosen["rank"] = np.arange(1, len(chosen) + 1)
    chosen["size_tier"] = chosen["size_tier"].astype("object")
    empty = [c for c in _OPTIONAL if chosen[c].isna().all() and frame[c].isna().all()]
    return chosen[[c for c in _COLUMNS if c not in empty]].reset_index(drop=True)


def _why(row: Any) -> str:
    """A customer's figures against the profitable small clients of its profile."""
    peers = f"{sentence_pct(row.peer_share)} of small clients {row.profile} are profitable"
    if row.status == CLASSES[2]:
        return (
            f"Profitable (margin {sentence_pct(row.margin)}), but brings "
            f"{sentence_money(row.annual_revenue)} a year where its profitable peers bring "
            f"{sentence_money(row.peer_annual_revenue)}; {peers}."
        )
    verb = "Loses" if row.status == CLASSES[0] else "Breaks even on"
    amount = sentence_money(abs(row.profit)) if row.status == CLASSES[0] else ""
    return (
        f"{verb} {amount}{' ' if amount else ''}(margin {sentence_pct(row.margin)}) though "
        f"{peers}; the model gives it {sentence_pct(row.probability_profitable)}."
    ).replace("Breaks even on (", "Breaks even (")


def _next_step(row: Any) -> str:
    """The lever with the largest gap to profitable peers: discount, order size or frequency.

    A client that is not yet profitable and gets a discount rate more than 5 points above its
    profitable peers' is told to cut it first (on a margin the data gives, discounts are what
    turn a line into a loss); otherwise the larger relative shortfall of order size and order
    frequency decides.
    """
    excess = row.discount_rate - row.peer_discount_rate
    if row.status != CLASSES[2] and np.isfinite(excess) and excess > 0.05:
        return (
            f"Cut the discount: {sentence_pct(row.discount_rate)} of list price against "
            f"{sentence_pct(row.peer_discount_rate)} for its profitable peers."
        )
    size_gap = _relative_gap(row.avg_order_value, row.peer_order_value)
    freq_gap = _relative_gap(row.orders_per_year, row.peer_orders_per_year)
    if max(size_gap, freq_gap) <= 0:
        return (
            "Review its cost to serve: it orders like its profitable peers "
            f"({sentence_money(row.avg_order_value)} per order, "
            f"{row.orders_per_year:.1f} orders a year)."
        )
    if size_gap >= freq_gap:
        return (
            f"Grow the order size: {sentence_money(row.avg_order_value)} per order against "
            f"{sentence_money(row.peer_order_value)} for its profitable peers."
        )
    return (
        f"Win more frequent orders: {row.orders_per_year:.1f} a year against "
        f"{row.peer_orders_per_year:.1f} for its profitable peers."
    )


def _relative_gap(value: float, peer: float) -> float:
    """How far ``value`` falls short of ``peer``, as a fraction of ``peer`` (0 when it does not)."""
    if not (np.isfinite(value) and np.isfinite(peer)) or peer <= 0:
        return 0.0
    return max(0.0, (peer - value) / peer)


def _candidates(
    ledger: pd.DataFrame,
    config: Mapping[str, Any],
    model: Result,
    order_lines: pd.DataFrame | None,
) -> pd.DataFrame:
    """Every small client with its status, score, profile, peers' medians and revenue gap.

    ``pick`` marks the clients for the list: active, not grown and likely profitable.
    """
    small = small_clients(ledger, config)
    features = customer_features(small, config, order_lines)
    columns = ["customer_id", "name", "account_owner", "size_tier", "industry", "region"]
    frame = small.reindex(columns=columns).copy()
    frame["acquisition_channel"] = small["acquisition_channel"]
    frame["status"] = profit_classes(small, config).astype("object").to_numpy()
    frame["last_order"] = pd.to_datetime(small["last_order"]).dt.normalize()
    frame["net_revenue"] = small["net_revenue"]
    frame["profit"] = small["profit"]
    revenue = small["net_revenue"].where(small["net_revenue"] != 0)
    frame["margin"] = small["profit"] / revenue
    frame["avg_order_value"] = features["avg_order_value"]
    frame["orders_per_year"] = features["orders_per_year"]
    frame["probability_profitable"] = model.detail["scores"]
    frame["profile"] = model.detail["leaf_rules"]
    frame["annual_revenue"] = small["net_revenue"] / _years_active(small, config)
    listed = small["list_revenue"].where(small["list_revenue"] > 0)
    frame["discount_rate"] = small["discounts"] / listed
    frame = _with_peers(frame, model.detail["leaf"])
    frame["annual_revenue_gap"] = (
        (frame["peer_annual_revenue"] - frame["annual_revenue"]).clip(lower=0).fillna(0.0)
    )
    active = pd.to_datetime(small["closed_date"]).isna() & ~_lapsed(small, ledger, config)
    profitable = frame["status"] == CLASSES[2]
    not_grown = ~profitable | (frame["annual_revenue_gap"] > 0)
    likely = frame["probability_profitable"] >= float(_settings(config)["action_min_probability"])
    frame["pick"] = active & not_grown & likely
    return frame


def _lapsed(small: pd.DataFrame, ledger: pd.DataFrame, config: Mapping[str, Any]) -> pd.Series:
    """Whether each small client has stopped ordering, by the growth section's lapse rule.

    Lapsed: no order for longer than ``lapse_multiple`` times its average gap between orders,
    and at least ``lapse_min_days``, before the data's last order (a client with one order:
    ``lapse_min_days``). A sales team calls active clients; lapsed ones need a win-back list.
    """
    growth = config.get("growth") or {}
    multiple, floor = (
        float(growth.get("lapse_multiple", 3)),
        float(growth.get("lapse_min_days", 180)),
    )
    first, last = pd.to_datetime(small["first_order"]), pd.to_datetime(small["last_order"])
    end = pd.to_datetime(ledger["last_order"]).max()
    gaps = (last - first).dt.days / (small["orders"].astype("float64") - 1).where(
        small["orders"] > 1
    )
    allowed = (multiple * gaps).where(lambda g: g > floor, floor).fillna(floor)
    return ((end - last).dt.days > allowed).fillna(False)


def _with_peers(frame: pd.DataFrame, leaf: pd.Series) -> pd.DataFrame:
    """Per customer, its profile's profitable share and the medians of its profitable peers."""
    profitable = frame["status"] == CLASSES[2]
    out = frame.copy()
    out["peer_share"] = leaf.map(profitable.groupby(leaf).mean())
    medians = frame.loc[
        profitable, ["annual_revenue", "avg_order_value", "orders_per_year", "discount_rate"]
    ]
    typical = medians.groupby(leaf[profitable]).median()
    for column, name in (
        ("annual_revenue", "peer_annual_revenue"),
        ("avg_order_value", "peer_order_value"),
        ("orders_per_year", "peer_orders_per_year"),
        ("discount_rate", "peer_discount_rate"),
    ):
        out[name] = leaf.map(typical[column]) if column in typical else np.nan
    return out
