"""Which segments of small clients are profitable: firmographics, channels and order pattern."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from helpers.q1_which_pay.profile import (
    CLASSES,
    LABELS,
    TOO_SMALL,
    _level_view,
    _num,
    _settings,
    customer_features,
    profit_classes,
    small_clients,
)
from helpers.results import Result, currency, pct, wilson_ci

__all__ = ["segment_profitability"]

_PATTERNS = ("order_size", "order_frequency", "returns")
_UNKNOWN = "(unknown)"
#: the judgement of the customers whose value of a dimension is not recorded
NOT_RECORDED = "value not recorded"


def _band(
    values: pd.Series, quantiles: Sequence[float], labels: Sequence[str], unit: str
) -> pd.Series:
    """Quantile bands of ``values`` labelled with their edges (``low (< 120)``...)."""
    numbers = values.astype("float64")
    edges = (
        np.unique(np.nanquantile(numbers.dropna(), list(quantiles)))
        if numbers.notna().any()
        else []
    )
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
        low, high = bins[i], bins[i + 1]
        if not np.isfinite(low):
            texts.append(f"{name} (< {_num(high)}{unit})")
        elif not np.isfinite(high):
            texts.append(f"{name} (≥ {_num(low)}{unit})")
        else:
            texts.append(f"{name} ({_num(low)}–{_num(high)}{unit})")
    return pd.cut(numbers, bins=bins, labels=texts, right=False).astype("object")


def _pattern_bands(features: pd.DataFrame, config: Mapping[str, Any]) -> pd.DataFrame:
    """Order size and frequency in quantile bands; returns as none / some / many."""
    settings = _settings(config)
    quantiles, labels = settings["pattern_quantiles"], settings["pattern_labels"]
    per_order = f" {currency()} per order" if currency() else " per order"
    size = _band(features["avg_order_value"], quantiles, labels, per_order)
    frequency = _band(features["orders_per_year"], quantiles, labels, " orders/yr")
    share = features["return_share"]
    some = share[share > 0]
    cut = float(some.median()) if len(some) else np.nan
    returns = pd.Series(np.nan, index=features.index, dtype="object")
    returns[share == 0] = "none"
    if np.isfinite(cut):
        returns[(share > 0) & (share <= cut)] = f"some (≤ {cut:.1%} of lines)"
        returns[share > cut] = f"many (> {cut:.1%} of lines)"
    return pd.DataFrame({"order_size": size, "order_frequency": frequency, "returns": returns})


def segment_profitability(
    ledger: pd.DataFrame,
    config: Mapping[str, Any],
    order_lines: pd.DataFrame | None = None,
    level: str | None = None,
) -> Result:
    """Share of small clients that are profitable, segment by segment, with Wilson intervals.

    The segments are the values of ``questions.dimensions`` (industry, region, acquisition
    channel, order channel) and bands of the order pattern (order size, frequency, returns);
    segments below ``min_segment_size`` are flagged "too small to judge".

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config (sections ``questions`` and ``size_tiers``).
    order_lines
        Canonical order lines, for the habitual order channel; None when unknown.
    level
        The profit level; None: the level the report leads with.

    Returns
    -------
    Result
        ``table``: dimension, segment, customers, profitable, loss_making (counts),
        total_profit, net_revenue, profit_per_customer (currency units), share_profitable,
        ci_low, ci_high, loss_making_share (fractions), judgement ("", "too small to judge",
        or "value not recorded" for the clients without a value); ``metrics``: segments_judged, segments_too_small, overall_profitable_share.
        Not available without small clients or without any segment attribute.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. Journal of the American Statistical Association, 22(158), 209-212.
    """
    settings = _settings(config)
    small = small_clients(_level_view(ledger, level), config)
    if small.empty:
        return Result(message="No small clients in this period: no segments to compare.")
    frame = _segment_frame(small, config, order_lines)
    dimensions = [*settings["dimensions"], *_PATTERNS]
    parts = [_count(frame, dim) for dim in dimensions if not frame[dim].isna().all()]
    missing = [LABELS.get(dim, dim).lower() for dim in dimensions if frame[dim].isna().all()]
    if not parts:
        return Result(message="No segment attributes or order pattern for small clients.")
    table = _segment_table(parts, settings, dimensions)
    judged = table.loc[table["judgement"] == ""]
    too_small = int((table["judgement"] == TOO_SMALL).sum())
    findings = _segment_sentences(judged, missing, too_small, settings)
    metrics = {
        "segments_judged": int(len(judged)),
        "segments_too_small": too_small,
        "overall_profitable_share": float(frame["profitable"].mean()),
    }
    return Result(table=table, metrics=metrics, findings=findings)


def _segment_frame(
    small: pd.DataFrame, config: Mapping[str, Any], order_lines: pd.DataFrame | None
) -> pd.DataFrame:
    """Every small client's segment on each dimension, profit class, profit and revenue."""
    features = customer_features(small, config, order_lines)
    classes = profit_classes(small, config)
    dimensions = list(_settings(config)["dimensions"])
    frame = pd.concat([features[dimensions], _pattern_bands(features, config)], axis=1)
    frame["profitable"] = (classes == CLASSES[2]).to_numpy()
    frame["loss"] = (classes == CLASSES[0]).to_numpy()
    frame["profit"] = small["profit"].to_numpy()
    frame["net_revenue"] = small["net_revenue"].to_numpy()
    return frame


