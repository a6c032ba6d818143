"""Forest plot of the paired differences (chapter 06): every model-against-model reading at once.

Takes a :class:`~p3lib.evaluation.comparison.ComparisonResult` and returns a plotly figure; it
computes nothing. Each reading is one row: ``metric(a) - metric(b)``, both models measured on
the same resampled template groups, as a point with its paired 95% interval. Metrics have
their own scales (Cohen's d runs to several units, AUC differences stay under 1), so each
metric is a panel of its own, stacked one above the other, each with its zero line: an
interval that crosses the line is a difference this run cannot tell from chance.

Example:
    >>> from p3lib.book.charts import show
    >>> show(plot_paired_differences(comparison))  # doctest: +SKIP
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from p3lib.book.charts import MODEL_COLORS, MODEL_NAMES, NEUTRAL_COLORS
from p3lib.evaluation.comparison import ComparisonResult

# Panels in this order; a metric the comparison has that is not named here comes last.
METRIC_ORDER = (
    ("margin", "Compatibility margin"),
    ("cohens_d", "Cohen's d"),
    ("auc_roc", "AUC-ROC"),
    ("spearman", "Spearman's rho"),
    ("spearman_ratio", "Spearman's rho / ceiling"),
    ("f1", "F1 at the validation threshold"),
    ("accuracy", "Accuracy at the validation threshold"),
    ("false_positive_rate", "False positive rate (lower is better)"),
    ("false_negative_rate", "False negative rate (lower is better)"),
)
ROW_HEIGHT = 34  # pixels per reading: two lines of label each
PANEL_GAP = 64  # pixels between panels, for the next panel's title and this one's ticks
LEGEND_ROOM = 110  # pixels under the last panel, for its axis and the legend


def _name(key: str) -> str:
    return MODEL_NAMES.get(key, key.replace("_", " "))


def _row_label(a: str, b: str) -> str:
    """``Full fine-tuning<br>− Base model``: two short lines, so a phone keeps a plot."""
    return f"{_name(a)}<br>− {_name(b)}"


def _readings(comparison: ComparisonResult) -> list[tuple[str, str, list]]:
    """``(metric, panel title, [(a, b, interval), ...])`` in :data:`METRIC_ORDER`."""
    titles = dict(METRIC_ORDER)
    metrics: list[str] = []
    for pair in comparison.paired_differences.values():
        metrics += [m for m in pair.differences if m not in metrics]
    metrics.sort(key=lambda m: list(titles).index(m) if m in titles else len(titles))
    panels = []
    for metric in metrics:
        rows = [
            (pair.a, pair.b, pair.differences[metric])
            for pair in comparison.paired_differences.values()
            if metric in pair.differences
        ]
        panels.append((metric, titles.get(metric, metric.replace("_", " ")), rows))
    return panels


def _interval_text(d, fmt: str) -> str:
    if d.low is None or d.high is None:
        return f"{d.estimate:{fmt}} (no interval)"
    return f"{d.estimate:{fmt}} [{d.low:{fmt}}, {d.high:{fmt}}]"


def plot_paired_differences(comparison: ComparisonResult) -> go.Figure:
    """Forest plot: one row per paired difference, one panel per metric, a zero line in each.

    A point is the difference ``a - b`` on the eval split, its bar the paired 95% interval
    (resampling template groups); the point is filled where the interval excludes 0 and hollow
    where it includes 0 ("cannot tell"). Points take the colour of the model on the left of
    the minus sign (the book's model palette). The hover gives the value and interval.

    Raises:
        ValueError: the comparison holds no paired difference.
    """
    panels = _readings(comparison)
    if not panels:
        raise ValueError("the comparison holds no paired difference to draw")
    sizes = [len(rows) for _, _, rows in panels]
    plot_height = ROW_HEIGHT * sum(sizes)
    height = plot_height + PANEL_GAP * len(panels) + LEGEND_ROOM
    gap = PANEL_GAP / height
    fig = make_subplots(
        rows=len(panels),
        cols=1,
        row_heights=[n / sum(sizes) for n in sizes],
        vertical_spacing=gap,
        subplot_titles=[title for _, title, _ in panels],
    )
    for index, (metric, _, rows) in enumerate(panels, start=1):
        fmt = "+.2f" if metric == "cohens_d" else "+.3f"
        labels = [_row_label(a, b) for a, b, _ in rows]
        for excludes, symbol in ((True, "circle"), (False, "circle-open")):
            chosen = [(label, row) for label, row in zip(labels, rows, strict=True)]
            chosen = [(label, row) for label, row in chosen if row[2].excludes_zero == excludes]
            if not chosen:
                continue
            fig.add_trace(
                go.Scatter(
                    x=[row[2].estimate for _, row in chosen],
                    y=[label for label, _ in chosen],
                    mode="markers",
                    marker=dict(
                        symbol=symbol,
                        size=9,
                        color=[MODEL_COLORS.get(row[0], NEUTRAL_COLORS[0]) for _, row in chosen],
                        line=dict(width=2),
                    ),
                    error_x=dict(
                        type="data",
                        symmetric=False,
                        array=[_up(row[2]) for _, row in chosen],
                        arrayminus=[_down(row[2]) for _, row in chosen],
                        color=NEUTRAL_COLORS[0],
                        thickness=1.5,
                        width=4,
                    ),
                    customdata=[_interval_text(row[2], fmt) for _, row in chosen],
                    hovertemplate="%{y}<br>%{customdata}<extra></extra>",
                    showlegend=False,
                ),
                row=index,
                col=1,
            )
        fig.add_vline(x=0, line=dict(color="#222222", width=1), row=index, col=1)
        fig.update_yaxes(
            categoryorder="array",
            categoryarray=labels[::-1],  # the first reading at the top
            row=index,
            col=1,
        )
        lows = [min(0.0, d.low if d.low is not None else d.estimate) for _, _, d in rows]
        highs = [max(0.0, d.high if d.high is not None else d.estimate) for _, _, d in rows]
        span = (max(highs) - min(lows)) or 1.0
        fig.update_xaxes(
            range=[min(lows) - 0.08 * span, max(highs) + 0.08 * span],
            zeroline=False,
            row=index,
            col=1,
        )
    # The legend says what filled and hollow mean, once.
    for symbol, text in (
        ("circle", "interval excludes 0"),
        ("circle-open", "interval includes 0: cannot tell"),
    ):
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker=dict(symbol=symbol, size=9, color=NEUTRAL_COLORS[0], line=dict(width=2)),
                name=text,
            ),
            row=1,
            col=1,
        )
    fig.update_layout(
        template="plotly_white",
        title="Paired differences, model against model (a − b), with paired 95% intervals"
        "<br><sup>both models on the same resampled template groups of the eval split; "
        "filled: the interval excludes 0</sup>",
        height=height,
        margin=dict(l=150, r=20, t=80, b=60),
        legend=dict(orientation="h", yanchor="top", y=-0.02, x=0),
        font=dict(size=12),
    )
    return fig


def _up(d) -> float:
    return 0.0 if d.high is None else d.high - d.estimate


def _down(d) -> float:
    return 0.0 if d.low is None else d.estimate - d.low
