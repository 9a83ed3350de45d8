"""Default amounts resolved from the data, so no default depends on the currency or the size.

The defaults' currency amounts (cost per minute of a resource, rate per order, delivery, visit,
return or key-account year) are written for a reference business whose median order is worth
``cost_to_serve.reference_order_value`` currency units. A dataset's config that does not give an
amount gets the default scaled by (the data's median order value / the reference): an export in
yen and the same export in dollars get the same verdicts. Amounts the config gives are used as
they are; rates on revenue (fractions) are never scaled. The report shows the resolved values.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from helpers.config import given

__all__ = [
    "REVENUE_DRIVERS",
    "default_rated",
    "median_order_value",
    "resolve_amounts",
    "resolved_amounts_table",
]

#: drivers measured in currency: their rates are fractions, the same in any currency
REVENUE_DRIVERS: frozenset[str] = frozenset(
    {"net_revenue", "list_revenue", "financed_revenue_years"}
)
_RESOLVED = "_amounts"  # key of the resolution record in a resolved config


def median_order_value(processed_dir: Path) -> float:
    """The median revenue of a sales order in the canonical order lines.

    Parameters
    ----------
    processed_dir : pathlib.Path
        Folder of the canonical tables (``order_lines.parquet``).

    Returns
    -------
    float
        Currency units of the export; NaN when there is no order with positive revenue.
    """
    path = Path(processed_dir) / "order_lines.parquet"
    if not path.exists():
        return float("nan")
    stat = path.stat()
    stamp = f"{stat.st_size}:{stat.st_mtime_ns}"
    memo = path.with_name(".median_order_value.json")
    try:  # every notebook of a run asks: the first one to compute it leaves it beside the table
        kept = json.loads(memo.read_text(encoding="utf-8"))
        if kept.get("stamp") == stamp:
            return float(kept["value"]) if kept["value"] is not None else float("nan")
    except (OSError, ValueError, KeyError, AttributeError):
        pass
    value = _median_order_value(path)
    try:
        tmp = memo.with_name(f"{memo.name}.{os.getpid()}.tmp")
        finite = value if np.isfinite(value) else None
        tmp.write_text(json.dumps({"stamp": stamp, "value": finite}), encoding="utf-8")
        os.replace(tmp, memo)
    except OSError:  # a read-only folder: compute it each time
        pass
    return value


def _median_order_value(path: Path) -> float:
    """:func:`median_order_value` of one Parquet file, computed by DuckDB."""
    query = f"""
        select median(total) from (
            select order_id, sum(revenue::decimal(38, 6))::double as total from read_parquet('{path.as_posix()}')
            where not coalesce(is_return, false) group by order_id
        ) where total > 0
    """
    with duckdb.connect() as con:
        value = con.execute(query).fetchone()[0]
    return float(value) if value is not None else float("nan")


def _currency_amounts(config: Mapping[str, Any]) -> list[tuple[tuple[str, ...], float]]:
    """Every currency amount of the cost-to-serve section, as (key path, value)."""
    section = config.get("cost_to_serve") or {}
    out: list[tuple[tuple[str, ...], float]] = []
    for name, spec in (section.get("resources") or {}).items():
        if (spec or {}).get("cost_per_minute") is not None:
            out.append((("resources", name, "cost_per_minute"), float(spec["cost_per_minute"])))
    for name, spec in (section.get("activities") or {}).items():
        if not isinstance(spec, Mapping) or spec.get("driver") in REVENUE_DRIVERS:
            continue
        if spec.get("rate") is not None:
            out.append((("activities", name, "rate"), float(spec["rate"])))
        for mode, rate in (spec.get("rates") or {}).items():
            out.append((("activities", name, "rates", str(mode)), float(rate)))
    return out


def _is_given(config: Mapping[str, Any], path: tuple[str, ...]) -> bool:
    """Whether the user's config gives the amount (a resource pool's cost counts for its rate)."""
    if given(config, "cost_to_serve", *path):
        return True
    if path[0] == "resources":
        return given(config, "cost_to_serve", "resources", path[1], "cost")
    return False


def default_rated(config: Mapping[str, Any]) -> set[str]:
    """Activities costed at a default rate: the config gives neither the rate nor the resource.

    Parameters
    ----------
    config : Mapping
        A loaded config.

    Returns
    -------
    set of str
        Names of activities whose rate (or, for a timed activity, whose minutes and resource
        cost) come from the defaults: assumptions, like assumed drivers.
    """
    out: set[str] = set()
    activities = (config.get("cost_to_serve") or {}).get("activities") or {}
    for name, spec in activities.items():
        if not isinstance(spec, Mapping):
            continue
        own = ("cost_to_serve", "activities", name)
        if spec.get("minutes") is not None:
            resource = ("cost_to_serve", "resources", str(spec.get("resource")))
            configured = given(config, *own, "minutes") or given(config, *resource)
        else:
            configured = given(config, *own, "rate") or given(config, *own, "rates")
        if not configured:
            out.add(str(name))
    return out


def _set(section: dict[str, Any], path: tuple[str, ...], value: float) -> None:
    node = section
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def resolve_amounts(config: Mapping[str, Any], order_value: float) -> dict[str, Any]:
    """The config with every default currency amount scaled to the data.

    Parameters
    ----------
    config : Mapping
        A loaded config (:func:`helpers.config.load_config`); already resolved configs are
        returned unchanged (a copy).
    order_value : float
        The data's median order value (:func:`median_order_value`), currency units.

    Returns
    -------
    dict
        A copy of ``config`` whose default amounts are multiplied by ``order_value /
        cost_to_serve.reference_order_value`` (1 when the order value is not positive), with
        ``_amounts`` recording the scale and each amount (see :func:`resolved_amounts_table`).
    """
    if _RESOLVED in config:
        return copy.deepcopy(dict(config))
    out = copy.deepcopy(dict(config))
    section = out.setdefault("cost_to_serve", {})
    reference = float(section.get("reference_order_value") or np.nan)
    usable = np.isfinite(order_value) and order_value > 0 and np.isfinite(reference)
    factor = order_value / reference if usable else 1.0
    rows = []
    for path, value in _currency_amounts(out):
        configured = _is_given(config, path)
        resolved = value if configured else value * factor
        _set(section, path, resolved)
        rows.append(
            {
                "setting": "cost_to_serve." + ".".join(path),
                "default": None if configured else value,
                "resolved": resolved,
                "source": "your config" if configured else "default, scaled",
            }
        )
    out[_RESOLVED] = {
        "median_order_value": order_value if usable else None,
        "reference_order_value": reference,
        "scale": factor,
        "amounts": rows,
    }
    return out


def resolved_amounts_table(config: Mapping[str, Any]) -> pd.DataFrame:
    """The currency amounts of a resolved config, for the report.

    Parameters
    ----------
    config : Mapping
        A config returned by :func:`resolve_amounts`.

    Returns
    -------
    pandas.DataFrame
        setting (key path), default (currency units of the reference business, empty when the
        config gives the amount), resolved (currency units of the data), source ("your config"
        or "default, scaled"). Empty without a resolution record.
    """
    record = config.get(_RESOLVED) or {}
    return pd.DataFrame(
        record.get("amounts", []), columns=["setting", "default", "resolved", "source"]
    )
