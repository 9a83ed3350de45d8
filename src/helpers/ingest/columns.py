"""What a table's config asks for: its parse options, its source files and its column mapping."""

from __future__ import annotations

import glob
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from helpers import schema
from helpers.config import resolve_path
from helpers.ingest.errors import IngestError
from helpers.ingest.keys import ID_STEPS
from helpers.ingest.readers import RawFile

__all__ = [
    "DERIVED",
    "config_name",
    "source_fields",
    "table_options",
    "resolve_sources",
    "match_columns",
]

#: order_lines columns computed by ingest, never read from the export
DERIVED = ("revenue", "cost_assumed", "is_return", "is_duplicate", "source_file", "source_row")
# fields an order-line export may carry besides the canonical columns
_ORDER_EXTRAS = {
    "unit_cost": "float64",  # cost per unit
    "sales": "float64",  # line sales after discount (amounts: line / revenue_only)
    "profit": "float64",  # line profit (amounts: line)
    "margin": "float64",  # line margin as a fraction of sales (amounts: line)
    "credit_note": "bool",  # a flag or document type marking credit notes / returns
}
_TABLE_KEYS = {"path", "columns", "header", "price_list"}
_MODES = ("unit", "line", "revenue_only")
_ABSENT = "\0"  # prefix of a configured source column the file does not have


def config_name(config: Mapping[str, Any]) -> str:
    """The config's path for messages, or ``config``.

    Parameters
    ----------
    config
        A loaded dataset config.

    Returns
    -------
    str
        Its ``_path`` (set by the loader), else ``config``.
    """
    return str(config.get("_path") or "config")


def source_fields(table: str) -> dict[str, str]:
    """The fields a source of ``table`` may map (field -> schema dtype).

    Parameters
    ----------
    table
        A canonical table name (``helpers.schema.CANONICAL``).

    Returns
    -------
    dict of str to str
        Field name -> schema dtype. For ``order_lines``: the canonical columns except the ones
        ingest derives, plus ``unit_cost``, ``sales``, ``profit``, ``margin`` and ``credit_note``.

    Raises
    ------
    KeyError
        When ``table`` is not a canonical table.
    """
    if table not in schema.CANONICAL:
        raise KeyError(table)
    fields = dict(schema.CANONICAL[table].items())
    if table == "order_lines":
        fields = {k: v for k, v in fields.items() if k not in DERIVED} | _ORDER_EXTRAS
    return fields


def _check_order_options(config: Mapping[str, Any], table: str, opts: Mapping[str, Any]) -> None:
    """Refuse an unknown ``amounts`` mode or ``discount_as``."""
    if opts.get("amounts") not in _MODES:
        raise IngestError(
            f"{config_name(config)}: tables.{table}.amounts: {opts.get('amounts')!r} "
            f"(expected one of: {', '.join(_MODES)})"
        )
    if opts.get("discount_as") not in ("amount", "fraction"):
        raise IngestError(
            f"{config_name(config)}: tables.{table}.discount_as: {opts.get('discount_as')!r} "
            "(expected amount or fraction)"
        )


def table_options(config: Mapping[str, Any], table: str, spec: Any) -> dict[str, Any]:
    """The table's parse options: the ``ingest`` defaults overridden by the table's spec.

    Parameters
    ----------
    config
        The whole (merged) config; its ``ingest`` mapping holds the defaults.
    table
        A canonical table name.
    spec
        The table's entry under ``tables``: a mapping, or just a path or list of paths.

    Returns
    -------
    dict of str to Any
        Every default option, overridden by the spec's (``path`` and ``columns`` included).

    Raises
    ------
    IngestError
        When the spec is not a mapping, has an unknown key or no path, or (order lines) an
        unknown ``amounts`` or ``discount_as``.
    """
    if isinstance(spec, str | list):
        spec = {"path": spec}
    if not isinstance(spec, Mapping):
        raise IngestError(
            f"{config_name(config)}: tables.{table}: expected a mapping with at least 'path', "
            f"got {type(spec).__name__}"
        )
    base = dict(config.get("ingest") or {})
    allowed = _TABLE_KEYS | set(base)
    for key in spec:
        if key not in allowed:
            raise IngestError(
                f"{config_name(config)}: tables.{table}.{key}: unknown key (expected one of: "
                f"{', '.join(sorted(allowed - {'required'}))})"
            )
    if "path" not in spec or not spec["path"]:
        raise IngestError(
            f"{config_name(config)}: tables.{table}: no 'path' given (expected a file, list or glob)"
        )
    opts = {**base, **spec}
    if table == "order_lines":
        _check_order_options(config, table, opts)
    steps = opts.get("id_normalise") or []
    unknown = [step for step in steps if step not in ID_STEPS] if isinstance(steps, list) else steps
    if unknown:
        raise IngestError(
            f"{config_name(config)}: tables.{table}.id_normalise: {unknown!r} (expected a list "
            f"of: {', '.join(ID_STEPS)})"
        )
    return opts


