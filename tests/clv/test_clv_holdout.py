"""helpers.clv.holdout: the holdout caution and the seasonality and trend it measures."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import clv
from helpers.clv.holdout import _caution
from helpers.config import defaults


def _days(customer: str, dates: list[pd.Timestamp]) -> list[tuple[str, pd.Timestamp]]:
    return [(customer, d) for d in dates]


def _seasonal_book(trend: bool) -> pd.DataFrame:
    """A buys on the 15th of every month 2022-2024, B on the 15th of July-December only; with
    ``trend``, C buys monthly from March 2022 and twice a month in July-December 2024."""
    months = pd.date_range("2022-01-15", "2024-12-15", freq="MS") + pd.Timedelta(days=14)
    rows = _days("A", list(months)) + _days("B", [d for d in months if d.month >= 7])
    if trend:
        before = [d for d in months if d >= pd.Timestamp("2022-03-01") and d.year < 2024]
        late = [d for d in months if d.year == 2024 and d.month >= 7]
        twice = [d - pd.Timedelta(days=10) for d in late] + [
            d + pd.Timedelta(days=10) for d in late
        ]
        rows += _days("C", before + twice)
    lines = pd.DataFrame(rows, columns=["customer_id", "order_date"])
    return lines.assign(revenue=10.0, order_id=[f"O{i}" for i in range(len(lines))])


CAL_END, END = pd.Timestamp("2024-07-01"), pd.Timestamp("2024-12-31")


def test_seasonality_is_the_windows_share_of_the_year_before() -> None:
    causes = clv.holdout_causes(_seasonal_book(trend=False), CAL_END, END)
    # one complete earlier year (the data starts in January 2022): in the year up to
    # 2023-12-31, A bought 12 times and B 6 times, 6 + 6 of them in July-December
    assert causes["season_years"] == 1
    assert causes["season_share"] == pytest.approx(12 / 18)
    assert causes["even_share"] == pytest.approx(183 / 365.25)
    assert causes["season_effect"] == pytest.approx((183 / 365.25) / (12 / 18) - 1)
    assert causes["trend"] == pytest.approx(0.0)  # the same 12 purchases as a year earlier


def test_trend_is_existing_customers_year_over_year() -> None:
    causes = clv.holdout_causes(_seasonal_book(trend=True), CAL_END, END)
    # July-December 2023: A 6, B 6, C 6 = 18; 2024: A 6, B 6, C 12 = 24
    assert causes["trend"] == pytest.approx(24 / 18 - 1)
    assert causes["trend_effect"] == pytest.approx(18 / 24 - 1)
    # the year up to 2023-12-31: A 12, B 6, C 12 = 30, of which 18 in July-December
    assert causes["season_share"] == pytest.approx(18 / 30)


def test_caution_names_the_cause_that_points_the_way_of_the_error() -> None:
    causes = clv.holdout_causes(_seasonal_book(trend=False), CAL_END, END)
    cfg = defaults()["clv"]
    text = _caution(-0.3, causes, cfg, CAL_END, END)
    assert text.startswith(
        "Caution: the forecast was off by -30% in the holdout, beyond +/-25%; its totals "
        "understate what customers buy. Measured from the data: the months Jul to Dec held 67% "
        "of each earlier year's purchases against 50% for an even year"
    )
    assert text.endswith("Likely cause: seasonality.")
    # an over-prediction is not explained by a high season
    assert _caution(0.4, causes, cfg, CAL_END, END).endswith(
        "Neither explains the error: the model may not suit how these customers buy."
    )


def test_holdout_without_repeat_purchases_says_why() -> None:
    days = pd.date_range("2022-01-01", "2024-12-01", periods=80)
    lines = pd.DataFrame({"customer_id": [f"C{i}" for i in range(80)], "order_date": days})
    lines = lines.assign(revenue=10.0, order_id=lines["customer_id"])
    holdout = clv.holdout_check(lines, defaults())
    assert not holdout.available
    # calibration ends 6 x 30.4375 days before 2024-12-01; 66 of the evenly spaced customers
    # (one every 13.5 days from 2022-01-01) bought by then
    assert holdout.message.startswith(
        "No holdout check: before the holdout (up to 2024-06-01), none of the 66 customers "
        "bought again"
    )
    assert "no repeat purchases to model" in holdout.message
