"""Tests of helpers.ingest: the bad-input corpus, encodings, number and date conventions,
the three amount modes, the example export end to end, and the written outputs."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from helpers import paths, schema
from helpers.config import ConfigError, load_config
from helpers.ingest import (
    RECONCILIATION_COLUMNS,
    REJECT_COLUMNS,
    IngestError,
    ingest_dataset,
    load_table,
)

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))
HEADER = "order_id,customer_id,order_date,product_id,quantity,unit_price,discount,unit_cost"


def _config(folder: Path, tables: dict, **extra) -> dict:
    """Write a dataset config into ``folder`` and load it (merged over the defaults)."""
    (folder / "config.yaml").write_text(
        yaml.safe_dump({"name": "t", "tables": tables, **extra}, allow_unicode=True),
        encoding="utf-8",
    )
    return load_config(folder / "config.yaml")


def _ingest(folder: Path, tables: dict, **extra):
    return ingest_dataset(_config(folder, tables, **extra), folder / "out")


def _data_lines(path: Path) -> int:
    """Data lines of a small CSV counted independently of ingest (records after the header)."""
    return len(path.read_bytes().rstrip(b"\n").split(b"\n")) - 1


def _assert_balanced(result) -> None:
    recon = result.reconciliation
    assert recon["balanced"].all(), recon
    assert (recon["rows_in"] == recon["rows_accepted"] + recon["rows_rejected"]).all()


# ---- the bad-input corpus -------------------------------------------------------------------
@pytest.mark.parametrize("chunked", [False, True], ids=["whole", "in-chunks"])
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_input_corpus(case: dict, chunked: bool, tmp_path: Path) -> None:
    """Each broken export gives its exact message, read whole or in chunks of ~300 bytes."""
    table = case.get("table", "order_lines")
    spec = {"path": case["file"]} if case.get("file") else {}
    spec.update(case.get("options") or {})
    for name in [case.get("file"), *case.get("also", [])]:  # "also": lookups (header, price list)
        if name:
            shutil.copy(CORPUS / name, tmp_path / name)
    tables = {table: spec}
    if table != "order_lines":  # order_lines is required: give it a good file
        (tmp_path / "ok.csv").write_text(f"{HEADER}\nO1,C1,2023-01-05,P1,1,10.00,0,6.00\n")
        tables["order_lines"] = {"path": "ok.csv"}
    out = tmp_path / "out"
    extra = {"ingest": {"chunk_mb": 0.0003}} if chunked else {}
    if "error" in case:  # refused when the config is loaded (its schema) or when ingest reads
        with pytest.raises((IngestError, ConfigError)) as info:
            ingest_dataset(_config(tmp_path, tables, **extra), out)
        assert str(info.value) == case["error"].replace("{dir}", str(tmp_path))
        assert not out.exists() or not any(out.iterdir()), "a failed ingest wrote files"
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out-ingest")]
        return
    result = ingest_dataset(_config(tmp_path, tables, **extra), out)
    rejects = result.rejects[result.rejects["table"] == table]
    got = [
        [int(r), reason] for r, reason in zip(rejects["source_row"], rejects["reason"], strict=True)
    ]
    assert got == case["rejects"]
    recon = result.reconciliation.set_index("table").loc[table]
    assert recon["rows_in"] == case["rows_in"] == _data_lines(tmp_path / case["file"])
    assert recon["rows_rejected"] == len(case["rejects"])
    assert recon["rows_accepted"] == len(result.tables[table])
    _assert_balanced(result)
    # every rejected row keeps its raw text, so nothing is lost
    assert rejects["raw"].notna().all()


def test_corpus_covers_at_least_sixty_classes() -> None:
    assert len({c["id"] for c in CASES}) == len(CASES)  # every class once
    assert len(CASES) + 3 >= 60  # +3 generated cases below


def test_huge_file_of_one_column_fails_fast_on_its_header(tmp_path: Path) -> None:
    path = tmp_path / "one_column.csv"
    with open(path, "w") as fh:
        fh.write("order_id\n")
        fh.writelines(f"O{i}\n" for i in range(500_000))
    start = time.perf_counter()
    with pytest.raises(IngestError) as info:
        _ingest(tmp_path, {"order_lines": {"path": "one_column.csv"}})
    assert str(info.value) == (
        "one_column.csv: row 1 (header): required column 'customer_id' (order_lines.customer_id) "
        "not found (expected it among the columns: 'order_id'; map it under tables.order_lines.columns)"
    )
    assert time.perf_counter() - start < 5  # decided from the header, the file is not read


def test_xlsx_with_wrong_sheet(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.create_sheet("Notes")
    wb.save(tmp_path / "orders.xlsx")
    with pytest.raises(IngestError) as info:
        _ingest(tmp_path, {"order_lines": {"path": "orders.xlsx", "sheet": "Orders"}})
    assert str(info.value) == (
        "orders.xlsx: sheet 'Orders' not found (expected one of the workbook's sheets: 'Data', 'Notes')"
    )


def test_unknown_table_in_config(tmp_path: Path) -> None:
    (tmp_path / "ok.csv").write_text(f"{HEADER}\nO1,C1,2023-01-05,P1,1,10.00,0,6.00\n")
    with pytest.raises(ConfigError) as info:  # refused by the config's schema, at load
        _config(tmp_path, {"order_lines": {"path": "ok.csv"}, "invoices": {"path": "ok.csv"}})
    assert str(info.value) == (
        f"{tmp_path}/config.yaml: tables.invoices: unknown key (expected one of: "
        "order_lines, customers, activities, acquisition_spend, opportunities, products)"
    )


def test_failed_run_keeps_previous_good_output(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(f"{HEADER}\nO1,C1,2023-01-05,P1,1,10.00,0,6.00\n")
    _ingest(tmp_path, {"order_lines": {"path": "orders.csv"}})
    before = (tmp_path / "out" / "order_lines.parquet").read_bytes()
    (tmp_path / "orders.csv").write_text(f"{HEADER}\n")
    with pytest.raises(IngestError):
        _ingest(tmp_path, {"order_lines": {"path": "orders.csv"}})
    assert (tmp_path / "out" / "order_lines.parquet").read_bytes() == before


# ---- encodings ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("encoding", "name", "expected"),
    [
        ("cp1252", "Bäckerei Müller – Café", "cp1252"),
        ("gbk", "北京科技有限公司", "gb18030"),
        ("utf-8-sig", "Straße & 北京", "utf-8-sig"),
        ("utf-8", "Ærø Ltd", "utf-8"),
    ],
    ids=["cp1252", "gbk", "utf8-bom", "utf8"],
)
def test_encodings_are_detected(tmp_path: Path, encoding: str, name: str, expected: str) -> None:
    text = "customer_id;name;region\n" + "".join(
        f"C{i};{name} {i};Région {i % 3}\n" for i in range(30)
    )
    (tmp_path / "customers.csv").write_bytes(text.encode(encoding))
    (tmp_path / "orders.csv").write_text(f"{HEADER}\nO1,C1,2023-01-05,P1,1,10.00,0,6.00\n")
    result = _ingest(
        tmp_path, {"order_lines": {"path": "orders.csv"}, "customers": {"path": "customers.csv"}}
    )
    customers = result.tables["customers"]
    assert customers["name"].iloc[0] == f"{name} 0"
    assert customers.columns[0] == "customer_id" and customers["customer_id"].iloc[0] == "C0"
    meta = result.summary["tables"]["customers"]["files"][0]
    assert meta["encoding"] == expected


# ---- numbers and dates ----------------------------------------------------------------------
def test_decimal_commas_thousands_dots_and_currency_symbols(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(
        "order_id;customer_id;order_date;product_id;quantity;unit_price;discount;unit_cost\n"
        "O1;C1;2023-01-05;P1;2;1.234,56 €;(10,00);EUR 600,00\n"
        "O2;C1;2023-01-05;P2;1;€99,90;0;50\n"
        "O3;C2;2023-01-06;P1;1;12,5 EUR;1,25-;6,00\n"
        "O4;C2;2023-01-06;P1;3;1 000,00;10%;500\n",
        encoding="utf-8",
    )
    result = _ingest(tmp_path, {"order_lines": {"path": "orders.csv"}})
    lines = result.tables["order_lines"]
    assert lines["unit_price"].tolist() == [1234.56, 99.9, 12.5, 1000.0]
    # 10% in an amount column is a share of the line's list value (3 x 1,000.00), said once
    assert lines["discount"].tolist() == [-10.0, 0.0, -1.25, 300.0]
    assert any("1 discount written with % (e.g. '10%')" in note for note in result.quality)
    assert lines["cost"].tolist() == [1200.0, 50.0, 6.0, 1500.0]
    assert result.rejects.empty
    _assert_balanced(result)


def test_dollar_thousands_commas(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(
        f'{HEADER}\nO1,C1,2023-01-05,P1,2,"$1,234.50",$0.00,$600.00\n'
        'O2,C1,2023-01-05,P1,1,"USD 2,000",0,"1,000.00"\n'
    )
    lines = _ingest(tmp_path, {"order_lines": {"path": "orders.csv"}}).tables["order_lines"]
    assert lines["unit_price"].tolist() == [1234.5, 2000.0]
    assert lines["revenue"].tolist() == [2469.0, 2000.0]


@pytest.mark.parametrize(
    ("dates", "options", "expected"),
    [
        (["11/8/2020", "12/24/2020", "1/31/2021"], {}, ["2020-11-08", "2020-12-24", "2021-01-31"]),
        (
            ["2020-11-08", "2020-12-24", "2021-01-31"],
            {},
            ["2020-11-08", "2020-12-24", "2021-01-31"],
        ),
        (
            ["08.11.2020", "24.12.2020", "31.01.2021"],
            {},
            ["2020-11-08", "2020-12-24", "2021-01-31"],
        ),
        (
            ["11/8/2020", "1/2/2021", "3/4/2021"],
            {"dayfirst": True},
            ["2020-08-11", "2021-02-01", "2021-04-03"],
        ),
        (
            ["8/11/2020", "2/1/2021", "4/3/2021"],
            {"date_format": "%d/%m/%Y"},
            ["2020-11-08", "2021-01-02", "2021-03-04"],
        ),
    ],
    ids=["m/d/yyyy", "iso", "dd.mm.yyyy", "ambiguous-dayfirst", "configured"],
)
def test_date_formats(tmp_path: Path, dates: list[str], options: dict, expected: list[str]) -> None:
    rows = "".join(f"O{i},C1,{d},P1,1,10.00,0,6.00\n" for i, d in enumerate(dates))
    (tmp_path / "orders.csv").write_text(f"{HEADER}\n{rows}")
    result = _ingest(tmp_path, {"order_lines": {"path": "orders.csv", **options}})
    got = result.tables["order_lines"]["order_date"].dt.strftime("%Y-%m-%d").tolist()
    assert got == expected
    ambiguous = [q for q in result.quality if "read both as day/month and month/day" in q]
    assert bool(ambiguous) == ("dayfirst" in options)


def test_ambiguous_dates_are_said_in_quality_findings(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(f"{HEADER}\nO1,C1,1/2/2021,P1,1,10.00,0,6.00\n")
    result = _ingest(tmp_path, {"order_lines": {"path": "orders.csv"}})
    assert (
        "order_lines: dates in column 'order_date' of orders.csv read both as day/month and "
        "month/day (no day above 12); read as mm/dd/yyyy (dayfirst: false); set date_format to be sure."
    ) in result.quality
    assert result.tables["order_lines"]["order_date"].iloc[0] == pd.Timestamp("2021-01-02")


# ---- formats --------------------------------------------------------------------------------
def test_xlsx_export(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    import datetime as dt

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Orders"
    ws.append(["Report of orders"])
    ws.append(["Order", "Customer", "Date", "Product", "Qty", "Price", "Disc", "Cost"])
    ws.append(["O1", "C1", dt.datetime(2023, 1, 5), "P1", 2, 10.5, 0, 6])
    ws.append([1002, "C2", dt.datetime(2023, 1, 6), "P2", 1, 12, 1.5, 6])
    ws.append([None] * 8)  # Excel's trailing formatted rows are not data
    wb.save(tmp_path / "orders.xlsx")
    cols = dict(
        zip(
            [
                "order_id",
                "customer_id",
                "order_date",
                "product_id",
                "quantity",
                "unit_price",
                "discount",
                "unit_cost",
            ],
            ["Order", "Customer", "Date", "Product", "Qty", "Price", "Disc", "Cost"],
            strict=True,
        )
    )
    spec = {"path": "orders.xlsx", "sheet": "Orders", "skip_rows": 1, "columns": cols}
    result = _ingest(tmp_path, {"order_lines": spec})
    lines = result.tables["order_lines"]
    assert lines["order_id"].tolist() == ["O1", "1002"]
    assert lines["revenue"].tolist() == [21.0, 10.5]
    assert lines["source_row"].tolist() == [3, 4]
    assert lines["order_date"].tolist() == [pd.Timestamp("2023-01-05"), pd.Timestamp("2023-01-06")]


def test_parquet_export_with_canonical_names(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "order_id": ["O1", "O1", "O2"],
            "customer_id": ["C1", "C1", None],
            "order_date": pd.to_datetime(["2023-01-05", "2023-01-05", "2023-01-06"]),
            "product_id": ["P1", "P2", "P1"],
            "quantity": [2, 1, -1],
            "unit_price": [10.0, 20.0, 10.0],
            "discount": [1.0, 0.0, 0.0],
            "unit_cost": [6.0, 12.0, 6.0],
            "channel": ["online", "online", "field"],
        }
    )
    frame.to_parquet(tmp_path / "orders.parquet")
    result = _ingest(tmp_path, {"order_lines": {"path": "orders.parquet"}})
    lines = result.tables["order_lines"]
    assert lines["revenue"].tolist() == [19.0, 20.0, -10.0]
    assert lines["cost"].tolist() == [12.0, 12.0, -6.0]
    assert lines["line_no"].tolist() == [1, 2, 1]
    assert lines["is_return"].tolist() == [False, False, True]
    assert lines["customer_id"].tolist() == ["C1", "C1", schema.UNATTRIBUTED]
    assert lines["source_row"].tolist() == [1, 2, 3]
    assert not lines["cost_assumed"].any()


# ---- amount modes ---------------------------------------------------------------------------
def test_superstore_style_line_export(tmp_path: Path) -> None:
    (tmp_path / "superstore.csv").write_text(
        "Row ID,Order ID,Order Date,Ship Mode,Customer ID,Segment,Region,Product ID,Sales,Quantity,Discount,Profit\n"
        "1,CA-2016-152156,11/8/2016,Second Class,CG-12520,Consumer,South,FUR-BO-10001798,261.96,2,0,41.9136\n"
        "2,CA-2016-152156,11/8/2016,Second Class,CG-12520,Consumer,South,FUR-CH-10000454,731.94,3,0,219.582\n"
        "3,CA-2016-138688,6/12/2016,Second Class,DV-13045,Corporate,West,OFF-LA-10000240,14.62,2,0,6.8714\n"
        "4,US-2015-108966,10/11/2015,Standard Class,SO-20335,Consumer,South,FUR-TA-10000577,957.5775,5,0.45,-383.031\n"
    )
    spec = {
        "path": "superstore.csv",
        "amounts": "line",
        "discount_as": "fraction",
        "columns": {
            "order_id": "Order ID",
            "order_date": "Order Date",
            "ship_mode": "Ship Mode",
            "customer_id": "Customer ID",
            "region": "Region",
            "product_id": "Product ID",
            "sales": "Sales",
            "quantity": "Quantity",
            "discount": "Discount",
            "profit": "Profit",
        },
    }
    result = _ingest(tmp_path, {"order_lines": spec})
    lines = result.tables["order_lines"]
    np.testing.assert_allclose(lines["revenue"], [261.96, 731.94, 14.62, 957.5775])
    np.testing.assert_allclose(
        lines["cost"], [261.96 - 41.9136, 731.94 - 219.582, 14.62 - 6.8714, 957.5775 + 383.031]
    )
    # list value 957.5775 / (1 - 0.45) = 1741.05 over 5 units
    np.testing.assert_allclose(lines["unit_price"], [130.98, 243.98, 7.31, 348.21])
    np.testing.assert_allclose(lines["discount"], [0, 0, 0, 1741.05 - 957.5775])
    np.testing.assert_allclose(
        lines["quantity"] * lines["unit_price"] - lines["discount"], lines["revenue"]
    )
    assert lines["order_date"].iloc[0] == pd.Timestamp("2016-11-08")
    assert lines["line_no"].tolist() == [1, 2, 1, 1]
    assert not lines["cost_assumed"].any()
    _assert_balanced(result)


def test_revenue_only_export_assumes_cost_from_gross_margin(tmp_path: Path) -> None:
    (tmp_path / "invoices.csv").write_text(
        "invoice,client,date,amount\nI1,C1,2023-01-05,100.00\nI2,C2,2023-01-06,-40.00\nI3,,2023-01-07,60.00\n"
    )
    spec = {
        "path": "invoices.csv",
        "amounts": "revenue_only",
        "columns": {
            "order_id": "invoice",
            "customer_id": "client",
            "order_date": "date",
            "sales": "amount",
        },
    }
    result = _ingest(tmp_path, {"order_lines": spec}, assumptions={"gross_margin": 0.25})
    lines = result.tables["order_lines"]
    assert lines["revenue"].tolist() == [100.0, -40.0, 60.0]
    assert lines["cost"].tolist() == [75.0, -30.0, 45.0]
    assert lines["cost_assumed"].all()
    assert lines["is_return"].tolist() == [False, True, False]
    assert lines["quantity"].tolist() == [1.0, -1.0, 1.0]
    assert (
        "order_lines: cost of goods is not in the export for 3 lines (100% of revenue); "
        "assumed from a gross margin of 25% (assumptions.gross_margin)."
    ) in result.quality
    recon = result.reconciliation.iloc[0]
    assert recon["revenue_unattributed"] == 60.0 and recon["revenue_attributed"] == 60.0


def test_credit_note_flag_and_fraction_discount(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(
        "order_id,type,customer_id,order_date,product_id,quantity,unit_price,discount\n"
        "O1,Invoice,C1,2023-01-05,P1,4,25.00,0.1\n"
        "CN1,Credit Note,C1,2023-01-09,P1,1,25.00,0.1\n"
    )
    spec = {"path": "orders.csv", "discount_as": "fraction", "columns": {"credit_note": "type"}}
    lines = _ingest(tmp_path, {"order_lines": spec}).tables["order_lines"]
    assert lines["quantity"].tolist() == [4.0, -1.0]
    assert lines["discount"].tolist() == [10.0, -2.5]
    assert lines["revenue"].tolist() == [90.0, -22.5]
    assert lines["is_return"].tolist() == [False, True]
    assert lines["cost_assumed"].all()  # no cost column: assumed from the gross margin


# ---- the example export, end to end ---------------------------------------------------------
def test_example_export_end_to_end(tmp_path: Path) -> None:
    config = load_config(paths.CONFIGS_DIR / "example-export.yaml")
    result = ingest_dataset(config, tmp_path)
    lines = result.tables["order_lines"]
    assert len(lines) == 15
    assert lines["is_duplicate"].sum() == 1
    assert lines.loc[lines["is_return"], "order_id"].tolist() == ["G-2023-0001"]
    assert lines.loc[lines["is_return"], "revenue"].tolist() == [-19.95]
    assert (lines["customer_id"] == schema.UNATTRIBUTED).sum() == 1
    assert lines["unit_price"].max() == 1250.0
    assert result.rejects[["source_row", "reason"]].values.tolist() == [
        [14, "column 'Einzelpreis': 'k.A.' is not a number (expected e.g. 1234,56 or 1.234,56)"]
    ]
    assert "Händler" in result.rejects["raw"].iloc[0]
    recon = result.reconciliation.set_index("table")
    assert recon.loc["order_lines", "rows_in"] == 16
    assert recon.loc["order_lines", "revenue_in"] == round(lines["revenue"].sum(), 2) == 44561.71
    assert recon.loc["order_lines", "revenue_unattributed"] == 89.9
    assert recon.loc["order_lines", "rows_revenue_unknown"] == 1
    assert recon["balanced"].all()
    customers = result.tables["customers"]
    assert customers["rebate_rate"].tolist()[:3] == [0.03, 0.0, 0.015]
    assert customers["key_account"].tolist()[:2] == [True, False]
    assert customers["closed_date"].notna().sum() == 1
    # written outputs: canonical Parquet + rejects + reconciliation + summary
    for name, frame in result.tables.items():
        back = pd.read_parquet(tmp_path / f"{name}.parquet")
        assert list(back.columns) == list(schema.CANONICAL[name])
        pd.testing.assert_frame_equal(back, frame)
    rejects = pd.read_csv(tmp_path / "rejects.csv")
    assert list(rejects.columns) == list(REJECT_COLUMNS)
    recon_csv = pd.read_csv(tmp_path / "reconciliation.csv")
    assert list(recon_csv.columns) == list(RECONCILIATION_COLUMNS)
    summary = json.loads((tmp_path / "ingest.json").read_text(encoding="utf-8"))
    assert summary["balanced"] is True and summary["quality"] == result.quality
    assert set(result.dictionary.columns) == {
        "table",
        "column",
        "source_column",
        "dtype",
        "kind",
        "non_null",
        "example",
    }
    assert (
        result.dictionary.set_index(["table", "column"]).loc[
            ("order_lines", "unit_price"), "source_column"
        ]
        == "Einzelpreis"
    )
    kinds = result.dictionary.set_index(["table", "column"])["kind"]
    assert kinds[("order_lines", "unit_price")] == "number"
    assert kinds[("order_lines", "order_date")] == "date"
    assert kinds[("order_lines", "order_id")] == "text"


def test_schema_dtypes_of_written_tables(tmp_path: Path) -> None:
    config = load_config(paths.CONFIGS_DIR / "example-export.yaml")
    result = ingest_dataset(config, tmp_path)
    lines = result.tables["order_lines"]
    kinds = {
        "string": "string",
        "float64": "float64",
        "int64": "int64",
        "bool": "bool",
        "date": "datetime64[ns]",
    }
    for col, dtype in schema.ORDER_LINES.items():
        assert str(lines[col].dtype) == kinds[dtype], col


def test_load_table_one_table(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(
        f"{HEADER}\nO1,C1,2023-01-05,P1,2,10.00,0,6.00\nO2,C2,2023-01-06,P2,1,-1,0,6.00\n"
    )
    config = _config(tmp_path, {"order_lines": {"path": "orders.csv"}})
    accepted, rejects = load_table(config["tables"]["order_lines"], "order_lines", config)
    assert accepted["order_id"].tolist() == ["O1"]
    assert rejects["source_row"].tolist() == [3]


def test_several_files_by_glob_reconcile_per_file_and_in_total(tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "2023.csv").write_text(
        f"{HEADER}\nO1,C1,2023-01-05,P1,2,10.00,0,6.00\n"
    )
    (tmp_path / "exports" / "2024.csv").write_text(
        f"{HEADER}\nO2,C1,2024-01-05,P1,1,10.00,0,6.00\nO3,C1,2024-01-05,P1,1,x,0,6.00\n"
    )
    result = _ingest(tmp_path, {"order_lines": {"path": "exports/*.csv"}})
    recon = result.reconciliation
    assert recon["source_file"].tolist() == ["exports/2023.csv", "exports/2024.csv", "(all files)"]
    assert recon["rows_in"].tolist() == [1, 2, 3]
    assert recon["revenue_accepted"].tolist() == [20.0, 10.0, 30.0]
    assert recon["balanced"].all()
    assert result.tables["order_lines"]["source_file"].tolist() == [
        "exports/2023.csv",
        "exports/2024.csv",
    ]


def test_quoted_newlines_keep_line_numbers(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(
        f'{HEADER},note\nO1,C1,2023-01-05,P1,2,10.00,0,6.00,"two\nlines"\nO2,C1,2023-01-05,P1,2,bad,0,6.00,x\n'
    )
    result = _ingest(tmp_path, {"order_lines": {"path": "orders.csv"}})
    assert result.tables["order_lines"]["source_row"].tolist() == [2]
    assert result.rejects["source_row"].tolist() == [4]


def test_sample_world_ingests(sample_config: Path, tmp_path: Path) -> None:
    start = time.perf_counter()
    result = ingest_dataset(load_config(sample_config), tmp_path)
    seconds = time.perf_counter() - start
    assert result.reconciliation["balanced"].all()
    assert len(result.tables["order_lines"]) > 0
    assert seconds < 60
