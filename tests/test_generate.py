"""The default data generator reproduces DATA.md exactly, deterministically, without leaks."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from p3lib.data.generate import generate_splits, write_default_data
from p3lib.data.schema import CATEGORIES, PAIR_TYPES, dump_pairs
from p3lib.data.templates import (
    DEALBREAKERS,
    OOD_TOPICS,
    REFUSAL_FRAMES,
    STANCE_FRAMES,
    TOPIC_CATEGORY,
    TOPIC_OBJECTS,
)
from p3lib.store.run_layout import DEFAULT_DATA

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
    frames = [frame for bank in STANCE_FRAMES.values() for frame in bank.held_out]
    objects = [o for bank in TOPIC_OBJECTS.values() for o in bank.held_out]
    alternatives = [re.escape(frame).replace(re.escape("{o}"), ".+") for frame in frames]
    return re.compile("|".join(alternatives + [rf"\b{re.escape(o)}\b" for o in objects]), re.I)


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


def _group(pair) -> tuple[str, str]:
    return (pair.category, pair.subcategory)


def _statement_set(pairs) -> set[str]:
    return {" ".join(s.split()).lower() for p in pairs for s in (p.statement_1, p.statement_2)}


def test_a_third_of_eval_is_template_disjoint_from_train(splits):
    """Eval pairs whose (category, subcategory) group train never has: at least a third of
    eval, both labels, and not one of their statements (case and spacing aside) is in train."""
    train_groups = {_group(p) for p in splits["train"]}
    unseen = [p for p in splits["eval"] if _group(p) not in train_groups]
    assert len(unseen) >= len(splits["eval"]) / 3
    assert {int(p.label) for p in unseen} == {0, 1}
    assert not _statement_set(unseen) & _statement_set(splits["train"])
    # The rest of eval is the seen-template tier: its groups all occur in train.
    assert len({_group(p) for p in splits["eval"]} & train_groups) >= 20


def test_ood_shares_no_group_statement_or_topic_with_train(splits):
    train, ood = splits["train"], splits["ood"]
    assert not {_group(p) for p in ood} & {_group(p) for p in train}
    assert not _statement_set(ood) & _statement_set(train)
    train_text = " | ".join(p.text_1 + " | " + p.text_2 for p in train).lower()
    for topic, (_category, objects) in OOD_TOPICS.items():
        assert not any(o.lower() in train_text for o in objects.shared + objects.held_out), topic
        assert not [p for p in train if topic in p.subcategory.split("_vs_")], topic


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


# --- The rule: a pair is compatible exactly when its statements clash on no shared topic ------
# The test reads each statement back into (aspect, stance) claims with a parser of its own, and
# re-derives the label from them; it never calls the generator's own rule.


def _claim_patterns() -> list[tuple[str, re.Pattern, str, str]]:
    """(needle, regex, aspect, stance) for every frame filled with every object, and every
    dealbreaker habit and refusal; the regex is only tried where the needle occurs."""
    found = []
    for stance, bank in STANCE_FRAMES.items():
        for frame in bank.shared + bank.held_out:
            for topic, objects in TOPIC_OBJECTS.items():
                for obj in objects.shared + objects.held_out:
                    text = re.escape(frame).replace(re.escape("{o}"), re.escape(obj))
                    pattern = re.compile(rf"(?<![\w']){text}(?![\w'])", re.I)
                    found.append((obj, pattern, topic, stance))
    for dealbreaker in DEALBREAKERS:
        aspect = f"dealbreaker:{dealbreaker.people}"
        for habit in dealbreaker.habits.shared + dealbreaker.habits.held_out:
            pattern = re.compile(rf"(?<![\w']){re.escape(habit)}(?![\w'])", re.I)
            found.append((habit.lower(), pattern, aspect, "like"))
        for frame in REFUSAL_FRAMES.shared + REFUSAL_FRAMES.held_out:
            text = frame.format(
                person=dealbreaker.person, people=dealbreaker.people, does=dealbreaker.does
            )
            pattern = re.compile(rf"(?<![\w']){re.escape(text)}(?![\w'])", re.I)
            found.append((text.lower(), pattern, aspect, "dislike"))
    return found


CLAIMS = _claim_patterns()


def _claims(statement: str) -> dict[str, str]:
    """The statement's stance on each aspect it names; an error if it names one two ways."""
    claims: dict[str, set[str]] = {}
    lower = statement.lower()
    for needle, pattern, aspect, stance in CLAIMS:
        if needle in lower and pattern.search(statement):
            claims.setdefault(aspect, set()).add(stance)
    # "Love {o}" also matches inside "I love {o}": the same stance twice is one claim.
    assert all(len(stances) == 1 for stances in claims.values()), (statement, claims)
    return {aspect: stances.pop() for aspect, stances in claims.items()}


def _clash(first: str, second: str) -> bool:
    return {first, second} == {"like", "dislike"}


COMPOUND_TYPES = {
    "complex_compatible",
    "complex_incompatible",
    "llm_judged_compatible",
    "llm_judged_incompatible",
}


