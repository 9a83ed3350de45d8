"""Trust and growth: start small (land and expand), approval layers, adoption and survival.

Every analysis takes canonical tables (and the ledger's size tiers), returns a result with a
table, headline ``metrics`` and computed ``findings`` sentences, and says so in ``message``
when the data it needs is missing. The comparisons are observational: they describe what
happened to customers who started one way or another, not what starting that way causes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import stats

from helpers import plots
from helpers.ledger.purchases import customer_days, purchase_lines
from helpers.results import Result, json_safe, missing, pct, wilson_ci

__all__ = [
    "bootstrap_mean_ci",
    "land_and_expand",
    "approval_layers",
    "innovation_adoption",
    "survival_table",
    "kaplan_meier",
    "first_year_closure",
    "survival_findings",
    "growth_metrics",
    "growth_findings",
    "plot_land_and_expand",
    "plot_win_rate_by_layers",
    "plot_approval_cascade",
    "plot_adoption",
    "plot_survival",
]


# ---- statistics ------------------------------------------------------------------------------
def _diff_ci(k1: float, n1: float, k2: float, n2: float, confidence: float) -> tuple[float, float]:
    """Newcombe's hybrid score interval of p1 - p2 (from the two Wilson intervals)."""
    p1, p2 = k1 / n1, k2 / n2
    (l1,), (u1,) = wilson_ci([k1], [n1], confidence)
    (l2,), (u2,) = wilson_ci([k2], [n2], confidence)
    d = p1 - p2
    return (
        float(d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)),
        float(d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)),
    )


def bootstrap_mean_ci(
    values: Any, confidence: float, samples: int, rng: np.random.Generator
) -> tuple[float, float]:
    """Percentile bootstrap interval of a mean (NaN for fewer than two values)."""
    v = np.asarray(values, dtype="float64")
    v = v[np.isfinite(v)]
    if len(v) < 2:
        return float("nan"), float("nan")
    means = v[rng.integers(0, len(v), size=(samples, len(v)))].mean(axis=1)
    lo, hi = np.quantile(means, [0.5 - confidence / 2, 0.5 + confidence / 2])
    return float(lo), float(hi)


def _bootstrap_diff_ci(
    a: Any, b: Any, confidence: float, samples: int, rng: np.random.Generator
) -> tuple[float, float]:
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    if len(a) < 2 or len(b) < 2:
        return float("nan"), float("nan")
    da = a[rng.integers(0, len(a), size=(samples, len(a)))].mean(axis=1)
    db = b[rng.integers(0, len(b), size=(samples, len(b)))].mean(axis=1)
    lo, hi = np.quantile(da - db, [0.5 - confidence / 2, 0.5 + confidence / 2])
    return float(lo), float(hi)


# ---- shared: purchase days per customer --------------------------------------------------------
def _signups(customers: pd.DataFrame | None, index: pd.Index) -> pd.Series:
    if customers is None or "signup_date" not in customers:
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    return customers.set_index("customer_id")["signup_date"].reindex(index)


def _is_new(
    first: pd.Series,
    customers: pd.DataFrame | None,
    data_start: pd.Timestamp,
    config: Mapping[str, Any],
) -> pd.Series:
    """Customers whose start the data saw: signup on or after its first day where known, else a
    first purchase at least ``new_customer_after_days`` after it (an older customer would
    almost surely have bought by then)."""
    signup = _signups(customers, first.index)
    buffer = pd.Timedelta(days=float(config["growth"]["new_customer_after_days"]))
    return (signup >= data_start).where(signup.notna(), first >= data_start + buffer).astype(bool)


def _settings(config: Mapping[str, Any]) -> dict[str, Any]:
    return dict(config["growth"])


def _cts_per_order(ledger: pd.DataFrame | None) -> pd.Series:
    """The ledger's cost to serve per order, per customer (0 where unknown)."""
    if ledger is None or "cost_to_serve" not in ledger or "orders" not in ledger:
        return pd.Series(dtype="float64")
    led = ledger.set_index("customer_id")
    return (led["cost_to_serve"] / led["orders"].where(led["orders"] > 0)).fillna(0.0)


