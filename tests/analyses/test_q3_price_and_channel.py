"""helpers.q3_price_and_channel: the Q3 what-if simulator on a small hand-built ledger."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import q3_price_and_channel as scenarios
from helpers.apps.scenario_controls import scenario_widgets
from helpers.config import defaults
from helpers.schema import UNATTRIBUTED

TIERS = ["micro", "small", "medium", "large"]
OFF = {name: {"enabled": False} for name in scenarios.LEVERS}


@pytest.fixture(scope="module")
def config() -> dict:
    cfg = defaults()
    cfg["name"] = "test"
    return cfg


def make_world(n: int = 80, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A ledger and its orders: each customer's order values and channel."""
    rng = np.random.default_rng(seed)
    tier = rng.choice(TIERS, n, p=[0.4, 0.3, 0.2, 0.1])
    size = pd.Series(tier).map({"micro": 80, "small": 200, "medium": 900, "large": 4000})
    rows = []
    for i in range(n):
        for j in range(int(rng.integers(1, 12))):
            rows.append(
                {
                    "customer_id": f"C{i:03d}",
                    "order_id": f"O{i:03d}-{j}",
                    "value": float(size[i] * rng.lognormal(0, 0.7)),
                    "channel": rng.choice(["field", "online", "telesales"]),
                }
            )
    orders = pd.DataFrame(rows)
    per = orders.groupby("customer_id")["value"].agg(["size", "sum"])
    ids = [f"C{i:03d}" for i in range(n)]
    n_orders = per.loc[ids, "size"].to_numpy().astype(float)
    net = per.loc[ids, "sum"].to_numpy()
    disc_rate = np.where(np.isin(tier, ["large", "medium"]), rng.uniform(0.05, 0.25, n), 0.02)
    listed = net / (1 - disc_rate)
    visits = np.round(n_orders * rng.uniform(0, 0.5, n))
    calls = np.round(n_orders * 0.3)
    led = pd.DataFrame(
        {
            "customer_id": ids,
            "size_tier": pd.Categorical(tier, categories=TIERS, ordered=True),
            "list_revenue": listed,
            "discounts": listed - net,
            "net_revenue": net,
            "cogs": 0.7 * net,
            "orders": n_orders.astype(int),
            "drv_order_processing": n_orders,
            "drv_delivery": n_orders,
            "drv_line_picking": 2 * n_orders,
            "drv_sales_visit": visits,
            "drv_telesales_call": calls,
            "drv_payment_financing": net * 30 / 365,
        }
    )
    rates = {"order_processing": 5.0, "delivery": 12.0, "line_picking": 1.5, "sales_visit": 180.0,
             "telesales_call": 22.5, "payment_financing": 0.08}  # fmt: skip
    for a, r in rates.items():
        led[f"cts_{a}"] = r * led[f"drv_{a}"]
    led["gross_margin"] = led["net_revenue"] - led["cogs"]
    led["cost_to_serve"] = led[[f"cts_{a}" for a in rates]].sum(axis=1)
    led["profit"] = led["gross_margin"] - led["cost_to_serve"]
    extra = led.iloc[[0]].assign(customer_id=UNATTRIBUTED, size_tier=np.nan)
    return pd.concat([led, extra], ignore_index=True), orders


@pytest.fixture(scope="module")
def world() -> tuple[pd.DataFrame, pd.DataFrame]:
    return make_world()


def only(lever: str, **params) -> dict:
    """Every lever off except ``lever``, with ``params``."""
    return {**OFF, lever: {"enabled": True, **params}}


def test_no_op_scenario_changes_nothing(world, config) -> None:
    ledger, orders = world
    scen = scenarios.simulate(ledger, config, OFF, orders)
    c = scen.customers
    assert (c["change"] == 0).all()
    assert (c["profit_after"] == c["profit_before"]).all()
    assert scen.totals["customers_lost"] == 0 and scen.totals["fees"] == 0
    assert UNATTRIBUTED not in set(c["customer_id"])
    assert scenarios.lever_contributions(ledger, config, OFF, orders).empty


@pytest.mark.parametrize(
    ("lever", "params"),
    [
        ("small_order_fee", {"fee": 0.0}),
        ("small_order_fee", {"threshold": 0.0}),
        ("small_order_fee", {"threshold": 0.0, "mode": "minimum"}),
        ("channel_migration", {"migration_rate": 0.0}),
        ("discount_cap", {"cap": 1.0}),
        ("telesales_for_visits", {"replace_share": 0.0}),
    ],
    ids=["fee-zero", "threshold-zero", "minimum-zero", "migrate-none", "cap-100", "replace-none"],
)
def test_a_lever_at_zero_equals_the_baseline(world, config, lever, params) -> None:
    ledger, orders = world
    scen = scenarios.simulate(ledger, config, only(lever, **params), orders)
    assert scen.totals["change"] == pytest.approx(0.0, abs=1e-6)
    assert (scen.customers["profit_after"] == scen.customers["profit_before"]).all()


