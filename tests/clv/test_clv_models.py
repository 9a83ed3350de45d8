"""helpers.clv.models: the published CDNOW fits and properties of the expectations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import clv


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


# ---- the boundary of the parameter space --------------------------------------------------------
def test_poisson_limit_uses_the_nbd_expectation_and_is_named() -> None:
    # a / (a + b) = 1e-12: nobody drops out; purchase rates gamma(r, alpha) with mean 0.1
    params = clv.BGNBDParams(
        r=1e7, alpha=1e8, a=1e-8, b=1e4, log_likelihood=0, n_customers=2, converged=True
    )
    assert params.no_dropout
    assert clv.bgnbd_boundary(params).startswith(
        "the Poisson limit: the fitted chance of dropping out after a purchase, a / (a + b), "
        "is 1.0e-12"
    )
    got = clv.expected_purchases(params, 52.0, [0, 5], [0.0, 80.0], [100.0, 100.0])
    # (r + x) / (alpha + T) * t, by hand
    np.testing.assert_allclose(got, [(1e7 + 0) / (1e8 + 100) * 52, (1e7 + 5) / (1e8 + 100) * 52])
    np.testing.assert_allclose(
        clv.probability_alive(params, [0, 5], [0.0, 80.0], [100.0, 100.0]), 1
    )


def test_other_boundaries_are_named_and_interior_fits_are_not() -> None:
    no_rate = clv.BGNBDParams(r=1e-5, alpha=1e3, a=1.0, b=1.0, log_likelihood=0, n_customers=9)
    assert clv.bgnbd_boundary(no_rate).startswith("purchase rates run to 0 (the fitted r is 1e-05")
    assert clv.bgnbd_boundary(PARAMS) == ""
    assert clv.bgnbd_boundary(PARAMS, ["b"]) == "b at the edge of the optimiser's search"


def test_cdnow_fit_is_interior(cdnow: pd.DataFrame) -> None:
    assert clv.fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"]).boundary == ""


def test_fits_do_not_depend_on_the_blas_threads_around_them(cdnow: pd.DataFrame) -> None:
    from threadpoolctl import threadpool_limits

    fits = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="blas"):
            fits.append(
                (
                    clv.fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"]),
                    clv.fit_gamma_gamma(cdnow["x"], cdnow["zbar"]),
                )
            )
    assert fits[0] == fits[1]  # the same bits: the fits run BLAS on one thread either way
