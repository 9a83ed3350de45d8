"""Throw to the crowd: how many leads and small clients it takes to find one long-term partner."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from helpers.q2_attract.channels import UNKNOWN, _settings
from helpers.results import Result, json_float, pct

__all__ = ["crowd_arithmetic", "per_partner"]

_ALL = "all channels"

#: decimals of each "per long-term partner" count, in the sentences and the figure's title alike
_PER_PARTNER_DECIMALS = {"small_per_partner": 1, "leads_per_partner": 0}


def per_partner(value: float, column: str = "small_per_partner") -> str:
    """A count per long-term partner as the report writes it: 1.59 -> "1.6"; leads 41.7 -> "42".

    Parameters
    ----------
    value
        Small clients (or leads) per partner.
    column
        ``small_per_partner`` (one decimal) or ``leads_per_partner`` (whole numbers).

    Returns
    -------
    str
        The rounded count, the same in every sentence and title that shows it.
    """
    return f"{value:.{_PER_PARTNER_DECIMALS[column]}f}"


@dataclass(frozen=True)
class _Draws:
    """The Monte Carlo set-up: generator, draws, Beta prior and interval tail."""

    rng: np.random.Generator
    draws: int
    prior: float
    alpha: float


def crowd_arithmetic(new: Result, spend: pd.DataFrame | None, config: Mapping[str, Any]) -> Result:
    """How many small clients (and leads) it takes to find one long-term partner.

    A partner is a new small client observed ``partner_years`` years that has not closed, still
    orders in that year and is profitable over the period. Small clients per partner = 1 / q,
    leads per partner = 1 / (c x q), with q (partner rate) and c (lead-to-customer conversion)
    drawn from Beta(k + prior, n - k + prior) posteriors (``draws`` draws, seeded) —
    conversion is assumed the same for small and big customers of a channel.

    Parameters
    ----------
    new
        :func:`new_customers`.
    spend
        The acquisition_spend table (its ``leads`` per channel and month), or None: then reach
        is counted in new small clients only.
    config
        The run's config (section ``acquisition``).

    Returns
    -------
    Result
        ``table``, one row per channel and an "all channels" row: channel, small_observed,
        partners, new_customers (counts), leads, partner_rate, conversion (fractions),
        small_per_partner, leads_per_partner (posterior medians) with ``_low`` / ``_high``
        interval bounds; ``metrics``: partner_years, partner_rate, small_clients_per_partner
        and leads_per_partner with ``_ci_low`` / ``_ci_high``, lead_conversion and
        crowd_verdict ("estimated"; "no partner observed" or "too uncertain" when the interval
        of small clients per partner spans more than ``max_interval_ratio``: then the findings
        say why it cannot be estimated and print no number of clients per partner). Not
        available (``message``) when no new small client was observed ``partner_years`` years.
        Without a channel in the data the table holds the "all channels" row only.
    """
    settings = _settings(config)
    years = settings["partner_years"]
    if new.table.empty:
        return Result(
            message="No new customer in the data's window: the crowd arithmetic needs new "
            "small clients observed for "
            f"{years} years."
        )
    table = _crowd_table(new, spend, settings)
    total = table.iloc[-1]
    if total["small_observed"] == 0:
        return Result(
            table=table,
            message=(
                f"No new small client has been observed for {years} years yet: the crowd "
                "arithmetic needs a longer history."
            ),
        )
    verdict = _crowd_verdict(total, settings)
    return Result(
        table=table,
        metrics={**_crowd_metrics(total, years), "crowd_verdict": verdict},
        findings=_crowd_sentences(table, settings, verdict),
    )


def _crowd_table(
    new: Result, spend: pd.DataFrame | None, settings: Mapping[str, Any]
) -> pd.DataFrame:
    """One row per channel (none without channels in the data) and the all-channels row."""
    setup = _Draws(
        rng=np.random.default_rng(int(settings["seed"])),
        draws=int(settings["draws"]),
        prior=float(settings["prior"]),
        alpha=(1 - float(settings["confidence"])) / 2,
    )
    frame = new.table
    leads = _leads_by_channel(spend, new.detail["window"])
    channels = sorted(frame["channel"].unique()) if new.metrics.get("channel_source") else []
    groups = [(c, frame.loc[frame["channel"] == c]) for c in channels]
    groups.append((_ALL, frame))
    return pd.DataFrame([_crowd_row(name, part, leads, setup) for name, part in groups])


def _crowd_verdict(total: pd.Series, settings: Mapping[str, Any]) -> str:
    """Whether small clients per partner can be estimated from the all-channels row."""
    if int(total["partners"]) == 0:
        return "no partner observed"
    low, high = float(total["small_per_partner_low"]), float(total["small_per_partner_high"])
    if not (low > 0 and high / low <= float(settings.get("max_interval_ratio", 10))):
        return "too uncertain"
    return "estimated"


def _leads_by_channel(
    spend: pd.DataFrame | None, window: tuple[pd.Timestamp, pd.Timestamp]
) -> pd.Series | None:
    """Leads per channel over the window's months; None when the data has no leads."""
    if spend is None or spend.empty or not spend["leads"].notna().any():
        return None
    first, last = window
    month = pd.to_datetime(spend["month"])
    inside = (month >= first.to_period("M").start_time) & (month <= last)
    return spend.loc[inside].groupby("channel")["leads"].sum(min_count=1)


