"""The appendix's results file, ADR 003's numbers and the chapter's tables.

:func:`summarise_experiments` runs the four studies on the measured models into one
:class:`ExperimentsResult` (``metrics/experiments.json``); :func:`experiment_substitutions`
gives ADR 003 its numbers and :func:`appendix_summary` the findings the results block quotes;
the ``*_table`` functions give chapter 07 its tables, numbers only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from p3lib.evaluation.comparison import Estimate
from p3lib.evaluation.results import HEADLINE_KEYS
from p3lib.store.result_files import load_result
from p3lib.store.run_layout import RunLayout
from p3lib.training.experiments.instruction import InstructionStudy, instruction_study
from p3lib.training.experiments.losses import LossStudy, loss_study
from p3lib.training.experiments.measure import Difference, MeasuredModel
from p3lib.training.experiments.ood import OodStudy, ood_study
from p3lib.training.experiments.plan import LOSSES, METHOD_LABELS, StudyModel
from p3lib.training.experiments.seeds import SeedStudy, Spread, seed_study
from p3lib.training.formatting import format_rate
from p3lib.training.record import TrainConfig

_MISSING = "(not measured in this run)"


class ExperimentsResult(StudyModel):
    """Chapter 07's results file, ``metrics/experiments.json``."""

    recipe: TrainConfig
    seeds: list[int]
    instruction: str | None
    models: dict[str, MeasuredModel]
    seed_study: SeedStudy
    loss_study: LossStudy
    instruction_study: InstructionStudy | None
    ood_study: OodStudy
    train_seconds: float


def summarise_experiments(
    measured: Mapping[str, MeasuredModel],
    recipe: TrainConfig,
    instruction: str | None,
    *,
    n_bootstrap: int = 1000,
) -> ExperimentsResult:
    """Run the four pure studies on the measured models and assemble the results file.

    Paired differences use ``recipe.seed`` and ``n_bootstrap``, as :func:`measure_models` did.
    """
    seeds = seed_study(measured, seed=recipe.seed, n_bootstrap=n_bootstrap)
    has_instruction = any(m.prompt for m in measured.values())
    paired = dict(seed=recipe.seed, n_bootstrap=n_bootstrap)
    return ExperimentsResult(
        recipe=recipe,
        seeds=seeds.seeds,
        instruction=instruction or None,
        models=dict(measured),
        seed_study=seeds,
        loss_study=loss_study(measured, seeds=seeds, **paired),
        instruction_study=(
            instruction_study(measured, seeds=seeds, **paired) if has_instruction else None
        ),
        ood_study=ood_study(measured, **paired),
        train_seconds=sum(
            m.training.train_seconds
            for m in measured.values()
            if m.trained_in_appendix and m.training is not None
        ),
    )


def _interval_text(estimate: Estimate | None, fmt: str) -> str:
    if estimate is None or estimate.value is None:
        return _MISSING
    text = format(estimate.value, fmt)
    if estimate.low is not None and estimate.high is not None:
        text += f" [{format(estimate.low, fmt)}, {format(estimate.high, fmt)}]"
    return text


def _spread_text(s: Spread | None, fmt: str = ".3f") -> str:
    if s is None or s.mean is None:
        return _MISSING
    if s.std is None:
        return f"{format(s.mean, fmt)} (one seed)"
    return (
        f"{format(s.mean, fmt)} ± {format(s.std, fmt)} (range {format(s.low, fmt)} to "
        f"{format(s.high, fmt)}, {s.n} seeds)"
    )


SUBSTITUTION_KEYS = (
    *(
        f"exp_{loss}_{metric}"
        for loss in LOSSES
        for metric in ("spearman", "auc", "f1", "margin", "ood_spearman", "validation")
    ),
    *(f"exp_{loss}_difference" for loss in LOSSES[1:]),
    "exp_seed_full_spearman",
    "exp_seed_lora_spearman",
    "exp_loss_budget",
    "exp_loss_verdict",
)


