"""Load a dataset's YAML config, merged over the documented defaults of every module."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

__all__ = [
    "ConfigError",
    "load_config",
    "defaults",
    "given",
    "parse_period",
    "resolve_period",
    "RELATIVE_PERIODS",
    "resolve_path",
]

_DEFAULTS_DIR = Path(__file__).parent.parent / "defaults"


class ConfigError(ValueError):
    """A config file is missing, unreadable or holds a value of the wrong kind."""


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``over`` into a copy of ``base`` (mappings merge, everything else replaces)."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


#: libyaml's parser where PyYAML has it (ten times the pure-Python one: a second per notebook)
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def defaults() -> dict[str, Any]:
    """The defaults of every module: one YAML file per module in ``helpers/defaults/``.

    Returns
    -------
    dict
        The merged defaults (a fresh copy on every call).
    """
    merged: dict[str, Any] = {}
    for path in sorted(_DEFAULTS_DIR.glob("*.yaml")):
        merged = _merge(merged, yaml.load(path.read_text(encoding="utf-8"), _FAST_LOADER) or {})
    return merged


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a dataset config and merge it over the defaults.

    Parameters
    ----------
    path
        The YAML file (relative to the current folder or, failing that, to the project).
        Relative paths inside it are relative to the file's folder.

    Returns
    -------
    dict
        The merged config, with ``_path`` (the file), ``_dir`` (its folder) and ``_given``
        (the file's own mapping, to tell configured values from defaults) added.

    Raises
    ------
    ConfigError
        When the file is missing, not UTF-8, not YAML (or has a duplicate key, or aliases that
        expand past a limit), not a mapping, names no ``order_lines`` table, or breaks the
        schema (:mod:`helpers.config.validation`: an unknown key, a wrong type or range); the
        message names the file, each key path and what was expected.
    """
    given = Path(path).expanduser()
    path = given.resolve()
    if not path.is_file() and not given.is_absolute():
        from helpers.paths import (
            PROJECT_ROOT,  # notebooks run in notebooks/: accept project-relative paths
        )

        path = (PROJECT_ROOT / given).resolve()
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    from helpers.config.validation import read_yaml, schema_errors  # jsonschema: when read

    try:
        raw = read_yaml(path) or {}
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{path}: expected a mapping at the top level, got {type(raw).__name__}")
    if "tables" not in raw or not isinstance(raw["tables"], Mapping):
        raise ConfigError(f"{path}: expected a 'tables' section mapping table names to sources")
    if "order_lines" not in raw["tables"]:
        raise ConfigError(
            f"{path}: 'tables' must name an 'order_lines' source (the one required table)"
        )
    base = defaults()
    config = _merge(base, raw)
    problems = schema_errors(config, sections=base)
    if problems:
        listed = "; ".join(problems[:8]) + (
            f"; and {len(problems) - 8} more" if len(problems) > 8 else ""
        )
        raise ConfigError(f"{path}: {listed}")
    config["_given"] = copy.deepcopy(dict(raw))  # what the user wrote, apart from the defaults
    config["_path"] = str(path)
    config["_dir"] = str(path.parent)
    config.setdefault("name", path.stem)
    return config


def given(config: Mapping[str, Any], *keys: str) -> bool:
    """Whether the user's config file itself sets ``keys`` (a path of nested keys).

    Parameters
    ----------
    config : Mapping
        A config from :func:`load_config` (a config without ``_given``, such as the bare
        defaults, sets nothing).
    *keys : str
        The path, e.g. ``("cost_to_serve", "activities", "delivery", "rate")``.

    Returns
    -------
    bool
        True when every key along the path is present in the file (a value of null counts).
    """
    node: Any = config.get("_given") or {}
    for key in keys:
        if not isinstance(node, Mapping) or key not in node:
            return False
        node = node[key]
    return True


def resolve_path(config: Mapping[str, Any], value: str | Path) -> Path:
    """A path from the config, made absolute relative to the config's folder.

    Parameters
    ----------
    config : Mapping
        A loaded config (its ``_dir`` is the folder of the YAML file).
    value : str or pathlib.Path
        The path as written in the config.

    Returns
    -------
    pathlib.Path
        Absolute path (not checked for existence).
    """
    p = Path(value).expanduser()
    return p if p.is_absolute() else (Path(config.get("_dir", ".")) / p).resolve()


