"""Silent misreads turned into right numbers or said reasons: exact money, total lines, amounts
too large to count, control characters in ids, discounts over the list value, multi-reason
rejects naming the right column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from helpers.config import load_config
from helpers.ingest import IngestError, ingest_dataset
from helpers.ingest.money import exact_total, to_money

HEADER = "order_id,customer_id,order_date,product_id,quantity,unit_price,discount,unit_cost"
SUPERSTORE = Path(__file__).resolve().parents[3] / "shared" / "data" / "real" / "superstore"


def _ingest(folder: Path, tables: dict):
    (folder / "config.yaml").write_text(yaml.safe_dump({"name": "t", "tables": tables}))
    return ingest_dataset(load_config(folder / "config.yaml"), folder / "out")


def _write(folder: Path, name: str, body: str) -> str:
    (folder / name).write_text(body, encoding="utf-8")
    return name


# ---- exact money ----------------------------------------------------------------------------
def test_exact_total_adds_unrounded_amounts() -> None:
    # 1,000 lines of 0.004: rounded per line they would add to 0.00; exactly they make 4.00
    assert to_money(exact_total(np.full(1000, 0.004))) == 4.0
    assert to_money(exact_total(np.array([2297200.8603]))) == 2297200.86
    assert to_money(exact_total(np.array([0.005]))) == 0.01  # half up
    assert to_money(exact_total(np.array([-0.005, np.nan]))) == -0.01


def test_reconciliation_sums_unrounded_line_revenue(tmp_path: Path) -> None:
    # three lines of 3 x 0.334 = 1.002 each: 3.006 in all (per-line cents would say 3.00)
    rows = "".join(f"O{i},C1,2023-01-05,P1,3,0.334,0,0.1\n" for i in range(3))
    result = _ingest(
        tmp_path, {"order_lines": {"path": _write(tmp_path, "o.csv", HEADER + "\n" + rows)}}
    )
    recon = result.reconciliation.iloc[0]
    assert recon["revenue_in"] == recon["revenue_accepted"] == 3.01
    assert round(result.tables["order_lines"]["revenue"].sum(), 2) == 3.01
    assert bool(recon["balanced"])


@pytest.mark.skipif(not SUPERSTORE.exists(), reason="the shared real corpus is not here")
def test_superstore_revenue_to_the_cent(tmp_path: Path) -> None:
    spec = {
        "path": str(SUPERSTORE / "superstore.csv"),
        "amounts": "line",
        "discount_as": "fraction",
        "columns": {
            "order_id": "Order ID",
            "order_date": "Order Date",
            "customer_id": "Customer ID",
            "product_id": "Product ID",
            "sales": "Sales",
            "quantity": "Quantity",
            "discount": "Discount",
            "profit": "Profit",
        },
    }
    result = _ingest(tmp_path, {"order_lines": spec})
    recon = result.reconciliation.iloc[0]
    # SOURCE.md: sum of Sales 2,297,200.8603, computed independently with pandas
    assert recon["revenue_in"] == recon["revenue_accepted"] == 2_297_200.86
    assert round(result.tables["order_lines"]["revenue"].sum(), 2) == 2_297_200.86


# ---- rows that parse but cannot be right ----------------------------------------------------
def test_total_line_is_not_counted_in_revenue_in(tmp_path: Path) -> None:
    body = (
        "Beleg;Kunde;Datum;Artikel;Menge;Preis\n"
        "B1;K1;05.01.2023;P1;2;10,00\n"
        "B2;K2;06.01.2023;P1;1;30,00\n"
        ";;Total;;3;50,00\n"
    )
    spec = {
        "path": _write(tmp_path, "e.csv", body),
        "columns": {
            "order_id": "Beleg",
            "customer_id": "Kunde",
            "order_date": "Datum",
            "product_id": "Artikel",
            "quantity": "Menge",
            "unit_price": "Preis",
        },
    }
    result = _ingest(tmp_path, {"order_lines": spec})
    recon = result.reconciliation.iloc[0]
    assert recon["revenue_in"] == recon["revenue_accepted"] == 50.0  # not 200 = 50 + 3 x 50
    assert recon["revenue_rejected"] == 0.0 and bool(recon["balanced"])
    assert recon["rows_revenue_unknown"] == 0
    reject = result.rejects.iloc[0]
    # the reject names the column that held "Total", with that value
    assert (reject["source_row"], reject["column"], reject["value"]) == (4, "Datum", "Total")
    assert reject["reason"].startswith(
        "column 'Datum': 'Total' is a total line (expected one order line per row; not counted "
        "in revenue in); column 'Beleg': value is empty"
    )


def test_multi_reason_reject_pairs_column_and_value(tmp_path: Path) -> None:
    body = HEADER + "\n" + "O1,C1,2023-01-05,P1,1,10,0,6\n" + ",C1,soon,P1,1,10,0,6\n"
    result = _ingest(tmp_path, {"order_lines": {"path": _write(tmp_path, "o.csv", body)}})
    reject = result.rejects.iloc[0]
    # the first failure is the empty order id: its column goes with its (empty) value
    assert (reject["column"], reject["value"]) == ("order_id", None)
    assert reject["reason"] == (
        "column 'order_id': value is empty (expected a value for order_id); "
        "column 'order_date': 'soon' is not a date (expected yyyy-mm-dd, e.g. 2020-11-08)"
    )


def test_amount_too_large_to_count_is_refused(tmp_path: Path) -> None:
    body = HEADER + "\nO1,C1,2023-01-05,P1,1,10,0,6\nO2,C1,2023-01-05,P1,1,1e20,0,6\n"
    result = _ingest(tmp_path, {"order_lines": {"path": _write(tmp_path, "o.csv", body)}})
    recon = result.reconciliation.iloc[0]
    assert recon["revenue_in"] == recon["revenue_accepted"] == 10.0
    assert recon["rows_revenue_unknown"] == 1 and bool(recon["balanced"])
    assert result.rejects["reason"].tolist() == [
        "column 'unit_price': '1e20' makes a line revenue too large to count to the cent "
        "(expected at most 90,071,992,547,409.92 per line)"
    ]


def test_nul_byte_in_a_customer_id_is_rejected(tmp_path: Path) -> None:
    body = HEADER + "\nO1,C1,2023-01-05,P1,1,10,0,6\nO2,C1\x00,2023-01-05,P1,1,10,0,6\n"
    result = _ingest(tmp_path, {"order_lines": {"path": _write(tmp_path, "o.csv", body)}})
    assert result.tables["order_lines"]["customer_id"].tolist() == ["C1"]
    assert result.rejects["reason"].tolist() == [
        "column 'customer_id': 'C1\\x00' contains a control character such as a NUL byte "
        "(expected printable text)"
    ]
    assert result.rejects["value"].tolist() == ["C1\\x00"]
    assert "\x00" not in (tmp_path / "out" / "rejects.csv").read_text(encoding="utf-8")


def test_discount_over_the_list_value_is_said(tmp_path: Path) -> None:
    body = HEADER + "\nO1,C1,2023-01-05,P1,1,100,120,6\nO2,C1,2023-01-05,P1,1,10,0,6\n"
    result = _ingest(tmp_path, {"order_lines": {"path": _write(tmp_path, "o.csv", body)}})
    assert result.tables["order_lines"]["revenue"].tolist() == [-20.0, 10.0]
    assert (
        "order_lines: 1 line of o.csv carries a discount larger than the line's list value, so "
        "the sale is negative (e.g. row 2: discount 120.00 on 100.00); kept as they are "
        "(revenue -20.00): check the discount column."
    ) in result.quality


# ---- whole-file problems --------------------------------------------------------------------
def test_columns_differing_only_in_case_are_refused(tmp_path: Path) -> None:
    body = HEADER + ",Quantity\nO1,C1,2023-01-05,P1,1,10,0,6,5\n"
    with pytest.raises(IngestError) as info:
        _ingest(tmp_path, {"order_lines": {"path": _write(tmp_path, "o.csv", body)}})
    assert str(info.value) == (
        "o.csv: row 1 (header): columns 'quantity' and 'Quantity' differ only in case or "
        "spacing (expected one column for order_lines.quantity; map the right one under "
        "tables.order_lines.columns.quantity)"
    )
    # mapped explicitly, the choice is the config's
    result = _ingest(
        tmp_path, {"order_lines": {"path": "o.csv", "columns": {"quantity": "Quantity"}}}
    )
    assert result.tables["order_lines"]["quantity"].tolist() == [5]


def test_the_same_file_listed_twice_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "o.csv", HEADER + "\nO1,C1,2023-01-05,P1,1,10,0,6\n")
    with pytest.raises(IngestError) as info:
        _ingest(tmp_path, {"order_lines": {"path": ["o.csv", "*.csv"]}})
    assert str(info.value) == (
        f"{tmp_path / 'config.yaml'}: tables.order_lines.path: 'o.csv' is listed twice "
        "(expected each file once; its lines would be counted twice)"
    )


def test_overlapping_exports_are_flagged(tmp_path: Path) -> None:
    _write(
        tmp_path, "a.csv", HEADER + "\nO1,C1,2023-01-05,P1,1,10,0,6\nO2,C1,2023-01-06,P1,2,10,0,6\n"
    )
    _write(
        tmp_path, "b.csv", HEADER + "\nO2,C1,2023-01-06,P1,2,10,0,6\nO3,C2,2023-01-07,P1,1,5,0,3\n"
    )
    result = _ingest(tmp_path, {"order_lines": {"path": ["a.csv", "b.csv"]}})
    lines = result.tables["order_lines"]
    assert lines["is_duplicate"].tolist() == [False, False, True, False]
    assert (
        "order_lines: 1 line of b.csv repeats lines of a.csv (same order, customer, date, "
        "product, quantity and revenue): the exports overlap; flagged is_duplicate "
        "(revenue 20.00)."
    ) in result.quality


@pytest.mark.parametrize("head_rows", [2, 40_000], ids=["in the head", "past the head"])
def test_utf8_file_with_a_few_cp1252_lines_is_read_line_by_line(
    tmp_path: Path, head_rows: int
) -> None:
    utf8 = "".join(f"O{i},Müller-{i % 3},2023-01-05,P1,1,10,0,6\n" for i in range(head_rows))
    latin = "O-x,Großhändler,2023-01-06,P1,1,5,0,3\n".encode("cp1252")
    (tmp_path / "o.csv").write_bytes((HEADER + "\n" + utf8).encode("utf-8") + latin)
    result = _ingest(tmp_path, {"order_lines": {"path": "o.csv"}})
    customers = result.tables["order_lines"]["customer_id"]
    assert customers.iloc[0] == "Müller-0"  # UTF-8 lines stay UTF-8, no mojibake
    assert customers.iloc[-1] == "Großhändler"
    line = head_rows + 2
    assert (
        f"order_lines: o.csv read as CSV in utf-8 (utf-8 by line, else cp1252), delimiter ',' "
        f"(1 line not UTF-8, read as cp1252: {line}), dates as yyyy-mm-dd: "
        f"{head_rows + 1:,} rows."
    ) in result.quality


# ---- clear refusals and safe outputs --------------------------------------------------------
def test_every_shipped_csv_is_neutralised_but_negative_numbers_stay_readable(
    tmp_path: Path,
) -> None:
    body = (
        HEADER
        + '\nO1,"=HYPERLINK(""http://x"",""y"")",2023-01-05,P1,1,10,0,6\nO2,C2,2023-01-05,P1,1,-11062.06,0,6\n'
    )
    _ingest(tmp_path, {"order_lines": {"path": _write(tmp_path, "o.csv", body)}})
    out = tmp_path / "out"
    dictionary = pd.read_csv(out / "dictionary.csv", dtype=str, keep_default_na=False)
    example = dictionary.set_index("column").loc["customer_id", "example"]
    assert example == '\'=HYPERLINK("http://x","y")'
    rejects = pd.read_csv(out / "rejects.csv", dtype=str, keep_default_na=False)
    assert rejects["value"].tolist() == ["-11062.06"]  # a number as text is no formula


@pytest.mark.parametrize(
    "body, message",
    [
        (
            HEADER
            + '\nO1,C1,2023-01-05,P1,1,10,0,6\nO2,"'
            + "x" * (1 << 21)
            + '",2023-01-05,P1,1,10,0,6\n',
            "o.csv: row 3, column 'customer_id': a field of 2,097,152 characters (expected at "
            "most 1,048,576; an unbalanced quote may have swallowed the lines after it)",
        ),
        (
            HEADER
            + '\nO1,C1,2023-01-05,P1,1,10,0,6\nO2,"'
            + "x" * (1 << 25)
            + '",2023-01-05,P1,1,10,0,6\n',
            "o.csv: row 3: a line of 33,554,461 bytes (expected fields of at most 1,048,576 "
            "characters; an unbalanced quote may have swallowed the lines after it)",
        ),
    ],
    ids=["2 MB field", "32 MB line: 4 + 2**25 + 25 bytes"],
)
def test_huge_fields_are_refused_with_row_and_column(
    tmp_path: Path, body: str, message: str
) -> None:
    with pytest.raises(IngestError) as info:
        _ingest(tmp_path, {"order_lines": {"path": _write(tmp_path, "o.csv", body)}})
    assert str(info.value) == message


def test_parquet_list_column_and_far_dates_are_refused_or_rejected(tmp_path: Path) -> None:
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    base = {
        "order_id": ["O1", "O2"],
        "order_date": [dt.date(2023, 1, 5), dt.date(2600, 6, 15)],
        "product_id": ["P1", "P1"],
        "quantity": [1, 1],
        "unit_price": [10.0, 10.0],
    }
    pq.write_table(pa.table(base | {"customer_id": [["C1", "C2"], ["C3"]]}), tmp_path / "l.parquet")
    with pytest.raises(IngestError) as info:
        _ingest(tmp_path, {"order_lines": {"path": "l.parquet"}})
    assert str(info.value) == (
        "l.parquet: columns: column 'customer_id' holds lists or records (expected one value "
        "per cell; flatten it before export)"
    )
    pq.write_table(pa.table(base | {"customer_id": ["C1", "C2"]}), tmp_path / "d.parquet")
    result = _ingest(tmp_path, {"order_lines": {"path": "d.parquet"}})
    assert result.tables["order_lines"]["order_id"].tolist() == ["O1"]
    assert result.rejects["reason"].tolist() == [
        "column 'order_date': '2600-06-15' is out of range (expected a date between 1970-01-01 "
        "and 2099-12-31)"
    ]


def test_a_csv_date_beyond_2262_is_rejected_not_wrapped(tmp_path: Path) -> None:
    body = HEADER + "\nO1,C1,2023-01-05,P1,1,10,0,6\nO2,C1,2600-06-15,P1,1,10,0,6\n"
    result = _ingest(tmp_path, {"order_lines": {"path": _write(tmp_path, "o.csv", body)}})
    assert result.tables["order_lines"]["order_date"].dt.year.tolist() == [2023]
    assert result.rejects["reason"].tolist() == [
        "column 'order_date': '2600-06-15' is out of range (expected a date between 1970-01-01 "
        "and 2099-12-31)"
    ]


def test_an_over_long_whole_number_is_rejected(tmp_path: Path) -> None:
    body = "order_id,line_no,customer_id,order_date,product_id,quantity,unit_price\nO1,99999999999999999999,C1,2023-01-05,P1,1,10\n"
    result = _ingest(tmp_path, {"order_lines": {"path": _write(tmp_path, "o.csv", body)}})
    assert result.rejects["reason"].tolist() == [
        "column 'line_no': '99999999999999999999' is too large (expected a whole number below "
        "9,223,372,036,854,775,808)"
    ]
