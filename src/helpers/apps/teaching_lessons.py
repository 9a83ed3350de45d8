"""What the teaching session says about a world: its findings, its figures, its exercise checks.

Every sentence and check is computed from a :class:`~helpers.apps.teaching_model.TeachingState`;
the figures are the static report's own (``helpers.pareto``, ``helpers.growth``, the explorer's).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from helpers.apps.teaching_model import TeachingState, teaching_settings, tier_groups
from helpers.results import money, pct

__all__ = [
    "section_findings",
    "compare",
    "summary_rows",
    "all_findings",
    "SECTIONS",
    "draw",
    "check_exercise_1",
    "check_exercise_2",
    "check_exercise_3",
    "check_exercise_4",
    "EXERCISES",
]


# ---- findings: computed sentences, one list per section ------------------------------------------
def _whale_sentence(state: TeachingState) -> str:
    """Whether the top customers earn more than all the profit, against the reference band."""
    figures = state.headline
    top = f"top {figures['top_share']:.0%}"
    low, high = teaching_settings(state.config)["reference_band"]
    profit_share = figures["top_profit_share"]
    if figures["small_profit"] is not None and profit_share < 0:
        return "The company makes a loss overall: no share of profit is meaningful."
    if profit_share > 1:
        return (
            f"The most profitable {top[4:]} of customers earn {pct(profit_share)} of profit: the "
            f"rest give {pct(profit_share - 1)} of it back (the whale curve's hump). "
            f"{'Inside' if low <= profit_share <= high else 'Outside'} the {low:.0%}-{high:.0%} "
            "band reported by activity-based costing studies (a reference, not a target)."
        )
    return (
        f"The {top} of customers earn {pct(profit_share)} of profit, less than all of it: "
        "there is no hump, the 80/20 reading of profit holds in this world."
    )


def _seesaw_sentences(figures: dict[str, Any]) -> list[str]:
    """Which way the seesaw tilts after the cost to serve, and small clients' shares."""
    small_tilt = figures["small_margin"] > figures["big_margin"]
    return [
        f"After the cost to serve, small clients earn a {pct(figures['small_margin'])} margin and "
        f"big accounts {pct(figures['big_margin'])}: the seesaw tilts "
        + ("toward the small clients." if small_tilt else "toward the big accounts."),
        f"Small clients bring {pct(figures['small_revenue_share'])} of revenue and "
        f"{pct(figures['small_profit_share'])} of profit.",
    ]


def compare(ratio: float, same_band: float, times_from: float) -> str:
    """A ratio in words, with its connective: ``"2.4 times as much as"``, ``"less than"``...

    Parameters
    ----------
    ratio
        One amount over another (NaN: unknown).
    same_band
        Ratios within ``1 ± same_band`` read "about the same as".
    times_from
        From this ratio on, the words say how many times.

    Returns
    -------
    str
        ``"N.N times as much as"``, ``"more than"``, ``"about the same as"``, ``"less than"``
        or ``"an unknown share of"``: the prose states no comparison these words do not.
    """
    if math.isnan(ratio):
        return "an unknown share of"
    if ratio >= times_from:
        return f"{ratio:.1f} times as much as"
    if ratio > 1 + same_band:
        return "more than"
    if ratio >= 1 - same_band:
        return "about the same as"
    return "less than"


def _risk_sentences(figures: dict[str, Any], settings: Any) -> list[str]:
    """First-year closures of small clients and what serving them costs against big accounts."""
    big_cts = figures["big_cts_pct"]
    cts_ratio = figures["small_cts_pct"] / big_cts if big_cts else float("nan")
    words = compare(cts_ratio, float(settings["same_band"]), float(settings["times_from"]))
    return [
        f"{pct(figures['first_year_closure'])} of new small clients closed or lapsed within their "
        "first year (Kaplan-Meier, this world).",
        f"Per unit of revenue, serving small clients costs {words} serving big accounts: "
        f"{pct(figures['small_cts_pct'])} of their revenue against {pct(big_cts)} "
        f"({cts_ratio:.1f}x)."
        if not math.isnan(cts_ratio)
        else "No big accounts in this world: the cost of serving them is unknown.",
    ]


