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
