"""Show the customer ledger: company and tier P&L, the ends of the ranking, figures, findings.

Every function reads a ledger built by :func:`helpers.ledger.build_ledger` (one row per
customer, including the ``UNATTRIBUTED`` row of lines without a customer) and returns a table,
a figure, the headline numbers for ``metrics.json`` or finding sentences.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers import plots
from helpers.ledger import cost_to_serve as costing
from helpers.ledger import headline, levels
from helpers.ledger.build import data_sources
from helpers.ledger.headline import (
    activity_label,
    assumed_activities,
    break_even_multiplier,
    highest_margin_tier,
    ledger_sensitivity,
    level_pnl,
    level_words,
    loss_making_verdict,
)
from helpers.results import json_safe, share_of
from helpers.schema import LEDGER_MEASURES, UNATTRIBUTED

__all__ = [
    "data_notes",
    "company_pnl",
    "tier_pnl",
    "top_bottom",
    "customer_pnl",
    "plot_tier_shares",
    "plot_waterfall",
    "ledger_metrics",
    "ledger_findings",
    "assumed_activities",
    "level_pnl",
    "level_words",
    "loss_making_verdict",
    "highest_margin_tier",
    "ledger_sensitivity",
    "break_even_multiplier",
]

_TOTAL = "total"
_UNATTRIBUTED_LABEL = "(unattributed)"
_UNKNOWN_LABEL = "(unknown)"
_NOT_SIZES = [_TOTAL, _UNATTRIBUTED_LABEL, _UNKNOWN_LABEL]
#: the money columns of :func:`tier_pnl`, in waterfall order
_TIER_MONEY = ["net_revenue", "discounts", "rebates", "cogs", "gross_margin", "cost_to_serve"]
#: the columns of :func:`top_bottom`
_RANKING_COLUMNS = [
    "customer_id",
    "name",
    "size_tier",
    "net_revenue",
    "gross_margin",
    "cost_to_serve",
    "profit",
    "margin_pct",
    "orders",
]


def _activities_in(ledger: pd.DataFrame) -> list[str]:
    """The costed activities of a ledger, from its ``cts_<activity>`` columns."""
    return [c[4:] for c in ledger.columns if c.startswith("cts_")]


def _label(activity: str) -> str:
    """An activity name as a label: ``sales_visit`` -> ``Sales visit``."""
    return activity.replace("_", " ").capitalize()


def _attributed(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger without the row of lines that have no customer."""
    return ledger.loc[ledger["customer_id"] != UNATTRIBUTED]


# ---- what the ledger is built from ------------------------------------------------------------
def data_notes(processed_dir: Path, config: Mapping[str, Any]) -> list[str]:
    """Sentences saying which inputs of the ledger are missing and what is assumed instead.

    Parameters
    ----------
    processed_dir
        Folder of the canonical Parquet tables.
    config
        The dataset config (its ``cost_to_serve`` defaults are quoted).

    Returns
    -------
    list of str
        One sentence per missing input, or one saying that nothing is missing.
    """
    found = data_sources(processed_dir, config)
    section = config["cost_to_serve"]
    notes = _customer_notes(found["customer_columns"], section)
    if found["activities"] is None:
        notes.append(
            "No activities table: sales visits, telesales calls and support tickets are assumed "
            "from order counts (see the cost-to-serve model below)."
        )
    notes.extend(_ship_mode_notes(processed_dir, config))
    if not notes:
        notes.append(
            "The ledger uses order lines, the customers table (terms, rebates, key accounts, "
            "size) and the activities table (visits, calls, tickets): nothing is missing."
        )
    return notes


def _ship_mode_notes(processed_dir: Path, config: Mapping[str, Any]) -> list[str]:
    """Ship modes of the data that no delivery rate names (costed at the activity's ``rate``)."""
    path = Path(processed_dir) / "order_lines.parquet"
    priced = {str(mode).strip().lower() for mode in costing.delivery_modes(config)}
    if not priced or not path.exists():
        return []
    try:
        lines = pd.read_parquet(path, columns=["ship_mode"])
    except (KeyError, ValueError):  # no ship_mode column
        return []
    modes = {str(mode).strip() for mode in lines["ship_mode"].dropna().unique()}  # distinct first
    unmatched = sorted(mode for mode in modes if mode.lower() not in priced)
    if not unmatched:
        return []
    return [
        f"Ship modes without their own delivery rate (costed at the general delivery rate): "
        f"{', '.join(unmatched)}; the configured modes are {', '.join(sorted(priced))} "
        "(matched ignoring case)."
    ]


