"""The executive summary: assumptions flattened, pages listed, findings linked, data escaped."""

from __future__ import annotations

from pathlib import Path

from helpers.report import summary

RUN = {"id": "r1", "dataset": "tiny", "period": {"start": None, "end": None}, "created": "now"}


def test_flatten_assumptions_dots_nested_keys_and_joins_lists() -> None:
    config = {"a": 1, "b": {"c": {"d": 0.5}, "e": ["x", "y"]}, "f": None}
    assert summary.flatten_assumptions(config) == [
        ("a", "1"),
        ("b.c.d", "0.5"),
        ("b.e", "x, y"),
    ]  # an entry without a value is left out
    assert summary.flatten_assumptions({}) == []
    assert summary.flatten_assumptions({"k": 2}, prefix="p.") == [("p.k", "2")]


def test_assumptions_read_as_the_amounts_used() -> None:
    from helpers.ledger.scale import resolve_amounts

    config = {"cost_to_serve": {"reference_order_value": 600,
                                "activities": {"sales_visit": {"rate": 180},
                                               "delivery": {"rate": 12}}},
              "_given": {"cost_to_serve": {"activities": {"delivery": {"rate": 12}}}}}  # fmt: skip
    rows = dict(summary.flatten_assumptions(resolve_amounts(config, 152.0)))
    assert (
        rows["cost_to_serve.activities.sales_visit.rate"] == "45.6 (default, scaled to this data)"
    )
    assert rows["cost_to_serve.activities.delivery.rate"] == "12"  # given: used as written
    assert rows["cost_to_serve.reference_order_value"] == "600"
    assert summary.flatten_assumptions({"rate": 0.7999999999999998, "big": 12345.678}) == [
        ("rate", "0.8"),
        ("big", "12,346"),
    ]


def _run_folder(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    (run / "figures").mkdir(parents=True)
    for name in ("whale_curve", "zzz_other"):
        (run / "figures" / f"{name}.png").write_bytes(b"\x89PNG")
    return run


def test_index_lists_the_pages_and_escapes_customer_names(tmp_path: Path) -> None:
    run = _run_folder(tmp_path)
    metrics = {
        "run": RUN,
        "reconciliation": {"balanced": True},
        "ledger": {"total_revenue": 1000.0, "total_profit": 100.0},
        "findings": {
            "pareto": ["The best customer is <script>alert(1)</script>."],
            "ledger": ["Profit is 100."],
        },
    }
    config = {"assumptions": {"gross_margin": 0.3}, "size_tiers": {"small": ["micro", "small"]}}
    pages = ["02-customer-ledger", "03-pareto-and-whale-curve"]
    html = summary.write_index(run, metrics, config, results=pages).read_text()
    assert (run / "index.html").exists()
    assert (
        'href="02-customer-ledger.html"' in html and 'href="03-pareto-and-whale-curve.html"' in html
    )
    assert "Pareto and whale curve" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.index("Profit is 100.") < html.index("The best customer")  # ledger before pareto
    assert "figures/whale_curve.png" in html and "figures/zzz_other.png" in html
    assert html.index("whale_curve.png") < html.index("zzz_other.png")  # key figures first
    assert "assumptions.gross_margin" in html and "size_tiers.small" in html


def test_index_without_findings_or_figures(tmp_path: Path) -> None:
    run = tmp_path / "empty"
    run.mkdir()
    html = summary.write_index(run, {"run": RUN}, {}, results=[]).read_text()
    assert "<html" in html.lower()


def test_the_summary_says_which_level_it_leads_with_and_what_assumptions_change() -> None:
    from helpers.report.summary import lead_sentences

    metrics = {
        "ledger": {
            "lead_level": "data",
            "loss_making_customers": 155,
            "loss_making_share": 155 / 793,
            "data": {"loss_making_customers": 155, "loss_making_share": 155 / 793},
            "measured": {"loss_making_customers": 176, "loss_making_share": 176 / 793},
            "with_assumptions": {"loss_making_customers": 233, "loss_making_share": 233 / 793},
            "sensitivity": {
                "loss_making": {"verdict": "a fifth or fewer", "holds_from": 0.0,
                                "holds_to": 0.35, "flips_below": None, "flips_above": 0.4,
                                "flips_to_above": "more than a fifth"},
            },
        }
    }  # fmt: skip
    assert lead_sentences(metrics) == [
        "These figures lead with profit on the margin the data gives, before any cost to serve.",
        "155 customers (19.5%) lose money on the margin the data gives, before any cost to serve; "
        "176 customers (22.2%) after costing the orders, lines and deliveries the data counts; "
        "233 customers (29.4%) with the assumed cost-to-serve amounts.",
        "With the assumed cost-to-serve amounts as they are (1x), loss making is a fifth or "
        "fewer; that holds from 0x to 0.35x of them, and at 0.4x it is more than a fifth.",
    ]
    assert lead_sentences({"ledger": {}}) == []
