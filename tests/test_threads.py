"""Every exact figure is the same at 1 and 2 threads (issue 19: the same numbers on every machine).

Thread count is the one source of machine-to-machine variation that can be simulated on one
machine: it changes how PyTorch, OpenMP and numba split their sums. Each run is a fresh
process with ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS`` and ``NUMBA_NUM_THREADS`` set and
``torch.set_num_threads`` called; it trains the tiny model for one epoch, evaluates it with
:func:`p3lib.evaluation.pipeline.evaluate` (two UMAP seeds) and writes the result with
:func:`p3lib.store.atomic.atomic_write_json`, as the chapters do.

What must hold: every figure the results table prints is the same text, intervals included, and
every count, label and text of the JSON is equal. The floats are not bit-equal: PyTorch sums
float32 values in a different order at 2 threads, so cosines move in the 8th digit, and one
epoch of training compounds that over its steps; they must agree to a relative 1e-4 (an
interval's end moved by 1.1e-5 relative with the packages of 2026-12-07), far below the printed
digits, which must be the same text. Left out: the UMAP coordinates and the clustering figures,
which the book declares seed-dependent (medians over seeds with their range): a change in the
8th digit of the features is enough to move UMAP's layout.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).parent

SCRIPT = """
import sys
from pathlib import Path

import numba
import torch

threads, folder = int(sys.argv[1]), Path(sys.argv[2])
torch.set_num_threads(threads)
sys.path.insert(0, sys.argv[3])
from tiny_model import build_tiny_model, tiny_pairs

from p3lib.store.atomic import atomic_write_json
from p3lib.evaluation.pipeline import evaluate
from p3lib.training.record import TrainConfig
from p3lib.training.train import train

pairs = tiny_pairs(96, seed=3)
fit, validation, evaluation = pairs[:48], pairs[48:72], pairs[72:]
model = build_tiny_model(folder / "base")
config = TrainConfig(epochs=1, batch_size=8, learning_rate=5e-4, warmup_steps=1, seed=7)
train(fit, validation, config, None, model=model)
result = evaluate(
    model, evaluation, validation, train_pairs=fit, seed=7, n_bootstrap=200,
    umap_n_neighbors=5, hdbscan_min_cluster_size=3, hdbscan_min_samples=2,
    n_umap_seeds=2, n_shuffles=100, show_progress_bar=False,
)
atomic_write_json(folder / "result.json", result)
print(torch.get_num_threads(), numba.get_num_threads())
"""

# The figures that depend on UMAP's layout, reported as medians over seeds with their range.
SEED_DEPENDENT = ("umap", "hdbscan", "clustering")
SEED_DEPENDENT_SUMMARY = ("cluster_purity", "n_clusters", "noise_ratio")


def run_at(threads: int, folder: Path) -> dict:
    folder.mkdir()
    env = dict(os.environ)
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        env[name] = str(threads)
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(threads), str(folder), str(TESTS)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    # The process really ran at that thread count (torch and numba).
    assert completed.stdout.split()[-2:] == [str(threads), str(threads)]
    return json.loads((folder / "result.json").read_text(encoding="utf-8"))


def exact_figures(result: dict) -> dict:
    exact = {key: value for key, value in result.items() if key not in SEED_DEPENDENT}
    exact["summary"] = {
        key: value for key, value in result["summary"].items() if key not in SEED_DEPENDENT_SUMMARY
    }
    return exact


def mismatches(a, b, path: str = "") -> list[str]:
    """Paths where two JSON values differ: counts, labels and texts exactly; floats beyond the
    float32 rounding that training and encoding carry (relative 1e-4), since a different thread
    count adds the same numbers in a different order."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = sorted(set(a) | set(b))
        return [m for key in keys for m in mismatches(a.get(key), b.get(key), f"{path}.{key}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} against {len(b)} entries"]
        pairs = enumerate(zip(a, b, strict=True))
        return [m for i, (x, y) in pairs for m in mismatches(x, y, f"{path}[{i}]")]
    if isinstance(a, float) and isinstance(b, float):
        return [] if math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-7) else [f"{path}: {a} != {b}"]
    return [] if a == b and type(a) is type(b) else [f"{path}: {a!r} != {b!r}"]


def printed(result: dict) -> dict[str, str]:
    """The exact rows of the results table as the book prints them, intervals included."""
    from p3lib.book.results_block import TABLE_ROWS
    from p3lib.evaluation.comparison import summarise
    from p3lib.evaluation.results import EvaluationResult

    model = EvaluationResult.model_validate(result)
    headline = summarise(model).headline  # what the results table reads
    cells = {key: format(headline[key].value, fmt) for key, _, fmt in TABLE_ROWS if key != "purity"}
    for key, interval in model.intervals.model_dump().items():
        if isinstance(interval, dict):
            cells[f"{key} interval"] = f"[{interval['low']:.3f}, {interval['high']:.3f}]"
    return cells


# Thread counts, signals, timing: one pytest-xdist worker runs all such tests, one at a time.
@pytest.mark.xdist_group("signals_and_threads")
def test_one_and_two_threads_give_the_same_exact_figures(tmp_path):
    one = run_at(1, tmp_path / "one")
    two = run_at(2, tmp_path / "two")
    assert one["clustering"]["seeds"] == two["clustering"]["seeds"] == [42, 43]
    assert mismatches(exact_figures(one), exact_figures(two)) == []
    assert printed(one) == printed(two)
    # Every figure of the results table but purity is among those compared.
    assert {"auc_roc", "spearman", "cohens_d", "false_positive_rate", "threshold"} <= set(
        printed(one)
    )
