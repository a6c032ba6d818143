"""The data audit: what is in each split, and what the splits share.

The audit counts; it does not judge. It reports per split the labels, the pair types and
categories by label, exact duplicate records, values outside the reference vocabulary and
statement lengths; and for every ordered pair of splits the pairs and texts they share. A
reader of any metric on the eval split needs the last part: an eval pair that is also a train
pair measures memory, not generalisation.

Line numbers are 1-based file lines. :func:`audit_files` re-derives them from the file
(:func:`p3lib.data.schema.load_pairs` skips blank lines only, so the records are the non-blank lines
in order); :func:`audit` on plain lists numbers records 1, 2, 3, ... unless told otherwise.

Example:
    >>> from p3lib.data.audit import audit
    >>> from p3lib.data.schema import DatingPair
    >>> pair = DatingPair(text_1="boy: I love jazz", text_2="girl: Me too", label=1,
    ...                   category="interests", subcategory="music", pair_type="compatible")
    >>> report = audit({"train": [pair, pair], "eval": [pair]})
    >>> report.splits["train"].duplicates.n_extra_copies
    1
    >>> report.overlap("eval", "train").n_overlapping_records
    1
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from p3lib.data.schema import ABSENT, CATEGORIES, PAIR_TYPES, DatingPair, load_pairs, split_lines

# How many duplicate groups, overlaps and conflicts format_audit prints before "... and N more";
# the JSON always holds all of them.
SHOWN_IN_TEXT = 10


class LabelCounts(BaseModel):
    """Records of each label; ``label_1`` compatible, ``label_0`` incompatible."""

    model_config = ConfigDict(extra="forbid")

    label_1: int = 0
    label_0: int = 0
    total: int = 0


class LengthStats(BaseModel):
    """Length of one side's statements in whitespace-separated words, prefix excluded."""

    model_config = ConfigDict(extra="forbid")

    mean_words: float
    median_words: float
    min_words: int
    max_words: int
    mean_chars: float


class DuplicateGroup(BaseModel):
    """One record that occurs more than once in a split (all six fields equal)."""

    model_config = ConfigDict(extra="forbid")

    record: dict[str, str | int]
    lines: list[int]


class DuplicateReport(BaseModel):
    """Exact duplicate records; ``n_extra_copies`` counts copies beyond the first of each."""

    model_config = ConfigDict(extra="forbid")

    n_extra_copies: int
    n_groups: int
    groups: list[DuplicateGroup]


class TextPairGroup(BaseModel):
    """One pair of texts and where it occurs; used for label conflicts and cross-split overlap.

    ``lines``/``labels`` are in the split audited; ``other_lines``/``other_labels`` in the
    other split (empty for a conflict inside one split). ``label_conflict`` is true when the
    occurrences do not all carry the same label.
    """

    model_config = ConfigDict(extra="forbid")

    text_1: str
    text_2: str
    lines: list[int]
    labels: list[int]
    other_lines: list[int] = []
    other_labels: list[int] = []
    label_conflict: bool


