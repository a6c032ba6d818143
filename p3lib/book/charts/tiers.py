"""Chart of the three evaluation tiers (chapters 05 and 06): AUC per tier, per model.

Takes a :class:`~p3lib.evaluation.tiers.TierComparison` and returns a plotly figure; it
computes nothing. Seen templates, unseen templates and unseen topics sit side by side, so the
eye reads how much of a model's seen-template AUC survives where the templates, then the
topics, are new; chance (0.5) is drawn as a line.

Example:
    >>> from p3lib.book.charts import show
    >>> show(plot_tiers(tier_comparison))  # doctest: +SKIP
"""

from __future__ import annotations

import plotly.graph_objects as go

from p3lib.book.charts import MODEL_COLORS, MODEL_NAMES, NEUTRAL_COLORS
from p3lib.evaluation.tiers import TIER_LABELS, TIERS, TierComparison

_OTHER_COLOR = NEUTRAL_COLORS[0]  # the words-only model: no model's or label's colour


def plot_tiers(comparison: TierComparison, *, title: str | None = None) -> go.Figure:
    """AUC of each model on each tier with its 95% cluster-bootstrap interval as error bars;
    the hover gives the interval, the pair count and the recall and false-positive rate at the
    model's validation threshold. A tier a model lacks (no OOD split) is left out."""
    if not comparison.models:
        raise ValueError("no results to draw")
    fig = go.Figure()
    for model, report in comparison.models.items():
        xs, ys, up, down, hover = [], [], [], [], []
        for tier in TIERS:
            found = report.tier(tier)
            if found is None or found.auc is None:
                continue
            xs.append(TIER_LABELS[tier])
            ys.append(found.auc)
            up.append((found.high if found.high is not None else found.auc) - found.auc)
            down.append(found.auc - (found.low if found.low is not None else found.auc))
            rates = (
                ""
                if found.recall is None or found.false_positive_rate is None
                else f"<br>at the validation threshold: recall {found.recall:.3f}, "
                f"false-positive rate {found.false_positive_rate:.3f}"
            )
            interval = (
                ""
                if found.low is None or found.high is None
                else f" [{found.low:.3f}, {found.high:.3f}]"
            )
            hover.append(
                f"{MODEL_NAMES.get(model, model)}, {TIER_LABELS[tier]}<br>AUC {found.auc:.3f}"
                f"{interval}<br>{found.n} pairs in {found.n_groups} groups{rates}"
            )
        fig.add_trace(
            go.Bar(
                x=xs,
                y=ys,
                name=MODEL_NAMES.get(model, model),
                marker_color=MODEL_COLORS.get(model, _OTHER_COLOR),
                error_y=dict(type="data", array=up, arrayminus=down, visible=True),
                hovertext=hover,
                hoverinfo="text",
            )
        )
    fig.add_hline(
        y=0.5,
        line_dash="dot",
        line_color="#999999",
        annotation_text="chance",
        annotation_position="bottom left",
    )
    fig.update_layout(
        title=title
        or "AUC on seen templates, unseen templates and unseen topics<br>"
        "<sup>95% cluster-bootstrap intervals; groups resampled</sup>",
        barmode="group",
        yaxis=dict(title="AUC-ROC", range=[0, 1.05]),
        xaxis=dict(title=None),
        legend=dict(orientation="h", y=-0.15),
        height=420,
    )
    return fig
