"""helpers.clv.rfm: the published CDNOW summary and hand-built lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

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
