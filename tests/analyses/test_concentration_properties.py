"""Property test: on any ledger (random, flat, negative total, one tier, one customer, a total
near zero, tiny or huge amounts) the Pareto, segments and seesaw findings hold no nan/inf, no two
sentences contradict, and a size comparison that does not exist is "not applicable".

The contradiction rules are data: pairs of patterns that must not both match the lead-level
sentences of one report, and patterns whose captured answer must be the same in every sentence.
Sentences about another level of profit or about multiples of the assumed amounts compare
verdicts on purpose and are left out of those two checks (never out of the token check).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from concentration_ledgers import TIERS, config, make_ledger
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import pareto, seesaw, segments
from helpers.ledger.levels import LEVEL_WORDS

#: tokens no sentence may hold
FORBIDDEN = re.compile(r"\bnan\b|\binf\b|-0%|-0\.0%|n/a|(?<![\d.])-0(?![\d.])", re.IGNORECASE)

#: (rule, pattern A, pattern B): no report's lead-level sentences may match both
CONTRADICTIONS: list[tuple[str, str, str]] = [
    ("the 80/20 rule 'too' beside spread revenue", r"holds for profit too", r"^Revenue is spread"),
    ("profit both less and more concentrated", r"less concentrated than revenue",
     r"(more|as) concentrated (than|as) revenue"),
    ("the seesaw tilts and does not", r"The seesaw tilts", r"does not tilt here"),
    ("a hump and no hump", r"give [\d.]+% of it back", r"the curve has no hump"),
    ("a loss overall beside shares of profit or 'most profitable'", r"make a loss overall",
     r"\d% of (total )?profit|most profitable"),
    ("every customer losing money beside anyone earning", r"Every customer loses money",
     r"\d% of (total )?profit|most profitable|earns? the highest margin|earn more than"),
    ("every tier loses money beside a tier that earns", r"Every size tier loses money",
     r"earns the highest margin"),
    ("small clients' margin both higher and lower", r"their margin is higher",
     r"their margin is (lower|about the same)"),
    ("no loss maker beside loss makers", r"No customer loses money",
     r"\d+ of [\d,]+ customers .*lose money"),
    ("one size tier beside a comparison of tiers", r"falls in one size tier",
     r"tier earns the highest margin|The seesaw tilts|does not tilt here"),
]  # fmt: skip

#: (answer, pattern with one group): the group must capture the same value in every sentence
SAME_ANSWER: list[tuple[str, str]] = [
    ("the highest-margin tier",
     r"the (\w+) tier(?:, the largest in the data,)? (?:earns the highest margin|loses the least)"),
]  # fmt: skip

#: (section, metric, value) -> a pattern one lead-level sentence must match
VERDICT_PHRASES: dict[tuple[str, str, str], str] = {
    ("pareto", "profit_vs_revenue", "less"): r"Profit is less concentrated than revenue",
    ("pareto", "profit_vs_revenue", "more"): r"more concentrated than revenue|holds for profit",
    ("pareto", "profit_vs_revenue", "as"): r"as concentrated as revenue|holds for profit",
    ("whale", "whale_hump", "over 100%"): r"of it back",
    ("whale", "whale_hump", "no hump"): r"the curve has no hump",
    ("seesaw", "tilt", "tilts"): r"The seesaw tilts",
    ("seesaw", "tilt", "no tilt"): r"does not tilt here",
    ("segments", "small_clients", "higher"): r"their margin is higher",
    ("segments", "small_clients", "lower"): r"their margin is lower",
}

_MARKERS = (*LEVEL_WORDS.values(), "With the assumed cost-to-serve amounts",
            "at multiples of the assumed amounts")  # fmt: skip


def lead_sentences(sentences: list[str]) -> list[str]:
    """The sentences about the lead level at 1x (not about other levels or multiples)."""
    return [s for s in sentences if not any(marker in s for marker in _MARKERS)]


def contradictions(sentences: list[str]) -> list[str]:
    """The rules of :data:`CONTRADICTIONS` and :data:`SAME_ANSWER` that ``sentences`` break."""
    lead = lead_sentences(sentences)
    broken = [
        rule
        for rule, first, second in CONTRADICTIONS
        if any(re.search(first, s) for s in lead) and any(re.search(second, s) for s in lead)
    ]
    for answer, pattern in SAME_ANSWER:
        found = {m.group(1) for s in lead for m in re.finditer(pattern, s, re.IGNORECASE)}
        if len(found) > 1:
            broken.append(f"{answer}: {sorted(found)}")
    return broken


def test_the_rules_catch_the_sentences_seen_on_real_exports() -> None:
    # the issue's own examples: each breaks a rule
    assert contradictions(
        [
            "Revenue is spread: the top 20% bring 48%.",
            "The 80/20 rule holds for profit too: the same customers bring 497% of profit.",
        ]
    ) == ["the 80/20 rule 'too' beside spread revenue"]
    assert contradictions(
        [
            "The large tier, the largest in the data, earns the highest margin (16.7%). The seesaw "
            "does not tilt here.",
            "The seesaw tilts: the large tier brings 61% of revenue but 25% of profit.",
        ]
    ) == ["the seesaw tilts and does not"]
    assert contradictions(
        [
            "The large tier, the largest in the data, earns the highest margin (16.7%).",
            "The small tier earns the highest margin (25.2%).",
        ]
    ) == ["the highest-margin tier: ['large', 'small']"]
    assert contradictions(
        [
            "The customers make a loss overall (-576k): no share of profit is meaningful.",
            "Small clients bring 78% of revenue but 80% of profit.",
        ]
    ) == ["a loss overall beside shares of profit or 'most profitable'"]
    # sentences about other levels are left out on purpose
    assert not contradictions(
        [
            "Profit is less concentrated than revenue.",
            f"Profit is more concentrated than revenue {LEVEL_WORDS['data']}.",
        ]
    )


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[str, pd.DataFrame]:
    """An adversarial ledger: its kind, then the ledger."""
    kind = draw(st.sampled_from(["random", "flat", "negative total", "single tier",
                                 "one customer", "near zero", "empty"]))  # fmt: skip
    n = {"one customer": 1, "empty": 0}.get(kind) or draw(st.integers(2, 80))
    scale = draw(st.sampled_from([1e-6, 1.0, 1e9]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    net = (np.full(n, 100.0) if kind == "flat" else rng.lognormal(4, 1.5, n)) * scale
    margin = {"flat": np.full(n, 0.2), "negative total": rng.normal(-0.3, 0.2, n)}.get(
        kind, rng.normal(0.2, 0.3, n)
    )
    gm = net * margin
    if kind == "near zero" and n:
        gm = gm - (gm.sum() - 0.01 * scale) / n  # the customers' profits add up to about nil
    assumed = net * rng.uniform(0, 0.2, n) * draw(st.sampled_from([0.0, 1.0]))
    position = (np.arange(n) + 0.5) / max(n, 1)
    tiers = np.array(TIERS)[np.searchsorted([0.5, 0.8, 0.95], position, side="right")]
    order = np.argsort(net, kind="stable")
    ranked = np.empty(n, dtype=object)
    ranked[order] = tiers
    chosen = ["micro"] * n if kind == "single tier" else list(ranked)
    return kind, make_ledger(net, gm, 0.03 * net, assumed, chosen)


def _report(ledger: pd.DataFrame, cfg: dict) -> tuple[dict[str, dict], list[str]]:
    """The metrics and the findings of the three analyses, as a report shows them."""
    concentration = pareto.measure_concentration(ledger, cfg, bootstrap=False)
    summary = segments.segment_summary(ledger, segments.assign_segments(ledger, cfg), cfg)
    tilt = seesaw.measure_seesaw(ledger, cfg)
    metrics = {"pareto": concentration.pareto, "whale": concentration.whale,
               "segments": summary.metrics, "seesaw": tilt.metrics}  # fmt: skip
    sentences = [*concentration.findings, *concentration.whale_findings, *summary.findings,
                 *tilt.findings]  # fmt: skip
    return metrics, sentences


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=ledgers(), min_customers=st.sampled_from([1, 50]))
def test_findings_never_contradict(case: tuple[str, pd.DataFrame], min_customers: int) -> None:
    kind, ledger = case
    metrics, sentences = _report(ledger, config(min_customers))
    for sentence in sentences:
        assert not FORBIDDEN.search(sentence), sentence
    assert contradictions(sentences) == [], sentences
    lead = lead_sentences(sentences)
    for (section, key, value), pattern in VERDICT_PHRASES.items():
        if metrics[section].get(key) == value:
            assert any(re.search(pattern, s) for s in lead), (section, key, value, lead)
    # the two analyses that rank size tiers give the same answer
    assert metrics["segments"]["highest_margin_tier"] == metrics["seesaw"]["highest_margin_tier"]
    if kind == "single tier" or (kind == "one customer"):
        assert metrics["seesaw"]["tilt"] is None
        assert any("not applicable" in s for s in tilt_sentences(sentences)), sentences


def tilt_sentences(sentences: list[str]) -> list[str]:
    """The sentences about size tiers and small clients."""
    return [s for s in sentences if "tier" in s or "small client" in s]


@pytest.mark.parametrize("scale", [1 / 150, 150.0, 1e6])
def test_verdicts_do_not_depend_on_the_scale_of_the_amounts(scale: float) -> None:
    # the same book in another currency (x150: as if in yen) or at another size. (Amounts under
    # half a cent in total count as nothing in helpers.ledger.levels, so no scale goes below.)
    rng = np.random.default_rng(5)
    net = rng.lognormal(5, 1.4, 120)
    gm = net * rng.normal(0.25, 0.2, 120)
    assumed = net * rng.uniform(0, 0.3, 120)
    tiers = list(np.array(TIERS)[np.searchsorted([0.5, 0.8, 0.95], (np.argsort(np.argsort(net)) + 0.5) / 120, side="right")])  # fmt: skip
    base = make_ledger(net, gm, 0.03 * net, assumed, tiers)
    scaled = make_ledger(net * scale, gm * scale, 0.03 * net * scale, assumed * scale, tiers)
    first, _ = _report(base, config())
    second, _ = _report(scaled, config())
    for section, key in (("pareto", "profit_vs_revenue"), ("whale", "whale_hump"),
                         ("whale", "loss_makers"), ("seesaw", "tilt"),
                         ("segments", "highest_margin_tier"), ("segments", "small_clients")):  # fmt: skip
        assert first[section][key] == second[section][key], (section, key)
    assert first["whale"]["sensitivity"] == second["whale"]["sensitivity"]


@settings(max_examples=60, deadline=None)
@given(
    revenue=st.lists(st.integers(-3, 6), min_size=2, max_size=40),
    draws=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_resamples_ordered_by_counting_equal_sorted_resamples(revenue, draws, seed):
    """The bootstrap's counting sort gives the rows a sort gives, ties and negatives included."""
    from helpers.pareto.statistics import _ordered_by_counting

    rng = np.random.default_rng(seed)
    n = len(revenue)
    base = {
        "revenue": np.asarray(revenue, dtype="float64")[None, :],
        "profit": rng.integers(-2, 3, n).astype("float64")[None, :],
    }
    idx = rng.integers(0, n, size=(draws, n))
    ordered = _ordered_by_counting(base, idx)
    for name, values in base.items():
        resampled = values[0][idx]
        np.testing.assert_array_equal(ordered.descending[name], -np.sort(-resampled, axis=1))
    profit, revenue_ranked = ordered.by_revenue
    for row in range(draws):
        drawn = zip(base["revenue"][0][idx[row]], base["profit"][0][idx[row]], strict=True)
        pairs = sorted(drawn, reverse=True)
        np.testing.assert_array_equal(revenue_ranked[row], [r for r, _ in pairs])
        np.testing.assert_array_equal(profit[row], [p for _, p in pairs])