#: relative periods a scheduler may ask for (see :func:`resolve_period`)
RELATIVE_PERIODS = ("last-month", "last-quarter", "ytd", "last-12-months")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def resolve_period(period: str | None, as_of: date | None = None) -> str:
    """A period as ``"START:END"`` in ISO dates, relative words resolved against ``as_of``.

    Every relative period covers whole days before ``as_of`` (the last complete day is
    ``as_of - 1 day``, called E below):

    - ``last-month``: the last complete calendar month ending on or before E;
    - ``last-quarter``: the last complete calendar quarter ending on or before E;
    - ``ytd``: 1 January of E's year to E;
    - ``last-12-months``: the twelve complete calendar months ending with ``last-month``.

    Parameters
    ----------
    period : str or None
        A relative word of :data:`RELATIVE_PERIODS`, or anything :func:`parse_period` reads
        (returned unchanged).
    as_of : datetime.date, optional
        The anchor day (default: today, UTC): the run "as of" this day.

    Returns
    -------
    str
        ``"START:END"`` for a relative word; ``period`` (or ``""``) otherwise.

    Examples
    --------
    >>> resolve_period("last-month", date(2024, 4, 15))
    '2024-03-01:2024-03-31'
    >>> resolve_period("ytd", date(2024, 4, 15))
    '2024-01-01:2024-04-14'
    """
    text = (period or "").strip()
    if text not in RELATIVE_PERIODS:
        return period or ""
    last_day = pd.Timestamp(as_of or datetime.now(UTC).date()) - pd.Timedelta(days=1)
    if text == "ytd":
        return f"{last_day.year}-01-01:{last_day.date().isoformat()}"
    months = 3 if text == "last-quarter" else 1
    end = (last_day + pd.Timedelta(days=1)).to_period(f"{months}M" if months == 1 else "Q")
    end = (end - 1).end_time.normalize()  # the last complete month or quarter
    span = 12 if text == "last-12-months" else months
    start = (end - pd.DateOffset(months=span) + pd.Timedelta(days=1)).normalize()
    return f"{start.date().isoformat()}:{end.date().isoformat()}"


def _period_bound(label: str, value: Any) -> pd.Timestamp | None:
    """One side of a period: None when empty; an ISO date (text) or a date-like value."""
    if value is None or str(value).strip() == "":
        return None
    if isinstance(value, str) and not _ISO_DATE.match(value.strip()):
        raise ConfigError(
            f"period {label} {value!r}: expected an ISO date like 2024-01-31 "
            f"(or a whole period: {', '.join(RELATIVE_PERIODS)})"
        )
    try:
        return pd.Timestamp(str(value).strip())
    except (ValueError, TypeError):
        raise ConfigError(
            f"period {label} {value!r}: expected an ISO date like 2024-01-31"
        ) from None


def parse_period(
    period: str | None | tuple[Any, Any],
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """Parse ``"2024-01-01:2024-12-31"`` (either side may be empty) into inclusive bounds.

    Parameters
    ----------
    period : str, tuple or None
        ``"START:END"`` with ISO dates (YYYY-MM-DD), either side empty for open; a relative
        word of :data:`RELATIVE_PERIODS` (resolved against today, see :func:`resolve_period`);
        a (start, end) pair; or None / ``""`` / ``":"`` for the whole data.

    Returns
    -------
    (pandas.Timestamp or None, pandas.Timestamp or None)
        Inclusive start and end; None where open.

    Raises
    ------
    ConfigError
        When the text has no ``:``, a side is not an ISO date (``now``, ``today`` are refused),
        or the start is after the end.

    Examples
    --------
    >>> parse_period("2024-01-01:")
    (Timestamp('2024-01-01 00:00:00'), None)
    """
    if isinstance(period, str):
        period = resolve_period(period)
    if period is None or period == "" or period == ":":
        return None, None
    if isinstance(period, str):
        if ":" not in period:
            raise ConfigError(
                f"period {period!r}: expected 'START:END' (ISO dates, either may be empty) "
                f"or one of {', '.join(RELATIVE_PERIODS)}"
            )
        start_s, end_s = period.split(":", 1)
    else:
        start_s, end_s = period
    start, end = _period_bound("start", start_s), _period_bound("end", end_s)
    if start is not None and end is not None and start > end:
        raise ConfigError(f"period {period!r}: start is after end")
    return start, end
