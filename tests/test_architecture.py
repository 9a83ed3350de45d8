"""The package reads as the pipeline: imports run with the flow, modules and functions stay short.

Stages, in the order data flows (a module may import its own stage's package and earlier stages):

    foundation (paths, config, schema, results, plots, exports, labels)
    -> ingest -> ledger -> analyses (one module or package per question) -> report -> apps

The sample-world generator (``world``) stands apart: only the apps import it. Analyses do not
import one another (what several share lives in the ledger stage). Widget code lives only in apps.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "helpers"

MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60

FOUNDATION = {"paths", "config", "schema", "results", "plots", "exports", "labels"}
ANALYSES = {
    "pareto",
    "segments",
    "seesaw",
    "q1_which_pay",
    "q2_attract",
    "q3_price_and_channel",
    "growth",
    "clv",
}
RANK = {"ingest": 1, "ledger": 2, "report": 4, "apps": 5, **dict.fromkeys(ANALYSES, 3)}
RANK.update(dict.fromkeys(FOUNDATION, 0))
UI_LIBRARIES = ("ipywidgets", "voila")


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _unit(path: Path) -> str:
    """The top-level room of a module: ``ingest`` for helpers/ingest/readers.py."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imported_units(tree: ast.AST) -> set[str]:
    units: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("helpers"):
            parts = node.module.split(".")
            if len(parts) > 1:
                units.add(parts[1])
            else:
                units.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "helpers" and len(parts) > 1:
                    units.add(parts[1])
    return units


MODULES = _modules()
IDS = [str(p.relative_to(PACKAGE)) for p in MODULES]


def test_every_module_has_a_stage() -> None:
    unknown = {_unit(p) for p in MODULES} - set(RANK) - {"__init__", "world"}
    assert not unknown, f"modules with no stage in tests/test_architecture.py: {sorted(unknown)}"


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_imports_run_with_the_flow(path: Path) -> None:
    unit = _unit(path)
    if unit == "__init__":
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    against = []
    for other in sorted(_imported_units(tree) - {unit}):
        if other == "world":
            if unit not in {"apps"}:
                against.append(f"{other} (the sample world is imported by the apps only)")
        elif unit == "world":
            if RANK.get(other, 99) > 0:
                against.append(f"{other} (the sample world uses the foundation only)")
        elif RANK[other] > RANK[unit]:
            against.append(f"{other} (a later stage)")
        elif RANK[other] == RANK[unit] == 3:
            against.append(f"{other} (another analysis: share it through the ledger stage)")
    assert not against, f"{path.name} imports against the flow: {against}"


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_widget_code_only_in_apps(path: Path) -> None:
    if _unit(path) == "apps":
        return
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    names = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (
            node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
        )
    }
    assert not names & set(UI_LIBRARIES), f"{path.name} imports UI code outside helpers.apps"


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_modules_are_short(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.name}: {lines} lines (at most {MAX_MODULE_LINES})"


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_functions_are_short(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{path.name}: functions over {MAX_FUNCTION_LINES} lines: {long}"
