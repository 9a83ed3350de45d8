"""The ledger's headline at each level of profit: who loses money, the verdict and how it moves.

The levels are those of :mod:`helpers.ledger.levels` (the margin the data gives, after the cost
to serve the data counts, with the assumed amounts). The headline verdict of the ledger page is
decided once, by :func:`loss_making_verdict` (more than a fifth of customers lose money, or at
most a fifth); :func:`ledger_sensitivity` says over which multipliers of the assumed amounts it
holds and where it flips, and :func:`break_even_multiplier` where the company as a whole stops
making money.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from helpers import plots
from helpers.ledger import levels
from helpers.results import json_float, share_of
from helpers.schema import UNATTRIBUTED

__all__ = [
    "LOSS_SHARE_THRESHOLD",
    "MIN_CUSTOMERS_FOR_SHARES",
    "assumed_activities",
    "activity_label",
    "level_words",
    "level_totals",
    "level_pnl",
    "loss_making_verdict",
    "highest_margin_tier",
    "ledger_sensitivity",
    "break_even_multiplier",
    "loss_sentences",
]

#: the loss-making verdict's line: "more than a fifth" of customers lose money, or "at most a
#: fifth" (a whale curve typically shows a fifth or more of customers destroying profit)
LOSS_SHARE_THRESHOLD = 0.2
_MORE, _AT_MOST = "more than a fifth", "at most a fifth"
#: fewer customers than this: no sentence on how the share of loss makers moves (too few to
#: speak of a share)
MIN_CUSTOMERS_FOR_SHARES = 5
_NOTHING_ASSUMED = "after the full cost to serve (nothing in it is assumed)"
#: tiers that are not sizes: lines without a customer, customers without a tier
_NOT_TIERS = {"(unattributed)", "(unknown)", "total"}


def _customers(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger without the row of lines that have no customer."""
    return ledger.loc[ledger["customer_id"] != UNATTRIBUTED]


def _assumed_total(ledger: pd.DataFrame) -> float:
    """The cost resting on assumptions (assumed drivers or default rates), currency units."""
    if "assumed_amount" not in ledger:
        return 0.0
    return float(ledger["assumed_amount"].astype("float64").abs().sum())


def level_words(ledger: pd.DataFrame, level: str) -> str:
    """How a sentence names a level of this ledger (e.g. "on the margin the data gives").

    Parameters
    ----------
    ledger : pandas.DataFrame
        A customer ledger (:func:`helpers.ledger.build_ledger`).
    level : str
        One of :data:`helpers.ledger.levels.LEVELS`.

    Returns
    -------
    str
        :data:`helpers.ledger.levels.LEVEL_WORDS`, except that the complete level of a ledger
        with nothing assumed is "after the full cost to serve (nothing in it is assumed)".
    """
    if level == "with_assumptions" and _assumed_total(ledger) <= 0.005:
        return _NOTHING_ASSUMED
    return levels.LEVEL_WORDS[level]


def level_totals(ledger: pd.DataFrame) -> dict[str, Any]:
    """The headline numbers of a ledger at one level (:func:`helpers.ledger.levels.at_level`).

    Parameters
    ----------
    ledger : pandas.DataFrame
        A ledger whose cost_to_serve and profit are those of one level.

    Returns
    -------
    dict
        total_cost_to_serve and total_profit (currency units, rounded to the cent),
        profit_margin and cost_to_serve_share (shares of net revenue; None without net
        revenue), customers, loss_making_customers and loss_making_share (None without
        customers), the unattributed row left out of the counts.
    """
    total = ledger[["net_revenue", "cost_to_serve", "profit"]].astype("float64").sum()
    customers = _customers(ledger)
    loss = int((customers["profit"] < 0).sum())
    net = float(total["net_revenue"])
    return {
        "total_cost_to_serve": round(float(total["cost_to_serve"]), 2),
        "total_profit": round(float(total["profit"]), 2),
        "profit_margin": json_float(total["profit"] / net) if net else None,
        "cost_to_serve_share": json_float(total["cost_to_serve"] / net) if net else None,
        "customers": int(len(customers)),
        "loss_making_customers": loss,
        "loss_making_share": loss / len(customers) if len(customers) else None,
    }


