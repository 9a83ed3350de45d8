"""Shapes real systems export: .xls / .ods / .xlsb, hidden first sheets, gzip, transaction
logs, whitespace-aligned text, UTF-16 without a BOM, ERP header + lines, price lists."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from helpers import paths
from helpers.config import load_config
from helpers.ingest import IngestError, ingest_dataset

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


def _example(config_name: str, tmp_path: Path):
    return ingest_dataset(load_config(paths.CONFIGS_DIR / config_name), tmp_path / "out")


def test_transaction_log_derives_orders_per_customer_and_day(tmp_path: Path) -> None:
    result = _example("example-transactions.yaml", tmp_path)
    lines = result.tables["order_lines"]
    # six transactions; C001 bought twice on 2024-01-03: five orders
    assert lines["order_id"].tolist() == [
        "C001|2024-01-03",
        "C001|2024-01-03",
        "C002|2024-01-03",
        "C001|2024-02-11",
        "C003|2024-02-12",
        "C002|2024-03-01",
    ]
    assert lines["line_no"].tolist() == [1, 2, 1, 1, 1, 1]
    assert set(lines["product_id"]) == {"unknown"}
    assert lines["revenue"].sum() == 171.4  # 25 + 14.50 + 99.90 + 40 + 12 - 20
    assert lines["is_return"].tolist() == [False] * 5 + [True]
    assert any(
        "is a transaction log: 5 orders derived as one per customer and day from 6 "
        "transactions, product 'unknown'." in note
        for note in result.quality
    )


def test_erp_header_lines_and_price_list(tmp_path: Path) -> None:
    result = _example("example-erp.yaml", tmp_path)
    lines = result.tables["order_lines"]
    assert lines["customer_id"].tolist() == ["C100", "C100", "C101", "C100", "C102"]
    assert lines["ship_mode"].tolist() == ["Standard", "Standard", "Express", "Standard", "Pickup"]
    # 6 x 2.55 + 6 x 3.39 + 8 x 2.75 - 2 x 2.55 + 12 x 3.39, by hand from the price list
    assert round(lines["revenue"].sum(), 2) == 93.22
    assert round(lines["cost"].sum(), 2) == 56.6
    assert lines.loc[lines["order_id"] == "C536379", "is_return"].tolist() == [True]
    # the line of a product missing from the price list is rejected, not priced at zero
    assert result.rejects[["source_row", "reason"]].values.tolist() == [
        [7, "column 'unit_price': value is empty (expected a number for unit_price)"]
    ]
    assert any("5 of 6 lines found their row; 1 did not" in note for note in result.quality)
    assert any("1 line of" in note and "'^C'" in note for note in result.quality)


def test_a_header_naming_an_order_twice_is_refused(tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text(
        "order_id,customer_id,order_date\nO1,C1,2024-01-02\nO1,C2,2024-01-03\n"
    )
    (tmp_path / "l.csv").write_text("order_id,product_id,quantity,unit_price\nO1,P1,1,10\n")
    with pytest.raises(IngestError) as info:
        _ingest(tmp_path, {"order_lines": {"path": "l.csv", "header": {"path": "h.csv"}}})
    assert str(info.value) == (
        "h.csv: rows 2 and 3: order_id 'O1' appears twice (expected one row per order_id; the "
        "lines would be counted twice)"
    )


LINES = (
    "order_id,customer_id,order_date,product_id,quantity,unit_price\n"
    "O1,C1,2024-01-02,P1,2,10.50\n"
    "O2,Müller,2024-01-03,P2,1,99.00\n"
)


def test_gzip_compressed_csv(tmp_path: Path) -> None:
    import gzip

    (tmp_path / "o.csv.gz").write_bytes(gzip.compress(LINES.encode("utf-8")))
    result = _ingest(tmp_path, {"order_lines": {"path": "o.csv.gz"}})
    assert result.tables["order_lines"]["revenue"].tolist() == [21.0, 99.0]
    assert result.quality[0] == (
        "order_lines: o.csv.gz read as CSV in utf-8, delimiter ',', gzip-compressed, "
        "dates as yyyy-mm-dd: 2 rows."
    )


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom(tmp_path: Path, codec: str) -> None:
    (tmp_path / "o.csv").write_bytes(LINES.encode(codec))
    result = _ingest(tmp_path, {"order_lines": {"path": "o.csv"}})
    assert result.tables["order_lines"]["customer_id"].tolist() == ["C1", "Müller"]
    assert f"in {codec} (UTF-16 pattern, no BOM)" in result.quality[0]


def test_whitespace_aligned_text(tmp_path: Path) -> None:
    (tmp_path / "o.txt").write_text(
        "order_id  customer_id   order_date  product_id  quantity  unit_price\n"
        "O1        Acme Corp     2024-01-02  P1                 2       10.50\n"
        "O2        Müller GmbH   2024-01-03  P2                 1       99.00\n"
        "\n"
        "O3        Bad           2024-01-03  P2  1\n",
        encoding="utf-8",
    )
    result = _ingest(tmp_path, {"order_lines": {"path": "o.txt"}})
    lines = result.tables["order_lines"]
    assert lines["customer_id"].tolist() == ["Acme Corp", "Müller GmbH"]
    assert lines["revenue"].tolist() == [21.0, 99.0]
    assert result.rejects[["source_row", "reason"]].values.tolist() == [
        [4, "blank row (every field is empty)"],
        [5, "row has 5 fields (expected 6 as in the header)"],
    ]
    assert "columns aligned by runs of spaces" in result.quality[0]
