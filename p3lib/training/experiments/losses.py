"""Study 1, the loss function: ``CosineSimilarityLoss`` against the two contrastive losses.

Each loss trains chapter 03's recipe with the same budget (ADR 003); the best is picked on the
validation split, and each difference from the cosine loss is a paired bootstrap interval set
against the seed-to-seed spread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from p3lib.evaluation.comparison import Estimate
from p3lib.training.experiments.measure import (
    Difference,
    MeasuredModel,
    describe_difference,
    paired_difference,
)
from p3lib.training.experiments.plan import LOSS_LABELS, LOSSES, LossName, StudyModel
from p3lib.training.experiments.seeds import SeedStudy, seed_range


class LossArm(StudyModel):
    """One loss function's model and its headline numbers on eval and OOD."""

    loss: LossName
    label: str
    model: str
    eval: dict[str, Estimate]
    ood: dict[str, Estimate]
    best_validation_score: float | None
    train_seconds: float | None


class LossStudy(StudyModel):
    """The three losses with the same data, budget and checkpoint rule.

    ``best`` is the arm with the highest best *validation* score (the checkpoint's Spearman on
    the validation split; the eval split only measures), ``null`` when no arm recorded one.
    ``differences`` holds, for
    each other loss, its Spearman's rho minus CosineSimilarityLoss's on the same eval pairs
    (:class:`Difference`: paired bootstrap interval and the seed-to-seed range of full
    fine-tuning, ``seed_range``); only a ``real`` difference shows that one loss ranks better
    than another, rather than the luck of the split or of a seed. Margins and thresholds are
    not comparable across losses (each loss puts the labels at different cosines); rank
    metrics (Spearman's rho, AUC) and F1 at the validation threshold are.
    """

    arms: list[LossArm]
    best: LossName | None
    differences: dict[str, Difference]
    seed_range: float | None
    verdict: str


def loss_study(
    measured: Mapping[str, MeasuredModel],
    arms: Mapping[str, str] | None = None,
    seeds: SeedStudy | None = None,
    *,
    seed: int = 42,
    n_bootstrap: int = 1000,
) -> LossStudy:
    """Compare the loss functions; ``arms`` maps each loss to its model's name.

    By default: ``cosine`` is chapter 03's model (``full``), the others are named after their
    loss. Arms without a measured model are left out. ``seed`` and ``n_bootstrap`` drive the
    paired bootstrap of each difference.
    """
    arms = dict(arms or {"cosine": "full", **{loss: loss for loss in LOSSES[1:]}})
    rows = []
    for loss, name in arms.items():
        if name not in measured:
            continue
        m = measured[name]
        rows.append(
            LossArm(
                loss=loss,
                label=LOSS_LABELS[loss],
                model=name,
                eval=m.eval,
                ood=m.ood,
                best_validation_score=m.training.best_validation_score if m.training else None,
                train_seconds=m.training.train_seconds if m.training else None,
            )
        )
    if not rows:
        raise ValueError("no loss arm was measured")
    # Picked on validation: choosing by eval score would let the eval split choose.
    scored = [arm for arm in rows if arm.best_validation_score is not None]
    best = max(scored, key=lambda arm: arm.best_validation_score) if scored else None
    full_seed_range = seed_range(seeds, "eval", "spearman")
    differences = {}
    if "cosine" in arms and arms["cosine"] in measured:
        cosine = measured[arms["cosine"]]
        differences = {
            arm.loss: paired_difference(
                measured[arm.model],
                cosine,
                seed_range=full_seed_range,
                seed=seed,
                n_bootstrap=n_bootstrap,
            )
            for arm in rows
            if arm.loss != "cosine"
        }
    study = LossStudy(
        arms=rows,
        best=best.loss if best is not None else None,
        differences=differences,
        seed_range=full_seed_range,
        verdict="",
    )
    return study.model_copy(update={"verdict": loss_verdict(study)})


def _join(names: Sequence[str], conjunction: str) -> str:
    """Names joined for a sentence.

    Example:
        >>> _join(["A"], "or"), _join(["A", "B"], "or"), _join(["A", "B", "C"], "and")
        ('A', 'A or B', 'A, B and C')
    """
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def loss_verdict(study: LossStudy) -> str:
    """One paragraph on what the loss study shows, decided by its numbers alone."""
    if not study.differences:
        return (
            "This run did not train CosineSimilarityLoss and an alternative with the same "
            "budget, so it gives no verdict on the loss function."
        )
    rhos = ", ".join(f"{arm.label} {arm.eval['spearman'].value:.3f}" for arm in study.arms)
    compared = "; ".join(
        f"{LOSS_LABELS[loss]} {describe_difference(d)}" for loss, d in study.differences.items()
    )
    text = (
        f"Spearman's rho on eval: {rhos}. Each alternative against CosineSimilarityLoss on the "
        f"same eval pairs: {compared}. "
    )
    better = [loss for loss, d in study.differences.items() if d.real and d.value > 0]
    worse = [loss for loss, d in study.differences.items() if d.real and d.value < 0]
    unclear = [LOSS_LABELS[loss] for loss in study.differences if loss not in better + worse]
    if better:
        top = max(better, key=lambda loss: study.differences[loss].value)
        return text + (
            f"{LOSS_LABELS[top]} ranks eval pairs better than CosineSimilarityLoss by more than "
            "the split's sampling noise and a change of seed: on this data it is the better "
            "objective."
        )
    if not unclear:
        return text + (
            "CosineSimilarityLoss ranks eval pairs better than every alternative, by more than "
            "the split's sampling noise and a change of seed: on this data the measurement "
            "supports the default."
        )
    text += f"This run cannot tell {_join(unclear, 'or')} from CosineSimilarityLoss"
    if worse:
        verb = "ranks" if len(worse) == 1 else "rank"
        text += f", and {_join([LOSS_LABELS[loss] for loss in worse], 'and')} {verb} worse than it"
    return text + ": no alternative is shown to beat the default."
