"""The volume-margin seesaw: do bigger accounts earn lower margins after the cost to serve, and why.

Margins are fractions of net revenue in tables and slopes (0.12 = 12%); in the metrics, keys
ending in ``_pct`` are percentages (as the metrics schema says), shares are fractions, and the
slopes are in margin points (fractions) per tenfold increase in net revenue.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import stats

from helpers import plots
from helpers.results import json_float
from helpers.schema import UNATTRIBUTED

__all__ = [
    "tier_table",
    "bridge_table",
    "fit_trend",
    "binned_margins",
    "seesaw_metrics",
    "seesaw_findings",
    "plot_scatter",
    "plot_seesaw",
    "plot_tier_margins",
    "plot_bridge",
]

_UNKNOWN = "(unknown)"


def _config(config: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if config is not None and "seesaw" in config and "size_tiers" in config:
        return config
    from helpers.config import defaults

    return {**defaults(), **(config or {})}


def _customers(ledger: pd.DataFrame) -> pd.DataFrame:
    return ledger.loc[ledger["customer_id"] != UNATTRIBUTED]


def _tiers(ledger: pd.DataFrame) -> tuple[pd.Series, list[str]]:
    """The size tier of each customer as text, and the tiers in size order (unknown last)."""
    tier = ledger["size_tier"]
    cats = list(tier.cat.categories) if isinstance(tier.dtype, pd.CategoricalDtype) else []
    text = tier.astype("object").fillna(_UNKNOWN).astype(str)
    order = [str(c) for c in cats if (text == str(c)).any()]
    order += sorted(set(text) - set(order))
    return text, order


# ---- tables -------------------------------------------------------------------------------------
def _groups(ledger: pd.DataFrame, config: Mapping[str, Any]) -> dict[str, list[str]]:
    """Cost-to-serve columns of each bridge step (activities not configured: 'other')."""
    present = [c for c in ledger.columns if c.startswith("cts_")]
    out: dict[str, list[str]] = {}
    used: set[str] = set()
    for label, activities in config["seesaw"]["bridge"]["groups"].items():
        cols = [f"cts_{a}" for a in activities if f"cts_{a}" in present]
        out[label] = cols
        used.update(cols)
    out["other cost to serve"] = [c for c in present if c not in used]
    return out


def tier_table(ledger: pd.DataFrame, config: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Per size tier (smallest first): customers, net revenue, profit, their shares, margin after
    cost to serve, gross margin and cost to serve as fractions of net revenue."""
    led = _customers(ledger)
    tier, order = _tiers(led)
    cols = ["net_revenue", "list_revenue", "gross_margin", "cost_to_serve", "profit"]
    g = led[cols].assign(customers=1).groupby(tier.to_numpy()).sum().reindex(order)
    total = g.sum()
    net = g["net_revenue"].where(g["net_revenue"] != 0)
    out = pd.DataFrame(
        {
            "size_tier": order,
            "customers": g["customers"].astype(int).to_numpy(),
            "customer_share": (g["customers"] / total["customers"]).to_numpy(),
            "net_revenue": g["net_revenue"].to_numpy(),
            "revenue_share": (g["net_revenue"] / total["net_revenue"]).to_numpy()
            if total["net_revenue"]
            else np.nan,
            "profit": g["profit"].to_numpy(),
            "profit_share": (g["profit"] / total["profit"]).to_numpy()
            if total["profit"]
            else np.nan,
            "margin_pct": (g["profit"] / net).to_numpy(),
            "gross_margin_pct": (g["gross_margin"] / net).to_numpy(),
            "cost_to_serve_pct": (g["cost_to_serve"] / net).to_numpy(),
        }
    )
    return out


