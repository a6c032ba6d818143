"""Charts of one model's evaluation (chapter 02; chapter 06 reuses them for each model).

Each function takes an :class:`~p3lib.evaluation.results.EvaluationResult` (or the part of it that
it
draws) and returns a plotly figure; none computes a metric. ``name`` labels the model in
legends and ``title`` replaces the default title. ROC and histogram functions also take an
existing ``fig`` to draw into, so several models can share one figure.

Example:
    >>> from p3lib.book.charts import show
    >>> from p3lib.book.charts.baseline import plot_roc
    >>> show(plot_roc(result, name="baseline"))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from p3lib.book.charts import COLORS, LABEL_NAMES, MODEL_COLORS, NEUTRAL_COLORS, escape, shorten
from p3lib.book.charts.sampling import (
    compact_values,
    display_sample,
    histogram_data,
    map_caption,
    scatter_type,
)
from p3lib.evaluation.clustering import ClusterSummary, UmapProjection
from p3lib.evaluation.results import (
    CategoryMargin,
    CosineSummary,
    EvaluationResult,
    FalsePositives,
    ThresholdSweep,
)

_LAYOUT = dict(template="plotly_white", margin=dict(l=60, r=30, t=70, b=60))
_SYMBOLS = ("circle", "square", "diamond", "cross", "x", "triangle-up", "triangle-down", "star")


def _part(value, attribute: str, kind: type):
    """``value`` itself if it is already the part wanted, else ``value.<attribute>``."""
    if isinstance(value, kind):
        return value
    if isinstance(value, EvaluationResult):
        return getattr(value, attribute)
    raise TypeError(f"expected an EvaluationResult or {kind.__name__}, got {type(value).__name__}")


def _title(title: str | None, default: str, name: str | None) -> str:
    """The chart's title, saying which split it draws: every chart here draws the eval split
    (the threshold marked on some was chosen on validation, and says so)."""
    if title is not None:
        return title
    default += ", eval split"
    return f"{default} ({escape(name)})" if name else default


def plot_cosine_histograms(
    result: EvaluationResult | CosineSummary,
    threshold: float | None = None,
    *,
    name: str | None = None,
    title: str | None = None,
    bin_size: float = 0.025,
) -> go.Figure:
    """Overlaid histograms of cosine scores by label, with the mean lines and the threshold.

    ``threshold`` defaults to the result's validation threshold when a whole result is given.
    """
    cosine = _part(result, "cosine", CosineSummary)
    if threshold is None and isinstance(result, EvaluationResult):
        threshold = result.threshold.threshold
    fig = go.Figure()
    for label in (1, 0):
        label_name = LABEL_NAMES[label]
        stats = cosine.compatible if label == 1 else cosine.incompatible
        values = [s for s, y in zip(cosine.scores, cosine.labels, strict=True) if y == label]
        fig.add_trace(
            go.Histogram(
                **histogram_data(values, bin_size, len(cosine.scores)),
                name=f"{label_name} (n={stats.n}, mean {stats.mean:.3f})",
                marker_color=COLORS[label_name],
                opacity=0.6,
                hovertemplate=f"{label_name}<br>cosine %{{x}}<br>%{{y}} pairs<extra></extra>",
            )
        )
        fig.add_vline(x=stats.mean, line=dict(color=COLORS[label_name], dash="dot", width=2))
    if threshold is not None:
        fig.add_vline(
            x=threshold,
            line=dict(color="black", dash="dash", width=2),
            annotation_text=f"threshold {threshold:.3f}",
            annotation_position="top left",
        )
    fig.update_layout(
        **_LAYOUT,
        barmode="overlay",
        title=_title(title, f"Cosine similarity by label, margin {cosine.margin:+.3f}", name),
        xaxis_title="cosine similarity of the pair",
        yaxis_title="pairs",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
    )
    return fig


def umap_traces(
    projection: UmapProjection,
    cluster_ids: list[int],
    *,
    model: str | None = None,
    marker_size: int = 8,
    showlegend: bool = True,
    drawn: Sequence[int] | None = None,
    trace_type: type[go.Scatter] | type[go.Scattergl] = go.Scatter,
) -> list[go.Scatter] | list[go.Scattergl]:
    """One scatter trace per label: colour is the label, marker shape the HDBSCAN cluster
    (hollow circle = noise), hover the pair's two statements, shortened and escaped.

    ``drawn`` are the indices of the pairs to draw (all when ``None``; see
    :func:`p3lib.book.charts.sampling.display_sample`); the legend counts every pair of a label.
    """
    drawn_set = None if drawn is None else set(int(i) for i in drawn)
    traces = []
    for label in (1, 0):
        label_name = LABEL_NAMES[label]
        every = [i for i, y in enumerate(projection.labels) if y == label]
        index = every if drawn_set is None else [i for i in every if i in drawn_set]
        heading = f"<b>{model}</b> · {label_name}" if model else f"<b>{label_name}</b>"
        hover = [
            f"{heading} · {escape(projection.pair_types[i])} · "
            f"{escape(projection.categories[i])}<br>"
            f"cosine {projection.scores[i]:.3f} · "
            f"{'noise' if cluster_ids[i] == -1 else f'cluster {cluster_ids[i]}'}<br>"
            f"{escape(shorten(projection.text_1[i]))}<br>{escape(shorten(projection.text_2[i]))}"
            for i in index
        ]
        symbols = [
            "circle-open" if cluster_ids[i] == -1 else _SYMBOLS[cluster_ids[i] % len(_SYMBOLS)]
            for i in index
        ]
        traces.append(
            trace_type(
                x=[projection.x[i] for i in index],
                y=[projection.y[i] for i in index],
                mode="markers",
                name=f"{label_name} (n={len(every):,})",
                legendgroup=label_name,
                showlegend=showlegend,
                marker=dict(
                    color=COLORS[label_name],
                    symbol=symbols,
                    size=marker_size,
                    opacity=0.75,
                    line=dict(width=0.5, color="#333"),
                ),
                text=hover,
                hovertemplate="%{text}<extra></extra>",
            )
        )
    return traces


def plot_umap(
    result: EvaluationResult | UmapProjection,
    clusters: ClusterSummary | None = None,
    *,
    name: str | None = None,
    title: str | None = None,
) -> go.Figure:
    """UMAP points coloured by label; HDBSCAN cluster as marker symbol (noise hollow).

    Hover shows both statements, shortened and escaped (dataset text may contain HTML), with
    the label, pair type, category, score and cluster. Above
    :data:`~p3lib.book.charts.sampling.DISPLAY_CAP` pairs the map draws a seeded sample stratified
    by label, and its title says how many of the pairs it draws; a map projected on a sample
    of the pairs (``umap.rows``) says that too.
    """
    whole = _part(result, "umap", UmapProjection)
    projection = whole.projected()
    if clusters is None and isinstance(result, EvaluationResult):
        clusters = result.hdbscan
    ids = clusters.cluster_ids if clusters is not None else [-1] * len(projection.x)
    drawn = display_sample(projection.labels)
    fig = go.Figure(umap_traces(projection, ids, drawn=drawn, trace_type=scatter_type(len(drawn))))
    subtitle = ""
    if clusters is not None:
        purity = "n/a" if clusters.purity is None else f"{clusters.purity:.2f}"
        subtitle = (
            f"<br><sup>{clusters.n_clusters} HDBSCAN clusters (marker shape; hollow = noise, "
            f"{clusters.noise_fraction:.0%}), purity {purity} on this map</sup>"
        )
    caption = map_caption(len(drawn), whole.n_projected, len(whole.labels))
    if caption:
        subtitle += f"<br><sup>{caption}</sup>"
    fig.update_layout(
        **_LAYOUT,
        title=_title(title, "UMAP of pair features, coloured by label", name) + subtitle,
        xaxis_title="UMAP 1",
        yaxis_title="UMAP 2",
        height=560,
    )
    return fig


def plot_roc(
    result: EvaluationResult | ThresholdSweep,
    *,
    name: str | None = None,
    title: str | None = None,
    color: str | None = None,
    fig: go.Figure | None = None,
) -> go.Figure:
    """ROC curve with the AUC in the legend; pass ``fig`` to add a model to an existing chart."""
    sweep = _part(result, "threshold_sweep", ThresholdSweep)
    new = fig is None
    fig = fig if fig is not None else go.Figure()
    label = f"{escape(name)}: AUC {sweep.auc_roc:.3f}" if name else f"AUC {sweep.auc_roc:.3f}"
    fig.add_trace(
        go.Scatter(
            # one point per distinct score at most: compact when the eval set is large
            x=compact_values(sweep.roc.fpr),
            y=compact_values(sweep.roc.tpr),
            mode="lines",
            name=label,
            line=dict(color=color or MODEL_COLORS.get(name or "", "#7570b3"), width=2.5),
            hovertemplate="FPR %{x:.3f}<br>TPR %{y:.3f}<extra></extra>",
        )
    )
    if new:
        fig.add_trace(
            go.Scatter(
                x=[0, 1],
                y=[0, 1],
                mode="lines",
                name="chance: AUC 0.5",
                line=dict(color="grey", dash="dash"),
                hoverinfo="skip",
            )
        )
        fig.update_layout(
            **_LAYOUT,
            title=_title(title, "ROC curve", None),
            xaxis=dict(title="false positive rate", range=[0, 1], constrain="domain"),
            yaxis=dict(title="true positive rate", range=[0, 1.01], scaleanchor="x"),
            legend=dict(x=0.98, xanchor="right", y=0.02, yanchor="bottom"),
            height=520,
        )
    return fig


def plot_threshold_sweep(
    result: EvaluationResult | ThresholdSweep,
    threshold: float | None = None,
    *,
    name: str | None = None,
    title: str | None = None,
) -> go.Figure:
    """Accuracy, precision, recall and F1 against the cosine threshold, with the chosen one."""
    sweep = _part(result, "threshold_sweep", ThresholdSweep)
    if threshold is None:
        threshold = sweep.at_threshold.threshold
    fig = go.Figure()
    # Neutral colours only: green and orange mean the labels, blue and pink the models.
    palette = {
        "accuracy": (NEUTRAL_COLORS[3], "solid"),
        "precision": (NEUTRAL_COLORS[1], "solid"),
        "recall": (NEUTRAL_COLORS[0], "dot"),
        "f1": ("#000", "solid"),
    }
    for metric, (color, dash) in palette.items():
        fig.add_trace(
            go.Scatter(
                x=sweep.thresholds,
                y=getattr(sweep, metric),
                mode="lines",
                name=metric.upper() if metric == "f1" else metric,
                line=dict(color=color, dash=dash, width=3 if metric == "f1" else 1.8),
            )
        )
    fig.add_vline(
        x=threshold,
        line=dict(color="black", dash="dash"),
        annotation_text=f"validation threshold {threshold:.3f}",
        annotation_position="top right",
    )
    fig.update_layout(
        **_LAYOUT,
        title=_title(title, "Classification by cosine threshold", name),
        xaxis_title="threshold (pair predicted compatible at or above it)",
        yaxis=dict(title="score", range=[0, 1.02]),
        hovermode="x unified",
    )
    return fig


def plot_category_margins(
    result: EvaluationResult | dict[str, CategoryMargin],
    *,
    name: str | None = None,
    title: str | None = None,
    min_per_label: int = 5,
) -> go.Figure:
    """Margin per category as horizontal bars, with n per label beside each bar.

    A category lacking one of the labels has no margin: it keeps its row, with no bar and the
    note "no margin" instead. A category with fewer than ``min_per_label`` eval pairs of a
    label is drawn grey (its margin is too noisy to rank; the headline ranks only the others).
    """
    margins = result.category_margins if isinstance(result, EvaluationResult) else result
    categories = list(margins)[::-1]  # largest category at the top
    values = [margins[c].margin for c in categories]
    counts = [
        f"n={margins[c].n_compatible} compatible / {margins[c].n_incompatible} incompatible"
        for c in categories
    ]
    # Short labels beside the bars (they must fit a phone's width); the counts are in the hover.
    text = [f"{v:+.3f}" if v is not None else "no margin" for v in values]
    small = [
        min(margins[c].n_compatible, margins[c].n_incompatible) < min_per_label for c in categories
    ]
    text = [
        f"{t} (too few)" if few and v is not None else t
        for t, v, few in zip(text, values, small, strict=True)
    ]
    colors = [
        "#cccccc"
        if v is None or few
        else (COLORS["compatible"] if v >= 0 else COLORS["incompatible"])
        for v, few in zip(values, small, strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=[0.0 if v is None else v for v in values],
            y=[escape(c) for c in categories],
            orientation="h",
            marker_color=colors,
            text=text,
            textposition="outside",
            cliponaxis=False,
            customdata=counts,
            hovertemplate="%{y}<br>%{text}<br>%{customdata}<extra></extra>",
        )
    )
    fig.add_vline(x=0, line=dict(color="black", width=1))
    present = [abs(v) for v in values if v is not None] or [0.1]
    span = max(present) * 1.6 + 0.05
    fig.update_layout(
        **_LAYOUT,
        title=_title(title, "Margin (compatible - incompatible mean cosine) by category", name),
        xaxis=dict(title="margin", range=[-span, span]),
        height=max(320, 40 * len(categories) + 140),
        showlegend=False,
    )
    return fig


def plot_false_positives(
    result: EvaluationResult | FalsePositives,
    *,
    name: str | None = None,
    title: str | None = None,
) -> go.Figure:
    """False positives by pair type, out of the incompatible pairs of that type.

    Every pair type is on the axis, zeros included; types without incompatible pairs (such as
    ``compatible``) can never be false positives and show "no incompatible pairs".
    """
    fps = _part(result, "false_positives", FalsePositives)
    types = list(fps.by_pair_type)
    counts = [fps.by_pair_type[t] for t in types]
    totals = [fps.incompatible_by_pair_type.get(t, 0) for t in types]
    text = [
        f"{c} of {n}" if n else "no incompatible pairs" for c, n in zip(counts, totals, strict=True)
    ]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=[escape(t) for t in types],
            y=totals,
            name="incompatible pairs",
            marker_color="#dddddd",
            hovertemplate="%{x}<br>%{y} incompatible pairs<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=[escape(t) for t in types],
            y=counts,
            name=f"false positives (cosine ≥ {fps.threshold:.3f})",
            marker_color=COLORS["incompatible"],
            text=text,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}<br>%{text}<extra></extra>",
        )
    )
    fig.update_layout(
        **_LAYOUT,
        barmode="overlay",
        title=_title(
            title,
            f"False positives by pair type: {fps.n} of {fps.n_incompatible} incompatible pairs",
            name,
        ),
        xaxis_title="pair type",
        yaxis_title="pairs",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
    )
    return fig
