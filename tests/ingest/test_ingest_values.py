"""Unit tests of helpers.ingest.values: text, numbers in every convention, dates, yes/no values."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.ingest.dates import human_date_format, parse_dates
from helpers.ingest.values import (
    decimal_evidence,
    number_core,
    parse_bools,
    parse_numbers,
    parse_strings,
)


def _floats(values: np.ndarray) -> list[float | None]:
    """Values as a list, None where NaN (NaN != NaN would hide a wrong value)."""
    return [None if np.isnan(v) else float(v) for v in values]


def _numbers(values: list, **options) -> list[float | None]:
    return _floats(parse_numbers(pa.array(values, pa.string()), **options).values)


def _days(values: np.ndarray) -> list[str | None]:
    return [None if np.isnat(v) else str(v.astype("datetime64[D]")) for v in values]


# ---- text -----------------------------------------------------------------------------------
def test_strings_are_trimmed_and_empty_is_null() -> None:
    assert parse_strings(pa.array(["  a ", "", "  ", None, "b c"])).to_pylist() == [
        "a",
        None,
        None,
        None,
        "b c",
    ]


def test_whole_floats_render_without_a_fraction() -> None:
    assert parse_strings(pa.array([1.0, 2.5, None, -3.0])).to_pylist() == ["1", "2.5", None, "-3"]


# ---- numbers --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "expected", "decimal"),
    [
        (["1,234.56", "12.5", "-3"], [1234.56, 12.5, -3.0], "."),
        (["1.234,56", "12,5", "3"], [1234.56, 12.5, 3.0], ","),
        (["1 234,56", "1\u00a0234,5", "12,5"], [1234.56, 1234.5, 12.5], ","),
        (["1'234.5", "1 234.5", "0.5"], [1234.5, 1234.5, 0.5], "."),
        (["1,234,567.89", "0.01"], [1234567.89, 0.01], "."),
        (["1.234.567,89", "0,01"], [1234567.89, 0.01], ","),
        (["1e3", "2.5"], [1000.0, 2.5], "."),
    ],
    ids=["dot", "comma", "space-comma", "apostrophe-dot", "millions-dot", "millions-comma", "exp"],
)
def test_decimal_and_thousands_conventions(
    values: list[str], expected: list[float], decimal: str
) -> None:
    result = parse_numbers(pa.array(values))
    assert result.values.tolist() == expected
    assert result.decimal == decimal
    assert result.evidence is True
    assert not result.bad.any()


def test_currency_symbols_and_words_are_stripped() -> None:
    values = ["€ 12,50", "12,50 EUR", "eur 1.000,00", "7"]
    assert _numbers(values, currency=["€", "EUR"]) == [12.5, 12.5, 1000.0, 7.0]
    assert _numbers(["$1,234.50", "USD 2,000.00"], currency=["$", "USD"]) == [1234.5, 2000.0]


def test_negative_forms() -> None:
    values = ["(12.50)", "12.50-", "-12.50", "+3", "( 4.5 )"]
    assert _numbers(values) == [-12.5, -12.5, -12.5, 3.0, -4.5]


def test_percent_is_a_fraction() -> None:
    assert _numbers(["15%", "2.5 %", "100%"]) == [0.15, 0.025, 1.0]


def test_empty_and_bad_values_are_told_apart() -> None:
    result = parse_numbers(pa.array(["1.5", "", None, "abc", "1..2"]))
    assert _numbers(["1.5", "", None, "abc", "1..2"]) == [1.5, None, None, None, None]
    assert result.null.tolist() == [False, True, True, False, False]
    assert result.bad.tolist() == [False, False, False, True, True]
    assert result.mixed.tolist() == [False] * 5


def test_other_decimal_separator_is_marked_mixed() -> None:
    result = parse_numbers(pa.array(["12,5", "12.5", "x"]), decimal=",")
    assert _numbers(["12,5", "12.5", "x"], decimal=",") == [12.5, None, None]
    assert result.bad.tolist() == [False, True, True]
    assert result.mixed.tolist() == [False, True, False]


def test_values_without_evidence_follow_the_fallback_and_are_counted() -> None:
    dot = parse_numbers(pa.array(["1,234", "2,500"]))
    assert dot.values.tolist() == [1234.0, 2500.0]
    assert (dot.decimal, dot.ambiguous, dot.evidence) == (".", 2, False)
    comma = parse_numbers(pa.array(["1,234", "2,500"]), fallback_decimal=",")
    assert comma.values.tolist() == [1.234, 2.5]
    assert (comma.decimal, comma.ambiguous) == (",", 2)


def test_one_clear_value_decides_the_column() -> None:
    # 1,234 alone could be either; 5,5 shows a decimal comma, so 1,234 is 1.234
    assert _numbers(["1,234", "5,5"]) == [1.234, 5.5]


def test_configured_thousands_separator() -> None:
    assert _numbers(["1_234.5"], thousands="_") == [1234.5]
    assert _numbers(["1,234.5"], thousands="") == [None]


def test_typed_numbers_are_kept() -> None:
    result = parse_numbers(pa.array([1, 2, None], pa.int64()))
    assert _floats(result.values) == [1.0, 2.0, None]
    assert result.null.tolist() == [False, False, True]
    assert parse_numbers(pa.array([True, False])).values.tolist() == [1.0, 0.0]


def test_number_core_strips_currency_signs_and_percent() -> None:
    core, negate, percent = number_core(
        pa.array(["(12.50)", "12.50-", "15%", "EUR 3", "(€ 12,50)"]), ["EUR", "€"]
    )
    assert core.to_pylist() == ["12.50", "12.50", "15", "3", "12,50"]
    assert negate.to_pylist() == [True, True, False, False, True]
    assert percent.to_pylist() == [False, False, True, False, False]


def test_decimal_evidence_counts() -> None:
    # dot: 12.5, 1,234.5; comma: 12,5; either: 1,234; none: 7
    assert decimal_evidence(pa.array(["12.5", "1,234.5", "12,5", "1,234", "7"])) == (2, 1, 1)


_CONVENTIONS = [
    (",", "."),
    (".", ","),
    (" ", ","),
    ("\u00a0", ","),
    ("\u202f", ","),
    ("'", "."),
    (" ", "."),
    ("", "."),
    ("", ","),
]


def _grouped(digits: str, thousands: str) -> str:
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return thousands.join(groups)


@given(
    whole=st.integers(min_value=0, max_value=10**12),
    cents=st.integers(min_value=0, max_value=99),
    negative=st.booleans(),
    convention=st.sampled_from(_CONVENTIONS),
)
def test_any_convention_parses_back_to_the_number(
    whole: int, cents: int, negative: bool, convention: tuple[str, str]
) -> None:
    thousands, decimal = convention
    sign = "-" if negative else ""
    written = f"{sign}{_grouped(str(whole), thousands)}{decimal}{cents:02d}"
    expected = float(f"{sign}{whole}.{cents:02d}")
    result = parse_numbers(pa.array([written]))
    assert result.values.tolist() == [expected], written
    assert result.decimal == decimal
    assert not result.bad.any()


# ---- dates ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "days", "main"),
    [
        (["2020-11-08", "2021-01-31"], ["2020-11-08", "2021-01-31"], "%Y-%m-%d"),
        (["08.11.2020", "24.12.2020"], ["2020-11-08", "2020-12-24"], "%d.%m.%Y"),
        (["12/24/2020", "1/2/2021"], ["2020-12-24", "2021-01-02"], "%m/%d/%Y"),
        (["24/12/2020", "1/2/2021"], ["2020-12-24", "2021-02-01"], "%d/%m/%Y"),
        (["8 Nov 2020", "24 Dec 2020"], ["2020-11-08", "2020-12-24"], "%d %b %Y"),
        (["20201108", "20210131"], ["2020-11-08", "2021-01-31"], "%Y%m%d"),
    ],
    ids=["iso", "dotted", "us", "european", "month-name", "compact"],
)
def test_date_format_is_inferred(values: list[str], days: list[str], main: str) -> None:
    result = parse_dates(pa.array(values))
    assert _days(result.values) == days
    assert result.formats[0] == main
    assert result.ambiguous is False


def test_time_of_day_is_kept() -> None:
    result = parse_dates(pa.array(["2021-01-05 13:45:00"]))
    assert result.values[0] == np.datetime64("2021-01-05T13:45:00")
    assert result.formats[0] == "%Y-%m-%d %H:%M:%S"


@pytest.mark.parametrize(
    ("dayfirst", "days", "main"),
    [
        (False, ["2021-01-02", "2021-03-04"], "%m/%d/%Y"),
        (True, ["2021-02-01", "2021-04-03"], "%d/%m/%Y"),
    ],
)
def test_ambiguous_day_month_follows_dayfirst(dayfirst: bool, days: list[str], main: str) -> None:
    result = parse_dates(pa.array(["01/02/2021", "03/04/2021"]), dayfirst=dayfirst)
    assert _days(result.values) == days
    assert result.formats[0] == main
    assert result.ambiguous is True


def test_configured_date_format() -> None:
    result = parse_dates(pa.array(["8/11/2020", "2/1/2021"]), date_format="%d/%m/%Y")
    assert _days(result.values) == ["2020-11-08", "2021-01-02"]
    assert result.formats == ["%d/%m/%Y"]


def test_impossible_and_empty_dates() -> None:
    iso = parse_dates(pa.array(["2020-11-08", None, "2020-02-31", "soon"]))
    assert _days(iso.values) == ["2020-11-08", None, None, None]
    assert iso.null.tolist() == [False, True, False, False]
    assert iso.bad.tolist() == [False, False, True, True]
    dotted = parse_dates(pa.array(["31.02.2021", "01.03.2021"]))  # not rolled over to 03.03.
    assert _days(dotted.values) == [None, "2021-03-01"]
    assert dotted.bad.tolist() == [True, False]


def test_typed_dates_are_kept() -> None:
    result = parse_dates(pa.array([dt.date(2020, 11, 8), None]))
    assert _days(result.values) == ["2020-11-08", None]
    assert result.formats == ["(typed)"]
    assert result.null.tolist() == [False, True]


def test_human_date_format() -> None:
    assert human_date_format("%d.%m.%Y %H:%M:%S") == "dd.mm.yyyy HH:MM:SS"
    assert human_date_format("%b %d, %y") == "Mon dd, yy"
    assert human_date_format("%d %B %Y") == "dd Month yyyy"


# ---- yes/no ---------------------------------------------------------------------------------
def test_bools_ignore_case() -> None:
    values, null, bad = parse_bools(
        pa.array(["Yes", "no", "TRUE", "", "maybe", None]), ["yes", "true"], ["no", "false"]
    )
    assert values.tolist() == [True, False, True, False, False, False]
    assert null.tolist() == [False, False, False, True, False, True]
    assert bad.tolist() == [False, False, False, False, True, False]


def test_typed_bools_and_numbers() -> None:
    values, null, bad = parse_bools(pa.array([True, None, False]), [], [])
    assert (values.tolist(), null.tolist(), bad.tolist()) == (
        [True, False, False],
        [False, True, False],
        [False, False, False],
    )
    values, null, bad = parse_bools(pa.array([0, 2, None]), [], [])
    assert (values.tolist(), null.tolist()) == ([False, True, False], [False, False, True])
