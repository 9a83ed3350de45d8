"""Survival of new customers: closure or lapse, Kaplan-Meier curves and the first-year rate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers import plots
from helpers.growth._shared import is_new, settings, signups, tier_order
from helpers.ledger.purchases import customer_days
from helpers.results import Result, missing, wilson_ci

__all__ = [
    "survival_table",
    "kaplan_meier",
    "first_year_closure",
    "survival_findings",
    "plot_survival",
]

_UNKNOWN = "unknown"  # customers without a size tier: counted, never drawn as a size


def survival_table(
    order_lines: pd.DataFrame,
    customers: pd.DataFrame | None,
    tiers: pd.Series,
    config: Mapping[str, Any],
) -> Result:
    """One row per new customer: start, duration, event (closed or lapsed), tier and cohort.

    The event rule (``growth.event``) is closure from ``closed_date`` when the customers table
    has it, else lapse from the inter-purchase pattern (see ``defaults/growth.yaml``).

    Parameters
    ----------
    order_lines
        The canonical order lines.
    customers
        The customers table (``signup_date``, ``closed_date``), or None.
    tiers
        Each customer's size tier, indexed by customer_id.
    config
        The dataset config (its ``growth`` section).

    Returns
    -------
    Result
        ``table`` indexed by customer: first, last (purchase days), start (signup or first
        purchase), event (bool), end (date), lapse_days (lapse rule only, days), duration
        (days), size_tier, cohort (period label); ``detail`` with ``rule`` (closure or
        lapse), ``rule_text`` and ``data_end``. Not available without purchases, new
        customers or, for the closure rule, closure dates.
    """
    cfg = settings(config)
    daily = customer_days(order_lines)
    if daily.empty:
        return missing("No purchases: no survival analysis.")
    data_start, data_end = daily["day"].min(), daily["day"].max()
    days = daily.groupby("customer_id")["day"]
    per = pd.DataFrame({"first": days.min(), "last": days.max()})
    cust = customers.set_index("customer_id") if customers is not None else None
    per["start"] = signups(customers, per.index).fillna(per["first"])
    per["new"] = is_new(per["first"], customers, data_start, config)
    rule, rule_text = _apply_rule(per, cust, daily, data_end, cfg)
    if not rule:
        return missing(rule_text)
    per = per.loc[per["new"]].drop(columns="new")
    per["duration"] = (per["end"] - per["start"]).dt.days.clip(lower=0).astype("float64")
    per["size_tier"] = tiers.reindex(per.index).astype("string").fillna(_UNKNOWN)
    freq = str(cfg["cohort_freq"])
    per["cohort"] = per["start"].dt.to_period(freq[0] if freq else "Y").astype("string")
    if per.empty:
        return missing("No customer starts inside the data: no survival analysis.")
    return Result(table=per, detail={"rule": rule, "rule_text": rule_text, "data_end": data_end})


def _apply_rule(
    per: pd.DataFrame,
    cust: pd.DataFrame | None,
    daily: pd.DataFrame,
    data_end: pd.Timestamp,
    cfg: Mapping[str, Any],
) -> tuple[str, str]:
    """The event rule applied to ``per`` (event, end): (rule, rule in words), or ("", why not)."""
    has_closure = cust is not None and "closed_date" in cust and cust["closed_date"].notna().any()
    rule = str(cfg["event"])
    if rule == "auto":
        rule = "closure" if has_closure else "lapse"
    if rule == "closure" and not has_closure:
        return "", "Survival by closure needs closed_date in the customers table."
    if rule == "closure":
        return rule, _closure_rule(per, cust["closed_date"], data_end)
    if not daily["customer_id"].duplicated().any():
        return "", (
            f"None of the {len(per):,} customers bought on a second day and the data has no "
            "closure dates: a lapse cannot be read from a buying rhythm, so how long new "
            "customers last cannot be measured."
        )
    return rule, _lapse_rule(per, daily, data_end, cfg)


def _closure_rule(per: pd.DataFrame, closed_dates: pd.Series, data_end: pd.Timestamp) -> str:
    """Event and end from the closed dates; the rule in words."""
    closed = closed_dates.reindex(per.index)
    per["event"] = closed.notna() & (closed <= data_end)
    per["end"] = closed.where(per["event"], data_end)
    return (
        "closure: a customer's life ends on its closed_date; customers without one are "
        f"censored at the end of the data ({data_end.date()})"
    )


def _lapse_rule(
    per: pd.DataFrame, daily: pd.DataFrame, data_end: pd.Timestamp, cfg: Mapping[str, Any]
) -> str:
    """Event and end from each customer's buying rhythm; the rule in words."""
    gaps = daily.groupby("customer_id")["day"].diff().dt.days.dropna()
    own = gaps.groupby(daily.loc[gaps.index, "customer_id"]).median()
    pooled = float(gaps.median()) if len(gaps) else float(cfg["lapse_min_days"])
    typical = own.reindex(per.index).fillna(pooled)
    limit = np.maximum(float(cfg["lapse_min_days"]), float(cfg["lapse_multiple"]) * typical)
    per["lapse_days"] = limit
    per["event"] = (data_end - per["last"]).dt.days > limit
    per["end"] = per["last"].where(per["event"], data_end)
    return (
        "lapse: no closure dates, so a customer has lapsed when the time since the last "
        f"purchase exceeds max({cfg['lapse_min_days']} days, {cfg['lapse_multiple']} x their "
        f"median gap between purchases; {pooled:.0f} days for single-purchase customers); "
        "the life ends at the last purchase"
    )


