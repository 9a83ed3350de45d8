"""The assumptions table of the summary: the config entries that drive the findings, for people.

Each entry becomes a row (group, setting, value, unit): grouped by what it prices or decides,
labelled in words, shares as percentages, amounts with the run's currency, and the unit each
rate is per ("EUR per delivery", "minutes per order", "visits per order").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from helpers.report.tables import column_label, format_value

__all__ = ["ASSUMPTION_GROUPS", "assumption_rows"]

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


def _get(config: Mapping[str, Any], dotted: str) -> Any:
    node: Any = config
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def _money(currency: str | None) -> str:
    return currency or "currency units"


def _is_fraction(key: str) -> bool:
    return any(word in key for word in _FRACTION_WORDS) and "per_" not in key


def _value(value: Any, fraction: bool = False) -> str:
    return format_value(value, fraction=fraction and not isinstance(value, str))


def _scaled(config: Mapping[str, Any]) -> set[str]:
    """The dotted settings whose default amount was scaled to the data."""
    amounts = (config.get("_amounts") or {}).get("amounts", [])
    return {row["setting"] for row in amounts if row.get("default") is not None}


def _activity_rows(
    name: str, spec: Mapping[str, Any], currency: str | None, scaled: set[str]
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
    for mode, rate in (spec.get("rates") or {}).items():
        note = " (default, scaled to this data)" if f"{key}.rates.{mode}" in scaled else ""
        rows.append(
            (f"{label}: {mode}", _value(rate) + note, f"{_money(currency)} per {mode} {unit}")
        )
    if spec.get("rate") is not None and not spec.get("rates"):
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
    name: str, spec: Mapping[str, Any], currency: str | None, scaled: set[str]
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


def assumption_rows(config: Mapping[str, Any], currency: str | None = None) -> list[dict[str, Any]]:
    """The config's assumptions, grouped, labelled and with units, for the summary.

    Parameters
    ----------
    config
        The run's config resolved to the data's scale
        (:func:`helpers.ledger.scale.resolve_amounts`): amounts are the ones the ledger used,
        and those scaled from a default say so.
    currency
        The run's currency code or symbol (None: "currency units").

    Returns
    -------
    list of dict
        One per non-empty group of :data:`ASSUMPTION_GROUPS`, in that order: ``title`` and
        ``rows``, each row a (setting, value, unit) tuple of text.
    """
    scaled = _scaled(config)
    groups = []
    for title, dotted in ASSUMPTION_GROUPS.items():
        section = _get(config, dotted)
        if not isinstance(section, Mapping):
            continue
        per_entry = _PER_ENTRY.get(dotted)
        if per_entry is not None:  # one block of rows per activity or resource
            rows = [
                row
                for name, spec in section.items()
                if isinstance(spec, Mapping)
                for row in per_entry(str(name), spec, currency, scaled)
            ]
        elif dotted == "cost_to_serve":
            plain = {k: v for k, v in section.items() if not isinstance(v, Mapping)}
            rows = _plain_rows(plain, currency)
        else:
            keep = _SHOWN.get(dotted)
            part = {k: v for k, v in section.items() if keep is None or k in keep}
            rows = _plain_rows(part, currency)
        if rows:
            groups.append({"title": title, "rows": rows})
    return groups
