"""Q1 — which small clients are profitable: profit classes, segments, a readable model, actions.

Every function takes the customer ledger (one row per customer, :mod:`helpers.ledger`) and the
config (section ``questions``); "small" means the tiers in ``size_tiers.small``. Shares come
with Wilson intervals, segments smaller than ``min_segment_size`` are flagged "too small to
judge", and the decision tree's accuracy is measured on clients it never saw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.tree import DecisionTreeClassifier

from helpers import plots
from helpers.ledger.purchases import habitual_channels
from helpers.results import Result, pct, wilson_ci
from helpers.schema import UNATTRIBUTED

__all__ = [
    "CLASSES",
    "small_clients",
    "customer_features",
    "profit_classes",
    "class_shares",
    "segment_profitability",
    "fit_profile_model",
    "action_list",
    "q1_metrics",
    "q1_findings",
    "plot_class_shares",
    "plot_segment_profitability",
]

#: profit classes, worst first
CLASSES: tuple[str, ...] = ("loss-making", "break-even", "profitable")
TOO_SMALL = "too small to judge"
_NUMERIC_FEATURES: dict[str, str] = {
    # feature -> phrase used in rule sentences ({} is replaced by the condition)
    "avg_order_value": "ordering {} per order",
    "orders_per_year": "placing {} orders a year",
    "lines_per_order": "buying {} lines per order",
    "return_share": "returning {} of their lines",
    "discount_rate": "getting discounts of {} of list price",
    "payment_terms_days": "paying at {} days",
    "employees": "with {} employees",
}
_PERCENT_FEATURES = {"return_share", "discount_rate"}
_CATEGORY_PHRASES: dict[str, tuple[str, str]] = {
    # column -> (phrase when equal, phrase when different); {} is the value
    "industry": ("in {}", "not in {}"),
    "region": ("in the {} region", "outside the {} region"),
    "acquisition_channel": ("acquired through {}", "not acquired through {}"),
    "order_channel": ("ordering mostly via {}", "not ordering mostly via {}"),
}
_LABELS = {
    "industry": "Industry",
    "region": "Region",
    "acquisition_channel": "Acquisition channel",
    "order_channel": "Order channel",
    "order_size": "Order size",
    "order_frequency": "Order frequency",
    "returns": "Returns",
}


def _settings(config: Mapping[str, Any]) -> dict[str, Any]:
    return dict(config["questions"])


def _num(x: float) -> str:
    """A threshold for a sentence: 3 significant figures, thousands separated."""
    if not np.isfinite(x):
        return "n/a"
    if abs(x) >= 100:
        return f"{float(f'{x:.3g}'):,.0f}"
    return f"{float(f'{x:.3g}'):g}"


# ---- who is small, and their profile ------------------------------------------------------------
def small_clients(ledger: pd.DataFrame, config: Mapping[str, Any]) -> pd.DataFrame:
    """The ledger rows of small clients (tiers in ``size_tiers.small``), unattributed excluded."""
    small = set(config["size_tiers"]["small"])
    keep = ledger["size_tier"].astype("object").isin(small) & (
        ledger["customer_id"] != UNATTRIBUTED
    )
    return ledger.loc[keep].reset_index(drop=True)


def _years_active(ledger: pd.DataFrame, config: Mapping[str, Any]) -> pd.Series:
    """Years on the books inside the data's window (floored at ``min_years_active``)."""
    lo, hi = ledger["first_order"].min(), ledger["last_order"].max()
    signup = pd.to_datetime(ledger["signup_date"]).fillna(ledger["first_order"])
    start = signup.where(signup > lo, lo)
    closed = pd.to_datetime(ledger["closed_date"])
    stop = closed.where(closed < hi, hi).fillna(hi)
    days = (stop - start).dt.days.astype("float64") + 1
    years = days / 365.25
    return years.clip(lower=float(_settings(config)["min_years_active"])).fillna(
        float(_settings(config)["min_years_active"])
    )


