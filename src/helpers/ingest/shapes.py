"""ERP and shop shapes: an order header and a price list joined onto the lines, transaction logs.

- ``header``: an order header file (order id, customer, date, ship mode, channel, region) whose
  fields the lines lack are joined on the order id;
- ``price_list``: a product file (product id, unit price, unit cost) filling the prices of lines
  that carry only product and quantity;
- ``transaction_log``: customer, date and amount only: one order per customer and day, and the
  product ``unknown``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.ingest.columns import config_name, resolve_sources
from helpers.ingest.errors import IngestError
from helpers.ingest.rawfile import RawFile
from helpers.ingest.tally import Tally
from helpers.ingest.values import parse_strings

__all__ = ["LOOKUPS", "attach_lookups", "log_keys", "mark_cancellations", "UNKNOWN_PRODUCT"]

#: lookup -> (key field, fields it may give the lines)
LOOKUPS = {
    "header": ("order_id", ("customer_id", "order_date", "ship_mode", "channel", "region")),
    "price_list": ("product_id", ("unit_price", "unit_cost")),
}
#: product id of a transaction log's lines
UNKNOWN_PRODUCT = "unknown"
_ROW = "__row__"


def _source_column(header: list[str], wanted: str) -> str | None:
    """``wanted`` in the header, exactly or ignoring case and spacing."""
    if wanted in header:
        return wanted
    folded = " ".join(wanted.split()).casefold()
    hits = [column for column in header if " ".join(column.split()).casefold() == folded]
    return hits[0] if len(hits) == 1 else None


def _lookup_table(
    lookup: str, spec: Mapping[str, Any], config: Mapping[str, Any], read: Any
) -> tuple[pa.Table, str]:
    """The lookup file read, its columns renamed to fields, one row per key; its name."""
    key, fields = LOOKUPS[lookup]
    if not isinstance(spec, Mapping) or not spec.get("path"):
        raise IngestError(
            f"{config_name(config)}: tables.order_lines.{lookup}: expected a mapping with at "
            "least 'path'"
        )
    ((path, name),) = resolve_sources(config, "order_lines", spec["path"])
    raw = read(path, name, spec)
    given = dict(spec.get("columns") or {})
    header = list(raw.table.column_names)
    columns = {}
    for field in (key, *fields):
        source = _source_column(header, str(given.get(field, field)))
        if source is not None:
            columns[field] = parse_strings(raw.table.column(source))
    if key not in columns:
        raise IngestError(
            f"{name}: row 1 (header): key column {given.get(key, key)!r} not found (expected it "
            f"among the columns: {', '.join(map(repr, header))}; map it under "
            f"tables.order_lines.{lookup}.columns.{key})"
        )
    table = pa.table(columns)
    _check_unique_keys(table, key, name, raw.rows)
    return table, name


def _check_unique_keys(table: pa.Table, key: str, name: str, rows: np.ndarray) -> None:
    """Refuse a lookup with a key on two rows (the join would repeat lines)."""
    counts = pc.value_counts(pc.drop_null(table.column(key)).combine_chunks())
    repeated = pc.filter(counts, pc.greater(counts.field("counts"), 1))
    if len(repeated):
        value = repeated[0]["values"].as_py()
        where = np.flatnonzero(pc.equal(table.column(key), value).to_numpy(zero_copy_only=False))
        raise IngestError(
            f"{name}: rows {int(rows[where[0]])} and {int(rows[where[1]])}: {key} {value!r} "
            f"appears twice (expected one row per {key}; the lines would be counted twice)"
        )


def _join(raw: RawFile, lookup: pa.Table, key: str, key_column: str) -> tuple[pa.Table, int]:
    """The lines with the lookup's fields they lack, in file order; lines without a match."""
    lines = raw.table.append_column(_ROW, pa.array(np.arange(raw.table.num_rows)))
    lines = lines.append_column("__key__", parse_strings(lines.column(key_column)))
    wanted = [f for f in lookup.column_names if f == key or f not in raw.table.column_names]
    right = lookup.select(wanted).rename_columns(["__key__" if f == key else f for f in wanted])
    joined = lines.join(right, "__key__", join_type="left outer").sort_by(_ROW)
    unmatched = 0
    extra = [f for f in wanted if f != key]
    if extra:
        unmatched = int(pc.sum(pc.is_null(joined.column(extra[0]))).as_py() or 0)
    return joined.drop_columns([_ROW, "__key__"]), unmatched


