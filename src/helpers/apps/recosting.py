"""What an explorer control changes: the config's rates and tiers, and the ledger recomputed.

A cost-rate change re-applies the rates to the ledger's drivers (``drv_<activity>``), a size-tier
bound reassigns tiers, a filter selects rows: the ledger is never rebuilt from the order lines.
Nothing here mutates its inputs; every function returns a copy.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from helpers.schema import UNATTRIBUTED

__all__ = [
    "tier_basis",
    "base_unit_costs",
    "config_with_unit_costs",
    "recost",
    "level_members",
    "config_with_tiers",
    "retier",
    "apply_filters",
    "period_choices",
]


def tier_basis(ledger: pd.DataFrame, config: Mapping[str, Any]) -> str:
    """What the size tiers are cut on: ``employees`` or ``revenue``.

    Parameters
    ----------
    ledger
        The customer ledger (its ``employees`` column decides ``auto``).
    config
        The dataset's config (``size_tiers.by``).

    Returns
    -------
    str
        ``size_tiers.by``, with ``auto`` resolved as
        :func:`helpers.ledger.size_tiers.assign_size_tiers` does (employees when at least half
        the customers have a head count).
    """
    from helpers.ledger.size_tiers import tier_basis as ledger_basis

    customers = ledger.loc[ledger["customer_id"] != UNATTRIBUTED]
    return "employees" if ledger_basis(customers, config) == "employees" else "revenue"


def base_unit_costs(config: Mapping[str, Any]) -> dict[str, float]:
    """Each configured activity's cost per driver unit.

    Parameters
    ----------
    config
        The dataset's config (``cost_to_serve``).

    Returns
    -------
    dict
        Activity -> currency per driver unit (from
        :func:`helpers.ledger.cost_to_serve.cost_model`).
    """
    from helpers.ledger import cost_to_serve as costing

    model = costing.cost_model(config)
    return {str(row.activity): float(row.unit_cost) for row in model.itertuples()}


def config_with_unit_costs(
    config: Mapping[str, Any], unit_costs: Mapping[str, float]
) -> dict[str, Any]:
    """A copy of ``config`` whose activities cost ``unit_costs`` per driver unit.

    Each activity's rate is scaled by new / configured unit cost: a direct rate (and per-ship-mode
    rates) directly; a time-driven activity through a resource of its own whose cost per minute
    is scaled, so recorded minutes stay as recorded. Activities not named keep their rates.

    Parameters
    ----------
    config
        The dataset's config.
    unit_costs
        Activity -> currency per driver unit.

    Returns
    -------
    dict
        The new config (``config`` is not changed).
    """
    from helpers.ledger import cost_to_serve as costing

    out = copy.deepcopy(dict(config))
    section = out["cost_to_serve"]
    base = base_unit_costs(config)
    per_minute = costing.resource_rates(config)
    for name, value in unit_costs.items():
        spec = section["activities"][name]
        before = base[name]
        if before == value:
            continue
        factor = value / before if before else 0.0
        if spec.get("minutes") is not None:
            own = f"explorer_{name}"
            section["resources"][own] = {"cost_per_minute": per_minute[spec["resource"]] * factor}
            spec["resource"] = own
        elif spec.get("rates"):
            spec["rates"] = {k: float(v) * factor for k, v in spec["rates"].items()}
            spec["rate"] = float(spec.get("rate") or 0.0) * factor
        else:
            spec["rate"] = float(value)
    return out


def recost(ledger: pd.DataFrame, config: Mapping[str, Any]) -> pd.DataFrame:
    """The ledger re-costed at the rates of ``config``; nothing else changes.

    Parameters
    ----------
    ledger
        The customer ledger, with its drivers ``drv_<activity>``.
    config
        The config whose rates apply (:func:`helpers.ledger.cost_to_serve.apply_rates`).

    Returns
    -------
    pandas.DataFrame
        A copy with ``cts_<activity>``, ``cost_to_serve``, ``profit`` (currency) and
        ``margin_pct`` (profit / net revenue; NaN without revenue) recomputed, and the levels'
        split of the cost to serve (``cost_to_serve_measured``, ``cost_to_serve_assumed``,
        ``assumed_amount``, ``profit_measured``) at the new rates (:func:`level_members`).
    """
    from helpers.ledger import cost_to_serve as costing

    cts = costing.apply_rates(ledger, config)
    members = level_members(ledger, list(cts.columns))
    out = ledger.copy()
    out[cts.columns] = cts
    out["cost_to_serve"] = cts.sum(axis=1)
    out["profit"] = out["gross_margin"] - out["cost_to_serve"]
    out["margin_pct"] = out["profit"] / out["net_revenue"].where(out["net_revenue"] != 0)
    for column, names in members.items():
        out[column] = cts[names].sum(axis=1) if names else 0.0
    if "cost_to_serve_measured" in members:
        out["profit_measured"] = out["gross_margin"] - out["cost_to_serve_measured"]
    return out


def config_with_tiers(
    config: Mapping[str, Any], basis: str, bounds: Sequence[float], small: Sequence[str]
) -> dict[str, Any]:
    """A copy of ``config`` whose size tiers are cut at ``bounds`` (above the first tier's 0).

    Parameters
    ----------
    config
        The dataset's config.
    basis
        ``employees`` or ``revenue`` (:func:`tier_basis`).
    bounds
        Lower bounds of the tiers above the first (persons or currency).
    small
        The tiers that count as small clients.

    Returns
    -------
    dict
        The new config (``config`` is not changed).
    """
    out = copy.deepcopy(dict(config))
    spec = out["size_tiers"]
    key = "employees_bins" if basis == "employees" else "revenue_bins"
    spec["by"] = basis
    if basis == "revenue":  # the sliders set currency bounds: absolute bands from here on
        spec["revenue_bands"] = "absolute"
    spec[key] = [spec[key][0], *sorted(float(b) for b in bounds)]
    spec["small"] = list(small)
    return out


def retier(ledger: pd.DataFrame, config: Mapping[str, Any]) -> pd.DataFrame:
    """The ledger with every customer's size tier reassigned under ``config``.

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The config whose ``size_tiers`` apply
        (:func:`helpers.ledger.size_tiers.assign_size_tiers`).

    Returns
    -------
    pandas.DataFrame
        A copy with ``size_tier`` (ordered categorical of the config's labels; missing for the
        unattributed row) reassigned.
    """
    from helpers.ledger.size_tiers import assign_size_tiers
    from helpers.schema import UNATTRIBUTED

    out = ledger.copy()
    known = out["customer_id"] != UNATTRIBUTED
    tiers = pd.Series(pd.NA, index=out.index, dtype="object")
    tiers.loc[known] = assign_size_tiers(out.loc[known], config).astype("object")
    labels = list(config["size_tiers"]["labels"])
    out["size_tier"] = pd.Categorical(tiers, categories=labels, ordered=True)
    return out


def apply_filters(ledger: pd.DataFrame, filters: Mapping[str, str], all_label: str) -> pd.DataFrame:
    """Only the customers whose columns hold the chosen values.

    Parameters
    ----------
    ledger
        The customer ledger.
    filters
        Column -> value kept; ``None``, ``all_label`` or a column the ledger lacks keeps everyone.
    all_label
        The choice that means every customer.

    Returns
    -------
    pandas.DataFrame
        The matching rows, columns unchanged.
    """
    keep = pd.Series(True, index=ledger.index)
    for column, value in filters.items():
        if value is None or value == all_label or column not in ledger:
            continue
        keep &= ledger[column].astype("string").eq(value).fillna(False)
    return ledger.loc[keep]


def period_choices(ledger: pd.DataFrame) -> dict[str, str]:
    """Periods offered by the explorer: the whole history, then each calendar year in the data.

    Parameters
    ----------
    ledger
        The customer ledger (``first_order``, ``last_order``).

    Returns
    -------
    dict
        Label -> ``"START:END"`` (``""`` for the whole history).
    """
    first, last = ledger["first_order"].min(), ledger["last_order"].max()
    out = {"Whole history": ""}
    if pd.notna(first) and pd.notna(last):
        for year in range(first.year, last.year + 1):
            out[str(year)] = f"{year}-01-01:{year}-12-31"
    return out


#: the ledger's cost-to-serve level columns, each the sum of some activities' ``cts_`` columns
_LEVEL_SUMS = ("cost_to_serve_measured", "cost_to_serve_assumed", "assumed_amount")
_MAX_ACTIVITIES = 12  # activities that cost something: the subsets searched are 2**this
_SAMPLE_ROWS = 512  # rows the subsets are tried on (the one found is then checked on every row)


def _adds_up(values: Any, target: Any) -> Any:
    """Which columns of ``values`` (rows x subsets) equal ``target`` on every row."""
    import numpy as np

    return (np.abs(values - target[:, None]) <= 1e-6 * (1.0 + np.abs(target[:, None]))).all(axis=0)


def level_members(ledger: pd.DataFrame, cts_columns: Sequence[str]) -> dict[str, list[str]]:
    """Which activity columns each cost-to-serve level column of the ledger adds up.

    The ledger splits its cost to serve by what it rests on (:mod:`helpers.ledger.levels`):
    ``cost_to_serve_measured``, ``cost_to_serve_assumed`` and ``assumed_amount`` are each the
    sum of some ``cts_<activity>`` columns. Re-costing must keep that split: the members are
    those ``build_ledger`` recorded in the ledger's ``attrs``; a ledger without them (built
    elsewhere) has them read back from its numbers: the smallest subset of the activities that
    cost something whose sums equal the level column on every row (ambiguous when two
    activities cost exactly the same on every row).

    Parameters
    ----------
    ledger
        A customer ledger (:func:`helpers.ledger.build_ledger`).
    cts_columns
        Its activity cost columns.

    Returns
    -------
    dict
        Level column -> its ``cts_`` columns. A level column the ledger lacks (a hand-built
        ledger), or that no subset adds up to, or a ledger with more than 12 activities that
        cost something is left out; an activity that costs nothing anywhere is in no level.
    """
    import itertools

    import numpy as np

    from helpers.ledger.levels import LEVEL_MEMBERS

    recorded = ledger.attrs.get(LEVEL_MEMBERS)
    if recorded:  # what build_ledger recorded (exact even when two activities cost the same)
        return {k: [c for c in v if c in cts_columns] for k, v in recorded.items() if k in ledger}
    names = [c for c in cts_columns if c in ledger.columns and ledger[c].abs().sum() > 0]
    if len(names) > _MAX_ACTIVITIES:
        return {}
    values = ledger[names].to_numpy(dtype="float64", na_value=0.0)
    subsets = [
        combo
        for size in range(len(names) + 1)
        for combo in itertools.combinations(range(len(names)), size)
    ]
    weights = np.zeros((len(names), len(subsets)))
    for k, combo in enumerate(subsets):
        weights[list(combo), k] = 1.0
    sample = values[:: max(1, len(values) // _SAMPLE_ROWS)]
    out: dict[str, list[str]] = {}
    for column in (c for c in _LEVEL_SUMS if c in ledger.columns):
        target = ledger[column].to_numpy(dtype="float64", na_value=0.0)
        step = max(1, len(values) // _SAMPLE_ROWS)
        for k in np.flatnonzero(_adds_up(sample @ weights, target[::step])):
            if _adds_up(values @ weights[:, [k]], target)[0]:
                out[column] = [names[i] for i in subsets[k]]
                break
    return out
