"""The teaching session: a small synthetic world whose assumptions students change with sliders.

Each slider value is an assumption about the world (share of big accounts, how steeply discounts
rise with size, cost per order, first-year closures of new small firms, approval layers on big
quotes, the flat-world switch). :func:`build_state` regenerates the world (``helpers.world``),
ingests it, builds its ledger (``helpers.ledger``) and computes the headline figures; the
exercises check those figures. A cost-per-order change only re-costs the ledger: the world is
regenerated only when one of its own parameters changes.
"""

from __future__ import annotations

import dataclasses
import html
import math
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
import yaml
from IPython.display import HTML, display

from helpers import pareto, world
from helpers.apps import explorer
from helpers.config import load_config
from helpers.results import pct

__all__ = [
    "Assumptions",
    "TeachingState",
    "SECTIONS",
    "default_assumptions",
    "world_params",
    "build_state",
    "headline_figures",
    "section_findings",
    "all_findings",
    "draw",
    "check_exercise_1",
    "check_exercise_2",
    "check_exercise_3",
    "check_exercise_4",
    "EXERCISES",
    "TeachingSession",
    "start",
]

_BIG_TIER = -1  # index of the largest tier in world.TIERS
_TABLES_USED = ("order_lines", "customers", "opportunities")  # canonical tables the session reads


@dataclass(frozen=True)
class Assumptions:
    """The world's assumptions a student can change (one slider or switch each).

    Attributes
    ----------
    big_share
        Share of customers that are big accounts (the ``teaching.big_tiers`` size tiers).
    discount_curve
        How steeply negotiated discounts and rebates rise with account size: 0 gives every tier
        the smallest firms' terms, 1 is the preset, 2 twice as steep.
    cost_per_order
        Cost of processing one order (currency): the cost model's order-processing rate.
    first_year_closure
        Share of new micro and small firms that close within a year of signing up.
    approval_layers
        Approval layers a big account's typical quote climbs on the buyer's side.
    flat
        The flat world: big accounts get no better terms and cost no more to serve per order.
    """

    big_share: float
    discount_curve: float
    cost_per_order: float
    first_year_closure: float
    approval_layers: int
    flat: bool = False


def _settings(config: Mapping[str, Any]) -> Mapping[str, Any]:
    return config["teaching"]


def _preset(config: Mapping[str, Any]) -> world.WorldParams:
    w = _settings(config)["world"]
    return world.params_for(
        str(w["preset"]),
        n_customers=int(w["n_customers"]),
        years=int(w["years"]),
        seed=int(w["seed"]),
    )


def _big_index(config: Mapping[str, Any]) -> list[int]:
    return [world.TIERS.index(t) for t in _settings(config)["big_tiers"]]


def _small_index(config: Mapping[str, Any]) -> list[int]:
    return [world.TIERS.index(t) for t in config["size_tiers"]["small"] if t in world.TIERS]


def _layers_of(amount: float, base: float, step: float, most: int) -> int:
    """Approval layers of a quote of ``amount`` (the rule of ``helpers.world``'s opportunities)."""
    if amount < base:
        return 1
    return int(min(2 + math.floor(math.log(amount / base) / math.log(step)), most))


def default_assumptions(config: Mapping[str, Any]) -> Assumptions:
    """The assumptions of the world preset and of the config's cost model."""
    p = _preset(config)
    shares = [s / sum(p.size_shares) for s in p.size_shares]
    small = _small_index(config)
    closure = sum(p.first_year_closure[i] for i in small) / len(small)
    typical_big = p.quote_median[_BIG_TIER]
    return Assumptions(
        big_share=round(sum(shares[i] for i in _big_index(config)), 2),
        discount_curve=1.0,
        cost_per_order=round(explorer.base_unit_costs(config)["order_processing"], 2),
        first_year_closure=round(closure, 2),
        approval_layers=_layers_of(typical_big, p.approval_base, p.approval_step, p.max_layers),
        flat=bool(p.flat),
    )


