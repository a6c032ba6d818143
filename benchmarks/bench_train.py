"""Seconds per epoch of p3's training recipe against a bare sentence-transformers fit.

Both train the same model on the same pairs with the same settings (loss, batch size, learning
rate, warmup, seed, evaluation every N steps on the validation pairs). They differ in how the
best checkpoint is kept:

* **p3** (``p3lib.training.train.train``): the best weights are copied in memory at each evaluation
and
  restored at the end; one save of the final model;
* **bare**: the plain recipe, ``save_strategy="steps"`` with ``load_best_model_at_end=True``, so
  a full checkpoint (weights, optimiser, scheduler state) is written to disk at every
  evaluation and the best one read back.

Both use the same optimizer (p3's, PyTorch's fused AdamW), so the ratio measures the recipe,
not the optimizer. Target: p3 takes at most 1.1x the bare time per epoch.

It also prints the **compute floor** of an epoch: the model's floating-point operations per
epoch (every linear layer and attention product of the training batches, each padded to its
longest statement as drawn in the pairs' order, forward and backward, plus the validation
passes), divided by the GFLOP/s a matmul probe of the model's own shapes reaches on this
machine in the same run; and the ratio of p3's epoch to it. Goal: within 1.5x of the floor.
Both recipes train the book's recipe, batches grouped by length (``--no-length-grouped``: the
PRD's random batches), so the ratio counts the padding that grouping saves as a saving; the
floor of the grouped batches themselves (the work the run did) is printed too, with p3's
ratio to it, so a reader sees what is left beyond the padding. Run it one at a time on a
shared CPU; the runs are sequential in one process, and the peak RSS printed is the process's.

``--levers`` measures ways to come nearer the floor instead of the bare recipe: each lever is p3's
recipe with one change, run in the same process as an unchanged p3 run (the baseline), and
printed as seconds per epoch, its ratio to the floor and to the baseline. On a shared machine
the seconds move with the load; the ratios, whose two sides ran under about the same load,
move much less. Levers (join several with ``+``, e.g. ``length+freeze``):

* ``length``: batches of pairs of similar length (:mod:`p3lib.training.batching`), so less
  padding is computed;
* ``compile``: ``torch.compile`` of the model (the trainer's ``torch_compile``), compile time
  counted in the epoch;
* ``evals1``: one validation pass per epoch instead of four (the checkpoint can then only be an
  epoch's end: compare ``best_step``);
* ``freeze``: the word-embedding rows frozen (11.7M of the 22.7M weights: no gradient, no AdamW
  update for them);
* ``threads1``: one PyTorch thread instead of all cores.

A lever that changes the batches or the trained weights (``length``, ``freeze``) gives another
model, not the same numbers sooner: ``best_step`` and ``best_score`` are printed beside it.

Usage:
    python benchmarks/bench_train.py --method full --max-train-pairs 128   # quick
    python benchmarks/bench_train.py --method lora                          # full size
    python benchmarks/bench_train.py --max-train-pairs 256 --rounds 1 \\
        --levers length,freeze,length+freeze,evals1,threads1,compile     # levers, short runs
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import statistics
import tempfile
import time
from pathlib import Path

from p3lib.data.schema import load_pairs
from p3lib.data.splits import apply_split, load_split, make_validation_split
from p3lib.store.run_layout import DEFAULT_TRAIN, RunLayout, resolve_path
from p3lib.training.record import TrainConfig, peak_rss_mb
from p3lib.training.train import lora_config, train


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

    from p3lib.evaluation.embed import load_model
    from p3lib.training.batching import length_grouped_batches

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
    # The same batches as p3's when it groups them by length, so the ratio is the recipe's.
    grouping = {"batch_sampler": length_grouped_batches} if config.length_grouped_batches else {}
    with tempfile.TemporaryDirectory(prefix="p3-bench-") as scratch:
        args = SentenceTransformerTrainingArguments(
            **grouping,
            output_dir=scratch,
            num_train_epochs=config.epochs,
            per_device_train_batch_size=config.batch_size,
            learning_rate=config.effective_learning_rate,
            warmup_steps=config.warmup_steps,
            weight_decay=config.weight_decay,
            optim=config.optimizer,
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


def epoch_flops(
    model,
    fit_pairs,
    validation_pairs,
    config: TrainConfig,
    evaluations: int,
    batches: list[list[int]] | None = None,
) -> float:
    """Floating-point operations of one epoch of ``config`` on ``fit_pairs`` (an estimate).

    ``batches`` are the training batches as row indices of ``fit_pairs``; ``None``: batches of
    ``config.batch_size`` in the pairs' order, each padded to its longest statement (what a
    random draw costs, on average: the issue's floor).

    Per token and layer: the linear layers (query, key, value, output, two feed-forward) and
    the two attention products (``Q K^T`` and ``softmax V``, which grow with the padded
    length). Forward is 2 FLOPs per multiply-add; training adds the backward pass: twice the
    forward for full fine-tuning (gradients of activations and of weights), once for LoRA
    (frozen weights need no weight gradients; the rank-8 adapters are negligible). The
    validation passes are forward only.
    """
    hf = model.transformers_model.config
    h, ff, layers = hf.hidden_size, hf.intermediate_size, hf.num_hidden_layers
    tokenizer = model.tokenizer
    max_length = model.max_seq_length

    def in_order(count: int, batch_size: int) -> list[list[int]]:
        return [list(range(i, min(i + batch_size, count))) for i in range(0, count, batch_size)]

    def forward(texts: list[str], batches: list[list[int]]) -> float:
        flops = 0.0
        for indices in batches:
            batch = [texts[i] for i in indices]
            ids = tokenizer(batch, truncation=True, max_length=max_length)["input_ids"]
            length = max(len(x) for x in ids)
            tokens = len(batch) * length
            per_token = 2 * (4 * h * h + 2 * h * ff) + 2 * 2 * length * h
            flops += layers * tokens * per_token
        return flops

    backward = 2.0 if config.method == "full" else 1.0
    batches = batches or in_order(len(fit_pairs), config.batch_size)
    train = sum(
        forward([getattr(p, column) for p in fit_pairs], batches) for column in ("text_1", "text_2")
    )
    validation = sum(
        forward([getattr(p, column) for p in validation_pairs], in_order(len(validation_pairs), 64))
        for column in ("text_1", "text_2")
    )
    return train * (1 + backward) + evaluations * validation


def matmul_gflops(
    rows: int, hidden: int, intermediate: int, seconds: float = 3.0, clock=time.perf_counter
) -> float:
    """GFLOP/s of float32 matmuls of the model's shapes (a batch of tokens times a weight)."""
    import torch

    generator = torch.Generator().manual_seed(0)
    x = torch.randn(rows, hidden, generator=generator)
    shapes = [torch.randn(hidden, hidden, generator=generator) for _ in range(4)]
    shapes += [torch.randn(hidden, intermediate, generator=generator)]
    up = torch.randn(rows, intermediate, generator=generator)
    down = torch.randn(intermediate, hidden, generator=generator)
    flops_per_round = 2 * rows * hidden * (4 * hidden + 2 * intermediate)
    for weight in shapes:  # warm up the kernels and thread pool
        x @ weight
    rounds, started, started_on_clock = 0, time.perf_counter(), clock()
    while time.perf_counter() - started < seconds:
        for weight in shapes:
            x @ weight
        up @ down
        rounds += 1
    return rounds * flops_per_round / (clock() - started_on_clock) / 1e9


