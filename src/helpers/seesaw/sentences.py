"""The seesaw's finding sentences, worded by its verdicts (tilt, highest-margin tier)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from helpers.ledger import levels
from helpers.results import sentence_money as _money
from helpers.results import sentence_pct as _percent
from helpers.seesaw import verdicts

__all__ = ["seesaw_findings"]


def _margin(pct_value: float | None) -> str:
    """A margin already in % with one decimal, never "-0.0%"."""
    return "n/a" if pct_value is None else _percent(pct_value / 100, decimals=1)


def _points(value: float | None) -> str:
    """A slope in margin points: 0.034 -> "3.4 points" (sign dropped)."""
    return "n/a" if value is None else f"{abs(100 * value):.1f} points"


def _interval(metrics: Mapping[str, Any], key: str) -> str:
    """`` [-4.1 to -2.0]``: the key's interval in points, or "" without one."""
    low, high = metrics.get(f"{key}_ci_low"), metrics.get(f"{key}_ci_high")
    if low is None or high is None:
        return ""
    return f" [{100 * low:+.1f} to {100 * high:+.1f}]".replace("-0.0 ", "+0.0 ").replace(
        "-0.0]", "+0.0]"
    )


def _direction(metrics: Mapping[str, Any], key: str) -> str:
    """Rises, falls, or barely changes when the interval holds zero."""
    low, high = metrics.get(f"{key}_ci_low"), metrics.get(f"{key}_ci_high")
    if low is not None and high is not None and low <= 0 <= high:
        return "barely changes (no clear trend)"
    return "rises" if (metrics.get(key) or 0) > 0 else "falls"


def seesaw_findings(
    metrics: Mapping[str, Any], config: Mapping[str, Any] | None = None
) -> list[str]:
    """Sentences computed from :func:`helpers.seesaw.seesaw_metrics`.

    Parameters
    ----------
    metrics
        :func:`helpers.seesaw.seesaw_metrics`.
    config
        The run's config (``seesaw.min_customers``); None means 50.

    Returns
    -------
    list of str
        Which level of profit they lead with; whether the seesaw tilts (or why that is not
        applicable); the trend with size; what discounts, financing and cost to serve take
        from the largest and smallest tiers; where a verdict differs between levels or rests on
        the assumed amounts.
    """
    minimum = int((config or {}).get("seesaw", {}).get("min_customers", 50))
    if metrics.get("largest_tier") is None:
        return ["No size tier has customers with revenue: there is no seesaw to show."]
    order = metrics.get("levels") or [metrics["lead_level"]]
    out = (
        [f"These findings lead with profit {levels.LEVEL_WORDS[order[0]]}."]
        if len(order) > 1
        else []
    )
    out.append(_tilt_sentence(metrics, minimum))
    if metrics.get("slope") is not None:
        out.append(_trend_sentence(metrics))
    if metrics["tiers_with_customers"] > 1:
        out.append(_bridge_sentence(metrics))
    return [*out, *_assumption_sentences(metrics, order)]


def _tilt_sentence(metrics: Mapping[str, Any], minimum: int) -> str:
    """Whether the seesaw tilts, worded by the verdict and by the sign of the margins."""
    big, best, tilt = metrics["largest_tier"], metrics["highest_margin_tier"], metrics["tilt"]
    if metrics["tiers_with_customers"] < 2:
        return (
            f"Every customer falls in one size tier ({big}): the seesaw compares sizes, so it is "
            "not applicable."
        )
    if tilt is None:
        return (
            f"Only {metrics['customers']:,} customers: too few for a verdict on the seesaw (at "
            f"least {minimum} needed)."
        )
    big_margin = _margin(metrics["largest_tier_margin_pct"])
    best_margin = _margin(metrics["most_profitable_tier_margin_pct"])
    margin = _margin_words(metrics)
    if (metrics["most_profitable_tier_margin_pct"] or 0) < 0:  # every tier loses money
        best_words = f"the {best} tier loses the least ({best_margin} of net revenue)"
    else:
        best_words = f"the {best} tier earns the highest {margin} ({best_margin})"
    if tilt == "no tilt":
        return (
            f"The {big} tier, the largest in the data, {best_words.split(' tier ', 1)[1]}; it "
            f"brings {_big_shares(metrics, 'and')}. The seesaw does not tilt here."
        )
    return (
        f"The seesaw tilts: the {big} tier brings {_big_shares(metrics, 'but')}, at a "
        f"{big_margin} {margin}; {best_words}."
    )