def test_fee_without_any_response_adds_fee_times_small_orders(world, config) -> None:
    ledger, orders = world
    params = {"fee": 10.0, "threshold": 150.0, "consolidate_share": 0.0,
              "customers_lost_share": 0.0, "price_elasticity": 0.0, "tiers": "all"}  # fmt: skip
    scen = scenarios.simulate(ledger, config, only("small_order_fee", **params), orders)
    below = (orders["value"] < 150.0).sum()
    assert scen.totals["fees"] == pytest.approx(10.0 * below)
    assert scen.totals["change"] == pytest.approx(10.0 * below)


def test_minimum_order_refuses_the_small_orders(world, config) -> None:
    ledger, orders = world
    params = {"mode": "minimum", "threshold": 150.0, "consolidate_share": 0.0,
              "customers_lost_share": 0.0, "tiers": "all"}  # fmt: skip
    scen = scenarios.simulate(ledger, config, only("small_order_fee", **params), orders)
    lost_value = orders.loc[orders["value"] < 150.0, "value"].sum()
    before = scen.customers["net_revenue_before"].sum()
    assert scen.customers["net_revenue_after"].sum() == pytest.approx(before - lost_value)


def test_discount_cap_recovers_discount_above_the_cap(world, config) -> None:
    ledger, orders = world
    params = {"cap": 0.10, "customers_lost_share": 0.0, "price_elasticity": 0.0}
    scen = scenarios.simulate(ledger, config, only("discount_cap", **params), orders)
    led = ledger.loc[ledger["customer_id"] != UNATTRIBUTED]
    big = led["size_tier"].isin(["medium", "large"])
    rate = led["discounts"] / led["list_revenue"]
    expected = ((rate - 0.10).clip(lower=0) * led["list_revenue"])[big].sum()
    assert scen.totals["change"] == pytest.approx(expected)
    assert scen.by_segment.set_index("segment").loc[["micro", "small"], "change"].abs().sum() == 0


def test_telesales_swaps_visit_cost_for_call_cost(world, config) -> None:
    ledger, orders = world
    params = {"replace_share": 1.0, "calls_per_visit": 2.0, "revenue_change": 0.0,
              "customers_lost_share": 0.0, "tiers": "all"}  # fmt: skip
    scen = scenarios.simulate(ledger, config, only("telesales_for_visits", **params), orders)
    led = ledger.loc[ledger["customer_id"] != UNATTRIBUTED]
    visits = led["drv_sales_visit"].sum()
    assert scen.totals["change"] == pytest.approx(visits * (180.0 - 2 * 22.5))


def test_migration_to_a_channel_like_today_changes_nothing(world, config) -> None:
    ledger, orders = world
    cfg = {**config, "scenarios": {**config["scenarios"], "channels": {
        "mirror": {"activity_multipliers": {}, "price_change": 0.0, "partner_margin": 0.0,
                   "volume_change": 0.0, "lost_share": 0.0}}}}  # fmt: skip
    scen = scenarios.simulate(
        ledger, cfg, only("channel_migration", target="mirror", migration_rate=0.6), orders
    )
    assert scen.totals["change"] == pytest.approx(0.0, abs=1e-6)


def test_unknown_lever_or_channel_is_named(world, config) -> None:
    ledger, orders = world
    with pytest.raises(ValueError, match="unknown lever"):
        scenarios.simulate(ledger, config, {"free_lunch": {"enabled": True}}, orders)
    with pytest.raises(ValueError, match="channel_migration.target 'moon'"):
        scenarios.simulate(ledger, config, only("channel_migration", target="moon"), orders)


@given(
    fee=st.floats(0, 60),
    threshold=st.floats(0, 400),
    consolidate=st.floats(0, 1),
    lost=st.floats(0, 0.5),
    elasticity=st.floats(0, 3),
    migrate=st.floats(0, 1),
    cap=st.floats(0, 0.3),
    replace=st.floats(0, 1),
    mode=st.sampled_from(["fee", "minimum"]),
    target=st.sampled_from(["online", "distributor", "telesales"]),
)
@settings(max_examples=25, deadline=None)
def test_profit_changes_add_up(
    world, config, fee, threshold, consolidate, lost, elasticity, migrate, cap, replace, mode,
    target,
) -> None:  # fmt: skip
    ledger, orders = world
    overrides = {
        "small_order_fee": {"enabled": True, "fee": fee, "threshold": threshold, "mode": mode,
                            "consolidate_share": consolidate, "customers_lost_share": lost,
                            "price_elasticity": elasticity},
        "channel_migration": {"enabled": True, "migration_rate": migrate, "target": target},
        "discount_cap": {"enabled": True, "cap": cap},
        "telesales_for_visits": {"enabled": True, "replace_share": replace},
    }  # fmt: skip
    scen = scenarios.simulate(ledger, config, overrides, orders)
    seg = scen.by_segment
    body, total = seg.iloc[:-1], seg.iloc[-1]
    assert body["change"].sum() == pytest.approx(total["change"], rel=1e-9, abs=1e-6)
    assert scen.customers["change"].sum() == pytest.approx(total["change"], rel=1e-9, abs=1e-6)
    assert total["profit_after"] - total["profit_before"] == pytest.approx(total["change"])
    assert ((scen.customers["retained"] >= 0) & (scen.customers["retained"] <= 1)).all()
    assert 0 <= total["customers_lost"] <= total["customers"]
    contrib = scenarios.lever_contributions(ledger, config, overrides, orders)
    assert contrib["change"].sum() == pytest.approx(total["change"], rel=1e-9, abs=1e-6)


