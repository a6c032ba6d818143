"""The eight evaluation metrics of p3: one function, :func:`evaluate`, used for every model.

Chapter 02 runs :func:`evaluate` on the base model and chapter 05 on the fine-tuned models, so
the before/after figures come from the same code. The module has two layers:

* pure functions on arrays, testable without a model: :func:`select_threshold`,
  :func:`cosine_summary`, :func:`separation`, :func:`classification`,
  :func:`category_margins`, :func:`spearman_summary`, :func:`bootstrap_intervals`,
  :func:`false_positives` and :func:`evaluate_scores`, which assembles them with the UMAP
  map and HDBSCAN clusters of :mod:`p3lib.evaluation.clustering` (over several UMAP seeds);
* :func:`evaluate`, which encodes the pairs with a model and calls :func:`evaluate_scores`.

Conventions used throughout:

* A pair is predicted compatible when its cosine score is **at or above** the threshold.
* The threshold is chosen on the **validation** split (carved from train); the eval split is
  only measured. The threshold that would be best on eval is reported separately, labelled as
  optimistic, for reference only.
* Standard deviations are sample standard deviations (``ddof=1``).
* Anything undefined is ``null`` in the JSON, never ``0`` (a category without one of the two
  labels has no margin; a clustering that finds no cluster has no purity).

Example:
    >>> import numpy as np
    >>> from p3lib.evaluation.metrics import select_threshold
    >>> choice = select_threshold(np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]),
    ...                           np.array([0, 0, 1, 0, 1, 1]))
    >>> round(choice.threshold, 2), round(choice.f1, 3)
    (0.25, 0.857)
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy import stats
from sklearn.metrics import roc_auc_score, roc_curve

from p3lib.data.schema import PAIR_TYPES, DatingPair
from p3lib.evaluation.cluster_bootstrap import ClusterIntervals, cluster_bootstrap, template_groups

# The UMAP map and HDBSCAN clusters (metrics 2 and 3) live in p3lib.evaluation.clustering; their
# names
# are imported here (re-exported) so that callers of p3lib.evaluation.metrics keep working.
from p3lib.evaluation.clustering import (  # noqa: F401
    HDBSCAN_MIN_CLUSTER_SIZE,
    HDBSCAN_MIN_SAMPLES,
    HDBSCAN_SELECTION,
    N_SHUFFLES,
    N_UMAP_SEEDS,
    PAIR_FEATURES,
    UMAP_METRIC,
    UMAP_MIN_DIST,
    UMAP_N_NEIGHBORS,
    UMAP_RANDOM_STATE,
    ClusterInfo,
    ClusteringOverSeeds,
    ClusterSummary,
    UmapProjection,
    cluster_points,
    clustering_over_seeds,
    pair_features,
    project_over_seeds,
    project_pairs,
)
from p3lib.evaluation.errors_by_type import ErrorsByPairType, errors_by_pair_type
from p3lib.evaluation.operating_point import (
    DEFAULT_TARGET_RECALL,
    MatchedOperatingPoint,
    matched_operating_point,
)
from p3lib.evaluation.tiers import TierReport

SWEEP_POINTS = 201
# Metrics with a bootstrap interval.
INTERVAL_METRICS = ("auc_roc", "margin", "cohens_d", "spearman")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------------------------
# Result models
# --------------------------------------------------------------------------------------------


class ThresholdChoice(_Model):
    """A decision threshold and the classification scores it gives on the split it was fitted on."""

    threshold: float
    f1: float
    accuracy: float
    precision: float
    recall: float
    n: int
    chosen_on: str = "validation"


class LabelStats(_Model):
    """Cosine scores of one label: count, mean, sample standard deviation, median."""

    n: int
    mean: float | None
    std: float | None
    median: float | None


class CosineSummary(_Model):
    """Metric 1: cosine score distributions by label, plus every pair's score (for overlays)."""

    compatible: LabelStats
    incompatible: LabelStats
    margin: float = Field(description="mean compatible - mean incompatible")
    scores: list[float]
    labels: list[int]


class FalsePositive(_Model):
    """An incompatible pair the model scores as compatible."""

    text_1: str
    text_2: str
    score: float
    pair_type: str
    category: str


class FalsePositives(_Model):
    """Metric 4: incompatible pairs at or above the threshold, counted by pair type.

    ``by_pair_type`` always lists the nine pair types of :data:`p3lib.data.schema.PAIR_TYPES`
    (zeros included), then any other type found in the data. ``share_of_incompatible`` is
    ``n / n_incompatible`` (the false positive rate). ``pairs`` is sorted by score, highest first.
    """

    threshold: float
    n: int
    n_incompatible: int
    share_of_incompatible: float
    by_pair_type: dict[str, int]
    incompatible_by_pair_type: dict[str, int]
    pairs: list[FalsePositive]


class Separation(_Model):
    """Metric 5: Cohen's d (pooled SD) and Welch's t-test, compatible vs incompatible."""

    cohens_d: float
    pooled_std: float
    t_statistic: float
    p_value: float
    degrees_of_freedom: float


class ClassificationAt(_Model):
    """Accuracy, precision, recall and F1 at one threshold, with the confusion counts."""

    threshold: float
    accuracy: float
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    tn: int
    fn: int


class RocCurve(_Model):
    """ROC curve points; ``thresholds[0]`` is ``null`` (sklearn's +inf: nothing predicted)."""

    fpr: list[float]
    tpr: list[float]
    thresholds: list[float | None]


class ThresholdSweep(_Model):
    """Metric 6: classification over thresholds 0..1, AUC-ROC, ROC curve, and the operating point.

    ``at_threshold`` uses the validation threshold (the honest figure). ``at_eval_optimal`` uses
    the threshold that is F1-best *on eval itself*; it is optimistic and for reference only.
    """

    thresholds: list[float]
    accuracy: list[float]
    precision: list[float]
    recall: list[float]
    f1: list[float]
    auc_roc: float
    roc: RocCurve
    at_threshold: ClassificationAt
    at_eval_optimal: ClassificationAt


