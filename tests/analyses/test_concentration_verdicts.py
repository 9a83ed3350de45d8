"""The verdicts of Pareto, segments and seesaw, by hand: decisions, materiality, the three levels
of profit, not applicable, and the range of the assumed amounts over which each holds."""

from __future__ import annotations

import pytest
from concentration_ledgers import config, make_ledger

from helpers import pareto, seesaw, segments


# ---- the decisions ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("revenue", "profit", "expected"),
    [(0.92, 0.88, "less"), (0.92, 0.95, "more"), (0.92, 0.93, "as"), (0.92, 0.905, "as"),
     (0.48, None, None), (None, 0.5, None)],
)  # fmt: skip
def test_profit_versus_revenue_by_hand(revenue, profit, expected) -> None:
    # within 2 points the two shares count as the same (pareto.same_tolerance)
    assert pareto.decide_profit_vs_revenue(revenue, profit, 0.02) == expected


@pytest.mark.parametrize(
    ("peak", "expected"), [(124.9, "over 100%"), (100.4, "no hump"), (100.6, "over 100%"),
                           (None, None)],
)  # fmt: skip
def test_whale_hump_by_hand(peak, expected) -> None:
    assert pareto.decide_whale_hump(peak, 0.5) == expected


@pytest.mark.parametrize(
    ("share", "expected"), [(0.0, "none"), (0.195, "a minority"), (0.5, "most"), (None, None)]
)
def test_loss_makers_by_hand(share, expected) -> None:
    assert pareto.decide_loss_makers(share) == expected


def test_small_clients_by_hand() -> None:
    small = {"customers": 8, "net_revenue": 100.0, "profit": 20.0}  # 20% margin
    rest = {"customers": 2, "net_revenue": 400.0, "profit": 40.0}  # 10% margin
    assert segments.decide_small_clients(small, rest, 1) == "higher"
    assert segments.decide_small_clients(rest, small, 1) == "lower"
    assert segments.decide_small_clients(small, {**rest, "profit": 80.05}, 1) == "the same"
    assert segments.decide_small_clients(small, {**rest, "customers": 0}, 1) is None  # everyone
    assert segments.decide_small_clients(small, rest, 50) is None  # 10 customers: too few


# ---- materiality: shares of profit only of material totals -------------------------------------
def test_shares_of_profit_only_of_a_material_total() -> None:
    # profits +60 and -55: total 5 is 4.3% of the sizes (115), under 10%: no share of it
    net = [100.0, 100.0, 100.0, 100.0]
    near_zero = make_ledger(net, [60.0, 0.0, 0.0, -55.0])
    result = pareto.measure_concentration(near_zero, config(min_customers=1), bootstrap=False)
    assert result.pareto["top20_profit_share"] is None
    assert result.pareto["top20_by_revenue_profit_share"] is None
    assert result.whale["peak_profit_pct"] is None and result.whale["whale_hump"] is None
    assert result.pareto["profit_vs_revenue"] is None
    assert result.pareto["total_profit"] == pytest.approx(5.0)
    sentence = next(s for s in result.findings if s.startswith("Profit ("))
    assert "no share of profit is meaningful" in sentence and "earn (60)" in sentence
    # +60 and -45: total 15 is 14.3% of 105: material; the top customer earns 400% of it
    material = make_ledger(net, [60.0, 0.0, 0.0, -45.0])
    result = pareto.measure_concentration(material, config(min_customers=1), bootstrap=False)
    assert result.pareto["top20_profit_share"] == pytest.approx(4.0)
    assert result.whale["peak_profit_pct"] == pytest.approx(400.0)


def test_too_wide_an_interval_is_said_so() -> None:
    led = make_ledger([100.0] * 12, [60.0, 30, 20, 10, 5, 5, 5, -5, -10, -20, -30, -40])
    cfg = config(min_customers=1)
    result = pareto.measure_concentration(led, cfg)
    low, high = result.whale["peak_profit_pct_ci_low"], result.whale["peak_profit_pct_ci_high"]
    assert high - low > 50  # points
    assert any("(too uncertain: its 95% interval spans more than 50 points)" in s
               for s in result.whale_findings)  # fmt: skip


