"""Every notebook follows the house shape: title, parsable parameters, no functions, no outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill as pm
import pytest

from helpers import paths

NOTEBOOKS = sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb"))
COMMON = {"config_path", "period", "run_dir", "interactive"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_shape(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged parameters"
    assert COMMON <= set(pm.inspect_notebook(str(path))), (
        "papermill must parse every common parameter"
    )
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert not any(line.lstrip().startswith("def ") for src in code for line in src.splitlines()), (
        "no def in a notebook: functions belong in helpers"
    )
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert nb.metadata["kernelspec"]["name"] == "python3"
