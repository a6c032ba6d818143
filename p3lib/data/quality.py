"""The data quality score: the PRD's ``SyntheticDataEvaluator``, four dimensions of 0-100.

Each dimension is the plain mean of its four sub-scores, and the overall score is the plain
mean of the four dimensions; the data passes at ``overall >= 60`` (:data:`PASS_MARK`). Every
sub-score carries the statistic it comes from (its value, and a p-value where there is a test)
and a one-line explanation with the numbers, so the JSON report can be read without this code.

Every record counts (no sampling) and nothing is random: the same records give the same report.

Words are lower-cased runs of letters, digits and inner apostrophes (``i'm``, ``can't``) in
the statement after its ``boy: ``/``girl: `` prefix; a "statement" is one side of a pair.

The dimensions (each formula is spelled out on the method that computes it):

- data quality (:meth:`SyntheticDataEvaluator.evaluate_data_quality`): completeness,
  consistency, duplicates, format; each the share of records or statements without the defect.
- diversity (:meth:`SyntheticDataEvaluator.evaluate_diversity`): vocabulary richness
  (type-token ratio), category entropy, label balance, text complexity (spread of lengths).
- bias (:meth:`SyntheticDataEvaluator.evaluate_bias`): gender x label, category x label,
  length x label, vocabulary x label; each ``100 * (1 - association)``, so weaker association
  between the label and something that should not predict it scores higher.
- linguistic quality (:meth:`SyntheticDataEvaluator.evaluate_linguistic_quality`): Flesch
  Reading Ease, coherence (Jaccard word overlap of paired statements), naturalness, trigram
  repetition.

Example:
    >>> from p3lib.data.quality import SyntheticDataEvaluator
    >>> from p3lib.data.schema import DatingPair
    >>> pairs = [DatingPair(text_1="boy: I love jazz", text_2="girl: I love jazz too", label=1,
    ...                     category="interests", subcategory="music", pair_type="compatible"),
    ...          DatingPair(text_1="boy: I love jazz", text_2="girl: I hate jazz", label=0,
    ...                     category="interests", subcategory="music", pair_type="incompatible")]
    >>> report = SyntheticDataEvaluator(pairs).evaluate()
    >>> report.diversity.sub_score("label_balance").score
    100.0
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import cached_property
from pathlib import Path

import numpy as np
import pyphen
from pydantic import BaseModel, ConfigDict
from scipy import stats
from scipy.stats.contingency import association

from p3lib.data.schema import FIELDS, PREFIXES, DatingPair, load_pairs
from p3lib.store.atomic import atomic_write_json, atomic_write_text

PASS_MARK = 60.0

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

# Moving-average type-token ratio window (Covington & McFall 2010 use 50 and up): plain TTR
# falls as a corpus grows, so the score uses the mean TTR of every 50-word window instead.
TTR_WINDOW = 50
# A coefficient of variation of statement length at or above this scores 100 for complexity:
# statements ranging from about half to one and a half times the mean length.
LENGTH_CV_FOR_FULL_SCORE = 0.5
# A word is "label-skewed" when the label-1 share of the pairs containing it differs from the
# overall label-1 share by at least this much (at a 50:50 base rate: <= 10% or >= 90%) ...
VOCABULARY_SKEW = 0.4
# ... counting only words that occur in at least this many pairs, so rare words do not count.
VOCABULARY_MIN_PAIRS = 5
# Mean Jaccard overlap of paired statements at or above this scores 100 for coherence: two
# statements sharing half their words are plainly about the same thing.
COHERENCE_JACCARD_FOR_FULL_SCORE = 0.5
# Naturalness bounds on a statement's length in words.
NATURAL_MIN_WORDS, NATURAL_MAX_WORDS = 3, 60

# Cues that a statement takes the negative stance ("I can't stand X", "I never X"); any word
# ending in "n't" counts too. Not "nothing" or "without": "there's nothing better than X" and
# "I can't live without X" are positive.
NEGATIVE_CUES = frozenset(
    {"not", "no", "never", "hate", "hates", "dislike", "dislikes", "avoid", "refuse", "cannot"}
)
FIRST_PERSON = frozenset(
    {"i", "i'm", "i've", "i'd", "i'll", "me", "my", "mine", "myself", "we", "we're", "our", "us"}
)
# Leftovers of templating or generation that a human would not write.
ARTIFACT = re.compile(r"[{}<>\[\]_|\\]|\bnull\b|\bnone\b|\bn/a\b|\btodo\b", re.IGNORECASE)
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")
SENTENCE_END = re.compile(r"[.!?]+")

DIMENSIONS = ("data_quality", "diversity", "bias", "linguistic_quality")


class Statistic(BaseModel):
    """The number behind a sub-score: ``value`` (None where undefined), a ``p_value`` where
    there is a test, supporting numbers in ``details`` and examples (words, lines) in
    ``examples``."""

    model_config = ConfigDict(extra="forbid")

    name: str
    value: float | None
    p_value: float | None = None
    details: dict[str, float | int | str | None] = {}
    examples: list[str] = []


class SubScore(BaseModel):
    """One check of a dimension: a 0-100 score, its statistic and what it means."""

    model_config = ConfigDict(extra="forbid")

    name: str
    score: float
    statistic: Statistic
    explanation: str


class DimensionScore(BaseModel):
    """One of the four dimensions: ``score`` is the mean of the sub-scores."""

    model_config = ConfigDict(extra="forbid")

    name: str
    score: float
    sub_scores: list[SubScore]

    def sub_score(self, name: str) -> SubScore:
        """The sub-score called ``name``; KeyError if there is none."""
        for sub in self.sub_scores:
            if sub.name == name:
                return sub
        raise KeyError(name)


class DataQualityReport(BaseModel):
    """The evaluator's result; ``overall`` is the mean of the four dimension scores."""

    model_config = ConfigDict(extra="forbid")

    n_records: int
    data_quality: DimensionScore
    diversity: DimensionScore
    bias: DimensionScore
    linguistic_quality: DimensionScore
    overall: float
    pass_mark: float
    passed: bool
    findings: list[str]

    @property
    def dimensions(self) -> list[DimensionScore]:
        """The four dimensions in report order."""
        return [getattr(self, name) for name in DIMENSIONS]