def world_params(a: Assumptions, config: Mapping[str, Any]) -> world.WorldParams:
    """The world's parameters under assumptions ``a`` (everything else from the preset)."""
    p = _preset(config)
    big = _big_index(config)
    # size mix: big tiers share a.big_share in their preset proportions, the rest the remainder
    total = sum(p.size_shares)
    big_w = sum(p.size_shares[i] for i in big)
    shares = tuple(
        (s / big_w * a.big_share) if i in big else (s / (total - big_w) * (1 - a.big_share))
        for i, s in enumerate(p.size_shares)
    )

    # discount curve: each tier's range moves away from the smallest tier's by the factor
    def curve(ranges: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
        lo0, hi0 = ranges[0]
        return tuple(
            (
                min(max(lo0 + a.discount_curve * (lo - lo0), 0.0), 0.9),
                min(max(hi0 + a.discount_curve * (hi - hi0), 0.0), 0.9),
            )
            for lo, hi in ranges
        )

    # first-year closure: the preset's tier profile, scaled so the small tiers average the value
    small = _small_index(config)
    mean_small = sum(p.first_year_closure[i] for i in small) / len(small)
    scale = a.first_year_closure / mean_small if mean_small else 0.0
    closure = tuple(min(c * scale, 0.95) for c in p.first_year_closure)
    # approval layers: the step that makes the big tier's median quote climb a.approval_layers
    ratio = p.quote_median[_BIG_TIER] / p.approval_base
    layers = int(a.approval_layers)
    if layers == _layers_of(
        p.quote_median[_BIG_TIER], p.approval_base, p.approval_step, p.max_layers
    ):
        base, step = p.approval_base, p.approval_step  # the preset's own rule
    elif layers <= 1:
        base, step = p.quote_median[_BIG_TIER] * 2, p.approval_step
    else:
        base, step = p.approval_base, ratio ** (1 / (layers - 1.5))
    return dataclasses.replace(
        p,
        flat=bool(a.flat),
        size_shares=shares,
        discount_range=curve(p.discount_range),
        rebate_range=curve(p.rebate_range),
        first_year_closure=closure,
        approval_base=float(base),
        approval_step=float(step),
        max_layers=max(p.max_layers, layers),
    )


@dataclass
class TeachingState:
    """One regenerated world: its assumptions, canonical tables, ledger, config and headlines."""

    assumptions: Assumptions
    params: world.WorldParams
    config: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    ledger: pd.DataFrame
    headline: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)


def _world_config(folder: Path, config: Mapping[str, Any]) -> dict[str, Any]:
    """A dataset config for the world written in ``folder/raw`` (the sample configs' mapping)."""
    tables: dict[str, Any] = {
        name: {"path": f"raw/{name}.parquet"}
        for name in (
            "order_lines",
            "customers",
            "activities",
            "acquisition_spend",
            "opportunities",
            "products",
        )
    }
    tables["order_lines"].update(amounts="unit", discount_as="amount")
    path = folder / "teaching.yaml"
    path.write_text(yaml.safe_dump({"name": "teaching", "tables": tables}), encoding="utf-8")
    loaded = load_config(path)
    # the session's own settings (cost model, tiers, teaching) come from the caller's config
    for key in ("cost_to_serve", "size_tiers", "teaching", "explorer", "growth"):
        if key in config:
            loaded[key] = dict(config[key])
    return loaded


def build_state(
    a: Assumptions,
    config: Mapping[str, Any],
    folder: Path,
    previous: TeachingState | None = None,
) -> TeachingState:
    """Regenerate the world for assumptions ``a`` in ``folder`` and compute its figures.

    When only ``cost_per_order`` differs from ``previous``, the world and its ledger are reused
    and only the cost to serve is recomputed.
    """
    from helpers import ingest, ledger

    seconds: dict[str, float] = {}
    began = time.perf_counter()
    params = world_params(a, config)
    folder = Path(folder)
    if previous is not None and previous.params == params:
        tables, base_config, base = previous.tables, previous.config, previous.ledger
    else:
        world.write_world(world.generate(params), folder / "raw")
        base_config = _world_config(folder, config)
        processed = folder / "processed"
        ingest.ingest_dataset(base_config, processed)
        base = ledger.build_ledger(processed, base_config)
        tables = {name: pd.read_parquet(processed / f"{name}.parquet") for name in _TABLES_USED}
        seconds["world"] = time.perf_counter() - began
    run_config = explorer.config_with_unit_costs(
        base_config, {"order_processing": a.cost_per_order}
    )
    led = explorer.recost(base, run_config)
    state = TeachingState(a, params, run_config, tables, led, {}, seconds)
    state.headline = headline_figures(state)
    seconds["total"] = time.perf_counter() - began
    return state


# ---- headline figures ---------------------------------------------------------------------------
def _tier_groups(state: TeachingState) -> tuple[list[str], list[str]]:
    small = list(state.config["size_tiers"]["small"])
    big = list(_settings(state.config)["big_tiers"])
    return small, big


