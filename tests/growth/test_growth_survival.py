"""helpers.growth.survival: the closure and lapse rules, Kaplan-Meier and the first-year rate."""

from __future__ import annotations

import pandas as pd
import pytest
from growth_books import CONFIG, lines_frame

from helpers import growth


def test_survival_closure_rule_and_first_year_rate() -> None:
    n = 200
    ids = [f"c{i}" for i in range(n)]
    lines = lines_frame([("x", "2020-01-01", 1.0)] + [(c, "2020-06-01", 10.0) for c in ids])
    closed = pd.to_datetime(["2020-10-01" if i < 40 else None for i in range(n)])
    customers = pd.DataFrame(
        {"customer_id": ids, "signup_date": pd.Timestamp("2020-06-01"), "closed_date": closed}
    )
    lines = pd.concat([lines, lines_frame([("x", "2023-01-01", 1.0)])], ignore_index=True)
    tiers = pd.Series("micro", index=ids)
    res = growth.survival_table(lines, customers, tiers, CONFIG)
    assert res.detail["rule"] == "closure"
    closure = growth.first_year_closure(res.table, CONFIG)
    assert closure["rate"] == pytest.approx(40 / n)
    assert closure["ci_low"] < 0.2 < closure["ci_high"] and closure["claim_in_ci"]
    assert (
        "consistent with the often-quoted ~20%" in growth.survival_findings(res, closure, CONFIG)[0]
    )
    fits = growth.kaplan_meier(res.table, "size_tier", CONFIG).detail["fits"]
    assert list(fits) == ["micro"]


def test_survival_lapse_rule_from_the_purchase_pattern() -> None:
    rows = [("x", "2020-01-01", 1.0), ("x", "2022-12-31", 1.0)]
    rows += [("steady", f"2020-{m:02d}-01", 10.0) for m in range(7, 13)]
    rows += [("steady", "2022-12-01", 10.0)]
    rows += [("gone", "2020-08-01", 10.0), ("gone", "2020-09-01", 10.0)]
    res = growth.survival_table(lines_frame(rows), None, pd.Series(dtype="string"), CONFIG)
    assert res.detail["rule"] == "lapse"
    t = res.table
    assert t.loc["gone", "event"] and t.loc["gone", "duration"] == 31
    assert not t.loc["steady", "event"]
    assert "x" not in t.index  # seen on the data's first day: maybe older