def _customer_notes(cols: set[str], section: Mapping[str, Any]) -> list[str]:
    """What is assumed for a missing customers table or its missing columns."""
    rebate = f"{section.get('default_rebate_rate', 0.0):.0%}"
    terms = section.get("default_payment_terms_days")
    if not cols:
        return [
            "No customers table: size tiers come from net revenue bands, names and industries "
            f"are unknown, rebates ({rebate}) and payment terms ({terms} days) are assumed, and "
            "no customer is treated as a key account."
        ]
    assumed = {
        "rebate_rate": f"rebates assumed at {rebate}",
        "payment_terms_days": f"payment terms assumed at {terms} days",
        "key_account": "no customer is treated as a key account",
    }
    return [
        f"The customers table has no {col} column: {what}."
        for col, what in assumed.items()
        if col not in cols
    ]


# ---- the company P&L --------------------------------------------------------------------------
def company_pnl(ledger: pd.DataFrame, model: pd.DataFrame | None = None) -> pd.DataFrame:
    """The company P&L as waterfall steps, from list revenue to profit.

    Parameters
    ----------
    ledger
        The ledger (:func:`helpers.ledger.build_ledger`).
    model
        The cost-to-serve model (:func:`helpers.ledger.cost_model_for`): activities resting on
        an assumption are labelled so (``Telesales call (assumed)``).

    Returns
    -------
    DataFrame
        step : str, the label (list revenue, deductions, totals, each activity's cost to serve)
        amount : float, currency units (deductions negative)
        kind : str, ``total`` or ``change``
        share_of_net_revenue : float, amount / net revenue (NaN when net revenue is 0)
    """
    assumed = assumed_activities(model)
    total = ledger.sum(numeric_only=True)
    rows: list[tuple[str, float, str]] = [
        ("List revenue", total["list_revenue"], _TOTAL),
        ("Discounts", -total["discounts"], "change"),
        ("Rebates", -total["rebates"], "change"),
        ("Net revenue", total["net_revenue"], _TOTAL),
        ("Cost of goods", -total["cogs"], "change"),
        ("Gross margin", total["gross_margin"], _TOTAL),
    ]
    for act in _activities_in(ledger):
        rows.append((activity_label(act, assumed, detail=False), -total[f"cts_{act}"], "change"))
    rows.append(("Profit", total["profit"], _TOTAL))
    pnl = pd.DataFrame(rows, columns=["step", "amount", "kind"])
    net = total["net_revenue"]
    pnl["share_of_net_revenue"] = pnl["amount"] / net if net else np.nan
    return pnl


def plot_waterfall(pnl: pd.DataFrame, ax: Axes | None = None, min_share: float = 0.0) -> Axes:
    """Waterfall of :func:`company_pnl`: totals as full bars, changes as floating bars.

    Parameters
    ----------
    pnl
        :func:`company_pnl`.
    ax
        Axes to draw on (default: a new figure).
    min_share
        Costs to serve smaller than this share of net revenue are merged into one "Other cost
        to serve" bar, so small activities do not crowd the axis.

    Returns
    -------
    Axes
        The waterfall, titled with the share of net revenue that cost to serve takes.
    """
    steps = _merge_small_steps(pnl, min_share) if min_share > 0 else pnl
    ax = plots.new_axes(ax, figsize=(10, 4.8))
    low, high = _draw_steps(ax, steps)
    ax.axhline(0, color="#333333", linewidth=0.8)
    span = (high - low) or 1.0
    # explicit limits: a floating bar's bottom is a sticky edge that would stop ax.margins, and
    # the value labels above the tallest bar need room below the subtitle
    ax.set_ylim(low - (0.05 * span if low < 0 else 0.0), high + 0.14 * span)
    ax.grid(False, axis="x")
    ax.set_xticks(range(len(steps)))
    ax.set_xticklabels(steps["step"], rotation=35, ha="right")
    plots.money_axis(ax)
    ax.set_ylabel("Amount")
    plots.set_finding_title(
        ax, _waterfall_finding(pnl), "Company P&L, list revenue to profit after cost to serve"
    )
    return ax