def headline_figures(state: TeachingState) -> dict[str, Any]:
    """The numbers the session talks about, computed from the world's ledger and tables."""
    from helpers import growth
    from helpers.ledger import tier_pnl

    config, led = state.config, state.ledger
    top = float(_settings(config)["top_share"])
    shares = explorer.headline(led, config)
    tiers = tier_pnl(led).set_index("size_tier")
    small, big = _tier_groups(state)

    def group(names: list[str], column: str) -> float:
        return float(tiers.loc[[t for t in names if t in tiers.index], column].sum())

    def margin(names: list[str]) -> float:
        net = group(names, "net_revenue")
        return group(names, "profit") / net if net else float("nan")

    def cts_pct(names: list[str]) -> float:
        net = group(names, "net_revenue")
        return group(names, "cost_to_serve") / net if net else float("nan")

    total_profit = float(tiers.loc["total", "profit"])
    out: dict[str, Any] = {
        "customers": int(tiers.loc["total", "customers"]),
        "top_share": top,
        **shares,
        "small_profit": group(small, "profit"),
        "small_profit_share": group(small, "profit") / total_profit
        if total_profit
        else float("nan"),
        "small_revenue_share": group(small, "net_revenue")
        / float(tiers.loc["total", "net_revenue"]),
        "small_margin": margin(small),
        "big_margin": margin(big),
        "small_cts_pct": cts_pct(small),
        "big_cts_pct": cts_pct(big),
        "small_discount_pct": group(small, "discounts")
        / max(group(small, "net_revenue") + group(small, "discounts"), 1e-9),
        "big_discount_pct": group(big, "discounts")
        / max(group(big, "net_revenue") + group(big, "discounts"), 1e-9),
        "loss_making": int(tiers.loc["total", "loss_making"]),
    }
    tiers_series = led.set_index("customer_id")["size_tier"]
    survival = growth.survival_table(
        state.tables["order_lines"], state.tables["customers"], tiers_series, config
    )
    out["first_year_closure"] = (
        growth.first_year_closure(survival.table, config)["rate"]
        if survival.available
        else float("nan")
    )
    approvals = growth.approval_layers(state.tables["opportunities"], config)
    if approvals.available:
        by_amount = approvals.detail["by_amount"]
        out["win_trial"] = float(by_amount["win_rate"].iloc[0])
        out["win_big"] = float(by_amount["win_rate"].iloc[-1])
        out["layers_big"] = float(by_amount["mean_layers"].iloc[-1])
    state_cache = {"survival": survival, "approvals": approvals, "tiers": tiers}
    out["_cache"] = state_cache
    return out


# ---- findings: computed sentences, one list per section ------------------------------------------
def section_findings(state: TeachingState) -> dict[str, list[str]]:
    """The finding sentences of every section of the session, from the state's figures."""
    h = state.headline
    top = f"top {h['top_share']:.0%}"
    lo, hi = _settings(state.config)["reference_band"]
    profit_share = h["top_profit_share"]
    if h["small_profit"] is not None and profit_share < 0:
        whale = "The company makes a loss overall: no share of profit is meaningful."
    elif profit_share > 1:
        whale = (
            f"The most profitable {top[4:]} of customers earn {pct(profit_share)} of profit: the "
            f"rest give {pct(profit_share - 1)} of it back (the whale curve's hump). "
            f"{'Inside' if lo <= profit_share <= hi else 'Outside'} the {lo:.0%}-{hi:.0%} band "
            "reported by activity-based costing studies (a reference, not a target)."
        )
    else:
        whale = (
            f"The {top} of customers earn {pct(profit_share)} of profit, less than all of it: "
            "there is no hump, the 80/20 reading of profit holds in this world."
        )
    small_tilt = h["small_margin"] > h["big_margin"]
    cts_ratio = h["small_cts_pct"] / h["big_cts_pct"] if h["big_cts_pct"] else float("nan")
    out = {
        "promise": [
            f"In this world of {h['customers']:,} customers the {top} bring "
            f"{pct(h['top_revenue_share'])} of revenue."
        ],
        "chase": [
            f"Big accounts buy at {pct(h['big_discount_pct'])} off list price on average, small "
            f"clients at {pct(h['small_discount_pct'])}."
        ],
        "concentration": explorer.findings(state.ledger, state.config),
        "whale": [whale, f"{h['loss_making']:,} of {h['customers']:,} customers lose money."],
        "seesaw": [
            f"After the cost to serve, small clients earn a {pct(h['small_margin'])} margin and "
            f"big accounts {pct(h['big_margin'])}: the seesaw tilts "
            + ("toward the small clients." if small_tilt else "toward the big accounts."),
            f"Small clients bring {pct(h['small_revenue_share'])} of revenue and "
            f"{pct(h['small_profit_share'])} of profit.",
        ],
        "risks": [
            f"{pct(h['first_year_closure'])} of new small clients closed or lapsed within their "
            "first year (Kaplan-Meier, this world).",
            f"Serving small clients costs {pct(h['small_cts_pct'])} of their revenue, big "
            f"accounts {pct(h['big_cts_pct'])} ({cts_ratio:.1f}x)."
            if not math.isnan(cts_ratio)
            else "No big accounts in this world: the cost of serving them is unknown.",
        ],
        "questions": _question_findings(state),
        "trust": [
            f"The smallest quarter of quotes is won {pct(h.get('win_trial', float('nan')))} of "
            f"the time; the largest quarter climbs {h.get('layers_big', float('nan')):.1f} "
            f"approval layers and is won {pct(h.get('win_big', float('nan')))} of the time."
        ],
    }
    return out


