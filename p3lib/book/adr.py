"""ADR 001's measured numbers, and the names the rest of p3 used to import from here.

The comparison was split by role: :mod:`p3lib.evaluation.comparison` builds the
:class:`ComparisonResult` (with the paired differences, matched operating points and success
criteria), :mod:`p3lib.book.sentences` words it, :mod:`p3lib.book.results_block` tabulates it and
rewrites the README block. This module keeps ADR 001's substitutions and re-exports those
names so that ``from p3lib.book.adr import ...`` keeps working.

Example:
    >>> from p3lib.book.adr import compare, headline_sentence  # doctest: +SKIP
    >>> comparison = compare(baseline, full, lora, records)  # doctest: +SKIP
    >>> print(headline_sentence(comparison))  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from p3lib.book.recipe_study import load_study, lora_levers_sentence, lora_levers_table
from p3lib.book.results_block import (
    LEAK_FREE_ROWS,
    RESULTS_END,
    RESULTS_START,
    TABLE_ROWS,
    replace_results_block,
    results_command,
    results_table,
    success_table,
    table_rows,
)
from p3lib.book.sentences import headline_sentence, paired_verdict
from p3lib.evaluation.comparison import (
    FINE_TUNED,
    MIN_CATEGORY_PER_LABEL,
    MODEL_LABELS,
    MODELS,
    ComparisonResult,
    Estimate,
    ModelSummary,
    TrainingSummary,
    compare,
    easiest_and_hardest,
    eligible_categories,
    improvement_pct,
    load_comparison,
    summarise,
    training_summary,
)
from p3lib.store.atomic import read_json
from p3lib.store.run_layout import RunLayout
from p3lib.training.formatting import format_epochs, format_rate
from p3lib.training.record import TrainingRecord

__all__ = [
    "ADR_KEYS",
    "FINE_TUNED",
    "LEAK_FREE_ROWS",
    "MIN_CATEGORY_PER_LABEL",
    "MODELS",
    "MODEL_LABELS",
    "RESULTS_END",
    "RESULTS_START",
    "TABLE_ROWS",
    "ComparisonResult",
    "Estimate",
    "ModelSummary",
    "TrainingSummary",
    "adr_substitutions",
    "compare",
    "easiest_and_hardest",
    "eligible_categories",
    "format_rate",
    "headline_sentence",
    "improvement_pct",
    "load_comparison",
    "paired_verdict",
    "replace_results_block",
    "results_command",
    "results_table",
    "success_table",
    "summarise",
    "table_rows",
    "training_summary",
]

PRD_LORA_RATE = 2e-5

# --------------------------------------------------------------------------------------------
# ADR 001's numbers
# --------------------------------------------------------------------------------------------

ADR_KEYS = (
    "adr_full_spearman",
    "adr_lora_spearman",
    "adr_full_auc",
    "adr_lora_auc",
    "adr_full_margin",
    "adr_lora_margin",
    "adr_full_seconds_per_epoch",
    "adr_lora_seconds_per_epoch",
    "adr_full_trainable",
    "adr_lora_trainable",
    "adr_lora_trainable_share",
    "adr_full_peak_memory",
    "adr_lora_peak_memory",
    "adr_full_rate",
    "adr_lora_rate",
    "adr_lora_grid",
    "adr_lora_search_rule",
    "adr_rate_search_evidence",
    "adr_search_cost",
    "adr_lora_levers",
    "adr_lora_levers_table",
    "adr_full_validation",
    "adr_lora_validation",
    "adr_validation_gap",
    "adr_lora_convergence",
    "adr_verdict",
    "adr_full_rate_choice",
    "adr_time_note",
)
_MISSING = "(not measured in this run)"


def _load_record(*paths: Path) -> TrainingRecord | None:
    """The first of ``paths`` that holds a readable training record."""
    for path in paths:
        if path.is_file():
            try:
                return TrainingRecord.model_validate(read_json(path))
            except ValueError:
                continue
    return None


def _trial_score(record: TrainingRecord | None, rate: float) -> float | None:
    """The best validation score of the search's run at ``rate``, if there was one."""
    for trial in (record.learning_rate_trials if record is not None else None) or []:
        if abs(trial.learning_rate - rate) <= 1e-12:
            return trial.best_score
    return None


def _search_runs(record: TrainingRecord) -> str:
    """Each rate's run, in words: the whole recipe, or a shortened one."""
    if record.winner_kept:
        return f"the whole recipe ({record.config.epochs:g} epochs)"
    return f"a {format_epochs(record.search_epochs)} run"


