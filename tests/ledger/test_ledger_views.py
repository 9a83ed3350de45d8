"""helpers.ledger.views: the P&L by tier, the ends of the ranking, metrics, findings, figures."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import ledger as L
from helpers.schema import UNATTRIBUTED


# ---- reading the ledger ---------------------------------------------------------------------
def test_tier_pnl_reconciles(hand: pd.DataFrame) -> None:
    tiers = L.tier_pnl(hand.reset_index()).set_index("size_tier")
    assert "(unattributed)" in tiers.index
    assert tiers.loc["total", "profit"] == pytest.approx(hand["profit"].sum())
    assert tiers.drop("total")["net_revenue"].sum() == pytest.approx(hand["net_revenue"].sum())
    assert tiers.loc["total", "customers"] == 3  # the unattributed row is not a customer
    assert tiers.loc["total", "share_of_profit"] == pytest.approx(1.0)


def test_top_bottom_and_findings(hand: pd.DataFrame) -> None:
    led = hand.reset_index()
    most, least = L.top_bottom(led, 2)
    assert UNATTRIBUTED not in set(most["customer_id"]) | set(least["customer_id"])
    assert most["profit"].is_monotonic_decreasing and least["profit"].is_monotonic_increasing
    m = L.ledger_metrics(led)
    assert m["total_revenue"] == round(led["net_revenue"].sum(), 2)
    assert m["customers"] == 3
    assert m["loss_making_customers"] == int((hand.drop(UNATTRIBUTED)["profit"] < 0).sum())
    findings = L.ledger_findings(led)
    assert findings[0].startswith("Cost to serve takes")
    assert any("without a customer" in f for f in findings)


def test_plot_waterfall_returns_axes(hand: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    ax = L.plot_waterfall(L.company_pnl(hand.reset_index()), min_share=0.01)
    assert ax.get_title(loc="left").startswith("Cost to serve takes")
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "List revenue" and labels[-1] == "Profit"
    plt.close(ax.figure)
