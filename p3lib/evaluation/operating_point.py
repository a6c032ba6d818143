"""Matched operating point: every model at the threshold that reaches the same validation recall.

Each model's F1-best validation threshold sits wherever its own scores put it: the base model's
calls almost every eval pair compatible, so its false positives are not comparable with a
fine-tuned model's. Here each model gets the threshold that reaches the *same* recall on the
validation split (0.90 by default), and its false positives on eval are counted there, in
total and per ``pair_type``, as rates with their counts. A threshold that puts 90% or more of
the eval pairs on one side is *near-trivial*: it barely sorts the pairs at all.

Example:
    >>> threshold_for_recall([0.9, 0.8, 0.7, 0.6, 0.5], [1, 1, 0, 1, 0], 0.6)
    0.8
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from p3lib.data.schema import PAIR_TYPES

DEFAULT_TARGET_RECALL = 0.90
# A threshold putting at least this share of eval pairs on one side is near-trivial.
NEAR_TRIVIAL_SHARE = 0.90


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RateCount(_Model):
    """``n`` of ``of``, and the rate ``n / of`` (``null`` when ``of`` is 0)."""

    n: int
    of: int
    rate: float | None


class MatchedOperatingPoint(_Model):
    """One model at the threshold that reaches ``target_recall`` on the validation split.

    ``share_predicted_compatible`` is the share of eval pairs at or above the threshold;
    ``near_trivial`` is true when that share, or its complement, is at least
    :data:`NEAR_TRIVIAL_SHARE`.
    """

    target_recall: float
    threshold: float
    validation_recall: float
    recall: float
    precision: float
    share_predicted_compatible: float
    near_trivial: bool
    false_positives: RateCount
    false_positives_by_pair_type: dict[str, RateCount]


def near_trivial(share_predicted_compatible: float, limit: float = NEAR_TRIVIAL_SHARE) -> bool:
    """True when ``limit`` or more of the pairs fall on one side of the threshold.

    Example:
        >>> near_trivial(281 / 295), near_trivial(0.5), near_trivial(0.05)
        (True, False, True)
    """
    return share_predicted_compatible >= limit or 1 - share_predicted_compatible >= limit


def threshold_for_recall(scores, labels, target_recall: float = DEFAULT_TARGET_RECALL) -> float:
    """The highest threshold whose recall on these pairs is at least ``target_recall``.

    That is the k-th highest score among the compatible pairs, ``k = ceil(target * n1)``: at
    that threshold k compatible pairs (more with ties) score at or above it. Call it on the
    VALIDATION scores.

    Raises:
        ValueError: no compatible pair, or a target outside (0, 1].
    """
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=int)
    if not 0 < target_recall <= 1:
        raise ValueError(f"the target recall must be in (0, 1], got {target_recall}")
    positive = np.sort(scores[labels == 1])[::-1]
    if positive.size == 0:
        raise ValueError("no compatible pair: recall is undefined")
    # The small tolerance keeps 0.9 * 10 from rounding up to 10 in floating point.
    k = max(1, math.ceil(target_recall * positive.size - 1e-9))
    return float(positive[k - 1])


def _rate(n: int, of: int) -> RateCount:
    return RateCount(n=int(n), of=int(of), rate=n / of if of else None)


def matched_operating_point(
    eval_scores,
    eval_labels,
    pair_types: Sequence[str],
    validation_scores,
    validation_labels,
    target_recall: float = DEFAULT_TARGET_RECALL,
) -> MatchedOperatingPoint:
    """Choose the threshold on validation for ``target_recall`` and measure eval there."""
    threshold = threshold_for_recall(validation_scores, validation_labels, target_recall)
    v_scores = np.asarray(validation_scores, dtype=float)
    v_labels = np.asarray(validation_labels, dtype=int)
    validation_recall = float(np.mean(v_scores[v_labels == 1] >= threshold))
    scores = np.asarray(eval_scores, dtype=float)
    labels = np.asarray(eval_labels, dtype=int)
    types = np.asarray(list(pair_types), dtype=object)
    predicted = scores >= threshold
    negative = labels == 0
    tp = int(np.sum(predicted & ~negative))
    fp = int(np.sum(predicted & negative))
    share = float(predicted.mean())
    known = list(PAIR_TYPES) + sorted(set(types.tolist()) - set(PAIR_TYPES))
    by_type = {
        kind: _rate(
            int(np.sum(predicted & negative & (types == kind))),
            int(np.sum(negative & (types == kind))),
        )
        for kind in known
    }
    return MatchedOperatingPoint(
        target_recall=target_recall,
        threshold=threshold,
        validation_recall=validation_recall,
        recall=tp / int(np.sum(~negative)) if np.any(~negative) else 0.0,
        precision=tp / (tp + fp) if tp + fp else 0.0,
        share_predicted_compatible=share,
        near_trivial=near_trivial(share),
        false_positives=_rate(fp, int(negative.sum())),
        false_positives_by_pair_type=by_type,
    )


# --------------------------------------------------------------------------------------------
# Fixed eval recall: a point on each ROC curve, nothing chosen
# --------------------------------------------------------------------------------------------
#
# The validation thresholds above reach recall 0.90 on validation but not on eval (0.93 for
# the base model, 0.79 for full fine-tuning on the default data), so the false positives they
# compare sit at different operating points. Here each model's threshold is the one at which
# *eval* recall reaches the target: that is a point on its eval ROC curve (the false positive
# rate at a given true positive rate), nothing is chosen, and every model is compared at the
# same recall. The interval resamples template groups and re-derives the threshold in every
# resample, so it carries the threshold's own wobble.


class RateInterval(_Model):
    """A rate with its 95% cluster-bootstrap interval (``low``/``high`` null without one)."""

    estimate: float | None
    low: float | None
    high: float | None


class FixedRecallModel(_Model):
    """One model at the threshold where eval recall first reaches ``target_recall``.

    ``false_positive_rate`` is over all incompatible eval pairs; ``by_pair_type`` over the
    incompatible pairs of each type (types without one are left out).
    """

    threshold: float
    recall: float
    false_positives: RateCount
    false_positive_rate: RateInterval
    by_pair_type: dict[str, RateInterval]


class FixedEvalRecall(_Model):
    """False positive rates of every model at one eval recall, and their paired differences.

    ``differences["a_vs_b"]["overall" | pair type]`` is ``rate(a) - rate(b)``, both models
    measured on the same resampled template groups, each at its own re-derived threshold.
    """

    target_recall: float
    resampled: str
    n_groups: int
    n_resamples: int
    seed: int
    models: dict[str, FixedRecallModel]
    differences: dict[str, dict[str, RateInterval]]


def weighted_fpr_at_recall(
    scores, labels, weights, target_recall: float = DEFAULT_TARGET_RECALL, negatives=None
) -> np.ndarray:
    """False positive rate at the threshold reaching ``target_recall``, under each weight row.

    The weighted form of :func:`threshold_for_recall`: the compatible pairs sorted by score,
    the threshold is the first score at which their cumulative weight reaches
    ``ceil(target * n1)`` (``n1`` the resample's compatible weight), and the rate is the weight
    of the incompatible pairs at or above it over their total weight. ``negatives`` (rows of
    0/1 masks over the pairs) restricts the incompatible pairs counted, one output row each;
    by default one row, all of them. Returns (rows x resamples); NaN where a resample holds no
    compatible pair or no counted incompatible one.

    Example:
        >>> import numpy as np
        >>> weighted_fpr_at_recall([0.9, 0.8, 0.7, 0.6, 0.5], [1, 1, 0, 1, 0], np.ones((1, 5)),
        ...                        0.6).tolist()
        [[0.0]]
    """
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=int)
    weights = np.atleast_2d(np.asarray(weights, dtype=float))
    positive = np.flatnonzero(labels == 1)
    order = positive[np.argsort(-scores[positive], kind="stable")]
    cumulative = np.cumsum(weights[:, order], axis=1)
    n1 = cumulative[:, -1] if order.size else np.zeros(weights.shape[0])
    k = np.maximum(1, np.ceil(target_recall * n1 - 1e-9))
    reached = cumulative >= k[:, None]
    first = np.argmax(reached, axis=1)
    threshold = np.where(n1 > 0, scores[order][first] if order.size else np.nan, np.nan)
    if negatives is None:
        negatives = (labels == 0)[None, :]
    negatives = np.atleast_2d(np.asarray(negatives, dtype=float)) * (labels == 0)
    called = (scores[None, :] >= threshold[:, None]).astype(float) * weights
    with np.errstate(invalid="ignore", divide="ignore"):
        return (negatives @ called.T) / (negatives @ weights.T)


def fixed_eval_recall(
    scores: dict[str, Sequence[float]],
    labels,
    pair_types: Sequence[str],
    groups: Sequence[str],
    pairs: Sequence[tuple[str, str]],
    *,
    target_recall: float = DEFAULT_TARGET_RECALL,
    seed: int = 42,
    n_resamples: int = 1000,
    level: float = 0.95,
) -> FixedEvalRecall:
    """Every model's false positive rate at eval recall ``target_recall``, and paired differences.

    Args:
        scores: model name -> one score per eval pair (cosines or probabilities alike: only
            the order within a model matters).
        labels: 0/1 per pair.
        pair_types: each pair's type (the per-type rates).
        groups: each pair's template group (the resampled cluster).
        pairs: ``(a, b)`` model pairs for ``rate(a) - rate(b)``.

    Intervals are percentile intervals of the cluster bootstrap (BCa's jackknife would
    re-derive the threshold per left-out group too, and the rate's distribution is
    discrete), all models on the same resamples.
    """
    # Imported here: cluster_bootstrap imports nothing from this module, but keeping the
    # bootstrap machinery out of this module's import line keeps its doctest light.
    from p3lib.evaluation.cluster_bootstrap import _bootstrap, _group_index

    labels = np.asarray(labels, dtype=int)
    types = np.asarray(list(pair_types), dtype=object)
    names = list(scores)
    present = [t for t in PAIR_TYPES if np.any((types == t) & (labels == 0))]
    present += sorted({t for t in types[labels == 0].tolist()} - set(present))
    masks = np.stack([np.ones(labels.size)] + [(types == t).astype(float) for t in present])
    rows = ["overall", *present]
    matrix = {name: np.asarray(scores[name], dtype=float) for name in names}
    for name, values in matrix.items():
        if values.shape != labels.shape:
            raise ValueError(f"{name} scored {values.size} pairs, not {labels.size}")
    pair_group, n_groups = _group_index(list(groups))

    def rates(weights):
        return np.concatenate(
            [
                weighted_fpr_at_recall(matrix[n], labels, weights, target_recall, masks)
                for n in names
            ]
        )

    def differences(weights):
        values = rates(weights).reshape(len(names), len(rows), -1)
        index = {n: i for i, n in enumerate(names)}
        return np.concatenate([values[index[a]] - values[index[b]] for a, b in pairs])

    options = dict(seed=seed, n_resamples=n_resamples, level=level, method="percentile")
    point, bounds = _bootstrap(rates, pair_group, n_groups, len(names) * len(rows), **options)
    pairs = [(a, b) for a, b in pairs if a in matrix and b in matrix]
    d_point, d_bounds = (
        _bootstrap(differences, pair_group, n_groups, len(pairs) * len(rows), **options)
        if pairs
        else (np.array([]), [])
    )

    def interval(value, bound) -> RateInterval:
        low, high, _ = bound
        finite = value is not None and np.isfinite(value)
        return RateInterval(estimate=float(value) if finite else None, low=low, high=high)

    models = {}
    for i, name in enumerate(names):
        threshold = threshold_for_recall(matrix[name], labels, target_recall)
        called = matrix[name] >= threshold
        block = [
            interval(point[i * len(rows) + j], bounds[i * len(rows) + j]) for j in range(len(rows))
        ]
        models[name] = FixedRecallModel(
            threshold=threshold,
            recall=float(called[labels == 1].mean()),
            false_positives=_rate(int(np.sum(called & (labels == 0))), int(np.sum(labels == 0))),
            false_positive_rate=block[0],
            by_pair_type=dict(zip(present, block[1:], strict=True)),
        )
    diffs = {}
    for p, (a, b) in enumerate(pairs):
        diffs[f"{a}_vs_{b}"] = {
            row: interval(d_point[p * len(rows) + j], d_bounds[p * len(rows) + j])
            for j, row in enumerate(rows)
        }
    return FixedEvalRecall(
        target_recall=target_recall,
        resampled="subcategory" if n_groups < labels.size else "pair",
        n_groups=n_groups,
        n_resamples=n_resamples,
        seed=seed,
        models=models,
        differences=diffs,
    )
