"""The executive summary: assumptions flattened, pages listed, findings linked, data escaped."""

from __future__ import annotations

from pathlib import Path

from helpers.report import summary

RUN = {"id": "r1", "dataset": "tiny", "period": {"start": None, "end": None}, "created": "now"}


def test_assumptions_are_grouped_with_units_and_the_amounts_used() -> None:
    from helpers.ledger.scale import resolve_amounts
    from helpers.report.assumptions import assumption_rows

    config = {"cost_to_serve": {"reference_order_value": 600,
                                "activities": {"sales_visit": {"driver": "visits", "rate": 180,
                                                               "assume": {"orders": 0.05}},
                                               "delivery": {"driver": "deliveries", "rate": 12},
                                               "fees": {"driver": "net_revenue", "rate": 0.02}}},
              "assumptions": {"gross_margin": 0.7999999999999998},
              "_given": {"cost_to_serve": {"activities": {"delivery": {"rate": 12}}}}}  # fmt: skip
    groups = assumption_rows(resolve_amounts(config, 152.0), "EUR")
    assert [g["title"] for g in groups] == [
        "Margin where the data gives no cost",
        "Cost to serve: activities",
        "Cost to serve: other settings",
    ]
    rows = {row[0]: row[1:] for g in groups for row in g["rows"]}
    assert rows["Gross margin"] == ("80.0%", "")
    assert rows["Sales visit: rate"] == ("45.60 (default, scaled to this data)", "EUR per visit")
    assert rows["Sales visit: assumed where not recorded"] == ("0.05", "visits per order")
    assert rows["Delivery: rate"] == ("12", "EUR per delivery")  # given: used as written
    assert rows["Fees: rate"] == ("2.0%", "of net revenue")
    # the default reference is the defaults' own scale, not an amount in the data's currency
    assert rows["Reference order value"] == (
        "600",
        "median order of the defaults' reference business (in no currency); this data's median "
        "order is 152 EUR, so default amounts are scaled x0.253",
    )
    mine = config | {"_given": {"cost_to_serve": {"reference_order_value": 600}}}
    mine_rows = {row[0]: row[1:] for g in assumption_rows(resolve_amounts(mine, 152.0), "EUR")
                 for row in g["rows"]}  # fmt: skip
    assert mine_rows["Reference order value"] == ("600", "EUR")  # given: in the data's currency
    # without a currency the unit still says what the amount is
    plain = assumption_rows(config)
    assert ("Delivery: rate", "12", "currency units per delivery") in plain[1]["rows"]


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
    assert "Gross margin" in html and "30.0%" in html and "Size tiers" in html


def test_the_summary_leads_with_a_verdict_computed_from_the_metrics(tmp_path: Path) -> None:
    metrics = {
        "run": RUN | {"currency": "EUR", "period": {"data_first": "2021-01-01",
                                                    "data_last": "2024-12-31"}},
        "reconciliation": {"balanced": True},
        "ledger": {"total_revenue": 1_500_000.0, "total_profit": 100_000.0},
        "pareto": {"top20_revenue_share": 0.92, "top20_by_revenue_profit_share": 0.88,
                   "top20_by_revenue_margin": 0.09, "rest_by_revenue_margin": 0.14,
                   "profit_vs_revenue": "less"},
        "whale": {"loss_making_customers": 1564, "loss_making_share": 0.317,
                  "profit_destroyed_pct": 28.3, "total_profit": 100_000.0,
                  "profit_earned": 128_300.0, "profit_destroyed": 28_300.0},
    }  # fmt: skip
    verdict = summary.verdict_sentence(metrics)
    assert verdict == (
        "Volume overstates value here: the 20% of customers with the most revenue bring 92% of "
        "it and 88% of the profit (a 9% margin against 14% for the rest); 1,564 customers (32%) "
        "lose money, giving back 22% of the profit the others earn."
    )  # 28.3k of the 128.3k the others earn; 28% is of the total (100k)
    older = {key: metrics["whale"][key] for key in
             ("loss_making_customers", "loss_making_share", "profit_destroyed_pct", "total_profit")}  # fmt: skip
    assert summary.verdict_sentence(metrics | {"whale": older}).endswith(
        "lose money, destroying 28% of total profit."
    )
    # a loss-making business: no "giving back" share of a profit that is not there
    losing = metrics | {"whale": metrics["whale"] | {"total_profit": -5.0}}
    assert summary.verdict_sentence(losing).endswith("; 1,564 customers lose money.")
    assert summary.verdict_sentence({"run": RUN}) is None
    run = _run_folder(tmp_path)
    html = summary.write_index(run, metrics, {}, results=[]).read_text()
    assert html.index(verdict.split(":")[0]) < html.index("Net revenue")  # the verdict leads
    assert "1.5M EUR" in html and "amounts in EUR" in html
    assert "all the data (2021-01-01 to 2024-12-31)" in html
    assert html.index("Key figures") < html.index("Data quality") < html.index("Assumptions")


