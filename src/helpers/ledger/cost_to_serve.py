"""Cost to serve by time-driven activity-based costing: drivers x rates, from the config.

The config's ``cost_to_serve`` section (defaults and their meaning in ``defaults/costing.yaml``)
names each activity, its driver and either a direct ``rate`` per driver unit or ``minutes`` per
driver unit x the cost per minute of a ``resource``. The ledger computes the base drivers per
customer (orders, lines, deliveries...); :func:`activity_drivers` turns them into one driver
column per activity (``drv_<activity>``), :func:`apply_rates` into cost columns (``cts_<activity>``),
linear in every rate. :func:`cost_model` tabulates the model, saying which drivers were measured,
derived or assumed; :func:`capacity_report` compares the minutes used with the resource pools.
The method: Kaplan, R. S., & Anderson, S. R. (2004), Time-driven activity-based costing,
Harvard Business Review 82(11).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.config import ConfigError
from helpers.results import rate_number

__all__ = [
    "SOURCES",
    "BASE_DRIVERS",
    "activities",
    "activity_sources",
    "resource_rates",
    "delivery_modes",
    "activity_drivers",
    "activity_minutes",
    "apply_rates",
    "cost_model",
    "capacity_report",
    "describe_sources",
    "capacity_findings",
]

#: where a driver comes from: recorded in the activities table, computed from order lines and
#: customer attributes, or assumed from the config
SOURCES: tuple[str, ...] = ("measured", "derived", "assumed")

#: drivers the ledger computes for every customer, and what they count
BASE_DRIVERS: dict[str, str] = {
    "orders": "distinct orders (returns excluded)",
    "lines": "sales order lines",
    "units": "units sold, net of returns",
    "deliveries": "deliveries (distinct order and ship mode)",
    "return_lines": "returned order lines",
    "net_revenue": "net revenue",
    "list_revenue": "list revenue",
    "customer_years": "customer-years on the books in the window",
    "key_account_years": "key-account customer-years",
    "financed_revenue_years": "net revenue x payment terms / 365 (currency-years of credit)",
}


def _section(config: Mapping[str, Any]) -> Mapping[str, Any]:
    """The config's ``cost_to_serve`` section (a ConfigError without one)."""
    if "cost_to_serve" not in config:
        raise ConfigError(
            "config has no 'cost_to_serve' section (see helpers/defaults/costing.yaml)"
        )
    return config["cost_to_serve"]