def level_pnl(ledger: pd.DataFrame) -> pd.DataFrame:
    """The company P&L at each level the ledger supports, side by side.

    Parameters
    ----------
    ledger : pandas.DataFrame
        A customer ledger (:func:`helpers.ledger.build_ledger`).

    Returns
    -------
    pandas.DataFrame
        One column per level of :func:`helpers.ledger.levels.levels_in` (named by the level),
        rows: net revenue, gross margin, cost to serve, profit (currency units), profit margin
        and cost to serve as a share of net revenue (0-1), customers and loss-making customers
        (counts) and their share (0-1).
    """
    rows = {
        "net revenue": lambda led, t: float(led["net_revenue"].sum()),
        "gross margin": lambda led, t: float(led["gross_margin"].sum()),
        "cost to serve": lambda led, t: t["total_cost_to_serve"],
        "profit": lambda led, t: t["total_profit"],
        "profit margin (share of net revenue)": lambda led, t: t["profit_margin"],
        "cost to serve (share of net revenue)": lambda led, t: t["cost_to_serve_share"],
        "customers": lambda led, t: t["customers"],
        "loss-making customers": lambda led, t: t["loss_making_customers"],
        "loss-making share": lambda led, t: t["loss_making_share"],
    }
    columns = {}
    for level in levels.levels_in(ledger):
        at = levels.at_level(ledger, level)
        totals = level_totals(at)
        columns[level] = [pick(at, totals) for pick in rows.values()]
    out = pd.DataFrame(columns, index=list(rows), dtype="object")
    out.index.name = "company P&L"
    return out


def assumed_activities(model: pd.DataFrame | None) -> dict[str, str]:
    """The activities whose cost rests on an assumption, and what is assumed.

    Parameters
    ----------
    model : pandas.DataFrame or None
        The cost-to-serve model (:func:`helpers.ledger.cost_model_for`: ``source`` and, where
        present, ``rate_source``).

    Returns
    -------
    dict
        Activity -> ``"assumed driver and default rate"``, ``"assumed driver"`` or
        ``"default rate"``; activities resting on no assumption are left out (empty without a
        model).
    """
    if model is None or model.empty:
        return {}
    out = {}
    for row in model.to_dict("records"):
        driver = row.get("source") == "assumed"
        rate = "assumed" in str(row.get("rate_source", ""))
        if driver or rate:
            what = [w for w, flag in (("assumed driver", driver), ("default rate", rate)) if flag]
            out[str(row["activity"])] = " and ".join(what)
    return out


def activity_label(activity: str, assumed: Mapping[str, str], detail: bool = True) -> str:
    """An activity's label, with what is assumed: ``Telesales call (assumed: assumed driver)``.

    Parameters
    ----------
    activity : str
        The activity's name (``telesales_call``).
    assumed : Mapping
        :func:`assumed_activities`.
    detail : bool
        False for the short label ``Telesales call (assumed)`` (an axis, a table's step).

    Returns
    -------
    str
        The label, ``(assumed: ...)`` or ``(assumed)`` appended for an assumed activity.
    """
    label = activity.replace("_", " ").capitalize()
    if activity not in assumed:
        return label
    return f"{label} (assumed: {assumed[activity]})" if detail else f"{label} (assumed)"


# ---- the verdicts, decided once ---------------------------------------------------------------
def loss_making_verdict(ledger: pd.DataFrame) -> str:
    """Whether more than a fifth of customers lose money: the ledger page's verdict.

    Parameters
    ----------
    ledger : pandas.DataFrame
        A ledger at one level or multiplier.

    Returns
    -------
    str
        ``"more than a fifth"`` or ``"at most a fifth"`` (:data:`LOSS_SHARE_THRESHOLD`);
        ``"no customers"`` without any.
    """
    customers = _customers(ledger)
    if customers.empty:
        return "no customers"
    share = float((customers["profit"] < 0).mean())
    return _MORE if share > LOSS_SHARE_THRESHOLD else _AT_MOST


def highest_margin_tier(ledger: pd.DataFrame) -> str | None:
    """The size tier with the highest profit margin (profit / net revenue), if two tiers compare.

    Parameters
    ----------
    ledger : pandas.DataFrame
        A ledger at one level or multiplier.

    Returns
    -------
    str or None
        The tier's label; None when fewer than two tiers hold customers with net revenue.
    """
    if "size_tier" not in ledger or _customers(ledger).empty:
        return None
    margins = _tier_margins(ledger)
    return str(margins["margin"].idxmax()) if len(margins) >= 2 else None


