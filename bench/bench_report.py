"""Full report runs as the customer book grows: wall time and its split per stage and notebook.

    python bench/bench_report.py [--customers 5000,20000,100000] [--quick] [--jobs 2]
                                 [--against CHECKOUT]

For each size, the sample world (5,000 customers, ``configs/sample.yaml``) or a world of that
many customers generated with ``python -m helpers.world --customers N`` into a temporary folder
(with a config like the sample's pointing at it) is rendered with ``run_report``, and split into
stages (ingest, ledger, notebooks, HTML) and per notebook into compute and kernel start +
papermill overhead (``run.json``). The baseline, measured in the same run just before each
report: starting one Python kernel and running an empty notebook with papermill, so the
per-notebook overhead reads as a multiple of the bare kernel cost. ``--quick``: 5,000 only.

``--against CHECKOUT`` (a clone or worktree of an earlier commit, e.g. made with
``git worktree add /tmp/before <commit>``) also renders the sample world with that checkout's
code and notebooks on the same sample data, alternating with this one's (twice each, in one
run), and reports the ratio of the best of each: the sample world must not get slower.

Targets (2-core machine): 20,000 customers within 60 s, 100,000 within 240 s; the sample world
no slower than before.
Prints a table and writes ``bench/results/report.json``. Not a test: run it with ``make bench``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill as pm

from helpers import paths
from helpers.report.run import run_report

RESULTS = Path(__file__).resolve().parent / "results"
SAMPLE_CUSTOMERS = 5000
#: customers -> the most seconds a full report may take on this 2-core machine
TARGETS = {20000: 60.0, 100000: 240.0}


def empty_notebook_seconds(tmp: Path) -> float:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    src = tmp / "empty.ipynb"
    nbformat.write(nb, src)
    t0 = time.perf_counter()
    pm.execute_notebook(
        str(src), str(tmp / "empty-out.ipynb"), kernel_name="python3", progress_bar=False
    )
    return time.perf_counter() - t0


def world_config(customers: int, tmp: Path) -> Path:
    """The sample config, or a config like it for a generated world of ``customers``."""
    if customers == SAMPLE_CUSTOMERS:
        return paths.SAMPLE_CONFIG
    folder = tmp / f"world_{customers}"
    cmd = [sys.executable, "-m", "helpers.world", "--customers", str(customers)]
    subprocess.run([*cmd, "--out", str(folder)], check=True, capture_output=True)
    text = paths.SAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace("../data/sample/default/", f"{folder.name}/")
    config = tmp / f"world_{customers}.yaml"
    config.write_text(text.replace("name: sample", f"name: world-{customers}"), encoding="utf-8")
    return config


_RENDER = (
    "import sys; from helpers.report.run import run_report; "
    "run_report(sys.argv[1], out_dir=sys.argv[2], jobs=int(sys.argv[3]), progress=False)"
)


def render_seconds(src: Path, out: Path, jobs: int) -> float:
    """Wall seconds of one sample-world report rendered by the code in ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src), "MPLBACKEND": "Agg"}
    config = src.parent / "configs" / "sample.yaml"
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", _RENDER, str(config), str(out), str(jobs)],
        env=env,
        check=True,
        capture_output=True,
        cwd=src.parent,
    )
    return time.perf_counter() - t0


def against(checkout: Path, tmp: Path, jobs: int) -> dict:
    """The sample world rendered by this code and by ``checkout``'s, alternating, twice each."""
    here = Path(__file__).resolve().parent.parent / "src"
    theirs = Path(checkout).resolve() / "data" / "sample"
    if not theirs.exists():  # the same sample data for both: this checkout's
        theirs.parent.mkdir(parents=True, exist_ok=True)
        theirs.symlink_to(here.parent / "data" / "sample", target_is_directory=True)
    times: dict[str, list[float]] = {"this": [], "before": []}
    for round_no in range(2):
        for name, src in (("this", here), ("before", Path(checkout).resolve() / "src")):
            out = tmp / f"against_{name}_{round_no}"
            times[name].append(round(render_seconds(src, out, jobs), 2))
    ratio = min(times["this"]) / min(times["before"])
    return {
        "checkout": str(checkout),
        "seconds": times,
        "ratio_best_of_two": round(ratio, 3),
        "not_slower": ratio <= 1.05,
    }


