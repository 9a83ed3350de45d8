"""Connect the Ibis backend that runs the ledger's heavy aggregation (DuckDB by default, Spark...).

The ledger is written once as an Ibis expression; this module decides where it runs, from the
config's ``engine`` section (defaults and comments in ``defaults/engine.yaml``):

- ``backend: duckdb`` (default): embedded, in memory or in a ``database:`` file, with ``threads``
  and ``memory_limit``;
- ``backend: pyspark``: local mode bound to 127.0.0.1 with the UI off, or a cluster via
  ``master:`` and ``conf:``;
- any other Ibis backend by name, with ``connect:`` keyword arguments; its tables either come
  from the processed Parquet files (when the backend can read Parquet) or from existing tables
  named in ``engine.tables``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
from ibis.backends import BaseBackend

from helpers.config import ConfigError, resolve_path
from helpers.schema import CANONICAL

__all__ = [
    "EngineError",
    "engine_settings",
    "connect",
    "read_table",
    "only_customers",
    "spark_session",
]

#: Spark settings of local mode: loopback only, no UI, few shuffle partitions, UTC dates
_SPARK_LOCAL_CONF: dict[str, str] = {
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
}
#: Spark settings of every session: dates are calendar dates, not shifted by the local zone
_SPARK_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    # pandas writes nanosecond timestamps, which Spark reads only as integers (see read_table)
    "spark.sql.legacy.parquet.nanosAsLong": "true",
}


_NANOS_PER_SECOND = 1_000_000_000


class EngineError(RuntimeError):
    """The configured engine cannot be started or cannot read a table."""


def engine_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config's ``engine`` section as a dict (``engine: pyspark`` means default settings).

    Parameters
    ----------
    config
        The dataset config.

    Returns
    -------
    dict
        The settings, with ``backend`` lower-cased (``duckdb`` when not given).

    Raises
    ------
    ConfigError
        When ``engine`` is neither a backend name nor a mapping.
    """
    raw = config.get("engine") or {}
    if isinstance(raw, str):
        raw = {"backend": raw}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"engine: expected a backend name or a mapping, got {raw!r}")
    settings = dict(raw)
    settings["backend"] = str(settings.get("backend") or "duckdb").lower()
    return settings


