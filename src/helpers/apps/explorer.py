"""Interactive explorer: re-cost the customer ledger from widgets and redraw the report's figures.

The explorer holds one period's ledger (its cost drivers ``drv_<activity>`` and P&L down to gross
margin) and recomputes only what a control touches: a cost-rate change re-applies the rates to the
drivers (``helpers.costing``), a size-tier bound reassigns tiers (``helpers.segments``), a filter
selects rows; the ledger is rebuilt only when the period changes (once per period, then cached).
The figures are the static report's own functions (``helpers.pareto``, ``helpers.seesaw``).
Under papermill (``interactive=False``) no widget is built: the static figures for the default
values are drawn instead.
"""

from __future__ import annotations

import base64
import copy
import html
import io
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, display
from matplotlib.figure import Figure

from helpers import pareto, seesaw

__all__ = [
    "ACCESSIBILITY_SCRIPT",
    "VIEWS",
    "Settings",
    "Explorer",
    "ExplorerApp",
    "tier_basis",
    "base_unit_costs",
    "config_with_unit_costs",
    "config_with_tiers",
    "recost",
    "retier",
    "apply_filters",
    "period_choices",
    "render",
    "findings",
    "headline",
    "totals_sentence",
    "show",
    "time_redraw",
    "FigurePanel",
    "FindingPanel",
    "labelled_slider",
    "labelled_dropdown",
    "figure_to_png",
    "figure_html",
    "show_figure",
    "show_accessibility",
]

#: CSS class prefix of every widget the apps build (the browser tests find them by it)
CSS_PREFIX = "scbp"

# Gives every slider handle (role=slider) the accessible name of its visible label, and its
# tooltip as a description, in the browser (ipywidgets 8 labels are not tied to the handle).
ACCESSIBILITY_SCRIPT = """
<script>
(function () {
  function label() {
    document.querySelectorAll('.widget-slider, .widget-dropdown, .widget-checkbox, .widget-toggle-button')
      .forEach(function (row) {
        var lab = row.querySelector('label.widget-label');
        var name = lab ? lab.textContent.trim() : '';
        var tip = lab && lab.title && lab.title !== 'null' ? lab.title : '';
        row.querySelectorAll('[role=slider], select, input').forEach(function (el) {
          if (name && !el.getAttribute('aria-label')) { el.setAttribute('aria-label', name); }
          if (tip && !el.getAttribute('aria-description')) { el.setAttribute('aria-description', tip); }
        });
      });
  }
  label();
  new MutationObserver(label).observe(document.body, {childList: true, subtree: true});
})();
</script>
"""


# ---- widgets that any app builds ---------------------------------------------------------------
def _style() -> dict[str, str]:
    return {"description_width": "16em"}


def labelled_slider(
    description: str,
    value: float,
    minimum: float,
    maximum: float,
    step: float,
    tooltip: str,
    readout_format: str = ".2f",
    integer: bool = False,
) -> widgets.FloatSlider | widgets.IntSlider:
    """A keyboard-usable slider with a visible label and a tooltip (its accessible description).

    ``continuous_update`` is off: dragging redraws once, on release; each arrow key press is one
    step and one redraw.
    """
    cls = widgets.IntSlider if integer else widgets.FloatSlider
    kwargs: dict[str, Any] = {} if integer else {"readout_format": readout_format}
    slider = cls(
        value=value,
        min=minimum,
        max=maximum,
        step=step,
        description=description,
        tooltip=tooltip,
        continuous_update=False,
        style=_style(),
        layout=widgets.Layout(width="34em"),
        **kwargs,
    )
    slider.add_class(f"{CSS_PREFIX}-control")
    return slider


def labelled_dropdown(
    description: str, options: Sequence[Any], value: Any, tooltip: str
) -> widgets.Dropdown:
    """A labelled dropdown (a native ``<select>``: keyboard-usable)."""
    dropdown = widgets.Dropdown(
        options=list(options),
        value=value,
        description=description,
        tooltip=tooltip,
        style=_style(),
        layout=widgets.Layout(width="34em"),
    )
    dropdown.add_class(f"{CSS_PREFIX}-control")
    return dropdown


