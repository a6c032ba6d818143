"""The appendix's shared plan: which models the four studies need, trained or reused.

:func:`plan_variants` names every model (the chapter models first, then the other losses, the
instruction model and the extra seeds) and :func:`obtain_models` trains the new ones into
``models/experiments/<name>`` with the chapters' recipe, or reads the chapter models it reuses
after checking their recipe matches (:func:`recipe_differences`). Also the labels and metric
lists every study module shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from p3lib.data.schema import DatingPair
from p3lib.store.run_layout import RunLayout
from p3lib.training.record import TrainConfig, TrainingRecord

Study = Literal["chapters", "loss", "seeds", "instruction"]
LossName = Literal["cosine", "contrastive", "online_contrastive"]
LOSSES: tuple[LossName, ...] = ("cosine", "contrastive", "online_contrastive")
LOSS_LABELS = {
    "cosine": "CosineSimilarityLoss",
    "contrastive": "ContrastiveLoss",
    "online_contrastive": "OnlineContrastiveLoss",
}
METHOD_LABELS = {"base": "baseline", "full": "full fine-tuning", "lora": "LoRA"}
# Metrics compared across losses, seeds and splits: higher is better for each.
COMPARED = ("auc_roc", "spearman", "margin", "cohens_d", "f1", "accuracy")
# With 0/1 labels AUC-ROC, Spearman's rho and rho / ceiling are one fact about the ranking
# (p3lib.evaluation.rank_identity): a verdict counts them once, under AUC-ROC.
RANKING = ("auc_roc", "spearman", "spearman_ratio")
METRIC_LABELS = {
    "margin": "margin",
    "cohens_d": "Cohen's d",
    "auc_roc": "AUC-ROC",
    "spearman": "Spearman's rho",
    "spearman_ratio": "rho / ceiling",
    "purity": "cluster purity",
    "f1": "F1",
    "accuracy": "accuracy",
    "n_false_positives": "false positives",
    "threshold": "threshold",
}
EXPERIMENTS_DIR = "experiments"
DEFAULT_INSTRUCTION = "Decide whether these two dating-profile statements are compatible: "
# TrainConfig fields that do not change what a method trains.
_IGNORED = {"full": {"ddp_backend", "lora_learning_rate"}, "lora": {"ddp_backend", "learning_rate"}}
_LORA_ONLY = {"lora_r", "lora_alpha", "lora_dropout", "lora_target_modules", "lora_task_type"}


class StudyModel(BaseModel):
    """The studies' records: strict pydantic models (an unknown field is an error)."""

    model_config = ConfigDict(extra="forbid")


class Variant(StudyModel):
    """One model of the appendix: its name, training settings, and where it comes from.

    ``reuse`` names the chapter model folder (``full`` or ``lora``) this variant *is*, trained
    by chapter 03 or 04 with this exact recipe; ``None`` means the appendix trains it, in the
    study named by ``study``. ``prompt`` is the instruction applied at training and evaluation.
    """

    name: str
    label: str
    study: Study
    config: TrainConfig
    reuse: str | None = None

    @property
    def prompt(self) -> str | None:
        prompts = self.config.prompts
        return prompts if isinstance(prompts, str) or prompts is None else None


def seed_list(seed: int, seeds: Sequence[int]) -> list[int]:
    """The seeds of the seed study: ``seed`` (the chapters' models) first, then the others.

    Example:
        >>> seed_list(42, [41, 42, 43, 43])
        [42, 41, 43]
    """
    return list(dict.fromkeys([int(seed), *map(int, seeds)]))