def test_break_even_curve_crosses_zero_at_break_even(world, config) -> None:
    ledger, orders = world
    curves = scenarios.break_even_curves(ledger, config, orders)
    assert curves.iloc[0]["channel"] == "today"
    assert set(curves["channel"]) == {"today", *config["scenarios"]["channels"]}
    for r in curves.dropna(subset=["break_even_order_value"]).itertuples():
        assert r.margin_rate * r.break_even_order_value - r.cost_per_order == pytest.approx(0)
    assert set(curves.attrs["curve"]["channel"]) == set(curves["channel"])
    # the automatic fee threshold is today's break-even order value
    levers = scenarios.resolve_levers(ledger, config, scenarios.scenario_levers(config))
    assert levers["small_order_fee"]["threshold"] == pytest.approx(
        curves.iloc[0]["break_even_order_value"]
    )


def test_tornado_grid_findings_and_figures(world, config) -> None:
    import json

    import matplotlib.pyplot as plt

    ledger, orders = world
    tor = scenarios.tornado(ledger, config, orders)
    assert len(tor) == len(config["scenarios"]["tornado"])
    assert tor["swing"].is_monotonic_decreasing
    grid = scenarios.scenario_grid(ledger, config, orders)
    sizes = [len(v) for v in config["scenarios"]["grid"].values()]
    assert len(grid) == int(np.prod(sizes)) and grid["default"].sum() == 1
    default = scenarios.simulate(ledger, config, None, orders)
    assert grid.loc[grid["default"], "change"].iloc[0] == pytest.approx(default.totals["change"])
    contrib = scenarios.lever_contributions(ledger, config, None, orders)
    curves = scenarios.break_even_curves(ledger, config, orders)
    metrics = scenarios.q3_metrics(default, contrib, curves, tor, config)
    json.dumps(metrics, allow_nan=False)
    assert metrics["default_scenario_profit_change"] == pytest.approx(default.totals["change"])
    findings = scenarios.q3_findings(default, contrib, curves, tor, config)
    assert findings[0].startswith("Default scenario")
    assert any(f.startswith(("Action:", "Do not:")) for f in findings)
    for ax in (
        scenarios.plot_profit_by_segment(default),
        scenarios.plot_break_even(curves),
        scenarios.plot_tornado(tor),
    ):
        assert ax.get_title(loc="left")
    plt.close("all")


def test_widgets_build_without_orders(world, config) -> None:
    ledger, _ = world
    box = scenario_widgets(ledger, config, None)
    assert len(box.children[0].children) == len(config["scenarios"]["sliders"]) + 1


def test_the_sensitivity_sentence_says_which_value_flips_the_verdict() -> None:
    from helpers.q3_price_and_channel import headline
    from helpers.q3_price_and_channel.wording import RAISES

    table = pd.DataFrame(
        [{"assumption": "discount_cap.customers_lost_share", "low": 0.0, "high": 0.6,
          "change_at_low": 900.0, "change_at_high": -150.0},
         {"assumption": "small_order_fee.price_elasticity", "low": 0.0, "high": 2.0,
          "change_at_low": 500.0, "change_at_high": 100.0}]
    )  # fmt: skip
    said = headline._sensitivity_sentences(table, RAISES)
    assert said[0].startswith(
        "The result moves most with the share of capped big accounts who leave"
    )
    assert said[1] == (
        "The gain turns into a loss if the share of capped big accounts who leave is 0.6 "
        "(tested 0 to 0.6)."
    )


def test_an_order_book_gives_every_scenario_the_numbers_it_gets_alone(world, config) -> None:
    ledger, orders = world
    book = scenarios.OrderBook(orders)
    for overrides in (
        None,
        {"small_order_fee.fee": 0.0},
        {"channel_migration.migration_rate": 0.9},
    ):
        alone = scenarios.simulate(ledger, config, overrides, orders)
        shared = scenarios.simulate(ledger, config, overrides, book)
        pd.testing.assert_frame_equal(shared.customers, alone.customers, check_exact=True)
        assert shared.findings == alone.findings
    assert scenarios.OrderBook.of(book) is book and scenarios.OrderBook.of(None) is None
    assert len(book) == len(orders) and book.habit() is book.habit()  # computed once


def test_an_order_book_without_channels_moves_every_eligible_customer(world, config) -> None:
    ledger, orders = world
    book = scenarios.OrderBook(orders.drop(columns=["channel"]))
    assert book.habit() is None
    moved = scenarios.simulate(ledger, config, only("channel_migration"), book)
    assert "No order channels: every eligible customer counts as movable." in moved.findings
