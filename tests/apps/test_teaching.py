"""The teaching session: sliders map onto the world's parameters, the world regenerates fast,
the findings are computed, and the exercises check themselves."""

from __future__ import annotations

import dataclasses
import json

import pytest

from helpers import paths, world
from helpers.apps import teaching, teaching_lessons, teaching_model
from helpers.config import load_config


@pytest.fixture(scope="module")
def config() -> dict:
    return load_config(paths.SAMPLE_CONFIG)


@pytest.fixture(scope="module")
def defaults(config) -> teaching_model.Assumptions:
    return teaching_model.default_assumptions(config)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("teaching")


@pytest.fixture(scope="module")
def base(defaults, config, folder) -> teaching_model.TeachingState:
    return teaching_model.build_state(defaults, config)


def test_default_assumptions_are_the_preset(config, defaults) -> None:
    preset = teaching_model._preset(config)
    params = teaching_model.world_params(defaults, config)
    assert params.discount_range == preset.discount_range
    assert params.approval_base == preset.approval_base
    assert params.approval_step == preset.approval_step
    assert params.size_shares == pytest.approx(preset.size_shares)
    assert params.first_year_closure == pytest.approx(preset.first_year_closure)
    assert defaults.approval_layers == 4 and defaults.big_share == pytest.approx(0.17)


@pytest.mark.parametrize("share", [0.05, 0.3, 0.6])
def test_big_share_sets_the_size_mix(config, defaults, share: float) -> None:
    p = teaching_model.world_params(dataclasses.replace(defaults, big_share=share), config)
    assert sum(p.size_shares) == pytest.approx(1.0)
    assert p.size_shares[2] + p.size_shares[3] == pytest.approx(share)


def test_flat_discount_curve_gives_everyone_the_smallest_terms(config, defaults) -> None:
    p = teaching_model.world_params(dataclasses.replace(defaults, discount_curve=0.0), config)
    assert set(p.discount_range) == {p.discount_range[0]}
    steep = teaching_model.world_params(dataclasses.replace(defaults, discount_curve=2.0), config)
    assert steep.discount_range[-1][0] > teaching_model._preset(config).discount_range[-1][0]


def test_first_year_closure_is_the_small_tiers_average(config, defaults) -> None:
    p = teaching_model.world_params(dataclasses.replace(defaults, first_year_closure=0.4), config)
    assert (p.first_year_closure[0] + p.first_year_closure[1]) / 2 == pytest.approx(0.4)


@pytest.mark.parametrize("layers", [1, 2, 3, 5, 6])
def test_approval_layers_of_a_typical_big_quote(config, defaults, layers: int) -> None:
    p = teaching_model.world_params(dataclasses.replace(defaults, approval_layers=layers), config)
    typical = p.quote_median[-1]
    got = teaching_model._layers_of(typical, p.approval_base, p.approval_step, p.max_layers)
    assert got == layers


def test_flat_switch_is_the_flat_world(config, defaults) -> None:
    assert teaching_model.world_params(dataclasses.replace(defaults, flat=True), config).flat
    assert "flat" in world.PRESETS


def test_world_regenerates_quickly_and_findings_are_computed(base, capsys) -> None:
    h = base.headline
    assert 0 < h["top_revenue_share"] <= 1
    assert h["customers"] == len(base.ledger.loc[base.ledger["customer_id"] != "__unattributed__"])
    sentences = teaching_lessons.section_findings(base)
    assert set(sentences) >= {"promise", "chase", "whale", "seesaw", "risks", "questions", "trust"}
    assert f"{h['top_revenue_share']:.0%}" in sentences["promise"][0]
    with capsys.disabled():
        print(
            f"\nteaching world regenerated in {base.seconds['total']:.2f} s ({h['customers']} customers)"
        )
    assert base.seconds["total"] < 30, "sanity bound only"


def test_cost_per_order_only_recosts(base, config, folder) -> None:
    a = dataclasses.replace(base.assumptions, cost_per_order=60.0)
    state = teaching_model.build_state(a, config, folder, previous=base)
    assert "world" not in state.seconds, "the world was not regenerated"
    assert state.tables is base.tables
    assert state.headline["small_profit"] < base.headline["small_profit"]


@pytest.mark.parametrize(
    ("number", "change"),
    [
        (1, {"discount_curve": 0.0}),
        (2, {"flat": True}),
        (3, {"cost_per_order": 120.0}),
        (4, {"approval_layers": 6}),
    ],
    ids=["discount-curve", "seesaw", "cost-per-order", "trust"],
)
def test_exercises_fail_on_the_default_world_and_pass_when_solved(
    base, config, folder, number: int, change: dict
) -> None:
    check = teaching_lessons.EXERCISES[number][1]
    passed, message = check(base)
    assert not passed and message.startswith("Not yet")
    solved = teaching_model.build_state(
        dataclasses.replace(base.assumptions, **change), config, folder, base
    )
    passed, message = check(solved)
    assert passed and message.startswith("Yes"), message


def test_summary_is_json_ready(config) -> None:
    session = teaching.TeachingSession(config, interactive=False)
    json.dumps(session.summary())


