"""Column names in words and which columns hold shares: shared by report tables and exports."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

__all__ = ["column_label", "is_config_path", "is_fraction_column", "is_percent_column"]

_FRACTION = re.compile(
    r"(share|pct|percent|_rate$|^rate_|_rate_|ci_low|ci_high|probability|^p_alive|^margin$"
    r"|(?<!gross)_margin$|margin_rate|^claim$|^survival|_survival$|^retention$|^conversion$"
    r"|price_change$|volume_change$)",
    re.IGNORECASE,
)
#: a column of percentages (0-100+, not fractions): ``cum_profit_pct`` = 102.3 -> "102.3%"
_PERCENT = re.compile(r"(_pct$|^pct_|_pct_)", re.IGNORECASE)
#: a dotted config path ("small_order_fee.fee"): its parts in words, joined by a colon
_DOTTED = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?:\.[a-z][a-z0-9]*(?:_[a-z0-9]+)*)+")
#: file extensions, so that a file name ("order_lines.csv") is not read as a config path
_FILE_ENDINGS = ("csv", "xlsx", "xls", "parquet", "json", "txt", "html", "yaml", "yml", "png")
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
    if is_config_path(name):
        return ": ".join(
            (label if i == 0 else label[:1].lower() + label[1:])
            for i, label in enumerate(column_label(part) for part in name.split("."))
        )
    if " " in name or not re.fullmatch(r"[A-Za-z0-9_]+", name):
        return name  # already words
    words = [_WORDS.get(word.lower(), word) for word in name.split("_") if word]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def is_config_path(name: Any) -> bool:
    """Whether a text is a dotted config path (``discount_cap.price_elasticity``), no file name."""
    return (
        isinstance(name, str)
        and _DOTTED.fullmatch(name) is not None
        and name.rsplit(".", 1)[-1] not in _FILE_ENDINGS
    )


def is_percent_column(name: Any, values: pd.Series) -> bool:
    """Whether a column holds percentages (``*_pct`` with numbers beyond a fraction's range)."""
    return (
        isinstance(name, str)
        and _PERCENT.search(name) is not None
        and not is_fraction_column(name, values)
    )


def is_fraction_column(name: Any, values: pd.Series) -> bool:
    """Whether a column holds shares: its name says so and its numbers are not amounts."""
    if not isinstance(name, str) or not _FRACTION.search(name):
        return False
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    return numbers.empty or float(numbers.abs().max()) <= 10
