"""The dataset config's schema (JSON Schema) and a YAML reader that refuses what it cannot trust.

Strict where a typo is likely and would be silently ignored: the top level, ``tables`` and each
table's options, ``ingest``, ``engine``, ``assumptions``, ``report`` and the structure of ``cost_to_serve``
(resources, activities). Permissive (any keys, any values) inside the analysis sections
(``pareto``, ``segments``, ``questions``, ``scenarios``, ``growth``, ``clv``, ...): their modules
own and check their settings. A top-level section that the defaults hold (``helpers/defaults/``)
is always allowed, so a module that adds one needs no change here.

Reading refuses a file over :data:`MAX_BYTES`, text that is not UTF-8, duplicate keys and YAML
aliases that expand past :data:`MAX_NODES` nodes (an "alias bomb").
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

# jsonschema imports rfc3987-syntax, when installed, for its "iri" formats; the import builds a
# grammar and takes seconds (2.7 s here), paid by every notebook kernel of a report. The schema
# below checks no IRI: the module is blocked (unless something imported it already), and
# jsonschema, which imports it in a try block, goes without those formats.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import jsonschema  # noqa: E402

__all__ = ["MAX_BYTES", "MAX_NODES", "config_schema", "read_yaml", "schema_errors"]

#: the largest config file read (bytes)
MAX_BYTES = 1 << 20
#: the most nodes a config may hold once its aliases are expanded
MAX_NODES = 50_000

_NUMBER = {"type": "number", "x-expected": "a number"}
_COUNT = {"type": "integer", "minimum": 0, "x-expected": "a whole number >= 0"}
_POSITIVE = {"type": "integer", "minimum": 1, "x-expected": "a whole number >= 1"}
_FRACTION = {"type": "number", "minimum": 0, "maximum": 1, "x-expected": "a number from 0 to 1"}
_BOOL = {"type": "boolean", "x-expected": "true or false"}
_TEXT = {"type": "string", "x-expected": "text"}
_CHAR = {"type": "string", "pattern": "^(auto|tab|.?)$", "x-expected": "auto, tab or one character"}
_WORDS = {"type": "array", "items": {"type": "string"}, "x-expected": "a list of words"}
_OPTIONAL_TEXT = {"type": ["string", "null"], "x-expected": "text or null"}
_AMOUNT = {"type": ["number", "null"], "minimum": 0, "x-expected": "a number >= 0 or null"}
_PATHS = {
    "anyOf": [
        {"type": "string", "minLength": 1},
        {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
    ],
    "x-expected": "a file path, a glob or a list of them (text)",
}

#: options of a table source, both in ``ingest:`` (defaults) and under ``tables.<table>:``
_TABLE_OPTIONS: dict[str, Any] = {
    "format": {
        "enum": ["auto", "csv", "tsv", "txt", "xlsx", "xls", "xlsb", "ods", "parquet"],
        "x-expected": "auto, csv, tsv, txt, xlsx, xls, xlsb, ods or parquet",
    },
    "encoding": _TEXT,
    "delimiter": _CHAR,
    "quotechar": _CHAR,
    "skip_rows": _COUNT,
    "sheet": {"type": ["string", "integer", "null"], "x-expected": "a sheet name, number or null"},
    "decimal": {"enum": ["auto", ".", ","], "x-expected": "auto, '.' or ','"},
    "thousands": _CHAR,
    "currency_symbols": _WORDS,
    "date_format": _TEXT,
    "dayfirst": _BOOL,
    "date_min": {"type": "string", "format": "date", "x-expected": "an ISO date (quoted)"},
    "date_max": {"type": "string", "format": "date", "x-expected": "an ISO date (quoted)"},
    "amounts": {
        "enum": ["unit", "line", "revenue_only"],
        "x-expected": "unit, line or revenue_only",
    },
    "discount_as": {"enum": ["amount", "fraction"], "x-expected": "amount or fraction"},
    "true_values": _WORDS,
    "false_values": _WORDS,
    "credit_note_values": _WORDS,
    "strict": _BOOL,
    "transaction_log": _BOOL,
    "cancellation_pattern": {
        "type": ["string", "null"],
        "format": "regex",
        "x-expected": "a regular expression (e.g. '^C')",
    },
    "id_normalise": {
        "type": "array",
        "items": {
            "enum": ["trim", "casefold", "leading_zeros", "number_as_text"],
            "x-expected": "trim, casefold, leading_zeros or number_as_text",
        },
        "x-expected": "a list of trim, casefold, leading_zeros, number_as_text",
    },
}
#: a file joined onto the order lines (an ERP order header, a product price list)
_JOINED_SOURCE = {
    "type": "object",
    "properties": {
        "path": _PATHS,
        "columns": {
            "type": ["object", "null"],
            "additionalProperties": {"type": ["string", "null"]},
            "x-expected": "a mapping field: source column (text or null)",
        },
        **_TABLE_OPTIONS,
    },
    "required": ["path"],
    "additionalProperties": False,
    "x-expected": "a mapping with 'path' and options",
}
_TABLE_SPEC = {
    "anyOf": [
        _PATHS["anyOf"][0],
        _PATHS["anyOf"][1],
        {
            "type": "object",
            "properties": {
                "path": _PATHS,
                "columns": {
                    "type": ["object", "null"],
                    "additionalProperties": {"type": ["string", "null"]},
                    "x-expected": "a mapping field: source column (text or null)",
                },
                "header": _JOINED_SOURCE,
                "price_list": _JOINED_SOURCE,
                **_TABLE_OPTIONS,
            },
            "required": ["path"],
            "additionalProperties": False,
        },
    ],
    "x-expected": "a path, a list of paths or a mapping with 'path' and options",
}
_TABLES = {
    "type": "object",
    "properties": {
        name: _TABLE_SPEC
        for name in (
            "order_lines",
            "customers",
            "activities",
            "acquisition_spend",
            "opportunities",
            "products",
        )
    },
    "required": ["order_lines"],
    "additionalProperties": False,
}
_INGEST = {
    "type": "object",
    "properties": {
        **_TABLE_OPTIONS,
        "required": {"type": "object", "additionalProperties": _WORDS},
        "sniff_bytes": _POSITIVE,
        "latin_encoding": _TEXT,
        "duplicate_hash_rows": _POSITIVE,
        "chunk_mb": {"type": "number", "exclusiveMinimum": 0},
    },
    "additionalProperties": False,
}
_ENGINE = {
    "anyOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "properties": {
                "backend": _TEXT,
                "database": _TEXT,
                "threads": {
                    "type": ["integer", "null"],
                    "minimum": 1,
                    "x-expected": "a whole number >= 1 or null",
                },
                "memory_limit": {
                    "type": ["string", "null"],
                    "pattern": r"(?i)^\s*\d+(\.\d+)?\s*[KMGT]i?B\s*$",
                    "x-expected": "a size such as 4GB, or null",
                },
                "master": _OPTIONAL_TEXT,
                "app_name": _TEXT,
                "conf": {"type": "object", "x-expected": "a mapping of Spark settings"},
                "connect": {"type": "object", "x-expected": "a mapping of connect() arguments"},
            },
            "additionalProperties": False,
        },
    ],
    "x-expected": "a backend name or a mapping of engine settings",
}
_MINUTES = {
    "anyOf": [
        {"type": "number", "minimum": 0},
        {"type": "object", "additionalProperties": {"type": "number", "minimum": 0}},
        {"type": "null"},
    ],
    "x-expected": "minutes >= 0, a mapping such as {base: 5, lines: 0.5}, or null",
}
_ACTIVITY = {
    "type": "object",
    "properties": {
        "driver": _TEXT,
        "activity": _OPTIONAL_TEXT,
        "minutes": _MINUTES,
        "resource": _TEXT,
        "by": _TEXT,
        "rates": {"type": "object", "additionalProperties": _AMOUNT},
        "rate": _AMOUNT,
        "assume": {"type": ["object", "null"], "additionalProperties": _AMOUNT},
    },
    "additionalProperties": False,
}
_RESOURCE = {
    "type": "object",
    "properties": {
        "cost_per_minute": _AMOUNT,
        "cost": _AMOUNT,
        "practical_capacity_minutes": {
            "type": ["number", "null"],
            "exclusiveMinimum": 0,
            "x-expected": "a number > 0 or null",
        },
    },
    "additionalProperties": False,
}
_COST_TO_SERVE = {
    "type": "object",
    "properties": {
        "reference_order_value": {
            "type": "number",
            "exclusiveMinimum": 0,
            "x-expected": "a number > 0",
        },
        "resources": {"type": "object", "additionalProperties": _RESOURCE},
        "default_rebate_rate": _FRACTION,
        "default_payment_terms_days": {**_NUMBER, "minimum": 0, "x-expected": "a number >= 0"},
        "no_key_accounts": _BOOL,
        "activities": {"type": "object", "additionalProperties": _ACTIVITY},
    },
    "additionalProperties": False,
}
#: the analysis sections: any keys (their modules check them), but each must be a mapping
_ANALYSES = (
    "pareto",
    "whale",
    "segments",
    "size_tiers",
    "rfm",
    "quadrants",
    "abc",
    "seesaw",
    "questions",
    "acquisition",
    "scenarios",
    "growth",
    "clv",
    "explorer",
    "teaching",
)


def config_schema(sections: Iterable[str] = ()) -> dict[str, Any]:
    """The JSON Schema of a dataset config (as written, or merged over the defaults).

    Parameters
    ----------
    sections
        Further top-level sections to allow as free mappings (the loader passes the defaults'
        top-level keys, so a section a module adds to its defaults is accepted).

    Returns
    -------
    dict
        A JSON Schema (draft 2020-12). ``x-expected`` on a node says in words what it expects.
    """
    free = {"type": "object", "x-expected": "a mapping"}
    properties: dict[str, Any] = {name: free for name in (*_ANALYSES, *sections)}
    properties |= {
        "name": {"type": "string", "minLength": 1, "x-expected": "text"},
        "description": _TEXT,
        "currency": {
            "type": ["string", "null"],
            "minLength": 1,
            "maxLength": 12,
            "x-expected": "a currency code or symbol such as USD, EUR or ¥ (at most 12 characters)",
        },
        "tables": _TABLES,
        "ingest": _INGEST,
        "engine": _ENGINE,
        "assumptions": {
            "type": "object",
            "properties": {"gross_margin": _FRACTION},
            "additionalProperties": False,
        },
        "cost_to_serve": _COST_TO_SERVE,
        "report": {
            "type": "object",
            "properties": {
                "cell_timeout_seconds": {
                    "type": ["number", "null"],
                    "exclusiveMinimum": 0,
                    "x-expected": "seconds > 0 or null (no limit)",
                },
                "excel_max_rows": {
                    "type": ["integer", "null"],
                    "minimum": 1,
                    "maximum": 1_048_575,
                    "x-expected": "a whole number of rows from 1 to 1,048,575, or null (no cap)",
                },
            },
            "additionalProperties": False,
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Small clients, big profit: dataset config",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }


def _key_path(parts: Iterable[Any]) -> str:
    """``tables.order_lines.skip_rows`` from a JSON path (list items as ``[0]``)."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _unknown_keys(error: jsonschema.ValidationError) -> list[str]:
    """One message per unknown key of an ``additionalProperties: false`` error."""
    known = list(error.schema.get("properties", {}))
    messages = []
    for key in sorted(set(error.instance) - set(known), key=str):
        where = _key_path([*error.absolute_path, key])
        close = difflib.get_close_matches(str(key).lower(), known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        messages.append(f"{where}: unknown key ({hint}expected one of: {', '.join(known)})")
    return messages


def _branch_errors(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """Of an ``anyOf`` error, the errors of the branch whose type fits the value (or none)."""
    branches: dict[Any, list[jsonschema.ValidationError]] = {}
    for sub in error.context or []:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    fitting = [
        subs
        for subs in branches.values()
        if not any(sub.validator == "type" and not sub.relative_path for sub in subs)
    ]
    return fitting[0] if len(fitting) == 1 else []


def _message(error: jsonschema.ValidationError) -> list[str]:
    """What one validation error means, naming the key path and what was expected."""
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        return _unknown_keys(error)
    if error.validator == "anyOf" and (inner := _branch_errors(error)):
        return [message for sub in inner for message in _message(sub)]
    where = _key_path(error.absolute_path)
    if error.validator == "required":
        return [f"{where}: {error.message}"]
    expected = error.schema.get("x-expected") or error.message
    return [f"{where}: expected {expected}, got {error.instance!r}"]


def schema_errors(config: Mapping[str, Any], sections: Iterable[str] = ()) -> list[str]:
    """Every way ``config`` breaks the schema, one sentence each (empty: it is valid).

    Parameters
    ----------
    config
        A config mapping (keys starting with ``_``, added by the loader, are ignored).
    sections
        Further top-level sections allowed (see :func:`config_schema`).

    Returns
    -------
    list of str
        Sentences such as ``"tables.order_lines.skip_rows: expected a whole number >= 0, got
        'abc'"`` or ``"tabels: unknown key (did you mean 'tables'? ...)"``, sorted by path.
    """
    document = {key: value for key, value in config.items() if not str(key).startswith("_")}
    validator = jsonschema.Draft202012Validator(
        config_schema(sections), format_checker=jsonschema.FormatChecker()
    )
    errors = sorted(validator.iter_errors(document), key=lambda err: [str(p) for p in err.path])
    return [message for error in errors for message in _message(error)]


class _Loader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys and keeps dates as the text written.

    A duplicate key would silently keep the last value; an unquoted impossible date
    (``2024-13-01``) would stop YAML itself with no place named.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> Any:
    """A mapping, refusing a key written twice (naming both lines)."""
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (lines {seen[key]} and {line})", None
            )
        seen[key] = line
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _expanded_nodes(root: yaml.Node) -> int:
    """How many nodes the document holds with every alias expanded (memoised: linear time)."""
    sizes: dict[int, int] = {}
    order: list[yaml.Node] = []
    stack = [root]
    while stack:  # post-order without recursion: nested aliases may be deep
        node = stack.pop()
        if id(node) in sizes:
            continue
        order.append(node)
        sizes[id(node)] = 0
        stack.extend(_children(node))
    for node in reversed(order):
        sizes[id(node)] = 1 + sum(sizes[id(child)] for child in _children(node))
        if sizes[id(node)] > MAX_NODES:
            return sizes[id(node)]
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    """The child nodes of a YAML node (keys and values of a mapping)."""
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _decode(data: bytes, path: Path) -> str:
    """The file's text: UTF-8 (a BOM allowed); anything else is refused with where and why."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        guess = "cp1252 (Windows-1252)" if _is_cp1252(data) else "not UTF-8"
        raise ValueError(
            f"{path}: the config is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}; "
            f"it looks like {guess}): save it as UTF-8"
        ) from None


def _is_cp1252(data: bytes) -> bool:
    """Whether the bytes decode as cp1252 (a likely Windows 'ANSI' save)."""
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def read_yaml(path: Path) -> Any:
    """Read a config file safely: size, encoding, duplicate keys and alias expansion checked.

    Parameters
    ----------
    path
        The YAML file.

    Returns
    -------
    Any
        The document (None for an empty file).

    Raises
    ------
    ValueError
        When the file is larger than :data:`MAX_BYTES`, not UTF-8, not YAML, has a duplicate key
        or expands past :data:`MAX_NODES` nodes; the message names the file and the place.
    """
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ValueError(f"{path}: {size:,} bytes; a config may hold at most {MAX_BYTES:,}")
    text = _decode(path.read_bytes(), path)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from None
    if root is None:
        return None
    if _expanded_nodes(root) > MAX_NODES:
        raise ValueError(
            f"{path}: the YAML expands to more than {MAX_NODES:,} values (aliases repeated "
            "inside aliases?); a config this large is refused"
        )
    try:
        return _Loader(text).get_single_data()
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from None
