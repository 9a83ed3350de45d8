"""Compare two report runs' metrics.json, ignoring what describes the run itself.

Usage: python scripts/compare_metrics.py BEFORE/metrics.json AFTER/metrics.json
Exit 0 when every analysis figure (floats to 12 significant digits) and finding is identical, 1 otherwise (the differences listed).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

IGNORED = {"run"}  # run id, creation time, notebook timings
#: floats equal to 12 significant digits count as identical (a sum's last bit may differ)
REL_TOL = 1e-12


def differences(before: Any, after: Any, path: str = "") -> list[str]:
    """Every path where ``before`` and ``after`` differ."""
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[str] = []
        for key in sorted(set(before) | set(after)):
            if not path and key in IGNORED:
                continue
            here = f"{path}.{key}" if path else key
            if key not in before or key not in after:
                out.append(f"{here}: only in {'after' if key not in before else 'before'}")
            else:
                out.extend(differences(before[key], after[key], here))
        return out
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            d
            for i, (b, a) in enumerate(zip(before, after, strict=True))
            for d in differences(b, a, f"{path}[{i}]")
        ]
    if isinstance(before, float) and isinstance(after, float):
        same = math.isclose(before, after, rel_tol=REL_TOL)
        return [] if same else [f"{path}: {before!r} -> {after!r}"]
    return [] if before == after else [f"{path}: {before!r} -> {after!r}"]


def main(argv: list[str]) -> int:
    before, after = (json.loads(Path(p).read_text(encoding="utf-8")) for p in argv[:2])
    found = differences(before, after)
    for line in found:
        print(line)
    print("identical" if not found else f"{len(found)} differences")
    return 0 if not found else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
