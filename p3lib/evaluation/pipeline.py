"""The evaluation of p3: one function, :func:`evaluate`, used for every model.

Chapter 02 runs :func:`evaluate` on the base model and chapter 05 on the fine-tuned models, so
the before/after figures come from the same code. Two layers:

* :func:`evaluate_scores` measures all eight metrics from the eval scores, with the threshold
  chosen elsewhere, in named steps: check the inputs, fix the threshold, project with UMAP
  over several seeds and cluster with HDBSCAN (:mod:`p3lib.evaluation.clustering`; above
  :data:`~p3lib.evaluation.clustering.PROJECTION_CAP` pairs on a seeded sample stratified by
  label, which the module explains), measure
  the metrics on arrays (:mod:`p3lib.evaluation.metrics`) with their intervals
  (:mod:`p3lib.evaluation.pair_bootstrap`, :mod:`p3lib.evaluation.cluster_bootstrap`), repeat
  the headline without pairs that leak from train, and fill the result
  (:mod:`p3lib.evaluation.results`);
* :func:`evaluate` encodes the pairs with a model, chooses the threshold on validation and
  calls :func:`evaluate_scores`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from p3lib.data.schema import DatingPair
from p3lib.evaluation.cluster_bootstrap import ClusterIntervals, cluster_bootstrap, template_groups
from p3lib.evaluation.clustering import (
    HDBSCAN_MIN_CLUSTER_SIZE,
    HDBSCAN_MIN_SAMPLES,
    HDBSCAN_SELECTION,
    N_SHUFFLES,
    N_UMAP_SEEDS,
    PROJECTION_CAP,
    UMAP_MIN_DIST,
    UMAP_RANDOM_STATE,
    ClusteringOverSeeds,
    ClusterSummary,
    UmapProjection,
    clustering_over_seeds,
    pair_features,
    project_over_seeds,
    stratified_rows,
)
from p3lib.evaluation.errors_by_type import errors_by_pair_type
from p3lib.evaluation.metrics import (
    as_arrays,
    category_margins,
    classification,
    classification_at,
    cosine_summary,
    false_positives,
    require_both_labels,
    select_threshold,
    separation,
    spearman_summary,
)
from p3lib.evaluation.neighbours import UMAP_METRIC, UMAP_N_NEIGHBORS
from p3lib.evaluation.operating_point import (
    DEFAULT_TARGET_RECALL,
    MatchedOperatingPoint,
    matched_operating_point,
)
from p3lib.evaluation.pair_bootstrap import bootstrap_intervals
from p3lib.evaluation.results import (
    BaselineMetrics,
    CosineSummary,
    EvaluationResult,
    LeakFree,
    ThresholdChoice,
)


def _check_lengths(n: int, **columns: list) -> None:
    """Every per-pair column has one entry per score."""
    for what, values in columns.items():
        if len(values) != n:
            raise ValueError(f"{what} has {len(values)} entries for {n} scores")


def _threshold_choice(
    threshold: float | ThresholdChoice, scores: np.ndarray, labels: np.ndarray
) -> ThresholdChoice:
    """The validation choice as given, or a bare number measured on eval (``chosen_on="given"``)."""
    if isinstance(threshold, ThresholdChoice):
        return threshold
    return ThresholdChoice(
        threshold=float(threshold),
        **classification_at(scores, labels, float(threshold)).model_dump(
            include={"f1", "accuracy", "precision", "recall"}
        ),
        n=scores.size,
        chosen_on="given",
    )


def _projections(
    pair_points: np.ndarray | None,
    projection: np.ndarray | None,
    n: int,
    *,
    n_umap_seeds: int,
    umap_random_state: int,
    umap_n_neighbors: int,
    umap_min_dist: float,
    umap_metric: str,
) -> tuple[list[np.ndarray], list[int | None], int]:
    """``(projections, seeds, n_neighbors used)``: one UMAP map per seed, the first the book's.

    A precomputed ``projection`` stands for one "seed" and skips UMAP (0 neighbours used).
    """
    if n_umap_seeds < 1:
        raise ValueError(f"n_umap_seeds must be at least 1, got {n_umap_seeds}")
    if projection is not None:
        points = np.asarray(projection, dtype=float)
        if points.shape != (n, 2):
            raise ValueError(f"projection must have shape ({n}, 2), got {points.shape}")
        return [points], [None], 0
    if pair_points is None:
        raise ValueError("give pair_points (pair features for UMAP) or a 2-d projection")
    seeds = [umap_random_state + k for k in range(n_umap_seeds)]
    # One exact neighbour search serves every seed (p3lib.evaluation.clustering explains why).
    projected_points = project_over_seeds(
        pair_points, seeds, n_neighbors=umap_n_neighbors, min_dist=umap_min_dist, metric=umap_metric
    )
    return [p for p, _ in projected_points], seeds, projected_points[0][1]


def _umap_map(
    points: np.ndarray,
    used: int,
    cosine: CosineSummary,
    pair_types: list[str],
    categories: list[str],
    texts: list[tuple[str, str]],
    rows: np.ndarray | None,
    *,
    umap_min_dist: float,
    umap_metric: str,
    umap_random_state: int,
) -> UmapProjection:
    """The map chapter 02 draws: the first seed's points of the pairs ``rows`` (``None``: all)
    with every pair's label and text."""
    return UmapProjection(
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
        rows=None if rows is None else [int(i) for i in rows],
    )


