"""The segments' finding sentences, worded by their verdicts and by the sign of the profit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from helpers.ledger import levels
from helpers.results import sentence_money as _money
from helpers.results import sentence_pct as _percent
from helpers.segments import verdicts

__all__ = ["segment_findings"]


_NO_SHARE = "the total profit is a loss or too small for a share of it"


def segment_findings(metrics: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    """Sentences computed from :func:`helpers.segments.segment_metrics`.

    Parameters
    ----------
    metrics
        :func:`helpers.segments.segment_metrics`.
    config
        The run's config (names of the small tiers, quadrants and ABC classes).

    Returns
    -------
    list of str
        Which level of profit they lead with; the small clients' shares (or why a comparison
        is not applicable) and the tier with the highest margin; the quadrants to reprice and
        grow; the ABC mismatch; the RFM segment earning most; where a verdict differs between
        levels or rests on the assumed amounts.
    """
    if not metrics["customers"]:
        return ["No customer has sales in the period: no segments."]
    order = metrics.get("levels") or [metrics.get("lead_level", "with_assumptions")]
    out = (
        [f"These findings lead with profit {levels.LEVEL_WORDS[order[0]]}."]
        if len(order) > 1
        else []
    )
    minimum = int(config["segments"]["min_customers"])
    if metrics["customers"] < minimum:
        out.append(
            f"Only {metrics['customers']:,} customer{'s' if metrics['customers'] > 1 else ''}: too "
            "few for a verdict on segments (at "
            f"least {minimum} needed); the numbers below only describe them."
        )
    out += [_small_sentence(metrics, config), _tier_sentence(metrics)]
    out += [_quadrant_sentence(metrics, config), _abc_sentence(metrics, config)]
    if "rfm_top_profit_segment" in metrics:
        losing = (metrics.get("rfm_top_profit") or 0) < 0
        out.append(
            f"The RFM segment {'losing the least' if losing else 'earning the most profit'}: "
            f"{metrics['rfm_top_profit_segment']}."
        )
    return [*out, *_assumption_sentences(metrics, order)]


def _small_sentence(metrics: Mapping[str, Any], config: Mapping[str, Any]) -> str:
    """The small clients against the others, worded by the verdict ``small_clients``."""
    small = " and ".join(config["size_tiers"]["small"])
    customers = metrics["small_clients_customers"]
    if customers in (0, metrics["customers"]):
        who = "every customer is" if customers else "no customer is"
        return (
            f"{who[:1].upper()}{who[1:]} a small client ({small} tiers): a comparison of small "
            "clients with the others is not applicable."
        )
    start = (
        f"Small clients ({small} tiers) are {_percent(metrics['small_clients_customer_share'])} "
        f"of customers and bring {_percent(metrics['small_clients_revenue_share'])} of revenue"
    )
    share = metrics["small_clients_profit_share"]
    profit = (
        f"{_percent(share)} of profit"
        if share is not None
        else f"make {_money(metrics['small_clients_profit'])} ({_NO_SHARE})"
    )
    margins = (
        f"at a {_percent(metrics['small_clients_margin'], 1)} margin against "
        f"{_percent(metrics['other_clients_margin'], 1)} for the others"
    )
    verdict = metrics["small_clients"]
    if verdict is None:
        return f"{start}; they {profit}, {margins}."
    joint = "but only" if share is not None and verdict == "lower" else "and"
    words = "about the same" if verdict == "the same" else verdict
    return f"{start} {joint} {profit}, {margins}: their margin is {words}."


def _tier_sentence(metrics: Mapping[str, Any]) -> str:
    """Which tier earns the highest margin, worded by the verdict and the sign of its margin."""
    best = metrics["highest_margin_tier"]
    if best is None:
        if metrics["tiers_with_customers"] < 2:
            return "Every customer falls in one size tier: a comparison of tiers is not applicable."
        return "Too few customers to compare the margins of the size tiers."
    margin = metrics["highest_tier_margin"]
    if margin is not None and margin < 0:
        return f"Every size tier loses money; the {best} tier loses the least ({_percent(margin, 1)} of net revenue)."
    return f"The {best} tier earns the highest margin ({_percent(margin, 1)})."


def _quadrant_sentence(metrics: Mapping[str, Any], config: Mapping[str, Any]) -> str:
    """The customers to reprice and to grow, worded as losses when the threshold is one."""
    names, threshold = config["quadrants"]["names"], metrics["quadrant_margin_threshold"]
    reprice = names["high_low"].lower()
    grow = names["low_high"].lower()
    big, small = metrics["quadrant_high_low_customers"], metrics["quadrant_low_high_customers"]
    share = metrics["quadrant_low_high_profit_share"]
    grow_profit = (
        "none"
        if not small
        else f"{_percent(share)} of profit"
        if share is not None
        else f"their profit {_money(metrics['quadrant_low_high_profit'])}"
    )
    revenue = _percent(metrics["quadrant_high_low_revenue_share"])
    line = f"the {_percent(threshold, 1)} margin threshold"
    if threshold is not None and threshold < 0:
        return (
            f"{big:,} high-volume customers lose more than {line} ({reprice}: {revenue} of "
            f"revenue); {small:,} smaller customers lose less ({grow}: {grow_profit})."
        )
    return (
        f"{big:,} high-volume customers earn less than {line} ({reprice}: {revenue} of revenue); "
        f"{small:,} smaller customers earn more than it ({grow}: {grow_profit})."
    )


def _abc_sentence(metrics: Mapping[str, Any], config: Mapping[str, Any]) -> str:
    """The customers 'A by revenue' that are not 'A by profit', and the reverse."""
    top = config["abc"]["labels"][0]
    if not metrics["abc_a_by_profit"]:
        return (
            f"No customer makes a profit, so none is '{top} by profit': ABC classes by profit are "
            f"not applicable ({metrics['abc_loss_making']:,} customers lose money)."
        )
    return (
        f"{metrics['abc_a_revenue_not_a_profit']:,} of the {metrics['abc_a_by_revenue']:,} "
        f"'{top} by revenue' customers are not '{top} by profit', and "
        f"{metrics['abc_a_profit_not_a_revenue']:,} of the {metrics['abc_a_by_profit']:,} "
        f"'{top} by profit' customers are not '{top} by revenue'."
    )


def _assumption_sentences(metrics: Mapping[str, Any], order: list[str]) -> list[str]:
    """Where a verdict differs between levels, and how far the assumptions must move to flip it."""
    out = []
    for name in ("highest_margin_tier", "small_clients"):
        by_level = {
            level: metrics[level][name] if level in metrics else metrics[name] for level in order
        }
        out.append(verdicts.level_sentence(name, by_level))
    ranges = metrics.get("sensitivity", {})
    out += [verdicts.range_sentence(name, ranges[name])
            for name in ("highest_margin_tier", "small_clients") if name in ranges]  # fmt: skip
    return [sentence for sentence in out if sentence]
