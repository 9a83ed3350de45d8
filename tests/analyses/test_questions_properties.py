"""Property: on any book (flat, negative total, one tier, one customer, tiny, huge, no channel,
no new customers) the three questions' findings hold no nan/inf/-0% and never advise on a lever
that reaches nobody, nor rank customers without a channel."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from question_books import KINDS, book

from helpers import q1_which_pay as questions
from helpers import q2_attract as acquisition
from helpers import q3_price_and_channel as scenarios
from helpers.config import defaults

#: what no sentence may contain (data, written down): the word nan or inf, a negative zero
#: percentage, and a ranking of customers whose channel is unknown
FORBIDDEN = re.compile(r"\bnan\b|\binf\b|[-−]0(\.0+)?%|\(unknown\)", re.IGNORECASE)
ADVICE = ("Action:", "Do not:")


@pytest.fixture(scope="module")
def config() -> dict:
    cfg = defaults()
    cfg["name"] = "test"
    return cfg


def q1_findings(ledger, config) -> list[str]:
    shares = questions.class_shares(ledger, config)
    segments = questions.segment_profitability(ledger, config)
    model = questions.fit_profile_model(ledger, config)
    actions = questions.action_list(ledger, config, model)
    by_level = questions.shares_by_level(ledger, config)
    return questions.q1_findings(shares, segments, model, actions, by_level)


def q2_findings(ledger, config) -> list[str]:
    new = acquisition.new_customers(ledger, config)
    economics = acquisition.channel_economics(new, None, config)
    crowd = acquisition.crowd_arithmetic(new, None, config)
    summary = acquisition.channel_summary(ledger, config)
    by_level = acquisition.economics_by_level(ledger, config)
    return acquisition.q2_findings(summary, new, economics, crowd, by_level)


def q3_findings(ledger, orders, config) -> tuple[list[str], dict[str, int], dict[str, str]]:
    scenario = scenarios.simulate(ledger, config, None, orders)
    contributions = scenarios.lever_contributions(ledger, config, None, orders)
    curves = scenarios.break_even_curves(ledger, config, orders)
    by_level = scenarios.scenario_by_level(ledger, config, orders, (scenario, contributions))
    tornado = pd.DataFrame()
    findings = scenarios.q3_findings(scenario, contributions, curves, tornado, config, by_level)
    texts = scenarios.levers._lever_text(scenario.levers, config)
    reach = dict(zip(contributions["lever"], contributions["customers_reached"], strict=True))
    return findings, reach, texts


@pytest.mark.slow
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(kind=st.sampled_from(KINDS), size=st.sampled_from([1, 2, 9, 45]), seed=st.integers(0, 99))
def test_findings_are_clean_and_advise_only_on_levers_that_reach_someone(
    config, kind, size, seed
) -> None:
    ledger, orders = book(size, seed, kind)
    q3, reach, texts = q3_findings(ledger, orders, config)
    for sentence in [*q1_findings(ledger, config), *q2_findings(ledger, config), *q3]:
        assert not FORBIDDEN.search(sentence), sentence
    for lever, count in reach.items():
        advice = [s for s in q3 if s.startswith(ADVICE) and texts[lever] in s]
        if count == 0:  # reaches nobody: never advice, always "Not applicable" with the reason
            assert not advice, advice
            assert any(s.startswith(f"Not applicable: {texts[lever]} — ") for s in q3)
        else:
            assert advice or any(s.startswith(f"No effect: {texts[lever]}") for s in q3)
