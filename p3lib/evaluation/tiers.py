"""Three tiers of evaluation: seen templates, unseen templates, unseen topics.

Why: eval pairs built from the templates a model trained on measure how well it learnt those
templates, not whether it learnt compatibility. A fine-tuned model can rank such pairs almost
perfectly by matching words it saw in train, and still be near chance on a pair written another
way. So every model is measured on three parts of the data, each with its own AUC, its
cluster-bootstrap interval (:func:`p3lib.evaluation.cluster_bootstrap.cluster_bootstrap`,
resampling template groups) and its pair count:

* ``seen_templates``: eval pairs whose template group occurs in train;
* ``unseen_templates``: eval pairs whose group never occurs in train and neither of whose
  statements does;
* ``unseen_topics``: the out-of-distribution split (topics train never names).

A *group* is a pair's ``(category, subcategory)``. For a user's data the tiers follow
``subcategory`` where a pair has one, else shared statements (seen: a statement also occurs in
train; unseen: neither does), and the report records which rule it used (``rule``: both,
``subcategory`` or ``statement``). An eval pair of an unseen group that still shares a
statement with train is in neither tier (``n_unassigned`` counts them).

Each tier also gives the recall and false-positive rate that the model's validation threshold
reaches on it, so a threshold chosen on validation is read against what it does on each tier.
Paired differences between two models (:func:`tier_differences`) resample the same groups for
both models.

Example:
    >>> from p3lib.data.schema import DatingPair
    >>> def pair(a, b, label, sub):
    ...     return DatingPair(text_1=f"boy: {a}", text_2=f"girl: {b}", label=label,
    ...                       category="c", subcategory=sub)
    >>> train = [pair("x", "y", 1, "seen")]
    >>> evals = [pair("p", "q", 1, "seen"), pair("r", "s", 1, "new"), pair("x", "t", 0, "new")]
    >>> assign_tiers(evals, train).tiers
    ['seen_templates', 'unseen_templates', 'unassigned']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from p3lib.data.schema import ABSENT, DatingPair
from p3lib.data.splits import statement_key
from p3lib.evaluation.cluster_bootstrap import (
    BootstrapInterval,
    cluster_bootstrap,
    paired_cluster_differences,
)

TIERS = ("seen_templates", "unseen_templates", "unseen_topics")
TIER_LABELS = {
    "seen_templates": "seen templates",
    "unseen_templates": "unseen templates",
    "unseen_topics": "unseen topics",
}
UNASSIGNED = "unassigned"
Rule = Literal["subcategory", "statement", "both"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TierScore(_Model):
    """One model on one tier: AUC with its cluster-bootstrap interval, and what it rests on.

    ``auc``, ``low`` and ``high`` are ``None`` when the tier lacks two pairs of a label.
    ``recall`` and ``false_positive_rate`` are at the model's validation ``threshold``.
    ``scores``, ``labels`` and ``groups`` are the tier's pairs, for paired differences.
    """

    n: int
    n_compatible: int
    n_incompatible: int
    n_groups: int
    auc: float | None
    low: float | None
    high: float | None
    method: str | None
    threshold: float
    recall: float | None
    false_positive_rate: float | None
    scores: list[float]
    labels: list[int]
    groups: list[str]


class TierReport(_Model):
    """A model's three tiers (``unseen_topics`` is ``None`` without an OOD split)."""

    rule: Rule
    n_unassigned: int
    seen_templates: TierScore
    unseen_templates: TierScore
    unseen_topics: TierScore | None

    def tier(self, name: str) -> TierScore | None:
        return getattr(self, name)

    def aucs(self) -> dict[str, float | None]:
        """``tier -> AUC`` (``None`` where a tier is missing or lacks a label)."""
        return {name: (t.auc if (t := self.tier(name)) else None) for name in TIERS}


@dataclass(frozen=True)
class TierAssignment:
    """Each eval pair's tier and resampling group, and the rule that formed the tiers."""

    tiers: list[str]
    groups: list[str]
    rule: Rule


def pair_group(pair: DatingPair, index: int) -> str:
    """A pair's template group: ``category/subcategory``, or the pair alone without one."""
    if pair.subcategory == ABSENT:
        return f"pair {index}"
    return f"{pair.category}/{pair.subcategory}"


def _statements(pair: DatingPair) -> set[str]:
    return {statement_key(pair.statement_1), statement_key(pair.statement_2)}


