"""A readable model of the profitable small client: a shallow decision tree tested on unseen clients."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.tree import DecisionTreeClassifier

from helpers.q1_which_pay.profile import (
    CLASSES,
    TOO_SMALL,
    _level_view,
    _settings,
    customer_features,
    profit_classes,
    small_clients,
)
from helpers.q1_which_pay.rules import Origin, _design_matrix, _leaf_rules
from helpers.results import Result, pct

__all__ = ["fit_profile_model"]


@dataclass
class _Fit:
    """The tree fitted on the training clients and how it did on the held-out ones."""

    tree: DecisionTreeClassifier
    params: dict[str, Any]
    design_test: pd.DataFrame
    target_test: np.ndarray
    test_accuracy: float
    baseline: float
    cv_scores: np.ndarray


def fit_profile_model(
    ledger: pd.DataFrame,
    config: Mapping[str, Any],
    order_lines: pd.DataFrame | None = None,
    level: str | None = None,
) -> Result:
    """A shallow decision tree of "profitable or not" on small clients' profile.

    The features are the order pattern and firmographics (order size, frequency, returns,
    discounts, payment terms, size, industry, region and channels); revenue and profit
    themselves are not features (they would define the answer). The tree is fitted on a
    stratified training split, its accuracy measured on the held-out clients and by k-fold
    cross-validation, and its leaves read as rules.

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config (``questions.model``: max_depth, min_samples_leaf, test_share,
        cv_folds, min_customers, top_rules; ``questions.seed``).
    order_lines
        Canonical order lines, for the habitual order channel; None when unknown.
    level
        The profit level; None: the level the report leads with.

    Returns
    -------
    Result
        ``table``: one row per rule (leaf): leaf, rule, customers, profitable_share,
        test_customers, test_profitable_share (fractions), predicts, sentence; ``metrics``:
        model_test_accuracy, model_baseline_accuracy (majority class), model_cv_accuracy and
        its sd (fractions), model_test_customers, model_rules, model_top_features,
        model_informative (the test accuracy beats the baseline by more than 2 points);
        ``detail``: ``model`` (the tested tree), ``columns``,
        ``scores`` (probability of being profitable per small client, aligned with
        :func:`small_clients`), ``leaf_rules``, ``leaf``, ``importances``. Not available (the
        message says why) with fewer than ``min_customers`` small clients, fewer than
        ``min_class_customers`` (or ``cv_folds``) in the smaller class, or no features.
    """
    settings = _settings(config)
    small = small_clients(_level_view(ledger, level), config)
    target = (profit_classes(small, config) == CLASSES[2]).to_numpy().astype(int)
    design, origin = _design_matrix(customer_features(small, config, order_lines))
    reason = _cannot_learn(len(small), target, design.shape[1], settings)
    if reason:
        return Result(message=reason)
    fit = _fit_and_test(design, target, settings)
    table = _rule_table(fit, design, target, origin, settings)
    importances = pd.Series(fit.tree.feature_importances_, index=design.columns)
    by_feature = importances.groupby(lambda column: origin[column][0]).sum()
    by_feature = by_feature.sort_values(ascending=False)
    detail = _scored(fit.tree, design, origin, small.index)
    return Result(
        table=table,
        metrics=_model_metrics(fit, table, by_feature, settings),
        findings=_model_sentences(fit, table, settings),
        detail={**detail, "importances": by_feature},
    )


def _cannot_learn(
    n_small: int, target: np.ndarray, n_features: int, settings: Mapping[str, Any]
) -> str:
    """Why no model can be learnt from these small clients ("" when one can)."""
    spec = settings["model"]
    if n_small < int(spec["min_customers"]):
        return (
            f"Only {n_small} small client(s): a model of the profitable profile needs at least "
            f"{int(spec['min_customers'])}."
        )
    profitable = int(target.sum())
    other = n_small - profitable
    needed = max(int(spec.get("min_class_customers", 10)), int(spec["cv_folds"]), 2)
    if min(profitable, other) == 0:
        which = "profitable" if other == 0 else "not profitable"
        return (
            f"All {n_small} small clients are {which}: with a single class there is no model "
            "of the profitable profile to learn."
        )
    if min(profitable, other) < needed:
        return (
            f"{profitable} small clients are profitable and {other} are not "
            f"({max(profitable, other)}:{min(profitable, other)}): the classes are too "
            f"unbalanced to learn from (at least {needed} of each are needed), so there is no "
            "model of the profitable profile."
        )
    if n_features == 0:
        return (
            "The small clients' order pattern and attributes do not vary: there is no model of "
            "the profitable profile to learn."
        )
    return ""


def _fit_and_test(design: pd.DataFrame, target: np.ndarray, settings: Mapping[str, Any]) -> _Fit:
    """Fit the tree on a stratified split; its test accuracy, the majority baseline and CV."""
    spec, seed = settings["model"], int(settings["seed"])
    design_train, design_test, target_train, target_test = train_test_split(
        design, target, test_size=float(spec["test_share"]), stratify=target, random_state=seed
    )
    params = {
        "max_depth": int(spec["max_depth"]),
        "min_samples_leaf": int(spec["min_samples_leaf"]),
        "random_state": seed,
    }
    tree = DecisionTreeClassifier(**params).fit(design_train, target_train)
    test_accuracy = float((tree.predict(design_test) == target_test).mean())
    majority = int(np.bincount(target_train).argmax())
    baseline = float((target_test == majority).mean())
    folds = StratifiedKFold(int(spec["cv_folds"]), shuffle=True, random_state=seed)
    cv_scores = cross_val_score(DecisionTreeClassifier(**params), design, target, cv=folds)
    return _Fit(tree, params, design_test, target_test, test_accuracy, baseline, cv_scores)


def _rule_table(
    fit: _Fit,
    design: pd.DataFrame,
    target: np.ndarray,
    origin: Origin,
    settings: Mapping[str, Any],
) -> pd.DataFrame:
    """The tested tree's rules, counted on all small clients and on the held-out ones."""
    rules = _leaf_rules(fit.tree, list(design.columns), origin)
    leaf_all = pd.Series(fit.tree.apply(design), index=design.index)
    leaf_test = fit.tree.apply(fit.design_test)
    min_size = int(settings["min_segment_size"])
    rows = []
    for leaf, phrase in rules.items():
        members = leaf_all == leaf
        in_test = leaf_test == leaf
        n_all = int(members.sum())
        if n_all == 0:
            continue
        share = float(target[members.to_numpy()].mean())
        n_test = int(in_test.sum())
        share_test = float(fit.target_test[in_test].mean()) if n_test else np.nan
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
                    f"(n={n_all}; "
                    + (
                        f"{pct(share_test)} of {n_test} held-out clients)"
                        if n_test
                        else "none of them held out)"
                    )
                    + (f" — {TOO_SMALL}." if n_all < min_size else ".")
                ),
            }
        )
    table = pd.DataFrame(rows).sort_values(
        ["profitable_share", "customers"], ascending=[False, False]
    )
    return table.reset_index(drop=True)


