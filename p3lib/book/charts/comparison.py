"""The eight before/after charts of chapter 06 (PRD section 4, step 5).

Each function takes results -- :class:`~p3lib.evaluation.results.EvaluationResult` objects keyed by
model
name (``baseline``, ``full``, ``lora``), a :class:`~p3lib.book.adr.ComparisonResult`, or the
training records -- and returns a plotly figure; none computes a metric. Dataset text (hover
labels of the UMAP map) and category or pair-type names are escaped where drawn.

Example:
    >>> from p3lib.book.charts import show
    >>> from p3lib.book.charts.comparison import plot_roc_overlay
    >>> show(plot_roc_overlay({"baseline": baseline, "full": full, "lora": lora}))
    ... # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from p3lib.book.charts import COLORS, LABEL_NAMES, MODEL_COLORS, MODEL_NAMES, escape
from p3lib.book.charts.baseline import plot_roc, umap_traces
from p3lib.book.charts.sampling import (
    DISPLAY_CAP,
    display_sample,
    histogram_data,
    map_caption,
    scatter_type,
)
from p3lib.data.schema import PAIR_TYPES
from p3lib.evaluation.comparison import ComparisonResult
from p3lib.evaluation.results import EvaluationResult
from p3lib.evaluation.words_only import WordsOnlyResult

_LAYOUT = dict(template="plotly_white", margin=dict(l=60, r=30, t=80, b=60))
# Cohen's conventional thresholds: small, medium, large.
COHENS_D_REFERENCES = ((0.2, "small"), (0.5, "medium"), (0.8, "large"))


def _label(name: str) -> str:
    return escape(MODEL_NAMES.get(name, name))


def _color(name: str) -> str:
    return MODEL_COLORS.get(name, "#666666")


def _label_histogram(result: EvaluationResult, label: int, bin_size: float) -> dict:
    """A histogram's data for the cosine scores of one label's eval pairs, binned above the
    display cap (:func:`~p3lib.book.charts.sampling.histogram_data`)."""
    cosine = result.cosine
    return histogram_data(
        [s for s, y in zip(cosine.scores, cosine.labels, strict=True) if y == label],
        bin_size,
        len(cosine.scores),
    )


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
        subplot_titles=[f"{_label('baseline')} → {_label(name)}" for name in tuned],
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
                        **_label_histogram(result, label, bin_size),
                        name=f"{_label(model)}, {label_name} (mean {stats.mean:.3f})",
                        legendgroup=f"{model}-{label}",
                        showlegend=model != "baseline" or column == 1,
                        marker=dict(
                            color=COLORS[label_name] if solid else "rgba(0,0,0,0)",
                            line=dict(color=COLORS[label_name], width=0 if solid else 1.5),
                        ),
                        opacity=opacity if solid else 0.9,
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
        f"{margins}; base model drawn as outlines</sup>",
        yaxis_title="pairs",
        height=480,
        legend=dict(orientation="h", yanchor="top", y=-0.18, x=0),
    )
    return fig


# 2 ------------------------------------------------------------------------------------------


def plot_umap_side_by_side(results: Mapping[str, EvaluationResult]) -> go.Figure:
    """Chart 2: the UMAP maps of each model side by side, coloured by label.

    Marker shape is the HDBSCAN cluster (hollow circle = noise). Hover text shows both
    statements, shortened and escaped. Above :data:`~p3lib.book.charts.sampling.DISPLAY_CAP` pairs
    in all, each map draws its share as a seeded sample stratified by label, and the title
    says so.
    """
    names = list(results)
    titles = []
    for name in names:
        h = results[name].hdbscan
        purity = "n/a" if h.purity is None else f"{h.purity:.2f}"
        titles.append(
            f"{_label(name)}<br>this map: {h.n_clusters} clusters, purity {purity}, "
            f"noise {h.noise_fraction:.0%}"
        )
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=titles, horizontal_spacing=0.04)
    # One display budget for the whole chart, split between the maps; the eval pairs (and so
    # their labels) are the same for every model, so every map draws the same pairs.
    # Above PROJECTION_CAP pairs each map holds a sample of them (the same rows for every model).
    maps = {name: results[name].umap.projected() for name in names}
    drawn = {
        name: display_sample(maps[name].labels, cap=DISPLAY_CAP // len(names)) for name in names
    }
    trace_type = scatter_type(sum(len(d) for d in drawn.values()))
    for column, name in enumerate(names, start=1):
        traces = umap_traces(
            maps[name],
            results[name].hdbscan.cluster_ids,
            model=_label(name),
            marker_size=6,
            showlegend=column == 1,
            drawn=drawn[name],
            trace_type=trace_type,
        )
        for trace in traces:
            fig.add_trace(trace, row=1, col=column)
        fig.update_xaxes(showticklabels=False, title_text="UMAP 1", row=1, col=column)
        fig.update_yaxes(showticklabels=False, row=1, col=column)
    title = "UMAP of pair features: " + " | ".join(_label(name) for name in names)
    first = results[names[0]].umap
    caption = map_caption(len(drawn[names[0]]), first.n_projected, len(first.labels))
    if caption:
        title += f"<br><sup>each map: {caption}</sup>"
    fig.update_layout(
        **_LAYOUT,
        title=title,
        height=500,
        legend=dict(orientation="h", yanchor="top", y=-0.08, x=0),
    )
    return fig


# 3 ------------------------------------------------------------------------------------------


def plot_purity(results: Mapping[str, EvaluationResult]) -> go.Figure:
    """Chart 3: HDBSCAN cluster purity per model over UMAP seeds, against shuffled labels.

    Each bar is a model's median purity over the UMAP seeds, its whisker the range, and the
    dots the seeds themselves (hover: clusters and noise share of that seed). The grey band
    behind each bar holds 95% of the median purity when the labels are shuffled over the same
    clusters (:func:`p3lib.evaluation.clustering.purity_null`): a bar inside its band is what
    clusters
    that ignore the label would score. Bar labels carry the median noise share. A model
    without any cluster has no bar, and its label says so.
    """
    names = list(results)
    fig = go.Figure()
    band_x, band_y = [], []
    medians, lows, highs, text = [], [], [], []
    seed_x, seed_y, seed_hover = [], [], []
    for i, name in enumerate(names):
        result = results[name]
        over = result.clustering
        if over is None:  # results written before the seeds existed: the one map's clusters
            per_seed = [(None, result.hdbscan)]
            median = result.hdbscan.purity
            low = high = median
            noise = result.hdbscan.noise_fraction
            null = None
        else:
            per_seed = [(f.random_state, f) for f in over.per_seed]
            median, low, high = over.purity.median, over.purity.low, over.purity.high
            noise = over.noise_fraction.median
            null = over.purity_null
        medians.append(median)
        lows.append(None if median is None else median - low)
        highs.append(None if median is None else high - median)
        text.append("no cluster" if median is None else f"{median:.3f}, noise {noise:.0%}")
        if null is not None:
            band_x += [i - 0.45, i + 0.45, i + 0.45, i - 0.45, i - 0.45, None]
            band_y += [null.low, null.low, null.high, null.high, null.low, None]
        offsets = np.linspace(-0.25, 0.25, len(per_seed)) if len(per_seed) > 1 else [0.0]
        for offset, (seed, f) in zip(offsets, per_seed, strict=True):
            if f.purity is None:
                continue
            seed_x.append(i + offset)
            seed_y.append(f.purity)
            seed_hover.append(
                f"{_label(name)}, UMAP seed {seed if seed is not None else '(given)'}: purity "
                f"{f.purity:.3f}, {f.n_clusters} clusters, {f.noise_fraction:.1%} noise"
            )
    if band_x:
        fig.add_trace(
            go.Scatter(
                x=band_x,
                y=band_y,
                fill="toself",
                mode="lines",
                line=dict(width=0),
                fillcolor="rgba(120, 120, 120, 0.25)",
                name="labels shuffled within template groups: 95% range",
                hoverinfo="skip",
            )
        )
    fig.add_trace(
        go.Bar(
            x=list(range(len(names))),
            y=medians,
            marker_color=[_color(name) for name in names],
            opacity=0.75,
            width=0.6,
            text=text,
            textposition="outside",
            cliponaxis=False,
            error_y=dict(type="data", symmetric=False, array=highs, arrayminus=lows),
            name="median over UMAP seeds",
            hovertemplate="purity %{text}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=seed_x,
            y=seed_y,
            mode="markers",
            marker=dict(color="#222222", size=7),
            name="one UMAP seed",
            text=seed_hover,
            hovertemplate="%{text}<extra></extra>",
        )
    )
    title = "HDBSCAN cluster purity over UMAP seeds, against labels shuffled within template groups"
    # Above PROJECTION_CAP pairs the clusters are those of a sample (the same for every model).
    projected, total = results[names[0]].umap.n_projected, results[names[0]].n_pairs
    if projected < total:
        title += f"<br><sup>{map_caption(projected, projected, total)}</sup>"
    fig.update_layout(
        **_LAYOUT,
        title=title,
        xaxis=dict(
            tickmode="array", tickvals=list(range(len(names))), ticktext=[_label(n) for n in names]
        ),
        yaxis=dict(title="purity (share of clustered pairs in the majority label)", range=[0, 1.1]),
        legend=dict(orientation="h", yanchor="top", y=-0.12, x=0),
        height=460,
    )
    return fig


# 4 ------------------------------------------------------------------------------------------


def plot_roc_overlay(
    results: Mapping[str, EvaluationResult], words_only: WordsOnlyResult | None = None
) -> go.Figure:
    """Chart 4: the ROC curves of all models on one set of axes, AUCs in the legend.

    With ``words_only``, the words-only baseline's curve (its probability as the score) too.
    """
    fig = None
    for name, result in results.items():
        fig = plot_roc(result, name=MODEL_NAMES.get(name, name), color=_color(name), fig=fig)
    if words_only is not None:
        fig = plot_roc(
            words_only.threshold_sweep,
            name=MODEL_NAMES["words_only"],
            color=_color("words_only"),
            fig=fig,
        )
    fig.update_layout(title="ROC curves before and after fine-tuning")
    return fig


# 5 ------------------------------------------------------------------------------------------


def plot_margin_heatmap(comparison: ComparisonResult) -> go.Figure:
    """Chart 5: margin per category (rows) and model (columns).

    A cell is blank (``None``) where the category lacks one of the labels, so it has no margin;
    it is grey, with its margin written but not coloured, where the category has fewer than
    ``comparison.min_category_per_label`` eval pairs of a label (too few to rank). The hover
    gives the number of eval pairs of each label. Categories keep the order of the baseline
    result (largest first).
    """
    minimum = comparison.min_category_per_label
    models = comparison.models()
    names = list(models)
    categories = list(comparison.baseline.category_margins)
    for summary in models.values():
        categories += [c for c in summary.category_margins if c not in categories]
    z, grey, text, grey_text, hover = [], [], [], [], []
    for category in categories:
        row, grey_row, row_text, grey_row_text, row_hover = [], [], [], [], []
        for name in names:
            margin = models[name].category_margins.get(category)
            value = margin.margin if margin is not None else None
            small = value is not None and min(margin.n_compatible, margin.n_incompatible) < minimum
            row.append(None if small else value)
            grey_row.append(0.0 if small else None)
            written = "" if value is None else f"{value:+.2f}"
            row_text.append("" if small else written)
            grey_row_text.append(written if small else "")
            counts = (
                f"n = {margin.n_compatible} compatible / {margin.n_incompatible} incompatible"
                if margin is not None
                else "no pairs"
            )
            shown = "no margin (a label is missing)" if value is None else f"margin {value:+.3f}"
            if small:
                shown += f" (fewer than {minimum} pairs of a label: not ranked)"
            row_hover.append(f"{escape(category)} · {_label(name)}<br>{shown}<br>{counts}")
        z.append(row)
        grey.append(grey_row)
        grey_text.append(grey_row_text)
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
    # Categories too small to rank: grey cells under their written margin, not coloured.
    fig.add_trace(
        go.Heatmap(
            z=grey,
            x=[_label(name) for name in names],
            y=[escape(c) for c in categories],
            colorscale=[[0, "#dddddd"], [1, "#dddddd"]],
            showscale=False,
            text=grey_text,
            texttemplate="%{text}",
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
        )
    )
    fig.update_layout(
        **_LAYOUT,
        title=(
            f"Margin by category and model (blank: a label is missing; grey: fewer than "
            f"{minimum} pairs of a label)"
        ),
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
    # Each bar's value and interval go under its name, where error bars cannot cross them.
    intervals = [
        f"{e.value:.2f} [{e.low:.2f}, {e.high:.2f}]"
        if e.low is not None and e.high is not None
        else f"{e.value:.2f}"
        for e in estimates
    ]
    fig = go.Figure(
        go.Bar(
            x=[f"{_label(name)}<br>{text}" for name, text in zip(names, intervals, strict=True)],
            y=values,
            marker_color=[_color(name) for name in names],
            error_y=dict(
                type="data",
                symmetric=False,
                array=[(e.high - e.value) if e.high is not None else None for e in estimates],
                arrayminus=[(e.value - e.low) if e.low is not None else None for e in estimates],
                color="#333",
            ),
            customdata=intervals,
            hovertemplate="Cohen's d %{customdata}<extra></extra>",
        )
    )
    for value, name in COHENS_D_REFERENCES:
        for sign in (1, -1):
            fig.add_hline(y=sign * value, line=dict(color="grey", dash="dot", width=1))
        # Named once, on the positive side, in a right margin wide enough for the words.
        fig.add_annotation(
            x=1,
            xref="paper",
            xanchor="left",
            xshift=4,
            y=value,
            yanchor="bottom",
            text=name,
            showarrow=False,
            font=dict(size=11, color="grey"),
        )
    fig.add_hline(y=0, line=dict(color="black", width=1))
    fig.update_layout(
        **{**_LAYOUT, "margin": dict(l=60, r=70, t=80, b=80)},
        title="Cohen's d (margin in pooled standard deviations), 95% bootstrap intervals",
        yaxis_title="Cohen's d",
        showlegend=False,
        height=460,
    )
    return fig


# 7 ------------------------------------------------------------------------------------------


def plot_training_comparison(records) -> go.Figure:
    """Chart 7: validation Spearman over training steps, full vs LoRA.

    ``records`` are the two :class:`p3lib.training.record.TrainingRecord` objects (a mapping by
    method or
    a sequence); the drawing is :func:`p3lib.book.charts.training.plot_training_curves`'.
    """
    from p3lib.book.charts.training import plot_training_curves

    if not isinstance(records, Mapping):
        records = {record.method: record for record in records}
    return plot_training_curves(dict(records))


# 8 ------------------------------------------------------------------------------------------


def _fp_rows(comparison: ComparisonResult) -> list[tuple[str, dict, dict, str]]:
    """``(name, false positives by type, incompatible by type, legend)`` at the validation
    thresholds, the words-only model included."""
    rows = []
    for name, summary in comparison.models().items():
        legend = (
            f"{_label(name)}: {summary.n_false_positives} of {summary.n_incompatible} "
            f"(threshold {summary.threshold:.3f}"
            + (", near-trivial)" if summary.near_trivial else ")")
        )
        rows.append(
            (name, summary.false_positives_by_pair_type, summary.incompatible_by_pair_type, legend)
        )
    words = comparison.words_only
    if words is not None:
        legend = (
            f"{_label('words_only')}: {words.n_false_positives} of {words.n_incompatible} "
            f"(probability {words.threshold.threshold:.3f})"
        )
        rows.insert(
            1,
            (
                "words_only",
                words.false_positives_by_pair_type,
                words.incompatible_by_pair_type,
                legend,
            ),
        )
    return rows


def plot_false_positive_reduction(comparison: ComparisonResult) -> go.Figure:
    """Chart 8: false positives by pair type, one bar per model, for all nine pair types.

    Top panel: counts at each model's own validation threshold (a near-trivial threshold, one
    that puts 90% or more of the eval pairs on one side, is marked in the legend). Bottom
    panel, when the comparison has matched operating points: the false positive *rate* per
    pair type at the threshold where each model reaches the same recall on the validation
    split, the fair comparison. Pair types without incompatible pairs can never be false
    positives; the hover says so.
    """
    rows = _fp_rows(comparison)
    types = list(PAIR_TYPES)
    for _, by_type, _, _ in rows:
        types += [t for t in by_type if t not in types]
    matched = comparison.matched_recall
    target = next(iter(matched.values())).target_recall if matched else None
    fig = make_subplots(
        rows=2 if matched else 1,
        cols=1,
        vertical_spacing=0.16,
        subplot_titles=(
            ["at each model's validation threshold (count)"]
            + ([f"at validation recall {target:.2f} for every model (rate)"] if matched else [])
        ),
    )
    for name, by_type, incompatible, legend in rows:
        counts = [by_type.get(t, 0) for t in types]
        totals = [incompatible.get(t, 0) for t in types]
        fig.add_trace(
            go.Bar(
                x=[escape(t) for t in types],
                y=counts,
                name=legend,
                legendgroup=name,
                marker_color=_color(name),
                customdata=[
                    f"{c} of {n} incompatible pairs" if n else "no incompatible pairs"
                    for c, n in zip(counts, totals, strict=True)
                ],
                hovertemplate=f"{_label(name)}<br>%{{x}}<br>%{{customdata}}<extra></extra>",
            ),
            row=1,
            col=1,
        )
        point = matched.get(name)
        if point is None:
            continue
        cells = [point.false_positives_by_pair_type.get(t) for t in types]
        fig.add_trace(
            go.Bar(
                x=[escape(t) for t in types],
                y=[c.rate if c is not None else None for c in cells],
                name=(
                    f"{_label(name)}: {point.false_positives.n} of {point.false_positives.of} "
                    f"(threshold {point.threshold:.3f}"
                    + (", near-trivial)" if point.near_trivial else ")")
                ),
                legendgroup=name,
                marker_color=_color(name),
                marker_pattern_shape="/",
                customdata=[
                    f"{c.n} of {c.of} incompatible pairs" if c and c.of else "no incompatible pairs"
                    for c in cells
                ],
                hovertemplate=f"{_label(name)}<br>%{{x}}<br>%{{customdata}}<extra></extra>",
            ),
            row=2,
            col=1,
        )
    fig.update_layout(
        **_LAYOUT,
        barmode="group",
        title="False positives (incompatible pairs scored compatible) by pair type",
        legend=dict(orientation="h", yanchor="top", y=-0.12, x=0),
        height=820 if matched else 480,
    )
    fig.update_yaxes(title_text="false positives", row=1, col=1)
    if matched:
        fig.update_yaxes(title_text="false positive rate", range=[0, 1.05], row=2, col=1)
        fig.update_xaxes(title_text="pair type", row=2, col=1)
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
