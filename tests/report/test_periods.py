"""Periods in a run: what is asked is resolved against the data, an empty one stops before the
notebooks (exit 2), and the reconciliation compares the period's lines with the period's ledger."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from report_cases import CASE, empty_period_case

from helpers.config import load_config
from helpers.ledger import build_ledger
from helpers.report.errors import EXIT_CODES, BadInput
from helpers.report.metrics import reconciliation_block
from helpers.report.run import run_report
from helpers.report.workspace import in_period, open_workspace, prepare
from helpers.results import json_safe

_case = empty_period_case


def test_a_period_without_lines_stops_before_the_notebooks(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    with pytest.raises(BadInput) as info:
        run_report(_case(tmp_path), "2030-01-01:2030-12-31", out, progress=False)
    assert info.value.exit_code == EXIT_CODES["bad_input"] == 2
    message = str(info.value)
    assert "period 2030-01-01 to 2030-12-31" in message
    assert "the data covers 2023-01-01 to 2024-11-29 (756 accepted lines)" in message
    assert sorted(p.name for p in out.iterdir()) == [".lock"]  # nothing rendered or kept


def test_an_input_with_every_row_rejected_stops_and_keeps_the_rejects(tmp_path: Path) -> None:
    config = _case(tmp_path, '    date_format: "%Y/%m/%d"\n')  # no date reads: all 757 rejected
    out = tmp_path / "reports"
    with pytest.raises(BadInput, match="no order line was accepted") as info:
        run_report(config, "", out, progress=False)
    assert "period asked: all; the accepted data covers no dates" in str(info.value)
    kept = list((out / "failed").glob("*/rejects.csv"))
    assert len(kept) == 1 and len(pd.read_csv(kept[0])) == 757
    assert not (out / "latest").exists() and not list(out.glob(".tmp-*"))


def test_now_is_not_a_date(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="period start 'now': expected an ISO date"):
        run_report(_case(tmp_path), "now:", tmp_path / "reports", progress=False)
    assert not (tmp_path / "reports").exists()


def test_a_relative_period_resolved_as_of_the_data_selecting_nothing_says_so(
    tmp_path: Path,
) -> None:
    # the data ends 2024-11-29: as of the data, last-month is October 2024 (which has lines);
    # as of 2031-01-01 it is December 2030, which has none
    with pytest.raises(BadInput, match=r"period 2030-12-01 to 2030-12-31 \(asked: last-month\)"):
        run_report(
            _case(tmp_path), "last-month", tmp_path / "r", progress=False, as_of="2031-01-01"
        )


def test_bad_as_of_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="--as-of 'yesterday'"):
        run_report(_case(tmp_path), "last-month", tmp_path / "r", progress=False, as_of="yesterday")


def test_workspace_tables_are_cut_to_the_period(tmp_path: Path) -> None:
    ws = open_workspace(_case(tmp_path), "2024-03-01:2024-03-31", tmp_path / "run")
    lines, everything = ws.table("order_lines"), ws.history("order_lines")
    dates = pd.to_datetime(everything["order_date"])
    expected = everything[(dates >= "2024-03-01") & (dates < "2024-04-01")]
    assert len(lines) == len(expected) > 0 and len(everything) == 756
    ledger_revenue = (ws.ledger["list_revenue"] - ws.ledger["discounts"]).sum()
    assert ledger_revenue == pytest.approx(expected["revenue"].sum(), abs=0.005)


def test_in_period_counts_the_last_day_whole() -> None:
    frame = pd.DataFrame(
        {"d": pd.to_datetime(["2024-02-29 23:59", "2024-03-31 18:00", "2024-04-01 00:00"])}
    )
    assert len(in_period(frame, "d", (pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-31")))) == 1
    assert in_period(frame, "d", (None, None)) is frame


def test_reconciliation_of_a_period_compares_the_periods_lines(tmp_path: Path) -> None:
    config = load_config(_case(tmp_path))
    processed = prepare(config, tmp_path / "processed")
    period = (pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-31"))
    ledger = build_ledger(processed, config, period=period)
    block = reconciliation_block(processed, ledger, period)
    lines = pd.read_csv(CASE / "orders_with_total.csv", sep=";", decimal=",", thousands=".")
    march = lines[
        pd.to_datetime(lines["Datum"], format="%d.%m.%Y", errors="coerce").dt.strftime("%Y-%m")
        == "2024-03"
    ]
    assert block["period_lines"] == len(march)
    assert block["period_revenue"] == pytest.approx(march["Umsatz"].sum(), abs=0.005)
    assert block["ledger_matches_lines"] is True and block["balanced"] is True
    assert block["rows_in"] == 757 and block["rows_rejected"] == 1  # the whole input's balance
    whole = reconciliation_block(processed, ledger, (None, None))
    assert whole["ledger_matches_lines"] is False  # the old comparison: month ledger, all lines
    json.dumps(json_safe(block), allow_nan=False)


def test_year_earlier_period_needs_a_bounded_period_the_data_covers() -> None:
    from helpers.report.changes import year_earlier_period

    march = (pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-31"))
    assert year_earlier_period(*march, "2023-01-05") == (
        pd.Timestamp("2023-03-01"),
        pd.Timestamp("2023-03-31"),
    )
    assert year_earlier_period(*march, "2023-03-02") is None  # the data starts too late
    assert year_earlier_period(None, march[1], "2020-01-01") is None  # open period
    leap = year_earlier_period(pd.Timestamp("2024-02-29"), pd.Timestamp("2024-02-29"), "2020-01-01")
    assert leap == (pd.Timestamp("2023-02-28"), pd.Timestamp("2023-02-28"))


def test_a_period_is_compared_with_the_same_period_a_year_earlier(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    run = run_report(
        _case(tmp_path), "2024-06-01:2024-12-31", out, notebooks=["01"], progress=False
    )
    earlier = json.loads((run / "metrics.json").read_text())["changes"]["year_earlier"]
    assert earlier["period"] == {"start": "2023-06-01", "end": "2023-12-31"}
    # the figures a year earlier, computed here from the raw file (decimal commas, a Total row)
    raw = pd.read_csv(CASE / "orders_with_total.csv", sep=";", decimal=",", thousands=".")
    dates = pd.to_datetime(raw["Datum"], format="%d.%m.%Y", errors="coerce")

    def revenue(start: str, end: str) -> float:
        return round(float(raw.loc[(dates >= start) & (dates <= end), "Umsatz"].sum()), 2)

    rows = {row["metric"]: row for row in earlier["rows"]}
    assert rows["total_revenue"]["previous"] == pytest.approx(revenue("2023-06-01", "2023-12-31"))
    assert rows["total_revenue"]["current"] == pytest.approx(revenue("2024-06-01", "2024-12-31"))
    customers = raw.loc[(dates >= "2023-06-01") & (dates <= "2023-12-31"), "Kunde"].nunique()
    assert rows["customers"]["previous"] == customers
    page = (run / "index.html").read_text(encoding="utf-8")
    assert "Against the same period a year earlier" in page and "2023-06-01 to 2023-12-31" in page