class CategoryMargin(_Model):
    """Metric 7: one category's margin; ``null`` when the category lacks one of the labels."""

    n_compatible: int
    n_incompatible: int
    mean_compatible: float | None
    mean_incompatible: float | None
    margin: float | None


class Interval(_Model):
    """A bootstrap percentile interval around a point estimate."""

    estimate: float
    low: float
    high: float


class Intervals(_Model):
    """Seeded bootstrap percentile intervals; resamples pairs with replacement.

    A resample that happens to hold only one label is skipped; ``n_valid`` counts the rest.
    """

    level: float
    n_bootstrap: int
    n_valid: int
    seed: int
    auc_roc: Interval
    margin: Interval
    cohens_d: Interval
    spearman: Interval


class LeakFree(_Model):
    """Headline metrics on the eval pairs that do not occur in train (same text_1 and text_2).

    Metrics that the subset cannot define (it lacks a label, or has one pair of it) are ``null``.
    """

    n: int
    n_compatible: int
    n_incompatible: int
    margin: float | None
    cohens_d: float | None
    auc_roc: float | None
    spearman: float | None
    spearman_ratio: float | None
    f1: float
    accuracy: float
    precision: float
    recall: float
    threshold: float


class BaselineMetrics(_Model):
    """The PRD's flat summary (section 6), filled from an :class:`EvaluationResult`."""

    compatible_mean_cosine: float
    incompatible_mean_cosine: float
    compatibility_margin: float
    cohens_d: float
    t_statistic: float
    p_value: float
    auc_roc: float
    best_threshold: float
    best_f1: float
    accuracy_at_best_threshold: float
    precision_at_best_threshold: float
    recall_at_best_threshold: float
    # Medians over the UMAP seeds (p3lib.evaluation.clustering); n_clusters is a half-integer when
    # the
    # number of seeds is even.
    cluster_purity: float | None
    n_clusters: float
    noise_ratio: float
    spearman_correlation: float


HEADLINE_KEYS = (
    "margin",
    "cohens_d",
    "auc_roc",
    "spearman",
    "spearman_ratio",
    "purity",
    "f1",
    "accuracy",
    "n_false_positives",
    "threshold",
)


class EvaluationResult(_Model):
    """Everything :func:`evaluate` measures on one model; serialises to JSON.

    Top-level keys: ``name``, ``model``, ``n_pairs``, ``n_compatible``, ``n_incompatible``,
    ``threshold`` (the validation choice), ``cosine``, ``umap``, ``hdbscan``,
    ``false_positives``, ``separation``, ``cohens_d``, ``t_statistic``, ``p_value``,
    ``threshold_sweep``, ``auc_roc``, ``category_margins``, ``spearman``, ``spearman_p_value``,
    ``spearman_ceiling``, ``spearman_ratio``, ``intervals``, ``n_overlap``, ``leak_free``,
    ``clustering`` (:class:`p3lib.evaluation.clustering.ClusteringOverSeeds`),
    ``summary`` (the PRD's :class:`BaselineMetrics`), ``errors_by_pair_type``
    (:class:`p3lib.evaluation.errors_by_type.ErrorsByPairType`). No wall time is stored: the same
    inputs and
    seed give byte-identical JSON.
    """

    name: str = "eval"
    model: str | None = None
    n_pairs: int
    n_compatible: int
    n_incompatible: int
    threshold: ThresholdChoice
    cosine: CosineSummary
    umap: UmapProjection
    hdbscan: ClusterSummary
    # The clustering figures over several UMAP seeds, with the purity null; the headline purity
    # is their median. ``null`` in results written before it existed.
    clustering: ClusteringOverSeeds | None = None
    false_positives: FalsePositives
    separation: Separation
    cohens_d: float
    t_statistic: float
    p_value: float
    threshold_sweep: ThresholdSweep
    auc_roc: float
    category_margins: dict[str, CategoryMargin]
    spearman: float
    spearman_p_value: float
    spearman_ceiling: float
    spearman_ratio: float
    intervals: Intervals
    n_overlap: int
    leak_free: LeakFree | None
    summary: BaselineMetrics
    # Per pair type at the threshold (p3lib.evaluation.errors_by_type); None in results written
    # before it existed.
    errors_by_pair_type: ErrorsByPairType | None = None
    # Each pair's subcategory (its template group), the cluster bootstrap over those groups
    # (the intervals the book reports), and the matched-recall operating point. ``null`` in
    # results written before they existed, or when no groups / validation scores were given.
    groups: list[str] | None = None
    cluster_intervals: ClusterIntervals | None = None
    matched_recall: MatchedOperatingPoint | None = None
    # Seen templates, unseen templates, unseen topics (p3lib.evaluation.tiers); set by the chapters.
    tiers: TierReport | None = None

    primary_metric: ClassVar[str] = "spearman"

    def headline(self, prefix: str | None = None) -> dict[str, float | None]:
        """Flat ``{prefix}_{metric}`` dictionary of the headline metrics (``prefix=name``).

        Like a sentence-transformers evaluator's result: one dictionary per model, easy to log
        and to compare. ``purity`` is the median over the UMAP seeds, ``None`` when HDBSCAN found
        no cluster on any.

        Example:
            ``result.headline()["eval_auc_roc"]``
        """
        prefix = self.name if prefix is None else prefix
        at = self.threshold_sweep.at_threshold
        values = {
            "margin": self.cosine.margin,
            "cohens_d": self.cohens_d,
            "auc_roc": self.auc_roc,
            "spearman": self.spearman,
            "spearman_ratio": self.spearman_ratio,
            "purity": (
                self.clustering.purity.median
                if self.clustering is not None
                else self.hdbscan.purity
            ),
            "f1": at.f1,
            "accuracy": at.accuracy,
            "n_false_positives": float(self.false_positives.n),
            "threshold": self.threshold.threshold,
        }
        join = f"{prefix}_" if prefix else ""
        return {f"{join}{key}": values[key] for key in HEADLINE_KEYS}


