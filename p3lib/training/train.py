"""Fine-tuning a sentence-transformer on pairs: full fine-tuning or LoRA, one recipe for both.

:func:`train` is the sentence-transformers training recipe in six numbered steps (model, data,
loss, arguments, evaluator, trainer), one function each, plus what p3 adds around it:

* the checkpoint is chosen on the **validation** pairs (carved from train by chapter 02), never
  on the eval set, and the best weights are kept in memory rather than written to disk at each
  evaluation (:mod:`p3lib.training.callbacks`);
* the run is seeded (model init, LoRA init, dropout, shuffling), so two runs with the same
  seed give the same losses and scores;
* a LoRA run is saved twice: merged into the base weights (a plain model that loads anywhere)
  and as the adapter alone (``adapter/``), and both are reloaded and checked against the trained
  model's embeddings before the folder is published (:mod:`p3lib.training.saving`);
* everything lands atomically in ``output_dir`` with a ``training_record.json`` beside the model
  (:class:`p3lib.training.record.TrainingRecord`; the settings are its
  :class:`~p3lib.training.record.TrainConfig`).

The same code runs on one CPU, or under ``torchrun``/``accelerate launch`` on several processes
(``python -m p3lib.training.train ...``); only rank 0 writes.

The ``device`` setting (``auto`` by default) trains on CUDA where PyTorch sees a GPU, with
mixed precision (bf16 where the GPU supports it, else fp16), and on the CPU otherwise. The GPU
path is a few lines of trainer arguments; it cannot be tested on the CPU machine this project
is developed on, and the tests run the CPU path.

Example:
    >>> from p3lib.training.record import TrainConfig
    >>> lora_config(TrainConfig(method="lora")).r
    8
"""

from __future__ import annotations

import argparse
import math
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from p3lib.data.augment import augment_pairs
from p3lib.data.schema import DatingPair, load_pairs
from p3lib.store.atomic import read_json
from p3lib.store.environment import environment_versions
from p3lib.training.record import (
    PRIMARY_METRIC,
    LearningRateSearch,
    LossPoint,
    TrainConfig,
    TrainingRecord,
    count_parameters,
    peak_rss_mb,
)

# Set by ``p3 run`` for chapters that train side by side: a file holding the PyTorch threads
# this training may use now, read between optimiser steps (it grows when the other finishes).
THREAD_SHARE_VARIABLE = "P3_THREAD_SHARE"
EVALUATOR_NAME = "validation"


def lora_config(config: TrainConfig):
    """The PEFT ``LoraConfig`` of ``config``."""
    from peft import LoraConfig, TaskType

    return LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=list(config.lora_target_modules),
        task_type=TaskType[config.lora_task_type],
        bias=config.lora_bias,
    )


def _prompted(texts: list[str], prompts: str | dict[str, str] | None, column: str) -> list[str]:
    if prompts is None:
        return texts
    prompt = prompts if isinstance(prompts, str) else prompts.get(column, "")
    return [prompt + text for text in texts]


def _subset(pairs: list[DatingPair], limit: int | None, seed: int) -> list[DatingPair]:
    """At most ``limit`` pairs, a seeded sample kept in file order (the smoke-run subset)."""
    if limit is None or limit >= len(pairs):
        return list(pairs)
    keep = sorted(random.Random(seed).sample(range(len(pairs)), limit))
    return [pairs[index] for index in keep]


def _world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def _is_main_process() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


def _load_model(model, config: TrainConfig):
    """Step 1: ``(model, base model name, device, mixed precision, parameters)``.

    The base sentence-transformer on the configured device; for LoRA, frozen weights plus a
    fresh adapter. Mixed precision on a GPU only (CPU autocast is slower than float32 for this
    model).
    """
    import torch

    from p3lib.evaluation.embed import load_model, resolve_device

    device = resolve_device(config.device)
    mixed_precision = None
    if device.startswith("cuda"):
        mixed_precision = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    if model is None or isinstance(model, str | Path):
        model = load_model(model, device=device)
    else:
        model.to(device)
    base_model = str(model.transformers_model.config._name_or_path)
    if config.method == "lora":
        model.add_adapter(lora_config(config))
    elif config.freeze_word_embeddings:
        model.transformers_model.embeddings.word_embeddings.weight.requires_grad_(False)
    return model, base_model, device, mixed_precision, count_parameters(model)


