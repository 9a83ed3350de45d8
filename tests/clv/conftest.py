"""The CDNOW sample shipped with the lifetimes wheel (Fader & Hardie's published data)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest


def _cdnow_dir() -> Path:
    """lifetimes/datasets, located without importing lifetimes (only its data files are used)."""
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("the lifetimes wheel (which ships the CDNOW sample) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets"


@pytest.fixture(scope="module")
def cdnow_dir() -> Path:
    """The folder of the CDNOW files."""
    return _cdnow_dir()


@pytest.fixture(scope="module")
def cdnow(cdnow_dir: Path) -> pd.DataFrame:
    """Fader & Hardie's CDNOW summary: 2,357 customers, 39 weeks (x, t_x, T, zbar)."""
    return pd.read_csv(cdnow_dir / "cdnow_customers_summary_with_transactions.csv")
