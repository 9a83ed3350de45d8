"""Start small: cohorts by the size of the first order, their second orders, revenue and profit.

The comparison is observational: it describes what happened to customers who started small or
large, not what starting small causes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers import plots
from helpers.growth._shared import is_new, settings
from helpers.growth._stats import bootstrap_diff_ci, bootstrap_mean_ci, diff_ci
from helpers.ledger.purchases import customer_days
from helpers.results import Result, missing, pct, sentence_money, wilson_ci, with_money_columns

__all__ = ["land_and_expand", "plot_land_and_expand"]

_OBSERVATIONAL = (
    "These cohorts are observational: customers who start small may differ in other ways "
    "(size, industry, need), so the comparison shows association, not the effect of "
    "starting small."
)


def land_and_expand(
    order_lines: pd.DataFrame,
    ledger: pd.DataFrame | None,
    config: Mapping[str, Any],
    customers: pd.DataFrame | None = None,
) -> Result:
    """Cohorts by the size of the first order: second orders, revenue and profit in years 1..K.

    Customers are banded by the net revenue of their first purchase day (quantiles of all first
    orders). For each band: the share converted to a second purchase day within
    ``second_order_days``; mean revenue and profit in each year k after the first order (year k
    runs from k-1 to k years after it; profit = revenue - cost of goods - the customer's cost to
    serve per order from the ledger x orders that year); the share whose yearly revenue grew into
    the top ``top_share`` of all customer-years. Only customers observed for the whole window of
    a measure count in it, and only customers new to the data (signup, where known, and first
    purchase after the data starts).

    Parameters
    ----------
    order_lines
        The canonical order lines.
    ledger
        The ledger (cost to serve and orders per customer), or None for no cost to serve.
    config
        The dataset config (its ``growth`` section).
    customers
        The customers table (signup dates), or None.

    Returns
    -------
    Result
        ``table``, one row per first-order band: customers, first_order_median (currency
        units), second_order_rate with its Wilson CI (0-1), grew_to_top_share (0-1) and, per
        year k, revenue_yk and profit_yk (mean per customer, currency units, with bootstrap CIs)
        and observed_yk (customers observed that year); ``metrics`` comparing the smallest and
        the largest band; ``detail['customers']`` one row per customer and
        ``detail['top_threshold']`` (yearly revenue of the top share). Not available without
        purchases or new customers.
    """
    cfg = settings(config)
    rng = np.random.default_rng(int(cfg["seed"]))
    daily = customer_days(order_lines)
    if daily.empty:
        return missing("No purchases in the order lines: no land-and-expand cohorts.")
    data_end = daily["day"].max()
    daily, first = _new_customers(daily, customers, config)
    if daily.empty:
        return missing("No customer starts inside the data: no land-and-expand cohorts.")
    per = _first_orders(daily, first, cfg)
    observed = data_end - per["first_date"]
    _add_conversion(per, daily, observed, cfg)
    _add_yearly(per, daily, observed, _cts_per_order(ledger).reindex(per.index).fillna(0.0), cfg)
    threshold = _add_growth(per, cfg)
    years, samples = int(cfg["followup_years"]), int(cfg["bootstrap_samples"])
    table = _band_table(per, years, float(cfg["confidence"]), samples, rng)
    result = Result(table=table, detail={"customers": per, "top_threshold": threshold})
    _compare_small_large(result, per, cfg, rng)
    return result


def _new_customers(
    daily: pd.DataFrame, customers: pd.DataFrame | None, config: Mapping[str, Any]
) -> tuple[pd.DataFrame, pd.Series]:
    """Purchase days of the customers new to the data, with their age, and their first days."""
    first = daily.groupby("customer_id")["day"].min()
    new = is_new(first, customers, daily["day"].min(), config)
    daily = daily.loc[daily["customer_id"].isin(first.index[new])]
    first = first[new]
    if first.empty:  # nobody new: no ages to compute (map on an empty Series cannot cast dates)
        return daily.iloc[:0], first
    return daily.assign(age=daily["day"] - daily["customer_id"].map(first)), first


def _cts_per_order(ledger: pd.DataFrame | None) -> pd.Series:
    """The ledger's cost to serve per order, per customer (0 where unknown)."""
    if ledger is None or "cost_to_serve" not in ledger or "orders" not in ledger:
        return pd.Series(dtype="float64")
    led = ledger.set_index("customer_id")
    return (led["cost_to_serve"] / led["orders"].where(led["orders"] > 0)).fillna(0.0)


