"""Shapes real systems export: .xls / .ods / .xlsb, hidden first sheets, gzip, transaction
logs, whitespace-aligned text, UTF-16 without a BOM, ERP header + lines, price lists."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from helpers import paths
from helpers.config import load_config
from helpers.ingest import ingest_dataset

EXAMPLES = paths.DATA_DIR / "examples"


def _ingest(folder: Path, tables: dict, **extra):
    (folder / "config.yaml").write_text(yaml.safe_dump({"name": "t", "tables": tables, **extra}))
    return ingest_dataset(load_config(folder / "config.yaml"), folder / "out")


@pytest.mark.parametrize("name", ["orders.xls", "orders.ods"])
def test_legacy_and_open_spreadsheets(tmp_path: Path, name: str) -> None:
    shutil.copy(EXAMPLES / "xls" / name, tmp_path / name)
    config = yaml.safe_load((paths.CONFIGS_DIR / "example-xls.yaml").read_text())
    spec = config["tables"]["order_lines"] | {"path": name}
    result = _ingest(tmp_path, {"order_lines": spec})
    lines = result.tables["order_lines"]
    # 2 x 19.50 + 120 + 5 x 19.50 + 450 + 3 x 120, written by hand from the workbook
    assert lines["revenue"].sum() == 1066.5
    assert lines["order_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-03-04",
        "2024-03-04",
        "2024-03-05",
        "2024-03-09",
        "2024-04-02",
    ]
    assert lines["source_row"].tolist() == [2, 3, 4, 5, 6]


def test_hidden_first_sheet_is_said(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "xls" / "orders.xls", tmp_path / "orders.xls")
    config = yaml.safe_load((paths.CONFIGS_DIR / "example-xls.yaml").read_text())
    result = _ingest(
        tmp_path, {"order_lines": config["tables"]["order_lines"] | {"path": "orders.xls"}}
    )
    assert (
        "order_lines: orders.xls read as XLS, sheet 'Orders' (the first sheet 'Notes' is hidden; "
        "the first visible one was read), dates as yyyy-mm-dd: 5 rows."
    ) in result.quality


def test_hidden_first_sheet_of_an_xlsx(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    notes = workbook.active
    notes.title, notes.sheet_state = "Notes", "hidden"
    notes["A1"] = "exported by ERP 7.2"
    sheet = workbook.create_sheet("Orders")
    sheet.append(["order_id", "customer_id", "order_date", "product_id", "quantity", "unit_price"])
    sheet.append(["O1", "C1", "2024-01-02", "P1", 2, 10.0])
    workbook.save(tmp_path / "o.xlsx")
    result = _ingest(tmp_path, {"order_lines": {"path": "o.xlsx"}})
    assert result.tables["order_lines"]["revenue"].tolist() == [20.0]
    assert any("(the first sheet 'Notes' is hidden" in note for note in result.quality)
