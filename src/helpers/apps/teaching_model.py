"""The teaching session's model: a world's assumptions, its regenerated state and headline figures.

Each slider value is an assumption about the world (share of big accounts, how steeply discounts
rise with size, cost per order, first-year closures of new small firms, approval layers on big
quotes, the flat-world switch). :func:`build_state` regenerates the world (``helpers.world``),
builds its ledger in memory (:mod:`helpers.apps.teaching_world`) and computes the headline
figures. A
cost-per-order change only re-costs the ledger: the world is regenerated only when one of its own
parameters changes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from helpers import world
from helpers.apps import recosting, teaching_world

__all__ = [
    "Assumptions",
    "TeachingState",
    "teaching_settings",
    "default_assumptions",
    "world_params",
    "build_state",
    "only_quotes_differ",
    "tier_groups",
    "headline_figures",
]

_BIG_TIER = -1  # index of the largest tier in world.TIERS


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


def teaching_settings(config: Mapping[str, Any]) -> Mapping[str, Any]:
    """The config's ``teaching`` section (world preset, sliders, tiers, reference band).

    Parameters
    ----------
    config
        The session's config.

    Returns
    -------
    Mapping
        ``config["teaching"]``.
    """
    return config["teaching"]


def _preset(config: Mapping[str, Any]) -> world.WorldParams:
    """The world preset the session starts from, at the config's size, length and seed."""
    spec = teaching_settings(config)["world"]
    return world.params_for(
        str(spec["preset"]),
        n_customers=int(spec["n_customers"]),
        years=int(spec["years"]),
        seed=int(spec["seed"]),
    )


def _big_index(config: Mapping[str, Any]) -> list[int]:
    """Indices in ``world.TIERS`` of the tiers the session counts as big accounts."""
    return [world.TIERS.index(tier) for tier in teaching_settings(config)["big_tiers"]]


def _small_index(config: Mapping[str, Any]) -> list[int]:
    """Indices in ``world.TIERS`` of the config's small-client tiers."""
    small = config["size_tiers"]["small"]
    return [world.TIERS.index(tier) for tier in small if tier in world.TIERS]


def _layers_of(amount: float, base: float, step: float, most: int) -> int:
    """Approval layers of a quote of ``amount`` (the rule of ``helpers.world``'s opportunities)."""
    if amount < base:
        return 1
    return int(min(2 + math.floor(math.log(amount / base) / math.log(step)), most))


def _preset_layers(preset: world.WorldParams) -> int:
    """Approval layers of the big tier's median quote under the preset's rule."""
    typical_big = preset.quote_median[_BIG_TIER]
    return _layers_of(typical_big, preset.approval_base, preset.approval_step, preset.max_layers)


def default_assumptions(config: Mapping[str, Any]) -> Assumptions:
    """The assumptions of the world preset and of the config's cost model.

    Parameters
    ----------
    config
        The session's config (``teaching``, ``size_tiers``, ``cost_to_serve``).

    Returns
    -------
    Assumptions
        What the sliders show before a student moves one.
    """
    preset = _preset(config)
    shares = [share / sum(preset.size_shares) for share in preset.size_shares]
    small = _small_index(config)
    closure = sum(preset.first_year_closure[i] for i in small) / len(small)
    return Assumptions(
        big_share=round(sum(shares[i] for i in _big_index(config)), 2),
        discount_curve=1.0,
        cost_per_order=round(recosting.base_unit_costs(config)["order_processing"], 2),
        first_year_closure=round(closure, 2),
        approval_layers=_preset_layers(preset),
        flat=bool(preset.flat),
    )


def _size_shares(preset: world.WorldParams, big: list[int], big_share: float) -> tuple:
    """Size mix: big tiers share ``big_share`` in their preset proportions, the rest the remainder."""
    total = sum(preset.size_shares)
    big_weight = sum(preset.size_shares[i] for i in big)
    return tuple(
        (share / big_weight * big_share)
        if i in big
        else (share / (total - big_weight) * (1 - big_share))
        for i, share in enumerate(preset.size_shares)
    )


def _steeper(ranges: tuple[tuple[float, float], ...], factor: float) -> tuple:
    """Each tier's range moved away from the smallest tier's by ``factor`` (kept in [0, 0.9])."""
    low0, high0 = ranges[0]
    return tuple(
        (
            min(max(low0 + factor * (low - low0), 0.0), 0.9),
            min(max(high0 + factor * (high - high0), 0.0), 0.9),
        )
        for low, high in ranges
    )