def _first_orders(daily: pd.DataFrame, first: pd.Series, cfg: Mapping[str, Any]) -> pd.DataFrame:
    """One row per new customer: first purchase day, its value and its first-order band."""
    first_value = daily.loc[daily["age"] == pd.Timedelta(0)].set_index("customer_id")["revenue"]
    per = pd.DataFrame({"first_date": first, "first_value": first_value.reindex(first.index)})
    edges = per["first_value"].quantile(list(cfg["first_order_quantiles"])).to_numpy()
    labels = list(cfg["first_order_labels"])
    per["band"] = (
        pd.cut(per["first_value"], [-np.inf, *edges, np.inf], labels=labels, duplicates="drop")
        if len(np.unique(edges)) == len(edges)
        else pd.Categorical([labels[1]] * len(per), categories=labels)
    )
    return per


def _add_conversion(
    per: pd.DataFrame, daily: pd.DataFrame, observed: pd.Series, cfg: Mapping[str, Any]
) -> None:
    """Whether each customer was observed long enough for, and made, a timely second purchase."""
    second = daily.loc[daily["age"] > pd.Timedelta(0)].groupby("customer_id")["age"].min()
    window = pd.Timedelta(days=float(cfg["second_order_days"]))
    per["conversion_observed"] = observed >= window
    per["converted"] = (second.reindex(per.index) <= window).fillna(False)


def _add_yearly(
    per: pd.DataFrame,
    daily: pd.DataFrame,
    observed: pd.Series,
    cts: pd.Series,
    cfg: Mapping[str, Any],
) -> None:
    """Revenue and profit in each year after the first order (NaN where not fully observed)."""
    year = pd.Timedelta(days=float(cfg["days_per_year"]))
    years = int(cfg["followup_years"])
    year_of = (daily["age"] / year).astype("float64").apply(np.floor).astype(int) + 1
    yearly = (
        daily.assign(k=year_of, margin=daily["revenue"] - daily["cost"].fillna(0.0))
        .loc[lambda d: d["k"] <= years]
        .groupby(["customer_id", "k"])[["revenue", "margin", "orders"]]
        .sum()
    )
    for k in range(1, years + 1):
        full = observed >= k * year
        got = yearly.xs(k, level="k") if k in yearly.index.get_level_values("k") else None
        rev = got["revenue"].reindex(per.index).fillna(0.0) if got is not None else 0.0 * cts
        mar = got["margin"].reindex(per.index).fillna(0.0) if got is not None else 0.0 * cts
        orders = got["orders"].reindex(per.index).fillna(0.0) if got is not None else 0.0 * cts
        per[f"revenue_y{k}"] = rev.where(full)
        per[f"profit_y{k}"] = (mar - cts * orders).where(full)


def _add_growth(per: pd.DataFrame, cfg: Mapping[str, Any]) -> float:
    """Whether each customer's yearly revenue later reached the top share; the threshold."""
    years = int(cfg["followup_years"])
    rev_cols = [f"revenue_y{k}" for k in range(1, years + 1)]
    years_seen = per[rev_cols].to_numpy()
    threshold = (
        float(np.nanquantile(years_seen, 1 - float(cfg["top_share"])))
        if np.isfinite(years_seen).any()
        else np.inf
    )
    later = per[rev_cols[1:]] if years > 1 else per[rev_cols]
    per["growth_observed"] = later.notna().any(axis=1)
    per["grew_to_top"] = (later >= threshold).any(axis=1)
    return threshold


