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
