"""helpers.clv: the published CDNOW results, the RFM summary, and properties of the forecast."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import clv
from helpers.config import defaults


def _cdnow_dir() -> Path:
    """lifetimes/datasets, located without importing lifetimes (only its data files are used)."""
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("the lifetimes wheel (which ships the CDNOW sample) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets"


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    """Fader & Hardie's CDNOW summary: 2,357 customers, 39 weeks (x, t_x, T, zbar)."""
    return pd.read_csv(_cdnow_dir() / "cdnow_customers_summary_with_transactions.csv")


# ---- published results (Fader, Hardie & Lee 2005) ------------------------------------------
def test_bgnbd_reproduces_published_cdnow_parameters(cdnow: pd.DataFrame) -> None:
    assert len(cdnow) == 2357
    fit = clv.fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"])
    assert fit.converged
    # published to three decimals: r=0.243, alpha=4.414, a=0.793, b=2.426; LL = -9582.4
    assert round(fit.r, 3) == 0.243
    assert round(fit.alpha, 3) == 4.414
    assert round(fit.a, 3) == 0.793
    assert round(fit.b, 3) == 2.426
    assert round(fit.log_likelihood, 1) == -9582.4


def test_gamma_gamma_reproduces_published_cdnow_parameters(cdnow: pd.DataFrame) -> None:
    repeat = cdnow.loc[cdnow["x"] > 0]
    assert len(repeat) == 946
    fit = clv.fit_gamma_gamma(cdnow["x"], cdnow["zbar"])
    assert fit.converged and fit.n_customers == 946
    # published to two decimals: p=6.25, q=3.74, gamma=15.44. The likelihood's maximum lies at
    # gamma=15.447, so the published 15.44 is matched to one unit of its last digit.
    assert round(fit.p, 2) == 6.25
    assert round(fit.q, 2) == 3.74
    assert fit.v == pytest.approx(15.44, abs=0.01)


def test_rfm_summary_reproduces_published_cdnow_summary(cdnow: pd.DataFrame) -> None:
    raw = pd.read_csv(
        _cdnow_dir() / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "value"],
        dtype={"master_id": str, "customer_id": int, "date": str},
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    got = clv.rfm_summary(
        raw, date_col="date", value_col="value", observation_end="1997-09-30", time_unit_days=7
    ).reindex(cdnow["ID"])
    np.testing.assert_array_equal(got["frequency"].to_numpy(), cdnow["x"].to_numpy())
    # the published file rounds to two decimals
    np.testing.assert_allclose(got["recency"], cdnow["t_x"], atol=0.005 + 1e-9)
    np.testing.assert_allclose(got["T"], cdnow["T"], atol=0.005 + 1e-9)
    np.testing.assert_allclose(got["monetary_value"], cdnow["zbar"], atol=0.005 + 1e-9)


# ---- the RFM summary on hand-built lines --------------------------------------------------
def test_rfm_summary_counts_days_and_ignores_return_only_days() -> None:
    lines = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "c"],
            "order_date": pd.to_datetime(
                ["2024-01-01", "2024-01-01", "2024-01-08", "2024-01-15", "2024-01-10", "2024-02-01"]
            ),
            "revenue": [10.0, 5.0, -20.0, 30.0, 7.0, 1.0],
        }
    )
    got = clv.rfm_summary(lines, observation_end="2024-01-29", time_unit_days=7)
    assert list(got.index) == ["a", "b"]  # c bought after the end
    a = got.loc["a"]
    assert a["frequency"] == 1  # 01-08 holds only a return
    assert a["recency"] == 2 and a["T"] == 4
    assert a["monetary_value"] == 30 and a["first_value"] == 15
    assert got.loc["b", "frequency"] == 0 and got.loc["b", "monetary_value"] == 0


# ---- properties of the forecast ----------------------------------------------------------------
PARAMS = clv.BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0, n_customers=0)


@settings(max_examples=60, deadline=None)
@given(
    r=st.floats(0.05, 5),
    alpha=st.floats(0.5, 50),
    a=st.floats(0.05, 5),
    b=st.floats(0.05, 10),
    x=st.integers(0, 40),
    T=st.floats(1, 100),
    frac=st.floats(0, 1),
)
def test_expected_purchases_non_negative_and_increasing_in_horizon(r, alpha, a, b, x, T, frac):
    params = clv.BGNBDParams(r=r, alpha=alpha, a=a, b=b, log_likelihood=0, n_customers=0)
    tx = T * frac if x > 0 else 0.0
    horizons = np.array([0.0, 1.0, 5.0, 20.0, 52.0, 104.0])
    got = clv.expected_purchases(params, horizons, x, tx, T)
    assert np.all(got >= 0)
    assert got[0] == pytest.approx(0, abs=1e-9)
    assert np.all(np.diff(got) >= -1e-9 * np.maximum(1, got[1:]))


def test_absent_one_time_buyer_is_worth_less_than_a_recent_repeat_buyer() -> None:
    gg = clv.GammaGammaParams(p=6.25, q=3.74, v=15.44, log_likelihood=0, n_customers=0)
    freq, rec, T, spend = np.array([0, 4]), np.array([0.0, 37.0]), np.array([38.0, 38.0]), [0, 20]
    purchases = clv.expected_purchases(PARAMS, 52, freq, rec, T)
    value = purchases * clv.expected_spend(gg, freq, spend)
    assert purchases[0] < purchases[1] and value[0] < value[1]
    # the same repeat buyer, long absent, is worth less than when recently seen
    absent = clv.expected_purchases(PARAMS, 52, 4, 2.0, 38.0)
    assert absent < purchases[1]
    assert clv.probability_alive(PARAMS, 4, 2.0, 38.0) < clv.probability_alive(
        PARAMS, 4, 37.0, 38.0
    )


def test_expected_spend_shrinks_towards_population_mean() -> None:
    gg = clv.GammaGammaParams(p=6.25, q=3.74, v=15.44, log_likelihood=0, n_customers=0)
    population = gg.p * gg.v / (gg.q - 1)
    few, many = clv.expected_spend(gg, [1, 50], [100.0, 100.0])
    assert population < few < many < 100
    assert clv.expected_spend(gg, [0], [0.0])[0] == pytest.approx(population)


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
    table, metrics = clv.holdout_check(lines, config)
    assert len(table) == config["clv"]["holdout_deciles"]
    assert table["customers"].sum() == len(
        clv.rfm_summary(lines, observation_end=metrics["calibration_end"])
    )
    assert abs(metrics["holdout_total_error_pct"]) < 0.5
    assert any("Holdout check" in s for s in clv.clv_findings(fc, ranking, metrics))


def test_forecast_says_when_too_few_customers() -> None:
    lines = _simulated_lines(n=5)
    fc = clv.forecast_customers(lines, None, defaults())
    assert not fc.available and "too few" in fc.message
    assert clv.clv_findings(fc, {}, {}) == [fc.message]
