"""A report worker runs its notebooks in one kernel, wiped in between: no notebook sees another's
names, settings or execution count; a failed notebook's kernel is not reused; none is left."""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import psutil
import pytest

from helpers.report.notebooks import run_notebooks

pytestmark = pytest.mark.slow


def _notebook(folder: Path, name: str, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def _outputs(output: str) -> list[tuple[int | None, str]]:
    """(execution count, text or error value) of each code cell of an executed notebook."""
    cells = [c for c in nbformat.read(output, as_version=4).cells if c.cell_type == "code"]
    return [
        (c.get("execution_count"), "".join(o.get("text", o.get("evalue", "")) for o in c.outputs))
        for c in cells
    ]


def _run(tmp_path: Path, notebooks: list[Path]) -> list:
    run_dir = tmp_path / "run"
    (run_dir / "notebooks").mkdir(parents=True)
    return run_notebooks(notebooks, run_dir, {}, jobs=1, progress=False)


_PID = "import os\nprint(os.getpid())"


def test_the_next_notebook_runs_in_the_same_kernel_but_sees_nothing_of_the_last(tmp_path):
    first = _notebook(
        tmp_path,
        "01-sets",
        _PID,
        "import matplotlib, warnings\nmatplotlib.rcParams['lines.linewidth'] = 9.0\n"
        "warnings.simplefilter('error')\nsecret = 42",
    )
    second = _notebook(
        tmp_path,
        "02-reads",
        _PID,
        "import matplotlib, warnings\n"
        "print(matplotlib.rcParams['lines.linewidth'], warnings.filters[0][0])",
        "print('secret' in globals(), len(Out))",
    )
    results = _run(tmp_path, [first, second])
    assert [r.ok for r in results] == [True, True], [r.error for r in results]
    (count_a, pid_a), *_ = _outputs(results[0].output)
    (count_b, pid_b), (_, settings), (_, seen) = _outputs(results[1].output)
    assert pid_a == pid_b  # one kernel: the imports are paid once
    assert count_a == count_b == 1  # counted from 1 again, as in a fresh kernel
    assert settings.split()[0] != "9.0"  # matplotlib's settings put back
    assert settings.split()[1] != "error"  # and the warning filters
    assert seen.strip() == "False 0"  # no name and no output history carried over


def test_a_name_left_by_an_earlier_notebook_is_an_error(tmp_path):
    first = _notebook(tmp_path, "01-defines", "shared_frame = [1, 2, 3]")
    second = _notebook(tmp_path, "02-leans-on-it", "print(shared_frame)")
    results = _run(tmp_path, [first, second])
    assert results[0].ok
    assert not results[1].ok
    assert "NameError" in results[1].error and "shared_frame" in results[1].error


def test_a_failed_notebooks_kernel_is_not_reused_and_none_is_left(tmp_path):
    fails = _notebook(tmp_path, "01-fails", _PID, "raise ValueError('boom')")
    after = _notebook(tmp_path, "02-after", _PID)
    results = _run(tmp_path, [fails, after])
    assert not results[0].ok and "boom" in results[0].error
    assert results[1].ok, results[1].error
    pid_failed = int(_outputs(results[0].output)[0][1])
    pid_after = int(_outputs(results[1].output)[0][1])
    assert pid_failed != pid_after  # a fresh kernel after a failure
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(map(psutil.pid_exists, (pid_failed, pid_after))):
        time.sleep(0.2)
    assert not psutil.pid_exists(pid_failed)
    assert not psutil.pid_exists(pid_after)  # the worker's kernel ends with the run