def resolve_sources(config: Mapping[str, Any], table: str, paths: Any) -> list[tuple[Path, str]]:
    """Files of a table (a path, a list or globs), each with its display name.

    Parameters
    ----------
    config
        The whole config (relative paths are relative to its folder, ``_dir``).
    table
        A canonical table name (for messages).
    paths
        The table's ``path``: one path or glob, or a list of them.

    Returns
    -------
    list of (Path, str)
        Each file and its name relative to the config's folder (as given if absolute); the
        files of a glob sorted.

    Raises
    ------
    IngestError
        When a glob matches no file, or a file is named twice (by two paths or globs).
    """
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    base = Path(config.get("_dir", "."))
    out: list[tuple[Path, str]] = []
    for item in items:
        resolved = resolve_path(config, item)
        if any(char in str(item) for char in "*?["):
            found = sorted(Path(match) for match in glob.glob(str(resolved)))
            if not found:
                raise IngestError(
                    f"{item}: no file matches this pattern (tables.{table}.path, relative to {base})"
                )
            out.extend((match, os.path.relpath(match, base)) for match in found)
        else:
            shown = (
                os.path.relpath(resolved, base) if not Path(str(item)).is_absolute() else str(item)
            )
            out.append((resolved, shown))
    _check_listed_once(config, table, out)
    return out


def _check_listed_once(
    config: Mapping[str, Any], table: str, files: list[tuple[Path, str]]
) -> None:
    """Refuse a file that a table's paths name twice (its lines would count twice)."""
    seen: dict[Path, str] = {}
    for path, shown in files:
        key = Path(os.path.realpath(path))
        if key in seen:
            also = f" (also as {seen[key]!r})" if seen[key] != shown else ""
            raise IngestError(
                f"{config_name(config)}: tables.{table}.path: {shown!r} is listed twice{also} "
                "(expected each file once; its lines would be counted twice)"
            )
        seen[key] = shown


def _given_columns(
    opts: Mapping[str, Any], table: str, fields: Mapping[str, str], config: Mapping[str, Any]
) -> Mapping[str, Any]:
    """The table's ``columns`` mapping (field -> source column), checked against the fields."""
    given = opts.get("columns") or {}
    if not isinstance(given, Mapping):
        raise IngestError(
            f"{config_name(config)}: tables.{table}.columns: expected a mapping field: source column"
        )
    for key in given:
        if key not in fields:
            raise IngestError(
                f"{config_name(config)}: tables.{table}.columns.{key}: unknown field (expected one "
                f"of: {', '.join(fields)})"
            )
    return given


def _find_columns(
    header: list[str], fields: Mapping[str, str], given: Mapping[str, Any]
) -> dict[str, str]:
    """Field -> header column, exact or ignoring case and spacing (when that finds only one).

    A configured source column the header lacks is kept, prefixed with ``_ABSENT``.
    """
    folded: dict[str, list[str]] = {}
    for column in header:
        folded.setdefault(" ".join(column.split()).casefold(), []).append(column)

    def find(name: str) -> str | None:
        if name in header:
            return name
        hits = folded.get(" ".join(str(name).split()).casefold(), [])
        return hits[0] if len(hits) == 1 else None

    mapping: dict[str, str] = {}
    for fld in fields:
        source = given.get(fld, fld)
        if source in (None, ""):
            continue
        hit = find(str(source))
        if hit is not None:
            mapping[fld] = hit
        elif fld in given:
            mapping[fld] = f"{_ABSENT}{source}"  # an error if required, else a note
    return mapping


