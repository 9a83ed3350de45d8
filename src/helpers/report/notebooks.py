"""The report's notebooks: which they are, their parameters, executing them and their HTML pages."""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import re
import signal
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from helpers import paths
from helpers.report.errors import BadInput
from helpers.report.kernel_reuse import quiet_kernel_manager, retire_kernel, shared_kernel

__all__ = [
    "NotebookResult",
    "report_notebooks",
    "notebook_parameters",
    "execute_notebook",
    "longest_first",
    "run_notebooks",
    "stop_children",
    "to_html",
]

_PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies (Linux)

_REPORT_PATTERN = re.compile(r"^(0[1-9]|[1-9][0-9])-.+\.ipynb$")  # 00-teaching is not a report page


@dataclass
class NotebookResult:
    """What one notebook's execution reports back to the run.

    Attributes
    ----------
    name
        The notebook's stem, e.g. ``02-customer-ledger``.
    ok
        Whether every cell ran.
    seconds
        Wall time of the execution, kernel start included (seconds).
    compute_seconds
        Time spent in the cells (seconds).
    error
        Where and what failed (empty when ``ok``).
    output
        Path of the executed notebook.
    """

    name: str
    ok: bool
    seconds: float
    compute_seconds: float = 0.0
    error: str = ""
    output: str = ""


def _find_one(name: str, known: list[Path]) -> Path:
    """The notebook a name, number (``03``) or explicit ``.ipynb`` path stands for."""
    if str(name).endswith(".ipynb") and Path(name).is_file():  # an explicit path
        return Path(name).resolve()
    stem = Path(name).stem
    match = [
        path
        for path in paths.NOTEBOOKS_DIR.glob("*.ipynb")
        if path.stem == stem or path.stem.startswith(f"{stem}-")
    ]
    if len(match) != 1:
        listed = ", ".join(path.stem for path in known)
        raise BadInput(f"notebook {name!r}: not found (known: {listed})")
    return match[0]


def report_notebooks(names: Sequence[str] | None = None) -> list[Path]:
    """The notebooks of the report set, or the named ones.

    Parameters
    ----------
    names
        Names, numbers (``"03"``) or paths of notebooks; empty or ``None`` means the report set
        (``01-`` onwards, in reading order).

    Returns
    -------
    list of pathlib.Path
        The notebooks, in the order asked for.

    Raises
    ------
    BadInput
        When a name matches no notebook, or several.
    """
    found = sorted(
        path for path in paths.NOTEBOOKS_DIR.glob("*.ipynb") if _REPORT_PATTERN.match(path.name)
    )
    if not names:
        return found
    return [_find_one(name, found) for name in names]


def notebook_parameters(notebook: Path) -> dict[str, dict[str, Any]]:
    """The parameters of a notebook as papermill infers them.

    Parameters
    ----------
    notebook
        The notebook's path.

    Returns
    -------
    dict
        Parameter name -> ``{"default", "type", "help"}``.
    """
    import papermill as pm

    return {
        name: {"default": spec["default"], "type": spec["inferred_type_name"], "help": spec["help"]}
        for name, spec in pm.inspect_notebook(str(notebook)).items()
    }


def _source_cell(executed: Path, index: int) -> int:
    """1-based number of the failing cell in the notebook as stored.

    The cell papermill injects with the run's parameters is not counted, so a reader finds the
    cell in JupyterLab.
    """
    try:
        cells = nbformat.read(executed, as_version=4).cells[:index]
    except (OSError, ValueError):
        return index + 1
    return index + 1 - sum("injected-parameters" in c.metadata.get("tags", []) for c in cells)


def _running_cell(executed: Path) -> str:
    """1-based number (as stored) of the last cell papermill started, or ``?``."""
    try:
        cells = nbformat.read(executed, as_version=4).cells
    except (OSError, ValueError):
        return "?"
    started = [
        i for i, cell in enumerate(cells) if cell.metadata.get("papermill", {}).get("start_time")
    ]
    return str(_source_cell(executed, started[-1])) if started else "?"


#: papermill writes executed notebooks through this scheme (:class:`_GuardedWriter`)
_GUARDED = "workbook-guarded://"
#: executed notebooks that could not be written in this process: path -> why
_UNWRITTEN: dict[str, str] = {}


