"""Notebooks 03-05 (the 80/20 critique) run headless on the sample world and on the flat world.

The computed findings must follow the data: on the sample world revenue concentrates more than
profit and the seesaw tilts; on the flat world (no better terms, no extra cost per order for big
accounts) the big accounts are the most profitable and the 80/20 rule holds for profit. The
metrics, not the wording, are checked, and the headline shares are recomputed here from the
canonical order lines with plain pandas.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from helpers import paths

NOTEBOOKS = ("03-pareto-and-whale-curve", "04-segments", "05-seesaw")


def _metrics(run_dir: Path, section: str) -> dict:
    return json.loads((run_dir / "metrics" / f"{section}.json").read_text())["metrics"]


def _top20_revenue_share(run_dir: Path) -> float:
    lines = pd.read_parquet(run_dir / "processed" / "order_lines.parquet")
    revenue = lines.groupby("customer_id")["revenue"].sum().sort_values(ascending=False)
    return revenue.iloc[: math.ceil(0.2 * len(revenue))].sum() / revenue.sum()


@pytest.fixture(params=["sample", "flat"])
def critique_run(request, tmp_path_factory, execute_notebook, once, sample_config, flat_config):
    """Notebooks 03-05 executed once per world; every test here reads the same run."""
    world = request.param

    def run_world() -> Path:
        run_dir = tmp_path_factory.mktemp(f"critique-{world}")
        for name in NOTEBOOKS:
            execute_notebook(name, run_dir, paths.CONFIGS_DIR / f"{world}.yaml")
        return run_dir

    return world, once(f"critique:{world}", run_world)


@pytest.mark.slow
def test_concentration_is_recomputed_from_the_order_lines(critique_run) -> None:
    world, run_dir = critique_run
    pareto = _metrics(run_dir, "pareto")
    # the sample worlds have no unattributed lines, so line revenue per customer is the ledger's
    assert pareto["top20_revenue_share"] == pytest.approx(_top20_revenue_share(run_dir), abs=0.01)
    assert pareto["top20_revenue_share_ci_low"] <= pareto["top20_revenue_share"]
    assert pareto["top20_revenue_share"] <= pareto["top20_revenue_share_ci_high"]
    whale = _metrics(run_dir, "whale")
    assert whale["loss_making_customers"] == round(whale["loss_making_share"] * whale["customers"])
    for name in ("lorenz_curves", "whale_curve"):
        assert (run_dir / "figures" / f"{name}.png").exists()
        assert (run_dir / "figures" / f"{name}.svg").exists()


@pytest.mark.slow
def test_findings_follow_the_world(critique_run) -> None:
    world, run_dir = critique_run
    pareto, whale = _metrics(run_dir, "pareto"), _metrics(run_dir, "whale")
    seesaw, segments = _metrics(run_dir, "seesaw"), _metrics(run_dir, "segments")
    if world == "sample":
        # revenue concentrates, profit less so; big accounts earn the thinnest margins
        assert pareto["top20_by_revenue_profit_share"] < pareto["top20_revenue_share"]
        assert pareto["rule_holds_for_profit"] is False
        assert whale["peak_profit_pct"] > 110
        assert seesaw["big_accounts_most_profitable"] is False
        assert seesaw["slope_upper_ci_high"] < 0
        assert segments["small_clients_profit_share"] > segments["small_clients_revenue_share"]
    else:
        # flat world: the 80/20 rule holds for profit and the biggest tier earns the most
        assert pareto["rule_holds_for_profit"] is True
        assert pareto["top20_by_revenue_profit_share"] >= pareto["top20_revenue_share"]
        assert whale["peak_profit_pct"] < 105
        assert seesaw["big_accounts_most_profitable"] is True
        assert seesaw["most_profitable_tier"] == seesaw["largest_tier"]
        assert segments["small_clients_profit_share"] < segments["small_clients_revenue_share"]


@pytest.mark.slow
def test_segments_cover_every_customer_once(critique_run) -> None:
    _, run_dir = critique_run
    seg = _metrics(run_dir, "segments")
    pareto = _metrics(run_dir, "pareto")
    assert seg["customers"] == pareto["customers"]
    quadrants = sum(seg[f"quadrant_{k}_customers"] for k in
                    ("high_high", "low_high", "high_low", "low_low"))  # fmt: skip
    assert quadrants == seg["customers"]
    for name in ("segments_quadrants", "segments_abc", "seesaw", "seesaw_scatter", "seesaw_bridge"):
        assert (run_dir / "figures" / f"{name}.png").exists(), name