def search_rule(record: TrainingRecord | None) -> str:
    """How a searched rate was chosen and which run was kept, for ADR 001's bullet."""
    if record is None or not record.learning_rate_grid:
        return _MISSING
    wins = (
        "the smallest rate that validation cannot tell from the best (the paired 95% interval "
        "of their difference in validation Spearman includes 0) wins"
        if record.rule == "smallest_within_interval"
        else "the rate with the best validation Spearman wins"
    )
    if record.winner_kept:
        return f"each rate trains {_search_runs(record)}, {wins}, and its run is the model kept."
    return (
        f"each rate trains {_search_runs(record)} (the schedule shortened in proportion), "
        f"{wins} and trains the full schedule."
    )


def rate_search_evidence(record: TrainingRecord | None) -> str:
    """LoRA's search in numbers: the chosen rate's validation score beside the runner-up's.

    The PRD's 2e-5 is the comparison when the grid holds it (it is full fine-tuning's rate);
    otherwise the best rate not chosen.
    """
    if record is None or not record.learning_rate_trials or record.chosen_learning_rate is None:
        return "This run did not search LoRA's rate."
    chosen = record.chosen_learning_rate
    others = [t for t in record.learning_rate_trials if abs(t.learning_rate - chosen) > 1e-12]
    chosen_score = _trial_score(record, chosen)
    if not others or chosen_score is None:
        return (
            f"On validation, LoRA's only rate, {format_rate(chosen)}, reached "
            f"{record.best_score:.3f}."
        )
    prd = [t for t in others if abs(t.learning_rate - PRD_LORA_RATE) <= 1e-12]
    other = prd[0] if prd else max(others, key=lambda t: t.best_score)
    which = "the PRD's 2e-5" if prd else format_rate(other.learning_rate)
    gain = float(f"{chosen_score:.3f}") - float(f"{other.best_score:.3f}")
    runs = (
        "runs of the whole recipe"
        if record.winner_kept
        else f"{format_epochs(record.search_epochs)} runs"
    )
    text = (
        f"On validation, LoRA's {runs} reached {other.best_score:.3f} "
        f"at {which} and {chosen_score:.3f} at {format_rate(chosen)}, the same budget with "
        f"only the rate changed ({gain:+.3f})"
    )
    kept = next(t for t in record.learning_rate_trials if t.learning_rate == chosen)
    # The paired interval of best minus the other rate: the kept rate's when it is not the
    # best, else the other's.
    tested = kept if kept.gap_to_best else other
    if tested.gap_low is None or not tested.gap_to_best:
        text += ": the record of the choice, not a tested difference."
    else:
        reading = "includes 0: within chance" if tested.gap_low <= 0 else "excludes 0"
        text += (
            f"; the best minus {format_rate(tested.learning_rate)} is "
            f"{tested.gap_to_best:+.3f} (paired 95% interval {tested.gap_low:+.3f} to "
            f"{tested.gap_high:+.3f}, which {reading})"
            + (", so the smaller rate was kept." if tested is kept else ".")
        )
    if not prd:
        text += " The PRD's 2e-5 was not in this run's grid."
    return text


def search_cost(record: TrainingRecord | None) -> str:
    """What the search's run length costs and risks, for ADR 001."""
    if record is None or not record.learning_rate_grid:
        return _MISSING
    if record.winner_kept:
        return (
            "Every rate trained the whole recipe, so the choice carries no short-run bias "
            "(a short run favours larger rates, which have had more time to move) and the "
            "winner is not trained twice; the price is one full run per rate. Chapter 04 draws "
            "every rate's run so the choice can be checked."
        )
    return (
        "A short run per rate is a cheaper search than the full schedule per rate, and it tends "
        "to favour larger rates; chapter 04 draws every rate's run beside the winner's full run "
        "so the choice can be checked."
    )


def full_rate_choice(full: TrainingRecord | None) -> str:
    """How full fine-tuning's learning rate was set: chosen on validation, or the PRD's."""
    if full is None:
        return _MISSING
    if full.learning_rate_grid and full.chosen_learning_rate is not None:
        rates = [format_rate(rate) for rate in full.learning_rate_grid]
        return (
            f"Full fine-tuning's learning rate is chosen the same way, on the validation split "
            f"from {', '.join(rates[:-1])} and {rates[-1]}, each rate training "
            f"{_search_runs(full)}: this run chose {format_rate(full.chosen_learning_rate)}. "
            "Both arms get "
            "the same tuning budget."
        )
    return (
        f"Full fine-tuning trains at the PRD's {format_rate(full.learning_rate)}, not tuned: "
        "LoRA had a search and full fine-tuning did not, so the comparison favours LoRA's "
        "recipe by that much."
    )


def time_note(full: TrainingRecord | None, lora: TrainingRecord | None) -> str:
    """Whether the two runs' seconds per epoch can be compared (same threads) or not."""
    if full is None or lora is None:
        return "This run did not train both models, so their times are not compared."
    same = (
        full.threads is not None
        and (full.threads, list(full.thread_changes)) == (lora.threads, list(lora.thread_changes))
        and full.device == lora.device
    )
    if not same:
        return (
            f"The two runs did not train on the same threads throughout ({full.threads_text()} "
            f"against {lora.threads_text()}: chapters 03 and 04 train side by side, and one "
            "takes all the cores when the other finishes), so their seconds per epoch are not "
            "compared here."
        )
    ratio = full.seconds_per_epoch / lora.seconds_per_epoch
    return (
        f"Both trained on {full.threads_text()}: full fine-tuning took {ratio:.2f} times "
        "LoRA's seconds per epoch in this run (one timing each, on a shared machine)."
    )


