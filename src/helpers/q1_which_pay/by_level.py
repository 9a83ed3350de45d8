"""Q1's claims at every profit level, and how far the assumed amounts must move to flip them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from helpers.ledger import levels
from helpers.q1_which_pay.profile import _lead_level
from helpers.q1_which_pay.shares import TOO_FEW, claim_verdicts, class_shares
from helpers.results import Result, pct

__all__ = ["shares_by_level"]

#: the headline numbers kept for every level (metric names as in :func:`class_shares`)
_HEADLINE = (
    "small_clients",
    "small_loss_making_share",
    "small_break_even_share",
    "small_profitable_share",
    "small_worth_nothing_share",
    "small_valuable_share",
    "worth_nothing_verdict",
    "valuable_verdict",
)
#: verdict name -> (position in :func:`claim_verdicts`, share metric, words)
_VERDICTS = {
    "worth_nothing_verdict": (0, "small_worth_nothing_share", "worth-nothing"),
    "valuable_verdict": (1, "small_valuable_share", "truly-valuable"),
}


def shares_by_level(ledger: pd.DataFrame, config: Mapping[str, Any]) -> Result:
    """The profit classes of small clients at every level the data supports.

    Parameters
    ----------
    ledger
        The customer ledger (with its profit levels, :mod:`helpers.ledger.levels`).
    config
        The run's config (sections ``questions`` and ``size_tiers``).

    Returns
    -------
    Result
        ``table``: level, small_clients, the five shares (fractions) and the two verdicts, one
        row per level in :func:`helpers.ledger.levels.levels_in`; ``metrics``: lead_level, one
        dict per level (the same keys) and ``sensitivity`` (verdict name ->
        :func:`helpers.ledger.levels.verdict_range` over multiples of the assumed amounts);
        ``findings``: where a verdict differs between levels, and how far the assumed amounts
        must move to flip it. Not available without small clients.
    """
    lead = _lead_level(ledger)
    shown = levels.levels_in(ledger) or [lead]
    per_level = {level: class_shares(ledger, config, level) for level in shown}
    if not all(result.available for result in per_level.values()):
        return Result(message=next(r.message for r in per_level.values() if not r.available))
    headline = {
        level: {key: result.metrics[key] for key in _HEADLINE}
        for level, result in per_level.items()
    }
    sensitivity = _sensitivity(ledger, config)
    findings = [*_level_sentences(headline), *_sensitivity_sentences(ledger, sensitivity)]
    table = pd.DataFrame([{"level": level, **numbers} for level, numbers in headline.items()])
    return Result(
        table=table,
        metrics={"lead_level": lead, **headline, "sensitivity": sensitivity},
        findings=findings,
    )


def _sensitivity(ledger: pd.DataFrame, config: Mapping[str, Any]) -> dict[str, Any]:
    """The range of multiples of the assumed amounts over which each claim's verdict holds."""
    if "assumed_amount" not in ledger:
        return {}
    cache: dict[float, tuple[str, str] | None] = {}

    def both(frame: pd.DataFrame) -> tuple[str, str] | None:
        key = round(float(frame["cost_to_serve"].sum()), 6)  # one ledger per multiplier
        if key not in cache:
            cache[key] = claim_verdicts(frame, config)
        return cache[key]

    out: dict[str, Any] = {}
    for name, (position, _, _) in _VERDICTS.items():

        def verdict(frame: pd.DataFrame, position: int = position) -> str | None:
            found = both(frame)
            return found[position] if found else None

        out[name] = levels.verdict_range(ledger, verdict)
    return out


def _level_sentences(headline: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """One sentence per claim whose verdict differs between levels."""
    if len(headline) < 2:
        return []
    out = []
    for name, (_, share, words) in _VERDICTS.items():
        verdicts = {level: numbers[name] for level, numbers in headline.items()}
        if len(set(verdicts.values())) < 2:
            continue
        parts = [
            f"{verdict} at {pct(headline[level][share])} {levels.LEVEL_WORDS[level]}"
            for level, verdict in verdicts.items()
        ]
        out.append(
            f"The {words} verdict depends on the level of cost counted: " + "; ".join(parts) + "."
        )
    if not out and all(n["worth_nothing_verdict"] != TOO_FEW for n in headline.values()):
        out.append(
            "Both claims get the same verdict at every level of cost the data supports ("
            + ", ".join(levels.LEVEL_WORDS[level] for level in headline)
            + ")."
        )
    return out


def _sensitivity_sentences(ledger: pd.DataFrame, sensitivity: Mapping[str, Any]) -> list[str]:
    """How far the assumed amounts must move to flip a verdict that rests on them."""
    if "assumed_amount" not in ledger or float(ledger["assumed_amount"].abs().sum()) <= 0:
        return []
    out = []
    for name, (_, _, words) in _VERDICTS.items():
        found = sensitivity.get(name) or {}
        if found.get("verdict") in (None, TOO_FEW):
            continue
        text = (
            f"With the assumed cost-to-serve amounts the {words} share is {found['verdict']}; "
            f"this holds while they stay between {found['holds_from']:g}x and "
            f"{found['holds_to']:g}x"
        )
        flips = [
            f"at {found[f'flips_{side}']:g}x it is {found[f'flips_to_{side}']}"
            for side in ("below", "above")
            if found[f"flips_{side}"] is not None
        ]
        out.append(text + ("; " + "; ".join(flips) if flips else " (the whole 0x-3x range)") + ".")
    return out
