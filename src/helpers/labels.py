"""Column names in words and which columns hold shares: shared by report tables and exports."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

__all__ = ["column_label", "is_fraction_column"]

_FRACTION = re.compile(
    r"(share|pct|percent|_rate$|^rate_|_rate_|ci_low|ci_high|probability|^p_alive|^margin$"
    r"|(?<!gross)_margin$|margin_rate)",
    re.IGNORECASE,
)
_WORDS = {
    "ci": "CI", "id": "ID", "pct": "%", "clv": "CLV", "cac": "CAC", "rfm": "RFM", "cts": "CTS",
    "bgnbd": "BG/NBD", "ltv": "LTV", "abc": "ABC", "cogs": "COGS", "roi": "ROI", "kpi": "KPI",
    "mae": "MAE", "mape": "MAPE", "rmse": "RMSE", "sd": "SD", "aov": "AOV", "pnl": "P&L",
}  # fmt: skip


def column_label(name: Any) -> str:
    """A column name in words: ``net_revenue`` -> "Net revenue", ``ci_low`` -> "CI low".

    Parameters
    ----------
    name
        The column name (anything; non-text names are written as they are).

    Returns
    -------
    str
        The label, first letter capitalised, known abbreviations in capitals.
    """
    if not isinstance(name, str) or not name:
        return str(name)
    if " " in name or not re.fullmatch(r"[A-Za-z0-9_]+", name):
        return name  # already words
    words = [_WORDS.get(word.lower(), word) for word in name.split("_") if word]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def is_fraction_column(name: Any, values: pd.Series) -> bool:
    """Whether a column holds shares: its name says so and its numbers are not amounts."""
    if not isinstance(name, str) or not _FRACTION.search(name):
        return False
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    return numbers.empty or float(numbers.abs().max()) <= 10
