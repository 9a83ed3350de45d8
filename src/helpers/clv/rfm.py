"""Transactions to the RFM summary the models read: frequency, recency, age and spend per customer."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from helpers.clv._codes import Encoded, encode, sorted_distinct
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


_NAT = np.iinfo(np.int64).min  # NaT as a datetime64's integer
#: rows per block of a row-wise pass: its temporaries are reused instead of fresh pages
_BLOCK = 1 << 18


class _Lines(NamedTuple):
    """The lines kept: each one's customer rank, (customer, day) key and value."""

    ranks: np.ndarray  # intp: the customer's rank (see helpers.clv._codes.encode)
    keys: np.ndarray  # int32 when it fits, else int64: rank * span + days since first_day
    values: np.ndarray  # float64
    customers: int  # how many ranks there are
    span: int  # days from first_day to end_day, both counted
    first_day: int  # days since 1970-01-01, at most the first line's
    end_day: int  # days since 1970-01-01


class _Days(NamedTuple):
    """Per customer with a purchase, by rank: first and last purchase key and repeat days."""

    present: np.ndarray  # intp ranks, ascending
    first: np.ndarray  # the key of the first purchase day
    last: np.ndarray  # the key of the last purchase day
    frequency: np.ndarray  # purchase days less one


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
    returns, summing below zero, is not a purchase). Lines after ``observation_end`` and
    lines without a customer or a date are ignored. Computed with integer sorts, no
    per-customer Python.

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
        Indexed by customer, in order of first appearance: frequency (repeat purchase days),
        recency (first to last purchase) and T (first purchase to ``observation_end``) in
        time units, monetary_value (mean value of the repeat purchases, 0 without repeats,
        currency units), first_value (value of the first purchase day, currency units) and
        first_purchase (its date). Empty when no line is a purchase by the end.
    """
    customers = encode(transactions[customer_col])
    lines = _lines(transactions, customers, date_col, value_col, observation_end)
    lines = _without_return_days(lines) if lines is not None else None
    if lines is None or len(lines.keys) == 0:
        return pd.DataFrame(columns=_COLUMNS, index=pd.Index([], name=customer_col))
    days = _purchase_days(lines.keys, lines.span, lines.customers)
    first_value, monetary = _values(lines, days)
    order = np.argsort(customers.first_seen[days.present])  # customers by first appearance
    present = days.present[order]
    first = days.first[order].astype(np.int64) - present * lines.span + lines.first_day
    last = days.last[order].astype(np.int64) - present * lines.span + lines.first_day
    unit = float(time_unit_days)
    return pd.DataFrame(
        {
            "frequency": days.frequency[order].astype("float64"),
            "recency": (last - first) / unit,
            "T": (lines.end_day - first) / unit,
            "monetary_value": monetary[order],
            "first_value": first_value[order],
            "first_purchase": first.astype("datetime64[D]").astype("datetime64[ns]"),
        },
        index=pd.Index(customers.uniques(present), name=customer_col),
    )


def _lines(
    transactions: pd.DataFrame,
    customers: Encoded,
    date_col: str,
    value_col: str | None,
    observation_end: pd.Timestamp | str | None,
) -> _Lines | None:
    """The lines with a customer and a date up to the end; None when there are none."""
    stamps, per_day = _stamps(transactions[date_col])
    known = stamps if not len(stamps) or stamps.min() != _NAT else stamps[stamps != _NAT]
    if not len(known):
        return None
    first_day = int(known.min()) // per_day
    end_day = int(known.max()) // per_day
    if observation_end is not None:
        end, end_per_day = _stamps(np.array([pd.Timestamp(observation_end).to_datetime64()]))
        end_day = int(end[0]) // end_per_day
    if end_day < first_day:
        return None
    values = (
        transactions[value_col].to_numpy(dtype="float64", na_value=0.0)
        if value_col
        else np.ones(len(transactions))
    )
    n_customers = len(customers.first_seen)
    lines = _Lines(
        customers.ranks, stamps, values, n_customers, end_day - first_day + 1, first_day, end_day
    )
    keys, drop = _keys(lines, per_day)
    if drop is None:
        return lines._replace(keys=keys)
    keep = ~drop
    return lines._replace(ranks=lines.ranks[keep], keys=keys[keep], values=values[keep])


def _stamps(dates: pd.Series | np.ndarray) -> tuple[np.ndarray, int]:
    """A datetime column's integers (NaT the smallest) and how many of them make a day."""
    array = np.asarray(dates)
    if array.dtype.kind != "M":
        array = array.astype("datetime64[D]")
    per_day = np.timedelta64(1, "D") // np.timedelta64(1, np.datetime_data(array.dtype)[0])
    return array.view(np.int64), int(per_day)


