"""RFM: recency, frequency and monetary scores of every customer, and their named segments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.schema import UNATTRIBUTED

__all__ = ["rfm_scores", "name_rfm_segments"]


def _customers(ledger: pd.DataFrame) -> pd.DataFrame:
    """Customers only: the row of lines without a customer (``UNATTRIBUTED``) is left out."""
    return ledger.loc[ledger["customer_id"] != UNATTRIBUTED].reset_index(drop=True)


def _rank_scores(values: pd.Series, ids: pd.Series, bins: int) -> np.ndarray:
    """Score 1..bins by quantile of ``values`` (higher value, higher score).

    Ties are broken by customer id so the scores do not depend on row order; NaN scores lowest.
    """
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype="int64")
    numbers = values.astype("float64").fillna(-np.inf).to_numpy()
    order = np.lexsort((ids.astype(str).to_numpy(), numbers))
    pos = np.empty(n, dtype="int64")
    pos[order] = np.arange(n)
    return (pos * bins // n + 1).astype("int64")


def name_rfm_segments(scores: pd.DataFrame, config: Mapping[str, Any]) -> pd.Series:
    """Name each row's segment from its ``r``, ``f``, ``m`` scores.

    Parameters
    ----------
    scores
        Rows with integer scores ``r``, ``f`` and ``m``.
    config
        The run's config; ``rfm.segments`` is a table of rules (score ranges -> name), the first
        match wins and the last rule should name no range (a catch-all).

    Returns
    -------
    Series
        Same index as ``scores``, named ``rfm_segment``: categorical, categories in rule order.

    Raises
    ------
    ValueError
        When some scores match no rule (the table has no catch-all).

    References
    ----------
    Hughes, A. M. (1994). Strategic Database Marketing. Chicago: Probus.
    """
    rules = list(config["rfm"]["segments"])
    names = pd.Series(pd.NA, index=scores.index, dtype="object")
    for rule in rules:
        match = names.isna()
        for key in ("r", "f", "m"):
            if key in rule:
                low, high = rule[key]
                match &= scores[key].between(low, high)
        names[match] = rule["name"]
    order = list(dict.fromkeys(r["name"] for r in rules))
    if names.isna().any():
        raise ValueError(
            "rfm.segments: some scores match no rule; end the table with a catch-all "
            "rule that names no score range (e.g. {name: Others})"
        )
    return pd.Series(
        pd.Categorical(names, categories=order), index=scores.index, name="rfm_segment"
    )


def rfm_scores(
    ledger: pd.DataFrame, config: Mapping[str, Any], as_of: pd.Timestamp | None = None
) -> pd.DataFrame:
    """Recency, frequency and monetary value of every customer, scored and named.

    Parameters
    ----------
    ledger
        The customer ledger (the unattributed row is left out).
    config
        The run's config (``rfm.bins`` and ``rfm.segments``).
    as_of
        The day recency is counted from (the period's end); None means the latest order.

    Returns
    -------
    DataFrame
        customer_id, recency_days (days), frequency (orders), monetary (net revenue, currency
        units), r, f, m (scores 1..bins, quantiles), rfm (the three scores as text),
        rfm_segment (see :func:`name_rfm_segments`).

    References
    ----------
    Hughes, A. M. (1994). Strategic Database Marketing. Chicago: Probus.
    """
    led = _customers(ledger)
    bins = int(config["rfm"]["bins"])
    last = pd.to_datetime(led["last_order"])
    ref = pd.Timestamp(as_of) if as_of is not None else last.max()
    out = pd.DataFrame(
        {
            "customer_id": led["customer_id"],
            "recency_days": (ref - last).dt.days.astype("float64"),
            "frequency": led["orders"].astype("float64"),
            "monetary": led["net_revenue"].astype("float64"),
        }
    )
    ids = out["customer_id"]
    out["r"] = _rank_scores(-out["recency_days"], ids, bins)
    out["f"] = _rank_scores(out["frequency"], ids, bins)
    out["m"] = _rank_scores(out["monetary"], ids, bins)
    out["rfm"] = out["r"].astype(str) + out["f"].astype(str) + out["m"].astype(str)
    out["rfm_segment"] = name_rfm_segments(out, config)
    return out
