"""The assumptions table of the summary: the config entries that drive the findings, for people.

Each entry becomes a row (group, setting, value, unit): grouped by what it prices or decides,
labelled in words, shares as percentages, amounts with the run's currency, and the unit each
rate is per ("EUR per delivery", "minutes per order", "visits per order").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.config import given
from helpers.report.tables import column_label, format_value
from helpers.results import rate_number

__all__ = ["ASSUMPTION_GROUPS", "DataInUse", "assumption_rows", "data_in_use"]

#: group title -> the config entry (dotted) it shows, in reading order
ASSUMPTION_GROUPS: dict[str, str] = {
    "Margin where the data gives no cost": "assumptions",
    "Cost to serve: resources": "cost_to_serve.resources",
    "Cost to serve: activities": "cost_to_serve.activities",
    "Cost to serve: other settings": "cost_to_serve",
    "Size tiers": "size_tiers",
    "Q3 scenario levers": "scenarios.levers",
    "Trust and growth": "growth",
    "Future value": "clv",
}
#: a cost driver -> the unit one driver counts (a rate is per that unit)
_DRIVER_UNITS = {
    "orders": "order",
    "lines": "line",
    "deliveries": "delivery",
    "visits": "visit",
    "calls": "call",
    "tickets": "ticket",
    "return_lines": "returned line",
    "key_account_years": "key-account year",
    "customer_years": "customer year",
}
#: drivers whose rate is a fraction of money, not an amount per unit
_FRACTION_DRIVERS = {
    "net_revenue": "of net revenue",
    "financed_revenue_years": "of the revenue financed, per year of payment terms",
}
_FRACTION_WORDS = ("share", "_rate", "rate_", "cap", "revenue_change", "gross_margin")
_SHOWN = {
    "growth": ("lapse_multiple", "lapse_min_days"),
    "clv": ("horizon_months",),
}
_FIXED_UNITS = {
    "lapse_multiple": "times the customer's usual gap between orders",
    "lapse_min_days": "days (the shortest gap that counts as lapsed)",
    "horizon_months": "months ahead",
    "practical_capacity_minutes": "minutes a year (practical capacity)",
    "default_payment_terms_days": "days",
    "threshold_median_multiple": "times the median order",
    "calls_per_visit": "calls per visit replaced",
    "price_elasticity": "(change in volume per change in price)",
    "employees_bins": "employees (tier boundaries)",
}


#: size-tier settings that apply only under one tier basis (:func:`helpers.ledger.size_tiers.tier_basis`)
_TIER_SETTINGS = {
    "employees_bins": "employees",
    "revenue_customer_shares": "revenue",
    "revenue_bins": "revenue_bins",
    "revenue_bands": "revenue_bands",
}


@dataclass(frozen=True)
class DataInUse:
    """What of the data decides which assumptions apply.

    ``cost_assumed``: some line's cost of goods came from ``assumptions.gross_margin``;
    ``ship_modes``: the ship modes on the lines (stripped, lower case; None when the lines
    carry none); ``tier_basis``: what the size tiers were cut on (``employees``, ``revenue``
    or ``revenue_bins``).
    """

    cost_assumed: bool
    ship_modes: frozenset[str] | None
    tier_basis: str


def data_in_use(processed_dir: Path, config: Mapping[str, Any]) -> DataInUse | None:
    """Read what decides which assumptions apply from the canonical tables (None without lines).

    Parameters
    ----------
    processed_dir
        Folder of the canonical Parquet tables (``order_lines``; ``customers`` optional).
    config
        The run's config (``size_tiers``).
    """
    import pandas as pd
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from helpers.ledger.size_tiers import tier_basis

    lines_path = Path(processed_dir) / "order_lines.parquet"
    if not lines_path.exists():
        return None
    names = set(pq.read_schema(lines_path).names)
    lines = pq.read_table(
        lines_path, columns=[c for c in ("cost_assumed", "ship_mode") if c in names]
    )
    assumed = "cost_assumed" in names and bool(pc.any(lines["cost_assumed"]).as_py())
    modes = None
    if "ship_mode" in names:
        found = pc.unique(lines["ship_mode"]).drop_null().to_pylist()
        kept = frozenset(str(m).strip().lower() for m in found if str(m).strip())
        modes = kept or None
    customers_path = Path(processed_dir) / "customers.parquet"
    customers = pd.DataFrame({"employees": []})
    if customers_path.exists() and "employees" in pq.read_schema(customers_path).names:
        customers = pd.read_parquet(customers_path, columns=["employees"])
    return DataInUse(assumed, modes, tier_basis(customers, config))


def _get(config: Mapping[str, Any], dotted: str) -> Any:
    node: Any = config
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def _money(currency: str | None) -> str:
    return currency or "currency units"


def _reference_unit(config: Mapping[str, Any], currency: str | None) -> str:
    """What the reference order value is in: the data's currency only when the config gives it.

    The default is the median order of the business the default amounts were written for, in
    no currency; the data's median order (in its currency) sets the scale of those defaults.
    """
    if given(config, "cost_to_serve", "reference_order_value"):
        return _money(currency)
    record = config.get("_amounts") or {}
    median, scale = record.get("median_order_value"), record.get("scale")
    unit = "median order of the defaults' reference business (in no currency)"
    if median is None or scale is None:
        return unit
    return (
        f"{unit}; this data's median order is {rate_number(median)} "
        f"{_money(currency)}, so default amounts are scaled x{float(scale):.3g}"
    )


def _is_fraction(key: str) -> bool:
    return any(word in key for word in _FRACTION_WORDS) and "per_" not in key


def _value(value: Any, fraction: bool = False) -> str:
    return format_value(value, fraction=fraction and not isinstance(value, str))


def _scaled(config: Mapping[str, Any]) -> set[str]:
    """The dotted settings whose default amount was scaled to the data."""
    amounts = (config.get("_amounts") or {}).get("amounts", [])
    return {row["setting"] for row in amounts if row.get("default") is not None}


def _activity_rows(
    name: str,
    spec: Mapping[str, Any],
    currency: str | None,
    scaled: set[str],
    in_use: DataInUse | None = None,
) -> list[tuple[str, str, str]]:
    """One activity's rate (or minutes), its driver and what is assumed where data is missing."""
    label = column_label(name)
    driver = str(spec.get("driver", ""))
    unit = _DRIVER_UNITS.get(driver, driver.replace("_", " "))
    rows: list[tuple[str, str, str]] = []
    key = f"cost_to_serve.activities.{name}"
    if spec.get("minutes") is not None:
        where = f" of {column_label(spec['resource']).lower()}" if spec.get("resource") else ""
        rows.append((f"{label}: time", _value(spec["minutes"]), f"minutes{where} per {unit}"))
    rates = spec.get("rates") or {}
    modes = None if in_use is None else in_use.ship_modes
    for mode, rate in rates.items():
        if modes is not None and str(mode).strip().lower() not in modes:
            continue  # a mode the data does not have prices nothing
        note = " (default, scaled to this data)" if f"{key}.rates.{mode}" in scaled else ""
        rows.append(
            (f"{label}: {mode}", _value(rate) + note, f"{_money(currency)} per {mode} {unit}")
        )
    priced = {str(mode).strip().lower() for mode in rates}
    if rates and spec.get("rate") is not None and (modes is None or modes - priced):
        note = " (default, scaled to this data)" if f"{key}.rate" in scaled else ""
        rows.append(
            (
                f"{label}: any other ship mode",
                _value(spec["rate"]) + note,
                f"{_money(currency)} per {unit}",
            )
        )
    if spec.get("rate") is not None and not rates:
        note = " (default, scaled to this data)" if f"{key}.rate" in scaled else ""
        if driver in _FRACTION_DRIVERS:
            rows.append((f"{label}: rate", _value(spec["rate"], True), _FRACTION_DRIVERS[driver]))
        else:
            rows.append(
                (f"{label}: rate", _value(spec["rate"]) + note, f"{_money(currency)} per {unit}")
            )
    for per, amount in (spec.get("assume") or {}).items():
        per_unit = _DRIVER_UNITS.get(str(per), str(per).replace("_", " "))
        rows.append(
            (
                f"{label}: assumed where not recorded",
                _value(amount),
                f"{unit}s per {per_unit}",
            )
        )
    return rows


