"""The appendix's recipe-study sentence states the measured differences, from the file."""

from __future__ import annotations

import pytest

from p3lib.book.recipe_study import RecipeStudy, load_study, study_sentence, study_table

HAND_MADE = {
    "measured_by": "bench.py",
    "measured_on": "2026-01-01",
    "epochs": 2,
    "adopted": "b",
    "reference": "a",
    "variants": [
        {
            "variant": "a",
            "label": "A",
            "held_out_groups": 0.5,
            "eval_seen_templates": 0.75,
            "ood": 0.6,
        },
        {
            "variant": "b",
            "label": "B",
            "held_out_groups": 0.5,
            "eval_seen_templates": 0.7,
            "ood": 0.85,
        },
    ],
}


def test_sentence_states_adopted_minus_reference():
    # B - A: 0.5 - 0.5 = 0, 0.7 - 0.75 = -0.05, 0.85 - 0.6 = +0.25
    sentence = study_sentence(RecipeStudy.model_validate(HAND_MADE))
    assert sentence == (
        "Adopted: B. Against A it changed AUC by +0.000 on held-out groups (validation), "
        "-0.050 on eval (mostly seen templates) and +0.250 on OOD (unseen topics and phrasings); "
        "measured by `bench.py` on 2026-01-01, 2 epochs per model, not in this run."
    )
    table = study_table(RecipeStudy.model_validate(HAND_MADE))
    assert table["B"]["OOD (unseen topics and phrasings)"] == 0.85


def test_the_committed_study_names_its_adopted_variant():
    study = load_study()
    assert study.named(study.adopted) and study.named(study.reference)


def test_lora_levers_sentence_sets_each_lever_beside_the_adapter_and_full():
    from p3lib.book.recipe_study import lora_levers_sentence, lora_levers_table

    adapter = {
        "variant": "lora",
        "label": "L",
        "held_out_groups": 0.5,
        "eval_seen_templates": 0.7,
        "ood": 0.8,
        "best_validation_spearman": 0.6,
    }
    lever = {
        "variant": "r16",
        "label": "R",
        "held_out_groups": 0.5,
        "eval_seen_templates": 0.7,
        "ood": 0.81,
        "best_validation_spearman": 0.55,
        "lever": "rank 16",
    }
    full = {**HAND_MADE["variants"][1], "best_validation_spearman": 0.5}  # ood 0.85
    study = {
        **HAND_MADE,
        "lora_reference": "lora",
        "variants": [HAND_MADE["variants"][0], full, adapter, lever],
    }
    sentence = lora_levers_sentence(RecipeStudy.model_validate(study))
    # higher than the adapter's 0.800 on unseen topics (0.810), though lower on validation
    assert "one seed, not this run) tried 1 variant of the PRD adapter (the table" in sentence
    assert "higher than the PRD adapter on one or both: rank 16." in sentence
    # full: lower on validation (0.5 < 0.6), higher on unseen topics (0.85 > 0.8)
    assert sentence.endswith(
        "Validation and unseen topics rank LoRA and full fine-tuning in opposite orders "
        "(validation Spearman 0.600 against 0.500, unseen topics 0.800 against 0.850): a "
        "choice made on validation cannot aim at the gap on unseen topics."
    )
    # the other way round (full above on validation, below on unseen topics) is named alike
    full["best_validation_spearman"], full["ood"] = 0.7, 0.75
    assert (
        "in opposite orders (validation Spearman 0.600 against 0.700, unseen topics 0.800 "
        "against 0.750)" in lora_levers_sentence(RecipeStudy.model_validate(study))
    )
    full["best_validation_spearman"], full["ood"] = 0.5, 0.85
    assert lora_levers_table(RecipeStudy.model_validate(study)).splitlines()[2:] == [
        "| LoRA, the PRD's adapter (rank 8, alpha 16, query and value) | 0.600 | 0.800 |",
        "| LoRA, rank 16 | 0.550 | 0.810 |",
        "| full fine-tuning, the adopted recipe | 0.500 | 0.850 |",
    ]
    lever["ood"], full["best_validation_spearman"] = 0.79, 0.7
    sentence = lora_levers_sentence(RecipeStudy.model_validate(study))
    assert sentence.endswith(
        "(the table below): none scored higher than the PRD adapter on either."
    )
    assert lora_levers_sentence(RecipeStudy.model_validate(HAND_MADE)) == ""
    assert lora_levers_table(RecipeStudy.model_validate(HAND_MADE)) == ""
    # a lever without the score that chooses cannot be set beside the adapter
    del lever["best_validation_spearman"]
    with pytest.raises(ValueError, match="r16 has no best_validation_spearman"):
        RecipeStudy.model_validate(study)
