"""Profitability quadrants, ABC classes, every segmentation of a customer and segment profiles."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.results import share_of
from helpers.segments.rfm import _customers, rfm_scores
from helpers.segments.verdicts import at_lead

__all__ = [
    "quadrant_thresholds",
    "assign_quadrants",
    "abc_classes",
    "abc_crosstab",
    "assign_segments",
    "profile_segments",
]


def quadrant_thresholds(
    ledger: pd.DataFrame, config: Mapping[str, Any], level: str | None = None
) -> dict[str, float]:
    """The volume and margin thresholds of the profitability quadrants.

    Parameters
    ----------
    ledger
        The customer ledger (the unattributed row is left out).
    config
        The run's config: ``quadrants.volume_quantile`` of net revenue and
        ``quadrants.margin_threshold`` (a fraction, or "company": the company's own margin).
    level
        The level of profit; None means the lead level
        (:func:`helpers.ledger.levels.lead_level`).

    Returns
    -------
    dict
        volume (net revenue, currency units) and margin (profit / net revenue, fraction).
    """
    spec = config["quadrants"]
    led = _customers(at_lead(ledger, level))
    volume = float(led["net_revenue"].quantile(float(spec["volume_quantile"]))) if len(led) else 0.0
    if spec["margin_threshold"] == "company":
        net = float(led["net_revenue"].sum())
        margin = float(led["profit"].sum()) / net if net else 0.0
    else:
        margin = float(spec["margin_threshold"])
    return {"volume": volume, "margin": margin}


def assign_quadrants(
    ledger: pd.DataFrame, config: Mapping[str, Any], level: str | None = None
) -> pd.Series:
    """Each customer's profitability quadrant (protect / grow / reprice / serve differently).

    Parameters
    ----------
    ledger
        The customer ledger (the unattributed row is left out).
    config
        The run's config (section ``quadrants``: thresholds and names).
    level
        The level of profit; None means the lead level.

    Returns
    -------
    Series
        Aligned on the customers-only ledger's rows, named ``quadrant``: categorical of the four
        names (high volume & high margin, low & high, high & low, low & low).
    """
    ledger = at_lead(ledger, level)
    led = _customers(ledger)
    thresholds = quadrant_thresholds(ledger, config, level)
    names = config["quadrants"]["names"]
    high_v = led["net_revenue"] >= thresholds["volume"]
    high_m = led["margin_pct"].fillna(-np.inf) >= thresholds["margin"]
    key = np.where(high_v, "high", "low").astype(object) + "_" + np.where(high_m, "high", "low")
    order = [names[k] for k in ("high_high", "low_high", "high_low", "low_low")]
    return pd.Series(
        pd.Categorical([names[k] for k in key], categories=order), index=led.index, name="quadrant"
    )


# ---- ABC ----------------------------------------------------------------------------------------
def abc_classes(
    values: pd.Series, ids: pd.Series, config: Mapping[str, Any], losses: bool = False
) -> pd.Series:
    """The ABC class of each value, largest first.

    A while the running total (largest first) is below the first bound of the positive total
    (what the customers who make the measure bring; losses do not shrink it), B below the
    second, C after. Ties are ranked by id, so the result does not depend on row order.

    Parameters
    ----------
    values
        One value per customer (net revenue or profit).
    ids
        The customers' ids (tie-breaker).
    config
        The run's config (``abc.labels``, ``abc.bounds``, ``abc.loss_label``).
    losses
        Give negative values ``abc.loss_label`` instead of the last class.

    Returns
    -------
    Series
        Same index as ``values``: categorical of the labels (and the loss label).
    """
    spec = config["abc"]
    labels = list(spec["labels"])
    cats = [*labels, spec["loss_label"]] if losses else labels
    amounts = values.astype("float64").fillna(0.0).to_numpy()
    n = len(amounts)
    out = np.full(n, labels[-1], dtype=object)
    if n:
        order = np.lexsort((ids.astype(str).to_numpy(), -amounts))
        total = amounts[amounts > 0].sum()
        before = np.cumsum(amounts[order]) - amounts[order]
        if total > 0:
            cls = np.searchsorted(np.asarray(spec["bounds"], dtype="float64"),
                                  before / total, side="right")  # fmt: skip
            out[order] = np.asarray(labels, dtype=object)[np.minimum(cls, len(labels) - 1)]
        if losses:
            out[amounts < 0] = spec["loss_label"]
    return pd.Series(pd.Categorical(out, categories=cats), index=values.index)


def abc_crosstab(segments: pd.DataFrame) -> pd.DataFrame:
    """Customers by ABC class on revenue (rows) and on profit (columns), with totals.

    Parameters
    ----------
    segments
        :func:`assign_segments`.

    Returns
    -------
    DataFrame
        Counts of customers, with a ``total`` row and column.
    """
    return pd.crosstab(
        segments["abc_revenue"], segments["abc_profit"], margins=True, margins_name="total",
        dropna=False,
    )  # fmt: skip


# ---- all segments together ----------------------------------------------------------------------
def assign_segments(
    ledger: pd.DataFrame,
    config: Mapping[str, Any],
    as_of: pd.Timestamp | None = None,
    level: str | None = None,
) -> pd.DataFrame:
    """One row per customer with every segmentation (lines without a customer left out).

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config (sections ``rfm``, ``quadrants`` and ``abc``).
    as_of
        The day RFM recency is counted from; None means the latest order.
    level
        The level of profit the quadrants and ABC classes by profit use; None means the lead
        level (:func:`helpers.ledger.levels.lead_level`).

    Returns
    -------
    DataFrame
        customer_id, size_tier, r, f, m, rfm, rfm_segment, quadrant, abc_revenue, abc_profit.
    """
    ledger = at_lead(ledger, level)
    led = _customers(ledger)
    rfm = rfm_scores(ledger, config, as_of=as_of)
    out = pd.DataFrame({"customer_id": led["customer_id"], "size_tier": led["size_tier"]})
    for col in ("r", "f", "m", "rfm", "rfm_segment"):
        out[col] = rfm[col].to_numpy() if col != "rfm_segment" else rfm[col].array
    out["quadrant"] = assign_quadrants(ledger, config, level).array
    out["abc_revenue"] = abc_classes(led["net_revenue"], led["customer_id"], config).array
    out["abc_profit"] = abc_classes(led["profit"], led["customer_id"], config, losses=True).array
    return out


def profile_segments(
    ledger: pd.DataFrame, segments: pd.DataFrame, by: str, level: str | None = None
) -> pd.DataFrame:
    """Profile of each segment of column ``by``.

    Parameters
    ----------
    ledger
        The customer ledger.
    segments
        :func:`assign_segments` (or any frame with customer_id and ``by``).
    by
        The segmentation column, e.g. "size_tier", "rfm_segment", "quadrant".
    level
        The level of profit; None means the lead level.

    Returns
    -------
    DataFrame
        One row per segment: ``by``, customers, customer_share, net_revenue (currency units),
        revenue_share, profit (currency units), profit_share (fractions of the customers'
        totals; NaN when the total profit is not material, :func:`helpers.results.share_of`),
        margin_pct, cost_to_serve_pct (fractions of net revenue), discount_pct,
        rebate_pct (fractions of list revenue), orders, orders_per_customer, loss_making_share.
    """
    led = _customers(at_lead(ledger, level)).merge(segments[["customer_id", by]], on="customer_id", how="left",
                                   suffixes=("_ledger", ""))  # fmt: skip
    cols = ["net_revenue", "list_revenue", "discounts", "rebates", "cost_to_serve", "profit",
            "orders"]  # fmt: skip
    sums = (
        led.assign(one=1, loss=(led["profit"] < 0).astype(int))
        .groupby(by, observed=True, sort=True)[[*cols, "one", "loss"]]
        .sum()
    )
    total = sums.sum()
    out = pd.DataFrame(index=sums.index)
    out["customers"] = sums["one"].astype(int)
    out["customer_share"] = sums["one"] / total["one"] if total["one"] else np.nan
    out["net_revenue"] = sums["net_revenue"]
    out["revenue_share"] = (
        sums["net_revenue"] / total["net_revenue"] if total["net_revenue"] > 0 else np.nan
    )
    out["profit"] = sums["profit"]
    material = share_of(1.0, led["profit"]) is not None
    out["profit_share"] = sums["profit"] / total["profit"] if material else np.nan
    net = sums["net_revenue"].where(sums["net_revenue"] != 0)
    lst = sums["list_revenue"].where(sums["list_revenue"] != 0)
    out["margin_pct"] = sums["profit"] / net
    out["cost_to_serve_pct"] = sums["cost_to_serve"] / net
    out["discount_pct"] = sums["discounts"] / lst
    out["rebate_pct"] = sums["rebates"] / lst
    out["orders"] = sums["orders"].astype(int)
    out["orders_per_customer"] = sums["orders"] / sums["one"]
    out["loss_making_share"] = sums["loss"] / sums["one"]
    out.index = out.index.astype(str)
    out.index.name = by
    return out.reset_index()
