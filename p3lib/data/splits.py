"""The validation split: a stratified, seeded slice of train that picks thresholds and checkpoints.

The eval split is only ever measured, never used to choose anything. Every chapter reads the
same saved split, so the threshold of chapter 02 and the checkpoints of chapters 03 and 04 are
chosen on the same records.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sklearn.model_selection import train_test_split

from p3lib.data.schema import DatingPair, dump_pairs
from p3lib.store.atomic import atomic_write_json, read_json

# Fewer validation pairs of a label than this and an F1-best threshold means nothing.
MIN_VALIDATION_PER_LABEL = 2


class ValidationSplit(BaseModel):
    """Record ids (0-based line order of the train records) held out for validation."""

    model_config = ConfigDict(extra="forbid")

    ids: list[int]
    fraction: float
    seed: int
    n_train: int
    train_sha256: str


def statement_key(statement: str) -> str:
    """A statement as the overlap checks compare it: without case or surrounding space.

    Example:
        >>> statement_key("  I love Hiking ") == statement_key("i love hiking")
        True
    """
    return " ".join(statement.split()).lower()


def pairs_sha256(pairs: list[DatingPair]) -> str:
    """A fingerprint of a list of pairs, to tell whether a saved split belongs to them."""
    return hashlib.sha256(dump_pairs(pairs).encode("utf-8")).hexdigest()


def make_validation_split(
    train_pairs: list[DatingPair], fraction: float = 0.1, seed: int = 42
) -> ValidationSplit:
    """Hold out ``fraction`` of train, stratified by label, keeping exact duplicates together.

    Records with the same two texts go to the same side, so a duplicated train pair cannot
    sit in both the fitting part and the validation part.

    Raises:
        ValueError: train is too small to give each label ``MIN_VALIDATION_PER_LABEL``
            validation pairs and still leave pairs to train on.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"validation fraction must be between 0 and 1, got {fraction}")
    first_label: dict[tuple[str, str], int] = {}
    for pair in train_pairs:
        first_label.setdefault(pair.key, int(pair.label))
    keys = sorted(first_label)
    labels = [first_label[key] for key in keys]
    counts = {label: labels.count(label) for label in (0, 1)}
    needed = {
        label: max(MIN_VALIDATION_PER_LABEL, round(fraction * n)) for label, n in counts.items()
    }
    if any(counts[label] < needed[label] + MIN_VALIDATION_PER_LABEL for label in (0, 1)):
        raise ValueError(
            f"train has {counts[1]} distinct compatible and {counts[0]} distinct incompatible "
            f"pairs: too few for a validation split of {fraction:.0%} with at least "
            f"{MIN_VALIDATION_PER_LABEL} pairs of each label on each side"
        )
    n_validation = max(round(fraction * len(keys)), 2 * MIN_VALIDATION_PER_LABEL)
    _, held_out = train_test_split(keys, test_size=n_validation, stratify=labels, random_state=seed)
    held_out = set(held_out)
    ids = [index for index, pair in enumerate(train_pairs) if pair.key in held_out]
    return ValidationSplit(
        ids=ids,
        fraction=fraction,
        seed=seed,
        n_train=len(train_pairs),
        train_sha256=pairs_sha256(train_pairs),
    )


def apply_split(
    train_pairs: list[DatingPair], split: ValidationSplit
) -> tuple[list[DatingPair], list[DatingPair]]:
    """``(fit_pairs, validation_pairs)``; raises if the split was made from other data."""
    if split.n_train != len(train_pairs) or split.train_sha256 != pairs_sha256(train_pairs):
        raise ValueError(
            "the saved validation split was made from different train data; "
            "re-run chapter 02 to make a new one"
        )
    held_out = set(split.ids)
    fit = [pair for index, pair in enumerate(train_pairs) if index not in held_out]
    validation = [train_pairs[index] for index in split.ids]
    return fit, validation


def save_split(split: ValidationSplit, path: str | Path) -> Path:
    """Write the split as JSON (atomically)."""
    return atomic_write_json(path, split)


def load_split(path: str | Path) -> ValidationSplit:
    """Read a split written by :func:`save_split`.

    Raises:
        FileNotFoundError: there is no split yet; chapter 02 makes it.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: run chapter 02 first (it saves the validation split that "
            "chooses thresholds and checkpoints)"
        )
    return ValidationSplit.model_validate(read_json(path))