def figure_to_png(fig: Figure, dpi: int) -> bytes:
    """The figure as PNG bytes (the figure is closed afterwards)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def figure_html(png: bytes, alt: str, caption: str) -> str:
    """An accessible ``<figure>``: the image with alt text and a visible caption (escaped)."""
    src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return (
        f'<figure style="margin:0.5em 0"><img src="{src}" alt="{html.escape(alt)}" '
        f'style="max-width:100%;height:auto"/>'
        f'<figcaption style="font-size:0.9em;color:#444">{html.escape(caption)}</figcaption>'
        "</figure>"
    )


class FigurePanel:
    """A chart slot in an app: an HTML widget showing a figure with alt text and caption."""

    def __init__(self, name: str, dpi: int) -> None:
        self.name = name
        self.dpi = dpi
        self.widget = widgets.HTML(value="")
        self.widget.add_class(f"{CSS_PREFIX}-chart")
        self.widget.add_class(f"{CSS_PREFIX}-chart-{name}")

    def show(self, fig: Figure, alt: str, caption: str) -> None:
        self.widget.value = figure_html(figure_to_png(fig, self.dpi), alt, caption)


class FindingPanel:
    """A slot for computed finding sentences (an HTML widget, ``aria-live`` so changes are read)."""

    def __init__(self, name: str) -> None:
        self.widget = widgets.HTML(value="")
        self.widget.add_class(f"{CSS_PREFIX}-finding")
        self.widget.add_class(f"{CSS_PREFIX}-finding-{name}")

    def show(self, sentences: Sequence[str]) -> None:
        items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
        self.widget.value = f'<ul aria-live="polite" style="margin:0.3em 0">{items}</ul>'


def show_figure(fig: Figure, alt: str, caption: str) -> None:
    """Static mode (papermill, report): display the figure, then its caption as HTML."""
    display(fig)
    display(HTML(f'<p role="note" style="font-size:0.9em;color:#444">{html.escape(caption)}</p>'))
    _ = alt  # the saved PNG carries no alt; the caption below it is the text alternative
    plt.close(fig)


def show_accessibility() -> None:
    """Display the script that names slider handles after their labels (once per app)."""
    display(HTML(ACCESSIBILITY_SCRIPT))


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


def tier_basis(ledger: pd.DataFrame, config: Mapping[str, Any]) -> str:
    """``employees`` or ``revenue``: what the size tiers are cut on (``size_tiers.by``; ``auto``
    resolves as :func:`helpers.ledger.size_tiers.assign_size_tiers` does)."""
    by = str(config["size_tiers"].get("by", "auto"))
    if by != "auto":
        return by
    known = ledger["employees"].notna().mean() if "employees" in ledger else 0.0
    return "employees" if known >= 0.5 else "revenue"


def base_unit_costs(config: Mapping[str, Any]) -> dict[str, float]:
    """Each configured activity's cost per driver unit (from :func:`helpers.costing.cost_model`)."""
    from helpers.ledger import cost_to_serve as costing

    model = costing.cost_model(config)
    return {str(r.activity): float(r.unit_cost) for r in model.itertuples()}


def config_with_unit_costs(
    config: Mapping[str, Any], unit_costs: Mapping[str, float]
) -> dict[str, Any]:
    """A copy of ``config`` whose activities cost ``unit_costs`` per driver unit.

    Each activity's rate is scaled by new / configured unit cost: a direct rate (and per-ship-mode
    rates) directly; a time-driven activity through a resource of its own whose cost per minute
    is scaled, so recorded minutes stay as recorded. Activities not named keep their rates.
    """
    from helpers.ledger import cost_to_serve as costing

    out = copy.deepcopy(dict(config))
    section = out["cost_to_serve"]
    base = base_unit_costs(config)
    cpm = costing.resource_rates(config)
    for name, value in unit_costs.items():
        spec = section["activities"][name]
        before = base[name]
        if before == value:
            continue
        factor = value / before if before else 0.0
        if spec.get("minutes") is not None:
            own = f"explorer_{name}"
            section["resources"][own] = {"cost_per_minute": cpm[spec["resource"]] * factor}
            spec["resource"] = own
        elif spec.get("rates"):
            spec["rates"] = {k: float(v) * factor for k, v in spec["rates"].items()}
            spec["rate"] = float(spec.get("rate") or 0.0) * factor
        else:
            spec["rate"] = float(value)
    return out


