"""Unit tests of the ingest readers: format and encoding choice, delimiter sniffing, the CSV, xlsx
and Parquet readers and the line numbers they report."""

from __future__ import annotations

import codecs
import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

import helpers
from helpers.ingest import IngestError
from helpers.ingest.encodings import choose_encoding, locate_decode_error
from helpers.ingest.readers import read_raw
from helpers.ingest.sniffing import sniff_csv, sniff_format

DEFAULTS = Path(helpers.__file__).parent / "defaults" / "ingest.yaml"
OPTS = yaml.safe_load(DEFAULTS.read_text(encoding="utf-8"))["ingest"]

CP1252_TEXT = "".join(f"C{i};Bäckerei Müller – Café {i};Région\n" for i in range(5))
GBK_TEXT = "".join(f"C{i};北京科技有限公司 {i}\n" for i in range(5))


def _write(path: Path, data: bytes | str) -> Path:
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


# ---- format ---------------------------------------------------------------------------------
def test_format_from_magic_bytes_before_extension(tmp_path: Path) -> None:
    assert sniff_format(_write(tmp_path / "a.csv", b"PAR1rest"), "auto") == "parquet"
    assert sniff_format(_write(tmp_path / "b.csv", b"PK\x03\x04rest"), "auto") == "xlsx"
    assert sniff_format(_write(tmp_path / "c.pq", b"id\n1\n"), "auto") == "parquet"
    assert sniff_format(_write(tmp_path / "d.xlsm", b"id\n1\n"), "auto") == "xlsx"
    assert sniff_format(_write(tmp_path / "e.txt", b"id\n1\n"), "auto") == "csv"
    assert sniff_format(_write(tmp_path / "f.xlsx", b"PAR1"), "tsv") == "tsv"


# ---- encodings ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (codecs.BOM_UTF8 + "id;name\n1;Straße\n".encode(), ("utf-8-sig", "BOM")),
        ("id;name\n1;Straße\n".encode("utf-16"), ("utf-16", "BOM")),
        ("id;name\n1;Straße 北京\n".encode(), ("utf-8", "utf-8")),
        (b"id;name\n1;plain ascii\n", ("utf-8", "utf-8")),
        (CP1252_TEXT.encode("cp1252"), ("cp1252", "detected")),
        (GBK_TEXT.encode("gbk"), ("gb18030", "detected")),
    ],
    ids=["utf8-bom", "utf16-bom", "utf8", "ascii", "cp1252", "gbk"],
)
def test_encoding_choice(tmp_path: Path, data: bytes, expected: tuple[str, str]) -> None:
    assert choose_encoding(tmp_path, data, "auto", "cp1252", "f.csv") == expected


def test_configured_encoding_wins_and_must_exist(tmp_path: Path) -> None:
    data = CP1252_TEXT.encode("cp1252")
    assert choose_encoding(tmp_path, data, "latin-1", "cp1252", "f.csv") == (
        "latin-1",
        "configured",
    )
    with pytest.raises(IngestError) as info:
        choose_encoding(tmp_path, data, "klingon", "cp1252", "f.csv")
    assert str(info.value) == (
        "f.csv: unknown encoding 'klingon' (expected e.g. utf-8, cp1252, gbk)"
    )


def test_decode_error_is_located_by_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.csv", b"a\nb\n\xe9t\xe9\n")
    assert locate_decode_error(path, "utf-8") == (3, b"\xe9")
    assert locate_decode_error(path, "cp1252") is None


@pytest.mark.parametrize(
    ("header", "text", "encoding", "read_as"),
    [
        ("id;name;region", CP1252_TEXT, "cp1252", "cp1252"),
        ("id;name", GBK_TEXT, "gbk", "gb18030"),
        ("id;name", GBK_TEXT, "utf-8", "utf-8"),
        ("id;name;region", CP1252_TEXT, "utf-8-sig", "utf-8-sig"),
    ],
    ids=["cp1252", "gbk", "utf8", "utf8-bom"],
)
def test_csv_reads_back_in_its_encoding(
    tmp_path: Path, header: str, text: str, encoding: str, read_as: str
) -> None:
    path = _write(tmp_path / "c.csv", f"{header}\n{text}".encode(encoding))
    raw = read_raw(path, "c.csv", "customers", OPTS)
    expected = [line.split(";")[1] for line in text.splitlines()]
    assert raw.table.column("name").to_pylist() == expected
    assert (raw.meta["encoding"], raw.meta["delimiter"]) == (read_as, ";")
    assert raw.rows.tolist() == [2, 3, 4, 5, 6]


