"""Run every benchmark (bench/bench_*.py) in turn and print their summary lines.

Each benchmark measures its own baseline in the same run and reports ratios; results land in
bench/results/<name>.json. Pass --quick to use each benchmark's smallest size.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    only = [a for a in argv if not a.startswith("-")]
    if only:
        scripts = [s for s in scripts if any(o in s.stem for o in only)]
    failed = []
    for script in scripts:
        print(f"\n=== {script.stem} ===", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call([sys.executable, str(script), *[a for a in argv if a.startswith("-")]])
        print(f"--- {script.stem}: exit {rc} in {time.perf_counter() - t0:.0f} s", flush=True)
        if rc:
            failed.append(script.stem)
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
