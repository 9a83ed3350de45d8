"""Order-line amounts: quantity, price, discount, revenue and cost from what the export carries.

Three modes (the table's ``amounts`` option): ``unit`` exports give quantity and unit price (and
maybe a unit cost or line cost); ``line`` exports give line sales (and maybe profit, margin or
cost); ``revenue_only`` exports give sales alone. Returns come as negative quantities or sales,
or as a credit-note flag; their amounts are made negative. Where no cost is given it is assumed
from the gross margin.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from helpers.ingest.checks import FileParser

__all__ = ["order_amounts"]

_NOT_PERCENT = ("quantity", "unit_price", "unit_cost", "sales", "cost", "profit")
_NEGATIVE_PRICE = (
    "is negative (expected a price >= 0; returns carry a negative quantity or a credit-note flag)"
)


def _field(
    cols: Mapping[str, Any], fld: str, size: int, fill: float = np.nan
) -> tuple[np.ndarray, np.ndarray]:
    """A parsed number field with nulls as ``fill``, and its null mask (all null if unmapped)."""
    if fld in cols:
        values, null = cols[fld]
        return np.where(null, fill, values), null
    return np.full(size, fill), np.ones(size, bool)


def _quantity(parser: FileParser, cols: Mapping[str, Any], mode: str) -> np.ndarray:
    """Quantities (1 for a revenue-only export without them); zero quantities noted."""
    quantity, null = _field(cols, "quantity", parser.n_rows)
    if mode == "revenue_only" and "quantity" not in cols:
        quantity = np.ones(parser.n_rows)
    if "quantity" in cols:
        zero = ~null & (quantity == 0)
        parser.add(zero, "quantity", "is zero (expected a non-zero quantity; returns are negative)")
    return quantity


def _percent_amounts(parser: FileParser, discount_as: str) -> np.ndarray:
    """Discounts written with % in an amount column (a share of the list value); others noted.

    A ``%`` in a quantity, price, cost, sales or profit column is no amount: those rows are
    rejected. A ``%`` discount under ``discount_as: amount`` is read as a fraction and said.
    """
    for fld in _NOT_PERCENT:
        if fld in parser.percent:
            parser.add(
                parser.percent[fld], fld, "is a percentage (expected an amount, not a share)"
            )
    percent = parser.percent.get("discount", np.zeros(parser.n_rows, bool))
    if discount_as == "amount" and percent.any():
        example = parser.text("discount").filter(pa.array(percent))[0].as_py()
        parser.notes.append(
            f"{parser.table}: column '{parser.mapping['discount']}' of {parser.raw.name} holds "
            f"{int(percent.sum()):,} discount{'s' if percent.sum() != 1 else ''} written with % "
            f"(e.g. '{example}') although "
            "discount_as is amount; they are read as a share of the line's list value "
            "(set discount_as: fraction if every discount is a share)."
        )
        return percent
    return np.zeros(parser.n_rows, bool)


def _discount(
    parser: FileParser, cols: Mapping[str, Any], mode: str, discount_as: str
) -> np.ndarray:
    """Discounts (0 where missing); fractions outside 0..1 noted and made NaN."""
    discount, null = _field(cols, "discount", parser.n_rows, 0.0)
    if discount_as == "fraction" and "discount" in cols:
        limit = 1.0 if mode == "unit" else 1.0 - 1e-12
        bad = ~null & ~np.isnan(discount) & (np.abs(discount) > limit)
        parser.add(
            bad, "discount", "is not a fraction between 0 and 1 (expected e.g. 0.2 for 20% off)"
        )
        discount = np.where(bad, np.nan, discount)
    return discount


def _unit_cost(
    parser: FileParser, cols: Mapping[str, Any], qty: np.ndarray, sign: np.ndarray
) -> np.ndarray:
    """Line cost from the unit cost (negative ones noted) or the line cost; else NaN."""
    size = parser.n_rows
    if "unit_cost" in cols:
        unit_cost, null = _field(cols, "unit_cost", size)
        parser.add(~null & (unit_cost < 0), "unit_cost", "is negative (expected a cost >= 0)")
        return qty * np.abs(unit_cost)
    if "cost" in cols:
        cost, _ = _field(cols, "cost", size)
        return sign * np.abs(cost)
    return np.full(size, np.nan)


def _unit_amounts(
    parser: FileParser,
    cols: Mapping[str, Any],
    quantity: np.ndarray,
    discount: np.ndarray,
    credit: np.ndarray,
    discount_as: str,
    percent: np.ndarray,
) -> dict[str, np.ndarray]:
    """Amounts of a ``unit`` export: revenue = quantity * unit price - discount.

    ``percent`` marks discounts written as a share (``15%``) in an amount column.
    """
    price, _ = _field(cols, "unit_price", parser.n_rows)
    parser.add((price < 0) & ~credit, "unit_price", _NEGATIVE_PRICE)
    is_return = (quantity < 0) | credit | ((price < 0) & credit)
    sign = np.where(is_return, -1.0, 1.0)
    price = np.where(credit, np.abs(price), price)
    qty = sign * np.abs(quantity)
    if discount_as == "fraction":
        disc = np.abs(discount) * qty * price
    else:
        disc = np.where(is_return & (discount > 0), -discount, discount)
        disc = np.where(percent, np.abs(discount) * qty * price, disc)
    revenue = qty * price - disc
    cost = _unit_cost(parser, cols, qty, sign)
    return {
        "quantity": qty,
        "unit_price": price,
        "discount": disc,
        "revenue": revenue,
        "cost": cost,
        "is_return": is_return,
    }


def _line_cost(
    cols: Mapping[str, Any], revenue: np.ndarray, sign: np.ndarray, flipped: np.ndarray
) -> np.ndarray:
    """Line cost of a ``line`` export from its profit, margin or cost; else NaN."""
    size = len(revenue)
    if "profit" in cols:
        profit, _ = _field(cols, "profit", size)
        return revenue - np.where(flipped, -profit, profit)
    if "margin" in cols:
        margin, _ = _field(cols, "margin", size)
        return revenue * (1.0 - margin)
    if "cost" in cols:
        cost, _ = _field(cols, "cost", size)
        return sign * np.abs(cost)
    return np.full(size, np.nan)


def _line_amounts(
    cols: Mapping[str, Any],
    quantity: np.ndarray,
    discount: np.ndarray,
    credit: np.ndarray,
    mode: str,
    discount_as: str,
    percent: np.ndarray,
) -> dict[str, np.ndarray]:
    """Amounts of a ``line`` or ``revenue_only`` export: revenue = line sales.

    ``percent`` marks discounts written as a share (``15%``) in an amount column.
    """
    size = len(quantity)
    sales, _ = _field(cols, "sales", size)
    is_return = (quantity < 0) | (sales < 0) | credit
    sign = np.where(is_return, -1.0, 1.0)
    revenue = sign * np.abs(sales)
    if mode == "line" and "discount" in cols:
        if discount_as == "fraction":
            listed = np.abs(revenue) / (1.0 - np.abs(discount))
        else:
            listed = np.where(
                percent,
                np.abs(revenue) / (1.0 - np.abs(discount)),
                np.abs(revenue) + np.abs(discount),
            )
        disc = sign * (listed - np.abs(revenue))
    else:
        listed, disc = np.abs(revenue), np.zeros(size)
    cost = np.full(size, np.nan)
    if mode == "line":
        cost = _line_cost(cols, revenue, sign, flipped=is_return & (sales > 0))
    return {
        "quantity": sign * np.abs(quantity),
        "unit_price": listed / np.abs(quantity),
        "discount": disc,
        "revenue": revenue,
        "cost": cost,
        "is_return": is_return,
    }


def order_amounts(
    parser: FileParser, cols: dict[str, Any], opts: Mapping[str, Any], gross_margin: float
) -> dict[str, np.ndarray]:
    """Derive quantity, unit_price, discount, revenue, cost (+ flags) for order lines.

    Parameters
    ----------
    parser
        The file's parser; zero quantities, negative prices or costs and bad discount
        fractions are noted on it as checks.
    cols
        Parsed fields (see :func:`helpers.ingest.checks.parse_fields`).
    opts
        The table's options: ``amounts`` (``unit``, ``line`` or ``revenue_only``) and
        ``discount_as`` (``amount`` or ``fraction``).
    gross_margin
        The assumed gross margin (a fraction) for lines without a cost.

    Returns
    -------
    dict of str to numpy.ndarray
        One array per row for each key: ``quantity`` (units, negative for returns),
        ``unit_price`` (currency units of the export), ``discount``, ``revenue`` and ``cost``
        (currency units, negative for returns, rounded to 9 decimals), ``cost_assumed`` and
        ``is_return`` (bool).
    """
    mode, discount_as = opts["amounts"], opts["discount_as"]
    size = parser.n_rows
    credit = cols["credit_note"][0] if "credit_note" in cols else np.zeros(size, bool)
    quantity = _quantity(parser, cols, mode)
    discount = _discount(parser, cols, mode, discount_as)
    percent = _percent_amounts(parser, discount_as)
    with np.errstate(invalid="ignore", divide="ignore"):
        if mode == "unit":
            amounts = _unit_amounts(parser, cols, quantity, discount, credit, discount_as, percent)
        else:
            amounts = _line_amounts(cols, quantity, discount, credit, mode, discount_as, percent)
    revenue = amounts["revenue"]
    assumed = np.isnan(amounts["cost"]) if mode != "revenue_only" else np.ones(size, bool)
    cost = np.where(assumed, revenue * (1.0 - gross_margin), amounts["cost"])
    # drop float noise (-19.950000000000003) without touching real sub-cent amounts
    return {
        "quantity": amounts["quantity"],
        "unit_price": np.round(amounts["unit_price"], 9),
        "discount": np.round(amounts["discount"], 9),
        "revenue": np.round(revenue, 9),
        "cost": np.round(cost, 9),
        "cost_assumed": assumed,
        "is_return": amounts["is_return"],
    }
