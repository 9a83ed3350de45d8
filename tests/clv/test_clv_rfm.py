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


# ---- the RFM summary against its definition, line by line and bit for bit ---------------------
def _reference_summary(frame: pd.DataFrame, end: pd.Timestamp | None) -> pd.DataFrame:
    """The summary by its definition, in Python: every sum taken line by line in line order."""
    known = frame.dropna(subset=["order_date"])
    days = [(d.normalize() - pd.Timestamp("1970-01-01")).days for d in known["order_date"]]
    if end is not None:
        end_day = (end.normalize() - pd.Timestamp("1970-01-01")).days
    else:
        end_day = max(days, default=0)  # no date: no line, whatever the end
    lines = [
        (c, d, v)
        for c, d, v in zip(known["customer_id"], days, known["revenue"], strict=True)
        if isinstance(c, str) and d <= end_day
    ]
    day_sums: dict[tuple[str, int], float] = {}
    for customer, day, value in lines:
        day_sums[customer, day] = day_sums.get((customer, day), 0.0) + value
    bought = [(c, d, v) for c, d, v in lines if day_sums[c, d] >= 0]  # not return-only days
    rows = {}
    for customer in dict.fromkeys(c for c in frame["customer_id"] if isinstance(c, str)):
        own = [(d, v) for c, d, v in bought if c == customer]
        if not own:
            continue
        first, last = min(d for d, _ in own), max(d for d, _ in own)
        total = first_value = 0.0
        for day, value in own:
            total += value
            first_value += value if day == first else 0.0
        frequency = len({d for d, _ in own}) - 1
        rows[customer] = {
            "frequency": float(frequency),
            "recency": float(last - first),
            "T": float(end_day - first),
            "monetary_value": (total - first_value) / frequency if frequency else 0.0,
            "first_value": first_value,
            "first_purchase": pd.Timestamp("1970-01-01") + pd.Timedelta(days=first),
        }
    if not rows:
        return pd.DataFrame()
    table = pd.DataFrame.from_dict(rows, orient="index").astype(
        {"first_purchase": "datetime64[ns]"}
    )
    return table.set_axis(
        pd.Index(list(rows), dtype=frame["customer_id"].dtype, name="customer_id")
    )


CUSTOMER = st.one_of(
    st.none(), st.sampled_from(["a", "b", "", "customer-4", "é5", "日本-6", "a\0"])
)
DATED_LINE = st.tuples(
    CUSTOMER,
    st.one_of(st.none(), st.integers(0, 40)),  # day (None: no date)
    st.integers(0, 23),  # hour
    st.sampled_from([-30.0, -0.01, -0.0, 0.0, 0.01, 0.1, 0.2, 2.5, 19.99, 250.0]),
)


@settings(max_examples=80, deadline=None)
@given(
    lines=st.lists(DATED_LINE, min_size=1, max_size=40),
    cuts=st.lists(st.integers(0, 40), max_size=3),
    end=st.one_of(st.none(), st.integers(-2, 45)),
    block=st.sampled_from([1, 3, 1 << 18]),
)
def test_rfm_summary_is_its_definition_bit_for_bit(lines, cuts, end, block) -> None:
    """Any lines, in any number of Arrow chunks and row blocks: the line-by-line summary exactly."""
    import helpers.clv._codes as codes_module

    customers, days, hours, values = zip(*lines, strict=True)
    start = pd.Timestamp("2023-12-25")
    dates = [
        None if d is None else start + pd.Timedelta(days=d, hours=h)
        for d, h in zip(days, hours, strict=True)
    ]
    frame = pd.DataFrame({"order_date": pd.to_datetime(dates), "revenue": values})
    column = pd.Series(customers, dtype="str")
    pieces = [
        column.iloc[a:b]
        for a, b in zip([0, *sorted(cuts)], [*sorted(cuts), len(column)], strict=True)
    ]
    frame.insert(0, "customer_id", pd.concat(pieces, ignore_index=True))  # one Arrow chunk a piece
    end_date = None if end is None else start + pd.Timedelta(days=end)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clv.rfm, "_BLOCK", block)
        patch.setattr(codes_module, "_BLOCK", block)
        got = clv.rfm_summary(frame, observation_end=end_date)
    want = _reference_summary(frame, end_date)
    if want.empty:
        assert got.empty and got.index.name == "customer_id"
        return
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    for name in ["recency", "T", "monetary_value", "first_value"]:  # -0.0 and 0.0 too
        np.testing.assert_array_equal(
            got[name].to_numpy().view("u8"), want[name].to_numpy().view("u8")
        )
