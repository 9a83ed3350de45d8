"""Exports for spreadsheets: formulas neutralised, numbers untouched, both formats written."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from helpers.exports import excel_cap_note, neutralise_formulas, write_table


def test_formula_cells_are_neutralised(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "name": ['=HYPERLINK("http://x","y")', "+1+1", "-2+A1", "@SUM(A1)", "Acme Ltd", "\t=1"],
            "profit": [-5.0, 1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    csv_path, xlsx_path = write_table(frame, tmp_path / "actions")
    back = pd.read_csv(csv_path, encoding="utf-8-sig")
    assert back["name"].tolist() == ["'" + v for v in frame["name"][:4]] + ["Acme Ltd", "'\t=1"]
    assert back["profit"].tolist() == frame["profit"].tolist()
    sheet = openpyxl.load_workbook(xlsx_path).active
    cells = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert all(not (isinstance(c, str) and c.startswith("=")) for c in cells)
    assert sheet.cell(row=2, column=2).value == -5.0  # numbers stay numbers


@given(st.lists(st.text(max_size=12), min_size=1, max_size=20))
def test_no_cell_starts_a_formula(values: list[str]) -> None:
    out = neutralise_formulas(pd.DataFrame({"v": values}))
    negative_number = out["v"].str.fullmatch(r"-\d+(?:[.,]\d+)*")
    assert not (out["v"].str.startswith(("=", "+", "-", "@")) & ~negative_number).any()
    assert all(o in (v, "'" + v) for o, v in zip(out["v"], values, strict=True))
    assert len(out) == len(values)


def test_input_not_mutated() -> None:
    frame = pd.DataFrame({"v": ["=1"]})
    neutralise_formulas(frame)
    assert frame["v"].iloc[0] == "=1"


def test_a_negative_number_held_as_text_stays_readable() -> None:
    out = neutralise_formulas(pd.DataFrame({"v": ["-11062.06", "-1.234,56", "-2", "-2+A1", "-"]}))
    assert out["v"].tolist() == ["-11062.06", "-1.234,56", "-2", "'-2+A1", "'-"]


def test_excel_is_formatted_for_people_and_csv_has_no_float_noise(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["C1", "C2"],
            "net_revenue": [1219.4299999999998, 25_000.5],
            "orders": [3, 12],
            "probability_profitable": [0.986, 0.5],
            "last_order": pd.to_datetime(["2024-03-01", "2024-11-30"]),
        }
    )
    csv_path, xlsx_path = write_table(frame, tmp_path / "q1_action_list")
    text = csv_path.read_text(encoding="utf-8-sig")
    assert "1219.43," in text and "99999" not in text
    assert "2024-03-01" in text and "00:00:00" not in text
    assert (
        text.splitlines()[0] == "customer_id,net_revenue,orders,probability_profitable,last_order"
    )
    sheet = openpyxl.load_workbook(xlsx_path).active
    assert sheet.title == "q1 action list"
    assert [c.value for c in sheet[1]] == [
        "Customer ID", "Net revenue", "Orders", "Probability profitable", "Last order"
    ]  # fmt: skip
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:E3"
    formats = {cell.column_letter: cell.number_format for cell in sheet[2]}
    assert formats["B"] == "#,##0.00" and formats["C"] == "#,##0"
    assert formats["D"] == "0.0%" and formats["E"] == "yyyy-mm-dd"
    assert sheet["D2"].value == 0.986  # the value stays a number; only its display changes
    assert sheet.column_dimensions["A"].width >= len("Customer ID")


def test_excel_cells_keep_their_types_and_missing_values_stay_empty(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "name": ["Acme", None, "", "Beta"],
            "profit": [1.5, float("nan"), float("inf"), -2.0],
            "orders": pd.array([1, None, 3, 4], dtype="Int64"),
            "first_order": pd.to_datetime(["2024-01-02", None, "2024-03-04", "2024-05-06"]),
            "key_account": [True, False, True, False],
        }
    )
    _, xlsx_path = write_table(frame, tmp_path / "cells")
    rows = list(openpyxl.load_workbook(xlsx_path).active.iter_rows(min_row=2, values_only=True))
    assert rows[0][:3] == ("Acme", 1.5, 1) and rows[0][4] == "yes"
    assert rows[1][:4] == (None, None, None, None)  # missing values leave the cell empty
    assert rows[2][0] is None and rows[2][1] == "inf"  # as pandas' to_excel wrote them
    assert rows[3][3].date().isoformat() == "2024-05-06"


def test_excel_export_is_capped_and_says_so(tmp_path: Path) -> None:
    frame = pd.DataFrame({"customer_id": [f"C{i}" for i in range(25)], "profit": range(25)})
    csv_path, xlsx_path = write_table(frame, tmp_path / "customer_pnl", max_rows=10)
    sheet = openpyxl.load_workbook(xlsx_path).active
    assert sheet.max_row == 11 and sheet["A11"].value == "C9"  # header + the first 10 rows
    assert sheet.auto_filter.ref == "A1:B11"
    assert len(pd.read_csv(csv_path, encoding="utf-8-sig")) == 25  # the CSV holds them all
    note = excel_cap_note("customer_pnl", 25, 10)
    assert note == (
        "customer_pnl.xlsx holds the first 10 of 25 rows (in the table's order); "
        "customer_pnl.csv holds them all."
    )
    assert excel_cap_note("customer_pnl", 10, 10) == "" and excel_cap_note("x", 5, None) == ""
