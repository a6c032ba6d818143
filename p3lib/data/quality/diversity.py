"""Dimension 2, diversity: vocabulary richness, category entropy, label balance, text complexity.

How varied the words, categories, labels and statement lengths are, each scored 0-100 from a
named statistic (the moving-average type-token ratio, normalised Shannon entropy, the minority
label's ratio, the coefficient of variation of length).
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
from scipy import stats

from p3lib.data.quality.report import (
    Corpus,
    DimensionScore,
    Statistic,
    SubScore,
    dimension,
)

# Moving-average type-token ratio window (Covington & McFall 2010 use 50 and up): plain TTR
# falls as a corpus grows, so the score uses the mean TTR of every 50-word window instead.
TTR_WINDOW = 50
# A coefficient of variation of statement length at or above this scores 100 for complexity:
# statements ranging from about half to one and a half times the mean length.
LENGTH_CV_FOR_FULL_SCORE = 0.5


def diversity(corpus: Corpus) -> DimensionScore:
    """Vocabulary richness, category entropy, label balance and text complexity.

    Each sub-score is a function of this module: :func:`vocabulary_richness`,
    :func:`category_entropy`, :func:`label_balance`, :func:`text_complexity`.
    """
    return dimension(
        "diversity",
        [
            vocabulary_richness(corpus),
            category_entropy(corpus),
            label_balance(corpus),
            text_complexity(corpus),
        ],
    )


def vocabulary_richness(corpus: Corpus) -> SubScore:
    """The type-token ratio TTR = distinct words / words over all
    statements is the statistic. The score is ``100 * MATTR``, the moving-average TTR:
    the mean TTR of every window of :data:`TTR_WINDOW` consecutive words (statements in
    record order, ``text_1`` then ``text_2``); plain TTR shrinks as a corpus grows and
    would punish a larger data set. With fewer words than one window, MATTR = TTR.
    """
    tokens = [word for first, second in corpus.words for word in (*first, *second)]
    n_tokens = len(tokens)
    ttr = len(set(tokens)) / n_tokens if n_tokens else 0.0
    mattr = moving_average_ttr(tokens)
    return SubScore(
        name="vocabulary_richness",
        score=100.0 * mattr,
        statistic=Statistic(
            name="type_token_ratio",
            value=ttr,
            details={
                "n_types": len(set(tokens)),
                "n_tokens": n_tokens,
                "moving_average_ttr": mattr,
                "window": TTR_WINDOW,
            },
        ),
        explanation=(
            f"{len(set(tokens))} distinct words in {n_tokens} (TTR {ttr:.3f}); mean TTR of "
            f"{TTR_WINDOW}-word windows {mattr:.3f}; score = 100 * moving-average TTR."
        ),
    )


def category_entropy(corpus: Corpus) -> SubScore:
    """Shannon entropy ``H = -sum p_c ln p_c`` of the category shares,
    divided by ``ln k`` for the ``k`` categories present; score ``100 * H / ln k`` (100
    when the categories are equally common, 0 for a single category).
    """
    category_counts = Counter(pair.category for pair in corpus.pairs)
    k = len(category_counts)
    entropy = float(stats.entropy(list(category_counts.values())))
    normalised = entropy / math.log(k) if k > 1 else 0.0
    return SubScore(
        name="category_entropy",
        score=100.0 * normalised,
        statistic=Statistic(
            name="normalised_category_entropy",
            value=normalised,
            details={"entropy_nats": entropy, "n_categories": k},
        ),
        explanation=(
            f"Shannon entropy of {k} categories is {normalised:.1%} of the maximum ln {k}; "
            "score = 100 * H / ln k."
        ),
    )


def label_balance(corpus: Corpus) -> SubScore:
    """``min(n_0, n_1) / max(n_0, n_1)``; score ``100 *`` that (1:3 gives 33.3)."""
    n_1 = int(corpus.labels.sum())
    n_0 = len(corpus.labels) - n_1
    balance = min(n_0, n_1) / max(n_0, n_1)
    return SubScore(
        name="label_balance",
        score=100.0 * balance,
        statistic=Statistic(
            name="label_balance_ratio",
            value=balance,
            details={"n_label_1": n_1, "n_label_0": n_0},
        ),
        explanation=(
            f"{n_1} compatible vs {n_0} incompatible: min/max = {balance:.2f}; score = 100 * ratio."
        ),
    )


def text_complexity(corpus: Corpus) -> SubScore:
    """Coefficient of variation ``CV = std / mean`` of statement length in
    words (population std); score ``100 * min(1, CV / 0.5)``
    (:data:`LENGTH_CV_FOR_FULL_SCORE`): templated data whose statements all have one
    length scores 0.
    """
    lengths = np.array([len(side) for pair in corpus.words for side in pair], dtype=float)
    mean_length = float(lengths.mean())
    cv = float(lengths.std()) / mean_length if mean_length else 0.0
    return SubScore(
        name="text_complexity",
        score=100.0 * min(1.0, cv / LENGTH_CV_FOR_FULL_SCORE),
        statistic=Statistic(
            name="length_coefficient_of_variation",
            value=cv,
            details={
                "mean_words": mean_length,
                "std_words": float(lengths.std()),
                "min_words": int(lengths.min()),
                "max_words": int(lengths.max()),
            },
        ),
        explanation=(
            f"statements are {mean_length:.1f} +- {lengths.std():.1f} words (CV {cv:.2f}); "
            f"score = 100 * min(1, CV / {LENGTH_CV_FOR_FULL_SCORE})."
        ),
    )


def moving_average_ttr(tokens: list[str], window: int = TTR_WINDOW) -> float:
    """Mean type-token ratio over every ``window``-word window (plain TTR if shorter)."""
    if not tokens:
        return 0.0
    if len(tokens) <= window:
        return len(set(tokens)) / len(tokens)
    # Slide one word at a time, keeping counts, so this is linear in the corpus size.
    counts = Counter(tokens[:window])
    distinct = [len(counts)]
    for leaving, entering in zip(tokens, tokens[window:], strict=False):
        counts[leaving] -= 1
        if counts[leaving] == 0:
            del counts[leaving]
        counts[entering] += 1
        distinct.append(len(counts))
    return float(np.mean(distinct)) / window