def _approval_rule(preset: world.WorldParams, layers: int) -> tuple[float, float]:
    """(base, step) that make the big tier's median quote climb ``layers`` approval layers."""
    typical_big = preset.quote_median[_BIG_TIER]
    if layers == _preset_layers(preset):
        return preset.approval_base, preset.approval_step  # the preset's own rule
    if layers <= 1:
        return typical_big * 2, preset.approval_step
    return preset.approval_base, (typical_big / preset.approval_base) ** (1 / (layers - 1.5))


def world_params(assumptions: Assumptions, config: Mapping[str, Any]) -> world.WorldParams:
    """The world's parameters under the assumptions (everything else from the preset).

    Parameters
    ----------
    assumptions
        What the sliders show.
    config
        The session's config.

    Returns
    -------
    helpers.world.WorldParams
        The preset with the size mix, discount and rebate ranges, first-year closure and
        approval rule the assumptions set. First-year closure keeps the preset's tier profile,
        scaled so the small tiers average the assumed value.
    """
    preset = _preset(config)
    small = _small_index(config)
    mean_small = sum(preset.first_year_closure[i] for i in small) / len(small)
    scale = assumptions.first_year_closure / mean_small if mean_small else 0.0
    layers = int(assumptions.approval_layers)
    base, step = _approval_rule(preset, layers)
    return dataclasses.replace(
        preset,
        flat=bool(assumptions.flat),
        size_shares=_size_shares(preset, _big_index(config), assumptions.big_share),
        discount_range=_steeper(preset.discount_range, assumptions.discount_curve),
        rebate_range=_steeper(preset.rebate_range, assumptions.discount_curve),
        first_year_closure=tuple(min(c * scale, 0.95) for c in preset.first_year_closure),
        approval_base=float(base),
        approval_step=float(step),
        max_layers=max(preset.max_layers, layers),
    )


@dataclass
class TeachingState:
    """One regenerated world: its assumptions, canonical tables, ledger, config and headlines.

    Attributes
    ----------
    assumptions
        The assumptions it was built for.
    params
        The world's parameters (:func:`world_params`).
    config
        The world's dataset config, with the assumed cost per order.
    tables
        The canonical ``order_lines``, ``customers`` and ``opportunities``.
    ledger
        The customer ledger, re-costed at the assumed cost per order.
    headline
        :func:`headline_figures` (``_cache`` holds the survival, approval and tier tables).
    seconds
        ``world`` (when regenerated) and ``total`` build time (seconds).
    """

    assumptions: Assumptions
    params: world.WorldParams
    config: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    ledger: pd.DataFrame
    headline: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)


def _regenerate(
    params: world.WorldParams, config: Mapping[str, Any], folder: Path | None
) -> tuple[dict[str, pd.DataFrame], dict[str, Any], pd.DataFrame]:
    """Generate the world and build its ledger: (tables, config, ledger).

    In memory (pandas) without a ``folder``; with one, written out, ingested and built on
    DuckDB as any export is (the two give the same ledger).
    """
    generated = world.generate(params)
    if folder is None:
        return teaching_world.build_world_in_memory(generated, config)
    return teaching_world.build_world_on_engine(generated, config, Path(folder))


#: world parameters that shape only the quotes (``opportunities``): the other tables are drawn
#: from streams of their own, so a change of these leaves orders, customers and ledger alone
_QUOTE_PARAMS = ("approval_base", "approval_step", "max_layers")


def only_quotes_differ(before: world.WorldParams, after: world.WorldParams) -> bool:
    """Whether two worlds differ in their approval rule only (only their quotes differ).

    Parameters
    ----------
    before, after
        Two worlds' parameters.

    Returns
    -------
    bool
        True when they differ, and only in ``approval_base``, ``approval_step`` or
        ``max_layers``.
    """
    return (
        before != after
        and dataclasses.replace(before, **{name: getattr(after, name) for name in _QUOTE_PARAMS})
        == after
    )


