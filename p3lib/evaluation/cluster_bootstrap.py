"""Cluster bootstrap: 95% intervals that respect the template groups of the eval pairs.

Eval pairs come in template groups: a ``subcategory`` holds up to 15 near-identical pairs, so
the pairs are not independent draws and resampling them one by one makes intervals too
narrow. Here the *subcategories* are resampled with replacement (each drawn subcategory brings
all its pairs), which is the interval the book reports; the pair-level width is kept beside it
as a sensitivity note.

The resampling itself is :func:`scipy.stats.bootstrap` on the subcategory indices, with a
vectorised statistic that turns each resample into pair weights (how often each pair was drawn)
and computes every metric with those weights. BCa is used where it is defined; where it is not
(a resample or a jackknife sample that lacks two pairs of a label, or a statistic that never
varies) the interval falls back to the percentile interval of the finite resamples, and the
interval says which method it used. BCa's acceleration needs a jackknife, one statistic per
left-out group, which is quadratic in the pairs when each pair is its own group (the
pair-level note, or data without subcategories): above :data:`BCA_MAX_GROUPS` groups the
percentile interval is used, which BCa approaches at such sizes.

Metrics (all on the eval scores, ``score >= threshold`` predicting compatible):
``margin``, ``cohens_d``, ``auc_roc``, ``spearman``, ``spearman_ratio`` (rho over the ceiling
at the resample's own label balance), ``f1``, ``accuracy``, ``false_positive_rate`` (false
positives over incompatible pairs) and ``false_negative_rate`` (false negatives over compatible
pairs) at the model's validation threshold. A resample with fewer than two pairs of a label
gives NaN.

Why rates and not counts: a resample of subcategories holds a different number of pairs of
each label (between 55 and 278 incompatible ones where the data hold 137), so a bootstrapped
*count* of false positives wanders with the resample's size and its interval can pass the
number of pairs there are. A rate divides by the resample's own denominator and stays in
[0, 1]; a difference of two rates stays in [-1, 1].

Example:
    >>> import numpy as np
    >>> scores = np.array([0.9, 0.8, 0.7, 0.2, 0.1, 0.3, 0.85, 0.15])
    >>> labels = np.array([1, 1, 1, 0, 0, 0, 1, 0])
    >>> point = weighted_metrics(scores[None], labels, np.array([0.5]), np.ones((1, 8)))
    >>> float(point["auc_roc"][0, 0]), float(point["false_positive_rate"][0, 0])
    (1.0, 0.0)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict
from scipy import sparse, stats

from p3lib.data.schema import ABSENT

TABLE_METRICS = (
    "margin",
    "cohens_d",
    "auc_roc",
    "spearman",
    "spearman_ratio",
    "f1",
    "accuracy",
    "false_positive_rate",
    "false_negative_rate",
)
# Above this many resampled groups, percentile intervals instead of BCa (see above): at 50,000
# pairs the pair-level jackknife alone would take minutes.
BCA_MAX_GROUPS = 2_000
# Metrics that need a cosine: the words-only model's probabilities have no margin.
COSINE_METRICS = ("margin", "cohens_d")
MARGIN_FREE_METRICS = tuple(key for key in TABLE_METRICS if key not in COSINE_METRICS)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BootstrapInterval(_Model):
    """A point estimate and its bootstrap interval; ``method`` is ``BCa`` or ``percentile``."""

    estimate: float
    low: float | None
    high: float | None
    method: Literal["BCa", "percentile"]

    @property
    def excludes_zero(self) -> bool:
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)

    @property
    def width(self) -> float | None:
        return None if self.low is None or self.high is None else self.high - self.low


class ClusterIntervals(_Model):
    """Every table metric's cluster-bootstrap interval, with the pair-level one beside it.

    ``intervals`` resample subcategories (the interval to report); ``pair_level`` resamples
    pairs, which assumes independent pairs and so is narrower when groups hold alike pairs.
    Both use ``n_resamples`` resamples drawn from ``seed``.
    """

    level: float
    n_resamples: int
    seed: int
    resampled: str = "subcategory"
    n_clusters: int
    threshold: float
    intervals: dict[str, BootstrapInterval]
    pair_level: dict[str, BootstrapInterval]


# --------------------------------------------------------------------------------------------
# Weighted metrics: one row of pair weights per resample
# --------------------------------------------------------------------------------------------


def weighted_metrics(
    scores: np.ndarray, labels: np.ndarray, thresholds: np.ndarray, weights: np.ndarray
) -> dict[str, np.ndarray]:
    """Every table metric of each model (rows of ``scores``) under each row of ``weights``.

    A weight is how many times a pair was drawn, so a row of weights is a resample: the
    metrics equal the unweighted ones on the pairs repeated that many times (AUC counts ties
    half, Spearman uses average ranks). Returns ``metric -> (models x resamples)``; a resample
    with fewer than two pairs of a label gives NaN.

    Args:
        scores: (models x pairs).
        labels: (pairs,) 0/1.
        thresholds: (models,) decision thresholds.
        weights: (resamples x pairs) non-negative counts.
    """
    scores = np.atleast_2d(np.asarray(scores, dtype=float))
    labels = np.asarray(labels, dtype=float)
    weights = np.atleast_2d(np.asarray(weights, dtype=float))
    positive_w = weights * labels
    negative_w = weights * (1 - labels)
    n1 = positive_w.sum(axis=1)
    n0 = negative_w.sum(axis=1)
    total = n1 + n0
    valid = (n1 >= 2) & (n0 >= 2)
    out: dict[str, list[np.ndarray]] = {key: [] for key in TABLE_METRICS}
    with np.errstate(divide="ignore", invalid="ignore"):
        p = n1 / total
        ceiling = np.sqrt(3 * p * (1 - p))
        label_mean = (total + 1) / 2
        r1 = n0 + (n1 + 1) / 2 - label_mean  # centred average rank of label 1
        r0 = (n0 + 1) / 2 - label_mean
        label_ss = n1 * r1**2 + n0 * r0**2
        for row, threshold in zip(scores, np.asarray(thresholds, dtype=float), strict=True):
            mean1 = positive_w @ row / n1
            mean0 = negative_w @ row / n0
            ss1 = positive_w @ row**2 - n1 * mean1**2
            ss0 = negative_w @ row**2 - n0 * mean0**2
            pooled = np.sqrt(np.maximum(ss1 + ss0, 0) / (total - 2))
            margin = mean1 - mean0
            # Ranks on the distinct scores: weight below each value, and at it.
            distinct, group = np.unique(row, return_inverse=True)
            # Pair -> distinct-score indicator, sparse: dense it is pairs x pairs, 20 GB at
            # 50,000 pairs; sparse, the products below cost resamples x pairs.
            onehot = sparse.csr_array(
                (np.ones(row.size), (np.arange(row.size), group)), shape=(row.size, distinct.size)
            )
            pos_at = np.asarray((onehot.T @ positive_w.T).T)
            neg_at = np.asarray((onehot.T @ negative_w.T).T)
            all_at = pos_at + neg_at
            neg_below = np.cumsum(neg_at, axis=1) - neg_at
            all_below = np.cumsum(all_at, axis=1) - all_at
            auc = (pos_at * (neg_below + neg_at / 2)).sum(axis=1) / (n1 * n0)
            rank = all_below + (all_at + 1) / 2 - label_mean[:, None]
            cov = (pos_at * rank).sum(axis=1) * r1 + (neg_at * rank).sum(axis=1) * r0
            rank_ss = (all_at * rank**2).sum(axis=1)
            rho = cov / np.sqrt(rank_ss * label_ss)
            predicted = (row >= threshold).astype(float)
            tp = positive_w @ predicted
            fp = negative_w @ predicted
            fn = n1 - tp
            f1 = np.where(tp > 0, 2 * tp / (2 * tp + fp + fn), 0.0)
            accuracy = (tp + n0 - fp) / total
            values = {
                "margin": margin,
                "cohens_d": margin / pooled,
                "auc_roc": auc,
                "spearman": rho,
                "spearman_ratio": rho / ceiling,
                "f1": f1,
                "accuracy": accuracy,
                "false_positive_rate": fp / n0,
                "false_negative_rate": fn / n1,
            }
            for key in TABLE_METRICS:
                out[key].append(np.where(valid, values[key], np.nan))
    return {key: np.stack(rows) for key, rows in out.items()}


def template_groups(pairs) -> list[str]:
    """Each pair's resampling group: its (category, subcategory), or the pair alone without one.

    A template group is a *(category, subcategory)* pair, written ``category / subcategory``:
    the same subcategory name occurs under several categories (the default data's 73 groups
    carry 59 names), and pairs of different categories share no template, so merging them by
    name would make fewer, larger clusters than the data hold. Files without subcategories
    (``subcategory`` absent) fall back to resampling pairs, rather than to one group holding
    every pair (which would make every resample the same).

    Example:
        >>> from p3lib.data.schema import DatingPair
        >>> pairs = [DatingPair(text_1="boy: a", text_2="girl: b", label=1, category="c",
        ...                     subcategory="x"),
        ...          DatingPair(text_1="boy: e", text_2="girl: f", label=1, category="d",
        ...                     subcategory="x"),
        ...          DatingPair(text_1="boy: c", text_2="girl: d", label=0)]
        >>> template_groups(pairs)
        ['c / x', 'd / x', 'pair 2']
    """
    return [
        f"{p.category} / {p.subcategory}" if p.subcategory != ABSENT else f"pair {i}"
        for i, p in enumerate(pairs)
    ]


def _group_index(groups: Sequence) -> tuple[np.ndarray, int]:
    """Each pair's group as an integer 0..G-1 (groups in order of first appearance).

    With a single group there is nothing to resample between groups: each pair is then its
    own group (``G`` is the number of pairs), the pair-level bootstrap.
    """
    names = list(dict.fromkeys(groups))
    if len(names) < 2:
        return np.arange(len(groups), dtype=int), len(groups)
    lookup = {name: i for i, name in enumerate(names)}
    return np.array([lookup[g] for g in groups], dtype=int), len(names)


def _weights_from_draws(
    draws: np.ndarray, pair_group: np.ndarray, n_groups: int
) -> tuple[np.ndarray, tuple[int, ...]]:
    """Pair weights for resamples given as drawn group indices (any leading shape)."""
    draws = np.asarray(draws, dtype=int)
    flat = draws.reshape(-1, draws.shape[-1])
    # How often each resample drew each group: one bincount over (resample, group) cells.
    cells = (np.arange(flat.shape[0])[:, None] * n_groups + flat).ravel()
    counts = np.bincount(cells, minlength=flat.shape[0] * n_groups).reshape(-1, n_groups)
    return counts[:, pair_group].astype(float), draws.shape[:-1]


def _bootstrap(
    statistic_of_weights,
    pair_group: np.ndarray,
    n_groups: int,
    n_outputs: int,
    *,
    seed: int,
    n_resamples: int,
    level: float,
    method: str = "BCa",
) -> tuple[np.ndarray, list[tuple[float | None, float | None, str]]]:
    """Run :func:`scipy.stats.bootstrap` over group indices; BCa, else percentile per output.

    ``method="percentile"`` skips BCa (the known-answer tests use it: percentiles of a
    discrete bootstrap distribution can be worked out by hand).

    ``statistic_of_weights`` maps (resamples x pairs) weights to (outputs x resamples).
    Returns the point estimates (outputs,) and, per output, ``(low, high, method)``.
    """

    def statistic(draws, axis=-1):
        weights, shape = _weights_from_draws(np.moveaxis(draws, axis, -1), pair_group, n_groups)
        values = statistic_of_weights(weights)
        return values.reshape((n_outputs, *shape))

    if n_groups > BCA_MAX_GROUPS:
        method = "percentile"
    point = statistic_of_weights(np.ones((1, pair_group.size)))[:, 0]
    data = (np.arange(n_groups),)
    options = dict(
        vectorized=True,
        n_resamples=n_resamples,
        confidence_level=level,
        batch=200,
        rng=np.random.default_rng(seed),
    )
    with warnings.catch_warnings():
        # Degenerate or NaN-holding resamples are handled below by the percentile fallback.
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            result = stats.bootstrap(
                data, statistic, method="BCa" if method == "BCa" else "percentile", **options
            )
    distribution = np.atleast_2d(result.bootstrap_distribution)
    bounds = []
    alpha = (1 - level) / 2 * 100
    for k in range(n_outputs):
        low, high = result.confidence_interval.low, result.confidence_interval.high
        low, high = float(np.atleast_1d(low)[k]), float(np.atleast_1d(high)[k])
        finite = distribution[k][np.isfinite(distribution[k])]
        bca_ok = math.isfinite(low) and math.isfinite(high) and finite.size == distribution[k].size
        if method == "BCa" and bca_ok and np.ptp(finite) > 0:
            bounds.append((low, high, "BCa"))
        elif finite.size:
            p_low, p_high = np.percentile(finite, [alpha, 100 - alpha])
            bounds.append((float(p_low), float(p_high), "percentile"))
        else:
            bounds.append((None, None, "percentile"))
    return point, bounds


def _intervals(point, bounds, metrics) -> dict[str, BootstrapInterval]:
    return {
        key: BootstrapInterval(estimate=float(point[i]), low=low, high=high, method=method)
        for i, (key, (low, high, method)) in enumerate(zip(metrics, bounds, strict=True))
    }


def _check(scores, labels, groups) -> tuple[np.ndarray, np.ndarray]:
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=int)
    if scores.shape[-1] != labels.size or len(groups) != labels.size:
        raise ValueError(
            f"scores, labels and groups must have one entry per pair: {scores.shape[-1]}, "
            f"{labels.size} and {len(groups)}"
        )
    return scores, labels


def cluster_bootstrap(
    scores,
    labels,
    groups: Sequence,
    threshold: float,
    *,
    metrics: Sequence[str] = TABLE_METRICS,
    seed: int = 42,
    n_resamples: int = 1000,
    level: float = 0.95,
    method: Literal["BCa", "percentile"] = "BCa",
) -> ClusterIntervals:
    """Intervals for every table metric, resampling ``groups`` (the interval) and pairs (the note).

    Args:
        scores: one score per eval pair.
        labels: 0/1 per pair.
        groups: each pair's template group (its ``subcategory``).
        threshold: the validation threshold (F1, accuracy and false positives use it).
        metrics: which of :data:`TABLE_METRICS` to report (:data:`MARGIN_FREE_METRICS` for a
            model whose scores are not cosines).
    """
    scores, labels = _check(scores, labels, groups)
    pair_group, n_groups = _group_index(groups)
    thresholds = np.array([threshold], dtype=float)
    metrics = tuple(metrics)

    def statistic(weights):
        values = weighted_metrics(scores[None], labels, thresholds, weights)
        return np.stack([values[key][0] for key in metrics])

    found = {}
    for name, grouping, count in (
        ("cluster", pair_group, n_groups),
        ("pair", np.arange(labels.size), labels.size),
    ):
        point, bounds = _bootstrap(
            statistic,
            grouping,
            count,
            len(metrics),
            seed=seed,
            n_resamples=n_resamples,
            level=level,
            method=method,
        )
        found[name] = _intervals(point, bounds, metrics)
    return ClusterIntervals(
        level=level,
        n_resamples=n_resamples,
        seed=seed,
        resampled="subcategory" if len(set(groups)) >= 2 else "pair",
        n_clusters=n_groups,
        threshold=float(threshold),
        intervals=found["cluster"],
        pair_level=found["pair"],
    )


def paired_cluster_differences(
    scores_a,
    scores_b,
    labels,
    groups: Sequence,
    thresholds: tuple[float, float],
    *,
    metrics: Sequence[str] = TABLE_METRICS,
    seed: int = 42,
    n_resamples: int = 1000,
    level: float = 0.95,
    method: Literal["BCa", "percentile"] = "BCa",
) -> dict[str, BootstrapInterval]:
    """``metric(a) - metric(b)``, both models on the same resampled subcategories.

    Why paired: the two models ride on the same eval pairs, so an easy draw of subcategories
    flatters both; two separate intervals overlapping says little about their difference.
    Each resample here measures both models on the same draw and records the difference.

    Example:
        >>> d = paired_cluster_differences([0.9, 0.8, 0.3, 0.2], [0.7, 0.6, 0.1, 0.0],
        ...     [1, 1, 0, 0], ["a", "b", "c", "d"], (0.5, 0.5), n_resamples=50)
        >>> round(d["margin"].estimate, 12), d["auc_roc"].estimate, d["auc_roc"].high
        (0.0, 0.0, 0.0)
    """
    if np.size(scores_a) != np.size(scores_b):
        raise ValueError(f"the two models scored {np.size(scores_a)} and {np.size(scores_b)} pairs")
    both, labels = _check(np.stack([np.asarray(scores_a), np.asarray(scores_b)]), labels, groups)
    pair_group, n_groups = _group_index(groups)
    metrics = tuple(metrics)
    thresholds = np.asarray(thresholds, dtype=float)

    def statistic(weights):
        values = weighted_metrics(both, labels, thresholds, weights)
        with np.errstate(invalid="ignore"):
            return np.stack([values[key][0] - values[key][1] for key in metrics])

    point, bounds = _bootstrap(
        statistic,
        pair_group,
        n_groups,
        len(metrics),
        seed=seed,
        n_resamples=n_resamples,
        level=level,
        method=method,
    )
    return _intervals(point, bounds, metrics)


def rate_interval(
    hits,
    eligible,
    groups: Sequence,
    *,
    seed: int = 42,
    n_resamples: int = 1000,
    level: float = 0.95,
) -> BootstrapInterval | None:
    """``sum(hits) / sum(eligible)`` with its cluster-bootstrap interval (``None``: none eligible).

    For a rate over a subset of pairs, e.g. the false positive rate among dealbreaker pairs
    (``hits``: a dealbreaker pair called compatible; ``eligible``: a dealbreaker pair). With no
    hit at all every resample gives 0 and so does the interval: the note beside it must say
    how many pairs it rests on.

    Example:
        >>> r = rate_interval([1, 0, 0, 0], [1, 1, 1, 1], ["a", "a", "b", "b"], n_resamples=50)
        >>> r.estimate
        0.25
    """
    hits = np.asarray(hits, dtype=float)
    eligible = np.asarray(eligible, dtype=float)
    if hits.shape != eligible.shape or len(groups) != hits.size:
        raise ValueError("hits, eligible and groups must have one entry per pair")
    if not eligible.any():
        return None
    pair_group, n_groups = _group_index(groups)

    def statistic(weights):
        with np.errstate(invalid="ignore", divide="ignore"):
            return ((weights @ (hits * eligible)) / (weights @ eligible))[None, :]

    point, bounds = _bootstrap(
        statistic, pair_group, n_groups, 1, seed=seed, n_resamples=n_resamples, level=level
    )
    return _intervals(point, bounds, ("rate",))["rate"]


def two_level_differences(
    scores_a,
    scores_b,
    labels,
    groups: Sequence,
    thresholds: tuple[Sequence[float], Sequence[float]] | None = None,
    *,
    metrics: Sequence[str] = ("auc_roc",),
    seed: int = 42,
    n_resamples: int = 1000,
    level: float = 0.95,
) -> dict[str, BootstrapInterval]:
    """``mean over seeds of metric(a) - mean over seeds of metric(b)``, resampling both levels.

    Why two levels: a model-against-model verdict rests on the eval data *and* on the training
    seeds; each arm's seeds are a sample of what its recipe produces. Every resample draws the
    template groups with replacement (the eval side, shared by both arms: paired) and, for
    each arm, as many of its seeds as it has, with replacement (the training side), and
    records the difference of the two arms' seed means on that draw of groups. The interval is
    the percentile interval of those differences (BCa's jackknife has no single level to leave
    out). With one seed per arm it is the paired cluster bootstrap.

    Args:
        scores_a: (seeds of arm a x pairs) scores, one row per trained model.
        scores_b: (seeds of arm b x pairs).
        labels: 0/1 per pair.
        groups: each pair's template group.
        thresholds: per arm, one decision threshold per seed (only the threshold metrics use
            them; default 0.5).
        metrics: which of :data:`TABLE_METRICS`.

    Example:
        >>> d = two_level_differences([[0.9, 0.1, 0.8, 0.2]], [[0.9, 0.1, 0.8, 0.2]],
        ...     [1, 0, 1, 0], ["a", "a", "b", "b"], n_resamples=50)
        >>> d["auc_roc"].estimate, d["auc_roc"].low, d["auc_roc"].high
        (0.0, 0.0, 0.0)
    """
    a = np.atleast_2d(np.asarray(scores_a, dtype=float))
    b = np.atleast_2d(np.asarray(scores_b, dtype=float))
    labels = np.asarray(labels, dtype=int)
    both, labels = _check(np.vstack([a, b]), labels, groups)
    n_a, n_b = a.shape[0], b.shape[0]
    if thresholds is None:
        thresholds = ([0.5] * n_a, [0.5] * n_b)
    cut = np.concatenate([np.asarray(thresholds[0], float), np.asarray(thresholds[1], float)])
    if cut.size != n_a + n_b:
        raise ValueError("give one threshold per seed of each arm")
    pair_group, n_groups = _group_index(groups)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_groups, (n_resamples, n_groups))
    weights, _ = _weights_from_draws(draws, pair_group, n_groups)
    seeds_a = rng.integers(0, n_a, (n_resamples, n_a))
    seeds_b = n_a + rng.integers(0, n_b, (n_resamples, n_b))
    point_values = weighted_metrics(both, labels, cut, np.ones((1, labels.size)))
    values = weighted_metrics(both, labels, cut, weights)
    columns = np.arange(n_resamples)[:, None]
    alpha = (1 - level) / 2 * 100
    out = {}
    for key in metrics:
        v = values[key]  # models x resamples
        with np.errstate(invalid="ignore"):
            diff = v[seeds_a, columns].mean(axis=1) - v[seeds_b, columns].mean(axis=1)
        point = point_values[key][:n_a, 0].mean() - point_values[key][n_a:, 0].mean()
        finite = diff[np.isfinite(diff)]
        low, high = (
            (float(x) for x in np.percentile(finite, [alpha, 100 - alpha]))
            if finite.size
            else (None, None)
        )
        out[key] = BootstrapInterval(estimate=float(point), low=low, high=high, method="percentile")
    return out


def split_cluster_draws(
    scores_a,
    labels_a,
    groups_a: Sequence,
    scores_b,
    labels_b,
    groups_b: Sequence,
    thresholds: Sequence[float] | None = None,
    *,
    metric: str = "spearman",
    seed: int = 42,
    n_resamples: int = 1000,
) -> tuple[np.ndarray, np.ndarray]:
    """``metric(split a) - metric(split b)`` for each model (rows), point and resamples.

    Each resample draws split a's groups and split b's groups with replacement, each on its
    own, once for all models (so models can be ranked on the same draws). Returns the point
    differences (models,) and the resampled ones (models x resamples).
    """
    rng = np.random.default_rng(seed)
    sides = []
    for scores, labels, groups in ((scores_a, labels_a, groups_a), (scores_b, labels_b, groups_b)):
        scores, labels = _check(np.atleast_2d(np.asarray(scores, dtype=float)), labels, groups)
        cut = np.full(scores.shape[0], 0.5) if thresholds is None else np.asarray(thresholds)
        pair_group, n_groups = _group_index(list(groups))
        draws = rng.integers(0, n_groups, (n_resamples, n_groups))
        weights, _ = _weights_from_draws(draws, pair_group, n_groups)
        point = weighted_metrics(scores, labels, cut, np.ones((1, labels.size)))[metric][:, 0]
        sides.append((point, weighted_metrics(scores, labels, cut, weights)[metric]))
    return sides[0][0] - sides[1][0], sides[0][1] - sides[1][1]


def percentile_interval(
    estimate: float, resampled: np.ndarray, level: float = 0.95
) -> BootstrapInterval:
    """``estimate`` with the percentile interval of the finite ``resampled`` values."""
    finite = resampled[np.isfinite(resampled)]
    alpha = (1 - level) / 2 * 100
    low, high = (
        (float(x) for x in np.percentile(finite, [alpha, 100 - alpha]))
        if finite.size
        else (None, None)
    )
    return BootstrapInterval(estimate=float(estimate), low=low, high=high, method="percentile")


def split_cluster_differences(
    scores_a,
    labels_a,
    groups_a: Sequence,
    scores_b,
    labels_b,
    groups_b: Sequence,
    threshold: float = 0.5,
    *,
    metrics: Sequence[str] = MARGIN_FREE_METRICS,
    seed: int = 42,
    n_resamples: int = 1000,
    level: float = 0.95,
) -> dict[str, BootstrapInterval]:
    """``metric(split a) - metric(split b)`` for one model, each split resampling its own groups.

    For the drop from eval to the out-of-distribution pairs: the two splits hold different
    pairs, so their resamples cannot be paired, and each holds template groups, so neither may
    be resampled pair by pair. Every resample draws each split's groups with replacement, on
    its own (:func:`split_cluster_draws`), and records the difference; the interval is its
    percentile interval.

    Example:
        >>> d = split_cluster_differences([0.9, 0.1, 0.8, 0.2], [1, 0, 1, 0], ["a", "a", "b", "b"],
        ...     [0.9, 0.1, 0.8, 0.2], [1, 0, 1, 0], ["c", "c", "d", "d"], n_resamples=50)
        >>> d["auc_roc"].estimate, d["auc_roc"].low, d["auc_roc"].high
        (0.0, 0.0, 0.0)
    """
    out = {}
    for key in metrics:
        point, draws = split_cluster_draws(
            scores_a,
            labels_a,
            groups_a,
            scores_b,
            labels_b,
            groups_b,
            [threshold],
            metric=key,
            seed=seed,
            n_resamples=n_resamples,
        )
        out[key] = percentile_interval(point[0], draws[0], level)
    return out
