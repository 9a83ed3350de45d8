"""The seesaw's headline: metrics for the report, finding sentences, and both as one Result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from helpers import plots
from helpers.results import Result, json_float
from helpers.seesaw.tables import _UNKNOWN, _config, bridge_table, tier_table
from helpers.seesaw.trend import fit_trend

__all__ = ["seesaw_metrics", "seesaw_findings", "measure_seesaw"]


def seesaw_metrics(ledger: pd.DataFrame, config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Headline numbers for ``ws.record('seesaw', ...)``.

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config; None means the defaults.

    Returns
    -------
    dict
        ``slope`` (with ``slope_ci_low`` / ``slope_ci_high``): Theil-Sen slope of margin after
        cost to serve (fraction) per tenfold net revenue, all customers; ``slope_upper*`` the
        same over the largest customers. ``most_profitable_tier``: the size tier with the
        highest margin after cost to serve; ``largest_tier``: the biggest size tier with
        customers; ``*_margin_pct``: percentages; ``*_share``: fractions;
        ``big_accounts_most_profitable``: the largest tier has the highest margin.

    References
    ----------
    Sen, P. K. (1968). Estimates of the regression coefficient based on Kendall's tau. Journal
    of the American Statistical Association, 63(324), 1379-1389.
    """
    settings = _config(config)
    out = _tier_metrics(tier_table(ledger, settings))
    trend = fit_trend(ledger, settings)
    for name, key in (("all", "slope"), ("upper", "slope_upper")):
        fit = trend[name]
        out[key] = json_float(fit["slope"])
        out[f"{key}_ci_low"] = json_float(fit["ci_low"])
        out[f"{key}_ci_high"] = json_float(fit["ci_high"])
        out[f"{key}_customers"] = int(fit["n"])
    out["slope_upper_min_revenue"] = json_float(trend["upper"]["min_revenue"])
    out["slope_units"] = "margin (fraction of net revenue) per tenfold net revenue"
    if out["largest_tier"] is None:
        return out
    bridge = bridge_table(ledger, settings).set_index("size_tier")
    cts_cols = [c for c in bridge.columns if c not in ("discounts", "rebates", "cost of goods",
                                                        "profit")]  # fmt: skip
    fin = next(iter(settings["seesaw"]["bridge"]["groups"]))
    for label in ("largest", "smallest"):
        row = bridge.loc[out[f"{label}_tier"]]
        out[f"{label}_tier_discount_rebate_pct_of_list"] = json_float(
            100 * (row["discounts"] + row["rebates"])
        )
        out[f"{label}_tier_financing_pct_of_list"] = (
            json_float(100 * row[fin]) if fin in row else None
        )
        out[f"{label}_tier_cost_to_serve_pct_of_list"] = json_float(100 * row[cts_cols].sum())
    return out


def _tier_metrics(tiers: pd.DataFrame) -> dict[str, Any]:
    """The tier part of :func:`seesaw_metrics`, from :func:`tier_table`."""
    known = tiers.loc[(tiers["size_tier"] != _UNKNOWN) & tiers["margin_pct"].notna()]
    out: dict[str, Any] = {"customers": int(tiers["customers"].sum())}
    if known.empty:
        out.update(most_profitable_tier=None, largest_tier=None, big_accounts_most_profitable=None)
        return out
    best = known.loc[known["margin_pct"].idxmax()]
    big, small = known.iloc[-1], known.iloc[0]
    out["most_profitable_tier"] = str(best["size_tier"])
    out["most_profitable_tier_margin_pct"] = json_float(100 * best["margin_pct"])
    out["largest_tier"] = str(big["size_tier"])
    out["largest_tier_margin_pct"] = json_float(100 * big["margin_pct"])
    out["largest_tier_revenue_share"] = json_float(big["revenue_share"])
    out["largest_tier_profit_share"] = json_float(big["profit_share"])
    out["smallest_tier"] = str(small["size_tier"])
    out["smallest_tier_margin_pct"] = json_float(100 * small["margin_pct"])
    out["big_accounts_most_profitable"] = bool(best["size_tier"] == big["size_tier"])
    return out


def _points(value: float | None) -> str:
    """A slope in margin points: 0.034 -> "3.4 points" (sign dropped)."""
    return "n/a" if value is None else f"{abs(100 * value):.1f} points"


