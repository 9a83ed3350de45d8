"""CPU per slider move of the teaching app: what a class's renderer spends on one new world.

For each slider (and the flat-world switch), starting from the default world, a few one-step
moves are built and rendered as a renderer builds and renders them (``build_state`` from the
world it kept, then ``render_view``: findings and chart data); ``time.process_time`` counts the
CPU of this process (all its threads). Baseline in the same run: the same moves on the path any
export takes (the world written, ingested and its ledger built on DuckDB). Results:
bench/results/teaching_moves.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def _moves(defaults, spec: dict, steps: int) -> dict[str, list]:
    """Per control: ``steps`` assumptions, one slider step apart from the default, alternately up
    and down (the flat switch: on and off)."""
    out = {}
    for name, bounds in spec.items():
        step = float(bounds["step"])
        value, sign, moves = getattr(defaults, name), 1, []
        for k in range(steps):
            nxt = value + sign * (k + 1) * step
            if not float(bounds["min"]) <= nxt <= float(bounds["max"]):
                nxt = value - sign * (k + 1) * step
            nxt = int(round(nxt)) if name == "approval_layers" else round(nxt, 10)
            moves.append(dataclasses.replace(defaults, **{name: nxt}))
            sign = -sign
        out[name] = moves
    out["flat"] = [dataclasses.replace(defaults, flat=not defaults.flat), defaults][:steps]
    return out


def _cpu(moves: dict, config: dict, base, folder: Path | None) -> dict[str, list[float]]:
    from helpers.apps.teaching_model import build_state
    from helpers.apps.teaching_view import FigureMemo, render_view

    dpi = int(config["explorer"]["figure_dpi"])
    memo = FigureMemo()
    render_view(base, dpi, memo)
    out = {}
    for name, assumptions in moves.items():
        times = []
        for k, wanted in enumerate(assumptions):
            where = None if folder is None else folder / f"{name}-{k}"
            began = time.process_time()
            state = build_state(wanted, config, where, base)
            render_view(state, dpi, memo)
            times.append(time.process_time() - began)
        out[name] = times
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4, help="moves per control")
    parser.add_argument("--quick", action="store_true", help="2 moves per control")
    parser.add_argument("--out", default=str(RESULTS / "teaching_moves.json"))
    args = parser.parse_args(argv)
    steps = 2 if args.quick else args.steps
    from helpers import paths
    from helpers.apps.teaching_model import build_state, default_assumptions, teaching_settings
    from helpers.config import load_config

    config = load_config(paths.SAMPLE_CONFIG)
    defaults = default_assumptions(config)
    moves = _moves(defaults, teaching_settings(config)["sliders"], steps)
    load_before = os.getloadavg()
    base = build_state(defaults, config)
    memory = _cpu(moves, config, base, None)
    with tempfile.TemporaryDirectory() as tmp:
        engine = _cpu(moves, config, build_state(defaults, config, Path(tmp) / "base"), Path(tmp))
    result = {
        "cpu_count": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "moves_per_control": steps,
        "customers": base.headline["customers"],
        "cpu_s_per_move": {
            name: {
                "in_memory_median": round(statistics.median(memory[name]), 3),
                "in_memory_max": round(max(memory[name]), 3),
                "duckdb_path_median": round(statistics.median(engine[name]), 3),
                "speedup": round(
                    statistics.median(engine[name]) / statistics.median(memory[name]), 1
                ),
            }
            for name in moves
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
