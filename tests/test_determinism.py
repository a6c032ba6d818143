"""Determinism: the same data, parameters and seed give identical metrics JSON.

Two complete train-then-evaluate runs with the tiny model must produce byte-identical
metrics JSON (no tolerance: same process, same CPU kernels). A different seed must not.
"""

from __future__ import annotations

from tiny_model import build_tiny_model, tiny_pairs

from p3lib.evaluation.pipeline import evaluate
from p3lib.training.record import TrainConfig
from p3lib.training.train import train


def run_once(folder, seed: int) -> str:
    pairs = tiny_pairs(96, seed=3)
    fit, validation, evaluation = pairs[:48], pairs[48:72], pairs[72:]
    model = build_tiny_model(folder / f"base-{seed}")
    config = TrainConfig(epochs=2, batch_size=8, learning_rate=5e-4, warmup_steps=1, seed=seed)
    train(fit, validation, config, None, model=model)
    result = evaluate(
        model,
        evaluation,
        validation,
        train_pairs=fit,
        seed=seed,
        n_bootstrap=200,
        umap_n_neighbors=5,
        hdbscan_min_cluster_size=3,
        hdbscan_min_samples=2,
        show_progress_bar=False,
    )
    return result.model_dump_json()


def test_same_seed_gives_identical_metrics_json(tmp_path):
    first = run_once(tmp_path / "a", seed=7)
    second = run_once(tmp_path / "b", seed=7)
    assert first == second
    assert run_once(tmp_path / "c", seed=8) != first
