"""Interactive explorer: re-cost the customer ledger from widgets and redraw the report's figures.

The explorer holds one period's ledger (its cost drivers ``drv_<activity>`` and P&L down to gross
margin) and recomputes only what a control touches (:mod:`helpers.apps.recosting`): a cost-rate
change re-applies the rates to the drivers, a size-tier bound reassigns tiers, a filter selects
rows; the ledger is rebuilt only when the period changes (once per period, then cached).
The figures are the static report's own (:mod:`helpers.apps.explorer_views`).
Under papermill (``interactive=False``) no widget is built: the static figures for the default
values are drawn instead.
"""

from __future__ import annotations

import contextlib
import html
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import pandas as pd
from IPython.display import HTML, display

from helpers.apps.explorer_views import VIEWS, findings, render
from helpers.apps.recosting import (
    apply_filters,
    base_unit_costs,
    config_with_tiers,
    config_with_unit_costs,
    period_choices,
    recost,
    retier,
    tier_basis,
)
from helpers.apps.widget_kit import (
    CSS_PREFIX,
    FigurePanel,
    FindingPanel,
    heading,
    labelled_dropdown,
    labelled_slider,
    show_accessibility,
    show_figure,
)
from helpers.ledger.size_tiers import revenue_bounds
from helpers.schema import UNATTRIBUTED

__all__ = ["Settings", "Explorer", "ExplorerApp", "show", "time_redraw"]


# ---- the explorer's state: what a control changes, recomputed without rebuilding the ledger ----
@dataclass(frozen=True)
class Settings:
    """Everything the explorer's controls set.

    Attributes
    ----------
    unit_costs
        Cost per driver unit of each activity (currency), e.g. ``{"order_processing": 4.8}``.
    tier_bounds
        Lower bounds of the size tiers above the first (employees or net revenue, by the
        config's ``size_tiers.by``), e.g. ``(10, 50, 250)``.
    small_tiers
        The tiers that count as small clients.
    filters
        Ledger column -> value kept (absent or the ``all_label``: every customer).
    period
        ``"START:END"`` (ISO dates, either side may be empty); ``""`` is the whole history.
    """

    unit_costs: Mapping[str, float]
    tier_bounds: tuple[float, ...]
    small_tiers: tuple[str, ...]
    filters: Mapping[str, str] = field(default_factory=dict)
    period: str = ""


