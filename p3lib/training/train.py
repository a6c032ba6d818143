"""Fine-tuning a sentence-transformer on pairs: full fine-tuning or LoRA, one recipe for both.

:func:`train` is the sentence-transformers training recipe in six numbered steps (model, data,
loss, arguments, evaluator, trainer) plus what p3 adds around it:

* the checkpoint is chosen on the **validation** pairs (carved from train by chapter 02), never
  on the eval set, and the best weights are kept in memory rather than written to disk at each
  evaluation;
* the run is seeded (model init, LoRA init, dropout, shuffling), so two runs with the same
  seed give the same losses and scores;
* a LoRA run is saved twice: merged into the base weights (a plain model that loads anywhere)
  and as the adapter alone (``adapter/``), and both are reloaded and checked against the trained
  model's embeddings before the folder is published;
* everything lands atomically in ``output_dir`` with a ``training_record.json`` beside the model.

The same code runs on one CPU, or under ``torchrun``/``accelerate launch`` on several processes
(``python -m p3lib.training.train ...``); only rank 0 writes.

The ``device`` setting (``auto`` by default) trains on CUDA where PyTorch sees a GPU, with
mixed precision (bf16 where the GPU supports it, else fp16), and on the CPU otherwise. The GPU
path is a few lines of trainer arguments; it cannot be tested on the CPU machine this project
is developed on, and the tests run the CPU path.

Example:
    >>> from p3lib.training.train import TrainConfig
    >>> config = TrainConfig(method="lora")
    >>> config.effective_learning_rate
    0.0002
    >>> TrainConfig(method="lora", lora_learning_rate=2e-5).effective_learning_rate  # PRD's rate
    2e-05
"""

from __future__ import annotations

import argparse
import copy
import math
import os
import platform
import random
import resource
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from p3lib.data.augment import augment_pairs
from p3lib.data.schema import DatingPair, load_pairs
from p3lib.store.atomic import atomic_directory, atomic_write_json, read_json

RECORD_NAME = "training_record.json"
# Set by ``p3 run`` for chapters that train side by side: a file holding the PyTorch threads
# this training may use now, read between optimiser steps (it grows when the other finishes).
THREAD_SHARE_VARIABLE = "P3_THREAD_SHARE"
ADAPTER_DIR = "adapter"
PRIMARY_METRIC = "spearman_cosine"
EVALUATOR_NAME = "validation"
# A reloaded model must reproduce the trained model's embeddings to within float32 noise of
# merging W + BA into W; a reload with missing or random adapter weights is off by far more.
RELOAD_TOLERANCE = 1e-4
PROBE_LIMIT = 64


