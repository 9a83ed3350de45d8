"""Benchmark helpers.clv against lifetimes on the same input, in the same run.

    python bench/bench_clv.py [--rows 1e7] [--customers 1e6] [--quick]

Two measurements, each method in its own subprocess (wall time and CPU time of the call, peak
resident memory from ``resource.getrusage``; on a shared machine the CPU-time ratio is the one
other processes disturb least):

1. the RFM summary (frequency, recency, T, monetary value per customer) of ``--rows`` synthetic
   transactions: ``helpers.clv.rfm_summary`` vs ``lifetimes.utils.summary_data_from_transaction_data``
   (both by day); the two outputs are checked to agree;
2. the BG/NBD fit on ``--customers`` customers simulated from known parameters:
   ``helpers.clv.fit_bgnbd`` vs ``lifetimes.BetaGeoFitter().fit``; both must land on the same
   parameters.

Prints a table and writes ``bench/results/clv.json``. Not a test: run it with ``make bench``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "clv.json"
TRUE_PARAMS = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}  # near CDNOW's, time in weeks


# ---- data ------------------------------------------------------------------------------------
def make_transactions(n: int, path: Path, seed: int = 7) -> None:
    """n transactions of n/10 customers over three years: string ids, dates, positive values."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    n_customers = max(n // 10, 1)
    # a few heavy buyers, many light ones: customer drawn with Zipf-like weights
    cust = np.minimum((rng.pareto(1.2, n) * n_customers / 20).astype(np.int64), n_customers - 1)
    ids = pc.binary_join_element_wise("C", pc.cast(pa.array(cust), pa.string()), "")
    days = rng.integers(0, 1095, n).astype("timedelta64[D]") + np.datetime64("2022-01-01")
    table = pa.table(
        {
            "customer_id": ids,
            "date": pa.array(days.astype("datetime64[ns]")),
            "value": pa.array(np.round(rng.lognormal(4, 1, n), 2)),
        }
    )
    pq.write_table(table, path)


def make_summary(n: int, path: Path, seed: int = 11) -> None:
    """n customers' (frequency, recency, T) simulated from BG/NBD with TRUE_PARAMS (weeks)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    p = TRUE_PARAMS
    lam = rng.gamma(p["r"], 1 / p["alpha"], n)
    drop = rng.beta(p["a"], p["b"], n)
    T = rng.uniform(26, 78, n).round(2)
    arrivals = rng.poisson(lam * T)
    before_drop = rng.geometric(drop)  # repeat purchases made before dropping out
    x = np.minimum(arrivals, before_drop)
    # t_x: the x-th of `arrivals` uniform arrival times on [0, T]
    tx = np.where(x > 0, T * rng.beta(np.maximum(x, 1), arrivals - x + 1), 0.0).round(2)
    pd.DataFrame({"frequency": x.astype(float), "recency": tx, "T": T}).to_parquet(path)


# ---- one measurement (runs in its own process) -----------------------------------------------
def measure(method: str, path: str) -> dict:
    import warnings

    import pandas as pd

    warnings.simplefilter("ignore")
    data = pd.read_parquet(path)
    if method == "helpers_rfm_summary":
        from helpers import clv

        start, cpu_start = time.perf_counter(), time.process_time()
        out = clv.rfm_summary(
            data, date_col="date", value_col="value", observation_end="2024-12-31"
        )
        check = _rfm_check(out)
    elif method == "lifetimes_summary":
        from lifetimes.utils import summary_data_from_transaction_data

        start, cpu_start = time.perf_counter(), time.process_time()
        out = summary_data_from_transaction_data(
            data, "customer_id", "date", monetary_value_col="value",
            observation_period_end="2024-12-31", freq="D",
        )  # fmt: skip
        check = _rfm_check(out)
    elif method == "helpers_fit_bgnbd":
        from helpers import clv

        start, cpu_start = time.perf_counter(), time.process_time()
        fit = clv.fit_bgnbd(data["frequency"], data["recency"], data["T"])
        check = {k: round(getattr(fit, k), 4) for k in TRUE_PARAMS}
    elif method == "lifetimes_fit_bgnbd":
        from lifetimes import BetaGeoFitter

        start, cpu_start = time.perf_counter(), time.process_time()
        fit = BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
        check = {k: round(float(fit.params_[k]), 4) for k in TRUE_PARAMS}
    else:
        raise SystemExit(f"unknown method {method}")
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "peak_mb": round(peak_mb, 1),
        "check": check,
    }


def _rfm_check(out) -> dict:
    """Totals that both summaries must share (customers, frequency, recency, T, monetary)."""
    return {
        "customers": int(len(out)),
        "frequency": float(out["frequency"].sum()),
        "recency": float(out["recency"].sum()),
        "T": float(out["T"].sum()),
        "monetary_value": round(float(out["monetary_value"].sum()), 2),
    }


def run_one(method: str, path: Path) -> dict:
    cmd = [sys.executable, __file__, "--measure", method, str(path)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{method} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(kind: str, size: int, ours: str, theirs: str, path: Path) -> dict:
    base = run_one(theirs, path)
    mine = run_one(ours, path)
    if kind == "rfm_summary":
        a, b = mine["check"], base["check"]
        agree = a["customers"] == b["customers"] and all(
            abs(a[k] - b[k]) <= 1e-6 * max(1.0, abs(b[k])) for k in a
        )
    else:
        agree = all(
            abs(mine["check"][k] - base["check"][k]) <= 0.01 * abs(base["check"][k])
            for k in TRUE_PARAMS
        )
    row = {
        "step": kind,
        "size": size,
        "helpers": mine,
        "lifetimes": base,
        "agree": agree,
        "speedup": round(base["seconds"] / mine["seconds"], 2),
        "cpu_speedup": round(base["cpu_seconds"] / mine["cpu_seconds"], 2),
        "memory_ratio": round(mine["peak_mb"] / base["peak_mb"], 2),
    }
    print(
        f"{kind:<12} {size:>11,}  helpers {mine['seconds']:>7.2f}s {mine['peak_mb']:>7.0f} MB"
        f"   lifetimes {base['seconds']:>7.2f}s {base['peak_mb']:>7.0f} MB"
        f"   x{row['speedup']:.1f} faster (CPU time x{row['cpu_speedup']:.1f}), agree={agree}",
        flush=True,
    )
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rows", default="1e7", help="transactions for the RFM summary")
    ap.add_argument("--customers", default="1e6", help="customers for the BG/NBD fit")
    ap.add_argument("--quick", action="store_true", help="1e6 rows and 1e5 customers")
    ap.add_argument("--out", default=str(RESULTS))
    ap.add_argument("--measure", nargs=2, metavar=("METHOD", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0
    rows = int(1e6 if args.quick else float(args.rows))
    customers = int(1e5 if args.quick else float(args.customers))
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_clv_") as tmp:
        tx, summary = Path(tmp) / "transactions.parquet", Path(tmp) / "summary.parquet"
        t0 = time.perf_counter()
        make_transactions(rows, tx)
        make_summary(customers, summary)
        print(f"generated inputs in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        results.append(compare("rfm_summary", rows, "helpers_rfm_summary", "lifetimes_summary", tx))
        results.append(
            compare("bgnbd_fit", customers, "helpers_fit_bgnbd", "lifetimes_fit_bgnbd", summary)
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {"python": sys.version.split()[0], "true_params": TRUE_PARAMS, "results": results},
            indent=2,
        )
    )
    print(f"wrote {out}", file=sys.stderr)
    return 0 if all(r["agree"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