class Explorer:
    """One dataset's ledger, re-costed, re-tiered and filtered on demand.

    Parameters
    ----------
    processed_dir
        The canonical tables (what ingest wrote).
    config
        The dataset's merged config.
    ledger
        The ledger of ``period`` if already built (e.g. ``ws.ledger``); else built here.
    period
        The ledger's period (``"START:END"`` or ``""``).
    """

    def __init__(
        self,
        processed_dir: Any,
        config: Mapping[str, Any],
        ledger: pd.DataFrame | None = None,
        period: str = "",
    ) -> None:
        self.processed_dir = processed_dir
        self.config = dict(config)
        self.options = dict(config["explorer"])
        self._ledgers: dict[str, pd.DataFrame] = {}
        if ledger is not None:
            self._ledgers[period] = ledger
        self.basis = tier_basis(self.ledger(period), config)
        spec = config["size_tiers"]
        if self.basis == "employees":
            bounds = [float(b) for b in spec["employees_bins"][1:]]
        else:
            led = self.ledger(period)
            bounds = revenue_bounds(led.loc[led["customer_id"] != UNATTRIBUTED], config)
        self.defaults = Settings(
            unit_costs=base_unit_costs(config),
            tier_bounds=tuple(bounds),
            small_tiers=tuple(spec["small"]),
            filters={},
            period=period,
        )

    def ledger(self, period: str) -> pd.DataFrame:
        """The ledger of ``period``, built once (the only step that reads the order lines).

        Parameters
        ----------
        period
            ``"START:END"`` or ``""`` (the whole history).

        Returns
        -------
        pandas.DataFrame
            The customer ledger (:func:`helpers.ledger.build_ledger`).
        """
        if period not in self._ledgers:
            from helpers.ledger import build_ledger

            self._ledgers[period] = build_ledger(self.processed_dir, self.config, period)
        return self._ledgers[period]

    def config_for(self, settings: Settings) -> dict[str, Any]:
        """The config with the settings' rates and tier bounds.

        Parameters
        ----------
        settings
            What the controls show.

        Returns
        -------
        dict
            A new config (the explorer's is not changed).
        """
        config = config_with_unit_costs(self.config, settings.unit_costs)
        return config_with_tiers(config, self.basis, settings.tier_bounds, settings.small_tiers)

    def compute(self, settings: Settings) -> tuple[pd.DataFrame, dict[str, Any]]:
        """The ledger under ``settings`` and the config that produced it.

        Only what changed is redone: the rates are re-applied to the drivers, tiers reassigned,
        rows filtered; the ledger is built only for a period not seen before.

        Parameters
        ----------
        settings
            What the controls show.

        Returns
        -------
        (pandas.DataFrame, dict)
            The ledger (its columns; cost to serve, profit, size tier as the settings make
            them; only the filtered customers) and the config.
        """
        config = self.config_for(settings)
        ledger = self.ledger(settings.period)
        if dict(settings.unit_costs) != dict(self.defaults.unit_costs):
            ledger = recost(ledger, config)
        if tuple(settings.tier_bounds) != tuple(self.defaults.tier_bounds):
            ledger = retier(ledger, config)
        ledger = apply_filters(ledger, settings.filters, self.options["all_label"])
        return ledger, config

    def filter_options(self) -> dict[str, list[str]]:
        """Values offered by each customer filter, from the whole ledger.

        Returns
        -------
        dict
            Filter label -> the ``all_label``, then the column's values in order; a filter
            whose column is missing or empty is left out (:meth:`missing_filters`).
        """
        ledger = self.ledger(self.defaults.period)
        out = {}
        for label, column in self.options["filters"].items():
            values = (
                sorted(ledger[column].dropna().astype(str).unique()) if column in ledger else []
            )
            if values:  # a column the data does not fill offers nothing to choose
                out[label] = [self.options["all_label"], *values]
        return out

    def missing_filters(self) -> list[str]:
        """The customer filters of the config whose column this data does not have or fill.

        Returns
        -------
        list of str
            Filter labels (e.g. ``Industry``), in the config's order.
        """
        offered = self.filter_options()
        return [label for label in self.options["filters"] if label not in offered]


# ---- the app ----------------------------------------------------------------------------------
def _label(activity: str) -> str:
    """An activity's name as a label: ``order_processing`` -> ``Order processing``."""
    return activity.replace("_", " ").capitalize()


def _is_share(config: Mapping[str, Any], activity: str) -> bool:
    """Whether an activity's rate is a share of money (its driver is revenue), not an amount."""
    spec = config["cost_to_serve"]["activities"].get(activity) or {}
    return "revenue" in str(spec.get("driver", ""))