def experiment_substitutions(out_dir: str | Path) -> dict[str, str]:
    """ADR 003's measured numbers as MyST substitutions (keys :data:`SUBSTITUTION_KEYS`).

    Read from ``metrics/experiments.json``; every value is a short string of numbers and fixed
    words, and anything the run did not measure (the appendix was not run, a loss was left out)
    reads "(not measured in this run)". ``exp_loss_verdict`` says what the numbers support, so
    the ADR's text stays true whichever way they fall.
    """
    values = dict.fromkeys(SUBSTITUTION_KEYS, _MISSING)
    values["exp_loss_verdict"] = (
        "The appendix (chapter 07) was not run for this build, so the losses were not "
        "compared on this data; run `p3 run --experiments` to measure them."
    )
    path = RunLayout(out_dir).metric("experiments")
    if not path.is_file():
        return values
    try:
        result = load_result(path, ExperimentsResult)
    except ValueError:
        return values
    for arm in result.loss_study.arms:
        prefix = f"exp_{arm.loss}"
        values[f"{prefix}_spearman"] = _interval_text(arm.eval["spearman"], ".3f")
        values[f"{prefix}_auc"] = _interval_text(arm.eval["auc_roc"], ".3f")
        values[f"{prefix}_f1"] = _interval_text(Estimate(value=arm.eval["f1"].value), ".3f")
        values[f"{prefix}_margin"] = _interval_text(arm.eval["margin"], "+.3f")
        values[f"{prefix}_ood_spearman"] = _interval_text(arm.ood["spearman"], ".3f")
        if arm.best_validation_score is not None:
            values[f"{prefix}_validation"] = f"{arm.best_validation_score:.3f}"
    for loss, difference in result.loss_study.differences.items():
        values[f"exp_{loss}_difference"] = (
            f"{difference.value:+.3f} [{difference.low:+.3f}, {difference.high:+.3f}]"
        )
    for method in ("full", "lora"):
        values[f"exp_seed_{method}_spearman"] = _spread_text(
            result.seed_study.eval.get(method, {}).get("spearman")
        )
    recipe = result.recipe
    cosine = result.models.get("full")
    pairs = (
        f"{cosine.training.n_train_pairs:,} training pairs, " if cosine and cosine.training else ""
    )
    values["exp_loss_budget"] = (
        f"{pairs}{recipe.epochs} epoch{'s' if recipe.epochs != 1 else ''} at batch size "
        f"{recipe.batch_size}, learning rate "
        f"{format_rate(recipe.learning_rate)}, {recipe.warmup_steps} warmup steps, seed "
        f"{recipe.seed}"
    )
    values["exp_loss_verdict"] = result.loss_study.verdict
    return values


def headline_table(
    models: Sequence[MeasuredModel], split: Literal["eval", "ood"] = "eval"
) -> dict[str, dict[str, float | None]]:
    """``{model label: {metric: value}}`` of every headline metric, for a ``DataFrame``."""
    return {m.label: {key: getattr(m, split)[key].value for key in HEADLINE_KEYS} for m in models}


def seed_table(
    study: SeedStudy, split: Literal["eval", "ood"] = "eval"
) -> dict[str, dict[str, str]]:
    """``{method: {metric: "mean ± SD [low, high]"}}`` of every headline metric, for a table."""
    table = {}
    for method, spreads in getattr(study, split).items():
        column = {}
        for key in HEADLINE_KEYS:
            s = spreads[key]
            if s.mean is None:
                column[key] = "n/a"
            elif s.std is None:
                column[key] = f"{s.mean:.3f}"
            else:
                column[key] = f"{s.mean:.3f} ± {s.std:.3f} [{s.low:.3f}, {s.high:.3f}]"
        table[METHOD_LABELS[method]] = column
    return table


def ood_table(study: OodStudy, metric: str = "spearman") -> dict[str, dict[str, object]]:
    """``{model label: {eval, ood, drop, its 95% interval, excludes 0}}`` of one metric."""
    table = {}
    for row in study.rows:
        interval = row.drop_interval.get(metric)
        table[row.label] = {
            "eval": row.eval[metric],
            "ood": row.ood[metric],
            "drop": row.drop[metric],
            "drop 95% interval": (
                f"{interval.low:+.3f} to {interval.high:+.3f}" if interval is not None else None
            ),
            "excludes 0": (
                ("yes" if row.drop_excludes_zero(metric) else "no")
                if interval is not None
                else None
            ),
        }
    return table


def difference_table(
    differences: Mapping[str, Difference], labels: Mapping[str, str] | None = None
) -> dict[str, dict[str, object]]:
    """``{row: {difference, interval, excludes 0, seed range, real}}``, for a ``DataFrame``.

    Rows are the keys of ``differences``, renamed through ``labels`` where given.
    """
    labels = labels or {}
    return {
        labels.get(key, key): {
            "difference": round(d.value, 3),
            "paired 95% interval": f"{d.low:+.3f} to {d.high:+.3f}",
            "excludes 0": "yes" if d.excludes_zero else "no",
            "seed-to-seed range": None if d.seed_range is None else round(d.seed_range, 3),
            "real": "yes" if d.real else "no",
        }
        for key, d in differences.items()
    }


def appendix_summary(result: ExperimentsResult) -> str:
    """The appendix's findings as Markdown: Spearman's rho of every model, then the verdicts.

    For the README's results block (``p3 results``) when the run includes chapter 07.
    """
    lines = [
        "Appendix (chapter 07): Spearman's rho of every model on eval and out of distribution "
        f"({result.ood_study.n_eval} and {result.ood_study.n_ood} pairs).",
        "",
        "| Model | rho on eval | rho on OOD | drop [95% interval] |",
        "|---|---:|---:|---:|",
    ]
    for row in result.ood_study.rows:
        e, o, d = (row.eval["spearman"], row.ood["spearman"], row.drop["spearman"])
        i = row.drop_interval["spearman"]
        lines.append(
            f"| {row.label} | {e:.3f} | {o:.3f} | {d:+.3f} [{i.low:+.3f}, {i.high:+.3f}] |"
        )
    lines.append("")
    verdicts = [
        ("Seeds", result.seed_study.verdict),
        ("Loss", result.loss_study.verdict),
        ("Instruction", result.instruction_study and result.instruction_study.verdict),
        ("Out of distribution", result.ood_study.verdict),
    ]
    lines += [f"- **{name}.** {verdict}" for name, verdict in verdicts if verdict]
    return "\n".join(lines)