def attach_lookups(
    raw: RawFile, opts: Mapping[str, Any], config: Mapping[str, Any], read: Any
) -> tuple[RawFile, list[str]]:
    """Join the order header and the price list of ``opts`` onto an order-line file.

    Parameters
    ----------
    raw
        The order-line file as read.
    opts
        The table's options: ``header`` and ``price_list`` (each a mapping with ``path`` and
        maybe ``columns`` and parse options), ``columns`` (the lines' own mapping).
    config
        The whole config (paths are relative to its folder).
    read
        ``read(path, name, spec) -> RawFile``: how a lookup file is read.

    Returns
    -------
    (RawFile, list of str)
        The file with the lookups' fields it lacked (named as the fields), and one sentence
        per lookup saying how many lines found their row.

    Raises
    ------
    IngestError
        When a lookup has no path, lacks its key column or names a key on two rows, or the
        lines lack the key column.
    """
    notes = []
    for lookup in LOOKUPS:
        if not opts.get(lookup):
            continue
        key, _ = LOOKUPS[lookup]
        table, name = _lookup_table(lookup, opts[lookup], config, read)
        given = (opts.get("columns") or {}).get(key, key)
        key_column = _source_column(list(raw.table.column_names), str(given))
        if key_column is None:
            raise IngestError(
                f"{raw.name}: row 1 (header): column {given!r} to join {name} on not found "
                f"(expected it among the columns: {', '.join(map(repr, raw.table.column_names))})"
            )
        joined, unmatched = _join(raw, table, key, key_column)
        raw = RawFile(raw.path, raw.name, joined, raw.rows, raw.bad_rows, dict(raw.meta))
        notes.append(
            f"order_lines: {raw.name} joined with {name} on {key} "
            f"({raw.table.num_rows - unmatched:,} of {raw.table.num_rows:,} lines found their "
            f"row{'' if not unmatched else f'; {unmatched:,} did not, so what {name} gives is empty for them'})."
        )
    return raw, notes


def _log_sentence(figures: Mapping[str, Any]) -> str:
    orders, size = len(figures["order_ids"]), int(figures["transactions"])
    return (
        f"order_lines: {figures['first_file']} is a transaction log: {orders:,} orders derived "
        f"as one per customer and day from {size:,} transactions"
        + ("" if figures["first_has_product"] else f", product '{UNKNOWN_PRODUCT}'")
        + "."
    )


def log_keys(cols: dict[str, Any], size: int, name: str) -> tuple[dict[str, Any], Tally]:
    """A transaction log's order ids (customer and day) and product ``unknown``.

    Parameters
    ----------
    cols
        Parsed fields (``customer_id`` text, ``order_date`` (days, null mask)).
    size
        Rows of the file (or of the chunk being read).
    name
        The file's display name.

    Returns
    -------
    (dict, Tally)
        ``cols`` with ``order_id`` = customer id and day (``C1|2024-03-05``) where the file has
        none, ``product_id`` = ``unknown`` where it has none; and a sentence saying so, whose
        counts (distinct orders, transactions) add up across the chunks of a file.
    """
    out = dict(cols)
    customers = cols.get("customer_id", pa.nulls(size, pa.string()))
    customers = pc.fill_null(customers, "(no customer)")
    days, null = cols["order_date"]
    day_text = pa.array(np.datetime_as_string(days, unit="D"), pa.string())
    day_text = pc.if_else(pa.array(null), pa.scalar(None, pa.string()), day_text)
    derived = pc.binary_join_element_wise(customers, day_text, "|")
    out["order_id"] = pc.coalesce(cols["order_id"], derived) if "order_id" in cols else derived
    product = pa.array(np.full(size, UNKNOWN_PRODUCT, dtype=object), pa.string())
    out["product_id"] = (
        pc.coalesce(cols["product_id"], product) if "product_id" in cols else product
    )
    orders = pc.unique(pc.drop_null(out["order_id"])).to_numpy(zero_copy_only=False)
    figures = {
        "order_ids": np.unique(pd.util.hash_array(orders.astype(object))),
        "transactions": size,
        "first_file": name,
        "first_has_product": "product_id" in cols,
    }
    return out, Tally(f"transaction log {name}", figures, _log_sentence)


def mark_cancellations(cols: dict[str, Any], pattern: str, size: int) -> tuple[dict[str, Any], int]:
    """Lines whose order id matches ``pattern`` (``^C`` for an invoice ``C536379``) as credit notes.

    Parameters
    ----------
    cols
        Parsed fields (``order_id`` text, maybe ``credit_note`` (values, null mask)).
    pattern
        A regular expression searched in the order id.
    size
        Rows of the file.

    Returns
    -------
    (dict, int)
        ``cols`` with ``credit_note`` set where the order id matches, and how many matched.
    """
    if "order_id" not in cols:
        return cols, 0
    matched = pc.fill_null(pc.match_substring_regex(cols["order_id"], pattern), False)
    mask = matched.to_numpy(zero_copy_only=False)
    credit, null = cols.get("credit_note", (np.zeros(size, bool), np.ones(size, bool)))
    return {**cols, "credit_note": (credit | mask, null & ~mask)}, int(mask.sum())