def _question_findings(state: TeachingState) -> list[str]:
    """Starting points for the three questions: who among small clients earns, and how."""
    small, _ = _tier_groups(state)
    led = state.ledger.loc[state.ledger["size_tier"].isin(small)]
    if led.empty:
        return ["No small clients in this world: the three questions do not arise."]
    profitable = float((led["profit"] > 0).mean())
    by_industry = led.groupby("industry", observed=True)[["profit", "net_revenue"]].sum()
    by_industry = by_industry.loc[by_industry["net_revenue"] > 0]
    margin = (by_industry["profit"] / by_industry["net_revenue"]).sort_values()
    orders = led.assign(win=led["profit"] > 0).groupby("win")["orders"].median()
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


def all_findings(state: TeachingState) -> list[str]:
    """Every finding sentence of the session, in the order of the sections."""
    return [s for sentences in section_findings(state).values() for s in sentences]


# ---- figures --------------------------------------------------------------------------------------
def _draw_concentration(state: TeachingState, ax: Any) -> Any:
    return pareto.plot_lorenz_curves(state.ledger, ax=ax, config=state.config)


def _draw_whale(state: TeachingState, ax: Any) -> Any:
    return explorer.draw_whale(state.ledger, state.config, ax=ax)


def _draw_seesaw(state: TeachingState, ax: Any) -> Any:
    return explorer.draw_seesaw(state.ledger, state.config, ax=ax)


def _draw_risks(state: TeachingState, ax: Any) -> Any:
    from helpers import growth

    survival = state.headline["_cache"]["survival"]
    fits = (
        growth.kaplan_meier(survival.table, "size_tier", state.config) if survival.available else {}
    )
    return growth.plot_survival(fits, section_findings(state)["risks"][0], state.config, ax=ax)


def _draw_trust(state: TeachingState, ax: Any) -> Any:
    from helpers import growth

    return growth.plot_approval_cascade(state.headline["_cache"]["approvals"], ax=ax)


