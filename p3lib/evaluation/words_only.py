"""The words-only baseline: how far the words alone go, with no embedding model at all.

A fine-tuned embedding model is worth its training only by what it adds over a plain reading
of the words, so the reading should be the strongest p3 can fit without an embedding model:
fine-tuning's gain is stated over it. TF-IDF features of each statement (words and word
bigrams, one vocabulary fitted on the fit split's statements), the same for the other
statement, and two features of the pair, ``|a - b|`` (the words one statement has and the
other lacks) and ``a * b`` (the words both share, weighted), feed a logistic regression. It is
fitted on the *fit* split (train minus validation); the n-gram range (words alone, or words and
bigrams) and the regularisation strength ``C`` (a grid of decades wide enough that the choice
does not sit at its top) are chosen together by AUC on the *validation* split; its decision
threshold is the F1-best on validation (as for the embedding models), and eval is only measured.
On the default data unigrams with C at the top of a 0.01 to 1000 grid reached AUC about 0.765
on eval; these features and the wider grid reach about 0.80.

Its score is a probability, not a cosine, so the cosine metrics (margin, Cohen's d) and the
embedding metrics (UMAP map, HDBSCAN purity) do not apply; AUC-ROC, Spearman's rho and its
ceiling ratio, F1, accuracy and false positives at the validation threshold, and the matched
recall operating point are measured exactly as for the other models (:data:`NOT_APPLICABLE`).

Example:
    >>> features = WordsOnlyFeatures.fit(["boy: I hike", "girl: I never hike"])
    >>> features.transform(["boy: I hike"], ["girl: I never hike"]).shape[0]
    1
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from p3lib.data.schema import PAIR_TYPES, DatingPair
from p3lib.evaluation.cluster_bootstrap import (
    MARGIN_FREE_METRICS,
    ClusterIntervals,
    cluster_bootstrap,
    template_groups,
)
from p3lib.evaluation.metrics import (
    classification,
    classification_at,
    require_both_labels,
    select_threshold,
    spearman_summary,
)
from p3lib.evaluation.operating_point import (
    DEFAULT_TARGET_RECALL,
    MatchedOperatingPoint,
    matched_operating_point,
)
from p3lib.evaluation.results import ClassificationAt, ThresholdChoice, ThresholdSweep
from p3lib.evaluation.tiers import TierReport, measure_tiers

C_GRID = (0.01, 0.1, 1.0, 10.0, 100.0, 1_000.0, 10_000.0, 100_000.0)
# Word n-gram ranges tried (chosen with C on validation).
NGRAM_RANGES = ((1, 1), (1, 2))
FEATURES = "tfidf(a), tfidf(b), |tfidf(a) - tfidf(b)|, tfidf(a) * tfidf(b); a, b the statements"
NOT_APPLICABLE = {
    "margin": "the score is a probability, not a cosine",
    "cohens_d": "the score is a probability, not a cosine",
    "purity": "there is no embedding to project and cluster",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WordsOnlyFeatures:
    """TF-IDF of each statement, ``|a - b|`` and ``a * b``, one vocabulary for both statements."""

    def __init__(self, vectorizer: TfidfVectorizer):
        self.vectorizer = vectorizer

    @classmethod
    def fit(
        cls, statements: Sequence[str], ngram_range: tuple[int, int] = (1, 2)
    ) -> WordsOnlyFeatures:
        """Fit the vocabulary and IDF weights on ``statements`` (the fit split's, both sides)."""
        vectorizer = TfidfVectorizer(
            sublinear_tf=True, token_pattern=r"(?u)\b\w+\b", ngram_range=tuple(ngram_range)
        )
        vectorizer.fit(list(statements))
        return cls(vectorizer)

    @property
    def ngram_range(self) -> tuple[int, int]:
        return tuple(self.vectorizer.ngram_range)

    def transform(self, text_1: Sequence[str], text_2: Sequence[str]) -> sparse.csr_matrix:
        a = self.vectorizer.transform(list(text_1))
        b = self.vectorizer.transform(list(text_2))
        return sparse.hstack([a, b, abs(a - b), a.multiply(b)]).tocsr()


class WordsOnlyResult(_Model):
    """The words-only model measured on eval, shaped like the embedding models' headline.

    ``validation_auc`` maps each tried (n-gram range, ``C``) (as :func:`grid_key` text) to its
    validation AUC; ``chosen_c`` and ``chosen_ngram_range`` are the best (ties go to the
    smaller, more regularised C, then the shorter n-grams). ``scores`` are eval probabilities
    in file order with ``labels`` and ``groups`` (subcategories), for paired comparisons.
    """

    name: str = "words_only"
    features: str = FEATURES
    n_fit: int
    n_validation: int
    n_features: int
    c_grid: list[float]
    ngram_ranges: list[list[int]] = [[1, 1]]
    validation_auc: dict[str, float]
    chosen_c: float
    chosen_ngram_range: list[int] = [1, 1]
    threshold: ThresholdChoice
    n_pairs: int
    n_compatible: int
    n_incompatible: int
    auc_roc: float
    spearman: float
    spearman_ceiling: float
    spearman_ratio: float
    at_threshold: ClassificationAt
    threshold_sweep: ThresholdSweep
    n_false_positives: int
    false_positives_by_pair_type: dict[str, int]
    incompatible_by_pair_type: dict[str, int]
    matched_recall: MatchedOperatingPoint
    cluster_intervals: ClusterIntervals | None
    not_applicable: dict[str, str] = dict(NOT_APPLICABLE)
    scores: list[float]
    labels: list[int]
    groups: list[str]
    # Seen templates, unseen templates, unseen topics (p3lib.evaluation.tiers).
    tiers: TierReport | None = None


def _texts(pairs: Sequence[DatingPair]) -> tuple[list[str], list[str]]:
    return [p.text_1 for p in pairs], [p.text_2 for p in pairs]


def grid_key(ngram_range: Sequence[int], c: float) -> str:
    """``"1-2 C=10"``: one grid point as text (the results file's keys)."""
    return f"{ngram_range[0]}-{ngram_range[1]} C={c:g}"


def fit_words_only(
    fit_pairs: Sequence[DatingPair],
    validation_pairs: Sequence[DatingPair],
    *,
    c_grid: Sequence[float] = C_GRID,
    ngram_ranges: Sequence[tuple[int, int]] = NGRAM_RANGES,
    seed: int = 42,
) -> tuple[WordsOnlyFeatures, LogisticRegression, dict[str, float]]:
    """Fit one logistic regression per (n-gram range, ``C``) on the fit split; keep the best
    by validation AUC (ties: the smaller C, then the shorter n-grams: the simpler model).

    Returns the features, the chosen model and every grid point's validation AUC
    (keys :func:`grid_key`).
    """
    fit_1, fit_2 = _texts(fit_pairs)
    y_fit = np.array([int(p.label) for p in fit_pairs])
    y_val = np.array([int(p.label) for p in validation_pairs])
    require_both_labels(y_fit, "the fit split")
    require_both_labels(y_val, "the validation split")
    aucs, found, order = {}, {}, []
    for ngram_range in ngram_ranges:
        features = WordsOnlyFeatures.fit(fit_1 + fit_2, ngram_range)
        x_fit = features.transform(fit_1, fit_2)
        x_val = features.transform(*_texts(validation_pairs))
        for c in sorted(c_grid):
            model = LogisticRegression(C=c, max_iter=10_000, random_state=seed)
            model.fit(x_fit, y_fit)
            key = grid_key(ngram_range, c)
            aucs[key] = float(roc_auc_score(y_val, model.predict_proba(x_val)[:, 1]))
            found[key] = (features, model)
            order.append((c, ngram_range[1], key))
    best = max(order, key=lambda item: (aucs[item[2]], -item[0], -item[1]))[2]
    features, model = found[best]
    return features, model, aucs


def words_only_baseline(
    fit_pairs: Sequence[DatingPair],
    validation_pairs: Sequence[DatingPair],
    eval_pairs: Sequence[DatingPair],
    *,
    c_grid: Sequence[float] = C_GRID,
    ngram_ranges: Sequence[tuple[int, int]] = NGRAM_RANGES,
    seed: int = 42,
    n_bootstrap: int = 1000,
    target_recall: float = DEFAULT_TARGET_RECALL,
    train_pairs: Sequence[DatingPair] | None = None,
    ood_pairs: Sequence[DatingPair] | None = None,
) -> WordsOnlyResult:
    """Fit on fit, choose the n-grams, C and the threshold on validation, measure on eval.

    With ``train_pairs`` the result also holds the three tiers (:mod:`p3lib.evaluation.tiers`),
    the unseen-topic tier from ``ood_pairs`` where given.
    """
    features, model, aucs = fit_words_only(
        fit_pairs, validation_pairs, c_grid=c_grid, ngram_ranges=ngram_ranges, seed=seed
    )

    def score(pairs):
        return model.predict_proba(features.transform(*_texts(pairs)))[:, 1].astype(float)

    v_scores = score(validation_pairs)
    v_labels = np.array([int(p.label) for p in validation_pairs])
    choice = select_threshold(v_scores, v_labels, chosen_on="validation")
    scores = score(eval_pairs)
    labels = np.array([int(p.label) for p in eval_pairs])
    require_both_labels(labels)
    pair_types = [p.pair_type for p in eval_pairs]
    groups = template_groups(eval_pairs)
    rho, _, ceiling, ratio = spearman_summary(scores, labels)
    at = classification_at(scores, labels, choice.threshold)
    known = list(PAIR_TYPES) + sorted(set(pair_types) - set(PAIR_TYPES))
    negative = labels == 0
    predicted = scores >= choice.threshold
    types = np.asarray(pair_types, dtype=object)
    tiers = None
    if train_pairs is not None:
        tiers = measure_tiers(
            scores,
            eval_pairs,
            train_pairs,
            choice.threshold,
            ood_scores=None if ood_pairs is None else score(ood_pairs),
            ood_pairs=ood_pairs,
            seed=seed,
            n_resamples=n_bootstrap,
        )
    return WordsOnlyResult(
        tiers=tiers,
        n_fit=len(fit_pairs),
        n_validation=len(validation_pairs),
        n_features=int(features.transform(["x"], ["x"]).shape[1]),
        c_grid=[float(c) for c in sorted(c_grid)],
        ngram_ranges=[list(r) for r in ngram_ranges],
        validation_auc=aucs,
        chosen_c=float(model.C),
        chosen_ngram_range=list(features.ngram_range),
        threshold=choice,
        n_pairs=int(labels.size),
        n_compatible=int(labels.sum()),
        n_incompatible=int(negative.sum()),
        auc_roc=float(roc_auc_score(labels, scores)),
        spearman=rho,
        spearman_ceiling=ceiling,
        spearman_ratio=ratio,
        at_threshold=at,
        threshold_sweep=classification(scores, labels, choice.threshold),
        n_false_positives=at.fp,
        false_positives_by_pair_type={
            kind: int(np.sum(predicted & negative & (types == kind))) for kind in known
        },
        incompatible_by_pair_type={kind: int(np.sum(negative & (types == kind))) for kind in known},
        matched_recall=matched_operating_point(
            scores, labels, pair_types, v_scores, v_labels, target_recall
        ),
        cluster_intervals=cluster_bootstrap(
            scores,
            labels,
            groups,
            choice.threshold,
            metrics=MARGIN_FREE_METRICS,
            seed=seed,
            n_resamples=n_bootstrap,
        ),
        scores=[float(s) for s in scores],
        labels=[int(y) for y in labels],
        groups=groups,
    )
