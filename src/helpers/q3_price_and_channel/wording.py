"""Q3's verdict on a scenario, decided once, and the scenario in sentences that use it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.ledger import levels
from helpers.q3_price_and_channel.levers import _lever_text
from helpers.results import json_float, money

__all__ = [
    "RAISES",
    "LOWERS",
    "UNCHANGED",
    "NOT_APPLICABLE",
    "scenario_verdict",
    "contribution_numbers",
]

RAISES, LOWERS, UNCHANGED = "raises profit", "lowers profit", "leaves profit unchanged"
#: the verdict of a scenario none of whose levers reaches any customer
NOT_APPLICABLE = "not applicable"
_RELATIVE_TOLERANCE = 1e-9  # a change below this share of the profits' sizes is no change


def _is_zero(change: float, magnitude: float) -> bool:
    """Whether a profit change is nothing, against the size of the profits it changes."""
    return abs(change) <= _RELATIVE_TOLERANCE * max(abs(magnitude), 1.0)


def scenario_verdict(change: float, reach: Mapping[str, int], magnitude: float) -> str:
    """Whether a scenario raises, lowers or leaves profit, or reaches nobody at all.

    Parameters
    ----------
    change
        The scenario's total profit change (currency units).
    reach
        Customers each enabled lever changes.
    magnitude
        The sum of the customers' absolute profits before (currency units): a change below a
        billionth of it is no change.

    Returns
    -------
    str
        "raises profit", "lowers profit", "leaves profit unchanged" or "not applicable".
    """
    if not any(count > 0 for count in reach.values()):
        return NOT_APPLICABLE
    if _is_zero(change, magnitude):
        return UNCHANGED
    return RAISES if change > 0 else LOWERS


def signed(amount: Any) -> str:
    """An amount with its sign and no "-0": -1234.5 -> "-1,234", -0.2 -> "+0"."""
    value = json_float(amount)
    if value is None:
        return "n/a"
    rounded = round(value) or 0  # -0 becomes 0
    return f"{rounded:+,.0f}"


def _signed_pct(share: float) -> str:
    """A signed percentage without "-0.0%"."""
    rounded = round(share, 3) or 0.0
    return f"{rounded:+.1%}"


def level_words(level: str) -> str:
    """The level in words for an incomplete level (after a space); "" for the complete one."""
    return "" if level == "with_assumptions" else f" {levels.LEVEL_WORDS[level]}"


def _change_text(totals: Mapping[str, Any]) -> str:
    """The total change, with its percentage only when the base is material."""
    share = json_float(totals.get("change_pct"))
    if share is None:
        pct_text = " (no percentage: profit before is too close to zero to divide by)"
    elif totals["profit_before"] < 0:  # a loss: say what happens to it, not a signed share
        pct_text = f" (the loss {'shrinks' if share > 0 else 'grows'} by {abs(share):.1%})"
    else:
        pct_text = f" ({_signed_pct(share)})"
    return f"profit {signed(totals['change'])}{pct_text}"


def scenario_sentences(
    by_segment: pd.DataFrame,
    totals: Mapping[str, Any],
    levers: Mapping[str, Any],
    config: Mapping[str, Any],
    context: Mapping[str, Any],
) -> list[str]:
    """The scenario in words: its levers and total change, then every segment that moves.

    Parameters
    ----------
    by_segment, totals, levers
        The scenario's table, total row and levers.
    config
        The run's config.
    context
        ``title`` ("Default scenario"), ``level``, ``reach`` (customers per lever) and
        ``verdict`` (:func:`scenario_verdict`).

    Returns
    -------
    list of str
        Only the levers that reach somebody are named; none names an amount as "nan".
    """
    texts = _lever_text(levers, config)
    reach = context["reach"]
    where = level_words(context["level"])
    title = context["title"]
    applicable = [text for name, text in texts.items() if reach.get(name, 0) > 0]
    if not texts:
        return ["Every lever is switched off: the scenario is the ledger as it is."]
    if context["verdict"] == NOT_APPLICABLE:
        return [f"{title}{where}: not applicable — none of its levers reaches any customer here."]
    out = [
        f"{title}{where} — "
        + "; ".join(applicable)
        + f": {_change_text(totals)}, with {totals['customers_lost']:.0f} customers expected to "
        f"leave and {totals['turned_profitable']:.0f} turned from loss to profit."
    ]
    magnitude = float(by_segment.iloc[:-1]["profit_before"].abs().sum())
    for row in by_segment.iloc[:-1].itertuples():
        if not _is_zero(row.change, magnitude):
            out.append(
                f"{str(row.segment).capitalize()}: profit {money(row.profit_before)} → "
                f"{money(row.profit_after)} ({signed(row.change)})."
            )
    return out


def action_sentences(
    contributions: pd.DataFrame, texts: Mapping[str, str], magnitude: float
) -> list[str]:
    """One "Action:" per lever that adds profit, "Do not:" per lever that costs it.

    A lever that reaches nobody is "Not applicable" (with the reason), never advice.

    Parameters
    ----------
    contributions
        :func:`lever_contributions` (lever, change, customers_reached, reason).
    texts
        Each lever in words.
    magnitude
        The sum of the customers' absolute profits (what a zero change is judged against).

    Returns
    -------
    list of str
        Actions largest first, then the levers to avoid, those that change nothing and those
        that are not applicable.
    """
    reached = contributions["customers_reached"] > 0
    zero = contributions["change"].map(lambda change: _is_zero(change, magnitude))
    good = contributions.loc[reached & ~zero & (contributions["change"] > 0)]
    bad = contributions.loc[reached & ~zero & (contributions["change"] < 0)]
    out = [
        f"Action: {texts.get(r.lever, r.lever)} ({signed(r.change)})."
        for r in good.sort_values("change", ascending=False).itertuples()
    ]
    out += [
        f"Do not: {texts.get(r.lever, r.lever)} ({signed(r.change)} under these assumptions)."
        for r in bad.itertuples()
    ]
    out += [
        f"No effect: {texts.get(r.lever, r.lever)} reaches {int(r.customers_reached)} customers "
        "but leaves profit unchanged."
        for r in contributions.loc[reached & zero].itertuples()
    ]
    out += [
        f"Not applicable: {texts.get(r.lever, r.lever)} — {r.reason}."
        for r in contributions.loc[~reached].itertuples()
    ]
    return out


def contribution_numbers(contributions: pd.DataFrame) -> dict[str, Any]:
    """Each lever's profit change and the levers that reach nobody (with why), for the metrics.

    Parameters
    ----------
    contributions
        :func:`lever_contributions`.

    Returns
    -------
    dict
        lever_contributions (lever -> currency units) and levers_not_applicable (lever -> why).
    """
    return {
        "lever_contributions": {str(r.lever): float(r.change) for r in contributions.itertuples()},
        "levers_not_applicable": {
            str(r.lever): str(r.reason)
            for r in contributions.itertuples()
            if r.customers_reached == 0
        },
    }


def pct_or_nan(value: float | None) -> float:
    """A percentage change as a float for a table: NaN where it is not meaningful."""
    return np.nan if value is None else float(value)