def _question_findings(state: TeachingState) -> list[str]:
    """Starting points for the three questions: who among small clients earns, and how."""
    small, _ = tier_groups(state)
    ledger = state.ledger.loc[state.ledger["size_tier"].isin(small)]
    if ledger.empty:
        return ["No small clients in this world: the three questions do not arise."]
    profitable = float((ledger["profit"] > 0).mean())
    by_industry = ledger.groupby("industry", observed=True)[["profit", "net_revenue"]].sum()
    by_industry = by_industry.loc[by_industry["net_revenue"] > 0]
    margin = (by_industry["profit"] / by_industry["net_revenue"]).sort_values()
    orders = ledger.assign(win=ledger["profit"] > 0).groupby("win")["orders"].median()
    out = [f"Who: {profitable:.0%} of small clients are profitable after the cost to serve."]
    if len(margin) >= 2:
        out.append(
            f"Who: among small clients, {margin.index[-1]} earns the best margin ({margin.iloc[-1]:.0%}) "
            f"and {margin.index[0]} the worst ({margin.iloc[0]:.0%})."
        )
    if len(orders) == 2:
        out.append(
            f"Price and channel: profitable small clients placed a median of {orders[True]:.0f} "
            f"orders, loss-making ones {orders[False]:.0f}: order size and frequency decide."
        )
    return out


def _concentration_findings(state: TeachingState) -> list[str]:
    """The explorer's Pareto findings (imported here: a page read from the cache needs none)."""
    from helpers.apps import explorer_views

    measured = state.headline["_cache"].get("concentration")
    return explorer_views.findings(state.ledger, state.config, measured)


def section_findings(state: TeachingState) -> dict[str, list[str]]:
    """The finding sentences of every section of the session, from the state's figures.

    Parameters
    ----------
    state
        The world.

    Returns
    -------
    dict
        Section (``promise``, ``chase``, ``concentration``, ``whale``, ``seesaw``, ``risks``,
        ``questions``, ``trust``) -> its sentences.
    """
    figures = state.headline
    top = f"top {figures['top_share']:.0%}"
    nan = float("nan")
    return {
        "promise": [
            f"In this world of {figures['customers']:,} customers the {top} bring "
            f"{pct(figures['top_revenue_share'])} of revenue."
        ],
        "chase": [
            f"Big accounts buy at {pct(figures['big_discount_pct'])} off list price on average, "
            f"small clients at {pct(figures['small_discount_pct'])}."
        ],
        "concentration": _concentration_findings(state),
        "whale": [
            _whale_sentence(state),
            f"{figures['loss_making']:,} of {figures['customers']:,} customers lose money.",
        ],
        "seesaw": _seesaw_sentences(figures),
        "risks": _risk_sentences(figures, teaching_settings(state.config)),
        "questions": _question_findings(state),
        "trust": [
            f"The smallest quarter of quotes is won {pct(figures.get('win_trial', nan))} of "
            f"the time; the largest quarter climbs {figures.get('layers_big', nan):.1f} "
            f"approval layers and is won {pct(figures.get('win_big', nan))} of the time."
        ],
    }


def all_findings(state: TeachingState) -> list[str]:
    """Every finding sentence of the session, in the order of the sections.

    Parameters
    ----------
    state
        The world.

    Returns
    -------
    list of str
        The sentences of :func:`section_findings`, section after section.
    """
    return [s for sentences in section_findings(state).values() for s in sentences]


# ---- the summary: headline figures, labelled and formatted ----------------------------------------
#: headline key -> (label, format); ``{top}`` in a label is the top share ("top 20%")
_SUMMARY: dict[str, tuple[str, str]] = {
    "customers": ("Customers", "count"),
    "top_revenue_share": ("Revenue earned by the {top} of customers", "share"),
    "top_profit_share": ("Profit earned by the {top} most profitable customers", "share"),
    "loss_making": ("Customers who lose money", "count"),
    "small_revenue_share": ("Small clients' share of revenue", "share"),
    "small_profit_share": ("Small clients' share of profit", "share"),
    "small_profit": ("Small clients' profit", "money"),
    "small_margin": ("Small clients' margin after the cost to serve", "share"),
    "big_margin": ("Big accounts' margin after the cost to serve", "share"),
    "small_cts_pct": ("Cost to serve small clients (share of their revenue)", "share"),
    "big_cts_pct": ("Cost to serve big accounts (share of their revenue)", "share"),
    "first_year_closure": ("New small clients closed within their first year", "share"),
    "win_trial": ("Win rate of the smallest quarter of quotes", "share"),
    "win_big": ("Win rate of the largest quarter of quotes", "share"),
    "layers_big": ("Approval layers of the largest quarter of quotes", "decimal"),
}
_FORMATS: dict[str, Callable[[float], str]] = {
    "count": lambda v: f"{v:,.0f}",
    "share": pct,
    "money": money,
    "decimal": lambda v: f"{v:.1f}",
}


