"""Keys across tables: ids of one table looked up in the table they point to, and normalisation.

Customer ids of order lines, activities and opportunities must have a row in ``customers``;
product ids of order lines one in ``products``. An id without its row loses every rebate,
payment term, key-account cost and name the master carries, so the unmatched ids are counted
(ids, rows, revenue, examples) and the normalisations that would match them are named.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from helpers import schema
from helpers.ingest.money import exact_total, to_money

__all__ = [
    "ID_STEPS",
    "KEY_FIELDS",
    "LINKS",
    "Batched",
    "normalise_ids",
    "check_keys",
    "key_findings",
]

#: normalisations of ids, in the order they are applied
ID_STEPS = ("trim", "casefold", "leading_zeros", "number_as_text")
#: fields holding ids that point across tables
KEY_FIELDS = ("customer_id", "product_id")
#: (table, field, table it points to)
LINKS = (
    ("order_lines", "customer_id", "customers"),
    ("activities", "customer_id", "customers"),
    ("opportunities", "customer_id", "customers"),
    ("order_lines", "product_id", "products"),
)
_EXAMPLES = 3


def normalise_ids(ids: pa.Array, steps: Sequence[str]) -> pa.Array:
    """Ids normalised by the given steps.

    Parameters
    ----------
    ids
        Ids as text (null where missing).
    steps
        Any of :data:`ID_STEPS`: ``trim`` (spaces at either end and runs of inner spaces),
        ``casefold`` (lower case), ``leading_zeros`` (``00042`` -> ``42``, digits only),
        ``number_as_text`` (``42.0`` -> ``42``, as a spreadsheet number cell is written).

    Returns
    -------
    pyarrow.Array
        The ids, normalised.

    Raises
    ------
    ValueError
        When a step is not one of :data:`ID_STEPS`.
    """
    for step in steps:
        if step not in ID_STEPS:
            raise ValueError(step)
    out = ids
    if "trim" in steps:
        out = pc.replace_substring_regex(pc.utf8_trim_whitespace(out), r"\s+", " ")
    if "casefold" in steps:
        out = pc.utf8_lower(out)
    if "number_as_text" in steps:
        out = pc.replace_substring_regex(out, r"^(-?\d+)\.0+$", r"\1")
    if "leading_zeros" in steps:
        out = pc.replace_substring_regex(out, r"^0+(\d+)$", r"\1")
    return out


class Batched(Protocol):
    """A table whose accepted rows can be read a few columns and a bounded batch at a time."""

    def batches(self, columns: Sequence[str]) -> Iterable[pa.Table]:
        """The rows' ``columns`` in batches."""


def _text(column: pa.ChunkedArray) -> pa.Array:
    """Ids as one array of text (null where missing)."""
    return pc.cast(column.combine_chunks(), pa.string())


def _distinct(*arrays: pa.Array) -> pa.Array:
    """The distinct values of arrays, in order of first appearance."""
    return pc.unique(pa.concat_arrays([array.cast(pa.string()) for array in arrays]))


def _known_ids(table: Batched, field: str) -> pa.Array:
    """The distinct ids a table holds (no nulls)."""
    known = pa.array([], pa.string())
    for batch in table.batches([field]):
        known = _distinct(known, pc.drop_null(_text(batch.column(field))))
    return known


def _would_match(unmatched: pa.Array, parent: pa.Array) -> dict[str, int]:
    """For each step alone and all together, how many unmatched ids would then match."""
    out = {}
    for steps in [(step,) for step in ID_STEPS] + [ID_STEPS]:
        wanted = pc.unique(normalise_ids(parent, steps))
        found = pc.is_in(normalise_ids(unmatched, steps), value_set=wanted)
        count = int(pc.sum(found).as_py() or 0)
        if count:
            out[" + ".join(steps) if len(steps) > 1 else steps[0]] = count
    return out