def assign_tiers(
    eval_pairs: Sequence[DatingPair], train_pairs: Sequence[DatingPair]
) -> TierAssignment:
    """Seen or unseen templates for each eval pair (see the module docstring for the rules)."""
    train_groups = {pair_group(p, i) for i, p in enumerate(train_pairs) if p.subcategory != ABSENT}
    train_statements = set().union(*(_statements(p) for p in train_pairs))
    tiers, used = [], set()
    for index, pair in enumerate(eval_pairs):
        shares_statement = bool(_statements(pair) & train_statements)
        if pair.subcategory != ABSENT and train_groups:
            used.add("subcategory")
            if pair_group(pair, index) in train_groups:
                tiers.append("seen_templates")
            else:
                tiers.append(UNASSIGNED if shares_statement else "unseen_templates")
        else:
            used.add("statement")
            tiers.append("seen_templates" if shares_statement else "unseen_templates")
    rule: Rule = "both" if len(used) == 2 else (used.pop() if used else "subcategory")
    groups = [pair_group(p, i) for i, p in enumerate(eval_pairs)]
    return TierAssignment(tiers=tiers, groups=groups, rule=rule)


def tier_score(
    scores,
    labels,
    groups: Sequence[str],
    threshold: float,
    *,
    seed: int = 42,
    n_resamples: int = 1000,
) -> TierScore:
    """AUC, its cluster-bootstrap interval, and recall and FP rate at ``threshold``."""
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=int)
    n1, n0 = int(labels.sum()), int((labels == 0).sum())
    predicted = scores >= threshold
    auc = low = high = method = None
    if n1 >= 2 and n0 >= 2:
        found = cluster_bootstrap(
            scores,
            labels,
            list(groups),
            threshold,
            metrics=("auc_roc",),
            seed=seed,
            n_resamples=n_resamples,
        ).intervals["auc_roc"]
        auc, low, high, method = found.estimate, found.low, found.high, found.method
    return TierScore(
        n=int(labels.size),
        n_compatible=n1,
        n_incompatible=n0,
        n_groups=len(set(groups)),
        auc=auc,
        low=low,
        high=high,
        method=method,
        threshold=float(threshold),
        recall=float(predicted[labels == 1].mean()) if n1 else None,
        false_positive_rate=float(predicted[labels == 0].mean()) if n0 else None,
        scores=[float(s) for s in scores],
        labels=[int(y) for y in labels],
        groups=list(groups),
    )


def measure_tiers(
    eval_scores,
    eval_pairs: Sequence[DatingPair],
    train_pairs: Sequence[DatingPair],
    threshold: float,
    *,
    ood_scores=None,
    ood_pairs: Sequence[DatingPair] | None = None,
    seed: int = 42,
    n_resamples: int = 1000,
) -> TierReport:
    """A model's three tiers from its eval scores (and OOD scores, where there is an OOD split).

    Args:
        eval_scores: the model's score of each eval pair, in file order.
        eval_pairs, train_pairs: the pairs; train decides which eval pairs are seen.
        threshold: the model's validation threshold (recall and FP rate use it).
        ood_scores, ood_pairs: the OOD split and the model's scores on it, or both ``None``.
    """
    eval_scores = np.asarray(eval_scores, dtype=float)
    if eval_scores.size != len(eval_pairs):
        raise ValueError(f"{eval_scores.size} scores for {len(eval_pairs)} eval pairs")
    assignment = assign_tiers(eval_pairs, train_pairs)
    labels = np.array([int(p.label) for p in eval_pairs])
    tier_of = np.array(assignment.tiers, dtype=object)
    groups = np.array(assignment.groups, dtype=object)
    options = dict(seed=seed, n_resamples=n_resamples)
    found = {}
    for name in ("seen_templates", "unseen_templates"):
        mask = tier_of == name
        found[name] = tier_score(
            eval_scores[mask], labels[mask], list(groups[mask]), threshold, **options
        )
    unseen_topics = None
    if ood_pairs is not None:
        if ood_scores is None or np.size(ood_scores) != len(ood_pairs):
            raise ValueError("give the model's score of every OOD pair with the OOD pairs")
        unseen_topics = tier_score(
            ood_scores,
            [int(p.label) for p in ood_pairs],
            [pair_group(p, i) for i, p in enumerate(ood_pairs)],
            threshold,
            **options,
        )
    return TierReport(
        rule=assignment.rule,
        n_unassigned=int(np.sum(tier_of == UNASSIGNED)),
        unseen_topics=unseen_topics,
        **found,
    )


