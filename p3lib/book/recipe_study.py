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


def lora_levers_sentence(study: RecipeStudy) -> str:
    """What each LoRA setting the study changed scored beside the PRD adapter and beside full
    fine-tuning, on validation (which chooses) and on unseen topics (which does not).

    Empty when the study has no LoRA reference or no levers.
    """
    levers = [variant for variant in study.variants if variant.lever]
    if study.lora_reference is None or not levers:
        return ""
    reference, full = study.named(study.lora_reference), study.named(study.adopted)

    def scores(variant: Variant) -> str:
        spearman, ood = variant.best_validation_spearman, variant.ood
        return f"validation Spearman {spearman:.3f}, unseen topics {ood:.3f}"

    tried = "; ".join(f"{variant.lever} ({scores(variant)})" for variant in levers)
    beaten = [
        variant.lever
        for variant in levers
        if variant.best_validation_spearman > reference.best_validation_spearman
        or variant.ood > reference.ood
    ]
    verdict = (
        "none scored higher than it on either"
        if not beaten
        else f"higher than it on one or both: {', '.join(beaten)}"
    )
    disagree = (full.best_validation_spearman < reference.best_validation_spearman) != (
        full.ood < reference.ood
    )
    return (
        f"Beyond the rate, the recipe study (`{study.measured_by}`, {study.measured_on}, "
        f"{study.epochs:g} epochs, one seed, not this run) changed the PRD adapter's settings: "
        f"{tried}. Against the PRD adapter ({scores(reference)}) {verdict}. Full "
        f"fine-tuning's adopted recipe, in the same study: {scores(full)}"
        + (
            "; validation and unseen topics rank the two arms in opposite orders, so a "
            "choice made on validation cannot aim at the gap on unseen topics."
            if disagree
            else "."
        )
    )
