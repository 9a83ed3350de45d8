"""Order lines read in chunks give exactly what a whole-file read gives.

A messy export (European decimals, day-first dates, ragged rows, quoted line breaks, blank rows,
exact repeats within and across chunks, total lines, cancellations, lines without a customer,
discounts over the list value, rejects of several kinds) is ingested whole and in chunks of
~20 kB; every output must be identical: the Parquet table, rejects, reconciliation, data
dictionary and findings. Two overlapping monthly files and a Parquet export likewise.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from helpers.config import load_config
from helpers.ingest import ingest_dataset
from helpers.ingest.tally import Tally, merge_notes

HEADER = "Beleg;Kunde;Datum;Artikel;Menge;Preis;Rabatt;EK;Region"
COLUMNS = {
    "order_id": "Beleg",
    "customer_id": "Kunde",
    "order_date": "Datum",
    "product_id": "Artikel",
    "quantity": "Menge",
    "unit_price": "Preis",
    "discount": "Rabatt",
    "unit_cost": "EK",
    "region": "Region",
}


def _messy_lines(n: int, seed: int, prefix: str = "A") -> list[str]:
    """n data lines of a German-style export with one of every kind of trouble sprinkled in."""
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(n):
        order = f"{'C' if i % 97 == 5 else ''}{prefix}{i // 3}"
        day = pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(rng.integers(0, 700)))
        price = rng.lognormal(3, 1)
        customer = "" if i % 211 == 7 else f"K{rng.integers(0, 300)}"
        region = '"Nord\nWest"' if i % 150 == 3 else "Süd"
        discount = price * 3 if i % 173 == 11 else price * 0.1
        fields = [
            order,
            customer,
            day.strftime("%d.%m.%Y"),
            f"P{rng.integers(0, 50)}",
            str(int(rng.integers(1, 20))),
            f"{price:,.2f}".replace(",", " ").replace(".", ",") + (" €" if i % 3 else ""),
            f"{discount:.2f}".replace(".", ","),
            f"{price * 0.6:.2f}".replace(".", ","),
            region,
        ]
        if i % 131 == 9:
            fields[5] = "zwölf"  # not a number
        if i % 157 == 13:
            fields[2] = "31.02.2024"  # not a date
        if i % 199 == 17:
            fields = fields[:5]  # ragged
        lines.append(";".join(fields))
        if i % 89 == 1:
            lines.append(lines[-1])  # an exact repeat
        if i % 401 == 2:
            lines.append(";;;;;;;;")  # blank
        if i % 977 == 3:
            lines.append("Summe;;;;;999999,00;;;")  # a total line
    lines.append(lines[10])  # a repeat far from its first occurrence (another chunk)
    return lines


def _ingest(folder: Path, paths: list[str], chunk_mb: float | None, **options) -> Path:
    out = folder / ("chunked" if chunk_mb else "whole")
    spec = {"path": paths if len(paths) > 1 else paths[0], **options}
    config = {"name": "t", "tables": {"order_lines": spec}}
    if chunk_mb:
        config["ingest"] = {"chunk_mb": chunk_mb}
    (folder / f"{out.name}.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    ingest_dataset(load_config(folder / f"{out.name}.yaml"), out)
    return out


def _assert_same(whole: Path, chunked: Path, chunks_at_least: int) -> None:
    pd.testing.assert_frame_equal(
        pd.read_parquet(whole / "order_lines.parquet"),
        pd.read_parquet(chunked / "order_lines.parquet"),
    )
    for name in ("rejects.csv", "reconciliation.csv", "dictionary.csv"):
        assert (whole / name).read_text() == (chunked / name).read_text(), name
    a = json.loads((whole / "ingest.json").read_text())
    b = json.loads((chunked / "ingest.json").read_text())
    assert a["quality"] == b["quality"]
    assert a["keys"] == b["keys"] and a["balanced"] and b["balanced"]
    files = b["tables"]["order_lines"]["files"]
    assert sum(file.get("chunks", 1) for file in files) >= chunks_at_least
    for meta in files:
        meta.pop("chunks", None)
    assert a["tables"] == b["tables"]


def test_a_messy_export_reads_the_same_in_chunks(tmp_path: Path) -> None:
    text = "\n".join([HEADER, *_messy_lines(6000, seed=1)]) + "\n"
    (tmp_path / "orders.csv").write_text(text, encoding="utf-8")
    options = {"columns": COLUMNS, "cancellation_pattern": "^C"}
    whole = _ingest(tmp_path, ["orders.csv"], None, **options)
    chunked = _ingest(tmp_path, ["orders.csv"], 0.02, **options)
    _assert_same(whole, chunked, chunks_at_least=10)
    quality = json.loads((chunked / "ingest.json").read_text())["quality"]
    for said in ("exact duplicate line", "cancellation_pattern", "discount larger", "no customer"):
        assert any(said in sentence for sentence in quality), said
    reasons = pd.read_csv(chunked / "rejects.csv")["reason"]
    for said in ("is a total line", "fields (expected", "blank row", "not a number", "not a date"):
        assert reasons.str.contains(said, regex=False).any(), said


def test_overlapping_monthly_files_read_the_same_in_chunks(tmp_path: Path) -> None:
    lines = _messy_lines(3000, seed=2, prefix="M")
    (tmp_path / "jan.csv").write_text("\n".join([HEADER, *lines[:2000]]) + "\n", encoding="utf-8")
    (tmp_path / "feb.csv").write_text("\n".join([HEADER, *lines[1500:]]) + "\n", encoding="utf-8")
    options = {"columns": COLUMNS}
    whole = _ingest(tmp_path, ["jan.csv", "feb.csv"], None, **options)
    chunked = _ingest(tmp_path, ["jan.csv", "feb.csv"], 0.02, **options)
    _assert_same(whole, chunked, chunks_at_least=6)
    quality = json.loads((chunked / "ingest.json").read_text())["quality"]
    assert any("the exports overlap" in sentence for sentence in quality)


def test_monthly_files_sharing_no_line_read_the_same_in_chunks(tmp_path: Path) -> None:
    lines = _messy_lines(3000, seed=5, prefix="N")  # repeats within each file, none across
    (tmp_path / "jan.csv").write_text("\n".join([HEADER, *lines[:1500]]) + "\n", encoding="utf-8")
    (tmp_path / "feb.csv").write_text("\n".join([HEADER, *lines[1500:-1]]) + "\n", encoding="utf-8")
    options = {"columns": COLUMNS}
    whole = _ingest(tmp_path, ["jan.csv", "feb.csv"], None, **options)
    chunked = _ingest(tmp_path, ["jan.csv", "feb.csv"], 0.02, **options)
    _assert_same(whole, chunked, chunks_at_least=6)
    quality = json.loads((chunked / "ingest.json").read_text())["quality"]
    assert not any("the exports overlap" in sentence for sentence in quality)
    assert pd.read_parquet(chunked / "order_lines.parquet")["is_duplicate"].any()


def test_a_parquet_export_without_line_numbers_reads_the_same_in_chunks(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    n = 20_000
    table = pa.table(
        {
            "order_id": [f"O{i // 4}" for i in range(n)],
            "customer_id": [f"C{c}" for c in rng.integers(0, 400, n)],
            "order_date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 300, n), "D"),
            "product_id": [f"P{p}" for p in rng.integers(0, 60, n)],
            "quantity": rng.integers(-1, 9, n),
            "unit_price": np.round(rng.lognormal(3, 1, n), 2),
            "discount": np.zeros(n),
            "unit_cost": np.round(rng.lognormal(2.5, 1, n), 2),
        }
    )
    pq.write_table(table, tmp_path / "orders.parquet", row_group_size=2000)
    whole = _ingest(tmp_path, ["orders.parquet"], None)
    chunked = _ingest(tmp_path, ["orders.parquet"], 0.05)
    _assert_same(whole, chunked, chunks_at_least=10)


def test_orders_scattered_over_the_file_are_numbered_and_repeats_found_in_chunks(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(4)
    lines = []
    for i in range(6000):  # an order's lines far apart, in many chunks; no line numbers given
        price = f"{rng.lognormal(3, 1):.2f}"
        lines.append(
            f"O{rng.integers(0, 40)},C{rng.integers(0, 30)},2024-03-0{1 + i % 9},P1,1,{price},0,1"
        )
        if i % 50 == 7:
            lines.append(lines[int(rng.integers(0, len(lines)))])  # a repeat of any earlier line
    header = "order_id,customer_id,order_date,product_id,quantity,unit_price,discount,unit_cost"
    (tmp_path / "orders.csv").write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    whole = _ingest(tmp_path, ["orders.csv"], None)
    chunked = _ingest(tmp_path, ["orders.csv"], 0.02)
    _assert_same(whole, chunked, chunks_at_least=8)
    table = pd.read_parquet(chunked / "order_lines.parquet")
    assert table["line_no"].max() > 100 and table["is_duplicate"].sum() >= 100


def test_tallies_add_up_across_chunks_and_other_notes_are_kept_once() -> None:
    def render(figures):
        return (
            f"{figures['lines']} lines, e.g. row {figures['first_row']}, {len(figures['ids'])} ids"
        )

    first = Tally("k", {"lines": 2, "first_row": 5, "ids": np.array([1, 2])}, render)
    second = Tally("k", {"lines": 3, "first_row": 90, "ids": np.array([2, 3])}, render)
    merged = merge_notes([["a", first], ["a", second, "b"]])
    assert merged == ["a", "5 lines, e.g. row 5, 3 ids", "b"]


def test_a_file_that_stops_decoding_past_its_head_is_read_whole(tmp_path: Path) -> None:
    head = "order_id,customer_id,order_date,product_id,quantity,unit_price,discount,unit_cost\n"
    body = "".join(f"O{i},C{i % 7},2024-01-02,P1,1,10.00,0,6.00\n" for i in range(30_000))
    late = "O9999,Müller,2024-01-03,P1,1,10.00,0,6.00\n".encode("cp1252")
    (tmp_path / "o.csv").write_bytes(head.encode() + body.encode() + late)
    out = _ingest(tmp_path, ["o.csv"], 0.1)  # UTF-8 in its first MB (what sniffing reads)
    files = json.loads((out / "ingest.json").read_text())["tables"]["order_lines"]["files"]
    assert "chunks" not in files[0]  # read whole after the decoding error
    assert files[0]["encoding_how"] == "detected" and files[0]["rows"] == 30_001
    _assert_same(_ingest(tmp_path, ["o.csv"], None), out, chunks_at_least=1)