def ledger_sensitivity(ledger: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Over which multipliers of the assumed amounts each headline verdict holds.

    Parameters
    ----------
    ledger : pandas.DataFrame
        A customer ledger with ``assumed_amount``.

    Returns
    -------
    dict
        ``loss_making`` (:func:`loss_making_verdict`) and ``highest_margin_tier``
        (:func:`highest_margin_tier`) -> :func:`helpers.ledger.levels.verdict_range`; empty
        when nothing is assumed (no multiplier changes anything).
    """
    if _assumed_total(ledger) <= 0.005 or _customers(ledger).empty:
        return {}
    return {
        "loss_making": levels.verdict_range(ledger, loss_making_verdict),
        "highest_margin_tier": levels.verdict_range(ledger, highest_margin_tier),
    }


def break_even_multiplier(ledger: pd.DataFrame) -> float | None:
    """The multiplier of the assumed amounts at which the company's profit is zero.

    Profit at multiplier k is profit at 1x minus (k - 1) x the assumed amount, so it is zero at
    k = 1 + profit / assumed amount.

    Parameters
    ----------
    ledger : pandas.DataFrame
        A customer ledger with ``assumed_amount`` (currency units).

    Returns
    -------
    float or None
        The multiplier (>= 0); None when nothing is assumed or when the company loses money
        even without the assumed amounts.
    """
    assumed = float(ledger["assumed_amount"].astype("float64").sum()) if len(ledger) else 0.0
    if assumed <= 0.005:
        return None
    k = 1.0 + float(ledger["profit"].astype("float64").sum()) / assumed
    return round(k, 2) if k >= 0 else None


# ---- sentences --------------------------------------------------------------------------------
def _other_levels(ledger: pd.DataFrame, lead: str) -> list[str]:
    """The levels besides the lead one whose profit differs from it (same numbers shown once)."""
    lead_profit = levels.at_level(ledger, lead)["profit"]
    return [
        level
        for level in levels.levels_in(ledger)
        if level != lead
        and (levels.at_level(ledger, level)["profit"] - lead_profit).abs().sum() > 0.005
    ]


def loss_sentences(ledger: pd.DataFrame) -> list[str]:
    """Who loses money at each level, led by the lead level, and how the verdict moves.

    Parameters
    ----------
    ledger : pandas.DataFrame
        A customer ledger (:func:`helpers.ledger.build_ledger`).

    Returns
    -------
    list of str
        First: the loss makers at the lead level, then at the other levels ("155 of 793
        customers (19.5%) lose money on the margin the data gives, before any cost to serve; 233
        (29.4%) with the assumed cost-to-serve amounts"); then, when amounts are assumed and
        there are at least :data:`MIN_CUSTOMERS_FOR_SHARES` customers, how far they must move
        to flip the verdict and where the company breaks even. Empty without customers.
    """
    if _customers(ledger).empty:
        return []
    lead = levels.lead_level(ledger)
    totals = {
        lv: level_totals(levels.at_level(ledger, lv)) for lv in [lead, *_other_levels(ledger, lead)]
    }
    first = totals[lead]
    noun = "customer" if first["customers"] == 1 else "customers"
    verb = "loses" if first["loss_making_customers"] == 1 else "lose"
    parts = [
        f"{first['loss_making_customers']:,} of {first['customers']:,} {noun} "
        f"({first['loss_making_share']:.1%}) {verb} money {level_words(ledger, lead)}"
    ]
    parts += [
        f"{t['loss_making_customers']:,} ({t['loss_making_share']:.1%}) {level_words(ledger, lv)}"
        for lv, t in totals.items()
        if lv != lead
    ]
    out = ["; ".join(parts) + "."]
    if first["customers"] >= MIN_CUSTOMERS_FOR_SHARES:
        out += _sensitivity_sentences(ledger)
    return out


def _flip_words(flip: float | None, verdict: Any, side: str) -> str:
    """``at 0.40x at most a fifth do`` for one side of a verdict range ("" without a flip)."""
    if flip is None:
        return ""
    return f"{side} {flip:.2f}x {verdict} of customers would lose money"


def _sensitivity_sentences(ledger: pd.DataFrame) -> list[str]:
    """How far the assumed amounts must move to flip the loss-making verdict; the break-even."""
    sensitivity = ledger_sensitivity(ledger)
    if "loss_making" not in sensitivity:
        return []
    verdict = sensitivity["loss_making"]
    flips = [
        _flip_words(verdict["flips_below"], verdict["flips_to_below"], "at"),
        _flip_words(verdict["flips_above"], verdict["flips_to_above"], "at"),
    ]
    flips = [f for f in flips if f]
    sentence = (
        f"With the assumed amounts as they stand (1x), {verdict['verdict']} of customers lose "
        f"money; that holds while the assumed amounts stay between {verdict['holds_from']:.2f}x "
        f"and {verdict['holds_to']:.2f}x"
    )
    sentence += f" ({'; '.join(flips)})." if flips else ", the whole range tested (0x-3x)."
    out = [sentence]
    k = break_even_multiplier(ledger)
    assumed = float(ledger["assumed_amount"].astype("float64").sum())
    if k is not None:
        out.append(
            f"The company as a whole breaks even when the assumed amounts "
            f"({plots.format_money(assumed)} at 1x) are {k:.2f}x what they are now."
        )
    elif float(ledger["profit"].sum()) + assumed < 0:
        out.append(
            "The company loses money even with none of the assumed amounts: the loss does not "
            "rest on assumptions."
        )
    return out


def _margin(profit: float, net: float) -> str:
    """`` (12.5% of net revenue)`` or "" without positive net revenue."""
    return f" ({profit / net:.1%} of net revenue)" if net > 0 else ""


def _of_net(profit: float, net: float) -> str:
    """``, 12.5% of 2.3M of net revenue,`` or ``on 2.3M of net revenue`` without a share."""
    if net > 0:
        return f", {profit / net:.1%} of {plots.format_money(net)} of net revenue,"
    return f" on {plots.format_money(net)} of net revenue"


def profit_sentences(ledger: pd.DataFrame) -> list[str]:
    """Customer profit at the lead level, then at the other levels the ledger supports.

    Parameters
    ----------
    ledger : pandas.DataFrame
        A customer ledger (:func:`helpers.ledger.build_ledger`).

    Returns
    -------
    list of str
        "Customer profit is 286k, 12.5% of 2.3M of net revenue, on the margin the data gives
        (no cost to serve); discounts and rebates took 567k." and one sentence for the other
        levels.
    """
    lead = levels.lead_level(ledger)
    net = float(ledger["net_revenue"].sum())
    deductions = float(ledger["discounts"].sum() + ledger["rebates"].sum())
    totals = {
        lv: level_totals(levels.at_level(ledger, lv)) for lv in [lead, *_other_levels(ledger, lead)]
    }
    cost = totals[lead]["total_cost_to_serve"]
    took = f"discounts and rebates took {plots.format_money(deductions)}"
    if cost:
        took += f" and cost to serve {plots.format_money(cost)}"
    out = [
        f"Customer profit is {plots.format_money(totals[lead]['total_profit'])}"
        f"{_of_net(totals[lead]['total_profit'], net)} {level_words(ledger, lead)}; {took}."
    ]
    others = [
        f"{plots.format_money(t['total_profit'])}{_margin(t['total_profit'], net)} "
        f"{level_words(ledger, lv)}"
        + (
            f" ({plots.format_money(t['total_cost_to_serve'])} of cost to serve)"
            if lv != "data"
            else ""
        )
        for lv, t in totals.items()
        if lv != lead
    ]
    if others:
        out.append(f"At the other levels, customer profit is {'; '.join(others)}.")
    return out


def activity_sentences(
    ledger: pd.DataFrame, assumed: Mapping[str, str], model_known: bool = True
) -> list[str]:
    """The largest cost to serve, labelled when it rests on an assumption.

    Parameters
    ----------
    ledger : pandas.DataFrame
        A customer ledger (its ``cts_<activity>`` columns).
    assumed : Mapping
        :func:`assumed_activities` of the cost-to-serve model.
    model_known : bool
        False when no cost-to-serve model was given: then which activities are assumed is not
        known, and the sentence says where to look.

    Returns
    -------
    list of str
        The largest activity with its share of cost to serve; when it is assumed, also the
        largest one resting on no assumption. Empty without cost to serve.
    """
    costs = {c[4:]: float(ledger[c].sum()) for c in ledger.columns if c.startswith("cts_")}
    total = sum(costs.values())
    if not costs or total <= 0:
        return []
    biggest = max(costs, key=lambda a: costs[a])
    text = (
        f"The largest cost to serve is {activity_label(biggest, assumed).lower()}: "
        f"{plots.format_money(costs[biggest])} ({costs[biggest] / total:.0%} of cost to serve)"
    )
    counted = {a: v for a, v in costs.items() if a not in assumed and v > 0}
    if biggest in assumed and counted:
        second = max(counted, key=lambda a: counted[a])
        text += (
            f"; the largest resting on no assumption is {activity_label(second, {}).lower()}: "
            f"{plots.format_money(counted[second])} ({counted[second] / total:.0%})"
        )
    elif biggest in assumed:
        text += "; every activity rests on an assumed driver or a default rate"
    elif not model_known and _assumed_total(ledger) > 0.005:
        text += " (the cost-to-serve model says which activities rest on assumptions)"
    return [text + "."]


def _tier_margins(ledger: pd.DataFrame) -> pd.DataFrame:
    """Profit, net revenue and margin per size tier with customers and net revenue."""
    customers = _customers(ledger)
    tier = customers["size_tier"].astype("object")
    sums = customers.groupby(tier, dropna=True)[["profit", "net_revenue"]].sum()
    sums = sums.loc[(sums["net_revenue"] > 0) & ~sums.index.isin(_NOT_TIERS)]
    return sums.assign(margin=sums["profit"] / sums["net_revenue"])


def tier_sentences(ledger: pd.DataFrame) -> list[str]:
    """The size tiers with the highest and lowest margin at the lead level; where levels differ.

    Parameters
    ----------
    ledger : pandas.DataFrame
        A customer ledger with ``size_tier``.

    Returns
    -------
    list of str
        The tier verdict (:func:`highest_margin_tier`) with both margins and, where the total is
        positive and material, the shares of profit; "every size tier loses money" when all
        margins are negative; a sentence naming the levels where another tier leads; one saying
        that sizes cannot be compared when a single tier holds every customer.
    """
    if "size_tier" not in ledger or _customers(ledger).empty:
        return []
    lead = levels.lead_level(ledger)
    at_lead = levels.at_level(ledger, lead)
    margins = _tier_margins(at_lead)
    if len(margins) == 1:
        return [
            f"Every customer falls in one size tier ({margins.index[0]}): comparisons between "
            "sizes are not applicable."
        ]
    if len(margins) < 2:
        return []
    out = [
        _tier_verdict_sentence(margins, _customers(at_lead)["profit"], level_words(ledger, lead))
    ]
    best = str(margins["margin"].idxmax())
    other = {
        lv: highest_margin_tier(levels.at_level(ledger, lv)) for lv in levels.levels_in(ledger)
    }
    differ = [
        f"{tier} customers {level_words(ledger, lv)}"
        for lv, tier in other.items()
        if lv != lead and tier is not None and tier != best
    ]
    if differ:
        out.append(f"Another tier earns the highest margin at another level: {'; '.join(differ)}.")
    return out


def _tier_verdict_sentence(margins: pd.DataFrame, profits: pd.Series, words: str) -> str:
    """The tiers with the highest and the lowest margin, with their shares of a material profit."""
    best, worst = margins["margin"].idxmax(), margins["margin"].idxmin()

    def part(tier: str) -> str:
        share = share_of(margins.loc[tier, "profit"], profits)
        text = f"{margins.loc[tier, 'margin']:.1%} of net revenue"
        return text + (f", {share:.0%} of profit" if share is not None else "")

    if margins["margin"].max() < 0:
        return (
            f"Every size tier loses money {words}: {best} customers lose the least "
            f"({part(best)}) and {worst} customers the most ({part(worst)})."
        )
    return (
        f"By size tier, {words}, {best} customers earn the highest profit margin ({part(best)}) "
        f"and {worst} customers the lowest ({part(worst)})."
    )
