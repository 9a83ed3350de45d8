"""The class's world renderers: a kernel's request is rendered once, by a renderer, for everyone."""

from __future__ import annotations

import dataclasses
import json

import pytest

from helpers import paths
from helpers.apps import teaching, teaching_model, world_server
from helpers.apps.teaching_view import ViewCache, view_key
from helpers.config import load_config


@pytest.fixture(scope="module")
def config() -> dict:
    # what a served class's kernels read: the config as the server wrote it (JSON)
    return json.loads(json.dumps(load_config(paths.SAMPLE_CONFIG), default=str))


@pytest.fixture()
def folder(tmp_path, config):
    (tmp_path / world_server.CONFIG_FILE).write_text(json.dumps(config))
    return tmp_path


def test_neighbours_start_at_the_default_one_control_away(config) -> None:
    default = teaching_model.default_assumptions(config)
    seen = list(world_server.neighbours(config))
    assert seen[0] == default and len(seen) == len(set(seen))
    for assumptions in seen[1:]:
        changed = [
            f.name
            for f in dataclasses.fields(default)
            if getattr(assumptions, f.name) != getattr(default, f.name)
        ]
        assert len(changed) == 1, changed
    steps = [a.discount_curve for a in seen if a.discount_curve != default.discount_curve]
    assert [abs(s - default.discount_curve) for s in steps][:2] == pytest.approx([0.1, 0.1])


def test_a_request_is_rendered_by_a_renderer(folder, config) -> None:
    cache = ViewCache(folder)
    wanted = dataclasses.replace(teaching_model.default_assumptions(config), discount_curve=0.0)
    key = view_key(wanted, config, int(config["explorer"]["figure_dpi"]))
    assert world_server.request_view(cache, key, wanted, timeout=0) is None
    assert (folder / f"{key}.request").exists()
    renderer = world_server.Renderer(folder)
    assert renderer.step(), "the request is answered before any pre-rendering"
    assert not (folder / f"{key}.request").exists()
    view = cache.get(key)
    assert view is not None and view.assumptions == wanted
    local = teaching_model.build_state(wanted, config, folder / "local")
    assert view.headline["top_profit_share"] == pytest.approx(local.headline["top_profit_share"])


def test_a_served_kernel_builds_no_world(folder, config, monkeypatch) -> None:
    monkeypatch.setenv("SCBP_TEACHING_CACHE", str(folder))
    renderer = world_server.Renderer(folder)
    assert renderer.step(), "idle: the default world is rendered ahead"
    session = teaching.open_session("", "", "", interactive=True)
    assert session.served and session.state is None, "read from the class's cache"
    assert session.view.figures and session.view.findings["whale"]


def test_a_renderer_starts_a_cost_move_from_the_world_it_kept(folder, config) -> None:
    renderer = world_server.Renderer(folder)
    dpi = renderer.dpi
    default = teaching_model.default_assumptions(config)
    other = dataclasses.replace(default, discount_curve=0.0)
    for assumptions in (default, other):  # two students, two worlds, in turn
        renderer.render(view_key(assumptions, config, dpi), assumptions)
    costlier = dataclasses.replace(default, cost_per_order=default.cost_per_order * 2)
    renderer.render(view_key(costlier, config, dpi), costlier)
    built = renderer.states[-1]
    assert built.assumptions == costlier
    assert "world" not in built.seconds, "re-costed from the default world it kept"
    layered = dataclasses.replace(other, approval_layers=other.approval_layers + 1)
    assert renderer._nearest(layered).assumptions == other, "only its quotes differ"
    assert len(renderer.states) == 2, "one kept state per world"


def test_one_step_away_stays_in_the_sliders_ranges(config) -> None:
    default = teaching_model.default_assumptions(config)
    low = dataclasses.replace(default, approval_layers=1, discount_curve=0.0)
    nearby = world_server.one_step_away(low, config)
    assert all(a.approval_layers >= 1 and a.discount_curve >= 0 for a in nearby)
    changed = [
        [f.name for f in dataclasses.fields(a) if getattr(a, f.name) != getattr(low, f.name)]
        for a in nearby
    ]
    assert all(len(names) == 1 for names in changed), "one control at a time"
    assert ["approval_layers"] in changed and ["flat"] in changed
    assert sum(names == ["discount_curve"] for names in changed) == 1, "none below its minimum"


def test_after_a_request_a_renderer_draws_the_students_next_moves_first(folder, config) -> None:
    cache = ViewCache(folder)
    dpi = int(config["explorer"]["figure_dpi"])
    asked = dataclasses.replace(teaching_model.default_assumptions(config), discount_curve=0.5)
    world_server.request_view(cache, view_key(asked, config, dpi), asked, timeout=0)
    renderer = world_server.Renderer(folder)
    assert renderer.step() and renderer.states[-1].assumptions == asked
    assert renderer.step(), "idle: it draws ahead"
    drawn = renderer.states[-1].assumptions
    assert drawn in world_server.one_step_away(asked, config), "a step from the student"
    assert cache.get(view_key(drawn, config, dpi)) is not None


def test_answering_and_drawing_ahead_are_split_between_roles(folder, config) -> None:
    cache = ViewCache(folder)
    dpi = int(config["explorer"]["figure_dpi"])
    asked = dataclasses.replace(teaching_model.default_assumptions(config), discount_curve=0.5)
    ahead = world_server.Renderer(folder, "ahead")
    answer = world_server.Renderer(folder, "answer")
    world_server.request_view(cache, view_key(asked, config, dpi), asked, timeout=0)
    assert ahead.step() and not ahead.states[-1].assumptions == asked, "ahead answers no one"
    assert answer.step() and answer.states[-1].assumptions == asked
    assert not answer.step(), "an answering renderer never draws ahead"
    assert ahead.step(), "told what was asked, it draws a step from it"
    assert ahead.states[-1].assumptions in world_server.one_step_away(asked, config)
    assert not list(folder.glob("*.asked")), "the note is taken"
    with pytest.raises(ValueError, match="expected one of"):
        world_server.Renderer(folder, "both ways")
