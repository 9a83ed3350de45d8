"""Customer segments: size tiers, RFM segments, profitability quadrants and ABC classes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers.results import json_float, pct
from helpers.schema import UNATTRIBUTED

__all__ = [
    "rfm_scores",
    "name_rfm_segments",
    "quadrant_thresholds",
    "assign_quadrants",
    "abc_classes",
    "abc_crosstab",
    "assign_segments",
    "profile_segments",
    "segment_metrics",
    "segment_findings",
    "plot_quadrants",
    "plot_segment_profile",
    "plot_abc_crosstab",
]


# ---- shared -------------------------------------------------------------------------------------
def _customers(ledger: pd.DataFrame) -> pd.DataFrame:
    """Customers only: the row of lines without a customer (``UNATTRIBUTED``) is left out."""
    return ledger.loc[ledger["customer_id"] != UNATTRIBUTED].reset_index(drop=True)


def _rank_scores(values: pd.Series, ids: pd.Series, bins: int) -> np.ndarray:
    """Score 1..bins by quantile of ``values`` (higher value, higher score); ties broken by
    customer id so the scores do not depend on row order. NaN scores lowest."""
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype="int64")
    v = values.astype("float64").fillna(-np.inf).to_numpy()
    order = np.lexsort((ids.astype(str).to_numpy(), v))
    pos = np.empty(n, dtype="int64")
    pos[order] = np.arange(n)
    return (pos * bins // n + 1).astype("int64")


# ---- RFM ----------------------------------------------------------------------------------------
def name_rfm_segments(scores: pd.DataFrame, config: Mapping[str, Any]) -> pd.Series:
    """Name each row's segment from its ``r``, ``f``, ``m`` scores by the rules in
    ``config['rfm']['segments']`` (a table: score ranges -> name; the first match wins)."""
    rules = list(config["rfm"]["segments"])
    names = pd.Series(pd.NA, index=scores.index, dtype="object")
    for rule in rules:
        match = names.isna()
        for key in ("r", "f", "m"):
            if key in rule:
                lo, hi = rule[key]
                match &= scores[key].between(lo, hi)
        names[match] = rule["name"]
    order = list(dict.fromkeys(r["name"] for r in rules))
    if names.isna().any():
        raise ValueError(
            "rfm.segments: some scores match no rule; end the table with a catch-all "
            "rule that names no score range (e.g. {name: Others})"
        )
    return pd.Series(
        pd.Categorical(names, categories=order), index=scores.index, name="rfm_segment"
    )


def rfm_scores(
    ledger: pd.DataFrame, config: Mapping[str, Any], as_of: pd.Timestamp | None = None
) -> pd.DataFrame:
    """Recency, frequency and monetary value of every customer, their 1..5 scores and named
    segment: ``customer_id, recency_days, frequency, monetary, r, f, m, rfm, rfm_segment``.

    Recency is counted in days from ``as_of`` (the period's end; default the latest order).
    """
    led = _customers(ledger)
    bins = int(config["rfm"]["bins"])
    last = pd.to_datetime(led["last_order"])
    ref = pd.Timestamp(as_of) if as_of is not None else last.max()
    out = pd.DataFrame(
        {
            "customer_id": led["customer_id"],
            "recency_days": (ref - last).dt.days.astype("float64"),
            "frequency": led["orders"].astype("float64"),
            "monetary": led["net_revenue"].astype("float64"),
        }
    )
    ids = out["customer_id"]
    out["r"] = _rank_scores(-out["recency_days"], ids, bins)
    out["f"] = _rank_scores(out["frequency"], ids, bins)
    out["m"] = _rank_scores(out["monetary"], ids, bins)
    out["rfm"] = out["r"].astype(str) + out["f"].astype(str) + out["m"].astype(str)
    out["rfm_segment"] = name_rfm_segments(out, config)
    return out


# ---- profitability quadrants --------------------------------------------------------------------
def quadrant_thresholds(ledger: pd.DataFrame, config: Mapping[str, Any]) -> dict[str, float]:
    """The volume (net revenue) and margin (after cost to serve) thresholds of the quadrants."""
    spec = config["quadrants"]
    led = _customers(ledger)
    volume = float(led["net_revenue"].quantile(float(spec["volume_quantile"]))) if len(led) else 0.0
    if spec["margin_threshold"] == "company":
        net = float(led["net_revenue"].sum())
        margin = float(led["profit"].sum()) / net if net else 0.0
    else:
        margin = float(spec["margin_threshold"])
    return {"volume": volume, "margin": margin}


def assign_quadrants(ledger: pd.DataFrame, config: Mapping[str, Any]) -> pd.Series:
    """Each customer's profitability quadrant (protect / grow / reprice / serve differently),
    aligned on the customers-only ledger's rows (``customer_id`` order)."""
    led = _customers(ledger)
    t = quadrant_thresholds(ledger, config)
    names = config["quadrants"]["names"]
    high_v = led["net_revenue"] >= t["volume"]
    high_m = led["margin_pct"].fillna(-np.inf) >= t["margin"]
    key = np.where(high_v, "high", "low").astype(object) + "_" + np.where(high_m, "high", "low")
    order = [names[k] for k in ("high_high", "low_high", "high_low", "low_low")]
    return pd.Series(
        pd.Categorical([names[k] for k in key], categories=order), index=led.index, name="quadrant"
    )


# ---- ABC ----------------------------------------------------------------------------------------
def abc_classes(
    values: pd.Series, ids: pd.Series, config: Mapping[str, Any], losses: bool = False
) -> pd.Series:
    """ABC class of each value: A while the running total (largest first) is below the first
    bound of the positive total (what the customers who make the measure bring; losses do not
    shrink it), B below the second, C after; with ``losses`` negative values get
    ``abc.loss_label``. Ties are ranked by id, so the result does not depend on row order."""
    spec = config["abc"]
    labels = list(spec["labels"])
    cats = [*labels, spec["loss_label"]] if losses else labels
    v = values.astype("float64").fillna(0.0).to_numpy()
    n = len(v)
    out = np.full(n, labels[-1], dtype=object)
    if n:
        order = np.lexsort((ids.astype(str).to_numpy(), -v))
        total = v[v > 0].sum()
        before = np.cumsum(v[order]) - v[order]
        if total > 0:
            cls = np.searchsorted(np.asarray(spec["bounds"], dtype="float64"),
                                  before / total, side="right")  # fmt: skip
            out[order] = np.asarray(labels, dtype=object)[np.minimum(cls, len(labels) - 1)]
        if losses:
            out[v < 0] = spec["loss_label"]
    return pd.Series(pd.Categorical(out, categories=cats), index=values.index)


def abc_crosstab(segments: pd.DataFrame) -> pd.DataFrame:
    """Customers by ABC class on revenue (rows) and on profit (columns), with totals."""
    return pd.crosstab(
        segments["abc_revenue"], segments["abc_profit"], margins=True, margins_name="total",
        dropna=False,
    )  # fmt: skip


# ---- all segments together ----------------------------------------------------------------------
def assign_segments(
    ledger: pd.DataFrame, config: Mapping[str, Any], as_of: pd.Timestamp | None = None
) -> pd.DataFrame:
    """One row per customer with every segmentation: ``customer_id, size_tier, r, f, m, rfm,
    rfm_segment, quadrant, abc_revenue, abc_profit`` (lines without a customer left out)."""
    led = _customers(ledger)
    rfm = rfm_scores(ledger, config, as_of=as_of)
    out = pd.DataFrame({"customer_id": led["customer_id"], "size_tier": led["size_tier"]})
    for col in ("r", "f", "m", "rfm", "rfm_segment"):
        out[col] = rfm[col].to_numpy() if col != "rfm_segment" else rfm[col].array
    out["quadrant"] = assign_quadrants(ledger, config).array
    out["abc_revenue"] = abc_classes(led["net_revenue"], led["customer_id"], config).array
    out["abc_profit"] = abc_classes(led["profit"], led["customer_id"], config, losses=True).array
    return out


def profile_segments(ledger: pd.DataFrame, segments: pd.DataFrame, by: str) -> pd.DataFrame:
    """Profile of each segment of column ``by``: customers, revenue, profit, margin, cost to serve,
    discount, rebate and orders (shares are fractions of the customers' totals)."""
    led = _customers(ledger).merge(segments[["customer_id", by]], on="customer_id", how="left",
                                   suffixes=("_ledger", ""))  # fmt: skip
    cols = ["net_revenue", "list_revenue", "discounts", "rebates", "cost_to_serve", "profit",
            "orders"]  # fmt: skip
    g = (
        led.assign(one=1, loss=(led["profit"] < 0).astype(int))
        .groupby(by, observed=True, sort=True)[[*cols, "one", "loss"]]
        .sum()
    )
    total = g.sum()
    out = pd.DataFrame(index=g.index)
    out["customers"] = g["one"].astype(int)
    out["customer_share"] = g["one"] / total["one"] if total["one"] else np.nan
    out["net_revenue"] = g["net_revenue"]
    out["revenue_share"] = (
        g["net_revenue"] / total["net_revenue"] if total["net_revenue"] else np.nan
    )
    out["profit"] = g["profit"]
    out["profit_share"] = g["profit"] / total["profit"] if total["profit"] else np.nan
    net = g["net_revenue"].where(g["net_revenue"] != 0)
    lst = g["list_revenue"].where(g["list_revenue"] != 0)
    out["margin_pct"] = g["profit"] / net
    out["cost_to_serve_pct"] = g["cost_to_serve"] / net
    out["discount_pct"] = g["discounts"] / lst
    out["rebate_pct"] = g["rebates"] / lst
    out["orders"] = g["orders"].astype(int)
    out["orders_per_customer"] = g["orders"] / g["one"]
    out["loss_making_share"] = g["loss"] / g["one"]
    out.index = out.index.astype(str)
    out.index.name = by
    return out.reset_index()


# ---- metrics and sentences ----------------------------------------------------------------------
def segment_metrics(
    ledger: pd.DataFrame, segments: pd.DataFrame, config: Mapping[str, Any]
) -> dict[str, Any]:
    """Headline numbers for ``ws.record('segments', ...)``: shares are fractions of customers,
    revenue or profit; ``*_margin`` are fractions of net revenue; counts are customers.
    Quadrant keys use the config's stable keys: ``quadrant_high_low_*`` is high volume, low margin
    (named ``quadrants.names.high_low``, default Reprice)."""
    out: dict[str, Any] = {"customers": int(len(segments))}
    tiers = profile_segments(ledger, segments, "size_tier").set_index("size_tier")
    small = [t for t in config["size_tiers"]["small"] if t in tiers.index]
    sm = tiers.loc[small]
    out["small_clients_customer_share"] = json_float(sm["customer_share"].sum())
    out["small_clients_revenue_share"] = json_float(sm["revenue_share"].sum())
    out["small_clients_profit_share"] = json_float(sm["profit_share"].sum())
    net = sm["net_revenue"].sum()
    out["small_clients_margin"] = json_float(sm["profit"].sum() / net) if net else None
    out["highest_margin_tier"] = (
        str(tiers["margin_pct"].idxmax()) if tiers["margin_pct"].notna().any() else None
    )
    quads = profile_segments(ledger, segments, "quadrant").set_index("quadrant")
    thresholds = quadrant_thresholds(ledger, config)
    out["quadrant_volume_threshold"] = json_float(thresholds["volume"])
    out["quadrant_margin_threshold"] = json_float(thresholds["margin"])
    for slug, name in config["quadrants"]["names"].items():  # slug: volume_margin, e.g. high_low
        row = quads.loc[name] if name in quads.index else None
        out[f"quadrant_{slug}_customers"] = int(row["customers"]) if row is not None else 0
        out[f"quadrant_{slug}_revenue_share"] = (
            json_float(row["revenue_share"]) if row is not None else 0.0
        )
        out[f"quadrant_{slug}_profit_share"] = (
            json_float(row["profit_share"]) if row is not None else 0.0
        )
    rfm = profile_segments(ledger, segments, "rfm_segment").set_index("rfm_segment")
    out["rfm_segments"] = int(len(rfm))
    if len(rfm):
        out["rfm_top_profit_segment"] = str(rfm["profit"].idxmax())
    first = config["rfm"]["segments"][0]["name"]
    if first in rfm.index:
        out["rfm_first_segment_customer_share"] = json_float(rfm.loc[first, "customer_share"])
        out["rfm_first_segment_profit_share"] = json_float(rfm.loc[first, "profit_share"])
    a = config["abc"]["labels"][0]
    a_rev, a_prof = segments["abc_revenue"] == a, segments["abc_profit"] == a
    out["abc_a_by_revenue"] = int(a_rev.sum())
    out["abc_a_by_profit"] = int(a_prof.sum())
    out["abc_a_revenue_not_a_profit"] = int((a_rev & ~a_prof).sum())
    out["abc_a_profit_not_a_revenue"] = int((a_prof & ~a_rev).sum())
    out["abc_loss_making"] = int((segments["abc_profit"] == config["abc"]["loss_label"]).sum())
    return out


def segment_findings(metrics: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    """Sentences computed from :func:`segment_metrics`."""
    m = metrics
    if not m["customers"]:
        return ["No customer has sales in the period: no segments."]

    small = " and ".join(config["size_tiers"]["small"])
    out = [
        f"Small clients ({small} tiers) are {pct(m['small_clients_customer_share'])} of customers "
        f"and bring {pct(m['small_clients_revenue_share'])} of revenue but "
        f"{pct(m['small_clients_profit_share'])} of profit, at a {pct(m['small_clients_margin'])} "
        f"margin; the {m['highest_margin_tier']} tier earns the highest margin.",
    ]
    names = config["quadrants"]["names"]
    rep, grow = "high_low", "low_high"
    out.append(
        f"{m[f'quadrant_{rep}_customers']:,} high-volume customers earn less than the "
        f"{pct(m['quadrant_margin_threshold'])} margin threshold ({names['high_low'].lower()}: "
        f"{pct(m[f'quadrant_{rep}_revenue_share'])} of revenue); {m[f'quadrant_{grow}_customers']:,} "
        f"smaller customers earn more than it ({names['low_high'].lower()}: "
        f"{pct(m[f'quadrant_{grow}_profit_share'])} of profit)."
    )
    a = config["abc"]["labels"][0]
    out.append(
        f"{m['abc_a_revenue_not_a_profit']:,} of the {m['abc_a_by_revenue']:,} '{a} by revenue' "
        f"customers are not '{a} by profit', and {m['abc_a_profit_not_a_revenue']:,} of the "
        f"{m['abc_a_by_profit']:,} '{a} by profit' customers are not '{a} by revenue'."
    )
    if "rfm_top_profit_segment" in m:
        out.append(f"The RFM segment earning the most profit: {m['rfm_top_profit_segment']}.")
    return out


# ---- figures ------------------------------------------------------------------------------------
def plot_quadrants(
    ledger: pd.DataFrame, segments: pd.DataFrame, config: Mapping[str, Any], ax: Axes | None = None
) -> Axes:
    """Customers on volume (net revenue, log) x margin after cost to serve, coloured by quadrant,
    with the thresholds; the margin axis is clipped to ``seesaw.margin_clip`` for legibility."""
    from helpers import plots

    ax = plots.new_axes(ax, figsize=(8, 5))
    led = _customers(ledger).merge(segments[["customer_id", "quadrant"]], on="customer_id")
    led = led.loc[led["net_revenue"] > 0]
    lo, hi = (float(v) for v in config.get("seesaw", {}).get("margin_clip", [-1.0, 1.0]))
    t = quadrant_thresholds(ledger, config)
    cats = list(segments["quadrant"].cat.categories)
    for i, name in enumerate(cats):
        g = led.loc[led["quadrant"] == name]
        ax.scatter(g["net_revenue"], 100 * g["margin_pct"].clip(lo, hi), s=8, alpha=0.5,
                   color=plots.PALETTE[i], label=f"{name} ({len(g):,})", edgecolors="none")  # fmt: skip
    ax.set_xscale("log")
    ax.axvline(t["volume"], color="#333333", lw=0.9, ls="--")
    ax.axhline(100 * t["margin"], color="#333333", lw=0.9, ls="--")
    ax.set_ylim(100 * lo - 2, 100 * hi + 2)
    plots.money_axis(ax, "x")
    plots.percent_axis(ax, "y")
    ax.set_xlabel("Net revenue over the period (currency, log scale)")
    ax.set_ylabel(f"Margin after cost to serve (% of net revenue, clipped at {100 * lo:.0f}%)")
    ax.legend(frameon=False, fontsize=8, markerscale=2, loc="lower right")
    q = profile_segments(ledger, segments, "quadrant").set_index("quadrant")
    rep = config["quadrants"]["names"]["high_low"]
    if rep in q.index:
        finding = (
            f"{int(q.loc[rep, 'customers']):,} big customers ({q.loc[rep, 'revenue_share']:.0%} of "
            f"revenue) earn below the {t['margin']:.0%} margin line: {rep.lower()}"
        )
    else:
        finding = "No big customer earns below the margin line"
    plots.set_finding_title(
        ax, finding, "Profitability quadrants: volume x margin after cost to serve"
    )
    return ax


def plot_segment_profile(profile: pd.DataFrame, by: str, ax: Axes | None = None) -> Axes:
    """Each segment's share of customers, of revenue and of profit (horizontal bars)."""
    from helpers import plots

    ax = plots.new_axes(ax, figsize=(8, 0.55 * len(profile) + 1.5))
    y = np.arange(len(profile))
    h = 0.27
    for i, (col, label) in enumerate((("customer_share", "share of customers"),
                                      ("revenue_share", "share of revenue"),
                                      ("profit_share", "share of profit"))):  # fmt: skip
        ax.barh(y + (i - 1) * h, 100 * profile[col], h, color=plots.PALETTE[i], label=label)
    ax.set_yticks(y)
    ax.set_yticklabels(profile[by].astype(str))
    ax.invert_yaxis()
    ax.axvline(0, color="#333333", lw=0.8)
    plots.percent_axis(ax, "x")
    ax.set_xlabel("Share of the customers' total (%)")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    best = profile.loc[profile["profit"].idxmax()] if len(profile) else None
    finding = (
        f"{best[by]}: {best['customer_share']:.0%} of customers, {best['profit_share']:.0%} of profit"
        if best is not None
        else "No segments"
    )
    plots.set_finding_title(ax, finding, f"Customers, revenue and profit by {by.replace('_', ' ')}")
    return ax


def plot_abc_crosstab(crosstab: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Heatmap of customers by ABC class on revenue (rows) and on profit (columns)."""
    import seaborn as sns

    from helpers import plots

    ax = plots.new_axes(ax, figsize=(6.5, 4))
    body = crosstab.drop(index="total", columns="total", errors="ignore")
    sns.heatmap(body, annot=True, fmt=",d", cmap="Blues", cbar=False, ax=ax, linewidths=0.5)
    ax.set_xlabel("ABC class by profit after cost to serve")
    ax.set_ylabel("ABC class by net revenue")
    a = body.index[0] if len(body.index) else "A"
    off = int(body.loc[a].sum() - body.loc[a].get(a, 0)) if a in body.index else 0
    plots.set_finding_title(
        ax, f"{off:,} of {int(body.loc[a].sum()) if a in body.index else 0:,} '{a} by revenue' "
        f"customers are not '{a} by profit'", "Customers (count)",
    )  # fmt: skip
    return ax