def _requote(
    params: world.WorldParams,
    previous: TeachingState,
    config: Mapping[str, Any],
    folder: Path | None,
) -> dict[str, pd.DataFrame]:
    """The previous world's tables with the quotes of ``params``."""
    generated = world.generate(params)
    if folder is None:
        return {**previous.tables, "opportunities": generated["opportunities"]}
    from helpers.ingest.loading import load_sources

    world.write_world({"opportunities": generated["opportunities"]}, Path(folder) / "raw")
    quotes_config = teaching_world.world_config(config, Path(folder))
    loaded = load_sources(quotes_config["tables"]["opportunities"], "opportunities", quotes_config)
    return {**previous.tables, "opportunities": loaded.frame}


def build_state(
    assumptions: Assumptions,
    config: Mapping[str, Any],
    folder: Path | None = None,
    previous: TeachingState | None = None,
) -> TeachingState:
    """Regenerate the world for the assumptions and compute its figures.

    Parameters
    ----------
    assumptions
        What the sliders show.
    config
        The session's config.
    folder
        None (the default): the world is built in memory, its ledger in pandas
        (:func:`helpers.apps.teaching_world.build_world_in_memory`, a few tenths of a second).
        A folder: the world is written there, ingested and its ledger built on DuckDB, as any
        export is (seconds; the same figures).
    previous
        The state before; when only ``cost_per_order`` differs, its world and ledger are
        reused and only the cost to serve is recomputed; when only the approval layers differ,
        only its quotes are drawn and read again.

    Returns
    -------
    TeachingState
        The world under the assumptions, with its headline figures.
    """
    seconds: dict[str, float] = {}
    began = time.perf_counter()
    params = world_params(assumptions, config)
    if previous is not None and previous.params == params:
        tables, base_config, base = previous.tables, previous.config, previous.ledger
    elif previous is not None and only_quotes_differ(previous.params, params):
        tables, base_config, base = previous.tables, previous.config, previous.ledger
        tables = _requote(params, previous, config, folder)
        seconds["world"] = time.perf_counter() - began
    else:
        tables, base_config, base = _regenerate(params, config, folder)
        seconds["world"] = time.perf_counter() - began
    run_config = recosting.config_with_unit_costs(
        base_config, {"order_processing": assumptions.cost_per_order}
    )
    ledger = recosting.recost(base, run_config)
    state = TeachingState(assumptions, params, run_config, tables, ledger, {}, seconds)
    state.headline = headline_figures(state)
    seconds["total"] = time.perf_counter() - began
    return state


def tier_groups(state: TeachingState) -> tuple[list[str], list[str]]:
    """The size tiers of small clients and of big accounts.

    Parameters
    ----------
    state
        The world.

    Returns
    -------
    (list of str, list of str)
        The config's ``size_tiers.small`` and ``teaching.big_tiers``.
    """
    small = list(state.config["size_tiers"]["small"])
    big = list(teaching_settings(state.config)["big_tiers"])
    return small, big


def _group(tiers: pd.DataFrame, names: list[str], column: str) -> float:
    """The sum of ``column`` over the named tiers (those present)."""
    return float(tiers.loc[[t for t in names if t in tiers.index], column].sum())


def _share_of_revenue(tiers: pd.DataFrame, names: list[str], column: str) -> float:
    """The named tiers' ``column`` as a share of their net revenue (NaN without revenue)."""
    net = _group(tiers, names, "net_revenue")
    return _group(tiers, names, column) / net if net else float("nan")


def _discount_rate(tiers: pd.DataFrame, names: list[str]) -> float:
    """The named tiers' discounts as a share of their revenue before discounts."""
    discounts = _group(tiers, names, "discounts")
    return discounts / max(_group(tiers, names, "net_revenue") + discounts, 1e-9)


def _tier_figures(tiers: pd.DataFrame, small: list[str], big: list[str]) -> dict[str, float]:
    """Profit, margins, cost to serve and discounts of small clients against big accounts."""
    total_profit = float(tiers.loc["total", "profit"])
    small_profit = _group(tiers, small, "profit")
    return {
        "small_profit": small_profit,
        "small_profit_share": small_profit / total_profit if total_profit else float("nan"),
        "small_revenue_share": _group(tiers, small, "net_revenue")
        / float(tiers.loc["total", "net_revenue"]),
        "small_margin": _share_of_revenue(tiers, small, "profit"),
        "big_margin": _share_of_revenue(tiers, big, "profit"),
        "small_cts_pct": _share_of_revenue(tiers, small, "cost_to_serve"),
        "big_cts_pct": _share_of_revenue(tiers, big, "cost_to_serve"),
        "small_discount_pct": _discount_rate(tiers, small),
        "big_discount_pct": _discount_rate(tiers, big),
    }