def recost(ledger: pd.DataFrame, config: Mapping[str, Any]) -> pd.DataFrame:
    """The ledger with cost to serve, profit and margin recomputed from its drivers and the
    rates of ``config`` (:func:`helpers.costing.apply_rates`); nothing else changes."""
    from helpers.ledger import cost_to_serve as costing

    cts = costing.apply_rates(ledger, config)
    out = ledger.copy()
    out[cts.columns] = cts
    out["cost_to_serve"] = cts.sum(axis=1)
    out["profit"] = out["gross_margin"] - out["cost_to_serve"]
    out["margin_pct"] = out["profit"] / out["net_revenue"].where(out["net_revenue"] != 0)
    return out


def config_with_tiers(
    config: Mapping[str, Any], basis: str, bounds: Sequence[float], small: Sequence[str]
) -> dict[str, Any]:
    """A copy of ``config`` whose size tiers are cut at ``bounds`` (above the first tier's 0)."""
    out = copy.deepcopy(dict(config))
    spec = out["size_tiers"]
    key = "employees_bins" if basis == "employees" else "revenue_bins"
    spec["by"] = basis
    spec[key] = [spec[key][0], *sorted(float(b) for b in bounds)]
    spec["small"] = list(small)
    return out


def retier(ledger: pd.DataFrame, config: Mapping[str, Any]) -> pd.DataFrame:
    """The ledger with ``size_tier`` reassigned (:func:`helpers.ledger.size_tiers.assign_size_tiers`)."""
    from helpers.ledger.size_tiers import assign_size_tiers
    from helpers.schema import UNATTRIBUTED

    out = ledger.copy()
    known = out["customer_id"] != UNATTRIBUTED
    tiers = pd.Series(pd.NA, index=out.index, dtype="object")
    tiers.loc[known] = assign_size_tiers(out.loc[known], config).astype("object")
    labels = list(config["size_tiers"]["labels"])
    out["size_tier"] = pd.Categorical(tiers, categories=labels, ordered=True)
    return out


def apply_filters(ledger: pd.DataFrame, filters: Mapping[str, str], all_label: str) -> pd.DataFrame:
    """Only the customers whose columns hold the chosen values (``all_label`` keeps everyone)."""
    keep = pd.Series(True, index=ledger.index)
    for column, value in filters.items():
        if value is None or value == all_label or column not in ledger:
            continue
        keep &= ledger[column].astype("string").eq(value).fillna(False)
    return ledger.loc[keep]


def period_choices(ledger: pd.DataFrame) -> dict[str, str]:
    """Periods offered by the explorer: the whole history, then each calendar year in the data."""
    first, last = ledger["first_order"].min(), ledger["last_order"].max()
    out = {"Whole history": ""}
    if pd.notna(first) and pd.notna(last):
        for year in range(first.year, last.year + 1):
            out[str(year)] = f"{year}-01-01:{year}-12-31"
    return out


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
        bins = spec["employees_bins" if self.basis == "employees" else "revenue_bins"]
        self.defaults = Settings(
            unit_costs=base_unit_costs(config),
            tier_bounds=tuple(float(b) for b in bins[1:]),
            small_tiers=tuple(spec["small"]),
            filters={},
            period=period,
        )

    def ledger(self, period: str) -> pd.DataFrame:
        """The ledger of ``period``, built once (the only step that reads the order lines)."""
        if period not in self._ledgers:
            from helpers.ledger import build_ledger

            self._ledgers[period] = build_ledger(self.processed_dir, self.config, period)
        return self._ledgers[period]

    def config_for(self, settings: Settings) -> dict[str, Any]:
        """The config with the settings' rates and tier bounds."""
        config = config_with_unit_costs(self.config, settings.unit_costs)
        return config_with_tiers(config, self.basis, settings.tier_bounds, settings.small_tiers)

    def compute(self, settings: Settings) -> tuple[pd.DataFrame, dict[str, Any]]:
        """The ledger under ``settings`` and the config that produced it.

        Only what changed is redone: the rates are re-applied to the drivers, tiers reassigned,
        rows filtered; the ledger is built only for a period not seen before.
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
        """Values offered by each customer filter (label -> values), from the whole ledger."""
        ledger = self.ledger(self.defaults.period)
        out = {}
        for label, column in self.options["filters"].items():
            if column in ledger:
                values = sorted(ledger[column].dropna().astype(str).unique())
                out[label] = [self.options["all_label"], *values]
        return out


# ---- the figures and findings: the static report's own functions ------------------------------
def draw_whale(ledger: pd.DataFrame, config: Mapping[str, Any], ax: Any = None) -> Any:
    """The whale curve of the report (:func:`helpers.pareto.plot_whale_curve`)."""
    return pareto.plot_whale_curve(ledger, ax=ax, config=config)


def draw_seesaw(ledger: pd.DataFrame, config: Mapping[str, Any], ax: Any = None) -> Any:
    """The seesaw of the report (:func:`helpers.seesaw.plot_seesaw`)."""
    return seesaw.plot_seesaw(ledger, config, ax=ax)


def headline(ledger: pd.DataFrame, config: Mapping[str, Any]) -> dict[str, float]:
    """Headline shares of the current view (top share of revenue and of profit, whale peak)."""
    return pareto.headline_shares(ledger, config)


def findings(ledger: pd.DataFrame, config: Mapping[str, Any]) -> list[str]:
    """The computed finding sentences of the current view (from :mod:`helpers.pareto`)."""
    if ledger.empty:
        return ["No customer matches these filters."]
    return [totals_sentence(ledger), *pareto.pareto_findings(ledger, config)]


def totals_sentence(ledger: pd.DataFrame) -> str:
    """The view's totals: customers, cost to serve as a share of net revenue, profit."""
    net, cts, profit = (float(ledger[c].sum()) for c in ("net_revenue", "cost_to_serve", "profit"))
    share = f"{cts / net:.1%} of net revenue" if net else "no net revenue"
    return (
        f"{len(ledger):,} customers: cost to serve {cts:,.0f} ({share}), profit after the cost "
        f"to serve {profit:,.0f}."
    )


