"""Benchmark the customer ledger against a hand-written DuckDB SQL query of the same aggregation.

    python bench/bench_ledger.py [--sizes 1e6,1e7] [--repeat 3] [--quick]

Writes synthetic canonical tables (order lines, customers, activities) as Parquet into a
temporary folder, then measures each method in its own subprocess, the methods taking turns for
``--repeat`` rounds (best wall time; highest peak resident memory from ``resource.getrusage``):

- ``ledger``: ``helpers.ledger.build_ledger`` end to end (the Ibis expression on DuckDB, the
  customers and sources queries, rebates, drivers and cost rates in pandas);
- ``ibis_expression``: only the Ibis aggregation, fetched to pandas;
- ``handwritten_sql``: the same aggregation written by hand in DuckDB SQL, fetched to pandas,
  plus the customers table.

Prints a table and writes ``bench/results/ledger.json`` with the ratios ledger / hand-written
SQL. Target: within 1.3x of the hand-written SQL at 10M lines, peak memory under 1.5 GiB. Not a
test: run it with ``make bench``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "ledger.json"
TARGET_RATIO = 1.3
TARGET_PEAK_MB = 1.5 * 1024
TARGET_LINES = 10_000_000
WARM_RUNS = 2  # runs per subprocess; the best counts (the first pays imports and file cache)
METHODS = ("handwritten_sql", "ibis_expression", "ledger")


# ---- data ------------------------------------------------------------------------------------
def generate(n: int, folder: Path, seed: int = 7) -> Path:
    """Write n canonical order lines (+ customers and activities) as Parquet into folder."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n_customers = max(n // 200, 100)
    chunk = 2_000_000
    writer = None
    for lo in range(0, n, chunk):
        m = min(chunk, n - lo)
        order = np.sort(rng.integers(lo // 3, (lo + m) // 3 + 1, m))
        customer = (order * 2654435761) % n_customers  # one customer per order
        qty = rng.choice([-1, 1, 1, 2, 3, 5, 10, 20], m).astype("float64")
        price = np.round(rng.lognormal(3, 1, m), 2)
        discount = np.round(price * rng.uniform(0, 0.2, m), 2) * np.sign(qty)
        days = (order * 1095 // max(n // 3, 1)).astype("int64")
        dates = (np.datetime64("2022-01-01", "ns") + days.astype("timedelta64[D]")).astype(
            "datetime64[ns]"
        )
        cid = pc.binary_join_element_wise("C", pc.cast(pa.array(customer), pa.string()), "")
        cid = pc.if_else(pa.array(customer == 0), pa.scalar("__unattributed__"), cid)
        tbl = pa.table(
            {
                "order_id": pc.binary_join_element_wise(
                    "O", pc.cast(pa.array(order), pa.string()), ""
                ),
                "line_no": pa.array(np.ones(m, dtype="int64")),
                "customer_id": cid,
                "order_date": pa.array(dates),
                "product_id": pc.binary_join_element_wise(
                    "P", pc.cast(pa.array(rng.integers(0, 900, m)), pa.string()), ""
                ),
                "quantity": pa.array(qty),
                "unit_price": pa.array(price),
                "discount": pa.array(discount),
                "revenue": pa.array(np.round(qty * price - discount, 2)),
                "cost": pa.array(np.round(qty * price * rng.uniform(0.4, 0.8, m), 2)),
                "cost_assumed": pa.array(np.zeros(m, dtype=bool)),
                "channel": pa.array(rng.choice(["field", "online", "telesales", "distributor"], m)),
                "region": pa.array(rng.choice(["north", "south", "east", "west"], m)),
                "ship_mode": pa.array(rng.choice(["standard", "express", "pickup"], m)),
                "is_return": pa.array(qty < 0),
                "is_duplicate": pa.array(np.zeros(m, dtype=bool)),
                "source_file": pa.array(np.full(m, "orders.csv")),
                "source_row": pa.array(np.arange(lo, lo + m, dtype="int64") + 2),
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(folder / "order_lines.parquet", tbl.schema)
        writer.write_table(tbl)
    writer.close()
    ids = [f"C{i}" for i in range(1, n_customers)]
    k = len(ids)
    pq.write_table(
        pa.table(
            {
                "customer_id": ids,
                "name": [f"Firm {i}" for i in ids],
                "employees": rng.integers(1, 2000, k).astype("float64"),
                "industry": rng.choice(["retail", "construction", "logistics"], k),
                "region": rng.choice(["north", "south"], k),
                "acquisition_channel": rng.choice(["online", "field_sales"], k),
                "signup_date": pa.array(
                    np.datetime64("2018-01-01", "ns")
                    + rng.integers(0, 2500, k).astype("timedelta64[D]")
                ),
                "closed_date": pa.array([None] * k, pa.timestamp("ns")),
                "payment_terms_days": rng.choice([14.0, 30.0, 60.0, 90.0], k),
                "rebate_rate": rng.choice([0.0, 0.0, 0.02], k),
                "key_account": rng.random(k) < 0.03,
            }
        ),
        folder / "customers.parquet",
    )
    a = max(n // 10, 1000)
    pq.write_table(
        pa.table(
            {
                "customer_id": pa.array(rng.choice(ids, a)),
                "date": pa.array(
                    np.datetime64("2022-01-01", "ns")
                    + rng.integers(0, 1095, a).astype("timedelta64[D]")
                ),
                "activity": rng.choice(["sales_visit", "telesales_call", "support_ticket"], a),
                "quantity": np.ones(a),
                "minutes": np.where(rng.random(a) < 0.3, np.nan, rng.uniform(5, 40, a)),
            }
        ),
        folder / "activities.parquet",
    )
    return folder


# ---- the hand-written SQL --------------------------------------------------------------------
HANDWRITTEN_SQL = """
WITH l AS (
    SELECT coalesce(customer_id, '__unattributed__') AS customer_id,
        sum(coalesce(revenue, 0) + coalesce(discount, 0)) AS list_revenue,
        sum(coalesce(discount, 0)) AS discounts,
        sum(coalesce(cost, 0)) AS cogs,
        sum(coalesce(quantity, 0)) AS units,
        count(*) FILTER (WHERE NOT is_return) AS lines,
        count(*) FILTER (WHERE is_return) AS returns,
        sum(revenue) FILTER (WHERE is_return) AS return_revenue,
        count(DISTINCT order_id) FILTER (WHERE NOT is_return) AS orders,
        min(order_date) AS first_order,
        max(order_date) AS last_order,
        count(DISTINCT order_id) FILTER (WHERE NOT is_return AND ship_mode = 'standard')
            AS deliveries_standard,
        count(DISTINCT order_id) FILTER (WHERE NOT is_return AND ship_mode = 'express')
            AS deliveries_express,
        count(DISTINCT order_id) FILTER (WHERE NOT is_return AND ship_mode = 'pickup')
            AS deliveries_pickup,
        count(DISTINCT order_id) FILTER (WHERE NOT is_return AND (ship_mode IS NULL
            OR ship_mode NOT IN ('standard', 'express', 'pickup'))) AS deliveries_other
    FROM read_parquet('{lines}')
    GROUP BY 1
), a AS (
    SELECT coalesce(customer_id, '__unattributed__') AS customer_id,
        sum(quantity) FILTER (WHERE activity = 'sales_visit') AS visits,
        sum(minutes) FILTER (WHERE activity = 'sales_visit') AS visit_minutes,
        sum(quantity) FILTER (WHERE activity = 'sales_visit' AND minutes IS NULL) AS visits_nomin,
        sum(quantity) FILTER (WHERE activity = 'support_ticket') AS tickets,
        sum(minutes) FILTER (WHERE activity = 'support_ticket') AS ticket_minutes,
        sum(quantity) FILTER (WHERE activity = 'support_ticket' AND minutes IS NULL)
            AS tickets_nomin,
        sum(quantity) FILTER (WHERE activity = 'telesales_call') AS calls,
        sum(minutes) FILTER (WHERE activity = 'telesales_call') AS call_minutes,
        sum(quantity) FILTER (WHERE activity = 'telesales_call' AND minutes IS NULL)
            AS calls_nomin
    FROM read_parquet('{activities}')
    WHERE activity IN ('sales_visit', 'support_ticket', 'telesales_call')
    GROUP BY 1
)
SELECT coalesce(l.customer_id, a.customer_id) AS customer_id,
    l.* EXCLUDE (customer_id), a.* EXCLUDE (customer_id)
FROM l FULL OUTER JOIN a ON l.customer_id = a.customer_id
"""


def _digest(frame: Any) -> str:
    """A fingerprint of every value of a ledger, to the last bit (equal runs, equal digests)."""
    import hashlib

    import pandas as pd

    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()[:16]


def _run(method: str, folder: Path) -> tuple[int, str]:
    """Run one method once; returns the rows of its result and, for the ledger, its digest."""
    if method == "handwritten_sql":
        import duckdb

        con = duckdb.connect()
        sql = HANDWRITTEN_SQL.format(
            lines=folder / "order_lines.parquet", activities=folder / "activities.parquet"
        )
        result = con.sql(sql).df()
        con.sql(f"SELECT * FROM read_parquet('{folder / 'customers.parquet'}')").df()
        return len(result), ""
    from helpers.config import defaults
    from helpers.ledger import build_ledger

    config = defaults() | {"engine": {"backend": "duckdb"}}
    if method == "ledger":
        led = build_ledger(folder, config)
        return len(led), _digest(led)
    from helpers import ledger
    from helpers.ledger import engine

    con = engine.connect(config)
    expr = ledger.ledger_expression(
        engine.read_table(con, "order_lines", folder, config),
        engine.read_table(con, "activities", folder, config),
        config,
        measured=["sales_visit", "support_ticket", "telesales_call"],
    )
    return len(expr.to_pandas()), ""


def worker(method: str, folder: Path, repeat: int) -> None:
    """Subprocess entry: best time of ``repeat`` runs and the process's peak memory (JSON)."""
    times, rows, digests = [], 0, []
    for _ in range(repeat):
        t0 = time.perf_counter()
        rows, digest = _run(method, folder)
        times.append(time.perf_counter() - t0)
        digests.append(digest)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {"seconds": min(times), "all_seconds": times, "peak_mb": peak_kb / 1024}
    print(json.dumps(result | {"rows": rows, "digests": digests}))


def measure(method: str, folder: Path, repeat: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", method, str(folder), "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        raise RuntimeError(f"{method} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def interleaved(folder: Path, rounds: int) -> dict[str, dict]:
    """Each method in turn, ``rounds`` times (so load from other processes hits all alike):
    per method the best time of all rounds and the highest peak memory."""
    runs: dict[str, list[dict]] = {m: [] for m in METHODS}
    for _ in range(rounds):
        for m in METHODS:
            runs[m].append(measure(m, folder, WARM_RUNS))
    return {
        m: {
            "seconds": min(r["seconds"] for r in rs),
            "all_seconds": [r["seconds"] for r in rs],
            "peak_mb": max(r["peak_mb"] for r in rs),
            "rows": rs[-1]["rows"],
            # every run of the ledger, in every process, gave the same numbers to the last bit
            "identical_runs": len({d for r in rs for d in r["digests"]}) == 1,
        }
        for m, rs in runs.items()
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e6,1e7", help="order lines, comma-separated")
    parser.add_argument(
        "--repeat", type=int, default=3, help="interleaved rounds per method (best time is kept)"
    )
    parser.add_argument("--quick", action="store_true", help="the smallest size only")
    parser.add_argument("--worker", nargs=2, metavar=("METHOD", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]), args.repeat)
        return 0
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    if args.quick:
        sizes = sizes[:1]
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as tmp:
        for n in sizes:
            t0 = time.perf_counter()
            folder = generate(n, Path(tmp) / f"n{n}")
            print(f"{n:,} lines generated in {time.perf_counter() - t0:.0f} s", flush=True)
            rows = interleaved(folder, args.repeat)
            for m in METHODS:
                rows[m] |= {"lines": n, "method": m}
            base = rows["handwritten_sql"]
            for m in METHODS:
                r = rows[m]
                r["time_vs_sql"] = round(r["seconds"] / base["seconds"], 3)
                r["mem_vs_sql"] = round(r["peak_mb"] / base["peak_mb"], 3)
                r["seconds"], r["peak_mb"] = round(r["seconds"], 3), round(r["peak_mb"], 1)
                r["all_seconds"] = [round(s, 3) for s in r["all_seconds"]]
                results.append(r)
                print(
                    f"{n:>11,} {m:<16} {r['seconds']:>8.2f} s {r['peak_mb']:>8.0f} MiB "
                    f"time x{r['time_vs_sql']:.2f}  mem x{r['mem_vs_sql']:.2f}  rows {r['rows']:,}"
                    f"  identical runs: {r['identical_runs']}",
                    flush=True,
                )
            rm = {k: rows["ledger"][k] for k in ("time_vs_sql", "peak_mb")}
            print(
                f"{n:>11,} ledger vs hand-written SQL: x{rm['time_vs_sql']:.2f} time, "
                f"{rm['peak_mb']:.0f} MiB peak",
                flush=True,
            )
    at = TARGET_LINES if TARGET_LINES in sizes else max(sizes)
    largest = [r for r in results if r["method"] == "ledger" and r["lines"] == at][0]
    summary = {
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "target": {"time_vs_sql": TARGET_RATIO, "peak_mb": TARGET_PEAK_MB, "at_lines": at},
        "meets_target": bool(
            largest["time_vs_sql"] <= TARGET_RATIO and largest["peak_mb"] < TARGET_PEAK_MB
        ),
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2))
    print(f"wrote {RESULTS}; target met at {at:,} lines: {summary['meets_target']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
