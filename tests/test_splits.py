"""The validation split: stratified, seeded, duplicates kept together, tied to its train data."""

from __future__ import annotations

import pytest

from p3lib.data.schema import DatingPair
from p3lib.data.splits import apply_split, load_split, make_validation_split, save_split


def pairs(n: int) -> list[DatingPair]:
    return [
        DatingPair(
            text_1=f"boy: I like thing {i}",
            text_2=f"girl: me too {i}",
            label=int(i % 4 == 0),
            category="interests",
            subcategory="music",
            pair_type="compatible" if i % 4 == 0 else "incompatible",
        )
        for i in range(n)
    ]


def test_split_is_stratified_seeded_and_disjoint():
    train = pairs(200)  # 50 compatible, 150 incompatible
    split = make_validation_split(train, fraction=0.2, seed=3)
    fit, validation = apply_split(train, split)
    assert len(validation) == 40 and len(fit) == 160
    assert sum(p.label for p in validation) == 10  # a quarter, as in train
    assert {p.key for p in fit}.isdisjoint({p.key for p in validation})
    assert make_validation_split(train, 0.2, seed=3) == split
    assert make_validation_split(train, 0.2, seed=4).ids != split.ids


def test_exact_duplicates_stay_on_one_side():
    train = pairs(100)
    train += [train[0]] * 3 + [train[1]] * 2
    fit, validation = apply_split(train, make_validation_split(train, 0.2, seed=0))
    assert {p.key for p in fit}.isdisjoint({p.key for p in validation})
    assert len(fit) + len(validation) == len(train)


def test_split_refuses_other_train_data(tmp_path):
    train = pairs(100)
    path = save_split(make_validation_split(train, 0.1, seed=0), tmp_path / "validation.json")
    assert load_split(path).ids == make_validation_split(train, 0.1, seed=0).ids
    with pytest.raises(ValueError, match="made from different train data"):
        apply_split(pairs(101), load_split(path))


def test_missing_split_says_which_chapter_makes_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="run chapter 02 first"):
        load_split(tmp_path / "splits" / "validation.json")


def test_validation_takes_whole_template_groups():
    # 20 groups of 10 pairs, both labels in each: validation (10%) must be whole groups.
    train = [
        DatingPair(
            text_1=f"boy: statement {g} {i}",
            text_2=f"girl: reply {g} {i}",
            label=i % 2,
            category="interests",
            subcategory=f"topic_{g}",
        )
        for g in range(20)
        for i in range(10)
    ]
    split = make_validation_split(train, fraction=0.1, seed=0)
    fit, validation = apply_split(train, split)
    assert split.grouped_by == "subcategory"
    held = {p.subcategory for p in validation}
    assert len(validation) == 20 and len(held) == 2
    assert not held & {p.subcategory for p in fit}
    assert {p.label for p in validation} == {0, 1}


def test_without_subcategories_pairs_sharing_a_statement_stay_together():
    # 40 chains of 5 pairs; each chain's pairs share statements, chains share none.
    train = [
        DatingPair(text_1=f"boy: s {c} {i}", text_2=f"girl: s {c} {i + 1}", label=i % 2)
        for c in range(40)
        for i in range(5)
    ]
    split = make_validation_split(train, fraction=0.1, seed=1)
    fit, validation = apply_split(train, split)
    assert split.grouped_by == "statement"
    statements = lambda pairs: {s for p in pairs for s in (p.statement_1, p.statement_2)}  # noqa: E731
    assert not statements(fit) & statements(validation)
    assert len(validation) == 20
