"""helpers.growth.land_and_expand: first-order bands, conversion and yearly profit."""

from __future__ import annotations

import pytest
from growth_books import CONFIG, lines_frame

from helpers import growth


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
    res = growth.land_and_expand(lines_frame(rows), None, config)
    per = res.detail["customers"]
    assert "old" not in per.index  # first seen on the data's first day: maybe older
    assert not per.loc["late", "conversion_observed"]
    assert res.metrics["small_first_second_order_rate"] == pytest.approx(15 / 30)
    assert res.metrics["large_first_second_order_rate"] == 1.0
    lo, hi = res.metrics["second_order_rate_difference_ci"]
    assert lo < -0.5 + 1e-9 < hi < 0
    assert per.loc["l0", "revenue_y1"] == 2000 and per.loc["l0", "profit_y1"] == 1000
    assert any("observational" in s for s in res.findings)


def test_the_cumulative_sentence_and_the_bars_cover_the_same_customers() -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    from helpers.results import set_currency

    rows = [("old", "2020-01-01", 50.0), ("old", "2023-01-01", 50.0)]
    for band, first in (("s", 10.0), ("l", 1000.0)):
        for i in range(6):  # observed two full years: profit 5 (or 500) then 50 in year 2
            rows += [(f"{band}{i}", "2020-08-01", first), (f"{band}{i}", "2021-09-01", 100.0)]
        for i in range(6):  # observed one year only, a big year 1: not in the two-year sum
            rows += [(f"{band}n{i}", "2021-12-01", first), (f"{band}n{i}", "2022-06-01", 4000.0)]
    config = {**CONFIG, "growth": {**CONFIG["growth"], "first_order_quantiles": [0.5],
                                   "first_order_labels": ["small", "large"],
                                   "bootstrap_samples": 50}}  # fmt: skip
    set_currency("EUR")
    try:
        res = growth.land_and_expand(lines_frame(rows), None, config)
    finally:
        set_currency(None)
    assert res.metrics["cumulative_years"] == 2
    assert {"first_order_median", "profit_y1"} <= set(res.table.attrs["money_columns"])
    assert res.metrics["small_first_profit_cumulative"] == pytest.approx(5 + 50)
    assert res.table.loc["small", "profit_y1"] == pytest.approx((6 * 5 + 6 * 2005) / 12)
    cohort = res.detail["cohort"]  # the bars: the two-year customers only, so they add up
    assert cohort.loc["small", ["profit_y1", "profit_y2"]].sum() == pytest.approx(55)
    assert cohort.loc["large", ["profit_y1", "profit_y2"]].sum() == pytest.approx(550)
    sentence = next(s for s in res.findings if s.startswith("Over their first 2 years"))
    assert "the 6 small-first customers observed that long earned 55 EUR profit each" in sentence
    assert "the 6 large-first ones 550 EUR" in sentence
    ax = growth.plot_land_and_expand(res, config)
    heights = [bar.get_height() for bar in ax.patches]
    assert np.sum(heights[:2]) == pytest.approx(55) and np.sum(heights[2:]) == pytest.approx(550)
    plt.close("all")
