"""Training on a tiny random BERT: the loss falls, LoRA is live and saved faithfully, the best
validation checkpoint is the one kept, and a seeded run repeats exactly."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from tiny_model import build_tiny_model, tiny_config, tiny_pairs

from p3lib.training.record import RECORD_NAME, TrainConfig, TrainingRecord
from p3lib.training.saving import ADAPTER_DIR, merge_lora
from p3lib.training.train import train

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
    assert saved.best_score == pytest.approx(record.best_score, abs=1e-9)  # JSON keeps 10 digits
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


# --- choosing the learning rate on validation (p3lib.training.rate_search)


@pytest.fixture(scope="module")
def rate_search(tmp_path_factory, pairs):
    """LoRA on the tiny model at a rate too small to move it (2e-6) and one that trains (1e-1)."""
    from p3lib.training.rate_search import search_learning_rate

    folder = tmp_path_factory.mktemp("search")
    base = build_tiny_model(folder / "base")
    config = tiny_config("lora", warmup_steps=6)
    search, records = search_learning_rate(
        *pairs, config, grid=[1e-1, 2e-6], search_epochs=1, model=str(folder / "base")
    )
    return search, records, config, base, folder


def test_search_keeps_the_smaller_rate_when_validation_cannot_tell(rate_search):
    from p3lib.training.rate_search import choose_learning_rate

    search, records, _, _, _ = rate_search
    assert search.learning_rate_grid == [2e-6, 1e-1]  # reported in increasing order
    assert search.chosen_on == "validation"
    small, large = search.learning_rate_trials
    # 2e-6 for 10 steps leaves the adapter (B starts at 0) next to nothing: the best score is
    # the untrained model's own; 1e-1 trains, and scores higher.
    assert small.best_score == pytest.approx(small.validation[0].spearman_cosine, abs=0.02)
    assert large.best_score > small.best_score + 0.1
    assert choose_learning_rate(search.learning_rate_trials) == 1e-1  # the highest score
    # ... but 40 validation pairs in a few template groups cannot tell the two apart
    assert small.gap_to_best == pytest.approx(large.best_score - small.best_score)
    assert small.gap_low < 0 < small.gap_high
    assert (search.chosen_learning_rate, search.rule) == (2e-6, "smallest_within_interval")
    assert (large.best_score, large.best_step) == (
        records[1e-1].best_score,
        records[1e-1].best_step,
    )


def test_search_runs_are_the_recipe_shortened(rate_search):
    search, records, config, _, _ = rate_search
    for trial in search.learning_rate_trials:
        record = records[trial.learning_rate]
        # one epoch of 160 pairs at batch 16; warmup 6 of 3 epochs becomes 2 of 1 epoch
        assert (trial.epochs, trial.total_steps, trial.warmup_steps) == (1, 10, 2)
        assert record.config.lora_learning_rate == trial.learning_rate == record.learning_rate
        assert record.config.model_dump(
            exclude={"lora_learning_rate", "epochs", "warmup_steps"}
        ) == (config.model_dump(exclude={"lora_learning_rate", "epochs", "warmup_steps"}))


def test_chosen_rate_trains_in_full_and_the_record_holds_the_search(rate_search, pairs):
    search, _, config, _, folder = rate_search
    chosen = config.model_copy(update={"lora_learning_rate": search.chosen_learning_rate})
    record = train(
        *pairs,
        chosen,
        folder / "lora",
        model=str(folder / "base"),
        learning_rate_search=search,
    )
    saved = json.loads((folder / "lora" / RECORD_NAME).read_text())
    assert saved["learning_rate_grid"] == [2e-6, 1e-1]
    assert saved["chosen_learning_rate"] == saved["learning_rate"] == 2e-6
    assert saved["chosen_on"] == "validation" and saved["rule"] == "smallest_within_interval"
    assert saved["search_epochs"] == 1
    assert [t["best_step"] for t in saved["learning_rate_trials"]] == [
        t.best_step for t in search.learning_rate_trials
    ]
    assert saved["still_improving"] == record.still_improving
    assert record.total_steps == 30  # the full schedule, not the search's


def test_a_rate_validation_cannot_tell_from_the_best_gives_way_to_the_smaller_rate():
    """Known answers for the paired interval rule on hand-made validation scores.

    Twelve validation pairs in six template groups of two (one compatible, one not). The large
    rate ranks every pair right: Spearman at its ceiling for 6 of 12 positives, the square root
    of 3 n^2 p (1 - p) / (n^2 - 1) = 108 / 143, 0.869. A small rate that is the same but for one
    swapped group puts its positive below all 6 negatives: AUC 30 / 36, Spearman the ceiling
    times 2 AUC - 1, 0.579; with the same scores on five of six groups, the gap's interval
    includes 0 (resamples that miss that group). A small rate that ranks every pair backwards
    (-0.869) is beaten in every resample.
    """
    from p3lib.data.schema import DatingPair
    from p3lib.training.rate_search import choose_with_interval, trial_of, with_gaps

    validation = [
        DatingPair(
            text_1=f"boy: a{i}",
            text_2=f"girl: b{i}",
            label=i % 2,
            category="c",
            subcategory=f"g{i // 2}",
        )
        for i in range(12)
    ]
    right = [0.1 + 0.8 * (i % 2) + 0.001 * i for i in range(12)]
    one_group_swapped = [1.0 - x if i < 2 else x for i, x in enumerate(right)]
    backwards = [1.0 - x for x in right]

    def record(rate, scores):
        from scipy.stats import spearmanr

        rho = float(spearmanr(scores, [p.label for p in validation]).statistic)
        return TrainingRecord.model_construct(
            learning_rate=rate,
            config=TrainConfig(epochs=2),
            total_steps=4,
            best_score=rho,
            best_step=4,
            still_improving=False,
            train_seconds=1.0,
            validation=[],
            validation_scores=scores,
        )

    for small_scores, expected in ((one_group_swapped, 2e-5), (backwards, 2e-4)):
        records = {2e-5: record(2e-5, small_scores), 2e-4: record(2e-4, right)}
        trials = with_gaps([trial_of(records[r]) for r in (2e-5, 2e-4)], records, validation)
        small, large = trials
        assert large.best_score == pytest.approx((108 / 143) ** 0.5, abs=1e-9)
        assert (large.gap_to_best, large.gap_low, large.gap_high) == (0.0, 0.0, 0.0)
        assert small.gap_to_best == pytest.approx(large.best_score - small.best_score)
        assert small.gap_low < small.gap_high
        assert choose_with_interval(trials) == (expected, "smallest_within_interval")
        if expected == 2e-5:
            assert small.best_score == pytest.approx((108 / 143) ** 0.5 * 2 / 3, abs=1e-9)
            assert small.gap_low <= 0
    assert small.best_score == pytest.approx(-((108 / 143) ** 0.5), abs=1e-9)
    assert small.gap_low > 1.0


def test_a_search_of_whole_runs_keeps_the_winners_run(tmp_path, pairs):
    """Each rate trains the whole 3-epoch recipe; the winner's own run is published (no second
    run: its saved embeddings are the ones a fresh seeded run at that rate gives), its record
    holds the search, and the search's scratch folders are gone."""
    from sentence_transformers import SentenceTransformer

    from p3lib.training.rate_search import train_at_chosen_rate

    build_tiny_model(tmp_path / "base")
    base = str(tmp_path / "base")
    config = tiny_config("lora", warmup_steps=6)
    out = tmp_path / "models" / "lora"
    record, search, runs = train_at_chosen_rate(
        *pairs, config, out, grid=[2e-6, 1e-1], search_epochs=config.epochs, model=base
    )
    rate = search.chosen_learning_rate
    assert search.winner_kept and rate in (2e-6, 1e-1)
    assert record.total_steps == 30 and record.config.warmup_steps == 6  # the recipe itself
    assert (record.best_step, record.best_score) == (runs[rate].best_step, runs[rate].best_score)
    saved = json.loads((out / RECORD_NAME).read_text())
    assert saved["winner_kept"] is True and saved["chosen_learning_rate"] == rate
    assert saved["output_dir"] == str(out) and saved["adapter_dir"] == str(out / "adapter")
    assert [t["learning_rate"] for t in saved["learning_rate_trials"]] == [2e-6, 1e-1]
    assert sorted(p.name for p in out.parent.iterdir()) == ["lora"]  # no scratch left
    model = SentenceTransformer(base, device="cpu")
    again = train(*pairs, config.model_copy(update={"lora_learning_rate": rate}), model=model)
    assert again.best_score == pytest.approx(record.best_score, abs=1e-9)
    kept = SentenceTransformer(str(out), device="cpu")
    np.testing.assert_allclose(encode(kept), encode(model), atol=1e-4)


