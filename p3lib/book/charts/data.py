"""Figures of chapter 01: what is in the data, and how it scores on the four dimensions."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from p3lib.book.charts import COLORS
from p3lib.data.audit import DataAudit
from p3lib.data.quality.report import DataQualityReport


def plot_pair_types(audit: DataAudit) -> go.Figure:
    """Stacked bars: records per pair_type and label, one panel per split."""
    names = list(audit.splits)
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=names, shared_yaxes=True)
    for column, name in enumerate(names, start=1):
        table = audit.splits[name].by_pair_type
        for label, key in ((1, "label_1"), (0, "label_0")):
            kind = "compatible" if label else "incompatible"
            fig.add_trace(
                go.Bar(
                    y=list(table),
                    x=[getattr(counts, key) for counts in table.values()],
                    orientation="h",
                    name=f"{kind} ({label})",
                    marker_color=COLORS[kind],
                    legendgroup=kind,
                    showlegend=column == 1,
                    hovertemplate="%{y}: %{x} pairs<extra>" + kind + "</extra>",
                ),
                row=1,
                col=column,
            )
    fig.update_layout(
        barmode="stack",
        title="Pairs by pair_type and label",
        height=420,
        yaxis={"autorange": "reversed"},
        legend={"orientation": "h", "y": -0.15},
    )
    return fig


def plot_categories(audit: DataAudit) -> go.Figure:
    """Records per category and split (log scale: the compound categories are small)."""
    fig = go.Figure()
    for name, split in audit.splits.items():
        fig.add_trace(
            go.Bar(
                x=list(split.by_category),
                y=[counts.total for counts in split.by_category.values()],
                name=name,
                hovertemplate="%{x}: %{y} pairs<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(
        barmode="group",
        title="Pairs per category (log scale)",
        yaxis={"type": "log", "title": "pairs"},
        height=420,
        xaxis={"tickangle": -40},
    )
    return fig


def plot_quality_scores(report: DataQualityReport) -> go.Figure:
    """Each dimension's sub-scores and its score, against the pass mark."""
    fig = go.Figure()
    for dimension in report.dimensions:
        fig.add_trace(
            go.Bar(
                x=[sub.score for sub in dimension.sub_scores],
                y=[f"{dimension.name}: {sub.name}" for sub in dimension.sub_scores],
                orientation="h",
                name=f"{dimension.name} ({dimension.score:.1f})",
                customdata=[
                    [sub.statistic.name, sub.statistic.value] for sub in dimension.sub_scores
                ],
                hovertemplate=(
                    "%{y}: %{x:.1f}<br>%{customdata[0]} = %{customdata[1]:.4g}<extra></extra>"
                ),
            )
        )
    fig.add_vline(
        x=report.pass_mark,
        line_dash="dash",
        annotation_text=f"pass mark {report.pass_mark:g}",
    )
    verdict = "pass" if report.passed else "fail"
    fig.update_layout(
        title=f"Data quality: overall {report.overall:.1f} / 100 ({verdict})",
        xaxis={"range": [0, 100], "title": "score (0-100)"},
        yaxis={"autorange": "reversed"},
        height=520,
        legend={"orientation": "h", "y": -0.2},
    )
    return fig
