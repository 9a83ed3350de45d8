"""Approval layers: win rate and time to close by the approvers a quote climbs, and a logit fit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy.special import ndtri  # the normal quantile (scipy.stats.norm.ppf)

from helpers import plots
from helpers.growth._shared import settings
from helpers.results import Result, missing, wilson_ci

__all__ = ["approval_layers", "plot_win_rate_by_layers", "plot_approval_cascade"]


def approval_layers(opportunities: pd.DataFrame | None, config: Mapping[str, Any]) -> Result:
    """Win rate and time to close by approval layers and by amount band, and a logistic fit.

    Decided quotes only (``won`` known). The logistic model is P(win) = logistic(b0 + b1 layers
    + b2 log(amount)), fitted by unpenalised maximum likelihood (scikit-learn); standard errors
    come from the inverse Fisher information.

    Parameters
    ----------
    opportunities
        The canonical opportunities (quotes: amount, won, approval_layers, date, close_date),
        or None.
    config
        The dataset config (its ``growth`` section).

    Returns
    -------
    Result
        ``table``, one row per number of layers (the last one ``N+``): quotes, won, mean_layers,
        median_amount (currency units), median_days_to_close (days), win_rate with its Wilson
        CI ci_low, ci_high (0-1); ``detail['by_amount']`` the same by amount band,
        ``detail['logit']`` the fit and ``detail['quotes']`` the quotes used. Not available
        without quotes, approval layers or enough decided quotes.
    """
    if opportunities is None or opportunities.empty:
        return missing(
            "No opportunities table: win rates by approval layers cannot be measured "
            "(add quotes with their approval layers to the config to see them)."
        )
    cfg = settings(config)
    quotes = opportunities.loc[opportunities["won"].notna()].copy()
    if "approval_layers" not in quotes or quotes["approval_layers"].isna().all():
        return missing("The opportunities table has no approval_layers: no approval analysis.")
    quotes = quotes.loc[quotes["approval_layers"].notna() & (quotes["amount"] > 0)]
    if len(quotes) < int(cfg["min_group_size"]):
        return missing(f"Only {len(quotes)} decided quotes: too few for an approval analysis.")
    quotes = _prepared(quotes, cfg)
    conf, cap = float(cfg["confidence"]), int(cfg["max_layers_shown"])
    by_layers = _summarise(quotes, "layers", conf)
    by_amount = _summarise(quotes, "amount_band", conf)
    by_layers.index = [f"{i}+" if i == cap else str(i) for i in by_layers.index]
    layers = quotes["layers"].to_numpy(float)
    fit = _logit(layers, np.log(quotes["amount"].to_numpy(float)), quotes["won"])
    return Result(
        table=by_layers,
        metrics=_approval_metrics(quotes, by_layers, by_amount, fit),
        findings=_approval_findings(by_layers, by_amount, fit, cfg),
        detail={"by_amount": by_amount, "logit": fit, "quotes": quotes},
    )


def _prepared(quotes: pd.DataFrame, cfg: Mapping[str, Any]) -> pd.DataFrame:
    """Quotes with won as bool, layers capped, days to close and amount band."""
    quotes["won"] = quotes["won"].astype(bool)
    quotes["layers"] = (
        quotes["approval_layers"].astype(int).clip(upper=int(cfg["max_layers_shown"]))
    )
    if "close_date" in quotes:
        quotes["days_to_close"] = (quotes["close_date"] - quotes["date"]).dt.days
    else:
        quotes["days_to_close"] = np.nan
    edges = np.unique(quotes["amount"].quantile(list(cfg["amount_band_quantiles"])).to_numpy())
    labels = list(cfg["amount_band_labels"])
    quotes["amount_band"] = pd.cut(
        quotes["amount"], [-np.inf, *edges, np.inf], labels=labels[: len(edges) + 1]
    )
    return quotes


def _summarise(quotes: pd.DataFrame, by: str, conf: float) -> pd.DataFrame:
    """Quotes, wins, layers, amount, days to close and win rate with its Wilson CI, per group."""
    table = quotes.groupby(by, observed=True).agg(
        quotes=("won", "size"),
        won=("won", "sum"),
        mean_layers=("layers", "mean"),
        median_amount=("amount", "median"),
        median_days_to_close=("days_to_close", "median"),
    )
    table["win_rate"] = table["won"] / table["quotes"]
    table["ci_low"], table["ci_high"] = wilson_ci(table["won"], table["quotes"], conf)
    return table


def _approval_metrics(
    quotes: pd.DataFrame, by_layers: pd.DataFrame, by_amount: pd.DataFrame, fit: Mapping[str, Any]
) -> dict[str, Any]:
    """Headline numbers: win rates and days to close by layers, win rate by amount, the fit."""
    return {
        "decided_quotes": len(quotes),
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


def _approval_findings(
    by_layers: pd.DataFrame,
    by_amount: pd.DataFrame,
    fit: Mapping[str, Any],
    cfg: Mapping[str, Any],
) -> list[str]:
    """Win rates of the fewest and most layers, and the odds ratio per layer."""
    conf = float(cfg["confidence"])
    enough = by_layers.loc[by_layers["quotes"] >= int(cfg["min_group_size"])]
    fewest, most = enough.iloc[0], enough.iloc[-1]
    days_known = pd.notna(most["median_days_to_close"]) and pd.notna(fewest["median_days_to_close"])
    return [
        f"Quotes approved by {fewest.name} layer{'s' if fewest.name != '1' else ''} "
        f"are won {fewest['win_rate']:.0%} of the time; those climbing {most.name} "
        f"layers {most['win_rate']:.0%}"
        + (
            f", and they take {most['median_days_to_close']:.0f} days to decide instead of "
            f"{fewest['median_days_to_close']:.0f}."
            if days_known
            else "."
        ),
        f"Holding the amount fixed, each extra approval layer multiplies the odds of winning by "
        f"{fit['odds_ratio_layer']:.2f} ({conf:.0%} CI {fit['odds_ratio_layer_ci'][0]:.2f}-"
        f"{fit['odds_ratio_layer_ci'][1]:.2f}); the largest quarter of quotes climbs "
        f"{by_amount['mean_layers'].iloc[-1]:.1f} layers on average, the smallest "
        f"{by_amount['mean_layers'].iloc[0]:.1f}.",
    ]


def _logit(layers: np.ndarray, log_amount: np.ndarray, won: pd.Series) -> dict[str, Any]:
    """Unpenalised logistic regression of win on layers and log amount, with Wald errors."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    features = np.column_stack([layers, log_amount])
    outcome = np.asarray(won, dtype=int)
    names = ["layers", "log_amount"]
    if len(np.unique(outcome)) < 2:
        nan = dict.fromkeys(names, float("nan"))
        return {
            "coef": nan,
            "se": nan,
            "odds_ratio_layer": float("nan"),
            "odds_ratio_layer_ci": (float("nan"), float("nan")),
            "intercept": float("nan"),
        }
    # one BLAS thread: threaded products over three columns made the fit 5x slower in CPU
    with threadpool_limits(limits=1, user_api="blas"):
        model = LogisticRegression(C=np.inf, max_iter=1000).fit(features, outcome)  # no penalty
    design = np.column_stack([np.ones(len(features)), features])
    prob = model.predict_proba(features)[:, 1]
    info = design.T @ (design * (prob * (1 - prob))[:, None])
    se = np.sqrt(np.diag(np.linalg.pinv(info)))
    coef = np.r_[model.intercept_, model.coef_[0]]
    z = ndtri(0.975)
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