class TrainConfig(BaseModel):
    """Every setting of a training run, with the PRD's values as defaults.

    ``eval_steps=None`` means about four evaluations per epoch. The PRD's 500 comes from
    training scripts on much larger data: with ~1,075 fitting pairs at batch size 16 an epoch is
    ~68 steps and four epochs ~270, so an evaluation every 500 steps would never fire and no
    checkpoint would ever be chosen.

    LoRA trains at ``lora_learning_rate``; chapter 04 sets it to the rate chosen on the
    validation split from a grid (:mod:`p3lib.training.rate_search`, ADR 001), and 2e-4 is only the
    default of a bare ``TrainConfig``. Full fine-tuning uses ``learning_rate``, the PRD's 2e-5.
    """

    model_config = ConfigDict(extra="forbid")

    method: Literal["full", "lora"] = "full"
    # The training objective (ADR 003; the appendix compares the three on the same budget).
    loss: Literal["cosine", "contrastive", "online_contrastive"] = "cosine"
    # Whole epochs for the recipe; a fraction for a learning-rate search's short runs.
    epochs: int | float = Field(4, gt=0)
    batch_size: int = Field(16, ge=1)
    learning_rate: float = Field(2e-5, gt=0)
    lora_learning_rate: float = Field(2e-4, gt=0)
    warmup_steps: int = Field(100, ge=0)
    weight_decay: float = Field(0.01, ge=0)
    # AdamW in PyTorch's fused form (one kernel for all parameters): the same update as the
    # per-tensor "adamw_torch", measured ~15% faster per epoch here (benchmarks/bench_train.py).
    optimizer: Literal["adamw_torch_fused", "adamw_torch"] = "adamw_torch_fused"
    lr_scheduler: Literal["linear"] = "linear"
    eval_steps: int | None = Field(None, ge=1)
    evaluations_per_epoch: int = Field(4, ge=1)
    eval_on_start: bool = True
    seed: int = 42
    lora_r: int = Field(8, ge=1)
    lora_alpha: int = Field(16, ge=1)
    lora_dropout: float = Field(0.1, ge=0, lt=1)
    lora_target_modules: list[str] = ["query", "value"]
    lora_task_type: Literal["FEATURE_EXTRACTION"] = "FEATURE_EXTRACTION"
    max_train_pairs: int | None = Field(None, ge=1)
    # Stance-teaching pairs added to the fit pairs (p3lib.data.augment, seeded by ``seed``).
    augmentation_pairs: int = Field(0, ge=0)
    # Instruction prompts (a later stretch goal): one string for both texts, or
    # {"sentence1": ..., "sentence2": ...}. Applied to training and validation alike.
    prompts: str | dict[str, str] | None = None
    ddp_backend: str | None = None
    # "auto": CUDA where PyTorch sees a GPU (with mixed precision), else the CPU.
    device: Literal["auto", "cpu", "cuda"] = "auto"

    @property
    def effective_learning_rate(self) -> float:
        """The learning rate the method trains at."""
        return self.lora_learning_rate if self.method == "lora" else self.learning_rate


class LossPoint(BaseModel):
    """The training loss logged at one optimiser step."""

    step: int
    epoch: float
    loss: float
    learning_rate: float


class Evaluation(BaseModel):
    """Validation metrics at one step (step 0 is the untrained model)."""

    step: int
    epoch: float
    spearman_cosine: float
    pearson_cosine: float


class ParameterCount(BaseModel):
    total: int
    trainable: int
    trainable_share: float


class LearningRateTrial(BaseModel):
    """One rate of a learning-rate search: its short run's validation curve and best score."""

    model_config = ConfigDict(extra="forbid")

    learning_rate: float
    epochs: int | float
    warmup_steps: int
    total_steps: int
    best_score: float
    best_step: int
    still_improving: bool
    train_seconds: float
    validation: list[Evaluation]


class LearningRateSearch(BaseModel):
    """A learning rate chosen on the validation split from a grid.

    Each rate of ``learning_rate_grid`` trained ``search_epochs`` epochs (its schedule shortened
    in proportion); ``chosen_learning_rate`` is the one with the best validation Spearman.
    """

    model_config = ConfigDict(extra="forbid")

    learning_rate_grid: list[float]
    search_epochs: int | float
    learning_rate_trials: list[LearningRateTrial]
    chosen_learning_rate: float
    chosen_on: Literal["validation"] = "validation"


