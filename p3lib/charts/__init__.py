"""Chart functions take results and return plotly figures; they never compute a metric.

Modules by chapter: :mod:`p3lib.charts.data` (01), :mod:`p3lib.charts.baseline` (02),
:mod:`p3lib.charts.training` (03, 04), :mod:`p3lib.charts.comparison` (05, 06).
"""

from __future__ import annotations

import html
import json
import re

import plotly.graph_objects as go

COLORS = {"compatible": "#1b9e77", "incompatible": "#d95f02"}
MODEL_COLORS = {"baseline": "#7570b3", "full": "#1b9e77", "lora": "#e7298a"}
LABEL_NAMES = {1: "compatible", 0: "incompatible"}


def escape(text: str) -> str:
    """Dataset text made safe for plotly hover text and HTML tables.

    Plotly renders a subset of HTML in hover labels, so a statement such as
    ``<b>hi</b>`` or ``<script>`` must be escaped to show as the text it is.
    """
    return html.escape(str(text), quote=True)


# Tags a chart title may keep when it moves into the page (plotly's own formatting subset).
_TITLE_TAGS = re.compile(r"&lt;(/?(?:br|sup|sub|b|i)\s*/?)&gt;")


def title_html(title: str | None) -> str:
    """A plotly title as page HTML: everything escaped but line breaks and sup/sub/b/i.

    Example:
        >>> title_html("AUC<br><sup>n = 3</sup> <script>x</script>")
        '<p class="p3-chart-title">AUC<br><sup>n = 3</sup> &lt;script&gt;x&lt;/script&gt;</p>'
    """
    if not title:
        return ""
    text = _TITLE_TAGS.sub(r"<\1>", html.escape(title, quote=False))
    return f'<p class="p3-chart-title">{text}</p>'


def book_figure(fig: go.Figure) -> go.Figure:
    """``fig`` laid out for a page of any width: the title leaves the plot, the width is free.

    A title drawn inside the plot cannot wrap, so on a phone it is cut off, and over subplot
    titles or a legend it collides with them; in the page (:func:`title_html`) it wraps like
    text. Only the top margin's room for the title goes with it.
    """
    page = go.Figure(fig)
    # Room for what sits above the plot: subplot titles (paper annotations at y >= 1).
    lines = [
        1 + str(a.text).count("<br>")
        for a in page.layout.annotations
        if a.yref == "paper" and a.y is not None and a.y >= 1 and a.text
    ]
    page.update_layout(
        title=None, width=None, autosize=True, margin_t=24 + 18 * max(lines, default=0)
    )
    return page


def show(fig: go.Figure) -> None:
    """Display ``fig`` so it survives papermill and renders in both the book and JupyterLab.

    The output carries two representations: plotly's own JSON, which JupyterLab renders
    natively, and an HTML ``div`` that calls ``Plotly.newPlot`` against the plotly.js the book
    ships in ``_static`` (so no page loads anything from the network). Jupyter Book picks the
    HTML, laid out by :func:`book_figure` with the title above the chart; JupyterLab picks
    the plotly JSON.
    """
    from IPython.display import display

    bundle = {
        "application/vnd.plotly.v1+json": json.loads(fig.to_json()),
        "text/html": title_html(fig.layout.title.text)
        + book_figure(fig).to_html(
            full_html=False,
            include_plotlyjs=False,
            config={"displaylogo": False, "responsive": True},
        ),
        "text/plain": f"<plotly figure: {fig.layout.title.text or 'untitled'}>",
    }
    display(bundle, raw=True)
