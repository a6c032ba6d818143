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
