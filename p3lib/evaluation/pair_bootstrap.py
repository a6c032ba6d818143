"""Percentile bootstrap intervals over single pairs, for one model or a difference of two splits.

The pair-level intervals stored beside every result (:func:`bootstrap_intervals`) and the
eval-versus-OOD differences of the appendix's out-of-distribution study
(:func:`independent_differences`). The intervals the book reports resample whole template
groups instead (:mod:`p3lib.evaluation.cluster_bootstrap`); these pair-level ones are kept as
the sensitivity note. Resamples are drawn with ``numpy.random.Generator(PCG64(seed))`` and
measured all at once, row by row (:func:`_rowwise_metrics`), so 1,000 resamples of a few
thousand pairs take well under a second.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from sklearn.metrics import roc_auc_score

from p3lib.evaluation.metrics import as_arrays, require_both_labels
from p3lib.evaluation.results import INTERVAL_METRICS, Interval, Intervals


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
    scores, labels = as_arrays(scores, labels)
    resampled, point = _bootstrap(
        scores[None, :], labels, seed=seed, n_bootstrap=n_bootstrap, chunk=chunk
    )
    intervals = {
        key: _percentile_interval(resampled[key][0], point[key][0], level)
        for key in INTERVAL_METRICS
    }
    n_valid = int(np.isfinite(resampled["spearman"][0]).sum())
    return Intervals(level=level, n_bootstrap=n_bootstrap, n_valid=n_valid, seed=seed, **intervals)


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

    For one model on two sets of pairs (eval and out-of-distribution), whose resamples cannot
    be paired: each split is resampled on its own (``a`` with ``seed``, as
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
        scores, labels = as_arrays(scores, labels)
        sides.append(
            _bootstrap(
                scores[None, :], labels, seed=side_seed, n_bootstrap=n_bootstrap, chunk=chunk
            )
        )
    return _difference_intervals(sides[0], sides[1], level)
