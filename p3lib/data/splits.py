"""The validation split: a seeded slice of train, by template group, that chooses everything.

The eval split is only ever measured, never used to choose anything. Every chapter reads the
same saved split, so the threshold of chapter 02 and the checkpoints of chapters 03 and 04 are
chosen on the same records.

Why by group: validation pairs drawn one by one from train share their templates with the pairs
the model fits, so validation measures the templates the model trains on and flatters it
(issue 23: validation AUC about 0.99 against 0.93 on eval, and a threshold chosen for recall
0.90 there reached 0.785 on eval). So validation takes whole template groups: a pair's
``category/subcategory`` where it has a subcategory, else every pair that shares a statement
with it (``grouped_by`` says which). Thresholds, checkpoints and learning rates are then chosen
on groups the model never trained on. Data with too few groups for that falls back to the
stratified pair-level split (``grouped_by="pair"``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components
from sklearn.model_selection import StratifiedGroupKFold, train_test_split

from p3lib.data.schema import ABSENT, DatingPair, dump_pairs
from p3lib.store.atomic import atomic_write_json, read_json

# Fewer validation pairs of a label than this and an F1-best threshold means nothing.
MIN_VALIDATION_PER_LABEL = 2


class ValidationSplit(BaseModel):
    """Record ids (0-based line order of the train records) held out for validation."""

    model_config = ConfigDict(extra="forbid")

    ids: list[int]
    # "subcategory" or "statement": whole template groups; "pair": pair by pair (too few
    # groups). Files written before grouping existed read as "pair".
    grouped_by: str = "pair"
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


def statement_components(pairs: list[DatingPair]) -> list[int]:
    """Each pair's component: pairs that share a statement (directly or through others) share
    one, so a statement never sits on both sides of a split.

    Example:
        >>> from p3lib.data.schema import DatingPair
        >>> p = lambda a, b: DatingPair(text_1=f"boy: {a}", text_2=f"girl: {b}", label=1)
        >>> statement_components([p("x", "y"), p("z", "w"), p("y", "v")])
        [0, 1, 0]
    """
    index: dict[str, int] = {}
    rows, cols = [], []
    for row, pair in enumerate(pairs):
        for statement in (pair.statement_1, pair.statement_2):
            rows.append(row)
            cols.append(index.setdefault(statement_key(statement), len(index)))
    n = len(pairs)
    # Pairs and statements as one bipartite graph: its components are the groups.
    edges = coo_array(([1] * len(rows), (rows, [n + c for c in cols])), shape=(n + len(index),) * 2)
    _, labels = connected_components(edges, directed=False)
    first: dict[int, int] = {}
    return [first.setdefault(int(label), len(first)) for label in labels[:n]]


def _template_groups(pairs: list[DatingPair]) -> tuple[list[str], str]:
    """Each pair's group for the split, and the rule: subcategory where given, else statement."""
    components = statement_components(pairs)
    if any(p.subcategory != ABSENT for p in pairs):
        groups = [
            f"{p.category}/{p.subcategory}" if p.subcategory != ABSENT else f"statement {c}"
            for p, c in zip(pairs, components, strict=True)
        ]
        return groups, "subcategory"
    return [f"statement {c}" for c in components], "statement"


def _grouped_ids(
    train_pairs: list[DatingPair], fraction: float, seed: int
) -> tuple[list[int], str] | None:
    """Validation ids made of whole groups: the fold of a seeded, label-stratified group k-fold
    whose size is nearest ``fraction`` and that has enough of each label; ``None`` if none."""
    groups, grouped_by = _template_groups(train_pairs)
    n_splits = max(2, round(1 / fraction))
    labels = [int(p.label) for p in train_pairs]
    if len(set(groups)) < n_splits or len(set(groups)) == len(set(p.key for p in train_pairs)):
        return None  # too few groups, or every group one pair: the pair-level split does it
    folds = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    best = None
    for _, held in folds.split(train_pairs, labels, groups):
        n1 = sum(labels[i] for i in held)
        n0 = len(held) - n1
        enough = min(n1, n0) >= MIN_VALIDATION_PER_LABEL
        left = (sum(labels) - n1, len(labels) - sum(labels) - n0)
        if not enough or min(left) < MIN_VALIDATION_PER_LABEL:
            continue
        distance = abs(len(held) - fraction * len(train_pairs))
        if best is None or distance < best[0]:
            best = (distance, sorted(int(i) for i in held))
    return None if best is None else (best[1], grouped_by)


def make_validation_split(
    train_pairs: list[DatingPair], fraction: float = 0.1, seed: int = 42
) -> ValidationSplit:
    """Hold out about ``fraction`` of train as whole template groups (see the module docstring).

    Falls back to holding out ``fraction`` of train pair by pair, stratified by label, when the
    data has too few groups for that.
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
    grouped = _grouped_ids(train_pairs, fraction, seed)
    if grouped is not None:
        ids, grouped_by = grouped
        return ValidationSplit(
            ids=ids,
            grouped_by=grouped_by,
            fraction=fraction,
            seed=seed,
            n_train=len(train_pairs),
            train_sha256=pairs_sha256(train_pairs),
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