def test_a_half_epoch_search_trains_half_an_epochs_steps(tmp_path, pairs):
    """The default search runs half an epoch per rate: half the steps, warmup in proportion."""
    import torch

    from p3lib.training.formatting import format_epochs
    from p3lib.training.rate_search import search_learning_rate

    build_tiny_model(tmp_path / "base")
    config = tiny_config("lora", warmup_steps=6)
    search, records = search_learning_rate(
        *pairs, config, grid=[1e-1], search_epochs=0.5, model=str(tmp_path / "base")
    )
    (trial,) = search.learning_rate_trials
    # 160 pairs at batch 16 is 10 steps an epoch: half is 5; warmup 6 of 3 epochs -> 1
    assert (trial.epochs, trial.total_steps, trial.warmup_steps) == (0.5, 5, 1)
    assert search.search_epochs == 0.5 and format_epochs(search.search_epochs) == "half-epoch"
    record = records[1e-1]
    assert record.validation[-1].step == 5  # the last step is always evaluated
    # half an epoch's time counts as half an epoch
    assert record.seconds_per_epoch == pytest.approx(sum(record.epoch_seconds) / 0.5)
    assert record.threads == torch.get_num_threads()


def test_a_search_in_two_processes_gives_the_records_of_one_after_the_other(tmp_path, pairs):
    """Seeded runs: two one-thread processes at once reproduce two one-thread runs in turn."""
    import torch

    from p3lib.training.rate_search import search_learning_rate

    build_tiny_model(tmp_path / "base")
    config = tiny_config("lora", warmup_steps=6)
    options = dict(grid=[1e-1, 1e-2], search_epochs=1, model=str(tmp_path / "base"))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        in_turn, _ = search_learning_rate(*pairs, config, **options)
    finally:
        torch.set_num_threads(threads)
    at_once, records = search_learning_rate(*pairs, config, workers=2, **options)
    assert at_once.chosen_learning_rate == in_turn.chosen_learning_rate
    for a, b in zip(at_once.learning_rate_trials, in_turn.learning_rate_trials, strict=True):
        assert (a.learning_rate, a.best_step, a.total_steps) == (
            b.learning_rate,
            b.best_step,
            b.total_steps,
        )
        assert [e.spearman_cosine for e in a.validation] == pytest.approx(
            [e.spearman_cosine for e in b.validation], abs=1e-9
        )
    assert {record.threads for record in records.values()} == {max(1, threads // 2)}


def test_training_follows_the_thread_share_p3_run_writes(tmp_path, pairs, monkeypatch):
    """Side-by-side chapters train on the threads the runner's share file gives them."""
    import torch

    from p3lib.training.train import THREAD_SHARE_VARIABLE

    share = tmp_path / "share"
    share.write_text("1\n")
    monkeypatch.setenv(THREAD_SHARE_VARIABLE, str(share))
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        record = train(
            *pairs, tiny_config("lora", epochs=1), model=build_tiny_model(tmp_path / "m")
        )
        after = torch.get_num_threads()
    finally:
        torch.set_num_threads(threads)
    assert record.threads == 2  # when training started
    assert record.thread_changes == [(0, 1)]  # the share, from the first step on
    assert after == 1


def test_search_rejects_an_empty_or_bad_grid(pairs):
    from p3lib.training.rate_search import search_learning_rate

    with pytest.raises(ValueError, match="grid"):
        search_learning_rate(*pairs, tiny_config("lora"), grid=[])
    with pytest.raises(ValueError, match="grid"):
        search_learning_rate(*pairs, tiny_config("lora"), grid=[1e-3, 0.0])


# --- convergence: a run whose best checkpoint is its last step is still improving -----------


def test_a_run_best_at_its_last_step_is_still_improving(tmp_path, pairs):
    # evaluated only before training and at the end; the loss falls (test_full_loss_falls), so
    # the end is better than the untrained model and is the kept checkpoint
    config = tiny_config("full", eval_steps=1000)
    record = train(*pairs, config, None, model=build_tiny_model(tmp_path / "base"))
    assert [e.step for e in record.validation] == [0, 30]
    assert record.best_step == record.total_steps == 30
    assert record.still_improving is True


def test_a_run_that_peaked_earlier_is_not_still_improving(tmp_path, pairs):
    # a learning rate of 50 wrecks the tiny model within a few steps: every later checkpoint
    # scores below the untrained one (or is constant, NaN, ranked last), so step 0 is kept
    config = tiny_config("full", learning_rate=50.0, epochs=1, eval_steps=2)
    record = train(*pairs, config, None, model=build_tiny_model(tmp_path / "base"))
    assert record.best_step < record.total_steps
    assert record.still_improving is False


def test_full_run_is_not_a_search(full_run):
    record, _, _ = full_run
    assert record.chosen_learning_rate is None and record.learning_rate_grid is None
    assert record.device == "cpu" and record.mixed_precision is None


# --- the device and the Hub's offline mode --------------------------------------------------


def test_load_model_leaves_the_offline_setting_as_it_was(tmp_path, monkeypatch):
    import os

    import huggingface_hub.constants as hub_constants

    from p3lib.evaluation.embed import load_model, resolve_device

    build_tiny_model(tmp_path / "tiny")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "0")
    before = hub_constants.HF_HUB_OFFLINE
    model = load_model(tmp_path / "tiny", device="auto")
    assert "HF_HUB_OFFLINE" not in os.environ
    assert os.environ["TRANSFORMERS_OFFLINE"] == "0"
    assert hub_constants.HF_HUB_OFFLINE == before
    assert str(model.device) == resolve_device("auto")  # CPU on a machine without CUDA
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")


# --- model cards carry the evaluation of chapter 05 -----------------------------------------


def _evaluation(model, eval_pairs, name):
    from p3lib.evaluation.embed import cosine_scores, encode_pairs
    from p3lib.evaluation.pipeline import evaluate_scores

    scores = cosine_scores(*encode_pairs(model, eval_pairs, show_progress_bar=False))
    return evaluate_scores(
        scores,
        [pair.label for pair in eval_pairs],
        [pair.pair_type for pair in eval_pairs],
        [pair.category for pair in eval_pairs],
        None,
        threshold=0.5,
        texts=[(pair.text_1, pair.text_2) for pair in eval_pairs],
        seed=3,
        n_bootstrap=100,
        name=name,
        projection=np.random.default_rng(0).normal(size=(len(eval_pairs), 2)),
    )


def test_model_card_carries_the_eval_figures_of_the_metric_json(tmp_path, lora_run, pairs):
    import re

    from p3lib.evaluation.comparison import compare, load_comparison
    from p3lib.evaluation.results import EvaluationResult
    from p3lib.store.atomic import atomic_write_json, read_json
    from p3lib.training.model_card import write_model_card

    record, _, folder, _ = lora_run
    out = folder / "out"
    eval_pairs = tiny_pairs(40, seed=3)
    model = load_on_cpu(out)
    # what chapter 05 writes (lora.json, comparison.json) and reads back
    atomic_write_json(tmp_path / "lora.json", _evaluation(model, eval_pairs, "lora"))
    data = read_json(tmp_path / "lora.json")
    lora = EvaluationResult.model_validate(data)
    comparison = compare(lora.model_copy(update={"name": "baseline"}), lora, lora, {"lora": record})
    atomic_write_json(tmp_path / "comparison.json", comparison)
    comparison = load_comparison(tmp_path / "comparison.json")
    path = write_model_card(out, comparison, "lora", record, pairs[0])
    card = path.read_text()
    (tmp_path / "card.md").write_text(card)

    def row(label):
        found = re.search(rf"^\| {label}\s*\| (.+?)\s*\|$", card, flags=re.MULTILINE)
        assert found, f"no {label} row in the card"
        return [float(x) for x in re.findall(r"[-+]?\d+\.\d+", found.group(1))]

    iv = data["intervals"]  # no subcategory groups here, so the intervals resample pairs
    expected = {
        "auc_roc": (data["auc_roc"], iv["auc_roc"], 3),
        "spearman_rho": (data["spearman"], iv["spearman"], 3),
        "compatibility_margin": (data["cosine"]["margin"], iv["margin"], 3),
        "cohens_d": (data["cohens_d"], iv["cohens_d"], 2),
    }
    for label, (value, interval, digits) in expected.items():
        wanted = [round(v, digits) for v in (value, interval["low"], interval["high"])]
        assert row(label) == pytest.approx(wanted, abs=1e-9), label
    assert "words_only_baseline" not in card  # this comparison has no words-only model
    assert f'"decision_threshold": {round(data["threshold"]["threshold"], 6)}' in card
    heading = next(line for line in card.splitlines() if line.startswith("#### Compatibility"))
    assert "p3 book, chapter 05" in heading and "http" not in heading
    assert '"measured_in": "chapter 05 (post-training evaluation) of the p3 book' in card
    assert "p3 dating-profile statement pairs" in card
    assert f"- `learning_rate`: {record.learning_rate}" in card
    # the weights were left alone: the folder still reproduces the trained model
    np.testing.assert_allclose(encode(load_on_cpu(out)), encode(model), atol=0)


def test_model_card_adds_the_words_only_auc_when_measured():
    from p3lib.evaluation.comparison import Estimate, ModelSummary
    from p3lib.training.model_card import card_metrics

    summary = ModelSummary.model_construct(
        headline={
            "auc_roc": Estimate(value=0.9, low=0.85, high=0.95),
            "spearman": Estimate(value=0.7, low=0.6, high=0.8),
            "margin": Estimate(value=0.25, low=0.2, high=0.3),
            "cohens_d": Estimate(value=1.5, low=1.25, high=1.75),
        }
    )
    assert card_metrics(summary, words_only_auc=0.7127) == {
        "eval_auc_roc": "0.900 [0.850, 0.950]",
        "eval_spearman_rho": "0.700 [0.600, 0.800]",
        "eval_compatibility_margin": "+0.250 [+0.200, +0.300]",
        "eval_cohens_d": "1.50 [1.25, 1.75]",
        "eval_words_only_baseline_auc_roc": "0.713",
    }


def load_on_cpu(folder):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(folder), device="cpu")
