"""Augmentation flips labels exactly where stances flip, is seeded, and never leaks OOD words."""

from __future__ import annotations

import re

from p3lib.data import templates
from p3lib.data.augment import (
    DISLIKE,
    FRAMES,
    HABITS,
    LIKE,
    NEUTRAL_TAILS,
    SOFT_REFUSALS,
    TOPICS,
    augment_pairs,
    bank_part,
    flipped,
    statement,
)
from p3lib.data.templates import Bank, Dealbreaker


def _fragments(template: str) -> list[str]:
    """The fixed words of a template: the text between its {placeholders}, trimmed.

    A phrasing's lone word ("always" of "{o}? Always") is everyday English, not the phrasing;
    text without placeholders (an object, a habit) counts whole.
    """
    parts = [part.strip(" ,.?").lower() for part in re.split(r"\{\w+\}", template)]
    return parts if len(parts) == 1 else [part for part in parts if " " in part]


def _protected_phrases() -> set[str]:
    """Every OOD phrasing, topic, object and dealbreaker, and every phrasing eval holds out.

    Read from the generator's own banks (any ``Bank`` or ``Dealbreaker`` it defines), so a
    phrasing added there later is covered without editing this test.
    """
    phrases: set[str] = set()
    for name, value in vars(templates).items():
        ood = name.startswith("OOD_")
        banks = []
        if isinstance(value, Bank):
            banks = [value]
        elif isinstance(value, dict):
            for item in value.values():
                if isinstance(item, Bank):
                    banks.append(item)
                elif isinstance(item, tuple) and item and isinstance(item[-1], Bank):
                    banks.append(item[-1])  # OOD_TOPICS: (category, objects)
            if name == "OOD_TOPICS":
                phrases.update(topic.replace("_", " ") for topic in value)
        elif isinstance(value, tuple) and value and isinstance(value[0], Dealbreaker):
            for dealbreaker in value:
                banks.append(dealbreaker.habits)
                if ood:
                    phrases.update((dealbreaker.person, dealbreaker.people, dealbreaker.does))
        for bank in banks:
            for template in bank.held_out + (bank.shared if ood else ()):
                phrases.update(_fragments(template))
    return {phrase for phrase in phrases if phrase}


def _all_augmentation_texts() -> set[str]:
    """Every statement the banks can make, object by object, not only the ones drawn."""
    texts = set(SOFT_REFUSALS)
    for stance in (LIKE, DISLIKE):
        for topic_name, topic in TOPICS.items():
            texts.update(topic.implied[stance])
            for style, frames in FRAMES[stance].items():
                for index in range(len(frames)):
                    for obj in topic.objects:
                        for tail in ("", *NEUTRAL_TAILS):
                            texts.add(statement(topic_name, stance, style, index, obj, tail).text)
    for habit in HABITS:
        texts.update((habit.does, *habit.has, *habit.lacks))
    return {text.lower() for text in texts}


def test_known_flips():
    # Hand-read from the banks: "like" frame 0 of the direct style is "Nothing beats {o}" and
    # its parallel "dislike" frame is "Nothing bores me like {o}"; the homebody topic's first
    # implied like is "I'm more of a homebody", its first implied dislike the stir-crazy line.
    direct = statement("coffee", LIKE, "direct", 0, "espresso")
    assert direct.text == "Nothing beats espresso"
    assert flipped(direct).text == "Nothing bores me like espresso"
    implied = statement("homebody", LIKE, "implied", 0, None)
    assert implied.text == "I'm more of a homebody"
    assert flipped(implied).text == "I go stir crazy if I stay home"
    assert flipped(flipped(implied)) == implied
    # a tail ends a frame that ends with its object, and the flipped twin keeps it
    tailed = statement("coffee", LIKE, "idiom", 11, "espresso", "honestly")
    assert tailed.text == "I'm head over heels for espresso honestly"
    assert flipped(tailed).text == "I can't be bothered with espresso honestly"


def test_twins_differ_in_one_statement_and_the_label():
    pairs = augment_pairs(seed=7, n_pairs=400)
    assert len(pairs) == 400
    for first, second in zip(pairs[0::2], pairs[1::2], strict=True):
        shared = {first.text_1, first.text_2} & {second.text_1, second.text_2}
        # exactly one side is the same statement, and the label is the opposite one
        assert len(shared) == 1
        assert int(first.label) + int(second.label) == 1
        assert first.subcategory == second.subcategory
    labels = [int(pair.label) for pair in pairs]
    assert labels.count(1) == labels.count(0) == 200
    types = {pair.pair_type for pair in pairs}
    assert {"compatible", "incompatible", "dealbreaker"} <= types


