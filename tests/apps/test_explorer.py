"""The explorer re-costs, re-tiers and filters the ledger without rebuilding it, and redraws fast."""

from __future__ import annotations

import dataclasses
import json
import statistics

import numpy as np
import pandas as pd
import pytest

from helpers.apps import explorer, explorer_views, recosting, widget_kit
from helpers.config import load_config
from helpers.ledger import build_ledger


@pytest.fixture(scope="module")
def sample(prepared, sample_config):
    """The sample world's config and ledger (built once for the module)."""
    config = load_config(sample_config)
    processed = prepared(sample_config)
    return processed, config, build_ledger(processed, config)


@pytest.fixture(scope="module")
def data(sample) -> explorer.Explorer:
    processed, config, ledger = sample
    return explorer.Explorer(processed, config, ledger, "")


def test_default_rates_reproduce_the_ledger(sample) -> None:
    _, config, ledger = sample
    again = recosting.recost(ledger, config)
    pd.testing.assert_series_equal(again["profit"], ledger["profit"])
    pd.testing.assert_series_equal(again["cost_to_serve"], ledger["cost_to_serve"])


@pytest.mark.parametrize("factor", [0.0, 0.5, 2.0], ids=["zero", "half", "double"])
def test_cost_to_serve_scales_with_every_unit_cost(data, sample, factor: float) -> None:
    _, _, ledger = sample
    costs = {k: v * factor for k, v in data.defaults.unit_costs.items()}
    view, _ = data.compute(dataclasses.replace(data.defaults, unit_costs=costs))
    np.testing.assert_allclose(view["cost_to_serve"], ledger["cost_to_serve"] * factor, rtol=1e-9)
    np.testing.assert_allclose(
        view["profit"], ledger["gross_margin"] - ledger["cost_to_serve"] * factor, rtol=1e-9
    )


def test_one_rate_changes_only_its_activity(data, sample) -> None:
    _, _, ledger = sample
    costs = {**data.defaults.unit_costs, "order_processing": 50.0}
    view, _ = data.compute(dataclasses.replace(data.defaults, unit_costs=costs))
    np.testing.assert_allclose(view["cts_order_processing"], 50.0 * ledger["drv_order_processing"])
    pd.testing.assert_series_equal(view["cts_delivery"], ledger["cts_delivery"])


def test_tier_bounds_reassign_every_customer_to_one_tier(data) -> None:
    settings = dataclasses.replace(data.defaults, tier_bounds=(5.0, 100.0, 1000.0))
    view, config = data.compute(settings)
    known = view.loc[view["employees"].notna()]
    assert known["size_tier"].notna().all()
    assert (known.loc[known["employees"] < 5, "size_tier"] == "micro").all()
    assert (known.loc[known["employees"] >= 1000, "size_tier"] == "large").all()
    assert config["size_tiers"]["employees_bins"] == [0, 5.0, 100.0, 1000.0]


def test_filters_keep_only_matching_customers(data) -> None:
    options = data.filter_options()
    region = options["Region"][1]
    view, _ = data.compute(dataclasses.replace(data.defaults, filters={"region": region}))
    assert len(view) > 0 and (view["region"] == region).all()
    everyone, _ = data.compute(
        dataclasses.replace(data.defaults, filters={"region": data.options["all_label"]})
    )
    assert len(everyone) == len(data.ledger(""))


def test_controls_never_mutate_the_config_or_the_ledger(data, sample) -> None:
    _, config, ledger = sample
    before_cfg, before_profit = (
        json.dumps(config, sort_keys=True, default=str),
        ledger["profit"].copy(),
    )
    costs = {k: v * 3 for k, v in data.defaults.unit_costs.items()}
    data.compute(dataclasses.replace(data.defaults, unit_costs=costs, tier_bounds=(1.0, 2.0, 3.0)))
    assert json.dumps(config, sort_keys=True, default=str) == before_cfg
    pd.testing.assert_series_equal(ledger["profit"], before_profit)


def test_period_choices_cover_each_year(sample) -> None:
    _, _, ledger = sample
    choices = recosting.period_choices(ledger)
    assert choices["Whole history"] == ""
    years = range(ledger["first_order"].min().year, ledger["last_order"].max().year + 1)
    assert [k for k in choices if k != "Whole history"] == [str(y) for y in years]


def test_figures_carry_alt_text_and_caption() -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    html = widget_kit.figure_html(
        widget_kit.figure_to_png(fig, 50), 'A "line" <chart>', "Caption & more"
    )
    assert 'alt="A &quot;line&quot; &lt;chart&gt;"' in html
    assert "<figcaption" in html and "Caption &amp; more" in html


def test_slider_is_labelled_and_keyboard_friendly() -> None:
    s = widget_kit.labelled_slider("Order processing", 4.8, 0.0, 14.4, 0.24, "Cost of one order")
    assert s.description == "Order processing" and s.tooltip == "Cost of one order"
    assert s.continuous_update is False


def test_a_slider_move_redraws_within_a_second_on_the_sample_world(data, capsys) -> None:
    """Measured: recompute + both figures + PNG encoding after one rate change (printed)."""
    app = explorer.ExplorerApp(data)
    app.update()  # first draw (imports, font cache)
    slider = app.rate_sliders["order_processing"]
    before = app.panels["whale"].widget.value
    times = [explorer.time_redraw(app, slider, slider.value + slider.step * k) for k in (1, 2, 3)]
    assert app.panels["whale"].widget.value != before, "the whale curve was redrawn"
    median = statistics.median(times)
    with capsys.disabled():
        print(
            f"\nexplorer redraw after a slider move (sample world, {len(data.ledger('')):,} "
            f"customers): median {median:.3f} s, runs {', '.join(f'{t:.3f}' for t in times)}"
        )
    assert median < 10 * float(data.options["redraw_budget_s"]), "sanity bound only"


def test_reset_restores_every_control(data) -> None:
    app = explorer.ExplorerApp(data)
    before = app.settings()
    slider = app.rate_sliders["order_processing"]
    slider.value = slider.value + 3 * slider.step
    app.tier_sliders[0].value = app.tier_sliders[0].value * 2
    app.small.value = app.small.options[-1][1]
    label = next(iter(app.filters))
    app.filters[label].value = app.filters[label].options[1]
    app.period.value = [p for p in app.periods.values() if p][0]
    assert app.settings() != before
    app.reset.click()
    assert app.settings() == before
    assert app.period.value == data.defaults.period


@pytest.mark.slow
def test_explorer_notebook_runs_headless(run_notebook, sample_config) -> None:
    run_dir = run_notebook("00-explorer", sample_config)
    for view in explorer_views.VIEWS:
        assert (run_dir / "figures" / f"explorer_{view}.png").exists()