class SplitAudit(BaseModel):
    """Counts for one split.

    ``balance_ratio`` is min/max of the two label counts (1.0 balanced, 0.0 one label
    missing). ``label_conflicts`` are pairs of texts that occur more than once in the split
    with different labels. ``unknown_pair_types`` / ``unknown_categories`` map values outside
    :data:`~p3lib.data.schema.PAIR_TYPES` / :data:`~p3lib.data.schema.CATEGORIES` to their counts:
    allowed, but a reader should know the reference tables do not describe them.
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    source: str | None = None
    n_records: int
    labels: LabelCounts
    balance_ratio: float
    by_pair_type: dict[str, LabelCounts]
    by_category: dict[str, LabelCounts]
    duplicates: DuplicateReport
    label_conflicts: list[TextPairGroup]
    unknown_pair_types: dict[str, int]
    unknown_categories: dict[str, int]
    text_lengths: dict[str, LengthStats]
    n_distinct_texts: int


class CrossSplitOverlap(BaseModel):
    """What ``split`` shares with ``other`` (ordered: shares are of ``split``).

    - ``n_overlapping_records``: records of ``split`` whose ``text_1`` and ``text_2`` both equal
      those of some record in ``other``; ``overlap_share`` = that / ``n_records``.
    - ``n_overlapping_pairs``: distinct such text pairs; ``overlaps`` lists each with its lines
      in both splits.
    - ``n_label_conflicts``: overlapping text pairs whose labels differ between the splits.
    - ``n_shared_texts``: distinct texts (``text_1`` or ``text_2``, prefix included, since the
      model encodes the prefix) of ``split`` that occur anywhere in ``other``;
      ``shared_text_share`` = that / ``n_distinct_texts``.
    """

    model_config = ConfigDict(extra="forbid")

    split: str
    other: str
    n_records: int
    n_overlapping_records: int
    overlap_share: float
    n_overlapping_pairs: int
    overlaps: list[TextPairGroup]
    n_label_conflicts: int
    n_distinct_texts: int
    n_shared_texts: int
    shared_text_share: float


class DataAudit(BaseModel):
    """The audit of a set of named splits; ``findings`` says in sentences what needs attention."""

    model_config = ConfigDict(extra="forbid")

    splits: dict[str, SplitAudit]
    cross_split: list[CrossSplitOverlap]
    findings: list[str]

    def overlap(self, split: str, other: str) -> CrossSplitOverlap:
        """The overlap of ``split`` with ``other``; KeyError if either is not audited."""
        for entry in self.cross_split:
            if entry.split == split and entry.other == other:
                return entry
        raise KeyError(f"no overlap entry for {split!r} vs {other!r}")


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _count_by_label(pairs: list[DatingPair], field: str, order: tuple[str, ...]) -> dict:
    counts: dict[str, LabelCounts] = {}
    for pair in pairs:
        value = getattr(pair, field)
        entry = counts.setdefault(value, LabelCounts())
        entry.total += 1
        if int(pair.label) == 1:
            entry.label_1 += 1
        else:
            entry.label_0 += 1
    # Reference values in the reference order first, then the unknown ones alphabetically,
    # so tables line up across splits.
    known = [value for value in order if value in counts]
    unknown = sorted(value for value in counts if value not in order)
    return {value: counts[value] for value in known + unknown}


def _length_stats(statements: list[str]) -> LengthStats:
    words = np.array([len(statement.split()) for statement in statements])
    chars = np.array([len(statement) for statement in statements])
    return LengthStats(
        mean_words=float(words.mean()),
        median_words=float(np.median(words)),
        min_words=int(words.min()),
        max_words=int(words.max()),
        mean_chars=float(chars.mean()),
    )


def _lines_by_key(pairs: list[DatingPair], lines: list[int]) -> dict[tuple[str, str], list[int]]:
    found: dict[tuple[str, str], list[int]] = defaultdict(list)
    for pair, line in zip(pairs, lines, strict=True):
        found[pair.key].append(line)
    return found


def _labels_by_key(pairs: list[DatingPair]) -> dict[tuple[str, str], list[int]]:
    found: dict[tuple[str, str], list[int]] = defaultdict(list)
    for pair in pairs:
        found[pair.key].append(int(pair.label))
    return found


def _distinct_texts(pairs: list[DatingPair]) -> set[str]:
    return {pair.text_1 for pair in pairs} | {pair.text_2 for pair in pairs}


def audit_split(
    name: str, pairs: list[DatingPair], lines: list[int] | None = None, source: str | None = None
) -> SplitAudit:
    """Audit one split; ``lines`` are the records' 1-based file lines (default 1..n)."""
    if not pairs:
        raise ValueError(f"split {name!r} has no records")
    lines = lines if lines is not None else list(range(1, len(pairs) + 1))
    if len(lines) != len(pairs):
        raise ValueError(f"split {name!r}: {len(pairs)} records but {len(lines)} line numbers")

    n_label_1 = sum(int(pair.label) for pair in pairs)
    labels = LabelCounts(label_1=n_label_1, label_0=len(pairs) - n_label_1, total=len(pairs))
    larger = max(labels.label_1, labels.label_0)

    record_lines: dict[tuple, list[int]] = defaultdict(list)
    for pair, line in zip(pairs, lines, strict=True):
        record_lines[tuple(pair.model_dump(mode="json").items())].append(line)
    groups = [
        DuplicateGroup(record=dict(record), lines=found)
        for record, found in record_lines.items()
        if len(found) > 1
    ]

    key_lines = _lines_by_key(pairs, lines)
    key_labels = _labels_by_key(pairs)
    conflicts = [
        TextPairGroup(
            text_1=key[0],
            text_2=key[1],
            lines=key_lines[key],
            labels=key_labels[key],
            label_conflict=True,
        )
        for key in key_lines
        if len(set(key_labels[key])) > 1
    ]

    by_pair_type = _count_by_label(pairs, "pair_type", PAIR_TYPES)
    by_category = _count_by_label(pairs, "category", CATEGORIES)
    return SplitAudit(
        name=name,
        source=source,
        n_records=len(pairs),
        labels=labels,
        balance_ratio=_share(min(labels.label_1, labels.label_0), larger),
        by_pair_type=by_pair_type,
        by_category=by_category,
        duplicates=DuplicateReport(
            n_extra_copies=sum(len(group.lines) - 1 for group in groups),
            n_groups=len(groups),
            groups=groups,
        ),
        label_conflicts=conflicts,
        # A value that was not given is absent, not unknown (the notes of p3 check say so).
        unknown_pair_types={
            value: counts.total
            for value, counts in by_pair_type.items()
            if value not in PAIR_TYPES and value != ABSENT
        },
        unknown_categories={
            value: counts.total
            for value, counts in by_category.items()
            if value not in CATEGORIES and value != ABSENT
        },
        text_lengths={
            "text_1": _length_stats([pair.statement_1 for pair in pairs]),
            "text_2": _length_stats([pair.statement_2 for pair in pairs]),
        },
        n_distinct_texts=len(_distinct_texts(pairs)),
    )


