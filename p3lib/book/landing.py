"""The landing page's finding, generated from one run's numbers.

A reader opening the book sees the answer first: AUC on seen templates, unseen templates and
unseen topics (issue 23: the question is answered where templates no longer help), the key
numbers with their 95% cluster-bootstrap intervals, one figure (the cosine distributions
before and after) and a pointer to the headline, which the results page states in words
(once: how much of the gain survives on unseen templates and unseen topics, and the PRD's
sentence).
:func:`landing_substitutions` returns it as the MyST substitution ``landing_finding`` of
``book/intro.md``.

The page's figure is a plotly chart with one panel per model stacked one above the other
(:func:`plot_landing_cosines`), so its text keeps the page's size at 1,400 px and on a 390 px
phone alike; a wide static image shrinks its text to a few pixels on both.
:func:`write_cosine_figure` still writes the static PNG into the run's output folder, for the
README.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from p3lib.evaluation.comparison import MODEL_NAMES, ComparisonResult, Estimate, load_comparison
from p3lib.evaluation.results import EvaluationResult
from p3lib.store.result_files import load_result
from p3lib.store.run_layout import RunLayout

FIGURE_NAME = "cosine_before_after.png"
# The key numbers: (headline key, row label, format).
KEY_NUMBERS = (
    ("spearman", "Spearman's rho", ".3f"),
    ("auc_roc", "AUC-ROC", ".3f"),
    ("margin", "Compatibility margin", "+.3f"),
)
COLUMNS = PANEL_NAMES = {name: MODEL_NAMES[name] for name in ("baseline", "full", "lora")}


def figure_path(out_dir: str | Path) -> Path:
    """Where the run keeps its static figure: ``<out>/figures/cosine_before_after.png``."""
    return Path(out_dir) / "figures" / FIGURE_NAME


def estimate_text(estimate: Estimate | None, fmt: str) -> str:
    """A number with its interval, or a dash with the reason it is missing.

    Example:
        >>> estimate_text(Estimate(value=0.6561, low=0.5843, high=0.7182), ".3f")
        '0.656 [0.584, 0.718]'
        >>> estimate_text(Estimate(value=None), ".3f")
        '– (undefined on this split)'
    """
    if estimate is None or estimate.value is None:
        return "– (undefined on this split)"
    text = format(estimate.value, fmt)
    if estimate.low is not None and estimate.high is not None:
        text += f" [{format(estimate.low, fmt)}, {format(estimate.high, fmt)}]"
    return text


def key_numbers_table(comparison: ComparisonResult) -> str:
    """The key numbers as a Markdown table, one column per compared model."""
    models = comparison.models()
    lines = [
        "| Eval split | " + " | ".join(COLUMNS[name] for name in models) + " |",
        "|---|" + "---:|" * len(models),
    ]
    for key, label, fmt in KEY_NUMBERS:
        cells = [estimate_text(summary.headline.get(key), fmt) for summary in models.values()]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot_landing_cosines(results: Mapping[str, EvaluationResult], bin_size: float = 0.025):
    """One panel per model, stacked: the eval pairs' cosines by label, on one cosine axis."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from p3lib.book.charts import COLORS, LABEL_NAMES
    from p3lib.book.charts.sampling import histogram_data

    names = [name for name in PANEL_NAMES if name in results]
    fig = make_subplots(
        rows=len(names),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.12,
        subplot_titles=[
            f"{PANEL_NAMES[name]}: margin {results[name].cosine.margin:+.3f}" for name in names
        ],
    )
    for row, name in enumerate(names, start=1):
        cosine = results[name].cosine
        for label in (1, 0):
            label_name = LABEL_NAMES[label]
            values = [s for s, y in zip(cosine.scores, cosine.labels, strict=True) if y == label]
            fig.add_trace(
                go.Histogram(
                    **histogram_data(values, bin_size, len(cosine.scores)),
                    name=label_name,
                    legendgroup=label_name,
                    showlegend=row == 1,
                    marker_color=COLORS[label_name],
                    opacity=0.6,
                    hovertemplate=f"{label_name}<br>cosine %{{x}}<br>%{{y}} pairs<extra></extra>",
                ),
                row=row,
                col=1,
            )
        fig.update_yaxes(title_text="pairs", row=row, col=1)
    fig.update_xaxes(title_text="cosine similarity of the pair", row=len(names), col=1)
    fig.update_layout(barmode="overlay", height=170 * len(names) + 150)
    return fig


