"""Sliders that replay the Q3 scenario and redraw its figures (the ipywidgets side of Q3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from helpers import q3_price_and_channel as scenarios

__all__ = ["scenario_widgets"]

_STYLE = {"description_width": "initial"}
_CURRENCY = ("threshold", "fee")


def _slider(
    key: str, bounds: tuple[float, float, float], value: float, unit: float
) -> widgets.FloatSlider:
    """A slider for ``lever.param`` at ``value``; currency amounts move in multiples of ``unit``.

    ``unit`` is the resolved default, or the small clients' median order value when that
    default is zero, so the range is in the data's currency and never empty.
    """
    low, high, step = bounds
    if key.split(".", 1)[1] in _CURRENCY:  # currency: multiples of the resolved default
        low, high, step = low * unit, high * unit, max(step * unit, 1e-6)
    return widgets.FloatSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=key,
        style=_STYLE,
        layout=widgets.Layout(width="480px"),
    )


def _controls(
    ledger: pd.DataFrame, config: Mapping[str, Any], orders: scenarios.OrderBook | None
) -> dict[str, Any]:
    """One slider per ``scenarios.sliders`` entry, then the migration target's dropdown."""
    settings = config["scenarios"]
    resolved = scenarios.resolve_levers(ledger, config, scenarios.scenario_levers(config), orders)
    fallback = scenarios.median_small_order(ledger, config, orders)
    controls: dict[str, Any] = {}
    for key, bounds in settings["sliders"].items():
        lever, param = key.split(".", 1)
        value = float(resolved[lever][param])
        unit = value if value > 0 else (fallback if fallback > 0 else 1.0)
        controls[key] = _slider(key, tuple(bounds), value, unit)
    controls["channel_migration.target"] = widgets.Dropdown(
        options=list(settings["channels"]),
        value=resolved["channel_migration"]["target"],
        description="channel_migration.target",
        style=_STYLE,
    )
    return controls


def scenario_widgets(
    ledger: pd.DataFrame,
    config: Mapping[str, Any],
    orders: pd.DataFrame | scenarios.OrderBook | None = None,
) -> widgets.VBox:
    """Sliders for the lever assumptions that redraw the scenario's figures.

    The sliders (``scenarios.sliders``: lever.param -> low, high, step; currency amounts as
    multiples of their resolved default, or of the small clients' median order value when that
    default is zero) and the channel-migration target re-run
    :func:`helpers.q3_price_and_channel.simulate` and redraw the before/after and break-even
    figures with the report's own figure functions.

    Parameters
    ----------
    ledger
        The customer ledger.
    config
        The run's config (sections ``scenarios`` and ``size_tiers``).
    orders
        :func:`helpers.q3_price_and_channel.order_values`, or None.

    Returns
    -------
    ipywidgets.VBox
        The controls (first child, a VBox of sliders and the dropdown) above the figures.
    """
    orders = scenarios.OrderBook.of(orders)  # the orders read once for every redraw
    controls = _controls(ledger, config, orders)

    def redraw(**values: Any) -> None:
        overrides = {key.replace("__", "."): value for key, value in values.items()}
        scenario = scenarios.simulate(ledger, config, overrides, orders)
        fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
        scenarios.plot_profit_by_segment(scenario, ax=axes[0])
        scenarios.plot_break_even(scenarios.break_even_curves(ledger, config, orders), ax=axes[1])
        fig.tight_layout()
        display(fig)
        plt.close(fig)

    arguments = {key.replace(".", "__"): control for key, control in controls.items()}
    output = widgets.interactive_output(redraw, arguments)
    return widgets.VBox([widgets.VBox(list(controls.values())), output])