def audit_overlap(
    split: str,
    pairs: list[DatingPair],
    lines: list[int],
    other: str,
    other_pairs: list[DatingPair],
    other_lines: list[int],
) -> CrossSplitOverlap:
    """What ``split`` shares with ``other``: see :class:`CrossSplitOverlap`."""
    key_lines = _lines_by_key(pairs, lines)
    key_labels = _labels_by_key(pairs)
    other_key_lines = _lines_by_key(other_pairs, other_lines)
    other_key_labels = _labels_by_key(other_pairs)
    overlaps = [
        TextPairGroup(
            text_1=key[0],
            text_2=key[1],
            lines=key_lines[key],
            labels=key_labels[key],
            other_lines=other_key_lines[key],
            other_labels=other_key_labels[key],
            label_conflict=len(set(key_labels[key]) | set(other_key_labels[key])) > 1,
        )
        for key in key_lines
        if key in other_key_lines
    ]
    texts = _distinct_texts(pairs)
    shared = texts & _distinct_texts(other_pairs)
    n_overlapping = sum(len(group.lines) for group in overlaps)
    return CrossSplitOverlap(
        split=split,
        other=other,
        n_records=len(pairs),
        n_overlapping_records=n_overlapping,
        overlap_share=_share(n_overlapping, len(pairs)),
        n_overlapping_pairs=len(overlaps),
        overlaps=overlaps,
        n_label_conflicts=sum(group.label_conflict for group in overlaps),
        n_distinct_texts=len(texts),
        n_shared_texts=len(shared),
        shared_text_share=_share(len(shared), len(texts)),
    )