def measure(customers: int, tmp: Path, jobs: int) -> dict:
    """One full report on a world of ``customers``, with its empty-notebook baseline."""
    config = world_config(customers, tmp)
    bare = empty_notebook_seconds(tmp)
    t0 = time.perf_counter()
    run = run_report(config, out_dir=tmp / f"reports_{customers}", jobs=jobs, progress=False)
    wall = time.perf_counter() - t0
    timings = json.loads((run / "run.json").read_text())["timings"]
    nbs = timings["notebooks"]
    overhead = sum(v["kernel_and_overhead_seconds"] for v in nbs.values())
    target = TARGETS.get(customers)
    return {
        "customers": customers,
        "wall_seconds": round(wall, 2),
        "target_seconds": target,
        "meets_target": None if target is None else wall <= target,
        "stages": {k: round(v, 2) for k, v in timings["stages"].items()},
        "notebooks": nbs,
        "kernel_and_overhead_seconds_sum": round(overhead, 2),
        "compute_seconds_sum": round(sum(v["compute_seconds"] for v in nbs.values()), 2),
        "empty_notebook_seconds": round(bare, 2),
        "overhead_per_notebook_vs_empty": round(overhead / max(len(nbs), 1) / bare, 2),
    }


def show(result: dict) -> None:
    target = result["target_seconds"]
    print(
        f"{result['customers']:>7,} customers: {result['wall_seconds']:6.1f} s wall"
        + (
            f" (target {target:.0f} s: {'met' if result['meets_target'] else 'MISSED'})"
            if target
            else ""
        ),
        flush=True,
    )
    for stage, secs in result["stages"].items():
        print(f"    {stage:<10} {secs:7.1f} s")
    print(
        f"    kernel start + papermill overhead per notebook: "
        f"{result['overhead_per_notebook_vs_empty']}x an empty notebook's "
        f"{result['empty_notebook_seconds']:.1f} s"
    )
    for name, v in result["notebooks"].items():
        print(
            f"      {name:<40} {v['total_seconds']:6.1f} s (compute {v['compute_seconds']:.1f} s)"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--customers", default="5000,20000,100000", help="world sizes, comma-separated")
    ap.add_argument("--quick", action="store_true", help="the sample world (5,000) only")
    ap.add_argument("--jobs", type=int, default=2, help="notebooks run side by side")
    ap.add_argument("--out", default=str(RESULTS / "report.json"))
    ap.add_argument(
        "--against", metavar="CHECKOUT", help="an earlier checkout: is the sample world slower?"
    )
    args = ap.parse_args(argv)
    sizes = [SAMPLE_CUSTOMERS] if args.quick else [int(float(s)) for s in args.customers.split(",")]
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        for customers in sizes:
            results.append(measure(customers, Path(tmp), args.jobs))
            show(results[-1])
        compared = against(Path(args.against), Path(tmp), args.jobs) if args.against else None
    if compared:
        print(
            f"sample world, this code vs {compared['checkout']}: {compared['seconds']['this']} s "
            f"vs {compared['seconds']['before']} s -> {compared['ratio_best_of_two']}x "
            f"({'not slower' if compared['not_slower'] else 'SLOWER'})"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    summary = {
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "jobs": args.jobs,
        "results": results,
        "sample_against_earlier": compared,
    }
    out.write_text(json.dumps(summary, indent=2))
    print(f"wrote {out}")
    slower = compared is not None and not compared["not_slower"]
    return 0 if all(r["meets_target"] is not False for r in results) and not slower else 1


if __name__ == "__main__":
    sys.exit(main())
