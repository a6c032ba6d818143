"""Training on a tiny random BERT: the loss falls, LoRA is live and saved faithfully, the best
validation checkpoint is the one kept, and a seeded run repeats exactly."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from tiny_model import build_tiny_model, tiny_config, tiny_pairs

from p3lib.train import (
    ADAPTER_DIR,
    RECORD_NAME,
    TrainConfig,
    TrainingRecord,
    merge_lora,
    train,
)

PROBE = [
    "boy: i love hiking",
    "girl: i hate hiking",
    "boy: i avoid parties",
    "girl: i adore music",
]


def encode(model, texts=PROBE) -> np.ndarray:
    return model.encode(texts, convert_to_numpy=True, show_progress_bar=False)


@pytest.fixture(scope="module")
def pairs():
    return tiny_pairs(160, seed=1), tiny_pairs(40, seed=2)


@pytest.fixture(scope="module")
def full_run(tmp_path_factory, pairs):
    folder = tmp_path_factory.mktemp("full")
    model = build_tiny_model(folder / "base")
    record = train(*pairs, tiny_config("full"), folder / "out", model=model)
    return record, model, folder


@pytest.fixture(scope="module")
def lora_run(tmp_path_factory, pairs):
    folder = tmp_path_factory.mktemp("lora")
    model = build_tiny_model(folder / "base")
    base = encode(model)
    record = train(*pairs, tiny_config("lora"), folder / "out", model=model)
    return record, model, folder, base


def test_config_defaults_follow_the_prd():
    config = TrainConfig()
    assert (config.epochs, config.batch_size, config.learning_rate) == (4, 16, 2e-5)
    assert (config.warmup_steps, config.seed) == (100, 42)
    assert (config.lora_r, config.lora_alpha, config.lora_dropout) == (8, 16, 0.1)
    assert config.lora_target_modules == ["query", "value"]
    assert TrainConfig(method="lora").effective_learning_rate == 2e-4
    with pytest.raises(ValueError):
        TrainConfig(epoch=3)  # a typo is an error, not a silently ignored setting


def test_full_loss_falls(full_run):
    record, _, _ = full_run
    losses = [point.loss for point in record.loss]
    assert len(losses) == record.total_steps == 3 * 10
    assert np.mean(losses[-5:]) < 0.8 * np.mean(losses[:5])
    assert record.parameters.trainable == record.parameters.total


def test_best_checkpoint_is_the_best_validation_score(full_run):
    record, _, _ = full_run
    scores = {evaluation.step: evaluation.spearman_cosine for evaluation in record.validation}
    assert record.validation[0].step == 0  # the untrained model is measured too
    assert record.validation[-1].step == record.total_steps  # and the end of training
    assert record.best_score == max(scores.values())
    assert scores[record.best_step] == record.best_score
    # the model left in memory (and saved) is that checkpoint, not the last step
    assert record.restored_score == pytest.approx(record.best_score, abs=1e-9)


def test_full_save_reloads_identically(full_run):
    from sentence_transformers import SentenceTransformer

    record, model, folder = full_run
    out = folder / "out"
    assert (out / RECORD_NAME).is_file() and not (out / ADAPTER_DIR).exists()
    saved = TrainingRecord.load(out)
    assert saved.best_score == record.best_score
    assert set(json.loads((out / RECORD_NAME).read_text())) >= {
        "config",
        "loss",
        "validation",
        "best_step",
        "seconds_per_epoch",
        "peak_rss_mb",
        "versions",
        "parameters",
    }
    reloaded = SentenceTransformer(str(out), device="cpu")
    np.testing.assert_allclose(encode(reloaded), encode(model), atol=1e-6)


def test_lora_trains_only_adapter_parameters(lora_run):
    record, model, _, _ = lora_run
    trainable = [name for name, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in name for name in trainable)
    assert record.parameters.trainable == sum(
        p.numel() for p in model.parameters() if p.requires_grad
    )
    assert 0 < record.parameters.trainable_share < 0.1
    losses = [point.loss for point in record.loss]
    assert np.mean(losses[-5:]) < np.mean(losses[:5])


def test_lora_adapter_is_live_and_disabling_restores_the_base(lora_run):
    _, model, _, base = lora_run
    with_adapter = encode(model)
    assert np.abs(with_adapter - base).max() > 1e-3
    model.disable_adapters()
    try:
        np.testing.assert_array_equal(encode(model), base)
    finally:
        model.enable_adapters()
    np.testing.assert_array_equal(encode(model), with_adapter)


def test_lora_saved_merged_and_adapter_reproduce_the_trained_model(lora_run):
    from sentence_transformers import SentenceTransformer

    record, model, folder, base = lora_run
    out = folder / "out"
    trained = encode(model)
    merged = SentenceTransformer(str(out), device="cpu")
    assert not (out / "adapter_config.json").exists()  # the top folder is a plain model
    np.testing.assert_allclose(encode(merged), trained, atol=1e-5)
    adapter = SentenceTransformer(str(out / ADAPTER_DIR), device="cpu")
    np.testing.assert_allclose(encode(adapter), trained, atol=1e-5)
    assert max(record.reload_max_abs_diff.values()) < 1e-4
    # and the comparison can fail: the base model (a reload that lost the adapter) is far off
    assert np.abs(base - trained).max() > 1e-3


def test_a_reload_with_random_adapter_weights_would_be_caught(lora_run):
    _, model, _, _ = lora_run
    trained = encode(model)
    broken = merge_lora(_with_random_adapter(model))
    assert np.abs(encode(broken) - trained).max() > 1e-3


def _with_random_adapter(model):
    import copy

    clone = copy.deepcopy(model)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, parameter in clone.named_parameters():
            if "lora_" in name:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.1)
    return clone


def test_same_seed_same_run(tmp_path, pairs):
    config = tiny_config("lora", epochs=1, lora_dropout=0.1)
    records = [
        train(*pairs, config, None, model=build_tiny_model(tmp_path / f"base{index}"))
        for index in range(2)
    ]
    first, second = (
        record.model_dump(include={"loss", "validation", "best_step"}) for record in records
    )
    assert first == second
    other = train(
        *pairs,
        config.model_copy(update={"seed": 8}),
        None,
        model=build_tiny_model(tmp_path / "base-other"),
    )
    assert other.loss != records[0].loss


def test_training_needs_validation_pairs(pairs):
    with pytest.raises(ValueError, match="validation"):
        train(pairs[0], [], tiny_config("full"))
