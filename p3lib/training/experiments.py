"""The appendix's four studies: loss functions, an instruction prompt, seeds, and OOD data.

Chapter 07 asks what the six chapters leave open, with the same recipe, data, validation split,
checkpoint rule and evaluation as they use:

1. **loss**: ``CosineSimilarityLoss`` (chapter 03's model) against ``ContrastiveLoss`` and
   ``OnlineContrastiveLoss``, trained with the same budget (ADR 003);
2. **instruction**: the full fine-tuning recipe with a task instruction prepended to both
   statements in training, validation and evaluation, against the plain model;
3. **seeds**: full fine-tuning and LoRA with several seeds (the chapter models are the first),
   so that a difference can be set against the seed-to-seed spread;
4. **ood**: every model measured on out-of-distribution pairs (new topics and phrasings), with
   the drop from the eval split.

The module has three layers, as :mod:`p3lib.evaluation.pipeline` does:

* :func:`plan_variants` names every model the studies need, and :func:`obtain_models` trains
  the new ones (into ``models/experiments/<name>``) or reads the chapter models it reuses;
* :func:`measure_models` evaluates each model on eval and OOD with
  :func:`p3lib.evaluation.pipeline.evaluate` (reusing chapters 02 and 05's eval results where they
  exist);
* pure functions on the measured numbers, testable without a model: :func:`seed_study`,
  :func:`loss_study`, :func:`instruction_study`, :func:`ood_study`, assembled by
  :func:`summarise_experiments`; :func:`experiment_substitutions` gives ADR 003 its numbers.

Conventions: a *delta* is ``variant - reference``; an OOD *drop* is ``eval - ood`` (positive:
worse out of distribution, for metrics where higher is better). Spreads use the sample
standard deviation (``ddof=1``). Undefined numbers are ``null``, never 0. No dataset text is
stored or quoted: only model names, numbers and fixed words.

Example:
    >>> from p3lib.training.experiments import spread
    >>> s = spread([0.60, 0.62, 0.64])
    >>> round(s.mean, 3), round(s.std, 3), s.n
    (0.62, 0.02, 3)
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from p3lib.data.schema import DatingPair
from p3lib.evaluation.cluster_bootstrap import (
    TABLE_METRICS,
    paired_cluster_differences,
    percentile_interval,
    split_cluster_draws,
    two_level_differences,
)
from p3lib.evaluation.comparison import Estimate, TrainingSummary, summarise, training_summary
from p3lib.evaluation.rankings import SUPPORTED_SHARE, top_share
from p3lib.evaluation.results import HEADLINE_KEYS, INTERVAL_METRICS, EvaluationResult
from p3lib.store.result_files import load_result
from p3lib.store.run_layout import RunLayout
from p3lib.training.formatting import format_rate
from p3lib.training.record import TrainConfig, TrainingRecord

Study = Literal["chapters", "loss", "seeds", "instruction"]
LossName = Literal["cosine", "contrastive", "online_contrastive"]
LOSSES: tuple[LossName, ...] = ("cosine", "contrastive", "online_contrastive")
LOSS_LABELS = {
    "cosine": "CosineSimilarityLoss",
    "contrastive": "ContrastiveLoss",
    "online_contrastive": "OnlineContrastiveLoss",
}
METHOD_LABELS = {"base": "baseline", "full": "full fine-tuning", "lora": "LoRA"}
# Metrics compared across losses, seeds and splits: higher is better for each.
COMPARED = ("auc_roc", "spearman", "margin", "cohens_d", "f1", "accuracy")
# With 0/1 labels AUC-ROC, Spearman's rho and rho / ceiling are one fact about the ranking
# (p3lib.evaluation.rank_identity): a verdict counts them once, under AUC-ROC.
RANKING = ("auc_roc", "spearman", "spearman_ratio")
METRIC_LABELS = {
    "margin": "margin",
    "cohens_d": "Cohen's d",
    "auc_roc": "AUC-ROC",
    "spearman": "Spearman's rho",
    "spearman_ratio": "rho / ceiling",
    "purity": "cluster purity",
    "f1": "F1",
    "accuracy": "accuracy",
    "n_false_positives": "false positives",
    "threshold": "threshold",
}
EXPERIMENTS_DIR = "experiments"
DEFAULT_INSTRUCTION = "Decide whether these two dating-profile statements are compatible: "
_MISSING = "(not measured in this run)"
# TrainConfig fields that do not change what a method trains.
_IGNORED = {"full": {"ddp_backend", "lora_learning_rate"}, "lora": {"ddp_backend", "learning_rate"}}
_LORA_ONLY = {"lora_r", "lora_alpha", "lora_dropout", "lora_target_modules", "lora_task_type"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------------------------
# The models: what to train, what to reuse
# --------------------------------------------------------------------------------------------


class Variant(_Model):
    """One model of the appendix: its name, training settings, and where it comes from.

    ``reuse`` names the chapter model folder (``full`` or ``lora``) this variant *is*, trained
    by chapter 03 or 04 with this exact recipe; ``None`` means the appendix trains it, in the
    study named by ``study``. ``prompt`` is the instruction applied at training and evaluation.
    """

    name: str
    label: str
    study: Study
    config: TrainConfig
    reuse: str | None = None

    @property
    def prompt(self) -> str | None:
        prompts = self.config.prompts
        return prompts if isinstance(prompts, str) or prompts is None else None


def seed_list(seed: int, seeds: Sequence[int]) -> list[int]:
    """The seeds of the seed study: ``seed`` (the chapters' models) first, then the others.

    Example:
        >>> seed_list(42, [41, 42, 43, 43])
        [42, 41, 43]
    """
    return list(dict.fromkeys([int(seed), *map(int, seeds)]))


def plan_variants(
    recipe: TrainConfig, seeds: Sequence[int], instruction: str = DEFAULT_INSTRUCTION
) -> list[Variant]:
    """Every trained model the four studies compare, chapter models first.

    ``recipe`` is chapter 03's full fine-tuning configuration (its ``seed`` is the chapters'
    seed); LoRA variants take the same settings with ``method="lora"``. The loss study trains
    two models, the seed study two per extra seed and method, the instruction study one.

    Raises:
        ValueError: ``instruction`` is empty (the instruction study needs one).

    Example:
        >>> [v.name for v in plan_variants(TrainConfig(), [42, 43])]
        ['full', 'lora', 'contrastive', 'online_contrastive', 'full_seed43', 'lora_seed43', \
'instructed']
    """
    if not instruction or not instruction.strip():
        raise ValueError("the instruction study needs an instruction (INSTRUCTION is empty)")
    recipe = recipe.model_copy(update={"method": "full", "loss": "cosine", "prompts": None})
    lora = recipe.model_copy(update={"method": "lora"})
    seed = recipe.seed
    variants = [
        Variant(
            name="full", label="full fine-tuning", study="chapters", config=recipe, reuse="full"
        ),
        Variant(name="lora", label="LoRA", study="chapters", config=lora, reuse="lora"),
    ]
    for loss in LOSSES[1:]:
        variants.append(
            Variant(
                name=loss,
                label=f"full, {LOSS_LABELS[loss]}",
                study="loss",
                config=recipe.model_copy(update={"loss": loss}),
            )
        )
    for method, base, label in (("full", recipe, "full"), ("lora", lora, "LoRA")):
        for other in seed_list(seed, seeds)[1:]:
            variants.append(
                Variant(
                    name=f"{method}_seed{other}",
                    label=f"{label}, seed {other}",
                    study="seeds",
                    config=base.model_copy(update={"seed": other}),
                )
            )
    variants.append(
        Variant(
            name="instructed",
            label="full, with instruction",
            study="instruction",
            config=recipe.model_copy(update={"prompts": instruction}),
        )
    )
    return variants


def recipe_differences(trained: TrainConfig, wanted: TrainConfig) -> dict[str, tuple]:
    """Settings of ``trained`` that differ from ``wanted`` where they matter to the method.

    Example:
        >>> recipe_differences(TrainConfig(epochs=1), TrainConfig(epochs=4))
        {'epochs': (1, 4)}
    """
    ignored = set(_IGNORED[wanted.method])
    if wanted.method == "full":
        ignored |= _LORA_ONLY
    old, new = trained.model_dump(), wanted.model_dump()
    return {
        name: (old[name], new[name])
        for name in new
        if name not in ignored and old.get(name) != new[name]
    }


def experiment_dir(layout: RunLayout, name: str) -> Path:
    """Folder of an appendix model: ``models/experiments/<name>``."""
    return layout.models / EXPERIMENTS_DIR / name


def obtain_models(
    variants: Sequence[Variant],
    fit_pairs: list[DatingPair],
    validation_pairs: list[DatingPair],
    layout: RunLayout,
    *,
    study: Study,
    model: str | None = None,
) -> dict[str, TrainingRecord]:
    """The training records of the variants of ``study``: read (``chapters``) or trained.

    A reused chapter model must have been trained with the variant's recipe; otherwise the
    comparison would mix budgets, so this raises. A trained variant is saved atomically to
    :func:`experiment_dir`, with its ``training_record.json``.

    Raises:
        FileNotFoundError: a chapter model is missing (run chapters 03 and 04 first).
        ValueError: a chapter model was trained with other settings than this chapter's.
    """
    from p3lib.training.train import train

    records = {}
    for variant in variants:
        if variant.study != study:
            continue
        if variant.reuse is not None:
            folder = layout.model(variant.reuse)
            if not (folder / "training_record.json").is_file():
                raise FileNotFoundError(
                    f"{folder} has no training record: run chapters 03 and 04 first"
                )
            record = TrainingRecord.load(folder)
            differences = recipe_differences(record.config, variant.config)
            if differences:
                listed = ", ".join(
                    f"{k}: {a!r} there, {b!r} here" for k, a, b in _rows(differences)
                )
                raise ValueError(
                    f"{folder} was trained with other settings than this chapter's ({listed}); "
                    "give chapters 03, 04 and 07 the same parameters"
                )
            records[variant.name] = record
        else:
            records[variant.name] = train(
                fit_pairs,
                validation_pairs,
                variant.config,
                experiment_dir(layout, variant.name),
                model=model,
            )
    return records


def _rows(differences: dict[str, tuple]) -> list[tuple]:
    return [(name, *values) for name, values in differences.items()]


# --------------------------------------------------------------------------------------------
# Measuring every model on eval and OOD
# --------------------------------------------------------------------------------------------


class MeasuredModel(_Model):
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


# --------------------------------------------------------------------------------------------
# Comparing two models on the same pairs
# --------------------------------------------------------------------------------------------


class Difference(_Model):
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
    subcategories;
    models measured without them (older results) are resampled pair by pair.

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


# --------------------------------------------------------------------------------------------
# Study 3: seeds (first, because the other studies set their differences against it)
# --------------------------------------------------------------------------------------------


class Spread(_Model):
    """A metric over seeds: the values, their mean, sample standard deviation and range.

    ``std`` is ``null`` with fewer than two values; everything is ``null`` with none.
    """

    values: list[float | None]
    n: int
    mean: float | None
    std: float | None
    low: float | None
    high: float | None

    @property
    def range(self) -> float | None:
        return None if self.low is None or self.high is None else self.high - self.low


def spread(values: Sequence[float | None]) -> Spread:
    """The :class:`Spread` of ``values`` (``None`` entries are kept but not counted)."""
    present = [float(v) for v in values if v is not None and math.isfinite(v)]
    return Spread(
        values=[None if v is None else float(v) for v in values],
        n=len(present),
        mean=statistics.fmean(present) if present else None,
        std=statistics.stdev(present) if len(present) >= 2 else None,
        low=min(present) if present else None,
        high=max(present) if present else None,
    )


class SeedStudy(_Model):
    """Full fine-tuning and LoRA over seeds: every headline metric's spread, on eval.

    ``models`` lists each method's model names in seed order; ``eval`` and ``ood`` map
    ``method -> metric -> Spread``. ``gap`` is ``mean(full) - mean(lora)`` per metric.
    ``two_level`` gives that gap a 95% interval from a two-level bootstrap on eval
    (:func:`p3lib.evaluation.cluster_bootstrap.two_level_differences`: every resample draws
    each method's seeds and the template groups with replacement), and ``separated`` is true
    where that interval excludes 0: the difference is larger than what a change of seed and
    of eval sample do together. (Earlier results judged by whether the seed ranges overlap,
    which ignores the eval sample and, with three seeds, says little.)
    """

    seeds: list[int]
    models: dict[str, list[str]]
    eval: dict[str, dict[str, Spread]]
    ood: dict[str, dict[str, Spread]]
    gap: dict[str, float | None]
    separated: dict[str, bool]
    verdict: str
    two_level: dict[str, Estimate] = {}


def _two_level(
    measured: Mapping[str, MeasuredModel],
    models: dict[str, list[str]],
    *,
    seed: int,
    n_bootstrap: int,
) -> dict[str, Estimate]:
    """Full minus LoRA on eval over seeds and template groups (two-level bootstrap)."""
    full = [measured[n] for n in models.get("full", [])]
    lora = [measured[n] for n in models.get("lora", [])]
    if not full or not lora or any(m.eval_labels != full[0].eval_labels for m in lora):
        return {}
    groups = full[0].eval_groups or [str(i) for i in range(len(full[0].eval_labels))]

    def cuts(arm):
        return [
            m.eval["threshold"].value if m.eval["threshold"].value is not None else 0.5 for m in arm
        ]

    keys = [key for key in HEADLINE_KEYS if key in TABLE_METRICS]
    found = two_level_differences(
        [m.eval_scores for m in full],
        [m.eval_scores for m in lora],
        full[0].eval_labels,
        groups,
        (cuts(full), cuts(lora)),
        metrics=keys,
        seed=seed,
        n_resamples=n_bootstrap,
    )
    return {
        key: Estimate(value=d.estimate, low=d.low, high=d.high, method=d.method)
        for key, d in found.items()
    }


def seed_study(
    measured: Mapping[str, MeasuredModel], *, seed: int = 42, n_bootstrap: int = 1000
) -> SeedStudy:
    """Group the plain (cosine, no instruction) full and LoRA models by seed."""
    models: dict[str, list[str]] = {"full": [], "lora": []}
    for name, m in measured.items():
        if m.method in models and m.loss == "cosine" and m.prompt is None:
            models[m.method].append(name)
    seeds = sorted({measured[n].seed for names in models.values() for n in names if n})
    for names in models.values():
        names.sort(key=lambda n: seeds.index(measured[n].seed))
    splits = {}
    for split in ("eval", "ood"):
        splits[split] = {
            method: {
                key: spread([getattr(measured[n], split)[key].value for n in names])
                for key in HEADLINE_KEYS
            }
            for method, names in models.items()
            if names
        }
    gap, separated = {}, {}
    full, lora = splits["eval"].get("full"), splits["eval"].get("lora")
    two_level = _two_level(measured, models, seed=seed, n_bootstrap=n_bootstrap)
    for key in HEADLINE_KEYS:
        if full is None or lora is None or full[key].mean is None or lora[key].mean is None:
            gap[key], separated[key] = None, False
            continue
        gap[key] = full[key].mean - lora[key].mean
        d = two_level.get(key)
        separated[key] = bool(
            min(full[key].n, lora[key].n) >= 2
            and d is not None
            and d.low is not None
            and (d.low > 0 or d.high < 0)
        )
    return SeedStudy(
        seeds=seeds,
        models=models,
        eval=splits["eval"],
        ood=splits["ood"],
        gap=gap,
        separated=separated,
        verdict=_seed_verdict(splits["eval"], gap, separated, two_level),
        two_level=two_level,
    )


def _count_ranking_once(keys: Sequence[str]) -> list[str]:
    """Metric labels with AUC-ROC, Spearman's rho and rho / ceiling named once, as one fact.

    Example:
        >>> _count_ranking_once(["auc_roc", "spearman", "margin"])
        ["ranking (AUC-ROC; Spearman's rho is the same fact)", 'margin']
    """
    labels, ranked = [], False
    for key in keys:
        if key in RANKING:
            if not ranked:
                labels.append("ranking (AUC-ROC; Spearman's rho is the same fact)")
                ranked = True
            continue
        labels.append(METRIC_LABELS[key])
    return labels


def _seed_verdict(
    spreads: dict[str, dict[str, Spread]],
    gap: dict[str, float | None],
    separated: dict[str, bool],
    two_level: Mapping[str, Estimate] | None = None,
) -> str:
    full, lora = spreads.get("full"), spreads.get("lora")
    if full is None or lora is None:
        return "This run did not train both methods, so the seed study compares nothing."
    n = min(full["spearman"].n, lora["spearman"].n)
    if n < 2:
        return (
            "With one seed per method this run cannot tell a difference between the methods "
            "from seed-to-seed noise."
        )
    f, g = full["spearman"], lora["spearman"]
    text = (
        f"Over {n} seeds, Spearman's rho on eval is {f.mean:.3f} (SD {f.std:.3f}, range "
        f"{f.low:.3f} to {f.high:.3f}) for full fine-tuning and {g.mean:.3f} (SD {g.std:.3f}, "
        f"range {g.low:.3f} to {g.high:.3f}) for LoRA. "
    )
    real = _count_ranking_once([key for key in COMPARED if separated.get(key)])
    d = (two_level or {}).get("spearman")
    if d is None or d.low is None or d.high is None:
        return text + "This run has no two-level interval for the gap, so it gives no verdict."
    interval = (
        f"full minus LoRA {d.value:+.3f}, 95% interval {d.low:+.3f} to {d.high:+.3f} from a "
        "two-level bootstrap that resamples each method's seeds and the eval template groups "
        "together"
    )
    if separated["spearman"]:
        better = "full fine-tuning" if d.value > 0 else "LoRA"
        text += f"Over seeds and eval samples, {better} ranks pairs better: {interval}."
    else:
        text += (
            f"The gap in Spearman's rho ({interval}) includes 0: a change of seed and of eval "
            "sample could make it."
        )
    if real:
        text += f" Metrics whose two-level interval excludes 0: {', '.join(real)}."
    else:
        text += " On no compared metric does the two-level interval exclude 0."
    return text


# --------------------------------------------------------------------------------------------
# Study 1: the loss function
# --------------------------------------------------------------------------------------------


class LossArm(_Model):
    """One loss function's model and its headline numbers on eval and OOD."""

    loss: LossName
    label: str
    model: str
    eval: dict[str, Estimate]
    ood: dict[str, Estimate]
    best_validation_score: float | None
    train_seconds: float | None


class LossStudy(_Model):
    """The three losses with the same data, budget and checkpoint rule.

    ``best`` is the arm with the highest best *validation* score (the checkpoint's Spearman on
    the validation split; the eval split only measures), ``null`` when no arm recorded one.
    ``differences`` holds, for
    each other loss, its Spearman's rho minus CosineSimilarityLoss's on the same eval pairs
    (:class:`Difference`: paired bootstrap interval and the seed-to-seed range of full
    fine-tuning, ``seed_range``); only a ``real`` difference shows that one loss ranks better
    than another, rather than the luck of the split or of a seed. Margins and thresholds are
    not comparable across losses (each loss puts the labels at different cosines); rank
    metrics (Spearman's rho, AUC) and F1 at the validation threshold are.
    """

    arms: list[LossArm]
    best: LossName | None
    differences: dict[str, Difference]
    seed_range: float | None
    verdict: str


def _seed_range(seeds: SeedStudy | None, split: str, metric: str) -> float | None:
    """Full fine-tuning's seed-to-seed range of ``metric`` on ``split`` (two seeds or more)."""
    full = getattr(seeds, split).get("full") if seeds is not None else None
    return full[metric].range if full is not None and full[metric].n >= 2 else None


def loss_study(
    measured: Mapping[str, MeasuredModel],
    arms: Mapping[str, str] | None = None,
    seeds: SeedStudy | None = None,
    *,
    seed: int = 42,
    n_bootstrap: int = 1000,
) -> LossStudy:
    """Compare the loss functions; ``arms`` maps each loss to its model's name.

    By default: ``cosine`` is chapter 03's model (``full``), the others are named after their
    loss. Arms without a measured model are left out. ``seed`` and ``n_bootstrap`` drive the
    paired bootstrap of each difference.
    """
    arms = dict(arms or {"cosine": "full", **{loss: loss for loss in LOSSES[1:]}})
    rows = []
    for loss, name in arms.items():
        if name not in measured:
            continue
        m = measured[name]
        rows.append(
            LossArm(
                loss=loss,
                label=LOSS_LABELS[loss],
                model=name,
                eval=m.eval,
                ood=m.ood,
                best_validation_score=m.training.best_validation_score if m.training else None,
                train_seconds=m.training.train_seconds if m.training else None,
            )
        )
    if not rows:
        raise ValueError("no loss arm was measured")
    # Picked on validation: choosing by eval score would let the eval split choose.
    scored = [arm for arm in rows if arm.best_validation_score is not None]
    best = max(scored, key=lambda arm: arm.best_validation_score) if scored else None
    seed_range = _seed_range(seeds, "eval", "spearman")
    differences = {}
    if "cosine" in arms and arms["cosine"] in measured:
        cosine = measured[arms["cosine"]]
        differences = {
            arm.loss: paired_difference(
                measured[arm.model],
                cosine,
                seed_range=seed_range,
                seed=seed,
                n_bootstrap=n_bootstrap,
            )
            for arm in rows
            if arm.loss != "cosine"
        }
    study = LossStudy(
        arms=rows,
        best=best.loss if best is not None else None,
        differences=differences,
        seed_range=seed_range,
        verdict="",
    )
    return study.model_copy(update={"verdict": loss_verdict(study)})


def _join(names: Sequence[str], conjunction: str) -> str:
    """Names joined for a sentence.

    Example:
        >>> _join(["A"], "or"), _join(["A", "B"], "or"), _join(["A", "B", "C"], "and")
        ('A', 'A or B', 'A, B and C')
    """
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def loss_verdict(study: LossStudy) -> str:
    """One paragraph on what the loss study shows, decided by its numbers alone."""
    if not study.differences:
        return (
            "This run did not train CosineSimilarityLoss and an alternative with the same "
            "budget, so it gives no verdict on the loss function."
        )
    rhos = ", ".join(f"{arm.label} {arm.eval['spearman'].value:.3f}" for arm in study.arms)
    compared = "; ".join(
        f"{LOSS_LABELS[loss]} {describe_difference(d)}" for loss, d in study.differences.items()
    )
    text = (
        f"Spearman's rho on eval: {rhos}. Each alternative against CosineSimilarityLoss on the "
        f"same eval pairs: {compared}. "
    )
    better = [loss for loss, d in study.differences.items() if d.real and d.value > 0]
    worse = [loss for loss, d in study.differences.items() if d.real and d.value < 0]
    unclear = [LOSS_LABELS[loss] for loss in study.differences if loss not in better + worse]
    if better:
        top = max(better, key=lambda loss: study.differences[loss].value)
        return text + (
            f"{LOSS_LABELS[top]} ranks eval pairs better than CosineSimilarityLoss by more than "
            "the split's sampling noise and a change of seed: on this data it is the better "
            "objective."
        )
    if not unclear:
        return text + (
            "CosineSimilarityLoss ranks eval pairs better than every alternative, by more than "
            "the split's sampling noise and a change of seed: on this data the measurement "
            "supports the default."
        )
    text += f"This run cannot tell {_join(unclear, 'or')} from CosineSimilarityLoss"
    if worse:
        verb = "ranks" if len(worse) == 1 else "rank"
        text += f", and {_join([LOSS_LABELS[loss] for loss in worse], 'and')} {verb} worse than it"
    return text + ": no alternative is shown to beat the default."


# --------------------------------------------------------------------------------------------
# Study 2: the instruction
# --------------------------------------------------------------------------------------------


class InstructionStudy(_Model):
    """The instructed model against the plain one, on every headline metric.

    ``eval_deltas`` and ``ood_deltas`` are ``instructed - plain`` (``null`` where either is
    undefined). ``eval_differences`` and ``ood_differences`` give the bootstrapped metrics'
    differences with their paired intervals (:class:`Difference`). ``seed_range`` is full
    fine-tuning's seed-to-seed range of each metric on eval, the yardstick for a delta.
    """

    plain: str
    instructed: str
    instruction: str
    eval_deltas: dict[str, float | None]
    ood_deltas: dict[str, float | None]
    eval_differences: dict[str, Difference]
    ood_differences: dict[str, Difference]
    seed_range: dict[str, float | None]
    verdict: str


def _delta(after: Estimate, before: Estimate) -> float | None:
    return None if after.value is None or before.value is None else after.value - before.value


def instruction_study(
    measured: Mapping[str, MeasuredModel],
    plain: str = "full",
    instructed: str = "instructed",
    seeds: SeedStudy | None = None,
    *,
    seed: int = 42,
    n_bootstrap: int = 1000,
) -> InstructionStudy:
    """Compare the instructed model with the plain one (chapter 03's)."""
    p, i = measured[plain], measured[instructed]
    if not i.prompt:
        raise ValueError(f"{instructed} was not trained with an instruction")
    differences = {
        split: {
            key: paired_difference(
                i,
                p,
                split,
                key,
                seed_range=_seed_range(seeds, split, key),
                seed=seed,
                n_bootstrap=n_bootstrap,
            )
            for key in INTERVAL_METRICS
        }
        for split in ("eval", "ood")
    }
    study = InstructionStudy(
        plain=plain,
        instructed=instructed,
        instruction=i.prompt,
        eval_deltas={key: _delta(i.eval[key], p.eval[key]) for key in HEADLINE_KEYS},
        ood_deltas={key: _delta(i.ood[key], p.ood[key]) for key in HEADLINE_KEYS},
        eval_differences=differences["eval"],
        ood_differences=differences["ood"],
        seed_range={key: _seed_range(seeds, "eval", key) for key in HEADLINE_KEYS},
        verdict="",
    )
    return study.model_copy(update={"verdict": _instruction_verdict(study, p, i)})


def _instruction_verdict(study: InstructionStudy, plain: MeasuredModel, i: MeasuredModel) -> str:
    text = ""
    for split, where in (("eval", "On eval"), ("ood", "Out of distribution")):
        d = getattr(study, f"{split}_differences")["spearman"]
        after, before = getattr(i, split)["spearman"].value, getattr(plain, split)["spearman"].value
        if d.real:
            finding = f"the instruction {'helps' if d.value > 0 else 'hurts'}"
        else:
            finding = "this run cannot say that it matters"
        text += (
            f"{where}, Spearman's rho with the instruction is {after:.3f} against {before:.3f} "
            f"without, {describe_difference(d)}: {finding}. "
        )
    return text.strip()


# --------------------------------------------------------------------------------------------
# Study 4: out of distribution
# --------------------------------------------------------------------------------------------


class OodRow(_Model):
    """One model on eval and OOD; ``drop`` is ``eval - ood`` per compared metric.

    ``drop_interval`` gives the bootstrapped metrics' drops a 95% interval (each split
    resampling its own template groups,
    :func:`p3lib.evaluation.cluster_bootstrap.split_cluster_draws`); a drop whose interval
    excludes 0 is larger than the two splits' sampling noise.
    """

    name: str
    label: str
    eval: dict[str, float | None]
    ood: dict[str, float | None]
    drop: dict[str, float | None]
    drop_interval: dict[str, Estimate]

    def drop_excludes_zero(self, metric: str = "spearman") -> bool:
        interval = self.drop_interval[metric]
        return bool(interval.low > 0 or interval.high < 0)


class OodStudy(_Model):
    """Every model measured on eval and on the OOD pairs, with the drop between them.

    ``largest_drop`` and ``smallest_drop`` name the models whose Spearman's rho falls most and
    least, and ``largest_share`` / ``smallest_share`` the share of resamples (of both splits'
    template groups, all models on the same draws) in which each is so; ``n_eval`` and
    ``n_ood`` are the pair counts.
    """

    metrics: list[str]
    n_eval: int
    n_ood: int
    rows: list[OodRow]
    largest_drop: str
    smallest_drop: str
    verdict: str
    largest_share: float | None = None
    smallest_share: float | None = None


def ood_study(
    measured: Mapping[str, MeasuredModel], *, seed: int = 42, n_bootstrap: int = 1000
) -> OodStudy:
    """The eval-to-OOD drop of every measured model, with a cluster interval per drop."""
    if not measured:
        raise ValueError("no model was measured")
    models = list(measured.values())
    first = models[0]

    def groups(m: MeasuredModel, split: str) -> list[str]:
        found = getattr(m, f"{split}_groups")
        return found or [str(i) for i in range(len(getattr(m, f"{split}_labels")))]

    keys = [key for key in COMPARED if key in INTERVAL_METRICS]
    draws = {
        key: split_cluster_draws(
            [m.eval_scores for m in models],
            first.eval_labels,
            groups(first, "eval"),
            [m.ood_scores for m in models],
            first.ood_labels,
            groups(first, "ood"),
            [m.eval["threshold"].value or 0.5 for m in models],
            metric=key,
            seed=seed,
            n_resamples=n_bootstrap,
        )
        for key in keys
    }
    rows = []
    for i, (name, m) in enumerate(measured.items()):
        e = {key: m.eval[key].value for key in COMPARED}
        o = {key: m.ood[key].value for key in COMPARED}
        drop = {key: None if e[key] is None or o[key] is None else e[key] - o[key] for key in e}
        drop_interval = {}
        for key, (point, resampled) in draws.items():
            i_ = percentile_interval(point[i], resampled[i])
            drop_interval[key] = Estimate(
                value=i_.estimate, low=i_.low, high=i_.high, method=i_.method
            )
        rows.append(
            OodRow(name=name, label=m.label, eval=e, ood=o, drop=drop, drop_interval=drop_interval)
        )
    by_drop = sorted(range(len(rows)), key=lambda k: -rows[k].drop["spearman"])
    spearman = draws.get("spearman")
    shares = (None, None)
    if spearman is not None and len(rows) > 1:
        shares = (top_share(spearman[1], by_drop[0]), top_share(-spearman[1], by_drop[-1]))
    study = OodStudy(
        metrics=list(COMPARED),
        n_eval=first.n_eval,
        n_ood=first.n_ood,
        rows=rows,
        largest_drop=rows[by_drop[0]].name,
        smallest_drop=rows[by_drop[-1]].name,
        verdict="",
        largest_share=shares[0],
        smallest_share=shares[1],
    )
    return study.model_copy(update={"verdict": _ood_verdict(study)})


def _ood_verdict(study: OodStudy) -> str:
    rows = {row.name: row for row in study.rows}
    worst, best = rows[study.largest_drop], rows[study.smallest_drop]
    fell = sum(1 for row in study.rows if row.drop["spearman"] > 0)

    def change(row: OodRow) -> str:
        return (
            f"{row.label} ({row.eval['spearman']:.3f} on eval, {row.ood['spearman']:.3f} on OOD, "
            f"drop {row.drop['spearman']:+.3f})"
        )

    text = f"Spearman's rho is lower on OOD than on eval for {fell} of the {len(rows)} models. "
    largest, smallest = study.largest_share, study.smallest_share
    if largest is None or smallest is None:
        text += f"The largest drop is {change(worst)}, the smallest {change(best)}"
    else:
        text += (
            f"The largest drop here is {change(worst)}, the largest in {largest:.0%} of "
            f"resamples of both splits' template groups; the smallest {change(best)}, in "
            f"{smallest:.0%}"
        )
        if max(largest, smallest) < SUPPORTED_SHARE:
            text += "; neither ranking is stable enough to call"
    text += "; a negative drop means a model ranked OOD pairs better." if fell < len(rows) else "."
    beyond = [row for row in study.rows if row.drop["spearman"] > 0 and row.drop_excludes_zero()]
    if fell:
        text += (
            f" For {len(beyond)} of the {fell} that fell, the drop is larger than the two "
            "splits' sampling noise (its 95% interval, each split resampling its own template "
            "groups, excludes 0)."
        )
    if "baseline" in rows and "full" in rows:
        b, f = rows["baseline"], rows["full"]
        text += (
            f" Full fine-tuning against the baseline: Spearman's rho {f.ood['spearman']:.3f} "
            f"against {b.ood['spearman']:.3f} on OOD, {f.eval['spearman']:.3f} against "
            f"{b.eval['spearman']:.3f} on eval."
        )
    return text


# --------------------------------------------------------------------------------------------
# The chapter's results file and ADR 003's numbers
# --------------------------------------------------------------------------------------------


class ExperimentsResult(_Model):
    """Chapter 07's results file, ``metrics/experiments.json``."""

    recipe: TrainConfig
    seeds: list[int]
    instruction: str | None
    models: dict[str, MeasuredModel]
    seed_study: SeedStudy
    loss_study: LossStudy
    instruction_study: InstructionStudy | None
    ood_study: OodStudy
    train_seconds: float


def summarise_experiments(
    measured: Mapping[str, MeasuredModel],
    recipe: TrainConfig,
    instruction: str | None,
    *,
    n_bootstrap: int = 1000,
) -> ExperimentsResult:
    """Run the four pure studies on the measured models and assemble the results file.

    Paired differences use ``recipe.seed`` and ``n_bootstrap``, as :func:`measure_models` did.
    """
    seeds = seed_study(measured, seed=recipe.seed, n_bootstrap=n_bootstrap)
    has_instruction = any(m.prompt for m in measured.values())
    paired = dict(seed=recipe.seed, n_bootstrap=n_bootstrap)
    return ExperimentsResult(
        recipe=recipe,
        seeds=seeds.seeds,
        instruction=instruction or None,
        models=dict(measured),
        seed_study=seeds,
        loss_study=loss_study(measured, seeds=seeds, **paired),
        instruction_study=(
            instruction_study(measured, seeds=seeds, **paired) if has_instruction else None
        ),
        ood_study=ood_study(measured, **paired),
        train_seconds=sum(
            m.training.train_seconds
            for m in measured.values()
            if m.trained_in_appendix and m.training is not None
        ),
    )


def _interval_text(estimate: Estimate | None, fmt: str) -> str:
    if estimate is None or estimate.value is None:
        return _MISSING
    text = format(estimate.value, fmt)
    if estimate.low is not None and estimate.high is not None:
        text += f" [{format(estimate.low, fmt)}, {format(estimate.high, fmt)}]"
    return text


def _spread_text(s: Spread | None, fmt: str = ".3f") -> str:
    if s is None or s.mean is None:
        return _MISSING
    if s.std is None:
        return f"{format(s.mean, fmt)} (one seed)"
    return (
        f"{format(s.mean, fmt)} ± {format(s.std, fmt)} (range {format(s.low, fmt)} to "
        f"{format(s.high, fmt)}, {s.n} seeds)"
    )


SUBSTITUTION_KEYS = (
    *(
        f"exp_{loss}_{metric}"
        for loss in LOSSES
        for metric in ("spearman", "auc", "f1", "margin", "ood_spearman", "validation")
    ),
    *(f"exp_{loss}_difference" for loss in LOSSES[1:]),
    "exp_seed_full_spearman",
    "exp_seed_lora_spearman",
    "exp_loss_budget",
    "exp_loss_verdict",
)


def experiment_substitutions(out_dir: str | Path) -> dict[str, str]:
    """ADR 003's measured numbers as MyST substitutions (keys :data:`SUBSTITUTION_KEYS`).

    Read from ``metrics/experiments.json``; every value is a short string of numbers and fixed
    words, and anything the run did not measure (the appendix was not run, a loss was left out)
    reads "(not measured in this run)". ``exp_loss_verdict`` says what the numbers support, so
    the ADR's text stays true whichever way they fall.
    """
    values = dict.fromkeys(SUBSTITUTION_KEYS, _MISSING)
    values["exp_loss_verdict"] = (
        "The appendix (chapter 07) was not run for this build, so the losses were not "
        "compared on this data; run `p3 run --experiments` to measure them."
    )
    path = RunLayout(out_dir).metric("experiments")
    if not path.is_file():
        return values
    try:
        result = load_result(path, ExperimentsResult)
    except ValueError:
        return values
    for arm in result.loss_study.arms:
        prefix = f"exp_{arm.loss}"
        values[f"{prefix}_spearman"] = _interval_text(arm.eval["spearman"], ".3f")
        values[f"{prefix}_auc"] = _interval_text(arm.eval["auc_roc"], ".3f")
        values[f"{prefix}_f1"] = _interval_text(Estimate(value=arm.eval["f1"].value), ".3f")
        values[f"{prefix}_margin"] = _interval_text(arm.eval["margin"], "+.3f")
        values[f"{prefix}_ood_spearman"] = _interval_text(arm.ood["spearman"], ".3f")
        if arm.best_validation_score is not None:
            values[f"{prefix}_validation"] = f"{arm.best_validation_score:.3f}"
    for loss, difference in result.loss_study.differences.items():
        values[f"exp_{loss}_difference"] = (
            f"{difference.value:+.3f} [{difference.low:+.3f}, {difference.high:+.3f}]"
        )
    for method in ("full", "lora"):
        values[f"exp_seed_{method}_spearman"] = _spread_text(
            result.seed_study.eval.get(method, {}).get("spearman")
        )
    recipe = result.recipe
    cosine = result.models.get("full")
    pairs = (
        f"{cosine.training.n_train_pairs:,} training pairs, " if cosine and cosine.training else ""
    )
    values["exp_loss_budget"] = (
        f"{pairs}{recipe.epochs} epoch{'s' if recipe.epochs != 1 else ''} at batch size "
        f"{recipe.batch_size}, learning rate "
        f"{format_rate(recipe.learning_rate)}, {recipe.warmup_steps} warmup steps, seed "
        f"{recipe.seed}"
    )
    values["exp_loss_verdict"] = result.loss_study.verdict
    return values


# --------------------------------------------------------------------------------------------
# Tables for the chapter (numbers only)
# --------------------------------------------------------------------------------------------


def headline_table(
    models: Sequence[MeasuredModel], split: Literal["eval", "ood"] = "eval"
) -> dict[str, dict[str, float | None]]:
    """``{model label: {metric: value}}`` of every headline metric, for a ``DataFrame``."""
    return {m.label: {key: getattr(m, split)[key].value for key in HEADLINE_KEYS} for m in models}


def seed_table(
    study: SeedStudy, split: Literal["eval", "ood"] = "eval"
) -> dict[str, dict[str, str]]:
    """``{method: {metric: "mean ± SD [low, high]"}}`` of every headline metric, for a table."""
    table = {}
    for method, spreads in getattr(study, split).items():
        column = {}
        for key in HEADLINE_KEYS:
            s = spreads[key]
            if s.mean is None:
                column[key] = "n/a"
            elif s.std is None:
                column[key] = f"{s.mean:.3f}"
            else:
                column[key] = f"{s.mean:.3f} ± {s.std:.3f} [{s.low:.3f}, {s.high:.3f}]"
        table[METHOD_LABELS[method]] = column
    return table


def ood_table(study: OodStudy, metric: str = "spearman") -> dict[str, dict[str, object]]:
    """``{model label: {eval, ood, drop, its 95% interval, excludes 0}}`` of one metric."""
    table = {}
    for row in study.rows:
        interval = row.drop_interval.get(metric)
        table[row.label] = {
            "eval": row.eval[metric],
            "ood": row.ood[metric],
            "drop": row.drop[metric],
            "drop 95% interval": (
                f"{interval.low:+.3f} to {interval.high:+.3f}" if interval is not None else None
            ),
            "excludes 0": (
                ("yes" if row.drop_excludes_zero(metric) else "no")
                if interval is not None
                else None
            ),
        }
    return table


def difference_table(
    differences: Mapping[str, Difference], labels: Mapping[str, str] | None = None
) -> dict[str, dict[str, object]]:
    """``{row: {difference, interval, excludes 0, seed range, real}}``, for a ``DataFrame``.

    Rows are the keys of ``differences``, renamed through ``labels`` where given.
    """
    labels = labels or {}
    return {
        labels.get(key, key): {
            "difference": round(d.value, 3),
            "paired 95% interval": f"{d.low:+.3f} to {d.high:+.3f}",
            "excludes 0": "yes" if d.excludes_zero else "no",
            "seed-to-seed range": None if d.seed_range is None else round(d.seed_range, 3),
            "real": "yes" if d.real else "no",
        }
        for key, d in differences.items()
    }


def appendix_summary(result: ExperimentsResult) -> str:
    """The appendix's findings as Markdown: Spearman's rho of every model, then the verdicts.

    For the README's results block (``p3 results``) when the run includes chapter 07.
    """
    lines = [
        "Appendix (chapter 07): Spearman's rho of every model on eval and out of distribution "
        f"({result.ood_study.n_eval} and {result.ood_study.n_ood} pairs).",
        "",
        "| Model | rho on eval | rho on OOD | drop [95% interval] |",
        "|---|---:|---:|---:|",
    ]
    for row in result.ood_study.rows:
        e, o, d = (row.eval["spearman"], row.ood["spearman"], row.drop["spearman"])
        i = row.drop_interval["spearman"]
        lines.append(
            f"| {row.label} | {e:.3f} | {o:.3f} | {d:+.3f} [{i.low:+.3f}, {i.high:+.3f}] |"
        )
    lines.append("")
    verdicts = [
        ("Seeds", result.seed_study.verdict),
        ("Loss", result.loss_study.verdict),
        ("Instruction", result.instruction_study and result.instruction_study.verdict),
        ("Out of distribution", result.ood_study.verdict),
    ]
    lines += [f"- **{name}.** {verdict}" for name, verdict in verdicts if verdict]
    return "\n".join(lines)