def _band_table(
    per: pd.DataFrame, years: int, conf: float, samples: int, rng: np.random.Generator
) -> pd.DataFrame:
    """One row per first-order band: conversion with its Wilson CI, yearly means with CIs."""
    rows = []
    for band, group in per.groupby("band", observed=True):
        obs = group.loc[group["conversion_observed"]]
        low, high = wilson_ci([obs["converted"].sum()], [len(obs)], conf)
        grow = group.loc[group["growth_observed"]]
        row = {
            "band": band,
            "customers": len(group),
            "first_order_median": group["first_value"].median(),
            "second_order_rate": obs["converted"].mean() if len(obs) else np.nan,
            "second_order_ci_low": low[0],
            "second_order_ci_high": high[0],
            "grew_to_top_share": grow["grew_to_top"].mean() if len(grow) else np.nan,
        }
        for k in range(1, years + 1):
            for what in ("revenue", "profit"):
                values = group[f"{what}_y{k}"].dropna()
                row[f"{what}_y{k}"] = values.mean() if len(values) else np.nan
                row[f"{what}_y{k}_ci_low"], row[f"{what}_y{k}_ci_high"] = bootstrap_mean_ci(
                    values, conf, samples, rng
                )
            row[f"observed_y{k}"] = int(group[f"revenue_y{k}"].notna().sum())
        rows.append(row)
    table = pd.DataFrame(rows).set_index("band")
    amounts = [c for c in table.columns if c.startswith(("revenue_y", "profit_y"))]
    return with_money_columns(table, ["first_order_median", *amounts])


# ---- the smallest against the largest band ----------------------------------------------------
def _compare_small_large(
    result: Result, per: pd.DataFrame, cfg: Mapping[str, Any], rng: np.random.Generator
) -> None:
    """Metrics and findings comparing the smallest and the largest first-order bands."""
    labels = list(cfg["first_order_labels"])
    small, large = per.loc[per["band"] == labels[0]], per.loc[per["band"] == labels[-1]]
    metrics = _band_metrics(small, large, float(cfg["confidence"]))
    if small.empty or large.empty:
        result.findings.append(
            f"The first orders of the {len(per):,} new customer{'s' if len(per) != 1 else ''} "
            "do not split into a "
            f"{labels[0]} and a {labels[-1]} band (too few, or too alike): no comparison of "
            "how small and large starters grow."
        )
        result.metrics.update(metrics)
        return
    findings = _conversion_finding(metrics, small, large, cfg)
    findings += _cumulative_finding(metrics, small, large, cfg, rng)
    findings.append(_OBSERVATIONAL)
    result.metrics.update(metrics)
    result.findings.extend(findings)
    if "cumulative_years" in metrics:  # the figure's bars: the cohort the sentence sums over
        years = int(metrics["cumulative_years"])
        cohort = per.dropna(subset=[f"profit_y{k}" for k in range(1, years + 1)])
        samples = int(cfg["bootstrap_samples"])
        result.detail["cohort"] = _band_table(cohort, years, float(cfg["confidence"]), samples, rng)


def _band_metrics(small: pd.DataFrame, large: pd.DataFrame, conf: float) -> dict[str, Any]:
    """Customers, second-order rate (with its Wilson CI) and growth share of both bands."""
    metrics: dict[str, Any] = {}
    for name, group in (("small", small), ("large", large)):
        obs = group.loc[group["conversion_observed"]]
        low, high = wilson_ci([obs["converted"].sum()], [len(obs)], conf)
        key = f"{name}_first_second_order_rate"
        metrics[f"{name}_first_customers"] = len(group)
        metrics[key] = float(obs["converted"].mean()) if len(obs) else None
        metrics[f"{key}_ci_low"] = float(low[0]) if len(obs) else None
        metrics[f"{key}_ci_high"] = float(high[0]) if len(obs) else None
        grow = group.loc[group["growth_observed"]]
        metrics[f"{name}_first_grew_to_top_share"] = (
            float(grow["grew_to_top"].mean()) if len(grow) else None
        )
    return metrics