def kaplan_meier(table: pd.DataFrame, by: str, config: Mapping[str, Any]) -> Result:
    """Kaplan-Meier fits (lifelines) per group of ``by`` with at least ``min_group_size`` rows.

    Parameters
    ----------
    table
        :func:`survival_table`'s table (duration, event and the ``by`` column).
    by
        The grouping column, e.g. ``size_tier`` (in tier order) or ``cohort``.
    config
        The dataset config (``growth.confidence`` and ``min_group_size``).

    Returns
    -------
    Result
        ``table``, one row per fitted group (index named ``by``): customers, events (int),
        median_days (median survival in days, inf when more than half survive);
        ``detail['fits']`` group -> fitted ``lifelines.KaplanMeierFitter``. Not available
        when no group is large enough.

    References
    ----------
    Kaplan, E. L., & Meier, P. (1958). Nonparametric estimation from incomplete observations.
    Journal of the American Statistical Association 53(282), 457-481.
    """
    from lifelines import KaplanMeierFitter

    cfg = settings(config)
    alpha = 1 - float(cfg["confidence"])
    fits, rows = {}, []
    groups = table.groupby(by, observed=True)
    order = tier_order(config) if by == "size_tier" else sorted(map(str, groups.groups))
    for name in order + sorted(set(map(str, groups.groups)) - set(order)):
        if name not in groups.groups or (by == "size_tier" and name == _UNKNOWN):
            continue  # customers without a tier are no size to draw a curve for
        group = groups.get_group(name)
        if len(group) < int(cfg["min_group_size"]):
            continue
        fits[name] = KaplanMeierFitter(alpha=alpha).fit(
            group["duration"], group["event"].astype(bool), label=str(name)
        )
        events = int(group["event"].astype(bool).sum())
        rows.append((name, len(group), events, float(fits[name].median_survival_time_)))
    summary = pd.DataFrame(rows, columns=[by, "customers", "events", "median_days"]).set_index(by)
    message = "" if fits else f"No {by} group has {cfg['min_group_size']} customers: no curves."
    return Result(table=summary, message=message, detail={"fits": fits, "by": by})


def _closure_at(fitter: Any, days: float) -> tuple[float, float, float]:
    """1 - S(days) and its confidence interval from a fitted KaplanMeierFitter."""
    surviving = float(fitter.survival_function_at_times(days).iloc[0])
    bands = fitter.confidence_interval_survival_function_
    row = bands.loc[bands.index <= days].iloc[-1]
    return 1 - surviving, 1 - float(row.iloc[1]), 1 - float(row.iloc[0])


def _plain_interval(table: pd.DataFrame, days: float, confidence: float) -> tuple[float, float]:
    """Wilson interval of the plain share closed within ``days``, among those observed so long."""
    closed = table["event"].astype(bool) & (table["duration"] <= days)
    observed = closed | (table["duration"] >= days)
    low, high = wilson_ci([int(closed.sum())], [int(observed.sum())], confidence)
    return float(low[0]), float(high[0])


