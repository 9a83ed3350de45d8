"""Pareto, segments and seesaw on real exports, read with the workbook's own ingest and ledger.

Superstore (``shared/data/real/superstore``, a public export; reference figures computed
independently in its SOURCE.md) and the practitioner cases of ``shared/cases``. ``shared`` sits
beside the repository (``../shared`` from the repository root); the tests skip without it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import pareto, seesaw, segments
from helpers.report.workspace import open_workspace

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
SUPERSTORE = SHARED / "data" / "real" / "superstore" / "superstore.csv"
CASES = SHARED / "cases"

SUPERSTORE_CONFIG = """\
name: superstore
tables:
  order_lines:
    path: {path}
    amounts: line
    discount_as: fraction
    columns: {{order_id: Order ID, customer_id: Customer ID, order_date: Order Date,
              product_id: Product ID, quantity: Quantity, sales: Sales, discount: Discount,
              profit: Profit, ship_mode: Ship Mode, region: Region}}
"""


def _workspace(config: Path, run_dir: Path):
    """The workbook's own ingest and ledger of a config, into ``run_dir``."""
    return open_workspace(str(config), "", str(run_dir))


@pytest.fixture(scope="module")
def superstore(tmp_path_factory: pytest.TempPathFactory):
    if not SUPERSTORE.exists():
        pytest.skip(f"the Superstore export is not beside the repository ({SUPERSTORE})")
    folder = tmp_path_factory.mktemp("superstore")
    config = folder / "superstore.yaml"
    config.write_text(SUPERSTORE_CONFIG.format(path=SUPERSTORE.resolve()))
    ws = _workspace(config, folder / "run")
    return ws.ledger, ws.config


def test_superstore_leads_with_the_exports_own_profit(superstore) -> None:
    ledger, config = superstore
    result = pareto.measure_concentration(ledger, config, bootstrap=False)
    pareto_metrics, whale = result.pareto, result.whale
    # the reference of SOURCE.md, at the data level (the export's own line profit)
    assert pareto_metrics["lead_level"] == whale["lead_level"] == "data"
    assert pareto_metrics["top20_revenue_share"] == pytest.approx(0.481, abs=0.0005)
    assert whale["peak_profit_pct"] == pytest.approx(124.9, abs=0.05)
    assert whale["peak_share_of_customers"] == pytest.approx(0.805, abs=0.0005)
    assert whale["loss_making_customers"] == 155
    assert whale["loss_making_share"] == pytest.approx(0.195, abs=0.0005)
    assert whale["data"]["loss_making_customers"] == 155
    # the assumed view beside it, labelled, with how far the assumptions may move
    assert whale["with_assumptions"]["loss_making_customers"] > 155
    assert set(whale["sensitivity"]) >= {"whale_hump", "loss_makers", "loss_making_share_at"}
    text = " ".join([*result.findings, *result.whale_findings])
    assert "These findings lead with profit on the margin the data gives" in text
    assert "155 customers (19.5%) lose money on the margin the data gives" in text
    assert "With the assumed cost-to-serve amounts" in text
    # no ABC reference band, no Gini of a measure with losses, revenue "spread" without "too"
    assert "Kaplan & Narayanan" not in text and "150-300%" not in text
    assert pareto_metrics["gini_profit"] is None and pareto_metrics["gini_gross_margin"] is None
    assert "Revenue is spread" in text and "holds for profit too" not in text


def test_superstore_seesaw_and_segments_agree(superstore) -> None:
    ledger, config = superstore
    tilt = seesaw.measure_seesaw(ledger, config)
    summary = segments.segment_summary(ledger, segments.assign_segments(ledger, config), config)
    assert tilt.metrics["lead_level"] == summary.metrics["lead_level"] == "data"
    assert tilt.metrics["highest_margin_tier"] == summary.metrics["highest_margin_tier"]
    big, best = tilt.metrics["largest_tier"], tilt.metrics["highest_margin_tier"]
    expected = "no tilt" if big == best else "tilts"
    assert tilt.metrics["tilt"] == expected
    words = "The seesaw does not tilt here." if expected == "no tilt" else "The seesaw tilts"
    assert any(words in s for s in tilt.findings)
    assert not any("100% of customers" in s for s in summary.findings)


@pytest.mark.parametrize(
    "case", ["all-lines-below-cost", "one-customer"], ids=["all-lines-below-cost", "one-customer"]
)
def test_practitioner_cases(case: str, tmp_path: Path) -> None:
    config = CASES / case / "config.yaml"
    if not config.exists():
        pytest.skip(f"the practitioner cases are not beside the repository ({CASES})")
    ws = _workspace(config, tmp_path / "run")
    ledger, cfg = ws.ledger, ws.config
    result = pareto.measure_concentration(ledger, cfg, bootstrap=False)
    summary = segments.segment_summary(ledger, segments.assign_segments(ledger, cfg), cfg)
    tilt = seesaw.measure_seesaw(ledger, cfg)
    sentences = [*result.findings, *result.whale_findings, *summary.findings, *tilt.findings]
    text = " ".join(sentences)
    assert not re.search(r"\bnan\b|\binf\b|-0%|n/a", text), text
    if case == "one-customer":
        assert "Only 1 customer: too few" in text
        assert "not applicable" in text
        return
    # 70 customers, every line below cost: every sentence reads as losses
    assert result.whale["customers"] == 70 and result.whale["loss_making_customers"] == 70
    for wrong in (r"\d% of (total )?profit", r"most profitable", r"earns? the highest margin",
                  r"earn more than the"):  # fmt: skip
        assert not re.search(wrong, text), [s for s in sentences if re.search(wrong, s)]
    assert "no share of profit is meaningful" in text
    assert "Every size tier loses money" in text or "not applicable" in text
