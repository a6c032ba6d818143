"""The exact neighbour search that every UMAP seed shares (p3lib.evaluation.neighbours)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from p3lib.evaluation.clustering import project_over_seeds, project_pairs
from p3lib.evaluation.neighbours import nearest_neighbours


def test_cosine_neighbours_match_a_brute_force_search():
    rng = np.random.default_rng(0)
    points = rng.normal(size=(300, 24))
    indices, distances = nearest_neighbours(points, 7)
    reference = cdist(points, points, metric="cosine")
    np.fill_diagonal(reference, 0.0)
    expected = np.argsort(reference, axis=1, kind="stable")[:, :7]
    assert np.array_equal(indices, expected)
    assert np.allclose(distances, np.take_along_axis(reference, expected, axis=1), atol=1e-6)
    assert indices.dtype == np.int32 and distances.dtype == np.float32


def test_blocks_do_not_change_the_answer():
    rng = np.random.default_rng(1)
    points = rng.normal(size=(257, 16))
    whole = nearest_neighbours(points, 15)
    # 257 * 10 distances a block: 10 rows at a time, the last block short.
    blocked = nearest_neighbours(points, 15, block_elements=2570)
    assert all(np.array_equal(a, b) for a, b in zip(whole, blocked, strict=True))


def test_ties_go_to_the_lower_index():
    # Rows 0, 2 and 3 are the same direction (cosine distance 0 to each other).
    points = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0], [3.0, 0.0], [1.0, 1.0]])
    indices, distances = nearest_neighbours(points, 3)
    assert indices[3].tolist() == [0, 2, 3]
    assert indices[0].tolist() == [0, 2, 3]
    assert distances[3].tolist() == [0.0, 0.0, 0.0]


def test_too_many_neighbours_is_refused():
    with pytest.raises(ValueError, match="between 1 and 3"):
        nearest_neighbours(np.eye(3), 4)


def test_one_search_for_all_seeds_gives_each_seed_its_own_projection():
    rng = np.random.default_rng(2)
    features = rng.normal(size=(60, 8))
    shared = project_over_seeds(features, [42, 43])
    alone = [project_pairs(features, random_state=seed)[0] for seed in (42, 43)]
    assert all(np.array_equal(a[0], b) for a, b in zip(shared, alone, strict=True))
    assert not np.array_equal(shared[0][0], shared[1][0])
    assert {used for _, used in shared} == {15}


_PROJECT_AND_REPORT = """
import json, numpy as np, umap.layouts, umap.umap_
from p3lib.evaluation.clustering import project_pairs
project_pairs(np.random.default_rng(0).normal(size=(40, 6)))
functions = [umap.layouts._nb_optimize_layout_euclidean_single_epoch, umap.umap_.smooth_knn_dist]
print(json.dumps([[sum(f.stats.cache_hits.values()), sum(f.stats.cache_misses.values())]
                  for f in functions]))
"""


# Two fresh processes that each import umap-learn: a smoke-length test.
@pytest.mark.smoke
def test_umap_compilation_is_paid_once_per_cache_folder(tmp_path):
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}

    def hits_and_misses():
        completed = subprocess.run(
            [sys.executable, "-c", _PROJECT_AND_REPORT],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(completed.stdout.strip().splitlines()[-1])

    # First process: nothing in the folder, so each function is compiled (a miss) and saved;
    # the second loads them (hits) and compiles nothing.
    assert all(misses > 0 for _, misses in hits_and_misses())
    assert list(tmp_path.joinpath("numba").rglob("*.nbi"))
    assert all(hits > 0 and misses == 0 for hits, misses in hits_and_misses())