def _count(frame: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """Customers, profitable and loss-making counts, profit and revenue per segment.

    Segments are the values of one ``dimension``; missing values count as "(unknown)".
    """
    groups = frame.assign(segment=frame[dimension].fillna(_UNKNOWN)).groupby("segment")
    part = groups.agg(
        customers=("profitable", "size"),
        profitable=("profitable", "sum"),
        loss_making=("loss", "sum"),
        total_profit=("profit", "sum"),
        net_revenue=("net_revenue", "sum"),
    ).reset_index()
    part.insert(0, "dimension", dimension)
    return part


def _segment_table(
    parts: list[pd.DataFrame], settings: Mapping[str, Any], dimensions: list[str]
) -> pd.DataFrame:
    """The segments' shares with intervals, judged or too small, in dimension order."""
    table = pd.concat(parts, ignore_index=True)
    table["share_profitable"] = table["profitable"] / table["customers"]
    low, high = wilson_ci(table["profitable"], table["customers"], settings["confidence"])
    table["ci_low"], table["ci_high"] = low, high
    table["loss_making_share"] = table["loss_making"] / table["customers"]
    table["profit_per_customer"] = table["total_profit"] / table["customers"]
    too_small = table["customers"] < int(settings["min_segment_size"])
    table["judgement"] = np.where(too_small, TOO_SMALL, "")
    # customers without a value are no segment to rank ("(unknown)" is never best or worst)
    table.loc[table["segment"] == _UNKNOWN, "judgement"] = NOT_RECORDED
    table = table.sort_values(
        ["dimension", "share_profitable"], ascending=[True, False], kind="stable"
    ).reset_index(drop=True)
    table["dimension"] = pd.Categorical(table["dimension"], categories=dimensions, ordered=True)
    table = table.sort_values(["dimension", "share_profitable"], ascending=[True, False])
    table["dimension"] = table["dimension"].astype("object")
    return table.reset_index(drop=True)


def _segment_sentences(
    judged: pd.DataFrame, missing: list[str], too_small: int, settings: Mapping[str, Any]
) -> list[str]:
    """The segments in words: missing dimensions, best and worst, and those too small.

    Best and worst are the judged segments of each dimension with the highest and lowest
    share profitable.
    """
    findings = []
    if missing:
        findings.append(
            f"No data on {', '.join(missing)}: small clients cannot be compared on "
            f"{'it' if len(missing) == 1 else 'them'}."
        )
    for dim, part in judged.groupby("dimension", sort=False):
        if len(part) < 2:
            continue
        best, worst = part.iloc[0], part.iloc[-1]
        if best["share_profitable"] == worst["share_profitable"]:
            findings.append(
                f"{LABELS.get(dim, dim)}: small clients are profitable "
                f"{pct(best['share_profitable'])} of the time in every judged segment."
            )
            continue
        separated = best["ci_low"] > worst["ci_high"]
        findings.append(
            f"{LABELS.get(dim, dim)}: {best['segment']} small clients are profitable "
            f"{pct(best['share_profitable'])} of the time (n={int(best['customers'])}), "
            f"{worst['segment']} {pct(worst['share_profitable'])} "
            f"(n={int(worst['customers'])})"
            + ("." if separated else " — the intervals overlap, so the gap may be chance.")
        )
    if too_small:
        findings.append(
            f"{too_small} segment(s) have fewer than {settings['min_segment_size']} small "
            "clients and are flagged too small to judge."
        )
    return findings