class TrainingRecord(BaseModel):
    """What a run did and measured; saved as ``training_record.json`` beside the model."""

    model_config = ConfigDict(extra="forbid")

    method: Literal["full", "lora"]
    config: TrainConfig
    base_model: str
    seed: int
    learning_rate: float
    n_train_pairs: int
    n_validation_pairs: int
    world_size: int
    steps_per_epoch: int
    total_steps: int
    eval_steps: int
    primary_metric: str = PRIMARY_METRIC
    loss: list[LossPoint]
    validation: list[Evaluation]
    best_step: int
    best_epoch: float
    best_score: float
    # The best checkpoint is the last step: more training might still have helped.
    still_improving: bool = False
    restored_score: float
    parameters: ParameterCount
    wall_seconds: float
    train_seconds: float
    epoch_seconds: list[float]
    seconds_per_epoch: float
    peak_rss_mb: float
    versions: dict[str, str]
    output_dir: str | None = None
    adapter_dir: str | None = None
    reload_max_abs_diff: dict[str, float] = {}
    device: str = "cpu"
    mixed_precision: Literal["bf16", "fp16"] | None = None
    # PyTorch's CPU threads when training started (``p3 run`` trains chapters 03 and 04 side
    # by side, each on half the cores), and ``[step, threads]`` wherever that changed (the
    # other chapter finished); ``None`` in records written before it was kept.
    threads: int | None = None
    thread_changes: list[tuple[int, int]] = []
    # Set when the learning rate was chosen by a search (chapter 04's LoRA); flat so that the
    # record's JSON answers "which rates, which won, on what" at its top level.
    learning_rate_grid: list[float] | None = None
    search_epochs: int | float | None = None
    learning_rate_trials: list[LearningRateTrial] | None = None
    chosen_learning_rate: float | None = None
    chosen_on: Literal["validation"] | None = None

    def threads_text(self) -> str:
        """The CPU threads the run trained on, in words.

        Example:
            >>> TrainingRecord.model_construct(threads=1, thread_changes=[(180, 2)],
            ...     device="cpu").threads_text()
            '1 CPU thread, 2 from step 180'
        """
        if self.device.startswith("cuda"):
            return self.device
        if self.threads is None:
            return "CPU threads not recorded"
        text = f"{self.threads} CPU thread{'s' if self.threads != 1 else ''}"
        return text + "".join(f", {count} from step {step}" for step, count in self.thread_changes)

    def convergence(self) -> str:
        """One sentence on whether the run had stopped improving, for the chapters.

        Example:
            >>> TrainingRecord.model_construct(best_step=270, total_steps=270,
            ...     still_improving=True).convergence()[:60]
            'The best checkpoint is the last step (270 of 270): the run w'
        """
        if self.still_improving:
            return (
                f"The best checkpoint is the last step ({self.best_step} of {self.total_steps}): "
                "the run was **still improving** when its schedule ended, so a longer run or a "
                "larger learning rate might score higher on validation."
            )
        return (
            f"The best checkpoint, step {self.best_step} of {self.total_steps}, came before the "
            "end of the schedule: validation Spearman had stopped improving."
        )

    @classmethod
    def load(cls, path: str | Path) -> TrainingRecord:
        """Read a record from its JSON file or from the model folder that holds it."""
        path = Path(path)
        return cls.model_validate(read_json(path / RECORD_NAME if path.is_dir() else path))


