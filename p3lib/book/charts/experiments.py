"""The appendix's charts (chapter 07): one per study, from :mod:`p3lib.training.experiments`.

Each function takes a study result and returns a plotly figure; none computes a metric. Model
and loss names are the appendix's own, escaped where drawn all the same.

Example:
    >>> from p3lib.book.charts import show
    >>> from p3lib.book.charts.experiments import plot_loss_study
    >>> show(plot_loss_study(result.loss_study))  # doctest: +SKIP
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from p3lib.book.charts import MODEL_COLORS, NEUTRAL_COLORS, escape
from p3lib.training.experiments.instruction import InstructionStudy
from p3lib.training.experiments.losses import LossStudy
from p3lib.training.experiments.ood import OodStudy
from p3lib.training.experiments.plan import COMPARED, METRIC_LABELS
from p3lib.training.experiments.seeds import SeedStudy

_LAYOUT = dict(template="plotly_white", margin=dict(l=60, r=30, t=90, b=60))
# Neutral colours: green and orange mean compatible and incompatible, the others a model.
LOSS_COLORS = dict(
    zip(("cosine", "contrastive", "online_contrastive"), NEUTRAL_COLORS, strict=False)
)
SPLIT_COLORS = {"eval": NEUTRAL_COLORS[3], "ood": NEUTRAL_COLORS[5]}


def _error(estimates) -> dict | None:
    """Asymmetric error bars from the intervals; none on a bar without an interval."""
    if all(e.low is None or e.high is None for e in estimates):
        return None
    missing = [e.low is None or e.high is None or e.value is None for e in estimates]
    return dict(
        type="data",
        symmetric=False,
        array=[None if m else e.high - e.value for e, m in zip(estimates, missing, strict=True)],
        arrayminus=[
            None if m else e.value - e.low for e, m in zip(estimates, missing, strict=True)
        ],
    )


def plot_loss_study(
    study: LossStudy, metrics: tuple[str, ...] = ("auc_roc", "spearman", "f1", "accuracy")
) -> go.Figure:
    """Eval metrics of each loss, grouped by metric, with 95% bootstrap intervals where given.

    Only rank and classification metrics are drawn: the margin depends on where each loss puts
    the two labels' cosines, so it is not comparable across losses (the table has it).
    """
    fig = go.Figure()
    for arm in study.arms:
        estimates = [arm.eval[key] for key in metrics]
        fig.add_trace(
            go.Bar(
                x=[METRIC_LABELS[key] for key in metrics],
                y=[e.value for e in estimates],
                name=escape(arm.label),
                marker_color=LOSS_COLORS.get(arm.loss, "#666666"),
                error_y=_error(estimates),
                hovertemplate=f"{escape(arm.label)}<br>%{{x}} %{{y:.3f}}<extra></extra>",
            )
        )
    fig.update_layout(
        **_LAYOUT,
        barmode="group",
        title="Loss functions with the same data, budget and checkpoint rule (eval split)"
        "<br><sup>bars: eval value; whiskers: 95% bootstrap interval (AUC, Spearman)</sup>",
        yaxis_title="value",
        yaxis_range=[0, 1.05],
        legend=dict(orientation="h", yanchor="top", y=-0.12, x=0),
        height=460,
    )
    return fig


def plot_seed_spread(
    study: SeedStudy, metrics: tuple[str, ...] = ("spearman", "auc_roc", "f1", "margin")
) -> go.Figure:
    """Each seed's value of a few eval metrics for full fine-tuning and LoRA, mean marked.

    One panel per metric; a dot per seed, a dash at the mean. Where the dots of the two methods
    interleave, the difference between the methods is within seed-to-seed noise.
    """
    fig = make_subplots(
        rows=1,
        cols=len(metrics),
        subplot_titles=[METRIC_LABELS[key] for key in metrics],
        horizontal_spacing=0.07,
    )
    labels = {"full": "full fine-tuning", "lora": "LoRA"}
    for column, key in enumerate(metrics, start=1):
        for method, spreads in study.eval.items():
            s = spreads[key]
            seeds = [f"seed {seed}" for seed in study.seeds[: len(s.values)]]
            color = MODEL_COLORS.get(method, "#666666")
            fig.add_trace(
                go.Scatter(
                    x=[labels[method]] * len(s.values),
                    y=s.values,
                    mode="markers",
                    name=labels[method],
                    legendgroup=method,
                    showlegend=column == 1,
                    marker=dict(color=color, size=10, opacity=0.8),
                    text=seeds,
                    hovertemplate="%{text}: %{y:.3f}<extra></extra>",
                ),
                row=1,
                col=column,
            )
            if s.mean is not None:
                fig.add_trace(
                    go.Scatter(
                        x=[labels[method]],
                        y=[s.mean],
                        mode="markers",
                        name=f"{labels[method]} mean",
                        legendgroup=method,
                        showlegend=False,
                        marker=dict(color=color, symbol="line-ew", size=28, line=dict(width=3)),
                        hovertemplate=f"mean %{{y:.3f}} over {s.n} seeds<extra></extra>",
                    ),
                    row=1,
                    col=column,
                )
    fig.update_layout(
        **_LAYOUT,
        title=f"Spread over {len(study.seeds)} seeds (eval split)"
        "<br><sup>dots: one seed each; dash: mean</sup>",
        height=420,
        legend=dict(orientation="h", yanchor="top", y=-0.12, x=0),
    )
    return fig


def plot_instruction_deltas(
    study: InstructionStudy, metrics: tuple[str, ...] = COMPARED
) -> go.Figure:
    """Instructed minus plain model, per metric, on eval and on OOD.

    Grey diamonds mark full fine-tuning's seed-to-seed range of each metric on eval, on both
    sides of zero: a bar inside them is a change of the size a new seed makes.
    """
    fig = go.Figure()
    x = [METRIC_LABELS[key] for key in metrics]
    for split, deltas in (("eval", study.eval_deltas), ("ood", study.ood_deltas)):
        fig.add_trace(
            go.Bar(
                x=x,
                y=[deltas[key] for key in metrics],
                name=f"{split}: instructed − plain",
                marker_color=SPLIT_COLORS[split],
                hovertemplate=f"{split}<br>%{{x}} %{{y:+.3f}}<extra></extra>",
            )
        )
    ranges = [study.seed_range.get(key) for key in metrics]
    if any(r is not None for r in ranges):
        for sign in (1, -1):
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=[None if r is None else sign * r for r in ranges],
                    mode="markers",
                    name="± seed-to-seed range (full, eval)",
                    legendgroup="seed-range",
                    showlegend=sign == 1,
                    marker=dict(color="#999999", symbol="diamond-open", size=10),
                    hovertemplate="seed range ±%{y:.3f}<extra></extra>",
                )
            )
    fig.add_hline(y=0, line_color="#444444", line_width=1)
    fig.update_layout(
        **_LAYOUT,
        barmode="group",
        title="What the instruction changes: instructed minus plain full fine-tuning"
        "<br><sup>above zero: the instruction raised the metric</sup>",
        yaxis_title="difference",
        legend=dict(orientation="h", yanchor="top", y=-0.12, x=0),
        height=440,
    )
    return fig


def _interval(row, metric: str) -> tuple[float | None, float | None]:
    interval = row.drop_interval.get(metric)
    return (interval.low, interval.high) if interval is not None else (None, None)


def plot_ood_drop(study: OodStudy, metric: str = "spearman") -> go.Figure:
    """``metric`` on eval and on OOD for every model, side by side; hover shows the drop and
    its 95% bootstrap interval."""
    names = [escape(row.label) for row in study.rows]
    fig = go.Figure()
    for split, size in (("eval", study.n_eval), ("ood", study.n_ood)):
        fig.add_trace(
            go.Bar(
                x=names,
                y=[getattr(row, split)[metric] for row in study.rows],
                name=f"{split} ({size} pairs)",
                marker_color=SPLIT_COLORS[split],
                customdata=[[row.drop[metric], *_interval(row, metric)] for row in study.rows],
                hovertemplate=(
                    f"%{{x}}<br>{split} %{{y:.3f}}<br>drop eval − OOD %{{customdata[0]:+.3f}}"
                    " [%{customdata[1]:+.3f}, %{customdata[2]:+.3f}]<extra></extra>"
                ),
            )
        )
    fig.update_layout(
        **_LAYOUT,
        barmode="group",
        title=f"{METRIC_LABELS[metric]} on eval and out of distribution"
        "<br><sup>OOD: topics and phrasings that train and eval never use</sup>",
        yaxis_title=METRIC_LABELS[metric],
        xaxis_tickangle=-30,
        legend=dict(orientation="h", yanchor="top", y=-0.3, x=0),
        height=500,
    )
    return fig
