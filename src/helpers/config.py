"""Load a dataset's YAML config, merged over the documented defaults of every module."""

from __future__ import annotations

import copy
from collections.abc import Mapping
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
    "resolve_path",
]

_DEFAULTS_DIR = Path(__file__).parent / "defaults"


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


def defaults() -> dict[str, Any]:
    """The defaults of every module: one YAML file per module in ``helpers/defaults/``.

    Returns
    -------
    dict
        The merged defaults (a fresh copy on every call).
    """
    merged: dict[str, Any] = {}
    for path in sorted(_DEFAULTS_DIR.glob("*.yaml")):
        merged = _merge(merged, yaml.safe_load(path.read_text(encoding="utf-8")) or {})
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
        When the file is missing, not YAML, not a mapping, or names no ``order_lines`` table.
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
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{path}: expected a mapping at the top level, got {type(raw).__name__}")
    if "tables" not in raw or not isinstance(raw["tables"], Mapping):
        raise ConfigError(f"{path}: expected a 'tables' section mapping table names to sources")
    if "order_lines" not in raw["tables"]:
        raise ConfigError(
            f"{path}: 'tables' must name an 'order_lines' source (the one required table)"
        )
    config = _merge(defaults(), raw)
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


def parse_period(
    period: str | None | tuple[Any, Any],
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """Parse ``"2024-01-01:2024-12-31"`` (either side may be empty) into inclusive bounds.

    Parameters
    ----------
    period : str, tuple or None
        ``"START:END"`` with ISO dates, either side empty for open; a (start, end) pair; or
        None / ``""`` / ``":"`` for the whole data.

    Returns
    -------
    (pandas.Timestamp or None, pandas.Timestamp or None)
        Inclusive start and end; None where open.

    Raises
    ------
    ConfigError
        When the text has no ``:``, a side is not a date, or the start is after the end.

    Examples
    --------
    >>> parse_period("2024-01-01:")
    (Timestamp('2024-01-01 00:00:00'), None)
    """
    if period is None or period == "" or period == ":":
        return None, None
    if isinstance(period, str):
        if ":" not in period:
            raise ConfigError(
                f"period {period!r}: expected 'START:END' (ISO dates, either may be empty)"
            )
        start_s, end_s = period.split(":", 1)
    else:
        start_s, end_s = period
    out: list[pd.Timestamp | None] = []
    for label, s in (("start", start_s), ("end", end_s)):
        if s is None or str(s).strip() == "":
            out.append(None)
            continue
        try:
            out.append(pd.Timestamp(str(s).strip()))
        except (ValueError, TypeError):
            raise ConfigError(
                f"period {label} {s!r}: expected an ISO date like 2024-01-31"
            ) from None
    start, end = out
    if start is not None and end is not None and start > end:
        raise ConfigError(f"period {period!r}: start is after end")
    return start, end