def _resource_rows(
    name: str,
    spec: Mapping[str, Any],
    currency: str | None,
    scaled: set[str],
    in_use: DataInUse | None = None,
) -> list[tuple[str, str, str]]:
    label = column_label(name)
    rows = []
    key = f"cost_to_serve.resources.{name}"
    if spec.get("cost_per_minute") is not None:
        note = " (default, scaled to this data)" if f"{key}.cost_per_minute" in scaled else ""
        rows.append(
            (
                f"{label}: cost per minute",
                _value(spec["cost_per_minute"]) + note,
                f"{_money(currency)} per minute",
            )
        )
    if spec.get("cost") is not None:
        rows.append((f"{label}: cost", _value(spec["cost"]), f"{_money(currency)} a year"))
    if spec.get("practical_capacity_minutes") is not None:
        rows.append(
            (
                f"{label}: capacity",
                _value(spec["practical_capacity_minutes"]),
                _FIXED_UNITS["practical_capacity_minutes"],
            )
        )
    return rows


def _plain_rows(
    section: Mapping[str, Any], currency: str | None, prefix: str = ""
) -> list[tuple[str, str, str]]:
    """Rows for a section of plain settings (nested ones flattened with their parent's name)."""
    rows: list[tuple[str, str, str]] = []
    for key, value in section.items():
        if str(key).startswith("_") or value is None:
            continue
        words = column_label(key)
        label = f"{prefix}{words[:1].lower()}{words[1:]}" if prefix else words
        if isinstance(value, Mapping):
            rows.extend(_plain_rows(value, currency, f"{words}: "))
            continue
        fraction = _is_fraction(str(key)) or str(key) == "revenue_customer_shares"
        unit = _FIXED_UNITS.get(str(key), "")
        if fraction and not isinstance(value, str | bool):
            unit = unit or ("of net revenue" if "rebate" in str(key) else "")
        elif str(key) in ("revenue_bins", "reference_order_value", "threshold", "fee"):
            unit = "" if isinstance(value, str) else _money(currency)
        rows.append((label, _value(value, fraction), unit))
    return rows