def _train_dataset(fit_pairs: list[DatingPair], config: TrainConfig):
    """Step 2: (sentence1, sentence2, score) rows; the label is the target cosine (1.0 or 0.0).

    With the ``cosine_mnrl`` loss, a second dataset of (anchor, positive, negative) triplets
    (:mod:`p3lib.training.triplets`); the trainer draws batches from both in proportion.
    """
    from datasets import Dataset

    pairs = Dataset.from_dict(
        {
            "sentence1": [pair.text_1 for pair in fit_pairs],
            "sentence2": [pair.text_2 for pair in fit_pairs],
            "score": [float(pair.label) for pair in fit_pairs],
        }
    )
    if config.loss != "cosine_mnrl":
        return pairs
    from p3lib.training.triplets import hard_negative_triplets

    anchors, positives, negatives = zip(
        *hard_negative_triplets(fit_pairs, config.seed), strict=True
    )
    triplets = Dataset.from_dict(
        {"anchor": list(anchors), "positive": list(positives), "negative": list(negatives)}
    )
    return {"pairs": pairs, "triplets": triplets}


def _loss(model, config: TrainConfig):
    """Step 3: the training objective.

    Pull compatible pairs towards cosine 1, push incompatible ones towards 0
    (CosineSimilarityLoss), or, with a contrastive loss, pull compatible pairs together and
    push incompatible ones at least a margin of cosine distance apart. All read the 0/1 label.
    """
    from sentence_transformers.sentence_transformer.losses import (
        ContrastiveLoss,
        CoSENTLoss,
        CosineSimilarityLoss,
        MultipleNegativesRankingLoss,
        OnlineContrastiveLoss,
    )

    if config.loss == "cosine_mnrl":
        return {
            "pairs": CosineSimilarityLoss(model),
            "triplets": MultipleNegativesRankingLoss(model),
        }
    objectives = {
        "cosine": CosineSimilarityLoss,
        "cosent": CoSENTLoss,
        "contrastive": ContrastiveLoss,
        "online_contrastive": OnlineContrastiveLoss,
    }
    return objectives[config.loss](model)


def _schedule(n_fit: int, config: TrainConfig, world_size: int) -> tuple[int, int]:
    """``(steps per epoch, steps between evaluations)``.

    Under DDP the trainer drops the uneven last global batch (a short one can hang a rank).
    """
    rounding = math.floor if world_size > 1 else math.ceil
    steps_per_epoch = max(1, rounding(n_fit / (config.batch_size * world_size)))
    eval_steps = config.eval_steps or max(
        1, math.ceil(steps_per_epoch / config.evaluations_per_epoch)
    )
    return steps_per_epoch, eval_steps


def _training_arguments(
    config: TrainConfig,
    scratch: Path,
    *,
    eval_steps: int,
    world_size: int,
    on_gpu: bool,
    mixed_precision: str | None,
):
    """Step 4: AdamW, linear warmup then linear decay, seeded; no checkpoints on disk."""
    from sentence_transformers import SentenceTransformerTrainingArguments
    from sentence_transformers.base.sampler import BatchSamplers

    from p3lib.training.batching import length_grouped_batches

    ddp_backend = config.ddp_backend
    if ddp_backend is None and world_size > 1 and not on_gpu:
        ddp_backend = "gloo"
    return SentenceTransformerTrainingArguments(
        output_dir=str(scratch),
        num_train_epochs=config.epochs,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        learning_rate=config.effective_learning_rate,
        warmup_steps=config.warmup_steps,
        weight_decay=config.weight_decay,
        optim=config.optimizer,
        lr_scheduler_type=config.lr_scheduler,
        eval_strategy="steps",
        eval_steps=eval_steps,
        eval_on_start=config.eval_on_start,
        save_strategy="no",
        logging_strategy="steps",
        logging_steps=1,
        seed=config.seed,
        data_seed=config.seed,
        prompts=config.prompts,
        report_to="none",
        disable_tqdm=True,
        ddp_backend=ddp_backend,
        dataloader_drop_last=world_size > 1,
        ddp_find_unused_parameters=False,
        dataloader_pin_memory=on_gpu,
        # accelerate treats several CPU processes as distributed (MULTI_CPU) only with use_cpu
        use_cpu=not on_gpu,
        batch_sampler=(
            length_grouped_batches if config.length_grouped_batches else BatchSamplers.BATCH_SAMPLER
        ),
        bf16=mixed_precision == "bf16",
        fp16=mixed_precision == "fp16",
    )


