"""The hand-computed world and its ledger, shared by the ledger tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from ledger_world import (
    HAND_ACTIVITIES,
    HAND_CUSTOMERS,
    HAND_LINES,
    YEAR_2024,
    base_config,
    order_lines_frame,
    write_world,
)

from helpers import ledger as L


@pytest.fixture(scope="module")
def hand_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_world(
        tmp_path_factory.mktemp("hand"),
        order_lines_frame(HAND_LINES),
        HAND_CUSTOMERS,
        HAND_ACTIVITIES,
    )


@pytest.fixture(scope="module")
def hand(hand_dir: Path) -> pd.DataFrame:
    return L.build_ledger(hand_dir, base_config(), period=YEAR_2024).set_index("customer_id")
