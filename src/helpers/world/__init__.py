"""The sample world: a seeded synthetic B2B sales world, apart from the pipeline.

The world holds the six canonical tables (``order_lines``, ``customers``, ``activities``,
``acquisition_spend``, ``opportunities``, ``products``) as a raw export would. Nothing in it states
a conclusion: it draws customers of every size, their orders, terms, service activities, quotes and
acquisition spend from the parameters of :class:`WorldParams`; whether small or big clients are the
profitable ones only shows once a ledger applies cost rates to these drivers. The **flat world**
(``flat=True``, preset ``"flat"``) gives big accounts the terms and per-order service of the
smallest firms, so there the biggest accounts come out the most profitable.

It writes raw exports that the pipeline then reads like any user's data; nothing in the pipeline
imports it (only the teaching app does, to rebuild a world when a student moves a slider).

Modules, in the order a world is made: ``params`` (the documented parameters and presets),
``sampling`` (the drawing kit and calendar), ``customers``, ``orders``, ``tables`` (the other
tables and :func:`generate`), ``write`` (files on disk and the ``python -m helpers.world``
command).

    python -m helpers.world --preset default --out data/sample/default
"""

from helpers.world.params import (
    ACQUISITION_CHANNELS,
    FLAT_FIELDS,
    ORDER_CHANNELS,
    PRESETS,
    SHIP_MODES,
    TIERS,
    WorldParams,
    describe_params,
    params_for,
)
from helpers.world.tables import generate
from helpers.world.write import main, write_world

__all__ = [
    "TIERS",
    "ACQUISITION_CHANNELS",
    "ORDER_CHANNELS",
    "SHIP_MODES",
    "FLAT_FIELDS",
    "WorldParams",
    "PRESETS",
    "params_for",
    "describe_params",
    "generate",
    "write_world",
    "main",
]