def adr_substitutions(out_dir: str | Path) -> dict[str, str]:
    """ADR 001's measured numbers as MyST substitutions (keys :data:`ADR_KEYS`).

    Every value is a short formatted string generated from the run's files (``comparison.json``
    and the two training records, LoRA's with its learning-rate search); a number the run did
    not produce reads "(not measured in this run)", and the sentences say what the numbers
    support, so the ADR's text stays true whichever way they fall.
    """
    layout = RunLayout(out_dir)
    values = dict.fromkeys(ADR_KEYS, _MISSING)
    comparison = None
    if layout.metric("comparison").is_file():
        try:
            comparison = load_comparison(layout.metric("comparison"))
        except ValueError:
            comparison = None
    records = {
        name: _load_record(
            layout.metric(f"{name}_training"), layout.model(name) / "training_record.json"
        )
        for name in FINE_TUNED
    }
    summaries = comparison.models() if comparison is not None else {}
    for name in FINE_TUNED:
        summary, record = summaries.get(name), records[name]
        if summary is not None:
            head = summary.headline
            values[f"adr_{name}_spearman"] = format(head["spearman"].value, ".3f")
            values[f"adr_{name}_auc"] = format(head["auc_roc"].value, ".3f")
            values[f"adr_{name}_margin"] = format(head["margin"].value, "+.3f")
        if record is not None:
            training = training_summary(record)
            threads = "" if record.threads is None else f" on {record.threads_text()}"
            values[f"adr_{name}_seconds_per_epoch"] = f"{training.seconds_per_epoch:.1f} s{threads}"
            values[f"adr_{name}_peak_memory"] = f"{training.peak_rss_mb:,.0f} MiB"
            values[f"adr_{name}_trainable"] = f"{training.trainable_parameters:,}"
            values[f"adr_{name}_rate"] = format_rate(training.learning_rate)
            values[f"adr_{name}_validation"] = f"{record.best_score:.3f}"
    full, lora = records["full"], records["lora"]
    if lora is not None:
        values["adr_lora_trainable_share"] = f"{lora.parameters.trainable_share:.2%}"
        values["adr_lora_convergence"] = lora.convergence()
        if lora.learning_rate_grid:
            rates = [format_rate(rate) for rate in lora.learning_rate_grid]
            values["adr_lora_grid"] = ", ".join(rates[:-1]) + " and " + rates[-1]
    values["adr_lora_search_rule"] = search_rule(lora)
    values["adr_rate_search_evidence"] = rate_search_evidence(lora)
    values["adr_search_cost"] = search_cost(lora)
    study = load_study()
    values["adr_lora_levers"] = lora_levers_sentence(study) or _MISSING
    values["adr_lora_levers_table"] = lora_levers_table(study) or _MISSING
    shown = values["adr_full_validation"], values["adr_lora_validation"]
    if _MISSING not in shown:
        # From the values the table shows, so that the text's arithmetic checks out.
        values["adr_validation_gap"] = f"{float(shown[0]) - float(shown[1]):+.3f}"
    values["adr_full_rate_choice"] = full_rate_choice(full)
    values["adr_time_note"] = time_note(full, lora)
    values["adr_verdict"] = _verdict(comparison)
    return values


def _verdict(comparison: ComparisonResult | None) -> str:
    """Full fine-tuning against LoRA on eval, decided by the paired intervals alone."""
    if comparison is None or comparison.lora is None:
        return (
            "This run did not evaluate both fine-tuned models, so it gives no verdict on LoRA "
            "against full fine-tuning."
        )
    # With 0/1 labels Spearman's rho is AUC rescaled (chapter 02), so AUC decides alone.
    text = (
        paired_verdict(comparison, "full", "lora", "auc_roc")
        + " Spearman's rho is the same ranking fact rescaled, so it is not counted again."
    )
    fixed = comparison.fixed_eval_recall
    d = fixed.differences.get("full_vs_lora", {}).get("overall") if fixed else None
    if d is not None and None not in (d.estimate, d.low, d.high):
        reading = (
            "which excludes 0"
            if d.low > 0 or d.high < 0
            else "which includes 0: at that recall this run cannot tell which makes fewer"
        )
        text += (
            f" At eval recall {fixed.target_recall:.2f}, full fine-tuning's false positive "
            f"rate minus LoRA's is {d.estimate:+.3f} (paired 95% interval {d.low:+.3f} to "
            f"{d.high:+.3f}), {reading}."
        )
    return text