def _map_and_clusters(
    pair_points: np.ndarray | None,
    projection: np.ndarray | None,
    labels: np.ndarray,
    cosine: CosineSummary,
    pair_types: list[str],
    categories: list[str],
    texts: list[tuple[str, str]],
    *,
    seed: int,
    n_umap_seeds: int,
    umap_random_state: int,
    umap_n_neighbors: int,
    umap_min_dist: float,
    umap_metric: str,
    n_shuffles: int,
    hdbscan_min_cluster_size: int,
    hdbscan_min_samples: int,
    hdbscan_cluster_selection_method: str,
    groups: list[str] | None,
) -> tuple[UmapProjection, ClusteringOverSeeds, ClusterSummary]:
    """Metrics 2 and 3: the first seed's UMAP map, the clustering figures over every seed (with
    the purity null, seeded with ``seed``, shuffled within ``groups`` where given) and the first
    seed's clusters. When UMAP runs (no ``projection`` given), above :data:`PROJECTION_CAP`
    pairs all of them are measured on the same seeded sample, stratified by label
    (:mod:`p3lib.evaluation.clustering` says why); a given projection is clustered whole."""
    rows = stratified_rows(labels, PROJECTION_CAP)
    sampled = projection is None and rows.size < len(labels)
    if sampled:
        # Only the sample is projected and clustered; the caller's arrays stay whole.
        pair_points = None if pair_points is None else np.asarray(pair_points)[rows]
        labels = labels[rows]
        groups = None if groups is None else [groups[i] for i in rows]
    projections, seeds, used = _projections(
        pair_points,
        projection,
        len(labels),
        n_umap_seeds=n_umap_seeds,
        umap_random_state=umap_random_state,
        umap_n_neighbors=umap_n_neighbors,
        umap_min_dist=umap_min_dist,
        umap_metric=umap_metric,
    )
    umap = _umap_map(
        projections[0],
        used,
        cosine,
        pair_types,
        categories,
        texts,
        rows if sampled else None,
        umap_min_dist=umap_min_dist,
        umap_metric=umap_metric,
        umap_random_state=umap_random_state,
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
        groups=groups,
    )
    return umap, over_seeds, seed_clusters[0]


