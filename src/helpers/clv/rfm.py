"""Transactions to the RFM summary the models read: frequency, recency, age and spend per customer."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.clv._codes import factorize
from helpers.ledger.purchases import purchase_lines

__all__ = ["select_period", "purchase_transactions", "rfm_summary", "calibration_holdout_summary"]

_COLUMNS = ["frequency", "recency", "T", "monetary_value", "first_value", "first_purchase"]


def select_period(
    order_lines: pd.DataFrame,
    period: tuple[pd.Timestamp | None, pd.Timestamp | None],
    date_col: str = "order_date",
) -> pd.DataFrame:
    """Order lines within an inclusive ``(start, end)`` period (either side may be None).

    Parameters
    ----------
    order_lines
        The canonical order lines.
    period
        ``(start, end)``, inclusive.
    date_col
        The date column compared.

    Returns
    -------
    DataFrame
        The rows of ``order_lines`` in the period, all its columns.
    """
    start, end = period
    keep = pd.Series(True, index=order_lines.index)
    if start is not None:
        keep &= order_lines[date_col] >= start
    if end is not None:
        keep &= order_lines[date_col] <= end
    return order_lines.loc[keep]


def purchase_transactions(order_lines: pd.DataFrame) -> pd.DataFrame:
    """The purchase lines as transactions: their customer, date and revenue columns only.

    The rows of :func:`helpers.ledger.purchases.purchase_lines`, in the same order; the other
    columns are dropped first, so the lines' string columns (order, product, channel...) are
    not copied for a summary that never reads them.

    Parameters
    ----------
    order_lines
        The canonical order lines.

    Returns
    -------
    DataFrame
        customer_id, order_date and revenue (currency units) of the purchase lines.
    """
    needed = ["customer_id", "order_date", "revenue", "is_duplicate"]
    lines = purchase_lines(order_lines[[c for c in needed if c in order_lines]])
    return lines.drop(columns="is_duplicate", errors="ignore")


def _days(values: pd.Series | np.ndarray) -> np.ndarray:
    """Whole days since 1970-01-01 of a datetime column (any resolution)."""
    arr = np.asarray(values)
    if arr.dtype.kind == "M":  # floor division of the raw integers: faster than astype
        per_day = np.timedelta64(1, "D") // np.timedelta64(1, np.datetime_data(arr.dtype)[0])
        return arr.view(np.int64) // per_day
    return arr.astype("datetime64[D]").astype(np.int64)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """Distinct values, ascending (sort and mask: np.unique hashes in numpy >= 2.3, slower here)."""
    out = np.sort(values)
    return out[np.r_[True, out[1:] != out[:-1]]] if len(out) else out


def rfm_summary(
    transactions: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    value_col: str | None = "revenue",
    observation_end: pd.Timestamp | str | None = None,
    time_unit_days: float = 1.0,
) -> pd.DataFrame:
    """Frequency, recency, T and monetary value per customer, from transaction lines.

    A purchase is a customer-day whose lines sum to a non-negative value (a day with only
    returns, summing below zero, is not a purchase). Lines after ``observation_end`` are
    ignored. Computed with one integer sort, no per-customer Python.

    Parameters
    ----------
    transactions
        One row per transaction line.
    customer_col, date_col, value_col
        The customer, date and value columns (``value_col`` None: every line is worth 1).
    observation_end
        The end of observation (default: the last date in the data).
    time_unit_days
        Days per time unit of recency and T (7 for weeks).

    Returns
    -------
    DataFrame
        Indexed by customer: frequency (repeat purchase days), recency (first to last
        purchase) and T (first purchase to ``observation_end``) in time units,
        monetary_value (mean value of the repeat purchases, 0 without repeats, currency
        units), first_value (value of the first purchase day) and first_purchase (its date).
    """
    codes, uniques, day, value, end_day = _lines(
        transactions, customer_col, date_col, value_col, observation_end
    )
    if len(codes) == 0:
        return pd.DataFrame(columns=_COLUMNS, index=pd.Index([], name=customer_col))
    first_day = int(day.min())
    span = int(day.max()) - first_day + 1
    key = np.multiply(codes, span, dtype=np.int64)  # then in place: a copy is 80 MB at 10M rows
    key += day
    key -= first_day
    codes, day, value, key = _without_return_days(codes, day, value, key)
    present, first, last, frequency = _purchase_days(key, span, first_day)
    first_value, monetary = _values(codes, day, value, present, first, frequency, len(uniques))
    unit = float(time_unit_days)
    return pd.DataFrame(
        {
            "frequency": frequency.astype("float64"),
            "recency": (last - first) / unit,
            "T": (end_day - first) / unit,
            "monetary_value": monetary,
            "first_value": first_value,
            "first_purchase": first.astype("datetime64[D]").astype("datetime64[ns]"),
        },
        index=pd.Index(uniques.take(present), name=customer_col),
    )


def _lines(
    transactions: pd.DataFrame,
    customer_col: str,
    date_col: str,
    value_col: str | None,
    observation_end: pd.Timestamp | str | None,
) -> tuple[np.ndarray, pd.Index, np.ndarray, np.ndarray, int | None]:
    """Customer codes, the customers, days and values of the lines up to the end, and the end."""
    day = _days(transactions[date_col])
    value = (
        transactions[value_col].to_numpy(dtype="float64", na_value=0.0)
        if value_col
        else np.ones(len(transactions))
    )
    end_day = int(day.max()) if observation_end is None and len(day) else None
    if observation_end is not None:
        end_day = int(_days(np.array([pd.Timestamp(observation_end).to_datetime64()]))[0])
    codes, uniques = factorize(transactions[customer_col])
    keep = codes >= 0
    if end_day is not None:
        keep &= day <= end_day
    if not keep.all():
        codes, day, value = codes[keep], day[keep], value[keep]
    return codes, uniques, day, value, end_day


def _without_return_days(
    codes: np.ndarray, day: np.ndarray, value: np.ndarray, key: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The lines without the customer-days whose lines sum below zero (only returns)."""
    if not np.any(value < 0):
        return codes, day, value, key
    bad = _sorted_unique(key[value < 0])
    slot = np.minimum(np.searchsorted(bad, key), len(bad) - 1)
    hit = bad[slot] == key
    sums = np.bincount(slot[hit], weights=value[hit], minlength=len(bad))
    drop = hit & (sums < 0)[slot]  # the lines of the days summing below zero
    if drop.any():
        return codes[~drop], day[~drop], value[~drop], key[~drop]
    return codes, day, value, key