def _findings(splits: dict[str, SplitAudit], cross_split: list[CrossSplitOverlap]) -> list[str]:
    findings: list[str] = []
    for split in splits.values():
        if split.duplicates.n_extra_copies:
            findings.append(
                f"{split.name}: {split.duplicates.n_extra_copies} exact duplicate records "
                f"(extra copies in {split.duplicates.n_groups} groups)"
            )
        if split.label_conflicts:
            findings.append(
                f"{split.name}: {len(split.label_conflicts)} text pairs occur with both labels"
            )
        if split.balance_ratio < 0.5:
            findings.append(
                f"{split.name}: label balance {split.balance_ratio:.2f} "
                f"({split.labels.label_1} compatible, {split.labels.label_0} incompatible)"
            )
        for kind, unknown in (
            ("pair types", split.unknown_pair_types),
            ("categories", split.unknown_categories),
        ):
            if unknown:
                listed = ", ".join(f"{value} ({count})" for value, count in unknown.items())
                findings.append(f"{split.name}: {kind} outside the reference set: {listed}")
    for entry in cross_split:
        if entry.n_overlapping_records:
            findings.append(
                f"{entry.split} vs {entry.other}: {entry.n_overlapping_records} of "
                f"{entry.n_records} {entry.split} records ({entry.overlap_share:.1%}) are exact "
                f"copies of {entry.other} pairs"
                + (
                    f", {entry.n_label_conflicts} with a different label"
                    if entry.n_label_conflicts
                    else ""
                )
            )
        if entry.n_shared_texts:
            findings.append(
                f"{entry.split} vs {entry.other}: {entry.n_shared_texts} of the "
                f"{entry.n_distinct_texts} distinct {entry.split} texts "
                f"({entry.shared_text_share:.1%}) also occur in {entry.other}"
            )
    return findings


def overlap_warnings(report: DataAudit) -> list[str]:
    """One sentence per two splits that share exact pairs (each unordered pair of splits once).

    Shared pairs make eval measure memory; ``p3 check`` and ``p3 run`` print these as
    warnings (errors under ``--strict``).
    """
    order = list(report.splits)
    return [
        f"{entry.split} shares {entry.n_overlapping_records} of its {entry.n_records} records "
        f"with {entry.other} (exact text_1/text_2 copies)"
        for entry in report.cross_split
        if entry.n_overlapping_records and order.index(entry.split) > order.index(entry.other)
    ]


def audit(
    splits: dict[str, list[DatingPair]],
    lines: dict[str, list[int]] | None = None,
    sources: dict[str, str] | None = None,
) -> DataAudit:
    """Audit named splits, e.g. ``{"train": ..., "eval": ...}``.

    Args:
        splits: records of each split, in file order.
        lines: 1-based file line of each record, per split; a split missing here is numbered
            1..n (right for a file without blank lines).
        sources: where each split came from (a path), recorded in the report.

    Cross-split entries cover every ordered pair of distinct split names, in the order the
    splits are given: for ``train`` then ``eval``, ``train`` vs ``eval`` then ``eval`` vs
    ``train``.
    """
    lines = dict(lines or {})
    sources = sources or {}
    for name, pairs in splits.items():
        lines.setdefault(name, list(range(1, len(pairs) + 1)))
    split_audits = {
        name: audit_split(name, pairs, lines[name], sources.get(name))
        for name, pairs in splits.items()
    }
    cross_split = [
        audit_overlap(name, pairs, lines[name], other, splits[other], lines[other])
        for name, pairs in splits.items()
        for other in splits
        if other != name
    ]
    return DataAudit(
        splits=split_audits, cross_split=cross_split, findings=_findings(split_audits, cross_split)
    )


def record_lines(path: str | Path) -> list[int]:
    """1-based line numbers of the records of a JSONL file: its non-blank lines, in order.

    Mirrors :func:`p3lib.data.schema.load_pairs`, which skips blank lines and nothing else.
    """
    text = Path(path).read_text(encoding="utf-8")
    return [number for number, line in enumerate(split_lines(text), start=1) if line.strip()]


