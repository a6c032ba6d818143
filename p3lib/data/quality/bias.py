"""Dimension 3, bias: how strongly the label goes with things that should not decide it.

Each score is ``100 * (1 - association)``, association in [0, 1]: the speaker who takes the
negative stance, the category, the pair's length and label-skewed words, so that weaker
association between the label and a shortcut scores higher.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from scipy import stats
from scipy.stats.contingency import association

from p3lib.data.quality.report import (
    Corpus,
    DimensionScore,
    Statistic,
    SubScore,
    dimension,
    finite,
)

# A word is "label-skewed" when the label-1 share of the pairs containing it differs from the
# overall label-1 share by at least this much (at a 50:50 base rate: <= 10% or >= 90%) ...
VOCABULARY_SKEW = 0.4
# ... counting only words that occur in at least this many pairs, so rare words do not count.
VOCABULARY_MIN_PAIRS = 5
# Cues that a statement takes the negative stance ("I can't stand X", "I never X"); any word
# ending in "n't" counts too. Not "nothing" or "without": "there's nothing better than X" and
# "I can't live without X" are positive.
NEGATIVE_CUES = frozenset(
    {"not", "no", "never", "hate", "hates", "dislike", "dislikes", "avoid", "refuse", "cannot"}
)


def bias(corpus: Corpus) -> DimensionScore:
    """Association of the label with things that should not decide it; weaker is better.

    Each score is ``100 * (1 - association)``, association in [0, 1]:

    Each sub-score is a function of this module: :func:`gender_label`, :func:`category_label`,
    :func:`length_label`, :func:`vocabulary_label`.
    """
    return dimension(
        "bias",
        [
            gender_label(corpus),
            category_label(corpus),
            length_label(corpus),
            vocabulary_label(corpus),
        ],
    )


def gender_label(corpus: Corpus) -> SubScore:
    """The data always puts the boy in ``text_1`` and the girl in ``text_2``,
    so gender bias shows as the label depending on *which* speaker says something. Take
    the pairs where exactly one speaker takes the negative stance (a word of
    :data:`NEGATIVE_CUES` or a ``n't`` word); tabulate negative speaker (boy, girl) x
    label and run Pearson's chi-squared test (:func:`chi_squared`). Association =
    Cramér's V. If the one-sided pairs all carry one label (or all negatives are on one
    side), there is nothing to depend on: V = 0.
    """
    negative_side = []
    for first, second in corpus.words:
        boy, girl = is_negative(first), is_negative(second)
        negative_side.append("boy" if boy and not girl else "girl" if girl and not boy else "")
    table = np.zeros((2, 2), dtype=np.int64)
    for side, label in zip(negative_side, corpus.labels, strict=True):
        if side:
            table[0 if side == "boy" else 1, label] += 1
    chi2, p_value, dof, cramers_v = chi_squared(table)
    n_one_sided = int(table.sum())
    return SubScore(
        name="gender_label",
        score=100.0 * (1 - cramers_v),
        statistic=Statistic(
            name="cramers_v",
            value=cramers_v,
            p_value=p_value,
            details={
                "chi2": chi2,
                "dof": dof,
                "n_one_sided_pairs": n_one_sided,
                "boy_negative_label_1": int(table[0, 1]),
                "boy_negative_label_0": int(table[0, 0]),
                "girl_negative_label_1": int(table[1, 1]),
                "girl_negative_label_0": int(table[1, 0]),
            },
        ),
        explanation=(
            f"in the {n_one_sided} pairs where one speaker is negative, the label's "
            f"dependence on that speaker's gender is V = {cramers_v:.2f} (chi2 {chi2:.2f}, "
            f"p {p_value:.3g}); score = 100 * (1 - V)."
        ),
    )


def category_label(corpus: Corpus) -> SubScore:
    """Chi-squared on the category x label table; association = Cramér's V.
    Some association is by design (dealbreakers are always 0), and it is still a cue a
    model can learn instead of stance.
    """
    categories = sorted({pair.category for pair in corpus.pairs})
    category_table = np.zeros((len(categories), 2), dtype=np.int64)
    row_of = {category: row for row, category in enumerate(categories)}
    for pair, label in zip(corpus.pairs, corpus.labels, strict=True):
        category_table[row_of[pair.category], label] += 1
    chi2, p_value, dof, cramers_v = chi_squared(category_table)
    pure = [
        category for category, row in zip(categories, category_table, strict=True) if min(row) == 0
    ]
    return SubScore(
        name="category_label",
        score=100.0 * (1 - cramers_v),
        statistic=Statistic(
            name="cramers_v",
            value=cramers_v,
            p_value=p_value,
            details={"chi2": chi2, "dof": dof, "n_single_label_categories": len(pure)},
            examples=pure,
        ),
        explanation=(
            f"category predicts the label with Cramér's V = {cramers_v:.2f} (chi2 {chi2:.1f}, "
            f"dof {dof}, p {p_value:.3g}); {len(pure)} of {len(categories)} categories hold "
            "one label only; score = 100 * (1 - V)."
        ),
    )


def length_label(corpus: Corpus) -> SubScore:
    """Point-biserial correlation r between the label and the pair's length
    (words of both statements, ``scipy.stats.pointbiserialr``); association = ``|r|``.
    """
    pair_lengths = np.array([len(first) + len(second) for first, second in corpus.words])
    if np.ptp(pair_lengths) == 0 or np.ptp(corpus.labels) == 0:
        r, p_value = 0.0, None  # a constant cannot correlate with anything
    else:
        result = stats.pointbiserialr(corpus.labels, pair_lengths)
        r, p_value = float(result.statistic), finite(result.pvalue)
    mean_1 = float(pair_lengths[corpus.labels == 1].mean()) if (corpus.labels == 1).any() else None
    mean_0 = float(pair_lengths[corpus.labels == 0].mean()) if (corpus.labels == 0).any() else None
    return SubScore(
        name="length_label",
        score=100.0 * (1 - abs(r)),
        statistic=Statistic(
            name="point_biserial_r",
            value=r,
            p_value=p_value,
            details={"mean_words_label_1": mean_1, "mean_words_label_0": mean_0},
        ),
        explanation=(
            f"pair length (words of both statements) correlates with the label at "
            f"r = {r:.2f}; score = 100 * (1 - |r|)."
        ),
    )


def vocabulary_label(corpus: Corpus) -> SubScore:
    """Among words occurring in at least :data:`VOCABULARY_MIN_PAIRS`
    pairs, the share whose pairs' label-1 share differs from the overall label-1 share by
    at least :data:`VOCABULARY_SKEW` (at 50:50: 90% or more of one label); association =
    that share.
    """
    base_rate = float(corpus.labels.mean())
    pairs_with = Counter()
    label_1_with = Counter()
    for (first, second), label in zip(corpus.words, corpus.labels, strict=True):
        for word in set(first) | set(second):
            pairs_with[word] += 1
            label_1_with[word] += int(label)
    frequent = sorted(word for word, count in pairs_with.items() if count >= VOCABULARY_MIN_PAIRS)
    skewed = [
        word
        for word in frequent
        if abs(label_1_with[word] / pairs_with[word] - base_rate) >= VOCABULARY_SKEW
    ]
    skewed_share = len(skewed) / len(frequent) if frequent else 0.0
    # The most frequent skewed words are the cues a model would most easily pick up.
    skewed_examples = sorted(skewed, key=lambda word: (-pairs_with[word], word))[:10]
    return SubScore(
        name="vocabulary_label",
        score=100.0 * (1 - skewed_share),
        statistic=Statistic(
            name="skewed_word_share",
            value=skewed_share,
            details={
                "n_skewed_words": len(skewed),
                "n_frequent_words": len(frequent),
                "base_rate_label_1": base_rate,
            },
            examples=[
                f"{word} ({label_1_with[word]}/{pairs_with[word]} label 1)"
                for word in skewed_examples
            ],
        ),
        explanation=(
            f"{len(skewed)} of {len(frequent)} words in >= {VOCABULARY_MIN_PAIRS} pairs have a "
            f"label-1 share {VOCABULARY_SKEW:.0%}+ away from the base rate {base_rate:.0%}; "
            "score = 100 * (1 - share)."
        ),
    )


def chi_squared(table: np.ndarray) -> tuple[float, float, int, float]:
    """Pearson's chi-squared test of independence and Cramér's V for a contingency table.

    Rows or columns that are all zero are dropped first. If fewer than two rows or two columns
    remain, one variable does not vary, so there is no association: returns ``(0, 1, 0, 0)``.
    Otherwise ``chi2 = sum((observed - expected)^2 / expected)`` with
    ``expected = row total * column total / n`` (no Yates correction, so a 2x2 table gives the
    textbook statistic), ``dof = (rows - 1)(columns - 1)``, and
    ``V = sqrt(chi2 / (n * (min(rows, columns) - 1)))``.

    Returns:
        ``(chi2, p_value, dof, cramers_v)``.
    """
    # Counts: association() insists on integers, and a float table would hide a bad count.
    table = np.asarray(table).astype(np.int64)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        return 0.0, 1.0, 0, 0.0
    result = stats.chi2_contingency(table, correction=False)
    cramers_v = association(table, method="cramer", correction=False)
    return float(result.statistic), float(result.pvalue), int(result.dof), float(cramers_v)


def is_negative(statement_words: list[str]) -> bool:
    return any(word in NEGATIVE_CUES or word.endswith("n't") for word in statement_words)