#: results computed from a world's tables, by a digest of what they are computed from: a move
#: that leaves a table alone (a discount move and the quotes, a cost move and everything but the
#: ledger) reuses them
_FROM_TABLES: dict[str, Any] = {}
_FROM_TABLES_KEEP = 24


def _digest(kind: str, *parts: Any) -> str:
    """A digest of frames (values, index, column names) and plain values."""
    digest = hashlib.sha256(kind.encode())
    for part in parts:
        if isinstance(part, pd.DataFrame | pd.Series):
            digest.update(pd.util.hash_pandas_object(part, index=True).to_numpy().tobytes())
            names = list(part.columns) if isinstance(part, pd.DataFrame) else [part.name]
            digest.update(repr(names).encode())
        else:
            digest.update(json.dumps(part, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _reused(key: str, compute: Callable[[], Any]) -> Any:
    """The result kept under ``key``, else computed and kept (the most recent kept)."""
    value = _FROM_TABLES.pop(key) if key in _FROM_TABLES else compute()
    _FROM_TABLES[key] = value
    while len(_FROM_TABLES) > _FROM_TABLES_KEEP:
        _FROM_TABLES.pop(next(iter(_FROM_TABLES)))
    return value


def _growth_figures(state: TeachingState) -> tuple[dict[str, float], dict[str, Any]]:
    """First-year closure and win rates by quote size, and the tables they come from."""
    from helpers import growth

    config = state.config
    lines, customers = state.tables["order_lines"], state.tables["customers"]
    tiers_series = state.ledger.set_index("customer_id")["size_tier"]

    def _survival() -> tuple[Any, float]:
        table = growth.survival_table(lines, customers, tiers_series, config)
        if not table.available:
            return table, float("nan")
        return table, growth.first_year_closure(table.table, config)["rate"]

    survival, closure = _reused(
        _digest("survival", lines, customers, tiers_series, config["growth"], config["size_tiers"]),
        _survival,
    )
    out = {"first_year_closure": closure}
    quotes = state.tables["opportunities"]
    approvals = _reused(
        _digest("approvals", quotes, config["growth"]),
        lambda: growth.approval_layers(quotes, config),
    )
    if approvals.available:
        by_amount = approvals.detail["by_amount"]
        out["win_trial"] = float(by_amount["win_rate"].iloc[0])
        out["win_big"] = float(by_amount["win_rate"].iloc[-1])
        out["layers_big"] = float(by_amount["mean_layers"].iloc[-1])
    return out, {"survival": survival, "approvals": approvals}


def headline_figures(state: TeachingState) -> dict[str, Any]:
    """The numbers the session talks about, computed from the world's ledger and tables.

    Parameters
    ----------
    state
        The world (its ledger, tables and config).

    Returns
    -------
    dict
        ``customers`` (count), ``top_share`` and the top share of revenue and profit
        (fractions, :func:`helpers.apps.explorer_views.headline`); ``small_profit`` (currency);
        ``small_profit_share``, ``small_revenue_share``, ``small_margin``/``big_margin``,
        ``small_cts_pct``/``big_cts_pct``, ``small_discount_pct``/``big_discount_pct``
        (fractions); ``loss_making`` (customers); ``first_year_closure`` (fraction);
        ``win_trial``, ``win_big`` (fractions) and ``layers_big`` (layers) when the world has
        quotes; ``_cache`` (the survival, approval and tier tables and the concentration, for
        the figures and sentences).
    """
    from helpers.apps import explorer_views  # drawing libraries load only when a world is built
    from helpers.ledger import tier_pnl

    config = state.config
    tiers = tier_pnl(state.ledger).set_index("size_tier")
    small, big = tier_groups(state)
    concentration = explorer_views.measure(state.ledger, config)  # once, for figures and sentences
    out: dict[str, Any] = {
        "customers": int(tiers.loc["total", "customers"]),
        "top_share": float(teaching_settings(config)["top_share"]),
        **explorer_views.headline(state.ledger, config, concentration),
        **_tier_figures(tiers, small, big),
        "loss_making": int(tiers.loc["total", "loss_making"]),
    }
    growth_figures, cache = _growth_figures(state)
    out |= growth_figures
    out["_cache"] = {**cache, "tiers": tiers, "concentration": concentration}
    return out
