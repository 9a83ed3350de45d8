"""Benchmark ingest against a plain pandas / DuckDB read of the same file, in the same run.

    python bench/bench_ingest.py [--sizes 1e6,1e7] [--messy]

Generates synthetic order-line exports (a clean CSV, a messy European CSV with --messy, and
Parquet) into a temporary folder, then measures each reader in its own subprocess (wall time and
peak resident memory from ``resource.getrusage``), prints a table and writes
``bench/results/ingest.json``. Not a test: run it with ``make bench``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "ingest.json"


# ---- data ------------------------------------------------------------------------------------
def generate(n: int, folder: Path, messy: bool) -> dict[str, Path]:
    """Write n synthetic order lines as CSV (+ messy CSV) and Parquet; returns the paths."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    rng = np.random.default_rng(7)
    ids = lambda prefix, hi: pc.binary_join_element_wise(  # noqa: E731
        prefix, pc.cast(pa.array(rng.integers(0, hi, n)), pa.string()), ""
    )
    order = np.sort(rng.integers(0, max(n // 3, 1), n))
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
    out = {"csv": folder / f"orders_{n}.csv", "parquet": folder / f"orders_{n}.parquet"}
    pacsv.write_csv(tbl, out["csv"], write_options=pacsv.WriteOptions(quoting_style="none"))
    pq.write_table(tbl, out["parquet"])
    if messy:
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
        out["messy_csv"] = folder / f"orders_{n}_messy.csv"
        pacsv.write_csv(
            messy_tbl,
            out["messy_csv"],
            write_options=pacsv.WriteOptions(delimiter=";", quoting_style="none"),
        )
    return out


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
def measure(method: str, path: str, workdir: str) -> dict[str, float]:
    """Run one reader on one file; report seconds and peak RSS (MB) of this process."""
    if method.startswith("ingest"):
        import yaml

        from helpers.config import load_config
        from helpers.ingest import ingest_dataset

        spec: dict = {"path": path}
        if method == "ingest_messy":
            spec |= {"columns": MESSY_COLUMNS, "encoding": "utf-8", "delimiter": ";"}
        cfg = Path(workdir) / f"{method}_{Path(path).stem}.yaml"
        cfg.write_text(yaml.safe_dump({"name": "bench", "tables": {"order_lines": spec}}))
        config = load_config(cfg)
        start = time.perf_counter()
        result = ingest_dataset(config, Path(workdir) / f"out_{method}_{Path(path).stem}")
        rows = len(result.tables["order_lines"])
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


def run_one(method: str, path: Path, workdir: Path) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--measure", method, str(path), str(workdir)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{method} on {path.name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


PLAN = {
    "csv": ["pandas_read_csv", "duckdb_read_csv", "ingest"],
    "messy_csv": ["pandas_read_csv", "duckdb_read_csv", "ingest_messy"],
    "parquet": ["pandas_read_parquet", "duckdb_read_parquet", "ingest"],
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", default="1e6", help="comma-separated line counts, e.g. 1e6,1e7")
    ap.add_argument("--messy", action="store_true", help="also a ;-separated decimal-comma CSV")
    ap.add_argument("--out", default=str(RESULTS))
    ap.add_argument(
        "--measure", nargs=3, metavar=("METHOD", "PATH", "WORKDIR"), help=argparse.SUPPRESS
    )
    args = ap.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0
    sizes = [int(float(s)) for s in args.sizes.split(",") if s]
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_ingest_") as tmp:
        work = Path(tmp)
        for n in sizes:
            t0 = time.perf_counter()
            files = generate(n, work, args.messy)
            print(f"generated {n:,} lines in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
            for kind, path in files.items():
                base: dict[str, dict] = {}
                for method in PLAN[kind]:
                    m = run_one(method, path, work)
                    base[method] = m
                    row = {
                        "lines": n,
                        "file": kind,
                        "mb_on_disk": round(os.path.getsize(path) / 2**20, 1),
                        "method": method,
                        **m,
                    }
                    if method.startswith("ingest"):
                        pandas_m, duck_m = base[PLAN[kind][0]], base[PLAN[kind][1]]
                        row["time_vs_pandas"] = round(m["seconds"] / pandas_m["seconds"], 2)
                        row["time_vs_duckdb"] = round(m["seconds"] / duck_m["seconds"], 2)
                        row["mem_vs_pandas"] = round(m["peak_mb"] / pandas_m["peak_mb"], 2)
                        row["mem_vs_duckdb"] = round(m["peak_mb"] / duck_m["peak_mb"], 2)
                    results.append(row)
                    print(_fmt(row), flush=True)
                    # ingest wrote its output into work/; drop it before the next measurement
                    for p in work.glob("out_*"):
                        for f in p.iterdir():
                            f.unlink()
                        p.rmdir()
            for path in files.values():
                path.unlink()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"python": sys.version.split()[0], "results": results}, indent=2))
    print(f"wrote {out}", file=sys.stderr)
    return 0


def _fmt(row: dict) -> str:
    ratio = (
        f"  x{row['time_vs_pandas']:.2f} time, x{row['mem_vs_pandas']:.2f} mem vs pandas;"
        f" x{row['time_vs_duckdb']:.2f} time, x{row['mem_vs_duckdb']:.2f} mem vs duckdb"
        if "time_vs_pandas" in row
        else ""
    )
    return (
        f"{row['lines']:>11,} {row['file']:<10} {row['method']:<20} {row['seconds']:>8.2f}s "
        f"{row['peak_mb']:>8.0f} MB{ratio}"
    )


if __name__ == "__main__":
    sys.exit(main())
