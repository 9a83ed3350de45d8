"""The teaching session: a small synthetic world whose assumptions students change with sliders.

This module is the session's UI (:class:`TeachingSession`, :func:`start`). The model it shows
lives in :mod:`helpers.apps.teaching_model` (assumptions, the regenerated world, headline
figures), :mod:`helpers.apps.teaching_lessons` (findings, figures, exercise checks) and
:mod:`helpers.apps.teaching_view` (a world's page, rendered once and shared by a server's kernels).
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
from IPython.display import HTML, display

from helpers.apps.live_chart import LiveChart
from helpers.apps.teaching_lessons import (
    EXERCISES,
    SECTIONS,
    all_findings,
    draw,
    section_findings,
    summary_rows,
)
from helpers.apps.teaching_model import (
    Assumptions,
    TeachingState,
    build_state,
    default_assumptions,
    teaching_settings,
)
from helpers.apps.teaching_view import FigureMemo, ViewCache, WorldView, render_view, view_key
from helpers.apps.widget_kit import (
    CSS_PREFIX,
    FindingPanel,
    labelled_slider,
    show_accessibility,
    show_figure,
)
from helpers.apps.world_server import CONFIG_FILE, request_view
from helpers.config import load_config
from helpers.results import set_currency

__all__ = ["TeachingSession", "start", "open_session", "summary_html"]

_SLIDERS: dict[str, tuple[str, str, str]] = {
    # field: (label, tooltip, readout format)
    "big_share": (
        "Share of big accounts",
        "Share of customers that are medium or large firms (50+ employees)",
        ".0%",
    ),
    "discount_curve": (
        "Discount curve",
        "How steeply discounts and rebates rise with account size: 0 = no special terms, "
        "1 = the default world, 2 = twice as steep",
        ".1f",
    ),
    "cost_per_order": ("Cost per order", "Cost of processing one order (currency)", ".1f"),
    "first_year_closure": (
        "First-year closure",
        "Share of new micro and small firms that close within a year of signing up",
        ".0%",
    ),
    "approval_layers": (
        "Approval layers",
        "Approval layers a big account's typical quote climbs (a small trial order needs one)",
        "d",
    ),
}


def _sentences_html(sentences: list[str]) -> str:
    """The sentences as an HTML list (escaped)."""
    return "<ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in sentences) + "</ul>"


def summary_html(headline: dict[str, Any]) -> str:
    """The headline figures as a two-column HTML table, formatted for people (escaped).

    Parameters
    ----------
    headline
        A world's headline figures.

    Returns
    -------
    str
        A ``<table>``: one row per figure (:func:`~helpers.apps.teaching_lessons.summary_rows`).
    """
    rows = "".join(
        f"<tr><th scope='row' style='text-align:left;font-weight:normal'>{html.escape(label)}"
        f"</th><td style='text-align:right'>{html.escape(value)}</td></tr>"
        for label, value in summary_rows(headline)
    )
    return f"<table aria-label='Headline figures of this world'>{rows}</table>"


class TeachingSession:
    """The teaching app: sliders over the world's assumptions, a chart and findings per section.

    With ``interactive=False`` (papermill) no widget is built: each section shows the static
    figure and findings of the default world.

    Parameters
    ----------
    config
        The session's config (cost model, size tiers, ``teaching``, ``explorer``).
    interactive
        Build the widgets (a live kernel) or show static figures (papermill).
    workspace
        In static mode, each section's figure is saved through ``workspace.save_figure``.
    """

    def __init__(self, config: Mapping[str, Any], interactive: bool, workspace: Any = None) -> None:
        self.config = dict(config)
        self.interactive = interactive
        self.workspace = workspace
        self.defaults = default_assumptions(config)
        self.dpi = int(self.config["explorer"]["figure_dpi"])
        self.cache = ViewCache.from_environment()
        self.served = self.cache.folder is not None and (self.cache.folder / CONFIG_FILE).is_file()
        self.state: TeachingState | None = None
        self.memo = FigureMemo()
        if interactive:
            self.view = self._view_for(self.defaults)
            self._build_widgets()
        else:
            self.state = build_state(self.defaults, self.config)
            self.view = None
        self.last_update_s = float("nan")

    def _view_for(self, assumptions: Assumptions) -> WorldView:
        """The page of the world under ``assumptions``: from the cache, else built and stored."""
        key = view_key(assumptions, self.config, self.dpi)
        view = self.cache.get(key)
        if view is None and self.served:  # the class's renderers build it once for everyone
            wait = float(teaching_settings(self.config)["render_wait_s"])
            view = request_view(self.cache, key, assumptions, wait)
        if view is None:
            self.state = build_state(assumptions, self.config, None, self.state)
            view = render_view(self.state, self.dpi, self.memo)
            self.cache.put(key, view)
        return view

    @property
    def headline(self) -> dict[str, Any]:
        """The headline figures of the world on screen."""
        return self.view.headline if self.view is not None else self.state.headline

    # -- widgets --------------------------------------------------------------------------------
    def _build_sliders(self) -> None:
        """One slider per assumption, and the flat-world switch."""
        spec = teaching_settings(self.config)["sliders"]
        self.sliders: dict[str, widgets.ValueWidget] = {}
        for name, (label, tip, fmt) in _SLIDERS.items():
            bounds = spec[name]
            self.sliders[name] = labelled_slider(
                label,
                getattr(self.defaults, name),
                bounds["min"],
                bounds["max"],
                bounds["step"],
                tip,
                readout_format=fmt,
                integer=name == "approval_layers",
            )
        self.flat = widgets.Checkbox(
            value=self.defaults.flat,
            description="Flat world",
            indent=False,
            tooltip="Big accounts get no better terms and cost no more to serve per order",
        )
        self.flat.add_class(f"{CSS_PREFIX}-control")

    def _build_widgets(self) -> None:
        """The controls, a chart and a finding panel per section, the answers; then draw."""
        self._build_sliders()
        self.reset = widgets.Button(
            description="Reset the world", tooltip="Restore every assumption"
        )
        self.reset.on_click(self._reset)
        self.status = widgets.HTML()
        self.status.add_class(f"{CSS_PREFIX}-status")
        self.charts = {name: LiveChart(name, SECTIONS[name][1]) for name in SECTIONS}
        names = {*SECTIONS, "promise", "chase", "questions"}
        self.findings = {name: FindingPanel(name) for name in names}
        self.answers = {number: widgets.HTML() for number in EXERCISES}
        self.summary_panel = widgets.HTML()
        self.summary_panel.add_class(f"{CSS_PREFIX}-summary")
        for control in self._controls():
            control.observe(self.update, names="value")
        self._refresh()

    def _controls(self) -> list[widgets.ValueWidget]:
        """Every control whose change regenerates the world."""
        return [*self.sliders.values(), self.flat]

    def assumptions(self) -> Assumptions:
        """The assumptions the controls show.

        Returns
        -------
        Assumptions
            One field per slider, and the flat-world switch.
        """
        values = {name: slider.value for name, slider in self.sliders.items()}
        return Assumptions(**values, flat=bool(self.flat.value))

    def update(self, *_: Any) -> float:
        """Show the world of the controls (regenerated, or shared by another kernel).

        Returns
        -------
        float
            Seconds it took.
        """
        began = time.perf_counter()
        self.status.value = "<small>Regenerating the world…</small>"
        self.view = self._view_for(self.assumptions())
        self._refresh()
        self.last_update_s = time.perf_counter() - began
        return self.last_update_s

    def _refresh(self) -> None:
        """Show the current world's findings, charts and summary; clear the answers."""
        view = self.view
        for name, sentences in view.findings.items():
            if name in self.findings:
                self.findings[name].show(sentences)
        for name, chart in self.charts.items():
            chart.show(view.figures[name])
        for answer in self.answers.values():
            answer.value = ""
        self.summary_panel.value = summary_html(view.headline)
        seconds = view.seconds
        if not seconds:
            done = "shown from this class's shared worlds"
        else:
            built = "regenerated" if "world" in seconds else "re-costed"
            done = f"{built} in {seconds['total'] + seconds['render']:.2f} s"
        self.status.value = (
            f"<small>{view.headline['customers']:,.0f} customers; world {done}</small>"
        )

    def _reset(self, *_: Any) -> None:
        """Restore the default assumptions without redrawing per control, then redraw once."""
        for control in self._controls():
            control.unobserve(self.update, names="value")
        for name, slider in self.sliders.items():
            slider.value = getattr(self.defaults, name)
        self.flat.value = self.defaults.flat
        for control in self._controls():
            control.observe(self.update, names="value")
        self.update()

    # -- what the notebook displays -------------------------------------------------------------
    def controls(self, *names: str) -> None:
        """Show the controls named (all of them, with reset and status, when none is named).

        Parameters
        ----------
        *names
            Assumption fields (``big_share``, ...) or ``flat``. Static mode lists their values.
        """
        if not self.interactive:
            assumptions = self.defaults
            shown = names or (*_SLIDERS, "flat")
            rows = "".join(
                f"<li>{html.escape(_SLIDERS[n][0] if n in _SLIDERS else 'Flat world')}: "
                f"{html.escape(str(getattr(assumptions, n)))}</li>"
                for n in shown
            )
            display(HTML(f"<p>Assumptions of this (default) world:</p><ul>{rows}</ul>"))
            return
        picked = [self.sliders[n] if n != "flat" else self.flat for n in names] or [
            *self.sliders.values(),
            self.flat,
            self.reset,
            self.status,
        ]
        if not names:
            show_accessibility()
        display(widgets.VBox(picked))

    def section(self, name: str) -> None:
        """Show a section's findings and (if it has one) its chart.

        Parameters
        ----------
        name
            A section of :func:`~helpers.apps.teaching_lessons.section_findings`.
        """
        if self.interactive:
            parts = [self.findings[name].widget]
            if name in self.charts:
                parts.append(self.charts[name].widget)
            display(widgets.VBox(parts))
            return
        display(HTML(_sentences_html(section_findings(self.state)[name])))
        if name in SECTIONS:
            fig, alt, caption = draw(name, self.state)
            if self.workspace is not None:
                self.workspace.save_figure(fig, f"teaching_{name}", show=False)
            show_figure(fig, alt, caption)

    def _check_button(self, number: int) -> widgets.Button:
        """A button that checks exercise ``number`` on the current world and shows the answer."""
        prompt, check = EXERCISES[number]
        button = widgets.Button(description=f"Check exercise {number}", tooltip=prompt)
        answer = self.answers[number]
        answer.add_class(f"{CSS_PREFIX}-answer")

        def _check(*_: Any) -> None:
            passed, message = check(self.view)
            mark = "✔ " if passed else "✘ "
            colour = "#006d2c" if passed else "#a50f15"
            answer.value = (
                f'<p role="status" style="color:{colour}">{mark}{html.escape(message)}</p>'
            )

        button.on_click(_check)
        return button

    def exercise(self, number: int) -> None:
        """Show an exercise: its prompt and a Check button (static: the default world's answer).

        Parameters
        ----------
        number
            A key of :data:`~helpers.apps.teaching_lessons.EXERCISES`.
        """
        prompt, check = EXERCISES[number]
        title = f"<p><b>Exercise {number}.</b> {html.escape(prompt)}</p>"
        if not self.interactive:
            _, message = check(self.state)
            display(HTML(f"{title}<p>In the default world: {html.escape(message)}</p>"))
            return
        button = self._check_button(number)
        display(widgets.VBox([widgets.HTML(title), button, self.answers[number]]))

    def summary(self) -> dict[str, Any]:
        """Headline numbers of the current world (for ``ws.record``), JSON-friendly.

        Returns
        -------
        dict
            :func:`~helpers.apps.teaching_model.headline_figures` without ``_cache``, numbers
            as floats.
        """
        return {
            k: (float(v) if isinstance(v, (int, float)) else v)
            for k, v in self.headline.items()
            if not k.startswith("_")
        }

    def findings_list(self) -> list[str]:
        """Every finding sentence of the current world, section after section."""
        if self.view is not None:
            return [s for sentences in self.view.findings.values() for s in sentences]
        return all_findings(self.state)

    def show_summary(self) -> None:
        """Show the headline figures as a table that follows the controls (static: the default's)."""
        if self.interactive:
            display(self.summary_panel)
            return
        display(HTML(summary_html(self.headline)))

    def record(self) -> None:
        """Record the summary and findings in the workspace, for the report (papermill only).

        A served session records nothing: many students' kernels would write one file.
        """
        if not self.interactive and self.workspace is not None:
            self.workspace.record("teaching", self.summary(), findings=self.findings_list())


