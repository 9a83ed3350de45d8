"""Which channel each customer came through, and the profit of all customers by channel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.ledger import levels
from helpers.ledger.purchases import habitual_channels
from helpers.results import Result, money
from helpers.schema import UNATTRIBUTED

__all__ = ["customer_channels", "channel_summary"]

#: the channel of customers the data gives none for: never ranked
UNKNOWN = "(unknown)"
#: the ledger columns the profit levels need (hand-built ledgers may lack them)
#: the level the report leads with ("with_assumptions" for a ledger without levels)
_lead_level = levels.lead_level


def _level_view(frame: pd.DataFrame | None, level: str) -> pd.DataFrame | None:
    """A ledger (or the monthly ledger) with profit at ``level``; as it is without levels."""
    if frame is None or not levels.has_levels(frame):
        return frame
    return levels.at_level(frame, level)


def _settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """The ``acquisition`` section of the config."""
    return dict(config["acquisition"])


def _attributed(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger without the row of lines that carry no customer, with a fresh index."""
    return ledger.loc[ledger["customer_id"] != UNATTRIBUTED].reset_index(drop=True)


def _small(ledger: pd.DataFrame, config: Mapping[str, Any]) -> pd.Series:
    """True for the rows whose size tier is one of ``size_tiers.small``."""
    return ledger["size_tier"].astype("object").isin(set(config["size_tiers"]["small"]))


def customer_channels(
    ledger: pd.DataFrame, order_lines: pd.DataFrame | None = None
) -> tuple[pd.Series, str]:
    """Each ledger row's acquisition channel, and which column it came from.

    Where the data has no acquisition channel, a customer's habitual order channel (the one
    most of its orders came through) stands in, and the source says so.

    Parameters
    ----------
    ledger
        The customer ledger (``customer_id`` and, when known, ``acquisition_channel``).
    order_lines
        Canonical order lines (``customer_id``, ``order_id``, ``channel``), or None.

    Returns
    -------
    tuple of (Series, str)
        The channel of every row (same index as ``ledger``; NA where unknown) and its source:
        "acquisition_channel", "order_channel" or "" when the data has neither.
    """
    if "acquisition_channel" in ledger and ledger["acquisition_channel"].notna().any():
        return ledger["acquisition_channel"].astype("object"), "acquisition_channel"
    habitual = habitual_channels(order_lines)
    if len(habitual):
        return ledger["customer_id"].map(habitual).astype("object"), "order_channel"
    return pd.Series(np.nan, index=ledger.index, dtype="object"), ""


def channel_summary(
    ledger: pd.DataFrame,
    config: Mapping[str, Any],
    order_lines: pd.DataFrame | None = None,
    level: str | None = None,
) -> Result:
    """All customers (not only new ones) and their profit by channel, small clients apart.

    Parameters
    ----------
    ledger
        The customer ledger (the unattributed row is left out).
    config
        The run's config (``size_tiers.small`` names the small tiers).
    order_lines
        Canonical order lines, for the habitual order channel when the data has no
        acquisition channel; None when unknown.
    level
        The profit level; None: the level the report leads with.

    Returns
    -------
    Result
        ``table``, one row per channel ("(unknown)" for customers without one, never ranked),
        most profitable first: channel, customers, small_clients, profitable, small_profitable
        (counts), net_revenue, profit, small_profit (currency units), profit_per_customer
        (currency units), margin_pct (profit / net revenue, fraction), small_profitable_share
        (fraction); ``metrics``: channel_source. Not available when the data has neither an
        acquisition nor an order channel.
    """
    customers = _attributed(_level_view(ledger, level or _lead_level(ledger)))
    channel, source = customer_channels(customers, order_lines)
    if not source:
        return Result(
            message="No acquisition channel and no order channel in the data: customers "
            "cannot be compared by channel."
        )
    table = _profit_by_channel(customers, channel, config)
    label = "acquisition channel" if source == "acquisition_channel" else "habitual order channel"
    findings = [_top_sentence(table, label)]
    if source == "order_channel":
        findings.insert(
            0,
            "No acquisition channel in the data: each customer's habitual order channel "
            "stands in for it.",
        )
    return Result(table=table, findings=findings, metrics={"channel_source": source})


def _top_sentence(table: pd.DataFrame, label: str) -> str:
    """The channel whose customers bring the most profit (or lose the least), never "(unknown)"."""
    known = table.loc[table["channel"] != UNKNOWN]
    if len(known) < 2:
        return (
            f"Only one {label} is recorded ({', '.join(map(str, known['channel'])) or 'none'}): "
            "there is nothing to compare it with."
        )
    top = known.iloc[0]
    each = f"{money(top['profit'])} from {int(top['customers'])} customers, " + (
        f"{money(top['profit_per_customer'])} each"
    )
    if top["profit"] > 0:
        return f"By {label}: {top['channel']} brings the most profit ({each})."
    return (
        f"By {label}: no channel's customers make a profit together; {top['channel']} loses "
        f"the least ({each})."
    )


def _profit_by_channel(
    customers: pd.DataFrame, channel: pd.Series, config: Mapping[str, Any]
) -> pd.DataFrame:
    """Customers, revenue and profit summed per channel, small clients apart."""
    frame = customers.assign(
        channel=channel.fillna(UNKNOWN),
        small=_small(customers, config),
        profitable=customers["profit"] > 0,
    )
    frame["small_profit"] = frame["profit"].where(frame["small"], 0.0)
    frame["small_profitable"] = frame["profitable"] & frame["small"]
    table = (
        frame.groupby("channel")
        .agg(
            customers=("customer_id", "size"),
            small_clients=("small", "sum"),
            net_revenue=("net_revenue", "sum"),
            profit=("profit", "sum"),
            profitable=("profitable", "sum"),
            small_profit=("small_profit", "sum"),
            small_profitable=("small_profitable", "sum"),
        )
        .reset_index()
    )
    table["profit_per_customer"] = table["profit"] / table["customers"]
    table["margin_pct"] = table["profit"] / table["net_revenue"].where(table["net_revenue"] != 0)
    table["small_profitable_share"] = table["small_profitable"] / table["small_clients"].where(
        table["small_clients"] > 0
    )
    return table.sort_values("profit", ascending=False).reset_index(drop=True)
