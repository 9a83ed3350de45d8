"""End to end: the whole report set rendered by the workbook CLI on three practitioner cases,
published (exit 0) with no non-number in any finding and no share of a negative profit."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
CASES = Path(__file__).parent
_BAD = re.compile(r"\bnan\b|\binf\b|\+nan%|(?<![\d%])-0%", re.IGNORECASE)
#: a share of profit stated as a number ("65% of profit", "-0% of the small clients' profit");
#: saying that there is "no share of profit" is right on a negative total
_PROFIT_SHARE = re.compile(
    r"(?<!no )share of profit|\d%\s+of\s+(?:the\s+)?(?:[\w']+\s+){0,2}profit\b", re.I
)


@pytest.mark.parametrize("case", ["one-customer", "all-one-time-buyers", "all-lines-below-cost"])
def test_case_report_is_published_without_nan(case: str, tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "helpers.report.cli", "report", "--config",
         str(CASES / case / "config.yaml"), "--out", str(tmp_path), "--quiet", "--jobs", "2"],
        capture_output=True, text=True, env=os.environ | {"MPLBACKEND": "Agg"}, timeout=900,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    metrics_path = tmp_path / "latest" / "metrics.json"
    findings = json.loads(metrics_path.read_text())["findings"]
    for section, sentences in findings.items():
        for sentence in sentences:
            assert not _BAD.search(sentence), (section, sentence)
            if case == "all-lines-below-cost":  # company profit is negative: no shares of it
                assert not _PROFIT_SHARE.search(sentence), (section, sentence)
