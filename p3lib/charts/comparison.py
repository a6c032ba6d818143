"""The eight before/after charts of chapter 06 (PRD section 4, step 5).

Each function takes results -- :class:`~p3lib.metrics.EvaluationResult` objects keyed by model
name (``baseline``, ``full``, ``lora``), a :class:`~p3lib.report.ComparisonResult`, or the
training records -- and returns a plotly figure; none computes a metric. Dataset text (hover
labels of the UMAP map) and category or pair-type names are escaped where drawn.

Example:
    >>> from p3lib.charts import show
    >>> from p3lib.charts.comparison import plot_roc_overlay
    >>> show(plot_roc_overlay({"baseline": baseline, "full": full, "lora": lora}))
    ... # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from p3lib.charts import COLORS, LABEL_NAMES, MODEL_COLORS, escape
from p3lib.charts.baseline import plot_roc, umap_traces
from p3lib.metrics import EvaluationResult
from p3lib.report import MODEL_LABELS, ComparisonResult
from p3lib.schema import PAIR_TYPES

_LAYOUT = dict(template="plotly_white", margin=dict(l=60, r=30, t=80, b=60))
# Cohen's conventional thresholds: small, medium, large.
COHENS_D_REFERENCES = ((0.2, "small"), (0.5, "medium"), (0.8, "large"))


def _label(name: str) -> str:
    return escape(MODEL_LABELS.get(name, name))


def _color(name: str) -> str:
    return MODEL_COLORS.get(name, "#666666")


def _label_scores(result: EvaluationResult, label: int) -> list[float]:
    cosine = result.cosine
    return [s for s, y in zip(cosine.scores, cosine.labels, strict=True) if y == label]


# 1 ------------------------------------------------------------------------------------------


def plot_cosine_overlay(
    results: Mapping[str, EvaluationResult], *, bin_size: float = 0.025
) -> go.Figure:
    """Chart 1: cosine histograms by label, baseline translucent vs each fine-tuned model solid.

    One panel per fine-tuned model; every panel repeats the baseline's two histograms as
    translucent outlines so the shift of each label is visible. Legend entries carry the means.
    """
    tuned = [name for name in results if name != "baseline"]
    fig = make_subplots(
        rows=1,
        cols=len(tuned),
        shared_yaxes=True,
        subplot_titles=[f"baseline → {_label(name)}" for name in tuned],
        horizontal_spacing=0.06,
    )
    for column, name in enumerate(tuned, start=1):
        for label in (1, 0):
            label_name = LABEL_NAMES[label]
            for model, opacity, solid in (("baseline", 0.3, False), (name, 0.75, True)):
                result = results[model]
                stats = result.cosine.compatible if label == 1 else result.cosine.incompatible
                fig.add_trace(
                    go.Histogram(
                        x=_label_scores(result, label),
                        name=f"{_label(model)}, {label_name} (mean {stats.mean:.3f})",
                        legendgroup=f"{model}-{label}",
                        showlegend=model != "baseline" or column == 1,
                        marker=dict(
                            color=COLORS[label_name] if solid else "rgba(0,0,0,0)",
                            line=dict(color=COLORS[label_name], width=0 if solid else 1.5),
                        ),
                        opacity=opacity if solid else 0.9,
                        xbins=dict(size=bin_size),
                        hovertemplate=(
                            f"{_label(model)}, {label_name}<br>cosine %{{x}}<br>"
                            "%{y} pairs<extra></extra>"
                        ),
                    ),
                    row=1,
                    col=column,
                )
        fig.update_xaxes(title_text="cosine similarity", row=1, col=column)
    margins = ", ".join(
        f"{_label(name)} {results[name].cosine.margin:+.3f}" for name in ["baseline", *tuned]
    )
    fig.update_layout(
        **_LAYOUT,
        barmode="overlay",
        title=f"Cosine similarity by label before and after fine-tuning<br><sup>margin: "
        f"{margins}; baseline drawn as outlines</sup>",
        yaxis_title="pairs",
        height=480,
        legend=dict(orientation="h", yanchor="top", y=-0.18, x=0),
    )
    return fig


# 2 ------------------------------------------------------------------------------------------


def plot_umap_side_by_side(results: Mapping[str, EvaluationResult]) -> go.Figure:
    """Chart 2: the UMAP maps of each model side by side, coloured by label.

    Marker shape is the HDBSCAN cluster (hollow circle = noise). Hover text shows both
    statements, escaped.
    """
    names = list(results)
    titles = []
    for name in names:
        h = results[name].hdbscan
        purity = "n/a" if h.purity is None else f"{h.purity:.2f}"
        titles.append(f"{_label(name)}<br>{h.n_clusters} clusters, purity {purity}")
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=titles, horizontal_spacing=0.04)
    for column, name in enumerate(names, start=1):
        traces = umap_traces(
            results[name].umap,
            results[name].hdbscan.cluster_ids,
            model=_label(name),
            marker_size=6,
            showlegend=column == 1,
        )
        for trace in traces:
            fig.add_trace(trace, row=1, col=column)
        fig.update_xaxes(showticklabels=False, title_text="UMAP 1", row=1, col=column)
        fig.update_yaxes(showticklabels=False, row=1, col=column)
    fig.update_layout(
        **_LAYOUT,
        title="UMAP of pair features: baseline | full fine-tuning | LoRA",
        height=500,
        legend=dict(orientation="h", yanchor="top", y=-0.08, x=0),
    )
    return fig


# 3 ------------------------------------------------------------------------------------------


def plot_purity(results: Mapping[str, EvaluationResult]) -> go.Figure:
    """Chart 3: HDBSCAN cluster purity per model; clusters and noise share in the hover.

    A model whose clustering found no cluster has no purity: its bar is absent and its label
    says so.
    """
    names = list(results)
    purities = [results[name].hdbscan.purity for name in names]
    text = ["no cluster" if p is None else f"{p:.3f}" for p in purities]
    custom = [
        [results[name].hdbscan.n_clusters, results[name].hdbscan.noise_fraction] for name in names
    ]
    fig = go.Figure(
        go.Bar(
            x=[_label(name) for name in names],
            y=purities,
            marker_color=[_color(name) for name in names],
            text=text,
            textposition="outside",
            cliponaxis=False,
            customdata=custom,
            hovertemplate=(
                "%{x}<br>purity %{text}<br>%{customdata[0]} clusters, "
                "%{customdata[1]:.1%} noise<extra></extra>"
            ),
        )
    )
    fig.update_layout(
        **_LAYOUT,
        title="HDBSCAN cluster purity (share of clustered pairs in their cluster's majority label)",
        yaxis=dict(title="purity", range=[0, 1.1]),
        showlegend=False,
        height=420,
    )
    return fig


# 4 ------------------------------------------------------------------------------------------


def plot_roc_overlay(results: Mapping[str, EvaluationResult]) -> go.Figure:
    """Chart 4: the ROC curves of all models on one set of axes, AUCs in the legend."""
    fig = None
    for name, result in results.items():
        fig = plot_roc(result, name=MODEL_LABELS.get(name, name), color=_color(name), fig=fig)
    fig.update_layout(title="ROC curves before and after fine-tuning")
    return fig


# 5 ------------------------------------------------------------------------------------------


def plot_margin_heatmap(comparison: ComparisonResult) -> go.Figure:
    """Chart 5: margin per category (rows) and model (columns).

    A cell is blank (``None``) where the category lacks one of the labels, so it has no margin;
    the hover gives the number of eval pairs of each label. Categories keep the order of the
    baseline result (largest first).
    """
    models = comparison.models()
    names = list(models)
    categories = list(comparison.baseline.category_margins)
    for summary in models.values():
        categories += [c for c in summary.category_margins if c not in categories]
    z, text, hover = [], [], []
    for category in categories:
        row, row_text, row_hover = [], [], []
        for name in names:
            margin = models[name].category_margins.get(category)
            value = margin.margin if margin is not None else None
            row.append(value)
            row_text.append("" if value is None else f"{value:+.2f}")
            counts = (
                f"n = {margin.n_compatible} compatible / {margin.n_incompatible} incompatible"
                if margin is not None
                else "no pairs"
            )
            shown = "no margin (a label is missing)" if value is None else f"margin {value:+.3f}"
            row_hover.append(f"{escape(category)} · {_label(name)}<br>{shown}<br>{counts}")
        z.append(row)
        text.append(row_text)
        hover.append(row_hover)
    present = [abs(v) for row in z for v in row if v is not None] or [1.0]
    span = max(present)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[_label(name) for name in names],
            y=[escape(c) for c in categories],
            text=text,
            texttemplate="%{text}",
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            colorscale="RdBu",
            zmid=0,
            zmin=-span,
            zmax=span,
            colorbar=dict(title="margin"),
            hoverongaps=True,
        )
    )
    fig.update_layout(
        **_LAYOUT,
        title="Margin by category and model (blank: the category lacks one label)",
        yaxis=dict(autorange="reversed"),
        height=max(360, 30 * len(categories) + 160),
    )
    return fig


# 6 ------------------------------------------------------------------------------------------


def plot_cohens_d(comparison: ComparisonResult) -> go.Figure:
    """Chart 6: Cohen's d per model with its 95% bootstrap interval as error bars.

    Dotted lines mark Cohen's conventional small (0.2), medium (0.5) and large (0.8) effects.
    """
    models = comparison.models()
    names = list(models)
    estimates = [models[name].headline["cohens_d"] for name in names]
    values = [e.value for e in estimates]
    fig = go.Figure(
        go.Bar(
            x=[_label(name) for name in names],
            y=values,
            marker_color=[_color(name) for name in names],
            error_y=dict(
                type="data",
                symmetric=False,
                array=[(e.high - e.value) if e.high is not None else None for e in estimates],
                arrayminus=[(e.value - e.low) if e.low is not None else None for e in estimates],
                color="#333",
            ),
            text=[
                f"{e.value:.2f} [{e.low:.2f}, {e.high:.2f}]"
                if e.low is not None and e.high is not None
                else f"{e.value:.2f}"
                for e in estimates
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}<br>Cohen's d %{text}<extra></extra>",
        )
    )
    for value, name in COHENS_D_REFERENCES:
        for sign in (1, -1):
            fig.add_hline(
                y=sign * value,
                line=dict(color="grey", dash="dot", width=1),
                annotation_text=name if sign == 1 else None,
                annotation_position="right",
            )
    fig.add_hline(y=0, line=dict(color="black", width=1))
    fig.update_layout(
        **_LAYOUT,
        title="Cohen's d (margin in pooled standard deviations), 95% bootstrap intervals",
        yaxis_title="Cohen's d",
        showlegend=False,
        height=460,
    )
    return fig


# 7 ------------------------------------------------------------------------------------------


def plot_training_comparison(records) -> go.Figure:
    """Chart 7: validation Spearman over training steps, full vs LoRA.

    ``records`` are the two :class:`p3lib.train.TrainingRecord` objects (a mapping by method or
    a sequence); the drawing is :func:`p3lib.charts.training.plot_training_curves`'.
    """
    from p3lib.charts.training import plot_training_curves

    if not isinstance(records, Mapping):
        records = {record.method: record for record in records}
    return plot_training_curves(dict(records))


# 8 ------------------------------------------------------------------------------------------


def plot_false_positive_reduction(comparison: ComparisonResult) -> go.Figure:
    """Chart 8: false positives by pair type, one bar per model, for all nine pair types.

    Each model's false positives are counted at its own validation threshold. Pair types
    without incompatible pairs can never be false positives; the hover says so.
    """
    models = comparison.models()
    types = list(PAIR_TYPES)
    for summary in models.values():
        types += [t for t in summary.false_positives_by_pair_type if t not in types]
    fig = go.Figure()
    for name, summary in models.items():
        counts = [summary.false_positives_by_pair_type.get(t, 0) for t in types]
        totals = [summary.incompatible_by_pair_type.get(t, 0) for t in types]
        fig.add_trace(
            go.Bar(
                x=[escape(t) for t in types],
                y=counts,
                name=(
                    f"{_label(name)}: {summary.n_false_positives} of {summary.n_incompatible} "
                    f"(threshold {summary.threshold:.3f})"
                ),
                marker_color=_color(name),
                customdata=[
                    f"{c} of {n} incompatible pairs" if n else "no incompatible pairs"
                    for c, n in zip(counts, totals, strict=True)
                ],
                hovertemplate=f"{_label(name)}<br>%{{x}}<br>%{{customdata}}<extra></extra>",
            )
        )
    fig.update_layout(
        **_LAYOUT,
        barmode="group",
        title="False positives (incompatible pairs scored compatible) by pair type",
        xaxis_title="pair type",
        yaxis_title="false positives",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
        height=480,
    )
    return fig


# The eight charts, in the PRD's order.
CHARTS = (
    plot_cosine_overlay,
    plot_umap_side_by_side,
    plot_purity,
    plot_roc_overlay,
    plot_margin_heatmap,
    plot_cohens_d,
    plot_training_comparison,
    plot_false_positive_reduction,
)
