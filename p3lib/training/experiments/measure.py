"""Measuring every model of the appendix on eval and OOD, and comparing two on the same pairs.

:func:`measure_models` evaluates each planned model with
:func:`p3lib.evaluation.pipeline.evaluate` (reusing chapters 02 and 05's eval results where they
exist) into a :class:`MeasuredModel` of headline figures; :func:`paired_difference` sets two
models against each other with the paired cluster bootstrap and against the seed-to-seed
spread, which every study's verdict reads.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from p3lib.data.schema import DatingPair
from p3lib.evaluation.cluster_bootstrap import paired_cluster_differences
from p3lib.evaluation.comparison import Estimate, TrainingSummary, summarise, training_summary
from p3lib.evaluation.results import INTERVAL_METRICS, EvaluationResult
from p3lib.store.result_files import load_result
from p3lib.store.run_layout import RunLayout
from p3lib.training.experiments.plan import LossName, StudyModel, Variant, experiment_dir
from p3lib.training.record import TrainingRecord


class MeasuredModel(StudyModel):
    """One model's headline metrics on eval and on the OOD pairs, with how it was trained.

    ``eval`` and ``ood`` hold every headline metric of
    :meth:`~p3lib.evaluation.results.EvaluationResult.headline` as an
    :class:`~p3lib.evaluation.comparison.Estimate`,
    with its 95% bootstrap interval where the bootstrap gives one. ``eval_scores`` and
    ``ood_scores`` are the model's cosine for every pair (in file order, with the labels in
    ``eval_labels`` and ``ood_labels``): two models are compared pair by pair with
    :func:`paired_difference`.
    """

    name: str
    label: str
    method: Literal["base", "full", "lora"]
    loss: LossName | None
    seed: int | None
    prompt: str | None
    model_dir: str | None
    trained_in_appendix: bool
    training: TrainingSummary | None
    n_eval: int
    n_ood: int
    eval: dict[str, Estimate]
    ood: dict[str, Estimate]
    eval_scores: list[float]
    eval_labels: list[int]
    ood_scores: list[float]
    ood_labels: list[int]
    # Subcategories of the pairs: paired differences resample them (pairs when absent).
    eval_groups: list[str] | None = None
    ood_groups: list[str] | None = None


def measured_model(
    name: str,
    label: str,
    eval_result: EvaluationResult,
    ood_result: EvaluationResult,
    record: TrainingRecord | None = None,
    *,
    model_dir: str | Path | None = None,
    trained_in_appendix: bool = False,
) -> MeasuredModel:
    """A :class:`MeasuredModel` from two evaluation results (and the training record)."""
    config = record.config if record is not None else None
    prompts = config.prompts if config is not None else None
    return MeasuredModel(
        name=name,
        label=label,
        method=config.method if config is not None else "base",
        loss=config.loss if config is not None else None,
        seed=config.seed if config is not None else None,
        prompt=prompts if isinstance(prompts, str) else None,
        model_dir=str(model_dir) if model_dir is not None else None,
        trained_in_appendix=trained_in_appendix,
        training=training_summary(record) if record is not None else None,
        n_eval=eval_result.n_pairs,
        n_ood=ood_result.n_pairs,
        eval=summarise(eval_result).headline,
        ood=summarise(ood_result).headline,
        eval_scores=eval_result.cosine.scores,
        eval_labels=eval_result.cosine.labels,
        ood_scores=ood_result.cosine.scores,
        ood_labels=ood_result.cosine.labels,
        eval_groups=eval_result.groups,
        ood_groups=ood_result.groups,
    )


class Difference(StudyModel):
    """``metric(a) - metric(b)`` on one split, with its paired 95% bootstrap interval.

    A difference is ``real`` when both yardsticks agree: its interval excludes 0 (it is not the
    luck of which pairs the split holds) and it is larger than ``seed_range``, the spread of
    that metric over the seed study's full fine-tuning models (it is not what a new seed alone
    would do). ``beyond_seeds`` is ``null`` without a seed study, and then the interval
    decides alone.
    """

    a: str
    b: str
    split: Literal["eval", "ood"]
    metric: str
    value: float
    low: float
    high: float
    seed_range: float | None
    excludes_zero: bool
    beyond_seeds: bool | None
    real: bool


def paired_difference(
    a: MeasuredModel,
    b: MeasuredModel,
    split: Literal["eval", "ood"] = "eval",
    metric: str = "spearman",
    *,
    seed_range: float | None = None,
    seed: int = 42,
    n_bootstrap: int = 1000,
) -> Difference:
    """``a`` against ``b`` on the same pairs, both measured on the same resampled subcategories.

    :func:`p3lib.evaluation.cluster_bootstrap.paired_cluster_differences` over the pairs'
    subcategories; models measured without them (older results) are resampled pair by pair.

    Raises:
        ValueError: the two models were not measured on the same pairs (labels differ), or
            ``metric`` has no bootstrap interval.
    """
    if metric not in INTERVAL_METRICS:
        raise ValueError(f"{metric} has no bootstrap interval; use one of {INTERVAL_METRICS}")
    labels = getattr(a, f"{split}_labels")
    if labels != getattr(b, f"{split}_labels"):
        raise ValueError(f"{a.name} and {b.name} were not measured on the same {split} pairs")
    groups = getattr(a, f"{split}_groups")
    if not groups or groups != getattr(b, f"{split}_groups"):
        groups = [str(i) for i in range(len(labels))]

    def threshold(m: MeasuredModel) -> float:
        value = getattr(m, split)["threshold"].value
        return 0.5 if value is None else value

    interval = paired_cluster_differences(
        getattr(a, f"{split}_scores"),
        getattr(b, f"{split}_scores"),
        labels,
        groups,
        (threshold(a), threshold(b)),
        seed=seed,
        n_resamples=n_bootstrap,
    )[metric]
    excludes_zero = bool(interval.low > 0 or interval.high < 0)
    beyond = None if seed_range is None else bool(abs(interval.estimate) > seed_range)
    return Difference(
        a=a.name,
        b=b.name,
        split=split,
        metric=metric,
        value=interval.estimate,
        low=interval.low if interval.low is not None else math.nan,
        high=interval.high if interval.high is not None else math.nan,
        seed_range=seed_range,
        excludes_zero=excludes_zero,
        beyond_seeds=beyond,
        real=excludes_zero and beyond is not False,
    )


def describe_difference(d: Difference) -> str:
    """The difference, its paired interval, and which yardstick it passes, in one clause.

    Example:
        >>> d = Difference(a="x", b="y", split="eval", metric="spearman", value=0.022,
        ...     low=0.004, high=0.041, seed_range=0.019, excludes_zero=True, beyond_seeds=True,
        ...     real=True)
        >>> describe_difference(d)
        '+0.022 (paired 95% interval +0.004 to +0.041, which excludes 0; larger than the \
seed-to-seed range, 0.019)'
    """
    text = f"{d.value:+.3f} (paired 95% interval {d.low:+.3f} to {d.high:+.3f}, which "
    if not d.excludes_zero:
        return text + "includes 0)"
    if d.beyond_seeds is None:
        return text + "excludes 0)"
    if d.beyond_seeds:
        return text + f"excludes 0; larger than the seed-to-seed range, {d.seed_range:.3f})"
    return text + f"excludes 0, but a new seed alone moves it by up to {d.seed_range:.3f})"


def _saved_result(
    path: Path, eval_pairs: list[DatingPair], seed: int, n_bootstrap: int
) -> EvaluationResult | None:
    """A chapter's saved eval result, if it measured these eval pairs with this bootstrap."""
    if not path.is_file():
        return None
    try:
        result = load_result(path, EvaluationResult)
    except ValueError:
        return None
    same_pairs = result.cosine.labels == [int(pair.label) for pair in eval_pairs]
    same_bootstrap = (result.intervals.seed, result.intervals.n_bootstrap) == (seed, n_bootstrap)
    return result if same_pairs and same_bootstrap else None


