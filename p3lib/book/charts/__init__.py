"""Chart functions take results and return plotly figures; they never compute a metric.

Modules by chapter: :mod:`p3lib.book.charts.data` (01), :mod:`p3lib.book.charts.baseline` (02),
:mod:`p3lib.book.charts.training` (03, 04), :mod:`p3lib.book.charts.comparison` and
:mod:`p3lib.book.charts.tiers` (05, 06);
:mod:`p3lib.book.charts.sampling` decides what a per-pair chart of a large eval set draws.
"""

from __future__ import annotations

import html
import json
import re

import plotly.graph_objects as go

COLORS = {"compatible": "#1b9e77", "incompatible": "#d95f02"}
MODEL_COLORS = {"baseline": "#7570b3", "full": "#1b9e77", "lora": "#e7298a"}
LABEL_NAMES = {1: "compatible", 0: "incompatible"}
# Longest statement a hover label shows: all of today's eval statements (at most 110
# characters) fit whole; a longer one, from a user's own data, keeps the page light.
HOVER_TEXT_LIMIT = 120
PLOTLY_MIME = "application/vnd.plotly.v1+json"
_CONFIG = {"displaylogo": False, "responsive": True}


def escape(text: str) -> str:
    """Dataset text made safe for plotly hover text and HTML tables.

    Plotly renders a subset of HTML in hover labels, so a statement such as
    ``<b>hi</b>`` or ``<script>`` must be escaped to show as the text it is.
    """
    return html.escape(str(text), quote=True)


def shorten(text: str, limit: int = HOVER_TEXT_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, the last one an ellipsis, when it is longer.

    Cut before :func:`escape`, so no escaped entity is cut in half.

    Example:
        >>> shorten("boy: I love jazz", 10), shorten("boy: jazz", 10)
        ('boy: I lo…', 'boy: jazz')
    """
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


def figure_html(spec: dict | go.Figure) -> str:
    """The HTML a book page draws a figure with: the title above (:func:`title_html`) and a
    ``div`` that calls ``Plotly.newPlot`` against the plotly.js the book ships in ``_static``
    (so no page loads anything from the network), laid out by :func:`book_figure`.

    ``spec`` is a figure or its plotly JSON as :func:`show` stores it in the notebook; the
    book build (:mod:`p3lib.book.clean_notebooks`) makes the HTML from it.
    """
    fig = spec if isinstance(spec, go.Figure) else go.Figure(spec)
    return title_html(fig.layout.title.text) + book_figure(fig).to_html(
        full_html=False, include_plotlyjs=False, config=_CONFIG
    )


def show(fig: go.Figure) -> None:
    """Display ``fig`` so it survives papermill and renders in both JupyterLab and the book.

    The output carries the figure once, as plotly's own JSON, which JupyterLab renders
    natively (plus a one-line text for plain consoles). The book build turns that JSON into
    the page's HTML (:func:`figure_html`), so the executed notebook does not hold every
    figure twice.
    """
    from IPython.display import display

    bundle = {
        PLOTLY_MIME: json.loads(fig.to_json()),
        "text/plain": f"<plotly figure: {fig.layout.title.text or 'untitled'}>",
    }
    display(bundle, raw=True)
