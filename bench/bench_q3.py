"""Benchmark the Q3 scenario engine against one straightforward pandas evaluation per scenario.

    python bench/bench_q3.py [--customers 20000] [--quick]

Builds a book of ``--customers`` customers and their orders (``tests/analyses/question_books``,
with profit levels) and times, with the bare default config and the orders read once:

- ``simulate``: one :func:`helpers.q3_price_and_channel.simulate` (mean of 5 fee values);
- ``scenario_grid`` and ``tornado`` (every combination of the grid; each assumption low/high);
- the baseline in the same run: the same grid and tornado scenarios, each evaluated on its own
  the way the simulator did before it prepared the customers once
  (``tests/analyses/q3_reference.py``).

Prints the seconds and writes ``bench/results/q3.json`` with the ratios baseline / engine. Not a
test: run it with ``make bench``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "q3.json"
sys.path.insert(0, str(HERE.parent / "tests" / "analyses"))


def _seconds(run, repeat: int = 1) -> float:
    start = time.perf_counter()
    for i in range(repeat):
        run(i)
    return (time.perf_counter() - start) / repeat


def _scenarios(config, simulator) -> list[dict]:
    """The overrides of every grid and tornado scenario (the default one first)."""
    grid, resolved = config["scenarios"]["grid"], simulator.levers()
    out: list[dict] = [{}]
    for combo in itertools.product(*grid.values()):
        out.append(
            {
                key: float(resolved[key.split(".")[0]][key.split(".")[1]]) * float(multiple)
                for key, multiple in zip(grid, combo, strict=True)
            }
        )
    for spec in config["scenarios"]["tornado"]:
        key = f"{spec['lever']}.{spec['param']}"
        out += [{key: spec["low"]}, {key: spec["high"]}]
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--customers", type=float, default=20_000)
    ap.add_argument("--quick", action="store_true", help="2,000 customers")
    args = ap.parse_args(argv)
    n = 2_000 if args.quick else int(args.customers)

    from q3_reference import reference_simulate
    from question_books import book

    from helpers import q3_price_and_channel as sc
    from helpers.config import defaults
    from helpers.q3_price_and_channel.simulator import Simulator

    config = {**defaults(), "name": "bench"}
    ledger, frame = book(n, 11, "random")
    orders = sc.OrderBook.of(frame)
    sc.simulate(ledger, config, None, orders)  # warm: the book's counts, imports
    fast = {
        "simulate": _seconds(
            lambda i: sc.simulate(ledger, config, {"small_order_fee.fee": 1.0 + i}, orders), 5
        ),
        "scenario_grid": _seconds(lambda i: sc.scenario_grid(ledger, config, orders)),
        "tornado": _seconds(lambda i: sc.tornado(ledger, config, orders)),
    }
    every = _scenarios(config, Simulator(ledger, config, orders))
    baseline = _seconds(lambda i: [reference_simulate(ledger, config, o, orders) for o in every])
    engine = fast["scenario_grid"] + fast["tornado"]
    result = {
        "customers": n,
        "scenarios": len(every),
        "seconds": fast,
        "baseline_grid_and_tornado_seconds": baseline,
        "speedup_grid_and_tornado": baseline / engine,
        "load_average": os.getloadavg()[0],
    }
    for name, value in fast.items():
        print(f"{name:>15}: {value:7.3f} s")
    print(f"{'baseline':>15}: {baseline:7.3f} s for the {len(every)} grid and tornado scenarios")
    print(f"{'speed-up':>15}: {baseline / engine:7.1f}x (load average {os.getloadavg()[0]:.1f})")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
