"""Study 2, the instruction: full fine-tuning with a task instruction before both statements.

The instruction is prepended in training, validation and evaluation alike; the study reports
each headline metric's change from the plain model, on eval and OOD, against the seed spread.
"""

from __future__ import annotations

from collections.abc import Mapping

from p3lib.evaluation.comparison import Estimate
from p3lib.evaluation.results import HEADLINE_KEYS, INTERVAL_METRICS
from p3lib.training.experiments.measure import (
    Difference,
    MeasuredModel,
    describe_difference,
    paired_difference,
)
from p3lib.training.experiments.plan import StudyModel
from p3lib.training.experiments.seeds import SeedStudy, seed_range


class InstructionStudy(StudyModel):
    """The instructed model against the plain one, on every headline metric.

    ``eval_deltas`` and ``ood_deltas`` are ``instructed - plain`` (``null`` where either is
    undefined). ``eval_differences`` and ``ood_differences`` give the bootstrapped metrics'
    differences with their paired intervals (:class:`Difference`). ``seed_range`` is full
    fine-tuning's seed-to-seed range of each metric on eval, the yardstick for a delta.
    """

    plain: str
    instructed: str
    instruction: str
    eval_deltas: dict[str, float | None]
    ood_deltas: dict[str, float | None]
    eval_differences: dict[str, Difference]
    ood_differences: dict[str, Difference]
    seed_range: dict[str, float | None]
    verdict: str


def _delta(after: Estimate, before: Estimate) -> float | None:
    return None if after.value is None or before.value is None else after.value - before.value


def instruction_study(
    measured: Mapping[str, MeasuredModel],
    plain: str = "full",
    instructed: str = "instructed",
    seeds: SeedStudy | None = None,
    *,
    seed: int = 42,
    n_bootstrap: int = 1000,
) -> InstructionStudy:
    """Compare the instructed model with the plain one (chapter 03's)."""
    p, i = measured[plain], measured[instructed]
    if not i.prompt:
        raise ValueError(f"{instructed} was not trained with an instruction")
    differences = {
        split: {
            key: paired_difference(
                i,
                p,
                split,
                key,
                seed_range=seed_range(seeds, split, key),
                seed=seed,
                n_bootstrap=n_bootstrap,
            )
            for key in INTERVAL_METRICS
        }
        for split in ("eval", "ood")
    }
    study = InstructionStudy(
        plain=plain,
        instructed=instructed,
        instruction=i.prompt,
        eval_deltas={key: _delta(i.eval[key], p.eval[key]) for key in HEADLINE_KEYS},
        ood_deltas={key: _delta(i.ood[key], p.ood[key]) for key in HEADLINE_KEYS},
        eval_differences=differences["eval"],
        ood_differences=differences["ood"],
        seed_range={key: seed_range(seeds, "eval", key) for key in HEADLINE_KEYS},
        verdict="",
    )
    return study.model_copy(update={"verdict": _instruction_verdict(study, p, i)})


def _instruction_verdict(study: InstructionStudy, plain: MeasuredModel, i: MeasuredModel) -> str:
    text = ""
    for split, where in (("eval", "On eval"), ("ood", "Out of distribution")):
        d = getattr(study, f"{split}_differences")["spearman"]
        after, before = getattr(i, split)["spearman"].value, getattr(plain, split)["spearman"].value
        if d.real:
            finding = f"the instruction {'helps' if d.value > 0 else 'hurts'}"
        else:
            finding = "this run cannot say that it matters"
        text += (
            f"{where}, Spearman's rho with the instruction is {after:.3f} against {before:.3f} "
            f"without, {describe_difference(d)}: {finding}. "
        )
    return text.strip()
