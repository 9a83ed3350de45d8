"""Full report run on the sample world: wall time and its split (ingest, ledger, kernels, compute, HTML).

Baseline measured in the same run: starting one Python kernel and running an empty notebook with
papermill, so the per-notebook overhead can be read as a multiple of the bare kernel cost.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill as pm

from helpers import paths
from helpers.report.run import run_report

RESULTS = Path(__file__).resolve().parent / "results"


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


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        bare = empty_notebook_seconds(tmp)
        t0 = time.perf_counter()
        run = run_report(paths.SAMPLE_CONFIG, out_dir=tmp / "reports", jobs=2, progress=False)
        wall = time.perf_counter() - t0
        timings = json.loads((run / "run.json").read_text())["timings"]
    nbs = timings["notebooks"]
    overhead = sum(v["kernel_and_overhead_seconds"] for v in nbs.values())
    compute = sum(v["compute_seconds"] for v in nbs.values())
    result = {
        "wall_seconds": round(wall, 2),
        "stages": {k: round(v, 2) for k, v in timings["stages"].items()},
        "notebooks": nbs,
        "kernel_and_overhead_seconds_sum": round(overhead, 2),
        "compute_seconds_sum": round(compute, 2),
        "empty_notebook_seconds": round(bare, 2),
        "overhead_per_notebook_vs_empty": round(overhead / max(len(nbs), 1) / bare, 2),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "report.json").write_text(json.dumps(result, indent=2))
    print(
        f"full run on the sample world: {wall:.1f} s wall for {len(nbs)} notebooks (2 in parallel)"
    )
    for stage, secs in result["stages"].items():
        print(f"  {stage:<10} {secs:7.1f} s")
    print(
        f"  kernel start + papermill overhead, summed over notebooks: {overhead:.1f} s "
        f"({result['overhead_per_notebook_vs_empty']}x an empty notebook's {bare:.1f} s each)"
    )
    print(f"  cell computation, summed over notebooks: {compute:.1f} s")
    for name, v in nbs.items():
        print(f"    {name:<40} {v['total_seconds']:6.1f} s (compute {v['compute_seconds']:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