class _GuardedWriter:
    """Papermill's writer for executed notebooks: a failed write is recorded, not raised.

    Papermill writes the notebook after every cell and once more when a cell fails, before it
    raises that cell's error. With papermill's own local writer a full disk turns the run's
    error into ``OSError: No space left on device`` and the notebook's own error is lost, with a
    0-byte notebook left behind; here the write failure is remembered (:data:`_UNWRITTEN`), the
    partial file removed, and the cell's error still reaches the run.
    """

    @staticmethod
    def _path(path: str) -> Path:
        return Path(path[len(_GUARDED) :])

    def read(self, path: str) -> str:
        return self._path(path).read_text(encoding="utf-8")

    def listdir(self, path: str) -> list[str]:
        return [f"{_GUARDED}{p}" for p in sorted(map(str, self._path(path).iterdir()))]

    def write(self, buf: str, path: str) -> None:
        target = self._path(path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(buf, encoding="utf-8")
        except OSError as exc:
            _UNWRITTEN[str(target)] = exc.strerror or str(exc)
            with contextlib.suppress(OSError):
                target.unlink(missing_ok=True)

    def pretty_path(self, path: str) -> str:
        return str(self._path(path))


def _guarded(output: Path) -> str:
    """``output`` as a path papermill writes through :class:`_GuardedWriter` (registered once)."""
    from papermill.iorw import papermill_io

    if not any(scheme == _GUARDED for scheme, _ in papermill_io._handlers):
        papermill_io.register(_GUARDED, _GuardedWriter())
    _UNWRITTEN.pop(str(output), None)
    return f"{_GUARDED}{output}"


def _worker_started(parent: int) -> None:
    """Set up a pool worker: it dies with the run and leaves interrupts to the run.

    The kernel a worker starts exits by itself once its parent (the worker) is gone: ipykernel
    polls for that every second.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's to handle
    signal.signal(signal.SIGTERM, _worker_terminated)
    with contextlib.suppress(OSError, AttributeError):  # Linux only
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the run died before prctl took effect
        _worker_terminated(signal.SIGTERM, None)
    # A signal handler runs only when the main thread is back in the interpreter; a worker
    # blocked in the kernel client's C calls may not get there for minutes. A watch thread
    # runs regardless.
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    """Stop the worker (and its kernels) within half a second of its run dying."""
    while os.getppid() == parent:
        time.sleep(0.5)
    _worker_terminated(signal.SIGTERM, None)


def _worker_terminated(signum: int, frame: Any) -> None:
    """Stop the worker's kernels and exit at once (the run was stopped or died)."""
    stop_children(grace=1.0)
    os._exit(128 + signum)


def stop_children(grace: float = 3.0) -> int:
    """Stop every process this one started (pool workers, their kernels): TERM, then KILL.

    Parameters
    ----------
    grace
        Seconds the processes get to exit after SIGTERM before they are killed.

    Returns
    -------
    int
        How many processes were running when asked to stop.
    """
    import psutil

    children = psutil.Process().children(recursive=True)
    for child in children:
        with contextlib.suppress(psutil.Error):
            child.terminate()
    _, alive = psutil.wait_procs(children, timeout=grace)
    for child in alive:
        with contextlib.suppress(psutil.Error):
            child.kill()
    psutil.wait_procs(alive, timeout=grace)
    return len(children)


def _progress_bar(name: str, position: int) -> dict[str, Any] | bool:
    """Papermill's progress bar for a notebook at ``position`` (0: none)."""
    if not position:
        return False
    return {"desc": f"{name[:28]:<28}", "position": position, "leave": False}


def execute_notebook(
    notebook: str,
    run_dir: str,
    parameters: dict[str, Any],
    position: int,
    cell_timeout: float | None = None,
    reuse_kernel: bool = False,
    page: tuple[list[str], str] | None = None,
) -> NotebookResult:
    """Execute one notebook with papermill into ``run_dir/notebooks/``; never raises.

    Parameters
    ----------
    notebook, run_dir
        The notebook's path; the run's folder.
    parameters, position
        The parameters papermill injects; the line of its progress bar (0: no bar).
    cell_timeout
        Seconds a cell may run before the notebook fails (None: no limit).
    reuse_kernel
        Run it in this process's kernel, wiped first (:mod:`helpers.report.kernel_reuse`).
    page
        The run's pages in order and the dataset's name: once it ran, write its page
        ``run_dir/<name>.html`` too (:func:`to_html`), while other notebooks still run.

    Returns
    -------
    NotebookResult
        Its timings, or where and why it failed.
    """
    import papermill as pm

    os.environ.setdefault("MPLBACKEND", "Agg")
    engine = shared_kernel() if reuse_kernel else {"kernel_manager_class": quiet_kernel_manager()}
    name, began = Path(notebook).stem, time.perf_counter()
    output = Path(run_dir) / "notebooks" / f"{name}.ipynb"
    try:
        executed = pm.execute_notebook(
            notebook,
            _guarded(output),
            parameters=parameters,
            kernel_name="python3",
            cwd=str(paths.NOTEBOOKS_DIR),
            progress_bar=_progress_bar(name, position),
            report_mode=False,
            execution_timeout=cell_timeout,
            **engine,
        )
    except Exception as exc:  # noqa: BLE001 - every failure becomes the run's message
        error = _failure(exc, name, output, cell_timeout)
    else:
        if str(output) not in _UNWRITTEN:
            seconds, compute = time.perf_counter() - began, _cell_seconds(executed)
            _write_page(output, page)
            return NotebookResult(name, True, seconds, compute, output=str(output))
        error = f"notebook {name}: its executed copy could not be written"
    if reuse_kernel:  # a failed notebook's kernel may still be busy or broken
        retire_kernel()
    return _failed(name, error, output, time.perf_counter() - began)


def _write_page(executed: Path, page: tuple[list[str], str] | None) -> None:
    """The executed notebook's HTML page beside its run folder's ``notebooks/``, if asked for.

    A page that cannot be written here is left to the run, which writes the missing pages and
    reports what fails.
    """
    if page is None:
        return
    target = executed.parent.parent / f"{executed.stem}.html"
    try:
        to_html(executed, target, *page)
    except Exception:  # noqa: BLE001 - the run writes it again, and raises there
        target.unlink(missing_ok=True)


def _cell_seconds(executed: Any) -> float:
    """Seconds spent in an executed notebook's cells (papermill's durations)."""
    return sum(c.metadata.get("papermill", {}).get("duration") or 0.0 for c in executed.cells)


def _failed(name: str, error: str, output: Path, seconds: float) -> NotebookResult:
    """A failed notebook's result: its own error first, then the disk's, if any."""
    if str(output) in _UNWRITTEN:
        error += f" (the executed notebook could not be written: {_UNWRITTEN[str(output)]})"
    return NotebookResult(name, ok=False, seconds=seconds, error=error, output=str(output))


def _failure(exc: Exception, name: str, output: Path, cell_timeout: float | None) -> str:
    """Where and why a notebook failed: its cell's error, a timeout, or what stopped papermill."""
    import papermill as pm

    if isinstance(exc, pm.PapermillExecutionError):
        where = f"notebook {name}, cell {_source_cell(output, exc.cell_index)}"
        return f"{where}: {exc.ename}: {exc.evalue}"
    if isinstance(exc, TimeoutError):  # nbclient's CellTimeoutError (repeats the cell's source)
        where = f"notebook {name}, cell {_running_cell(output)}"
        return f"{where}: timed out after {cell_timeout:g} s (report.cell_timeout_seconds)"
    return f"notebook {name}: {type(exc).__name__}: {exc}"  # kernel died, bad notebook JSON, ...


def longest_first(selected: list[Path], seconds: Mapping[str, float]) -> list[Path]:
    """The notebooks in the order to start them: the longest first, so none starts last alone.

    ``seconds`` are the notebooks' durations in an earlier run (``run.json``); without them the
    later notebooks, which hold the heavier analyses, go first. With ``jobs`` workers, starting
    the longest first (LPT scheduling) keeps the workers busy to the end: on the 20,000-customer
    world the run's last notebook used to start when the other worker was already idle.
    """
    rank = {notebook.stem: index for index, notebook in enumerate(selected)}
    return sorted(selected, key=lambda nb: (-seconds.get(nb.stem, 0.0), -rank[nb.stem]))


def run_notebooks(
    selected: list[Path],
    run_dir: Path,
    params: dict[str, Any],
    jobs: int,
    progress: bool,
    cell_timeout: float | None = None,
    page: tuple[list[str], str] | None = None,
) -> list[NotebookResult]:
    """Run the notebooks, ``jobs`` at a time, in ``jobs`` worker processes.

    A worker runs its notebooks in one kernel, wiped between them (see
    :mod:`helpers.report.kernel_reuse`). Workers die with the run (``PR_SET_PDEATHSIG``) and
    ignore Ctrl-C; on any exception every worker and kernel is stopped before it goes on.

    Parameters
    ----------
    selected, run_dir
        The notebooks to run; the run's folder (executed notebooks go to its ``notebooks/``,
        which must exist).
    params, jobs, progress
        The parameters every notebook gets; notebooks run at once (at least 1); whether to
        show progress bars.
    cell_timeout, page
        Seconds a cell may run (None: no limit); the pages to write (see
        :func:`execute_notebook`).

    Returns
    -------
    list of NotebookResult
        One per notebook, in the order of ``selected``.
    """
    workers = max(1, jobs)
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_started,
        initargs=(os.getpid(),),
    )
    try:
        futures = [
            pool.submit(
                execute_notebook,
                *(str(notebook), str(run_dir), params, (index % workers) + 1 if progress else 0),
                *(cell_timeout, True, page),  # True: one kernel per worker, wiped in between
            )
            for index, notebook in enumerate(selected)
        ]
        results = _collect(futures, progress)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        stop_children()
        raise
    pool.shutdown(wait=True)
    order = {notebook.stem: index for index, notebook in enumerate(selected)}
    return sorted(results, key=lambda result: order[result.name])  # in the order given