# ---- levels: every headline at each level, flat keys at the lead level --------------------------
def _levels_ledger():
    """Five customers of net revenue 100: gross margin 60/30/20/10/5, measured cost 5 each,
    assumed cost 10/10/10/20/20 (both drivers assumed, rates configured)."""
    return make_ledger(
        [100.0] * 5, [60.0, 30.0, 20.0, 10.0, 5.0], [5.0] * 5, [10.0, 10.0, 10.0, 20.0, 20.0]
    )


def test_pareto_levels_by_hand() -> None:
    result = pareto.measure_concentration(
        _levels_ledger(), config(min_customers=1), bootstrap=False
    )
    whale = result.whale
    # lead level "measured": assumed amounts are the assumed drivers' only
    assert whale["lead_level"] == "measured"
    # measured: profit 55/25/15/5/0 = 100, nobody loses money, the curve peaks at 100%
    assert whale["loss_making_customers"] == 0 and whale["loss_makers"] == "none"
    assert whale["peak_profit_pct"] == pytest.approx(100.0)
    assert whale["whale_hump"] == "no hump"
    # with the assumed amounts: 45/15/5/-15/-20 = 30; cum 45/60/65/50/30: peak 65 = 216.7%
    assumed = whale["with_assumptions"]
    assert assumed["loss_making_customers"] == 2 and assumed["loss_makers"] == "a minority"
    assert assumed["peak_profit_pct"] == pytest.approx(100 * 65 / 30)
    assert assumed["peak_share_of_customers"] == pytest.approx(0.6)
    assert assumed["whale_hump"] == "over 100%"
    # the data level: gross margin 125, cum 60/90/110/120/125: no hump, nobody loses
    assert whale["data"]["peak_profit_pct"] == pytest.approx(100.0)
    # the top 20% by revenue (ties: the most profitable first) bring 55 of 100 of profit
    assert result.pareto["top20_by_revenue_profit_share"] == pytest.approx(0.55)
    assert result.pareto["profit_vs_revenue"] == "more"
    text = " ".join(result.whale_findings)
    assert ("0 customers (0%) lose money after costing the orders, lines and deliveries the data counts; 0 (0%) on "
            "the margin the data gives, before any cost to serve; 2 (40.0%) with the assumed "
            "cost-to-serve amounts.") in text  # fmt: skip
    # the shares table says which profit it ranks: the lead level's
    measures = set(pareto.shares_table(result)["measure"])
    assert "Profit after the cost to serve the data counts" in measures


def test_pareto_sensitivity_by_hand() -> None:
    """Profit at k times the assumed amounts: 55-10k, 25-10k, 15-10k, 5-20k, -20k.

    Loss makers: none at 0x; 1 up to 0.25x; 2 up to 1.5x (15 - 15 = 0 is no loss); 3 from
    1.55x. Total 100 - 70k, material while 100 - 70k >= (90 + 10k) / 10, i.e. up to 1.28x:
    the hump (over 100% from 0.05x, where 101%) has no share of profit from 1.3x.
    """
    result = pareto.measure_concentration(
        _levels_ledger(), config(min_customers=1), bootstrap=False
    )
    ranges = result.whale["sensitivity"]
    assert ranges["loss_makers"] == {
        "verdict": "a minority", "holds_from": 0.05, "holds_to": 1.5, "flips_below": 0.0,
        "flips_above": 1.55, "flips_to_below": "none", "flips_to_above": "most",
    }  # fmt: skip
    assert ranges["whale_hump"] == {
        "verdict": "over 100%", "holds_from": 0.05, "holds_to": 1.25, "flips_below": 0.0,
        "flips_above": 1.3, "flips_to_below": "no hump", "flips_to_above": None,
    }  # fmt: skip
    assert ranges["loss_making_share_at"] == {"0x": 0.0, "1x": 0.4, "2x": 0.6}
    assert (
        "With the assumed cost-to-serve amounts, a minority of customers lose money; this holds "
        "while they stay between 0.05x and 1.5x; at 0x no customer loses money; at 1.55x most "
        "customers lose money." in result.whale_findings
    )


