"""The apps' widget kit: labelled, keyboard-usable controls and accessible figure and finding panels.

Every widget gets a CSS class starting with :data:`CSS_PREFIX` (the browser tests find them by it);
every figure carries alt text and a visible caption.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
from IPython.display import HTML, display

if TYPE_CHECKING:  # matplotlib loads when a figure is drawn, not when an app starts
    from matplotlib.figure import Figure

__all__ = [
    "CSS_PREFIX",
    "ACCESSIBILITY_SCRIPT",
    "labelled_slider",
    "labelled_dropdown",
    "figure_to_png",
    "figure_html",
    "FigurePanel",
    "FindingPanel",
    "show_figure",
    "show_accessibility",
    "heading",
]

#: CSS class prefix of every widget the apps build (the browser tests find them by it)
CSS_PREFIX = "scbp"

#: Gives every slider handle (role=slider) the accessible name of its visible label, and its
#: tooltip as a description, in the browser (ipywidgets 8 labels are not tied to the handle).
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


def _style() -> dict[str, str]:
    """The controls' style: labels wide enough to read in full."""
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

    Parameters
    ----------
    description
        The visible label (also the handle's accessible name, see ``ACCESSIBILITY_SCRIPT``).
    value, minimum, maximum, step
        The slider's value, range and step.
    tooltip
        What the value means, with its unit.
    readout_format
        Format of the value shown beside the slider (float sliders only).
    integer
        An ``IntSlider`` instead of a ``FloatSlider``.

    Returns
    -------
    ipywidgets.FloatSlider or ipywidgets.IntSlider
        The slider, with the ``<CSS_PREFIX>-control`` class.
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
    """A labelled dropdown (a native ``<select>``: keyboard-usable).

    Parameters
    ----------
    description
        The visible label.
    options
        The choices (values, or ``(label, value)`` pairs).
    value
        The chosen value.
    tooltip
        What the choice changes.

    Returns
    -------
    ipywidgets.Dropdown
        The dropdown, with the ``<CSS_PREFIX>-control`` class.
    """
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
    """The figure as PNG bytes (the figure is closed afterwards).

    Parameters
    ----------
    fig
        The figure.
    dpi
        Resolution (dots per inch).

    Returns
    -------
    bytes
        The PNG image, cropped to the figure's content.
    """
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def figure_html(png: bytes, alt: str, caption: str) -> str:
    """An accessible ``<figure>``: the image with alt text and a visible caption.

    Parameters
    ----------
    png
        The image (:func:`figure_to_png`).
    alt
        The text alternative (escaped).
    caption
        The visible caption (escaped).

    Returns
    -------
    str
        The HTML, the image embedded as a data URL.
    """
    src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return (
        f'<figure style="margin:0.5em 0"><img src="{src}" alt="{html.escape(alt)}" '
        f'style="max-width:100%;height:auto"/>'
        f'<figcaption style="font-size:0.9em;color:#444">{html.escape(caption)}</figcaption>'
        "</figure>"
    )


class FigurePanel:
    """A chart slot in an app: an HTML widget showing a figure with alt text and caption.

    Parameters
    ----------
    name
        The slot's name (its CSS class is ``<CSS_PREFIX>-chart-<name>``).
    dpi
        Resolution of the figures it shows (dots per inch).
    """

    def __init__(self, name: str, dpi: int) -> None:
        self.name = name
        self.dpi = dpi
        self.widget = widgets.HTML(value="")
        self.widget.add_class(f"{CSS_PREFIX}-chart")
        self.widget.add_class(f"{CSS_PREFIX}-chart-{name}")

    def show(self, fig: Figure, alt: str, caption: str) -> None:
        """Show ``fig`` (closed afterwards) with its alt text and caption."""
        self.widget.value = figure_html(figure_to_png(fig, self.dpi), alt, caption)


class FindingPanel:
    """A slot for computed finding sentences (an HTML widget, ``aria-live`` so changes are read).

    Parameters
    ----------
    name
        The slot's name (its CSS class is ``<CSS_PREFIX>-finding-<name>``).
    """

    def __init__(self, name: str) -> None:
        self.widget = widgets.HTML(value="")
        self.widget.add_class(f"{CSS_PREFIX}-finding")
        self.widget.add_class(f"{CSS_PREFIX}-finding-{name}")

    def show(self, sentences: Sequence[str]) -> None:
        """Show the sentences as a list (escaped)."""
        items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
        self.widget.value = f'<ul aria-live="polite" style="margin:0.3em 0">{items}</ul>'


def show_figure(fig: Figure, alt: str, caption: str) -> None:
    """Static mode (papermill, report): display the figure, then its caption as HTML.

    Parameters
    ----------
    fig
        The figure (closed afterwards).
    alt
        Unused: the saved PNG carries no alt text; the caption below it is the text alternative.
    caption
        The caption (escaped).
    """
    display(fig)
    display(HTML(f'<p role="note" style="font-size:0.9em;color:#444">{html.escape(caption)}</p>'))
    _ = alt  # the saved PNG carries no alt; the caption below it is the text alternative
    import matplotlib.pyplot as plt

    plt.close(fig)


def show_accessibility() -> None:
    """Display the script that names slider handles after their labels (once per app)."""
    display(HTML(ACCESSIBILITY_SCRIPT))


def heading(text: str) -> widgets.HTML:
    """A section heading among an app's controls.

    Parameters
    ----------
    text
        The heading (escaped).

    Returns
    -------
    ipywidgets.HTML
        An ``<h3>``.
    """
    return widgets.HTML(f"<h3 style='margin:0.8em 0 0.2em'>{html.escape(text)}</h3>")
