"""How many small clients lose money, break even, profit or are truly valuable, against the claims."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.ledger import levels
from helpers.q1_which_pay.profile import (
    CLASSES,
    _lead_level,
    _level_view,
    _settings,
    _valuable,
    profit_classes,
    small_clients,
)
from helpers.results import Result, money, pct, share_of, wilson_ci

__all__ = ["class_shares", "claim_verdicts"]

_METRIC_KEYS = {
    "loss-making": "small_loss_making",
    "break-even": "small_break_even",
    "profitable": "small_profitable",
    "worth nothing": "small_worth_nothing",
    "truly valuable": "small_valuable",
}
#: the verdicts of a share against its claim (the claim inside the interval, or not)
CONSISTENT, ABOVE, BELOW = "consistent with the claim", "above the claim", "below the claim"
#: the verdict when there are too few small clients to test a claim
TOO_FEW = "too few small clients to judge"


def class_shares(
    ledger: pd.DataFrame, config: Mapping[str, Any], level: str | None = None
) -> Result:
    """Shares of small clients in each profit class, with Wilson intervals, against the claims.

    The groups are loss-making, break-even and profitable (:func:`profit_classes`), "worth
    nothing" (loss-making or break-even) and "truly valuable" (profitable with a margin of at
    least ``questions.valuable_margin``); the last two are set against the claimed shares
    ``claim_worth_nothing`` and ``claim_valuable``.

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config (sections ``questions`` and ``size_tiers``).
    level
        The profit level (:data:`helpers.ledger.levels.LEVELS`); None: the level the report
        leads with (:func:`helpers.ledger.levels.lead_level`).

    Returns
    -------
    Result
        ``table``: group, customers, claim (fraction or None), share, ci_low, ci_high
        (fractions), profit (currency units), share_of_small_profit (fraction; NaN when the
        small clients' profit is not a material positive total), verdict (consistent with /
        above / below the claim); ``metrics``: level, small_clients, the tiers, band and margin
        used, ``<group>_share`` with ``_ci_low`` / ``_ci_high``, the claims and their verdicts
        (worth_nothing_verdict, valuable_verdict; "too few small clients to judge" below
        ``min_segment_size``). Not available when no customer is small.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. Journal of the American Statistical Association, 22(158), 209-212.
    """
    level = level or _lead_level(ledger)
    small = small_clients(_level_view(ledger, level), config)
    if small.empty:
        return Result(
            message="No small clients in this period: size_tiers.small "
            f"({', '.join(map(str, config['size_tiers']['small']))}) matches no customer, so "
            "the share of small clients that pay cannot be measured."
        )
    table = _class_table(small, config)
    metrics = {"level": level, **_class_metrics(table, len(small), config)}
    prefix = _level_prefix(level)
    return Result(
        table=table,
        metrics=metrics,
        findings=_class_sentences(table, len(small), _settings(config), prefix),
    )


def claim_verdicts(ledger: pd.DataFrame, config: Mapping[str, Any]) -> tuple[str, str] | None:
    """The worth-nothing and truly-valuable verdicts on the ledger's own profit.

    Parameters
    ----------
    ledger
        A customer ledger (its ``profit`` column as it is: no level is applied).
    config
        The run's config.

    Returns
    -------
    tuple of str, or None
        (worth-nothing verdict, truly-valuable verdict), each "consistent with the claim",
        "above the claim" or "below the claim"; None without small clients.
    """
    small = small_clients(ledger, config)
    if small.empty:
        return None
    settings = _settings(config)
    classes = profit_classes(small, config)
    nothing = int((classes != CLASSES[2]).sum())
    valuable = int(_valuable(small, config).sum())
    low, high = wilson_ci([nothing, valuable], [len(small)] * 2, settings["confidence"])
    claims = (settings["claim_worth_nothing"], settings["claim_valuable"])
    return tuple(  # type: ignore[return-value]
        _verdict_of(count / len(small), lo, hi, claim, len(small), settings)
        for count, lo, hi, claim in zip((nothing, valuable), low, high, claims, strict=True)
    )


def _level_prefix(level: str) -> str:
    """The level as a sentence's opening ("On the margin ..., ") unless it is the complete one."""
    if level == "with_assumptions":
        return ""
    words = levels.LEVEL_WORDS[level]
    return words[0].upper() + words[1:] + ", "