def activities(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The configured activities, validated: each has a driver and one way to cost it.

    Parameters
    ----------
    config
        The dataset config (its ``cost_to_serve.activities`` and ``resources``).

    Returns
    -------
    dict
        Activity name -> its settings (driver, rate, rates and by, or minutes and resource,
        activity and assume); activities switched off with ``name: null`` are left out.

    Raises
    ------
    ConfigError
        When an activity has no driver, no way or two ways to cost it, an unknown resource or
        driver, or ship-mode rates on another driver; the message names the activity and key.
    """
    acts = _section(config).get("activities") or {}
    resources = _section(config).get("resources") or {}
    out: dict[str, dict[str, Any]] = {}
    for name, spec in acts.items():
        where = f"cost_to_serve.activities.{name}"
        if spec is None:  # an activity switched off with `name: null`
            continue
        if not isinstance(spec, Mapping) or not spec.get("driver"):
            raise ConfigError(f"{where}: expected a mapping with a 'driver'")
        spec = dict(spec)
        timed = "minutes" in spec and spec["minutes"] is not None
        if timed:
            if spec.get("resource") not in resources:
                raise ConfigError(
                    f"{where}: 'minutes' needs a 'resource' among {sorted(resources)}, "
                    f"got {spec.get('resource')!r}"
                )
            if spec.get("rate") is not None:
                raise ConfigError(
                    f"{where}: give either 'rate' or 'minutes' x 'resource', not both"
                )
        elif spec.get("rate") is None and not spec.get("rates"):
            raise ConfigError(f"{where}: needs a 'rate' per driver unit or 'minutes' + 'resource'")
        if spec.get("rates") and spec.get("by") != "ship_mode":
            raise ConfigError(f"{where}: 'rates' per value need 'by: ship_mode'")
        if spec.get("by") == "ship_mode" and spec["driver"] != "deliveries":
            raise ConfigError(f"{where}: 'by: ship_mode' applies to the 'deliveries' driver only")
        if not spec.get("activity") and spec["driver"] not in BASE_DRIVERS:
            raise ConfigError(
                f"{where}: driver {spec['driver']!r} is not one of {sorted(BASE_DRIVERS)}; "
                "name an 'activity' of the activities table for other drivers"
            )
        out[str(name)] = spec
    return out


def resource_rates(config: Mapping[str, Any]) -> dict[str, float]:
    """Cost per minute of every resource.

    Parameters
    ----------
    config
        The dataset config (its ``cost_to_serve.resources``).

    Returns
    -------
    dict
        Resource -> currency units per minute: pool cost / practical capacity where both are
        given, else the configured ``cost_per_minute``.

    Raises
    ------
    ConfigError
        When a resource has neither.
    """
    out: dict[str, float] = {}
    for name, spec in (_section(config).get("resources") or {}).items():
        spec = spec or {}
        cost, capacity = spec.get("cost"), spec.get("practical_capacity_minutes")
        if cost is not None and capacity:
            out[name] = float(cost) / float(capacity)
        elif spec.get("cost_per_minute") is not None:
            out[name] = float(spec["cost_per_minute"])
        else:
            raise ConfigError(
                f"cost_to_serve.resources.{name}: needs 'cost_per_minute' or both 'cost' "
                "and 'practical_capacity_minutes'"
            )
    return out


def delivery_modes(config: Mapping[str, Any]) -> list[str]:
    """Ship modes that some activity prices separately (the ledger counts deliveries of each).

    Parameters
    ----------
    config
        The dataset config.

    Returns
    -------
    list of str
        The modes, in the order the config names them.
    """
    modes: list[str] = []
    for spec in activities(config).values():
        for mode in spec.get("rates") or {}:
            if str(mode) not in modes:
                modes.append(str(mode))
    return modes


def activity_sources(
    config: Mapping[str, Any],
    measured_activities: set[str] | None = None,
    customer_columns: set[str] | None = None,
) -> dict[str, str]:
    """Where each activity's driver comes from: measured, derived or assumed.

    Parameters
    ----------
    config
        The dataset config.
    measured_activities
        Activity names present in the ``activities`` table (None: every configured one).
    customer_columns
        Columns of the ``customers`` table (None: all of them; empty set: no such table).

    Returns
    -------
    dict
        Activity -> ``measured`` (counted in the activities table), ``derived`` (from order
        lines and customer attributes) or ``assumed`` (from the config).
    """
    cols = customer_columns
    out: dict[str, str] = {}
    for name, spec in activities(config).items():
        act, driver = spec.get("activity"), spec["driver"]
        if act:
            present = measured_activities is None or act in measured_activities
            out[name] = "measured" if present else "assumed"
        elif driver == "key_account_years":
            out[name] = "derived" if cols is None or "key_account" in cols else "assumed"
        elif driver == "financed_revenue_years":
            out[name] = "derived" if cols is None or "payment_terms_days" in cols else "assumed"
        else:
            out[name] = "derived"
    return out


def _assumed_driver(base: pd.DataFrame, spec: Mapping[str, Any], name: str) -> pd.Series:
    """Driver units assumed from other drivers: sum of coefficient x driver."""
    total = pd.Series(0.0, index=base.index)
    for driver, coef in (spec.get("assume") or {}).items():
        if driver not in base:
            raise ConfigError(
                f"cost_to_serve.activities.{name}.assume: unknown driver {driver!r} "
                f"(one of {sorted(BASE_DRIVERS)})"
            )
        total = total + float(coef) * base[driver].astype("float64")
    return total


def activity_drivers(
    base: pd.DataFrame, config: Mapping[str, Any], sources: Mapping[str, str]
) -> pd.DataFrame:
    """One driver column per activity (``drv_<activity>``), plus recorded minutes.

    Parameters
    ----------
    base
        The ledger's base drivers (:data:`BASE_DRIVERS`, ``deliveries_<mode>``) and, for
        activities of the activities table, ``act_<name>_qty`` (units), ``act_<name>_minutes``
        (recorded minutes) and ``act_<name>_unrecorded`` (units without recorded minutes).
    config
        The dataset config.
    sources
        :func:`activity_sources`.

    Returns
    -------
    DataFrame
        ``drv_<activity>`` for every activity, ``drv_delivery_<mode>`` for deliveries priced by
        ship mode, and ``min_<activity>`` (minutes: recorded, or the time equation where not
        recorded) for measured activities done by a resource.
    """
    out: dict[str, pd.Series] = {}
    zero = pd.Series(0.0, index=base.index)
    for name, spec in activities(config).items():
        driver, act = spec["driver"], spec.get("activity")
        if act and sources.get(name) == "measured":
            qty = base.get(f"act_{act}_qty", zero)
            out[f"drv_{name}"] = qty.astype("float64").fillna(0.0)
            if spec.get("minutes") is not None:
                recorded = base.get(f"act_{act}_minutes", zero).astype("float64").fillna(0.0)
                unrecorded = base.get(f"act_{act}_unrecorded", qty).astype("float64").fillna(0.0)
                out[f"min_{name}"] = recorded + _minutes_per_unit(spec, name) * unrecorded
        elif act:
            out[f"drv_{name}"] = _assumed_driver(base, spec, name)
        else:
            out[f"drv_{name}"] = base[driver].astype("float64").fillna(0.0)
        for mode in spec.get("rates") or {}:
            deliveries = base.get(f"deliveries_{mode}", zero)
            out[f"drv_{name}_{mode}"] = deliveries.astype("float64").fillna(0.0)
    return pd.DataFrame(out, index=base.index)


def _minutes_per_unit(spec: Mapping[str, Any], name: str) -> float:
    """Minutes per driver unit: the number, or the ``base`` of a time equation."""
    minutes = spec["minutes"]
    if isinstance(minutes, Mapping):
        return float(minutes.get("base", 0.0))
    try:
        return float(minutes)
    except (TypeError, ValueError):
        raise ConfigError(
            f"cost_to_serve.activities.{name}.minutes: expected a number or a mapping like "
            "{base: 5, lines: 0.5}"
        ) from None


def activity_minutes(drivers: pd.DataFrame, config: Mapping[str, Any]) -> pd.DataFrame:
    """Minutes each time-driven activity takes per customer.

    Recorded minutes (a ``min_<activity>`` column in ``drivers``) are used as they are;
    otherwise the time equation: ``base`` minutes x driver + coefficient x each named
    ledger column (e.g. ``{base: 5, lines: 0.5}``).

    Parameters
    ----------
    drivers
        The ledger, or any frame with its ``drv_*`` (and ``min_*``) columns.
    config
        The dataset config.

    Returns
    -------
    DataFrame
        One column per activity done by a resource (named by the activity), in minutes,
        on the index of ``drivers``.

    Raises
    ------
    ConfigError
        When a time equation names a column ``drivers`` does not have.
    """
    out: dict[str, pd.Series] = {}
    for name, spec in activities(config).items():
        if spec.get("minutes") is None:
            continue
        if f"min_{name}" in drivers:
            out[name] = drivers[f"min_{name}"].astype("float64")
            continue
        minutes = spec["minutes"]
        total = _minutes_per_unit(spec, name) * drivers[f"drv_{name}"].astype("float64")
        if isinstance(minutes, Mapping):
            for col, coef in minutes.items():
                if col == "base":
                    continue
                if col not in drivers:
                    raise ConfigError(
                        f"cost_to_serve.activities.{name}.minutes: no ledger column {col!r}"
                    )
                total = total + float(coef) * drivers[col].astype("float64")
        out[name] = total
    return pd.DataFrame(out, index=drivers.index)


def apply_rates(drivers: pd.DataFrame, config: Mapping[str, Any]) -> pd.DataFrame:
    """Cost to serve per activity from the drivers and the config's rates.

    Each cost is linear in its rate (and in its resource's cost per minute).

    Parameters
    ----------
    drivers
        The ledger, or any frame with its ``drv_*`` / ``min_*`` columns.
    config
        The dataset config.

    Returns
    -------
    DataFrame
        ``cts_<activity>`` : float, currency units, one column per activity, on the index of
        ``drivers``.
    """
    rates = resource_rates(config)
    minutes = activity_minutes(drivers, config)
    out: dict[str, pd.Series] = {}
    for name, spec in activities(config).items():
        drv = drivers[f"drv_{name}"].astype("float64").fillna(0.0)
        if spec.get("minutes") is not None:
            cost = minutes[name].fillna(0.0) * rates[spec["resource"]]
        elif spec.get("rates"):
            cost = pd.Series(0.0, index=drivers.index)
            rest = drv.copy()
            for mode, rate in spec["rates"].items():
                part = drivers[f"drv_{name}_{mode}"].astype("float64").fillna(0.0)
                cost = cost + float(rate) * part
                rest = rest - part
            cost = cost + float(spec.get("rate") or 0.0) * rest
        else:
            cost = float(spec["rate"]) * drv
        out[f"cts_{name}"] = cost
    return pd.DataFrame(out, index=drivers.index)


def _rate_text(spec: Mapping[str, Any], rates: Mapping[str, float]) -> str:
    """How an activity is costed, in words: its time equation, its rates or its unit rate."""
    if spec.get("minutes") is not None:
        minutes = spec["minutes"]
        cpm = rates[spec["resource"]]
        if isinstance(minutes, Mapping):
            terms = " + ".join(f"{v:g} x {k}" for k, v in minutes.items() if k != "base")
            eq = f"{float(minutes.get('base', 0)):g} min" + (f" (+ {terms} min)" if terms else "")
        else:
            eq = f"{float(minutes):g} min"
        return f"{eq} x {cpm:.2f}/min ({spec['resource']})"
    if spec.get("rates"):
        by = ", ".join(f"{k} {rate_number(v)}" for k, v in spec["rates"].items())
        return f"per delivery by ship mode: {by}; other {rate_number(spec.get('rate') or 0)}"
    return f"{rate_number(spec['rate'])} per unit"


def _unit_cost(spec: Mapping[str, Any], rates: Mapping[str, float]) -> float:
    """Cost per driver unit at the base rate."""
    if spec.get("minutes") is not None:
        return rates[spec["resource"]] * _minutes_per_unit(spec, "")
    return float(spec.get("rate") or 0.0)


def _source_note(name: str, spec: Mapping[str, Any], source: str, config: Mapping[str, Any]) -> str:
    """Where the activity's driver comes from, in words."""
    driver = spec["driver"]
    section = _section(config)
    if source == "measured":
        note = f"counted in the activities table ({spec['activity']})"
        if spec.get("minutes") is not None:
            note += f"; recorded minutes, {_minutes_per_unit(spec, name):g} min where missing"
        return note
    if spec.get("activity"):
        terms = " + ".join(f"{float(v):g} x {k}" for k, v in (spec.get("assume") or {}).items())
        return f"no {spec['activity']} records: assumed {terms or 'none'}"
    if driver == "key_account_years" and source == "assumed":
        return "no key_account column: no customer is assumed to have a key-account team"
    if driver == "financed_revenue_years" and source == "assumed":
        days = section.get("default_payment_terms_days")
        return f"no payment_terms_days column: {days} days assumed for every customer"
    return f"from order lines and customers: {BASE_DRIVERS.get(driver, driver)}"


def cost_model(
    config: Mapping[str, Any],
    drivers_available: Mapping[str, str] | None = None,
    ledger: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The cost-to-serve model as a table: one row per activity.

    Parameters
    ----------
    config
        The dataset config.
    drivers_available
        Source of each activity's driver (:func:`activity_sources`); None: as if every table
        were present.
    ledger
        If given, adds the driver total, the cost, its share of cost to serve and the effective
        cost per driver unit.

    Returns
    -------
    DataFrame
        activity, driver, rate (how it is costed, in words), unit_cost (currency units per
        driver unit at the base rate), source (measured / derived / assumed), note; with a
        ledger also driver_total (driver units), cost (currency units),
        share_of_cost_to_serve (0-1) and cost_per_unit (currency units per driver unit).
    """
    rates = resource_rates(config)
    sources = dict(drivers_available or activity_sources(config))
    rows = []
    for name, spec in activities(config).items():
        source = sources.get(name, "derived")
        rows.append(
            {
                "activity": name,
                "driver": spec["driver"],
                "rate": _rate_text(spec, rates),
                "unit_cost": _unit_cost(spec, rates),
                "source": source,
                "note": _source_note(name, spec, source, config),
            }
        )
    model = pd.DataFrame(rows)
    if ledger is not None and len(model):
        _add_totals(model, ledger, config)
    return model


def _add_totals(model: pd.DataFrame, ledger: pd.DataFrame, config: Mapping[str, Any]) -> None:
    """Add the ledger's driver total, cost, share of cost to serve and cost per unit, in place."""
    drv = np.array([float(ledger[f"drv_{a}"].sum()) for a in model["activity"]])
    cost = np.array([float(ledger[f"cts_{a}"].sum()) for a in model["activity"]])
    total = cost.sum()
    for i, name in enumerate(model["activity"]):
        modes = list(activities(config)[name].get("rates") or {})
        known = sum(float(ledger[f"drv_{name}_{m}"].sum()) for m in modes)
        if modes and drv[i] > 0 and known == 0:
            model.loc[i, "note"] += (
                f"; no ship mode in the data is one of the priced modes ({', '.join(map(str, modes))}): every delivery at the fallback rate (assumed)"  # noqa: E501
            )
    model["driver_total"] = drv
    model["cost"] = cost
    model["share_of_cost_to_serve"] = cost / total if total else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        model["cost_per_unit"] = np.where(drv != 0, cost / np.where(drv != 0, drv, 1), np.nan)


def describe_sources(model: pd.DataFrame) -> str:
    """A sentence saying which activities' drivers were measured, derived and assumed.

    Parameters
    ----------
    model
        :func:`cost_model`.

    Returns
    -------
    str
        E.g. "Cost-to-serve drivers: 3 measured (sales visit, ...); 5 derived (...)."
    """
    parts = []
    for source in SOURCES:
        names = model.loc[model["source"] == source, "activity"].tolist()
        if names:
            listed = ", ".join(n.replace("_", " ") for n in names)
            parts.append(f"{len(names)} {source} ({listed})")
    return (
        f"Cost-to-serve drivers: {'; '.join(parts)}."
        if parts
        else "No cost-to-serve activities configured."
    )


def capacity_report(
    ledger: pd.DataFrame, config: Mapping[str, Any], years: float | None = None
) -> pd.DataFrame:
    """Minutes used per resource against its pool's practical capacity, over the window.

    Parameters
    ----------
    ledger
        The ledger (its ``drv_*``, ``min_*`` and order dates).
    config
        The dataset config.
    years
        Length of the ledger's window in years (pool costs and capacities are per year);
        None: from the ledger's first to last order date.

    Returns
    -------
    DataFrame
        One row per resource: resource, activities (comma-separated), cost_per_minute
        (currency units), minutes_used, cost_assigned (to customers, currency units), and
        where a pool is configured: pool_cost (currency units) and capacity_minutes for the
        window, unused_minutes, unused_cost (pool cost not assigned to any customer: shown,
        not spread) and utilisation (0-1, above 1 when over capacity).
    """
    if years is None:
        span = ledger["last_order"].max() - ledger["first_order"].min()
        years = (span.days + 1) / 365.25 if pd.notna(span) else np.nan
    rates = resource_rates(config)
    minutes = activity_minutes(ledger, config)
    acts = activities(config)
    rows = []
    for name, spec in (_section(config).get("resources") or {}).items():
        used_by = [a for a, s in acts.items() if s.get("resource") == name]
        used = float(sum(minutes[a].sum() for a in used_by))
        spec = spec or {}
        cost, capacity = spec.get("cost"), spec.get("practical_capacity_minutes")
        pool_cost = float(cost) * years if cost is not None and capacity else np.nan
        cap = float(capacity) * years if cost is not None and capacity else np.nan
        rows.append(
            {
                "resource": name,
                "activities": ", ".join(used_by),
                "cost_per_minute": rates[name],
                "minutes_used": used,
                "cost_assigned": used * rates[name],
                "pool_cost": pool_cost,
                "capacity_minutes": cap,
                "unused_minutes": cap - used,
                "unused_cost": pool_cost - used * rates[name],
                "utilisation": used / cap if cap else np.nan,
            }
        )
    return pd.DataFrame(rows)


def capacity_findings(report: pd.DataFrame) -> list[str]:
    """Sentences on unused (or over-used) capacity of the resources that have a pool.

    Parameters
    ----------
    report
        :func:`capacity_report`.

    Returns
    -------
    list of str
        One sentence per resource with a pool, or one saying that no pool is configured.
    """
    pools = report.dropna(subset=["pool_cost"])
    if pools.empty:
        return [
            "No resource pools are configured (cost_to_serve.resources.*.cost and "
            "practical_capacity_minutes), so unused capacity cannot be measured; cost per "
            "minute is taken as given."
        ]
    out = []
    for row in pools.itertuples():
        if row.unused_minutes >= 0:
            out.append(
                f"{row.resource.replace('_', ' ').capitalize()} works at {row.utilisation:.0%} of "
                f"practical capacity: {row.unused_cost:,.0f} of its cost is unused capacity, "
                "shown here and not charged to customers."
            )
        else:
            out.append(
                f"{row.resource.replace('_', ' ').capitalize()} is over its practical capacity "
                f"({row.utilisation:.0%}): the time equations ask for more minutes than the pool has."
            )
    return out
