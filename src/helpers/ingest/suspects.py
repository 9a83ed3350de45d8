"""Rows that parse but cannot be right: total lines, huge amounts, control characters, discounts.

Total lines are rejected and left out of revenue in; amounts too large to count to the cent and
ids holding a control character are rejected; discounts larger than the list value are said.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow.compute as pc

from helpers.ingest.checks import Check, FileParser
from helpers.ingest.money import MAX_LINE_AMOUNT, exact_total, to_money
from helpers.ingest.tally import Tally

__all__ = [
    "flag_control_characters",
    "flag_large_amounts",
    "flag_total_lines",
    "note_discounts_over_list",
]

_TOTAL_WORDS = (
    r"(?i)^(?:grand ?total|sub-?total|totals?|sum|summe|gesamt\w*|zwischensumme|totaal|totale"
    r"|合计|总计)(?:$|[\s:;,.\-])"
)
_TOTAL_FIELDS = ("order_id", "customer_id", "order_date", "product_id")
_CONTROL = r"[\x00-\x08\x0a-\x1f]"


def flag_control_characters(parser: FileParser) -> None:
    """Reject ids holding a control character (a NUL byte would make a new customer).

    Parameters
    ----------
    parser
        The file's parser; every mapped ``*_id`` field is looked at.
    """
    for fld in parser.mapping:
        if not fld.endswith("_id"):
            continue
        text = parser.text(fld)
        if text is None or pc.all(pc.ascii_is_printable(pc.drop_null(text))).as_py() is not False:
            continue  # printable ASCII throughout (the quick test): no control character
        if not pc.any(pc.match_substring_regex(text, _CONTROL)).as_py():
            continue
        mask = pc.fill_null(pc.match_substring_regex(text, _CONTROL), False)
        parser.add(
            mask.to_numpy(zero_copy_only=False),
            fld,
            "contains a control character such as a NUL byte (expected printable text)",
        )


def flag_large_amounts(parser: FileParser, revenue: np.ndarray) -> np.ndarray:
    """Reject order lines whose revenue is too large to be counted to the cent.

    Parameters
    ----------
    parser
        The file's parser (order lines).
    revenue
        Each line's revenue in currency units (NaN where unknown).

    Returns
    -------
    numpy.ndarray of bool
        The lines rejected here; their revenue is unknown.
    """
    with np.errstate(invalid="ignore"):
        large = np.abs(np.nan_to_num(revenue, nan=0.0)) > MAX_LINE_AMOUNT
    if large.any():
        fld = "unit_price" if "unit_price" in parser.mapping else "sales"
        parser.add(
            large,
            fld,
            "makes a line revenue too large to count to the cent (expected at most "
            f"{MAX_LINE_AMOUNT:,.2f} per line)",
        )
    return large


def flag_total_lines(parser: FileParser, rejected: np.ndarray) -> np.ndarray:
    """Mark rejected order lines that are a total line (``Total``, ``Summe``...) as such.

    Their reason comes first, naming the column holding the word; their amount is not
    counted in revenue in (it repeats the lines above it).

    Parameters
    ----------
    parser
        The file's parser (order lines), its checks settled.
    rejected
        The rejected rows (blank rows excluded).

    Returns
    -------
    numpy.ndarray of bool
        The total lines.
    """
    totals = np.zeros(parser.n_rows, bool)
    if not rejected.any():
        return totals
    found: list[Check] = []
    for fld in _TOTAL_FIELDS:
        text = parser.text(fld)
        if text is None:
            continue
        hits = pc.fill_null(pc.match_substring_regex(text, _TOTAL_WORDS), False)
        mask = hits.to_numpy(zero_copy_only=False) & rejected & ~totals
        if mask.any():
            tail = "is a total line (expected one order line per row; not counted in revenue in)"
            found.append(Check(mask, fld, parser.mapping[fld], text, tail))
            totals |= mask
    parser.checks = found + parser.checks
    return totals


def note_discounts_over_list(
    parser: FileParser, amounts: dict[str, np.ndarray], kept: np.ndarray
) -> None:
    """Say where a discount exceeds the line's list value (a negative sale that is no return).

    Parameters
    ----------
    parser
        The file's parser (order lines); the sentence goes to its notes.
    amounts
        The derived amounts (``revenue``, ``discount``, ``is_return``).
    kept
        The accepted rows.
    """
    with np.errstate(invalid="ignore"):
        over = kept & ~amounts["is_return"] & (amounts["revenue"] < 0) & (amounts["discount"] > 0)
    if not over.any():
        return
    first = int(np.flatnonzero(over)[0])
    figures = {
        "lines": int(over.sum()),
        "revenue": exact_total(amounts["revenue"][over]),
        "first_file": parser.raw.name,
        "first_row": int(parser.raw.rows[first]),
        "first_discount": float(amounts["discount"][first]),
        "first_listed": float(amounts["revenue"][first] + amounts["discount"][first]),
    }
    key = f"discounts over list {parser.table} {parser.raw.name}"
    parser.notes.append(Tally(key, figures, _over_list_sentence))


def _over_list_sentence(figures: Mapping[str, Any]) -> str:
    count = int(figures["lines"])
    return (
        f"order_lines: {count:,} line{'s' if count != 1 else ''} of {figures['first_file']} "
        f"{'carry' if count != 1 else 'carries'} a discount larger than the line's list value, "
        f"so the sale is negative (e.g. row {figures['first_row']}: discount "
        f"{figures['first_discount']:,.2f} on {figures['first_listed']:,.2f}); kept as they are "
        f"(revenue {to_money(figures['revenue']):,.2f}): check the discount column."
    )