def _crowd_row(
    name: str, part: pd.DataFrame, leads: pd.Series | None, setup: _Draws
) -> dict[str, Any]:
    """One channel's partner rate, small clients and leads per partner, with intervals."""
    observed = part.loc[part["small"] & part["partner_observed"]]
    n_obs, partners = len(observed), int(observed["partner"].sum())
    row: dict[str, Any] = {"channel": name, "small_observed": n_obs, "partners": partners}
    row["partner_rate"] = partners / n_obs if n_obs else np.nan
    rate = (
        setup.rng.beta(partners + setup.prior, n_obs - partners + setup.prior, setup.draws)
        if n_obs
        else np.full(setup.draws, np.nan)
    )
    per_small = 1 / rate
    row["small_per_partner"] = float(np.median(per_small)) if n_obs else np.nan
    row["small_per_partner_low"], row["small_per_partner_high"] = (
        _interval(per_small, setup.alpha) if n_obs else (np.nan, np.nan)
    )
    n_leads = np.nan
    if leads is not None:
        n_leads = float(leads.sum()) if name == _ALL else float(leads.get(name, np.nan))
    customers = len(part)
    row["leads"], row["new_customers"] = n_leads, customers
    row["conversion"] = np.nan
    row["leads_per_partner"] = np.nan
    row["leads_per_partner_low"] = row["leads_per_partner_high"] = np.nan
    if np.isfinite(n_leads) and n_leads >= customers > 0 and n_obs:
        conversion = setup.rng.beta(
            customers + setup.prior, n_leads - customers + setup.prior, setup.draws
        )
        per_lead = 1 / (conversion * rate)
        row["conversion"] = customers / n_leads
        row["leads_per_partner"] = float(np.median(per_lead))
        row["leads_per_partner_low"], row["leads_per_partner_high"] = _interval(
            per_lead, setup.alpha
        )
    return row


def _interval(values: np.ndarray, alpha: float) -> tuple[float, float]:
    """The central 1 - 2 alpha interval of ``values``."""
    return float(np.quantile(values, alpha)), float(np.quantile(values, 1 - alpha))


def _crowd_metrics(total: pd.Series, years: Any) -> dict[str, Any]:
    """The all-channels row's numbers for the report (JSON-safe)."""
    return {
        "partner_years": years,
        "partner_rate": json_float(total["partner_rate"]),
        "small_clients_per_partner": json_float(total["small_per_partner"]),
        "small_clients_per_partner_ci_low": json_float(total["small_per_partner_low"]),
        "small_clients_per_partner_ci_high": json_float(total["small_per_partner_high"]),
        "leads_per_partner": json_float(total["leads_per_partner"]),
        "leads_per_partner_ci_low": json_float(total["leads_per_partner_low"]),
        "leads_per_partner_ci_high": json_float(total["leads_per_partner_high"]),
        "lead_conversion": json_float(total["conversion"]),
    }


def _cannot_estimate(total: pd.Series, settings: Mapping[str, Any], verdict: str) -> str:
    """Why the number of small clients per partner cannot be estimated."""
    years, n_obs = settings["partner_years"], int(total["small_observed"])
    if verdict == "no partner observed":
        return (
            f"None of the {n_obs} new small clients observed for {years} years became a "
            f"long-term partner (alive, still ordering in year {years} and profitable): with no "
            "partner seen, how many clients it takes to find one cannot be estimated."
        )
    return (
        f"{int(total['partners'])} of {n_obs} new small clients observed for {years} years "
        f"became long-term partners: too few to say how many clients it takes to find one (the "
        f"{settings['confidence']:.0%} interval spans more than a factor of "
        f"{float(settings.get('max_interval_ratio', 10)):g})."
    )


def _crowd_sentences(
    table: pd.DataFrame, settings: Mapping[str, Any], verdict: str = "estimated"
) -> list[str]:
    """The partner rate, then leads per partner overall and the fewest / most by channel."""
    total = table.iloc[-1]
    if verdict != "estimated":
        return [_cannot_estimate(total, settings, verdict)]
    years = settings["partner_years"]
    level = f"{settings['confidence']:.0%} interval"
    findings = [
        f"{pct(total['partner_rate'])} of new small clients become long-term partners "
        f"(alive, still ordering in year {years} and profitable; n={int(total['small_observed'])}):"
        f" it takes about {per_partner(total['small_per_partner'])} new small clients "
        f"({level} {per_partner(total['small_per_partner_low'])}–"
        f"{per_partner(total['small_per_partner_high'])}) to find one."
    ]
    if not np.isfinite(total["leads_per_partner"]):
        return [*findings, "Leads are not known, so reach is counted in new small clients only."]
    findings.append(
        f"Throw to the crowd: with {pct(total['conversion'])} of leads converting, about "
        f"{per_partner(total['leads_per_partner'], 'leads_per_partner')} leads must be reached "
        f"for one long-term partner ({level} "
        f"{per_partner(total['leads_per_partner_low'], 'leads_per_partner')}–"
        f"{per_partner(total['leads_per_partner_high'], 'leads_per_partner')})."
    )
    channels = table.iloc[:-1].dropna(subset=["leads_per_partner"])
    channels = channels.loc[channels["channel"] != UNKNOWN]
    channels = channels.loc[channels["small_observed"] >= int(settings["min_channel_size"])]
    if len(channels) >= 2:
        best = channels.loc[channels["leads_per_partner"].idxmin()]
        worst = channels.loc[channels["leads_per_partner"].idxmax()]
        findings.append(
            f"Fewest leads per partner: {best['channel']} ({best['leads_per_partner']:.0f}); "
            f"most: {worst['channel']} ({worst['leads_per_partner']:.0f})."
        )
    return findings
