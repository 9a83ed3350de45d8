"""Q2 at every profit level: new customers' first-year profit and payback, and the best channel."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

import pandas as pd

from helpers.ledger import levels
from helpers.q2_attract.channels import _lead_level
from helpers.q2_attract.economics import _best_channels, channel_economics
from helpers.q2_attract.newcomers import new_customers
from helpers.q2_attract.overall import first_year_verdict
from helpers.results import Result, money

__all__ = ["economics_by_level"]

#: the headline numbers kept for every level (metric names as in :func:`channel_economics`)
_HEADLINE = (
    "new_customers_observed_1y",
    "first_year_profit_per_new_customer",
    "first_year_survival",
    "first_year_verdict",
    "payback_months_overall",
    "best_channel",
    "first_year_profit_by_channel",
    "payback_months_by_channel",
    "future_value_by_channel",
)
_VERDICTS = {"first_year_verdict": "new customers' first year", "best_channel": "best channel"}


def economics_by_level(
    ledger: pd.DataFrame,
    config: Mapping[str, Any],
    monthly: pd.DataFrame | None = None,
    spend: pd.DataFrame | None = None,
    order_lines: pd.DataFrame | None = None,
) -> Result:
    """New customers' first-year profit, payback and best channel at every profit level.

    Parameters
    ----------
    ledger, config, monthly, order_lines
        As for :func:`new_customers`.
    spend
        As for :func:`channel_economics`.

    Returns
    -------
    Result
        ``table``: level and the headline numbers (first-year profit per new customer in
        currency units, survival a fraction, payback in months, the verdicts), one row per
        level in :func:`helpers.ledger.levels.levels_in`; ``metrics``: lead_level, one dict per
        level and ``sensitivity`` (first_year_verdict and best_channel ->
        :func:`helpers.ledger.levels.verdict_range`); ``findings``: the first-year profit at
        each level, where a verdict differs between levels, and how far the assumed amounts
        must move to flip one. Not available when no customer joined inside the window.
    """
    lead = _lead_level(ledger)
    shown = levels.levels_in(ledger) or [lead]
    headline: dict[str, dict[str, Any]] = {}
    for level in shown:
        new = new_customers(ledger, config, monthly, order_lines, level)
        economics = channel_economics(new, spend, config)
        if not economics.available:
            return Result(message=economics.message)
        headline[level] = {key: economics.metrics.get(key) for key in _HEADLINE}

    verdicts = _verdict_function(ledger, config, monthly, spend, order_lines)
    sensitivity = _sensitivity(ledger, verdicts)
    findings = [*_level_sentences(headline), *_sensitivity_sentences(ledger, sensitivity)]
    table = pd.DataFrame(
        [
            {"level": level, **{k: v for k, v in numbers.items() if not isinstance(v, dict)}}
            for level, numbers in headline.items()
        ]  # fmt: skip
    )
    return Result(
        table=table,
        metrics={"lead_level": lead, **headline, "sensitivity": sensitivity},
        findings=findings,
    )


def _verdict_function(
    ledger: pd.DataFrame,
    config: Mapping[str, Any],
    monthly: pd.DataFrame | None,
    spend: pd.DataFrame | None,
    order_lines: pd.DataFrame | None,
) -> Callable[[pd.DataFrame], tuple[Any, Any]]:
    """Ledger at a multiple of the assumed amounts -> (first-year verdict, best channel)."""
    at_zero, at_one = (
        new_customers(
            levels.at_multiplier(ledger, k) if "assumed_amount" in ledger else ledger,
            config,
            levels.at_multiplier(monthly, k) if _has_levels(monthly) else monthly,
            order_lines,
            "with_assumptions",
        )
        for k in (0.0, 1.0)
    )

    tables = [channel_economics(new, spend, config) for new in (at_zero, at_one)]
    no_spend = bool(tables[1].detail.get("spend_message"))
    by_channel = bool(at_one.metrics.get("channel_source")) and tables[1].available

    def verdicts(frame: pd.DataFrame) -> tuple[Any, Any]:
        # profit is linear in the multiplier: so are first-year profit and future value
        multiplier = _multiplier_of(frame, ledger)
        first_year = first_year_verdict(_new_at(at_zero, at_one, multiplier).table)
        if not by_channel:
            return first_year, None
        table = _economics_at(tables[0].table, tables[1].table, multiplier)
        return first_year, _best_channels(table, no_spend)[0]

    return verdicts


def _has_levels(frame: pd.DataFrame | None) -> bool:
    """Whether a (monthly) ledger carries the profit levels."""
    return frame is not None and levels.has_levels(frame)


def _multiplier_of(scaled: pd.DataFrame, ledger: pd.DataFrame) -> float:
    """The multiple of the assumed amounts that turned ``ledger`` into ``scaled``."""
    assumed = float(ledger["assumed_amount"].sum())
    if assumed == 0:
        return 1.0
    extra = float((scaled["cost_to_serve"] - ledger["cost_to_serve"]).sum())
    return round(1.0 + extra / assumed, 6)


def _economics_at(at_zero: pd.DataFrame, at_one: pd.DataFrame, multiplier: float) -> pd.DataFrame:
    """The channel economics table with the assumed amounts at ``multiplier`` (interpolated)."""
    table = at_one.set_index("channel")
    low = at_zero.set_index("channel").reindex(table.index)
    for column in ("future_value", "fv_to_cac"):
        table[column] = low[column] + multiplier * (table[column] - low[column])
    return table.reset_index()


def _new_at(at_zero: Result, at_one: Result, multiplier: float) -> Result:
    """New customers with every assumed amount multiplied by ``multiplier``.

    Profit is linear in the multiplier, so it is interpolated between 0x and 1x; dates,
    survival and channels do not depend on it.
    """
    table = at_one.table.copy()
    for column in ("profit", "first_year_profit"):
        low, high = at_zero.table[column], at_one.table[column]
        table[column] = low + multiplier * (high - low)
    return Result(table=table, metrics=at_one.metrics, detail=at_one.detail)


def _sensitivity(
    ledger: pd.DataFrame, verdicts: Callable[[pd.DataFrame], tuple[Hashable, Hashable]]
) -> dict[str, Any]:
    """verdict_range of each verdict; computed once when nothing is assumed (it cannot move)."""
    if "assumed_amount" not in ledger:
        return {}
    if float(ledger["assumed_amount"].abs().sum()) == 0:
        both = verdicts(ledger)
        grid = levels.MULTIPLIERS
        return {
            name: {
                "verdict": both[i],
                "holds_from": float(grid[0]),
                "holds_to": float(grid[-1]),
                "flips_below": None,
                "flips_above": None,
                "flips_to_below": None,
                "flips_to_above": None,
            }  # fmt: skip
            for i, name in enumerate(_VERDICTS)
        }
    cache: dict[float, tuple[Hashable, Hashable]] = {}

    def at(frame: pd.DataFrame) -> tuple[Hashable, Hashable]:
        key = round(float(frame["cost_to_serve"].sum()), 6)
        if key not in cache:
            cache[key] = verdicts(frame)
        return cache[key]

    return {
        name: levels.verdict_range(ledger, lambda frame, i=i: at(frame)[i])
        for i, name in enumerate(_VERDICTS)
    }


def _level_sentences(headline: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """First-year profit per new customer at each level, and where a verdict differs."""
    if len(headline) < 2:
        return []
    known = {lvl: n for lvl, n in headline.items() if n["first_year_verdict"] is not None}
    out = []
    if known:
        out.append(
            "First-year profit per new customer: "
            + "; ".join(
                f"{money(n['first_year_profit_per_new_customer'])} {levels.LEVEL_WORDS[lvl]}"
                for lvl, n in known.items()
            )
            + "."
        )
    differ = []
    for name, words in _VERDICTS.items():
        values = {lvl: n[name] for lvl, n in headline.items()}
        if len(set(values.values())) > 1:
            differ.append(
                f"the {words} depends on the level of cost counted: "
                + "; ".join(
                    f"{_verdict_words(name, v)} {levels.LEVEL_WORDS[lvl]}"
                    for lvl, v in values.items()
                )
            )
    if differ:
        out.append(". ".join(d[0].upper() + d[1:] for d in differ) + ".")
    return out


def _verdict_words(name: str, value: Any) -> str:
    """A verdict in words ("none" when it cannot be decided)."""
    if value is None:
        return "no channel can be ranked" if name == "best_channel" else "not measurable"
    return str(value) if name == "best_channel" else f"they {value}"


def _sensitivity_sentences(ledger: pd.DataFrame, sensitivity: Mapping[str, Any]) -> list[str]:
    """How far the assumed amounts must move to flip a verdict that rests on them."""
    if "assumed_amount" not in ledger or float(ledger["assumed_amount"].abs().sum()) <= 0:
        return []
    out = []
    for name, words in _VERDICTS.items():
        found = sensitivity.get(name) or {}
        if found.get("verdict") is None:
            continue
        flips = [
            f"at {found[f'flips_{side}']:g}x: {_verdict_words(name, found[f'flips_to_{side}'])}"
            for side in ("below", "above")
            if found[f"flips_{side}"] is not None
        ]
        out.append(
            f"With the assumed cost-to-serve amounts, {words}: "
            f"{_verdict_words(name, found['verdict'])}; this holds while they stay between "
            f"{found['holds_from']:g}x and {found['holds_to']:g}x"
            + ("; " + "; ".join(flips) if flips else " (the whole 0x-3x range)")
            + "."
        )
    return out
