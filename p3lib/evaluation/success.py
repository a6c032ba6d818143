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
Verdict = Literal["pass", "fail", "cannot tell"]
Direction = Literal["at_least", "above", "at_most"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Measured(Protocol):
    value: float | None
    low: float | None
    high: float | None


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
) -> list[Criterion]:
    """Judge each model (``name -> headline estimates``) against the PRD's four criteria.

    ``dealbreaker_rates`` maps each model to its dealbreaker false positive rate with its
    interval (``None`` where eval has no dealbreaker pair).
    """
    labels = dict(labels or {})
    rows = []
    targets = (
        ("margin", "Compatibility margin", f">= {MARGIN_TARGET}", MARGIN_TARGET, "at_least"),
        ("cohens_d", "Cohen's d", f"> {COHENS_D_TARGET}", COHENS_D_TARGET, "above"),
        ("spearman", "Spearman's rho", f">= {SPEARMAN_TARGET}", SPEARMAN_TARGET, "at_least"),
    )
    note = spearman_note(n_compatible, n_incompatible)
    for name, headline in models.items():
        label = labels.get(name, name)
        for key, text, target, bound, direction in targets:
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
        rows.append(
            Criterion(
                key="dealbreaker_false_positives",
                label="Dealbreaker false positives (share of dealbreaker pairs)",
                model=label,
                target=f"near zero (<= {tolerance:.0%})",
                value=None if rate is None else rate.value,
                low=None if rate is None else rate.low,
                high=None if rate is None else rate.high,
                verdict=judge(
                    None if rate is None else rate.low,
                    None if rate is None else rate.high,
                    tolerance,
                    "at_most",
                ),
                note=None if rate is not None else "eval has no dealbreaker pair",
            )
        )
    return rows