def _scored(
    tree: DecisionTreeClassifier, design: pd.DataFrame, origin: Origin, index: pd.Index
) -> dict[str, Any]:
    """Every small client scored by the tested tree: probability, leaf and the leaf's rule.

    The tree the report tests and quotes scores the action list too (no refit on all clients),
    so a profile's threshold reads the same in the report and in the list.
    """
    scores = pd.Series(tree.predict_proba(design)[:, 1], index=index, name="probability")
    rules = _leaf_rules(tree, list(design.columns), origin)
    leaf = pd.Series(tree.apply(design), index=index)
    return {
        "model": tree,
        "columns": list(design.columns),
        "scores": scores,
        "leaf_rules": leaf.map(rules),
        "leaf": leaf,
    }


def _model_metrics(
    fit: _Fit, table: pd.DataFrame, by_feature: pd.Series, settings: Mapping[str, Any]
) -> dict[str, Any]:
    """Accuracy on held-out clients against the baseline, CV accuracy, rules, top features."""
    return {
        "model": "decision tree",
        "model_depth": int(settings["model"]["max_depth"]),
        "model_test_accuracy": fit.test_accuracy,
        "model_baseline_accuracy": fit.baseline,
        "model_cv_accuracy": float(fit.cv_scores.mean()),
        "model_cv_accuracy_sd": float(fit.cv_scores.std()),
        "model_test_customers": len(fit.target_test),
        "model_rules": len(table),
        "model_top_features": [str(k) for k in by_feature.index[by_feature > 0][:3]],
        "model_informative": _informative(fit),
    }


def _informative(fit: _Fit) -> bool:
    """Whether the tree beats always guessing the majority class by more than 2 points."""
    return bool(fit.test_accuracy - fit.baseline > 0.02)


def _model_sentences(fit: _Fit, table: pd.DataFrame, settings: Mapping[str, Any]) -> list[str]:
    """How well the tree predicts, its best rules and its worst one."""
    spec = settings["model"]
    gain = fit.test_accuracy - fit.baseline
    findings = [
        f"A depth-{spec['max_depth']} decision tree classifies {len(fit.target_test)} held-out "
        f"small clients with {pct(fit.test_accuracy)} accuracy ({pct(fit.cv_scores.mean())} in "
        f"{spec['cv_folds']}-fold cross-validation), against {pct(fit.baseline)} for always "
        "guessing the majority class"
        + (
            f": the profile carries real information ({100 * gain:+.0f} points)."
            if _informative(fit)
            else ": no better than guessing, so these rules describe rather than predict."
        )
    ]
    return findings + _quoted_rules(table, int(spec["top_rules"]))


def _quoted_rules(table: pd.DataFrame, top_rules: int) -> list[str]:
    """The best ``top_rules`` profitable rules and the worst ``top_rules`` losing ones.

    In the rules table's order, so the findings list the same bands the table shows; a rule
    left out is counted in a closing sentence rather than dropped silently.
    """
    best = table.loc[table["predicts"] == "profitable"].head(top_rules)
    worst = table.loc[table["predicts"] != "profitable"].tail(top_rules)
    quoted = table.loc[table.index.isin(best.index.union(worst.index))]
    sentences = quoted["sentence"].tolist()
    left = len(table) - len(quoted)
    if left:
        sentences.append(
            f"{left} more rule{'s' if left > 1 else ''}, neither among the {top_rules} best nor "
            f"the {top_rules} worst, {'are' if left > 1 else 'is'} in the rules table."
        )
    return sentences
