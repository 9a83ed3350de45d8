"""Notebooks 06-08 (the three small-client questions) run headless on the sample world and on a
dataset with order lines only; their metrics are checked against the raw tables."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from helpers import paths

Q1, Q2, Q3 = (
    "06-q1-which-small-clients-pay",
    "07-q2-attract-them-cheaply",
    "08-q3-price-and-channel",
)
RAW = paths.SAMPLE_DIR / "default"


def _section(run_dir: Path, name: str) -> dict:
    return json.loads((run_dir / "metrics" / f"{name}.json").read_text())


def _order_lines_only() -> Path:
    config = paths.CONFIGS_DIR / "order-lines-only.yaml"
    if not config.exists():
        pytest.skip("configs/order-lines-only.yaml not created yet")
    return config


@pytest.mark.slow
def test_q1_on_the_sample_world(run_notebook, sample_config) -> None:
    run_dir = run_notebook(Q1, sample_config)
    q1 = _section(run_dir, "q1")
    m = q1["metrics"]
    shares = [
        m["small_loss_making_share"],
        m["small_break_even_share"],
        m["small_profitable_share"],
    ]
    assert sum(shares) == pytest.approx(1.0)
    assert m["small_worth_nothing_share"] == pytest.approx(shares[0] + shares[1])
    assert m["small_loss_making_share_ci_low"] <= shares[0] <= m["small_loss_making_share_ci_high"]
    # the small clients are those of the size tiers: count them from the raw customers table
    customers = pd.read_parquet(RAW / "customers.parquet")
    buyers = pd.read_parquet(RAW / "order_lines.parquet", columns=["customer_id"])["customer_id"]
    small = customers.loc[(customers["employees"] < 50) & customers["customer_id"].isin(buyers)]
    assert m["small_clients"] == pytest.approx(len(small), abs=len(small) * 0.02)
    assert m["model_test_accuracy"] > m["model_baseline_accuracy"]
    assert q1["findings"][-1].startswith("Action:")
    exported = pd.read_csv(run_dir / "exports" / "q1_action_list.csv", encoding="utf-8-sig")
    assert len(exported) == m["action_list_size"] > 0
    assert (run_dir / "exports" / "q1_action_list.xlsx").exists()
    for fig in ("q1_profit_classes", "q1_segments"):
        assert (run_dir / "figures" / f"{fig}.png").exists()


@pytest.mark.slow
def test_q2_on_the_sample_world(run_notebook, sample_config) -> None:
    run_dir = run_notebook(Q2, sample_config)
    m = _section(run_dir, "q2")["metrics"]
    assert m["spend_available"] is True and m["best_channel"] in m["cac_by_channel"]
    # CAC from the raw tables: spend over the data's months / customers signed in them
    spend = pd.read_parquet(RAW / "acquisition_spend.parquet")
    customers = pd.read_parquet(RAW / "customers.parquet")
    dates = pd.read_parquet(RAW / "order_lines.parquet", columns=["order_date"])["order_date"]
    new = customers.loc[customers["signup_date"] >= dates.min()]
    for channel, cac in m["cac_by_channel"].items():
        n = (new["acquisition_channel"] == channel).sum()
        assert cac == pytest.approx(spend.loc[spend["channel"] == channel, "spend"].sum() / n)
    low, mid, high = (m["leads_per_partner_ci_low"], m["leads_per_partner"],
                      m["leads_per_partner_ci_high"])  # fmt: skip
    assert 0 < low <= mid <= high
    assert (run_dir / "figures" / "q2_crowd.png").exists()


@pytest.mark.slow
def test_q3_on_the_sample_world(run_notebook, sample_config) -> None:
    run_dir = run_notebook(Q3, sample_config)
    m = _section(run_dir, "q3")["metrics"]
    assert sum(m["lever_contributions"].values()) == pytest.approx(
        m["default_scenario_profit_change"], rel=1e-6
    )
    assert m["default_scenario_profit_after"] - m["default_scenario_profit_before"] == (
        pytest.approx(m["default_scenario_profit_change"])
    )
    assert m["break_even_order_value_by_channel"]["today"] == pytest.approx(m["fee_threshold"])
    grid = pd.read_csv(run_dir / "exports" / "q3_scenario_grid.csv", encoding="utf-8-sig")
    assert grid["default"].sum() == 1
    assert grid.loc[grid["default"], "change"].iloc[0] == pytest.approx(
        m["default_scenario_profit_change"], rel=1e-6
    )
    for fig in ("q3_profit_by_segment", "q3_break_even", "q3_tornado"):
        assert (run_dir / "figures" / f"{fig}.png").exists()


@pytest.mark.slow
def test_the_three_questions_on_order_lines_only(run_notebook, sample_config) -> None:
    config = _order_lines_only()
    run_dir = run_notebook(Q1, config)
    q1 = _section(run_dir, "q1")
    assert q1["metrics"]["small_clients"] > 0
    assert any(f.startswith("No data on industry, region, acquisition channel") for f in
               q1["findings"])  # fmt: skip
    run_notebook(Q2, config)
    q2 = _section(run_dir, "q2")
    assert q2["metrics"]["spend_available"] is False
    assert q2["metrics"]["channel_source"] == "order_channel"
    assert any(f.startswith("No acquisition_spend table") for f in q2["findings"])
    run_notebook(Q3, config)
    q3 = _section(run_dir, "q3")["metrics"]
    assert sum(q3["lever_contributions"].values()) == pytest.approx(
        q3["default_scenario_profit_change"], rel=1e-6
    )
