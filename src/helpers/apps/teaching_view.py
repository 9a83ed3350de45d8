"""A teaching world as the page shows it (findings, figures, headline), rendered once and shared.

The world is seeded, so the same assumptions always give the same page. A class on one server
shares what its kernels rendered through a folder (:class:`ViewCache`, the folder named by
``SCBP_TEACHING_CACHE``, which ``python -m helpers.apps.serve`` creates for each server): the
second student to reach a setting gets it in milliseconds instead of regenerating the world.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.apps.teaching_lessons import SECTIONS, section_findings
from helpers.apps.teaching_model import Assumptions, TeachingState

__all__ = ["WorldView", "FigureMemo", "figure_key", "render_view", "view_key", "ViewCache"]

#: the config sections a page depends on (with the assumptions and the figures' resolution)
_KEY_SECTIONS = ("cost_to_serve", "size_tiers", "teaching", "explorer", "growth", "currency")
#: the config sections every figure depends on (the cost model only the ledger's charts)
_FIGURE_SECTIONS = ("size_tiers", "teaching", "explorer", "growth", "currency", "pareto")
_VERSION = 2  # bump when what a view holds changes (2: charts as data, drawn in the browser)


@dataclass(frozen=True)
class WorldView:
    """What the page shows for one world.

    Attributes
    ----------
    assumptions
        The assumptions of the world.
    headline
        :func:`~helpers.apps.teaching_model.headline_figures` without ``_cache`` (JSON-ready).
    findings
        Section -> its finding sentences.
    figures
        Section -> its chart as data (:func:`~helpers.apps.teaching_charts.chart_data`: title,
        series, axes), drawn in the browser.
    seconds
        Build times (``world``, ``total``, ``render``); empty when read from the cache.
    """

    assumptions: Assumptions
    headline: dict[str, Any]
    findings: dict[str, list[str]]
    figures: dict[str, dict[str, Any]]
    seconds: dict[str, float] = field(default_factory=dict)


def _plain(value: Any) -> Any:
    """A number as a plain Python one (NaN kept: JSON here is read back by Python only)."""
    return value.item() if hasattr(value, "item") else value


def _frame_digest(frame: pd.DataFrame) -> str:
    """A digest of a frame's values, index and column names."""
    values = pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes()
    return hashlib.sha256(values + repr(list(frame.columns)).encode()).hexdigest()


def _figure_inputs(name: str, state: TeachingState) -> list[Any]:
    """What a section's figure is drawn from (a figure drawn from the same inputs is the same)."""
    cache = state.headline["_cache"]
    if name == "risks":
        survival = cache["survival"]
        table = survival.table if survival.available else survival.message
        return [table, f"{state.headline['first_year_closure']:.6f}"]
    if name == "trust":
        return [state.tables["opportunities"]]
    return [state.ledger, {k: state.config.get(k) for k in ("cost_to_serve", "_given", "whale")}]


def figure_key(
    name: str, state: TeachingState, dpi: int, digests: dict[int, tuple[Any, str]] | None = None
) -> str:
    """A key naming a section's figure by what it is drawn from, the session config and the dpi.

    Parameters
    ----------
    name
        A section of :data:`~helpers.apps.teaching_lessons.SECTIONS`.
    state
        The world.
    dpi
        Resolution of the figure.
    digests
        Digests of frames already made in this render, by ``id`` (with the frame, kept alive).

    Returns
    -------
    str
        64 hex digits: two worlds whose figure inputs are equal share the figure.
    """
    digests = {} if digests is None else digests
    parts = [
        name,
        str(dpi),
        json.dumps({k: state.config.get(k) for k in _FIGURE_SECTIONS}, sort_keys=True, default=str),
    ]
    for value in _figure_inputs(name, state):
        if isinstance(value, pd.DataFrame):
            if id(value) not in digests:
                digests[id(value)] = (value, _frame_digest(value))
            parts.append(digests[id(value)][1])
        elif isinstance(value, dict):
            plain = {k: v for k, v in value.items() if not str(k).startswith("_")}
            parts.append(json.dumps(plain, sort_keys=True, default=str))
        else:
            parts.append(str(value))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class FigureMemo:
    """The last charts a process computed, by :func:`figure_key`.

    A slider move that leaves a chart's inputs alone (the cost per order and the survival
    chart, the approval layers and the ledger's charts) does not compute that chart again.

    Parameters
    ----------
    keep
        Figures kept (the most recent).
    """

    def __init__(self, keep: int = 40) -> None:
        self.keep = keep
        self._figures: dict[str, dict[str, Any]] = {}
        self._state: TeachingState | None = None
        self._digests: dict[int, tuple[Any, str]] = {}
        self.hits = 0

    def figure(
        self, name: str, state: TeachingState, dpi: int, findings: dict[str, list[str]]
    ) -> dict[str, Any]:
        """The section's chart data: reused when computed before, else computed."""
        if self._state is not state:  # a frame's digest is kept while one world is rendered
            self._state, self._digests = state, {}
        key = figure_key(name, state, dpi, self._digests)
        if key in self._figures:
            self.hits += 1
            self._figures[key] = self._figures.pop(key)  # most recent last
            return self._figures[key]
        from helpers.apps.teaching_charts import chart_data  # drawing code: renderers only

        self._figures[key] = chart_data(name, state, findings)
        while len(self._figures) > self.keep:
            self._figures.pop(next(iter(self._figures)))
        return self._figures[key]