def plan_variants(
    recipe: TrainConfig, seeds: Sequence[int], instruction: str = DEFAULT_INSTRUCTION
) -> list[Variant]:
    """Every trained model the four studies compare, chapter models first.

    ``recipe`` is chapter 03's full fine-tuning configuration (its ``seed`` is the chapters'
    seed); LoRA variants take the same settings with ``method="lora"``. The loss study trains
    two models, the seed study two per extra seed and method, the instruction study one.

    Raises:
        ValueError: ``instruction`` is empty (the instruction study needs one).

    Example:
        >>> [v.name for v in plan_variants(TrainConfig(), [42, 43])]
        ['full', 'lora', 'contrastive', 'online_contrastive', 'full_seed43', 'lora_seed43', \
'instructed']
    """
    if not instruction or not instruction.strip():
        raise ValueError("the instruction study needs an instruction (INSTRUCTION is empty)")
    recipe = recipe.model_copy(update={"method": "full", "loss": "cosine", "prompts": None})
    lora = recipe.model_copy(update={"method": "lora"})
    seed = recipe.seed
    variants = [
        Variant(
            name="full", label="full fine-tuning", study="chapters", config=recipe, reuse="full"
        ),
        Variant(name="lora", label="LoRA", study="chapters", config=lora, reuse="lora"),
    ]
    for loss in LOSSES[1:]:
        variants.append(
            Variant(
                name=loss,
                label=f"full, {LOSS_LABELS[loss]}",
                study="loss",
                config=recipe.model_copy(update={"loss": loss}),
            )
        )
    for method, base, label in (("full", recipe, "full"), ("lora", lora, "LoRA")):
        for other in seed_list(seed, seeds)[1:]:
            variants.append(
                Variant(
                    name=f"{method}_seed{other}",
                    label=f"{label}, seed {other}",
                    study="seeds",
                    config=base.model_copy(update={"seed": other}),
                )
            )
    variants.append(
        Variant(
            name="instructed",
            label="full, with instruction",
            study="instruction",
            config=recipe.model_copy(update={"prompts": instruction}),
        )
    )
    return variants


def recipe_differences(trained: TrainConfig, wanted: TrainConfig) -> dict[str, tuple]:
    """Settings of ``trained`` that differ from ``wanted`` where they matter to the method.

    Example:
        >>> recipe_differences(TrainConfig(epochs=1), TrainConfig(epochs=4))
        {'epochs': (1, 4)}
    """
    ignored = set(_IGNORED[wanted.method])
    if wanted.method == "full":
        ignored |= _LORA_ONLY
    old, new = trained.model_dump(), wanted.model_dump()
    return {
        name: (old[name], new[name])
        for name in new
        if name not in ignored and old.get(name) != new[name]
    }


def experiment_dir(layout: RunLayout, name: str) -> Path:
    """Folder of an appendix model: ``models/experiments/<name>``."""
    return layout.models / EXPERIMENTS_DIR / name


def obtain_models(
    variants: Sequence[Variant],
    fit_pairs: list[DatingPair],
    validation_pairs: list[DatingPair],
    layout: RunLayout,
    *,
    study: Study,
    model: str | None = None,
) -> dict[str, TrainingRecord]:
    """The training records of the variants of ``study``: read (``chapters``) or trained.

    A reused chapter model must have been trained with the variant's recipe; otherwise the
    comparison would mix budgets, so this raises. A trained variant is saved atomically to
    :func:`experiment_dir`, with its ``training_record.json``.

    Raises:
        FileNotFoundError: a chapter model is missing (run chapters 03 and 04 first).
        ValueError: a chapter model was trained with other settings than this chapter's.
    """
    from p3lib.training.train import train

    records = {}
    for variant in variants:
        if variant.study != study:
            continue
        if variant.reuse is not None:
            folder = layout.model(variant.reuse)
            if not (folder / "training_record.json").is_file():
                raise FileNotFoundError(
                    f"{folder} has no training record: run chapters 03 and 04 first"
                )
            record = TrainingRecord.load(folder)
            differences = recipe_differences(record.config, variant.config)
            if differences:
                listed = ", ".join(
                    f"{k}: {a!r} there, {b!r} here" for k, a, b in _rows(differences)
                )
                raise ValueError(
                    f"{folder} was trained with other settings than this chapter's ({listed}); "
                    "give chapters 03, 04 and 07 the same parameters"
                )
            records[variant.name] = record
        else:
            records[variant.name] = train(
                fit_pairs,
                validation_pairs,
                variant.config,
                experiment_dir(layout, variant.name),
                model=model,
            )
    return records


def _rows(differences: dict[str, tuple]) -> list[tuple]:
    return [(name, *values) for name, values in differences.items()]