def summary_rows(headline: dict[str, Any]) -> list[tuple[str, str]]:
    """The headline figures as (label, formatted value) rows, for people to read.

    Parameters
    ----------
    headline
        :func:`~helpers.apps.teaching_model.headline_figures` (or a view's headline).

    Returns
    -------
    list of (str, str)
        One row per figure the world has, in a fixed order; unknown values read "n/a".
    """
    top = f"top {headline.get('top_share', 0.2):.0%}"
    rows = []
    for key, (label, kind) in _SUMMARY.items():
        value = headline.get(key)
        if value is None:
            continue
        number = float(value)
        text = "n/a" if math.isnan(number) else _FORMATS[kind](number)
        rows.append((label.format(top=top), text))
    return rows


# ---- figures --------------------------------------------------------------------------------------
def _draw_concentration(state: TeachingState, axes: Any) -> Any:
    """Lorenz curves of revenue and profit (the report's, :mod:`helpers.pareto`)."""
    from helpers import pareto

    return pareto.plot_lorenz_curves(state.ledger, ax=axes, config=state.config)


def _draw_whale(state: TeachingState, axes: Any) -> Any:
    """The explorer's whale curve."""
    from helpers.apps import explorer_views

    return explorer_views.draw_whale(state.ledger, state.config, axes=axes)


def _draw_seesaw(state: TeachingState, axes: Any) -> Any:
    """The explorer's seesaw."""
    from helpers.apps import explorer_views

    return explorer_views.draw_seesaw(state.ledger, state.config, axes=axes)


def _draw_risks(state: TeachingState, axes: Any) -> Any:
    """Survival of new customers by size tier (Kaplan-Meier)."""
    from helpers import growth
    from helpers.results import missing

    survival = state.headline["_cache"]["survival"]
    curves = (
        growth.kaplan_meier(survival.table, "size_tier", state.config)
        if survival.available
        else missing(survival.message)
    )
    title = _risk_sentences(state.headline, teaching_settings(state.config))[0]
    return growth.plot_survival(curves, title, state.config, ax=axes)


def _draw_trust(state: TeachingState, axes: Any) -> Any:
    """The approval cascade of quotes by size."""
    from helpers import growth

    return growth.plot_approval_cascade(state.headline["_cache"]["approvals"], ax=axes)


#: the session's sections with a chart: name -> (figure function, caption)
SECTIONS: dict[str, tuple[Callable[[TeachingState, Any], Any], str]] = {
    "concentration": (
        _draw_concentration,
        "Lorenz curves: the share of revenue and of profit held by the top x% of customers.",
    ),
    "whale": (
        _draw_whale,
        "Whale curve: cumulative profit (% of total) against customers ranked from most to least "
        "profitable. Above 100% means the rest of the customers destroy profit.",
    ),
    "seesaw": (
        _draw_seesaw,
        "Seesaw: each size tier's share of volume against its share of profit.",
    ),
    "risks": (
        _draw_risks,
        "Survival of new customers by size tier (Kaplan-Meier); the dashed line marks one year.",
    ),
    "trust": (
        _draw_trust,
        "Approval cascade: the share of quotes still alive after each approval layer, by quote size.",
    ),
}


def draw(section: str, state: TeachingState) -> tuple[Any, str, str]:
    """The section's figure for a world.

    Parameters
    ----------
    section
        A name in :data:`SECTIONS`.
    state
        The world.

    Returns
    -------
    (matplotlib.figure.Figure, str, str)
        The figure, its alt text (the chart's kind and title) and its caption.
    """
    import matplotlib.pyplot as plt

    from helpers import plots

    plots.apply_theme()
    function, caption = SECTIONS[section]
    fig, axes = plt.subplots(figsize=tuple(state.config["explorer"]["figure_size"]))
    function(state, axes)
    title = (axes.get_title(loc="left") or axes.get_title()).strip()
    alt = f"{caption.split(':')[0]} chart. {title}".strip()
    return fig, alt, caption