def render_view(state: TeachingState, dpi: int, memo: FigureMemo | None = None) -> WorldView:
    """Render a world's findings and chart data.

    Parameters
    ----------
    state
        The world.
    dpi
        Resolution of the figures (dots per inch).
    memo
        Figures drawn before by this process (reused when their inputs are the same).

    Returns
    -------
    WorldView
        The page of the world.
    """
    import time

    began = time.perf_counter()
    memo = memo if memo is not None else FigureMemo()
    findings = section_findings(state)
    figures = {name: memo.figure(name, state, dpi, findings) for name in SECTIONS}
    headline = {k: _plain(v) for k, v in state.headline.items() if not k.startswith("_")}
    seconds = {**state.seconds, "render": time.perf_counter() - began}
    return WorldView(state.assumptions, headline, findings, figures, seconds)


def view_key(assumptions: Assumptions, config: Mapping[str, Any], dpi: int) -> str:
    """A key naming the page of a world: its assumptions, the config sections it uses, the dpi.

    Parameters
    ----------
    assumptions
        The world's assumptions.
    config
        The session's config.
    dpi
        Resolution of the figures.

    Returns
    -------
    str
        24 hex digits.
    """
    payload = {
        "version": _VERSION,
        "assumptions": dataclasses.asdict(assumptions),
        "config": {k: config.get(k) for k in _KEY_SECTIONS},
        "dpi": dpi,
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class ViewCache:
    """Pages of worlds kept in memory and in a folder shared by the kernels of one server.

    Parameters
    ----------
    folder
        The folder; None keeps the session's own last pages in memory only.
    keep
        Pages kept in memory (the most recent).
    """

    def __init__(self, folder: str | Path | None, keep: int = 16) -> None:
        self.folder = Path(folder) if folder else None
        self.keep = keep
        self._memory: dict[str, WorldView] = {}
        self.hits = 0
        self.misses = 0

    @classmethod
    def from_environment(cls, variable: str = "SCBP_TEACHING_CACHE") -> ViewCache:
        """The cache of the folder named by the environment variable (none when unset).

        Parameters
        ----------
        variable
            The environment variable.

        Returns
        -------
        ViewCache
            The cache.
        """
        folder = os.environ.get(variable, "")
        return cls(folder if folder and Path(folder).is_dir() else None)

    def get(self, key: str, count: bool = True) -> WorldView | None:
        """The page stored under ``key``, or None (also when unreadable).

        ``count=False`` leaves the hit and miss counters alone (polling for a page).
        """
        found = self._read(key)
        if count:
            self.hits += found is not None
            self.misses += found is None
        return found

    def _read(self, key: str) -> WorldView | None:
        """The page from memory, else from the folder."""
        if key in self._memory:
            return dataclasses.replace(self._memory[key], seconds={})
        if self.folder is None:
            return None
        path = self.folder / f"{key}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        data["assumptions"] = Assumptions(**data["assumptions"])
        data["seconds"] = {}
        return WorldView(**data)

    def put(self, key: str, view: WorldView) -> None:
        """Store a page under ``key`` (written whole, then renamed: readers never see half)."""
        self._memory[key] = view
        while len(self._memory) > self.keep:
            self._memory.pop(next(iter(self._memory)))
        if self.folder is None:
            return
        data = dataclasses.asdict(view)
        data["seconds"] = {}
        tmp = self.folder / f".{key}.{os.getpid()}.tmp"
        try:
            tmp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(tmp, self.folder / f"{key}.json")
        except OSError:  # a full disk must not break the lesson: the page is shown anyway
            tmp.unlink(missing_ok=True)