def _margin_words(metrics: Mapping[str, Any]) -> str:
    """The words for the margin: without "after cost to serve" at the level that counts none."""
    return "margin" if metrics.get("lead_level") == "data" else "margin after cost to serve"


def _big_shares(metrics: Mapping[str, Any], contrast: str) -> str:
    """The largest tier's shares of revenue and of profit (or its profit in currency).

    The profit is in currency when a share of it is not meaningful; ``contrast`` joins the two
    shares when the tier earns less than its volume.
    """
    revenue, profit = metrics["largest_tier_revenue_share"], metrics["largest_tier_profit_share"]
    if profit is None:
        amount = _money(metrics["largest_tier_profit"])
        return (
            f"{_percent(revenue)} of revenue and makes {amount} (the total profit is a loss or "
            "too small for a share of it)"
        )
    joint = contrast if profit < revenue else "and"
    return f"{_percent(revenue)} of revenue {joint} {_percent(profit)} of profit"


def _trend_sentence(metrics: Mapping[str, Any]) -> str:
    """The Theil-Sen trend of margin with size, over all and over the largest customers."""
    upper = (
        f"; among the largest customers (net revenue from "
        f"{_money(metrics['slope_upper_min_revenue'])}) it "
        f"{_direction(metrics, 'slope_upper')}: {_points(metrics['slope_upper'])}"
        f"{_interval(metrics, 'slope_upper')}."
        if metrics.get("slope_upper") is not None
        else "."
    )
    return (
        f"Across all customers, {_margin_words(metrics)} {_direction(metrics, 'slope')} with "
        f"size: {_points(metrics['slope'])}{_interval(metrics, 'slope')} per tenfold revenue "
        f"(Theil-Sen){upper}"
    )


def _bridge_sentence(metrics: Mapping[str, Any]) -> str:
    """Discounts and rebates, financing and cost to serve: largest against smallest tier."""
    big, small = metrics["largest_tier"], metrics["smallest_tier"]

    def number(key: str) -> str:
        return f"{metrics.get(key) or 0:.1f}%"

    text = (
        f"Discounts and rebates take {number('largest_tier_discount_rebate_pct_of_list')} of list "
        f"price from {big} accounts and {number('smallest_tier_discount_rebate_pct_of_list')} "
        f"from {small} ones"
    )
    if metrics["lead_level"] == "data":
        return text + " (no cost to serve is counted at this level)."
    return (
        f"{text}; payment-term financing {number('largest_tier_financing_pct_of_list')} against "
        f"{number('smallest_tier_financing_pct_of_list')}; all cost to serve "
        f"{number('largest_tier_cost_to_serve_pct_of_list')} against "
        f"{number('smallest_tier_cost_to_serve_pct_of_list')}."
    ).replace("-0.0%", "0.0%")


def _assumption_sentences(metrics: Mapping[str, Any], order: list[str]) -> list[str]:
    """Where a verdict differs between levels, and how far the assumptions must move to flip it.

    One level sentence: on the tilt when it differs between levels, else on the highest-margin
    tier when that does.
    """
    largest = metrics["largest_tier"]  # the tiers do not depend on the level of profit
    out = []
    for name in ("tilt", "highest_margin_tier"):
        by_level = {
            level: metrics[level][name] if level in metrics else metrics[name] for level in order
        }
        out.append(verdicts.level_sentence(name, by_level, largest))
    out = [next((sentence for sentence in out if sentence), None)]
    ranges = metrics.get("sensitivity", {})
    names = [name for name in ("tilt", "highest_margin_tier") if name in ranges]
    if names == ["tilt", "highest_margin_tier"] and _same_range(ranges["tilt"], ranges[names[1]]):
        # the tilt sentence names the highest-margin tier when it does not tilt: say it once
        names = ["tilt"] if ranges["tilt"]["verdict"] == "no tilt" else names
    out += [verdicts.range_sentence(name, ranges[name], largest) for name in names]
    return [sentence for sentence in out if sentence]


def _same_range(one: Mapping[str, Any], other: Mapping[str, Any]) -> bool:
    """Whether two verdicts hold over the same multiples and flip at the same ones."""
    keys = ("holds_from", "holds_to", "flips_below", "flips_above")
    return all(one.get(key) == other.get(key) for key in keys)
