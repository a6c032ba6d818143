"""The exact nearest neighbours every UMAP seed of a model shares, and umap-learn's compile cache.

Why the neighbours are found here, once, exactly: umap-learn finds them exactly below 4,096
points and switches to NN-descent above (pynndescent), whose numba functions take the metric
as an argument and so cannot be cached: about 20 to 40 s of compilation in every process,
the jump from 4.5 s at 1,500 pairs to 24.5 s at 4,000 that issue 18 measured.
:func:`nearest_neighbours` computes the same exact neighbours as umap-learn's small-data path
(float32 cosine distances, the self-distance set to 0, ties by index), in blocks of rows so
memory stays bounded, with numpy's matrix product and no compilation; every UMAP seed then
gets them as ``precomputed_knn`` (:func:`project_over_seeds`), so one search serves all seeds
and the projections are the ones umap-learn computes by itself below 4,096 points.

Example:
    >>> neighbourhood_size(295), neighbourhood_size(8)
    (15, 7)
"""

from __future__ import annotations

import numpy as np

# PRD section 4, step 2: UMAP's neighbourhood and metric (p3lib.evaluation.clustering uses them).
UMAP_N_NEIGHBORS = 15
UMAP_METRIC = "cosine"


def neighbourhood_size(n_points: int, n_neighbors: int = UMAP_N_NEIGHBORS) -> int:
    """The neighbourhood UMAP uses for ``n_points``: ``n_neighbors``, at most ``n - 1``, at least 2.

    Example:
        >>> neighbourhood_size(295), neighbourhood_size(8)
        (15, 7)
    """
    return int(max(2, min(n_neighbors, n_points - 1)))


def nearest_neighbours(
    features: np.ndarray,
    n_neighbors: int,
    *,
    metric: str = UMAP_METRIC,
    block_elements: int = 1 << 24,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact ``n_neighbors`` nearest points of every row, each row itself included.

    Returns ``(indices, distances)`` as umap-learn's exact path computes them: distances in
    float32 (cosine: ``1 - `` the dot product of L2-normalised rows, clipped to [0, 2]; any
    other metric through scikit-learn), a point's distance to itself 0, and ties ordered by
    index (umap-learn sorts each row with a stable sort). Rows are processed in blocks of
    about ``block_elements`` distances (64 MiB by default), so memory stays bounded at any
    size while the cost grows smoothly as ``n**2``.

    Example:
        Four points on a line: each one's nearest are itself, then the closer neighbour; the
        tie of the point at 1 (0 and 2 are both 1 away) goes to the lower index.

        >>> x = np.array([[0.0], [1.0], [2.0], [4.0]])
        >>> indices, distances = nearest_neighbours(x, 2, metric="euclidean")
        >>> indices.tolist(), distances.tolist()
        ([[0, 1], [1, 0], [2, 1], [3, 2]], [[0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0, 2.0]])
    """
    from sklearn.metrics import pairwise_distances
    from sklearn.preprocessing import normalize

    points = np.ascontiguousarray(features, dtype=np.float32)
    n = points.shape[0]
    if not 1 <= n_neighbors <= n:
        raise ValueError(f"n_neighbors must be between 1 and {n}, got {n_neighbors}")
    if metric == "cosine":
        unit = normalize(points)
    indices = np.empty((n, n_neighbors), dtype=np.int32)
    distances = np.empty((n, n_neighbors), dtype=np.float32)
    step = max(1, block_elements // max(n, 1))
    for start in range(0, n, step):
        rows = np.arange(start, min(start + step, n))
        if metric == "cosine":
            block = unit[rows] @ unit.T
            block *= -1
            block += 1
            np.clip(block, 0.0, 2.0, out=block)
        else:
            block = pairwise_distances(points[rows], points, metric=metric).astype(np.float32)
        block[np.arange(rows.size), rows] = 0.0
        # The n_neighbors-th smallest distance of each row; every entry up to it is a
        # candidate (more than n_neighbors only on ties), ordered by distance, then index.
        kth = np.partition(block, n_neighbors - 1, axis=1)[:, n_neighbors - 1]
        row, column = np.nonzero(block <= kth[:, None])
        order = np.lexsort((column, block[row, column], row))
        row, column = row[order], column[order]
        first = np.searchsorted(row, np.arange(rows.size))
        take = first[:, None] + np.arange(n_neighbors)
        indices[rows] = column[take]
        distances[rows] = block[row[take], column[take]]
    return indices, distances


# umap-learn's numba functions that every fit compiles and that umap-learn does not mark
# ``cache=True`` (module, name): about 10 to 15 s of compilation in every new process.
_UNCACHED_UMAP_FUNCTIONS = (
    ("umap.layouts", "_nb_optimize_layout_euclidean_single_epoch"),
    ("umap.layouts", "clip"),
    ("umap.umap_", "smooth_knn_dist"),
    ("umap.umap_", "compute_membership_strengths"),
)


def cache_umap_compilation() -> list[str]:
    """Let numba keep the compiled umap-learn functions on disk; returns those it turned on.

    ``Dispatcher.enable_caching`` is what ``cache=True`` does at decoration: numba writes the
    machine code next to umap-learn's source (its ``__pycache__``), or where that is read-only
    in the user's cache folder, or in ``NUMBA_CACHE_DIR`` when the user set it (numba's own
    rules; p3 sets no variable). So the compilation is paid once per machine and environment,
    not in every chapter's kernel. A numba or umap-learn that lacks a name is left as it is.
    """
    import importlib

    from numba.core.caching import NullCache

    turned_on = []
    for module_name, name in _UNCACHED_UMAP_FUNCTIONS:
        function = getattr(importlib.import_module(module_name), name, None)
        if isinstance(getattr(function, "_cache", None), NullCache):
            function.enable_caching()
            turned_on.append(f"{module_name}.{name}")
    return turned_on