def _header_place(raw: RawFile, opts: Mapping[str, Any]) -> str:
    """``row 3 (header)`` for text and sheets, ``columns`` for Parquet."""
    row = int(opts.get("skip_rows") or 0) + 1 if raw.meta.get("format") != "parquet" else 0
    return f"row {row} (header)" if row else "columns"


def _check_case_twins(
    raw: RawFile, table: str, opts: Mapping[str, Any], fields: Mapping[str, str], given: Mapping
) -> None:
    """Refuse a field matched by its own name when two columns differ only in case or spacing."""
    folded: dict[str, list[str]] = {}
    for column in raw.table.column_names:
        folded.setdefault(" ".join(column.split()).casefold(), []).append(column)
    for fld in fields:
        if fld in given:
            continue
        twins = folded.get(fld.casefold(), [])
        if len(twins) > 1:
            named = " and ".join(repr(column) for column in twins)
            raise IngestError(
                f"{raw.name}: {_header_place(raw, opts)}: columns {named} differ only in case or "
                f"spacing (expected one column for {table}.{fld}; map the right one under "
                f"tables.{table}.columns.{fld})"
            )


def _required_to_match(opts: Mapping[str, Any], table: str) -> list[str]:
    """Fields whose column must be in the file (order lines: the price or sales of the mode)."""
    required = list((opts.get("required") or {}).get(table, []))
    if table == "order_lines":
        required += ["unit_price"] if opts["amounts"] == "unit" else ["sales"]
        if opts["amounts"] == "revenue_only":
            required = [fld for fld in required if fld != "quantity"]
        if opts.get("transaction_log"):
            required = [fld for fld in required if fld not in ("order_id", "product_id")]
    return required


def _check_mapped(
    raw: RawFile,
    table: str,
    opts: Mapping[str, Any],
    mapping: Mapping[str, str],
    given: Mapping[str, Any],
) -> None:
    """Refuse a file that lacks a required column or a configured one."""
    header = list(raw.table.column_names)
    where = _header_place(raw, opts)
    found = ", ".join(repr(h) for h in header[:30]) + (", ..." if len(header) > 30 else "")
    for fld in _required_to_match(opts, table):
        source = mapping.get(fld)
        if source is None or source.startswith(_ABSENT):
            name = source[1:] if source else str(given.get(fld, fld))
            raise IngestError(
                f"{raw.name}: {where}: required column {name!r} ({table}.{fld}) not found "
                f"(expected it among the columns: {found}; map it under tables.{table}.columns)"
            )
    nested = [source for source in mapping.values() if source in raw.meta.get("nested", [])]
    if nested:
        raise IngestError(
            f"{raw.name}: {where}: column {nested[0]!r} holds lists or records (expected one "
            "value per cell; flatten it before export)"
        )
    missing = [f"{source[1:]!r}" for source in mapping.values() if source.startswith(_ABSENT)]
    if missing:
        raise IngestError(
            f"{raw.name}: {where}: mapped column {missing[0]} not found (expected it among the "
            f"columns: {found}; fix or remove it under tables.{table}.columns)"
        )


def match_columns(
    raw: RawFile, table: str, opts: Mapping[str, Any], config: Mapping[str, Any]
) -> dict[str, str]:
    """Field -> source column for this file; raises if a required column is absent.

    Parameters
    ----------
    raw
        The file as read.
    table
        A canonical table name.
    opts
        The table's parse options (``columns``, ``required``, ``amounts``, ``skip_rows``).
    config
        The whole config (for messages).

    Returns
    -------
    dict of str to str
        Each field found in the file -> its column in the header; a field is matched by its
        configured source column or its own name, exactly or ignoring case and spacing.

    Raises
    ------
    IngestError
        When ``columns`` is malformed or names an unknown field, a required or configured
        column is not in the file, or two columns differ only in case or spacing from a field
        matched by its own name.
    """
    fields = source_fields(table)
    given = _given_columns(opts, table, fields, config)
    _check_case_twins(raw, table, opts, fields, given)
    mapping = _find_columns(list(raw.table.column_names), fields, given)
    _check_mapped(raw, table, opts, mapping, given)
    return mapping
