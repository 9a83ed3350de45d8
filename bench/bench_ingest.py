"""Benchmark ingest against DuckDB's own copy of the same file to Parquet, in the same run.

    python bench/bench_ingest.py [--sizes 1e6,1e7,5e7] [--formats csv,parquet,messy_csv] [--quick]

Generates synthetic order-line exports (a clean CSV; with --formats also Parquet and a messy
European CSV) into a temporary folder, then measures each method in its own subprocess (wall
time and peak resident memory from ``resource.getrusage``):

- ``duckdb_copy``: ``COPY (SELECT * FROM read_csv(...)) TO '...parquet'``, the baseline of the
  target (ingest within 2x its time; peak memory at most 1.5 GiB at 10M lines, 4 GiB at 50M);
- ``pandas_read_csv`` / ``duckdb_read_csv``: a plain read into memory (up to 10M lines);
- ``ingest``: the whole pipeline (validation, rejects, reconciliation, Parquet), in chunks of
  ``chunk_mb`` (32 MB) for files above it;
- ``ingest_whole``: the same with the file read whole (``chunk_mb`` above its size; up to 1M
  lines: its memory grows with the file).

Prints a table and writes ``bench/results/ingest.json``. Not a test: run it with ``make bench``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "ingest.json"


# ---- data ------------------------------------------------------------------------------------
def generate(n: int, folder: Path, formats: list[str]) -> dict[str, Path]:
    """Write n synthetic order lines in each format (5M lines at a time); returns the paths."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    out = {kind: folder / f"orders_{n}{SUFFIX[kind]}" for kind in formats}
    writers: dict[str, object] = {}
    block = 5_000_000
    try:
        for start in range(0, n, block):
            tables = _tables(
                min(block, n - start), 7 + start // block, start, "messy_csv" in formats
            )
            for kind in formats:
                table = tables[kind]
                if kind not in writers:
                    if kind == "parquet":
                        writers[kind] = pq.ParquetWriter(out[kind], table.schema)
                    else:
                        options = pacsv.WriteOptions(
                            quoting_style="none", delimiter=";" if kind == "messy_csv" else ","
                        )
                        writers[kind] = pacsv.CSVWriter(
                            out[kind], table.schema, write_options=options
                        )
                writers[kind].write_table(table)
    finally:
        for writer in writers.values():
            writer.close()
    return out


SUFFIX = {"csv": ".csv", "parquet": ".parquet", "messy_csv": "_messy.csv"}


