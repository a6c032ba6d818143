"""The PRD's success criteria, checked against the measured values and their intervals.

The PRD (section 1) sets the targets for the fine-tuned model: compatibility margin at least
0.2, Cohen's d above 0.8, Spearman's rho at least 0.86, and (its dealbreaker sanity check)
dealbreaker pairs practically never called compatible. Each criterion is judged on the 95%
cluster-bootstrap interval, not the point value: **pass** when the whole interval meets the
target, **fail** when the whole interval misses it, **cannot tell** when the interval straddles
it.

Beside Spearman's target stands what binary labels allow: rho cannot exceed the ceiling
``sqrt(3 p (1 - p))`` at the eval split's label balance, and the target corresponds to an AUC
(:func:`p3lib.evaluation.rank_identity.auc_from_spearman`), so a target above the ceiling is
unreachable whatever the model.

Example:
    >>> judge(0.25, 0.40, 0.2, "at_least"), judge(0.1, 0.3, 0.2, "at_least")
    ('pass', 'cannot tell')
    >>> judge(0.0, 0.02, 0.05, "at_most"), judge(0.1, 0.2, 0.05, "at_most")
    ('pass', 'fail')

Why the dealbreaker criterion can go unjudged: its pairs come from a few templates (the
default data's 45 dealbreaker pairs sit in 3 template groups), and an interval that resamples
3 clusters cannot bound a rate: a model with no error there would pass whatever it does on
dealbreakers it has not seen. Below :data:`MIN_TEMPLATES` template groups the criterion shows
k of n and the number of templates, and says the data cannot bound it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from p3lib.evaluation.metrics import spearman_ceiling
from p3lib.evaluation.rank_identity import auc_from_spearman

MARGIN_TARGET = 0.2
COHENS_D_TARGET = 0.8
SPEARMAN_TARGET = 0.86
# "Near zero": at most this share of dealbreaker pairs called compatible.
DEALBREAKER_TOLERANCE = 0.05
# Fewer template groups than this cannot bound a rate (see the module docstring).
MIN_TEMPLATES = 10
Verdict = Literal["pass", "fail", "cannot tell"]
Direction = Literal["at_least", "above", "at_most"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Measured(Protocol):
    value: float | None
    low: float | None
    high: float | None


class DealbreakerCount(_Model):
    """``k`` of ``n`` dealbreaker pairs called compatible, the n pairs in ``n_templates`` groups."""

    k: int
    n: int
    n_templates: int


class Criterion(_Model):
    """One success criterion for one model: target, measured value, interval and verdict."""

    key: str
    label: str
    model: str
    target: str
    value: float | None
    low: float | None
    high: float | None
    verdict: Verdict
    note: str | None = None


def judge(low: float | None, high: float | None, bound: float, direction: Direction) -> Verdict:
    """pass / fail / cannot tell for an interval against a target bound."""
    if low is None or high is None:
        return "cannot tell"
    if direction == "at_least":
        return "pass" if low >= bound else "fail" if high < bound else "cannot tell"
    if direction == "above":
        return "pass" if low > bound else "fail" if high <= bound else "cannot tell"
    return "pass" if high <= bound else "fail" if low > bound else "cannot tell"


def spearman_note(n_compatible: int, n_incompatible: int, target: float = SPEARMAN_TARGET) -> str:
    """The ceiling binary labels allow at this balance, and the AUC the target implies."""
    n = n_compatible + n_incompatible
    ceiling = spearman_ceiling([1] * n_compatible + [0] * n_incompatible)
    auc = auc_from_spearman(target, n_compatible, n_incompatible)
    reach = (
        f"AUC {auc:.3f}" if auc <= 1 else "an AUC above 1: no ranking reaches it on these labels"
    )
    return (
        f"with {n_compatible} of {n} eval pairs compatible, rho cannot exceed {ceiling:.3f}; "
        f"rho {target:.2f} needs {reach}"
    )


def success_criteria(
    models: Mapping[str, Mapping[str, _Measured]],
    dealbreaker_rates: Mapping[str, _Measured | None],
    n_compatible: int,
    n_incompatible: int,
    *,
    tolerance: float = DEALBREAKER_TOLERANCE,
    labels: Mapping[str, str] | None = None,
    counts: Mapping[str, DealbreakerCount | None] | None = None,
    min_templates: int = MIN_TEMPLATES,
) -> list[Criterion]:
    """Judge each model (``name -> headline estimates``) against the PRD's four criteria.

    ``dealbreaker_rates`` maps each model to its dealbreaker false positive rate with its
    interval (``None`` where eval has no dealbreaker pair); ``counts`` to its k of n and the
    number of template groups: below ``min_templates`` the verdict is "cannot tell" and the
    note says the data cannot bound the rate.

    Example:
        >>> rows = success_criteria({}, {"m": None}, 5, 5, counts={"m": DealbreakerCount(
        ...     k=0, n=45, n_templates=3)})
        >>> rows[0].verdict, rows[0].note.split(": ")
        ('cannot tell', ['0 of 45 dealbreaker pairs called compatible, in 3 template groups', \
'below 10 template groups the data cannot bound the rate'])
    """
    counts = dict(counts or {})
    names = list(dict.fromkeys([*models, *dealbreaker_rates]))
    labels = dict(labels or {})
    rows = []
    targets = (
        ("margin", "Compatibility margin", f">= {MARGIN_TARGET}", MARGIN_TARGET, "at_least"),
        ("cohens_d", "Cohen's d", f"> {COHENS_D_TARGET}", COHENS_D_TARGET, "above"),
        ("spearman", "Spearman's rho", f">= {SPEARMAN_TARGET}", SPEARMAN_TARGET, "at_least"),
    )
    note = spearman_note(n_compatible, n_incompatible)
    for name in names:
        headline = models.get(name, {})
        label = labels.get(name, name)
        for key, text, target, bound, direction in targets if headline else ():
            e = headline[key]
            rows.append(
                Criterion(
                    key=key,
                    label=text,
                    model=label,
                    target=target,
                    value=e.value,
                    low=e.low,
                    high=e.high,
                    verdict=judge(e.low, e.high, bound, direction),
                    note=note if key == "spearman" else None,
                )
            )
        rate = dealbreaker_rates.get(name)
        count = counts.get(name)
        verdict = judge(
            None if rate is None else rate.low,
            None if rate is None else rate.high,
            tolerance,
            "at_most",
        )
        note = None if rate is not None else "eval has no dealbreaker pair"
        if count is not None:
            note = (
                f"{count.k} of {count.n} dealbreaker pairs called compatible, in "
                f"{count.n_templates} template groups"
            )
            if count.n_templates < min_templates:
                verdict = "cannot tell"
                note += f": below {min_templates} template groups the data cannot bound the rate"
        rows.append(
            Criterion(
                key="dealbreaker_false_positives",
                label="Dealbreaker false positives (share of dealbreaker pairs)",
                model=label,
                target=f"near zero (<= {tolerance:.0%})",
                value=None if rate is None else rate.value,
                low=None if rate is None else rate.low,
                high=None if rate is None else rate.high,
                verdict=verdict,
                note=note,
            )
        )
    return rows
