"""The recipe study (issue 23): what each training lever bought, as the appendix shows it.

The study is measured once by ``benchmarks/bench_recipe.py`` (it trains several models and
takes far longer than the appendix may), and its numbers are kept in
``benchmarks/recipe_study.json``. This module reads that file and turns it into the appendix's
table and sentences, so that every figure the page states comes from the measured file, and the
page says when and how it was measured rather than passing it off as this run's.

Example:
    >>> study = RecipeStudy.model_validate({
    ...     "measured_by": "benchmarks/bench_recipe.py", "measured_on": "2026-12-07",
    ...     "epochs": 2, "adopted": "augmented", "reference": "baseline",
    ...     "variants": [
    ...         {"variant": "baseline", "label": "no augmentation", "held_out_groups": 0.97,
    ...          "eval_seen_templates": 0.90, "ood": 0.64},
    ...         {"variant": "augmented", "label": "800 augmentation pairs",
    ...          "held_out_groups": 0.98, "eval_seen_templates": 0.92, "ood": 0.77}]})
    >>> study_sentence(study).split(" by ")[1].split(",")[0]
    '+0.010 on held-out groups (validation)'
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, model_validator

from p3lib.store.atomic import read_json
from p3lib.training.formatting import format_rate

STUDY_FILE = Path(__file__).resolve().parents[2] / "benchmarks" / "recipe_study.json"
COLUMNS = {
    "held_out_groups": "held-out groups (validation)",
    "eval_seen_templates": "eval (mostly seen templates)",
    "ood": "OOD (unseen topics and phrasings)",
}


class Variant(BaseModel):
    """One trained variant: its AUC on each split."""

    variant: str
    label: str
    held_out_groups: float
    eval_seen_templates: float
    ood: float
    # the checkpoint-choosing score (validation Spearman), where the run recorded it
    best_validation_spearman: float | None = None
    # a LoRA setting changed from the PRD adapter (``lora_reference``): what it changed
    lever: str | None = None
    # the TrainConfig settings beyond the study's shared ones
    settings: dict = {}


class RecipeStudy(BaseModel):
    """The measured study: how it was run, its variants, and which one p3 adopted."""

    measured_by: str
    measured_on: str
    epochs: float
    adopted: str
    reference: str
    variants: list[Variant]
    # what each phrase bank named in the labels held, and why a lever was not adopted
    phrase_banks: dict[str, str] = {}
    not_adopted: dict[str, str] = {}
    # the PRD adapter at the LoRA rate its levers (the variants with a ``lever``) were measured
    # beside; full fine-tuning's row is ``adopted``
    lora_reference: str | None = None

    @model_validator(mode="after")
    def _levers_are_comparable(self) -> RecipeStudy:
        """Every lever, and the adapter it is set beside, carries its validation score."""
        if self.lora_reference is not None:
            for variant in [self.named(self.lora_reference), self.named(self.adopted)] + [
                variant for variant in self.variants if variant.lever
            ]:
                if variant.best_validation_spearman is None:
                    raise ValueError(f"{variant.variant} has no best_validation_spearman")
        return self

    def named(self, name: str) -> Variant:
        return next(variant for variant in self.variants if variant.variant == name)


def load_study(path: str | Path = STUDY_FILE) -> RecipeStudy:
    return RecipeStudy.model_validate(read_json(path))


def study_table(study: RecipeStudy) -> dict[str, dict[str, float]]:
    """``{variant label: {column: AUC}}``, in the file's order (a DataFrame's input)."""
    return {
        variant.label: {title: getattr(variant, key) for key, title in COLUMNS.items()}
        for variant in study.variants
    }


def study_sentence(study: RecipeStudy) -> str:
    """What the adopted lever bought against the reference, and how the numbers were measured."""
    adopted, reference = study.named(study.adopted), study.named(study.reference)
    changes = [
        f"{getattr(adopted, key) - getattr(reference, key):+.3f} on {title}"
        for key, title in COLUMNS.items()
    ]
    banks = "".join(
        f" The {name} phrase bank: {held}." for name, held in study.phrase_banks.items()
    )
    rejected = "; ".join(
        f"{study.named(name).label} ({why})" for name, why in study.not_adopted.items()
    )
    return (
        f"Adopted: {adopted.label}. Against {reference.label} it changed AUC by "
        f"{changes[0]}, {changes[1]} and {changes[2]}; "
        f"measured by `{study.measured_by}` on {study.measured_on}, "
        f"{study.epochs:g} epochs per model, not in this run."
        + (f" Not adopted: {rejected}." if rejected else "")
        + banks
    )


def _lora_rows(study: RecipeStudy) -> tuple[list[Variant], Variant, Variant] | None:
    """``(levers, PRD adapter, full fine-tuning's adopted row)``, or None without levers."""
    levers = [variant for variant in study.variants if variant.lever]
    if study.lora_reference is None or not levers:
        return None
    return levers, study.named(study.lora_reference), study.named(study.adopted)


def lora_levers_table(study: RecipeStudy) -> str:
    """A Markdown table of each LoRA setting the study changed, with the PRD adapter and full
    fine-tuning's adopted recipe beside them: validation Spearman (which chooses) and AUC on
    unseen topics (which does not). Empty when the study has no levers."""
    rows = _lora_rows(study)
    if rows is None:
        return ""
    levers, reference, full = rows
    rate = reference.settings.get("lora_learning_rate")
    at = f", rate {format_rate(rate)}" if rate else ""
    named = [
        (f"LoRA, the PRD's adapter (rank 8, alpha 16, query and value){at}", reference),
        *((f"LoRA, {variant.lever}", variant) for variant in levers),
        ("full fine-tuning, the adopted recipe", full),
    ]
    lines = [
        "| Setting (recipe study) | Validation Spearman | AUC on unseen topics |",
        "|---|---:|---:|",
    ]
    lines += [
        f"| {name} | {variant.best_validation_spearman:.3f} | {variant.ood:.3f} |"
        for name, variant in named
    ]
    return "\n".join(lines)


def lora_levers_sentence(study: RecipeStudy) -> str:
    """What the LoRA settings the study changed bought against the PRD adapter, and whether
    validation (which chooses) and unseen topics (which do not) rank LoRA and full fine-tuning
    alike; :func:`lora_levers_table` holds the numbers. Empty when the study has no levers."""
    rows = _lora_rows(study)
    if rows is None:
        return ""
    levers, reference, full = rows
    beaten = [
        variant.lever
        for variant in levers
        if variant.best_validation_spearman > reference.best_validation_spearman
        or variant.ood > reference.ood
    ]
    verdict = (
        "none scored higher than the PRD adapter on either"
        if not beaten
        else f"higher than the PRD adapter on one or both: {', '.join(beaten)}"
    )
    disagree = (full.best_validation_spearman < reference.best_validation_spearman) != (
        full.ood < reference.ood
    )
    return (
        f"Beyond the rate, the recipe study (`{study.measured_by}`, {study.measured_on}, "
        f"{study.epochs:g} epochs, one seed, not this run) tried {len(levers)} "
        f"variant{'' if len(levers) == 1 else 's'} of the PRD adapter (the table below): {verdict}."
        + (
            " Validation and unseen topics rank LoRA and full fine-tuning in opposite orders "
            f"(validation Spearman {reference.best_validation_spearman:.3f} against "
            f"{full.best_validation_spearman:.3f}, unseen topics {reference.ood:.3f} against "
            f"{full.ood:.3f}): a choice made on validation cannot aim at the gap on unseen "
            "topics."
            if disagree
            else ""
        )
    )
