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
    "compact_money",
    "sentence_money",
    "sentence_pct",
    "rate_number",
    "with_money_columns",
    "set_currency",
    "currency",
    "MATERIALITY",
    "is_material",
    "share_of",
    "pct_change",
]

#: a total is material when its size is at least this share of the sum of its parts' sizes:
#: a profit of 20k made of +300k and -280k customers is not (20k / 580k = 3%), and a "share of
#: profit" or a "% change in profit" computed on it would be noise
MATERIALITY = 0.10


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
    # the normal quantile (scipy.stats.norm.ppf) without scipy.stats; imported here, since a
    # served teaching kernel loads this module but never needs an interval (0.7 s of its start)
    from scipy.special import ndtri

    z = ndtri(0.5 + confidence / 2)
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


#: the currency amounts in sentences are labelled with (set by the workspace from the config or
#: the export; None: bare amounts). One per process: each notebook kernel reads one dataset.
_UNIT: dict[str, str | None] = {"currency": None}


def set_currency(code: str | None) -> None:
    """Label the amounts of finding sentences with ``code`` ("USD", "€"); None: no label.

    Parameters
    ----------
    code : str or None
        The run's currency (:func:`helpers.ingest.pipeline.currency_of`).
    """
    _UNIT["currency"] = code or None


def currency() -> str | None:
    """The currency set by :func:`set_currency` (None when amounts go without one)."""
    return _UNIT["currency"]


def _unit(text: str) -> str:
    """An amount's text with the currency after it, when one is set."""
    return f"{text} {_UNIT['currency']}" if _UNIT["currency"] and text != "n/a" else text


def money(x: Any) -> str:
    """An amount with thousands separators and no decimals: 1234567.8 -> "1,234,568".

    With a currency set (:func:`set_currency`) it follows the amount: "1,234,568 USD".
    """
    v = json_float(x)
    return "n/a" if v is None else _unit(f"{v:,.0f}")


def signed_money(x: Any) -> str:
    """An amount with its sign: -1234.5 -> "-1,234", 50 -> "+50"."""
    v = json_float(x)
    return "n/a" if v is None else _unit(f"{v:+,.0f}")


def compact_money(value: float) -> str:
    """An amount in k, M or bn, 3 significant digits: 1234567 -> "1.23M", 4321 -> "4.32k".

    Parameters
    ----------
    value : float
        Currency units (any currency: no symbol is added).

    Returns
    -------
    str
        The amount; whole units below 1,000.
    """
    sign = "-" if value < 0 else ""
    size = abs(value)
    for limit, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            return f"{sign}{size / limit:.3g}{suffix}"
    return f"{sign}{size:.0f}"


def sentence_money(value: float) -> str:
    """An amount for a finding sentence: :func:`compact_money`, two significant digits below 1.

    Parameters
    ----------
    value : float
        Currency units.

    Returns
    -------
    str
        E.g. "1.23M", "950", "0.42"; never "-0"; with a currency set, "1.23M USD".
    """
    if 0 < abs(float(value)) < 1:
        return _unit(f"{float(value):.2g}")
    text = compact_money(value)
    return _unit("0" if text == "-0" else text)


def with_money_columns(frame: pd.DataFrame, columns: Any) -> pd.DataFrame:
    """The frame (a copy) with the columns that hold currency amounts named in its ``attrs``.

    A report table (:func:`helpers.report.tables.to_html`) then puts the currency in their
    headers ("First year profit (USD)"); the amounts themselves stay plain numbers.
    """
    out = frame.copy()
    out.attrs["money_columns"] = [column for column in columns if column in out.columns]
    return out


def rate_number(value: Any) -> str:
    """A rate for a sentence: 3 significant figures, whole units from 100 (3.0392 -> "3.04").

    Parameters
    ----------
    value : float
        The rate (a currency amount per unit, with no currency attached).

    Returns
    -------
    str
        E.g. "3.04", "7.6", "0", "1,235".
    """
    number = float(value)
    return f"{number:,.0f}" if abs(number) >= 100 else f"{number:.3g}"


def sentence_pct(value: float | None, decimals: int = 0) -> str:
    """A fraction as a percentage for a sentence, never "-0%": 0.234 -> "23%", -0.003 -> "-0.3%".

    Parameters
    ----------
    value : float or None
        A fraction (0.234 = 23.4%).
    decimals : int
        Decimals to show (0: whole percentages, one decimal below half a percent).

    Returns
    -------
    str
        The percentage; "n/a" for None.
    """
    if value is None:
        return "n/a"
    points = 100 * float(value)
    if abs(points) < 0.05:
        return "0%"
    if abs(points) < 0.5 or decimals:
        return f"{points:.{max(decimals, 1)}f}%"
    return f"{points:.0f}%"


# ---- shares and changes of totals that may be near zero ---------------------------------------
def is_material(total: float, magnitude: float, threshold: float = MATERIALITY) -> bool:
    """Whether a total is large enough, against the sizes of its parts, to take shares of.

    Parameters
    ----------
    total : float
        The signed total (e.g. company profit, currency units).
    magnitude : float
        The sum of the parts' absolute values (e.g. sum of |customer profit|), same units.
    threshold : float, default :data:`MATERIALITY`
        The smallest ``|total| / magnitude`` that counts as material.

    Returns
    -------
    bool
        False for a non-finite input or a zero magnitude.
    """
    total_f, magnitude_f = json_float(total), json_float(magnitude)
    if total_f is None or magnitude_f is None or magnitude_f <= 0:
        return False
    return abs(total_f) >= threshold * magnitude_f


def share_of(part: float, parts: Any, threshold: float = MATERIALITY) -> float | None:
    """``part`` as a share of the total of ``parts``, or None when that total is not material.

    Parameters
    ----------
    part : float
        The amount to express as a share.
    parts : array_like
        Every part of the total (e.g. each customer's profit).
    threshold : float, default :data:`MATERIALITY`

    Returns
    -------
    float or None
        ``part / sum(parts)``; None when the total is not positive and material
        (:func:`is_material`), where a share would be noise or change sign.
    """
    values = np.asarray(parts, dtype="float64")
    values = values[np.isfinite(values)]
    total = float(values.sum()) if len(values) else 0.0
    if total <= 0 or not is_material(total, float(np.abs(values).sum()), threshold):
        return None
    return json_float(part / total)


def pct_change(after: float, before: float, magnitude: float | None = None) -> float | None:
    """Relative change from ``before`` to ``after``, or None when the base is not material.

    Parameters
    ----------
    after, before : float
        The two values (same units).
    magnitude : float, optional
        The size the base is judged against (e.g. the sum of |customer profit|); by default
        ``|before|`` must be at least :data:`MATERIALITY` of ``|after|``.

    Returns
    -------
    float or None
        ``(after - before) / |before|``; None for a zero, near-zero or non-finite base.
    """
    before_f, after_f = json_float(before), json_float(after)
    if before_f is None or after_f is None or before_f == 0:
        return None
    scale = json_float(magnitude) if magnitude is not None else abs(after_f)
    if scale is not None and scale > 0 and not is_material(before_f, scale):
        return None
    return (after_f - before_f) / abs(before_f)