def _purchase_days(
    key: np.ndarray, span: int, first_day: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per customer present: code, first and last purchase day, and repeat purchase days.

    One sort gives the distinct (customer, day) pairs, grouped by customer, days ascending.
    """
    pairs = _sorted_unique(key)
    cust = pairs // span
    starts = np.flatnonzero(np.r_[True, cust[1:] != cust[:-1]])
    ends = np.r_[starts[1:], len(pairs)] - 1
    present = cust[starts]
    first = pairs[starts] - present * span + first_day
    last = pairs[ends] - present * span + first_day
    return present, first, last, ends - starts


def _values(
    codes: np.ndarray,
    day: np.ndarray,
    value: np.ndarray,
    present: np.ndarray,
    first: np.ndarray,
    frequency: np.ndarray,
    n_all: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Value of each customer's first purchase day and mean value of the repeat purchases.

    The repeat purchases' value is the customer's total less its first day's, each summed
    line by line in the order of the lines.
    """
    first_all = np.zeros(n_all, dtype=np.int32 if _fits_int32(first) else np.int64)
    first_all[present] = first
    total = np.bincount(codes, weights=value, minlength=n_all)[present]
    first_weights = np.where(day == first_all.take(codes), value, 0.0)
    first_value = np.bincount(codes, weights=first_weights, minlength=n_all)[present]
    monetary = np.divide(
        total - first_value, frequency, out=np.zeros(len(present)), where=frequency > 0
    )
    return first_value, monetary


def _fits_int32(days: np.ndarray) -> bool:
    """Whether day numbers fit 32 bits (a table half the size stays in cache)."""
    return len(days) == 0 or (days.min() >= -(2**31) and days.max() < 2**31)


def calibration_holdout_summary(
    transactions: pd.DataFrame,
    calibration_end: pd.Timestamp,
    observation_end: pd.Timestamp,
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    value_col: str | None = "revenue",
    time_unit_days: float = 1.0,
) -> pd.DataFrame:
    """The RFM summary up to ``calibration_end`` plus what each of those customers did after.

    Parameters
    ----------
    transactions
        One row per transaction line.
    calibration_end
        The last day of the calibration period.
    observation_end
        The last day of the holdout.
    customer_col, date_col, value_col, time_unit_days
        As in :func:`rfm_summary`.

    Returns
    -------
    DataFrame
        :func:`rfm_summary` of the calibration period plus frequency_holdout (purchase days
        in the holdout), value_holdout (their value, currency units) and duration_holdout
        (holdout length in time units).
    """
    calibration_end, observation_end = pd.Timestamp(calibration_end), pd.Timestamp(observation_end)
    options = {
        "customer_col": customer_col,
        "date_col": date_col,
        "value_col": value_col,
        "time_unit_days": time_unit_days,
    }
    cal = rfm_summary(transactions, observation_end=calibration_end, **options)
    dates = transactions[date_col]
    later = transactions.loc[(dates > calibration_end) & (dates <= observation_end)]
    hold = rfm_summary(later, observation_end=observation_end, **options)
    total_value = hold["first_value"] + hold["monetary_value"] * hold["frequency"]
    return cal.assign(
        frequency_holdout=(hold["frequency"] + 1).reindex(cal.index).fillna(0.0),
        value_holdout=total_value.reindex(cal.index).fillna(0.0),
        duration_holdout=(observation_end - calibration_end).days / float(time_unit_days),
    )
