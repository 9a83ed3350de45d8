"""Safe publishing of a run: its id, the output folder's lock, the atomic rename and ``latest``."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from helpers.report.errors import RunLocked

__all__ = [
    "slug",
    "make_run_id",
    "run_lock",
    "claim_run_folder",
    "remove_stale_runs",
    "publish_run",
    "keep_data_quality",
]

#: the file in a run's temporary folder naming the process that renders it
_OWNER = ".owner"

#: what the ingest leaves that a report keeps (in ``data-quality/``)
_DATA_QUALITY_FILES = ("rejects.csv", "reconciliation.csv", "dictionary.csv", "ingest.json")


def slug(text: str) -> str:
    """``text`` with every run of characters other than letters, digits and dots as one ``-``."""
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-") or "all"


def make_run_id(dataset: str, period: str, when: datetime) -> str:
    """The id of a run: ``<dataset>_<period>_<UTC timestamp>``.

    Parameters
    ----------
    dataset
        The dataset's name.
    period
        ``"START:END"`` or ``""`` (the whole history, ``all``).
    when
        The run's start (UTC).

    Returns
    -------
    str
        E.g. ``sample_2024-01-01-2024-12-31_20260101T120000000000Z``.
    """
    period_slug = slug(period) if period else "all"
    return f"{slug(dataset)}_{period_slug}_{when.strftime('%Y%m%dT%H%M%S%fZ')}"


@contextlib.contextmanager
def run_lock(out_dir: Path, run_id: str = "") -> Iterator[None]:
    """Hold an exclusive, non-blocking lock on ``out_dir`` for the duration of a run.

    The lock file ``out_dir/.lock`` names its holder: process id, run id and since when.

    Parameters
    ----------
    out_dir
        The output folder (created if missing).
    run_id
        The run that holds the lock (its temporary folder is ``out_dir/.tmp-<run_id>``).

    Raises
    ------
    RunLocked
        When another process holds the lock.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / ".lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RunLocked(
                f"{out_dir}: another report run holds the lock ({holder}); try again later"
            ) from None
        handle.seek(0)
        handle.truncate()
        since = datetime.now(UTC).isoformat(timespec="seconds")
        handle.write(f"pid {os.getpid()} run {run_id or '-'} since {since}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def claim_run_folder(tmp: Path) -> None:
    """Create a run's temporary folder and name its owner (this process) in ``.owner``.

    Parameters
    ----------
    tmp
        The run's temporary folder, ``out_dir/.tmp-<run-id>`` (must not exist).
    """
    tmp.mkdir(parents=True)
    (tmp / _OWNER).write_text(f"{os.getpid()}\n")


def _alive(pid: int) -> bool:
    """Whether a process with this id runs (a zombie counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        if " Z " in Path(f"/proc/{pid}/stat").read_text().split(")", 1)[1][:3]:
            return False
    return True


def _owner(tmp: Path) -> int | None:
    """The process id named in a temporary folder's ``.owner`` (None if unreadable)."""
    try:
        return int((tmp / _OWNER).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def remove_stale_runs(out_dir: Path) -> list[str]:
    """Remove the temporary folders of runs whose process is gone (killed, crashed).

    Call it while holding :func:`run_lock`: no live run can then be rendering into
    ``out_dir``. A folder whose owner still runs is left alone; so are ``.latest-*`` links of a
    publish that was cut short (removed as well).

    Parameters
    ----------
    out_dir
        The output folder.

    Returns
    -------
    list of str
        The names of the folders removed.
    """
    removed = []
    for tmp in sorted(out_dir.glob(".tmp-*")):
        owner = _owner(tmp)
        if owner is not None and owner != os.getpid() and _alive(owner):
            continue
        shutil.rmtree(tmp, ignore_errors=True)
        removed.append(tmp.name)
    for link in out_dir.glob(".latest-*"):
        with contextlib.suppress(OSError):
            link.unlink()
    return removed


def publish_run(tmp: Path, out_dir: Path, run_id: str) -> Path:
    """Rename the finished run into place and repoint ``latest`` atomically.

    Parameters
    ----------
    tmp
        The finished run's temporary folder (``out_dir/.tmp-<run-id>``).
    out_dir
        The output folder.
    run_id
        The run's id: its folder's name.

    Returns
    -------
    pathlib.Path
        The published run folder, ``out_dir/<run-id>``.
    """
    final = out_dir / run_id
    os.rename(tmp, final)
    link_tmp = out_dir / f".latest-{run_id}"
    if link_tmp.is_symlink():
        link_tmp.unlink()
    link_tmp.symlink_to(run_id, target_is_directory=True)
    os.replace(link_tmp, out_dir / "latest")
    return final


def keep_data_quality(run_dir: Path) -> None:
    """Keep the ingest's rejects, reconciliation and dictionary in ``data-quality/``.

    The canonical tables in ``processed/`` are dropped: a copy of the data does not belong in
    a report.

    Parameters
    ----------
    run_dir
        The run's folder.
    """
    processed, keep = run_dir / "processed", run_dir / "data-quality"
    keep.mkdir()
    for name in _DATA_QUALITY_FILES:
        if (processed / name).exists():
            shutil.move(processed / name, keep / name)
    shutil.rmtree(processed)