def _collect(futures: list[Future], progress: bool) -> list[NotebookResult]:
    """The notebooks' results as they finish: a progress bar, or else one line per notebook."""
    from tqdm.auto import tqdm

    results: list[NotebookResult] = []
    with tqdm(total=len(futures), desc="report", unit="notebook", disable=not progress) as bar:
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            state = "ok" if result.ok else "FAILED"
            bar.set_postfix_str(f"{result.name} {state} {result.seconds:.0f}s")
            bar.update(1)
            if not progress:
                print(f"{state:<6} {result.name} ({result.seconds:.0f} s)", flush=True)
    return results


def page_title(stem: str) -> str:
    """A notebook page's title in words: "03-pareto-and-whale-curve" -> "03 — Pareto and whale curve"."""
    number, _, words = stem.partition("-")
    if not number.isdigit():
        return stem.replace("-", " ").capitalize()
    return f"{number} — {words.replace('-', ' ').capitalize()}"


def _navigation(stem: str, stems: list[str]) -> str:
    """The bar at the top of a page: back to the summary, and the previous and next pages."""
    import html

    links = ['<a href="index.html">&larr; Executive summary</a>']
    if stem in stems:
        i = stems.index(stem)
        if i > 0:
            links.append(
                f'<a href="{stems[i - 1]}.html">Previous: {html.escape(page_title(stems[i - 1]))}</a>'
            )
        if i + 1 < len(stems):
            links.append(
                f'<a href="{stems[i + 1]}.html">Next: {html.escape(page_title(stems[i + 1]))}</a>'
            )
    return (
        '<nav aria-label="Report pages" style="font-family: system-ui, sans-serif; '
        "padding: .5rem 1rem; border-bottom: 1px solid #ddd; display: flex; flex-wrap: wrap; "
        'gap: .4rem 1.2rem;">' + "".join(links) + "</nav>"
    )


def to_html(
    executed: Path, out_html: Path, stems: list[str] | None = None, dataset: str = ""
) -> None:
    """Render an executed notebook as a standalone HTML page with the code hidden.

    The page is titled in words ("03 — Pareto and whale curve · sample") and opens with a bar
    linking back to the executive summary (``index.html``) and to the previous and next pages.

    Parameters
    ----------
    executed
        The executed notebook.
    out_html
        The page to write.
    stems
        The run's pages in order (for the previous and next links); None: the summary link only.
    dataset
        The dataset's name, added to the title.
    """
    import re

    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    notebook = nbformat.read(executed, as_version=4)
    title = page_title(executed.stem) + (f" · {dataset}" if dataset else "")
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
    nav = _navigation(executed.stem, stems or [])
    body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + nav, body, count=1)
    out_html.write_text(body, encoding="utf-8")
