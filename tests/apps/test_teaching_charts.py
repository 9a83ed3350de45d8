"""The teaching charts as data (drawn in the browser): the series are the world's numbers, thinned
without losing the ends or the peak, and a chart on the page takes new numbers in its marks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import paths
from helpers.apps import teaching_charts, teaching_lessons, teaching_model
from helpers.apps.live_chart import LiveChart, axis_range
from helpers.config import load_config


@pytest.fixture(scope="module")
def state() -> teaching_model.TeachingState:
    config = load_config(paths.SAMPLE_CONFIG)
    return teaching_model.build_state(teaching_model.default_assumptions(config), config)


@pytest.fixture(scope="module")
def charts(state) -> dict:
    findings = teaching_lessons.section_findings(state)
    return {
        name: teaching_charts.chart_data(name, state, findings) for name in teaching_charts.AXES
    }


def _series(chart: dict, label: str) -> dict:
    return next(s for s in chart["series"] if s["label"] == label)


def test_whale_curve_is_the_ledger_profit(state, charts) -> None:
    whale = _series(charts["whale"], "cumulative profit")
    profits = np.sort(state.ledger.loc[state.ledger["customer_id"] != "__unattributed__", "profit"])
    total = profits.sum()
    assert whale["y"][-1] == pytest.approx(100.0)
    assert max(whale["y"]) == pytest.approx(100 * np.cumsum(profits[::-1]).max() / total)
    assert whale["x"][0] == 0 and whale["x"][-1] == pytest.approx(100.0)


def test_seesaw_lines_are_the_tiers_shares(state, charts) -> None:
    series = charts["seesaw"]["series"]
    assert sum(s["y"][0] for s in series) == pytest.approx(100.0)
    assert sum(s["y"][1] for s in series) == pytest.approx(100.0)
    small = [s for s in series if s["label"] in state.config["size_tiers"]["small"]]
    share = sum(s["y"][1] for s in small) / 100
    assert share == pytest.approx(state.headline["small_profit_share"])


def test_trust_lines_end_at_the_win_rates(state, charts) -> None:
    series = charts["trust"]["series"]
    assert series[0]["y"][-1] == pytest.approx(100 * state.headline["win_trial"])
    assert series[-1]["y"][-1] == pytest.approx(100 * state.headline["win_big"])
    assert series[-1]["x"][-1] == pytest.approx(state.headline["layers_big"])


def test_titles_are_the_computed_findings(state, charts) -> None:
    findings = teaching_lessons.section_findings(state)
    for name in ("whale", "seesaw", "risks", "trust"):
        assert charts[name]["title"] == findings[name][0]
    assert charts["concentration"]["title"] in findings["concentration"]
    assert "concentrated" in charts["concentration"]["title"]


def test_chart_data_is_plain_json(charts) -> None:
    import json

    assert json.loads(json.dumps(charts)) == charts


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=900),
    most=st.integers(3, 250),
)
def test_thinning_keeps_the_ends_and_the_peak(values: list[float], most: int) -> None:
    x = np.arange(len(values), dtype=float)
    kept_x, kept_y = teaching_charts.thin(x, np.array(values), most)
    assert len(kept_x) <= max(most + 1, 0) and len(kept_x) <= len(values)
    assert kept_x[0] == 0 and kept_x[-1] == len(values) - 1
    assert max(kept_y) == max(values)
    assert kept_x == sorted(kept_x)


def test_a_chart_on_the_page_takes_new_numbers_in_its_marks(charts) -> None:
    chart = LiveChart("trust", "caption")
    marks = list(chart.marks)
    chart.show(charts["trust"])
    shown = [m for m in chart.marks if m.visible]
    assert len(shown) == len(charts["trust"]["series"])
    assert list(shown[-1].y) == pytest.approx(charts["trust"]["series"][-1]["y"])
    one = {**charts["trust"], "series": charts["trust"]["series"][:1], "title": "<b>x</b>"}
    chart.show(one)
    assert chart.marks == marks, "the same marks, new data"
    assert sum(m.visible for m in chart.marks) == 1
    assert "&lt;b&gt;" in chart.title.value, "the title is escaped"


def test_axis_range_fits_the_data_where_not_fixed() -> None:
    series = [{"x": [0.0, 10.0], "y": [-5.0, math.nan, 20.0]}]
    assert axis_range(series, "x", [0, 100]) == (0.0, 100.0)
    low, high = axis_range(series, "y", None)
    assert low < -5 and high > 20
    assert axis_range([], "y", [None, None]) == pytest.approx((-0.05, 1.05))
