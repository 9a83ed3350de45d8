"""helpers.segments: size tiers, RFM scores and named segments, quadrants, ABC, profiles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.axes import Axes

from helpers import segments
from helpers.config import defaults
from helpers.ledger.size_tiers import assign_size_tiers
from helpers.schema import UNATTRIBUTED

END = pd.Timestamp("2025-12-31")


@pytest.fixture(scope="module")
def config() -> dict:
    return defaults()


def _ledger(net, profit, orders=None, days_ago=None, tiers=None) -> pd.DataFrame:
    """A tiny hand-built ledger with the columns segments read."""
    n = len(net)
    net = np.asarray(net, dtype="float64")
    led = pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(n)],
            "size_tier": pd.Categorical(
                tiers or ["small"] * n, categories=["micro", "small", "medium", "large"]
            ),  # fmt: skip
            "net_revenue": net,
            "list_revenue": net * 1.1,
            "discounts": net * 0.1,
            "rebates": 0.0,
            "cost_to_serve": net * 0.05,
            "profit": np.asarray(profit, dtype="float64"),
            "orders": np.asarray(orders if orders is not None else [1] * n, dtype="int64"),
            "last_order": END - pd.to_timedelta(days_ago if days_ago is not None else [0] * n, "D"),
        }
    )
    led["margin_pct"] = led["profit"] / led["net_revenue"].where(led["net_revenue"] != 0)
    return led


def test_assign_size_tiers_keeps_its_behaviour(config: dict) -> None:
    customers = pd.DataFrame({"employees": [np.nan] * 4, "net_revenue": [10, 6000, 60000, 1e6]})
    # relative bands (the default): ranks at 12.5%, 37.5%, 62.5%, 87.5% of customers against
    # the cuts 50% / 80% / 95%
    tiers = assign_size_tiers(customers, config)
    assert tiers.tolist() == ["micro", "micro", "small", "medium"]
    absolute = {**config, "size_tiers": {**config["size_tiers"], "revenue_bands": "absolute"}}
    assert assign_size_tiers(customers, absolute).tolist() == ["micro", "small", "medium",
                                                                "large"]  # fmt: skip
    by_emp = pd.DataFrame({"employees": [3, 20, 100, 5000], "net_revenue": [1e6, 0, 0, 0]})
    assert assign_size_tiers(by_emp, config).tolist() == ["micro", "small", "medium",
                                                                   "large"]  # fmt: skip


def test_rfm_scores_are_quintiles(config: dict) -> None:
    n = 10
    led = _ledger(range(1, n + 1), [1] * n, orders=range(1, n + 1), days_ago=range(n, 0, -1))
    rfm = segments.rfm_scores(led, config, as_of=END)
    assert rfm["m"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert rfm["f"].tolist() == rfm["m"].tolist()
    assert rfm["r"].tolist() == rfm["m"].tolist()  # the most recent score highest
    assert rfm["recency_days"].tolist() == list(range(n, 0, -1))
    assert rfm.loc[9, "rfm_segment"] == "Champions"
    assert rfm.loc[0, "rfm_segment"] == "Hibernating"


def test_named_segments_are_data_and_first_match_wins(config: dict) -> None:
    scores = pd.DataFrame({"r": [5, 5, 1], "f": [5, 1, 1], "m": [5, 1, 1]})
    rules = {"rfm": {"segments": [{"name": "Best", "r": [5, 5]}, {"name": "Top", "f": [5, 5]},
                                  {"name": "Rest"}]}}  # fmt: skip
    assert segments.name_rfm_segments(scores, rules).tolist() == ["Best", "Best", "Rest"]
    with pytest.raises(ValueError, match="catch-all"):
        segments.name_rfm_segments(scores, {"rfm": {"segments": [{"name": "Best", "r": [5, 5]}]}})


def test_quadrants_by_hand(config: dict) -> None:
    # company margin = 60 / 400 = 15%; volume threshold = 80th percentile of revenue
    led = _ledger([200, 100, 50, 50], [10, 30, 15, 5])
    quad = segments.assign_quadrants(led, config).tolist()
    assert quad == ["Reprice", "Grow", "Grow", "Serve differently"]
    cfg = {**config, "quadrants": {**config["quadrants"], "margin_threshold": 0.05,
                                   "volume_quantile": 0.5}}  # fmt: skip
    assert segments.assign_quadrants(led, cfg).tolist() == ["Protect", "Protect", "Grow", "Grow"]


def test_abc_by_hand_with_losses(config: dict) -> None:
    values = pd.Series([70, 15, 10, 5, -20.0])
    ids = pd.Series(list("abcde"))
    assert segments.abc_classes(values, ids, config).tolist() == ["A", "A", "B", "C", "C"]
    assert segments.abc_classes(values, ids, config, losses=True).tolist() == [
        "A", "A", "B", "C", "D (loses money)"]  # fmt: skip


def test_assign_segments_profile_and_metrics(config: dict) -> None:
    rng = np.random.default_rng(3)
    n = 60
    net = rng.lognormal(8, 1.5, n)
    tiers = list(np.array(["micro", "small", "medium", "large"])[np.digitize(net, [2e3, 5e3, 2e4])])
    led = _ledger(net, net * rng.normal(0.1, 0.2, n), orders=rng.integers(1, 30, n),
                  days_ago=rng.integers(0, 700, n), tiers=tiers)  # fmt: skip
    led = pd.concat([led, _ledger([999.0], [1.0]).assign(customer_id=UNATTRIBUTED)])
    seg = segments.assign_segments(led, config, as_of=END)
    assert len(seg) == n and UNATTRIBUTED not in set(seg["customer_id"])
    for by in ("size_tier", "rfm_segment", "quadrant", "abc_revenue", "abc_profit"):
        prof = segments.profile_segments(led, seg, by)
        assert prof["customers"].sum() == n
        assert prof["revenue_share"].sum() == pytest.approx(1)
        assert prof["profit"].sum() == pytest.approx(led["profit"].iloc[:n].sum())
    table = segments.abc_crosstab(seg)
    assert table.loc["total", "total"] == n
    m = segments.segment_metrics(led, seg, config)
    assert m["customers"] == n
    assert m["abc_a_revenue_not_a_profit"] <= m["abc_a_by_revenue"]
    assert all(isinstance(s, str) for s in segments.segment_findings(m, config))
    for ax in (
        segments.plot_quadrants(led, seg, config),
        segments.plot_segment_profile(segments.profile_segments(led, seg, "quadrant"), "quadrant"),
        segments.plot_abc_crosstab(table),
    ):
        assert isinstance(ax, Axes) and ax.get_title(loc="left")
        ax.figure.clf()


_values = st.lists(st.floats(-1e4, 1e6, allow_nan=False), min_size=1, max_size=40)


@settings(max_examples=50, deadline=None)
@given(net=_values, data=st.data())
def test_every_customer_in_exactly_one_segment_whatever_the_row_order(
    net: list[float], data: st.DataObject
) -> None:
    config = defaults()
    n = len(net)
    ints = st.lists(st.integers(0, 50), min_size=n, max_size=n)
    profit = data.draw(st.lists(st.floats(-1e5, 1e5, allow_nan=False), min_size=n, max_size=n))
    led = _ledger(net, profit, orders=data.draw(ints), days_ago=data.draw(ints))
    seg = segments.assign_segments(led, config, as_of=END)
    assert len(seg) == n and seg["customer_id"].is_unique
    for col in ("rfm_segment", "quadrant", "abc_revenue", "abc_profit"):
        assert seg[col].notna().all(), col
        # exactly one: the one-hot of the column sums to one on every row
        assert (pd.get_dummies(seg[col]).sum(axis=1) == 1).all(), col
    perm = list(data.draw(st.permutations(range(n))))
    again = segments.assign_segments(led.iloc[perm], config, as_of=END)
    cols = ["r", "f", "m", "rfm_segment", "quadrant", "abc_revenue", "abc_profit"]
    a = seg.set_index("customer_id")[cols].astype(str).sort_index()
    b = again.set_index("customer_id")[cols].astype(str).sort_index()
    pd.testing.assert_frame_equal(a, b)
