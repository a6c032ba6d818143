"""The default data generator reproduces DATA.md exactly, deterministically, without leaks."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from p3lib.generate import (
    DISLIKE_FRAMES,
    LIKE_FRAMES,
    OOD_TOPICS,
    TOPIC_CATEGORY,
    TOPIC_OBJECTS,
    generate_splits,
    write_default_data,
)
from p3lib.layout import DEFAULT_DATA
from p3lib.schema import CATEGORIES, PAIR_TYPES, dump_pairs

# The facts of DATA.md, written out here so the test checks the generator against the document
# rather than against the generator's own tables.
SIZES = {"train": (1195, 628, 567), "eval": (295, 158, 137)}  # (pairs, label 1, label 0)
PAIR_TYPE_LABELS = {  # pair_type: ((label 1, label 0) in train, (label 1, label 0) in eval)
    "compatible": ((240, 0), (60, 0)),
    "incompatible": ((0, 180), (0, 45)),
    "dealbreaker": ((0, 180), (0, 45)),
    "subtle_mismatch": ((190, 40), (47, 3)),
    "llm_judged_compatible": ((134, 0), (32, 0)),
    "llm_judged_incompatible": ((0, 106), (0, 28)),
    "complex_compatible": ((63, 0), (18, 0)),
    "complex_incompatible": ((0, 57), (0, 12)),
    "curated_realistic": ((1, 4), (1, 4)),
}
TRAIN_CATEGORY_COUNTS = {
    "interests": 277,
    "lifestyle": 236,
    "dealbreakers": 180,
    "values": 151,
    "values_and_interests": 119,
    "lifestyle_and_values": 105,
    "interests_and_values": 25,
    "dealbreakers_and_interests": 25,
    "interests_and_lifestyle": 23,
    "values_and_lifestyle": 21,
    "lifestyle_and_interests": 20,
    "realistic_example": 5,
    "lifestyle_and_dealbreakers": 4,
    "dealbreakers_and_values": 3,
    "values_and_dealbreakers": 1,
}
SINGLE_TOPICS = {
    "active",
    "arts",
    "career",
    "environment",
    "extroverted",
    "family",
    "food",
    "introverted",
    "music",
    "relaxed",
    "spirituality",
    "travel",
}
CORE_CATEGORIES = {"lifestyle", "interests", "values"}
COMPOUND_CATEGORIES = {c for c in CATEGORIES if "_and_" in c}
# DATA.md: mean ~8 words after the prefix for text_1, ~7 for text_2.
MEAN_WORDS = {"statement_1": 8.0, "statement_2": 7.0}
MEAN_WORDS_TOLERANCE = 0.5


@pytest.fixture(scope="module")
def splits():
    return generate_splits()


@pytest.mark.parametrize("split", ["train", "eval"])
def test_sizes_and_labels_match_data_md(splits, split):
    pairs = splits[split]
    labels = Counter(int(p.label) for p in pairs)
    assert (len(pairs), labels[1], labels[0]) == SIZES[split]


@pytest.mark.parametrize("split_index, split", [(0, "train"), (1, "eval")])
def test_pair_type_by_label_table_matches_data_md(splits, split_index, split):
    counts = Counter((p.pair_type, int(p.label)) for p in splits[split])
    table = {pt: (counts[(pt, 1)], counts[(pt, 0)]) for pt in PAIR_TYPES}
    assert table == {pt: expected[split_index] for pt, expected in PAIR_TYPE_LABELS.items()}


@pytest.mark.parametrize("split", ["train", "eval"])
def test_every_category_is_in_each_split(splits, split):
    assert {p.category for p in splits[split]} == set(CATEGORIES)


def test_train_category_counts_match_data_md(splits):
    assert Counter(p.category for p in splits["train"]) == TRAIN_CATEGORY_COUNTS


@pytest.mark.parametrize("split", ["train", "eval", "ood"])
def test_prefixes(splits, split):
    for pair in splits[split]:
        assert pair.text_1.startswith("boy: ") and pair.text_2.startswith("girl: ")


@pytest.mark.parametrize("split", ["train", "eval"])
@pytest.mark.parametrize("side", ["statement_1", "statement_2"])
def test_mean_word_counts(splits, split, side):
    words = [len(getattr(p, side).split()) for p in splits[split]]
    assert sum(words) / len(words) == pytest.approx(MEAN_WORDS[side], abs=MEAN_WORDS_TOLERANCE)


def _is_topic_pair(subcategory: str) -> bool:
    first, sep, second = subcategory.partition("_vs_")
    return bool(sep) and {first, second} <= SINGLE_TOPICS and first != second


@pytest.mark.parametrize("split", ["train", "eval"])
def test_subcategories_and_categories_follow_the_pair_type(splits, split):
    for pair in splits[split]:
        pt, sub, cat = pair.pair_type, pair.subcategory, pair.category
        if pt in {"compatible", "incompatible"}:
            assert sub in SINGLE_TOPICS and cat == TOPIC_CATEGORY[sub]
        elif pt == "subtle_mismatch":
            assert _is_topic_pair(sub) and cat in CORE_CATEGORIES
        elif pt.startswith("complex_"):
            assert _is_topic_pair(sub) and cat in CORE_CATEGORIES | COMPOUND_CATEGORIES
        elif pt == "llm_judged_compatible":
            assert sub in {f"score_{n}" for n in range(6, 10)} and cat in COMPOUND_CATEGORIES
        elif pt == "llm_judged_incompatible":
            assert sub in {f"score_{n}" for n in range(3, 6)} and cat in COMPOUND_CATEGORIES
        elif pt == "dealbreaker":
            assert sub in {"substances", "lifestyle", "personality"} and cat == "dealbreakers"
        else:
            assert pt == "curated_realistic" and cat == "realistic_example"


def test_complex_categories_spell_the_topics_categories(splits):
    for pair in splits["train"] + splits["eval"]:
        if pair.pair_type.startswith("complex_"):
            first, second = (TOPIC_CATEGORY[t] for t in pair.subcategory.split("_vs_"))
            assert pair.category == (first if first == second else f"{first}_and_{second}")


@pytest.mark.parametrize("split", ["train", "eval", "ood"])
def test_no_duplicate_pairs_within_a_split(splits, split):
    keys = [p.key for p in splits[split]]
    assert len(keys) == len(set(keys))


def test_eval_copies_no_train_pair(splits):
    assert not {p.key for p in splits["train"]} & {p.key for p in splits["eval"]}


def _held_out_pattern() -> re.Pattern:
    """Any held-out stance frame (its object as a wildcard) or held-out topic object."""
    frames = LIKE_FRAMES.held_out + DISLIKE_FRAMES.held_out
    objects = [o for bank in TOPIC_OBJECTS.values() for o in bank.held_out]
    alternatives = [re.escape(frame).replace(re.escape("{o}"), ".+") for frame in frames]
    return re.compile("|".join(alternatives + [re.escape(o) for o in objects]))


def test_held_out_phrasings_are_eval_only(splits):
    pattern = _held_out_pattern()
    assert not [p for p in splits["train"] if pattern.search(p.text_1 + " | " + p.text_2)]
    in_eval = [p for p in splits["eval"] if pattern.search(p.text_1 + " | " + p.text_2)]
    assert len(in_eval) >= 0.25 * len(splits["eval"])


def test_ood_is_new_text_with_both_labels(splits):
    ood = splits["ood"]
    assert 150 <= len(ood) <= 300
    assert {int(p.label) for p in ood} == {0, 1}
    assert {p.pair_type for p in ood} <= set(PAIR_TYPES)
    assert {p.category for p in ood} <= set(CATEGORIES)
    seen = {s for p in splits["train"] + splits["eval"] for s in (p.statement_1, p.statement_2)}
    assert not {s for p in ood for s in (p.statement_1, p.statement_2)} & seen
    seen_subcategories = {p.subcategory for p in splits["train"] + splits["eval"]}
    assert not set(OOD_TOPICS) & seen_subcategories


def test_same_seed_same_pairs_and_other_seed_other_pairs(splits):
    assert generate_splits(seed=42) == splits
    other = generate_splits(seed=7)
    for name in ("train", "eval", "ood"):
        assert dump_pairs(other[name]) != dump_pairs(splits[name])


def test_committed_data_equals_a_fresh_regeneration(tmp_path):
    written = write_default_data(tmp_path)
    assert set(written) == {"train", "eval", "ood"}
    for name, path in written.items():
        assert path == tmp_path / f"{name}.jsonl"
        assert path.read_bytes() == (DEFAULT_DATA / f"{name}.jsonl").read_bytes()
