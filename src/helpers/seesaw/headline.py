"""The seesaw's headline: metrics for the report at each level of profit, and the Result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from helpers.results import Result, json_float
from helpers.seesaw import verdicts
from helpers.seesaw.sentences import seesaw_findings
from helpers.seesaw.tables import _config, _margin_table, _tier_table, bridge_table
from helpers.seesaw.trend import fit_trend

__all__ = ["seesaw_metrics", "seesaw_findings", "measure_seesaw"]


def seesaw_metrics(
    ledger: pd.DataFrame, config: Mapping[str, Any] | None = None, level: str | None = None
) -> dict[str, Any]:
    """Headline numbers for ``ws.record('seesaw', ...)``.

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config; None means the defaults.
    level
        The level of profit to lead with; None means the lead level
        (:func:`helpers.ledger.levels.lead_level`).

    Returns
    -------
    dict
        At the lead level: ``slope`` (with ``slope_ci_low`` / ``slope_ci_high``): Theil-Sen
        slope of margin after cost to serve (fraction) per tenfold net revenue, all customers;
        ``slope_upper*`` the same over the largest customers. The verdicts
        ``highest_margin_tier`` (also ``most_profitable_tier``) and ``tilt`` ("tilts", "no
        tilt", None when not applicable: one tier, or too few customers);
        ``big_accounts_most_profitable`` (the largest tier has the highest margin; None when
        not applicable); ``largest_tier``, ``smallest_tier``; ``*_margin_pct``: percentages;
        ``*_share``: fractions (None where the total profit is not material). Also
        ``lead_level``, one dict of the tier numbers per level in the data, and
        ``sensitivity`` (verdict -> :func:`helpers.ledger.levels.verdict_range`).

    References
    ----------
    Sen, P. K. (1968). Estimates of the regression coefficient based on Kendall's tau. Journal
    of the American Statistical Association, 63(324), 1379-1389.
    """
    settings = _config(config)
    minimum = int(settings["seesaw"]["min_customers"])
    lead, frames, present = verdicts.level_frames(ledger, level)
    out = _tier_metrics(_tier_table(frames[lead]), minimum)
    out.update(_trend_metrics(frames[lead], settings))
    out.update(_bridge_metrics(ledger, settings, out, lead))
    for name in present:
        out[name] = _tier_metrics(_tier_table(frames[name]), minimum)
    out["lead_level"] = lead
    out["levels"] = verdicts.level_order(lead, present)
    out["sensitivity"] = verdicts.sensitivity(ledger, _margin_table, minimum)
    return out


def _trend_metrics(ledger: pd.DataFrame, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The Theil-Sen slopes over all and over the largest customers, with their intervals."""
    trend = fit_trend(ledger, settings, level="with_assumptions")  # profit already at its level
    out: dict[str, Any] = {}
    for name, key in (("all", "slope"), ("upper", "slope_upper")):
        fit = trend[name]
        out[key] = json_float(fit["slope"])
        out[f"{key}_ci_low"] = json_float(fit["ci_low"])
        out[f"{key}_ci_high"] = json_float(fit["ci_high"])
        out[f"{key}_customers"] = int(fit["n"])
    out["slope_upper_min_revenue"] = json_float(trend["upper"]["min_revenue"])
    out["slope_units"] = "margin (fraction of net revenue) per tenfold net revenue"
    return out


def _bridge_metrics(
    ledger: pd.DataFrame, settings: Mapping[str, Any], tiers: Mapping[str, Any], lead: str
) -> dict[str, Any]:
    """Discounts and rebates, financing and cost to serve of the largest and smallest tiers."""
    if tiers["largest_tier"] is None:
        return {}
    bridge = bridge_table(ledger, settings, level=lead).set_index("size_tier")
    cts_cols = [c for c in bridge.columns if c not in ("discounts", "rebates", "cost of goods",
                                                        "profit")]  # fmt: skip
    fin = next(iter(settings["seesaw"]["bridge"]["groups"]))
    out: dict[str, Any] = {}
    for label in ("largest", "smallest"):
        row = bridge.loc[tiers[f"{label}_tier"]]
        out[f"{label}_tier_discount_rebate_pct_of_list"] = json_float(
            100 * (row["discounts"] + row["rebates"])
        )
        out[f"{label}_tier_financing_pct_of_list"] = (
            json_float(100 * row[fin]) if fin in row else None
        )
        out[f"{label}_tier_cost_to_serve_pct_of_list"] = json_float(100 * row[cts_cols].sum())
    return out


def _tier_metrics(tiers: pd.DataFrame, min_customers: int) -> dict[str, Any]:
    """The tier part of :func:`seesaw_metrics`, from a tier table, with both verdicts."""
    known = verdicts._known(tiers)
    found = verdicts.tier_verdicts(tiers, min_customers)
    out: dict[str, Any] = {
        "customers": int(tiers["customers"].sum()),
        "tiers_with_customers": int(len(known)),
        "total_profit": json_float(tiers["profit"].sum()),
        **found,
        "most_profitable_tier": found["highest_margin_tier"],
        "big_accounts_most_profitable": None
        if found["tilt"] is None
        else found["tilt"] == "no tilt",
    }
    if known.empty:
        out.update(largest_tier=None, smallest_tier=None)
        return out
    big, small = known.iloc[-1], known.iloc[0]
    if found["highest_margin_tier"] is not None:
        best = known.loc[known["size_tier"] == found["highest_margin_tier"]].iloc[0]
        out["most_profitable_tier_margin_pct"] = json_float(100 * best["margin_pct"])
    out["largest_tier"] = str(big["size_tier"])
    out["largest_tier_margin_pct"] = json_float(100 * big["margin_pct"])
    out["largest_tier_revenue_share"] = json_float(big["revenue_share"])
    out["largest_tier_profit_share"] = json_float(big["profit_share"])
    out["largest_tier_profit"] = json_float(big["profit"])
    out["smallest_tier"] = str(small["size_tier"])
    out["smallest_tier_margin_pct"] = json_float(100 * small["margin_pct"])
    return out


def measure_seesaw(
    ledger: pd.DataFrame, config: Mapping[str, Any] | None = None, level: str | None = None
) -> Result:
    """The seesaw as one Result: the tier table, the metrics and the finding sentences.

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config; None means the defaults.
    level
        The level of profit to lead with; None means the lead level.

    Returns
    -------
    Result
        ``table``: :func:`tier_table` at the lead level; ``metrics``: :func:`seesaw_metrics`
        (what ``ws.record('seesaw', ...)`` keeps); ``findings``: :func:`seesaw_findings`.
    """
    settings = _config(config)
    metrics = seesaw_metrics(ledger, settings, level)
    lead_frame = verdicts.level_frames(ledger, level)[1][metrics["lead_level"]]
    return Result(
        table=_tier_table(lead_frame), metrics=metrics, findings=seesaw_findings(metrics, settings)
    )