# --------------------------------------------------------------------------------------------
# Pure functions on arrays
# --------------------------------------------------------------------------------------------


def _as_arrays(scores, labels) -> tuple[np.ndarray, np.ndarray]:
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=int)
    if scores.ndim != 1 or scores.shape != labels.shape:
        raise ValueError(
            f"scores and labels must be 1-d and of equal length, got {scores.shape} and "
            f"{labels.shape}"
        )
    if not np.all(np.isfinite(scores)):
        raise ValueError("scores contain NaN or infinite values")
    if not np.isin(labels, (0, 1)).all():
        raise ValueError("labels must be 0 or 1")
    return scores, labels


def require_both_labels(labels: np.ndarray, what: str = "the eval set") -> None:
    """Raise ValueError unless ``labels`` hold at least two pairs of each label."""
    n1 = int(labels.sum())
    n0 = int(labels.size - n1)
    if n1 == 0 or n0 == 0:
        only = "compatible (1)" if n0 == 0 else "incompatible (0)"
        raise ValueError(
            f"{what} has only {only} pairs ({labels.size} pairs): AUC-ROC, the margin, "
            "Cohen's d and Spearman's rho are undefined without both labels"
        )
    if n1 < 2 or n0 < 2:
        raise ValueError(
            f"{what} has {n1} compatible and {n0} incompatible pairs: at least 2 of each label "
            "are needed for the standard deviations, Cohen's d and Welch's t-test"
        )


def classification_at(scores, labels, threshold: float) -> ClassificationAt:
    """Accuracy, precision, recall and F1 when ``score >= threshold`` predicts compatible.

    Precision (and so F1) is 0 when nothing is predicted compatible.
    """
    scores, labels = _as_arrays(scores, labels)
    predicted = scores >= threshold
    positive = labels == 1
    tp = int(np.sum(predicted & positive))
    fp = int(np.sum(predicted & ~positive))
    fn = int(np.sum(~predicted & positive))
    tn = int(np.sum(~predicted & ~positive))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return ClassificationAt(
        threshold=float(threshold),
        accuracy=(tp + tn) / labels.size,
        precision=precision,
        recall=recall,
        f1=f1,
        tp=tp,
        fp=fp,
        tn=tn,
        fn=fn,
    )


def select_threshold(scores, labels, chosen_on: str = "validation") -> ThresholdChoice:
    """The F1-best threshold; call it on VALIDATION scores, never on the eval split.

    Candidates are the lowest score (everything compatible) and the midpoints between
    consecutive distinct scores, so the threshold sits between the pairs it separates rather
    than on one of them. Ties in F1 go to the higher accuracy, then to the lower threshold.

    Args:
        scores: cosine scores of the validation pairs.
        labels: their labels (0/1).
        chosen_on: which split the scores come from, recorded in the result.

    Raises:
        ValueError: no compatible pair (F1 is undefined) or mismatched inputs.
    """
    scores, labels = _as_arrays(scores, labels)
    if labels.size == 0 or labels.sum() == 0:
        raise ValueError(
            f"cannot choose an F1-best threshold: the {chosen_on} set has no compatible pairs"
        )
    distinct = np.unique(scores)
    candidates = np.concatenate([distinct[:1], (distinct[:-1] + distinct[1:]) / 2])
    order = np.argsort(-scores, kind="stable")
    sorted_scores = scores[order]
    sorted_labels = labels[order]
    n_pos = int(labels.sum())
    n = labels.size
    # Predicted positives for each candidate: scores >= t, counted on the descending sort.
    k = np.searchsorted(-sorted_scores, -candidates, side="right")
    cum_tp = np.concatenate([[0], np.cumsum(sorted_labels)])
    tp = cum_tp[k]
    fp = k - tp
    fn = n_pos - tp
    f1 = np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)
    accuracy = (tp + (n - n_pos - fp)) / n
    best = np.lexsort((candidates, -accuracy, -f1))[0]
    at = classification_at(scores, labels, float(candidates[best]))
    return ThresholdChoice(
        threshold=at.threshold,
        f1=at.f1,
        accuracy=at.accuracy,
        precision=at.precision,
        recall=at.recall,
        n=int(n),
        chosen_on=chosen_on,
    )


def _label_stats(values: np.ndarray) -> LabelStats:
    if values.size == 0:
        return LabelStats(n=0, mean=None, std=None, median=None)
    return LabelStats(
        n=int(values.size),
        mean=float(np.mean(values)),
        std=float(np.std(values, ddof=1)) if values.size > 1 else None,
        median=float(np.median(values)),
    )


def cosine_summary(scores, labels) -> CosineSummary:
    """Metric 1: per-label mean, sample std, median, and the margin (compatible - incompatible)."""
    scores, labels = _as_arrays(scores, labels)
    require_both_labels(labels)
    compatible = _label_stats(scores[labels == 1])
    incompatible = _label_stats(scores[labels == 0])
    return CosineSummary(
        compatible=compatible,
        incompatible=incompatible,
        margin=compatible.mean - incompatible.mean,
        scores=[float(s) for s in scores],
        labels=[int(label) for label in labels],
    )


def separation(scores, labels) -> Separation:
    """Metric 5: Cohen's d with the pooled SD, and Welch's t-test (unequal variances).

    Cohen's d is ``(m1 - m0) / sqrt(((n1-1) s1^2 + (n0-1) s0^2) / (n1 + n0 - 2))``; by the usual
    reading 0.2 is small, 0.5 medium and 0.8 large.

    Raises:
        ValueError: identical scores within both labels (zero pooled SD).
    """
    scores, labels = _as_arrays(scores, labels)
    require_both_labels(labels)
    a, b = scores[labels == 1], scores[labels == 0]
    pooled = math.sqrt(
        ((a.size - 1) * np.var(a, ddof=1) + (b.size - 1) * np.var(b, ddof=1))
        / (a.size + b.size - 2)
    )
    if pooled == 0:
        raise ValueError("every pair of a label has the same score: Cohen's d is undefined")
    welch = stats.ttest_ind(a, b, equal_var=False)
    return Separation(
        cohens_d=float((a.mean() - b.mean()) / pooled),
        pooled_std=pooled,
        t_statistic=float(welch.statistic),
        p_value=float(welch.pvalue),
        degrees_of_freedom=float(welch.df),
    )


