"""How the default scenario moves with its assumptions: one at a time (tornado) and in a grid."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import pandas as pd

from helpers.q3_price_and_channel.inputs import OrderBook, _settings
from helpers.q3_price_and_channel.simulator import Simulator

__all__ = ["tornado", "scenario_grid"]


def tornado(
    ledger: pd.DataFrame, config: Mapping[str, Any], orders: pd.DataFrame | OrderBook | None = None
) -> pd.DataFrame:
    """The default scenario's profit change with one assumption at a time at its low and high.

    Parameters
    ----------
    ledger, orders
        As for :func:`simulate`.
    config
        The run's config; ``scenarios.tornado`` lists the assumptions (lever, param, low, high).

    Returns
    -------
    DataFrame
        assumption ("lever.param"), low, high (the tested values), change_at_low,
        change_at_high, base_change (total profit change, currency units), swing (absolute
        difference between the two changes), sorted by swing, largest first.
    """
    simulator = Simulator(ledger, config, orders)  # the customers prepared once for all
    base = simulator.totals()["change"]
    rows = []
    for spec in _settings(config)["tornado"]:
        key = f"{spec['lever']}.{spec['param']}"
        at_low = simulator.totals({key: spec["low"]})["change"]
        at_high = simulator.totals({key: spec["high"]})["change"]
        rows.append(
            {
                "assumption": key,
                "low": spec["low"],
                "high": spec["high"],
                "change_at_low": at_low,
                "change_at_high": at_high,
                "base_change": base,
                "swing": abs(at_high - at_low),
            }
        )
    out = pd.DataFrame(rows)
    return out.sort_values("swing", ascending=False).reset_index(drop=True) if len(out) else out


def scenario_grid(
    ledger: pd.DataFrame, config: Mapping[str, Any], orders: pd.DataFrame | OrderBook | None = None
) -> pd.DataFrame:
    """The default scenario and its alternatives: every combination of multiples of its values.

    Parameters
    ----------
    ledger, orders
        As for :func:`simulate`.
    config
        The run's config; ``scenarios.grid`` maps "lever.param" to the multiples to try.

    Returns
    -------
    DataFrame
        One column per grid assumption (its value), default (True for the all-ones row),
        profit_after, change (currency units), change_pct (fraction), customers_lost,
        turned_profitable (expected customers); sorted by change, largest first.
    """
    grid = _settings(config)["grid"]
    simulator = Simulator(ledger, config, orders)  # the customers prepared once for all
    resolved = simulator.levers()
    keys = list(grid)
    rows = []
    for combo in itertools.product(*(grid[key] for key in keys)):
        overrides: dict[str, Any] = {}
        for key, multiple in zip(keys, combo, strict=True):
            lever, param = key.split(".", 1)
            overrides[key] = float(resolved[lever][param]) * float(multiple)
        totals = simulator.totals(overrides)
        rows.append(
            {
                **overrides,
                "default": all(float(multiple) == 1.0 for multiple in combo),
                "profit_after": totals["profit_after"],
                "change": totals["change"],
                "change_pct": totals["change_pct"],
                "customers_lost": totals["customers_lost"],
                "turned_profitable": totals["turned_profitable"],
            }
        )
    return pd.DataFrame(rows).sort_values("change", ascending=False).reset_index(drop=True)
