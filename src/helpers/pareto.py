"""How concentrated revenue is versus profit: Pareto / Lorenz curves, Gini, the whale curve.

Every share is computed over customers (the ``UNATTRIBUTED`` row of lines without a customer is
left out and its revenue reported). Shares are fractions (0.92 = 92%), except the keys ending
in ``_pct``, which are percentages (128.3 = 128.3% of total profit). Every headline share has a
bootstrap interval (customers resampled with replacement, seeded, vectorised): ``<key>_ci_low``
and ``<key>_ci_high``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers import plots
from helpers.results import json_float, pct
from helpers.schema import UNATTRIBUTED

__all__ = [
    "Concentration",
    "customers_only",
    "unattributed_revenue",
    "lorenz_curves",
    "whale_curve",
    "gini",
    "top_share",
    "measure_concentration",
    "headline_shares",
    "pareto_findings",
    "shares_table",
    "plot_lorenz_curves",
    "plot_whale_curve",
]


# ---- inputs -------------------------------------------------------------------------------------
def _config(config: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if config is not None and "pareto" in config and "whale" in config:
        return config
    from helpers.config import defaults

    return {**defaults(), **(config or {})}


def customers_only(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger without the row of lines that carry no customer (``UNATTRIBUTED``)."""
    return ledger.loc[ledger["customer_id"] != UNATTRIBUTED]


def unattributed_revenue(ledger: pd.DataFrame) -> float:
    """Net revenue of lines without a customer (kept out of every customer-level share)."""
    return float(ledger.loc[ledger["customer_id"] == UNATTRIBUTED, "net_revenue"].sum())


def _tag(share: float) -> str:
    """0.2 -> 'top20', 0.01 -> 'top1'."""
    return f"top{round(100 * share):d}"


# ---- the statistics, on a (resamples x customers) array -----------------------------------------
def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den == 0, 1, den), np.nan)


def _top_k(n: int, share: float) -> int:
    """Customers in the top ``share`` of ``n``: ceil(share * n), at least one."""
    return max(1, math.ceil(round(share * n, 9)))


