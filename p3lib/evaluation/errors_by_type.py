"""Where a model still fails, pair type by pair type, at the validation threshold.

For every ``pair_type`` in the eval data: the pairs it gets wrong at the decision threshold
(false positives among its label-0 pairs, false negatives among its label-1 pairs, both for a
type that holds both labels), the error rate with a 95% Wilson score interval, the mean cosine
of each label, and the AUC-ROC where the type holds both labels. The PRD asks for false
positives by pair type; a compatible pair scored as incompatible is the other half of "where
does it still fail".

Intervals: with the pairs' template groups (``groups``, the eval data's (category,
subcategory) pairs) the error rate's interval is the cluster bootstrap over those groups, the
one method every page uses for a rate, since the pairs of one template are not independent
draws (a Wilson interval treats them as such and is too narrow: 6 of 45 dealbreaker pairs
from 3 templates get [0.063, 0.262]). The type named worst then carries the share of
resamples in which it has the highest error rate (:mod:`p3lib.evaluation.rankings`), and the
sentence names it only where that share is high. Without groups (files without subcategories)
the Wilson interval (``scipy.stats.binomtest(...).proportion_ci(method="wilson")``) is used,
which unlike a percentile bootstrap does not collapse to [0, 0] at 0 errors of a few pairs.

Conventions follow :mod:`p3lib.evaluation.metrics`: a pair is predicted compatible when its cosine
is at
or above the threshold, and anything undefined (the mean cosine of a label a type does not
hold, the AUC of a one-label type) is ``None``, never 0.

Example:
    >>> from p3lib.evaluation.errors_by_type import errors_by_pair_type
    >>> table = errors_by_pair_type([0.9, 0.2, 0.7, 0.6], [1, 0, 0, 1],
    ...                             ["compatible", "incompatible", "incompatible", "compatible"],
    ...                             threshold=0.5)
    >>> table.by_pair_type["incompatible"].n_errors, table.worst
    (1, 'incompatible')
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict
from scipy.stats import binomtest
from sklearn.metrics import roc_auc_score

from p3lib.data.schema import PAIR_TYPES
from p3lib.evaluation.cluster_bootstrap import rate_interval
from p3lib.evaluation.formatting import format_share
from p3lib.evaluation.rankings import SUPPORTED_SHARE, worst_type_support
from p3lib.store.atomic import read_json

INTERVAL_METHOD = "wilson"
CLUSTER_METHOD = "cluster bootstrap over template groups"
INTERVAL_LEVEL = 0.95
# Subjects of the results page's sentences, by metrics file name.
SUBJECTS = {"baseline": "The base model", "full": "Full fine-tuning", "lora": "LoRA"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TypeErrors(_Model):
    """One pair type's errors at the threshold.

    ``error_rate`` is ``n_errors / n`` with ``n_errors = false_positives + false_negatives``;
    ``error_low`` and ``error_high`` bound it (Wilson, 95%).
    """

    pair_type: str
    n: int
    n_compatible: int
    n_incompatible: int
    false_positives: int
    false_negatives: int
    n_errors: int
    error_rate: float
    error_low: float | None
    error_high: float | None
    mean_cosine_compatible: float | None
    mean_cosine_incompatible: float | None
    auc_roc: float | None
    # Template groups the type's pairs come from (``None`` without groups): an interval over
    # a few groups cannot bound a rate, and 0 errors over them gives [0, 0].
    n_templates: int | None = None


class ErrorsByPairType(_Model):
    """Errors of every pair type present, in the order of :data:`p3lib.data.schema.PAIR_TYPES`
    (then any other type, alphabetically); ``worst`` is the type with the highest error rate
    (ties: more errors, then the earlier type), ``None`` when no type has an error."""

    threshold: float
    interval_method: str = INTERVAL_METHOD
    interval_level: float = INTERVAL_LEVEL
    by_pair_type: dict[str, TypeErrors]
    worst: str | None
    # Share of template-group resamples in which ``worst`` has the highest error rate
    # (``None`` without groups, or in results written before it).
    worst_share: float | None = None

    def rows(self) -> list[dict[str, object]]:
        """One row per pair type for a table: counts, error rate and interval, cosines, AUC."""
        return [
            {
                "pair type": row.pair_type,
                "pairs": row.n,
                "label 1": row.n_compatible,
                "label 0": row.n_incompatible,
                "false positives": row.false_positives,
                "false negatives": row.false_negatives,
                "error rate": row.error_rate,
                "95% low": row.error_low,
                "95% high": row.error_high,
                "mean cosine, label 1": row.mean_cosine_compatible,
                "mean cosine, label 0": row.mean_cosine_incompatible,
                "AUC within type": row.auc_roc,
                "template groups": row.n_templates,
            }
            for row in self.by_pair_type.values()
        ]

    def worst_sentence(self, model: str, escape: bool = True) -> str:
        """One sentence naming the worst type and its error rate with interval, from the numbers.

        ``model`` is the sentence's subject ("Full fine-tuning"). The pair type comes from the
        data, so it is HTML-escaped for a page unless ``escape`` is False; it is named as a
        type (:func:`pair_type_phrase`), so that the type "incompatible" never reads as the
        label.
        """
        if self.worst is None:
            return f"{model} gets every eval pair right at the validation threshold."
        row = self.by_pair_type[self.worst]
        pairs = pair_type_phrase(row.pair_type, escape)
        method = "Wilson" if self.interval_method == INTERVAL_METHOD else "cluster"
        interval = (
            f", {self.interval_level:.0%} {method} interval {row.error_low:.0%} to "
            f"{row.error_high:.0%}"
            if None not in (row.error_low, row.error_high)
            else ""
        )
        counts = f"{row.n_errors} of {row.n} wrong ({format_share(row.n_errors, row.n)}{interval})"
        if self.worst_share is None:
            return f"{model} errs most on {pairs}: {counts}."
        if self.worst_share >= SUPPORTED_SHARE:
            return (
                f"{model} errs most on {pairs}: {counts}; that type has the highest error "
                f"rate in {self.worst_share:.0%} of resamples of the template groups."
            )
        return (
            f"{model} has no pair type that clearly errs most: {pairs} have the highest "
            f"error rate here ({counts}), but in only {self.worst_share:.0%} of resamples of "
            "the template groups."
        )


def pair_type_phrase(pair_type: str, escape: bool = True) -> str:
    """Pairs of one type as a sentence names them, the type quoted as the name it is.

    The types "compatible" and "incompatible" share their names with the labels; written
    bare ("errs most on incompatible pairs") a type reads as the label.

    Example:
        >>> pair_type_phrase("incompatible"), pair_type_phrase("<b>x</b>")
        ('pairs of the type “incompatible”', 'pairs of the type “&lt;b&gt;x&lt;/b&gt;”')
    """
    name = html.escape(pair_type) if escape else pair_type
    return f"pairs of the type “{name}”"


def wilson_interval(errors: int, n: int, level: float = INTERVAL_LEVEL) -> tuple[float, float]:
    """The Wilson score interval of the proportion ``errors / n``.

    Example:
        >>> low, high = wilson_interval(0, 5)
        >>> round(low, 3), round(high, 3)
        (0.0, 0.434)
    """
    ci = binomtest(errors, n).proportion_ci(confidence_level=level, method="wilson")
    return float(ci.low), float(ci.high)


def _mean_or_none(values: np.ndarray) -> float | None:
    return float(values.mean()) if values.size else None


def errors_by_pair_type(
    scores,
    labels,
    pair_types: Sequence[str],
    threshold: float,
    groups: Sequence[str] | None = None,
    *,
    seed: int = 42,
    n_resamples: int = 1000,
) -> ErrorsByPairType:
    """Errors, intervals, mean cosines and AUC per pair type at ``threshold``.

    Args:
        scores: cosine score of each pair.
        labels: 0/1 label of each pair.
        pair_types: pair type of each pair.
        threshold: the decision threshold (chosen on validation).
        groups: each pair's template group: cluster-bootstrap intervals and the worst type's
            resample share (``None``: Wilson intervals, no share).
    """
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=int)
    types = np.asarray(list(pair_types), dtype=object)
    if not scores.shape == labels.shape == types.shape or scores.ndim != 1:
        raise ValueError("scores, labels and pair_types must be 1-d and of equal length")
    present = set(types.tolist())
    order = [t for t in PAIR_TYPES if t in present] + sorted(present - set(PAIR_TYPES))
    predicted = scores >= threshold
    rows = {}
    for pair_type in order:
        mask = types == pair_type
        s, y, p = scores[mask], labels[mask], predicted[mask]
        fp = int(np.sum(p & (y == 0)))
        fn = int(np.sum(~p & (y == 1)))
        n = int(mask.sum())
        if groups is None:
            low, high = wilson_interval(fp + fn, n)
        else:
            wrong = (predicted != (labels == 1)).astype(float)
            rate = rate_interval(
                wrong, mask.astype(float), groups, seed=seed, n_resamples=n_resamples
            )
            low, high = rate.low, rate.high
        rows[pair_type] = TypeErrors(
            pair_type=pair_type,
            n=n,
            n_compatible=int(np.sum(y == 1)),
            n_incompatible=int(np.sum(y == 0)),
            false_positives=fp,
            false_negatives=fn,
            n_errors=fp + fn,
            error_rate=(fp + fn) / n,
            error_low=low,
            error_high=high,
            mean_cosine_compatible=_mean_or_none(s[y == 1]),
            mean_cosine_incompatible=_mean_or_none(s[y == 0]),
            auc_roc=float(roc_auc_score(y, s)) if len(set(y.tolist())) == 2 else None,
            n_templates=(
                None if groups is None else len({g for g, m in zip(groups, mask, strict=True) if m})
            ),
        )
    failing = [row for row in rows.values() if row.n_errors]
    worst = None
    if failing:
        # max() keeps the first of equals, so ties go to the earlier type.
        worst = max(failing, key=lambda row: (row.error_rate, row.n_errors)).pair_type
    share = None
    if groups is not None and worst is not None:
        support = worst_type_support(
            scores,
            labels,
            types,
            groups,
            threshold,
            first=worst,
            seed=seed,
            n_resamples=n_resamples,
        )
        share = None if support is None else support.share
    return ErrorsByPairType(
        threshold=float(threshold),
        interval_method=INTERVAL_METHOD if groups is None else CLUSTER_METHOD,
        by_pair_type=rows,
        worst=worst,
        worst_share=share,
    )


def worst_types_paragraph(tables: Mapping[str, ErrorsByPairType]) -> str:
    """The worst pair type of each model (``baseline``, ``full``, ``lora``), one sentence each."""
    return " ".join(
        table.worst_sentence(SUBJECTS.get(name, name)) for name, table in tables.items()
    )


def errors_substitutions(metrics_folder: str | Path) -> dict[str, str]:
    """``worst_types`` for the results page, from the run's ``baseline``/``full``/``lora`` JSON;
    empty when no results file holds ``errors_by_pair_type``."""
    tables = {}
    for name in SUBJECTS:
        path = Path(metrics_folder) / f"{name}.json"
        value = read_json(path).get("errors_by_pair_type") if path.is_file() else None
        if value is not None:
            tables[name] = ErrorsByPairType.model_validate(value)
    return {"worst_types": worst_types_paragraph(tables)}