def _merge_small_steps(pnl: pd.DataFrame, min_share: float) -> pd.DataFrame:
    """The steps with costs to serve below ``min_share`` of net revenue merged into one bar."""
    small = (pnl["kind"] != _TOTAL) & (pnl["share_of_net_revenue"].abs() < min_share)
    small &= pnl.index > pnl.index[pnl["step"] == "Gross margin"][0]
    if small.sum() <= 1:
        return pnl
    other = pd.DataFrame(
        [
            {
                "step": "Other cost to serve",
                "amount": pnl.loc[small, "amount"].sum(),
                "kind": "change",
            }
        ]
    )
    keep = pnl.loc[~small]
    return pd.concat([keep.iloc[:-1], other, keep.iloc[-1:]], ignore_index=True)


def _draw_steps(ax: Axes, steps: pd.DataFrame) -> tuple[float, float]:
    """One bar per step, totals from zero and changes floating from the running level.

    Returns the lowest and highest level a bar reaches (0 included).
    """
    level, low, high = 0.0, 0.0, 0.0
    colors = {"total": plots.PALETTE[0], "down": plots.PALETTE[3], "up": plots.PALETTE[2]}
    for i, row in enumerate(steps.itertuples()):
        if row.kind == _TOTAL:
            bottom, height, color = 0.0, row.amount, colors["total"]
            level = row.amount
        else:
            bottom, height = level, row.amount
            color = colors["down"] if row.amount < 0 else colors["up"]
            level += row.amount
        ax.bar(i, height, bottom=bottom, color=color, width=0.7)
        low, high = min(low, bottom, bottom + height), max(high, bottom, bottom + height)
        ax.annotate(
            plots.format_money(row.amount),
            (i, max(bottom, bottom + height)),
            ha="center",
            va="bottom",
            fontsize=8,
            xytext=(0, 2),
            textcoords="offset points",
        )
    return low, high


def _waterfall_finding(pnl: pd.DataFrame) -> str:
    """The waterfall's title: what cost to serve takes and what profit is of net revenue."""
    total = pnl.set_index("step")["amount"]
    net, profit = total.get("Net revenue", np.nan), total.get("Profit", np.nan)
    cts = total.get("Gross margin", np.nan) - profit
    if not (np.isfinite(net) and net > 0 and np.isfinite(profit)):
        return "Company P&L from list revenue to profit"
    if pnl["step"].str.contains("(assumed)", regex=False).any():  # say which profit this is
        return (
            f"Cost to serve takes {cts / net:.0%} of net revenue, part of it assumed; profit "
            f"with the assumed amounts is {profit / net:.1%} of it"
        )
    return f"Cost to serve takes {cts / net:.0%} of net revenue; profit is {profit / net:.1%} of it"


# ---- P&L by size tier and by customer ---------------------------------------------------------
def tier_pnl(ledger: pd.DataFrame) -> pd.DataFrame:
    """P&L per size tier, plus the unattributed row (if any) and the total.

    Parameters
    ----------
    ledger
        The ledger (:func:`helpers.ledger.build_ledger`).

    Returns
    -------
    DataFrame
        size_tier : str, the tier label, ``(unattributed)``, ``(unknown)`` or ``total``
        net_revenue, discounts, rebates, cogs, gross_margin, cost_to_serve, profit : float,
        currency units
        customers, loss_making : int, customers and those with a negative profit
        margin_pct, cost_to_serve_pct : float, profit and cost to serve / net revenue
        share_of_net_revenue, share_of_profit : float, the tier's share of the total (NaN
        when the total is not positive and material, :func:`helpers.results.share_of`)
    """
    attributed = ledger["customer_id"] != UNATTRIBUTED
    frame = ledger.assign(
        tier=ledger["size_tier"]
        .astype("object")
        .where(attributed, _UNATTRIBUTED_LABEL)
        .fillna(_UNKNOWN_LABEL),
        loss=(ledger["profit"] < 0) & attributed,
        one=attributed.astype(int),
    )
    cols = [*_TIER_MONEY, "profit"]
    by = frame.groupby("tier", sort=False)[[*cols, "one", "loss"]].sum()
    labels = [t for t in ledger["size_tier"].cat.categories if t in by.index]
    extra = [t for t in by.index if t not in labels]
    by = by.loc[labels + extra]
    by.loc[_TOTAL] = by.sum()
    out = by.rename(columns={"one": "customers", "loss": "loss_making"})
    out["customers"] = out["customers"].astype(int)
    out["loss_making"] = out["loss_making"].astype(int)
    net = out["net_revenue"].where(out["net_revenue"] != 0)
    out["margin_pct"] = out["profit"] / net
    out["cost_to_serve_pct"] = out["cost_to_serve"] / net
    for what in ("net_revenue", "profit"):  # material against every customer's own amount
        shares = [share_of(value, ledger[what]) for value in out[what]]
        out[f"share_of_{what}"] = pd.Series(shares, index=out.index, dtype="float64")
    out.index.name = "size_tier"
    return out.reset_index()


