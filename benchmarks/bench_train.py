"""Seconds per epoch of p3's training recipe against a bare sentence-transformers fit.

Both train the same model on the same pairs with the same settings (loss, batch size, learning
rate, warmup, seed, evaluation every N steps on the validation pairs). They differ in how the
best checkpoint is kept:

* **p3** (``p3lib.train.train``): the best weights are copied in memory at each evaluation and
  restored at the end; one save of the final model;
* **bare**: the plain recipe, ``save_strategy="steps"`` with ``load_best_model_at_end=True``, so
  a full checkpoint (weights, optimiser, scheduler state) is written to disk at every
  evaluation and the best one read back.

Target: p3 takes at most 1.1x the bare time per epoch. Run it one at a time on a shared CPU;
the two runs are sequential in one process, and the peak RSS printed is the process's.

Usage:
    python benchmarks/bench_train.py --method full --max-train-pairs 128   # quick
    python benchmarks/bench_train.py --method lora                          # full size
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import tempfile
import time
from pathlib import Path

from p3lib.layout import DEFAULT_TRAIN, RunLayout, resolve_path
from p3lib.schema import load_pairs
from p3lib.splits import apply_split, load_split, make_validation_split
from p3lib.train import TrainConfig, lora_config, peak_rss_mb, train


def bare_fit(fit_pairs, validation_pairs, config: TrainConfig, eval_steps: int) -> float:
    """The plain sentence-transformers recipe; returns the seconds of ``trainer.train()``."""
    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
        SimilarityFunction,
    )
    from sentence_transformers.sentence_transformer.evaluation import (
        EmbeddingSimilarityEvaluator,
    )
    from sentence_transformers.sentence_transformer.losses import CosineSimilarityLoss
    from transformers import set_seed

    from p3lib.embed import load_model

    set_seed(config.seed)
    model = load_model()
    if config.method == "lora":
        model.add_adapter(lora_config(config))
    dataset = Dataset.from_dict(
        {
            "sentence1": [pair.text_1 for pair in fit_pairs],
            "sentence2": [pair.text_2 for pair in fit_pairs],
            "score": [float(pair.label) for pair in fit_pairs],
        }
    )
    evaluator = EmbeddingSimilarityEvaluator(
        [pair.text_1 for pair in validation_pairs],
        [pair.text_2 for pair in validation_pairs],
        [float(pair.label) for pair in validation_pairs],
        main_similarity=SimilarityFunction.COSINE,
        name="validation",
        batch_size=64,
    )
    with tempfile.TemporaryDirectory(prefix="p3-bench-") as scratch:
        args = SentenceTransformerTrainingArguments(
            output_dir=scratch,
            num_train_epochs=config.epochs,
            per_device_train_batch_size=config.batch_size,
            learning_rate=config.effective_learning_rate,
            warmup_steps=config.warmup_steps,
            weight_decay=config.weight_decay,
            eval_strategy="steps",
            eval_steps=eval_steps,
            save_strategy="steps",
            save_steps=eval_steps,
            load_best_model_at_end=True,
            metric_for_best_model="eval_validation_spearman_cosine",
            greater_is_better=True,
            logging_steps=1,
            seed=config.seed,
            data_seed=config.seed,
            report_to="none",
            disable_tqdm=True,
            dataloader_pin_memory=False,
            use_cpu=True,
        )
        trainer = SentenceTransformerTrainer(
            model=model,
            args=args,
            train_dataset=dataset,
            loss=CosineSimilarityLoss(model),
            evaluator=evaluator,
        )
        started = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - started
        model.save(str(Path(scratch) / "final"))
    return seconds


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--method", choices=["full", "lora"], default="full")
    parser.add_argument("--train", default=str(DEFAULT_TRAIN))
    parser.add_argument("--split", help="validation split JSON (default: made here, seed 42)")
    parser.add_argument("--out-dir", default="outputs", help="run folder holding splits/")
    parser.add_argument("--max-train-pairs", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2, help="runs of each recipe (median)")
    parser.add_argument("--json", help="also write the results to this JSON file")
    options = parser.parse_args(argv)

    train_pairs = load_pairs(resolve_path(options.train))
    layout = RunLayout(resolve_path(options.out_dir))
    split_path = Path(options.split) if options.split else layout.validation_split
    split = load_split(split_path) if split_path.is_file() else make_validation_split(train_pairs)
    fit_pairs, validation_pairs = apply_split(train_pairs, split)
    # eval_on_start off: the bare recipe does not measure the untrained model either.
    config = TrainConfig(method=options.method, epochs=options.epochs, eval_on_start=False)
    n_fit = min(len(fit_pairs), options.max_train_pairs or len(fit_pairs))
    eval_steps = max(1, math.ceil(math.ceil(n_fit / config.batch_size) / 4))
    config = config.model_copy(update={"eval_steps": eval_steps})
    subset = fit_pairs[:n_fit]

    # Both recipes run `rounds` times in alternating order, so neither always pays for the
    # process's first training (allocator, thread pools, kernel caches); medians are compared.
    p3_runs, p3_totals, bare_runs = [], [], []
    for round_index in range(options.rounds):
        order = ("p3", "bare") if round_index % 2 == 0 else ("bare", "p3")
        for recipe in order:
            if recipe == "bare":
                bare_runs.append(bare_fit(subset, validation_pairs, config, eval_steps))
                continue
            with tempfile.TemporaryDirectory(prefix="p3-bench-") as scratch:
                started = time.perf_counter()
                record = train(subset, validation_pairs, config, Path(scratch) / "model")
                p3_totals.append(time.perf_counter() - started)
            p3_runs.append(record.train_seconds)
    p3_seconds, bare_seconds = statistics.median(p3_runs), statistics.median(bare_runs)
    p3_total = statistics.median(p3_totals)
    results = {
        "method": options.method,
        "n_train_pairs": n_fit,
        "epochs": options.epochs,
        "rounds": options.rounds,
        "eval_steps": eval_steps,
        "p3_seconds_per_epoch": p3_seconds / options.epochs,
        "p3_seconds_with_save_and_checks": p3_total,
        "bare_seconds_per_epoch": bare_seconds / options.epochs,
        "ratio_p3_over_bare": p3_seconds / bare_seconds,
        "peak_rss_mb": peak_rss_mb(),
    }
    for key, value in results.items():
        print(f"{key:34s} {value:.3f}" if isinstance(value, float) else f"{key:34s} {value}")
    if options.json:
        Path(options.json).write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main()