def tier_differences(
    a: TierReport, b: TierReport, *, seed: int = 42, n_resamples: int = 1000
) -> dict[str, BootstrapInterval | None]:
    """``AUC(a) - AUC(b)`` per tier, both models on the same resampled groups.

    ``None`` for a tier either model lacks or that lacks two pairs of a label.

    Raises:
        ValueError: the two reports were measured on different pairs.
    """
    found: dict[str, BootstrapInterval | None] = {}
    for name in TIERS:
        first, second = a.tier(name), b.tier(name)
        if first is None or second is None or first.auc is None or second.auc is None:
            found[name] = None
            continue
        if first.labels != second.labels or first.groups != second.groups:
            raise ValueError(f"the two models' {TIER_LABELS[name]} tiers hold different pairs")
        found[name] = paired_cluster_differences(
            first.scores,
            second.scores,
            first.labels,
            first.groups,
            (first.threshold, second.threshold),
            metrics=("auc_roc",),
            seed=seed,
            n_resamples=n_resamples,
        )["auc_roc"]
    return found


def gain_kept(
    model: TierReport, base: TierReport, tier: str, reference: str = "seen_templates"
) -> float | None:
    """The share of the seen-template AUC gain over ``base`` that survives on ``tier``.

    ``(AUC_model(tier) - AUC_base(tier)) / (AUC_model(seen) - AUC_base(seen))``; ``None``
    where an AUC is missing or the seen-template gain is not positive.

    Example:
        >>> def report(seen, unseen):
        ...     score = lambda auc: TierScore(n=4, n_compatible=2, n_incompatible=2, n_groups=2,
        ...         auc=auc, low=None, high=None, method=None, threshold=0.5, recall=None,
        ...         false_positive_rate=None, scores=[], labels=[], groups=[])
        ...     return TierReport(rule="subcategory", n_unassigned=0,
        ...         seen_templates=score(seen), unseen_templates=score(unseen), unseen_topics=None)
        >>> round(gain_kept(report(0.9, 0.6), report(0.5, 0.5), "unseen_templates"), 6)
        0.25
    """
    values = [r.tier(t) for r in (model, base) for t in (tier, reference)]
    if any(v is None or v.auc is None for v in values):
        return None
    (m_tier, m_ref, b_tier, b_ref) = (v.auc for v in values)
    seen_gain = m_ref - b_ref
    if seen_gain <= 0:
        return None
    return (m_tier - b_tier) / seen_gain


def score_pairs(model, pairs: Sequence[DatingPair]) -> np.ndarray:
    """A sentence-transformers model's cosine score of each pair (the OOD split's, say)."""
    from p3lib.evaluation.embed import cosine_scores, encode_pairs

    return cosine_scores(*encode_pairs(model, list(pairs), show_progress_bar=False))


# The model-against-model differences every build reports, tier by tier.
TIER_COMPARISONS = (
    ("full", "baseline"),
    ("lora", "baseline"),
    ("full", "lora"),
    ("full", "words_only"),
    ("lora", "words_only"),
)


class TierComparison(_Model):
    """Every model's tiers, the paired differences between them, and how much gain survives.

    ``differences`` maps ``"a - b"`` to each tier's paired AUC difference; ``gain_kept`` maps
    each fine-tuned model to the share of its seen-template AUC gain over the baseline that
    survives on the other two tiers (:func:`gain_kept`).
    """

    rule: Rule
    models: dict[str, TierReport]
    differences: dict[str, dict[str, BootstrapInterval | None]]
    gain_kept: dict[str, dict[str, float | None]]


def compare_tiers(
    reports: dict[str, TierReport], *, seed: int = 42, n_resamples: int = 1000
) -> TierComparison:
    """Paired differences for :data:`TIER_COMPARISONS` (those whose two models are given)."""
    differences = {
        f"{a} - {b}": tier_differences(reports[a], reports[b], seed=seed, n_resamples=n_resamples)
        for a, b in TIER_COMPARISONS
        if a in reports and b in reports
    }
    kept = {
        name: {
            tier: gain_kept(reports[name], reports["baseline"], tier)
            for tier in ("unseen_templates", "unseen_topics")
        }
        for name in ("full", "lora")
        if name in reports and "baseline" in reports
    }
    rules = {report.rule for report in reports.values()}
    rule: Rule = rules.pop() if len(rules) == 1 else "both"
    return TierComparison(rule=rule, models=reports, differences=differences, gain_kept=kept)
