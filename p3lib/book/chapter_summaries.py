"""The findings sentences that close chapters 01, 03 and 04, generated from the run's numbers.

Each function takes a chapter's result and returns Markdown stating what was found (not what
was done), so a summary stays true whichever way the numbers fall.
"""

from __future__ import annotations

from p3lib.data.quality.report import DIMENSIONS, DataQualityReport
from p3lib.training.formatting import format_rate
from p3lib.training.record import TrainingRecord

METHOD_NAMES = {"full": "Full fine-tuning", "lora": "LoRA"}
# Below this p-value an association between category and label is reported as real.
SIGNIFICANCE = 0.05


def _p_text(p_value: float) -> str:
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"


def training_finding(record: TrainingRecord) -> str:
    """What a training run found: validation Spearman before, at its best, and what it cost.

    Example:
        >>> from p3lib.training.record import TrainingRecord
        >>> record = TrainingRecord.model_construct(
        ...     method="lora", learning_rate=2e-4, total_steps=40, best_step=30, best_score=0.61,
        ...     restored_score=0.61, seconds_per_epoch=12.5, peak_rss_mb=860.4,
        ...     validation=[type("V", (), {"spearman_cosine": 0.12})()],
        ...     parameters=type("P", (), {"trainable": 73728, "total": 22786944,
        ...                               "trainable_share": 0.0032})())
        >>> import textwrap
        >>> print(textwrap.fill(training_finding(record), 88))
        LoRA trained **73,728** of 22,786,944 parameters (0.32%) at learning rate 2e-4.
        Validation Spearman rose from 0.120 before training to **0.610** at step 30 of 40; that
        checkpoint is the saved model (it reloads to 0.610). An epoch took 12.5 s, with a peak
        memory of 860 MiB.
    """
    name = METHOD_NAMES.get(record.method, record.method)
    parameters = record.parameters
    start = record.validation[0].spearman_cosine if record.validation else None
    text = (
        f"{name} trained **{parameters.trainable:,}** of {parameters.total:,} parameters "
        f"({parameters.trainable_share:.2%}) at learning rate {format_rate(record.learning_rate)}. "
    )
    if start is not None and record.best_step == 0:
        text += (
            f"Validation Spearman never rose above the untrained model's **{start:.3f}**, so the "
            "saved model is the step-0 weights. "
        )
    else:
        before = f"from {start:.3f} before training " if start is not None else ""
        verb = "rose" if start is None or record.best_score > start else "moved"
        text += (
            f"Validation Spearman {verb} {before}to **{record.best_score:.3f}** at step "
            f"{record.best_step} of {record.total_steps}; that checkpoint is the saved model "
            f"(it reloads to {record.restored_score:.3f}). "
        )
    return text + (
        f"An epoch took {record.seconds_per_epoch:.1f} s, with a peak memory of "
        f"{record.peak_rss_mb:,.0f} MiB."
    )


def data_quality_finding(report: DataQualityReport, split: str = "train") -> str:
    """The quality verdict, the sub-scores below the pass mark, and whether category predicts
    the label (chi-squared test on the category x label table)."""
    below = [
        f"{sub.name.replace('_', ' ')} {sub.score:.1f} ({dimension.replace('_', ' ')})"
        for dimension in DIMENSIONS
        for sub in getattr(report, dimension).sub_scores
        if sub.score < report.pass_mark
    ]
    verdict = "passes" if report.passed else "fails"
    text = (
        f"{split.capitalize()} scores **{report.overall:.1f}** / 100 and {verdict} the pass mark "
        f"of {report.pass_mark:g}. "
    )
    if below:
        text += f"Sub-scores below the pass mark: {', '.join(below)}. "
    else:
        text += "No sub-score falls below the pass mark. "
    category = report.bias.sub_score("category_label").statistic
    if category.value is not None and category.p_value is not None:
        if category.p_value < SIGNIFICANCE:
            text += (
                f"Category predicts the label (Cramér's V = {category.value:.2f}, "
                f"{_p_text(category.p_value)}): some categories hold mostly one label, so a "
                "model can score above chance from the topic alone; the later chapters "
                "therefore report every margin per category as well."
            )
        else:
            text += (
                f"Category does not predict the label (Cramér's V = {category.value:.2f}, "
                f"{_p_text(category.p_value)})."
            )
    return text
