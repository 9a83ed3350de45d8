"""The teaching world built in memory (pandas) equals the world written, ingested and built on
DuckDB: the same ledger, the same headline figures, on the default world and slider settings."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from helpers import paths, world
from helpers.apps import teaching_model, teaching_world
from helpers.config import load_config

RTOL = 1e-9
#: slider settings the two paths are compared on (besides the default world)
SETTINGS = {
    "default": {},
    "many-big-accounts": {"big_share": 0.45},
    "flat-discounts": {"discount_curve": 0.0},
    "steep-discounts-costly-orders": {"discount_curve": 2.0, "cost_per_order": 60.0},
    "flat-world": {"flat": True},
    "closures-and-layers": {"first_year_closure": 0.5, "approval_layers": 6},
}


@pytest.fixture(scope="module")
def config() -> dict:
    return load_config(paths.SAMPLE_CONFIG)


@pytest.fixture(scope="module")
def defaults(config) -> teaching_model.Assumptions:
    return teaching_model.default_assumptions(config)


@pytest.fixture(scope="module")
def pairs(config, defaults, tmp_path_factory) -> dict:
    """Per setting: (state in memory, state on the engine)."""
    out = {}
    for name, change in SETTINGS.items():
        assumptions = dataclasses.replace(defaults, **change)
        folder = tmp_path_factory.mktemp(name)
        out[name] = (
            teaching_model.build_state(assumptions, config),
            teaching_model.build_state(assumptions, config, folder),
        )
    return out


def _headline_differences(fast: dict, full: dict) -> list[str]:
    """The headline figures that differ beyond ``RTOL`` (NaN equals NaN)."""
    out = []
    for key in sorted(set(fast) | set(full)):
        if key.startswith("_"):
            continue
        a, b = fast.get(key), full.get(key)
        if isinstance(a, float | int) and isinstance(b, float | int):
            same = (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=RTOL)
        else:
            same = a == b
        if not same:
            out.append(f"{key}: {a!r} != {b!r}")
    return out


def _profits(state: teaching_model.TeachingState) -> pd.Series:
    return state.ledger.set_index("customer_id")["profit"].sort_index()


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_in_memory_world_has_the_engine_path_figures(pairs, setting: str) -> None:
    fast, full = pairs[setting]
    assert not _headline_differences(fast.headline, full.headline)
    pd.testing.assert_series_equal(_profits(fast), _profits(full), rtol=RTOL, atol=0)
    pd.testing.assert_frame_equal(fast.ledger, full.ledger, rtol=RTOL)


def test_the_comparison_catches_a_dropped_cost_term(pairs) -> None:
    """Dropping any activity that costs something from the profit breaks the equality above."""
    fast, full = pairs["default"]
    costed = [c for c in fast.ledger.columns if c.startswith("cts_") and fast.ledger[c].abs().sum()]
    assert len(costed) >= 5, "the world costs several activities"
    for column in costed:
        dropped = fast.ledger.assign(profit=fast.ledger["profit"] + fast.ledger[column])
        state = dataclasses.replace(fast, ledger=dropped)
        with pytest.raises(AssertionError):
            pd.testing.assert_series_equal(_profits(state), _profits(full), rtol=RTOL, atol=0)
        headline = teaching_model.headline_figures(state)
        assert _headline_differences(headline, full.headline), f"{column} dropped unnoticed"


def test_in_memory_world_writes_no_file(config, defaults, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    teaching_model.build_state(dataclasses.replace(defaults, big_share=0.3), config)
    assert not list(tmp_path.iterdir())


def test_canonical_lines_follow_ingest_arithmetic(config, defaults) -> None:
    generated = world.generate(teaching_model.world_params(defaults, config))
    raw = generated["order_lines"]
    lines = teaching_world.canonical_tables(generated)["order_lines"]
    expected = raw["quantity"] * raw["unit_price"] - raw["discount"]
    np.testing.assert_allclose(lines["revenue"], expected, rtol=1e-12)
    np.testing.assert_allclose(lines["cost"], raw["quantity"] * raw["unit_cost"], rtol=1e-12)
    assert (lines["is_return"] == (raw["quantity"] < 0)).all()
    assert "unit_cost" in raw and "unit_cost" not in lines, "the world frame is not changed"