def test_non_utf8_bytes_past_the_sniffed_head_are_redetected(tmp_path: Path) -> None:
    plain = "".join(f"C{i},plain\n" for i in range(20))
    path = _write(
        tmp_path / "late.csv", ("id,name\n" + plain + "C99,Café Müller\n").encode("cp1252")
    )
    raw = read_raw(path, "late.csv", "customers", {**OPTS, "sniff_bytes": 32})
    assert raw.meta == {
        "format": "csv",
        "encoding": "cp1252",
        "encoding_how": "detected",
        "delimiter": ",",
    }
    assert raw.table.column("name").to_pylist()[-1] == "Café Müller"
    assert raw.rows[-1] == 22


def test_configured_encoding_that_fails_names_row_and_bytes(tmp_path: Path) -> None:
    path = _write(tmp_path / "w.csv", "id,name\nC1,ok\nC2,Café\n".encode("cp1252"))
    with pytest.raises(IngestError) as info:
        read_raw(path, "w.csv", "customers", {**OPTS, "encoding": "utf-8"})
    assert str(info.value) == (
        "w.csv: row 3: bytes e9 cannot be decoded as utf-8 (expected text in utf-8; set "
        "tables.customers.encoding to the file's encoding, e.g. cp1252 or gbk)"
    )


# ---- delimiter and header -------------------------------------------------------------------
@pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
def test_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    rows = [["id", "name", "amount"], ["1", "a", "2"], ["2", "b", "3"]]
    path = _write(tmp_path / "s.csv", "".join(delimiter.join(r) + "\n" for r in rows))
    layout = sniff_csv(path, OPTS, "s.csv", "t")
    assert layout.delimiter == delimiter
    assert layout.header == ["id", "name", "amount"]


def test_quoted_delimiters_do_not_fool_the_sniffer(tmp_path: Path) -> None:
    path = _write(tmp_path / "q.csv", 'a,b,c\n"x;y",2,3\n"p;q",5,6\n')
    assert sniff_csv(path, OPTS, "q.csv", "t").delimiter == ","


