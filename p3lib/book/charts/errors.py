"""Chart of the error rate by pair type (chapters 02, 05 and 06).

Takes :class:`~p3lib.evaluation.errors_by_type.ErrorsByPairType` results, one per model, and
returns a plotly
figure; it computes nothing.

Example:
    >>> from p3lib.book.charts import show
    >>> from p3lib.book.charts.errors import plot_errors_by_pair_type
    >>> show(plot_errors_by_pair_type({"full": full.errors_by_pair_type}))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go

from p3lib.book.charts import MODEL_COLORS, MODEL_NAMES, NEUTRAL_COLORS, escape
from p3lib.evaluation.errors_by_type import ErrorsByPairType

_FALLBACK_COLORS = NEUTRAL_COLORS  # a model without a colour of its own takes no label's


def _cosine(value: float | None) -> str:
    return "none" if value is None else f"{value:+.3f}"


def plot_errors_by_pair_type(
    tables: Mapping[str, ErrorsByPairType], *, title: str | None = None
) -> go.Figure:
    """Error rate at the validation threshold per pair type, one bar per model, with the 95%
    interval as error bars (over resampled template groups, or Wilson for results without
    groups); the hover gives the counts, the mean cosine per label and
    the AUC where a type holds both labels.

    ``tables`` maps a model name (``baseline``, ``full``, ``lora``, or any other) to its
    result; pair types appear in the order of the first table, then any others.
    """
    if not tables:
        raise ValueError("no results to draw")
    types: list[str] = []
    for table in tables.values():
        types += [t for t in table.by_pair_type if t not in types]
    fig = go.Figure()
    for index, (model, table) in enumerate(tables.items()):
        rows = [table.by_pair_type.get(t) for t in types]
        present = [(t, r) for t, r in zip(types, rows, strict=True) if r is not None]
        hover = [
            f"{escape(MODEL_NAMES.get(model, model))}: {escape(t)}<br>{r.n_errors} of {r.n} wrong "
            f"({r.false_positives} false positives, {r.false_negatives} false negatives)<br>"
            f"error rate {r.error_rate:.1%}"
            + (
                ""
                if r.error_low is None or r.error_high is None
                else f" [{r.error_low:.1%}, {r.error_high:.1%}]"
            )
            + "<br>"
            f"mean cosine: compatible {_cosine(r.mean_cosine_compatible)}, "
            f"incompatible {_cosine(r.mean_cosine_incompatible)}"
            + ("" if r.auc_roc is None else f"<br>AUC within the type {r.auc_roc:.3f}")
            for t, r in present
        ]
        color = MODEL_COLORS.get(model, _FALLBACK_COLORS[index % len(_FALLBACK_COLORS)])
        fig.add_trace(
            go.Bar(
                y=[escape(t) for t, _ in present],
                x=[r.error_rate for _, r in present],
                orientation="h",
                name=escape(MODEL_NAMES.get(model, model)),
                marker_color=color,
                error_x=dict(
                    type="data",
                    symmetric=False,
                    # No interval (too few resamples held the type): no bar.
                    array=[
                        max((r.error_high or r.error_rate) - r.error_rate, 0) for _, r in present
                    ],
                    arrayminus=[
                        max(
                            r.error_rate
                            - (r.error_low if r.error_low is not None else r.error_rate),
                            0,
                        )
                        for _, r in present
                    ],
                    thickness=1.2,
                ),
                text=[f"{r.n_errors}/{r.n}" for _, r in present],
                textposition="outside",
                cliponaxis=False,
                hovertext=hover,
                hoverinfo="text",
            )
        )
    fig.update_layout(
        template="plotly_white",
        margin=dict(l=170, r=40, t=70, b=60),
        barmode="group",
        height=max(360, 60 + 26 * len(types) * len(tables)),
        title=title
        or "Error rate by pair type at the validation threshold<br>"
        "<sup>false positives for label 0, false negatives for label 1; bars: 95% "
        + (
            "interval over resampled template groups"
            if any(t.interval_method != "wilson" for t in tables.values())
            else "Wilson interval"
        )
        + "</sup>",
        xaxis=dict(title="share of the type's eval pairs wrong", range=[0, 1.08], tickformat=".0%"),
        yaxis=dict(autorange="reversed"),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
    )
    return fig
