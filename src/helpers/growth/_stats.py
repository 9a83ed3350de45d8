"""Intervals the growth analyses share: a bootstrap mean, and differences of shares and of means."""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers.results import wilson_ci

__all__ = ["bootstrap_mean_ci", "bootstrap_diff_ci", "diff_ci"]


def diff_ci(k1: float, n1: float, k2: float, n2: float, confidence: float) -> tuple[float, float]:
    """Newcombe's hybrid score interval of p1 - p2, from the two Wilson intervals.

    Parameters
    ----------
    k1, n1
        Successes and trials of the first group.
    k2, n2
        Successes and trials of the second group.
    confidence
        Confidence level, e.g. 0.95.

    Returns
    -------
    tuple of float
        Lower and upper bound of the difference of the two shares.

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between independent
    proportions: comparison of eleven methods. Statistics in Medicine 17(8), 873-890.
    """
    share1, share2 = k1 / n1, k2 / n2
    (low1,), (high1,) = wilson_ci([k1], [n1], confidence)
    (low2,), (high2,) = wilson_ci([k2], [n2], confidence)
    diff = share1 - share2
    return (
        float(diff - np.sqrt((share1 - low1) ** 2 + (high2 - share2) ** 2)),
        float(diff + np.sqrt((high1 - share1) ** 2 + (share2 - low2) ** 2)),
    )


def bootstrap_mean_ci(
    values: Any, confidence: float, samples: int, rng: np.random.Generator
) -> tuple[float, float]:
    """Percentile bootstrap interval of a mean.

    Parameters
    ----------
    values
        The observations (non-finite ones are left out).
    confidence
        Confidence level, e.g. 0.95.
    samples
        Bootstrap resamples.
    rng
        The random generator (draws ``samples x len(values)`` integers).

    Returns
    -------
    tuple of float
        Lower and upper bound (NaN for fewer than two values).
    """
    finite = np.asarray(values, dtype="float64")
    finite = finite[np.isfinite(finite)]
    if len(finite) < 2:
        return float("nan"), float("nan")
    means = finite[rng.integers(0, len(finite), size=(samples, len(finite)))].mean(axis=1)
    low, high = np.quantile(means, [0.5 - confidence / 2, 0.5 + confidence / 2])
    return float(low), float(high)


def bootstrap_diff_ci(
    first: Any, second: Any, confidence: float, samples: int, rng: np.random.Generator
) -> tuple[float, float]:
    """Percentile bootstrap interval of mean(first) - mean(second), resampling each group.

    Parameters
    ----------
    first, second
        The two groups' observations.
    confidence
        Confidence level, e.g. 0.95.
    samples
        Bootstrap resamples.
    rng
        The random generator.

    Returns
    -------
    tuple of float
        Lower and upper bound (NaN when either group has fewer than two values).
    """
    first, second = np.asarray(first, dtype="float64"), np.asarray(second, dtype="float64")
    if len(first) < 2 or len(second) < 2:
        return float("nan"), float("nan")
    means1 = first[rng.integers(0, len(first), size=(samples, len(first)))].mean(axis=1)
    means2 = second[rng.integers(0, len(second), size=(samples, len(second)))].mean(axis=1)
    low, high = np.quantile(means1 - means2, [0.5 - confidence / 2, 0.5 + confidence / 2])
    return float(low), float(high)