def library_versions() -> dict[str, str]:
    """Versions of the libraries that decide the numbers of a run."""
    versions = {"python": platform.python_version()}
    for package in ("torch", "transformers", "sentence-transformers", "peft", "accelerate"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def peak_rss_mb() -> float:
    """The process's peak resident memory so far, in MiB (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def count_parameters(model) -> ParameterCount:
    """Total and trainable (``requires_grad``) parameters of ``model``."""
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return ParameterCount(total=total, trainable=trainable, trainable_share=trainable / total)


def lora_config(config: TrainConfig):
    """The PEFT ``LoraConfig`` of ``config``."""
    from peft import LoraConfig, TaskType

    return LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=list(config.lora_target_modules),
        task_type=TaskType[config.lora_task_type],
    )


def merge_lora(model):
    """A copy of ``model`` with every LoRA update merged into its base weights, adapters removed.

    The copy is a plain sentence-transformer: saved, it loads with ``SentenceTransformer(path)``
    without PEFT or the base model's path (a saved adapter records the base model's absolute path).
    """
    from peft.tuners.tuners_utils import BaseTunerLayer

    merged = copy.deepcopy(model)
    transformers_model = merged.transformers_model
    replacements = [
        (name, module)
        for name, module in transformers_model.named_modules()
        if isinstance(module, BaseTunerLayer)
    ]
    if not replacements:
        raise ValueError("the model has no LoRA layers to merge")
    for name, module in replacements:
        module.merge(safe_merge=True)
        parent_name, _, child = name.rpartition(".")
        parent = (
            transformers_model.get_submodule(parent_name) if parent_name else transformers_model
        )
        setattr(parent, child, module.get_base_layer())
    for attribute in ("peft_config", "_hf_peft_config_loaded"):
        if hasattr(transformers_model, attribute):
            delattr(transformers_model, attribute)
    transformers_model._hf_peft_config_loaded = False
    for parameter in merged.parameters():
        parameter.requires_grad_(True)
    return merged


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


def _callbacks(metric_key: str):
    """The trainer callbacks: best state in memory, final evaluation, epoch timing, threads."""
    import torch
    from transformers import TrainerCallback

    class BestStateCallback(TrainerCallback):
        """Keeps a copy of the trainable weights at the best validation score so far.

        Only trainable parameters change during training, so for LoRA only the adapter is
        copied. Ties keep the earlier step.
        """

        def __init__(self) -> None:
            self.evaluations: list[Evaluation] = []
            self.best_score = -math.inf
            self.best_step = -1
            self.best_epoch = 0.0
            self.best_state: dict[str, torch.Tensor] | None = None

        def on_evaluate(self, args, state, control, model=None, metrics=None, **kwargs):
            prefix = f"eval_{EVALUATOR_NAME}_"
            self.evaluations.append(
                Evaluation(
                    step=state.global_step,
                    epoch=float(state.epoch or 0.0),
                    spearman_cosine=float(metrics[f"{prefix}spearman_cosine"]),
                    pearson_cosine=float(metrics[f"{prefix}pearson_cosine"]),
                )
            )
            score = float(metrics[metric_key])
            if math.isnan(score):  # constant similarities (e.g. a collapsed model) rank last
                score = -math.inf
            if self.best_state is None or score > self.best_score:
                self.best_score = score
                self.best_step = state.global_step
                self.best_epoch = float(state.epoch or 0.0)
                self.best_state = {
                    name: parameter.detach().clone()
                    for name, parameter in model.named_parameters()
                    if parameter.requires_grad
                }

        def restore(self, model) -> None:
            if self.best_state is None:
                raise RuntimeError("no evaluation ran, so there is no best checkpoint to restore")
            parameters = dict(model.named_parameters())
            with torch.no_grad():
                for name, value in self.best_state.items():
                    parameters[name].copy_(value)

    class FinalEvaluationCallback(TrainerCallback):
        """Evaluates at the last step too, so the end of training is always a candidate."""

        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step >= state.max_steps:
                control.should_evaluate = True
            return control

    class ThreadShareCallback(TrainerCallback):
        """Follows the thread share ``p3 run`` writes for side-by-side chapters, if any."""

        def __init__(self) -> None:
            self.path = os.environ.get(THREAD_SHARE_VARIABLE)
            self.changes: list[tuple[int, int]] = []

        def on_step_begin(self, args, state, control, **kwargs):
            if not self.path:
                return
            try:
                threads = int(Path(self.path).read_text().strip())
            except (OSError, ValueError):
                return  # no share (the runner is done with it): keep what we have
            if threads >= 1 and threads != torch.get_num_threads():
                torch.set_num_threads(threads)
                self.changes.append((state.global_step, threads))

    class EpochTimerCallback(TrainerCallback):
        def __init__(self) -> None:
            self.seconds: list[float] = []
            self._start = 0.0

        def on_epoch_begin(self, args, state, control, **kwargs):
            self._start = time.perf_counter()

        def on_epoch_end(self, args, state, control, **kwargs):
            self.seconds.append(time.perf_counter() - self._start)

    return (
        BestStateCallback(),
        FinalEvaluationCallback(),
        EpochTimerCallback(),
        ThreadShareCallback(),
    )


def _probe_texts(pairs: list[DatingPair]) -> list[str]:
    texts = [text for pair in pairs for text in (pair.text_1, pair.text_2)]
    return list(dict.fromkeys(texts))[:PROBE_LIMIT]


def _max_abs_diff(model, texts: list[str], reference) -> float:
    import numpy as np

    vectors = model.encode(texts, convert_to_numpy=True, show_progress_bar=False)
    return float(np.max(np.abs(vectors - reference)))


def _save(model, record: TrainingRecord, output_dir: Path, probe: list[str]) -> TrainingRecord:
    """Save the model (merged, for LoRA, plus ``adapter/``) and the record, atomically.

    Each saved model is reloaded from the staging folder and must reproduce the trained model's
    embeddings; otherwise nothing is published and the previous folder stays.
    """
    from sentence_transformers import SentenceTransformer

    # Reloads go to the trained model's device, so the check compares like with like.
    device = str(model.device)
    reference = model.encode(probe, convert_to_numpy=True, show_progress_bar=False)
    diffs: dict[str, float] = {}
    with atomic_directory(output_dir) as staging:
        if record.method == "lora":
            model.save(str(staging / ADAPTER_DIR))
            merge_lora(model).save(str(staging))
            adapter = SentenceTransformer(str(staging / ADAPTER_DIR), device=device)
            if not adapter.has_peft_compatible_model() or not adapter.active_adapters():
                raise RuntimeError("the saved adapter reloaded without its LoRA layers")
            diffs["adapter"] = _max_abs_diff(adapter, probe, reference)
        else:
            model.save(str(staging))
        reloaded = SentenceTransformer(str(staging), device=device)
        diffs["model"] = _max_abs_diff(reloaded, probe, reference)
        bad = {name: diff for name, diff in diffs.items() if diff > RELOAD_TOLERANCE}
        if bad:
            raise RuntimeError(
                f"a saved model does not reproduce the trained model's embeddings: {bad} "
                f"(max abs difference, tolerance {RELOAD_TOLERANCE})"
            )
        record = record.model_copy(
            update={
                "output_dir": str(output_dir),
                "adapter_dir": str(output_dir / ADAPTER_DIR) if record.method == "lora" else None,
                "reload_max_abs_diff": diffs,
            }
        )
        atomic_write_json(staging / RECORD_NAME, record)
    return record


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
    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
        SimilarityFunction,
    )
    from sentence_transformers.sentence_transformer.evaluation import EmbeddingSimilarityEvaluator
    from sentence_transformers.sentence_transformer.losses import (
        ContrastiveLoss,
        CosineSimilarityLoss,
        OnlineContrastiveLoss,
    )
    from transformers import PrinterCallback, set_seed
    from transformers.utils import logging as transformers_logging

    from p3lib.evaluation.embed import load_model, resolve_device

    config = config or TrainConfig()
    output_dir = Path(output_dir) if output_dir is not None else None
    if not validation_pairs:
        raise ValueError("training needs validation pairs to choose its checkpoint")
    transformers_logging.disable_progress_bar()
    started = time.perf_counter()
    set_seed(config.seed)

    # 1. Model: the base sentence-transformer; for LoRA, frozen weights plus a fresh adapter.
    device = resolve_device(config.device)
    on_gpu = device.startswith("cuda")
    # Mixed precision on a GPU only (CPU autocast is slower than float32 for this model).
    mixed_precision = None
    if on_gpu:
        mixed_precision = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    if model is None or isinstance(model, str | Path):
        model = load_model(model, device=device)
    else:
        model.to(device)
    base_model = str(model.transformers_model.config._name_or_path)
    if config.method == "lora":
        model.add_adapter(lora_config(config))
    parameters = count_parameters(model)

    # 2. Data: (sentence1, sentence2, score) rows; the label is the target cosine (1.0 or 0.0).
    fit_pairs = _subset(train_pairs, config.max_train_pairs, config.seed)
    fit_pairs += augment_pairs(config.seed, config.augmentation_pairs)
    train_dataset = Dataset.from_dict(
        {
            "sentence1": [pair.text_1 for pair in fit_pairs],
            "sentence2": [pair.text_2 for pair in fit_pairs],
            "score": [float(pair.label) for pair in fit_pairs],
        }
    )

    # 3. Loss: pull compatible pairs towards cosine 1, push incompatible ones towards 0
    # (CosineSimilarityLoss), or, with a contrastive loss, pull compatible pairs together and
    # push incompatible ones at least a margin of cosine distance apart. All read the 0/1 label.
    objectives = {
        "cosine": CosineSimilarityLoss,
        "contrastive": ContrastiveLoss,
        "online_contrastive": OnlineContrastiveLoss,
    }
    loss = objectives[config.loss](model)

    # 4. Arguments: AdamW, linear warmup then linear decay, seeded; no checkpoints on disk.
    world_size = _world_size()
    # Under DDP the trainer drops the uneven last global batch (a short one can hang a rank).
    rounding = math.floor if world_size > 1 else math.ceil
    steps_per_epoch = max(1, rounding(len(fit_pairs) / (config.batch_size * world_size)))
    eval_steps = config.eval_steps or max(
        1, math.ceil(steps_per_epoch / config.evaluations_per_epoch)
    )
    ddp_backend = config.ddp_backend
    if ddp_backend is None and world_size > 1 and not on_gpu:
        ddp_backend = "gloo"
    scratch = Path(tempfile.mkdtemp(prefix="p3-train-"))
    args = SentenceTransformerTrainingArguments(
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
        bf16=mixed_precision == "bf16",
        fp16=mixed_precision == "fp16",
    )

    # 5. Evaluator: Spearman of cosine vs label on the validation pairs picks the checkpoint.
    evaluator = EmbeddingSimilarityEvaluator(
        sentences1=_prompted([p.text_1 for p in validation_pairs], config.prompts, "sentence1"),
        sentences2=_prompted([p.text_2 for p in validation_pairs], config.prompts, "sentence2"),
        scores=[float(pair.label) for pair in validation_pairs],
        main_similarity=SimilarityFunction.COSINE,
        name=EVALUATOR_NAME,
        batch_size=64,
        write_csv=False,
    )
    metric_key = f"eval_{EVALUATOR_NAME}_{PRIMARY_METRIC}"
    best, final_evaluation, timer, thread_share = _callbacks(metric_key)
    threads_at_start = torch.get_num_threads()

    # 6. Trainer: train, then put back the best validation checkpoint held in memory.
    trainer = SentenceTransformerTrainer(
        model=model,
        args=args,
        train_dataset=train_dataset,
        loss=loss,
        evaluator=evaluator,
        callbacks=[best, final_evaluation, timer, thread_share],
    )
    trainer.remove_callback(PrinterCallback)
    train_started = time.perf_counter()
    try:
        trainer.train()
    finally:
        train_seconds = time.perf_counter() - train_started
        for path in sorted(scratch.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        scratch.rmdir()
    best.restore(model)
    model.eval()
    restored_score = float(evaluator(model)[f"{EVALUATOR_NAME}_{PRIMARY_METRIC}"])

    losses = [
        LossPoint(
            step=int(entry["step"]),
            epoch=float(entry["epoch"]),
            loss=float(entry["loss"]),
            learning_rate=float(entry.get("learning_rate", 0.0)),
        )
        for entry in trainer.state.log_history
        if "loss" in entry and "step" in entry
    ]
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
        loss=losses,
        validation=best.evaluations,
        best_step=best.best_step,
        best_epoch=best.best_epoch,
        best_score=best.best_score,
        still_improving=best.best_step == trainer.state.global_step,
        restored_score=restored_score,
        parameters=parameters,
        wall_seconds=0.0,
        train_seconds=train_seconds,
        epoch_seconds=epoch_seconds,
        # Over the epochs trained, so that a fraction of an epoch (a rate search's run) counts
        # as the share it is.
        seconds_per_epoch=sum(epoch_seconds) / config.epochs,
        peak_rss_mb=peak_rss_mb(),
        versions=library_versions(),
        device=device,
        mixed_precision=mixed_precision,
        threads=threads_at_start,
        thread_changes=thread_share.changes,
        **(learning_rate_search.model_dump() if learning_rate_search is not None else {}),
    )
    # Wall time covers loading, training, the final evaluation; not the save and reload checks.
    record = record.model_copy(update={"wall_seconds": time.perf_counter() - started})
    if output_dir is not None and _is_main_process():
        record = _save(model, record, output_dir, _probe_texts(validation_pairs))
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
