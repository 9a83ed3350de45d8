"""Notebook 01 runs headless on the sample world and on a messy real-style export."""

from __future__ import annotations

import json

import pytest

from helpers import paths


@pytest.mark.slow
@pytest.mark.parametrize("config", ["sample", "example-export"])
def test_notebook_01_runs_and_records_reconciliation(
    run_notebook, sample_config, config: str
) -> None:
    run_dir = run_notebook("01-ingest-and-validate", paths.CONFIGS_DIR / f"{config}.yaml")
    recorded = json.loads((run_dir / "metrics" / "ingest.json").read_text())
    assert recorded["metrics"]["balanced"] is True
    assert any("Reconciliation" in s for s in recorded["findings"])
    assert (run_dir / "figures" / "monthly_coverage.png").exists()
