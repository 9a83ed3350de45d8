"""Inputs shared by the report tests: the empty-period case, copied where a test can change it."""

from __future__ import annotations

import shutil
from pathlib import Path

CASE = Path(__file__).parent / "cases" / "empty-period"


def empty_period_case(tmp_path: Path, extra: str = "") -> Path:
    """The empty-period case copied into ``tmp_path`` (config plus ``extra`` config text)."""
    for name in ("config.yaml", "orders_with_total.csv"):
        shutil.copy(CASE / name, tmp_path / name)
    config = tmp_path / "config.yaml"
    config.write_text(config.read_text() + extra)
    return config