def _conversion_finding(
    metrics: dict[str, Any], small: pd.DataFrame, large: pd.DataFrame, cfg: Mapping[str, Any]
) -> list[str]:
    """The second-order rates of both bands and whether their difference is within chance."""
    labels, conf = list(cfg["first_order_labels"]), float(cfg["confidence"])
    small_obs = small.loc[small["conversion_observed"]]
    large_obs = large.loc[large["conversion_observed"]]
    if not (len(small_obs) and len(large_obs)):
        unseen = labels[0] if not len(small_obs) else labels[-1]
        return [
            f"No customer whose first order was {unseen} has been observed for "
            f"{cfg['second_order_days']} days yet: second orders cannot be compared."
        ]
    if not (small_obs["converted"].any() or large_obs["converted"].any()):
        return [
            f"No customer whose first order was {labels[0]} or {labels[-1]} placed a second "
            f"order within {cfg['second_order_days']} days ({len(small_obs):,} and "
            f"{len(large_obs):,} observed that long): there is no return to compare."
        ]
    low, high = diff_ci(
        small_obs["converted"].sum(), len(small_obs), large_obs["converted"].sum(), len(large_obs),
        conf,
    )  # fmt: skip
    metrics["second_order_rate_difference_ci"] = [low, high]
    verdict = (
        "the difference is within chance"
        if low <= 0 <= high
        else ("small starters convert more" if low > 0 else "large starters convert more")
    )
    small_key, large_key = "small_first_second_order_rate", "large_first_second_order_rate"
    return [
        f"Of customers whose first order was {labels[0]}, "
        f"{pct(metrics[small_key])} placed a second order within "
        f"{cfg['second_order_days']} days "
        f"({conf:.0%} CI {pct(metrics[small_key + '_ci_low'])}-"
        f"{pct(metrics[small_key + '_ci_high'])}), against "
        f"{pct(metrics[large_key])} of those whose first was {labels[-1]} "
        f"({pct(metrics[large_key + '_ci_low'])}-"
        f"{pct(metrics[large_key + '_ci_high'])}): {verdict}."
    ]


def _cumulative_finding(
    metrics: dict[str, Any],
    small: pd.DataFrame,
    large: pd.DataFrame,
    cfg: Mapping[str, Any],
    rng: np.random.Generator,
) -> list[str]:
    """Cumulative profit over the longest horizon both bands were observed for."""
    labels, conf = list(cfg["first_order_labels"]), float(cfg["confidence"])
    for k in range(int(cfg["followup_years"]), 0, -1):
        cols = [f"profit_y{j}" for j in range(1, k + 1)]
        small_profit = small[cols].dropna().sum(axis=1)
        large_profit = large[cols].dropna().sum(axis=1)
        if len(small_profit) < 2 or len(large_profit) < 2:
            continue
        samples = int(cfg["bootstrap_samples"])
        low, high = bootstrap_diff_ci(small_profit, large_profit, conf, samples, rng)
        rev = [f"revenue_y{j}" for j in range(1, k + 1)]
        metrics.update(
            {
                "cumulative_years": k,
                "small_first_profit_cumulative": float(small_profit.mean()),
                "large_first_profit_cumulative": float(large_profit.mean()),
                "small_first_revenue_cumulative": float(small[rev].dropna().sum(axis=1).mean()),
                "large_first_revenue_cumulative": float(large[rev].dropna().sum(axis=1).mean()),
                "profit_difference_ci": [low, high],
            }
        )
        grew = metrics["small_first_grew_to_top_share"]
        growth = (
            f"; {pct(grew)} of {labels[0]} starters grew into the top "
            f"{float(cfg['top_share']):.0%} of yearly revenue"
            if grew is not None
            else ""
        )
        return [
            f"Over their first {k} year{'s' if k > 1 else ''}, the {len(small_profit):,} "
            f"{labels[0]}-first customers observed that long earned "
            f"{sentence_money(small_profit.mean())} profit each on average and the "
            f"{len(large_profit):,} {labels[-1]}-first ones "
            f"{sentence_money(large_profit.mean())} (difference {conf:.0%} CI "
            f"{sentence_money(low)} to {sentence_money(high)}; the figure's bars split these "
            f"totals by year){growth}."
        ]
    return []


