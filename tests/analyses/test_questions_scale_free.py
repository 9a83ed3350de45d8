"""The same export in dollars and in yen (every money column x 150) gives Q1-Q3 the same
verdicts and percentages; currency amounts scale by 150 (nothing depends on the currency)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import q1_which_pay as questions
from helpers import q2_attract as acquisition
from helpers import q3_price_and_channel as scenarios
from helpers.ledger import build_ledger
from helpers.report.workspace import open_workspace

pytestmark = pytest.mark.slow  # two exports ingested, ledgers built, Q1-Q3 run on each

YEN = 150.0
MONEY = ("unit_price", "discount", "unit_cost")


def export(n: int = 90, seed: int = 21) -> pd.DataFrame:
    """Order lines of ``n`` customers over 2022-2024: some join late, some buy big baskets."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n):
        joined = pd.Timestamp("2022-01-01") + pd.Timedelta(days=int(rng.integers(0, 700)))
        size = rng.lognormal(0, 1.0)
        channel = rng.choice(["web", "phone", "rep"])
        for o in range(int(rng.integers(1, 12))):
            day = joined + pd.Timedelta(days=int(rng.integers(0, 380)))
            mode = rng.choice(["Standard", "Express"])
            for line in range(int(rng.integers(1, 4))):
                price = round(float(rng.lognormal(3.5, 0.8)), 2)
                quantity = int(rng.integers(1, 10 * size + 2))
                rows.append(
                    {
                        "order_id": f"O{c:03d}-{o}",
                        "customer_id": f"C{c:03d}",
                        "order_date": day.date().isoformat(),
                        "product_id": f"P{line}",
                        "quantity": quantity,
                        "unit_price": price,
                        "discount": round(price * quantity * float(rng.choice([0, 0.1, 0.3])), 2),
                        "unit_cost": round(price * float(rng.uniform(0.45, 1.05)), 2),
                        "ship_mode": mode,
                        "channel": channel,
                    }
                )
    return pd.DataFrame(rows)


def workspace(folder: Path, lines: pd.DataFrame, name: str):
    folder.mkdir(parents=True, exist_ok=True)
    lines.to_csv(folder / "orders.csv", index=False)
    (folder / "config.yaml").write_text(
        f"name: {name}\ntables:\n  order_lines: {{path: orders.csv, amounts: unit}}\n"
    )
    return open_workspace(folder / "config.yaml", "", folder / "run")


def answers(ws) -> dict:
    """Q1-Q3 on one workspace: the results the comparison needs."""
    ledger, config = ws.ledger, ws.config
    lines = ws.table("order_lines")
    monthly = build_ledger(ws.processed_dir, config, ws.period, by_period="M")
    orders = scenarios.order_values(lines)
    new = acquisition.new_customers(ledger, config, monthly, lines)
    scenario = scenarios.simulate(ledger, config, None, orders)
    contributions = scenarios.lever_contributions(ledger, config, None, orders)
    return {
        "shares": questions.class_shares(ledger, config).metrics,
        "q1_levels": questions.shares_by_level(ledger, config).metrics,
        "model": questions.fit_profile_model(ledger, config, lines).metrics,
        "economics": acquisition.channel_economics(new, None, config).metrics,
        "q2_levels": acquisition.economics_by_level(ledger, config, monthly, None, lines).metrics,
        "crowd": acquisition.crowd_arithmetic(new, None, config).metrics,
        "scenario": scenario,
        "contributions": contributions.set_index("lever"),
        "q3_levels": scenarios.scenario_by_level(
            ledger, config, orders, (scenario, contributions)
        ).metrics,
    }


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    lines = export()
    yen = lines.assign(**{column: lines[column] * YEN for column in MONEY})
    base = tmp_path_factory.mktemp("currency")
    return (
        answers(workspace(base / "usd", lines, "usd")),
        answers(workspace(base / "jpy", yen, "jpy")),
    )


def test_q1_gives_the_same_shares_and_verdicts_in_yen(both) -> None:
    usd, jpy = both
    for key, value in usd["shares"].items():
        assert jpy["shares"][key] == (pytest.approx(value) if isinstance(value, float) else value)
    assert usd["q1_levels"] == jpy["q1_levels"]  # shares, verdicts and sensitivity
    assert usd["shares"]["worth_nothing_verdict"]  # a verdict was reached
    for key in ("model_test_accuracy", "model_baseline_accuracy", "model_cv_accuracy"):
        assert jpy["model"].get(key) == pytest.approx(usd["model"].get(key))


def test_q2_gives_the_same_verdicts_and_percentages_in_yen(both) -> None:
    usd, jpy = both
    for level in ("data", "measured", "with_assumptions"):
        a, b = usd["q2_levels"][level], jpy["q2_levels"][level]
        assert (a["first_year_verdict"], a["best_channel"]) == (
            b["first_year_verdict"],
            b["best_channel"],
        )
        assert b["first_year_survival"] == pytest.approx(a["first_year_survival"])
        assert b["first_year_profit_per_new_customer"] == pytest.approx(
            YEN * a["first_year_profit_per_new_customer"]
        )
    assert usd["q2_levels"]["sensitivity"] == jpy["q2_levels"]["sensitivity"]
    assert usd["economics"]["best_channel"] == jpy["economics"]["best_channel"]
    assert jpy["crowd"].get("partner_rate") == pytest.approx(usd["crowd"].get("partner_rate"))


def test_q3_gives_the_same_verdicts_and_percentages_in_yen(both) -> None:
    usd, jpy = both
    a, b = usd["scenario"], jpy["scenario"]
    assert (a.level, a.verdict, a.reach) == (b.level, b.verdict, b.reach)
    assert b.totals["change_pct"] == pytest.approx(a.totals["change_pct"], nan_ok=True)
    assert b.totals["change"] == pytest.approx(YEN * a.totals["change"])
    fee_a, fee_b = a.levers["small_order_fee"], b.levers["small_order_fee"]
    assert fee_b["threshold"] == pytest.approx(YEN * fee_a["threshold"])
    assert fee_b["fee"] == pytest.approx(YEN * fee_a["fee"])
    ca, cb = usd["contributions"], jpy["contributions"]
    assert (ca["customers_reached"] == cb["customers_reached"]).all()
    assert np.allclose(cb["change"], YEN * ca["change"])
    for level in ("data", "measured", "with_assumptions"):
        assert (
            usd["q3_levels"][level]["default_scenario_verdict"]
            == jpy["q3_levels"][level]["default_scenario_verdict"]
        )
    assert usd["q3_levels"]["sensitivity"] == jpy["q3_levels"]["sensitivity"]
