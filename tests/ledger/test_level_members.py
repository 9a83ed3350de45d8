"""helpers.ledger.levels.LevelMembers: the ledger's record of what each cost level adds up."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd

from helpers.ledger.levels import LEVEL_MEMBERS, LevelMembers


def _frame() -> pd.DataFrame:
    frame = pd.DataFrame({"cts_orders": [1.0, 2.0], "cts_lines": [0.5, 0.0]})
    frame.attrs[LEVEL_MEMBERS] = LevelMembers(
        {"cost_to_serve_measured": ["cts_orders"], "cost_to_serve_assumed": ["cts_lines"]}
    )
    return frame


def test_pandas_operations_share_the_record_instead_of_copying_it() -> None:
    frame = _frame()
    members = frame.attrs[LEVEL_MEMBERS]
    assert copy.deepcopy(members) is members and copy.copy(members) is members
    for derived in (frame.copy(), frame[["cts_orders"]], frame * 2, frame.loc[frame.index[:1]]):
        assert derived.attrs[LEVEL_MEMBERS] is members
    assert members["cost_to_serve_measured"] == ("cts_orders",)


def test_the_record_is_plain_json_and_survives_parquet(tmp_path: Path) -> None:
    frame = _frame()
    assert json.loads(json.dumps(frame.attrs[LEVEL_MEMBERS])) == {
        "cost_to_serve_measured": ["cts_orders"],
        "cost_to_serve_assumed": ["cts_lines"],
    }
    frame.to_parquet(tmp_path / "ledger.parquet")
    back = pd.read_parquet(tmp_path / "ledger.parquet")
    assert {k: list(v) for k, v in back.attrs[LEVEL_MEMBERS].items()} == {
        k: list(v) for k, v in frame.attrs[LEVEL_MEMBERS].items()
    }
