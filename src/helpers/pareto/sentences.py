"""The finding sentences of the 80/20 analysis: concentration of revenue and profit, the whale."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from helpers import plots
from helpers.pareto.curves import _tag
from helpers.results import pct

__all__: list[str] = []


def _ci(metrics: Mapping[str, Any], key: str, scale: Callable[[float], str] = pct) -> str:
    """`` [lo-hi%]`` from ``<key>_ci_low`` and ``<key>_ci_high``, or "" without them."""
    low, high = metrics.get(f"{key}_ci_low"), metrics.get(f"{key}_ci_high")
    return "" if low is None or high is None else f" [{scale(low).rstrip('%')}-{scale(high)}]"


def _pct100(value: float) -> str:
    """A percentage already in % (128.3 -> "128%"; one decimal below 10%)."""
    return f"{value:.0f}%" if abs(value) >= 10 else f"{value:.1f}%"


def _pareto_sentences(metrics: Mapping[str, Any], settings: Mapping[str, Any]) -> list[str]:
    """Concentration in words: revenue, profit of the same customers, Gini, customers needed."""
    spec = settings["pareto"]
    if not metrics["customers"]:
        return ["No customer has sales in the period: nothing to rank."]
    top = float(spec["top_share"])
    head, tops = _tag(top), f"top {top:.0%}"
    revenue, profit = f"{head}_revenue_share", f"{head}_by_revenue_profit_share"
    concentrated = (metrics[revenue] or 0) >= float(spec["rule_share"])
    out = [
        f"Revenue is {'concentrated' if concentrated else 'spread'}: the {tops} of customers "
        f"bring {pct(metrics[revenue])}{_ci(metrics, revenue)} of revenue."
    ]
    margins = (
        f"at a margin of {pct(metrics[f'{head}_by_revenue_margin'])} against "
        f"{pct(metrics['rest_by_revenue_margin'])} for the rest"
    )
    same = f"the same customers bring {pct(metrics[profit])}{_ci(metrics, profit)} of profit"
    if metrics[profit] is None:
        out.append("The company makes no profit overall, so no share of profit is meaningful.")
    elif metrics["rule_holds_for_profit"]:
        out.append(f"The 80/20 rule holds for profit too: {same}, {margins}.")
    else:
        out.append(f"Profit is less concentrated: {same}, {margins}: volume overstates value.")
    return [*out, *_spread_sentences(metrics, spec)]


def _spread_sentences(metrics: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str]:
    """Gini of revenue and profit, customers needed for the target share, unattributed lines."""
    out = []
    gini_revenue, gini_profit = metrics.get("gini_revenue"), metrics.get("gini_profit")
    if gini_revenue is not None and gini_profit is not None:
        out.append(
            f"Gini coefficient: {gini_revenue:.2f} for revenue, {gini_profit:.2f} for profit"
            + (" (above 1: some customers lose money)." if gini_profit > 1 else ".")
        )
    target = round(100 * float(spec["target_share"]))
    keys = {
        measure["label"].lower(): f"customers_for_{target}pct_{measure['name']}_share"
        for measure in spec["measures"].values()
    }
    parts = [
        f"{pct(metrics[k])} for {label}" for label, k in keys.items() if metrics.get(k) is not None
    ]
    if parts:
        out.append(f"Customers needed for {target}% of the total: " + ", ".join(parts) + ".")
    if metrics["unattributed_net_revenue"]:
        out.append(
            "Lines without a customer hold "
            f"{plots.format_money(metrics['unattributed_net_revenue'])} of net revenue "
            f"({pct(metrics['unattributed_revenue_share'])}), left out of these shares."
        )
    return out


def _whale_sentences(whale: Mapping[str, Any], settings: Mapping[str, Any]) -> list[str]:
    """The whale curve in words: its peak and hump, the loss makers, the reference band."""
    reference = settings["whale"]
    if not whale["customers"]:
        return []
    if whale["peak_profit_pct"] is None:
        return [
            f"The company makes a loss overall ({plots.format_money(whale['total_profit'])}): the "
            f"whale curve has no share of profit to show; {whale['loss_making_customers']:,} of "
            f"{whale['customers']:,} customers lose money."
        ]
    band = _tag(float(reference["reference_top_share"]))
    low, high = whale["reference_band_low_pct"], whale["reference_band_high_pct"]
    peak_share, peak_pct = whale["peak_share_of_customers"], whale["peak_profit_pct"]
    hump = (
        f"give {_pct100(peak_pct - 100)} of it back."
        if peak_pct > 100.5
        else "add or lose almost nothing: the curve has no hump."
    )
    inside = "inside" if whale["in_reference_band"] else "outside"
    return [
        f"The most profitable {pct(peak_share)}{_ci(whale, 'peak_share_of_customers')} of "
        f"customers earn {_pct100(peak_pct)}{_ci(whale, 'peak_profit_pct', _pct100)} of total "
        f"profit; the other {pct(1 - peak_share)} " + hump,
        f"{whale['loss_making_customers']:,} of {whale['customers']:,} customers "
        f"({pct(whale['loss_making_share'])}{_ci(whale, 'loss_making_share')}) lose money, "
        f"destroying {plots.format_money(whale['profit_destroyed'])} "
        f"({_pct100(whale['profit_destroyed_pct'])} of total profit); "
        f"{whale['break_even_customers']:,} customers roughly break even.",
        f"The most profitable {float(reference['reference_top_share']):.0%} earn "
        f"{pct(whale[f'{band}_profit_share'])} of profit, {inside} the {low:.0f}-{high:.0f}% "
        f"band reported by activity-based costing studies ({reference['reference_source']}; a "
        "reference, not a target).",
    ]