def bridge_table(ledger: pd.DataFrame, config: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Per size tier, the bridge from list price to profit as fractions of list revenue:
    discounts, rebates, cost of goods, each cost-to-serve group, and profit (they add up to 1)."""
    settings = _config(config)
    led = _customers(ledger)
    tier, order = _tiers(led)
    groups = _groups(led, settings)
    steps = pd.DataFrame(
        {"discounts": led["discounts"], "rebates": led["rebates"], "cost of goods": led["cogs"]}
    )
    for label, cols in groups.items():
        steps[label] = led[cols].sum(axis=1) if cols else 0.0
    steps["profit"] = led["profit"]
    steps["list_revenue"] = led["list_revenue"]
    g = steps.groupby(tier.to_numpy()).sum().reindex(order)
    lst = g.pop("list_revenue").replace(0, np.nan)
    out = g.div(lst, axis=0)
    out.index.name = "size_tier"
    return out.reset_index()


# ---- the trend ----------------------------------------------------------------------------------
def _scatter_frame(ledger: pd.DataFrame) -> pd.DataFrame:
    led = _customers(ledger)
    led = led.loc[(led["net_revenue"] > 0) & led["margin_pct"].notna()]
    return led.sort_values("customer_id", kind="stable")


def _theil_sen(x: np.ndarray, y: np.ndarray, spec: Mapping[str, Any]) -> dict[str, float]:
    n = len(x)
    if n < 3 or np.ptp(x) == 0:
        return {"slope": np.nan, "intercept": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": n}
    if n > int(spec["max_points"]):
        keep = np.random.default_rng(int(spec["seed"])).choice(
            n, int(spec["max_points"]), replace=False
        )
        x, y = x[keep], y[keep]
    r = stats.theilslopes(y, x, alpha=float(spec["confidence"]))
    return {
        "slope": float(r.slope),
        "intercept": float(r.intercept),
        "ci_low": float(r.low_slope),
        "ci_high": float(r.high_slope),
        "n": n,
    }


def fit_trend(ledger: pd.DataFrame, config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Theil-Sen trend of margin after cost to serve (fraction) on log10 net revenue, over all
    customers with positive revenue (``all``) and over the largest ones (``upper``: revenue at or
    above the ``seesaw.trend.upper_quantile``). Slopes are margin points per tenfold revenue."""
    spec = _config(config)["seesaw"]["trend"]
    led = _scatter_frame(ledger)
    x = np.log10(led["net_revenue"].to_numpy(dtype="float64"))
    y = led["margin_pct"].to_numpy(dtype="float64")
    q = float(spec["upper_quantile"])
    cut = float(np.quantile(x, q)) if len(x) else np.nan
    upper = x >= cut
    return {
        "all": _theil_sen(x, y, spec),
        "upper": {**_theil_sen(x[upper], y[upper], spec), "min_revenue": 10**cut},
    }


def binned_margins(ledger: pd.DataFrame, config: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Median margin after cost to serve in revenue quantile bins: ``revenue`` (median of the
    bin), ``margin_pct`` (median, fraction), ``customers``."""
    spec = _config(config)["seesaw"]["trend"]
    led = _scatter_frame(ledger)
    if led.empty:
        return pd.DataFrame(columns=["revenue", "margin_pct", "customers"])
    bins = pd.qcut(led["net_revenue"].rank(method="first"), int(spec["bins"]), labels=False)
    g = led.groupby(bins.to_numpy())
    return pd.DataFrame(
        {
            "revenue": g["net_revenue"].median(),
            "margin_pct": g["margin_pct"].median(),
            "customers": g.size(),
        }
    ).reset_index(drop=True)


# ---- metrics and sentences ----------------------------------------------------------------------
def seesaw_metrics(ledger: pd.DataFrame, config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Headline numbers for ``ws.record('seesaw', ...)``.

    ``slope`` (+ ``slope_ci_low``/``slope_ci_high``): Theil-Sen slope of margin after cost to serve
    (fraction) per tenfold net revenue, all customers; ``slope_upper*`` the same over the largest
    customers. ``most_profitable_tier``: the size tier with the highest margin after cost to serve;
    ``largest_tier``: the biggest size tier with customers; ``*_margin_pct``: percentages;
    ``*_share``: fractions; ``big_accounts_most_profitable``: the largest tier has the highest
    margin.
    """
    settings = _config(config)
    out = _tier_metrics(tier_table(ledger, settings))
    trend = fit_trend(ledger, settings)
    for name, key in (("all", "slope"), ("upper", "slope_upper")):
        t = trend[name]
        out[key] = json_float(t["slope"])
        out[f"{key}_ci_low"] = json_float(t["ci_low"])
        out[f"{key}_ci_high"] = json_float(t["ci_high"])
        out[f"{key}_customers"] = int(t["n"])
    out["slope_upper_min_revenue"] = json_float(trend["upper"]["min_revenue"])
    out["slope_units"] = "margin (fraction of net revenue) per tenfold net revenue"
    if out["largest_tier"] is None:
        return out
    bridge = bridge_table(ledger, settings).set_index("size_tier")
    cts_cols = [c for c in bridge.columns if c not in ("discounts", "rebates", "cost of goods",
                                                        "profit")]  # fmt: skip
    fin = next(iter(settings["seesaw"]["bridge"]["groups"]))
    for label in ("largest", "smallest"):
        b = bridge.loc[out[f"{label}_tier"]]
        out[f"{label}_tier_discount_rebate_pct_of_list"] = json_float(
            100 * (b["discounts"] + b["rebates"])
        )
        out[f"{label}_tier_financing_pct_of_list"] = json_float(100 * b[fin]) if fin in b else None
        out[f"{label}_tier_cost_to_serve_pct_of_list"] = json_float(100 * b[cts_cols].sum())
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


def seesaw_findings(metrics: Mapping[str, Any]) -> list[str]:
    """Sentences computed from :func:`seesaw_metrics`."""
    m = metrics
    if m.get("most_profitable_tier") is None:
        return ["No size tier has customers with revenue: there is no seesaw to show."]

    def pts(x: float | None) -> str:
        return "n/a" if x is None else f"{abs(100 * x):.1f} points"

    def ci(key: str) -> str:
        lo, hi = m.get(f"{key}_ci_low"), m.get(f"{key}_ci_high")
        return "" if lo is None or hi is None else f" [{100 * lo:+.1f} to {100 * hi:+.1f}]"

    def direction(key: str) -> str:
        lo, hi = m.get(f"{key}_ci_low"), m.get(f"{key}_ci_high")
        if lo is not None and hi is not None and lo <= 0 <= hi:
            return "barely changes (no clear trend)"
        return "rises" if (m.get(key) or 0) > 0 else "falls"

    big, best = m["largest_tier"], m["most_profitable_tier"]
    out = []
    if m["big_accounts_most_profitable"]:
        out.append(
            f"Big accounts are the most profitable: the {big} tier earns the highest margin after "
            f"cost to serve ({m['largest_tier_margin_pct']:.1f}%), with "
            f"{m['largest_tier_revenue_share']:.0%} of revenue and "
            f"{m['largest_tier_profit_share']:.0%} of profit. The seesaw does not tilt here."
        )
    else:
        out.append(
            f"The seesaw tilts: the {big} tier brings {m['largest_tier_revenue_share']:.0%} of "
            f"revenue but {m['largest_tier_profit_share']:.0%} of profit, at a "
            f"{m['largest_tier_margin_pct']:.1f}% margin after cost to serve; the {best} tier "
            f"earns the highest margin ({m['most_profitable_tier_margin_pct']:.1f}%)."
        )
    if m.get("slope") is not None:
        out.append(
            f"Across all customers, margin after cost to serve {direction('slope')} with size: "
            f"{pts(m['slope'])}{ci('slope')} per tenfold revenue (Theil-Sen)"
            + (
                f"; among the largest customers (net revenue from "
                f"{plots.format_money(m['slope_upper_min_revenue'])}) it "
                f"{direction('slope_upper')}: {pts(m['slope_upper'])}{ci('slope_upper')}."
                if m.get("slope_upper") is not None
                else "."
            )
        )
    small = m["smallest_tier"]
    out.append(
        f"Discounts and rebates take {m['largest_tier_discount_rebate_pct_of_list']:.1f}% of list "
        f"price from {big} accounts and {m['smallest_tier_discount_rebate_pct_of_list']:.1f}% from "
        f"{small} ones; payment-term financing {m['largest_tier_financing_pct_of_list'] or 0:.1f}% "
        f"against {m['smallest_tier_financing_pct_of_list'] or 0:.1f}%; all cost to serve "
        f"{m['largest_tier_cost_to_serve_pct_of_list']:.1f}% against "
        f"{m['smallest_tier_cost_to_serve_pct_of_list']:.1f}%."
    )
    return out


# ---- figures ------------------------------------------------------------------------------------
def plot_scatter(
    ledger: pd.DataFrame, config: Mapping[str, Any] | None = None, ax: Axes | None = None
) -> Axes:
    """Customers: net revenue (log) against margin after cost to serve, coloured by size tier,
    with the median margin per revenue bin and the Theil-Sen trend lines."""
    settings = _config(config)
    ax = plots.new_axes(ax, figsize=(8.5, 5))
    led = _scatter_frame(ledger)
    tier, order = _tiers(led)
    colors = plots.tier_colors(order)
    lo, hi = (float(v) for v in settings["seesaw"]["margin_clip"])
    for t in order:
        g = led.loc[tier == t]
        ax.scatter(g["net_revenue"], 100 * g["margin_pct"].clip(lo, hi), s=7, alpha=0.35,
                   color=colors[t], edgecolors="none", label=t)  # fmt: skip
    bins = binned_margins(ledger, settings)
    ax.plot(bins["revenue"], 100 * bins["margin_pct"], "o-", color="#222222", lw=1.6, ms=4,
            label="median margin per revenue bin")  # fmt: skip
    trend = fit_trend(ledger, settings)
    x_all = np.log10(led["net_revenue"].to_numpy(dtype="float64"))
    for name, style, label in (("all", "--", "trend, all customers"),
                               ("upper", "-", "trend, largest customers")):  # fmt: skip
        t = trend[name]
        if not np.isfinite(t["slope"]):
            continue
        x0 = np.log10(trend["upper"]["min_revenue"]) if name == "upper" else x_all.min()
        xs = np.linspace(x0, x_all.max(), 20)
        ax.plot(10**xs, 100 * (t["intercept"] + t["slope"] * xs), style, color=plots.PALETTE[3],
                lw=2, label=f"{label}: {100 * t['slope']:+.1f} pts per 10x")  # fmt: skip
    ax.set_xscale("log")
    ax.set_ylim(100 * lo - 3, 100 * hi + 3)
    ax.axhline(0, color="#333333", lw=0.8)
    plots.money_axis(ax, "x")
    plots.percent_axis(ax, "y")
    ax.set_xlabel("Net revenue over the period (currency, log scale)")
    ax.set_ylabel(f"Margin after cost to serve (% of net revenue; clipped to {100 * lo:.0f}%..)")
    ax.legend(frameon=False, fontsize=7.5, markerscale=2, loc="lower right", ncol=2)
    m = seesaw_metrics(ledger, settings)
    up = m.get("slope_upper")
    if up is None:
        finding = "Margin after cost to serve against customer size"
    elif m.get("slope_upper_ci_high") is not None and m["slope_upper_ci_high"] < 0:
        finding = (
            f"Among the largest customers, margin falls {abs(100 * up):.1f} pts per 10x revenue"
        )
    elif m.get("slope_upper_ci_low") is not None and m["slope_upper_ci_low"] > 0:
        finding = f"Among the largest customers, margin rises {100 * up:.1f} pts per 10x revenue"
    else:
        finding = "Among the largest customers, margin shows no clear trend with size"
    plots.set_finding_title(ax, finding, f"{len(led):,} customers with positive net revenue")
    return ax


def plot_seesaw(
    ledger: pd.DataFrame, config: Mapping[str, Any] | None = None, ax: Axes | None = None
) -> Axes:
    """The seesaw: each size tier's share of net revenue (left) joined to its share of profit
    (right); a line falling to the right is a tier that earns less than its volume."""
    settings = _config(config)
    ax = plots.new_axes(ax, figsize=(7, 5))
    t = tier_table(ledger, settings)
    colors = plots.tier_colors(list(t["size_tier"]))
    for _, row in t.iterrows():
        a, b = 100 * row["revenue_share"], 100 * row["profit_share"]
        c = colors[row["size_tier"]]
        ax.plot([0, 1], [a, b], "-o", color=c, lw=3, ms=8)
        ax.annotate(f"{row['size_tier']} {a:.0f}%", (0, a), xytext=(-8, 0),
                    textcoords="offset points", ha="right", va="center", color=c,
                    fontweight="bold")  # fmt: skip
        ax.annotate(f"{b:.0f}% {row['size_tier']}", (1, b), xytext=(8, 0),
                    textcoords="offset points", ha="left", va="center", color=c,
                    fontweight="bold")  # fmt: skip
    ax.axhline(0, color="#333333", lw=0.8)
    ax.set_xlim(-0.45, 1.45)
    ax.set_xticks([0, 1])
    ax.set_xticklabels(["share of net revenue", "share of profit\nafter cost to serve"])
    ax.set_ylabel("Share of the customers' total (%)")
    plots.percent_axis(ax, "y")
    ax.grid(axis="x", visible=False)
    m = _tier_metrics(t)  # the title needs the tiers only, not the trend
    if m.get("largest_tier") is None:
        finding = "Share of revenue and of profit by size tier"
    elif m["big_accounts_most_profitable"]:
        finding = (
            f"No tilt against volume: {m['largest_tier']} accounts bring "
            f"{m['largest_tier_revenue_share']:.0%} of revenue and "
            f"{m['largest_tier_profit_share']:.0%} of profit"
        )
    else:
        finding = (
            f"The seesaw tilts: {m['largest_tier']} accounts bring "
            f"{m['largest_tier_revenue_share']:.0%} of revenue, "
            f"{m['largest_tier_profit_share']:.0%} of profit"
        )
    plots.set_finding_title(ax, finding, "Per size tier; a line falling to the right earns less "
                            "than its volume")  # fmt: skip
    return ax


def plot_tier_margins(
    ledger: pd.DataFrame, config: Mapping[str, Any] | None = None, ax: Axes | None = None
) -> Axes:
    """Margin after cost to serve by size tier (bars), gross margin (outline) and the company
    margin (dashed line)."""
    settings = _config(config)
    ax = plots.new_axes(ax)
    t = tier_table(ledger, settings)
    colors = plots.tier_colors(list(t["size_tier"]))
    x = np.arange(len(t))
    ax.bar(x, 100 * t["gross_margin_pct"], 0.7, facecolor="none", edgecolor="#555555",
           ls="--", label="gross margin")  # fmt: skip
    bars = ax.bar(x, 100 * t["margin_pct"], 0.5, color=[colors[s] for s in t["size_tier"]],
                  label="margin after cost to serve")  # fmt: skip
    ax.bar_label(bars, labels=[f"{100 * v:.1f}%" for v in t["margin_pct"]], padding=2, fontsize=9)
    net = t["net_revenue"].sum()
    if net:
        company = 100 * t["profit"].sum() / net
        ax.axhline(company, color=plots.PALETTE[3], lw=1.2, ls=":",
                   label=f"company margin {company:.1f}%")  # fmt: skip
    ax.axhline(0, color="#333333", lw=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels(t["size_tier"])
    ax.set_xlabel("Size tier (smallest to largest)")
    ax.set_ylabel("% of net revenue")
    plots.percent_axis(ax, "y")
    ax.legend(frameon=False, fontsize=8)
    valid = t.dropna(subset=["margin_pct"])
    if len(valid):
        best = valid.loc[valid["margin_pct"].idxmax()]
        finding = (
            f"The {best['size_tier']} tier earns the highest margin after cost to serve "
            f"({100 * best['margin_pct']:.1f}%)"
        )
    else:
        finding = "Margin by size tier"
    plots.set_finding_title(ax, finding, "Margin as % of net revenue, per size tier")
    return ax


_BRIDGE_COLORS = {
    "discounts": plots.PALETTE[3],
    "rebates": plots.PALETTE[1],
    "cost of goods": "#BBBBBB",
}
_CTS_COLORS = [plots.PALETTE[4], plots.PALETTE[6], plots.PALETTE[0], plots.PALETTE[5], "#777777"]


def plot_bridge(
    ledger: pd.DataFrame, config: Mapping[str, Any] | None = None, ax: Axes | None = None
) -> Axes:
    """Why it tilts: per size tier, the bridge from list price (100%, right) through discounts,
    rebates, cost of goods and cost to serve down to profit (left), as % of list revenue."""
    settings = _config(config)
    b = bridge_table(ledger, settings)
    ax = plots.new_axes(ax, figsize=(9, 0.8 * len(b) + 2))
    steps = [c for c in b.columns if c not in ("size_tier", "profit")]
    colors = {**_BRIDGE_COLORS}
    for i, s in enumerate([s for s in steps if s not in colors]):
        colors[s] = _CTS_COLORS[i % len(_CTS_COLORS)]
    y = np.arange(len(b))
    for j, (_, row) in enumerate(b.iterrows()):
        right = 100.0
        for s in steps:
            w = 100 * float(row[s]) if np.isfinite(row[s]) else 0.0
            ax.barh(j, w, left=right - w, color=colors[s], edgecolor="white", lw=0.5,
                    label=s if j == 0 else None)  # fmt: skip
            if w >= 4:
                ax.text(right - w / 2, j, f"{w:.0f}", ha="center", va="center", fontsize=8)
            right -= w
        p = 100 * float(row["profit"]) if np.isfinite(row["profit"]) else 0.0
        ax.barh(j, p, left=0, color=plots.PALETTE[2], hatch="" if p >= 0 else "//",
                edgecolor="white", label="profit" if j == 0 else None)  # fmt: skip
        ax.text(min(p, 0) - 1, j, f"profit {p:.1f}%", ha="right", va="center", fontsize=9,
                fontweight="bold")  # fmt: skip
    ax.axvline(0, color="#333333", lw=0.8)
    ax.axvline(100, color="#333333", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(b["size_tier"])
    ax.invert_yaxis()
    low = 100 * float(np.nanmin(np.minimum(b["profit"].to_numpy(dtype="float64"), 0)))
    ax.set_xlim(low - 22, 103)
    plots.percent_axis(ax, "x")
    ax.set_xlabel("% of list revenue (list price = 100%, read right to left)")
    ax.legend(frameon=False, fontsize=7.5, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    leak = b.set_index("size_tier")
    if len(leak) >= 2:
        big, small = leak.index[-1], leak.index[0]
        d_big = 100 * (leak.loc[big, "discounts"] + leak.loc[big, "rebates"])
        d_small = 100 * (leak.loc[small, "discounts"] + leak.loc[small, "rebates"])
        finding = (
            f"Discounts and rebates take {d_big:.0f}% of list price from {big} accounts, "
            f"{d_small:.0f}% from {small} ones"
        )
    else:
        finding = "From list price to profit"
    plots.set_finding_title(ax, finding, "From list price to profit after cost to serve, per tier")
    return ax