#: sections with one entry per activity or resource, and the rows of one entry
_PER_ENTRY = {
    "cost_to_serve.activities": _activity_rows,
    "cost_to_serve.resources": _resource_rows,
}


def assumption_rows(
    config: Mapping[str, Any], currency: str | None = None, in_use: DataInUse | None = None
) -> list[dict[str, Any]]:
    """The config's assumptions, grouped, labelled and with units, for the summary.

    With ``in_use`` (:func:`data_in_use`) only what applies to this data is listed: the gross
    margin only where some cost was assumed from it, delivery rates only for the ship modes on
    the lines (and the rate for any other mode where one is left), and the size-tier settings
    of the basis the tiers were cut on.

    Parameters
    ----------
    config
        The run's config resolved to the data's scale
        (:func:`helpers.ledger.scale.resolve_amounts`): amounts are the ones the ledger used,
        and those scaled from a default say so.
    currency
        The run's currency code or symbol (None: "currency units").
    in_use
        What of the data decides which assumptions apply (None: list every one).

    Returns
    -------
    list of dict
        One per non-empty group of :data:`ASSUMPTION_GROUPS`, in that order: ``title`` and
        ``rows``, each row a (setting, value, unit) tuple of text.
    """
    scaled = _scaled(config)
    groups = []
    for title, dotted in ASSUMPTION_GROUPS.items():
        section = _applying(_get(config, dotted), dotted, in_use)
        if not isinstance(section, Mapping):
            continue
        per_entry = _PER_ENTRY.get(dotted)
        if per_entry is not None:  # one block of rows per activity or resource
            rows = [
                row
                for name, spec in section.items()
                if isinstance(spec, Mapping)
                for row in per_entry(str(name), spec, currency, scaled, in_use)
            ]
        elif dotted == "cost_to_serve":
            plain = {k: v for k, v in section.items() if not isinstance(v, Mapping)}
            rows = [
                (label, value, _reference_unit(config, currency))
                if label == "Reference order value"
                else (label, value, unit)
                for label, value, unit in _plain_rows(plain, currency)
            ]
        else:
            keep = _SHOWN.get(dotted)
            part = {k: v for k, v in section.items() if keep is None or k in keep}
            rows = _plain_rows(part, currency)
        if rows:
            groups.append({"title": title, "rows": rows})
    return groups


def _applying(section: Any, dotted: str, in_use: DataInUse | None) -> Any:
    """``section`` without the settings this data does not use (as it is without ``in_use``)."""
    if in_use is None or not isinstance(section, Mapping):
        return section
    if dotted == "assumptions" and not in_use.cost_assumed:
        return {k: v for k, v in section.items() if k != "gross_margin"}
    if dotted == "size_tiers":
        basis = in_use.tier_basis
        drop = {k for k, b in _TIER_SETTINGS.items() if b != basis}
        if basis != "employees":
            drop -= {"revenue_bands"}  # relative or absolute: what the revenue tiers are
        return {k: v for k, v in section.items() if k not in drop}
    return section
