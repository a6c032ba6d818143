"""The eight evaluation metrics of p3 as pure functions on arrays, testable without a model.

Each takes the cosine scores and 0/1 labels of the eval pairs and returns one result model of
:mod:`p3lib.evaluation.results`: :func:`select_threshold`, :func:`cosine_summary`,
:func:`separation`, :func:`classification`, :func:`category_margins`,
:func:`spearman_summary` and :func:`false_positives`. The clustering figures (metrics 2 and 3)
are in :mod:`p3lib.evaluation.clustering`, the bootstrap intervals in
:mod:`p3lib.evaluation.pair_bootstrap`, and :mod:`p3lib.evaluation.pipeline` assembles them
all, for every model, so the before/after figures come from the same code.

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

import numpy as np
from scipy import stats
from sklearn.metrics import roc_auc_score, roc_curve

from p3lib.data.schema import PAIR_TYPES
from p3lib.evaluation.results import (
    CategoryMargin,
    ClassificationAt,
    CosineSummary,
    FalsePositive,
    FalsePositives,
    LabelStats,
    RocCurve,
    Separation,
    ThresholdChoice,
    ThresholdSweep,
)

SWEEP_POINTS = 201


def as_arrays(scores, labels) -> tuple[np.ndarray, np.ndarray]:
    """``scores`` as 1-d floats and ``labels`` as 0/1 ints of the same length, checked."""
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
    scores, labels = as_arrays(scores, labels)
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
    scores, labels = as_arrays(scores, labels)
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
    scores, labels = as_arrays(scores, labels)
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
    scores, labels = as_arrays(scores, labels)
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
    scores, labels = as_arrays(scores, labels)
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
    scores, labels = as_arrays(scores, labels)
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
    scores, labels = as_arrays(scores, labels)
    require_both_labels(labels)
    result = stats.spearmanr(scores, labels)
    rho = float(result.statistic)
    ceiling = spearman_ceiling(labels)
    return rho, float(result.pvalue), ceiling, rho / ceiling


def false_positives(
    scores,
    labels,
    pair_types: Sequence[str],
    categories: Sequence[str],
    texts: Sequence[tuple[str, str]],
    threshold: float,
) -> FalsePositives:
    """Metric 4: incompatible pairs scored at or above ``threshold``, counted by pair type."""
    scores, labels = as_arrays(scores, labels)
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