def validation_set(validation_pairs: list[DatingPair], config: TrainConfig) -> list[DatingPair]:
    """The pairs that choose the checkpoint: ``validation_pairs`` plus the seeded augmentation
    pairs of the banks' validation part (``config.augmentation_validation_pairs`` of them)."""
    return validation_pairs + augment_pairs(
        config.seed, config.augmentation_validation_pairs, part="validation"
    )


def _validation_scores(model, validation_pairs: list[DatingPair], config: TrainConfig):
    """Each validation pair's cosine at the kept checkpoint, in the evaluator's order.

    The rate search resamples them to tell whether two rates' validation scores differ by
    more than chance (:func:`p3lib.training.rate_search.choose_with_interval`). The evaluator
    encodes the same pairs once more for the restored score; that costs under a second.
    """
    import numpy as np

    def encode(texts: list[str], column: str):
        return model.encode(
            _prompted(texts, config.prompts, column),
            batch_size=64,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )

    u = encode([pair.text_1 for pair in validation_pairs], "sentence1")
    v = encode([pair.text_2 for pair in validation_pairs], "sentence2")
    return [float(score) for score in np.einsum("ij,ij->i", u, v)]


def _evaluator(validation_pairs: list[DatingPair], config: TrainConfig):
    """Step 5: Spearman of cosine vs label on the validation pairs picks the checkpoint."""
    from sentence_transformers import SimilarityFunction
    from sentence_transformers.sentence_transformer.evaluation import EmbeddingSimilarityEvaluator

    return EmbeddingSimilarityEvaluator(
        sentences1=_prompted([p.text_1 for p in validation_pairs], config.prompts, "sentence1"),
        sentences2=_prompted([p.text_2 for p in validation_pairs], config.prompts, "sentence2"),
        scores=[float(pair.label) for pair in validation_pairs],
        main_similarity=SimilarityFunction.COSINE,
        name=EVALUATOR_NAME,
        batch_size=64,
        write_csv=False,
    )


def _callbacks() -> tuple:
    """The trainer callbacks (:mod:`p3lib.training.callbacks`): best state kept in memory, a
    final evaluation, the epoch timer and the side-by-side thread share."""
    from p3lib.training.callbacks import (
        BestStateCallback,
        EpochTimerCallback,
        FinalEvaluationCallback,
        ThreadShareCallback,
    )

    return (
        BestStateCallback(f"eval_{EVALUATOR_NAME}_{PRIMARY_METRIC}", EVALUATOR_NAME),
        FinalEvaluationCallback(),
        EpochTimerCallback(),
        ThreadShareCallback(os.environ.get(THREAD_SHARE_VARIABLE)),
    )


def _optimizer(model, config: TrainConfig):
    """LoRA+ (PEFT's ``create_loraplus_optimizer``): the B matrices train at
    ``lora_plus_ratio`` times the A matrices' rate; None (the trainer's own AdamW) otherwise."""
    if config.method != "lora" or config.lora_plus_ratio is None:
        return None
    import torch
    from peft.optimizers import create_loraplus_optimizer

    return create_loraplus_optimizer(
        model,
        torch.optim.AdamW,
        lr=config.effective_learning_rate,
        loraplus_lr_ratio=config.lora_plus_ratio,
        loraplus_weight_decay=config.weight_decay,
    )


def _trainer(model, args, train_dataset, loss, evaluator, callbacks: list, config: TrainConfig):
    """The sentence-transformers trainer of steps 1 to 5, without the console printer; its own
    AdamW unless ``config`` asks for LoRA+ (:func:`_optimizer`)."""
    from sentence_transformers import SentenceTransformerTrainer
    from transformers import PrinterCallback

    trainer = SentenceTransformerTrainer(
        model=model,
        args=args,
        train_dataset=train_dataset,
        loss=loss,
        evaluator=evaluator,
        callbacks=callbacks,
        optimizers=(_optimizer(model, config), None),
    )
    trainer.remove_callback(PrinterCallback)
    return trainer