def start(
    config_path: str = "", interactive: bool = True, workspace: Any = None
) -> TeachingSession:
    """Open a teaching session on the config's cost model and tiers.

    Parameters
    ----------
    config_path
        The dataset's config; empty means the sample's (ignored when ``workspace`` is given).
    interactive
        Build the widgets (a live kernel) or show static figures (papermill).
    workspace
        The notebook's workspace: its config is used and static figures are saved through it.

    Returns
    -------
    TeachingSession
        The session, its default world built.
    """
    from helpers import paths

    if workspace is not None:
        config = workspace.config
    else:
        config = load_config(config_path or paths.SAMPLE_CONFIG)
    return TeachingSession(config, interactive, workspace)


def open_session(config_path: str, period: str, run_dir: str, interactive: bool) -> TeachingSession:
    """The notebook's session: a served class's shared config, else the dataset's workspace.

    Served by ``python -m helpers.apps.serve`` (``make teach``), a kernel reads the session
    config the server resolved once (no data is read and no engine is loaded in the kernel);
    in JupyterLab and under papermill the workspace is opened as every notebook opens it.

    Parameters
    ----------
    config_path, period, run_dir, interactive
        The notebook's parameters (``config_path`` and ``period`` after
        :func:`helpers.apps.serve.app_parameters`).

    Returns
    -------
    TeachingSession
        The session.
    """
    shared = ViewCache.from_environment().folder
    if interactive and not run_dir and shared is not None and (shared / CONFIG_FILE).is_file():
        config = json.loads((shared / CONFIG_FILE).read_text(encoding="utf-8"))
        set_currency(config.get("_session_currency"))
        return TeachingSession(config, interactive)
    from helpers.report.workspace import open_workspace

    return start(interactive=interactive, workspace=open_workspace(config_path, period, run_dir))
