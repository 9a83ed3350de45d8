"""Exact money totals: amounts summed as whole nano-units (no rounding per row), totals rounded.

Each line's amount is kept unrounded (to 9 decimals, as ingest stores it); totals add those
exactly, so the reconciliation, the ledger and the summary round the same total to the same
cent. A line whose amount is too large to be held to the cent in a float is refused.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np

__all__ = ["MAX_LINE_AMOUNT", "NANOS", "exact_total", "to_money"]

#: nano-units per currency unit
NANOS = 10**9
#: the largest line amount a float holds to the cent (2**53 cents)
MAX_LINE_AMOUNT = 2**53 / 100
_INT64_SAFE = 9.0e18


def exact_total(amounts: np.ndarray) -> int:
    """The exact sum of amounts, in nano-units (NaN counts as 0).

    Parameters
    ----------
    amounts
        Money in currency units (float64), each at most :data:`MAX_LINE_AMOUNT` in size.

    Returns
    -------
    int
        The sum times 10**9: whole units and nano-units are added as integers, so the total
        does not depend on the order of the rows.
    """
    values = np.nan_to_num(np.asarray(amounts, dtype=np.float64), nan=0.0)
    units = np.trunc(values)
    nanos = np.round((values - units) * NANOS).astype(np.int64)
    if float(np.abs(units).sum()) < _INT64_SAFE:
        whole = int(units.astype(np.int64).sum())
    else:
        whole = sum(int(unit) for unit in units)
    return whole * NANOS + int(nanos.sum())


def to_money(nanos: int) -> float:
    """A total in nano-units as currency units rounded to the cent (half up).

    Parameters
    ----------
    nanos
        A total from :func:`exact_total`.

    Returns
    -------
    float
        The total in currency units, rounded half up to 2 decimals.
    """
    cents = (Decimal(nanos) / NANOS).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return float(cents)