def _gini_sorted(asc: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Gini of each row of ``asc`` (sorted ascending); NaN where the total is not positive.
    Equal to the mean absolute difference over twice the mean, so with losses it can pass 1."""
    n = asc.shape[1]
    ranks = np.arange(1, n + 1, dtype="float64")
    return _ratio(2.0 * (asc @ ranks), n * total) - (n + 1) / n


def _statistics(
    values: Mapping[str, np.ndarray], settings: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    """Every headline statistic, one value per row of the 2-D arrays in ``values``
    (keys: metric names of the measures; ``revenue`` and ``profit`` are required)."""
    p = settings["pareto"]
    tops, head, target = list(p["top_shares"]), float(p["top_share"]), float(p["target_share"])
    band_top = float(settings["whale"]["reference_top_share"])
    out: dict[str, np.ndarray] = {}
    first = next(iter(values.values()))
    n = first.shape[1]
    cum_of: dict[str, np.ndarray] = {}
    for name, x in values.items():
        desc = -np.sort(-x, axis=1)
        total = desc.sum(axis=1)
        cum = np.cumsum(desc, axis=1)
        cum_of[name] = cum
        for share in sorted({*tops, head, band_top}):
            out[f"{_tag(share)}_{name}_share"] = _ratio(cum[:, _top_k(n, share) - 1], total)
        out[f"gini_{name}"] = _gini_sorted(desc[:, ::-1], total)
        reached = cum >= target * total[:, None]
        first_hit = np.where(reached.any(axis=1), reached.argmax(axis=1) + 1, np.nan)
        out[f"customers_for_{round(100 * target)}pct_{name}_share"] = np.where(
            total > 0, first_hit / n, np.nan
        )
    rev, prof = values["revenue"], values["profit"]
    # the biggest customers by revenue (ties: the more profitable first, so row order is moot)
    by_profit = np.argsort(-prof, axis=1, kind="stable")
    rev_s = np.take_along_axis(rev, by_profit, axis=1)
    order = np.take_along_axis(by_profit, np.argsort(-rev_s, axis=1, kind="stable"), axis=1)
    k = _top_k(n, head)
    top_profit = np.take_along_axis(prof, order[:, :k], axis=1).sum(axis=1)
    top_rev = np.take_along_axis(rev, order[:, :k], axis=1).sum(axis=1)
    total_p, total_r = prof.sum(axis=1), rev.sum(axis=1)
    out[f"{_tag(head)}_by_revenue_profit_share"] = _ratio(top_profit, total_p)
    out[f"{_tag(head)}_by_revenue_margin"] = _ratio(top_profit, top_rev)
    out["rest_by_revenue_margin"] = _ratio(total_p - top_profit, total_r - top_rev)
    # the whale curve: cumulative profit, customers ranked from most to least profitable
    cum = cum_of["profit"]
    peak = cum.argmax(axis=1)
    out["peak_share_of_customers"] = np.where(total_p > 0, (peak + 1) / n, np.nan)
    out["peak_profit_pct"] = 100 * _ratio(cum.max(axis=1), total_p)
    out["loss_making_share"] = (prof < 0).mean(axis=1)
    out["profit_destroyed_pct"] = 100 * _ratio(-np.where(prof < 0, prof, 0).sum(axis=1), total_p)
    return out


def _matrix(frame: pd.DataFrame, settings: Mapping[str, Any]) -> dict[str, np.ndarray]:
    return {
        spec["name"]: frame[column].to_numpy(dtype="float64")[None, :]
        for column, spec in settings["pareto"]["measures"].items()
    }


def _bootstrap(frame: pd.DataFrame, settings: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    """Percentile intervals of every statistic, customers resampled with replacement."""
    spec = settings["pareto"]["bootstrap"]
    b, n = int(spec["n_resamples"]), len(frame)
    if b <= 0 or n < 2:
        return {}
    rng = np.random.default_rng(int(spec["seed"]))
    base = _matrix(frame, settings)
    chunk = max(1, int(spec["max_cells"]) // n)
    parts: list[dict[str, np.ndarray]] = []
    for start in range(0, b, chunk):
        idx = rng.integers(0, n, size=(min(chunk, b - start), n))
        parts.append(_statistics({k: v[0][idx] for k, v in base.items()}, settings))
    alpha = (1 - float(spec["confidence"])) / 2
    out: dict[str, tuple[float, float]] = {}
    for key in parts[0]:
        draws = np.concatenate([p[key] for p in parts])
        draws = draws[np.isfinite(draws)]
        if len(draws):
            lo, hi = np.quantile(draws, [alpha, 1 - alpha])
            out[key] = (float(lo), float(hi))
    return out


# ---- curves -------------------------------------------------------------------------------------
def lorenz_curves(ledger: pd.DataFrame, config: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Pareto form of the Lorenz curve of each measure (customers ranked from largest to smallest
    on that measure): long frame ``measure, label, share_of_customers, cum_share``, from (0, 0).

    For a non-negative measure the curve rises monotonically to 1; for profit it can rise above 1
    (the most profitable customers earn more than all the profit) and come back down to 1.
    """
    settings = _config(config)
    led = customers_only(ledger)
    n = len(led)
    frames = []
    for column, spec in settings["pareto"]["measures"].items():
        x = np.sort(led[column].to_numpy(dtype="float64"))[::-1]
        total = x.sum()
        cum = np.concatenate([[0.0], np.cumsum(x) / total]) if total > 0 else np.full(n + 1, np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "measure": spec["name"],
                    "label": spec["label"],
                    "share_of_customers": np.arange(n + 1) / max(n, 1),
                    "cum_share": cum,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def whale_curve(ledger: pd.DataFrame) -> pd.DataFrame:
    """Customers ranked from most to least profitable: ``customer_id, profit, rank,
    share_of_customers, cum_profit, cum_profit_pct`` (% of total profit; NaN if total <= 0).
    The last row's ``cum_profit`` is the total profit of all customers."""
    led = customers_only(ledger)[["customer_id", "profit"]]
    led = led.sort_values(["profit", "customer_id"], ascending=[False, True], kind="stable")
    total = float(led["profit"].sum())
    cum = led["profit"].cumsum()
    n = len(led)
    return pd.DataFrame(
        {
            "customer_id": led["customer_id"].to_numpy(),
            "profit": led["profit"].to_numpy(dtype="float64"),
            "rank": np.arange(1, n + 1),
            "share_of_customers": np.arange(1, n + 1) / max(n, 1),
            "cum_profit": cum.to_numpy(dtype="float64"),
            "cum_profit_pct": 100 * cum.to_numpy(dtype="float64") / total if total > 0 else np.nan,
        }
    )


def gini(values: pd.Series | np.ndarray) -> float:
    """Gini coefficient (mean absolute difference / twice the mean); NaN if the total is <= 0.
    With negative values (losses) it can exceed 1."""
    x = np.sort(np.asarray(values, dtype="float64"))[None, :]
    if x.shape[1] == 0:
        return float("nan")
    return float(_gini_sorted(x, x.sum(axis=1))[0])


def top_share(values: pd.Series | np.ndarray, share: float) -> float:
    """Share of the total held by the top ``share`` of items (ceil(share * n) of them)."""
    x = np.sort(np.asarray(values, dtype="float64"))[::-1]
    total = x.sum()
    if len(x) == 0 or total <= 0:
        return float("nan")
    return float(x[: _top_k(len(x), share)].sum() / total)


# ---- the summary --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Concentration:
    """Headline numbers of the 80/20 analysis (``pareto`` and ``whale`` go to ``ws.record``)."""

    pareto: dict[str, Any]
    whale: dict[str, Any]
    shares: pd.DataFrame = field(repr=False)
    findings: list[str] = field(default_factory=list)
    whale_findings: list[str] = field(default_factory=list)


def _with_ci(
    point: Mapping[str, np.ndarray], ci: Mapping[str, tuple[float, float]], keys: list[str]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in keys:
        out[key] = json_float(point[key][0])
        if key in ci:
            out[f"{key}_ci_low"], out[f"{key}_ci_high"] = (json_float(v) for v in ci[key])
    return out


def measure_concentration(
    ledger: pd.DataFrame, config: Mapping[str, Any] | None = None, bootstrap: bool = True
) -> Concentration:
    """Concentration of revenue, gross margin and profit over customers, and the whale curve.

    Parameters
    ----------
    ledger
        One row per customer (``helpers.ledger.build_ledger``); the unattributed row is left out.
    config
        The run's config (sections ``pareto`` and ``whale``); None means the defaults.
    bootstrap
        Add percentile intervals (``*_ci_low`` / ``*_ci_high``) to every headline share.
    """
    settings = _config(config)
    p, w = settings["pareto"], settings["whale"]
    led = customers_only(ledger)
    n = len(led)
    names = [spec["name"] for spec in p["measures"].values()]
    head, target = _tag(float(p["top_share"])), round(100 * float(p["target_share"]))
    band_tag = _tag(float(w["reference_top_share"]))
    unattr = unattributed_revenue(ledger)
    total_rev = float(ledger["net_revenue"].sum())
    if n == 0:
        point: dict[str, np.ndarray] = {}
        ci: dict[str, tuple[float, float]] = {}
    else:
        point = _statistics(_matrix(led, settings), settings)
        ci = _bootstrap(led, settings) if bootstrap else {}
    nan = np.array([np.nan])
    point = {**{k: nan for k in _statistics(
        {m: np.zeros((1, 1)) for m in names}, settings)}, **point}  # fmt: skip

    share_keys = [f"{_tag(s)}_{m}_share" for m in names for s in p["top_shares"]]
    pareto_keys = [
        *share_keys,
        f"{head}_by_revenue_profit_share",
        f"{head}_by_revenue_margin",
        "rest_by_revenue_margin",
        *[f"gini_{m}" for m in names],
        *[f"customers_for_{target}pct_{m}_share" for m in names],
    ]
    pareto_m: dict[str, Any] = {
        "customers": n,
        "unattributed_net_revenue": json_float(unattr),
        "unattributed_revenue_share": json_float(unattr / total_rev) if total_rev else None,
        **_with_ci(point, ci, list(dict.fromkeys(pareto_keys))),
    }
    top_rev = pareto_m[f"{head}_revenue_share"]
    by_rev = pareto_m[f"{head}_by_revenue_profit_share"]
    holds = (
        by_rev is not None
        and top_rev is not None
        and by_rev >= float(p["rule_share"])
        and by_rev >= top_rev
    )
    pareto_m["rule_holds_for_profit"] = bool(holds)

    curve = whale_curve(ledger)
    profits = curve["profit"].to_numpy()
    total_profit = float(profits.sum())
    net = led["net_revenue"].to_numpy(dtype="float64")
    prof = led["profit"].to_numpy(dtype="float64")
    even = np.abs(prof) <= float(w["break_even_margin"]) * np.abs(net)
    lo, hi = (float(v) for v in w["reference_band"])
    band_share = point[f"{band_tag}_profit_share"][0]
    whale_m: dict[str, Any] = {
        "customers": n,
        "total_profit": json_float(total_profit),
        **_with_ci(
            point,
            ci,
            [
                "peak_share_of_customers",
                "peak_profit_pct",
                "loss_making_share",
                "profit_destroyed_pct",
                f"{band_tag}_profit_share",
            ],
        ),  # fmt: skip
        "peak_customers": int(round(point["peak_share_of_customers"][0] * n))
        if np.isfinite(point["peak_share_of_customers"][0])
        else None,
        "loss_making_customers": int((profits < 0).sum()),
        "profit_destroyed": json_float(-profits[profits < 0].sum()),
        "break_even_customers": int(even.sum()),
        "break_even_share": json_float(even.mean()) if n else None,
        "reference_band_low_pct": 100 * lo,
        "reference_band_high_pct": 100 * hi,
        "in_reference_band": bool(np.isfinite(band_share) and lo <= band_share <= hi),
    }
    out = Concentration(pareto=pareto_m, whale=whale_m, shares=_shares_frame(pareto_m, settings))
    out.findings.extend(_pareto_sentences(out, settings))
    out.whale_findings.extend(_whale_sentences(out, settings))
    return out


def shares_table(result: Concentration) -> pd.DataFrame:
    """The top-x% shares of each measure with their intervals (rows: measure x top share)."""
    return result.shares


def _shares_frame(m: Mapping[str, Any], settings: Mapping[str, Any]) -> pd.DataFrame:
    rows = []
    for spec in settings["pareto"]["measures"].values():
        for s in settings["pareto"]["top_shares"]:
            key = f"{_tag(s)}_{spec['name']}_share"
            rows.append(
                {
                    "measure": spec["label"],
                    "top_customers": f"top {s:.0%}",
                    "share": m.get(key),
                    "ci_low": m.get(f"{key}_ci_low"),
                    "ci_high": m.get(f"{key}_ci_high"),
                }
            )
    return pd.DataFrame(rows)


# ---- sentences ----------------------------------------------------------------------------------
def _ci(m: Mapping[str, Any], key: str, scale: Callable[[float], str] = pct) -> str:
    lo, hi = m.get(f"{key}_ci_low"), m.get(f"{key}_ci_high")
    return "" if lo is None or hi is None else f" [{scale(lo).rstrip('%')}-{scale(hi)}]"


def _pareto_sentences(c: Concentration, settings: Mapping[str, Any]) -> list[str]:
    m, p = c.pareto, settings["pareto"]
    if not m["customers"]:
        return ["No customer has sales in the period: nothing to rank."]
    top = float(p["top_share"])
    head, tops = _tag(top), f"top {top:.0%}"
    out = []
    rev, prof = f"{head}_revenue_share", f"{head}_by_revenue_profit_share"
    out.append(
        f"Revenue is {'concentrated' if (m[rev] or 0) >= float(p['rule_share']) else 'spread'}"
        f": the {tops} of customers bring {pct(m[rev])}{_ci(m, rev)} of revenue."
    )
    if m[prof] is None:
        out.append("The company makes no profit overall, so no share of profit is meaningful.")
    elif m["rule_holds_for_profit"]:
        out.append(
            f"The 80/20 rule holds for profit too: the same customers bring {pct(m[prof])}"
            f"{_ci(m, prof)} of profit, at a margin of {pct(m[f'{head}_by_revenue_margin'])} "
            f"against {pct(m['rest_by_revenue_margin'])} for the rest."
        )
    else:
        out.append(
            f"Profit is less concentrated: the same customers bring {pct(m[prof])}"
            f"{_ci(m, prof)} of profit, at a margin of {pct(m[f'{head}_by_revenue_margin'])} "
            f"against {pct(m['rest_by_revenue_margin'])} for the rest: volume overstates value."
        )
    g_r, g_p = m.get("gini_revenue"), m.get("gini_profit")
    if g_r is not None and g_p is not None:
        out.append(
            f"Gini coefficient: {g_r:.2f} for revenue, {g_p:.2f} for profit"
            + (" (above 1: some customers lose money)." if g_p > 1 else ".")
        )
    target = round(100 * float(p["target_share"]))
    keys = {s["label"].lower(): f"customers_for_{target}pct_{s['name']}_share" for s in
            p["measures"].values()}  # fmt: skip
    parts = [f"{pct(m[k])} for {label}" for label, k in keys.items() if m.get(k) is not None]
    if parts:
        out.append(f"Customers needed for {target}% of the total: " + ", ".join(parts) + ".")
    if m["unattributed_net_revenue"]:
        out.append(
            f"Lines without a customer hold {plots.format_money(m['unattributed_net_revenue'])} "
            f"of net revenue ({pct(m['unattributed_revenue_share'])}), left out of these shares."
        )
    return out


def _whale_sentences(c: Concentration, settings: Mapping[str, Any]) -> list[str]:
    w, ref = c.whale, settings["whale"]
    if not w["customers"]:
        return []
    if w["peak_profit_pct"] is None:
        return [
            f"The company makes a loss overall ({plots.format_money(w['total_profit'])}): the "
            f"whale curve has no share of profit to show; {w['loss_making_customers']:,} of "
            f"{w['customers']:,} customers lose money."
        ]

    def pct100(x: float) -> str:
        return f"{x:.0f}%" if abs(x) >= 10 else f"{x:.1f}%"

    band = _tag(float(ref["reference_top_share"]))
    lo, hi = w["reference_band_low_pct"], w["reference_band_high_pct"]
    share = w[f"{band}_profit_share"]
    out = [
        f"The most profitable {pct(w['peak_share_of_customers'])}"
        f"{_ci(w, 'peak_share_of_customers')} of customers earn {pct100(w['peak_profit_pct'])}"
        f"{_ci(w, 'peak_profit_pct', pct100)} of total profit; the other "
        f"{pct(1 - w['peak_share_of_customers'])} "
        + (
            f"give {pct100(w['peak_profit_pct'] - 100)} of it back."
            if w["peak_profit_pct"] > 100.5
            else "add or lose almost nothing: the curve has no hump."
        ),
        f"{w['loss_making_customers']:,} of {w['customers']:,} customers "
        f"({pct(w['loss_making_share'])}{_ci(w, 'loss_making_share')}) lose money, destroying "
        f"{plots.format_money(w['profit_destroyed'])} ({pct100(w['profit_destroyed_pct'])} of "
        f"total profit); {w['break_even_customers']:,} customers roughly break even.",
        f"The most profitable {float(ref['reference_top_share']):.0%} earn {pct(share)} of "
        f"profit, {'inside' if w['in_reference_band'] else 'outside'} the {lo:.0f}-{hi:.0f}% "
        f"band reported by activity-based costing studies ({ref['reference_source']}; a "
        "reference, not a target).",
    ]
    return out


# ---- entry points used by the explorer and the teaching app -------------------------------------
def headline_shares(
    ledger: pd.DataFrame, config: Mapping[str, Any] | None = None
) -> dict[str, float]:
    """Fast headline numbers (no bootstrap): ``top_share``, ``top_revenue_share`` (top customers
    by revenue, share of revenue), ``top_profit_share`` (most profitable, share of profit),
    ``top_by_revenue_profit_share``, ``whale_peak_share`` and ``whale_peak_profit_share``
    (fractions) and ``loss_making_share``."""
    settings = _config(config)
    c = measure_concentration(ledger, settings, bootstrap=False)
    head = _tag(float(settings["pareto"]["top_share"]))

    def f(x: Any) -> float:
        return float("nan") if x is None else float(x)

    peak = c.whale["peak_profit_pct"]
    return {
        "top_share": float(settings["pareto"]["top_share"]),
        "top_revenue_share": f(c.pareto[f"{head}_revenue_share"]),
        "top_profit_share": f(c.pareto[f"{head}_profit_share"])
        if c.whale["total_profit"] is None or c.whale["total_profit"] > 0
        else _signed_top_profit_share(ledger, settings),
        "top_by_revenue_profit_share": f(c.pareto[f"{head}_by_revenue_profit_share"]),
        "whale_peak_share": f(c.whale["peak_share_of_customers"]),
        "whale_peak_profit_share": f(None if peak is None else peak / 100),
        "loss_making_share": f(c.whale["loss_making_share"]),
    }


def _signed_top_profit_share(ledger: pd.DataFrame, settings: Mapping[str, Any]) -> float:
    """Share of a non-positive total (negative when the company loses money overall)."""
    x = np.sort(customers_only(ledger)["profit"].to_numpy(dtype="float64"))[::-1]
    total = x.sum()
    if not len(x) or total == 0:
        return float("nan")
    return float(x[: _top_k(len(x), float(settings["pareto"]["top_share"]))].sum() / total)


def pareto_findings(ledger: pd.DataFrame, config: Mapping[str, Any] | None = None) -> list[str]:
    """The finding sentences on concentration and the whale curve (no intervals: fast)."""
    c = measure_concentration(ledger, config, bootstrap=False)
    return [*c.findings, *c.whale_findings]


# ---- figures ------------------------------------------------------------------------------------
def plot_lorenz_curves(
    ledger: pd.DataFrame, ax: Axes | None = None, config: Mapping[str, Any] | None = None
) -> Axes:
    """Revenue, gross margin and profit concentration on one figure (customers ranked from the
    largest down on each measure), with the line of equality and the top-20% marker."""
    settings = _config(config)
    ax = plots.new_axes(ax)
    curves = lorenz_curves(ledger, settings)
    top = float(settings["pareto"]["top_share"])
    styles = ["-", "--", "-."]
    reached = {}
    for i, (name, g) in enumerate(curves.groupby("measure", sort=False)):
        x, y = 100 * g["share_of_customers"].to_numpy(), 100 * g["cum_share"].to_numpy()
        ax.plot(x, y, styles[i % 3], color=plots.PALETTE[i], lw=2, label=g["label"].iloc[0])
        n = len(g) - 1
        if n:
            reached[name] = y[_top_k(n, top)]
            ax.plot(100 * _top_k(n, top) / n, reached[name], "o", color=plots.PALETTE[i])
    ax.plot([0, 100], [0, 100], color="#999999", lw=1, ls=":", label="every customer equal")
    ax.axvline(100 * top, color="#555555", lw=0.8, ls=":")
    ax.axhline(100, color="#555555", lw=0.8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Customers, ranked from largest to smallest on each measure (% of customers)")
    ax.set_ylabel("Cumulative share of the total (%)")
    plots.percent_axis(ax, "x")
    plots.percent_axis(ax, "y")
    ax.legend(frameon=False, loc="lower right")
    if "revenue" in reached and "profit" in reached and np.isfinite(reached["profit"]):
        finding = (
            f"The top {top:.0%} of customers bring {reached['revenue']:.0f}% of revenue; "
            f"the most profitable {top:.0%} earn {reached['profit']:.0f}% of profit"
        )
    else:
        finding = "Concentration of revenue, gross margin and profit over customers"
    plots.set_finding_title(ax, finding, "Pareto (Lorenz) curves; profit after cost to serve")
    return ax


def plot_whale_curve(
    ledger: pd.DataFrame, ax: Axes | None = None, config: Mapping[str, Any] | None = None
) -> Axes:
    """The whale curve: cumulative profit (% of total) against customers ranked from most to
    least profitable, its peak, the loss-making tail and the published ABC reference band."""
    settings = _config(config)
    ax = plots.new_axes(ax)
    curve = whale_curve(ledger)
    c = measure_concentration(ledger, settings, bootstrap=False)
    w, ref = c.whale, settings["whale"]
    if curve.empty or w["peak_profit_pct"] is None:
        y = np.concatenate([[0.0], curve["cum_profit"].to_numpy()])
        ax.plot(100 * np.arange(len(y)) / max(len(y) - 1, 1), y, color=plots.PALETTE[3], lw=2)
        plots.money_axis(ax)
        ax.set_ylabel("Cumulative profit (currency)")
        ax.set_xlabel("Customers, most to least profitable (% of customers)")
        plots.percent_axis(ax, "x")
        plots.set_finding_title(ax, "The company makes no profit overall: no whale curve")
        return ax
    x = np.concatenate([[0.0], 100 * curve["share_of_customers"].to_numpy()])
    y = np.concatenate([[0.0], curve["cum_profit_pct"].to_numpy()])
    ax.plot(x, y, color=plots.PALETTE[0], lw=2.2, label="cumulative profit")
    lo, hi = w["reference_band_low_pct"], w["reference_band_high_pct"]
    band_x = 100 * float(ref["reference_top_share"])
    ax.fill_between([band_x - 1.5, band_x + 1.5], lo, hi, color=plots.PALETTE[4], alpha=0.35,
                    label=f"reference: ABC studies, top {band_x:.0f}% earn {lo:.0f}-{hi:.0f}%"
                    " (not a target)")  # fmt: skip
    px, py = 100 * w["peak_share_of_customers"], w["peak_profit_pct"]
    ax.plot(px, py, "o", color=plots.PALETTE[3], ms=7)
    ax.annotate(
        f"peak: {px:.0f}% of customers earn {py:.0f}% of profit",
        (px, py),
        xytext=(8, 8),
        textcoords="offset points",
        fontsize=9,
    )
    loss_start = 100 * (1 - w["loss_making_share"])
    if w["loss_making_share"]:
        ax.axvspan(loss_start, 100, color=plots.PALETTE[1], alpha=0.12,
                   label=f"loss-making customers ({w['loss_making_share']:.0%})")  # fmt: skip
    ax.axhline(100, color="#555555", lw=0.8, ls="--", label="total profit (100%)")
    ax.set_xlim(0, 100)
    ax.set_ylim(min(0, float(np.nanmin(y))) - 5, max(hi, float(np.nanmax(y))) * 1.08)
    ax.set_xlabel("Customers, ranked from most to least profitable (% of customers)")
    ax.set_ylabel("Cumulative profit after cost to serve (% of total)")
    plots.percent_axis(ax, "x")
    plots.percent_axis(ax, "y")
    ax.legend(frameon=False, loc="lower center", fontsize=8)
    if py > 100.5:
        finding = (
            f"The most profitable {px:.0f}% of customers earn {py:.0f}% of profit; "
            f"the rest give {py - 100:.0f}% back"
        )
    else:
        finding = f"No whale: profit accumulates to {py:.0f}% with hardly any loss-making tail"
    plots.set_finding_title(
        ax, finding, f"{w['customers']:,} customers; profit after cost to serve"
    )
    return ax
