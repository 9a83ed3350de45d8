"""helpers.results: the Wilson interval against SciPy's and published values; JSON-safe numbers."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from helpers.results import (
    MATERIALITY,
    json_float,
    json_safe,
    missing,
    money,
    pct,
    pct_change,
    share_of,
    signed_money,
    wilson_ci,
)


def test_wilson_interval_matches_known_values() -> None:
    lo, hi = wilson_ci([5, 0, 0], [10, 10, 0], 0.95)
    assert lo[0] == pytest.approx(0.2366, abs=1e-4) and hi[0] == pytest.approx(0.7634, abs=1e-4)
    assert lo[1] == 0 and hi[1] == pytest.approx(0.2775, abs=1e-4)
    assert np.isnan(lo[2]) and np.isnan(hi[2])  # no trials: no interval


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 5000), data=st.data())
def test_wilson_interval_matches_scipy_and_holds_the_estimate(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, n))
    lo, hi = wilson_ci([k], [n], 0.95)
    ref = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert lo[0] == pytest.approx(ref.low, abs=1e-12)
    assert hi[0] == pytest.approx(ref.high, abs=1e-12)
    assert 0 <= lo[0] <= k / n <= hi[0] <= 1


def test_json_safe_makes_strict_json() -> None:
    value = {
        "a": np.float64("nan"),
        "b": (np.int64(3), np.bool_(True)),
        4: np.array([1.5, math.inf]),
    }
    out = json_safe(value)
    assert out == {"a": None, "b": [3, True], "4": [1.5, None]}
    json.dumps(out, allow_nan=False)
    assert json_float("x") is None and json_float(np.float32(2.5)) == 2.5
    assert json_float(None) is None and json_float(-math.inf) is None


def test_missing_result_explains_itself() -> None:
    r = missing("No opportunities table: no approval analysis.")
    assert not r.available and r.findings == [r.message] and r.table.empty


def test_sentence_numbers_format_and_say_when_missing() -> None:
    assert pct(0.2349) == "23%" and pct(np.float64(1.28)) == "128%"
    assert money(1234567.8) == "1,234,568" and money(999.5) == "1,000"
    assert signed_money(50) == "+50" and signed_money(-1234.5) == "-1,234"
    for formatter in (pct, money, signed_money):
        assert formatter(None) == formatter(math.nan) == formatter(pd.NA) == "n/a"


# ---- materiality -----------------------------------------------------------------------------
def test_share_of_a_material_total() -> None:
    assert share_of(50.0, [100.0, -40.0, 30.0]) == pytest.approx(50 / 90)


def test_no_share_of_a_near_zero_or_negative_total() -> None:
    assert share_of(300.0, [300.0, -280.0]) is None  # 20 of 580: 3%, noise
    assert share_of(10.0, [10.0, -50.0]) is None  # a negative total
    assert share_of(1.0, []) is None


def test_pct_change_needs_a_material_base() -> None:
    assert pct_change(110.0, 100.0) == pytest.approx(0.1)
    assert pct_change(-90.0, -100.0) == pytest.approx(0.1)  # a smaller loss is a rise
    assert pct_change(100.0, 2.0) is None  # +4,900% of a near-zero base says nothing
    assert pct_change(100.0, 0.0) is None
    assert pct_change(120.0, 20.0, magnitude=1000.0) is None  # 20 against parts of 1,000


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30))
def test_shares_are_only_given_of_material_positive_totals(values: list[float]) -> None:
    share = share_of(max(values), values)
    total = sum(values)
    if share is not None:
        assert total > 0 and abs(total) >= MATERIALITY * sum(abs(v) for v in values)


def test_a_currency_labels_sentence_amounts_and_money_axes() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from helpers import plots
    from helpers.results import currency, money, sentence_money, set_currency, signed_money

    assert sentence_money(4_780_000) == "4.78M" and money(1234.5) == "1,234"
    set_currency("USD")
    assert currency() == "USD"
    assert sentence_money(4_780_000) == "4.78M USD"
    assert money(1234.5) == "1,234 USD" and signed_money(-50) == "-50 USD"
    assert money(None) == "n/a"  # no unit on a missing amount
    fig, ax = plt.subplots()
    plots.money_axis(ax)
    ax.set_ylabel("Amount")
    ax.set_xlabel("Customers")
    plots.label_money_axes(fig)
    plots.label_money_axes(fig)  # twice: still one unit
    assert ax.get_ylabel() == "Amount (USD)" and ax.get_xlabel() == "Customers"
    plt.close(fig)
    set_currency(None)
    assert sentence_money(4_780_000) == "4.78M"