def test_seeded():
    assert augment_pairs(seed=3, n_pairs=50) == augment_pairs(seed=3, n_pairs=50)
    assert augment_pairs(seed=3, n_pairs=50) != augment_pairs(seed=4, n_pairs=50)


def test_no_ood_or_held_out_phrase():
    protected = _protected_phrases()
    # the scan must see the OOD banks it guards against (known members, read off templates.py)
    assert {"i'm crazy about", "gardening", "gamblers", "is a no-go", "i adore"} <= protected
    drawn = augment_pairs(seed=1, n_pairs=1000)
    texts = _all_augmentation_texts() | {
        text.split(": ", 1)[1].lower() for pair in drawn for text in (pair.text_1, pair.text_2)
    }
    pattern = re.compile("|".join(rf"\b{re.escape(phrase)}\b" for phrase in sorted(protected)))
    leaks = {text: pattern.search(text).group() for text in texts if pattern.search(text)}
    assert not leaks


def test_training_adds_both_augmentations_and_records_them(tmp_path):
    from tiny_model import build_tiny_model, tiny_config, tiny_pairs

    from p3lib.training.train import train

    # 64 train pairs + 32 augmentation pairs = 96 fit pairs: 6 steps of 16 in one epoch;
    # 16 validation pairs + 8 from the banks' validation part = 24 validation pairs
    config = tiny_config(
        "full", epochs=1, eval_steps=1000, augmentation_pairs=32, augmentation_validation_pairs=8
    )
    record = train(
        tiny_pairs(64, seed=1),
        tiny_pairs(16, seed=2),
        config,
        None,
        model=build_tiny_model(tmp_path / "base"),
    )
    assert (record.n_train_pairs, record.steps_per_epoch, record.total_steps) == (96, 6, 6)
    assert record.n_validation_pairs == 24
    assert record.model_dump()["config"]["augmentation_pairs"] == 32
    assert record.model_dump()["config"]["augmentation_validation_pairs"] == 8


def test_validation_pairs_share_no_frame_topic_habit_or_refusal_with_fit_pairs():
    # Hand-read from the banks: the fit part's last like/direct frame is "Give me {o} over
    # anything else" (slot 9 of 12); the validation part holds slots 10 and 11 of the four
    # plain styles and the last six of the 24 idioms (from "I'd drop everything for {o}"), the
    # tea, history and crafts topics, the speeding and interrupting habits and the last two
    # refusals.
    fit, validation = bank_part("fit"), bank_part("validation")
    assert FRAMES[LIKE]["direct"][fit.frames["direct"][-1]] == "Give me {o} over anything else"
    assert validation.frames["direct"] == validation.frames["indirect"] == (10, 11)
    assert validation.frames["idiom"] == tuple(range(18, 24))
    assert FRAMES[LIKE]["idiom"][18] == "I'd drop everything for {o}"
    assert set(validation.topics) == {"crafts", "history", "tea"}
    assert {h.does for h in validation.habits} == {"drives too fast", "talks over everyone"}

    # Every statement either part can make: none is made by both.
    def texts(part):
        made = set()
        for stance in (LIKE, DISLIKE):
            for topic in part.topics:
                made.update(TOPICS[topic].implied[stance])
                for style in FRAMES[stance]:
                    for index in part.frames[style]:
                        for obj in TOPICS[topic].objects:
                            for tail in ("", *NEUTRAL_TAILS):
                                made.add(statement(topic, stance, style, index, obj, tail).text)
        for habit in part.habits:
            made.update((*habit.has, *habit.lacks))
            made.update(refusal.format(does=habit.does) for refusal in part.refusals)
        return made

    assert not texts(fit) & texts(validation)
    drawn = augment_pairs(seed=5, n_pairs=400, part="validation")
    assert {t.split(": ", 1)[1] for p in drawn for t in (p.text_1, p.text_2)} <= texts(validation)
    fit_drawn = augment_pairs(seed=5, n_pairs=2000)
    assert not {t.split(": ", 1)[1] for p in fit_drawn for t in (p.text_1, p.text_2)} & texts(
        validation
    )
