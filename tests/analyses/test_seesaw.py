"""helpers.seesaw: tier shares, the price-to-profit bridge, the Theil-Sen trend and its findings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.axes import Axes

from helpers import seesaw
from helpers.config import defaults
from helpers.schema import UNATTRIBUTED

TIERS = ["micro", "small", "medium", "large"]


def _ledger(net: np.ndarray, margin: np.ndarray, big_discount: float = 0.2) -> pd.DataFrame:
    """A synthetic ledger whose size tiers follow revenue and whose P&L adds up:
    list - discounts - rebates = net; net - cogs = gross margin; gross margin - cts = profit."""
    n = len(net)
    tier = pd.Categorical(
        np.array(TIERS)[np.digitize(net, [2e3, 2e4, 2e5])], categories=TIERS, ordered=True
    )
    share = np.where(net >= 2e5, big_discount, 0.02)  # discount share of list price
    lst = net / (1 - share)
    profit = net * margin
    cts_visit = 0.05 * net + 200.0  # a fixed cost per customer weighs on small ones
    cts_fin = 0.01 * net
    cogs = net - profit - cts_visit - cts_fin
    led = pd.DataFrame(
        {
            "customer_id": [f"C{i:04d}" for i in range(n)],
            "size_tier": tier,
            "list_revenue": lst,
            "discounts": 0.75 * (lst - net),
            "rebates": 0.25 * (lst - net),
            "net_revenue": net,
            "cogs": cogs,
            "gross_margin": net - cogs,
            "cts_sales_visit": cts_visit,
            "cts_payment_financing": cts_fin,
            "cost_to_serve": cts_visit + cts_fin,
            "profit": profit,
            "margin_pct": margin,
        }
    )
    return led


def _world(tilt: float, n: int = 600, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    net = 10 ** rng.uniform(2.5, 6.5, n)
    margin = 0.15 + tilt * (np.log10(net) - 4.5) + rng.normal(0, 0.02, n)
    return _ledger(net, margin)


@pytest.fixture(scope="module")
def config() -> dict:
    return defaults()


def test_tier_table_shares_add_up_and_unattributed_is_left_out(config: dict) -> None:
    led = _world(-0.05)
    extra = led.iloc[[0]].assign(customer_id=UNATTRIBUTED, net_revenue=1e9, profit=1e9)
    table = seesaw.tier_table(pd.concat([led, extra], ignore_index=True), config)
    assert table["size_tier"].tolist() == TIERS
    assert table["customers"].sum() == len(led)
    assert table["revenue_share"].sum() == pytest.approx(1.0)
    assert table["profit_share"].sum() == pytest.approx(1.0)
    large = led.loc[led["size_tier"] == "large"]
    assert table.set_index("size_tier").loc["large", "margin_pct"] == pytest.approx(
        large["profit"].sum() / large["net_revenue"].sum()
    )


def test_bridge_steps_add_up_to_list_price(config: dict) -> None:
    table = seesaw.bridge_table(_world(-0.05), config)
    # every step is a share of list revenue, and the report's tables show it as a percentage
    assert set(table.attrs["fraction_columns"]) == set(table.columns) - {"size_tier"}
    bridge = table.set_index("size_tier")
    assert bridge.sum(axis=1).to_numpy() == pytest.approx(np.ones(len(bridge)))
    assert bridge.loc["large", "payment terms (financing)"] == pytest.approx(
        0.01 * (1 - 0.2), rel=0.05
    )
    assert bridge.loc["large", "discounts"] + bridge.loc["large", "rebates"] == pytest.approx(
        0.2, rel=0.01
    )


@pytest.mark.parametrize("tilt", [-0.06, 0.0, 0.04])
def test_theil_sen_recovers_a_known_slope(config: dict, tilt: float) -> None:
    trend = seesaw.fit_trend(_world(tilt, n=800), config)["all"]
    assert trend["ci_low"] <= tilt <= trend["ci_high"]
    assert trend["slope"] == pytest.approx(tilt, abs=0.005)


def test_a_fit_is_remembered_by_its_exact_points(config: dict, monkeypatch) -> None:
    from scipy import stats

    from helpers.seesaw import trend as trend_module

    calls = []
    theilslopes = stats.theilslopes
    monkeypatch.setattr(
        stats, "theilslopes", lambda *a, **k: calls.append(1) or theilslopes(*a, **k)
    )
    monkeypatch.setattr(trend_module, "_FITS", {})
    led = _world(-0.03, n=300, seed=11)
    first = seesaw.fit_trend(led, config)
    again = seesaw.fit_trend(led.copy(), config)  # the same points: no new fit
    assert again == first and len(calls) == 2  # "all" and "upper", once each
    moved = led.assign(margin_pct=led["margin_pct"] + 1e-9 * np.arange(len(led)))
    seesaw.fit_trend(moved, config)  # other points: fitted anew
    assert len(calls) == 4


def test_findings_follow_the_data_not_the_thesis(config: dict) -> None:
    tilted = seesaw.seesaw_metrics(_world(-0.06), config)
    assert tilted["big_accounts_most_profitable"] is False
    assert tilted["most_profitable_tier"] == "micro"
    assert seesaw.seesaw_findings(tilted)[0].startswith("The seesaw tilts")
    flat = seesaw.seesaw_metrics(_world(+0.06), config)
    assert flat["big_accounts_most_profitable"] is True
    assert flat["slope"] > 0
    sentences = seesaw.seesaw_findings(flat)
    assert flat["tilt"] == "no tilt" and flat["highest_margin_tier"] == "large"
    assert sentences[0].startswith("The large tier, the largest in the data, earns the highest")
    assert sentences[0].endswith("The seesaw does not tilt here.")
    assert "rises with size" in sentences[1]


def test_metrics_without_tiers_are_explicit(config: dict) -> None:
    led = _world(-0.05).assign(size_tier=pd.Categorical([None] * 600, categories=TIERS))
    m = seesaw.seesaw_metrics(led, config)
    assert m["most_profitable_tier"] == "(unknown)" or m["most_profitable_tier"] is None


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_metrics_are_invariant_to_row_order(seed: int) -> None:
    cfg = defaults()
    led = _world(-0.03, n=120, seed=3)
    shuffled = led.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    a, b = seesaw.seesaw_metrics(led, cfg), seesaw.seesaw_metrics(shuffled, cfg)
    assert a.keys() == b.keys()
    for key, value in a.items():
        if isinstance(value, float):
            assert b[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
        else:
            assert b[key] == value, key


def test_figures_return_titled_axes(config: dict) -> None:
    led = _world(-0.05)
    for plot in (seesaw.plot_scatter, seesaw.plot_seesaw, seesaw.plot_tier_margins,
                 seesaw.plot_bridge):  # fmt: skip
        ax = plot(led, config)
        assert isinstance(ax, Axes)
        assert ax.get_title(loc="left"), plot.__name__


def test_a_seesaw_that_does_not_tilt_names_its_highest_tier_once() -> None:
    from helpers.seesaw import sentences

    never = {"holds_from": 0.0, "holds_to": 3.0, "flips_below": None, "flips_above": None,
             "flips_to_below": None, "flips_to_above": None}  # fmt: skip
    metrics = {
        "largest_tier": "large", "tilt": "no tilt", "highest_margin_tier": "large",
        "sensitivity": {"tilt": {**never, "verdict": "no tilt"},
                        "highest_margin_tier": {**never, "verdict": "large"}},
    }  # fmt: skip
    said = sentences._assumption_sentences(metrics, ["with_assumptions"])
    assert said == [
        "With the assumed cost-to-serve amounts, the seesaw does not tilt (the large tier has the "
        "highest margin), at any multiple of those amounts from 0x to 3x."
    ]
    tilts = {**metrics, "sensitivity": {"tilt": {**never, "verdict": "tilts"},
                                        "highest_margin_tier": {**never, "verdict": "small"}}}  # fmt: skip
    assert len(sentences._assumption_sentences(tilts, ["with_assumptions"])) == 2  # which tier