def _score_metrics(
    scores: np.ndarray,
    labels: np.ndarray,
    pair_types: list[str],
    categories: list[str],
    texts: list[tuple[str, str]],
    threshold: float,
    groups: list[str] | None,
    *,
    seed: int,
    n_bootstrap: int,
) -> dict[str, Any]:
    """Metrics 4 to 8 and the errors by pair type, with the pair-level bootstrap intervals, as
    the :class:`~p3lib.evaluation.results.EvaluationResult` fields they fill."""
    sep = separation(scores, labels)
    sweep = classification(scores, labels, threshold)
    rho, rho_p, ceiling, ratio = spearman_summary(scores, labels)
    return {
        "false_positives": false_positives(
            scores, labels, pair_types, categories, texts, threshold
        ),
        "separation": sep,
        "cohens_d": sep.cohens_d,
        "t_statistic": sep.t_statistic,
        "p_value": sep.p_value,
        "threshold_sweep": sweep,
        "auc_roc": sweep.auc_roc,
        "category_margins": category_margins(scores, labels, categories),
        "spearman": rho,
        "spearman_p_value": rho_p,
        "spearman_ceiling": ceiling,
        "spearman_ratio": ratio,
        "intervals": bootstrap_intervals(scores, labels, seed=seed, n_bootstrap=n_bootstrap),
        "errors_by_pair_type": errors_by_pair_type(
            scores, labels, pair_types, threshold, groups, seed=seed, n_resamples=n_bootstrap
        ),
    }


def _group_intervals(
    scores: np.ndarray,
    labels: np.ndarray,
    groups: Sequence[str] | None,
    threshold: float,
    *,
    seed: int,
    n_bootstrap: int,
) -> tuple[list[str] | None, ClusterIntervals | None]:
    """Each pair's template group and the cluster-bootstrap intervals over them, when given.

    The groups are the resampled clusters of every interval, and the strata of the purity
    null's restricted shuffle.
    """
    if groups is None:
        return None, None
    groups = [str(g) for g in groups]
    _check_lengths(scores.size, groups=groups)
    return groups, cluster_bootstrap(
        scores, labels, groups, threshold, seed=seed, n_resamples=n_bootstrap
    )


def _matched_recall(
    scores: np.ndarray,
    labels: np.ndarray,
    pair_types: list[str],
    validation_scores,
    validation_labels,
    target_recall: float,
) -> MatchedOperatingPoint | None:
    """The matched-recall operating point, when the validation scores and labels are given."""
    if validation_scores is None or validation_labels is None:
        return None
    return matched_operating_point(
        scores, labels, pair_types, validation_scores, validation_labels, target_recall
    )


def _leak_free(scores: np.ndarray, labels: np.ndarray, threshold: float) -> LeakFree:
    """The headline metrics of the pairs kept; ``null`` where they cannot define one."""
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


def _without_leaks(
    leak_mask, scores: np.ndarray, labels: np.ndarray, threshold: float
) -> tuple[int, LeakFree | None]:
    """``(n_overlap, leak_free)``: how many eval pairs occur in train, and the headline without
    them (``None`` when none do or no mask is given)."""
    if leak_mask is None:
        return 0, None
    leak_mask = np.asarray(leak_mask, dtype=bool)
    if leak_mask.shape != (scores.size,):
        raise ValueError(f"leak_mask must have {scores.size} entries, got {leak_mask.shape}")
    n_overlap = int(leak_mask.sum())
    if not n_overlap:
        return 0, None
    keep = ~leak_mask
    return n_overlap, _leak_free(scores[keep], labels[keep], threshold)