# ---- figures ----------------------------------------------------------------------------------
def plot_win_rate_by_layers(result: Result, ax: Axes | None = None) -> Axes:
    """Win rate (with its Wilson CI) by number of approval layers.

    Parameters
    ----------
    result
        :func:`approval_layers` (available).
    ax
        Axes to draw on (default: a new figure).

    Returns
    -------
    Axes
        Points with whiskers, titled with the fitted odds ratio per layer.
    """
    ax = plots.new_axes(ax)
    table = result.table
    x = np.arange(len(table))
    ax.errorbar(
        x,
        table["win_rate"] * 100,
        yerr=[
            (table["win_rate"] - table["ci_low"]) * 100,
            (table["ci_high"] - table["win_rate"]) * 100,
        ],
        fmt="o",
        color=plots.PALETTE[0],
        capsize=3,
        label="observed",
    )
    ax.set_xticks(x, list(table.index))
    ax.set_xlabel("Approval layers on the buyer's side")
    ax.set_ylabel("Quotes won")
    plots.percent_axis(ax)
    ax.set_ylim(0, 100)
    odds_ratio = result.metrics.get("logit_layers_odds_ratio", float("nan"))
    plots.set_finding_title(
        ax,
        f"Every approval layer multiplies the odds of winning by {odds_ratio:.2f}",
        "decided quotes; whiskers: Wilson CI",
    )
    return ax


def plot_approval_cascade(result: Result, ax: Axes | None = None) -> Axes:
    """The decision tree: how many approvers a quote climbs, and how trust drains at each.

    Per amount band, a line starts at 100% and falls by the band's per-layer pass rate
    (win rate ^ (1 / mean layers)) for each layer, ending at the band's observed win rate.

    Parameters
    ----------
    result
        :func:`approval_layers` (available).
    ax
        Axes to draw on (default: a new figure).

    Returns
    -------
    Axes
        One line per amount band, titled with the layers big and small quotes climb.
    """
    ax = plots.new_axes(ax)
    table = result.detail["by_amount"]
    colors = plots.tier_colors(list(map(str, table.index)))
    for band, row in table.iterrows():
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
        f"Big quotes climb {table['mean_layers'].iloc[-1]:.1f} approval layers, small ones "
        f"{table['mean_layers'].iloc[0]:.1f}: trust drains at each",
        "line ends at each amount band's observed win rate",
    )
    return ax
