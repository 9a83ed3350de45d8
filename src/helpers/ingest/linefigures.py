"""Figures of the accepted order lines, added up a batch at a time: rows and exact revenue.

The reconciliation and the findings need, per file and for the whole table, how many lines
were accepted, how many carry no customer, are returns, repeats or of assumed cost, and their
revenue. Each figure is a count and an exact total in nano-units (:mod:`helpers.ingest.money`),
so it does not depend on how the lines are split into batches: a table read whole (one batch)
and one read in chunks (batches of the finished Parquet file) give the same figures, and
memory holds one batch at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from helpers import schema
from helpers.ingest.money import exact_total

__all__ = ["FIGURE_COLUMNS", "Count", "LineFigures", "add_batch", "line_figures"]

#: the columns the figures read
FIGURE_COLUMNS = (
    "source_file",
    "customer_id",
    "revenue",
    "is_return",
    "is_duplicate",
    "cost_assumed",
)


@dataclass
class Count:
    """Lines, their revenue and the revenue's absolute value (both in nano-units)."""

    rows: int = 0
    nanos: int = 0
    abs_nanos: int = 0

    def add(self, revenue: np.ndarray, mask: np.ndarray, absolute: bool = False) -> None:
        """Add the lines of ``mask`` with their ``revenue`` (currency units).

        ``absolute``: add up the revenue's absolute value too (``abs_nanos``).
        """
        rows = int(mask.sum())
        if not rows:
            return
        picked = revenue if rows == len(revenue) else revenue[mask]
        self.rows += rows
        self.nanos += exact_total(picked)
        if absolute:
            self.abs_nanos += exact_total(np.abs(picked))


@dataclass
class LineFigures:
    """What the checks after loading read of the accepted order lines.

    Attributes
    ----------
    files : dict of str to (Count, Count)
        Per source file: its accepted lines, and those without a customer.
    total, unattributed, returns, repeats, assumed : Count
        Every line; lines without a customer; returns; lines flagged ``is_duplicate``; lines
        whose cost was assumed (``abs_nanos`` kept for ``total``, ``unattributed`` and
        ``assumed`` only).
    """

    files: dict[str, tuple[Count, Count]] = field(default_factory=dict)
    total: Count = field(default_factory=Count)
    unattributed: Count = field(default_factory=Count)
    returns: Count = field(default_factory=Count)
    repeats: Count = field(default_factory=Count)
    assumed: Count = field(default_factory=Count)


def _flags(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A boolean column (or comparison) as numpy, null as False."""
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


def add_batch(figures: LineFigures, batch: pa.Table) -> None:
    """Add one batch of accepted lines (with :data:`FIGURE_COLUMNS`) to ``figures``.

    Parameters
    ----------
    figures
        The running figures (their ``files`` name every source file).
    batch
        Accepted order lines.
    """
    revenue = np.asarray(batch.column("revenue").to_numpy(), dtype=np.float64)
    unattributed = _flags(pc.equal(batch.column("customer_id"), schema.UNATTRIBUTED))
    figures.total.add(revenue, np.ones(len(revenue), bool), absolute=True)
    figures.unattributed.add(revenue, unattributed, absolute=True)
    figures.returns.add(revenue, _flags(batch.column("is_return")))
    figures.repeats.add(revenue, _flags(batch.column("is_duplicate")))
    figures.assumed.add(revenue, _flags(batch.column("cost_assumed")), absolute=True)
    for name, (accepted, orphans) in figures.files.items():
        in_file = _flags(pc.equal(batch.column("source_file"), name))
        accepted.add(revenue, in_file)
        orphans.add(revenue, in_file & unattributed)


def line_figures(batches: Iterable[pa.Table], names: Iterable[str]) -> LineFigures:
    """Add up the figures of accepted order lines over batches of them.

    Parameters
    ----------
    batches
        The accepted lines with :data:`FIGURE_COLUMNS`, in any number of batches.
    names
        The source files' display names (``source_file``).

    Returns
    -------
    LineFigures
        The counts and exact revenue totals.
    """
    figures = LineFigures(files={name: (Count(), Count()) for name in names})
    for batch in batches:
        add_batch(figures, batch)
    return figures
