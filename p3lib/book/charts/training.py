"""Training curves (chapters 03, 04, 06): loss per step and validation Spearman per evaluation.

Every function takes :class:`~p3lib.training.record.TrainingRecord` objects and draws them; nothing
here
trains or computes a metric.

Example:
    >>> from p3lib.training.record import TrainingRecord
    >>> record = TrainingRecord.load("outputs/models/full")  # doctest: +SKIP
    >>> plot_validation_curve(record).layout.title.text  # doctest: +SKIP
    'Validation Spearman (cosine) during full fine-tuning'
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from p3lib.book.charts import MODEL_COLORS, MODEL_NAMES, NEUTRAL_COLORS
from p3lib.training.record import TrainingRecord

METHOD_NAMES = {"full": "full fine-tuning", "lora": "LoRA"}


def _name(record: TrainingRecord) -> str:
    return METHOD_NAMES.get(record.method, record.method)


def _loss_trace(record: TrainingRecord, name: str, color: str, legendgroup: str) -> go.Scatter:
    return go.Scatter(
        x=[point.step for point in record.loss],
        y=[point.loss for point in record.loss],
        mode="lines",
        name=name,
        legendgroup=legendgroup,
        line={"color": color, "width": 1.5},
        customdata=[[point.epoch, point.learning_rate] for point in record.loss],
        hovertemplate="step %{x}<br>epoch %{customdata[0]:.2f}<br>loss %{y:.4f}"
        "<br>lr %{customdata[1]:.2e}<extra>%{fullData.name}</extra>",
    )


def _validation_traces(
    record: TrainingRecord, name: str, color: str, legendgroup: str, show_legend: bool = True
) -> list[go.Scatter]:
    evaluations = record.validation
    return [
        go.Scatter(
            x=[evaluation.step for evaluation in evaluations],
            y=[evaluation.spearman_cosine for evaluation in evaluations],
            mode="lines+markers",
            name=name,
            legendgroup=legendgroup,
            showlegend=show_legend,
            line={"color": color},
            customdata=[[e.epoch, e.pearson_cosine] for e in evaluations],
            hovertemplate="step %{x}<br>epoch %{customdata[0]:.2f}<br>Spearman %{y:.4f}"
            "<br>Pearson %{customdata[1]:.4f}<extra>%{fullData.name}</extra>",
        ),
        go.Scatter(
            x=[record.best_step],
            y=[record.best_score],
            mode="markers",
            name=f"{name}: best (step {record.best_step})",
            legendgroup=legendgroup,
            showlegend=show_legend,
            marker={"symbol": "star", "size": 14, "color": color, "line": {"width": 1}},
            hovertemplate="best checkpoint<br>step %{x}<br>Spearman %{y:.4f}<extra></extra>",
        ),
    ]


def plot_loss_curve(record: TrainingRecord) -> go.Figure:
    """Training loss (CosineSimilarityLoss, mean squared error of cosine vs label) per step."""
    color = MODEL_COLORS.get(record.method, "#333333")
    fig = go.Figure(_loss_trace(record, "training loss", color, record.method))
    fig.update_layout(
        title=f"Training loss during {_name(record)}",
        xaxis_title="optimiser step",
        yaxis_title="loss",
        template="plotly_white",
    )
    return fig


def plot_validation_curve(record: TrainingRecord) -> go.Figure:
    """Validation Spearman (cosine vs label) at each evaluation, the kept checkpoint starred.

    Step 0 is the untrained model, so the curve starts at the baseline's validation score.
    """
    color = MODEL_COLORS.get(record.method, "#333333")
    fig = go.Figure(_validation_traces(record, "validation Spearman", color, record.method))
    fig.update_layout(
        title=f"Validation Spearman (cosine) during {_name(record)}",
        xaxis_title="optimiser step",
        yaxis_title="Spearman correlation",
        template="plotly_white",
    )
    return fig


def plot_training_curves(records: dict[str, TrainingRecord]) -> go.Figure:
    """Loss (left) and validation Spearman (right) of several runs, e.g. ``full`` and ``lora``.

    Keys name the runs in the legend; a key that is a method (``full``, ``lora``) takes that
    method's colour.
    """
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("training loss", "validation Spearman (cosine)"),
        horizontal_spacing=0.1,
    )
    palette = NEUTRAL_COLORS  # a run that is not a method takes no label's or model's colour
    for index, (name, record) in enumerate(records.items()):
        color = MODEL_COLORS.get(name, palette[index % len(palette)])
        fig.add_trace(_loss_trace(record, name, color, name), row=1, col=1)
        for trace in _validation_traces(record, name, color, name, show_legend=False):
            fig.add_trace(trace, row=1, col=2)
    fig.update_xaxes(title_text="optimiser step")
    fig.update_yaxes(title_text="loss", row=1, col=1)
    fig.update_yaxes(title_text="Spearman", row=1, col=2)
    fig.update_layout(
        title="Training curves: " + " vs ".join(MODEL_NAMES.get(name, name) for name in records),
        template="plotly_white",
        height=420,
    )
    return fig


def plot_learning_rate_evidence(records: dict[str, TrainingRecord]) -> go.Figure:
    """Validation Spearman over steps of runs that differ only in learning rate (ADR 001).

    The title names the runs' method (one method per search: chapter 03's or 04's).
    """
    methods = {record.method for record in records.values()}
    title = "validation Spearman at each learning rate"
    title = f"{MODEL_NAMES[methods.pop()]}: {title}" if len(methods) == 1 else "V" + title[1:]
    fig = go.Figure()
    # neutral colours, none a label's or a model's: a grid of rates plus the winner's full run
    palette = NEUTRAL_COLORS
    for index, (name, record) in enumerate(records.items()):
        for trace in _validation_traces(record, name, palette[index % len(palette)], name):
            fig.add_trace(trace)
    fig.update_layout(
        title=title,
        xaxis_title="optimiser step",
        yaxis_title="Spearman correlation",
        template="plotly_white",
    )
    return fig
