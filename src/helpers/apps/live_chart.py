"""A chart drawn in the browser from data (bqplot): a move updates its marks, nothing is re-rendered.

:class:`LiveChart` holds one bqplot figure with a fixed set of line marks; :meth:`LiveChart.show`
sends a chart's series (:func:`helpers.apps.teaching_charts.chart_data`) to the marks already on
the page, in one message per mark, and the browser redraws them. The kernel draws nothing: no
matplotlib, no PNG.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import bqplot
import ipywidgets as widgets

from helpers.apps.widget_kit import CSS_PREFIX

__all__ = ["LiveChart", "axis_range"]

_MARKS = 6  # line marks a chart holds (the most series a teaching chart has: 3 Lorenz + equality)
_STEP_CHARTS = ("risks",)  # drawn as steps (a survival curve falls at each event)
_DOT_CHARTS = ("seesaw", "trust")  # few points per line: each drawn as a dot


def axis_range(
    series: Sequence[Mapping[str, Any]], axis: str, fixed: Sequence[float | None]
) -> tuple[float, float]:
    """An axis's range: the fixed bounds given, the data's (with 5% room) where None.

    Parameters
    ----------
    series
        The chart's series (``x`` and ``y`` lists).
    axis
        ``"x"`` or ``"y"``.
    fixed
        (low, high); None (for either or both) leaves a bound to the data.

    Returns
    -------
    (float, float)
        The range; (0, 1) when there is no finite value and no bound.
    """
    fixed = fixed or (None, None)
    values = [v for s in series for v in s[axis] if isinstance(v, int | float) and math.isfinite(v)]
    low = min(values, default=0.0)
    high = max(values, default=1.0)
    room = 0.05 * ((high - low) or 1.0)
    lo = float(fixed[0]) if fixed[0] is not None else low - room
    hi = float(fixed[1]) if fixed[1] is not None else high + room
    return (lo, hi) if hi > lo else (lo, lo + 1.0)


class LiveChart:
    """A chart slot drawn in the browser: a title, a bqplot figure and a caption.

    Parameters
    ----------
    name
        The chart's name (its CSS class is ``<CSS_PREFIX>-chart-<name>``).
    caption
        The chart's caption (what it shows), under the figure.
    """

    def __init__(self, name: str, caption: str) -> None:
        self.name = name
        self.x_scale, self.y_scale = bqplot.LinearScale(), bqplot.LinearScale()
        scales = {"x": self.x_scale, "y": self.y_scale}
        options = {"interpolation": "step-after"} if name in _STEP_CHARTS else {}
        if name in _DOT_CHARTS:
            options["marker"] = "circle"
        self.marks = [
            bqplot.Lines(x=[], y=[], scales=scales, colors=["#333333"], labels=[""],
                         stroke_width=2.5, display_legend=True, **options)
            for _ in range(_MARKS)
        ]  # fmt: skip
        self.x_axis = bqplot.Axis(scale=self.x_scale, label="", grid_lines="none", side="bottom")
        self.y_axis = bqplot.Axis(scale=self.y_scale, label="", side="left")
        self.figure = bqplot.Figure(
            marks=self.marks,
            axes=[self.x_axis, self.y_axis],
            legend_location="top-left",
            fig_margin={"top": 10, "bottom": 45, "left": 60, "right": 10},
            layout=widgets.Layout(width="100%", max_width="720px", height="320px"),
            animation_duration=0,
        )
        self.title = widgets.HTML()
        self.title.add_class(f"{CSS_PREFIX}-chart-title")
        self.caption = widgets.HTML(f"<small>{html.escape(caption)}</small>")
        self.widget = widgets.VBox([self.title, self.figure, self.caption])
        self.widget.add_class(f"{CSS_PREFIX}-chart")
        self.widget.add_class(f"{CSS_PREFIX}-chart-{name}")

    def show(self, data: Mapping[str, Any]) -> None:
        """Show a chart's data: new numbers for the marks on the page, a new title.

        Parameters
        ----------
        data
            :func:`helpers.apps.teaching_charts.chart_data`.
        """
        series = list(data["series"])[: len(self.marks)]
        x_label, y_label, x_fixed, y_fixed = data["axes"]
        self.x_axis.label, self.y_axis.label = x_label, y_label
        for scale, axis, fixed in ((self.x_scale, "x", x_fixed), (self.y_scale, "y", y_fixed)):
            with scale.hold_sync():  # one message, one redraw of the marks, per scale
                scale.min, scale.max = axis_range(series, axis, fixed)
        for i, mark in enumerate(self.marks):
            with mark.hold_sync():
                if i < len(series):
                    one = series[i]
                    mark.x, mark.y = one["x"], one["y"]
                    mark.colors, mark.labels = [one["color"]], [one["label"]]
                    mark.visible = True
                else:
                    mark.x, mark.y, mark.visible = [], [], False
        self.title.value = (
            f'<p role="heading" aria-level="4" style="margin:0.3em 0;font-weight:600">'
            f"{html.escape(data['title'])}</p>"
        )