def _tiers_ledger():
    """micro: two customers of net 100, gross margin 31.2, assumed cost 10 (21.2% with it,
    31.2% without); large: one of net 1000, gross margin 250, nothing assumed (25%)."""
    return make_ledger(
        [100.0, 100.0, 1000.0], [31.2, 31.2, 250.0], [0.0] * 3, [10.0, 10.0, 0.0],
        ["micro", "micro", "large"],
    )  # fmt: skip


def test_seesaw_and_segments_levels_and_sensitivity_by_hand() -> None:
    cfg = config(min_customers=1)
    led = _tiers_ledger()
    metrics = seesaw.seesaw_metrics(led, cfg)
    # nothing measured, assumed drivers only: the lead level is the data's margin
    assert metrics["lead_level"] == "data"
    assert metrics["highest_margin_tier"] == "micro" and metrics["tilt"] == "tilts"
    assert metrics["with_assumptions"]["highest_margin_tier"] == "large"
    assert metrics["with_assumptions"]["tilt"] == "no tilt"
    # micro's margin with k x the assumed cost: (31.2 - 10k) / 100, above 25% while k < 0.62
    assert metrics["sensitivity"]["highest_margin_tier"] == {
        "verdict": "large", "holds_from": 0.65, "holds_to": 3.0, "flips_below": 0.6,
        "flips_above": None, "flips_to_below": "micro", "flips_to_above": None,
    }  # fmt: skip
    findings = seesaw.seesaw_findings(metrics, cfg)
    assert "The seesaw tilts: the large tier brings 83% of revenue but 80% of profit" in findings[1]
    assert any(s.startswith("The seesaw tilts (the largest tier does not have the highest "
                            "margin) on the margin the data gives") for s in findings)  # fmt: skip
    summary = segments.segment_summary(led, segments.assign_segments(led, cfg), cfg)
    assert summary.metrics["highest_margin_tier"] == "micro"
    assert summary.metrics["small_clients"] == "higher"
    assert summary.metrics["with_assumptions"]["small_clients"] == "lower"
    assert summary.metrics["sensitivity"]["small_clients"]["flips_below"] == 0.6


def test_one_tier_or_a_tier_absent_is_not_applicable() -> None:
    cfg = config(min_customers=1)
    one_tier = make_ledger([100.0, 200.0, 300.0], [20.0, 30.0, 10.0], tiers=["small"] * 3)
    metrics = seesaw.seesaw_metrics(one_tier, cfg)
    assert metrics["tilt"] is None and metrics["highest_margin_tier"] is None
    assert "not applicable" in seesaw.seesaw_findings(metrics, cfg)[0]
    summary = segments.segment_summary(one_tier, segments.assign_segments(one_tier, cfg), cfg)
    assert summary.metrics["small_clients"] is None
    assert any("is a small client" in s and "not applicable" in s for s in summary.findings)
    # no small client at all: "not applicable" too, never a share of "small clients"
    big_only = make_ledger([1e4, 2e4], [2e3, 3e3], tiers=["medium", "large"])
    summary = segments.segment_summary(big_only, segments.assign_segments(big_only, cfg), cfg)
    assert any(s.startswith("No customer is a small client") for s in summary.findings)


def test_the_headline_gives_back_a_share_of_what_the_profitable_customers_earn() -> None:
    from helpers.report.summary import verdict_sentence

    # profits 100, 50, 10 and -40: the others earn 160, the loss maker destroys 40 = 25% of
    # that, and 33% of the total (120)
    ledger = make_ledger([1000.0, 500.0, 100.0, 400.0], [100.0, 50.0, 10.0, -40.0])
    metrics = pareto.measure_concentration(ledger, config(min_customers=1), bootstrap=False)
    whale = metrics.metrics["whale"]
    assert whale["profit_destroyed_pct"] == pytest.approx(100 * 40 / 120)
    sentence = verdict_sentence(metrics.metrics)
    assert sentence.endswith(
        "1 customer (25%) loses money, giving back 25% of the profit the others earn."
    )