# ---- exercises: (passed, message) from the current world ----------------------------------------
def check_exercise_1(state: TeachingState) -> tuple[bool, str]:
    """Find a discount curve where the top 20% of customers earn less than 100% of profit.

    Parameters
    ----------
    state
        The student's current world.

    Returns
    -------
    (bool, str)
        Whether the exercise is solved, and a message saying why (or a hint).
    """
    share = state.headline["top_profit_share"]
    curve = state.assumptions.discount_curve
    if share < 0:
        return (
            False,
            "The company makes a loss in this world: a share of profit means nothing. Try a flatter discount curve.",
        )
    if share < 1:
        return True, (
            f"Yes: with a discount curve of {curve:g} the top 20% earn {share:.0%} of profit, less "
            "than all of it. When big accounts get no special terms, there is no hump to give back."
        )
    return False, (
        f"Not yet: with a discount curve of {curve:g} the top 20% still earn {share:.0%} of profit. "
        "Try a flatter curve (smaller discounts for big accounts)."
    )


def check_exercise_2(state: TeachingState) -> tuple[bool, str]:
    """Tilt the seesaw: big accounts earn a higher margin after cost to serve than small clients.

    Parameters
    ----------
    state
        The student's current world.

    Returns
    -------
    (bool, str)
        Whether the exercise is solved, and a message saying why (or a hint).
    """
    figures = state.headline
    small, big = figures["small_margin"], figures["big_margin"]
    if big > small:
        return True, (
            f"Yes: big accounts earn {big:.1%} and small clients {small:.1%} "
            "after the cost to serve. Which assumption did it take: terms, service or both?"
        )
    return False, (
        f"Not yet: small clients earn {small:.1%}, big accounts {big:.1%}. "
        "What do big accounts get that small clients do not?"
    )


def check_exercise_3(state: TeachingState) -> tuple[bool, str]:
    """Raise the cost per order until small clients, as a group, lose money.

    Parameters
    ----------
    state
        The student's current world.

    Returns
    -------
    (bool, str)
        Whether the exercise is solved, and a message saying why (or a hint).
    """
    profit, cost = state.headline["small_profit"], state.assumptions.cost_per_order
    if profit < 0:
        return True, (
            f"Yes: at {cost:g} per order small clients lose {-profit:,.0f} as a group. "
            "A minimum-order fee or an online channel lowers what each of their orders costs."
        )
    return False, (
        f"Not yet: at {cost:g} per order small clients still earn {profit:,.0f}. "
        "Small clients order small baskets often: what happens as each order costs more?"
    )


def check_exercise_4(state: TeachingState) -> tuple[bool, str]:
    """Make a big first quote win less than half as often as a small trial order.

    Parameters
    ----------
    state
        The student's current world.

    Returns
    -------
    (bool, str)
        Whether the exercise is solved, and a message saying why (or a hint).
    """
    figures = state.headline
    trial, big = figures.get("win_trial", float("nan")), figures.get("win_big", float("nan"))
    if big < trial / 2:
        return True, (
            f"Yes: big quotes are won {big:.0%} of the time, small ones {trial:.0%}. Each approver is "
            "one more person to convince: start small."
        )
    return False, (
        f"Not yet: big quotes are won {big:.0%} of the time, small ones {trial:.0%}. Add approval "
        "layers to the big accounts' buying process."
    )


#: exercise number -> (prompt, check)
EXERCISES: dict[int, tuple[str, Callable[[TeachingState], tuple[bool, str]]]] = {
    1: (
        "Find a discount curve where the top 20% of customers earn less than 100% of profit.",
        check_exercise_1,
    ),
    2: (
        "Find settings where big accounts earn a higher margin after cost to serve than small clients.",
        check_exercise_2,
    ),
    3: ("Raise the cost per order until small clients, as a group, lose money.", check_exercise_3),
    4: (
        "Set the approval layers so that a big quote wins less than half as often as a small trial order.",
        check_exercise_4,
    ),
}