def _tables(n: int, seed: int, offset: int, messy: bool) -> dict[str, object]:
    """One block of n synthetic lines as Arrow tables: clean, and messy (European)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    rng = np.random.default_rng(seed)
    ids = lambda prefix, hi: pc.binary_join_element_wise(  # noqa: E731
        prefix, pc.cast(pa.array(rng.integers(0, hi, n)), pa.string()), ""
    )
    order = np.sort(rng.integers(0, max(n // 3, 1), n)) + offset // 3
    days = rng.integers(0, 1095, n).astype("timedelta64[D]") + np.datetime64("2022-01-01")
    price = np.round(rng.lognormal(3, 1, n), 2)
    tbl = pa.table(
        {
            "order_id": pc.binary_join_element_wise("O", pc.cast(pa.array(order), pa.string()), ""),
            "customer_id": ids("C", 5000),
            "order_date": pa.array(days.astype("datetime64[s]")).cast(pa.date32()),
            "product_id": ids("P", 900),
            "quantity": pa.array(rng.choice([-1, 1, 1, 2, 3, 5, 10, 20], n).astype(np.int64)),
            "unit_price": pa.array(price),
            "discount": pa.array(np.round(price * rng.uniform(0, 0.2, n), 2)),
            "unit_cost": pa.array(np.round(price * rng.uniform(0.4, 0.8, n), 2)),
            "channel": pa.array(rng.choice(["field", "online", "telesales", "distributor"], n)),
            "region": pa.array(rng.choice(["north", "south", "east", "west"], n)),
            "ship_mode": pa.array(rng.choice(["standard", "express", "pickup"], n)),
        }
    )
    if not messy:
        return {"csv": tbl, "parquet": tbl}
    eur = lambda col: pc.binary_join_element_wise(  # noqa: E731
        pc.replace_substring(pc.cast(tbl[col], pa.string()), ".", ","), " €", ""
    )
    messy_tbl = pa.table(
        {
            "Beleg": tbl["order_id"],
            "Kunde": tbl["customer_id"],
            "Datum": pc.strftime(pc.cast(tbl["order_date"], pa.timestamp("s")), "%d.%m.%Y"),
            "Artikel": tbl["product_id"],
            "Menge": pc.cast(tbl["quantity"], pa.string()),
            "Preis": eur("unit_price"),
            "Rabatt": eur("discount"),
            "EK": eur("unit_cost"),
            "Kanal": tbl["channel"],
            "Region": tbl["region"],
            "Versand": tbl["ship_mode"],
        }
    )
    return {"csv": tbl, "parquet": tbl, "messy_csv": messy_tbl}


MESSY_COLUMNS = {
    "order_id": "Beleg",
    "customer_id": "Kunde",
    "order_date": "Datum",
    "product_id": "Artikel",
    "quantity": "Menge",
    "unit_price": "Preis",
    "discount": "Rabatt",
    "unit_cost": "EK",
    "channel": "Kanal",
    "region": "Region",
    "ship_mode": "Versand",
}


# ---- one measurement (runs in its own process) -----------------------------------------------
def _ingest(method: str, path: str, workdir: str) -> tuple[float, int]:
    """Run the ingest pipeline; its start time and the lines it accepted."""
    import yaml

    from helpers.config import load_config
    from helpers.ingest import ingest_dataset

    spec: dict = {"path": path}
    if "messy" in path:
        spec |= {"columns": MESSY_COLUMNS, "encoding": "utf-8", "delimiter": ";"}
    config_text: dict = {"name": "bench", "tables": {"order_lines": spec}}
    if method == "ingest_whole":
        config_text["ingest"] = {"chunk_mb": os.path.getsize(path) / 2**20 + 1}
    cfg = Path(workdir) / f"{method}_{Path(path).stem}.yaml"
    cfg.write_text(yaml.safe_dump(config_text))
    config = load_config(cfg)
    start = time.perf_counter()
    result = ingest_dataset(config, Path(workdir) / f"out_{method}_{Path(path).stem}")
    return start, int(result.summary["tables"]["order_lines"]["rows_accepted"])


def measure(method: str, path: str, workdir: str) -> dict[str, float]:
    """Run one reader on one file; report seconds and peak RSS (MB) of this process."""
    if method.startswith("ingest"):
        start, rows = _ingest(method, path, workdir)
    elif method == "duckdb_copy":
        import duckdb

        reader = "read_parquet" if path.endswith(".parquet") else "read_csv"
        target = Path(workdir) / "out_duckdb_copy"
        target.mkdir(exist_ok=True)
        start = time.perf_counter()
        duckdb.sql(
            f"COPY (SELECT * FROM {reader}('{path}')) TO '{target / 'copy.parquet'}' (FORMAT parquet)"
        )
        rows = duckdb.sql(
            f"SELECT count(*) FROM read_parquet('{target / 'copy.parquet'}')"
        ).fetchone()[0]
    elif method == "pandas_read_csv":
        import pandas as pd

        start = time.perf_counter()
        rows = len(pd.read_csv(path, sep=";" if "messy" in path else ","))
    elif method == "duckdb_read_csv":
        import duckdb

        start = time.perf_counter()
        rows = duckdb.read_csv(path).to_arrow_table().num_rows
    elif method == "pandas_read_parquet":
        import pandas as pd

        start = time.perf_counter()
        rows = len(pd.read_parquet(path))
    elif method == "duckdb_read_parquet":
        import duckdb

        start = time.perf_counter()
        rows = duckdb.read_parquet(path).to_arrow_table().num_rows
    else:
        raise SystemExit(f"unknown method {method}")
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": round(seconds, 3), "peak_mb": round(peak_mb, 1), "rows": rows}


def _generate_apart(n: int, work: Path, formats: list[str]) -> dict[str, Path]:
    """:func:`generate` in its own process, so this one stays small (a measured child inherits
    the peak resident memory of the process that starts it)."""
    cmd = [sys.executable, __file__, "--generate", str(n), str(work), ",".join(formats)]
    subprocess.run(cmd, check=True)
    return {kind: work / f"orders_{n}{SUFFIX[kind]}" for kind in formats}


def run_one(method: str, path: Path, workdir: Path) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--measure", method, str(path), str(workdir)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{method} on {path.name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


PLAN = {
    "csv": ["duckdb_copy", "duckdb_read_csv", "pandas_read_csv", "ingest_whole", "ingest"],
    "messy_csv": ["duckdb_copy", "duckdb_read_csv", "pandas_read_csv", "ingest_whole", "ingest"],
    "parquet": [
        "duckdb_copy",
        "duckdb_read_parquet",
        "pandas_read_parquet",
        "ingest_whole",
        "ingest",
    ],
}
#: the largest file each method is run on (in-memory reads grow with the file)
LIMIT = {
    "pandas_read_csv": 10**7,
    "duckdb_read_csv": 10**7,
    "pandas_read_parquet": 10**7,
    "duckdb_read_parquet": 10**7,
    "ingest_whole": 10**6,
}


def _measure_file(n: int, kind: str, path: Path, work: Path) -> list[dict]:
    """Every method of ``PLAN[kind]`` on one file; ingest as ratios of DuckDB's copy."""
    rows = []
    for method in PLAN[kind]:
        if n > LIMIT.get(method, n):
            continue
        m = run_one(method, path, work)
        row = {"lines": n, "file": kind, "mb_on_disk": round(os.path.getsize(path) / 2**20, 1)}
        row |= {"method": method, **m}
        if method.startswith("ingest"):
            copy = rows[0]
            row["time_vs_duckdb_copy"] = round(m["seconds"] / copy["seconds"], 2)
            row["mem_vs_duckdb_copy"] = round(m["peak_mb"] / copy["peak_mb"], 2)
        rows.append(row)
        print(_fmt(row), flush=True)
        for out in work.glob("out_*"):  # outputs of this measurement, before the next one
            shutil.rmtree(out)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", default="1e6,1e7,5e7", help="comma-separated line counts")
    ap.add_argument("--formats", default="csv", help="any of csv, parquet, messy_csv")
    ap.add_argument("--quick", action="store_true", help="1M lines only")
    ap.add_argument("--out", default=str(RESULTS))
    ap.add_argument(
        "--measure", nargs=3, metavar=("METHOD", "PATH", "WORKDIR"), help=argparse.SUPPRESS
    )
    ap.add_argument("--generate", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.generate:
        n, folder, kinds = args.generate
        generate(int(n), Path(folder), kinds.split(","))
        return 0
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0
    sizes = [10**6] if args.quick else [int(float(s)) for s in args.sizes.split(",") if s]
    formats = [kind for kind in args.formats.split(",") if kind]
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_ingest_") as tmp:
        work = Path(tmp)
        for n in sizes:
            t0 = time.perf_counter()
            files = _generate_apart(n, work, formats)
            print(f"generated {n:,} lines in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
            for kind, path in files.items():
                results += _measure_file(n, kind, path, work)
                path.unlink()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"python": sys.version.split()[0], "results": results}, indent=2))
    print(f"wrote {out}", file=sys.stderr)
    return 0


def _fmt(row: dict) -> str:
    ratio = (
        f"  x{row['time_vs_duckdb_copy']:.2f} time, x{row['mem_vs_duckdb_copy']:.2f} memory of"
        " DuckDB's copy to Parquet"
        if "time_vs_duckdb_copy" in row
        else ""
    )
    return (
        f"{row['lines']:>11,} {row['file']:<10} {row['method']:<20} {row['seconds']:>8.2f}s "
        f"{row['peak_mb']:>8.0f} MB{ratio}"
    )


if __name__ == "__main__":
    sys.exit(main())