#: the session's sections with a chart: name -> (figure function, caption)
SECTIONS: dict[str, tuple[Any, str]] = {
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
    """The section's figure for ``state``: (figure, alt text, caption)."""
    from helpers import plots

    plots.apply_theme()
    function, caption = SECTIONS[section]
    fig, ax = plt.subplots(figsize=tuple(state.config["explorer"]["figure_size"]))
    function(state, ax)
    title = (ax.get_title(loc="left") or ax.get_title()).strip()
    alt = f"{caption.split(':')[0]} chart. {title}".strip()
    return fig, alt, caption


# ---- exercises: (passed, message) from the current world ----------------------------------------
def check_exercise_1(state: TeachingState) -> tuple[bool, str]:
    """Find a discount curve where the top 20% of customers earn less than 100% of profit."""
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
    """Tilt the seesaw: big accounts earn a higher margin after cost to serve than small clients."""
    h = state.headline
    if h["big_margin"] > h["small_margin"]:
        return True, (
            f"Yes: big accounts earn {h['big_margin']:.1%} and small clients {h['small_margin']:.1%} "
            "after the cost to serve. Which assumption did it take: terms, service or both?"
        )
    return False, (
        f"Not yet: small clients earn {h['small_margin']:.1%}, big accounts {h['big_margin']:.1%}. "
        "What do big accounts get that small clients do not?"
    )


def check_exercise_3(state: TeachingState) -> tuple[bool, str]:
    """Raise the cost per order until small clients, as a group, lose money."""
    h, cost = state.headline, state.assumptions.cost_per_order
    if h["small_profit"] < 0:
        return True, (
            f"Yes: at {cost:g} per order small clients lose {-h['small_profit']:,.0f} as a group. "
            "A minimum-order fee or an online channel lowers what each of their orders costs."
        )
    return False, (
        f"Not yet: at {cost:g} per order small clients still earn {h['small_profit']:,.0f}. "
        "Small clients order small baskets often: what happens as each order costs more?"
    )


def check_exercise_4(state: TeachingState) -> tuple[bool, str]:
    """Make a big first quote win less than half as often as a small trial order."""
    h = state.headline
    trial, big = h.get("win_trial", float("nan")), h.get("win_big", float("nan"))
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
EXERCISES: dict[int, tuple[str, Any]] = {
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


# ---- the app ------------------------------------------------------------------------------------
_SLIDERS: dict[str, tuple[str, str, str]] = {
    # field: (label, tooltip, readout format)
    "big_share": (
        "Share of big accounts",
        "Share of customers that are medium or large firms (50+ employees)",
        ".0%",
    ),
    "discount_curve": (
        "Discount curve",
        "How steeply discounts and rebates rise with account size: 0 = no special terms, "
        "1 = the default world, 2 = twice as steep",
        ".1f",
    ),
    "cost_per_order": ("Cost per order", "Cost of processing one order (currency)", ".1f"),
    "first_year_closure": (
        "First-year closure",
        "Share of new micro and small firms that close within a year of signing up",
        ".0%",
    ),
    "approval_layers": (
        "Approval layers",
        "Approval layers a big account's typical quote climbs (a small trial order needs one)",
        "d",
    ),
}


class TeachingSession:
    """The teaching app: sliders over the world's assumptions, a chart and findings per section.

    With ``interactive=False`` (papermill) no widget is built: each section shows the static
    figure and findings of the default world.
    """

    def __init__(self, config: Mapping[str, Any], interactive: bool, ws: Any = None) -> None:
        self.config = dict(config)
        self.interactive = interactive
        self.ws = ws
        self._tmp = tempfile.TemporaryDirectory(prefix="teaching-")
        self.folder = Path(self._tmp.name)
        self.defaults = default_assumptions(config)
        self.state = build_state(self.defaults, self.config, self.folder)
        self.last_update_s = self.state.seconds["total"]
        if interactive:
            self._build_widgets()

    # -- widgets --------------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        spec = _settings(self.config)["sliders"]
        self.sliders: dict[str, widgets.ValueWidget] = {}
        for name, (label, tip, fmt) in _SLIDERS.items():
            s = spec[name]
            self.sliders[name] = explorer.labelled_slider(
                label,
                getattr(self.defaults, name),
                s["min"],
                s["max"],
                s["step"],
                tip,
                readout_format=fmt,
                integer=name == "approval_layers",
            )
        self.flat = widgets.Checkbox(
            value=self.defaults.flat,
            description="Flat world",
            indent=False,
            tooltip="Big accounts get no better terms and cost no more to serve per order",
        )
        self.flat.add_class(f"{explorer.CSS_PREFIX}-control")
        self.reset = widgets.Button(
            description="Reset the world", tooltip="Restore every assumption"
        )
        self.reset.on_click(self._reset)
        self.status = widgets.HTML()
        self.status.add_class(f"{explorer.CSS_PREFIX}-status")
        dpi = int(self.config["explorer"]["figure_dpi"])
        self.charts = {name: explorer.FigurePanel(name, dpi) for name in SECTIONS}
        names = {*SECTIONS, "promise", "chase", "questions"}
        self.findings = {name: explorer.FindingPanel(name) for name in names}
        self.answers = {n: widgets.HTML() for n in EXERCISES}
        for control in self._controls():
            control.observe(self.update, names="value")
        self._refresh()

    def _controls(self) -> list[widgets.ValueWidget]:
        return [*self.sliders.values(), self.flat]

    def assumptions(self) -> Assumptions:
        """The assumptions the controls show."""
        values = {k: s.value for k, s in self.sliders.items()}
        return Assumptions(**values, flat=bool(self.flat.value))

    def update(self, *_: Any) -> float:
        """Regenerate the world from the controls and redraw everything; returns the seconds."""
        began = time.perf_counter()
        self.status.value = "<small>Regenerating the world…</small>"
        self.state = build_state(self.assumptions(), self.config, self.folder, self.state)
        self._refresh()
        self.last_update_s = time.perf_counter() - began
        return self.last_update_s

    def _refresh(self) -> None:
        for name, sentences in section_findings(self.state).items():
            if name in self.findings:
                self.findings[name].show(sentences)
        for name, panel in self.charts.items():
            panel.show(*draw(name, self.state))
        for answer in self.answers.values():
            answer.value = ""
        seconds = self.state.seconds
        self.status.value = (
            f"<small>{self.state.headline['customers']:,} customers; world "
            f"{'regenerated' if 'world' in seconds else 're-costed'} in {seconds['total']:.2f} s</small>"
        )

    def _reset(self, *_: Any) -> None:
        for control in self._controls():
            control.unobserve(self.update, names="value")
        for name, slider in self.sliders.items():
            slider.value = getattr(self.defaults, name)
        self.flat.value = self.defaults.flat
        for control in self._controls():
            control.observe(self.update, names="value")
        self.update()

    # -- what the notebook displays -------------------------------------------------------------
    def controls(self, *names: str) -> None:
        """Show the controls named (all of them when none is named)."""
        if not self.interactive:
            a = self.state.assumptions
            shown = names or (*_SLIDERS, "flat")
            rows = "".join(
                f"<li>{html.escape(_SLIDERS[n][0] if n in _SLIDERS else 'Flat world')}: "
                f"{html.escape(str(getattr(a, n)))}</li>"
                for n in shown
            )
            display(HTML(f"<p>Assumptions of this (default) world:</p><ul>{rows}</ul>"))
            return
        picked = [self.sliders[n] if n != "flat" else self.flat for n in names] or [
            *self.sliders.values(),
            self.flat,
            self.reset,
            self.status,
        ]
        if not names:
            explorer.show_accessibility()
        display(widgets.VBox(picked))

    def section(self, name: str) -> None:
        """Show a section's findings and (if it has one) its chart."""
        if self.interactive:
            parts = [self.findings[name].widget]
            if name in self.charts:
                parts.append(self.charts[name].widget)
            display(widgets.VBox(parts))
            return
        sentences = section_findings(self.state)[name]
        display(HTML("<ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in sentences) + "</ul>"))
        if name in SECTIONS:
            fig, alt, caption = draw(name, self.state)
            if self.ws is not None:
                self.ws.save_figure(fig, f"teaching_{name}")
            explorer.show_figure(fig, alt, caption)

    def exercise(self, number: int) -> None:
        """Show an exercise: its prompt and a Check button (static: the default world's answer)."""
        prompt, check = EXERCISES[number]
        if not self.interactive:
            passed, message = check(self.state)
            display(
                HTML(
                    f"<p><b>Exercise {number}.</b> {html.escape(prompt)}</p>"
                    f"<p>In the default world: {html.escape(message)}</p>"
                )
            )
            return
        button = widgets.Button(description=f"Check exercise {number}", tooltip=prompt)
        answer = self.answers[number]
        answer.add_class(f"{explorer.CSS_PREFIX}-answer")

        def _check(*_: Any) -> None:
            passed, message = check(self.state)
            mark = "✔ " if passed else "✘ "
            colour = "#006d2c" if passed else "#a50f15"
            answer.value = (
                f'<p role="status" style="color:{colour}">{mark}{html.escape(message)}</p>'
            )

        button.on_click(_check)
        display(
            widgets.VBox(
                [
                    widgets.HTML(f"<p><b>Exercise {number}.</b> {html.escape(prompt)}</p>"),
                    button,
                    answer,
                ]
            )
        )

    def summary(self) -> dict[str, Any]:
        """Headline numbers of the current world (for ``ws.record``), JSON-friendly."""
        return {
            k: (float(v) if isinstance(v, (int, float)) else v)
            for k, v in self.state.headline.items()
            if not k.startswith("_")
        }


def start(config_path: str = "", interactive: bool = True, ws: Any = None) -> TeachingSession:
    """Open a teaching session on the config's cost model and tiers (default: the sample's)."""
    from helpers import paths

    config = ws.config if ws is not None else load_config(config_path or paths.SAMPLE_CONFIG)
    return TeachingSession(config, interactive, ws)
