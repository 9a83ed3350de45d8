"""Keys across tables: ids of one table looked up in the table they point to, and normalisation.

Customer ids of order lines, activities and opportunities must have a row in ``customers``;
product ids of order lines one in ``products``. An id without its row loses every rebate,
payment term, key-account cost and name the master carries, so the unmatched ids are counted
(ids, rows, revenue, examples) and the normalisations that would match them are named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers import schema
from helpers.ingest.money import exact_total, to_money

__all__ = ["ID_STEPS", "KEY_FIELDS", "LINKS", "normalise_ids", "check_keys", "key_findings"]

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


def _ids(frame: pd.DataFrame, field: str) -> pa.Array:
    column = frame[field]
    if isinstance(column.dtype, pd.CategoricalDtype):  # a table read in chunks
        return pa.array(column).dictionary_decode().cast(pa.string())
    return pa.array(column.astype(object).where(column.notna(), None), pa.string())


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


def _link(tables: Mapping[str, pd.DataFrame], table: str, field: str, parent: str) -> dict | None:
    """The unmatched ids of one link, or None when nothing is unmatched."""
    frame = tables[table]
    child = _ids(frame, field)
    present = pc.fill_null(pc.not_equal(child, schema.UNATTRIBUTED), False)
    known = pc.unique(pc.drop_null(_ids(tables[parent], field)))
    missing = pc.and_(present, pc.invert(pc.fill_null(pc.is_in(child, value_set=known), False)))
    rows = missing.to_numpy(zero_copy_only=False)
    if not rows.any():
        return None
    unmatched = pc.unique(pc.filter(child, missing))
    ids = pc.unique(pc.filter(child, present))
    link = {
        "table": table,
        "column": field,
        "parent": parent,
        "ids": len(ids),
        "ids_unmatched": len(unmatched),
        "rows_unmatched": int(rows.sum()),
        "examples": unmatched.slice(0, _EXAMPLES).to_pylist(),
        "would_match": _would_match(unmatched, known),
    }
    if "revenue" in frame:
        revenue = frame["revenue"].to_numpy(dtype=float)
        link["revenue_unmatched"] = to_money(exact_total(revenue[rows]))
        link["revenue"] = to_money(exact_total(revenue))
    return link


def check_keys(tables: Mapping[str, pd.DataFrame]) -> list[dict[str, Any]]:
    """The ids of each link (:data:`LINKS`) that have no row in the table they point to.

    Parameters
    ----------
    tables
        The accepted tables by name; a link is checked when both its tables are present.

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
        if table in tables and parent in tables and len(tables[table]):
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
