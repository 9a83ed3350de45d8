"""helpers.q3_price_and_channel.simulator: prepared once, each scenario equals its own evaluation."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from q3_reference import reference_simulate
from question_books import KINDS, book

from helpers import q3_price_and_channel as scenarios
from helpers.config import defaults
from helpers.ledger.levels import LEVELS
from helpers.q3_price_and_channel.simulator import Simulator

TIERS = ("all", "small", ["micro"], ["medium", "large"])


@pytest.fixture(scope="module")
def config() -> dict:
    cfg = defaults()
    cfg["name"] = "test"
    return cfg


def _same(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(fast, slow, check_exact=False, rtol=1e-12)


overrides = st.fixed_dictionaries(
    {
        "discount_cap.enabled": st.booleans(),
        "discount_cap.cap": st.sampled_from([0.0, 0.05, 0.12, 1.0]),
        "discount_cap.tiers": st.sampled_from(TIERS),
        "telesales_for_visits.enabled": st.booleans(),
        "telesales_for_visits.replace_share": st.sampled_from([0.0, 0.5, 1.0]),
        "telesales_for_visits.tiers": st.sampled_from(TIERS),
        "small_order_fee.enabled": st.booleans(),
        "small_order_fee.mode": st.sampled_from(["fee", "minimum"]),
        "small_order_fee.fee": st.sampled_from([0.0, 2.5, "auto"]),
        "small_order_fee.threshold": st.sampled_from([0.0, 80.0, 400.0, "auto"]),
        "small_order_fee.tiers": st.sampled_from(TIERS),
        "channel_migration.enabled": st.booleans(),
        "channel_migration.target": st.sampled_from(["online", "distributor", "telesales"]),
        "channel_migration.migration_rate": st.sampled_from([0.0, 0.25, 1.0]),
        "channel_migration.only_unprofitable": st.booleans(),
        "channel_migration.tiers": st.sampled_from(TIERS),
    }
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(KINDS),
    seed=st.integers(0, 10_000),
    size=st.integers(1, 40),
    level=st.sampled_from([None, *LEVELS]),
    multiplier=st.sampled_from([1.0, 0.0, 2.5]),
    with_orders=st.booleans(),
    changes=overrides,
)
def test_simulate_equals_the_straightforward_evaluation(
    config, kind, seed, size, level, multiplier, with_orders, changes
) -> None:
    ledger, orders = book(size, seed, kind)
    orders = orders if with_orders else None
    scenario = scenarios.simulate(ledger, config, changes, orders, level, multiplier)
    table, customers, reach = reference_simulate(ledger, config, changes, orders, level, multiplier)
    _same(scenario.table, table)
    _same(scenario.customers, customers)
    assert scenario.reach == reach


def test_one_simulator_gives_each_scenario_its_own_numbers(config) -> None:
    """Scenarios run one after another on a simulator equal those run alone (no leftovers)."""
    ledger, orders = book(60, 3, "random")
    untouched = ledger.copy()
    simulator = Simulator(ledger, config, orders)
    for changes in ({"small_order_fee.fee": 1.0}, None, {"channel_migration.target": "telesales"}):
        alone = scenarios.simulate(ledger, config, changes, orders).totals
        assert simulator.totals(changes) == pytest.approx(alone, rel=1e-12, nan_ok=True)
    pd.testing.assert_frame_equal(ledger, untouched)


@pytest.mark.parametrize("kind", ["random", "negative", "no_channel"])
def test_tornado_and_grid_equal_one_evaluation_per_scenario(config, kind) -> None:
    ledger, orders = book(50, 7, kind)

    def change(changes: dict[str, Any] | None) -> float:
        table, _, _ = reference_simulate(ledger, config, changes, orders)
        return float(table.iloc[-1]["change"])

    tornado = scenarios.tornado(ledger, config, orders)
    for row in tornado.itertuples():
        assert row.change_at_low == pytest.approx(
            change({row.assumption: row.low}), rel=1e-12, abs=1e-9
        )
        assert row.change_at_high == pytest.approx(
            change({row.assumption: row.high}), rel=1e-12, abs=1e-9
        )
        assert row.base_change == pytest.approx(change(None), rel=1e-12, abs=1e-9)
    grid = scenarios.scenario_grid(ledger, config, orders)
    keys = list(config["scenarios"]["grid"])
    for row in grid.to_dict("records"):
        expected = change({key: row[key] for key in keys})
        assert row["change"] == pytest.approx(expected, rel=1e-12, abs=1e-9)