def _link(tables: Mapping[str, Batched], table: str, field: str, parent: str) -> dict | None:
    """The unmatched ids of one link, or None when nothing is unmatched (a batch at a time)."""
    known = _known_ids(tables[parent], field)
    with_revenue = "revenue" in schema.CANONICAL[table]
    ids = unmatched = pa.array([], pa.string())
    rows_unmatched = nanos_unmatched = nanos = 0
    for batch in tables[table].batches([field, "revenue"] if with_revenue else [field]):
        child = _text(batch.column(field))
        present = pc.fill_null(pc.not_equal(child, schema.UNATTRIBUTED), False)
        found = pc.fill_null(pc.is_in(child, value_set=known), False)
        missing = pc.and_(present, pc.invert(found))
        rows = np.asarray(missing.to_numpy(zero_copy_only=False), dtype=bool)
        ids = _distinct(ids, pc.unique(pc.filter(child, present)))
        if rows.any():
            unmatched = _distinct(unmatched, pc.unique(pc.filter(child, missing)))
            rows_unmatched += int(rows.sum())
        if with_revenue:
            revenue = np.asarray(batch.column("revenue").to_numpy(), dtype=np.float64)
            nanos_unmatched += exact_total(revenue[rows])
            nanos += exact_total(revenue)
    if not rows_unmatched:
        return None
    link = {
        "table": table,
        "column": field,
        "parent": parent,
        "ids": len(ids),
        "ids_unmatched": len(unmatched),
        "rows_unmatched": rows_unmatched,
        "examples": unmatched.slice(0, _EXAMPLES).to_pylist(),
        "would_match": _would_match(unmatched, known),
    }
    if with_revenue:
        link["revenue_unmatched"] = to_money(nanos_unmatched)
        link["revenue"] = to_money(nanos)
    return link


def check_keys(tables: Mapping[str, Batched]) -> list[dict[str, Any]]:
    """The ids of each link (:data:`LINKS`) that have no row in the table they point to.

    Parameters
    ----------
    tables
        The accepted tables by name, each read in batches (``batches(columns)``, as
        :class:`helpers.ingest.loading.LoadedTable` gives them; a table read in chunks is
        read back from its Parquet file, so memory holds a batch and the distinct ids); a
        link is checked when both its tables are present.

    Returns
    -------
    list of dict
        One per link with unmatched ids: ``table``, ``column``, ``parent``, ``ids`` (distinct
        ids), ``ids_unmatched``, ``rows_unmatched``, ``examples`` (up to three ids),
        ``would_match`` (normalisation -> ids it would match) and, for order lines,
        ``revenue_unmatched`` and ``revenue`` (currency units, to the cent).
    """
    links = []
    for table, field, parent in LINKS:
        if table in tables and parent in tables:
            link = _link(tables, table, field, parent)
            if link is not None:
                links.append(link)
    return links


def key_findings(links: Sequence[Mapping[str, Any]]) -> list[str]:
    """The unmatched ids as sentences, naming the normalisation that would match them.

    Parameters
    ----------
    links
        What :func:`check_keys` returned.

    Returns
    -------
    list of str
        One sentence per link with unmatched ids.
    """
    out = []
    for link in links:
        examples = ", ".join(repr(example) for example in link["examples"])
        money = ""
        if "revenue_unmatched" in link:
            share = link["revenue_unmatched"] / link["revenue"] if link["revenue"] else 0.0
            money = f", revenue {link['revenue_unmatched']:,.2f} ({share:.1%})"
        sentence = (
            f"{link['table']}: {link['ids_unmatched']:,} of {link['ids']:,} {link['column']}s "
            f"({link['rows_unmatched']:,} rows{money}) have no row in {link['parent']} (e.g. "
            f"{examples}): what {link['parent']} says of them (names, rebates, terms) is lost."
        )
        fixes = link["would_match"]
        if fixes:
            best = max(fixes, key=lambda name: (fixes[name], -len(name)))
            steps = ", ".join(best.split(" + "))
            sentence += (
                f" With ids normalised by {best} {fixes[best]:,} of them would match "
                f"(set ingest.id_normalise: [{steps}])."
            )
        out.append(sentence)
    return out
