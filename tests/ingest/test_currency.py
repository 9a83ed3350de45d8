"""The report's currency: from the config, else the one mark the export's amounts carry."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa

from helpers.ingest.pipeline import currency_of
from helpers.ingest.values import currency_marks

MARKS = ["$", "€", "US$", "USD", "EUR"]


def test_marks_found_in_number_text_longest_first() -> None:
    assert currency_marks(pa.array(["€12,50", "3 €", None]), MARKS) == ["€"]
    assert currency_marks(pa.array(["US$ 12.50", "4.00"]), MARKS) == ["US$"]  # not "$" again
    assert currency_marks(pa.array(["12.50 usd"]), MARKS) == ["USD"]
    assert currency_marks(pa.array(["12.50", "-3"]), MARKS) == []
    assert currency_marks(pa.array([12.5, 3.0]), MARKS) == []  # a typed column carries none


def _processed(tmp_path: Path, *found: dict[str, list[str]]) -> Path:
    files = [{"rows": 1, "currency": marks} for marks in found]
    summary = {"tables": {"order_lines": {"files": files}}}
    (tmp_path / "ingest.json").write_text(json.dumps(summary), encoding="utf-8")
    return tmp_path


def test_the_config_wins_then_the_one_mark_of_the_export(tmp_path: Path) -> None:
    one = _processed(tmp_path / "a" if (tmp_path / "a").mkdir() is None else tmp_path,
                     {"Sales": ["€"]}, {"Sales": ["€"], "Cost": ["€"]})  # fmt: skip
    assert currency_of({"currency": "JPY"}, one) == "JPY"
    assert currency_of({}, one) == "€"
    (tmp_path / "b").mkdir()
    two = _processed(tmp_path / "b", {"Sales": ["€"]}, {"Sales": ["$"]})
    assert currency_of({}, two) is None  # two marks: no single currency to label amounts with
    assert currency_of({}, tmp_path / "nowhere") is None
    assert currency_of({}) is None
