"""Dimension 4, linguistic quality: readability, coherence, naturalness and repetition.

Whether the statements read like people talking: Flesch Reading Ease, the word overlap of the
two statements of a pair, first-person statements of a natural length without template
leftovers, and how often a trigram repeats across the distinct statements.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pyphen

from p3lib.data.quality.report import (
    Corpus,
    DimensionScore,
    Statistic,
    SubScore,
    clip,
    dimension,
    words,
)

# Mean Jaccard overlap of paired statements at or above this scores 100 for coherence: two
# statements sharing half their words are plainly about the same thing.
COHERENCE_JACCARD_FOR_FULL_SCORE = 0.5
# Naturalness bounds on a statement's length in words.
NATURAL_MIN_WORDS, NATURAL_MAX_WORDS = 3, 60
FIRST_PERSON = frozenset(
    {"i", "i'm", "i've", "i'd", "i'll", "me", "my", "mine", "myself", "we", "we're", "our", "us"}
)
# Leftovers of templating or generation that a human would not write.
ARTIFACT = re.compile(r"[{}<>\[\]_|\\]|\bnull\b|\bnone\b|\bn/a\b|\btodo\b", re.IGNORECASE)
SENTENCE_END = re.compile(r"[.!?]+")


def linguistic_quality(corpus: Corpus) -> DimensionScore:
    """Readability, coherence, naturalness and repetition.

    Each sub-score is a function of this module: :func:`readability`, :func:`coherence`,
    :func:`naturalness`, :func:`repetition`.
    """
    return dimension(
        "linguistic_quality",
        [readability(corpus), coherence(corpus), naturalness(corpus), repetition(corpus)],
    )


def readability(corpus: Corpus) -> SubScore:
    """Flesch Reading Ease over all statements,
    ``FRE = 206.835 - 1.015 * words / sentences - 84.6 * syllables / words``; a statement
    is at least one sentence (more where ``.``, ``!`` or ``?`` split it); syllables per
    word are pyphen's hyphenation points + 1 (the estimate textstat used up to 0.7.3).
    Score = FRE clipped to [0, 100]: higher is easier, and dating statements should read
    like speech (60-70 is plain English, 90+ very easy).
    """
    hyphenator = pyphen.Pyphen(lang="en_US")
    statements = [statement for pair in corpus.statements for statement in pair]
    statement_words = [side for pair in corpus.words for side in pair]
    n_words = sum(len(side) for side in statement_words)
    n_sentences = sum(
        max(1, len([part for part in SENTENCE_END.split(statement) if words(part)]))
        for statement in statements
    )
    syllable_cache: dict[str, int] = {}
    n_syllables = 0
    for side in statement_words:
        for word in side:
            if word not in syllable_cache:
                syllable_cache[word] = len(hyphenator.positions(word)) + 1
            n_syllables += syllable_cache[word]
    if n_words:
        fre = 206.835 - 1.015 * n_words / n_sentences - 84.6 * n_syllables / n_words
    else:
        fre = 0.0
    return SubScore(
        name="readability",
        score=clip(fre),
        statistic=Statistic(
            name="flesch_reading_ease",
            value=fre,
            details={
                "words": n_words,
                "sentences": n_sentences,
                "syllables": n_syllables,
                "words_per_sentence": n_words / n_sentences,
                "syllables_per_word": n_syllables / n_words if n_words else None,
            },
        ),
        explanation=(
            f"Flesch Reading Ease {fre:.1f} ({n_words / n_sentences:.1f} words a sentence, "
            f"{n_syllables / max(n_words, 1):.2f} syllables a word); score = FRE in [0, 100]."
        ),
    )


def coherence(corpus: Corpus) -> SubScore:
    """Jaccard overlap ``|A & B| / |A | B|`` of the word sets of each pair's two
    statements, averaged over pairs; score ``100 * min(1, mean / 0.5)``
    (:data:`COHERENCE_JACCARD_FOR_FULL_SCORE`): paired statements should be about the
    same thing, as the task's "I love X" / "I can't stand X" pairs are.
    """
    jaccards = []
    for first, second in corpus.words:
        union = set(first) | set(second)
        jaccards.append(len(set(first) & set(second)) / len(union) if union else 0.0)
    mean_jaccard = float(np.mean(jaccards))
    return SubScore(
        name="coherence",
        score=100.0 * min(1.0, mean_jaccard / COHERENCE_JACCARD_FOR_FULL_SCORE),
        statistic=Statistic(
            name="mean_jaccard_overlap",
            value=mean_jaccard,
            details={"share_pairs_without_overlap": float(np.mean(np.array(jaccards) == 0))},
        ),
        explanation=(
            f"paired statements share on average {mean_jaccard:.2f} of their words "
            f"(Jaccard); score = 100 * min(1, mean / {COHERENCE_JACCARD_FOR_FULL_SCORE})."
        ),
    )


def naturalness(corpus: Corpus) -> SubScore:
    """Share of statements that read as a person speaking: first-person
    (:data:`FIRST_PERSON`), 3-60 words, no word immediately repeated ("the the"), no
    template leftovers (braces, brackets, underscores, ``null``, ``n/a``, ``todo``), not
    all capitals. Score ``100 *`` share.
    """
    statements = [statement for pair in corpus.statements for statement in pair]
    statement_words = [side for pair in corpus.words for side in pair]
    unnatural = []
    for statement, side in zip(statements, statement_words, strict=True):
        letters = [char for char in statement if char.isalpha()]
        problems = [
            not FIRST_PERSON.intersection(side) and "not first-person",
            not NATURAL_MIN_WORDS <= len(side) <= NATURAL_MAX_WORDS and "length",
            any(a == b for a, b in zip(side, side[1:], strict=False)) and "repeated word",
            bool(ARTIFACT.search(statement)) and "template leftover",
            len(letters) > 1 and all(char.isupper() for char in letters) and "all capitals",
        ]
        problems = [problem for problem in problems if problem]
        if problems:
            unnatural.append(f"{statement!r}: {', '.join(problems)}")
    share_natural = 1 - len(unnatural) / len(statements)
    return SubScore(
        name="naturalness",
        score=100.0 * share_natural,
        statistic=Statistic(
            name="share_natural_statements",
            value=share_natural,
            details={"n_unnatural": len(unnatural), "n_statements": len(statements)},
            examples=unnatural[:5],
        ),
        explanation=(
            f"{len(statements) - len(unnatural)} of {len(statements)} statements are "
            "first-person, 3-60 words, without repeated words or template leftovers."
        ),
    )


def repetition(corpus: Corpus) -> SubScore:
    """Over the distinct statements (a statement reused in several pairs is how
    pair data is built, not repetition), the trigram repetition rate
    ``1 - distinct trigrams / trigrams``; score ``100 * (1 - rate)``. No trigrams: 100.
    """
    statements = [statement for pair in corpus.statements for statement in pair]
    distinct_statements = list(dict.fromkeys(statements))
    trigrams = [
        tuple(side[index : index + 3])
        for side in (words(statement) for statement in distinct_statements)
        for index in range(len(side) - 2)
    ]
    rate = 1 - len(set(trigrams)) / len(trigrams) if trigrams else 0.0
    most_common = Counter(trigrams).most_common(5)
    return SubScore(
        name="repetition",
        score=100.0 * (1 - rate),
        statistic=Statistic(
            name="trigram_repetition_rate",
            value=rate,
            details={
                "n_trigrams": len(trigrams),
                "n_distinct_trigrams": len(set(trigrams)),
                "n_distinct_statements": len(distinct_statements),
            },
            examples=[f"{' '.join(gram)} ({count})" for gram, count in most_common],
        ),
        explanation=(
            f"{rate:.1%} of the {len(trigrams)} trigrams in the {len(distinct_statements)} "
            "distinct statements repeat an earlier one; score = 100 * (1 - rate)."
        ),
    )
