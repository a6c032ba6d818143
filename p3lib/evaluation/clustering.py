"""Metrics 2 and 3: the UMAP map of the pairs, HDBSCAN clusters, and how label-pure they are.

Why several UMAP seeds: UMAP's layout depends on its random state, and its floating-point
order is not the same on every machine (numba, instruction sets), so the clusters HDBSCAN
finds on one projection, and their purity, are partly luck. On the default data's baseline
embeddings purity moves between about 0.53 and 0.77 from one random state to the next. The
clustering figures are therefore measured on the projections of ``n_umap_seeds`` random
states (``umap_random_state``, ``umap_random_state + 1``, ...) and reported as the median
with the range; the first projection is the one drawn as the map.

Why a permutation null: purity has a floor well above 0.5. With clusters of 10 to 20 pairs,
labels dealt out at random already give most clusters a majority of more than half, so
purity is compared with what the same clusters score when the labels are shuffled over them
(:func:`purity_null`), not with the share of the larger label. The shuffle is *restricted*:
labels move only within a template group (a (category, subcategory) pair), because pairs of
one template sit near each other and most groups hold one label (43 of the default data's 59
subcategory names), so a free shuffle breaks a structure that chance keeps and makes chance
look lower than it is. Beside purity stands the adjusted mutual information between labels
and clusters (scikit-learn), which is 0 for chance at any number of clusters, so models that
find 2 and 7 clusters can be compared.

Why HDBSCAN runs on the projection and not on the pair features: with the same settings,
HDBSCAN on the 768-dimensional pair features of the default data's baseline finds no cluster
at all (every pair is noise): distances in that many dimensions are too even for density to
stand out. :func:`clustering_over_seeds` measures this on every run (``on_features``), so the
book states it from the run's own numbers.

Why the UMAP neighbours are searched once per model for all seeds: see
:mod:`p3lib.evaluation.neighbours`.

Why the map and its clusters are measured on at most :data:`PROJECTION_CAP` pairs: UMAP's
exact neighbour search grows as ``n**2`` and its layouts with the pairs (five of them, one per
seed): 347 s of the evaluation at 50,000 pairs against 27 s at 3,000 (one thread, on the
loaded 2-core machine), more than encoding the statements, while every other metric costs
seconds. Above the cap the pairs projected and clustered (UMAP,
HDBSCAN on the map and on the features, the purity null, AMI) are a seeded sample stratified
by label (:func:`stratified_rows`); its rows depend only on the labels, so every model
evaluated on the same eval pairs is projected on the same pairs and their clustering figures
compare like with like. The map drawn holds no more points than the charts draw anyway
(:data:`p3lib.book.charts.sampling.DISPLAY_CAP`). The sample is the clustering figures'
alone: every other metric uses all pairs, and the book says which figures come from it.

Example:
    >>> import numpy as np
    >>> from p3lib.evaluation.clustering import cluster_purity
    >>> float(cluster_purity(np.array([0, 0, 1, 1, -1]), np.array([1, 1, 1, 0, 0])))
    0.75
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict
from scipy import stats

from p3lib.evaluation.neighbours import (
    UMAP_METRIC,
    UMAP_N_NEIGHBORS,
    cache_umap_compilation,
    nearest_neighbours,
    neighbourhood_size,
)

# PRD section 4, step 2.
UMAP_MIN_DIST = 0.1
UMAP_RANDOM_STATE = 42
HDBSCAN_MIN_CLUSTER_SIZE = 10
HDBSCAN_MIN_SAMPLES = 5
HDBSCAN_SELECTION = "eom"
PAIR_FEATURES = "concat(u*v, |u-v|)"
# How many UMAP random states the clustering figures are measured over (issue 19).
N_UMAP_SEEDS = 5
# Label shuffles of the purity null, and the share of them its range holds.
N_SHUFFLES = 1000
NULL_LEVEL = 0.95


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UmapProjection(_Model):
    """Metric 2: one 2-d point per projected pair, with what a hover label needs.

    ``labels``, ``pair_types``, ``categories``, ``text_1``, ``text_2`` and ``scores`` hold
    every eval pair (other metrics read them per pair); ``x`` and ``y`` hold the pairs
    projected: every pair when ``rows`` is ``null``, else the pairs ``rows`` lists (indices
    into the per-pair fields, ascending; a seeded sample above :data:`PROJECTION_CAP` pairs).
    :meth:`projected` gives the projected pairs alone, field by field.
    ``text_1`` and ``text_2`` are the raw statements; they are escaped where they are drawn
    (:func:`p3lib.book.charts.escape`), so every reader of the JSON gets the text as written.
    """

    features: str = PAIR_FEATURES
    n_neighbors: int
    min_dist: float
    metric: str
    random_state: int
    x: list[float]
    y: list[float]
    labels: list[int]
    pair_types: list[str]
    categories: list[str]
    text_1: list[str]
    text_2: list[str]
    scores: list[float]
    # The pairs projected (``null``: all; also in results written before the cap).
    rows: list[int] | None = None

    @property
    def n_projected(self) -> int:
        """How many pairs the map holds (``len(x)``)."""
        return len(self.x)

    def projected(self) -> UmapProjection:
        """The projected pairs alone: every per-pair field restricted to ``rows`` (itself
        when every pair is projected), so that point ``i`` is pair ``i`` of every field."""
        if self.rows is None:
            return self
        rows = self.rows

        def take(values: list) -> list:
            return [values[i] for i in rows]

        return self.model_copy(
            update={
                "labels": take(self.labels),
                "pair_types": take(self.pair_types),
                "categories": take(self.categories),
                "text_1": take(self.text_1),
                "text_2": take(self.text_2),
                "scores": take(self.scores),
                "rows": None,
            }
        )


class ClusterInfo(_Model):
    """One HDBSCAN cluster: its size, label counts and majority label."""

    cluster: int
    n: int
    n_compatible: int
    n_incompatible: int
    majority_label: int


class ClusterSummary(_Model):
    """Metric 3 on one set of points: HDBSCAN clusters and how label-pure they are.

    ``purity`` is the share of clustered (non-noise) points that carry their cluster's majority
    label; ``null`` when HDBSCAN finds no cluster. ``cluster_ids`` has one id per pair, ``-1``
    for noise.
    """

    min_cluster_size: int
    min_samples: int
    cluster_selection_method: str
    n_clusters: int
    purity: float | None
    noise_fraction: float
    clusters: list[ClusterInfo]
    cluster_ids: list[int]


class ClusterFigures(_Model):
    """The three clustering figures of one clustering: clusters, purity, noise share.

    ``random_state`` is the UMAP random state of the projection clustered, ``null`` for a
    clustering of the pair features themselves (or of a projection given from outside).
    """

    random_state: int | None
    n_clusters: int
    purity: float | None
    noise_fraction: float


class SeedSpread(_Model):
    """Median and range (lowest, highest) of one figure over the UMAP seeds.

    Only the seeds where the figure is defined count (``n_defined``; purity is undefined
    when a seed's clustering finds no cluster); all ``null`` when none is.
    """

    median: float | None
    low: float | None
    high: float | None
    n_defined: int


class PurityNull(_Model):
    """What the median purity over seeds is when the labels ignore the clusters.

    The labels are shuffled over the same pairs (noise included) ``n_shuffles`` times, seeded;
    each shuffle is scored on every seed's clusters and the median taken, as for the observed
    figure. ``shuffled`` says how: ``within_subcategory`` moves labels only inside each
    template group (``n_groups`` of them), ``all_pairs`` over every pair. ``low`` and ``high``
    hold the central ``level`` share of those medians; ``excess`` is the observed median
    purity minus the null's median; ``p_value`` is the share at or above the observed median
    (``(k + 1) / (n + 1)``; exact when every arrangement of the labels could be enumerated).
    """

    shuffled: Literal["within_subcategory", "all_pairs"] = "all_pairs"
    n_groups: int | None = None
    excess: float | None = None
    n_shuffles: int
    seed: int
    level: float
    low: float
    high: float
    median: float
    observed: float
    p_value: float
    exact: bool


class ClusteringOverSeeds(_Model):
    """Metric 3 over several UMAP seeds: per-seed figures, their medians and ranges, the null.

    ``on_features`` is HDBSCAN with the same settings on the pair features themselves (no
    projection), the evidence for clustering the projection; ``null`` when no features were
    given (a projection passed in from outside).
    """

    features: str = PAIR_FEATURES
    seeds: list[int]
    per_seed: list[ClusterFigures]
    purity: SeedSpread
    n_clusters: SeedSpread
    noise_fraction: SeedSpread
    purity_null: PurityNull | None
    on_features: ClusterFigures | None
    # Adjusted mutual information of labels and clusters over the clustered pairs, per seed:
    # median and range (``None`` in results written before it).
    ami: SeedSpread | None = None
    # Pairs HDBSCAN clustered on the features: all of them, or a seeded sample of
    # ON_FEATURES_CAP above it (``None`` in results written before the cap).
    on_features_pairs: int | None = None
    # Pairs projected and clustered over the seeds (the purity null's too): all eval pairs,
    # or a seeded sample of PROJECTION_CAP above it (``None`` in results written before it).
    projected_pairs: int | None = None


# --------------------------------------------------------------------------------------------
# Features, projection, clusters
# --------------------------------------------------------------------------------------------


def pair_features(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """One vector per pair, ``concat(u * v, |u - v|)``, from normalised embeddings u and v.

    Why these features: UMAP needs one point per *pair*, and what we evaluate is the pair's
    similarity, not the topic of either statement. ``u * v`` is the element-wise product whose
    sum is the cosine (for unit vectors), so it carries exactly the similarity the model
    reports, dimension by dimension; ``|u - v|`` carries where the two statements differ. These
    are the classification features of Sentence-BERT (Reimers & Gurevych, 2019), are symmetric
    in the two statements, and ignore what the pair talks about as long as both sides agree.
    Concatenating u and v instead would cluster pairs by topic (hiking pairs with hiking pairs)
    whatever their label, and the mean (u + v) / 2 would do the same.
    """
    u = np.asarray(u, dtype=float)
    v = np.asarray(v, dtype=float)
    if u.shape != v.shape or u.ndim != 2:
        raise ValueError(f"u and v must be 2-d of equal shape, got {u.shape} and {v.shape}")
    return np.hstack([u * v, np.abs(u - v)])


def project_pairs(
    features: np.ndarray,
    *,
    n_neighbors: int = UMAP_N_NEIGHBORS,
    min_dist: float = UMAP_MIN_DIST,
    metric: str = UMAP_METRIC,
    random_state: int = UMAP_RANDOM_STATE,
    neighbours: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, int]:
    """UMAP to 2-d; returns ``(points, n_neighbors_used)``.

    With fewer points than ``n_neighbors + 1`` the neighbourhood shrinks to ``n - 1`` (at least
    2), and below five points the spectral initialisation (which needs more points than
    dimensions) gives way to a random one; one or two points are placed on a line.
    ``neighbours``: :func:`nearest_neighbours` of ``features`` with the neighbourhood used
    (computed here when not given; see the module's docstring why never by umap-learn).
    """
    import umap

    cache_umap_compilation()
    features = np.asarray(features, dtype=float)
    n = features.shape[0]
    if n < 3:
        return np.column_stack([np.arange(n, dtype=float), np.zeros(n)]), 0
    used = neighbourhood_size(n, n_neighbors)
    if neighbours is None:
        neighbours = nearest_neighbours(features, used, metric=metric)
    indices, distances = neighbours
    if indices.shape != (n, used):
        raise ValueError(f"neighbours must have shape ({n}, {used}), got {indices.shape}")
    with warnings.catch_warnings():
        # n_jobs is forced to 1 by random_state; numba and sklearn chatter is not for readers
        # (nor umap-learn's note that precomputed neighbours cannot transform new points).
        warnings.simplefilter("ignore")
        reducer = umap.UMAP(
            n_neighbors=used,
            min_dist=min_dist,
            metric=metric,
            random_state=random_state,
            init="spectral" if n >= 5 else "random",
            # Copies: umap-learn marks disconnected neighbours in these arrays in place.
            precomputed_knn=(indices.copy(), distances.copy(), None),
        )
        points = reducer.fit_transform(features)
    return np.asarray(points, dtype=float), used


def project_over_seeds(
    features: np.ndarray,
    seeds: Sequence[int],
    *,
    n_neighbors: int = UMAP_N_NEIGHBORS,
    min_dist: float = UMAP_MIN_DIST,
    metric: str = UMAP_METRIC,
) -> list[tuple[np.ndarray, int]]:
    """:func:`project_pairs` once per UMAP random state, the neighbours searched only once."""
    features = np.asarray(features, dtype=float)
    neighbours = None
    if features.shape[0] >= 3:
        used = neighbourhood_size(features.shape[0], n_neighbors)
        neighbours = nearest_neighbours(features, used, metric=metric)
    return [
        project_pairs(
            features,
            n_neighbors=n_neighbors,
            min_dist=min_dist,
            metric=metric,
            random_state=seed,
            neighbours=neighbours,
        )
        for seed in seeds
    ]


def cluster_purity(cluster_ids, labels) -> np.ndarray:
    """Purity of fixed clusters for one or many label vectors (the last axis is the pairs).

    The share of clustered pairs (id ``!= -1``) that carry their cluster's majority label;
    NaN when there is no cluster. ``labels`` may be 2-d (one row per shuffle): every row is
    scored on the same clusters.
    """
    ids = np.asarray(cluster_ids, dtype=int)
    labels = np.asarray(labels, dtype=int)
    clustered = ids != -1
    if not clustered.any():
        return np.full(labels.shape[:-1], np.nan)
    majority = np.zeros(labels.shape[:-1], dtype=int)
    for cluster in np.unique(ids[clustered]):
        members = ids == cluster
        n1 = labels[..., members].sum(axis=-1)
        majority = majority + np.maximum(n1, int(members.sum()) - n1)
    return majority / int(clustered.sum())


def cluster_points(
    points: np.ndarray,
    labels,
    *,
    min_cluster_size: int = HDBSCAN_MIN_CLUSTER_SIZE,
    min_samples: int = HDBSCAN_MIN_SAMPLES,
    cluster_selection_method: str = HDBSCAN_SELECTION,
) -> ClusterSummary:
    """Metric 3: HDBSCAN on points; purity, noise fraction and per-point cluster ids.

    Purity is the share of clustered points that carry their cluster's majority label
    (0.5-ish means clusters mix labels; 1 means every cluster is one label). Fewer points than
    ``min_cluster_size`` cannot form a cluster: all are noise and purity is ``null``.
    """
    import hdbscan

    points = np.asarray(points, dtype=float)
    labels = np.asarray(labels, dtype=int)
    n = points.shape[0]
    if n >= max(min_cluster_size, min_samples + 1, 2):
        clusterer = hdbscan.HDBSCAN(
            min_cluster_size=min_cluster_size,
            min_samples=min_samples,
            cluster_selection_method=cluster_selection_method,
            core_dist_n_jobs=1,
        )
        ids = np.asarray(clusterer.fit_predict(points), dtype=int)
    else:
        ids = np.full(n, -1, dtype=int)
    clusters = []
    for cluster in sorted(set(ids.tolist()) - {-1}):
        member_labels = labels[ids == cluster]
        n1 = int(member_labels.sum())
        n0 = int(member_labels.size - n1)
        clusters.append(
            ClusterInfo(
                cluster=cluster,
                n=int(member_labels.size),
                n_compatible=n1,
                n_incompatible=n0,
                majority_label=1 if n1 >= n0 else 0,
            )
        )
    purity = float(cluster_purity(ids, labels))
    return ClusterSummary(
        min_cluster_size=min_cluster_size,
        min_samples=min_samples,
        cluster_selection_method=cluster_selection_method,
        n_clusters=len(clusters),
        purity=None if np.isnan(purity) else purity,
        noise_fraction=float(np.mean(ids == -1)) if n else 0.0,
        clusters=clusters,
        cluster_ids=[int(i) for i in ids],
    )


def figures(summary: ClusterSummary, random_state: int | None) -> ClusterFigures:
    """The three figures of a :class:`ClusterSummary`, tagged with its UMAP random state."""
    return ClusterFigures(
        random_state=random_state,
        n_clusters=summary.n_clusters,
        purity=summary.purity,
        noise_fraction=summary.noise_fraction,
    )


# --------------------------------------------------------------------------------------------
# Over seeds, and against shuffled labels
# --------------------------------------------------------------------------------------------


def seed_spread(values: Sequence[float | None]) -> SeedSpread:
    """Median and range of the defined (non-``None``) values.

    Example:
        >>> seed_spread([0.7, None, 0.5, 0.9]).model_dump()
        {'median': 0.7, 'low': 0.5, 'high': 0.9, 'n_defined': 3}
    """
    defined = np.array([v for v in values if v is not None], dtype=float)
    if not defined.size:
        return SeedSpread(median=None, low=None, high=None, n_defined=0)
    return SeedSpread(
        median=float(np.median(defined)),
        low=float(defined.min()),
        high=float(defined.max()),
        n_defined=int(defined.size),
    )


def restricted_shuffles(labels, groups: Sequence, n_shuffles: int, seed: int) -> np.ndarray:
    """``n_shuffles`` rows of ``labels``, each permuted only within its group.

    Each row keeps every group's labels (so its count of each label) and deals them out over
    that group's pairs in a random order: a permutation test restricted to the groups.

    Example:
        >>> rows = restricted_shuffles([1, 0, 1, 1, 1], ["a", "a", "b", "b", "b"], 50, 0)
        >>> sorted({tuple(r) for r in rows.tolist()})
        [(0, 1, 1, 1, 1), (1, 0, 1, 1, 1)]
    """
    labels = np.asarray(labels)
    names = {name: i for i, name in enumerate(dict.fromkeys(groups))}
    index = np.array([names[g] for g in groups], dtype=float)
    if index.size != labels.size:
        raise ValueError("give one group per label")
    rng = np.random.default_rng(seed)
    # Sorting by group + a uniform key in [0, 1) lists each group's pairs together, in a
    # random order within the group; the stable sort by group alone lists them in place.
    drawn = np.argsort(index[None, :] + rng.random((n_shuffles, labels.size)), axis=1)
    home = np.argsort(index, kind="stable")
    shuffled = np.empty((n_shuffles, labels.size), dtype=labels.dtype)
    shuffled[:, home] = labels[drawn]
    return shuffled


def purity_null(
    cluster_ids: Sequence[Sequence[int]],
    labels,
    *,
    groups: Sequence | None = None,
    n_shuffles: int = N_SHUFFLES,
    seed: int = 42,
    level: float = NULL_LEVEL,
) -> PurityNull | None:
    """Permutation null of the median purity over one or more clusterings of the same pairs.

    Each shuffle deals the observed labels out over the pairs again, within each of
    ``groups`` when given (:func:`restricted_shuffles`; the null the book reports), else over
    all pairs (``scipy.stats.permutation_test`` with ``permutation_type="pairings"``, which
    enumerates every ordering when ``n_shuffles`` reaches their number: the null is then
    exact). Every shuffle is scored on each clustering in ``cluster_ids`` (one id list per
    UMAP seed, ``-1`` for noise) and the median taken over those that found a cluster,
    exactly as the observed figure is taken. ``None`` when no clustering found a cluster.

    Example:
        Two clusters of two pairs, one pair of each label in each: shuffles put both
        compatible pairs together one time in three (purity 1), apart otherwise (purity 0.5).

        >>> null = purity_null([[0, 0, 1, 1]], [1, 0, 1, 0])
        >>> null.exact, null.low, null.high, round(null.p_value, 4)
        (True, 0.5, 1.0, 1.0)
    """
    if n_shuffles < 1:
        raise ValueError(f"n_shuffles must be at least 1, got {n_shuffles}")
    ids = [np.asarray(row, dtype=int) for row in cluster_ids]
    labels = np.asarray(labels, dtype=int)
    ids = [row for row in ids if (row != -1).any()]
    if not ids:
        return None
    if any(row.shape != labels.shape for row in ids):
        raise ValueError("every clustering needs one cluster id per label")

    def median_purity(shuffled: np.ndarray, axis: int = -1) -> np.ndarray:
        shuffled = np.moveaxis(shuffled, axis, -1)
        return np.median(np.stack([cluster_purity(row, shuffled) for row in ids]), axis=0)

    if groups is not None:
        null = median_purity(restricted_shuffles(labels, list(groups), n_shuffles, seed))
        observed = float(median_purity(labels[None, :])[0])
        p_value = (1 + int(np.sum(null >= observed - 1e-12))) / (1 + n_shuffles)
        exact = False
    else:
        result = stats.permutation_test(
            (labels,),
            median_purity,
            permutation_type="pairings",
            vectorized=True,
            n_resamples=n_shuffles,
            alternative="greater",
            rng=np.random.default_rng(seed),
        )
        null = np.asarray(result.null_distribution, dtype=float)
        observed, p_value = float(result.statistic), float(result.pvalue)
        # scipy enumerates every ordering when n_shuffles reaches n!; above 20 pairs n! > 2e18.
        exact = labels.size <= 20 and n_shuffles >= math.factorial(labels.size)
    alpha = (1 - level) / 2 * 100
    low, high = np.percentile(null, [alpha, 100 - alpha])
    return PurityNull(
        shuffled="within_subcategory" if groups is not None else "all_pairs",
        n_groups=len(set(groups)) if groups is not None else None,
        excess=observed - float(np.median(null)),
        n_shuffles=n_shuffles,
        seed=seed,
        level=level,
        low=float(low),
        high=float(high),
        median=float(np.median(null)),
        observed=observed,
        p_value=p_value,
        exact=exact,
    )


def adjusted_mutual_information(cluster_ids, labels) -> float | None:
    """AMI of labels and clusters over the clustered pairs (noise left out); ``None`` without one.

    0 is what chance gives at any number of clusters, 1 is clusters that are the labels.

    Example:
        >>> adjusted_mutual_information([0, 0, 1, 1, -1], [1, 1, 0, 0, 1])
        1.0
    """
    from sklearn.metrics import adjusted_mutual_info_score

    ids = np.asarray(cluster_ids, dtype=int)
    labels = np.asarray(labels, dtype=int)
    clustered = ids != -1
    if not clustered.any():
        return None
    return float(adjusted_mutual_info_score(labels[clustered], ids[clustered]))


# HDBSCAN on the 768-d features grows faster than n^2 (24 s at 6,000 pairs, about half an hour
# at 50,000), so above this many pairs it runs on a seeded sample stratified by label.
ON_FEATURES_CAP = 3_000
# UMAP's neighbour search grows as n^2 and its five layouts with n (347 s at 50,000 pairs,
# see the module's docstring), so above this many pairs the map and its clusters are measured on
# a seeded sample stratified by label. The same cap as ON_FEATURES_CAP, so that the features
# HDBSCAN clusters are those of the pairs projected (stratified_rows draws the same rows).
PROJECTION_CAP = ON_FEATURES_CAP


def stratified_rows(labels, cap: int, seed: int = 0) -> np.ndarray:
    """Indices of all rows if at most ``cap``, else a seeded sample keeping each label's share.

    Example:
        >>> stratified_rows([0, 1] * 5, cap=20).tolist()
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
        >>> rows = stratified_rows([1] * 30 + [0] * 70, cap=10)
        >>> len(rows), int((rows < 30).sum())
        (10, 3)
    """
    labels = np.asarray(labels)
    if labels.size <= cap:
        return np.arange(labels.size)
    rng = np.random.default_rng(seed)
    keep = []
    values = np.unique(labels)
    counts = {v: int(round(cap * float(np.mean(labels == v)))) for v in values}
    counts[values[-1]] = cap - sum(counts[v] for v in values[:-1])
    for value in values:
        members = np.flatnonzero(labels == value)
        keep.append(rng.choice(members, size=min(counts[value], members.size), replace=False))
    return np.sort(np.concatenate(keep))


def clustering_over_seeds(
    projections: Sequence[np.ndarray],
    seeds: Sequence[int | None],
    labels,
    *,
    features: np.ndarray | None = None,
    min_cluster_size: int = HDBSCAN_MIN_CLUSTER_SIZE,
    min_samples: int = HDBSCAN_MIN_SAMPLES,
    cluster_selection_method: str = HDBSCAN_SELECTION,
    n_shuffles: int = N_SHUFFLES,
    null_seed: int = 42,
    groups: Sequence | None = None,
) -> tuple[ClusteringOverSeeds, list[ClusterSummary]]:
    """HDBSCAN on each projection; medians, ranges and the purity null over them.

    Args:
        projections: one 2-d projection of the same pairs per UMAP seed.
        seeds: the UMAP random state of each projection (``None`` for one given from outside).
        labels: 0/1 label of each pair.
        features: the pair features that were projected; when given, HDBSCAN also runs on
            them directly (``on_features``; above :data:`ON_FEATURES_CAP` pairs on a seeded
            sample stratified by label).
        n_shuffles: label shuffles of :func:`purity_null`.
        null_seed: seed of the shuffles.
        groups: each pair's template group; the purity null shuffles labels within them
            (``None``: over all pairs).

    Returns:
        The :class:`ClusteringOverSeeds` and each projection's :class:`ClusterSummary` (the
        first is the one drawn on the map).
    """
    if len(projections) != len(seeds) or not projections:
        raise ValueError("give one seed per projection, and at least one projection")
    settings = dict(
        min_cluster_size=min_cluster_size,
        min_samples=min_samples,
        cluster_selection_method=cluster_selection_method,
    )
    summaries = [cluster_points(points, labels, **settings) for points in projections]
    per_seed = [figures(summary, seed) for summary, seed in zip(summaries, seeds, strict=True)]
    on_features, on_features_pairs = None, None
    if features is not None:
        rows = stratified_rows(labels, ON_FEATURES_CAP)
        on_features_pairs = int(rows.size)
        sampled = cluster_points(np.asarray(features)[rows], np.asarray(labels)[rows], **settings)
        on_features = figures(sampled, None)
    overview = ClusteringOverSeeds(
        seeds=[s for s in seeds if s is not None],
        per_seed=per_seed,
        purity=seed_spread([f.purity for f in per_seed]),
        n_clusters=seed_spread([f.n_clusters for f in per_seed]),
        noise_fraction=seed_spread([f.noise_fraction for f in per_seed]),
        purity_null=purity_null(
            [s.cluster_ids for s in summaries],
            labels,
            groups=groups,
            n_shuffles=n_shuffles,
            seed=null_seed,
        ),
        on_features=on_features,
        ami=seed_spread([adjusted_mutual_information(s.cluster_ids, labels) for s in summaries]),
        on_features_pairs=on_features_pairs,
        projected_pairs=len(labels),
    )
    return overview, summaries