def classification(
    scores, labels, threshold: float, n_points: int = SWEEP_POINTS
) -> ThresholdSweep:
    """Metric 6: threshold sweep over -1..1, AUC-ROC, ROC curve, and the scores at ``threshold``.

    The sweep starts at -1, the lowest cosine, so a model whose scores run negative (the base
    model scores some pairs below 0) is swept over all of them.
    """
    scores, labels = _as_arrays(scores, labels)
    require_both_labels(labels)
    grid = np.linspace(-1.0, 1.0, n_points)
    rows = [classification_at(scores, labels, float(t)) for t in grid]
    fpr, tpr, roc_thresholds = roc_curve(labels, scores)
    eval_best = select_threshold(scores, labels, chosen_on="eval")
    return ThresholdSweep(
        thresholds=[float(t) for t in grid],
        accuracy=[row.accuracy for row in rows],
        precision=[row.precision for row in rows],
        recall=[row.recall for row in rows],
        f1=[row.f1 for row in rows],
        auc_roc=float(roc_auc_score(labels, scores)),
        roc=RocCurve(
            fpr=[float(x) for x in fpr],
            tpr=[float(x) for x in tpr],
            thresholds=[float(t) if np.isfinite(t) else None for t in roc_thresholds],
        ),
        at_threshold=classification_at(scores, labels, threshold),
        at_eval_optimal=classification_at(scores, labels, eval_best.threshold),
    )


def category_margins(scores, labels, categories: Sequence[str]) -> dict[str, CategoryMargin]:
    """Metric 7: margin per category with n per label; ``null`` where a label is absent.

    Categories are ordered by size (largest first), then name.
    """
    scores, labels = _as_arrays(scores, labels)
    categories = np.asarray(list(categories), dtype=object)
    counts = Counter(categories.tolist())
    result: dict[str, CategoryMargin] = {}
    for category in sorted(counts, key=lambda c: (-counts[c], c)):
        mask = categories == category
        a, b = scores[mask & (labels == 1)], scores[mask & (labels == 0)]
        mean_a = float(a.mean()) if a.size else None
        mean_b = float(b.mean()) if b.size else None
        result[category] = CategoryMargin(
            n_compatible=int(a.size),
            n_incompatible=int(b.size),
            mean_compatible=mean_a,
            mean_incompatible=mean_b,
            margin=mean_a - mean_b if a.size and b.size else None,
        )
    return result


def spearman_ceiling(labels) -> float:
    """``sqrt(3 p (1 - p))``: the largest Spearman's rho of tie-free scores vs binary labels.

    With ``p`` the share of label 1, a perfect ranking (every compatible pair above every
    incompatible one) gives rho = ``sqrt(3 p (1 - p)) * n / sqrt(n^2 - 1)``, which tends to the
    ceiling as n grows (by 0.0006% at n = 295). Rho near 1 is impossible with binary labels.
    """
    labels = np.asarray(labels, dtype=float)
    p = float(labels.mean())
    return math.sqrt(3 * p * (1 - p))


def spearman_summary(scores, labels) -> tuple[float, float, float, float]:
    """``(rho, p_value, ceiling, rho / ceiling)`` of score vs label (scipy.stats.spearmanr)."""
    scores, labels = _as_arrays(scores, labels)
    require_both_labels(labels)
    result = stats.spearmanr(scores, labels)
    rho = float(result.statistic)
    ceiling = spearman_ceiling(labels)
    return rho, float(result.pvalue), ceiling, rho / ceiling