# ---- figure -----------------------------------------------------------------------------------
def _bars_population(result: Result, config: Mapping[str, Any]) -> tuple[pd.DataFrame, int, str]:
    """The band table the bars draw, the years they cover and who they average over."""
    cohort = result.detail.get("cohort")
    if cohort is None:
        years = int(config["growth"]["followup_years"])
        return result.table, years, "each year: the customers observed that full year"
    years = int(result.metrics["cumulative_years"])
    counts = ", ".join(f"{n:,} {band}" for band, n in cohort["customers"].items())
    return cohort, years, f"customers observed all {years} years ({counts})"


def plot_land_and_expand(result: Result, config: Mapping[str, Any], ax: Axes | None = None) -> Axes:
    """Mean yearly profit after the first order, per first-order band, with bootstrap CIs.

    Parameters
    ----------
    result
        :func:`land_and_expand` (available).
    config
        The dataset config (``growth.followup_years`` and ``second_order_days``).
    ax
        Axes to draw on (default: a new figure).

    Returns
    -------
    Axes
        Grouped bars per year, titled with the second-order rates of small and large starters:
        the mean profit, per year, of the customers the cumulative finding sums over (observed
        its whole horizon, ``detail['cohort']``), so a band's bars add up to its sentence's
        figure; without that finding, each year's customers observed that full year.
    """
    ax = plots.new_axes(ax)
    table, years, covers = _bars_population(result, config)
    colors = plots.tier_colors(list(map(str, table.index)))
    shown = [k for k in range(1, years + 1) if table[f"profit_y{k}"].notna().any()]
    ks = np.array(shown, dtype=int)
    width = 0.8 / max(len(table), 1)
    for i, (band, row) in enumerate(table.iterrows()):
        mean = np.array([row[f"profit_y{k}"] for k in ks], dtype=float)
        low = np.array([row[f"profit_y{k}_ci_low"] for k in ks], dtype=float)
        high = np.array([row[f"profit_y{k}_ci_high"] for k in ks], dtype=float)
        pos = ks - 0.4 + width * (i + 0.5)
        ax.bar(pos, mean, width=width * 0.95, color=colors[str(band)], label=f"{band} first order")
        ax.errorbar(pos, mean, yerr=[mean - low, high - mean], fmt="none", ecolor="#333333", lw=1)
    ax.axhline(0, color="#555555", lw=0.8)
    ax.set_xticks(ks, [f"year {k}" for k in ks])
    ax.set_ylabel("Mean profit per customer")
    plots.money_axis(ax)
    ax.legend(frameon=False)
    metrics = result.metrics
    title = "Profit per customer by the size of their first order"
    if metrics.get("small_first_second_order_rate") is not None:
        title = (
            f"{pct(metrics['small_first_second_order_rate'])} of small starters came back within "
            f"{config['growth']['second_order_days']} days, "
            f"{pct(metrics['large_first_second_order_rate'])} of large ones"
        )
    plots.set_finding_title(
        ax, title, f"Observational cohorts, {covers}; bars: mean, whiskers: bootstrap CI"
    )
    return ax
