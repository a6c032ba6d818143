"""What an evaluation of one model returns: pydantic models that serialise to the run's JSON.

Kept apart from the functions that fill them (:mod:`p3lib.evaluation.metrics`,
:mod:`p3lib.evaluation.pair_bootstrap`, :mod:`p3lib.evaluation.pipeline`) because most readers of
a result never compute one: the charts, the comparison, the book's sentences and the result
files load an :class:`EvaluationResult` and read its fields. Anything undefined is ``null`` in
the JSON, never ``0``; no wall time is stored, so the same inputs and seed give byte-identical
JSON.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from p3lib.evaluation.cluster_bootstrap import ClusterIntervals
from p3lib.evaluation.clustering import ClusteringOverSeeds, ClusterSummary, UmapProjection
from p3lib.evaluation.errors_by_type import ErrorsByPairType
from p3lib.evaluation.operating_point import MatchedOperatingPoint
from p3lib.evaluation.tiers import TierReport

# Metrics with a bootstrap interval.
INTERVAL_METRICS = ("auc_roc", "margin", "cohens_d", "spearman")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


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
    # the number of seeds is even.
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
    "false_positive_rate",
    "threshold",
)


class EvaluationResult(_Model):
    """Everything :func:`p3lib.evaluation.pipeline.evaluate` measures on one model, as JSON.

    Top-level keys: ``name``, ``model``, ``n_pairs``, ``n_compatible``, ``n_incompatible``,
    ``threshold`` (the validation choice), ``cosine``, ``umap``, ``hdbscan``,
    ``false_positives``, ``separation``, ``cohens_d``, ``t_statistic``, ``p_value``,
    ``threshold_sweep``, ``auc_roc``, ``category_margins``, ``spearman``, ``spearman_p_value``,
    ``spearman_ceiling``, ``spearman_ratio``, ``intervals``, ``n_overlap``, ``leak_free``,
    ``clustering`` (:class:`p3lib.evaluation.clustering.ClusteringOverSeeds`),
    ``summary`` (the PRD's :class:`BaselineMetrics`), ``errors_by_pair_type``
    (:class:`p3lib.evaluation.errors_by_type.ErrorsByPairType`). No wall time is stored: the same
    inputs and seed give byte-identical JSON.
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
    # Seen templates, unseen templates, unseen topics (p3lib.evaluation.tiers); set by the
    # chapters.
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
            # The count carries no interval (a resample holds a different number of
            # incompatible pairs); the rate does.
            "false_positive_rate": self.false_positives.n / self.n_incompatible,
            "threshold": self.threshold.threshold,
        }
        join = f"{prefix}_" if prefix else ""
        return {f"{join}{key}": values[key] for key in HEADLINE_KEYS}