def spark_session(settings: Mapping[str, Any]) -> Any:
    """A SparkSession for ``settings`` (local mode on 127.0.0.1 unless ``master`` is given).

    Parameters
    ----------
    settings
        :func:`engine_settings`: ``master``, ``app_name``, ``threads`` and ``conf`` are used.

    Returns
    -------
    pyspark.sql.SparkSession
        A new or the running session, dates in UTC.

    Raises
    ------
    EngineError
        When pyspark is not installed or Spark cannot start (Java missing, cluster unreachable).
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineError(
            "engine pyspark: the pyspark package is not installed (pip install 'pyspark>=3.5')"
        ) from None
    master = settings.get("master")
    builder = SparkSession.builder.appName(str(settings.get("app_name") or "ledger"))
    conf = dict(_SPARK_CONF)
    if not master:
        master = f"local[{settings.get('threads') or '*'}]"
        conf.update(_SPARK_LOCAL_CONF)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    conf.update({str(k): str(v) for k, v in (settings.get("conf") or {}).items()})
    builder = builder.master(str(master))
    for key, value in conf.items():
        builder = builder.config(key, value)
    try:
        return builder.getOrCreate()
    except Exception as exc:  # Java missing, cluster unreachable...
        raise EngineError(f"engine pyspark: cannot start Spark ({master}): {exc}") from None


def connect(config: Mapping[str, Any]) -> BaseBackend:
    """Connect the Ibis backend named by ``config['engine']``.

    Parameters
    ----------
    config
        The dataset config (its ``engine`` section; relative database paths resolve against
        the config's folder).

    Returns
    -------
    ibis.backends.BaseBackend
        A DuckDB connection (default), a PySpark connection or any other Ibis backend.

    Raises
    ------
    EngineError
        When the backend is not an Ibis backend or cannot connect.
    """
    settings = engine_settings(config)
    name = settings["backend"]
    if name == "duckdb":
        database = settings.get("database") or ":memory:"
        if database != ":memory:":
            database = str(resolve_path(config, database))
        kwargs: dict[str, Any] = {}
        if settings.get("threads"):
            kwargs["threads"] = int(settings["threads"])
        if settings.get("memory_limit"):
            kwargs["memory_limit"] = str(settings["memory_limit"])
        return ibis.duckdb.connect(database, **kwargs, **(settings.get("connect") or {}))
    if name == "pyspark":
        return ibis.pyspark.connect(spark_session(settings))
    backend = getattr(ibis, name, None)
    if backend is None or not hasattr(backend, "connect"):
        raise EngineError(
            f"engine {name!r}: not an Ibis backend (is ibis-framework[{name}] installed?)"
        )
    try:
        return backend.connect(**(settings.get("connect") or {}))
    except Exception as exc:
        raise EngineError(f"engine {name!r}: cannot connect: {exc}") from None


def read_table(
    con: BaseBackend, name: str, processed_dir: Path, config: Mapping[str, Any]
) -> ibis.Table | None:
    """Canonical table ``name`` on the backend, or None when the dataset does not have it.

    A table listed in ``engine.tables`` (``{order_lines: sales.order_lines}``) is an existing
    table of the backend; otherwise the processed Parquet file is read by the backend itself.

    Parameters
    ----------
    con
        The backend (:func:`connect`).
    name
        A canonical table name (``order_lines``, ``customers``, ``activities``...).
    processed_dir
        Folder of the canonical Parquet tables.
    config
        The dataset config (its ``engine.tables``).

    Returns
    -------
    ibis.Table or None
        The table, its date columns as timestamps; None without a Parquet file for it.

    Raises
    ------
    EngineError
        When the backend cannot read Parquet and the table is not named in ``engine.tables``.
    """
    existing = (engine_settings(config).get("tables") or {}).get(name)
    if existing:
        *db, table = str(existing).split(".")
        return con.table(table, database=".".join(db) or None)
    path = Path(processed_dir) / f"{name}.parquet"
    if not path.exists():
        return None
    try:
        table = con.read_parquet(str(path), table_name=f"{name}_{abs(hash(str(path))):x}")
    except NotImplementedError:
        raise EngineError(
            f"engine {con.name!r} cannot read Parquet: load {name} into it and name the table "
            f"in the config (engine: tables: {name}: schema.table)"
        ) from None
    return _dates_as_timestamps(table, name)


def _dates_as_timestamps(table: ibis.Table, name: str) -> ibis.Table:
    """Date columns that a backend read as integer nanoseconds (Spark), back to timestamps."""
    dates = [c for c, kind in CANONICAL.get(name, {}).items() if kind == "date"]
    fix = {
        c: (table[c] // _NANOS_PER_SECOND).as_timestamp("s")
        for c in dates
        if c in table.columns and table[c].type().is_integer()
    }
    return table.mutate(**fix) if fix else table


def only_customers(
    customers: Iterable[str] | None,
    window: tuple[pd.Timestamp | None, pd.Timestamp | None],
    *tables: ibis.Table | None,
) -> tuple[Any, ...]:
    """Restrict the ledger's input tables to some customers, keeping the whole ledger's window.

    The ledger counts each customer's years on the books inside a window: the period, or else
    the data's first and last order day. For some customers only, that window must stay the
    whole data's, so their rows carry the same figures as in the whole ledger (only
    ``size_tier``, cut among the rows returned, can differ).

    Parameters
    ----------
    customers
        Customer ids (None: no restriction; the tables come back as they are).
    window
        The period's ``(start, end)``, either None when open.
    tables
        The order lines first, then any other table with a ``customer_id`` (or None).

    Returns
    -------
    tuple
        The window with open ends filled from the order lines (the period's bounds are kept),
        then each table semi-joined to the ids (a long ``IN`` list is slow on DuckDB).
    """
    if customers is None:
        return (window, *tables)
    start, end = window
    lines = tables[0]
    if start is not None:
        lines = lines.filter(lines.order_date >= ibis.literal(pd.Timestamp(start).to_pydatetime()))
    if end is not None:
        stop = pd.Timestamp(end).normalize() + pd.Timedelta(days=1)
        lines = lines.filter(lines.order_date < ibis.literal(stop.to_pydatetime()))
    extent = lines.aggregate(first=lines.order_date.min(), last=lines.order_date.max())
    first, last = extent.execute().iloc[0]
    filled = (
        start if start is not None or pd.isna(first) else pd.Timestamp(first),
        end if end is not None or pd.isna(last) else pd.Timestamp(last),
    )
    ids = pd.DataFrame({"customer_id": pd.unique(pd.Series(list(customers), dtype=object))})
    wanted = ibis.memtable(ids, schema={"customer_id": "string"})
    kept = (None if t is None else t.semi_join(wanted, "customer_id") for t in tables)
    return (filled, *kept)
