"""The appendix's recipe-study sentence states the measured differences, from the file."""

from __future__ import annotations

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