LEVERS = ("length", "compile", "evals1", "freeze", "threads1")


@contextlib.contextmanager
def training_arguments_with(**overrides):
    """p3's ``train`` with these trainer arguments changed (it imports the class at call time)."""
    import sentence_transformers

    original = sentence_transformers.SentenceTransformerTrainingArguments

    def with_overrides(*args, **kwargs):
        return original(*args, **{**kwargs, **overrides})

    sentence_transformers.SentenceTransformerTrainingArguments = with_overrides
    try:
        yield
    finally:
        sentence_transformers.SentenceTransformerTrainingArguments = original


def lever_run(levers: str, fit_pairs, validation_pairs, config: TrainConfig, clock) -> dict:
    """One p3 training run with the ``+``-joined levers applied ("baseline": none).

    With ``clock=time.process_time`` the seconds are the process's CPU time around the whole
    ``train`` call (set-up and the final evaluation included, alike for every lever).
    """
    import torch

    from p3lib.evaluation.embed import load_model

    chosen = set() if levers == "baseline" else set(levers.split("+"))
    unknown = chosen - set(LEVERS)
    if unknown:
        raise SystemExit(f"unknown levers {sorted(unknown)}; choose from {LEVERS}")
    model = load_model(device="cpu")
    overrides = {}
    if "length" in chosen:
        config = config.model_copy(update={"length_grouped_batches": True})
    if "compile" in chosen:
        overrides["torch_compile"] = True
    if "evals1" in chosen:
        steps_per_epoch = math.ceil(len(fit_pairs) / config.batch_size)
        config = config.model_copy(update={"eval_steps": steps_per_epoch})
    if "freeze" in chosen:
        config = config.model_copy(update={"freeze_word_embeddings": True})
    threads = torch.get_num_threads()
    if "threads1" in chosen:
        torch.set_num_threads(1)
    try:
        with training_arguments_with(**overrides):
            started = clock()
            record = train(fit_pairs, validation_pairs, config, None, model=model)
            seconds = clock() - started if clock is time.process_time else record.train_seconds
    finally:
        torch.set_num_threads(threads)
    return {
        "seconds_per_epoch": seconds / config.epochs,
        "best_step": record.best_step,
        "best_score": record.best_score,
        "evaluations": len(record.validation),
    }


