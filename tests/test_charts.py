"""Chart functions draw results; dataset text reaches the figures escaped, never as markup."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go

from p3lib import metrics
from p3lib.charts.baseline import (
    plot_category_margins,
    plot_cosine_histograms,
    plot_false_positives,
    plot_roc,
    plot_umap,
)
from p3lib.charts.comparison import plot_umap_side_by_side

SCRIPT = "boy: I love <script>alert(1)</script> jazz"


def result_with_html_text(name: str) -> metrics.EvaluationResult:
    scores = np.array([0.9, 0.8, 0.7, 0.75, 0.3, 0.2, 0.85, 0.1])
    labels = np.array([1, 1, 1, 0, 0, 0, 0, 1])
    texts = [(SCRIPT if i == 6 else f"boy: a{i}", f"girl: <b>b{i}</b>") for i in range(8)]
    return metrics.evaluate_scores(
        scores,
        labels,
        ["compatible"] * 8,
        ["music"] * 4 + ["<i>arts</i>"] * 4,
        None,
        threshold=0.5,
        texts=texts,
        seed=1,
        n_bootstrap=100,
        name=name,
        projection=np.random.default_rng(0).normal(size=(8, 2)),
    )


def figure_text(fig: go.Figure) -> str:
    return json.dumps(fig.to_plotly_json()["data"], default=str)


def test_umap_hover_escapes_statements():
    result = result_with_html_text("baseline")
    for fig in (plot_umap(result), plot_umap_side_by_side({"baseline": result, "full": result})):
        text = figure_text(fig)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "<script>" not in text and "<b>b1</b>" not in text
    side_by_side = plot_umap_side_by_side({"baseline": result, "full": result})
    assert len(side_by_side.data) == 4  # two labels per model
    assert [trace.showlegend for trace in side_by_side.data] == [True, True, False, False]


def test_baseline_charts_draw_without_computing():
    result = result_with_html_text("baseline")
    roc = plot_roc(result)
    assert any(f"{result.auc_roc:.3f}" in (trace.name or "") for trace in roc.data)
    histogram = plot_cosine_histograms(result)
    assert sum(len(trace.x) for trace in histogram.data if trace.type == "histogram") == 8
    assert "<i>arts</i>" not in figure_text(plot_category_margins(result))
    assert "<script>" not in figure_text(plot_false_positives(result))
