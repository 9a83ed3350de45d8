"""The practitioners' cases (tests/ingest/cases/<case>/, copied from shared/cases with their
EXPECTED.md): each read right, with the figure its EXPECTED.md gives, computed there by hand."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.config import load_config
from helpers.ingest import ingest_dataset

CASES = Path(__file__).parent / "cases"


def _run(case: str, tmp_path: Path):
    folder = tmp_path / case
    shutil.copytree(CASES / case, folder)
    return ingest_dataset(load_config(folder / "config.yaml"), tmp_path / "out")


def test_thousands_dot_quantities_in_a_decimal_comma_file(tmp_path: Path) -> None:
    result = _run("thousands-dot-quantities", tmp_path)
    lines = result.tables["order_lines"]
    assert round(lines["revenue"].sum(), 2) == 1_571_832.84
    assert lines["quantity"].max() == 10_000
    assert sorted(lines.loc[lines["quantity"] >= 1000, "quantity"].unique()) == [1000, 2500, 10000]
    # the column showed no decimal separator itself: the reading is said
    assert any(
        "column 'Menge'" in note and "values like '10.000'" in note and "read with ','" in note
        for note in result.quality
    )


def test_percent_discount_in_an_amount_column(tmp_path: Path) -> None:
    result = _run("percent-discount", tmp_path)
    lines = result.tables["order_lines"]
    assert lines["revenue"].tolist() == [850.0, 1000.0, 900.0]
    assert any("discount_as is amount" in note for note in result.quality)


def test_timestamps_with_utc_offsets_keep_the_day_written(tmp_path: Path) -> None:
    result = _run("timestamps-with-offsets", tmp_path)
    lines = result.tables["order_lines"]
    assert len(lines) == 863 and result.rejects.empty
    written = pd.read_csv(CASES / "timestamps-with-offsets" / "orders.csv")["order_date"]
    assert lines["order_date"].dt.strftime("%Y-%m-%d").tolist() == written.str[:10].tolist()
    assert any("carry UTC offsets" in note for note in result.quality)


def test_excel_day_numbers_become_dates(tmp_path: Path) -> None:
    result = _run("excel-serial-dates", tmp_path)
    lines = result.tables["order_lines"]
    assert len(lines) == 824 and result.rejects.empty
    assert lines["order_date"].iloc[0] == pd.Timestamp("2024-04-09")  # cell 45391
    assert any("Excel day numbers" in note for note in result.quality)


@pytest.mark.parametrize("day_number, day", [(45391, "2024-04-09"), (36526, "2000-01-01")])
def test_excel_day_number_origin(day_number: int, day: str) -> None:
    import pyarrow as pa

    from helpers.ingest.dates import parse_dates

    parsed = parse_dates(pa.array([str(day_number), str(day_number + 1)]))
    assert parsed.values[0] == pd.Timestamp(day).to_datetime64()
    assert parsed.values[1] - parsed.values[0] == pd.Timedelta(days=1).to_timedelta64()


def test_numeric_ids_against_zero_padded_master_are_reported(tmp_path: Path) -> None:
    result = _run("id-numeric-vs-padded", tmp_path)
    (link,) = result.summary["keys"]
    assert (link["table"], link["parent"], link["ids"], link["ids_unmatched"]) == (
        "order_lines",
        "customers",
        60,
        60,
    )
    assert link["examples"] == ["1", "2", "3"]
    assert link["revenue_unmatched"] == link["revenue"] == 1_582_954.87
    assert link["would_match"]["leading_zeros"] == 60
    assert any(
        "60 of 60 customer_ids" in note and "set ingest.id_normalise: [leading_zeros]" in note
        for note in result.quality
    )


def test_numeric_ids_match_once_leading_zeros_are_normalised(tmp_path: Path) -> None:
    import yaml

    from helpers.ledger import build_ledger

    folder = tmp_path / "id-numeric-vs-padded"
    shutil.copytree(CASES / "id-numeric-vs-padded", folder)
    config = yaml.safe_load((folder / "config.yaml").read_text())
    config["ingest"] = {"id_normalise": ["leading_zeros"]}
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    loaded = load_config(folder / "config.yaml")
    result = ingest_dataset(loaded, tmp_path / "out")
    assert result.summary["keys"] == []
    assert result.tables["order_lines"]["customer_id"].iloc[0] == "1"
    ledger = build_ledger(tmp_path / "out", loaded)
    # EXPECTED.md: rebates 5% of 1,582,954.87 = 79,147.74, names filled
    assert round(ledger["rebates"].sum(), 2) == 79_147.74
    assert ledger["name"].notna().all()