#: what the explorer draws: name -> (figure function, caption)
VIEWS: dict[str, tuple[Callable[..., Any], str]] = {
    "whale": (
        draw_whale,
        "Whale curve: cumulative profit (as % of total) against customers ranked from most to "
        "least profitable, after the cost to serve at the rates of the controls.",
    ),
    "seesaw": (
        draw_seesaw,
        "Seesaw: each size tier's share of volume against its share of profit.",
    ),
}


def render(view: str, ledger: pd.DataFrame, config: Mapping[str, Any]) -> tuple[Figure, str, str]:
    """Draw one view on a new figure: (figure, alt text, caption)."""
    from helpers import plots

    plots.apply_theme()
    function, caption = VIEWS[view]
    options = config["explorer"]
    fig, ax = plt.subplots(figsize=tuple(options["figure_size"]))
    if ledger.empty:
        ax.text(0.5, 0.5, "No customer matches these filters", ha="center", va="center")
        ax.set_axis_off()
        return fig, "An empty chart: no customer matches the filters.", caption
    function(ledger, config, ax=ax)
    title = ax.get_title(loc="left") or ax.get_title()
    alt = f"{caption.split(':')[0]} chart. {title.strip()}".strip()
    return fig, alt, caption


# ---- the app ----------------------------------------------------------------------------------
def _label(activity: str) -> str:
    return activity.replace("_", " ").capitalize()


def _heading(text: str) -> widgets.HTML:
    return widgets.HTML(f"<h3 style='margin:0.8em 0 0.2em'>{html.escape(text)}</h3>")


