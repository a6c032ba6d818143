"""Known-answer tests of p3lib.evaluation.clustering: purity, its permutation null, figures over
seeds."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import hypergeom

from p3lib.evaluation import pipeline
from p3lib.evaluation.clustering import (
    cluster_purity,
    clustering_over_seeds,
    purity_null,
    seed_spread,
)


def grid_blob(offset: float) -> np.ndarray:
    """30 points on a 6 x 5 grid of unit size, shifted by ``offset``: one dense cluster."""
    grid = np.stack(np.meshgrid(np.linspace(0, 1, 6), np.linspace(0, 1, 5)), -1).reshape(-1, 2)
    return grid + offset


def test_cluster_purity_counts_majorities_and_skips_noise():
    ids = np.array([0, 0, 0, 1, 1, -1, -1])
    labels = np.array([1, 1, 0, 0, 0, 1, 1])
    # cluster 0: 2 of 3 are label 1; cluster 1: 2 of 2 are label 0; noise ignored: 4/5.
    assert cluster_purity(ids, labels) == pytest.approx(4 / 5)
    rows = np.array([labels, 1 - labels, [1, 0, 1, 0, 1, 0, 1]])
    assert cluster_purity(ids, rows) == pytest.approx([4 / 5, 4 / 5, 3 / 5])
    assert np.isnan(cluster_purity([-1, -1], [0, 1]))


def test_permutation_null_is_exact_on_four_pairs():
    # Two clusters of two. Of the 24 orderings of labels (1, 1, 0, 0), 8 put both compatible
    # pairs in one cluster (purity 1) and 16 split them (purity 0.5).
    null = purity_null([[0, 0, 1, 1]], [1, 1, 0, 0], n_shuffles=1000)
    assert null.exact
    assert null.observed == 1.0
    assert null.p_value == pytest.approx(8 / 24)
    assert (null.low, null.median, null.high) == (0.5, 0.5, 1.0)


def test_permutation_null_of_the_median_over_two_clusterings():
    # Clusterings A = [0, 0, 1, 1] and B = [0, 1, 0, 1]; labels (1, 1, 0, 0) give purity 1 on A
    # and 0.5 on B, median 0.75. Over the six placements of the two compatible pairs, {0,1},
    # {2,3}, {0,2} and {1,3} give (1, 0.5) or (0.5, 1), median 0.75; {0,3} and {1,2} give
    # (0.5, 0.5). So the null is 0.75 with probability 4/6 and 0.5 with 2/6.
    null = purity_null([[0, 0, 1, 1], [0, 1, 0, 1]], [1, 1, 0, 0])
    assert null.exact and null.observed == 0.75
    assert null.p_value == pytest.approx(4 / 6)
    assert (null.low, null.high) == (0.5, 0.75)


def test_permutation_null_matches_the_hypergeometric_expectation():
    # 30 pairs, 15 compatible; two clusters of 10 and 10 pairs of noise. Under shuffling, a
    # cluster's compatible count X is hypergeometric(30, 15, 10) and its majority is
    # max(X, 10 - X); purity is the mean of the two clusters' majorities over 20.
    ids = np.array([0] * 10 + [1] * 10 + [-1] * 10)
    labels = np.array([1] * 10 + [0] * 10 + [1] * 5 + [0] * 5)  # observed: two pure clusters
    x = np.arange(11)
    expected = float(np.sum(hypergeom(30, 15, 10).pmf(x) * np.maximum(x, 10 - x)) / 10)
    null = purity_null([ids], labels, n_shuffles=4000, seed=3)
    assert not null.exact and null.observed == 1.0
    assert null.p_value == pytest.approx(1 / 4001)  # no shuffle reaches two pure clusters
    # The null's mean, from the shuffles: within 4 standard errors of the exact expectation.
    again = purity_null([ids], labels, n_shuffles=4000, seed=3)
    assert again == null  # seeded
    assert null.low < expected < null.high
    assert abs(null.median - expected) < 0.05
    assert null.low >= 0.5 and null.high < 1.0


def test_permutation_null_with_one_cluster_is_the_majority_share():
    ids = np.zeros(40, dtype=int)
    labels = np.array([1] * 25 + [0] * 15)
    null = purity_null([ids], labels, n_shuffles=200)
    assert null.low == null.high == null.observed == 25 / 40
    assert null.p_value == 1.0


def test_permutation_null_without_clusters_is_none():
    assert purity_null([[-1, -1, -1]], [1, 0, 1]) is None
    with pytest.raises(ValueError, match="n_shuffles"):
        purity_null([[0, 0]], [1, 0], n_shuffles=0)


def test_seed_spread_takes_median_and_range_of_defined_values():
    spread = seed_spread([0.6, None, 0.9, 0.7, 0.5])
    assert spread.median == pytest.approx(0.65) and spread.n_defined == 4
    assert (spread.low, spread.high) == (0.5, 0.9)
    assert seed_spread([None, None]).median is None


def test_clustering_over_seeds_on_constructed_projections():
    # Labels: pairs 0-29 compatible, 30-59 incompatible. Three "projections" of the same 60
    # pairs, each two dense grid blobs, which HDBSCAN finds whole (no noise):
    labels = np.array([1] * 30 + [0] * 30)
    order_pure = np.arange(60)  # blob 1 = pairs 0-29: purity 1
    order_mixed = np.r_[np.arange(0, 60, 2), np.arange(1, 60, 2)]  # 15 + 15 in each: 0.5
    order_partial = np.r_[np.arange(10, 40), np.arange(0, 10), np.arange(40, 60)]  # 20/30: 2/3
    blobs = np.vstack([grid_blob(0), grid_blob(10)])
    projections = []
    for order in (order_pure, order_mixed, order_partial):
        points = np.empty_like(blobs)
        points[order] = blobs
        projections.append(points)
    features = np.vstack([grid_blob(0), grid_blob(10)])
    overview, summaries = clustering_over_seeds(
        projections, [42, 43, 44], labels, features=features, n_shuffles=300, null_seed=1
    )
    assert [f.purity for f in overview.per_seed] == pytest.approx([1.0, 0.5, 2 / 3])
    assert [f.random_state for f in overview.per_seed] == [42, 43, 44]
    assert overview.purity.median == pytest.approx(2 / 3)
    assert (overview.purity.low, overview.purity.high) == pytest.approx((0.5, 1.0))
    assert overview.n_clusters.median == 2 and overview.noise_fraction.high == 0.0
    assert summaries[0].purity == 1.0 and len(summaries) == 3
    assert overview.purity_null.observed == pytest.approx(2 / 3)
    assert overview.on_features.random_state is None
    assert overview.on_features.purity == 1.0  # the features are the pure layout
    assert overview.on_features_pairs == 60


def test_features_above_the_cap_are_clustered_on_a_stratified_sample(monkeypatch):
    import p3lib.evaluation.clustering as clustering

    labels = np.array([1] * 30 + [0] * 30)
    features = np.vstack([grid_blob(0), grid_blob(10)])  # blob 1 = the compatible pairs
    monkeypatch.setattr(clustering, "ON_FEATURES_CAP", 40)
    overview, _ = clustering.clustering_over_seeds(
        [features], [42], labels, features=features, n_shuffles=10
    )
    assert overview.on_features_pairs == 40
    rows = clustering.stratified_rows(labels, 40)
    assert len(rows) == 40 and int(labels[rows].sum()) == 20  # each label keeps its half
    assert overview.on_features.purity == 1.0  # the sample keeps the pure layout


def _evaluate_small(scores, labels, features, **settings):
    """``evaluate_scores`` on a few made-up pairs, with neighbourhoods small enough for them."""
    n = len(labels)
    return pipeline.evaluate_scores(
        scores,
        labels,
        ["compatible" if y else "incompatible" for y in labels],
        ["c"] * n,
        features,
        threshold=0.5,
        texts=[(f"boy: {i}", f"girl: {i}") for i in range(n)],
        umap_n_neighbors=5,
        hdbscan_min_cluster_size=4,
        hdbscan_min_samples=2,
        **settings,
    )


def test_above_the_cap_the_map_and_its_clusters_use_one_stratified_sample(monkeypatch):
    from p3lib.book.charts.baseline import plot_umap
    from p3lib.evaluation.clustering import stratified_rows

    monkeypatch.setattr(pipeline, "PROJECTION_CAP", 24)
    rng = np.random.default_rng(0)
    n = 40
    labels = np.array([1] * 16 + [0] * 24)
    features = np.vstack([rng.normal(3 * y, 1, 8) for y in labels])
    scores = np.where(labels == 1, 0.7, 0.3) + rng.normal(0, 0.1, n)
    result = _evaluate_small(
        scores,
        labels,
        features,
        n_bootstrap=20,
        n_umap_seeds=2,
        n_shuffles=20,
        groups=[f"g{i % 5}" for i in range(n)],
    )
    rows = stratified_rows(labels, 24)
    assert int(labels[rows].sum()) == 10  # each label keeps its share (16/40 of 24 is 9.6)
    # The map, its clusters, the features' clusters and the null: the same 24 pairs.
    assert result.umap.rows == rows.tolist() and result.umap.n_projected == 24
    assert len(result.hdbscan.cluster_ids) == 24
    assert result.clustering.projected_pairs == result.clustering.on_features_pairs == 24
    assert result.umap.projected().labels == labels[rows].tolist()
    # Every other metric, and the per-pair fields of the map, keep all the pairs.
    assert result.n_pairs == len(result.umap.labels) == len(result.cosine.scores) == n
    assert "UMAP and HDBSCAN on 24 of 40 pairs" in plot_umap(result).layout.title.text


def test_evaluate_scores_measures_clustering_over_umap_seeds():
    rng = np.random.default_rng(0)
    n = 40
    labels = np.array([1, 0] * (n // 2))
    scores = np.where(labels == 1, 0.7, 0.3) + rng.normal(0, 0.1, n)
    features = np.vstack([rng.normal(3 * y, 1, 8) for y in labels])
    result = _evaluate_small(
        scores, labels, features, n_bootstrap=50, n_umap_seeds=3, n_shuffles=100
    )
    over = result.clustering
    assert over.seeds == [42, 43, 44] and len(over.per_seed) == 3
    # The map (and its clusters) is the first seed's projection.
    assert result.hdbscan.purity == over.per_seed[0].purity
    assert result.hdbscan.n_clusters == over.per_seed[0].n_clusters
    assert result.headline()["eval_purity"] == over.purity.median
    assert result.summary.cluster_purity == over.purity.median
    assert result.summary.noise_ratio == over.noise_fraction.median
    assert over.on_features is not None and over.purity_null.n_shuffles == 100
    with pytest.raises(ValueError, match="n_umap_seeds"):
        pipeline.evaluate_scores(
            scores,
            labels,
            ["compatible"] * n,
            ["c"] * n,
            features,
            threshold=0.5,
            texts=[("boy: a", "girl: b")] * n,
            n_umap_seeds=0,
        )


def test_purity_chart_draws_medians_ranges_seeds_and_null_bands():
    from p3lib.book.charts.comparison import plot_purity

    labels = np.array([1] * 30 + [0] * 30)
    blobs = np.vstack([grid_blob(0), grid_blob(10)])
    mixed = np.empty_like(blobs)
    mixed[np.r_[np.arange(0, 60, 2), np.arange(1, 60, 2)]] = blobs
    scores = np.where(labels == 1, 0.8, 0.2) + np.linspace(-0.05, 0.05, 60)

    def result(projections):
        over, summaries = clustering_over_seeds(
            projections, [42, 43][: len(projections)], labels, n_shuffles=200
        )
        base = pipeline.evaluate_scores(
            scores,
            labels,
            ["compatible" if y else "incompatible" for y in labels],
            ["c"] * 60,
            None,
            threshold=0.5,
            texts=[("boy: a", "girl: b")] * 60,
            n_bootstrap=20,
            projection=projections[0],
        )
        return base.model_copy(update={"clustering": over, "hdbscan": summaries[0]})

    fig = plot_purity({"baseline": result([mixed]), "full": result([blobs, mixed])})
    band, bar, seeds = fig.data
    assert bar.type == "bar" and list(bar.y) == pytest.approx([0.5, 0.75])
    assert list(bar.error_y.array) == pytest.approx([0.0, 0.25])
    assert list(bar.error_y.arrayminus) == pytest.approx([0.0, 0.25])
    assert "noise 0%" in bar.text[1]
    assert sorted(seeds.y) == pytest.approx([0.5, 0.5, 1.0])  # one dot per model and seed
    # One closed rectangle per model, spanning that model's null range.
    assert band.fill == "toself" and list(band.x).count(None) == 2