def top_bottom(ledger: pd.DataFrame, n: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``n`` most and the ``n`` least profitable customers (unattributed lines excluded).

    Parameters
    ----------
    ledger
        The ledger (:func:`helpers.ledger.build_ledger`).
    n
        Customers in each table.

    Returns
    -------
    tuple of DataFrame
        The most profitable first, then the least profitable (most negative first), each with
        customer_id, name, size_tier, net_revenue, gross_margin, cost_to_serve, profit
        (currency units), margin_pct (profit / net revenue) and orders.
    """
    led = _attributed(ledger)[_RANKING_COLUMNS]
    most = led.sort_values(["profit", "customer_id"], ascending=[False, True]).head(n)
    least = led.sort_values(["profit", "customer_id"], ascending=[True, True]).head(n)
    return most.reset_index(drop=True), least.reset_index(drop=True)


def customer_pnl(ledger: pd.DataFrame) -> pd.DataFrame:
    """Every customer's P&L, most profitable first (the ``customer_pnl`` export).

    Parameters
    ----------
    ledger
        The ledger (:func:`helpers.ledger.build_ledger`).

    Returns
    -------
    DataFrame
        customer_id, name, size_tier, industry, region, key_account (those present), the
        :data:`~helpers.schema.LEDGER_MEASURES` (money in currency units) and ``cts_<activity>``
        (cost to serve by activity, currency units).
    """
    cols = [
        "customer_id",
        "name",
        "size_tier",
        "industry",
        "region",
        "key_account",
        *LEDGER_MEASURES,
        *[c for c in ledger.columns if c.startswith("cts_")],
    ]
    cols = [c for c in dict.fromkeys(cols) if c in ledger]
    return ledger[cols].sort_values("profit", ascending=False, kind="stable").reset_index(drop=True)


def plot_tier_shares(tiers: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Each size tier's share of net revenue next to its share of profit.

    Parameters
    ----------
    tiers
        :func:`tier_pnl`.
    ax
        Axes to draw on (default: a new figure).

    Returns
    -------
    Axes
        Paired bars per tier, titled with the tier that earns the largest share of profit.
    """
    ax = plots.new_axes(ax)
    shown = tiers[~tiers["size_tier"].isin([_TOTAL])].reset_index(drop=True)
    x = np.arange(len(shown))
    width = 0.38
    ax.bar(x - width / 2, 100 * shown["share_of_net_revenue"], width, label="share of net revenue",
           color=plots.PALETTE[0])  # fmt: skip
    ax.bar(x + width / 2, 100 * shown["share_of_profit"], width, label="share of profit",
           color=plots.PALETTE[1])  # fmt: skip
    ax.axhline(0, color="#333333", linewidth=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels(shown["size_tier"].astype(str))
    plots.percent_axis(ax)
    ax.legend(frameon=False)
    finding = _tier_title(shown)
    plots.set_finding_title(
        ax, finding, "Share of net revenue and of profit after cost to serve, by size tier"
    )
    return ax


def _tier_title(shown: pd.DataFrame) -> str:
    """The tier figure's finding: the tier with the highest margin (the page's tier verdict)."""
    tiers = shown.loc[(shown["customers"] > 0) & ~shown["size_tier"].isin(_NOT_SIZES)]
    tiers = tiers.dropna(subset=["margin_pct"])
    if len(tiers) < 2:
        return "Share of net revenue and of profit by size tier"
    top = tiers.loc[tiers["margin_pct"].idxmax()]
    title = (
        f"{str(top['size_tier']).capitalize()} customers earn the highest margin "
        f"({top['margin_pct']:.1%} of net revenue)"
    )
    if tiers["margin_pct"].max() < 0:
        title = (
            f"Every size tier loses money; {top['size_tier']} customers lose the least "
            f"({top['margin_pct']:.1%} of net revenue)"
        )
    if pd.notna(top["share_of_profit"]):
        title += (
            f": {top['share_of_profit']:.0%} of profit from "
            f"{top['share_of_net_revenue']:.0%} of net revenue"
        )
    return title


# ---- the notebook's record --------------------------------------------------------------------
def ledger_metrics(ledger: pd.DataFrame) -> dict[str, Any]:
    """Headline numbers of the ledger for ``metrics.json``, at the lead level and at each level.

    Parameters
    ----------
    ledger
        The ledger (:func:`helpers.ledger.build_ledger`).

    Returns
    -------
    dict
        ``total_<measure>`` (currency units, rounded to the cent; ``total_revenue`` is net
        revenue), profit_margin and cost_to_serve_share (shares of net revenue, None without
        it), customers, loss_making_customers and loss_making_share (unattributed row
        excluded), unattributed_net_revenue, orders and lines; the profit figures
        (total_cost_to_serve, total_profit, profit_margin, cost_to_serve_share, loss_making_*)
        at the ``lead_level`` (:func:`helpers.ledger.levels.lead_level`); one dict per level of
        :func:`helpers.ledger.levels.levels_in` (``data``, ``measured``, ``with_assumptions``)
        with those profit figures at that level; ``loss_making_verdict`` (at the lead level),
        ``sensitivity`` (verdict name -> :func:`helpers.ledger.levels.verdict_range`, empty
        when nothing is assumed) and ``break_even_multiplier`` (the multiplier of the assumed
        amounts at which company profit is zero, None when nothing is assumed or the company
        loses money without them).
    """
    total = ledger.sum(numeric_only=True)
    unattr = ledger.loc[ledger["customer_id"] == UNATTRIBUTED, "net_revenue"].sum()
    net = float(total["net_revenue"])
    out: dict[str, Any] = {
        "total_revenue": round(net, 2),
        "total_net_revenue": round(net, 2),
        "total_list_revenue": round(float(total["list_revenue"]), 2),
        "total_discounts": round(float(total["discounts"]), 2),
        "total_rebates": round(float(total["rebates"]), 2),
        "total_cogs": round(float(total["cogs"]), 2),
        "total_gross_margin": round(float(total["gross_margin"]), 2),
        "unattributed_net_revenue": round(float(unattr), 2),
        "orders": int(total["orders"]),
        "lines": int(total["lines"]),
    }
    lead = levels.lead_level(ledger)
    lead_ledger = levels.at_level(ledger, lead)
    out.update(headline.level_totals(lead_ledger))
    out["lead_level"] = lead
    for level in levels.levels_in(ledger):
        out[level] = headline.level_totals(levels.at_level(ledger, level))
    out["loss_making_verdict"] = loss_making_verdict(lead_ledger)
    out["sensitivity"] = ledger_sensitivity(ledger)
    out["break_even_multiplier"] = break_even_multiplier(ledger)
    return json_safe(out)


def ledger_findings(ledger: pd.DataFrame, model: pd.DataFrame | None = None) -> list[str]:
    """Computed sentences on the ledger: loss makers at each level, profit, activities, tiers.

    Parameters
    ----------
    ledger
        The ledger (:func:`helpers.ledger.build_ledger`).
    model
        The cost-to-serve model (:func:`helpers.ledger.cost_model_for`), to label the
        activities resting on assumptions and say which drivers were measured, derived or
        assumed.

    Returns
    -------
    list of str
        The finding sentences, in reading order: first the loss-making customers at the lead
        level (naming it) and at the other levels, then how far the assumed amounts must move
        to flip that verdict, profit at each level, the largest cost to serve (assumed ones
        labelled), the size tiers and the unattributed lines; one sentence saying so when the
        ledger is empty.
    """
    if ledger.empty:
        return ["No order lines or activities fall in the period: the ledger is empty."]
    out = headline.loss_sentences(ledger)
    out += headline.profit_sentences(ledger)
    out += headline.activity_sentences(ledger, assumed_activities(model), model is not None)
    out += headline.tier_sentences(ledger)
    unattributed = ledger.loc[ledger["customer_id"] == UNATTRIBUTED, "net_revenue"].sum()
    if unattributed:
        out.append(
            "Order lines without a customer bring "
            f"{plots.format_money(unattributed)} of net revenue; they keep a row of their own "
            "so totals reconcile."
        )
    if model is not None:
        out.append(costing.describe_sources(model))
    return out
