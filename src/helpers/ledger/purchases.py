"""Views of the order lines that several analyses share: purchase lines, purchase days, channels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.schema import UNATTRIBUTED

__all__ = ["purchase_lines", "customer_days", "habitual_channels"]


def purchase_lines(order_lines: pd.DataFrame) -> pd.DataFrame:
    """Lines that count towards purchases: attributed to a customer, not flagged duplicates.

    Parameters
    ----------
    order_lines
        The canonical order lines.

    Returns
    -------
    DataFrame
        The kept rows of ``order_lines``, all its columns.
    """
    keep = order_lines["customer_id"].notna() & (order_lines["customer_id"] != UNATTRIBUTED)
    if "is_duplicate" in order_lines:
        keep &= ~order_lines["is_duplicate"].fillna(False).astype(bool)
    return order_lines.loc[keep]


def customer_days(order_lines: pd.DataFrame) -> pd.DataFrame:
    """One row per customer and purchase day: revenue, cost of goods and orders of that day.

    Purchase days follow ``helpers.clv.rfm_summary``: a day whose lines sum to a negative
    revenue (only returns) is not a purchase day.

    Parameters
    ----------
    order_lines
        The canonical order lines (``cost`` optional).

    Returns
    -------
    DataFrame
        customer_id : string
        day : datetime64, the purchase day
        revenue, cost : float, currency units (cost 0 where the lines have none)
        orders : int, distinct orders that day
    """
    lines = purchase_lines(order_lines)
    day = lines["order_date"].dt.floor("D")
    cost = lines["cost"] if "cost" in lines else pd.Series(np.nan, index=lines.index)
    daily = (
        pd.DataFrame(
            {
                "customer_id": lines["customer_id"].astype("string"),
                "day": day,
                "revenue": lines["revenue"].astype("float64"),
                "cost": cost.astype("float64"),
                "order_id": lines["order_id"],
            }
        )
        .groupby(["customer_id", "day"], sort=True)
        .agg(revenue=("revenue", "sum"), cost=("cost", "sum"), orders=("order_id", "nunique"))
        .reset_index()
    )
    return daily.loc[daily["revenue"] >= 0].reset_index(drop=True)


def habitual_channels(order_lines: pd.DataFrame | None) -> pd.Series:
    """Each customer's most used order channel (by orders).

    Parameters
    ----------
    order_lines
        The canonical order lines, or None.

    Returns
    -------
    Series
        ``order_channel`` indexed by customer_id (ties go to the channel first in order);
        empty without lines or channels.
    """
    if order_lines is None or "channel" not in order_lines or order_lines["channel"].isna().all():
        return pd.Series(dtype="object", name="order_channel")
    sales = order_lines.loc[~order_lines["is_return"].fillna(False).astype(bool)]
    per = (
        sales.dropna(subset=["channel"])
        .groupby(["customer_id", "channel"], observed=True)["order_id"]
        .nunique()
        .reset_index()
        .sort_values(["customer_id", "order_id", "channel"], ascending=[True, False, True])
        .drop_duplicates("customer_id")
    )
    return per.set_index("customer_id")["channel"].astype("object").rename("order_channel")
