"""Crash hygiene: SIGTERM and kill -9 leave no process and no temporary folder behind, a stuck
cell fails with exit 4 naming the cell, and every exit path has its documented code."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from report_cases import empty_period_case

from helpers.report import errors
from helpers.report.publish import claim_run_folder, remove_stale_runs

pytestmark = pytest.mark.slow


_case = empty_period_case


def _sleeping_notebook(tmp_path: Path, seconds: int) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell(
        'config_path = ""\nperiod = ""\nrun_dir = ""\ninteractive = True'
    )
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(f"import time\ntime.sleep({seconds})")]
    path = tmp_path / "98-sleeps.ipynb"
    nbformat.write(nb, path)
    return path


def _start(tmp_path: Path, out: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "helpers.report.cli", "report", "--config"]
    command += [str(_case(tmp_path)), "--out", str(out), "--quiet", *extra]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_kernel(run: subprocess.Popen, out: Path) -> list[psutil.Process]:
    """Wait until the run's notebook executes; return every process the run started."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert run.poll() is None, run.communicate()
        children = psutil.Process(run.pid).children(recursive=True)
        kernels = [c for c in children if "ipykernel" in " ".join(c.cmdline())]
        if kernels and list(out.glob(".tmp-*/notebooks/*.ipynb")):
            time.sleep(1.0)
            return psutil.Process(run.pid).children(recursive=True)
        time.sleep(0.5)
    raise AssertionError("the notebook never started")


def _all_gone(processes: list[psutil.Process], timeout: float = 10.0) -> list[psutil.Process]:
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    return [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_workers_and_kernels_and_removes_the_temp_folder(
    tmp_path: Path, signum: int
) -> None:
    out = tmp_path / "reports"
    run = _start(tmp_path, out, "--notebooks", str(_sleeping_notebook(tmp_path, 600)))
    started = _wait_for_kernel(run, out)
    run.send_signal(signum)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 128 + signum
    assert f"stopped by {signal.Signals(signum).name}" in stderr and "Traceback" not in stderr
    assert _all_gone(started) == []
    assert not list(out.glob(".tmp-*")) and not (out / "latest").exists()


def test_kill_9_takes_the_workers_along_and_the_next_run_removes_the_temp_folder(
    tmp_path: Path,
) -> None:
    out = tmp_path / "reports"
    run = _start(tmp_path, out, "--notebooks", str(_sleeping_notebook(tmp_path, 600)))
    started = _wait_for_kernel(run, out)
    run.kill()
    run.wait(timeout=30)  # the parent itself; its workers hold the pipes until they are gone
    left = _all_gone(started, timeout=60)
    assert [(p.pid, p.cmdline()[:4]) for p in left] == []  # workers die with the run, kernels too
    run.communicate(timeout=30)
    assert len(list(out.glob(".tmp-*"))) == 1  # left by the killed run
    again = _start(tmp_path, out, "--period", "2030-01-01:2030-12-31")
    again.communicate(timeout=120)
    assert again.returncode == errors.EXIT_CODES["bad_input"]
    assert not list(out.glob(".tmp-*"))


def test_a_stuck_cell_fails_the_run_naming_notebook_and_cell(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    config = _case(tmp_path, "report: {cell_timeout_seconds: 3}\n")
    command = [sys.executable, "-m", "helpers.report.cli", "report", "--config", str(config)]
    command += ["--out", str(out), "--quiet", "--notebooks", str(_sleeping_notebook(tmp_path, 600))]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == errors.EXIT_CODES["notebook_failed"] == 4
    assert "notebook 98-sleeps, cell 2: timed out after 3 s" in done.stderr
    assert (
        (next((out / "failed").iterdir()) / "errors.txt")
        .read_text()
        .startswith("notebook 98-sleeps, cell 2")
    )
    assert not list(out.glob(".tmp-*"))


def test_stale_folders_of_dead_runs_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / ".tmp-dead").mkdir()
    (tmp_path / ".tmp-dead" / ".owner").write_text(f"{dead.pid}\n")
    (tmp_path / ".tmp-unowned").mkdir()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / ".tmp-live").mkdir()
        (tmp_path / ".tmp-live" / ".owner").write_text(f"{live.pid}\n")
        claim_run_folder(tmp_path / ".tmp-mine")
        assert remove_stale_runs(tmp_path) == [".tmp-dead", ".tmp-mine", ".tmp-unowned"]
        assert [p.name for p in tmp_path.iterdir()] == [".tmp-live"]
    finally:
        live.kill()
        live.wait()


def test_every_exit_path_and_its_code() -> None:
    """The list the README's scheduling section gives: change both together."""
    assert errors.EXIT_CODES == {
        "ok": 0,
        "internal_error": 1,
        "bad_input": 2,
        "locked": 3,
        "notebook_failed": 4,
        "interrupted": 130,
        "terminated": 143,
    }
    assert errors.RunError("x").exit_code == 1
    assert errors.BadInput("x").exit_code == 2
    assert errors.RunLocked("x").exit_code == 3
    assert errors.NotebookFailed("x").exit_code == 4
    assert errors.RunInterrupted(signal.SIGINT).exit_code == 130
    assert errors.RunInterrupted(signal.SIGTERM).exit_code == 143
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for name, code in errors.EXIT_CODES.items():
        assert f"| {code} | `{name}` |" in readme, name


def test_a_full_disk_keeps_the_notebooks_own_error(tmp_path: Path, monkeypatch) -> None:
    # the disk fills while papermill writes the executed notebook: the run must still say which
    # cell failed and why, and leave no 0-byte notebook behind
    from helpers.report import notebooks

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_code_cell("raise ValueError('boom in the data')")]  # fmt: skip
    source = tmp_path / "97-fails.ipynb"
    nbformat.write(nb, source)
    run_dir = tmp_path / "run"
    real_write = Path.write_text

    def full_disk(self: Path, *args, **kwargs):
        if run_dir in self.parents:
            self.touch()  # the file is created, then the disk is full
            raise OSError(28, "No space left on device")
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full_disk)
    result = notebooks.execute_notebook(str(source), str(run_dir), {}, position=0)
    assert not result.ok
    assert "cell 2: ValueError: boom in the data" in result.error
    assert "could not be written: No space left on device" in result.error
    assert not (run_dir / "notebooks" / "97-fails.ipynb").exists()  # no 0-byte notebook
