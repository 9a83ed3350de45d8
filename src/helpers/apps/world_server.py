"""The class's world renderers: a few processes build every page the students' kernels ask for.

A served class shares one folder (``SCBP_TEACHING_CACHE``). A kernel that needs a world not yet
rendered drops a request there (:func:`request_view`) and waits; one of the answering renderers
started by ``python -m helpers.apps.serve`` (one per core) claims it, builds and renders the
world once, and stores the page every other kernel then reads. The kernels stay small (no
DuckDB, Ibis or matplotlib) and the machine's cores are never shared by thirty world builds at
once. Other renderers, niced (one per core), draw ahead with the CPU the class leaves idle:
first the worlds one slider step away from the worlds students last asked for (a student's
next move is one of them), newest first; then the worlds one slider step after another away
from the default (the moves a lesson starts with), nearest first.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import itertools
import json
import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from helpers.apps.teaching_model import (
    Assumptions,
    TeachingState,
    build_state,
    default_assumptions,
    only_quotes_differ,
    teaching_settings,
    world_params,
)
from helpers.apps.teaching_view import FigureMemo, ViewCache, WorldView, render_view, view_key
from helpers.results import set_currency

__all__ = [
    "CONFIG_FILE",
    "AHEAD_DONE",
    "request_view",
    "neighbours",
    "one_step_away",
    "ROLES",
    "AHEAD_NICE",
    "Renderer",
    "main",
]

#: the session config every kernel and renderer of a class reads (written by the server)
CONFIG_FILE = "session-config.json"
#: a renderer leaves ``<AHEAD_DONE>-<pid>`` in the folder once it has nothing left to render ahead
AHEAD_DONE = "ahead-done"
_POLL_S = 0.05
_KEEP_WORLDS = 6  # worlds a renderer keeps built: a cost or approval move from one is cheap
_KEEP_NEARBY = 120  # worlds one step from those asked for, waiting to be drawn ahead (newest kept)


def request_view(
    cache: ViewCache, key: str, assumptions: Assumptions, timeout: float
) -> WorldView | None:
    """Ask the class's renderers for a page and wait for it.

    Parameters
    ----------
    cache
        The class's cache (its folder is where requests go).
    key
        :func:`~helpers.apps.teaching_view.view_key` of the page.
    assumptions
        The world's assumptions.
    timeout
        Seconds to wait.

    Returns
    -------
    WorldView or None
        The page, or None when no renderer answered in time (the caller builds it itself).
    """
    if cache.folder is None:
        return None
    request = cache.folder / f"{key}.request"
    _write_json(request, assumptions)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = cache.get(key, count=False)
        if view is not None:
            return view
        time.sleep(_POLL_S)
    return None


def _write_json(path: Path, assumptions: Assumptions) -> None:
    """Write the assumptions to ``path`` whole (a reader never sees half a file)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(dataclasses.asdict(assumptions)), encoding="utf-8")
    os.replace(tmp, path)


def _steps(value: float, low: float, high: float, step: float, integer: bool) -> list[float]:
    """Slider values from ``value`` outwards, nearest first, within [low, high]."""
    count = int(round((high - low) / step))
    grid = [low + k * step for k in range(count + 1)]
    grid = [int(round(v)) if integer else round(v, 10) for v in grid]
    return sorted(grid, key=lambda v: (abs(v - value), v))


def neighbours(config: Mapping[str, Any]) -> Iterator[Assumptions]:
    """The default world, then the worlds one control away from it, nearest steps first.

    Parameters
    ----------
    config
        The session's config (slider ranges, the default world).

    Yields
    ------
    Assumptions
        Each set of assumptions once.
    """
    default = default_assumptions(config)
    yield default
    spec = teaching_settings(config)["sliders"]
    lines = {
        name: _steps(
            getattr(default, name),
            float(bounds["min"]),
            float(bounds["max"]),
            float(bounds["step"]),
            name == "approval_layers",
        )[1:]
        for name, bounds in spec.items()
    }
    yield dataclasses.replace(default, flat=not default.flat)
    for rank in range(max(len(values) for values in lines.values())):
        for name, values in lines.items():
            if rank < len(values):
                yield dataclasses.replace(default, **{name: values[rank]})


def one_step_away(assumptions: Assumptions, config: Mapping[str, Any]) -> list[Assumptions]:
    """The worlds one slider step (either way) or the flat switch away from ``assumptions``.

    Parameters
    ----------
    assumptions
        A world's assumptions.
    config
        The session's config (slider ranges and steps).

    Returns
    -------
    list of Assumptions
        Each slider one step down and up (within its range), then the flat switch flipped.
    """
    out = []
    for name, bounds in teaching_settings(config)["sliders"].items():
        value, step = getattr(assumptions, name), float(bounds["step"])
        for moved in (value - step, value + step):
            if float(bounds["min"]) - 1e-9 <= moved <= float(bounds["max"]) + 1e-9:
                moved = int(round(moved)) if name == "approval_layers" else round(moved, 10)
                out.append(dataclasses.replace(assumptions, **{name: moved}))
    return [*out, dataclasses.replace(assumptions, flat=not assumptions.flat)]


#: what a renderer does: answer students' requests, draw worlds ahead, or both
ROLES = ("answer", "ahead", "both")
#: niceness of a renderer that only draws ahead: it takes what CPU the class leaves idle
AHEAD_NICE = 15