def audit_files(paths: dict[str, str | Path]) -> DataAudit:
    """Load each split with :func:`~p3lib.data.schema.load_pairs` and audit them with file lines.

    Raises:
        DataError: a file is missing or has bad records (from ``load_pairs``).
    """
    splits = {name: load_pairs(path) for name, path in paths.items()}
    return audit(
        splits,
        lines={name: record_lines(path) for name, path in paths.items()},
        sources={name: str(path) for name, path in paths.items()},
    )


def _label_table(title: str, rows: dict[str, LabelCounts]) -> list[str]:
    width = max([len(title), *(len(value) for value in rows)])
    out = [f"  {title:<{width}}  {'label 1':>7}  {'label 0':>7}  {'total':>6}"]
    for value, counts in rows.items():
        known = value in PAIR_TYPES or value in CATEGORIES or value == ABSENT
        mark = "" if known else "  (unknown)"
        out.append(
            f"  {value:<{width}}  {counts.label_1:>7}  {counts.label_0:>7}  {counts.total:>6}{mark}"
        )
    return out


def _more(total: int) -> list[str]:
    return [f"    ... and {total - SHOWN_IN_TEXT} more"] if total > SHOWN_IN_TEXT else []


def format_audit(report: DataAudit) -> str:
    """A plain-text report of the audit, as ``p3 check`` prints it."""
    out: list[str] = []
    for split in report.splits.values():
        source = f" ({split.source})" if split.source else ""
        out.append(f"== {split.name}{source}: {split.n_records} records")
        out.append(
            f"  labels: {split.labels.label_1} compatible, {split.labels.label_0} incompatible; "
            f"balance {split.balance_ratio:.2f}"
        )
        out.extend(_label_table("pair_type", split.by_pair_type))
        out.extend(_label_table("category", split.by_category))
        for side, stats in split.text_lengths.items():
            out.append(
                f"  {side} words: mean {stats.mean_words:.1f}, median {stats.median_words:g}, "
                f"range {stats.min_words}-{stats.max_words}"
            )
        out.append(f"  distinct texts: {split.n_distinct_texts}")
        duplicates = split.duplicates
        out.append(
            f"  exact duplicate records: {duplicates.n_extra_copies} extra copies "
            f"in {duplicates.n_groups} groups"
        )
        for group in duplicates.groups[:SHOWN_IN_TEXT]:
            out.append(
                f"    lines {', '.join(map(str, group.lines))}: "
                f"{group.record['text_1']!r} / {group.record['text_2']!r}"
            )
        out.extend(_more(duplicates.n_groups))
        out.append(f"  text pairs with both labels: {len(split.label_conflicts)}")
        for group in split.label_conflicts[:SHOWN_IN_TEXT]:
            out.append(f"    lines {', '.join(map(str, group.lines))}: labels {group.labels}")
        out.extend(_more(len(split.label_conflicts)))
        out.append("")
    for entry in report.cross_split:
        out.append(f"== {entry.split} vs {entry.other}")
        out.append(
            f"  exact pair overlap: {entry.n_overlapping_records} of {entry.n_records} "
            f"{entry.split} records ({entry.overlap_share:.1%}), "
            f"{entry.n_overlapping_pairs} distinct pairs, {entry.n_label_conflicts} label conflicts"
        )
        for group in entry.overlaps[:SHOWN_IN_TEXT]:
            conflict = "  LABEL CONFLICT" if group.label_conflict else ""
            out.append(
                f"    {entry.split} lines {', '.join(map(str, group.lines))} = {entry.other} "
                f"lines {', '.join(map(str, group.other_lines))}{conflict}"
            )
        out.extend(_more(entry.n_overlapping_pairs))
        out.append(
            f"  shared texts: {entry.n_shared_texts} of {entry.n_distinct_texts} distinct "
            f"{entry.split} texts ({entry.shared_text_share:.1%}) also occur in {entry.other}"
        )
        out.append("")
    out.append("== findings")
    out.extend(f"  - {finding}" for finding in report.findings)
    if not report.findings:
        out.append("  none")
    return "\n".join(out) + "\n"