def first_year_closure(
    table: pd.DataFrame, config: Mapping[str, Any], tiers: Sequence[str] | None = None
) -> dict[str, Any]:
    """Kaplan-Meier share of new customers who closed or lapsed within their first year.

    Parameters
    ----------
    table
        :func:`survival_table`'s table.
    config
        The dataset config (``growth.first_year_days``, ``confidence``, ``min_group_size``,
        ``claim_first_year_closure``; ``size_tiers.small``).
    tiers
        The tiers to measure (default: the small tiers; all customers when they are fewer than
        ``min_group_size``).

    Returns
    -------
    dict
        group (``small clients`` or ``all customers``), customers, rate with its ci_low and
        ci_high (0-1), claim (the claimed rate) and claim_in_ci (bool); rate, its interval and
        claim_in_ci None when even all customers are fewer than ``min_group_size``.

    References
    ----------
    Kaplan, E. L., & Meier, P. (1958). Nonparametric estimation from incomplete observations.
    Journal of the American Statistical Association 53(282), 457-481.
    """
    from lifelines import KaplanMeierFitter

    cfg = settings(config)
    small = list(tiers) if tiers is not None else list(config["size_tiers"]["small"])
    measured = table.loc[table["size_tier"].isin(small)]
    group = "small clients"
    if len(measured) < int(cfg["min_group_size"]):
        measured, group = table, "all customers"
    claim = float(cfg["claim_first_year_closure"])
    if len(measured) < int(cfg["min_group_size"]):  # too few for a rate with a useful interval
        return {"group": group, "customers": len(measured), "rate": None, "ci_low": None,
                "ci_high": None, "claim": claim, "claim_in_ci": None}  # fmt: skip
    fitter = KaplanMeierFitter(alpha=1 - float(cfg["confidence"])).fit(
        measured["duration"], measured["event"].astype(bool)
    )
    rate, low, high = _closure_at(fitter, float(cfg["first_year_days"]))
    if high <= rate:  # no event yet: the Greenwood band collapses to a point; use Wilson's
        low, high = _plain_interval(
            measured, float(cfg["first_year_days"]), float(cfg["confidence"])
        )
    return {
        "group": group,
        "customers": len(measured),
        "rate": rate,
        "ci_low": low,
        "ci_high": high,
        "claim": claim,
        "claim_in_ci": bool(low <= claim <= high),
    }


def survival_findings(
    survival: Result, closure: Mapping[str, Any], config: Mapping[str, Any]
) -> list[str]:
    """Sentences on the first-year closure rate and the often-quoted ~20% (``growth.claim_first_year_closure``).

    Parameters
    ----------
    survival
        :func:`survival_table`.
    closure
        :func:`first_year_closure` (empty when the survival table is not available).
    config
        The dataset config (``growth.confidence``).

    Returns
    -------
    list of str
        The rate against the claim and the event rule used, or why there is no survival table.
    """
    if not survival.available:
        return [survival.message]
    what = "closed" if survival.detail["rule"] == "closure" else "lapsed"
    who = "new small clients" if closure["group"] == "small clients" else "new customers"
    rule = f"Rule used: {survival.detail['rule_text']}."
    if closure.get("rate") is None:
        return [
            f"Only {closure['customers']:,} new customer{'s' if closure['customers'] != 1 else ''} "
            "started inside the data: too few "
            f"(fewer than {config['growth']['min_group_size']}) to measure how many {what} "
            "within their first year.",
            rule,
        ]
    rate, low, high = closure["rate"], closure["ci_low"], closure["ci_high"]
    claim = closure["claim"]
    verdict = (
        f"consistent with the often-quoted ~{claim:.0%}"
        if closure["claim_in_ci"]
        else (
            f"above the often-quoted ~{claim:.0%}"
            if low > claim
            else f"below the often-quoted ~{claim:.0%}"
        )
    )
    return [
        f"{rate:.0%} of {who} {what} within their first year "
        f"({float(config['growth']['confidence']):.0%} CI {low:.0%}-{high:.0%}, Kaplan-Meier on "
        f"{closure['customers']:,} customers): {verdict}.",
        rule,
    ]


def plot_survival(
    curves: Result | Mapping[str, Any],
    title: str,
    config: Mapping[str, Any],
    ax: Axes | None = None,
) -> Axes:
    """Kaplan-Meier survival curves (with confidence bands), one per group.

    Parameters
    ----------
    curves
        :func:`kaplan_meier` (or its ``detail['fits']``: group -> fitted KaplanMeierFitter);
        nothing is drawn for a result that is not available.
    title
        The finding the figure shows.
    config
        The dataset config (``growth.first_year_days`` is marked).
    ax
        Axes to draw on (default: a new figure).

    Returns
    -------
    Axes
        Share still active against days since the start.

    References
    ----------
    Kaplan, E. L., & Meier, P. (1958). Nonparametric estimation from incomplete observations.
    Journal of the American Statistical Association 53(282), 457-481.
    """
    fits = curves.detail.get("fits", {}) if isinstance(curves, Result) else curves
    ax = plots.new_axes(ax)
    colors = plots.tier_colors(list(fits))
    for name, fitter in fits.items():
        fitter.plot_survival_function(ax=ax, color=colors[name], ci_show=True)
    ax.axvline(float(config["growth"]["first_year_days"]), color="#555555", lw=0.8, ls="--")
    ax.set_xlabel("Days since the customer started")
    ax.set_ylabel("Still active")
    plots.percent_axis(ax, "y", xmax=1)
    ax.set_ylim(0, 1.02)
    if fits:
        ax.legend(frameon=False, fontsize=8)
    plots.set_finding_title(ax, title, "Kaplan-Meier (lifelines); dashed line: one year")
    return ax
