"""Building blocks every analysis shares: its ``Result``, intervals, JSON-safe and written numbers.

The Wilson interval of a share, numbers made safe for ``metrics.json`` and numbers written into
finding sentences.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "Result",
    "Findings",
    "missing",
    "wilson_ci",
    "json_float",
    "json_safe",
    "pct",
    "money",
    "signed_money",
]


@dataclass
class Result:
    """One analysis: its table, headline numbers, finding sentences, and why it is missing.

    Every analysis returns one (or a subclass with extra fields). In a notebook it renders as
    its findings in Markdown, or as the reason the data cannot support it.

    Attributes
    ----------
    table : pandas.DataFrame
        The analysis's table (columns and units in the function that made it).
    metrics : dict
        Headline numbers, as recorded in ``metrics.json``.
    findings : list of str
        Sentences computed from the data.
    message : str
        Why the analysis is not available ("" when it is).
    detail : dict
        Anything else a figure or a later step needs.
    """

    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    metrics: dict[str, Any] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)
    message: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def available(self) -> bool:
        """True when the data supported the analysis (no ``message`` saying why not)."""
        return not self.message

    def _repr_markdown_(self) -> str:
        """The findings as a Markdown list, or why the analysis is not available."""
        if self.message:
            return f"**Not available:** {self.message}"
        return Findings(self.findings)._repr_markdown_()


class Findings(list):
    """Finding sentences that render as a Markdown list in a notebook (a plain list otherwise)."""

    def _repr_markdown_(self) -> str:
        """One bullet per sentence."""
        return "\n".join(f"- {sentence}" for sentence in self) or "_No findings._"


def missing(message: str) -> Result:
    """The Result of an analysis the data cannot support; ``message`` says why."""
    return Result(message=message, findings=[message])


def wilson_ci(successes: Any, n: Any, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion, vectorised.

    The interval always holds the observed share (rounding can leave a bound a hair inside it at
    k = 0 or k = n).

    Parameters
    ----------
    successes : array_like
        Counts of successes.
    n : array_like
        Counts of trials (same shape); NaN bounds where ``n == 0``.
    confidence : float, default 0.95
        Two-sided confidence level.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Lower and upper bounds, shares in [0, 1].

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
    Journal of the American Statistical Association 22(158), 209-212.
    """
    k = np.asarray(successes, dtype="float64")
    n = np.asarray(n, dtype="float64")
    z = stats.norm.ppf(0.5 + confidence / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        low, high = np.fmin(centre - half, p), np.fmax(centre + half, p)
    return np.clip(low, 0, 1), np.clip(high, 0, 1)


def json_float(x: Any) -> float | None:
    """A plain float for JSON: None for missing, NaN or infinite values."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def json_safe(value: Any) -> Any:
    """``value`` made strict JSON, recursively.

    Numpy scalars become Python numbers, tuples and arrays lists, NaN and infinities None.
    """
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


# ---- numbers in finding sentences ("n/a" where missing) ---------------------------------------
def pct(x: Any) -> str:
    """A share as a whole percentage: 0.234 -> "23%"."""
    v = json_float(x)
    return "n/a" if v is None else f"{v:.0%}"


def money(x: Any) -> str:
    """An amount with thousands separators and no decimals: 1234567.8 -> "1,234,568"."""
    v = json_float(x)
    return "n/a" if v is None else f"{v:,.0f}"


def signed_money(x: Any) -> str:
    """An amount with its sign: -1234.5 -> "-1,234", 50 -> "+50"."""
    v = json_float(x)
    return "n/a" if v is None else f"{v:+,.0f}"
