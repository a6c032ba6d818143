"""The before/after comparison: one :class:`ComparisonResult` built from the evaluation results.

Chapter 05 builds the comparison from the three evaluation results (baseline, full fine-tuning,
LoRA), the words-only baseline of chapter 02 and the two training records; chapter 06, the
results page, the README and the ADRs read it (:mod:`p3lib.book.sentences` words it,
:mod:`p3lib.book.results_block` tabulates it). Everything here arranges numbers that
:func:`p3lib.evaluation.pipeline.evaluate` and
:func:`p3lib.evaluation.words_only.words_only_baseline` measured, plus
three things computed across models: the paired cluster-bootstrap differences
(``paired_differences``), the matched-recall operating points (``matched_recall``) and the
PRD's success criteria (``success_criteria``).

Conventions:

* A delta is ``fine-tuned - baseline``. ``margin_improvement_pct`` divides the margin delta by
  the *absolute* baseline margin, so a margin that grows from -0.05 to +0.30 is +700%, not
  -700%; it is ``null`` when the baseline margin is exactly 0.
* A paired difference ``a_vs_b`` is ``metric(a) - metric(b)``, both measured on the same
  resampled subcategories; every comparison sentence of the book is read from one.
* Anything undefined is ``null``, never 0 (a purity without clusters, a category margin without
  one of the labels, a delta of an undefined metric).

Example:
    >>> from p3lib.evaluation.comparison import compare  # doctest: +SKIP
    >>> comparison = compare(baseline, full, lora, records, words_only)  # doctest: +SKIP
    >>> comparison.paired_differences["full_vs_lora"].differences["auc_roc"]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from p3lib.evaluation.cluster_bootstrap import (
    MARGIN_FREE_METRICS,
    TABLE_METRICS,
    BootstrapInterval,
    paired_cluster_differences,
    rate_interval,
)
from p3lib.evaluation.clustering import ClusteringOverSeeds, PurityNull
from p3lib.evaluation.operating_point import (
    DEFAULT_TARGET_RECALL,
    FixedEvalRecall,
    MatchedOperatingPoint,
    fixed_eval_recall,
    near_trivial,
)
from p3lib.evaluation.rankings import RankingSupport, category_margin_support
from p3lib.evaluation.results import (
    HEADLINE_KEYS,
    INTERVAL_METRICS,
    BaselineMetrics,
    CategoryMargin,
    EvaluationResult,
    LeakFree,
)
from p3lib.evaluation.success import (
    DEALBREAKER_TOLERANCE,
    Criterion,
    DealbreakerCount,
    success_criteria,
)
from p3lib.evaluation.words_only import WordsOnlyResult
from p3lib.store.result_files import load_result

MODELS = ("baseline", "full", "lora")
# How the models are named wherever a reader meets them: MODEL_LABELS inside a sentence,
# MODEL_NAMES at the start of one and in legends, table headers and the widget (the same
# names, capitalised), so that a chart never calls a model what the next one does not.
MODEL_LABELS = {
    "baseline": "base model",
    "full": "full fine-tuning",
    "lora": "LoRA",
    "words_only": "words only",
}
MODEL_NAMES = {key: label[:1].upper() + label[1:] for key, label in MODEL_LABELS.items()}
FINE_TUNED = ("full", "lora")
# A category enters the headline sentence only with this many eval pairs of each label.
MIN_CATEGORY_PER_LABEL = 5
# The model pairs compared with a paired difference: (a, b) for ``metric(a) - metric(b)``.
PAIRED = (
    ("full", "baseline"),
    ("lora", "baseline"),
    ("full", "lora"),
    ("full", "words_only"),
    ("lora", "words_only"),
    ("baseline", "words_only"),
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Estimate(_Model):
    """A headline number with its 95% bootstrap interval (``low``/``high`` null without one).

    ``method`` says how the interval was made (``BCa`` or ``percentile``); ``null`` for the
    pair-level percentile intervals of older results.
    """

    value: float | None
    low: float | None = None
    high: float | None = None
    method: str | None = None


def _estimate(interval: BootstrapInterval | None, value: float | None = None) -> Estimate:
    if interval is None:
        return Estimate(value=value)
    return Estimate(
        value=interval.estimate if value is None else value,
        low=interval.low,
        high=interval.high,
        method=interval.method,
    )


class PairedComparison(_Model):
    """``metric(a) - metric(b)`` for each metric, both models on the same resamples.

    ``resampled`` is ``subcategory`` (the cluster bootstrap) or ``pair`` (results without
    subcategories). Margin and Cohen's d are compared only between cosine models.
    """

    a: str
    b: str
    resampled: str
    n_resamples: int
    seed: int
    differences: dict[str, BootstrapInterval]


class TrainingSummary(_Model):
    """What a training run cost, from its :class:`p3lib.training.record.TrainingRecord`."""

    method: str
    learning_rate: float
    epochs: int
    n_train_pairs: int
    train_seconds: float
    seconds_per_epoch: float
    trainable_parameters: int
    total_parameters: int
    trainable_share: float
    peak_rss_mb: float
    best_validation_score: float
    best_step: int
    total_steps: int


class ModelSummary(_Model):
    """One model's side of the comparison: headline numbers, breakdowns, and training cost.

    ``metrics`` is the PRD's flat :class:`~p3lib.evaluation.results.BaselineMetrics`; ``headline``
    holds
    every headline metric of :meth:`~p3lib.evaluation.results.EvaluationResult.headline` with its
    interval
    where the bootstrap gives one: the cluster bootstrap over subcategories
    (``interval_resampled == "subcategory"``) for every table metric but purity and the
    threshold, else the older pair-level intervals. ``pair_level`` keeps the pair-level
    intervals for the sensitivity note. ``share_predicted_compatible`` is the share of eval
    pairs at or above the validation threshold, ``near_trivial`` whether 90% or more fall on
    one side.
    """

    name: str
    model: str | None
    n_pairs: int
    n_compatible: int
    n_incompatible: int
    threshold: float
    threshold_f1_on_validation: float
    headline: dict[str, Estimate]
    metrics: BaselineMetrics
    # Medians over the UMAP seeds (``clustering`` holds each seed, the ranges and the purity
    # null); the first seed's alone in results written before seeds existed.
    n_clusters: float
    noise_fraction: float
    clustering: ClusteringOverSeeds | None = None
    n_false_positives: int
    false_positives_by_pair_type: dict[str, int]
    incompatible_by_pair_type: dict[str, int]
    category_margins: dict[str, CategoryMargin]
    n_overlap: int
    leak_free: LeakFree | None
    training: TrainingSummary | None = None
    interval_resampled: str = "pair"
    n_clusters_resampled: int | None = None
    pair_level: dict[str, Estimate] = {}
    share_predicted_compatible: float | None = None
    near_trivial: bool | None = None
    matched_recall: MatchedOperatingPoint | None = None


class ComparisonResult(_Model):
    """The PRD's ``ComparisonResult`` (section 6), extended.

    ``margin_improvement``, ``margin_improvement_pct``, ``cohens_d_improvement`` and
    ``spearman_improvement`` compare full fine-tuning (the PRD's "standard" model) with the
    baseline, as in the PRD; the ``lora_*`` fields do the same for LoRA. ``deltas`` holds
    ``model - baseline`` for every headline metric of each fine-tuned model (``null`` where
    either side is undefined), and ``leak_free_deltas`` the same on the leak-free subset.
    """

    baseline: ModelSummary
    full: ModelSummary
    lora: ModelSummary | None = None
    margin_improvement: float
    margin_improvement_pct: float | None
    cohens_d_improvement: float
    spearman_improvement: float
    lora_margin_improvement: float | None = None
    lora_margin_improvement_pct: float | None = None
    lora_cohens_d_improvement: float | None = None
    lora_spearman_improvement: float | None = None
    deltas: dict[str, dict[str, float | None]]
    leak_free_deltas: dict[str, dict[str, float | None]]
    min_category_per_label: int = MIN_CATEGORY_PER_LABEL
    # Stable keys read by the book, README and tests (issue 11).
    words_only: WordsOnlyResult | None = None
    paired_differences: dict[str, PairedComparison] = {}
    matched_recall: dict[str, MatchedOperatingPoint] = {}
    success_criteria: list[Criterion] = []
    # Per model: the median purity over UMAP seeds against labels shuffled over the same
    # clusters (p3lib.evaluation.clustering.purity_null); models without a cluster are left out.
    purity_null: dict[str, PurityNull] = {}
    # False positive rates of every model at the same *eval* recall (a point on each ROC
    # curve), overall and per pair type, with paired cluster intervals (issue 24).
    fixed_eval_recall: FixedEvalRecall | None = None
    # Per model: the widest- and narrowest-margin categories (of those with enough pairs of
    # each label) and the share of template-group resamples in which each holds (the worst
    # pair type's share is in each result's errors_by_pair_type).
    category_ranking: dict[str, RankingSupport] = {}

    def models(self) -> dict[str, ModelSummary]:
        """The compared models by name, baseline first; LoRA only when present."""
        present = {"baseline": self.baseline, "full": self.full, "lora": self.lora}
        return {name: summary for name, summary in present.items() if summary is not None}


# --------------------------------------------------------------------------------------------
# Building the comparison
# --------------------------------------------------------------------------------------------


def _delta(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


def improvement_pct(after: float, before: float) -> float | None:
    """``(after - before) / |before|`` in percent; ``None`` when ``before`` is 0.

    Example:
        >>> improvement_pct(0.30, -0.05)
        700.0
    """
    if before == 0:
        return None
    return round((after - before) / abs(before) * 100, 10)


def training_summary(record) -> TrainingSummary:
    """The cost figures of a :class:`p3lib.training.record.TrainingRecord` (or its JSON as a
    dict)."""
    data = record if isinstance(record, Mapping) else record.model_dump()
    parameters = data["parameters"]
    epochs = data.get("epoch_seconds") or []
    return TrainingSummary(
        method=data["method"],
        learning_rate=float(data["learning_rate"]),
        epochs=int(data.get("config", {}).get("epochs", len(epochs)) or len(epochs)),
        n_train_pairs=int(data["n_train_pairs"]),
        train_seconds=float(data["train_seconds"]),
        seconds_per_epoch=float(data["seconds_per_epoch"]),
        trainable_parameters=int(parameters["trainable"]),
        total_parameters=int(parameters["total"]),
        trainable_share=float(parameters["trainable_share"]),
        peak_rss_mb=float(data["peak_rss_mb"]),
        best_validation_score=float(data["best_score"]),
        best_step=int(data["best_step"]),
        total_steps=int(data["total_steps"]),
    )


def summarise(result: EvaluationResult, record=None) -> ModelSummary:
    """One model's :class:`ModelSummary` from its evaluation (and training record, if any)."""
    values = result.headline("")
    intervals = result.intervals
    clustered = result.cluster_intervals
    headline, pair_level = {}, {}
    for key in HEADLINE_KEYS:
        if clustered is not None and key in clustered.intervals:
            headline[key] = _estimate(clustered.intervals[key], values[key])
            pair_level[key] = _estimate(clustered.pair_level[key], values[key])
        elif key in INTERVAL_METRICS:
            interval = getattr(intervals, key)
            headline[key] = Estimate(value=values[key], low=interval.low, high=interval.high)
        else:
            headline[key] = Estimate(value=values[key])
    if clustered is not None:
        # Rates (false positives over incompatible pairs, ...) are not headline keys of older
        # results; a count carries no interval, its rate does.
        for key, interval in clustered.intervals.items():
            if key not in headline:
                headline[key] = _estimate(interval)
                pair_level[key] = _estimate(clustered.pair_level[key])
    fps = result.false_positives
    at = result.threshold_sweep.at_threshold
    share = (at.tp + at.fp) / result.n_pairs
    return ModelSummary(
        name=result.name,
        model=result.model,
        n_pairs=result.n_pairs,
        n_compatible=result.n_compatible,
        n_incompatible=result.n_incompatible,
        threshold=result.threshold.threshold,
        threshold_f1_on_validation=result.threshold.f1,
        headline=headline,
        metrics=result.summary,
        n_clusters=result.summary.n_clusters,
        noise_fraction=result.summary.noise_ratio,
        clustering=result.clustering,
        n_false_positives=fps.n,
        false_positives_by_pair_type=dict(fps.by_pair_type),
        incompatible_by_pair_type=dict(fps.incompatible_by_pair_type),
        category_margins=dict(result.category_margins),
        n_overlap=result.n_overlap,
        leak_free=result.leak_free,
        training=training_summary(record) if record is not None else None,
        interval_resampled=clustered.resampled if clustered is not None else "pair",
        n_clusters_resampled=clustered.n_clusters if clustered is not None else None,
        pair_level=pair_level,
        share_predicted_compatible=share,
        near_trivial=near_trivial(share),
        matched_recall=result.matched_recall,
    )


def _leak_free_values(summary: ModelSummary) -> dict[str, float | None]:
    lf = summary.leak_free
    keys = ("margin", "cohens_d", "auc_roc", "spearman", "f1", "accuracy")
    return {key: (getattr(lf, key) if lf is not None else None) for key in keys}


def compare(
    baseline: EvaluationResult,
    full: EvaluationResult,
    lora: EvaluationResult | None = None,
    records: Mapping[str, object] | None = None,
    words_only: WordsOnlyResult | None = None,
    *,
    seed: int | None = None,
    n_bootstrap: int | None = None,
    dealbreaker_tolerance: float = DEALBREAKER_TOLERANCE,
    target_recall: float = DEFAULT_TARGET_RECALL,
) -> ComparisonResult:
    """Put the baseline, the words-only model and the fine-tuned models side by side.

    Args:
        baseline: chapter 02's result.
        full: the fully fine-tuned model's result (chapter 05).
        lora: the LoRA model's result, or ``None`` when LoRA was skipped.
        records: training records by method (``{"full": ..., "lora": ...}``), each a
            :class:`p3lib.training.record.TrainingRecord` or its JSON; missing ones are left out.
        words_only: chapter 02's words-only baseline, or ``None``.
        seed: the paired bootstrap's seed (default: the one the evaluations used).
        n_bootstrap: its resamples (default: as the evaluations).
        dealbreaker_tolerance: the dealbreaker false positive rate that counts as near zero.
        target_recall: the eval recall of ``fixed_eval_recall``.

    Example:
        >>> comparison = compare(baseline, full, lora)  # doctest: +SKIP
        >>> comparison.margin_improvement == full.cosine.margin - baseline.cosine.margin
        ... # doctest: +SKIP
        True
    """
    records = dict(records or {})
    summaries = {"baseline": summarise(baseline)}
    summaries["full"] = summarise(full, records.get("full"))
    if lora is not None:
        summaries["lora"] = summarise(lora, records.get("lora"))
    base = summaries["baseline"]
    base_values = {key: estimate.value for key, estimate in base.headline.items()}
    base_leak_free = _leak_free_values(base)
    deltas, leak_free_deltas = {}, {}
    for name in FINE_TUNED:
        if name not in summaries:
            continue
        summary = summaries[name]
        deltas[name] = {
            key: _delta(summary.headline[key].value, base_values[key]) for key in HEADLINE_KEYS
        }
        after = _leak_free_values(summary)
        leak_free_deltas[name] = {
            key: _delta(after[key], base_leak_free[key]) for key in base_leak_free
        }

    def improvements(result: EvaluationResult) -> dict[str, float | None]:
        return {
            "margin_improvement": result.cosine.margin - baseline.cosine.margin,
            "margin_improvement_pct": improvement_pct(result.cosine.margin, baseline.cosine.margin),
            "cohens_d_improvement": result.cohens_d - baseline.cohens_d,
            "spearman_improvement": result.spearman - baseline.spearman,
        }

    lora_fields = {}
    if lora is not None:
        lora_fields = {f"lora_{key}": value for key, value in improvements(lora).items()}
    seed = baseline.intervals.seed if seed is None else seed
    n_bootstrap = baseline.intervals.n_bootstrap if n_bootstrap is None else n_bootstrap
    results = {"baseline": baseline, "full": full}
    if lora is not None:
        results["lora"] = lora
    paired = paired_comparisons(results, words_only, seed=seed, n_bootstrap=n_bootstrap)
    matched = {name: r.matched_recall for name, r in results.items() if r.matched_recall}
    if words_only is not None:
        matched["words_only"] = words_only.matched_recall
    rates = {
        name: _dealbreaker_rate(r, seed=seed, n_bootstrap=n_bootstrap)
        for name, r in results.items()
        if name in FINE_TUNED
    }
    criteria = success_criteria(
        {name: summaries[name].headline for name in FINE_TUNED if name in summaries},
        rates,
        baseline.n_compatible,
        baseline.n_incompatible,
        tolerance=dealbreaker_tolerance,
        labels=MODEL_LABELS,
        counts={name: dealbreaker_count(r) for name, r in results.items() if name in FINE_TUNED},
    )
    return ComparisonResult(
        baseline=base,
        full=summaries["full"],
        lora=summaries.get("lora"),
        deltas=deltas,
        leak_free_deltas=leak_free_deltas,
        **improvements(full),
        **lora_fields,
        words_only=words_only,
        paired_differences=paired,
        matched_recall=matched,
        success_criteria=criteria,
        purity_null={
            name: summary.clustering.purity_null
            for name, summary in summaries.items()
            if summary.clustering is not None and summary.clustering.purity_null is not None
        },
        fixed_eval_recall=fixed_recall(
            results, words_only, target_recall=target_recall, seed=seed, n_bootstrap=n_bootstrap
        ),
        **ranking_supports(results, summaries, seed=seed, n_bootstrap=n_bootstrap),
    )


def ranking_supports(
    results: Mapping[str, EvaluationResult],
    summaries: Mapping[str, ModelSummary],
    *,
    seed: int = 42,
    n_bootstrap: int = 1000,
) -> dict[str, dict[str, RankingSupport]]:
    """``category_ranking`` of every model (see ComparisonResult)."""
    categories = {}
    for name, result in results.items():
        groups, _ = _groups(result)
        options = dict(n_resamples=n_bootstrap, seed=seed)
        scores, labels = result.cosine.scores, result.cosine.labels
        eligible = list(eligible_categories(summaries[name]))
        if eligible:
            found = category_margin_support(
                scores, labels, result.umap.categories, groups, eligible, **options
            )
            if found is not None:
                categories[name] = found
    return {"category_ranking": categories}


def fixed_recall(
    results: Mapping[str, EvaluationResult],
    words_only: WordsOnlyResult | None = None,
    *,
    target_recall: float = DEFAULT_TARGET_RECALL,
    seed: int = 42,
    n_bootstrap: int = 1000,
) -> FixedEvalRecall:
    """Every model's false positive rate at eval recall ``target_recall``, paired as :data:`PAIRED`.

    The words-only model joins when it scored the same eval pairs (same labels); the pair
    types are the baseline's, which every model shares.
    """
    first = next(iter(results.values()))
    labels = list(first.cosine.labels)
    scores = {name: r.cosine.scores for name, r in results.items()}
    if words_only is not None and list(words_only.labels) == labels:
        scores["words_only"] = words_only.scores
    groups, _ = _groups(first)
    return fixed_eval_recall(
        scores,
        labels,
        first.umap.pair_types,
        groups,
        [(a, b) for a, b in PAIRED if a in scores and b in scores],
        target_recall=target_recall,
        seed=seed,
        n_resamples=n_bootstrap,
    )


def _groups(result: EvaluationResult | WordsOnlyResult) -> tuple[list[str], str]:
    """The pairs' subcategories, or each pair its own group for results without them."""
    groups = result.groups
    if groups and len(set(groups)) >= 2:
        return list(groups), "subcategory"
    n = result.n_pairs
    return [str(i) for i in range(n)], "pair"


def _scores(result: EvaluationResult | WordsOnlyResult) -> tuple[list[float], list[int], float]:
    if isinstance(result, WordsOnlyResult):
        return result.scores, result.labels, result.threshold.threshold
    return result.cosine.scores, result.cosine.labels, result.threshold.threshold


def paired_comparisons(
    results: Mapping[str, EvaluationResult],
    words_only: WordsOnlyResult | None = None,
    *,
    seed: int = 42,
    n_bootstrap: int = 1000,
    pairs=PAIRED,
) -> dict[str, PairedComparison]:
    """Every pair of :data:`PAIRED` present, as ``"{a}_vs_{b}"``, on the same resamples.

    Raises:
        ValueError: two models were measured on different eval pairs (labels differ).
    """
    everything: dict[str, EvaluationResult | WordsOnlyResult] = dict(results)
    if words_only is not None:
        everything["words_only"] = words_only
    out = {}
    for a, b in pairs:
        if a not in everything or b not in everything:
            continue
        scores_a, labels, threshold_a = _scores(everything[a])
        scores_b, labels_b, threshold_b = _scores(everything[b])
        if labels != labels_b:
            raise ValueError(f"{a} and {b} were not measured on the same eval pairs")
        groups, resampled = _groups(everything[a])
        if _groups(everything[b])[0] != groups:
            groups, resampled = [str(i) for i in range(len(labels))], "pair"
        cosine_both = "words_only" not in (a, b)
        out[f"{a}_vs_{b}"] = PairedComparison(
            a=a,
            b=b,
            resampled=resampled,
            n_resamples=n_bootstrap,
            seed=seed,
            differences=paired_cluster_differences(
                scores_a,
                scores_b,
                labels,
                groups,
                (threshold_a, threshold_b),
                metrics=TABLE_METRICS if cosine_both else MARGIN_FREE_METRICS,
                seed=seed,
                n_resamples=n_bootstrap,
            ),
        )
    return out


def _dealbreaker_rate(result: EvaluationResult, *, seed: int, n_bootstrap: int) -> Estimate | None:
    """The share of dealbreaker pairs called compatible at the validation threshold."""
    scores = np.asarray(result.cosine.scores)
    types = np.asarray(result.umap.pair_types, dtype=object)
    labels = np.asarray(result.cosine.labels)
    eligible = (types == "dealbreaker") & (labels == 0)
    hits = scores >= result.threshold.threshold
    groups, _ = _groups(result)
    rate = rate_interval(hits, eligible, groups, seed=seed, n_resamples=n_bootstrap)
    return None if rate is None else _estimate(rate)


def dealbreaker_count(result: EvaluationResult) -> DealbreakerCount | None:
    """k of n dealbreaker pairs called compatible at the validation threshold, and in how many
    template groups the n pairs sit (``None`` when eval holds no dealbreaker pair)."""
    scores = np.asarray(result.cosine.scores)
    types = np.asarray(result.umap.pair_types, dtype=object)
    eligible = (types == "dealbreaker") & (np.asarray(result.cosine.labels) == 0)
    if not eligible.any():
        return None
    groups, _ = _groups(result)
    return DealbreakerCount(
        k=int(np.sum(eligible & (scores >= result.threshold.threshold))),
        n=int(eligible.sum()),
        n_templates=len({g for g, e in zip(groups, eligible, strict=True) if e}),
    )


def load_comparison(path: str | Path) -> ComparisonResult:
    """Read a ``comparison.json`` written by chapter 05 (with its side file, if any)."""
    return load_result(path, ComparisonResult)


def eligible_categories(
    summary: ModelSummary, min_per_label: int = MIN_CATEGORY_PER_LABEL
) -> dict[str, float]:
    """Margins of the categories with at least ``min_per_label`` eval pairs of each label."""
    return {
        name: margin.margin
        for name, margin in summary.category_margins.items()
        if margin.margin is not None
        and margin.n_compatible >= min_per_label
        and margin.n_incompatible >= min_per_label
    }


def easiest_and_hardest(
    comparison: ComparisonResult, model: str = "full"
) -> tuple[str | None, str | None]:
    """The categories with the widest and the narrowest margin for ``model``.

    Only categories with both labels and at least ``min_category_per_label`` pairs of each
    count; ties go to the larger category (the order of ``category_margins``). ``(None, None)``
    when none qualifies; the same name twice when exactly one does.
    """
    margins = eligible_categories(comparison.models()[model], comparison.min_category_per_label)
    if not margins:
        return None, None
    names = list(margins)
    easiest = max(names, key=lambda name: (margins[name], -names.index(name)))
    hardest = min(names, key=lambda name: (margins[name], names.index(name)))
    return easiest, hardest