def _keys(lines: _Lines, per_day: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Each line's key from its rank and date stamp (``lines.keys``), and the lines to drop.

    A line is dropped when it has no customer (rank -1), no date or a day after the end;
    None when none is. Int32 keys when they fit: half the memory to sort.
    """
    ranks, stamps, span, first_day = lines.ranks, lines.keys, lines.span, lines.first_day
    fits = lines.customers * span < 2**31
    keys = np.empty(len(ranks), dtype=np.int32 if fits else np.int64)
    size = min(len(ranks), _BLOCK)
    day, wide = np.empty(size, dtype=np.int64), np.empty(size, dtype=np.int64)
    bad, other = np.empty(size, dtype=bool), np.empty(size, dtype=bool)
    drop = None
    for start in range(0, len(ranks), _BLOCK):
        rank = ranks[start : start + _BLOCK]
        n = len(rank)
        np.floor_divide(stamps[start : start + n], per_day, out=day[:n])
        np.multiply(rank, span, out=wide[:n])
        wide[:n] += day[:n]
        wide[:n] -= first_day
        keys[start : start + n] = wide[:n]
        np.greater(day[:n], lines.end_day, out=bad[:n])
        bad[:n] |= np.less(day[:n], first_day, out=other[:n])  # no date (NaT)
        bad[:n] |= np.less(rank, 0, out=other[:n])  # no customer
        if bad[:n].any():
            drop = np.zeros(len(ranks), dtype=bool) if drop is None else drop
            drop[start : start + n] = bad[:n]
    return keys, drop


def _without_return_days(lines: _Lines) -> _Lines:
    """The lines without the customer-days whose lines sum below zero (only returns)."""
    keys, values = lines.keys, lines.values
    lowest = values.min() if len(values) else 0.0
    if not (lowest < 0 or np.isnan(lowest)) or not np.any(values < 0):
        return lines
    bad = sorted_distinct(keys[values < 0])
    slot = np.minimum(np.searchsorted(bad, keys), len(bad) - 1)
    hit = bad[slot] == keys
    sums = np.bincount(slot[hit], weights=values[hit], minlength=len(bad))
    drop = hit & (sums < 0)[slot]  # the lines of the days summing below zero
    if not drop.any():
        return lines
    keep = ~drop
    return lines._replace(ranks=lines.ranks[keep], keys=keys[keep], values=values[keep])


def _purchase_days(keys: np.ndarray, span: int, customers: int) -> _Days:
    """Per customer present: first and last purchase day's key and repeat purchase days.

    One sort gives the distinct (customer, day) pairs, grouped by customer, days ascending;
    each customer's pairs end before the key of the next customer's first day.
    """
    pairs = sorted_distinct(keys)
    next_starts = np.arange(1, customers + 1, dtype=pairs.dtype)
    next_starts *= span  # below 2**31 when the keys are int32
    ends = np.searchsorted(pairs, next_starts)
    starts = np.r_[0, ends[:-1]]
    present = np.flatnonzero(ends > starts)
    starts, ends = starts[present], ends[present]
    return _Days(present, pairs[starts], pairs[ends - 1], ends - starts - 1)


def _values(lines: _Lines, days: _Days) -> tuple[np.ndarray, np.ndarray]:
    """Value of each customer's first purchase day and mean value of the repeat purchases.

    The repeat purchases' value is the customer's total less its first day's, each summed
    line by line in the order of the lines (the first day's over its own lines only: adding
    the other lines' zeros changed no bit).
    """
    ranks, keys, values = lines.ranks, lines.keys, lines.values
    first_key = np.zeros(lines.customers, dtype=keys.dtype)
    first_key[days.present] = days.first
    on_first = np.empty(len(keys), dtype=bool)
    wanted = np.empty(min(len(keys), _BLOCK), dtype=keys.dtype)
    for start in range(0, len(keys), _BLOCK):
        rank = ranks[start : start + _BLOCK]
        np.take(first_key, rank, out=wanted[: len(rank)])
        np.equal(
            keys[start : start + len(rank)],
            wanted[: len(rank)],
            out=on_first[start : start + len(rank)],
        )
    total = np.bincount(ranks, weights=values, minlength=lines.customers)[days.present]
    first_value = np.bincount(ranks[on_first], weights=values[on_first], minlength=lines.customers)[
        days.present
    ]
    frequency = days.frequency
    monetary = np.divide(
        total - first_value, frequency, out=np.zeros(len(frequency)), where=frequency > 0
    )
    return first_value, monetary


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
