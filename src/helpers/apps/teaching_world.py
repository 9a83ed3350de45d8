"""A teaching world in memory: generated frames -> canonical tables -> ledger, no files, no engine.

The teaching app regenerates a small world on every slider move. Writing it out, ingesting it
and building its ledger on DuckDB (:func:`build_world_on_engine`, the path any export takes)
costs seconds; the world is generated clean (no rejects, no duplicates, amounts per unit), so
its canonical tables follow from its frames by the arithmetic ingest applies to such an export
(:func:`canonical_tables`), and its ledger from :func:`helpers.ledger.frames.ledger_from_frames`
(:func:`build_world_in_memory`). Both give the same ledger; ``tests/apps/test_teaching_world.py``
holds them to it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from helpers.config import defaults, load_config

__all__ = [
    "TABLES_USED",
    "canonical_tables",
    "world_config",
    "build_world_in_memory",
    "build_world_on_engine",
]

#: canonical tables the session reads besides the ledger
TABLES_USED = ("order_lines", "customers", "opportunities")
_WORLD_TABLES = (
    "order_lines",
    "customers",
    "activities",
    "acquisition_spend",
    "opportunities",
    "products",
)
#: the caller's config sections a world's config takes over (cost model, tiers, teaching, ...)
_SESSION_SECTIONS = ("cost_to_serve", "size_tiers", "teaching", "explorer", "growth")
#: the engine of a world built on DuckDB: one thread each, as a class shares the machine's cores
_WORLD_ENGINE = {"backend": "duckdb", "threads": 1, "memory_limit": "256MB"}
_CONFIGS: dict[str, dict[str, Any]] = {}


def _world_spec() -> dict[str, Any]:
    """The dataset config a world's raw export is read with (the sample configs' mapping)."""
    tables: dict[str, Any] = {name: {"path": f"raw/{name}.parquet"} for name in _WORLD_TABLES}
    tables["order_lines"].update(amounts="unit", discount_as="amount")
    return {"name": "teaching", "engine": _WORLD_ENGINE, "tables": tables}


def _with_sections(loaded: dict[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """``loaded`` with the session's sections, given (the world is drawn with these rates)."""
    for key in _SESSION_SECTIONS:
        if key in config:
            loaded[key] = dict(config[key])
            loaded["_given"][key] = copy.deepcopy(dict(config[key]))
    return loaded


def world_config(config: Mapping[str, Any], folder: Path | None = None) -> dict[str, Any]:
    """The dataset config of a teaching world, with the session's cost model and tiers.

    Parameters
    ----------
    config
        The session's config.
    folder
        Where the world's raw export is written (read by ingest); None for a world kept in
        memory: the same config, merged over the defaults without writing a file.

    Returns
    -------
    dict
        A fresh copy (built once per folder and session config).
    """
    sections = {key: config[key] for key in _SESSION_SECTIONS if key in config}
    memo = json.dumps([str(folder), sections], sort_keys=True, default=str)
    if memo not in _CONFIGS:
        spec = _world_spec()
        if folder is not None:
            path = Path(folder) / "teaching.yaml"
            path.write_text(yaml.safe_dump(spec), encoding="utf-8")
            loaded = load_config(path)
        else:
            loaded = {**defaults(), **copy.deepcopy(spec), "_given": copy.deepcopy(spec)}
            loaded["engine"] = {**defaults().get("engine", {}), **_WORLD_ENGINE}
        _CONFIGS[memo] = _with_sections(loaded, config)
    return copy.deepcopy(_CONFIGS[memo])


def _canonical_lines(raw: pd.DataFrame) -> pd.DataFrame:
    """Order lines with ingest's amounts of a per-unit export (revenue, cost, returns)."""
    quantity = raw["quantity"].to_numpy(dtype="float64")
    price = raw["unit_price"].to_numpy(dtype="float64")
    given = raw["discount"].to_numpy(dtype="float64", na_value=0.0)
    is_return = quantity < 0
    discount = np.where(is_return & (given > 0), -given, given)
    revenue = quantity * price - discount
    cost = quantity * np.abs(raw["unit_cost"].to_numpy(dtype="float64"))
    lines = raw.drop(columns=["unit_cost"]).copy()
    lines["discount"] = np.round(discount, 9)
    lines["revenue"] = np.round(revenue, 9)
    lines["cost"] = np.round(cost, 9)
    lines["is_return"] = is_return
    lines["is_duplicate"] = False
    return lines


def canonical_tables(generated: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """A generated world's canonical tables, as ingest would write them from its export.

    Parameters
    ----------
    generated
        :func:`helpers.world.generate`'s frames (amounts per unit, discounts as amounts).

    Returns
    -------
    dict
        ``order_lines`` with ``revenue`` = quantity x unit price - discount, ``cost`` =
        quantity x unit cost (currency, negative for returns, rounded to 9 decimals as ingest
        rounds), ``is_return`` and ``is_duplicate``; ``customers``, ``activities`` and
        ``opportunities`` as generated.
    """
    out = {name: generated[name] for name in ("customers", "activities", "opportunities")}
    out["order_lines"] = _canonical_lines(generated["order_lines"])
    return out


def build_world_in_memory(
    generated: Mapping[str, pd.DataFrame], config: Mapping[str, Any]
) -> tuple[dict[str, pd.DataFrame], dict[str, Any], pd.DataFrame]:
    """A world's tables, config and ledger, computed in memory (pandas).

    Parameters
    ----------
    generated
        :func:`helpers.world.generate`'s frames.
    config
        The session's config.

    Returns
    -------
    (dict, dict, DataFrame)
        The canonical tables of :data:`TABLES_USED`, the world's config and its ledger.
    """
    from helpers.ledger.frames import ledger_from_frames

    tables = canonical_tables(generated)
    base_config = world_config(config)
    ledger = ledger_from_frames(tables, base_config)
    return {name: tables[name] for name in TABLES_USED}, base_config, ledger


def build_world_on_engine(
    generated: Mapping[str, pd.DataFrame], config: Mapping[str, Any], folder: Path
) -> tuple[dict[str, pd.DataFrame], dict[str, Any], pd.DataFrame]:
    """A world's tables, config and ledger the way any export gets them: files, ingest, DuckDB.

    Parameters
    ----------
    generated
        :func:`helpers.world.generate`'s frames.
    config
        The session's config.
    folder
        Where the raw export and the processed tables are written.

    Returns
    -------
    (dict, dict, DataFrame)
        As :func:`build_world_in_memory`.
    """
    from helpers import ingest, ledger
    from helpers.world import write_world

    folder = Path(folder)
    write_world(dict(generated), folder / "raw")
    base_config = world_config(config, folder)
    processed = folder / "processed"
    ingest.ingest_dataset(base_config, processed)
    built = ledger.build_ledger(processed, base_config)
    tables = {name: pd.read_parquet(processed / f"{name}.parquet") for name in TABLES_USED}
    return tables, base_config, built