def _interval(metrics: Mapping[str, Any], key: str) -> str:
    """`` [-4.1 to -2.0]``: the key's interval in points, or "" without one."""
    low, high = metrics.get(f"{key}_ci_low"), metrics.get(f"{key}_ci_high")
    return "" if low is None or high is None else f" [{100 * low:+.1f} to {100 * high:+.1f}]"


def _direction(metrics: Mapping[str, Any], key: str) -> str:
    """Rises, falls, or barely changes when the interval holds zero."""
    low, high = metrics.get(f"{key}_ci_low"), metrics.get(f"{key}_ci_high")
    if low is not None and high is not None and low <= 0 <= high:
        return "barely changes (no clear trend)"
    return "rises" if (metrics.get(key) or 0) > 0 else "falls"


def seesaw_findings(metrics: Mapping[str, Any]) -> list[str]:
    """Sentences computed from :func:`seesaw_metrics`.

    Parameters
    ----------
    metrics
        :func:`seesaw_metrics`.

    Returns
    -------
    list of str
        Whether the seesaw tilts, the trend with size, and what discounts, financing and cost to
        serve take from the largest and smallest tiers.
    """
    if metrics.get("most_profitable_tier") is None:
        return ["No size tier has customers with revenue: there is no seesaw to show."]

    big, best = metrics["largest_tier"], metrics["most_profitable_tier"]
    out = []
    if metrics["big_accounts_most_profitable"]:
        out.append(
            f"Big accounts are the most profitable: the {big} tier earns the highest margin after "
            f"cost to serve ({metrics['largest_tier_margin_pct']:.1f}%), with "
            f"{metrics['largest_tier_revenue_share']:.0%} of revenue and "
            f"{metrics['largest_tier_profit_share']:.0%} of profit. The seesaw does not tilt here."
        )
    else:
        out.append(
            f"The seesaw tilts: the {big} tier brings {metrics['largest_tier_revenue_share']:.0%} of "
            f"revenue but {metrics['largest_tier_profit_share']:.0%} of profit, at a "
            f"{metrics['largest_tier_margin_pct']:.1f}% margin after cost to serve; the {best} tier "
            f"earns the highest margin ({metrics['most_profitable_tier_margin_pct']:.1f}%)."
        )
    if metrics.get("slope") is not None:
        out.append(
            f"Across all customers, margin after cost to serve {_direction(metrics, 'slope')} with size: "
            f"{_points(metrics['slope'])}{_interval(metrics, 'slope')} per tenfold revenue (Theil-Sen)"
            + (
                f"; among the largest customers (net revenue from "
                f"{plots.format_money(metrics['slope_upper_min_revenue'])}) it "
                f"{_direction(metrics, 'slope_upper')}: {_points(metrics['slope_upper'])}{_interval(metrics, 'slope_upper')}."
                if metrics.get("slope_upper") is not None
                else "."
            )
        )
    small = metrics["smallest_tier"]
    out.append(
        f"Discounts and rebates take {metrics['largest_tier_discount_rebate_pct_of_list']:.1f}% of list "
        f"price from {big} accounts and {metrics['smallest_tier_discount_rebate_pct_of_list']:.1f}% from "
        f"{small} ones; payment-term financing {metrics['largest_tier_financing_pct_of_list'] or 0:.1f}% "
        f"against {metrics['smallest_tier_financing_pct_of_list'] or 0:.1f}%; all cost to serve "
        f"{metrics['largest_tier_cost_to_serve_pct_of_list']:.1f}% against "
        f"{metrics['smallest_tier_cost_to_serve_pct_of_list']:.1f}%."
    )
    return out


def measure_seesaw(ledger: pd.DataFrame, config: Mapping[str, Any] | None = None) -> Result:
    """The seesaw as one Result: the tier table, the metrics and the finding sentences.

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config; None means the defaults.

    Returns
    -------
    Result
        ``table``: :func:`tier_table`; ``metrics``: :func:`seesaw_metrics` (what
        ``ws.record('seesaw', ...)`` keeps); ``findings``: :func:`seesaw_findings`.
    """
    settings = _config(config)
    metrics = seesaw_metrics(ledger, settings)
    return Result(
        table=tier_table(ledger, settings), metrics=metrics, findings=seesaw_findings(metrics)
    )