def _rowwise_metrics(scores: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
    """AUC, margin, Cohen's d and Spearman for each row of (resamples x pairs) matrices.

    AUC is the Mann-Whitney statistic on average ranks (equal to sklearn's roc_auc_score, ties
    counted half); Spearman is Pearson's r of the average ranks (equal to scipy's spearmanr).
    Rows without both labels, or with fewer than two of a label, give NaN.
    """
    score_ranks = stats.rankdata(scores, axis=1)
    label_ranks = stats.rankdata(labels, axis=1)
    positive = labels == 1
    n1 = positive.sum(axis=1).astype(float)
    n0 = labels.shape[1] - n1
    valid = (n1 >= 2) & (n0 >= 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = ((score_ranks * positive).sum(axis=1) - n1 * (n1 + 1) / 2) / (n1 * n0)
        sum1 = (scores * positive).sum(axis=1)
        sum0 = (scores * ~positive).sum(axis=1)
        mean1, mean0 = sum1 / n1, sum0 / n0
        ss1 = (((scores - mean1[:, None]) ** 2) * positive).sum(axis=1)
        ss0 = (((scores - mean0[:, None]) ** 2) * ~positive).sum(axis=1)
        pooled = np.sqrt((ss1 + ss0) / (n1 + n0 - 2))
        margin = mean1 - mean0
        d = margin / pooled
        sc = score_ranks - score_ranks.mean(axis=1, keepdims=True)
        lc = label_ranks - label_ranks.mean(axis=1, keepdims=True)
        rho = (sc * lc).sum(axis=1) / np.sqrt((sc**2).sum(axis=1) * (lc**2).sum(axis=1))
    out = {"auc_roc": auc, "margin": margin, "cohens_d": d, "spearman": rho}
    return {key: np.where(valid, value, np.nan) for key, value in out.items()}


def _resample_metrics(
    scores: np.ndarray, labels: np.ndarray, *, seed: int, n_bootstrap: int, chunk: int
) -> dict[str, np.ndarray]:
    """The interval metrics of ``n_bootstrap`` resamples of pairs, one row of scores per model.

    ``scores`` is (models x pairs); every model is measured on the *same* resampled pairs,
    drawn with ``numpy.random.Generator(PCG64(seed))``. Returns ``metric -> (models x
    resamples)``; resamples that lack two pairs of each label are NaN.
    """
    if n_bootstrap < 1:
        raise ValueError(f"n_bootstrap must be at least 1, got {n_bootstrap}")
    rng = np.random.Generator(np.random.PCG64(seed))
    n = labels.size
    parts: dict[str, list[np.ndarray]] = {key: [] for key in INTERVAL_METRICS}
    for start in range(0, n_bootstrap, chunk):
        size = min(chunk, n_bootstrap - start)
        index = rng.integers(0, n, size=(size, n))
        per_model = [_rowwise_metrics(row[index], labels[index]) for row in scores]
        for key in INTERVAL_METRICS:
            parts[key].append(np.stack([values[key] for values in per_model]))
    return {key: np.concatenate(parts[key], axis=1) for key in INTERVAL_METRICS}


def _bootstrap(
    scores: np.ndarray, labels: np.ndarray, *, seed: int, n_bootstrap: int, chunk: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """``(resampled, point)`` for each row of ``scores`` (models x pairs) on ``labels``.

    ``resampled`` is :func:`_resample_metrics`; ``point`` holds each model's metrics on all the
    pairs (AUC from scikit-learn), the estimates the intervals are built around.
    """
    require_both_labels(labels)
    resampled = _resample_metrics(scores, labels, seed=seed, n_bootstrap=n_bootstrap, chunk=chunk)
    point = _rowwise_metrics(scores, np.broadcast_to(labels, scores.shape))
    point["auc_roc"] = np.array([roc_auc_score(labels, row) for row in scores])
    return resampled, point


def _difference_intervals(
    a: tuple[dict[str, np.ndarray], dict[str, np.ndarray]],
    b: tuple[dict[str, np.ndarray], dict[str, np.ndarray]],
    level: float,
) -> dict[str, Interval]:
    """Percentile intervals of ``a - b``, resample by resample, from two :func:`_bootstrap`
    rows (each a ``(resampled, point)`` pair holding one model)."""
    (a_resampled, a_point), (b_resampled, b_point) = a, b
    with np.errstate(invalid="ignore"):  # inf - inf where a resample's spread is 0
        return {
            key: _percentile_interval(
                a_resampled[key][0] - b_resampled[key][0], a_point[key][0] - b_point[key][0], level
            )
            for key in INTERVAL_METRICS
        }


def _row(result: tuple[dict[str, np.ndarray], dict[str, np.ndarray]], i: int):
    """Model ``i``'s row of a :func:`_bootstrap` result, still 2-d (one row)."""
    resampled, point = result
    return (
        {key: value[i : i + 1] for key, value in resampled.items()},
        {key: value[i : i + 1] for key, value in point.items()},
    )


def _percentile_interval(values: np.ndarray, estimate: float, level: float) -> Interval:
    """The percentile interval of the finite ``values`` (NaN: a resample that lacked a label)."""
    values = values[np.isfinite(values)]
    alpha = (1 - level) / 2 * 100
    low, high = np.percentile(values, [alpha, 100 - alpha]) if values.size else (np.nan,) * 2
    return Interval(estimate=float(estimate), low=float(low), high=float(high))


def bootstrap_intervals(
    scores,
    labels,
    *,
    seed: int = 42,
    n_bootstrap: int = 1000,
    level: float = 0.95,
    chunk: int = 250,
) -> Intervals:
    """Percentile bootstrap intervals for AUC-ROC, margin, Cohen's d and Spearman's rho.

    Resamples pairs with replacement, ``n_bootstrap`` times, with ``numpy.random.Generator``
    seeded by ``seed``: the same inputs and seed give the same intervals.
    """
    scores, labels = _as_arrays(scores, labels)
    resampled, point = _bootstrap(
        scores[None, :], labels, seed=seed, n_bootstrap=n_bootstrap, chunk=chunk
    )
    intervals = {
        key: _percentile_interval(resampled[key][0], point[key][0], level)
        for key in INTERVAL_METRICS
    }
    n_valid = int(np.isfinite(resampled["spearman"][0]).sum())
    return Intervals(level=level, n_bootstrap=n_bootstrap, n_valid=n_valid, seed=seed, **intervals)


def paired_differences(
    scores_a,
    scores_b,
    labels,
    *,
    seed: int = 42,
    n_bootstrap: int = 1000,
    level: float = 0.95,
    chunk: int = 250,
) -> dict[str, Interval]:
    """Paired bootstrap intervals of ``metric(a) - metric(b)`` for two models on the same pairs.

    Why paired: two models scored on one eval split share its luck (an easy draw of pairs
    flatters both), so whether their two separate intervals overlap says little about their
    difference. Each resample here takes the same pairs for both models and records the
    difference; the percentile interval of those differences excludes 0 only when the
    difference holds across resamples of the split. Same seed, same resamples as
    :func:`bootstrap_intervals`.

    Example:
        >>> d = paired_differences([0.9, 0.8, 0.3, 0.2], [0.7, 0.6, 0.1, 0.0], [1, 1, 0, 0],
        ...                        n_bootstrap=50)
        >>> round(d["margin"].estimate, 6), round(d["margin"].low, 6), d["spearman"].high
        (0.0, 0.0, 0.0)
    """
    if np.size(scores_a) != np.size(scores_b):
        raise ValueError(
            "the two models scored different numbers of pairs: "
            f"{np.size(scores_a)} and {np.size(scores_b)}"
        )
    scores_a, labels = _as_arrays(scores_a, labels)
    scores_b, _ = _as_arrays(scores_b, labels)
    both = _bootstrap(
        np.stack([scores_a, scores_b]), labels, seed=seed, n_bootstrap=n_bootstrap, chunk=chunk
    )
    return _difference_intervals(_row(both, 0), _row(both, 1), level)


def independent_differences(
    scores_a,
    labels_a,
    scores_b,
    labels_b,
    *,
    seed: int = 42,
    n_bootstrap: int = 1000,
    level: float = 0.95,
    chunk: int = 250,
) -> dict[str, Interval]:
    """Bootstrap intervals of ``metric(a) - metric(b)`` for one model on two *different* splits.

    The counterpart of :func:`paired_differences` when the pairs differ (a model on eval and
    on out-of-distribution pairs): each split is resampled on its own (``a`` with ``seed``, as
    :func:`bootstrap_intervals` does, ``b`` with ``seed + 1``) and the i-th resample of one is
    set against the i-th of the other, which draws from the distribution of the difference of
    two independent estimates.

    Example:
        >>> d = independent_differences([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0],
        ...                             [0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0], n_bootstrap=50)
        >>> d["auc_roc"].estimate, d["auc_roc"].low, d["auc_roc"].high
        (0.0, 0.0, 0.0)
    """
    sides = []
    for scores, labels, side_seed in ((scores_a, labels_a, seed), (scores_b, labels_b, seed + 1)):
        scores, labels = _as_arrays(scores, labels)
        sides.append(
            _bootstrap(
                scores[None, :], labels, seed=side_seed, n_bootstrap=n_bootstrap, chunk=chunk
            )
        )
    return _difference_intervals(sides[0], sides[1], level)


def false_positives(
    scores,
    labels,
    pair_types: Sequence[str],
    categories: Sequence[str],
    texts: Sequence[tuple[str, str]],
    threshold: float,
) -> FalsePositives:
    """Metric 4: incompatible pairs scored at or above ``threshold``, counted by pair type."""
    scores, labels = _as_arrays(scores, labels)
    pair_types = list(pair_types)
    known = list(PAIR_TYPES) + sorted(set(pair_types) - set(PAIR_TYPES))
    by_type = dict.fromkeys(known, 0)
    incompatible_by_type = dict.fromkeys(known, 0)
    found = []
    for i in np.argsort(-scores, kind="stable"):
        if labels[i] != 0:
            continue
        incompatible_by_type[pair_types[i]] += 1
        if scores[i] >= threshold:
            by_type[pair_types[i]] += 1
            found.append(
                FalsePositive(
                    text_1=texts[i][0],
                    text_2=texts[i][1],
                    score=float(scores[i]),
                    pair_type=pair_types[i],
                    category=categories[i],
                )
            )
    n_incompatible = int(np.sum(labels == 0))
    return FalsePositives(
        threshold=float(threshold),
        n=len(found),
        n_incompatible=n_incompatible,
        share_of_incompatible=len(found) / n_incompatible if n_incompatible else 0.0,
        by_pair_type=by_type,
        incompatible_by_pair_type=incompatible_by_type,
        pairs=found,
    )


def _leak_free(scores: np.ndarray, labels: np.ndarray, threshold: float) -> LeakFree:
    n1 = int(labels.sum())
    n0 = int(labels.size - n1)
    at = classification_at(scores, labels, threshold)
    defined = n1 >= 2 and n0 >= 2
    both = n1 >= 1 and n0 >= 1
    rho = ratio = None
    if defined:
        rho, _, _, ratio = spearman_summary(scores, labels)
    return LeakFree(
        n=int(labels.size),
        n_compatible=n1,
        n_incompatible=n0,
        margin=float(scores[labels == 1].mean() - scores[labels == 0].mean()) if both else None,
        cohens_d=separation(scores, labels).cohens_d if defined else None,
        auc_roc=float(roc_auc_score(labels, scores)) if both else None,
        spearman=rho,
        spearman_ratio=ratio,
        f1=at.f1,
        accuracy=at.accuracy,
        precision=at.precision,
        recall=at.recall,
        threshold=float(threshold),
    )


def overlap_mask(eval_pairs: Sequence[DatingPair], train_pairs: Sequence[DatingPair]) -> np.ndarray:
    """True for each eval pair whose (text_1, text_2) also occurs in train."""
    train_keys = {pair.key for pair in train_pairs}
    return np.array([pair.key in train_keys for pair in eval_pairs], dtype=bool)


def evaluate_scores(
    scores,
    labels,
    pair_types: Sequence[str],
    categories: Sequence[str],
    pair_points: np.ndarray | None,
    *,
    threshold: float | ThresholdChoice,
    texts: Sequence[tuple[str, str]],
    seed: int = 42,
    n_bootstrap: int = 1000,
    leak_mask=None,
    projection: np.ndarray | None = None,
    umap_n_neighbors: int = UMAP_N_NEIGHBORS,
    umap_min_dist: float = UMAP_MIN_DIST,
    umap_metric: str = UMAP_METRIC,
    umap_random_state: int = UMAP_RANDOM_STATE,
    n_umap_seeds: int = N_UMAP_SEEDS,
    n_shuffles: int = N_SHUFFLES,
    hdbscan_min_cluster_size: int = HDBSCAN_MIN_CLUSTER_SIZE,
    hdbscan_min_samples: int = HDBSCAN_MIN_SAMPLES,
    hdbscan_cluster_selection_method: str = HDBSCAN_SELECTION,
    name: str = "eval",
    model: str | None = None,
    groups: Sequence[str] | None = None,
    validation_scores=None,
    validation_labels=None,
    target_recall: float = DEFAULT_TARGET_RECALL,
) -> EvaluationResult:
    """All eight metrics from eval scores, with a threshold chosen elsewhere (on validation).

    Args:
        scores: cosine score of each eval pair.
        labels: 0/1 label of each eval pair.
        pair_types: pair type of each eval pair.
        categories: category of each eval pair.
        pair_points: pair features to project with UMAP (see :func:`pair_features`); ignored
            when ``projection`` is given.
        threshold: the validation threshold (a number or :func:`select_threshold`'s result).
        texts: ``(text_1, text_2)`` of each eval pair, raw (escaped where drawn).
        seed: bootstrap seed.
        n_bootstrap: bootstrap resamples.
        leak_mask: True for eval pairs that also occur in train; with any True, the headline
            metrics are repeated on the rest in ``leak_free``.
        projection: precomputed 2-d points (skips UMAP, so one "seed"), e.g. for tests.
        n_umap_seeds: UMAP random states the clustering figures are measured over
            (``umap_random_state`` and the next ones); the first projection is the map.
        n_shuffles: label shuffles of the purity null
        (:func:`p3lib.evaluation.clustering.purity_null`,
            seeded with ``seed``).
        groups: each eval pair's template group (its subcategory); with them, every table
            metric gets a cluster-bootstrap interval (:mod:`p3lib.evaluation.cluster_bootstrap`).
        validation_scores: the validation pairs' scores; with ``validation_labels`` they give
            the matched-recall operating point (:mod:`p3lib.evaluation.operating_point`).
        target_recall: the validation recall of the matched operating point.

    Raises:
        ValueError: the eval set lacks a label (AUC and margin undefined) or has fewer than two
            pairs of one, or the inputs have different lengths.
    """
    scores, labels = _as_arrays(scores, labels)
    require_both_labels(labels)
    n = scores.size
    pair_types, categories, texts = list(pair_types), list(categories), list(texts)
    for what, values in (("pair_types", pair_types), ("categories", categories), ("texts", texts)):
        if len(values) != n:
            raise ValueError(f"{what} has {len(values)} entries for {n} scores")
    if isinstance(threshold, ThresholdChoice):
        choice = threshold
    else:
        choice = ThresholdChoice(
            threshold=float(threshold),
            **classification_at(scores, labels, float(threshold)).model_dump(
                include={"f1", "accuracy", "precision", "recall"}
            ),
            n=n,
            chosen_on="given",
        )
    t = choice.threshold

    cosine = cosine_summary(scores, labels)
    if n_umap_seeds < 1:
        raise ValueError(f"n_umap_seeds must be at least 1, got {n_umap_seeds}")
    if projection is None:
        if pair_points is None:
            raise ValueError("give pair_points (pair features for UMAP) or a 2-d projection")
        seeds = [umap_random_state + k for k in range(n_umap_seeds)]
        # One exact neighbour search serves every seed (p3lib.evaluation.clustering explains why).
        projected_points = project_over_seeds(
            pair_points,
            seeds,
            n_neighbors=umap_n_neighbors,
            min_dist=umap_min_dist,
            metric=umap_metric,
        )
        points, used = projected_points[0]
        projections = [p for p, _ in projected_points]
    else:
        points, used = np.asarray(projection, dtype=float), 0
        if points.shape != (n, 2):
            raise ValueError(f"projection must have shape ({n}, 2), got {points.shape}")
        seeds, projections = [None], [points]
    projected = UmapProjection(
        n_neighbors=used,
        min_dist=umap_min_dist,
        metric=umap_metric,
        random_state=umap_random_state,
        x=[float(x) for x in points[:, 0]],
        y=[float(y) for y in points[:, 1]],
        labels=cosine.labels,
        pair_types=pair_types,
        categories=categories,
        text_1=[a for a, _ in texts],
        text_2=[b for _, b in texts],
        scores=cosine.scores,
    )
    over_seeds, seed_clusters = clustering_over_seeds(
        projections,
        seeds,
        labels,
        features=pair_points if projection is None else None,
        min_cluster_size=hdbscan_min_cluster_size,
        min_samples=hdbscan_min_samples,
        cluster_selection_method=hdbscan_cluster_selection_method,
        n_shuffles=n_shuffles,
        null_seed=seed,
    )
    clusters = seed_clusters[0]
    fps = false_positives(scores, labels, pair_types, categories, texts, t)
    sep = separation(scores, labels)
    sweep = classification(scores, labels, t)
    rho, rho_p, ceiling, ratio = spearman_summary(scores, labels)
    intervals = bootstrap_intervals(scores, labels, seed=seed, n_bootstrap=n_bootstrap)
    cluster_intervals = None
    if groups is not None:
        groups = [str(g) for g in groups]
        if len(groups) != n:
            raise ValueError(f"groups has {len(groups)} entries for {n} scores")
        cluster_intervals = cluster_bootstrap(
            scores, labels, groups, t, seed=seed, n_resamples=n_bootstrap
        )
    matched = None
    if validation_scores is not None and validation_labels is not None:
        matched = matched_operating_point(
            scores, labels, pair_types, validation_scores, validation_labels, target_recall
        )

    n_overlap = 0
    leak_free = None
    if leak_mask is not None:
        leak_mask = np.asarray(leak_mask, dtype=bool)
        if leak_mask.shape != (n,):
            raise ValueError(f"leak_mask must have {n} entries, got {leak_mask.shape}")
        n_overlap = int(leak_mask.sum())
        if n_overlap:
            keep = ~leak_mask
            leak_free = _leak_free(scores[keep], labels[keep], t)

    at = sweep.at_threshold
    summary = BaselineMetrics(
        compatible_mean_cosine=cosine.compatible.mean,
        incompatible_mean_cosine=cosine.incompatible.mean,
        compatibility_margin=cosine.margin,
        cohens_d=sep.cohens_d,
        t_statistic=sep.t_statistic,
        p_value=sep.p_value,
        auc_roc=sweep.auc_roc,
        best_threshold=t,
        best_f1=at.f1,
        accuracy_at_best_threshold=at.accuracy,
        precision_at_best_threshold=at.precision,
        recall_at_best_threshold=at.recall,
        cluster_purity=over_seeds.purity.median,
        n_clusters=over_seeds.n_clusters.median,
        noise_ratio=over_seeds.noise_fraction.median,
        spearman_correlation=rho,
    )
    return EvaluationResult(
        name=name,
        model=model,
        n_pairs=n,
        n_compatible=int(labels.sum()),
        n_incompatible=int(n - labels.sum()),
        threshold=choice,
        cosine=cosine,
        umap=projected,
        hdbscan=clusters,
        clustering=over_seeds,
        false_positives=fps,
        separation=sep,
        cohens_d=sep.cohens_d,
        t_statistic=sep.t_statistic,
        p_value=sep.p_value,
        threshold_sweep=sweep,
        auc_roc=sweep.auc_roc,
        category_margins=category_margins(scores, labels, categories),
        spearman=rho,
        spearman_p_value=rho_p,
        spearman_ceiling=ceiling,
        spearman_ratio=ratio,
        intervals=intervals,
        n_overlap=n_overlap,
        leak_free=leak_free,
        summary=summary,
        errors_by_pair_type=errors_by_pair_type(scores, labels, pair_types, t),
        groups=groups,
        cluster_intervals=cluster_intervals,
        matched_recall=matched,
    )


# --------------------------------------------------------------------------------------------
# Model-level wrapper
# --------------------------------------------------------------------------------------------


def evaluate(
    model,
    eval_pairs: Sequence[DatingPair],
    validation_pairs: Sequence[DatingPair],
    train_pairs: Sequence[DatingPair] | None = None,
    *,
    seed: int = 42,
    n_bootstrap: int = 1000,
    umap_n_neighbors: int = UMAP_N_NEIGHBORS,
    umap_min_dist: float = UMAP_MIN_DIST,
    umap_metric: str = UMAP_METRIC,
    umap_random_state: int = UMAP_RANDOM_STATE,
    n_umap_seeds: int = N_UMAP_SEEDS,
    n_shuffles: int = N_SHUFFLES,
    hdbscan_min_cluster_size: int = HDBSCAN_MIN_CLUSTER_SIZE,
    hdbscan_min_samples: int = HDBSCAN_MIN_SAMPLES,
    hdbscan_cluster_selection_method: str = HDBSCAN_SELECTION,
    show_progress_bar: bool = True,
    batch_size: int = 64,
    name: str = "eval",
    model_name: str | None = None,
    prompt: str | None = None,
    target_recall: float = DEFAULT_TARGET_RECALL,
    embedding_cache: str | Path | None = None,
) -> EvaluationResult:
    """Encode the pairs with ``model`` and measure the eight metrics on ``eval_pairs``.

    The decision threshold is the F1-best threshold on ``validation_pairs`` (the eval split
    never chooses anything); the threshold that would be best on eval is reported separately,
    as ``threshold_sweep.at_eval_optimal``. Each distinct text is encoded once, L2-normalised.

    Args:
        model: a SentenceTransformer (e.g. from :func:`p3lib.evaluation.embed.load_model`).
        eval_pairs: the pairs to measure.
        validation_pairs: the pairs that choose the threshold (from
            :func:`p3lib.data.splits.apply_split`).
        train_pairs: all train pairs; eval pairs that also occur there are reported
            (``n_overlap``) and the headline metrics repeated without them (``leak_free``).
        seed: bootstrap seed.
        n_bootstrap: bootstrap resamples.
        n_umap_seeds: UMAP random states of the clustering figures (median and range).
        n_shuffles: label shuffles of the purity null.
        show_progress_bar: show the encoding progress bar.
        name: prefix of :meth:`EvaluationResult.headline` keys.
        model_name: recorded in the result's ``model`` field.
        prompt: an instruction prepended to every statement (eval and validation alike)
            before encoding; give the one a model was trained with (``TrainConfig.prompts``).
        target_recall: the validation recall at which the matched operating point is set.
        embedding_cache: a folder (a run's ``RunLayout.embeddings``) where the statements'
            vectors are kept and found again when the same model encodes the same statements
            (:mod:`p3lib.evaluation.embedding_cache`); ``None`` encodes without keeping anything.

    Example:
        >>> from p3lib.evaluation.embed import load_model
        >>> model = load_model()  # doctest: +SKIP
        >>> result = evaluate(model, eval_pairs, validation_pairs, train_pairs)  # doctest: +SKIP
        >>> result.headline()["eval_auc_roc"]  # doctest: +SKIP
    """
    from p3lib.evaluation.embed import cosine_scores, encode_texts

    eval_pairs, validation_pairs = list(eval_pairs), list(validation_pairs)
    if not eval_pairs:
        raise ValueError("the eval set is empty")
    if not validation_pairs:
        raise ValueError("the validation set is empty: it is needed to choose the threshold")
    everything = eval_pairs + validation_pairs
    table = encode_texts(
        model,
        [p.text_1 for p in everything] + [p.text_2 for p in everything],
        batch_size=batch_size,
        show_progress_bar=show_progress_bar,
        prompt=prompt,
        cache_dir=embedding_cache,
    )

    def embed(pairs):
        u = np.stack([table[p.text_1] for p in pairs]).astype(float)
        v = np.stack([table[p.text_2] for p in pairs]).astype(float)
        return u, v

    vu, vv = embed(validation_pairs)
    validation_labels = np.array([int(p.label) for p in validation_pairs])
    validation_scores = cosine_scores(vu, vv)
    choice = select_threshold(validation_scores, validation_labels, chosen_on="validation")
    u, v = embed(eval_pairs)
    return evaluate_scores(
        cosine_scores(u, v),
        np.array([int(p.label) for p in eval_pairs]),
        [p.pair_type for p in eval_pairs],
        [p.category for p in eval_pairs],
        pair_features(u, v),
        threshold=choice,
        texts=[(p.text_1, p.text_2) for p in eval_pairs],
        seed=seed,
        n_bootstrap=n_bootstrap,
        leak_mask=overlap_mask(eval_pairs, train_pairs) if train_pairs is not None else None,
        umap_n_neighbors=umap_n_neighbors,
        umap_min_dist=umap_min_dist,
        umap_metric=umap_metric,
        umap_random_state=umap_random_state,
        n_umap_seeds=n_umap_seeds,
        n_shuffles=n_shuffles,
        hdbscan_min_cluster_size=hdbscan_min_cluster_size,
        hdbscan_min_samples=hdbscan_min_samples,
        hdbscan_cluster_selection_method=hdbscan_cluster_selection_method,
        name=name,
        model=model_name,
        groups=template_groups(eval_pairs),
        validation_scores=validation_scores,
        validation_labels=validation_labels,
        target_recall=target_recall,
    )
