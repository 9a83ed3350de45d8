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


# ---- a fresh user's dataset: Superstore (lead level: the data's own margin) -------------------
SUPERSTORE = "/work/shared/data/real/superstore/superstore.csv"
SUPERSTORE_CONFIG = f"""
name: superstore
currency: USD
tables:
  order_lines:
    path: {SUPERSTORE}
    date_format: "%m/%d/%Y"
    amounts: line
    discount_as: fraction
    columns: {{order_id: Order ID, customer_id: Customer ID, order_date: Order Date,
              product_id: Product ID, quantity: Quantity, sales: Sales, discount: Discount,
              profit: Profit, region: Region, ship_mode: Ship Mode}}
"""


@pytest.fixture(scope="module")
def superstore(prepared, tmp_path_factory) -> explorer.Explorer:
    """The explorer on Superstore, with the config as the notebooks resolve it."""
    from pathlib import Path

    from helpers.ledger.scale import median_order_value, resolve_amounts

    if not Path(SUPERSTORE).exists():
        pytest.skip(f"{SUPERSTORE} not available")
    path = tmp_path_factory.mktemp("superstore") / "superstore.yaml"
    path.write_text(SUPERSTORE_CONFIG, encoding="utf-8")
    processed = prepared(path)
    config = resolve_amounts(load_config(path), median_order_value(processed))
    return explorer.Explorer(processed, config, build_ledger(processed, config), "")


def _loss_counts(sentences: list[str]) -> dict[str, int]:
    """The loss-making counts the findings state: the whale card's, then one per level."""
    import re

    card = next(s for s in sentences if re.match(r"[\d,]+ of [\d,]+ customers \(", s))
    levels = next(s for s in sentences if "after costing the orders" in s and "lose money" in s)
    count = r"([\d,]+) (?:customers )?\([\d.]+%\)(?: lose money)? "
    return {
        "card": int(card.split(" of ")[0].replace(",", "")),
        **{
            key: int(re.search(count + words, levels).group(1).replace(",", ""))
            for key, words in {
                "data": "on the margin",
                "measured": "after costing",
                "with_assumptions": "with the assumed",
            }.items()
        },
    }


def test_charts_and_counts_follow_the_sliders_when_the_data_leads_with_its_margin(
    superstore,
) -> None:
    from helpers.ledger.levels import lead_level

    assert lead_level(superstore.ledger("")) == "data"
    app = explorer.ExplorerApp(superstore)
    app.update()
    before = {view: panel.widget.value for view, panel in app.panels.items()}
    counts = _loss_counts(explorer_views.findings(*superstore.compute(app.settings())))
    slider = app.rate_sliders["order_processing"]
    slider.value = slider.max
    for view, panel in app.panels.items():
        assert panel.widget.value != before[view], f"the {view} chart follows the slider"
        assert "before any cost to serve" not in panel.widget.value
    assert "after the cost to serve" in explorer_views.VIEWS["whale"][1]
    assert "after the cost to serve" in explorer_views.VIEWS["seesaw"][1]
    after = _loss_counts(explorer_views.findings(*superstore.compute(app.settings())))
    assert after["card"] > counts["card"]
    assert after["measured"] > counts["measured"], "the measured count follows the slider"
    assert after["data"] == counts["data"], "the data's own margin has no cost to serve"


def test_one_loss_count_at_the_rates_of_the_controls(superstore) -> None:
    costs = {**superstore.defaults.unit_costs}
    costs["order_processing"] *= 3
    view, config = superstore.compute(dataclasses.replace(superstore.defaults, unit_costs=costs))
    sentences = explorer_views.findings(view, config)
    counts = _loss_counts(sentences)
    assert counts["card"] == counts["with_assumptions"] == int((view["profit"] < 0).sum())
    assert counts["measured"] == int((view["profit_measured"] < 0).sum())
    np.testing.assert_allclose(
        view["cost_to_serve"], view["cost_to_serve_measured"] + view["cost_to_serve_assumed"]
    )
    at_zero = next(s for s in sentences if s.startswith("Customers losing money at multiples"))
    data_share = (view["gross_margin"] < 0).mean()
    assert f"{data_share:.0%} at 0x" in at_zero, "every amount here is assumed: 0x is the margin"


def test_recost_keeps_the_levels_split_at_the_new_rates(data, sample) -> None:
    _, _, ledger = sample
    costs = {k: v * 2 for k, v in data.defaults.unit_costs.items()}
    view, _ = data.compute(dataclasses.replace(data.defaults, unit_costs=costs))
    for column in ("cost_to_serve_measured", "cost_to_serve_assumed", "assumed_amount"):
        np.testing.assert_allclose(view[column], 2 * ledger[column], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(view["profit_measured"], view["gross_margin"] -
                               view["cost_to_serve_measured"])  # fmt: skip


def test_a_rate_that_is_a_share_of_revenue_reads_as_a_percentage(data) -> None:
    app = explorer.ExplorerApp(data)
    assert app.rate_sliders["payment_financing"].readout_format == ".1%"
    assert "%" in app.rate_sliders["payment_financing"].tooltip
    assert app.rate_sliders["order_processing"].readout_format == ",.3r"


def test_filters_the_data_cannot_fill_are_not_offered(sample) -> None:
    processed, config, ledger = sample
    no_industry = ledger.assign(industry=None)
    data = explorer.Explorer(processed, config, no_industry, "")
    assert "Industry" not in data.filter_options()
    assert "Industry" in data.missing_filters()
    app = explorer.ExplorerApp(data)
    assert "Industry" not in app.filters
    assert "Industry: not in this data" in app.missing.value
