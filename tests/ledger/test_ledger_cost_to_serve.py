"""helpers.ledger.cost_to_serve: the default rates, time equations, sources, capacity pools, config errors,
and cost to serve linear in every rate (property)."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.config import ConfigError, defaults
from helpers.ledger import cost_to_serve as costing


@pytest.fixture()
def config() -> dict:
    return defaults()


def _drivers(n: int = 4, seed: int = 0) -> pd.DataFrame:
    """A ledger-like frame with every driver column the default activities need."""
    rng = np.random.default_rng(seed)
    d = pd.DataFrame(
        {
            "drv_order_processing": rng.integers(0, 50, n).astype(float),
            "drv_line_picking": rng.integers(0, 200, n).astype(float),
            "drv_delivery_standard": rng.integers(0, 20, n).astype(float),
            "drv_delivery_express": rng.integers(0, 20, n).astype(float),
            "drv_delivery_pickup": rng.integers(0, 20, n).astype(float),
            "drv_sales_visit": rng.integers(0, 10, n).astype(float),
            "drv_telesales_call": rng.integers(0, 10, n).astype(float),
            "drv_support_ticket": rng.integers(0, 10, n).astype(float),
            "drv_return_handling": rng.integers(0, 5, n).astype(float),
            "drv_key_account_management": rng.uniform(0, 3, n),
            "drv_payment_financing": rng.uniform(-100, 1e5, n),
            "drv_promotional_fees": rng.uniform(0, 1e6, n),
            "lines": rng.integers(0, 200, n).astype(float),
        }
    )
    unknown_mode = rng.integers(0, 3, n)
    d["drv_delivery"] = (
        d[["drv_delivery_standard", "drv_delivery_express", "drv_delivery_pickup"]].sum(axis=1)
        + unknown_mode
    )
    return d


def test_default_rates_are_the_default_world_rates(config: dict) -> None:
    model = costing.cost_model(config).set_index("activity")["unit_cost"]
    assert model["order_processing"] == pytest.approx(6 * 0.8)
    assert model["line_picking"] == pytest.approx(1.5 * 0.9)
    assert model["sales_visit"] == 180
    assert model["telesales_call"] == pytest.approx(15 * 1.5)
    assert model["support_ticket"] == pytest.approx(20 * 0.8)
    assert model["return_handling"] == 25
    assert model["key_account_management"] == 20_000
    assert model["payment_financing"] == 0.08


def test_apply_rates_by_hand(config: dict) -> None:
    d = pd.DataFrame(
        {c: [0.0] for c in _drivers().columns}
        | {"drv_order_processing": [2.0], "drv_delivery": [4.0], "drv_delivery_standard": [1.0],
           "drv_delivery_express": [1.0], "drv_delivery_pickup": [1.0],
           "drv_payment_financing": [1000.0]}
    )  # fmt: skip
    cts = costing.apply_rates(d, config).iloc[0]
    assert cts["cts_order_processing"] == pytest.approx(9.6)
    assert cts["cts_delivery"] == pytest.approx(12 + 30 + 0 + 12)  # the unknown mode at 12
    assert cts["cts_payment_financing"] == pytest.approx(80.0)
    assert cts.drop(["cts_order_processing", "cts_delivery", "cts_payment_financing"]).sum() == 0


def test_recorded_minutes_win_over_the_time_equation(config: dict) -> None:
    d = _drivers(2)
    d["min_telesales_call"] = [100.0, 0.0]
    cts = costing.apply_rates(d, config)
    assert cts["cts_telesales_call"].tolist() == pytest.approx([150.0, 0.0])


def test_time_equation_with_several_terms(config: dict) -> None:
    config["cost_to_serve"]["activities"]["order_processing"]["minutes"] = {"base": 5, "lines": 0.5}
    d = _drivers(3)
    expected = (5 * d["drv_order_processing"] + 0.5 * d["lines"]) * 0.8
    cts = costing.apply_rates(d, config)
    np.testing.assert_allclose(cts["cts_order_processing"], expected)
    assert "+ 0.5 x lines" in costing.cost_model(config).loc[0, "rate"]


def test_pool_sets_the_rate_and_shows_unused_capacity(config: dict) -> None:
    config["cost_to_serve"]["resources"]["order_desk"].update(
        cost=120_000, practical_capacity_minutes=100_000
    )
    assert costing.resource_rates(config)["order_desk"] == pytest.approx(1.2)
    d = _drivers(3)
    d["first_order"] = pd.Timestamp("2024-01-01")
    d["last_order"] = pd.Timestamp("2024-12-31")
    report = costing.capacity_report(d, config, years=1.0).set_index("resource")
    used = 6 * d["drv_order_processing"].sum()
    desk = report.loc["order_desk"]
    assert desk["minutes_used"] == pytest.approx(used)
    assert desk["cost_assigned"] + desk["unused_cost"] == pytest.approx(120_000)
    assert desk["utilisation"] == pytest.approx(used / 100_000)
    assert np.isnan(report.loc["warehouse", "pool_cost"])  # no pool: nothing to compare
    assert "unused capacity" in costing.capacity_findings(report.reset_index())[0]
    # the customers' cost uses the pool's rate: nothing of the unused capacity is spread
    cts = costing.apply_rates(d, config)["cts_order_processing"].sum()
    assert cts == pytest.approx(desk["cost_assigned"])


def test_no_pools_says_so(config: dict) -> None:
    d = _drivers(2).assign(
        first_order=pd.Timestamp("2024-01-01"), last_order=pd.Timestamp("2024-06-30")
    )
    report = costing.capacity_report(d, config)
    assert "No resource pools" in costing.capacity_findings(report)[0]


def test_sources_and_their_sentence(config: dict) -> None:
    src = costing.activity_sources(
        config, measured_activities={"sales_visit"}, customer_columns=set()
    )
    assert src["sales_visit"] == "measured" and src["telesales_call"] == "assumed"
    assert src["key_account_management"] == "assumed" and src["line_picking"] == "derived"
    sentence = costing.describe_sources(costing.cost_model(config, src))
    assert sentence.startswith("Cost-to-serve drivers: 1 measured (sales visit)")
    assert "assumed (telesales call, support ticket" in sentence


def test_assumed_drivers_come_from_other_drivers(config: dict) -> None:
    base = pd.DataFrame({"orders": [10.0, 0.0], "key_account_years": [1.0, 0.0],
                         "customer_years": [2.0, 1.0], "lines": [30.0, 0.0]}).assign(
        **{c: 0.0 for c in costing.BASE_DRIVERS if c not in ("orders", "key_account_years",
                                                             "customer_years", "lines")}
    )  # fmt: skip
    src = costing.activity_sources(config, measured_activities=set(), customer_columns=set())
    drv = costing.activity_drivers(base, config, src)
    assert drv["drv_sales_visit"].tolist() == pytest.approx([10 * 0.05 + 12, 0.0])
    assert drv["drv_telesales_call"].tolist() == pytest.approx([10 * 0.25 + 2, 1.0])


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        (
            {"order_processing": {"driver": "orders", "minutes": 6, "resource": "nobody"}},
            "resource",
        ),
        ({"order_processing": {"driver": "orders"}}, "needs a 'rate'"),
        ({"x": {"driver": "widgets", "rate": 1}}, "driver 'widgets'"),
        ({"x": {"driver": "orders", "rate": 1, "minutes": 2, "resource": "warehouse"}}, "not both"),
        ({"x": {"driver": "orders", "by": "ship_mode", "rates": {"a": 1}}}, "deliveries"),
    ],
    ids=["unknown-resource", "no-rate", "unknown-driver", "rate-and-minutes", "by-not-deliveries"],
)
def test_config_errors_name_the_activity(config: dict, patch: dict, message: str) -> None:
    config["cost_to_serve"]["activities"].update(patch)
    with pytest.raises(ConfigError, match=message):
        costing.apply_rates(_drivers(1), config)


def test_activity_switched_off(config: dict) -> None:
    config["cost_to_serve"]["activities"]["promotional_fees"] = None
    assert "cts_promotional_fees" not in costing.apply_rates(_drivers(1), config)


# ---- property: cost to serve is linear in each rate ---------------------------------------
RATES = [
    ("activities", "sales_visit", "rate"),
    ("activities", "return_handling", "rate"),
    ("activities", "key_account_management", "rate"),
    ("activities", "payment_financing", "rate"),
    ("activities", "promotional_fees", "rate"),
    ("activities", "delivery", "rates"),
    ("resources", "order_desk", "cost_per_minute"),
    ("resources", "warehouse", "cost_per_minute"),
    ("resources", "telesales", "cost_per_minute"),
    ("resources", "support", "cost_per_minute"),
]
AFFECTS = {"order_desk": ["order_processing"], "warehouse": ["line_picking"],
           "telesales": ["telesales_call"], "support": ["support_ticket"]}  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    which=st.sampled_from(RATES),
    k=st.floats(0.0, 50.0, allow_nan=False),
    seed=st.integers(0, 1000),
)
def test_cost_to_serve_is_linear_in_each_rate(
    which: tuple[str, str, str], k: float, seed: int
) -> None:
    config = defaults()
    d = _drivers(5, seed)
    d["min_support_ticket"] = np.arange(5) * 7.0  # recorded minutes scale with the rate too
    before = costing.apply_rates(d, config)
    section, name, key = which
    spec = config["cost_to_serve"][section][name]
    if key == "rates":  # every rate of the activity scaled together (incl. the fallback rate)
        spec["rates"] = {m: v * k for m, v in spec["rates"].items()}
        spec["rate"] = spec["rate"] * k
    else:
        spec[key] = spec[key] * k
    after = costing.apply_rates(d, config)
    touched = [f"cts_{a}" for a in AFFECTS.get(name, [name])]
    np.testing.assert_allclose(after[touched], before[touched] * k, rtol=1e-12, atol=1e-9)
    rest = [c for c in before.columns if c not in touched]
    pd.testing.assert_frame_equal(after[rest], before[rest])


def test_cost_to_serve_adds_up_over_customers(config: dict) -> None:
    """Cost of a merged customer = sum of the parts' costs (drivers are additive)."""
    d = _drivers(6, 3)
    kept = (copy.deepcopy(config), d.copy())
    whole = costing.apply_rates(d.sum().to_frame().T, config).iloc[0]
    parts = costing.apply_rates(d, config).sum()
    np.testing.assert_allclose(whole, parts)
    assert config == kept[0]  # inputs are not mutated
    pd.testing.assert_frame_equal(d, kept[1])


def test_delivery_rates_scaled_to_the_data_read_rounded() -> None:
    spec = {"rates": {"standard": 3.0392, "express": 7.598, "pickup": 0, "freight": 1234.56},
            "rate": 10.0}  # fmt: skip
    assert costing._rate_text(spec, {}) == (
        "per delivery by ship mode: standard 3.04, express 7.6, pickup 0, freight 1,235; other 10"
    )