def grouped_batches(pairs, config: TrainConfig) -> list[list[int]]:
    """One epoch's length-grouped batches of ``pairs``, as the recipe's sampler draws them."""
    import torch
    from datasets import Dataset

    from p3lib.training.batching import length_grouped_batches

    rows = Dataset.from_dict(
        {
            "sentence1": [pair.text_1 for pair in pairs],
            "sentence2": [pair.text_2 for pair in pairs],
            "score": [float(pair.label) for pair in pairs],
        }
    )
    generator = torch.Generator().manual_seed(config.seed)
    return [
        list(b) for b in length_grouped_batches(rows, config.batch_size, False, None, generator)
    ]


def compute_floor(
    subset, validation_pairs, config: TrainConfig, eval_steps: int, clock=time.perf_counter
) -> dict:
    """The compute floor of an epoch (see the module docstring), measured now on ``clock``.

    ``floor_seconds_per_epoch`` counts batches padded as drawn in the pairs' order (the floor
    the levers are measured against); with ``config.length_grouped_batches``,
    ``floor_own_batches_seconds_per_epoch`` counts the grouped batches the recipe trains,
    whose padding is mostly gone: the floor of the work the run actually did.
    """
    from p3lib.evaluation.embed import load_model

    model = load_model(device="cpu")
    hf = model.transformers_model.config
    evaluations = math.ceil(math.ceil(len(subset) / config.batch_size) / eval_steps)
    flops = epoch_flops(model, subset, validation_pairs, config, evaluations)
    rows = config.batch_size * 24  # a batch of 16 texts of about 24 tokens, as padded
    gflops = matmul_gflops(rows, hf.hidden_size, hf.intermediate_size, clock=clock)
    floor = {
        "gflop_per_epoch": flops / 1e9,
        "matmul_gflops_per_second": gflops,
        "floor_seconds_per_epoch": flops / (gflops * 1e9),
    }
    if config.length_grouped_batches:
        own = epoch_flops(
            model, subset, validation_pairs, config, evaluations, grouped_batches(subset, config)
        )
        floor["gflop_per_epoch_own_batches"] = own / 1e9
        floor["floor_own_batches_seconds_per_epoch"] = own / (gflops * 1e9)
    return floor


