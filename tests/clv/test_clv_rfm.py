"""helpers.clv.rfm: the published CDNOW summary and hand-built lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import clv


def test_rfm_summary_reproduces_published_cdnow_summary(
    cdnow: pd.DataFrame, cdnow_dir: Path
) -> None:
    raw = pd.read_csv(
        cdnow_dir / "CDNOW_sample.txt",
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


# ---- the RFM summary against lifetimes on random transactions ---------------------------------
LINE = st.tuples(
    st.sampled_from(["a", "b", "c", "customer-000004", "é5", "日本-6"]),  # short, long, UTF-8 ids
    st.integers(0, 40),  # day
    st.integers(0, 23),  # hour: several lines on one day are one purchase
    st.sampled_from([-30.0, -0.01, 0.0, 0.01, 1.0, 2.5, 19.99, 250.0]),  # ties, zeros, returns
)


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(LINE, min_size=1, max_size=60), end=st.integers(0, 45))
def test_rfm_summary_matches_lifetimes_on_random_transactions(lines, end) -> None:
    utils = pytest.importorskip("lifetimes.utils")
    customers, days, hours, values = zip(*lines, strict=True)
    start = pd.Timestamp("2023-12-25")
    frame = pd.DataFrame(
        {
            "customer_id": pd.Series(customers, dtype="str"),
            "order_date": start + pd.to_timedelta(days, "D") + pd.to_timedelta(hours, "h"),
            "revenue": values,
        }
    )
    end_date = start + pd.Timedelta(days=end)
    # lifetimes counts every day; ours leaves out the days whose lines sum below zero (returns)
    day = frame["order_date"].dt.normalize()
    day_sum = frame.groupby(["customer_id", day])["revenue"].transform("sum")
    purchases = frame.loc[(day <= end_date) & (day_sum >= 0)]
    if purchases.empty:
        return  # nothing bought by the end: lifetimes cannot summarise nothing
    got = clv.rfm_summary(frame, observation_end=end_date)
    want = utils.summary_data_from_transaction_data(
        purchases, "customer_id", "order_date", "revenue", observation_period_end=end_date
    )
    assert sorted(got.index) == sorted(want.index)
    want = want.reindex(got.index)
    for column in ["frequency", "recency", "T"]:
        np.testing.assert_array_equal(got[column].to_numpy(), want[column].to_numpy())
    np.testing.assert_allclose(got["monetary_value"], want["monetary_value"], rtol=1e-12, atol=1e-9)
    weeks = clv.rfm_summary(frame, observation_end=end_date, time_unit_days=7)
    np.testing.assert_allclose(weeks[["recency", "T"]] * 7, got[["recency", "T"]], rtol=1e-12)


# ---- the transactions the forecast and the holdout read ---------------------------------------
def test_purchase_transactions_are_the_purchase_lines_with_three_columns() -> None:
    from helpers.ledger.purchases import purchase_lines
    from helpers.schema import UNATTRIBUTED

    lines = pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3", "o4", "o5"],
            "customer_id": pd.Series(["a", None, UNATTRIBUTED, "b", "a"], dtype="str"),
            "order_date": pd.to_datetime(["2024-01-01"] * 5),
            "revenue": [1.0, 2.0, 3.0, 4.0, 5.0],
            "product_id": ["p"] * 5,
            "is_duplicate": [False, False, False, True, False],
        }
    )
    got = clv.rfm.purchase_transactions(lines)
    want = purchase_lines(lines)[["customer_id", "order_date", "revenue"]]
    pd.testing.assert_frame_equal(got, want)
    assert list(got["revenue"]) == [1.0, 5.0]
    pd.testing.assert_frame_equal(
        clv.rfm.purchase_transactions(lines.drop(columns="is_duplicate")),
        purchase_lines(lines.drop(columns="is_duplicate"))[
            ["customer_id", "order_date", "revenue"]
        ],
    )
