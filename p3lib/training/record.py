"""What a training run is asked to do (:class:`TrainConfig`) and did (:class:`TrainingRecord`).

Apart from the recipe (:mod:`p3lib.training.train`) because most readers of a run never train:
the chapters, the comparison, the book's ADR figures and the model cards load a
``training_record.json`` and read its fields, and a test builds a :class:`TrainConfig` without
importing PyTorch. The measurements a record carries about the machine (library versions, peak
memory, parameter counts) are taken here too.

Example:
    >>> from p3lib.training.record import TrainConfig
    >>> config = TrainConfig(method="lora")
    >>> config.effective_learning_rate
    0.0002
    >>> TrainConfig(method="lora", lora_learning_rate=2e-5).effective_learning_rate  # PRD's rate
    2e-05
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from p3lib.store.atomic import read_json

RECORD_NAME = "training_record.json"
PRIMARY_METRIC = "spearman_cosine"


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
    # The training objective (ADR 003; the appendix compares losses on the same budget).
    # "cosent": CoSENTLoss, which ranks every compatible pair of a batch above every
    # incompatible one; "cosine_mnrl": CosineSimilarityLoss on the pairs plus
    # MultipleNegativesRankingLoss on triplets with hard negatives (p3lib.training.triplets).
    loss: Literal["cosine", "cosent", "cosine_mnrl", "contrastive", "online_contrastive"] = "cosine"
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
    # LoRA only: the biases that train beside the adapter (PEFT's ``bias``), and LoRA+'s ratio
    # of the B matrices' rate to the A matrices' (None: one rate for both, plain LoRA).
    lora_bias: Literal["none", "all", "lora_only"] = "none"
    lora_plus_ratio: float | None = Field(None, ge=1)
    max_train_pairs: int | None = Field(None, ge=1)
    # Full fine-tuning only: keep the 11.7M word-embedding rows at their base values (no
    # gradient, no AdamW state): about half the weights, and the base model's vocabulary.
    freeze_word_embeddings: bool = False
    # Batches of statements of similar length (p3lib.training.batching): less padding.
    length_grouped_batches: bool = False
    # Stance-teaching pairs added to the fit pairs (p3lib.data.augment, seeded by ``seed``).
    augmentation_pairs: int = Field(0, ge=0)
    # Augmentation pairs from the banks' validation part (unseen topics in unseen phrasings)
    # added to the validation pairs that choose the checkpoint and the rate.
    augmentation_validation_pairs: int = Field(0, ge=0)
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
    """One rate of a learning-rate search: its run's validation curve and best score."""

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
    # The best trial's validation Spearman minus this one's, and its paired 95% interval
    # (template groups of the validation pairs resampled); None where it was not computed.
    gap_to_best: float | None = None
    gap_low: float | None = None
    gap_high: float | None = None


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
    # True when every trial trained the full recipe and the winner's run is the model kept
    # (p3lib.training.rate_search.train_at_chosen_rate); False when it was trained again.
    winner_kept: bool = False
    # "highest": the best validation Spearman wins. "smallest_within_interval": the smallest
    # rate whose paired interval against the best includes 0 (validation cannot tell them apart)
    rule: Literal["highest", "smallest_within_interval"] = "highest"


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
    winner_kept: bool | None = None
    rule: Literal["highest", "smallest_within_interval"] | None = None
    # Each validation pair's cosine at the kept checkpoint (the rate search resamples them).
    validation_scores: list[float] | None = None

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


def peak_rss_mb() -> float:
    """The process's peak resident memory so far, in MiB (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def count_parameters(model) -> ParameterCount:
    """Total and trainable (``requires_grad``) parameters of ``model``."""
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return ParameterCount(total=total, trainable=trainable, trainable_share=trainable / total)
