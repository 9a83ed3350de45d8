"""helpers.growth on small hand-built books: cohorts, approvals, adoption and survival."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import growth
from helpers.config import defaults

CONFIG = defaults()


def _lines(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    d = pd.DataFrame(rows, columns=["customer_id", "order_date", "revenue"])
    return d.assign(
        order_date=pd.to_datetime(d["order_date"]),
        cost=0.5 * d["revenue"],
        order_id=[f"O{i}" for i in range(len(d))],
        product_id="P1",
    )


def test_land_and_expand_bands_first_orders_and_counts_only_observed_customers() -> None:
    rows = [("old", "2020-01-01", 50.0), ("old", "2023-01-01", 50.0)]  # in the data from day one
    for i in range(30):  # small first orders, half come back within a year
        rows.append((f"s{i}", "2020-08-01", 10.0))
        if i % 2:
            rows.append((f"s{i}", "2020-12-01", 100.0))
    for i in range(30):  # large first orders, all come back
        rows.append((f"l{i}", "2020-08-01", 1000.0))
        rows.append((f"l{i}", "2020-09-01", 1000.0))
    rows.append(("late", "2022-12-01", 10.0))  # under a year observed: not in the conversion
    config = {**CONFIG, "growth": {**CONFIG["growth"], "first_order_quantiles": [0.5]}}
    config["growth"]["first_order_labels"] = ["small", "large"]
    res = growth.land_and_expand(_lines(rows), None, config)
    per = res.detail["customers"]
    assert "old" not in per.index  # first seen on the data's first day: maybe older
    assert not per.loc["late", "conversion_observed"]
    assert res.metrics["small_first_second_order_rate"] == pytest.approx(15 / 30)
    assert res.metrics["large_first_second_order_rate"] == 1.0
    lo, hi = res.metrics["second_order_rate_difference_ci"]
    assert lo < -0.5 + 1e-9 < hi < 0
    assert per.loc["l0", "revenue_y1"] == 2000 and per.loc["l0", "profit_y1"] == 1000
    assert any("observational" in s for s in res.findings)


def _quotes(n: int = 3000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    amount = np.exp(rng.uniform(3, 12, n))
    layers = np.clip(1 + (np.log(amount) // 2.5).astype(int), 1, 6)
    won = rng.random(n) < 0.6 * 0.7 ** (layers - 1)
    date = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    return pd.DataFrame(
        {
            "quote_id": [f"Q{i}" for i in range(n)],
            "customer_id": "c",
            "date": date,
            "amount": amount,
            "approval_layers": layers,
            "won": pd.array(won, dtype="boolean"),
            "close_date": date + pd.to_timedelta(7 * layers, unit="D"),
        }
    )


def test_approval_layers_recovers_the_per_layer_odds() -> None:
    res = growth.approval_layers(_quotes(), CONFIG)
    assert res.available
    rates = res.table["win_rate"]
    assert rates.iloc[0] > rates.iloc[-1]
    first = res.table.iloc[0]
    assert first["median_days_to_close"] == 7 * int(first.name)
    lo, hi = res.detail["logit"]["odds_ratio_layer_ci"]
    assert lo < 1 and hi < 1  # each layer lowers the odds
    assert set(res.metrics["win_rate_by_layers"]) == set(res.table.index)


def test_approval_layers_without_table_says_so() -> None:
    res = growth.approval_layers(None, CONFIG)
    assert not res.available and "No opportunities table" in res.findings[0]


def test_innovation_adoption_counts_eligible_customers_per_tier() -> None:
    rows = []
    for i in range(40):  # 20 micro then 20 large; half the micro buy the new product
        rows.append((f"c{i}", "2023-01-10", 10.0))
        rows.append((f"c{i}", "2023-12-20", 10.0))
    lines = _lines(rows)
    new = _lines([(f"c{i}", "2023-04-01", 5.0) for i in range(10)]).assign(product_id="NEW")
    lines = pd.concat([lines, new], ignore_index=True)
    products = pd.DataFrame(
        {"product_id": ["P1", "NEW"], "launch_date": pd.to_datetime([None, "2023-03-01"])}
    )
    tiers = pd.Series(["micro"] * 20 + ["large"] * 20, index=[f"c{i}" for i in range(40)])
    config = {**CONFIG, "growth": {**CONFIG["growth"], "min_group_size": 5}}
    res = growth.innovation_adoption(lines, products, tiers, config)
    assert res.table.loc["micro", "eligible"] == 20 and res.table.loc["micro", "adopted"] == 10
    assert res.table.loc["large", "adoption_rate"] == 0
    assert "micro" in res.findings[0]
    assert not growth.innovation_adoption(lines, None, tiers, config).available


def test_survival_closure_rule_and_first_year_rate() -> None:
    n = 200
    ids = [f"c{i}" for i in range(n)]
    lines = _lines([("x", "2020-01-01", 1.0)] + [(c, "2020-06-01", 10.0) for c in ids])
    closed = pd.to_datetime(["2020-10-01" if i < 40 else None for i in range(n)])
    customers = pd.DataFrame(
        {"customer_id": ids, "signup_date": pd.Timestamp("2020-06-01"), "closed_date": closed}
    )
    lines = pd.concat([lines, _lines([("x", "2023-01-01", 1.0)])], ignore_index=True)
    tiers = pd.Series("micro", index=ids)
    res = growth.survival_table(lines, customers, tiers, CONFIG)
    assert res.detail["rule"] == "closure"
    closure = growth.first_year_closure(res.table, CONFIG)
    assert closure["rate"] == pytest.approx(40 / n)
    assert closure["ci_low"] < 0.2 < closure["ci_high"] and closure["claim_in_ci"]
    assert "consistent with the ~20% claim" in growth.survival_findings(res, closure, CONFIG)[0]
    fits = growth.kaplan_meier(res.table, "size_tier", CONFIG)
    assert list(fits) == ["micro"]


def test_survival_lapse_rule_from_the_purchase_pattern() -> None:
    rows = [("x", "2020-01-01", 1.0), ("x", "2022-12-31", 1.0)]
    rows += [("steady", f"2020-{m:02d}-01", 10.0) for m in range(7, 13)]
    rows += [("steady", "2022-12-01", 10.0)]
    rows += [("gone", "2020-08-01", 10.0), ("gone", "2020-09-01", 10.0)]
    res = growth.survival_table(_lines(rows), None, pd.Series(dtype="string"), CONFIG)
    assert res.detail["rule"] == "lapse"
    t = res.table
    assert t.loc["gone", "event"] and t.loc["gone", "duration"] == 31
    assert not t.loc["steady", "event"]
    assert "x" not in t.index  # seen on the data's first day: maybe older