@pytest.mark.parametrize("split", ["train", "eval"])
def test_compound_pairs_follow_the_rule(splits, split):
    """Both sides name the same two aspects; label 1 exactly when no aspect clashes; the judged
    score says how many clash (3: both, 4-5: one, 6-9: none)."""
    compound = [p for p in splits[split] if p.pair_type in COMPOUND_TYPES]
    assert len(compound) == {"train": 360, "eval": 90}[split]
    for pair in compound:
        boy, girl = _claims(pair.statement_1), _claims(pair.statement_2)
        assert len(boy) == 2 and set(boy) == set(girl), pair
        n_clashes = sum(_clash(boy[aspect], girl[aspect]) for aspect in boy)
        assert int(pair.label) == int(n_clashes == 0), pair
        if pair.pair_type.startswith("complex_"):
            assert set(boy) == set(pair.subcategory.split("_vs_")), pair
        else:
            score = int(pair.subcategory.removeprefix("score_"))
            assert n_clashes == (2 if score == 3 else 1 if score in (4, 5) else 0), pair


@pytest.mark.parametrize("split", ["train", "eval"])
def test_single_topic_pairs_follow_the_rule(splits, split):
    """compatible / incompatible: one topic, equal or opposite stances; subtle_mismatch: two
    related topics, label 0 exactly when one side likes and the other dislikes."""
    for pair in splits[split]:
        if pair.pair_type not in {"compatible", "incompatible", "subtle_mismatch"}:
            continue
        boy, girl = _claims(pair.statement_1), _claims(pair.statement_2)
        assert len(boy) == 1 and len(girl) == 1, pair
        (boy_topic, boy_stance), (girl_topic, girl_stance) = *boy.items(), *girl.items()
        if pair.pair_type == "subtle_mismatch":
            assert f"{boy_topic}_vs_{girl_topic}" == pair.subcategory, pair
        else:
            assert boy_topic == girl_topic == pair.subcategory, pair
        assert int(pair.label) == int(not _clash(boy_stance, girl_stance)), pair


def test_dealbreaker_pairs_set_a_habit_against_its_refusal(splits):
    for pair in splits["train"] + splits["eval"]:
        if pair.pair_type == "dealbreaker":
            boy, girl = _claims(pair.statement_1), _claims(pair.statement_2)
            assert set(boy) == set(girl) and len(boy) == 1, pair
            assert {*boy.values(), *girl.values()} == {"like", "dislike"}, pair


def test_stance_patterns_of_compound_statements_occur_in_both_labels(splits):
    """No stance word gives the label away: every mix of like and dislike that a compound
    statement can carry occurs in train's compatible and incompatible compound pairs alike."""
    patterns: dict[int, set[tuple[str, ...]]] = {0: set(), 1: set()}
    for pair in splits["train"]:
        if pair.pair_type in COMPOUND_TYPES:
            for statement in (pair.statement_1, pair.statement_2):
                stances = tuple(sorted(_claims(statement).values()))
                patterns[int(pair.label)].add(stances)
    everything = {("dislike", "dislike"), ("dislike", "like"), ("like", "like")}
    assert patterns[0] == patterns[1] == everything


# --- Closer to real profiles (the reference set's figures in DATA.md) -------------------------


def _statements(pairs):
    return [s for p in pairs for s in (p.statement_1, p.statement_2)]


def test_statements_are_short_with_a_few_long_ones(splits):
    """Reference: median 6 words, 90th percentile 14."""
    words = sorted(len(s.split()) for s in _statements(splits["train"]))
    median, p90 = words[len(words) // 2], words[int(0.9 * len(words))]
    assert 5 <= median <= 7
    assert 11 <= p90 <= 15
    assert max(words) >= 15


def test_share_of_negative_statements_is_near_the_reference(splits):
    """Reference: about 44% of statements carry a negative stance word."""
    negative = re.compile(r"\b(not|no|never|hate|dislike|avoid|refuse|won't|can't|don't)\b", re.I)
    for split in ("train", "eval"):
        statements = _statements(splits[split])
        share = sum(bool(negative.search(s)) for s in statements) / len(statements)
        assert 0.38 <= share <= 0.52, (split, share)


def test_vocabulary_is_small_so_topics_repeat(splits):
    """Reference: about 175 distinct words; eval reuses train's words."""
    tokens = {
        split: [w for s in _statements(splits[split]) for w in re.findall(r"[a-z']+", s.lower())]
        for split in ("train", "eval")
    }
    train_words = set(tokens["train"])
    assert len(train_words) <= 300
    # Eval's held-out phrasings bring a few new words; the rest of eval is train's words.
    seen = sum(w in train_words for w in tokens["eval"]) / len(tokens["eval"])
    assert seen >= 0.8


def test_everyday_topics_are_covered():
    objects = " | ".join(o for bank in TOPIC_OBJECTS.values() for o in bank.shared)
    habits = " | ".join(h for d in DEALBREAKERS for h in d.habits.shared)
    for word in ("hiking", "gym", "concerts", "cooking", "road trips", "dogs", "kids", "going out"):
        assert word in objects
    for word in ("church", "politics", "saving money", "staying in", "early mornings"):
        assert word in objects
    for word in ("smoke", "drink", "mess", "spend"):
        assert word in habits
