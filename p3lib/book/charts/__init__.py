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

from p3lib.evaluation.comparison import MODEL_NAMES as _NAMES

# One palette for the whole book: a colour per label and a different one per model, so that
# green always means "compatible" and blue always "full fine-tuning". Anything else (splits,
# data-quality dimensions) draws from NEUTRAL_COLORS, which shares no colour with either.
COLORS = {"compatible": "#1b9e77", "incompatible": "#d95f02"}
MODEL_COLORS = {"baseline": "#7570b3", "full": "#1f78b4", "lora": "#e7298a"}
NEUTRAL_COLORS = ("#666666", "#a6761d", "#e6ab02", "#17becf", "#bcbd22", "#8c564b", "#000000")
NEUTRAL_COLORS += ("#999933",)
# How the models are named wherever a reader meets them (legends, tables, the widget): the
# book's one set of names (p3lib.evaluation.comparison), plus the widget's key for the base.
MODEL_NAMES = {**_NAMES, "base": _NAMES["baseline"]}
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


def title_html(title: str | None, number: str | None = None) -> str:
    """A plotly title as page HTML: everything escaped but line breaks and sup/sub/b/i,
    after the figure's ``number`` when it has one.

    Example:
        >>> title_html("AUC<br><sup>n = 3</sup> <script>x</script>")
        '<p class="p3-chart-title">AUC<br><sup>n = 3</sup> &lt;script&gt;x&lt;/script&gt;</p>'
        >>> title_html("ROC curve", "Figure 2.4")
        '<p class="p3-chart-title"><span class="p3-figure-number">Figure 2.4.</span> ROC curve</p>'
    """
    if not title and not number:
        return ""
    text = _TITLE_TAGS.sub(r"<\1>", html.escape(title or "", quote=False))
    if number:
        text = f'<span class="p3-figure-number">{html.escape(number)}.</span> {text}'.rstrip()
    return f'<p class="p3-chart-title">{text}</p>'


def wrap_title(text: str, width: int) -> str:
    """``text`` with ``<br>`` between words wherever a line would pass ``width`` characters
    (the author's own line breaks kept).

    Example:
        >>> wrap_title("Full fine-tuning: purity 0.65, 3 clusters", 20)
        'Full fine-tuning:<br>purity 0.65, 3<br>clusters'
        >>> wrap_title("LoRA<br>this map: 0 clusters, noise 100%", 20)
        'LoRA<br>this map: 0<br>clusters, noise 100%'
    """
    if "<br>" in text:
        return "<br>".join(wrap_title(part, width) for part in text.split("<br>"))
    if len(text) <= width or "<" in text:
        return text
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "<br>".join([*lines, line])


def book_figure(fig: go.Figure) -> go.Figure:
    """``fig`` laid out for a page of any width: the title leaves the plot, the width is free.

    A title drawn inside the plot cannot wrap, so on a phone it is cut off, and over subplot
    titles or a legend it collides with them; in the page (:func:`title_html`) it wraps like
    text. Only the top margin's room for the title goes with it.
    """
    page = go.Figure(fig)
    # Room for what sits above the plot: subplot titles (paper annotations at y >= 1), each
    # wrapped to its panel's share of the width, so that titles side by side do not collide.
    above = [
        a
        for a in page.layout.annotations
        if a.yref == "paper" and a.y is not None and a.y >= 1 and a.text
    ]
    panels = len({round(a.x or 0, 3) for a in above})
    for annotation in above:
        annotation.text = wrap_title(str(annotation.text), max(16, 90 // max(panels, 1)))
    lines = [1 + str(a.text).count("<br>") for a in above]
    page.update_layout(
        title=None, width=None, autosize=True, margin_t=24 + 18 * max(lines, default=0)
    )
    _house_style(page)
    return page


def _house_style(page: go.Figure) -> None:
    """One look for every chart: plotly_white, the book's palette, legends under the plot.

    A legend to the right of the plot takes its width from the plot, which on a phone leaves
    the plot a sliver; under the plot, in rows, it takes height instead. Log axes tick at
    powers of ten only ("1 2 5 10 2 5" reads as a sequence), and legend entries that name a
    model by its key read as the model's name.
    """
    page.update_layout(
        template="plotly_white",
        colorway=list(NEUTRAL_COLORS),
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 0,
            "yref": "container",
            "yanchor": "bottom",
            "title": {"side": "top left"},
        },
        margin_l=min(page.layout.margin.l or 60, 60),
        margin_r=min(page.layout.margin.r or 20, 20),
    )
    page.for_each_xaxis(_decades)
    page.for_each_yaxis(_decades)
    for trace in page.data:
        if getattr(trace, "name", None):
            trace.name = _MODEL_KEY.sub(lambda key: MODEL_NAMES[key.group(1)], trace.name)


# A legend entry that starts with a model's key: "full", "lora: AUC 0.91", "baseline (n=3)".
_MODEL_KEY = re.compile(r"^(baseline|base|full|lora|words_only)(?=$|:|\s\()")


def _decades(axis) -> None:
    if axis.type == "log" and axis.dtick is None:
        axis.dtick = 1


def figure_html(spec: dict | go.Figure, number: str | None = None) -> str:
    """The HTML a book page draws a figure with: the title above (:func:`title_html`) and a
    ``div`` that calls ``Plotly.newPlot`` against the plotly.js the book ships in ``_static``
    (so no page loads anything from the network), laid out by :func:`book_figure`.

    ``spec`` is a figure or its plotly JSON as :func:`show` stores it in the notebook; the
    book build (:mod:`p3lib.book.clean_notebooks`) makes the HTML from it.

    Panels side by side cannot share a phone's 390 px: a figure of several columns keeps
    :data:`PANEL_MIN_WIDTH` pixels per panel and scrolls sideways inside its own box (CSS
    ``.p3-figure-scroll``), never the page.
    """
    fig = spec if isinstance(spec, go.Figure) else go.Figure(spec)
    drawn = book_figure(fig).to_html(full_html=False, include_plotlyjs=False, config=_CONFIG)
    columns = panel_columns(fig)
    if columns > 1:
        drawn = (
            f'<div class="p3-figure-scroll"><div style="min-width: {PANEL_MIN_WIDTH * columns}px">'
            f"{drawn}</div></div>"
        )
    return title_html(fig.layout.title.text, number) + drawn


PANEL_MIN_WIDTH = 260


def panel_columns(fig: go.Figure) -> int:
    """How many plot panels sit side by side (distinct x-axis domains).

    Example:
        >>> from plotly.subplots import make_subplots
        >>> panel_columns(make_subplots(rows=2, cols=3)), panel_columns(go.Figure())
        (3, 1)
    """
    starts = set()
    fig.for_each_xaxis(lambda axis: starts.add(round((axis.domain or (0, 1))[0], 3)))
    return max(len(starts), 1)


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