class ExplorerApp:
    """The explorer's widgets: every control re-computes the view and redraws its figures.

    Parameters
    ----------
    explorer
        The dataset's explorer (its defaults set the controls).
    """

    def __init__(self, explorer: Explorer) -> None:
        self.explorer = explorer
        self.rate_sliders = self._rate_sliders()
        self.tier_sliders = self._tier_sliders()
        self.small = self._small_dropdown()
        self.filters = {
            label: labelled_dropdown(
                label,
                values,
                explorer.options["all_label"],
                f"Only customers of this {label.lower()}",
            )
            for label, values in explorer.filter_options().items()
        }
        missing = explorer.missing_filters()
        self.missing = widgets.HTML(
            f"<small>{html.escape(', '.join(missing))}: not in this data.</small>"
            if missing
            else ""
        )
        self.periods, self.period = self._period_dropdown()
        self._initial = {"small": self.small.value}
        self.reset = widgets.Button(
            description="Reset to the config", tooltip="Restore every control"
        )
        self.finding = FindingPanel("whale")
        dpi = int(explorer.options["figure_dpi"])
        self.panels = {view: FigurePanel(view, dpi) for view in VIEWS}
        self.status = widgets.HTML()
        self.status.add_class(f"{CSS_PREFIX}-status")
        self.last_redraw_s = float("nan")
        for control in self._controls():
            control.observe(self.update, names="value")
        self.reset.on_click(self._reset)

    def _rate_sliders(self) -> dict[str, widgets.FloatSlider]:
        """One slider per activity with a cost, from 0 to ``rate_factor_max`` times its rate."""
        options = self.explorer.options
        sliders: dict[str, widgets.FloatSlider] = {}
        for name, unit in self.explorer.defaults.unit_costs.items():
            if unit <= 0:  # an activity switched off in the config: nothing to scale
                continue
            top = unit * float(options["rate_factor_max"])
            share = _is_share(self.explorer.config, name)
            sliders[name] = labelled_slider(
                _label(name),
                unit,
                0.0,
                top,
                top / int(options["rate_steps"]),
                f"Cost as a share of the revenue it applies to; configured {unit:.1%}"
                if share
                else f"Cost of one {name.replace('_', ' ')} driver unit (currency); "
                f"configured {unit:g}",
                readout_format=".1%" if share else ",.3r",
            )
        return sliders

    def _tier_sliders(self) -> list[widgets.FloatSlider]:
        """One slider per tier bound (employees or net revenue, by the tier basis)."""
        unit = "employees" if self.explorer.basis == "employees" else "net revenue"
        labels = list(self.explorer.config["size_tiers"]["labels"])
        factor_max = float(self.explorer.options["tier_bound_factor_max"])
        return [
            labelled_slider(
                f"{labels[i + 1].capitalize()} from ({unit})",
                bound,
                0.0,
                bound * factor_max,
                max(bound / 20, 1.0),
                f"Lowest {unit} of a {labels[i + 1]} customer",
                readout_format=",.3r",
            )
            for i, bound in enumerate(self.explorer.defaults.tier_bounds)
        ]

    def _small_dropdown(self) -> widgets.Dropdown:
        """Which of the smallest tiers count as small clients."""
        labels = list(self.explorer.config["size_tiers"]["labels"])
        small_choices = [tuple(labels[: k + 1]) for k in range(len(labels) - 1)]
        current = tuple(self.explorer.defaults.small_tiers)
        return labelled_dropdown(
            "Small clients are",
            [(" + ".join(c), c) for c in small_choices],
            current if current in small_choices else small_choices[0],
            "The size tiers counted as small clients in the findings",
        )

    def _period_dropdown(self) -> tuple[dict[str, str], widgets.Dropdown]:
        """The periods on offer (label -> period) and their dropdown."""
        period = self.explorer.defaults.period
        periods = period_choices(self.explorer.ledger(period))
        if period not in periods.values():
            periods[period] = period
        dropdown = labelled_dropdown(
            "Period",
            list(periods.items()),
            period,
            "The ledger's period (a new period builds its ledger once, then it is cached)",
        )
        return periods, dropdown

    def _controls(self) -> list[widgets.ValueWidget]:
        """Every control whose change redraws."""
        return [
            *self.rate_sliders.values(),
            *self.tier_sliders,
            self.small,
            *self.filters.values(),
            self.period,
        ]

    def settings(self) -> Settings:
        """The settings the controls show.

        Returns
        -------
        Settings
            Rates, tier bounds (sorted), small tiers, filters by ledger column, period.
        """
        columns = self.explorer.options["filters"]
        return Settings(
            unit_costs={
                **self.explorer.defaults.unit_costs,
                **{k: s.value for k, s in self.rate_sliders.items()},
            },
            tier_bounds=tuple(sorted(s.value for s in self.tier_sliders)),
            small_tiers=tuple(self.small.value),
            filters={columns[label]: w.value for label, w in self.filters.items()},
            period=self.period.value,
        )

    def update(self, *_: Any) -> float:
        """Recompute and redraw; show and return the seconds it took.

        Returns
        -------
        float
            Seconds from reading the controls to the last figure shown.
        """
        began = time.perf_counter()
        ledger, config = self.explorer.compute(self.settings())
        self.finding.show(findings(ledger, config))
        for view, panel in self.panels.items():
            panel.show(*render(view, ledger, config))
        self.last_redraw_s = time.perf_counter() - began
        self.status.value = (
            f"<small>{len(ledger):,} customers; redrawn in {self.last_redraw_s:.2f} s</small>"
        )
        return self.last_redraw_s

    def _reset(self, *_: Any) -> None:
        """Restore every control (rates, tier bounds, small tiers, filters, period), redraw once."""
        defaults = self.explorer.defaults
        with self.hold():
            for name, slider in self.rate_sliders.items():
                slider.value = defaults.unit_costs[name]
            for slider, bound in zip(self.tier_sliders, defaults.tier_bounds, strict=True):
                slider.value = bound
            self.small.value = self._initial["small"]
            for dropdown in self.filters.values():
                dropdown.value = self.explorer.options["all_label"]
            self.period.value = defaults.period
        self.update()

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Context in which control changes do not redraw (used by reset)."""
        for control in self._controls():
            control.unobserve(self.update, names="value")
        try:
            yield
        finally:
            for control in self._controls():
                control.observe(self.update, names="value")

    @property
    def widget(self) -> widgets.Widget:
        """The whole app: the controls beside the findings and figures (stacked when narrow)."""
        controls = widgets.VBox(
            [
                heading("Cost to serve: rate per driver unit"),
                *self.rate_sliders.values(),
                heading("Size tiers and small clients"),
                *self.tier_sliders,
                self.small,
                heading("Customers and period"),
                *self.filters.values(),
                self.missing,
                self.period,
                self.reset,
                self.status,
            ],
            layout=widgets.Layout(flex="0 0 auto"),
        )
        results = widgets.VBox(
            [
                heading("What the data says"),
                self.finding.widget,
                *(p.widget for p in self.panels.values()),
            ],
            layout=widgets.Layout(flex="1 1 36em", min_width="24em"),
        )
        return widgets.HBox(
            [controls, results],
            layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"),
        )


def _show_static(explorer: Explorer, workspace: Any) -> None:
    """Display the findings and figures of the config's values; save the figures if asked."""
    ledger, config = explorer.compute(explorer.defaults)
    items = "".join(f"<li>{html.escape(s)}</li>" for s in findings(ledger, config))
    display(HTML("<ul>" + items + "</ul>"))
    for view in VIEWS:
        fig, alt, caption = render(view, ledger, config)
        if workspace is not None:
            workspace.save_figure(fig, f"explorer_{view}", show=False)
        show_figure(fig, alt, caption)


def show(explorer: Explorer, interactive: bool, workspace: Any = None) -> ExplorerApp | None:
    """Show the explorer: the app in a live kernel, else (papermill) the static figures.

    Parameters
    ----------
    explorer
        The dataset's explorer.
    interactive
        Build the widgets (a live kernel) or draw static figures (papermill, the report).
    workspace
        In static mode, each figure is saved through ``workspace.save_figure`` when given.

    Returns
    -------
    ExplorerApp or None
        The app when interactive.
    """
    if not interactive:
        _show_static(explorer, workspace)
        return None
    app = ExplorerApp(explorer)
    show_accessibility()
    display(app.widget)
    app.update()
    return app


def time_redraw(app: ExplorerApp, control: widgets.ValueWidget, value: Any) -> float:
    """Seconds from setting ``control`` to ``value`` to the redrawn figures (for tests, benches).

    Parameters
    ----------
    app
        The explorer app.
    control
        One of its controls.
    value
        The new value.

    Returns
    -------
    float
        Seconds.
    """
    began = time.perf_counter()
    control.value = value
    return time.perf_counter() - began