def test_a_comma_decimal_file_splits_on_semicolons(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.csv", "id;price;qty\n1;12,50;3\n2;1.234,00;1\n")
    assert sniff_csv(path, OPTS, "d.csv", "t").delimiter == ";"


def test_configured_tab_and_skip_rows(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", "Export of 2024\n\ufeff id \tname\n1\ta\n")
    layout = sniff_csv(path, {**OPTS, "delimiter": "tab", "skip_rows": 1}, "t.csv", "t")
    assert (layout.delimiter, layout.header, layout.skip_rows) == ("\t", ["id", "name"], 1)
    raw = read_raw(path, "t.csv", "t", {**OPTS, "delimiter": "tab", "skip_rows": 1})
    assert raw.rows.tolist() == [3]
    assert raw.table.to_pylist() == [{"id": "1", "name": "a"}]


def test_header_problems_name_the_row(tmp_path: Path) -> None:
    twice = _write(tmp_path / "h.csv", "id,name,id\n1,a,2\n")
    with pytest.raises(IngestError) as info:
        sniff_csv(twice, OPTS, "h.csv", "t")
    assert str(info.value) == (
        "h.csv: row 1 (header): column 'id' appears twice (columns 1 and 3; expected unique "
        "column names)"
    )
    blank = _write(tmp_path / "b.csv", "\nid,name\n1,a\n")
    with pytest.raises(IngestError) as info:
        sniff_csv(blank, OPTS, "b.csv", "t")
    assert str(info.value) == (
        "b.csv: row 1 (header): the header line is blank (expected column names; set "
        "skip_rows if the header comes later)"
    )


# ---- the CSV reader -------------------------------------------------------------------------
def test_quoted_newlines_and_ragged_rows_keep_line_numbers(tmp_path: Path) -> None:
    path = _write(tmp_path / "q.csv", 'id,note,amount\n1,"two\nlines",3\n2,ok,4\n3,too,many,x\n')
    raw = read_raw(path, "q.csv", "t", OPTS)
    assert raw.rows.tolist() == [2, 4]
    assert raw.table.column("note").to_pylist() == ["two\nlines", "ok"]
    assert raw.bad_rows == [
        {
            "source_row": 5,
            "reason": "row has 4 fields (expected 3 as in the header)",
            "raw": "3,too,many,x",
        }
    ]
    assert raw.records == 3


def test_empty_fields_are_null_strings(tmp_path: Path) -> None:
    raw = read_raw(_write(tmp_path / "e.csv", "a,b\n1,\n,2\n"), "e.csv", "t", OPTS)
    assert raw.table.schema == pa.schema([("a", pa.string()), ("b", pa.string())])
    assert raw.table.to_pylist() == [{"a": "1", "b": None}, {"a": None, "b": "2"}]


def test_reader_errors(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as info:
        read_raw(tmp_path / "nope.csv", "nope.csv", "t", OPTS)
    assert str(info.value) == f"nope.csv: file not found (looked for {tmp_path / 'nope.csv'})"
    path = _write(tmp_path / "x.csv", "a\n1\n")
    with pytest.raises(IngestError) as info:
        read_raw(path, "x.csv", "t", {**OPTS, "format": "json"})
    assert str(info.value) == (
        "x.csv: unknown format 'json' (expected auto, csv, tsv, txt, xlsx, xls, xlsb, ods or "
        "parquet)"
    )
    header_only = _write(tmp_path / "h.csv", "a,b\n")
    with pytest.raises(IngestError) as info:
        read_raw(header_only, "h.csv", "t", OPTS)
    assert str(info.value) == (
        "h.csv: row 2: only a header line, no data rows (expected at least one data row "
        "after the header)"
    )


# ---- xlsx and Parquet -----------------------------------------------------------------------
def test_xlsx_cells_become_text(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Orders"
    sheet.append(["id", " amount ", "when", "flag", None])
    sheet.append(["A1", 3.0, dt.date(2021, 1, 5), True, None])
    sheet.append(["A2", 2.5, dt.datetime(2021, 1, 6, 7, 8, 9), False, None])
    sheet.append([None, None, None, None, None])
    workbook.save(tmp_path / "o.xlsx")
    raw = read_raw(tmp_path / "o.xlsx", "o.xlsx", "t", OPTS)
    assert raw.table.column_names == ["id", "amount", "when", "flag"]
    assert raw.table.to_pylist() == [
        {"id": "A1", "amount": "3", "when": "2021-01-05 00:00:00", "flag": "true"},
        {"id": "A2", "amount": "2.5", "when": "2021-01-06 07:08:09", "flag": "false"},
    ]
    assert raw.rows.tolist() == [2, 3]
    assert raw.meta == {"format": "xlsx", "sheet": "Orders"}


def test_xlsx_sheet_by_number(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    workbook.active.append(["x"])
    second = workbook.create_sheet("Data")
    second.append(["id"])
    second.append(["B1"])
    workbook.save(tmp_path / "s.xlsx")
    raw = read_raw(tmp_path / "s.xlsx", "s.xlsx", "t", {**OPTS, "sheet": 1})
    assert raw.table.to_pylist() == [{"id": "B1"}]
    with pytest.raises(IngestError) as info:
        read_raw(tmp_path / "s.xlsx", "s.xlsx", "t", {**OPTS, "sheet": 2})
    assert str(info.value) == (
        "s.xlsx: sheet number 2 not found (expected 0 to 1; sheets are: 'Sheet', 'Data')"
    )


def test_parquet_keeps_its_types(tmp_path: Path) -> None:
    table = pa.table({" id ": ["a", "b"], "qty": pa.array([1, 2], pa.int64())})
    pq.write_table(table, tmp_path / "p.parquet")
    raw = read_raw(tmp_path / "p.parquet", "p.parquet", "t", OPTS)
    assert raw.table.column_names == ["id", "qty"]
    assert raw.table.column("qty").type == pa.int64()
    assert raw.rows.tolist() == [1, 2]
    assert raw.meta == {"format": "parquet"}