class Renderer:
    """One renderer process: answers requests first, pre-renders neighbours when idle.

    A served class runs renderers of two roles (:func:`helpers.apps.serve.main`): ``answer``
    renderers build what a student waits for, at normal priority, and tell the ``ahead``
    renderers what was asked (an ``.asked`` note); ``ahead`` renderers, niced
    (:data:`AHEAD_NICE`), draw the worlds one step from those, and the lesson's first worlds,
    with the CPU the students' browsers, kernels and requests leave. ``both`` does both in one
    process.

    Parameters
    ----------
    folder
        The class's cache folder (holding :data:`CONFIG_FILE`).
    role
        One of :data:`ROLES`.

    Raises
    ------
    ValueError
        For a role not in :data:`ROLES`.
    """

    def __init__(self, folder: Path, role: str = "both") -> None:
        if role not in ROLES:
            raise ValueError(f"renderer role {role!r}: expected one of {', '.join(ROLES)}")
        self.role = role
        self.folder = Path(folder)
        self.config = json.loads((self.folder / CONFIG_FILE).read_text(encoding="utf-8"))
        set_currency(self.config.get("_session_currency"))
        self.dpi = int(self.config["explorer"]["figure_dpi"])
        self.cache = ViewCache(self.folder)
        self.states: list[TeachingState] = []  # the last worlds built, most recent last
        self.memo = FigureMemo()
        ahead = int(teaching_settings(self.config)["prerender"])
        self.ahead = itertools.islice(neighbours(self.config), ahead)
        self.nearby: collections.deque[Assumptions] = collections.deque(maxlen=_KEEP_NEARBY)

    def _claim(self, suffix: str = ".request") -> tuple[str, Assumptions] | None:
        """The oldest waiting request (or ``.asked`` note), claimed by renaming it."""
        requests = []
        for path in self.folder.glob(f"*{suffix}"):
            try:
                requests.append((path.stat().st_mtime_ns, path))
            except OSError:
                continue  # another renderer took it
        for _, request in sorted(requests):
            claimed = request.with_suffix(f".taken-{os.getpid()}")
            try:
                os.replace(request, claimed)
                values = json.loads(claimed.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # another renderer took it
            claimed.unlink(missing_ok=True)
            return request.stem, Assumptions(**values)
        return None

    def render(self, key: str, assumptions: Assumptions) -> None:
        """Build and store the page of ``assumptions`` unless it is stored already."""
        if (self.folder / f"{key}.json").exists():
            return
        state = build_state(assumptions, self.config, None, self._nearest(assumptions))
        self.states = [s for s in self.states if s.params != state.params][-_KEEP_WORLDS + 1 :]
        self.states.append(state)
        self.cache.put(key, render_view(state, self.dpi, self.memo))

    def _nearest(self, assumptions: Assumptions) -> TeachingState | None:
        """A kept world to start from: the same world, else one with other quotes only.

        Students of a class move different sliders in turn, so the world a renderer built last
        is seldom the one a cost-per-order move starts from; among the last few it often is.
        """
        params = world_params(assumptions, self.config)
        for state in reversed(self.states):
            if state.params == params:
                return state
        for state in reversed(self.states):
            if only_quotes_differ(state.params, params):
                return state
        return None

    def step(self) -> bool:
        """Answer one request, else draw one world ahead. False when there is nothing to do."""
        if self.role != "ahead":
            claimed = self._claim()
            if claimed is not None:
                self.render(*claimed)
                if self.role == "both":
                    self.nearby.extendleft(reversed(one_step_away(claimed[1], self.config)))
                else:  # the ahead renderers draw what is one step from it
                    _write_json(self.folder / f"{claimed[0]}.asked", claimed[1])
                return True
            if self.role == "answer":
                return False
        while self.role == "ahead" and (asked := self._claim(".asked")) is not None:
            self.nearby.extendleft(reversed(one_step_away(asked[1], self.config)))
        while self.nearby:  # a student's next move: one step from where it is
            assumptions = self.nearby.popleft()
            key = view_key(assumptions, self.config, self.dpi)
            if self._mark(key):
                self.render(key, assumptions)
                return True
        for assumptions in self.ahead:
            key = view_key(assumptions, self.config, self.dpi)
            if self._mark(key):  # not stored, and no other renderer is on it
                self.render(key, assumptions)
                return True
        (self.folder / f"{AHEAD_DONE}-{os.getpid()}").touch()
        return False

    def _mark(self, key: str) -> bool:
        """Whether this renderer takes the neighbour ``key`` (an exclusive marker file)."""
        if (self.folder / f"{key}.json").exists():
            return False
        try:
            (self.folder / f"{key}.ahead").open("x").close()
        except FileExistsError:
            return False
        return True

    def run(self) -> None:
        """Serve until the folder is removed (the server stopped)."""
        while self.folder.is_dir():
            try:
                busy = self.step()
            except Exception as error:  # noqa: BLE001 - a bad world must not stop the class
                print(f"world renderer: {type(error).__name__}: {error}", file=sys.stderr)
                self.states, busy = [], True
            if not busy:
                time.sleep(_POLL_S)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m helpers.apps.world_server FOLDER``: one renderer of a class."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="the class's cache folder")
    parser.add_argument("--role", choices=ROLES, default="both", help="see Renderer")
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    # renderers run one per core: BLAS threads of their own would only fight each other
    threadpool_limits(limits=1)
    if args.role == "ahead":
        os.nice(AHEAD_NICE)
    try:
        Renderer(Path(args.folder), args.role).run()
    except (KeyboardInterrupt, FileNotFoundError):  # the server stopped, its folder gone
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