def measure_models(
    variants: Sequence[Variant],
    records: Mapping[str, TrainingRecord],
    eval_pairs: list[DatingPair],
    ood_pairs: list[DatingPair],
    validation_pairs: list[DatingPair],
    train_pairs: list[DatingPair],
    layout: RunLayout,
    *,
    model: str | None = None,
    seed: int = 42,
    n_bootstrap: int = 1000,
) -> dict[str, MeasuredModel]:
    """Evaluate the base model and every variant on eval and on OOD, the same way.

    Each call is :func:`p3lib.evaluation.pipeline.evaluate` with the threshold chosen on the
    validation
    split, the instruction of the variant (if any) applied to every statement, and the seeded
    bootstrap. The eval results of the baseline and the chapter models are read from
    ``metrics/baseline.json``, ``full.json`` and ``lora.json`` when they measured the same eval
    pairs (the same call made them), so only the OOD split is measured again for those.
    """
    from p3lib.evaluation.embed import BASE_MODEL, load_model
    from p3lib.evaluation.pipeline import evaluate
    from p3lib.training.score import DecisionThreshold, save_threshold

    def run(loaded, pairs, name, prompt, model_name):
        return evaluate(
            loaded,
            pairs,
            validation_pairs,
            train_pairs,
            seed=seed,
            n_bootstrap=n_bootstrap,
            show_progress_bar=False,
            name=name,
            model_name=model_name,
            prompt=prompt,
            embedding_cache=layout.embeddings,
        )

    entries = [("baseline", "baseline", None, "baseline", model)]
    for variant in variants:
        folder = (
            layout.model(variant.reuse) if variant.reuse else experiment_dir(layout, variant.name)
        )
        entries.append((variant.name, variant.label, variant, variant.reuse, folder))
    measured = {}
    for name, label, variant, saved, folder in entries:
        loaded = load_model(folder)
        prompt = variant.prompt if variant is not None else None
        where = str(folder or BASE_MODEL)
        eval_result = None
        if saved:
            eval_result = _saved_result(layout.metric(saved), eval_pairs, seed, n_bootstrap)
        if eval_result is None:
            eval_result = run(loaded, eval_pairs, name, prompt, where)
        ood_result = run(loaded, ood_pairs, f"{name}_ood", prompt, where)
        if variant is not None and variant.reuse is None:
            # Chapter 05 saves the chapter models' thresholds; these make the appendix's own
            # models usable with `p3 score` (with their instruction, if any).
            choice = eval_result.threshold
            save_threshold(
                folder,
                DecisionThreshold(
                    threshold=choice.threshold,
                    chosen_on=choice.chosen_on,
                    f1=choice.f1,
                    prompt=prompt,
                ),
            )
        measured[name] = measured_model(
            name,
            label,
            eval_result,
            ood_result,
            records.get(name),
            model_dir=folder if variant is not None else None,
            trained_in_appendix=variant is not None and variant.reuse is None,
        )
        del loaded
    return measured