# ---- 1. land and expand ------------------------------------------------------------------------
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

    Returns
    -------
    Result with ``table`` (one row per band), ``detail['customers']`` (one row per customer)
    and metrics comparing the small and large bands, with confidence intervals.
    """
    cfg = _settings(config)
    conf = float(cfg["confidence"])
    rng = np.random.default_rng(int(cfg["seed"]))
    year = pd.Timedelta(days=float(cfg["days_per_year"]))
    years = int(cfg["followup_years"])
    daily = customer_days(order_lines)
    if daily.empty:
        return missing("No purchases in the order lines: no land-and-expand cohorts.")
    data_start, data_end = daily["day"].min(), daily["day"].max()
    first = daily.groupby("customer_id")["day"].min()
    is_new = _is_new(first, customers, data_start, config)
    daily = daily.loc[daily["customer_id"].isin(first.index[is_new])]
    if daily.empty:
        return missing("No customer starts inside the data: no land-and-expand cohorts.")
    first = first[is_new]
    daily = daily.assign(age=daily["day"] - daily["customer_id"].map(first))
    first_value = daily.loc[daily["age"] == pd.Timedelta(0)].set_index("customer_id")["revenue"]
    second = daily.loc[daily["age"] > pd.Timedelta(0)].groupby("customer_id")["age"].min()
    per = pd.DataFrame({"first_date": first, "first_value": first_value.reindex(first.index)})
    edges = per["first_value"].quantile(list(cfg["first_order_quantiles"])).to_numpy()
    per["band"] = (
        pd.cut(
            per["first_value"],
            [-np.inf, *edges, np.inf],
            labels=list(cfg["first_order_labels"]),
            duplicates="drop",
        )
        if len(np.unique(edges)) == len(edges)
        else pd.Categorical(
            [cfg["first_order_labels"][1]] * len(per), categories=list(cfg["first_order_labels"])
        )
    )
    observed = data_end - per["first_date"]
    window = pd.Timedelta(days=float(cfg["second_order_days"]))
    per["conversion_observed"] = observed >= window
    per["converted"] = (second.reindex(per.index) <= window).fillna(False)
    cts = _cts_per_order(ledger).reindex(per.index).fillna(0.0)
    k_of = (daily["age"] / year).astype("float64").apply(np.floor).astype(int) + 1
    yearly = (
        daily.assign(k=k_of, margin=daily["revenue"] - daily["cost"].fillna(0.0))
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
    table = _band_table(per, years, conf, int(cfg["bootstrap_samples"]), rng)
    result = Result(table=table, detail={"customers": per, "top_threshold": threshold})
    _compare_small_large(result, per, cfg, rng)
    return result


def _band_table(
    per: pd.DataFrame, years: int, conf: float, samples: int, rng: np.random.Generator
) -> pd.DataFrame:
    rows = []
    for band, g in per.groupby("band", observed=True):
        obs = g.loc[g["conversion_observed"]]
        lo, hi = wilson_ci([obs["converted"].sum()], [len(obs)], conf)
        grow = g.loc[g["growth_observed"]]
        row = {
            "band": band,
            "customers": len(g),
            "first_order_median": g["first_value"].median(),
            "second_order_rate": obs["converted"].mean() if len(obs) else np.nan,
            "second_order_ci_low": lo[0],
            "second_order_ci_high": hi[0],
            "grew_to_top_share": grow["grew_to_top"].mean() if len(grow) else np.nan,
        }
        for k in range(1, years + 1):
            for what in ("revenue", "profit"):
                v = g[f"{what}_y{k}"].dropna()
                row[f"{what}_y{k}"] = v.mean() if len(v) else np.nan
                row[f"{what}_y{k}_ci_low"], row[f"{what}_y{k}_ci_high"] = bootstrap_mean_ci(
                    v, conf, samples, rng
                )
            row[f"observed_y{k}"] = int(g[f"revenue_y{k}"].notna().sum())
        rows.append(row)
    return pd.DataFrame(rows).set_index("band")


def _compare_small_large(
    result: Result, per: pd.DataFrame, cfg: Mapping[str, Any], rng: np.random.Generator
) -> None:
    """Metrics and findings comparing the smallest and the largest first-order bands."""
    labels = list(cfg["first_order_labels"])
    small_l, large_l = labels[0], labels[-1]
    conf, samples, years = (
        float(cfg["confidence"]),
        int(cfg["bootstrap_samples"]),
        int(cfg["followup_years"]),
    )
    small, large = per.loc[per["band"] == small_l], per.loc[per["band"] == large_l]
    m: dict[str, Any] = {}
    for name, g in (("small", small), ("large", large)):
        obs = g.loc[g["conversion_observed"]]
        lo, hi = wilson_ci([obs["converted"].sum()], [len(obs)], conf)
        m[f"{name}_first_customers"] = len(g)
        m[f"{name}_first_second_order_rate"] = float(obs["converted"].mean()) if len(obs) else None
        m[f"{name}_first_second_order_rate_ci_low"] = float(lo[0]) if len(obs) else None
        m[f"{name}_first_second_order_rate_ci_high"] = float(hi[0]) if len(obs) else None
        grow = g.loc[g["growth_observed"]]
        m[f"{name}_first_grew_to_top_share"] = (
            float(grow["grew_to_top"].mean()) if len(grow) else None
        )
    findings = []
    so, lo_ = small.loc[small["conversion_observed"]], large.loc[large["conversion_observed"]]
    if len(so) and len(lo_):
        d_lo, d_hi = _diff_ci(
            so["converted"].sum(), len(so), lo_["converted"].sum(), len(lo_), conf
        )
        m["second_order_rate_difference_ci"] = [d_lo, d_hi]
        verdict = (
            "the difference is within chance"
            if d_lo <= 0 <= d_hi
            else ("small starters convert more" if d_lo > 0 else "large starters convert more")
        )
        findings.append(
            f"Of customers whose first order was {small_l}, "
            f"{pct(m['small_first_second_order_rate'])} placed a second order within "
            f"{cfg['second_order_days']} days "
            f"({conf:.0%} CI {pct(m['small_first_second_order_rate_ci_low'])}-"
            f"{pct(m['small_first_second_order_rate_ci_high'])}), against "
            f"{pct(m['large_first_second_order_rate'])} of those whose first was {large_l} "
            f"({pct(m['large_first_second_order_rate_ci_low'])}-"
            f"{pct(m['large_first_second_order_rate_ci_high'])}): {verdict}."
        )
    # cumulative profit over the longest horizon both groups were observed for
    for k in range(years, 0, -1):
        cols = [f"profit_y{j}" for j in range(1, k + 1)]
        a = small[cols].dropna().sum(axis=1)
        b = large[cols].dropna().sum(axis=1)
        if len(a) >= 2 and len(b) >= 2:
            lo, hi = _bootstrap_diff_ci(a, b, conf, samples, rng)
            rev = [f"revenue_y{j}" for j in range(1, k + 1)]
            m.update(
                {
                    "cumulative_years": k,
                    "small_first_profit_cumulative": float(a.mean()),
                    "large_first_profit_cumulative": float(b.mean()),
                    "small_first_revenue_cumulative": float(small[rev].dropna().sum(axis=1).mean()),
                    "large_first_revenue_cumulative": float(large[rev].dropna().sum(axis=1).mean()),
                    "profit_difference_ci": [lo, hi],
                }
            )
            findings.append(
                f"Over their first {k} year{'s' if k > 1 else ''}, {small_l}-first customers "
                f"earned {plots.format_money(a.mean())} profit each on average and "
                f"{large_l}-first ones {plots.format_money(b.mean())} (difference {conf:.0%} CI "
                f"{plots.format_money(lo)} to {plots.format_money(hi)}); "
                f"{pct(m['small_first_grew_to_top_share'])} of {small_l} starters grew into "
                f"the top {float(cfg['top_share']):.0%} of yearly revenue."
            )
            break
    findings.append(
        "These cohorts are observational: customers who start small may differ in other ways "
        "(size, industry, need), so the comparison shows association, not the effect of "
        "starting small."
    )
    result.metrics.update(m)
    result.findings.extend(findings)


# ---- 2. approval layers ---------------------------------------------------------------------------
def approval_layers(opportunities: pd.DataFrame | None, config: Mapping[str, Any]) -> Result:
    """Win rate and time to close by approval layers and by amount band, and a logistic fit.

    Decided quotes only (``won`` known). The logistic model is P(win) = logistic(b0 + b1 layers
    + b2 log(amount)), fitted by unpenalised maximum likelihood (scikit-learn); standard errors
    come from the inverse Fisher information.
    """
    if opportunities is None or opportunities.empty:
        return missing(
            "No opportunities table: win rates by approval layers cannot be measured "
            "(add quotes with their approval layers to the config to see them)."
        )
    cfg = _settings(config)
    conf = float(cfg["confidence"])
    q = opportunities.loc[opportunities["won"].notna()].copy()
    if "approval_layers" not in q or q["approval_layers"].isna().all():
        return missing("The opportunities table has no approval_layers: no approval analysis.")
    q = q.loc[q["approval_layers"].notna() & (q["amount"] > 0)]
    if len(q) < int(cfg["min_group_size"]):
        return missing(f"Only {len(q)} decided quotes: too few for an approval analysis.")
    q["won"] = q["won"].astype(bool)
    cap = int(cfg["max_layers_shown"])
    q["layers"] = q["approval_layers"].astype(int).clip(upper=cap)
    if "close_date" in q:
        q["days_to_close"] = (q["close_date"] - q["date"]).dt.days
    else:
        q["days_to_close"] = np.nan
    edges = q["amount"].quantile(list(cfg["amount_band_quantiles"])).to_numpy()
    labels = list(cfg["amount_band_labels"])
    q["amount_band"] = pd.cut(
        q["amount"],
        [-np.inf, *np.unique(edges), np.inf],
        labels=labels[: len(np.unique(edges)) + 1],
    )

    def summarise(by: str) -> pd.DataFrame:
        t = q.groupby(by, observed=True).agg(
            quotes=("won", "size"),
            won=("won", "sum"),
            mean_layers=("layers", "mean"),
            median_amount=("amount", "median"),
            median_days_to_close=("days_to_close", "median"),
        )
        t["win_rate"] = t["won"] / t["quotes"]
        t["ci_low"], t["ci_high"] = wilson_ci(t["won"], t["quotes"], conf)
        return t

    by_layers, by_amount = summarise("layers"), summarise("amount_band")
    by_layers.index = [f"{i}+" if i == cap else str(i) for i in by_layers.index]
    fit = _logit(q["layers"].to_numpy(float), np.log(q["amount"].to_numpy(float)), q["won"])
    result = Result(table=by_layers, detail={"by_amount": by_amount, "logit": fit, "quotes": q})
    result.metrics = {
        "decided_quotes": len(q),
        "win_rate_by_layers": {k: float(v) for k, v in by_layers["win_rate"].items()},
        "days_to_close_by_layers": {
            k: (float(v) if pd.notna(v) else None)
            for k, v in by_layers["median_days_to_close"].items()
        },
        "win_rate_by_amount_band": {str(k): float(v) for k, v in by_amount["win_rate"].items()},
        "logit_layers_odds_ratio": fit["odds_ratio_layer"],
        "logit_layers_coef": fit["coef"]["layers"],
        "logit_layers_se": fit["se"]["layers"],
        "logit_log_amount_coef": fit["coef"]["log_amount"],
        "logit_log_amount_se": fit["se"]["log_amount"],
    }
    enough = by_layers.loc[by_layers["quotes"] >= int(cfg["min_group_size"])]
    lo_row, hi_row = enough.iloc[0], enough.iloc[-1]
    result.findings = [
        f"Quotes approved by {lo_row.name} layer{'s' if lo_row.name != '1' else ''} "
        f"are won {lo_row['win_rate']:.0%} of the time; those climbing {hi_row.name} "
        f"layers {hi_row['win_rate']:.0%}"
        + (
            f", and they take {hi_row['median_days_to_close']:.0f} days to decide instead of "
            f"{lo_row['median_days_to_close']:.0f}."
            if pd.notna(hi_row["median_days_to_close"]) and pd.notna(lo_row["median_days_to_close"])
            else "."
        ),
        f"Holding the amount fixed, each extra approval layer multiplies the odds of winning by "
        f"{fit['odds_ratio_layer']:.2f} ({conf:.0%} CI {fit['odds_ratio_layer_ci'][0]:.2f}-"
        f"{fit['odds_ratio_layer_ci'][1]:.2f}); the largest quarter of quotes climbs "
        f"{by_amount['mean_layers'].iloc[-1]:.1f} layers on average, the smallest "
        f"{by_amount['mean_layers'].iloc[0]:.1f}.",
    ]
    return result


def _logit(layers: np.ndarray, log_amount: np.ndarray, won: pd.Series) -> dict[str, Any]:
    """Unpenalised logistic regression of win on layers and log amount, with Wald errors."""
    from sklearn.linear_model import LogisticRegression

    X = np.column_stack([layers, log_amount])
    y = np.asarray(won, dtype=int)
    names = ["layers", "log_amount"]
    if len(np.unique(y)) < 2:
        nan = dict.fromkeys(names, float("nan"))
        return {
            "coef": nan,
            "se": nan,
            "odds_ratio_layer": float("nan"),
            "odds_ratio_layer_ci": (float("nan"), float("nan")),
            "intercept": float("nan"),
        }
    model = LogisticRegression(C=np.inf, max_iter=1000).fit(X, y)  # C=inf: no penalty
    X1 = np.column_stack([np.ones(len(X)), X])
    p = model.predict_proba(X)[:, 1]
    info = X1.T @ (X1 * (p * (1 - p))[:, None])
    cov = np.linalg.pinv(info)
    se = np.sqrt(np.diag(cov))
    coef = np.r_[model.intercept_, model.coef_[0]]
    z = stats.norm.ppf(0.975)
    return {
        "intercept": float(coef[0]),
        "coef": dict(zip(names, map(float, coef[1:]), strict=True)),
        "se": dict(zip(names, map(float, se[1:]), strict=True)),
        "odds_ratio_layer": float(np.exp(coef[1])),
        "odds_ratio_layer_ci": (
            float(np.exp(coef[1] - z * se[1])),
            float(np.exp(coef[1] + z * se[1])),
        ),
    }


# ---- 3. innovation adoption ------------------------------------------------------------------
def innovation_adoption(
    order_lines: pd.DataFrame,
    products: pd.DataFrame | None,
    tiers: pd.Series,
    config: Mapping[str, Any],
    customers: pd.DataFrame | None = None,
) -> Result:
    """Share of each size tier's customers who buy a new product within N months of its launch.

    A (customer, launch) pair is eligible when the customer's first purchase came before the
    launch and they had not closed by then; it is adopted when the customer bought the product
    within ``adoption_months`` of the launch. Only launches inside the data with a whole window
    before its end count.
    """
    if products is None or "launch_date" not in products or products["launch_date"].isna().all():
        return missing(
            "No products table with launch dates: innovation adoption by size tier cannot be "
            "measured."
        )
    cfg = _settings(config)
    conf = float(cfg["confidence"])
    window = pd.Timedelta(days=float(cfg["adoption_months"]) * float(cfg["days_per_month"]))
    daily_lines = purchase_lines(order_lines)
    start, end = daily_lines["order_date"].min(), daily_lines["order_date"].max()
    launches = products.loc[
        (products["launch_date"] > start) & (products["launch_date"] + window <= end),
        ["product_id", "launch_date"],
    ]
    if launches.empty:
        return missing(
            f"No product was launched inside the data with {cfg['adoption_months']} months left "
            "to observe it: no adoption analysis."
        )
    first = daily_lines.groupby("customer_id")["order_date"].min()
    tier = tiers.reindex(first.index).astype("string").fillna("unknown")
    closed = pd.Series(pd.NaT, index=first.index, dtype="datetime64[ns]")
    if customers is not None and "closed_date" in customers:
        closed = customers.set_index("customer_id")["closed_date"].reindex(first.index)
    launch_days = launches["launch_date"].to_numpy()
    rows = []
    for t in sorted(tier.unique()):
        f = np.sort(first[tier == t].to_numpy())
        c = np.sort(closed[tier == t].dropna().to_numpy())
        eligible = np.searchsorted(f, launch_days, "left") - np.searchsorted(
            c, launch_days, "right"
        )
        rows.append({"size_tier": t, "eligible": int(np.maximum(eligible, 0).sum())})
    table = pd.DataFrame(rows).set_index("size_tier")
    buys = daily_lines.merge(launches, on="product_id")
    buys = buys.loc[
        (buys["order_date"] >= buys["launch_date"])
        & (buys["order_date"] < buys["launch_date"] + window)
    ]
    buys = buys.groupby(["customer_id", "product_id"], as_index=False).agg(
        launch_date=("launch_date", "first"), adopted_on=("order_date", "min")
    )
    f_b = buys["customer_id"].map(first)
    c_b = buys["customer_id"].map(closed)
    buys = buys.loc[(f_b < buys["launch_date"]) & ~(c_b <= buys["launch_date"])]
    buys["size_tier"] = buys["customer_id"].map(tier)
    buys["days"] = (buys["adopted_on"] - buys["launch_date"]).dt.days
    agg = buys.groupby("size_tier").agg(
        adopted=("customer_id", "size"), median_days=("days", "median")
    )
    table = table.join(agg).fillna({"adopted": 0})
    table["adoption_rate"] = table["adopted"] / table["eligible"].where(table["eligible"] > 0)
    table["ci_low"], table["ci_high"] = wilson_ci(table["adopted"], table["eligible"], conf)
    order = [t for t in _tier_order(config) if t in table.index]
    table = table.loc[order + [t for t in table.index if t not in order]]
    shown = table.loc[table["eligible"] >= int(cfg["min_group_size"])]
    result = Result(table=table, detail={"launches": launches})
    result.metrics = {
        "launches": len(launches),
        "adoption_months": cfg["adoption_months"],
        "adoption_rate_by_tier": {
            str(k): float(v) for k, v in shown["adoption_rate"].dropna().items()
        },
    }
    if len(shown):
        small = [t for t in config["size_tiers"]["small"] if t in table.index]
        is_small = table.index.isin(small)
        pooled = {
            name: table.loc[mask, "adopted"].sum() / max(table.loc[mask, "eligible"].sum(), 1)
            for name, mask in (("small", is_small), ("rest", ~is_small))
        }
        result.metrics["adoption_rate_small_tiers"] = float(pooled["small"])
        result.metrics["adoption_rate_other_tiers"] = float(pooled["rest"])
        by_tier = ", ".join(f"{t} {r:.1%}" for t, r in shown["adoption_rate"].items())
        verdict = "earlier" if pooled["small"] > pooled["rest"] else "no earlier"
        result.findings = [
            f"Within {cfg['adoption_months']} months of {len(launches)} launches, the share of "
            f"existing customers buying each new product was {by_tier}: small clients "
            f"({', '.join(small)}) adopt {verdict} than the rest ({pooled['small']:.1%} against "
            f"{pooled['rest']:.1%})."
        ]
    return result


def _tier_order(config: Mapping[str, Any]) -> list[str]:
    return [str(t) for t in config.get("size_tiers", {}).get("labels", [])]


# ---- 4. survival ---------------------------------------------------------------------------
def survival_table(
    order_lines: pd.DataFrame,
    customers: pd.DataFrame | None,
    tiers: pd.Series,
    config: Mapping[str, Any],
) -> Result:
    """One row per new customer: start, duration (days), event (closed or lapsed), tier, cohort.

    The event rule (``growth.event``) is recorded in ``detail['rule']``: closure from
    ``closed_date`` when the customers table has it, else lapse from the inter-purchase pattern
    (see ``defaults/growth.yaml``).
    """
    cfg = _settings(config)
    daily = customer_days(order_lines)
    if daily.empty:
        return missing("No purchases: no survival analysis.")
    data_start, data_end = daily["day"].min(), daily["day"].max()
    g = daily.groupby("customer_id")["day"]
    first, last = g.min(), g.max()
    per = pd.DataFrame({"first": first, "last": last})
    cust = customers.set_index("customer_id") if customers is not None else None
    per["start"] = _signups(customers, per.index).fillna(per["first"])
    per["new"] = _is_new(per["first"], customers, data_start, config)
    has_closure = cust is not None and "closed_date" in cust and cust["closed_date"].notna().any()
    rule = str(cfg["event"])
    if rule == "auto":
        rule = "closure" if has_closure else "lapse"
    if rule == "closure" and not has_closure:
        return missing("Survival by closure needs closed_date in the customers table.")
    if rule == "closure":
        closed = cust["closed_date"].reindex(per.index)
        per["event"] = closed.notna() & (closed <= data_end)
        per["end"] = closed.where(per["event"], data_end)
        rule_text = (
            "closure: a customer's life ends on its closed_date; customers without one are "
            f"censored at the end of the data ({data_end.date()})"
        )
    else:
        gaps = daily.groupby("customer_id")["day"].diff().dt.days.dropna()
        own = gaps.groupby(daily.loc[gaps.index, "customer_id"]).median()
        pooled = float(gaps.median()) if len(gaps) else float(cfg["lapse_min_days"])
        typical = own.reindex(per.index).fillna(pooled)
        limit = np.maximum(float(cfg["lapse_min_days"]), float(cfg["lapse_multiple"]) * typical)
        per["lapse_days"] = limit
        per["event"] = (data_end - per["last"]).dt.days > limit
        per["end"] = per["last"].where(per["event"], data_end)
        rule_text = (
            "lapse: no closure dates, so a customer has lapsed when the time since the last "
            f"purchase exceeds max({cfg['lapse_min_days']} days, {cfg['lapse_multiple']} x their "
            f"median gap between purchases; {pooled:.0f} days for single-purchase customers); "
            "the life ends at the last purchase"
        )
    per = per.loc[per["new"]].drop(columns="new")
    per["duration"] = (per["end"] - per["start"]).dt.days.clip(lower=0).astype("float64")
    per["size_tier"] = tiers.reindex(per.index).astype("string").fillna("unknown")
    freq = str(cfg["cohort_freq"])
    per["cohort"] = per["start"].dt.to_period(freq[0] if freq else "Y").astype("string")
    if per.empty:
        return missing("No customer starts inside the data: no survival analysis.")
    return Result(table=per, detail={"rule": rule, "rule_text": rule_text, "data_end": data_end})


def kaplan_meier(table: pd.DataFrame, by: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """Kaplan-Meier fits (lifelines) per group of ``by`` with at least ``min_group_size`` rows."""
    from lifelines import KaplanMeierFitter

    cfg = _settings(config)
    alpha = 1 - float(cfg["confidence"])
    fits = {}
    groups = table.groupby(by, observed=True)
    order = _tier_order(config) if by == "size_tier" else sorted(map(str, groups.groups))
    for name in order + sorted(set(map(str, groups.groups)) - set(order)):
        if name not in groups.groups:
            continue
        g = groups.get_group(name)
        if len(g) < int(cfg["min_group_size"]):
            continue
        fits[name] = KaplanMeierFitter(alpha=alpha).fit(
            g["duration"], g["event"].astype(bool), label=str(name)
        )
    return fits


def _closure_at(kmf: Any, days: float) -> tuple[float, float, float]:
    """1 - S(days) and its confidence interval from a fitted KaplanMeierFitter."""
    s = float(kmf.survival_function_at_times(days).iloc[0])
    ci = kmf.confidence_interval_survival_function_
    row = ci.loc[ci.index <= days].iloc[-1]
    return 1 - s, 1 - float(row.iloc[1]), 1 - float(row.iloc[0])


def first_year_closure(
    table: pd.DataFrame, config: Mapping[str, Any], tiers: Sequence[str] | None = None
) -> dict[str, Any]:
    """Kaplan-Meier share of new customers (of ``tiers``; default: the small tiers) who closed
    or lapsed within ``first_year_days``, with its confidence interval and the claim test."""
    from lifelines import KaplanMeierFitter

    cfg = _settings(config)
    small = list(tiers) if tiers is not None else list(config["size_tiers"]["small"])
    d = table.loc[table["size_tier"].isin(small)]
    group = "small clients"
    if len(d) < int(cfg["min_group_size"]):
        d, group = table, "all customers"
    days = float(cfg["first_year_days"])
    kmf = KaplanMeierFitter(alpha=1 - float(cfg["confidence"])).fit(
        d["duration"], d["event"].astype(bool)
    )
    rate, lo, hi = _closure_at(kmf, days)
    claim = float(cfg["claim_first_year_closure"])
    return {
        "group": group,
        "customers": len(d),
        "rate": rate,
        "ci_low": lo,
        "ci_high": hi,
        "claim": claim,
        "claim_in_ci": bool(lo <= claim <= hi),
    }


def survival_findings(
    survival: Result, closure: Mapping[str, Any], config: Mapping[str, Any]
) -> list[str]:
    """Sentences on the first-year closure rate and the ~20% claim."""
    if not survival.available:
        return [survival.message]
    cfg = _settings(config)
    what = "closed" if survival.detail["rule"] == "closure" else "lapsed"
    rate, lo, hi, claim = closure["rate"], closure["ci_low"], closure["ci_high"], closure["claim"]
    verdict = (
        f"consistent with the ~{claim:.0%} claim"
        if closure["claim_in_ci"]
        else (f"above the ~{claim:.0%} claim" if lo > claim else f"below the ~{claim:.0%} claim")
    )
    out = [
        f"{rate:.0%} of new {closure['group']} {what} within their first year "
        f"({float(cfg['confidence']):.0%} CI {lo:.0%}-{hi:.0%}, Kaplan-Meier on "
        f"{closure['customers']:,} customers): {verdict}.",
        f"Rule used: {survival.detail['rule_text']}.",
    ]
    return out


# ---- figures ---------------------------------------------------------------------------------
def plot_land_and_expand(result: Result, config: Mapping[str, Any], ax: Axes | None = None) -> Axes:
    """Mean yearly profit after the first order, per first-order band, with bootstrap CIs."""
    ax = plots.new_axes(ax)
    t = result.table
    years = int(config["growth"]["followup_years"])
    colors = plots.tier_colors(list(map(str, t.index)))
    ks = np.array([k for k in range(1, years + 1) if t[f"profit_y{k}"].notna().any()], dtype=int)
    width = 0.8 / max(len(t), 1)
    for i, (band, row) in enumerate(t.iterrows()):
        mean = np.array([row[f"profit_y{k}"] for k in ks], dtype=float)
        lo = np.array([row[f"profit_y{k}_ci_low"] for k in ks], dtype=float)
        hi = np.array([row[f"profit_y{k}_ci_high"] for k in ks], dtype=float)
        pos = ks - 0.4 + width * (i + 0.5)
        ax.bar(pos, mean, width=width * 0.95, color=colors[str(band)], label=f"{band} first order")
        ax.errorbar(pos, mean, yerr=[mean - lo, hi - mean], fmt="none", ecolor="#333333", lw=1)
    ax.axhline(0, color="#555555", lw=0.8)
    ax.set_xticks(ks, [f"year {k}" for k in ks])
    ax.set_ylabel("Mean profit per customer")
    plots.money_axis(ax)
    ax.legend(frameon=False)
    m = result.metrics
    title = "Profit per customer by the size of their first order"
    if m.get("small_first_second_order_rate") is not None:
        title = (
            f"{pct(m['small_first_second_order_rate'])} of small starters came back within "
            f"{config['growth']['second_order_days']} days, "
            f"{pct(m['large_first_second_order_rate'])} of large ones"
        )
    plots.set_finding_title(ax, title, "observational cohorts; bars: mean, whiskers: bootstrap CI")
    return ax


def plot_win_rate_by_layers(result: Result, ax: Axes | None = None) -> Axes:
    """Win rate (with CI) by number of approval layers, with the logistic fit at median amount."""
    ax = plots.new_axes(ax)
    t = result.table
    x = np.arange(len(t))
    ax.errorbar(
        x,
        t["win_rate"] * 100,
        yerr=[(t["win_rate"] - t["ci_low"]) * 100, (t["ci_high"] - t["win_rate"]) * 100],
        fmt="o",
        color=plots.PALETTE[0],
        capsize=3,
        label="observed",
    )
    ax.set_xticks(x, list(t.index))
    ax.set_xlabel("Approval layers on the buyer's side")
    ax.set_ylabel("Quotes won")
    plots.percent_axis(ax)
    ax.set_ylim(0, 100)
    or_ = result.metrics.get("logit_layers_odds_ratio", float("nan"))
    plots.set_finding_title(
        ax,
        f"Every approval layer multiplies the odds of winning by {or_:.2f}",
        "decided quotes; whiskers: Wilson CI",
    )
    return ax


def plot_approval_cascade(result: Result, ax: Axes | None = None) -> Axes:
    """The decision tree: how many approvers a quote climbs, and how trust drains at each.

    Per amount band, a line starts at 100% and falls by the band's per-layer pass rate
    (win rate ^ (1 / mean layers)) for each layer, ending at the band's observed win rate.
    """
    ax = plots.new_axes(ax)
    t = result.detail["by_amount"]
    colors = plots.tier_colors(list(map(str, t.index)))
    for band, row in t.iterrows():
        layers = float(row["mean_layers"])
        steps = np.arange(0, int(np.ceil(layers)) + 1, dtype=float)
        steps[-1] = layers
        per_layer = row["win_rate"] ** (1 / layers) if layers > 0 else 1.0
        ax.plot(
            steps,
            100 * per_layer**steps,
            "-o",
            color=colors[str(band)],
            label=f"{band} (median {plots.format_money(row['median_amount'])})",
        )
    ax.set_xlabel("Approval layer reached")
    ax.set_ylabel("Quotes still alive")
    plots.percent_axis(ax)
    ax.set_ylim(0, 105)
    ax.legend(frameon=False, fontsize=8)
    plots.set_finding_title(
        ax,
        f"Big quotes climb {t['mean_layers'].iloc[-1]:.1f} approval layers, small ones "
        f"{t['mean_layers'].iloc[0]:.1f}: trust drains at each",
        "line ends at each amount band's observed win rate",
    )
    return ax


def plot_adoption(result: Result, config: Mapping[str, Any], ax: Axes | None = None) -> Axes:
    """Share of each size tier adopting a new product within the window, with Wilson CIs."""
    ax = plots.new_axes(ax)
    t = result.table.loc[result.table["eligible"] >= int(config["growth"]["min_group_size"])]
    colors = plots.tier_colors(list(map(str, result.table.index)))
    x = np.arange(len(t))
    ax.bar(x, t["adoption_rate"] * 100, color=[colors[str(i)] for i in t.index])
    ax.errorbar(
        x,
        t["adoption_rate"] * 100,
        yerr=[(t["adoption_rate"] - t["ci_low"]) * 100, (t["ci_high"] - t["adoption_rate"]) * 100],
        fmt="none",
        ecolor="#333333",
        capsize=3,
    )
    ax.set_xticks(x, list(t.index))
    ax.set_ylabel(f"Bought a new product within {config['growth']['adoption_months']} months")
    plots.percent_axis(ax)
    plots.set_finding_title(
        ax,
        result.findings[0] if result.findings else "New-product adoption by size tier",
        "per (customer, launch) pair; whiskers: Wilson CI",
    )
    return ax


def plot_survival(
    fits: Mapping[str, Any], title: str, config: Mapping[str, Any], ax: Axes | None = None
) -> Axes:
    """Kaplan-Meier survival curves (with confidence bands), one per group."""
    ax = plots.new_axes(ax)
    colors = plots.tier_colors(list(fits))
    for name, kmf in fits.items():
        kmf.plot_survival_function(ax=ax, color=colors[name], ci_show=True)
    year = float(config["growth"]["first_year_days"])
    ax.axvline(year, color="#555555", lw=0.8, ls="--")
    ax.set_xlabel("Days since the customer started")
    ax.set_ylabel("Still active")
    plots.percent_axis(ax, "y", xmax=1)
    ax.set_ylim(0, 1.02)
    ax.legend(frameon=False, fontsize=8)
    plots.set_finding_title(ax, title, "Kaplan-Meier (lifelines); dashed line: one year")
    return ax


# ---- the notebook's record --------------------------------------------------------------------
def growth_metrics(
    cohorts: Result,
    approvals: Result,
    adoption: Result,
    survival: Result,
    closure: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Headline numbers of the trust-and-growth analyses for ``ws.record("growth", ...)``."""
    out: dict[str, Any] = {}
    for name, res in (
        ("land_and_expand", cohorts),
        ("approvals", approvals),
        ("adoption", adoption),
        ("survival", survival),
    ):
        out[f"{name}_available"] = res.available
        if not res.available:
            out[f"{name}_message"] = res.message
    out.update(cohorts.metrics)
    out.update(approvals.metrics)
    out.update(adoption.metrics)
    if survival.available and closure:
        out.update(
            {
                "survival_rule": survival.detail["rule"],
                "first_year_closure_group": closure["group"],
                "first_year_closure_customers": closure["customers"],
                "first_year_closure_rate": closure["rate"],
                "first_year_closure_rate_ci_low": closure["ci_low"],
                "first_year_closure_rate_ci_high": closure["ci_high"],
                "first_year_closure_claim": closure["claim"],
                "first_year_closure_claim_in_ci": closure["claim_in_ci"],
            }
        )
    return json_safe(out)


def growth_findings(
    cohorts: Result,
    approvals: Result,
    adoption: Result,
    survival: Result,
    closure: Mapping[str, Any] | None,
    config: Mapping[str, Any],
) -> list[str]:
    """Every finding sentence of the trust-and-growth analyses, in reading order."""
    out = [*cohorts.findings, *approvals.findings, *adoption.findings]
    out += survival_findings(survival, closure or {}, config)
    return out
