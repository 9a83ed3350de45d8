"""Real exports, rendered end to end: the public Superstore file against its independent figures,
and the same file in another currency (every amount x150) giving the same verdicts.

The export and its reference figures live in ``../shared/data/real/superstore/`` (beside the
repository, as in CI); the config is written from that folder's README alone.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SUPERSTORE = SHARED / "data" / "real" / "superstore" / "superstore.csv"
YEN_FACTOR = 150  # as if the same business reported in yen
MONEY_COLUMNS = ("Sales", "Profit")

CONFIG = """\
name: {name}
tables:
  order_lines:
    path: {path}
    amounts: line            # Sales is line revenue after discount, Profit the line profit
    discount_as: fraction    # Discount is a fraction of list
    columns:
      order_id: Order ID
      customer_id: Customer ID
      order_date: Order Date
      product_id: Product ID
      quantity: Quantity
      sales: Sales
      discount: Discount
      profit: Profit
      ship_mode: Ship Mode
      region: Region
"""


def _render(folder: Path, name: str, csv_path: Path) -> dict[str, Any]:
    """Write a config for ``csv_path``, render the full report, return its metrics.json."""
    config = folder / f"{name}.yaml"
    config.write_text(CONFIG.format(name=name, path=csv_path.as_posix()), encoding="utf-8")
    out = folder / "reports"
    done = subprocess.run(
        [sys.executable, "-m", "helpers.report.cli", "report", "--config", str(config),
         "--out", str(out)],
        capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads((out / "latest" / "metrics.json").read_text(encoding="utf-8"))


def _in_yen(source: Path, target: Path) -> Path:
    """The export with every money column multiplied by ``YEN_FACTOR`` (text kept exact)."""
    with (
        source.open(encoding="utf-8", newline="") as fin,
        target.open("w", encoding="utf-8", newline="") as fout,
    ):
        reader = csv.DictReader(fin)
        writer = csv.DictWriter(fout, fieldnames=reader.fieldnames)
        writer.writeheader()
        for row in reader:
            for column in MONEY_COLUMNS:
                row[column] = repr(float(row[column]) * YEN_FACTOR)
            writer.writerow(row)
    return target


@pytest.fixture(scope="module")
def superstore(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not SUPERSTORE.exists():
        pytest.skip(f"{SUPERSTORE} not found (the shared corpus sits beside the repository)")
    return _render(tmp_path_factory.mktemp("usd"), "superstore", SUPERSTORE)


@pytest.fixture(scope="module")
def superstore_yen(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not SUPERSTORE.exists():
        pytest.skip(f"{SUPERSTORE} not found (the shared corpus sits beside the repository)")
    folder = tmp_path_factory.mktemp("jpy")
    return _render(folder, "superstore", _in_yen(SUPERSTORE, folder / "superstore_jpy.csv"))


def test_superstore_leads_with_the_exports_own_profit(superstore: dict[str, Any]) -> None:
    # reference figures of ../shared/data/real/superstore/SOURCE.md (computed with pandas)
    assert superstore["ledger"]["lead_level"] == "data"
    assert superstore["pareto"]["top20_revenue_share"] == pytest.approx(0.481, abs=5e-4)
    assert superstore["whale"]["peak_profit_pct"] == pytest.approx(124.9, abs=0.05)
    assert superstore["whale"]["peak_share_of_customers"] == pytest.approx(0.805, abs=5e-4)
    assert superstore["whale"]["loss_making_customers"] == 155
    assert superstore["whale"]["loss_making_share"] == pytest.approx(0.195, abs=5e-4)
    assert superstore["ledger"]["total_revenue"] == pytest.approx(2_297_200.86, abs=0.005)
    assert superstore["reconciliation"]["revenue_in"] == pytest.approx(2_297_200.86, abs=0.005)


def test_superstore_shows_the_assumed_view_beside_it(superstore: dict[str, Any]) -> None:
    ledger = superstore["ledger"]
    assert "with_assumptions" in ledger and "data" in ledger
    assumed = ledger["with_assumptions"]["loss_making_customers"]
    assert assumed > ledger["data"]["loss_making_customers"] == 155
    assert ledger["sensitivity"], "the loss-making verdict's break-even multiplier is recorded"


def test_no_finding_reads_nan_or_infinite(superstore: dict[str, Any]) -> None:
    for section, sentences in superstore["findings"].items():
        for sentence in sentences:
            assert not re.search(r"\bnan\b|\binf\b|-0%", sentence, re.IGNORECASE), (
                section,
                sentence,
            )


# ---- the same business in another currency -------------------------------------------------
_AMOUNT = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?(?:\s?(?:k|M|bn))?(?![\d%x])")


_FILE = re.compile(r"\S+\.csv\b")


def _masked(sentence: str) -> str:
    """A sentence with its money amounts and the file read masked (percentages kept)."""
    return _AMOUNT.sub("#", _FILE.sub("<file>", sentence))


#: what legitimately differs between the two runs: the file read, and log-likelihoods of
#: models of money (the density of an amount in yen is 1/150 of the same amount in dollars)
_NOT_COMPARED = ("source_file", "log_likelihood")


def _compare(usd: Any, jpy: Any, path: str, out: list[str]) -> None:
    if path.rsplit(".", 1)[-1] in _NOT_COMPARED:
        return
    if isinstance(usd, dict) and isinstance(jpy, dict):
        for key in sorted(set(usd) | set(jpy)):
            if key not in usd or key not in jpy:
                out.append(f"{path}.{key}: only in one run")
            else:
                _compare(usd[key], jpy[key], f"{path}.{key}", out)
    elif isinstance(usd, list) and isinstance(jpy, list) and len(usd) == len(jpy):
        for i, (a, b) in enumerate(zip(usd, jpy, strict=True)):
            _compare(a, b, f"{path}[{i}]", out)
    elif (difference := _scalar_difference(usd, jpy)) is not None:
        out.append(f"{path}: {difference}")


def _scalar_difference(usd: Any, jpy: Any) -> str | None:
    """How two scalars differ beyond the currency (None: the same, or x150)."""
    if isinstance(usd, str) and isinstance(jpy, str):  # a description may quote an amount
        return None if _masked(usd) == _masked(jpy) else f"{usd!r} != {jpy!r}"
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (usd, jpy))
    if numbers:
        same = jpy == pytest.approx(usd, rel=1e-6, abs=1e-9)
        scaled = jpy == pytest.approx(usd * YEN_FACTOR, rel=1e-6, abs=1e-6)
        return None if same or scaled else f"{usd!r} vs {jpy!r} (neither equal nor x{YEN_FACTOR})"
    return None if usd == jpy else f"{usd!r} != {jpy!r}"


def test_the_same_export_in_yen_gives_the_same_verdicts(
    superstore: dict[str, Any], superstore_yen: dict[str, Any]
) -> None:
    differences: list[str] = []
    for section in superstore:
        if section in {"run", "findings"}:
            continue
        _compare(superstore[section], superstore_yen[section], section, differences)
    assert not differences, "\n".join(differences[:40])
    for section, sentences in superstore["findings"].items():
        yen = superstore_yen["findings"][section]
        assert [_masked(s) for s in sentences] == [_masked(s) for s in yen], section