def test_the_app_redraws_every_chart_on_a_slider_move(config, capsys) -> None:
    session = teaching.TeachingSession(config, interactive=True)

    def drawn(chart) -> list:
        return [(list(m.x), list(m.y)) for m in chart.marks if m.visible]

    before = {k: drawn(chart) for k, chart in session.charts.items()}
    assert all(before.values()), "every chart has lines"
    marks = {k: list(chart.marks) for k, chart in session.charts.items()}
    finding = session.findings["whale"].widget.value
    session.sliders["discount_curve"].value = 0.0
    assert session.findings["whale"].widget.value != finding
    changed = [k for k, chart in session.charts.items() if drawn(chart) != before[k]]
    assert {"whale", "seesaw"} <= set(changed)
    assert all(list(chart.marks) == marks[k] for k, chart in session.charts.items()), (
        "the marks on the page are updated, not replaced"
    )
    with capsys.disabled():
        print(f"\nteaching app: slider move to redrawn charts in {session.last_update_s:.2f} s")


@pytest.mark.slow
def test_teaching_notebook_runs_headless(run_notebook, sample_config) -> None:
    run_dir = run_notebook("00-teaching-the-80-20-critique", sample_config)
    recorded = json.loads((run_dir / "metrics" / "teaching.json").read_text())
    assert recorded["findings"] and 0 < recorded["metrics"]["top_revenue_share"] <= 1
    for section in teaching_lessons.SECTIONS:
        assert (run_dir / "figures" / f"teaching_{section}.png").exists()


@pytest.mark.parametrize(
    ("ratio", "words"),
    [
        (0.9, "about the same as"),
        (0.5, "less than"),
        (1.3, "more than"),
        (2.4, "2.4 times as much as"),
        (float("nan"), "an unknown share of"),
    ],
    ids=["same", "less", "more", "times", "unknown"],
)
def test_a_comparison_says_what_the_ratio_says(ratio: float, words: str) -> None:
    assert teaching_lessons.compare(ratio, 0.1, 2.0) == words


def test_the_cost_comparison_comes_from_the_world(base) -> None:
    h = base.headline
    ratio = h["small_cts_pct"] / h["big_cts_pct"]
    sentence = teaching_lessons.section_findings(base)["risks"][1]
    assert teaching_lessons.compare(ratio, 0.1, 2.0) in sentence
    assert f"({ratio:.1f}x)" in sentence
    if ratio < 2:
        assert "times" not in sentence


def test_no_teaching_prose_states_a_comparison_the_numbers_do_not() -> None:
    import nbformat

    notebook = nbformat.read(paths.NOTEBOOKS_DIR / "00-teaching-the-80-20-critique.ipynb", 4)
    prose = " ".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "several times more" not in prose and "times more" not in prose


def test_summary_is_formatted_for_people(base) -> None:
    import re

    rows = dict(teaching_lessons.summary_rows(base.headline))
    assert rows["Customers"] == f"{base.headline['customers']:,}"
    assert rows["Small clients' margin after the cost to serve"].endswith("%")
    html = teaching.summary_html(base.headline)
    assert "<table" in html and "{" not in html
    assert not re.search(r"\d\.\d{4,}", html), "no long floats"


def test_a_world_is_rendered_once_per_class(config, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SCBP_TEACHING_CACHE", str(tmp_path))
    first = teaching.TeachingSession(config, interactive=True)
    assert first.view.seconds, "the first student builds the default world"
    assert len(list(tmp_path.glob("*.json"))) == 1
    second = teaching.TeachingSession(config, interactive=True)
    assert second.state is None, "the second student reads it"
    assert second.view.figures == first.view.figures
    assert "shared" in second.status.value
    second.sliders["discount_curve"].value = 0.0
    assert second.state is not None and len(list(tmp_path.glob("*.json"))) == 2
    passed, _ = teaching_lessons.check_exercise_1(second.view)
    assert passed


def test_a_served_session_records_nothing(config) -> None:
    class Recorder:
        config: dict = {}
        calls: list = []

        def record(self, *args, **kwargs) -> None:
            self.calls.append(args)

        def save_figure(self, *args, **kwargs) -> None:
            pass

    recorder = Recorder()
    teaching.TeachingSession(config, interactive=True, workspace=recorder).record()
    assert recorder.calls == []
    teaching.TeachingSession(config, interactive=False, workspace=recorder).record()
    assert recorder.calls and recorder.calls[0][0] == "teaching"


def test_a_move_redraws_only_the_figures_whose_inputs_changed(base, config, folder) -> None:
    from helpers.apps.teaching_view import FigureMemo, render_view

    memo = FigureMemo()
    before = render_view(base, 40, memo)
    costlier = dataclasses.replace(base.assumptions, cost_per_order=90.0)
    state = teaching_model.build_state(costlier, config, folder, previous=base)
    after = render_view(state, 40, memo)
    assert memo.hits == 2, "survival and approvals do not depend on the cost per order"
    for name in ("risks", "trust"):
        assert after.figures[name] == before.figures[name]
    for name in ("concentration", "whale", "seesaw"):
        assert after.figures[name] != before.figures[name], f"{name} follows the cost per order"
    fresh = render_view(state, 40)
    assert fresh.figures == after.figures, "a reused figure is the figure drawn afresh"


def test_approval_layers_redraw_only_the_quotes(base, config, tmp_path) -> None:
    import pandas as pd

    layered = dataclasses.replace(base.assumptions, approval_layers=5)
    quick = teaching_model.build_state(layered, config, tmp_path / "quick", previous=base)
    assert quick.tables["order_lines"] is base.tables["order_lines"], "orders are not redrawn"
    full = teaching_model.build_state(layered, config, tmp_path / "full")
    pd.testing.assert_frame_equal(quick.ledger, full.ledger)
    pd.testing.assert_frame_equal(
        quick.tables["opportunities"], full.tables["opportunities"], check_dtype=False
    )
    assert quick.headline["layers_big"] == full.headline["layers_big"]
    assert quick.headline["layers_big"] != base.headline["layers_big"]
