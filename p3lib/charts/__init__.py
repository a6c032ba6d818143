"""Chart functions take results and return plotly figures; they never compute a metric.

Modules by chapter: :mod:`p3lib.charts.data` (01), :mod:`p3lib.charts.baseline` (02),
:mod:`p3lib.charts.training` (03, 04), :mod:`p3lib.charts.comparison` (05, 06).
"""

from __future__ import annotations

import html
import json

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


def show(fig: go.Figure) -> None:
    """Display ``fig`` so it survives papermill and renders in both the book and JupyterLab.

    The output carries two representations: plotly's own JSON, which JupyterLab renders
    natively, and an HTML ``div`` that calls ``Plotly.newPlot`` against the plotly.js the book
    ships in ``_static`` (so no page loads anything from the network). Jupyter Book picks the
    HTML; JupyterLab picks the plotly JSON.
    """
    from IPython.display import display

    bundle = {
        "application/vnd.plotly.v1+json": json.loads(fig.to_json()),
        "text/html": fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            config={"displaylogo": False, "responsive": True},
        ),
        "text/plain": f"<plotly figure: {fig.layout.title.text or 'untitled'}>",
    }
    display(bundle, raw=True)