def landing_figure_html(results: Mapping[str, EvaluationResult]) -> str:
    """The landing figure as one HTML block for Markdown (no blank line inside), captioned."""
    from p3lib.book.charts import figure_html

    drawn = figure_html(plot_landing_cosines(results))
    block = " ".join(line.strip() for line in drawn.splitlines() if line.strip())
    caption = (
        '<p class="p3-caption"><strong>Figure 1.</strong> Cosine similarity of every eval pair, '
        "by label, for each model. Fine-tuning has taught a model compatibility when its two "
        "colours move apart: the margin is the distance between their means.</p>"
    )
    return f'<div class="p3-landing-figure">{block}{caption}</div>'


def landing_finding(comparison: ComparisonResult, *, figure: str = "", tiers=None) -> str:
    """The Markdown block the landing page opens with: AUC on the three tiers (``tiers``, a
    :class:`~p3lib.evaluation.tiers.TierComparison`, where the run has one), the key numbers
    on the whole eval split, ``figure`` (the figure's HTML), and a pointer to the headline on
    the results page, the one page that states it in words.

    The tiers come first because they answer the book's question: inside train's templates a
    model can score well by matching words; beyond them it must have learned compatibility.
    """
    parts = ["## The answer"]
    if tiers is not None:
        from p3lib.book.tier_text import tier_table

        parts += [
            "AUC-ROC (how often a compatible pair scores above an incompatible one; 0.5 is "
            "chance) inside and beyond the templates the models trained on, with 95% intervals "
            "and pair counts:",
            tier_table(tiers),
        ]
    parts += [
        "The key numbers on the whole eval split, each model with its 95% interval:",
        key_numbers_table(comparison),
        f"{comparison.baseline.n_pairs} eval pairs; in brackets, 95% intervals from resampling "
        "the eval set's template groups ((category, subcategory) pairs of near-identical pairs). "
        "Spearman's rho says how well the cosine ranks pairs by label, AUC-ROC how often a "
        "compatible pair scores above an incompatible one, and the margin is the mean cosine "
        "of compatible pairs minus that of incompatible ones.",
    ]
    if figure:
        parts.append(figure)
    parts.append(
        "How much of that gain survives on templates and topics the models never trained on, "
        "and what fine-tuning did to the compatibility margin, is the book's headline, stated "
        "on the results page: {ref}`the headline <results-headline>`. Every metric, with the "
        "training cost of each method, is there too; the chapters below show how each number "
        "was measured."
    )
    return "\n\n".join(parts)


def write_cosine_figure(out_dir: str | Path) -> Path | None:
    """Draw the cosine distributions of the run's evaluated models into the output folder.

    Returns the PNG's path, or ``None`` when the run has no evaluation results yet.
    """
    from p3lib.book.charts.static import plot_cosine_before_after

    results = _evaluated(out_dir)
    if not results:
        return None
    path = figure_path(out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    plot_cosine_before_after(results).savefig(
        path, dpi=110, bbox_inches="tight", metadata={"Software": None}
    )
    return path


def _evaluated(out_dir: str | Path) -> dict[str, EvaluationResult]:
    layout = RunLayout(out_dir)
    return {
        name: load_result(layout.metric(name), EvaluationResult)
        for name in ("baseline", "full", "lora")
        if layout.metric(name).is_file()
    }


def landing_substitutions(out_dir: str | Path) -> dict[str, str]:
    """``{"landing_finding": Markdown}`` for ``book/intro.md``, from ``comparison.json``
    and the models' results (the figure)."""
    path = RunLayout(out_dir).metric("comparison")
    if not path.is_file():
        return {
            "landing_finding": "This run did not compare models yet (chapter 05 was not "
            "executed), so there is no finding to show."
        }
    results = _evaluated(out_dir)
    figure = landing_figure_html(results) if results else ""
    from p3lib.book.tier_text import load_tiers

    finding = landing_finding(load_comparison(path), figure=figure, tiers=load_tiers(out_dir))
    return {"landing_finding": finding}