def words(statement: str) -> list[str]:
    """Lower-cased word tokens of a statement (curly apostrophes made straight)."""
    return WORD.findall(statement.lower().replace("\u2019", "'"))


def _finite(value: float) -> float | None:
    # JSON has no NaN; an undefined statistic is written as null.
    return float(value) if value is not None and math.isfinite(value) else None


def _dimension(name: str, sub_scores: list[SubScore]) -> DimensionScore:
    return DimensionScore(
        name=name,
        score=float(np.mean([sub.score for sub in sub_scores])),
        sub_scores=sub_scores,
    )


def _clip(score: float) -> float:
    return float(min(100.0, max(0.0, score)))


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


class SyntheticDataEvaluator:
    """Scores a list of pairs on data quality, diversity, bias and linguistic quality.

    Example:
        >>> report = SyntheticDataEvaluator(load_pairs("data/raw/train.jsonl")).evaluate()
        ... # doctest: +SKIP
    """

    def __init__(self, pairs: list[DatingPair]):
        if not pairs:
            raise ValueError("no pairs to evaluate")
        self.pairs = list(pairs)
        self.labels = np.array([int(pair.label) for pair in self.pairs])

    @classmethod
    def from_file(cls, path: str | Path) -> SyntheticDataEvaluator:
        """An evaluator for the pairs of a JSONL file (validated by ``load_pairs``)."""
        return cls(load_pairs(path))

    @cached_property
    def _statements(self) -> list[tuple[str, str]]:
        # (statement_1, statement_2) of each pair, prefixes removed.
        return [(pair.statement_1, pair.statement_2) for pair in self.pairs]

    @cached_property
    def _words(self) -> list[tuple[list[str], list[str]]]:
        return [(words(first), words(second)) for first, second in self._statements]

    # ----------------------------------------------------------------- data quality

    def evaluate_data_quality(self) -> DimensionScore:
        """Completeness, consistency, duplicates and format; each ``100 * share without defect``.

        - completeness: share of records whose six fields are all present and non-blank
          (statements non-blank after the prefix). ``load_pairs`` rejects such records, so on
          loaded data this is 100 by construction; it is kept so the check is visible.
        - consistency: share of records with a label in {0, 1}, the ``boy: ``/``girl: ``
          prefixes, and a label that agrees with the pair type: ``dealbreaker`` pairs and the
          ``*incompatible`` types labelled 0, the ``*compatible`` types labelled 1
          (:data:`LABEL_OF_PAIR_TYPE`).
        - duplicates: ``d`` = share of records whose ``text_1`` and ``text_2`` repeat an
          earlier record's; score ``100 * (1 - d)``.
        - format: share of the 2n statements that are tidy: no leading, trailing or doubled
          whitespace, no control characters, first character a letter or digit.
        """
        n = len(self.pairs)
        incomplete = [
            index
            for index, pair in enumerate(self.pairs)
            if any(not str(getattr(pair, field, "")).strip() for field in FIELDS)
            or not pair.statement_1.strip()
            or not pair.statement_2.strip()
        ]
        completeness = SubScore(
            name="completeness",
            score=100.0 * (1 - len(incomplete) / n),
            statistic=Statistic(
                name="share_complete",
                value=1 - len(incomplete) / n,
                details={"n_incomplete": len(incomplete), "n_records": n},
            ),
            explanation=f"{n - len(incomplete)} of {n} records have all six fields non-blank.",
        )

        label_problems = sum(int(pair.label) not in (0, 1) for pair in self.pairs)
        prefix_problems = sum(
            not pair.text_1.startswith(PREFIXES["text_1"])
            or not pair.text_2.startswith(PREFIXES["text_2"])
            for pair in self.pairs
        )
        dealbreaker_problems = sum(
            pair.pair_type == "dealbreaker" and int(pair.label) != 0 for pair in self.pairs
        )
        type_problems = sum(
            pair.pair_type in LABEL_OF_PAIR_TYPE
            and int(pair.label) != LABEL_OF_PAIR_TYPE[pair.pair_type]
            for pair in self.pairs
        )
        inconsistent = sum(
            int(pair.label) not in (0, 1)
            or not pair.text_1.startswith(PREFIXES["text_1"])
            or not pair.text_2.startswith(PREFIXES["text_2"])
            or (
                pair.pair_type in LABEL_OF_PAIR_TYPE
                and int(pair.label) != LABEL_OF_PAIR_TYPE[pair.pair_type]
            )
            for pair in self.pairs
        )
        consistency = SubScore(
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

        seen: set[tuple[str, str]] = set()
        repeats = 0
        for pair in self.pairs:
            repeats += pair.key in seen
            seen.add(pair.key)
        duplicates = SubScore(
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

        statements = [statement for pair in self._statements for statement in pair]
        untidy = [
            statement
            for statement in statements
            if statement != statement.strip()
            or "  " in statement
            or any(ord(char) < 32 or ord(char) == 127 for char in statement)
            or not statement[:1].isalnum()
        ]
        format_score = SubScore(
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
        return _dimension("data_quality", [completeness, consistency, duplicates, format_score])

    # ----------------------------------------------------------------- diversity

    def evaluate_diversity(self) -> DimensionScore:
        """Vocabulary richness, category entropy, label balance and text complexity.

        - vocabulary_richness: the type-token ratio TTR = distinct words / words over all
          statements is the statistic. The score is ``100 * MATTR``, the moving-average TTR:
          the mean TTR of every window of :data:`TTR_WINDOW` consecutive words (statements in
          record order, ``text_1`` then ``text_2``); plain TTR shrinks as a corpus grows and
          would punish a larger data set. With fewer words than one window, MATTR = TTR.
        - category_entropy: Shannon entropy ``H = -sum p_c ln p_c`` of the category shares,
          divided by ``ln k`` for the ``k`` categories present; score ``100 * H / ln k`` (100
          when the categories are equally common, 0 for a single category).
        - label_balance: ``min(n_0, n_1) / max(n_0, n_1)``; score ``100 *`` that (1:3 gives 33.3).
        - text_complexity: coefficient of variation ``CV = std / mean`` of statement length in
          words (population std); score ``100 * min(1, CV / 0.5)``
          (:data:`LENGTH_CV_FOR_FULL_SCORE`): templated data whose statements all have one
          length scores 0.
        """
        tokens = [word for first, second in self._words for word in (*first, *second)]
        n_tokens = len(tokens)
        ttr = len(set(tokens)) / n_tokens if n_tokens else 0.0
        mattr = self._moving_average_ttr(tokens)
        richness = SubScore(
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

        category_counts = Counter(pair.category for pair in self.pairs)
        k = len(category_counts)
        entropy = float(stats.entropy(list(category_counts.values())))
        normalised = entropy / math.log(k) if k > 1 else 0.0
        category_entropy = SubScore(
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

        n_1 = int(self.labels.sum())
        n_0 = len(self.labels) - n_1
        balance = min(n_0, n_1) / max(n_0, n_1)
        label_balance = SubScore(
            name="label_balance",
            score=100.0 * balance,
            statistic=Statistic(
                name="label_balance_ratio",
                value=balance,
                details={"n_label_1": n_1, "n_label_0": n_0},
            ),
            explanation=(
                f"{n_1} compatible vs {n_0} incompatible: min/max = {balance:.2f}; "
                "score = 100 * ratio."
            ),
        )

        lengths = np.array([len(side) for pair in self._words for side in pair], dtype=float)
        mean_length = float(lengths.mean())
        cv = float(lengths.std()) / mean_length if mean_length else 0.0
        complexity = SubScore(
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
        return _dimension("diversity", [richness, category_entropy, label_balance, complexity])

    @staticmethod
    def _moving_average_ttr(tokens: list[str], window: int = TTR_WINDOW) -> float:
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

    # ----------------------------------------------------------------- bias

    def evaluate_bias(self) -> DimensionScore:
        """Association of the label with things that should not decide it; weaker is better.

        Each score is ``100 * (1 - association)``, association in [0, 1]:

        - gender_label: the data always puts the boy in ``text_1`` and the girl in ``text_2``,
          so gender bias shows as the label depending on *which* speaker says something. Take
          the pairs where exactly one speaker takes the negative stance (a word of
          :data:`NEGATIVE_CUES` or a ``n't`` word); tabulate negative speaker (boy, girl) x
          label and run Pearson's chi-squared test (:func:`chi_squared`). Association =
          Cramér's V. If the one-sided pairs all carry one label (or all negatives are on one
          side), there is nothing to depend on: V = 0.
        - category_label: chi-squared on the category x label table; association = Cramér's V.
          Some association is by design (dealbreakers are always 0), and it is still a cue a
          model can learn instead of stance.
        - length_label: point-biserial correlation r between the label and the pair's length
          (words of both statements, ``scipy.stats.pointbiserialr``); association = ``|r|``.
        - vocabulary_label: among words occurring in at least :data:`VOCABULARY_MIN_PAIRS`
          pairs, the share whose pairs' label-1 share differs from the overall label-1 share by
          at least :data:`VOCABULARY_SKEW` (at 50:50: 90% or more of one label); association =
          that share.
        """
        negative_side = []
        for first, second in self._words:
            boy, girl = self._is_negative(first), self._is_negative(second)
            negative_side.append("boy" if boy and not girl else "girl" if girl and not boy else "")
        table = np.zeros((2, 2), dtype=np.int64)
        for side, label in zip(negative_side, self.labels, strict=True):
            if side:
                table[0 if side == "boy" else 1, label] += 1
        chi2, p_value, dof, cramers_v = chi_squared(table)
        n_one_sided = int(table.sum())
        gender = SubScore(
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

        categories = sorted({pair.category for pair in self.pairs})
        category_table = np.zeros((len(categories), 2), dtype=np.int64)
        row_of = {category: row for row, category in enumerate(categories)}
        for pair, label in zip(self.pairs, self.labels, strict=True):
            category_table[row_of[pair.category], label] += 1
        chi2, p_value, dof, cramers_v = chi_squared(category_table)
        pure = [
            category
            for category, row in zip(categories, category_table, strict=True)
            if min(row) == 0
        ]
        category = SubScore(
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

        pair_lengths = np.array([len(first) + len(second) for first, second in self._words])
        if np.ptp(pair_lengths) == 0 or np.ptp(self.labels) == 0:
            r, p_value = 0.0, None  # a constant cannot correlate with anything
        else:
            result = stats.pointbiserialr(self.labels, pair_lengths)
            r, p_value = float(result.statistic), _finite(result.pvalue)
        mean_1 = float(pair_lengths[self.labels == 1].mean()) if (self.labels == 1).any() else None
        mean_0 = float(pair_lengths[self.labels == 0].mean()) if (self.labels == 0).any() else None
        length = SubScore(
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

        base_rate = float(self.labels.mean())
        pairs_with = Counter()
        label_1_with = Counter()
        for (first, second), label in zip(self._words, self.labels, strict=True):
            for word in set(first) | set(second):
                pairs_with[word] += 1
                label_1_with[word] += int(label)
        frequent = sorted(
            word for word, count in pairs_with.items() if count >= VOCABULARY_MIN_PAIRS
        )
        skewed = [
            word
            for word in frequent
            if abs(label_1_with[word] / pairs_with[word] - base_rate) >= VOCABULARY_SKEW
        ]
        skewed_share = len(skewed) / len(frequent) if frequent else 0.0
        # The most frequent skewed words are the cues a model would most easily pick up.
        skewed_examples = sorted(skewed, key=lambda word: (-pairs_with[word], word))[:10]
        vocabulary = SubScore(
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
        return _dimension("bias", [gender, category, length, vocabulary])

    @staticmethod
    def _is_negative(statement_words: list[str]) -> bool:
        return any(word in NEGATIVE_CUES or word.endswith("n't") for word in statement_words)

    # ----------------------------------------------------------------- linguistic quality

    def evaluate_linguistic_quality(self) -> DimensionScore:
        """Readability, coherence, naturalness and repetition.

        - readability: Flesch Reading Ease over all statements,
          ``FRE = 206.835 - 1.015 * words / sentences - 84.6 * syllables / words``; a statement
          is at least one sentence (more where ``.``, ``!`` or ``?`` split it); syllables per
          word are pyphen's hyphenation points + 1 (the estimate textstat used up to 0.7.3).
          Score = FRE clipped to [0, 100]: higher is easier, and dating statements should read
          like speech (60-70 is plain English, 90+ very easy).
        - coherence: Jaccard overlap ``|A & B| / |A | B|`` of the word sets of each pair's two
          statements, averaged over pairs; score ``100 * min(1, mean / 0.5)``
          (:data:`COHERENCE_JACCARD_FOR_FULL_SCORE`): paired statements should be about the
          same thing, as the task's "I love X" / "I can't stand X" pairs are.
        - naturalness: share of statements that read as a person speaking: first-person
          (:data:`FIRST_PERSON`), 3-60 words, no word immediately repeated ("the the"), no
          template leftovers (braces, brackets, underscores, ``null``, ``n/a``, ``todo``), not
          all capitals. Score ``100 *`` share.
        - repetition: over the distinct statements (a statement reused in several pairs is how
          pair data is built, not repetition), the trigram repetition rate
          ``1 - distinct trigrams / trigrams``; score ``100 * (1 - rate)``. No trigrams: 100.
        """
        hyphenator = pyphen.Pyphen(lang="en_US")
        statements = [statement for pair in self._statements for statement in pair]
        statement_words = [side for pair in self._words for side in pair]
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
        readability = SubScore(
            name="readability",
            score=_clip(fre),
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

        jaccards = []
        for first, second in self._words:
            union = set(first) | set(second)
            jaccards.append(len(set(first) & set(second)) / len(union) if union else 0.0)
        mean_jaccard = float(np.mean(jaccards))
        coherence = SubScore(
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
        naturalness = SubScore(
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

        distinct_statements = list(dict.fromkeys(statements))
        trigrams = [
            tuple(side[index : index + 3])
            for side in (words(statement) for statement in distinct_statements)
            for index in range(len(side) - 2)
        ]
        rate = 1 - len(set(trigrams)) / len(trigrams) if trigrams else 0.0
        most_common = Counter(trigrams).most_common(5)
        repetition = SubScore(
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
        return _dimension("linguistic_quality", [readability, coherence, naturalness, repetition])

    # ----------------------------------------------------------------- overall

    def evaluate(self) -> DataQualityReport:
        """All four dimensions; ``overall`` = their mean, ``passed`` = ``overall >= 60``."""
        dimensions = {
            "data_quality": self.evaluate_data_quality(),
            "diversity": self.evaluate_diversity(),
            "bias": self.evaluate_bias(),
            "linguistic_quality": self.evaluate_linguistic_quality(),
        }
        overall = float(np.mean([dimension.score for dimension in dimensions.values()]))
        findings = [
            f"{dimension.name}.{sub.name} scores {sub.score:.1f}: {sub.explanation}"
            for dimension in dimensions.values()
            for sub in dimension.sub_scores
            if sub.score < PASS_MARK
        ]
        return DataQualityReport(
            n_records=len(self.pairs),
            **dimensions,
            overall=overall,
            pass_mark=PASS_MARK,
            passed=overall >= PASS_MARK,
            findings=findings,
        )


def format_report(report: DataQualityReport) -> str:
    """The human-readable summary: pass or fail, each dimension with its sub-scores, findings."""
    verdict = "PASS" if report.passed else "FAIL"
    out = [
        f"Data quality: {verdict}: overall {report.overall:.1f} / 100 "
        f"(pass mark {report.pass_mark:g}) on {report.n_records} records",
        "",
    ]
    for dimension in report.dimensions:
        out.append(f"{dimension.name}: {dimension.score:.1f}")
        for sub in dimension.sub_scores:
            statistic = sub.statistic
            value = "n/a" if statistic.value is None else f"{statistic.value:.4g}"
            p_value = "" if statistic.p_value is None else f", p = {statistic.p_value:.3g}"
            out.append(f"  {sub.name}: {sub.score:.1f}  ({statistic.name} = {value}{p_value})")
            out.append(f"    {sub.explanation}")
            if statistic.examples:
                out.append(f"    e.g. {'; '.join(statistic.examples[:5])}")
        out.append("")
    out.append("Findings (sub-scores below the pass mark):")
    out.extend(f"  - {finding}" for finding in report.findings)
    if not report.findings:
        out.append("  none")
    return "\n".join(out) + "\n"


def write_report(report: DataQualityReport, folder: str | Path) -> tuple[Path, Path]:
    """Write ``data_quality_report.json`` and ``data_quality_summary.txt`` atomically."""
    folder = Path(folder)
    json_path = atomic_write_json(folder / "data_quality_report.json", report)
    text_path = atomic_write_text(folder / "data_quality_summary.txt", format_report(report))
    return json_path, text_path


def write_default_quality_report(data_folder: str | Path) -> tuple[Path, Path]:
    """Score ``train.jsonl`` in ``data_folder``; write the report to ``../evaluation/``.

    For the default data this writes ``data/evaluation/data_quality_report.json`` and
    ``data/evaluation/data_quality_summary.txt``.
    """
    data_folder = Path(data_folder)
    report = SyntheticDataEvaluator.from_file(data_folder / "train.jsonl").evaluate()
    return write_report(report, data_folder.parent / "evaluation")