def customer_features(
    ledger: pd.DataFrame, config: Mapping[str, Any], order_lines: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Order pattern and firmographics of every ledger row (same index).

    Returns
    -------
    DataFrame
        avg_order_value (net revenue per order), orders_per_year, lines_per_order, return_share
        (return lines / sales lines), discount_rate (discounts / list revenue),
        payment_terms_days, employees, and industry, region, acquisition_channel, order_channel
        (NA where the data has none).
    """
    orders = ledger["orders"].astype("float64")
    lines = ledger["lines"].astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                "avg_order_value": ledger["net_revenue"] / orders.where(orders > 0),
                "orders_per_year": orders / _years_active(ledger, config),
                "lines_per_order": lines / orders.where(orders > 0),
                "return_share": ledger["returns"].astype("float64") / lines.where(lines > 0),
                "discount_rate": ledger["discounts"]
                / ledger["list_revenue"].where(ledger["list_revenue"] > 0),
                "payment_terms_days": ledger["payment_terms_days"].astype("float64"),
                "employees": ledger["employees"].astype("float64"),
            },
            index=ledger.index,
        )
    for col in ("industry", "region", "acquisition_channel"):
        out[col] = ledger[col].astype("object") if col in ledger else np.nan
    channels = habitual_channels(order_lines)
    out["order_channel"] = ledger["customer_id"].map(channels).astype("object")
    return out


def profit_classes(ledger: pd.DataFrame, config: Mapping[str, Any]) -> pd.Series:
    """loss-making / break-even / profitable for every ledger row (same index)."""
    band = float(_settings(config)["break_even_band"]) * ledger["net_revenue"].abs()
    profit = ledger["profit"]
    cls = np.where(profit > band, CLASSES[2], np.where(profit < -band, CLASSES[0], CLASSES[1]))
    return pd.Series(pd.Categorical(cls, categories=CLASSES, ordered=True), index=ledger.index)


def _valuable(ledger: pd.DataFrame, config: Mapping[str, Any]) -> pd.Series:
    margin = float(_settings(config)["valuable_margin"])
    return (profit_classes(ledger, config) == CLASSES[2]) & (
        ledger["profit"] >= margin * ledger["net_revenue"]
    )


# ---- shares and segments ----------------------------------------------------------------------
def class_shares(ledger: pd.DataFrame, config: Mapping[str, Any]) -> Result:
    """Shares of small clients that are loss-making, break-even, profitable, "worth nothing"
    (loss-making or break-even) and "truly valuable", with Wilson intervals, against the claims.
    """
    s = _settings(config)
    small = small_clients(ledger, config)
    n = len(small)
    if n == 0:
        return Result(
            message="No small clients in this period (size_tiers.small matches no customer)."
        )
    cls = profit_classes(small, config)
    counts = {c: int((cls == c).sum()) for c in CLASSES}
    rows = [(c, counts[c], None) for c in CLASSES]
    rows.append(
        ("worth nothing", counts[CLASSES[0]] + counts[CLASSES[1]], s["claim_worth_nothing"])
    )
    rows.append(("truly valuable", int(_valuable(small, config).sum()), s["claim_valuable"]))
    table = pd.DataFrame(rows, columns=["group", "customers", "claim"])
    table["share"] = table["customers"] / n
    lo, hi = wilson_ci(table["customers"], np.full(len(table), n), s["confidence"])
    table["ci_low"], table["ci_high"] = lo, hi
    table["profit"] = [float(small.loc[(cls == c).to_numpy(), "profit"].sum()) for c in CLASSES] + [
        float(small.loc[(cls != CLASSES[2]).to_numpy(), "profit"].sum()),
        float(small.loc[_valuable(small, config).to_numpy(), "profit"].sum()),
    ]
    table["share_of_small_profit"] = (
        table["profit"] / small["profit"].sum() if small["profit"].sum() else np.nan
    )

    def verdict(row: pd.Series) -> str:
        if row["claim"] is None or not np.isfinite(row["claim"]):
            return ""
        if row["ci_low"] <= row["claim"] <= row["ci_high"]:
            return "consistent with the claim"
        return "above the claim" if row["share"] > row["claim"] else "below the claim"

    table["verdict"] = table.apply(verdict, axis=1)
    metrics = {
        "small_clients": n,
        "small_tiers": list(config["size_tiers"]["small"]),
        "break_even_band": float(s["break_even_band"]),
        "valuable_margin": float(s["valuable_margin"]),
    }
    keys = {
        "loss-making": "small_loss_making",
        "break-even": "small_break_even",
        "profitable": "small_profitable",
        "worth nothing": "small_worth_nothing",
        "truly valuable": "small_valuable",
    }
    for row in table.itertuples():
        k = keys[row.group]
        metrics[f"{k}_share"] = float(row.share)
        metrics[f"{k}_share_ci_low"] = float(row.ci_low)
        metrics[f"{k}_share_ci_high"] = float(row.ci_high)
    metrics["claim_worth_nothing"] = float(s["claim_worth_nothing"])
    metrics["claim_valuable"] = float(s["claim_valuable"])
    level = f"{s['confidence']:.0%} CI"
    t = table.set_index("group")
    findings = [
        f"Of {n:,} small clients, {pct(t.loc['loss-making', 'share'])} are loss-making, "
        f"{pct(t.loc['break-even', 'share'])} break even (profit within "
        f"±{s['break_even_band']:.0%} of their net revenue) and "
        f"{pct(t.loc['profitable', 'share'])} are profitable.",
        f"Worth nothing (loss-making or break-even): {pct(t.loc['worth nothing', 'share'])} "
        f"({level} {pct(t.loc['worth nothing', 'ci_low'])}–"
        f"{pct(t.loc['worth nothing', 'ci_high'])}) against the claimed "
        f"{pct(s['claim_worth_nothing'])}: {t.loc['worth nothing', 'verdict']}.",
        f"Truly valuable (profit of at least {pct(s['valuable_margin'])} of net revenue): "
        f"{pct(t.loc['truly valuable', 'share'])} ({level} "
        f"{pct(t.loc['truly valuable', 'ci_low'])}–{pct(t.loc['truly valuable', 'ci_high'])}) "
        f"against the claimed {pct(s['claim_valuable'])}: {t.loc['truly valuable', 'verdict']}; "
        f"they earn {pct(t.loc['truly valuable', 'share_of_small_profit'])} of the small "
        "clients' profit.",
    ]
    return Result(table=table, metrics=metrics, findings=findings)


def _band(
    values: pd.Series, quantiles: Sequence[float], labels: Sequence[str], unit: str
) -> pd.Series:
    """Quantile bands of ``values`` labelled with their edges (``low (< 120)``...)."""
    v = values.astype("float64")
    edges = np.unique(np.nanquantile(v.dropna(), list(quantiles))) if v.notna().any() else []
    if len(edges) == 0:
        return pd.Series(np.nan, index=values.index, dtype="object")
    names = (
        list(labels)[: len(edges) + 1]
        if len(edges) + 1 <= len(labels)
        else [f"band {i + 1}" for i in range(len(edges) + 1)]
    )
    bins = [-np.inf, *edges, np.inf]
    texts = []
    for i, name in enumerate(names):
        lo, hi = bins[i], bins[i + 1]
        if not np.isfinite(lo):
            texts.append(f"{name} (< {_num(hi)}{unit})")
        elif not np.isfinite(hi):
            texts.append(f"{name} (≥ {_num(lo)}{unit})")
        else:
            texts.append(f"{name} ({_num(lo)}–{_num(hi)}{unit})")
    out = pd.cut(v, bins=bins, labels=texts, right=False)
    return out.astype("object")


def _pattern_bands(features: pd.DataFrame, config: Mapping[str, Any]) -> pd.DataFrame:
    s = _settings(config)
    q, labels = s["pattern_quantiles"], s["pattern_labels"]
    size = _band(features["avg_order_value"], q, labels, " per order")
    freq = _band(features["orders_per_year"], q, labels, " orders/yr")
    share = features["return_share"]
    some = share[share > 0]
    cut = float(some.median()) if len(some) else np.nan
    returns = pd.Series(np.nan, index=features.index, dtype="object")
    returns[share == 0] = "none"
    if np.isfinite(cut):
        returns[(share > 0) & (share <= cut)] = f"some (≤ {cut:.1%} of lines)"
        returns[share > cut] = f"many (> {cut:.1%} of lines)"
    return pd.DataFrame({"order_size": size, "order_frequency": freq, "returns": returns})


def segment_profitability(
    ledger: pd.DataFrame, config: Mapping[str, Any], order_lines: pd.DataFrame | None = None
) -> Result:
    """Share of small clients that are profitable, by industry, region, acquisition channel,
    order channel and order pattern (order size, frequency, returns), with Wilson intervals;
    segments below ``min_segment_size`` are flagged "too small to judge".
    """
    s = _settings(config)
    small = small_clients(ledger, config)
    if small.empty:
        return Result(message="No small clients in this period: no segments to compare.")
    features = customer_features(small, config, order_lines)
    cls = profit_classes(small, config)
    frame = pd.concat([features[list(s["dimensions"])], _pattern_bands(features, config)], axis=1)
    frame["profitable"] = (cls == CLASSES[2]).to_numpy()
    frame["loss"] = (cls == CLASSES[0]).to_numpy()
    frame["profit"] = small["profit"].to_numpy()
    frame["net_revenue"] = small["net_revenue"].to_numpy()
    rows, missing = [], []
    for dim in [*s["dimensions"], "order_size", "order_frequency", "returns"]:
        if frame[dim].isna().all():
            missing.append(_LABELS.get(dim, dim).lower())
            continue
        g = frame.assign(segment=frame[dim].fillna("(unknown)")).groupby("segment")
        part = g.agg(
            customers=("profitable", "size"),
            profitable=("profitable", "sum"),
            loss_making=("loss", "sum"),
            total_profit=("profit", "sum"),
            net_revenue=("net_revenue", "sum"),
        ).reset_index()
        part.insert(0, "dimension", dim)
        rows.append(part)
    if not rows:
        return Result(message="No segment attributes or order pattern for small clients.")
    table = pd.concat(rows, ignore_index=True)
    table["share_profitable"] = table["profitable"] / table["customers"]
    lo, hi = wilson_ci(table["profitable"], table["customers"], s["confidence"])
    table["ci_low"], table["ci_high"] = lo, hi
    table["loss_making_share"] = table["loss_making"] / table["customers"]
    table["profit_per_customer"] = table["total_profit"] / table["customers"]
    table["judgement"] = np.where(table["customers"] < int(s["min_segment_size"]), TOO_SMALL, "")
    table = table.sort_values(
        ["dimension", "share_profitable"], ascending=[True, False], kind="stable"
    ).reset_index(drop=True)
    order = [*s["dimensions"], "order_size", "order_frequency", "returns"]
    table["dimension"] = pd.Categorical(table["dimension"], categories=order, ordered=True)
    table = table.sort_values(["dimension", "share_profitable"], ascending=[True, False])
    table["dimension"] = table["dimension"].astype("object")
    table = table.reset_index(drop=True)

    judged = table.loc[table["judgement"] == ""]
    findings = []
    if missing:
        findings.append(
            f"No data on {', '.join(missing)}: small clients cannot be compared on "
            f"{'it' if len(missing) == 1 else 'them'}."
        )
    overall = float(frame["profitable"].mean())
    for dim, part in judged.groupby("dimension", sort=False):
        if len(part) < 2:
            continue
        best, worst = part.iloc[0], part.iloc[-1]
        separated = best["ci_low"] > worst["ci_high"]
        findings.append(
            f"{_LABELS.get(dim, dim)}: {best['segment']} small clients are profitable "
            f"{pct(best['share_profitable'])} of the time (n={int(best['customers'])}), "
            f"{worst['segment']} {pct(worst['share_profitable'])} "
            f"(n={int(worst['customers'])})"
            + ("." if separated else " — the intervals overlap, so the gap may be chance.")
        )
    small_n = int((table["judgement"] == TOO_SMALL).sum())
    if small_n:
        findings.append(
            f"{small_n} segment(s) have fewer than {s['min_segment_size']} small clients and are "
            "flagged too small to judge."
        )
    metrics = {
        "segments_judged": int(len(judged)),
        "segments_too_small": small_n,
        "overall_profitable_share": overall,
    }
    return Result(table=table, metrics=metrics, findings=findings)


# ---- the interpretable model ------------------------------------------------------------------
def _design_matrix(features: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, tuple[str, str]]]:
    """Numeric features (NaN -> median) and one-hot categories; the origin of each column."""
    cols: dict[str, pd.Series] = {}
    origin: dict[str, tuple[str, str]] = {}
    for name in _NUMERIC_FEATURES:
        v = features[name].astype("float64")
        if v.notna().sum() == 0 or v.nunique(dropna=True) < 2:
            continue
        cols[name] = v.fillna(v.median())
        origin[name] = (name, "")
    for name in _CATEGORY_PHRASES:
        v = features[name]
        if v.notna().sum() == 0 or v.nunique(dropna=True) < 2:
            continue
        for value in sorted(v.dropna().astype(str).unique()):
            col = f"{name}={value}"
            cols[col] = (v.astype("object") == value).astype("float64")
            origin[col] = (name, value)
    return pd.DataFrame(cols, index=features.index), origin


def _leaf_rules(
    tree: DecisionTreeClassifier, columns: Sequence[str], origin: Mapping[str, tuple[str, str]]
) -> dict[int, str]:
    """The conditions leading to every leaf, as a phrase ("acquired through distributor,
    ordering ≥ 400 per order")."""
    t = tree.tree_
    out: dict[int, str] = {}

    def walk(node: int, conds: list[tuple[str, str, float]]) -> None:
        if t.children_left[node] == -1:
            out[node] = _phrase(conds, origin)
            return
        col, thr = columns[t.feature[node]], float(t.threshold[node])
        walk(t.children_left[node], [*conds, (col, "le", thr)])
        walk(t.children_right[node], [*conds, (col, "gt", thr)])

    walk(0, [])
    return out


def _phrase(conds: list[tuple[str, str, float]], origin: Mapping[str, tuple[str, str]]) -> str:
    bounds: dict[str, list[float]] = {}
    equal: dict[str, str] = {}
    differ: dict[str, list[str]] = {}
    for col, op, thr in conds:
        name, value = origin[col]
        if value:  # one-hot: > 0.5 means equal
            if op == "gt":
                equal[name] = value
            else:
                differ.setdefault(name, []).append(value)
        else:
            lo, hi = bounds.get(name, [-np.inf, np.inf])
            bounds[name] = [max(lo, thr), hi] if op == "gt" else [lo, min(hi, thr)]
    parts = []
    for name, (yes, no) in _CATEGORY_PHRASES.items():
        if name in equal:
            parts.append(yes.format(equal[name].replace("_", " ")))
        elif name in differ:
            parts.append(no.format(" or ".join(v.replace("_", " ") for v in differ[name])))
    for name, template in _NUMERIC_FEATURES.items():
        if name not in bounds:
            continue
        lo, hi = bounds[name]
        fmt = (lambda x: f"{x:.1%}") if name in _PERCENT_FEATURES else _num
        if np.isfinite(lo) and np.isfinite(hi):
            cond = f"more than {fmt(lo)} and at most {fmt(hi)}"
        elif np.isfinite(lo):
            cond = f"more than {fmt(lo)}"
        else:
            cond = f"at most {fmt(hi)}"
        parts.append(template.format(cond))
    return ", ".join(parts) if parts else "of any profile"


def fit_profile_model(
    ledger: pd.DataFrame, config: Mapping[str, Any], order_lines: pd.DataFrame | None = None
) -> Result:
    """A shallow decision tree of "profitable or not" on small clients' order pattern and
    firmographics, its rules as sentences and its accuracy on held-out clients.

    Revenue and profit themselves are not features (they would define the answer); order
    size, frequency, returns, discounts, payment terms, size, industry, region and channels are.

    Returns
    -------
    Result
        ``table``: one row per rule (leaf): rule, customers, profitable_share, test_customers,
        test_profitable_share, predicts, sentence; ``detail['model']`` the tree fitted on all
        small clients, ``detail['columns']``, ``detail['scores']`` (probability of being
        profitable per small client, aligned with :func:`small_clients`).
    """
    s = _settings(config)
    ms = s["model"]
    small = small_clients(ledger, config)
    y = (profit_classes(small, config) == CLASSES[2]).to_numpy().astype(int)
    features = customer_features(small, config, order_lines)
    X, origin = _design_matrix(features)
    if len(small) < int(ms["min_customers"]) or y.min() == y.max() or X.shape[1] == 0:
        return Result(
            message=(
                f"Too few small clients ({len(small)}), a single profit class or no features: "
                "no model of the profitable profile."
            )
        )
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=float(ms["test_share"]), stratify=y, random_state=int(s["seed"])
    )
    params = {
        "max_depth": int(ms["max_depth"]),
        "min_samples_leaf": int(ms["min_samples_leaf"]),
        "random_state": int(s["seed"]),
    }
    tree = DecisionTreeClassifier(**params).fit(X_train, y_train)
    test_acc = float((tree.predict(X_test) == y_test).mean())
    majority = int(np.bincount(y_train).argmax())
    baseline = float((y_test == majority).mean())
    folds = StratifiedKFold(int(ms["cv_folds"]), shuffle=True, random_state=int(s["seed"]))
    cv = cross_val_score(DecisionTreeClassifier(**params), X, y, cv=folds)
    # rules read from the tree that was tested; counts on all small clients and on the test set
    rules = _leaf_rules(tree, list(X.columns), origin)
    leaf_all = pd.Series(tree.apply(X), index=X.index)
    leaf_test = tree.apply(X_test)
    rows = []
    for leaf, phrase in rules.items():
        members = leaf_all == leaf
        tm = leaf_test == leaf
        n_all = int(members.sum())
        if n_all == 0:
            continue
        share = float(y[members.to_numpy()].mean())
        n_test = int(tm.sum())
        share_test = float(y_test[tm].mean()) if n_test else np.nan
        rows.append(
            {
                "leaf": int(leaf),
                "rule": phrase,
                "customers": n_all,
                "profitable_share": share,
                "test_customers": n_test,
                "test_profitable_share": share_test,
                "predicts": "profitable" if share >= 0.5 else "not profitable",
                "sentence": (
                    f"Small clients {phrase} are profitable {pct(share)} of the time "
                    f"(n={n_all}; {pct(share_test)} of {n_test} held-out clients)"
                    + (f" — {TOO_SMALL}." if n_all < int(s["min_segment_size"]) else ".")
                ),
            }
        )
    table = pd.DataFrame(rows).sort_values(
        ["profitable_share", "customers"], ascending=[False, False]
    )
    table = table.reset_index(drop=True)
    final = DecisionTreeClassifier(**params).fit(X, y)
    scores = pd.Series(final.predict_proba(X)[:, 1], index=small.index, name="probability")
    final_rules = _leaf_rules(final, list(X.columns), origin)
    final_leaf = pd.Series(final.apply(X), index=small.index)
    importances = pd.Series(tree.feature_importances_, index=X.columns)
    by_feature = importances.groupby(lambda c: origin[c][0]).sum().sort_values(ascending=False)
    metrics = {
        "model": "decision tree",
        "model_depth": int(ms["max_depth"]),
        "model_test_accuracy": test_acc,
        "model_baseline_accuracy": baseline,
        "model_cv_accuracy": float(cv.mean()),
        "model_cv_accuracy_sd": float(cv.std()),
        "model_test_customers": len(y_test),
        "model_rules": len(table),
        "model_top_features": [str(k) for k in by_feature.index[by_feature > 0][:3]],
    }
    gain = test_acc - baseline
    findings = [
        f"A depth-{ms['max_depth']} decision tree classifies {len(y_test)} held-out small "
        f"clients with {pct(test_acc)} accuracy ({pct(cv.mean())} in {ms['cv_folds']}-fold "
        f"cross-validation), against {pct(baseline)} for always guessing the majority class"
        + (
            f": the profile carries real information ({gain:+.0%} points)."
            if gain > 0.02
            else ": no better than guessing, so these rules describe rather than predict."
        )
    ]
    top = table.loc[table["predicts"] == "profitable"].head(int(ms["top_rules"]))
    findings += top["sentence"].tolist()
    worst = table.iloc[-1]
    if worst["predicts"] == "not profitable":
        findings.append(worst["sentence"])
    return Result(
        table=table,
        metrics=metrics,
        findings=findings,
        detail={
            "model": final,
            "columns": list(X.columns),
            "scores": scores,
            "leaf_rules": final_leaf.map(final_rules),
            "leaf": final_leaf,
            "importances": by_feature,
        },
    )


# ---- the action list --------------------------------------------------------------------------
def action_list(
    ledger: pd.DataFrame,
    config: Mapping[str, Any],
    model: Result,
    order_lines: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Small, still active clients the model calls likely profitable who have not grown yet.

    "Not grown": loss-making or break-even, or net revenue per year on the books below the
    median of the profitable clients of the same profile (tree leaf). Ranked by predicted
    probability, then by that yearly revenue gap; at most ``action_list_max`` rows.
    """
    s = _settings(config)
    cols = [
        "rank",
        "customer_id",
        "name",
        "size_tier",
        "industry",
        "region",
        "acquisition_channel",
        "status",
        "net_revenue",
        "profit",
        "avg_order_value",
        "orders_per_year",
        "annual_revenue",
        "probability_profitable",
        "annual_revenue_gap",
        "profile",
        "why",
    ]
    if not model.available:
        return pd.DataFrame(columns=cols)
    small = small_clients(ledger, config)
    features = customer_features(small, config, order_lines)
    cls = profit_classes(small, config)
    frame = small[["customer_id", "name", "size_tier", "industry", "region"]].copy()
    frame["acquisition_channel"] = small["acquisition_channel"]
    frame["status"] = cls.astype("object").to_numpy()
    frame["net_revenue"] = small["net_revenue"]
    frame["profit"] = small["profit"]
    frame["avg_order_value"] = features["avg_order_value"]
    frame["orders_per_year"] = features["orders_per_year"]
    frame["probability_profitable"] = model.detail["scores"]
    frame["profile"] = model.detail["leaf_rules"]
    leaf = model.detail["leaf"]
    profitable = frame["status"] == CLASSES[2]
    frame["annual_revenue"] = small["net_revenue"] / _years_active(small, config)
    typical = frame.loc[profitable, "annual_revenue"].groupby(leaf[profitable]).median()
    frame["annual_revenue_gap"] = (
        (leaf.map(typical) - frame["annual_revenue"]).clip(lower=0).fillna(0.0)
    )
    active = pd.to_datetime(small["closed_date"]).isna()
    not_grown = ~profitable | (frame["annual_revenue_gap"] > 0)
    pick = (
        active & not_grown & (frame["probability_profitable"] >= float(s["action_min_probability"]))
    )
    out = frame.loc[pick].copy()
    out["why"] = np.where(
        out["status"] == CLASSES[2],
        "profitable but below the typical revenue of its profile",
        "not yet profitable, though its profile usually is",
    )
    out = out.sort_values(
        ["probability_profitable", "annual_revenue_gap", "customer_id"],
        ascending=[False, False, True],
    ).head(int(s["action_list_max"]))
    out["rank"] = np.arange(1, len(out) + 1)
    out["size_tier"] = out["size_tier"].astype("object")
    return out[cols].reset_index(drop=True)


# ---- headline ---------------------------------------------------------------------------------
def q1_metrics(
    shares: Result, segments: Result, model: Result, actions: pd.DataFrame
) -> dict[str, Any]:
    """The numbers for ``ws.record("q1", ...)`` (floats; shares as fractions)."""
    out: dict[str, Any] = {}
    for r in (shares, segments, model):
        out.update(r.metrics)
    out["model_available"] = model.available
    out["action_list_size"] = int(len(actions))
    return out


def q1_findings(
    shares: Result, segments: Result, model: Result, actions: pd.DataFrame
) -> list[str]:
    """The computed finding sentences, ending with the action."""
    out: list[str] = []
    for r in (shares, segments, model):
        out += r.findings if r.available else [r.message]
    if len(actions):
        out.append(
            f"Action: {len(actions)} active small clients look like the profitable profile "
            f"(≥ {actions['probability_profitable'].min():.0%} predicted) but have not grown "
            "yet — the sales team's list is exported as q1_action_list (CSV and Excel)."
        )
    else:
        out.append("Action: no small client matches the profitable profile without having grown.")
    return out


# ---- figures ----------------------------------------------------------------------------------
def plot_class_shares(shares: Result, ax: Axes | None = None) -> Axes:
    """Shares of small clients per profit group with their intervals and the claimed shares."""
    ax = plots.new_axes(ax)
    if not shares.available:
        ax.text(0.5, 0.5, shares.message, ha="center", va="center", wrap=True)
        ax.set_axis_off()
        return ax
    t = shares.table.iloc[::-1].reset_index(drop=True)
    colors = {
        "loss-making": plots.PALETTE[3],
        "break-even": plots.PALETTE[1],
        "profitable": plots.PALETTE[2],
        "worth nothing": plots.PALETTE[7],
        "truly valuable": plots.PALETTE[0],
    }
    y = np.arange(len(t))
    ax.barh(y, 100 * t["share"], color=[colors[g] for g in t["group"]], height=0.6)
    err = 100 * np.vstack([t["share"] - t["ci_low"], t["ci_high"] - t["share"]])
    ax.errorbar(100 * t["share"], y, xerr=err, fmt="none", ecolor="#333333", capsize=3)
    claimed = t["claim"].notna()
    ax.scatter(
        100 * t.loc[claimed, "claim"].astype(float),
        y[claimed.to_numpy()],
        marker="D",
        color="white",
        edgecolor="#333333",
        zorder=3,
        label="claimed share (DESIGN.md)",
    )
    ax.set_yticks(y)
    ax.set_yticklabels(t["group"])
    plots.percent_axis(ax, "x")
    ax.set_xlabel("share of small clients")
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=1)
    m = shares.metrics
    plots.set_finding_title(
        ax,
        f"{pct(m['small_worth_nothing_share'])} of small clients are worth nothing, "
        f"{pct(m['small_valuable_share'])} truly valuable",
        f"{m['small_clients']:,} small clients; bars with 95% Wilson intervals; "
        "diamonds: the claimed 40% / 20%",
    )
    return ax


def plot_segment_profitability(segments: Result, ax: Axes | None = None) -> Axes:
    """Share profitable per segment (dots with intervals), grouped by dimension; segments too
    small to judge in grey."""
    if not segments.available:
        ax = plots.new_axes(ax)
        ax.text(0.5, 0.5, segments.message, ha="center", va="center")
        ax.set_axis_off()
        return ax
    t = segments.table.iloc[::-1].reset_index(drop=True)
    ax = plots.new_axes(ax, figsize=(8, max(4.0, 0.28 * len(t) + 1)))
    y = np.arange(len(t))
    ok = (t["judgement"] == "").to_numpy()
    for mask, color, label in ((ok, plots.PALETTE[0], "judged"), (~ok, "#AAAAAA", TOO_SMALL)):
        if not mask.any():
            continue
        p = 100 * t.loc[mask, "share_profitable"]
        err = 100 * np.vstack(
            [
                t.loc[mask, "share_profitable"] - t.loc[mask, "ci_low"],
                t.loc[mask, "ci_high"] - t.loc[mask, "share_profitable"],
            ]
        )
        ax.errorbar(p, y[mask], xerr=err, fmt="o", color=color, capsize=2, label=label)
    overall = segments.metrics["overall_profitable_share"]
    ax.axvline(100 * overall, color="#555555", linestyle="--", linewidth=1, label="all small")
    ax.set_yticks(y)
    ax.set_yticklabels(
        [
            f"{_LABELS.get(d, d)}: {s}  (n={n})"
            for d, s, n in zip(t["dimension"], t["segment"], t["customers"], strict=True)
        ],
        fontsize=8,
    )
    plots.percent_axis(ax, "x")
    ax.set_xlabel(
        "share of small clients that are profitable "
        f"(all small: {pct(segments.metrics['overall_profitable_share'])}; 95% Wilson "
        "intervals; grey: too small to judge)"
    )
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    judged = segments.table.loc[segments.table["judgement"] == ""]
    if len(judged):
        best = judged.loc[judged["share_profitable"].idxmax()]
        finding = (
            f"{_LABELS.get(best['dimension'], best['dimension'])} {best['segment']}: "
            f"{pct(best['share_profitable'])} of small clients profitable"
        )
    else:
        finding = "Every segment is too small to judge"
    plots.set_finding_title(ax, finding)
    return ax
