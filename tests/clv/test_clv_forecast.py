"""helpers.clv.forecast: forecast, rankings and the holdout check on a simulated book."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import clv
from helpers.config import defaults
from helpers.results import Result


# ---- forecast, rankings and holdout on a simulated book --------------------------------------
def _simulated_lines(n: int = 400, seed: int = 3) -> pd.DataFrame:
    """BG/NBD-like purchases over two years: Poisson buying until a geometric drop-out."""
    rng = np.random.default_rng(seed)
    rows = []
    start = np.datetime64("2023-01-01")
    for i in range(n):
        lam = rng.gamma(1.0, 1 / 20)  # purchases per day
        p_drop = rng.beta(1.0, 4.0)
        day = int(rng.integers(0, 300))
        spend = rng.gamma(5.0, 20.0)
        while day < 730:
            rows.append((f"C{i:04d}", start + day, spend * rng.gamma(10, 0.1), f"O{i}-{day}"))
            if rng.random() < p_drop:
                break
            day += int(rng.exponential(1 / lam)) + 1
    lines = pd.DataFrame(rows, columns=["customer_id", "order_date", "revenue", "order_id"])
    lines["order_date"] = pd.to_datetime(lines["order_date"])
    return lines


def test_forecast_holdout_and_rankings_on_a_simulated_book() -> None:
    config = defaults()
    lines = _simulated_lines()
    ids = lines["customer_id"].unique()
    ledger = pd.DataFrame(
        {
            "customer_id": ids,
            "net_revenue": lines.groupby("customer_id")["revenue"].sum().reindex(ids).to_numpy(),
            "orders": lines.groupby("customer_id")["order_id"].nunique().reindex(ids).to_numpy(),
        }
    ).assign(
        gross_margin=lambda d: 0.3 * d["net_revenue"], cost_to_serve=lambda d: 5.0 * d["orders"]
    )
    ledger["profit"] = ledger["gross_margin"] - ledger["cost_to_serve"]
    fc = clv.forecast_customers(lines, ledger, config)
    assert fc.available and fc.bgnbd.converged
    c = fc.customers
    assert len(c) == len(ids)
    assert (c["expected_purchases"] >= 0).all()
    expected = c["expected_revenue"] * 0.3 - c["expected_purchases"] * c["cts_per_order"]
    np.testing.assert_allclose(c["expected_profit"], expected, rtol=1e-9)
    ranking = clv.compare_rankings(c, 0.2)
    assert -1 <= ranking["spearman"] <= 1 and 0 <= ranking["top_overlap"] <= 1
    holdout = clv.holdout_check(lines, config)
    table, metrics = holdout.table, holdout.metrics
    assert len(table) == config["clv"]["holdout_deciles"]
    assert table["customers"].sum() == len(
        clv.rfm_summary(lines, observation_end=metrics["calibration_end"])
    )
    assert abs(metrics["holdout_total_error_pct"]) < 0.5
    assert any("Holdout check" in s for s in clv.clv_findings(fc, ranking, holdout))


def test_forecast_says_when_too_few_customers() -> None:
    lines = _simulated_lines(n=5)
    fc = clv.forecast_customers(lines, None, defaults())
    assert not fc.available and "too few" in fc.message
    assert clv.clv_findings(fc, {}, Result()) == [fc.message]


def test_model_table_says_what_each_parameter_means() -> None:
    from helpers.clv import BGNBDParams, Forecast, GammaGammaParams, model_table

    fit = BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=-9582.4,
                      n_customers=2357, boundary="")  # fmt: skip
    spend = GammaGammaParams(p=6.25, q=3.74, v=15.44, log_likelihood=-4000.0, n_customers=946)
    table = model_table(Forecast(bgnbd=fit, gamma_gamma=spend))
    rows = table.set_index("parameter")
    assert "24.6% on average" in rows.loc["a, b", "meaning"]  # 0.793 / (0.793 + 2.426)
    assert rows.loc["mean spend per order", "value"] == pytest.approx(6.25 * 15.44 / 2.74)
    assert "boundary" not in rows.index and list(table.columns) == [
        "model",
        "parameter",
        "value",
        "meaning",
    ]
    assert model_table(Forecast()).empty