def _class_table(small: pd.DataFrame, config: Mapping[str, Any]) -> pd.DataFrame:
    """One row per group: customers, claim, share with its interval, profit, verdict."""
    settings = _settings(config)
    n_small = len(small)
    classes = profit_classes(small, config)
    valuable = _valuable(small, config)
    counts = {name: int((classes == name).sum()) for name in CLASSES}
    rows = [(name, counts[name], None) for name in CLASSES]
    rows.append(
        ("worth nothing", counts[CLASSES[0]] + counts[CLASSES[1]], settings["claim_worth_nothing"])
    )
    rows.append(("truly valuable", int(valuable.sum()), settings["claim_valuable"]))
    table = pd.DataFrame(rows, columns=["group", "customers", "claim"])
    table["share"] = table["customers"] / n_small
    low, high = wilson_ci(table["customers"], np.full(len(table), n_small), settings["confidence"])
    table["ci_low"], table["ci_high"] = low, high
    profit = small["profit"].astype("float64")
    table["profit"] = [
        float(profit.loc[(classes == name).to_numpy()].sum()) for name in CLASSES
    ] + [
        float(profit.loc[(classes != CLASSES[2]).to_numpy()].sum()),
        float(profit.loc[valuable.to_numpy()].sum()),
    ]
    shares = [share_of(amount, profit) for amount in table["profit"]]
    table["share_of_small_profit"] = [np.nan if s is None else s for s in shares]
    table["verdict"] = [
        _verdict_of(row.share, row.ci_low, row.ci_high, row.claim, n_small, settings)
        for row in table.itertuples()
    ]
    return table


def _verdict_of(
    share: float,
    low: float,
    high: float,
    claim: float | None,
    n_small: int,
    settings: Mapping[str, Any],
) -> str:
    """A share against its claim: consistent (the claim inside the interval), above or below.

    With fewer small clients than ``min_segment_size`` the claim is not judged at all.
    """
    if claim is None or not np.isfinite(claim):
        return ""
    if n_small < int(settings["min_segment_size"]):
        return TOO_FEW
    if low <= claim <= high:
        return CONSISTENT
    return ABOVE if share > claim else BELOW


def _class_metrics(table: pd.DataFrame, n_small: int, config: Mapping[str, Any]) -> dict[str, Any]:
    """The shares and their intervals under ``small_<group>_share`` keys, with the claims."""
    settings = _settings(config)
    metrics: dict[str, Any] = {
        "small_clients": n_small,
        "small_tiers": list(config["size_tiers"]["small"]),
        "break_even_band": float(settings["break_even_band"]),
        "valuable_margin": float(settings["valuable_margin"]),
    }
    for row in table.itertuples():
        key = _METRIC_KEYS[row.group]
        metrics[f"{key}_share"] = float(row.share)
        metrics[f"{key}_share_ci_low"] = float(row.ci_low)
        metrics[f"{key}_share_ci_high"] = float(row.ci_high)
    metrics["claim_worth_nothing"] = float(settings["claim_worth_nothing"])
    metrics["claim_valuable"] = float(settings["claim_valuable"])
    groups = table.set_index("group")["verdict"]
    metrics["worth_nothing_verdict"] = str(groups["worth nothing"])
    metrics["valuable_verdict"] = str(groups["truly valuable"])
    return metrics


def _class_sentences(
    table: pd.DataFrame, n_small: int, settings: Mapping[str, Any], prefix: str = ""
) -> list[str]:
    """The three classes, then the worth-nothing and truly-valuable shares against the claims."""
    level = f"{settings['confidence']:.0%} CI"
    groups = table.set_index("group")
    nothing, valuable = groups.loc["worth nothing"], groups.loc["truly valuable"]
    opening = f"{prefix}of" if prefix else "Of"
    if nothing["verdict"] == TOO_FEW:
        return [
            f"{opening} {n_small:,} small clients, {pct(groups.loc['loss-making', 'share'])} are "
            f"loss-making and {pct(groups.loc['profitable', 'share'])} profitable; with fewer "
            f"than {settings['min_segment_size']} small clients the claims (worth nothing "
            f"{pct(settings['claim_worth_nothing'])}, truly valuable "
            f"{pct(settings['claim_valuable'])}) cannot be tested: the intervals would be too "
            "wide to conclude anything."
        ]
    return [
        f"{opening} {n_small:,} small clients, {pct(groups.loc['loss-making', 'share'])} are "
        f"loss-making, {pct(groups.loc['break-even', 'share'])} break even (profit within "
        f"±{settings['break_even_band']:.0%} of their net revenue) and "
        f"{pct(groups.loc['profitable', 'share'])} are profitable.",
        f"Worth nothing (loss-making or break-even): {pct(nothing['share'])} "
        f"({level} {pct(nothing['ci_low'])}–{pct(nothing['ci_high'])}) against the claimed "
        f"{pct(settings['claim_worth_nothing'])}: {nothing['verdict']}.",
        f"Truly valuable (profit of at least {pct(settings['valuable_margin'])} of net revenue): "
        f"{pct(valuable['share'])} ({level} {pct(valuable['ci_low'])}–{pct(valuable['ci_high'])}) "
        f"against the claimed {pct(settings['claim_valuable'])}: {valuable['verdict']}"
        + _valuable_profit(valuable, float(groups["profit"].iloc[:3].sum())),
    ]


def _valuable_profit(valuable: pd.Series, small_profit: float) -> str:
    """What the truly valuable earn: a share of the small clients' profit only when material."""
    if int(valuable["customers"]) == 0:
        return "."
    share = valuable["share_of_small_profit"]
    if np.isfinite(share):
        return f"; they earn {pct(share)} of the small clients' profit."
    return (
        f"; they earn {money(valuable['profit'])} while all small clients together earn "
        f"{money(small_profit)}, too close to zero or below it for a share to mean anything."
    )
