"""The finding sentences of the 80/20 analysis: concentration of revenue and profit, the whale.

Every sentence reads the verdicts decided once in :mod:`helpers.pareto.verdicts`; a share of
profit is written only where the metrics hold one (the total is material), else amounts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from helpers import plots
from helpers.ledger import levels
from helpers.pareto import verdicts
from helpers.pareto.curves import _tag

__all__: list[str] = []


def _money(value: float) -> str:
    """An amount as :func:`helpers.plots.format_money` writes it, never "-0".

    Below one unit in size, two significant digits.
    """
    if 0 < abs(float(value)) < 1:
        return f"{float(value):.2g}"
    return plots.format_money(value)


_NO_SHARE = "no share of profit is meaningful"


def _percent(value: float | None, scale: float = 100.0, decimals: int = 0) -> str:
    """A share as a percentage, never "-0%": 0.234 -> "23%", -0.003 -> "-0.3%"."""
    if value is None:
        return "n/a"
    points = scale * float(value)
    if abs(points) < 0.05:
        return "0%"
    if abs(points) < 0.5 or decimals:
        return f"{points:.{max(decimals, 1)}f}%"
    return f"{points:.0f}%"


def _pct100(value: float | None, decimals: int = 0) -> str:
    """A percentage already in % (128.3 -> "128%"), never "-0%"."""
    return _percent(value, 1.0, decimals)


def _ci(
    metrics: Mapping[str, Any], key: str, settings: Mapping[str, Any], scale: float = 100.0
) -> str:
    """`` [lo-hi%]`` from ``<key>_ci_low`` / ``_ci_high``; "too uncertain" when too wide.

    An interval wider than ``pareto.bootstrap.max_width`` (a fraction: 0.5 is 50 points) says
    nothing, so the sentence says so instead of printing it.
    """
    low, high = metrics.get(f"{key}_ci_low"), metrics.get(f"{key}_ci_high")
    if low is None or high is None:
        return ""
    width = float(settings["pareto"]["bootstrap"]["max_width"])
    if _percent(low, scale) == _percent(high, scale):  # e.g. every resample 100%: no interval
        return ""
    if (high - low) * scale / 100 > width:
        return f" (too uncertain: its 95% interval spans more than {100 * width:.0f} points)"
    return f" [{_percent(low, scale).rstrip('%')}-{_percent(high, scale)}]"


def _by_level(metrics: Mapping[str, Any], name: str, order: Sequence[str]) -> dict[str, Any]:
    """Level -> the value of ``name``, in ``order`` (:func:`verdicts.level_order`)."""
    return {
        level: metrics[level][name] if level in metrics else metrics[name]
        for level in order
        if level in metrics or level == metrics["lead_level"]
    }


def _assumption_sentences(
    metrics: Mapping[str, Any], names: Sequence[str], order: Sequence[str]
) -> list[str]:
    """Where a verdict differs between levels, and how far the assumptions must move to flip it."""
    out = [verdicts.level_sentence(name, _by_level(metrics, name, order)) for name in names]
    ranges = metrics.get("sensitivity", {})
    out += [verdicts.range_sentence(name, ranges[name]) for name in names if name in ranges]
    return [sentence for sentence in out if sentence]


def _pareto_sentences(
    metrics: Mapping[str, Any], settings: Mapping[str, Any], order: Sequence[str] = ()
) -> list[str]:
    """Concentration in words: revenue, profit of the same customers, Gini, customers needed."""
    spec = settings["pareto"]
    n = metrics["customers"]
    if not n:
        return ["No customer has sales in the period: nothing to rank."]
    out = []
    if len(order) > 1:
        out.append(f"These findings lead with profit {levels.LEVEL_WORDS[order[0]]}.")
    if n < int(spec["min_customers"]):
        out.append(
            f"Only {n:,} customer{'s' if n > 1 else ''}: too few for a verdict on concentration "
            f"(at least {int(spec['min_customers'])} needed); the shares below only describe them."
        )
    top = float(spec["top_share"])
    head, revenue = _tag(top), f"{_tag(top)}_revenue_share"
    spread = {True: "Revenue is concentrated: t", False: "Revenue is spread: t", None: "T"}
    out.append(
        f"{spread[metrics['revenue_concentrated']]}he top {top:.0%} of customers bring "
        f"{_percent(metrics[revenue])}{_ci(metrics, revenue, settings)} of revenue."
    )
    out.append(_profit_sentence(metrics, settings, head))
    out += _spread_sentences(metrics, spec)
    return [*out, *_assumption_sentences(metrics, ["profit_vs_revenue"], order)]


def _profit_sentence(metrics: Mapping[str, Any], settings: Mapping[str, Any], head: str) -> str:
    """What the top customers by revenue bring of profit, worded by the verdict."""
    verdict, key = metrics["profit_vs_revenue"], f"{head}_by_revenue_profit_share"
    if metrics[key] is None:
        return _no_share_sentence(metrics, head)
    top_margin, rest_margin = (
        metrics[f"{head}_by_revenue_margin"],
        metrics["rest_by_revenue_margin"],
    )
    same = (
        f"the same customers bring {_percent(metrics[key])}{_ci(metrics, key, settings)} of profit"
    )
    if top_margin is not None:
        same += f", at a margin of {_percent(top_margin)}"
        same += f" against {_percent(rest_margin)} for the rest" if rest_margin is not None else ""
    if verdict is None:
        return f"{same[:1].upper()}{same[1:]}."
    if metrics["rule_holds_for_profit"]:
        if metrics["revenue_concentrated"]:
            return f"The 80/20 rule holds for profit too: {same}."
        return f"The 80/20 rule holds for profit, not for revenue: {same}."
    if verdict == "less":
        return f"Profit is less concentrated than revenue: {same}: volume overstates value."
    words = "more concentrated than" if verdict == "more" else "as concentrated as"
    return f"Profit is {words} revenue: {same}."


def _no_share_sentence(metrics: Mapping[str, Any], head: str) -> str:
    """Amounts, and why no share of profit is printed (a loss, or a total near zero)."""
    total = metrics["total_profit"]
    amounts = (
        f"the top customers by revenue make {_money(metrics[f'{head}_by_revenue_profit'])}"
        f" and the rest {_money(total - metrics[f'{head}_by_revenue_profit'])}"
    )
    if total is not None and total <= 0:
        return f"The customers make a loss overall ({_money(total)}): {_NO_SHARE}; {amounts}."
    return (
        f"Profit ({_money(total)}) is small against what customers earn "
        f"({_money(metrics['profit_earned'])}) and lose "
        f"({_money(metrics['profit_lost'])}): {_NO_SHARE}; {amounts}."
    )


def _spread_sentences(metrics: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str]:
    """Gini of the non-negative measures, customers needed for the target share, unattributed."""
    out = []
    labels = {measure["name"]: measure["label"].lower() for measure in spec["measures"].values()}
    if metrics["lead_level"] == "data":  # profit is the gross margin: the same numbers twice
        labels.pop("profit", None)
    gini = [f"{metrics[f'gini_{name}']:.2f} for {label}" for name, label in labels.items()
            if metrics.get(f"gini_{name}") is not None]  # fmt: skip
    missing = [label for name, label in labels.items() if metrics.get(f"gini_{name}") is None]
    if gini:
        out.append(
            "Gini coefficient: " + ", ".join(gini)
            + (f" (none for {' or '.join(missing)}: the coefficient is defined for non-negative "
               "amounts, and some customers lose money)." if missing else ".")
        )  # fmt: skip
    target = round(100 * float(spec["target_share"]))
    parts = [
        f"{_percent(metrics[k])} for {label}"
        for name, label in labels.items()
        if metrics.get(k := f"customers_for_{target}pct_{name}_share") is not None
    ]
    if parts:
        out.append(f"Customers needed for {target}% of the total: " + ", ".join(parts) + ".")
    if metrics["unattributed_net_revenue"]:
        share = metrics["unattributed_revenue_share"]
        out.append(
            "Lines without a customer hold "
            f"{_money(metrics['unattributed_net_revenue'])} of net revenue"
            + (f" ({_percent(share)})" if share is not None else "")
            + ", left out of these shares."
        )
    return out


def _whale_sentences(
    whale: Mapping[str, Any], settings: Mapping[str, Any], order: Sequence[str] = ()
) -> list[str]:
    """The whale curve in words: its peak and hump, the loss makers, levels and assumptions."""
    n, minimum = whale["customers"], int(settings["pareto"]["min_customers"])
    if not n:
        return []
    head = []
    if n < minimum:
        head.append(
            f"Only {n:,} customer{'s' if n > 1 else ''}: too few for a whale-curve verdict (at "
            f"least {minimum} needed)."
        )
    if whale["peak_profit_pct"] is None:
        head.append(_whale_amounts(whale))
    elif n >= minimum:
        head.append(_peak_sentence(whale, settings))
    out = [*head, _loss_sentence(whale, settings)]
    out += _loss_levels(whale, order)
    out += _assumption_sentences(whale, ["whale_hump"], order)
    ranges = whale.get("sensitivity", {})
    if "loss_makers" in ranges:
        out.append(verdicts.range_sentence("loss_makers", ranges["loss_makers"]))
    at = whale.get("sensitivity", {}).get("loss_making_share_at")
    if at:
        shares = ", ".join(f"{_percent(share)} at {k}" for k, share in at.items())
        out.append(f"Customers losing money at multiples of the assumed amounts: {shares}.")
    return out


def _peak_sentence(whale: Mapping[str, Any], settings: Mapping[str, Any]) -> str:
    """The peak of a whale curve on a material total, worded by the hump verdict."""
    share, peak = whale["peak_share_of_customers"], whale["peak_profit_pct"]
    start = (
        f"The most profitable {_percent(share, decimals=1)}"
        f"{_ci(whale, 'peak_share_of_customers', settings)} of customers earn "
        f"{_pct100(peak, 1)}{_ci(whale, 'peak_profit_pct', settings, scale=1.0)} of total profit"
    )
    if whale["whale_hump"] == "over 100%":
        return f"{start}; the other {_percent(1 - share, decimals=1)} give {_pct100(peak - 100, 1)} of it back."
    return f"{start}: the curve has no hump (the rest add or lose almost nothing)."


def _whale_amounts(whale: Mapping[str, Any]) -> str:
    """The whale curve in currency, when its total is a loss or too small to take shares of."""
    total, lost = whale["total_profit"], whale["profit_destroyed"]
    losers, n = whale["loss_making_customers"], whale["customers"]
    if losers == n:
        return (
            f"Every customer loses money ({_money(lost)} in total): there is no "
            "whale curve of profit to show."
        )
    parts = (
        f"the {n - losers:,} customers who make money earn "
        f"{_money(whale['profit_earned'])} and the {losers:,} who lose money lose "
        f"{_money(lost)}"
    )
    if total <= 0:
        return f"The customers make a loss overall ({_money(total)}): {parts}; {_NO_SHARE}."
    return (
        f"Profit ({_money(total)}) is small against what customers earn and lose: "
        f"{parts}; {_NO_SHARE}."
    )


def _loss_sentence(whale: Mapping[str, Any], settings: Mapping[str, Any]) -> str:
    """How many customers lose money, what they destroy, how many break even."""
    losers, n = whale["loss_making_customers"], whale["customers"]
    even = f"{whale['break_even_customers']:,} customers roughly break even"
    if not losers:
        return f"No customer loses money; {even}."
    share = whale["profit_destroyed_pct"]
    return (
        f"{losers:,} of {n:,} customers ({_percent(whale['loss_making_share'], decimals=1)}"
        f"{_ci(whale, 'loss_making_share', settings)}) lose money, destroying "
        f"{_money(whale['profit_destroyed'])}"
        + (f" ({_pct100(share)} of total profit)" if share is not None else "")
        + f"; {even}."
    )


def _loss_levels(whale: Mapping[str, Any], order: Sequence[str]) -> list[str]:
    """One sentence when the number of loss-making customers differs between levels."""
    counts = _by_level(whale, "loss_making_customers", order)
    if len(set(counts.values())) <= 1:
        return []
    shares = _by_level(whale, "loss_making_share", order)
    parts = [
        f"{counts[level]:,} customers ({_percent(shares[level], decimals=1)}) lose money "
        f"{levels.LEVEL_WORDS[level]}"
        for level in counts
    ]
    return [parts[0] + "; " + "; ".join(part.replace(" customers", "", 1).replace(" lose money", "", 1)
                                         for part in parts[1:]) + "."]  # fmt: skip