def measure_levers(levers, subset, validation_pairs, config, eval_steps, rounds, clock):
    """Baseline and each lever ``rounds`` times, interleaved; medians against the floor."""
    runs: dict[str, list[dict]] = {name: [] for name in ["baseline", *levers]}
    for _ in range(rounds):
        for name in runs:
            runs[name].append(lever_run(name, subset, validation_pairs, config, clock))
            print(f"  {name:24s} {runs[name][-1]['seconds_per_epoch']:.2f} s/epoch", flush=True)
    floor = compute_floor(subset, validation_pairs, config, eval_steps, clock)
    baseline = statistics.median(r["seconds_per_epoch"] for r in runs["baseline"])
    results = {"n_train_pairs": len(subset), "rounds": rounds, "eval_steps": eval_steps, **floor}
    results["clock"] = "cpu" if clock is time.process_time else "wall"
    results["levers"] = {}
    print(f"{'lever':24s} {'s/epoch':>8s} {'/floor':>7s} {'/baseline':>9s} best_step best_score")
    for name, measured in runs.items():
        seconds = statistics.median(r["seconds_per_epoch"] for r in measured)
        row = {
            "seconds_per_epoch": seconds,
            "ratio_to_floor": seconds / floor["floor_seconds_per_epoch"],
            "ratio_to_baseline": seconds / baseline,
            "best_step": measured[0]["best_step"],
            "best_score": measured[0]["best_score"],
            "evaluations": measured[0]["evaluations"],
        }
        results["levers"][name] = row
        print(
            f"{name:24s} {seconds:8.2f} {row['ratio_to_floor']:7.2f} "
            f"{row['ratio_to_baseline']:9.2f} {row['best_step']:9d} {row['best_score']:.4f}"
        )
    print(f"floor_seconds_per_epoch {floor['floor_seconds_per_epoch']:.3f} (the same for all rows)")
    return results


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
    parser.add_argument(
        "--levers",
        help=f"comma-separated levers to measure against the baseline and floor "
        f"(instead of the bare recipe); each one of {LEVERS} or several joined with '+'",
    )
    parser.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="with --levers: wall seconds, or the process's CPU seconds (with --threads 1, "
        "about the work done, whatever else the machine runs)",
    )
    parser.add_argument("--threads", type=int, help="PyTorch threads for every run")
    parser.add_argument(
        "--length-grouped",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="batches grouped by length, as the book's recipe trains (default: on; with "
        "--levers off, so that the 'length' lever has something to change)",
    )
    options = parser.parse_args(argv)
    if options.length_grouped is None:
        options.length_grouped = not options.levers
    if options.threads:
        import torch

        torch.set_num_threads(options.threads)

    train_pairs = load_pairs(resolve_path(options.train))
    layout = RunLayout(resolve_path(options.out_dir))
    split_path = Path(options.split) if options.split else layout.validation_split
    split = load_split(split_path) if split_path.is_file() else make_validation_split(train_pairs)
    fit_pairs, validation_pairs = apply_split(train_pairs, split)
    # eval_on_start off: the bare recipe does not measure the untrained model either.
    config = TrainConfig(
        method=options.method,
        epochs=options.epochs,
        eval_on_start=False,
        length_grouped_batches=options.length_grouped,
    )
    n_fit = min(len(fit_pairs), options.max_train_pairs or len(fit_pairs))
    eval_steps = max(1, math.ceil(math.ceil(n_fit / config.batch_size) / 4))
    config = config.model_copy(update={"eval_steps": eval_steps})
    subset = fit_pairs[:n_fit]
    if options.levers:
        levers = [name.strip() for name in options.levers.split(",") if name.strip()]
        results = {"method": options.method, "epochs": options.epochs}
        clock = time.process_time if options.clock == "cpu" else time.perf_counter
        results |= measure_levers(
            levers, subset, validation_pairs, config, eval_steps, options.rounds, clock
        )
        if options.json:
            Path(options.json).write_text(json.dumps(results, indent=2) + "\n")
        return results

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

    # The compute floor: this model's FLOPs per epoch at the matmul speed measured just now.
    floor = compute_floor(subset, validation_pairs, config, eval_steps)
    results = {
        "method": options.method,
        "length_grouped_batches": options.length_grouped,
        "n_train_pairs": n_fit,
        "epochs": options.epochs,
        "rounds": options.rounds,
        "eval_steps": eval_steps,
        "p3_seconds_per_epoch": p3_seconds / options.epochs,
        "p3_seconds_with_save_and_checks": p3_total,
        "bare_seconds_per_epoch": bare_seconds / options.epochs,
        "ratio_p3_over_bare": p3_seconds / bare_seconds,
        "optimizer_both_sides": config.optimizer,
        **floor,
        "ratio_p3_over_floor": p3_seconds / options.epochs / floor["floor_seconds_per_epoch"],
        "peak_rss_mb": peak_rss_mb(),
    }
    if "floor_own_batches_seconds_per_epoch" in floor:
        results["ratio_p3_over_floor_own_batches"] = (
            p3_seconds / options.epochs / floor["floor_own_batches_seconds_per_epoch"]
        )
    for key, value in results.items():
        print(f"{key:36s} {value:.3f}" if isinstance(value, float) else f"{key:36s} {value}")
    if options.json:
        Path(options.json).write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main()