class ExplorerApp:
    """The explorer's widgets: every control re-computes the view and redraws its figures."""

    def __init__(self, explorer: Explorer) -> None:
        self.explorer = explorer
        opts = explorer.options
        d = explorer.defaults
        self.rate_sliders: dict[str, widgets.FloatSlider] = {}
        for name, unit in d.unit_costs.items():
            if unit <= 0:  # an activity switched off in the config: nothing to scale
                continue
            top = unit * float(opts["rate_factor_max"])
            self.rate_sliders[name] = labelled_slider(
                _label(name),
                unit,
                0.0,
                top,
                top / int(opts["rate_steps"]),
                f"Cost of one {name.replace('_', ' ')} driver unit (currency); configured {unit:g}",
                readout_format=",.3r",
            )
        unit = "employees" if explorer.basis == "employees" else "net revenue"
        labels = list(explorer.config["size_tiers"]["labels"])
        self.tier_sliders = [
            labelled_slider(
                f"{labels[i + 1].capitalize()} from ({unit})",
                bound,
                0.0,
                bound * float(opts["tier_bound_factor_max"]),
                max(bound / 20, 1.0),
                f"Lowest {unit} of a {labels[i + 1]} customer",
                readout_format=",.3r",
            )
            for i, bound in enumerate(d.tier_bounds)
        ]
        small_choices = [tuple(labels[: k + 1]) for k in range(len(labels) - 1)]
        self.small = labelled_dropdown(
            "Small clients are",
            [(" + ".join(c), c) for c in small_choices],
            tuple(d.small_tiers) if tuple(d.small_tiers) in small_choices else small_choices[0],
            "The size tiers counted as small clients in the findings",
        )
        self.filters = {
            label: labelled_dropdown(
                label, values, opts["all_label"], f"Only customers of this {label.lower()}"
            )
            for label, values in explorer.filter_options().items()
        }
        self.periods = period_choices(explorer.ledger(d.period))
        if d.period not in self.periods.values():
            self.periods[d.period] = d.period
        self.period = labelled_dropdown(
            "Period",
            list(self.periods.items()),
            d.period,
            "The ledger's period (a new period builds its ledger once, then it is cached)",
        )
        self.reset = widgets.Button(
            description="Reset to the config", tooltip="Restore every control"
        )
        self.finding = FindingPanel("whale")
        dpi = int(opts["figure_dpi"])
        self.panels = {view: FigurePanel(view, dpi) for view in VIEWS}
        self.status = widgets.HTML()
        self.status.add_class(f"{CSS_PREFIX}-status")
        self.last_redraw_s = float("nan")
        for control in self._controls():
            control.observe(self.update, names="value")
        self.reset.on_click(self._reset)

    def _controls(self) -> list[widgets.ValueWidget]:
        return [
            *self.rate_sliders.values(),
            *self.tier_sliders,
            self.small,
            *self.filters.values(),
            self.period,
        ]

    def settings(self) -> Settings:
        """The settings the controls show."""
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
        """Recompute and redraw; returns (and shows) the seconds it took."""
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
        d = self.explorer.defaults
        with self.hold():
            for name, slider in self.rate_sliders.items():
                slider.value = d.unit_costs[name]
            for slider, bound in zip(self.tier_sliders, d.tier_bounds, strict=True):
                slider.value = bound
            for w in self.filters.values():
                w.value = self.explorer.options["all_label"]
        self.update()

    def hold(self) -> Any:
        """Context in which control changes do not redraw (used by reset)."""
        app = self

        class _Hold:
            def __enter__(self) -> None:
                for c in app._controls():
                    c.unobserve(app.update, names="value")

            def __exit__(self, *exc: Any) -> None:
                for c in app._controls():
                    c.observe(app.update, names="value")

        return _Hold()

    @property
    def widget(self) -> widgets.Widget:
        """The whole app: the controls beside the findings and figures (stacked when narrow)."""
        controls = widgets.VBox(
            [
                _heading("Cost to serve: rate per driver unit"),
                *self.rate_sliders.values(),
                _heading("Size tiers and small clients"),
                *self.tier_sliders,
                self.small,
                _heading("Customers and period"),
                *self.filters.values(),
                self.period,
                self.reset,
                self.status,
            ],
            layout=widgets.Layout(flex="0 0 auto"),
        )
        results = widgets.VBox(
            [
                _heading("What the data says"),
                self.finding.widget,
                *(p.widget for p in self.panels.values()),
            ],
            layout=widgets.Layout(flex="1 1 36em", min_width="24em"),
        )
        return widgets.HBox(
            [controls, results],
            layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"),
        )


def show(explorer: Explorer, interactive: bool, ws: Any = None) -> ExplorerApp | None:
    """Show the explorer: the app in a live kernel, else (papermill) the static figures.

    In static mode each figure is drawn for the config's values, displayed with its caption
    and saved through ``ws.save_figure`` when a workspace is given.
    """
    if interactive:
        app = ExplorerApp(explorer)
        show_accessibility()
        display(app.widget)
        app.update()
        return app
    ledger, config = explorer.compute(explorer.defaults)
    display(
        HTML(
            "<ul>"
            + "".join(f"<li>{html.escape(s)}</li>" for s in findings(ledger, config))
            + "</ul>"
        )
    )
    for view in VIEWS:
        fig, alt, caption = render(view, ledger, config)
        if ws is not None:
            ws.save_figure(fig, f"explorer_{view}")
        show_figure(fig, alt, caption)
    return None


def time_redraw(app: ExplorerApp, control: widgets.ValueWidget, value: Any) -> float:
    """Seconds from setting ``control`` to ``value`` to the redrawn figures (for tests, benches)."""
    began = time.perf_counter()
    control.value = value
    return time.perf_counter() - began