def test_index_without_findings_or_figures(tmp_path: Path) -> None:
    run = tmp_path / "empty"
    run.mkdir()
    html = summary.write_index(run, {"run": RUN}, {}, results=[]).read_text()
    assert "<html" in html.lower()
    assert 'href="exports/"' not in html  # a run that exported nothing links no empty folder
    (run / "exports").mkdir()
    (run / "exports" / "customer_pnl.csv").write_text("customer_id\n")
    html = summary.write_index(run, {"run": RUN}, {}, results=[]).read_text()
    assert 'href="exports/"' in html


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
        "With the assumed cost-to-serve amounts counted as they are (1x), the share of customers "
        "losing money is a fifth or "
        "fewer; that holds from 0x to 0.35x of them, and at 0.4x it is more than a fifth.",
    ]
    assert lead_sentences({"ledger": {}}) == []


def test_change_rows_write_percent_figures_with_their_sign_and_in_points() -> None:
    rows = summary._change_rows(
        {"rows": [{"label": "Whale-curve peak (% of profit)", "kind": "percent", "previous": 128.3,
                   "current": 138.3, "change": 10.0, "change_pct": None, "direction": "up"}]}
    )  # fmt: skip
    assert rows == [
        {"label": "Whale-curve peak (% of profit)", "previous": "128.3%", "current": "138.3%",
         "change": "+10.0 points"}
    ]  # fmt: skip


def test_assumptions_list_only_what_applies_to_the_data(tmp_path: Path) -> None:
    """Superstore-like data: cost in the export, two ship modes, no head counts."""
    import pandas as pd

    from helpers.config import defaults
    from helpers.report.assumptions import assumption_rows, data_in_use

    config = defaults()
    config["cost_to_serve"]["activities"]["delivery"] = {
        "driver": "deliveries",
        "by": "ship_mode",
        "rate": 9.0,
        "rates": {"standard": 8.0, "express": 20.0, "Same Day": 30.0},
    }
    processed = tmp_path / "processed"
    processed.mkdir()
    lines = {"cost_assumed": [False, False], "ship_mode": ["Standard ", "Second Class"]}
    pd.DataFrame(lines).to_parquet(processed / "order_lines.parquet")
    pd.DataFrame({"customer_id": ["a"], "employees": [None]}).to_parquet(
        processed / "customers.parquet"
    )
    in_use = data_in_use(processed, config)
    assert in_use.ship_modes == {"standard", "second class"} and not in_use.cost_assumed
    assert in_use.tier_basis == "revenue"
    rows = {r[0] for g in assumption_rows(config, "USD", in_use) for r in g["rows"]}
    assert "Delivery: standard" in rows and "Delivery: any other ship mode" in rows
    assert "Delivery: express" not in rows and "Delivery: Same Day" not in rows
    assert "Gross margin" not in rows
    assert "Revenue customer shares" in rows
    assert "Revenue bins" not in rows and "Employees bins" not in rows
    # without knowing the data every setting is listed, as before
    everything = {r[0] for g in assumption_rows(config, "USD") for r in g["rows"]}
    assert {"Gross margin", "Delivery: express", "Revenue bins"} <= everything
    # cost assumed on some line: the margin it came from is listed
    lines["cost_assumed"] = [True, False]
    pd.DataFrame(lines).to_parquet(processed / "order_lines.parquet")
    margin = assumption_rows(config, "USD", data_in_use(processed, config))
    assert "Gross margin" in {r[0] for g in margin for r in g["rows"]}
