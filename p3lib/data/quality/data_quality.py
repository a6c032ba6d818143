"""Dimension 1, data quality: completeness, consistency, duplicates and format.

Each sub-score is ``100 * share without the defect``, the share of records (or statements)
that are complete, consistent with their own pair type, not repeated, and tidily formatted.
"""

from __future__ import annotations

from p3lib.data.quality.report import (
    Corpus,
    DimensionScore,
    Statistic,
    SubScore,
    dimension,
)
from p3lib.data.schema import FIELDS, PREFIXES

# Pair types whose name fixes the label; a record that contradicts its own type is inconsistent.
# subtle_mismatch and curated_realistic hold both labels by design (DATA.md), so are not here.
LABEL_OF_PAIR_TYPE = {
    "compatible": 1,
    "incompatible": 0,
    "dealbreaker": 0,
    "llm_judged_compatible": 1,
    "llm_judged_incompatible": 0,
    "complex_compatible": 1,
    "complex_incompatible": 0,
}


def data_quality(corpus: Corpus) -> DimensionScore:
    """Completeness, consistency, duplicates and format; each ``100 * share without defect``.

    Each sub-score is a function of this module: :func:`completeness`, :func:`consistency`,
    :func:`duplicates`, :func:`tidy_format`.
    """
    return dimension(
        "data_quality",
        [completeness(corpus), consistency(corpus), duplicates(corpus), tidy_format(corpus)],
    )


def completeness(corpus: Corpus) -> SubScore:
    """Share of records whose six fields are all present and non-blank
    (statements non-blank after the prefix). ``load_pairs`` rejects such records, so on
    loaded data this is 100 by construction; it is kept so the check is visible.
    """
    n = len(corpus.pairs)
    incomplete = [
        index
        for index, pair in enumerate(corpus.pairs)
        if any(not str(getattr(pair, field, "")).strip() for field in FIELDS)
        or not pair.statement_1.strip()
        or not pair.statement_2.strip()
    ]
    return SubScore(
        name="completeness",
        score=100.0 * (1 - len(incomplete) / n),
        statistic=Statistic(
            name="share_complete",
            value=1 - len(incomplete) / n,
            details={"n_incomplete": len(incomplete), "n_records": n},
        ),
        explanation=f"{n - len(incomplete)} of {n} records have all six fields non-blank.",
    )


def consistency(corpus: Corpus) -> SubScore:
    """Share of records with a label in {0, 1}, the ``boy: ``/``girl: ``
    prefixes, and a label that agrees with the pair type: ``dealbreaker`` pairs and the
    ``*incompatible`` types labelled 0, the ``*compatible`` types labelled 1
    (:data:`LABEL_OF_PAIR_TYPE`).
    """
    n = len(corpus.pairs)
    label_problems = sum(int(pair.label) not in (0, 1) for pair in corpus.pairs)
    prefix_problems = sum(
        not pair.text_1.startswith(PREFIXES["text_1"])
        or not pair.text_2.startswith(PREFIXES["text_2"])
        for pair in corpus.pairs
    )
    dealbreaker_problems = sum(
        pair.pair_type == "dealbreaker" and int(pair.label) != 0 for pair in corpus.pairs
    )
    type_problems = sum(
        pair.pair_type in LABEL_OF_PAIR_TYPE
        and int(pair.label) != LABEL_OF_PAIR_TYPE[pair.pair_type]
        for pair in corpus.pairs
    )
    inconsistent = sum(
        int(pair.label) not in (0, 1)
        or not pair.text_1.startswith(PREFIXES["text_1"])
        or not pair.text_2.startswith(PREFIXES["text_2"])
        or (
            pair.pair_type in LABEL_OF_PAIR_TYPE
            and int(pair.label) != LABEL_OF_PAIR_TYPE[pair.pair_type]
        )
        for pair in corpus.pairs
    )
    return SubScore(
        name="consistency",
        score=100.0 * (1 - inconsistent / n),
        statistic=Statistic(
            name="share_consistent",
            value=1 - inconsistent / n,
            details={
                "n_inconsistent": inconsistent,
                "n_label_not_0_or_1": label_problems,
                "n_bad_prefix": prefix_problems,
                "n_dealbreaker_not_0": dealbreaker_problems,
                "n_label_contradicts_pair_type": type_problems,
            },
        ),
        explanation=(
            f"{n - inconsistent} of {n} records are consistent; "
            f"{dealbreaker_problems} dealbreaker pairs are not labelled 0 and "
            f"{type_problems} labels contradict their pair type."
        ),
    )


def duplicates(corpus: Corpus) -> SubScore:
    """``d`` = share of records whose ``text_1`` and ``text_2`` repeat an
    earlier record's; score ``100 * (1 - d)``.
    """
    n = len(corpus.pairs)
    seen: set[tuple[str, str]] = set()
    repeats = 0
    for pair in corpus.pairs:
        repeats += pair.key in seen
        seen.add(pair.key)
    return SubScore(
        name="duplicates",
        score=100.0 * (1 - repeats / n),
        statistic=Statistic(
            name="duplicate_share",
            value=repeats / n,
            details={"n_duplicates": repeats, "n_distinct_pairs": len(seen)},
        ),
        explanation=(
            f"{repeats} of {n} records ({repeats / n:.1%}) repeat an earlier pair's two "
            "texts; score = 100 * (1 - share)."
        ),
    )


def tidy_format(corpus: Corpus) -> SubScore:
    """Share of the 2n statements that are tidy: no leading, trailing or doubled
    whitespace, no control characters, first character a letter or digit.
    """
    statements = [statement for pair in corpus.statements for statement in pair]
    untidy = [
        statement
        for statement in statements
        if statement != statement.strip()
        or "  " in statement
        or any(ord(char) < 32 or ord(char) == 127 for char in statement)
        or not statement[:1].isalnum()
    ]
    return SubScore(
        name="format",
        score=100.0 * (1 - len(untidy) / len(statements)),
        statistic=Statistic(
            name="share_tidy_statements",
            value=1 - len(untidy) / len(statements),
            details={"n_untidy": len(untidy), "n_statements": len(statements)},
            examples=[repr(statement) for statement in untidy[:5]],
        ),
        explanation=(
            f"{len(statements) - len(untidy)} of {len(statements)} statements have tidy "
            "spacing and start with a letter or digit."
        ),
    )