def _prd_summary(
    cosine: CosineSummary,
    measured: dict[str, Any],
    threshold: float,
    over_seeds: ClusteringOverSeeds,
) -> BaselineMetrics:
    """The PRD's flat summary (section 6) of the figures measured above."""
    sep, sweep = measured["separation"], measured["threshold_sweep"]
    at = sweep.at_threshold
    return BaselineMetrics(
        compatible_mean_cosine=cosine.compatible.mean,
        incompatible_mean_cosine=cosine.incompatible.mean,
        compatibility_margin=cosine.margin,
        cohens_d=sep.cohens_d,
        t_statistic=sep.t_statistic,
        p_value=sep.p_value,
        auc_roc=sweep.auc_roc,
        best_threshold=threshold,
        best_f1=at.f1,
        accuracy_at_best_threshold=at.accuracy,
        precision_at_best_threshold=at.precision,
        recall_at_best_threshold=at.recall,
        cluster_purity=over_seeds.purity.median,
        n_clusters=over_seeds.n_clusters.median,
        noise_ratio=over_seeds.noise_fraction.median,
        spearman_correlation=measured["spearman"],
    )


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
            when ``projection`` is given. Above :data:`PROJECTION_CAP` pairs only a seeded
            sample stratified by label is projected and clustered (``umap.rows``).
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
            (:func:`p3lib.evaluation.clustering.purity_null`, seeded with ``seed``).
        groups: each eval pair's template group (its (category, subcategory) pair); with them,
            every table metric gets a cluster-bootstrap interval
            (:mod:`p3lib.evaluation.cluster_bootstrap`), the per-type error rates too, and the
            purity null shuffles labels within them.
        validation_scores: the validation pairs' scores; with ``validation_labels`` they give
            the matched-recall operating point (:mod:`p3lib.evaluation.operating_point`).
        target_recall: the validation recall of the matched operating point.

    Raises:
        ValueError: the eval set lacks a label (AUC and margin undefined) or has fewer than two
            pairs of one, or the inputs have different lengths.
    """
    scores, labels = as_arrays(scores, labels)
    require_both_labels(labels)
    n = scores.size
    pair_types, categories, texts = list(pair_types), list(categories), list(texts)
    _check_lengths(n, pair_types=pair_types, categories=categories, texts=texts)
    choice = _threshold_choice(threshold, scores, labels)
    t = choice.threshold
    groups, cluster_intervals = _group_intervals(
        scores, labels, groups, t, seed=seed, n_bootstrap=n_bootstrap
    )
    # Metrics 1 to 3: the cosine distributions, the UMAP map and the clusters over seeds.
    cosine = cosine_summary(scores, labels)
    umap, over_seeds, first_clusters = _map_and_clusters(
        pair_points,
        projection,
        labels,
        cosine,
        pair_types,
        categories,
        texts,
        seed=seed,
        n_umap_seeds=n_umap_seeds,
        umap_random_state=umap_random_state,
        umap_n_neighbors=umap_n_neighbors,
        umap_min_dist=umap_min_dist,
        umap_metric=umap_metric,
        n_shuffles=n_shuffles,
        hdbscan_min_cluster_size=hdbscan_min_cluster_size,
        hdbscan_min_samples=hdbscan_min_samples,
        hdbscan_cluster_selection_method=hdbscan_cluster_selection_method,
        groups=groups,
    )
    measured = _score_metrics(  # metrics 4 to 8, with their intervals
        scores, labels, pair_types, categories, texts, t, groups, seed=seed, n_bootstrap=n_bootstrap
    )
    matched = _matched_recall(
        scores, labels, pair_types, validation_scores, validation_labels, target_recall
    )
    n_overlap, leak_free = _without_leaks(leak_mask, scores, labels, t)
    return EvaluationResult(
        name=name,
        model=model,
        n_pairs=n,
        n_compatible=int(labels.sum()),
        n_incompatible=int(n - labels.sum()),
        threshold=choice,
        cosine=cosine,
        umap=umap,
        hdbscan=first_clusters,
        clustering=over_seeds,
        **measured,
        n_overlap=n_overlap,
        leak_free=leak_free,
        summary=_prd_summary(cosine, measured, t, over_seeds),
        groups=groups,
        cluster_intervals=cluster_intervals,
        matched_recall=matched,
    )


# --------------------------------------------------------------------------------------------
# Model-level wrapper
# --------------------------------------------------------------------------------------------


def overlap_mask(eval_pairs: Sequence[DatingPair], train_pairs: Sequence[DatingPair]) -> np.ndarray:
    """True for each eval pair whose (text_1, text_2) also occurs in train."""
    train_keys = {pair.key for pair in train_pairs}
    return np.array([pair.key in train_keys for pair in eval_pairs], dtype=bool)


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