def _run_trainer(trainer, scratch: Path) -> float:
    """Train; returns the training's wall seconds and empties the scratch folder."""
    started = time.perf_counter()
    try:
        trainer.train()
    finally:
        seconds = time.perf_counter() - started
        for path in sorted(scratch.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        scratch.rmdir()
    return seconds


def _losses(log_history: list[dict]) -> list[LossPoint]:
    """The training loss at each logged step of the trainer's history."""
    return [
        LossPoint(
            step=int(entry["step"]),
            epoch=float(entry["epoch"]),
            loss=float(entry["loss"]),
            learning_rate=float(entry.get("learning_rate", 0.0)),
        )
        for entry in log_history
        if "loss" in entry and "step" in entry
    ]


def train(
    train_pairs: list[DatingPair],
    validation_pairs: list[DatingPair],
    config: TrainConfig | None = None,
    output_dir: str | Path | None = None,
    model=None,
    learning_rate_search: LearningRateSearch | None = None,
) -> TrainingRecord:
    """Fine-tune on ``train_pairs``, keep the checkpoint best on ``validation_pairs``, save it.

    Args:
        train_pairs: the pairs to fit (train minus the validation split).
        validation_pairs: the pairs that choose the checkpoint; never the eval set.
        config: the run's settings; :class:`TrainConfig` defaults if ``None``.
        output_dir: folder for the model and ``training_record.json`` (replaced atomically);
            ``None`` trains and returns the record without saving.
        model: a ``SentenceTransformer`` (trained in place; for LoRA it keeps its live adapter),
            a model name or folder, or ``None`` for the packaged all-MiniLM-L6-v2.
        learning_rate_search: the search that chose ``config``'s learning rate, if one did
            (:func:`p3lib.training.rate_search.search_learning_rate`); its grid, per-rate scores and
            choice are copied into the record.

    Returns:
        The :class:`TrainingRecord`. The model in memory holds the best checkpoint.

    Example:
        >>> record = train(fit, validation, TrainConfig(method="lora"), "outputs/models/lora")
        ... # doctest: +SKIP
        >>> record.best_score, record.parameters.trainable  # doctest: +SKIP
    """
    import torch
    from transformers import set_seed
    from transformers.utils import logging as transformers_logging

    config = config or TrainConfig()
    output_dir = Path(output_dir) if output_dir is not None else None
    if not validation_pairs:
        raise ValueError("training needs validation pairs to choose its checkpoint")
    transformers_logging.disable_progress_bar()
    started = time.perf_counter()
    set_seed(config.seed)

    model, base_model, device, mixed_precision, parameters = _load_model(model, config)
    fit_pairs = _subset(train_pairs, config.max_train_pairs, config.seed)
    fit_pairs += augment_pairs(config.seed, config.augmentation_pairs)
    validation_pairs = validation_set(validation_pairs, config)
    train_dataset = _train_dataset(fit_pairs, config)
    loss = _loss(model, config)
    world_size = _world_size()
    datasets = train_dataset.values() if isinstance(train_dataset, dict) else [train_dataset]
    steps_per_epoch, eval_steps = _schedule(sum(map(len, datasets)), config, world_size)
    scratch = Path(tempfile.mkdtemp(prefix="p3-train-"))
    args = _training_arguments(
        config,
        scratch,
        eval_steps=eval_steps,
        world_size=world_size,
        on_gpu=device.startswith("cuda"),
        mixed_precision=mixed_precision,
    )
    evaluator = _evaluator(validation_pairs, config)
    best, final_evaluation, timer, thread_share = _callbacks()
    threads_at_start = torch.get_num_threads()

    # 6. Trainer: train, then put back the best validation checkpoint held in memory.
    callbacks = [best, final_evaluation, timer, thread_share]
    trainer = _trainer(model, args, train_dataset, loss, evaluator, callbacks, config)
    train_seconds = _run_trainer(trainer, scratch)
    best.restore(model)
    model.eval()
    restored_score = float(evaluator(model)[f"{EVALUATOR_NAME}_{PRIMARY_METRIC}"])
    validation_scores = _validation_scores(model, validation_pairs, config)

    epoch_seconds = timer.seconds or [train_seconds]
    record = TrainingRecord(
        method=config.method,
        config=config,
        base_model=base_model,
        seed=config.seed,
        learning_rate=config.effective_learning_rate,
        n_train_pairs=len(fit_pairs),
        n_validation_pairs=len(validation_pairs),
        world_size=world_size,
        steps_per_epoch=steps_per_epoch,
        total_steps=trainer.state.global_step,
        eval_steps=eval_steps,
        loss=_losses(trainer.state.log_history),
        validation=best.evaluations,
        best_step=best.best_step,
        best_epoch=best.best_epoch,
        best_score=best.best_score,
        still_improving=best.best_step == trainer.state.global_step,
        restored_score=restored_score,
        validation_scores=validation_scores,
        parameters=parameters,
        wall_seconds=0.0,
        train_seconds=train_seconds,
        epoch_seconds=epoch_seconds,
        # Over the epochs trained, so that a fraction of an epoch (a rate search's run) counts
        # as the share it is.
        seconds_per_epoch=sum(epoch_seconds) / config.epochs,
        peak_rss_mb=peak_rss_mb(),
        versions=environment_versions(),
        device=device,
        mixed_precision=mixed_precision,
        threads=threads_at_start,
        thread_changes=thread_share.changes,
        **(learning_rate_search.model_dump() if learning_rate_search is not None else {}),
    )
    # Wall time covers loading, training, the final evaluation; not the save and reload checks.
    record = record.model_copy(update={"wall_seconds": time.perf_counter() - started})
    if output_dir is not None and _is_main_process():
        from p3lib.training.saving import probe_texts, save_checked

        record = save_checked(model, record, output_dir, probe_texts(validation_pairs))
    return record


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m p3lib.training.train",
        description="Fine-tune a sentence-transformer on pairs (full or LoRA); "
        "also runs under torchrun / accelerate launch.",
    )
    parser.add_argument("--train", required=True, help="JSONL of train pairs")
    validation = parser.add_mutually_exclusive_group(required=True)
    validation.add_argument("--validation", help="JSONL of validation pairs")
    validation.add_argument(
        "--validation-split", help="split JSON (chapter 02) of ids into --train to hold out"
    )
    parser.add_argument("--out", required=True, help="output folder for the model and record")
    parser.add_argument("--model", default=None, help="model name or folder (default: base)")
    parser.add_argument("--config", help="JSON file of TrainConfig fields (flags override it)")
    fields = {
        "method": str,
        "epochs": float,
        "batch_size": int,
        "learning_rate": float,
        "lora_learning_rate": float,
        "warmup_steps": int,
        "eval_steps": int,
        "seed": int,
        "max_train_pairs": int,
        "lora_r": int,
        "lora_alpha": int,
        "lora_dropout": float,
        "device": str,
    }
    for name, kind in fields.items():
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, type=kind, default=None)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> TrainingRecord:
    """Command line entry point: ``python -m p3lib.training.train --train ... --out ...``."""
    from p3lib.data.splits import apply_split, load_split

    options = _parse_args(argv)
    settings: dict[str, Any] = read_json(options.config) if options.config else {}
    for name in TrainConfig.model_fields:
        value = getattr(options, name, None)
        if value is not None:
            settings[name] = value
    config = TrainConfig.model_validate(settings)
    train_pairs = load_pairs(options.train)
    if options.validation:
        validation_pairs = load_pairs(options.validation)
    else:
        train_pairs, validation_pairs = apply_split(
            train_pairs, load_split(options.validation_split)
        )
    record = train(train_pairs, validation_pairs, config, options.out, model=options.model)
    if _is_main_process():
        print(
            f"{config.method}: best {PRIMARY_METRIC} {record.best_score:.4f} at step "
            f"{record.best_step}/{record.total_steps}"
            f"{' (the last step: still improving)' if record.still_improving else ''}, "
            f"{record.seconds_per_epoch:.1f} s/epoch on {record.device}, "
            f"world size {record.world_size}, saved to {options.out}"
        )
    return record


if __name__ == "__main__":
    main()
