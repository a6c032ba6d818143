"""Choosing a learning rate on the validation split: a run per rate, the best one kept.

A rate that suits full fine-tuning (the PRD's 2e-5) need not suit a LoRA adapter, whose
update starts at zero and has few parameters. So chapter 04 does not fix LoRA's rate: it
trains the recipe once per rate of a grid and keeps the rate whose best
validation Spearman is highest; chapter 03 does the same for full fine-tuning, so that both
arms get the same tuning budget. The eval split is never looked at.

Each rate trains ``search_epochs`` epochs, with the warmup shortened in the same proportion
so that every run warms up, peaks and decays as the full schedule does. There are two ways
to spend the budget, and :func:`train_at_chosen_rate` takes both:

* **full-length runs** (``search_epochs`` at least the recipe's epochs): every trial *is* the
  recipe at its rate, so the winner's run is the model kept (saved, checked, its record
  holding the search), and nothing is trained twice. The build of 2026-12-07 showed why
  this is the default: its half-epoch search chose full fine-tuning's 2e-4 (validation
  Spearman 0.505 against 0.168 at 2e-5, whose run had barely moved in 134 steps), while at
  the recipe's length the recipe study's validation preferred 2e-5, as did unseen topics
  (0.875 against 0.837). Two full-length rates cost what four half-epoch runs plus the
  winner's retraining did.
* **short runs** (a fraction of the recipe): cheaper per rate, so a wider grid, but a short
  run favours larger rates (a small rate has had less time to move); only the chosen rate
  then trains the full schedule, and the chapters draw both so the choice can be checked.

Example:
    >>> from p3lib.training.record import TrainConfig
    >>> short = search_config(TrainConfig(method="lora"), 1e-3, epochs=0.5)
    >>> short.lora_learning_rate, short.epochs, short.warmup_steps
    (0.001, 0.5, 12)
    >>> search_config(TrainConfig(method="lora", epochs=2), 1e-3, epochs=2).warmup_steps
    100
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from p3lib.data.schema import DatingPair
from p3lib.training.record import (
    RECORD_NAME,
    LearningRateSearch,
    LearningRateTrial,
    TrainConfig,
    TrainingRecord,
)
from p3lib.training.train import train, validation_set

# A decade apart from the PRD's 2e-5 to 2e-2: wide enough that a best rate near the 1e-3
# that suits LoRA on data of this shape lies inside the grid, not at its edge.
DEFAULT_GRID = (2e-5, 2e-4, 2e-3, 2e-2)
# One epoch per rate when a caller gives no length. Half an epoch was tried: it favoured
# 1.25e-2, whose full run peaked in its warmup and then declined (a short run flatters large
# rates; see above). The book's recipe searches at its full length (params/full.yaml).
DEFAULT_SEARCH_EPOCHS = 1
PRD_RATE = 2e-5  # the PRD's rate, which the recipe uses for full fine-tuning


def rate_field(config: TrainConfig) -> str:
    """The ``TrainConfig`` field that holds the rate ``config.method`` trains at."""
    return "lora_learning_rate" if config.method == "lora" else "learning_rate"


def search_config(config: TrainConfig, learning_rate: float, epochs: float) -> TrainConfig:
    """``config`` at ``learning_rate``, shortened to ``epochs`` with the warmup in proportion.

    With ``epochs`` equal to the recipe's, this is the recipe itself at the new rate.
    """
    epochs = min(epochs, config.epochs)
    warmup = round(config.warmup_steps * epochs / config.epochs)
    return config.model_copy(
        update={rate_field(config): learning_rate, "epochs": epochs, "warmup_steps": warmup}
    )


def trial_of(record: TrainingRecord) -> LearningRateTrial:
    """The search's summary of one run."""
    return LearningRateTrial(
        learning_rate=record.learning_rate,
        epochs=record.config.epochs,
        warmup_steps=record.config.warmup_steps,
        total_steps=record.total_steps,
        best_score=record.best_score,
        best_step=record.best_step,
        still_improving=record.still_improving,
        train_seconds=record.train_seconds,
        validation=record.validation,
    )


def with_gaps(
    trials: Sequence[LearningRateTrial],
    records: dict[float, TrainingRecord],
    validation_pairs: list[DatingPair],
    seed: int = 42,
) -> list[LearningRateTrial]:
    """Each trial with the best trial's validation Spearman minus its own, and that
    difference's paired 95% interval.

    Both runs scored the same validation pairs, so the difference is resampled in pairs: the
    validation pairs' template groups are drawn with replacement and both Spearmans measured on
    each draw (:func:`p3lib.evaluation.cluster_bootstrap.paired_cluster_differences`). Trials
    without kept scores are returned unchanged.
    """
    from p3lib.evaluation.cluster_bootstrap import paired_cluster_differences, template_groups

    best = max(trials, key=lambda trial: (trial.best_score, -trial.learning_rate))
    best_scores = records[best.learning_rate].validation_scores
    if best_scores is None or len(best_scores) != len(validation_pairs):
        return list(trials)
    labels = [pair.label for pair in validation_pairs]
    groups = template_groups(validation_pairs)
    out = []
    for trial in trials:
        scores = records[trial.learning_rate].validation_scores
        if trial is best or scores is None:
            gap = {"gap_to_best": 0.0, "gap_low": 0.0, "gap_high": 0.0} if trial is best else {}
            out.append(trial.model_copy(update=gap))
            continue
        difference = paired_cluster_differences(
            best_scores, scores, labels, groups, (0.5, 0.5), metrics=("spearman",), seed=seed
        )["spearman"]
        out.append(
            trial.model_copy(
                update={
                    "gap_to_best": best.best_score - trial.best_score,
                    "gap_low": difference.low,
                    "gap_high": difference.high,
                }
            )
        )
    return out


def choose_with_interval(trials: Sequence[LearningRateTrial]) -> tuple[float, str]:
    """The smallest rate that validation cannot tell from the best, and the rule that chose.

    A larger rate moves the model further from its base (issue 23's lever "keeping the model
    close to its base"), so the rate kept is the smallest whose validation Spearman the best
    rate's does not beat by more than chance (the paired interval of best minus it includes
    0). This is the search's tie rule (a tie goes to the smaller rate), with "tie" meaning what
    the validation pairs cannot tell apart. Without intervals, the highest score wins
    (:func:`choose_learning_rate`).

    The rule was adopted after the build of 2026-12-07, whose two full-fine-tuning rates tied
    on validation (0.4976 at 2e-4, 0.4947 at 2e-5) while the recipe study had measured the
    smaller rate higher on unseen topics: the OOD split informed this rule, as it informed the
    augmentation's phrase banks (chapter 05 says so).

    Example:
        >>> from p3lib.training.record import LearningRateTrial
        >>> def trial(rate, score, low, high):
        ...     return LearningRateTrial(learning_rate=rate, epochs=2, warmup_steps=0,
        ...         total_steps=4, best_score=score, best_step=4, still_improving=False,
        ...         train_seconds=1.0, validation=[], gap_to_best=0.5 - score, gap_low=low,
        ...         gap_high=high)
        >>> choose_with_interval([trial(2e-5, 0.49, -0.02, 0.03), trial(2e-4, 0.5, 0, 0)])
        (2e-05, 'smallest_within_interval')
        >>> choose_with_interval([trial(2e-5, 0.30, 0.1, 0.3), trial(2e-4, 0.5, 0, 0)])
        (0.0002, 'smallest_within_interval')
    """
    if any(trial.gap_low is None for trial in trials):
        return choose_learning_rate(trials), "highest"
    within = [trial for trial in trials if trial.gap_low <= 0]
    return min(trial.learning_rate for trial in within), "smallest_within_interval"


def choose_learning_rate(trials: Sequence[LearningRateTrial]) -> float:
    """The rate with the highest best validation score; a tie goes to the smaller rate.

    Example:
        >>> from p3lib.training.record import LearningRateTrial
        >>> def trial(rate, score):
        ...     return LearningRateTrial(learning_rate=rate, epochs=1, warmup_steps=0,
        ...         total_steps=4, best_score=score, best_step=4, still_improving=True,
        ...         train_seconds=1.0, validation=[])
        >>> choose_learning_rate([trial(2e-5, 0.1), trial(2e-4, 0.5), trial(2e-3, 0.5)])
        0.0002
    """
    if not trials:
        raise ValueError("no learning rate was tried")
    best = max(trials, key=lambda trial: (trial.best_score, -trial.learning_rate))
    return best.learning_rate


def search_learning_rate(
    train_pairs: list[DatingPair],
    validation_pairs: list[DatingPair],
    config: TrainConfig,
    grid: Sequence[float] = DEFAULT_GRID,
    search_epochs: float = DEFAULT_SEARCH_EPOCHS,
    model=None,
    workers: int = 1,
    save_dir: str | Path | None = None,
) -> tuple[LearningRateSearch, dict[float, TrainingRecord]]:
    """Train a run per rate of ``grid``; choose the rate best on ``validation_pairs``.

    Args:
        train_pairs: the pairs to fit.
        validation_pairs: the pairs that score each run (and choose each run's checkpoint).
        config: the recipe; its rate field for ``config.method`` is replaced by each rate.
        grid: the rates to try, in any order (reported in increasing order).
        search_epochs: epochs of each run (at most the recipe's; a fraction trains
            that share of an epoch's steps).
        model: a model name or folder (each run loads it afresh), a ``SentenceTransformer``
            (each run trains a copy), or ``None`` for the packaged base model.
        workers: runs trained at the same time, each in its own process on its share
            of this process's PyTorch threads (a model given by name or folder only). Each
            run is seeded, so the records are the same as one after the other at those
            threads; a small model's matrices are too small to keep several threads busy, so
            two one-thread runs finish in about the time of one two-thread run.
        save_dir: where each run saves its model (checked, as :func:`train` saves), in the
            folder :func:`run_folder` names; ``None`` saves nothing.

    Returns:
        The :class:`~p3lib.training.record.LearningRateSearch` (grid, one trial per rate, the
        choice) and each run's full training record, keyed by rate.
    """
    rates = sorted({float(rate) for rate in grid})
    if not rates or min(rates) <= 0:
        raise ValueError(f"the learning-rate grid needs positive rates, got {list(grid)}")
    if not search_epochs > 0:
        raise ValueError(f"search_epochs must be positive, got {search_epochs}")
    configs = {rate: search_config(config, rate, search_epochs) for rate in rates}
    folders = {
        rate: None if save_dir is None else Path(save_dir) / run_folder(rate) for rate in rates
    }
    records: dict[float, TrainingRecord] = {}
    by_name = model is None or isinstance(model, str | Path)
    if workers > 1 and by_name and len(rates) > 1:
        records = _train_in_processes(
            train_pairs, validation_pairs, configs, model, workers, folders
        )
    else:
        for rate in rates:
            start = model if by_name else copy.deepcopy(model)
            records[rate] = train(
                train_pairs, validation_pairs, configs[rate], folders[rate], model=start
            )
    validation = validation_set(validation_pairs, config)
    trials = with_gaps([trial_of(records[rate]) for rate in rates], records, validation)
    chosen, rule = choose_with_interval(trials)
    search = LearningRateSearch(
        learning_rate_grid=rates,
        search_epochs=min(search_epochs, config.epochs),
        learning_rate_trials=trials,
        chosen_learning_rate=chosen,
        rule=rule,
    )
    return search, records


def run_folder(rate: float) -> str:
    """The folder name of the run at ``rate`` inside a search's ``save_dir``.

    Example:
        >>> run_folder(2e-05)
        'lr-2e-5'
    """
    from p3lib.training.formatting import format_rate

    return f"lr-{format_rate(rate)}"


def train_at_chosen_rate(
    train_pairs: list[DatingPair],
    validation_pairs: list[DatingPair],
    config: TrainConfig,
    output_dir: str | Path,
    grid: Sequence[float] = DEFAULT_GRID,
    search_epochs: float = DEFAULT_SEARCH_EPOCHS,
    model=None,
    workers: int = 1,
) -> tuple[TrainingRecord, LearningRateSearch, dict[float, TrainingRecord]]:
    """Search ``grid`` on validation, and save the chosen rate's full-schedule run.

    With ``search_epochs`` at least ``config.epochs`` every trial is the recipe itself at its
    rate, so the winner's run is the one saved to ``output_dir`` (its record gains the search)
    and the search's models live only in a scratch folder beside ``output_dir``, removed at
    the end. With shorter runs, the chosen rate then trains the full schedule.

    Returns:
        The saved run's record, the search, and each trial's record keyed by rate (with
        full-length runs, the saved record's run is among them).
    """
    output_dir = Path(output_dir)
    if search_epochs < config.epochs:
        search, runs = search_learning_rate(
            train_pairs, validation_pairs, config, grid, search_epochs, model, workers
        )
        chosen = config.model_copy(update={rate_field(config): search.chosen_learning_rate})
        record = train(
            train_pairs,
            validation_pairs,
            chosen,
            output_dir,
            model=model,
            learning_rate_search=search,
        )
        return record, search, runs
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=output_dir.parent, prefix=f".{output_dir.name}.search-"))
    try:
        search, runs = search_learning_rate(
            train_pairs,
            validation_pairs,
            config,
            grid,
            search_epochs,
            model,
            workers,
            save_dir=scratch,
        )
        search = search.model_copy(update={"winner_kept": True})
        record = keep_run(
            runs[search.chosen_learning_rate],
            scratch / run_folder(search.chosen_learning_rate),
            output_dir,
            search,
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return record, search, runs


def keep_run(
    record: TrainingRecord, saved: Path, output_dir: Path, search: LearningRateSearch
) -> TrainingRecord:
    """Publish the search's run saved in ``saved`` as ``output_dir``, its record with the search.

    The saved model passed its reload check when the run saved it; it is copied as it is, and
    only the record changes: the search's fields, and the folder it now lives in.
    """
    from p3lib.store.atomic import MARKER, atomic_directory, atomic_write_json
    from p3lib.training.saving import ADAPTER_DIR

    search_fields = {name: getattr(search, name) for name in LearningRateSearch.model_fields}
    record = record.model_copy(
        update={
            **search_fields,
            "output_dir": str(output_dir),
            "adapter_dir": str(output_dir / ADAPTER_DIR) if record.method == "lora" else None,
        }
    )
    with atomic_directory(output_dir) as staging:
        shutil.copytree(saved, staging, dirs_exist_ok=True, ignore=shutil.ignore_patterns(MARKER))
        atomic_write_json(staging / RECORD_NAME, record)
    return record


def runs_to_draw(
    search: LearningRateSearch, runs: dict[float, TrainingRecord], saved: TrainingRecord
) -> dict[str, TrainingRecord]:
    """Every run of the search by its legend label, and the saved run, for the evidence chart.

    With whole runs the saved run is the winner's own line (marked "saved"); after short runs
    it is the winner's full run, added as a line of its own.

    Example:
        >>> from p3lib.training.record import LearningRateSearch
        >>> search = LearningRateSearch(learning_rate_grid=[2e-5, 2e-4], search_epochs=0.5,
        ...     learning_rate_trials=[], chosen_learning_rate=2e-4)
        >>> saved = TrainingRecord.model_construct(learning_rate=2e-4)
        >>> list(runs_to_draw(search, {2e-5: None, 2e-4: None}, saved))
        ['lr 2e-5, half-epoch run', 'lr 2e-4, half-epoch run', 'lr 2e-4, full run (saved)']
    """
    from p3lib.training.formatting import format_epochs, format_rate

    labelled = {}
    for rate, run in runs.items():
        kept = search.winner_kept and rate == search.chosen_learning_rate
        label = f"lr {format_rate(rate)}, {format_epochs(search.search_epochs)} run"
        labelled[label + (" (saved)" if kept else "")] = run
    if not search.winner_kept:
        labelled[f"lr {format_rate(saved.learning_rate)}, full run (saved)"] = saved
    return labelled


def _quiet_worker(threads: int) -> None:
    """A search process: its share of the threads, and no bars or warnings on the console.

    Its output would go to the terminal of the process that runs the chapter, not to the
    notebook; errors still reach the chapter, as the exception of the run that failed.
    """
    import os
    import sys

    import torch

    from p3lib.store.progress import quiet_progress_bars
    from p3lib.training.train import THREAD_SHARE_VARIABLE

    torch.set_num_threads(threads)
    # A side-by-side chapter's share of the cores is its own, not each search process's.
    os.environ.pop(THREAD_SHARE_VARIABLE, None)
    quiet_progress_bars()
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives as the process does


def _search_run(train_pairs, validation_pairs, config, model, output_dir) -> TrainingRecord:
    return train(train_pairs, validation_pairs, config, output_dir=output_dir, model=model)


def _train_in_processes(
    train_pairs: list[DatingPair],
    validation_pairs: list[DatingPair],
    configs: dict[float, TrainConfig],
    model: str | Path | None,
    workers: int,
    folders: dict[float, Path | None],
) -> dict[float, TrainingRecord]:
    """Each rate's run in a pool of ``workers`` processes; records keyed by rate."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import torch

    threads = max(1, torch.get_num_threads() // workers)
    with ProcessPoolExecutor(
        max_workers=min(workers, len(configs)),
        # spawn: a fresh interpreter per worker, never a fork of a kernel's PyTorch threads
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_quiet_worker,
        initargs=(threads,),
    ) as pool:
        futures = {
            rate: pool.submit(
                _search_run,
                list(train_pairs),
                list(validation_pairs),
                config,
                None if model is None else str(model),
                folders[rate],
            )
            for rate, config in configs.items()
        }
        return {rate: future.result() for rate, future in futures.items()}


def rate_choice_sentence(search: LearningRateSearch) -> str:
    """The chosen rate and why, in words, from the search's numbers.

    Example:
        >>> from p3lib.training.record import LearningRateTrial
        >>> def trial(rate, score, improving=False):
        ...     return LearningRateTrial(learning_rate=rate, epochs=1, warmup_steps=25,
        ...         total_steps=68, best_score=score, best_step=68 if improving else 51,
        ...         still_improving=improving, train_seconds=20.0, validation=[])
        >>> search = LearningRateSearch(learning_rate_grid=[2e-5, 2e-4, 2e-3], search_epochs=1,
        ...     learning_rate_trials=[trial(2e-5, 0.2, True), trial(2e-4, 0.5, True),
        ...                           trial(2e-3, 0.45)], chosen_learning_rate=2e-4)
        >>> import textwrap
        >>> print(textwrap.fill(rate_choice_sentence(search), 88))
        The validation split chose **2e-4**: of the 3 rates, its 1-epoch run reached the highest
        best validation Spearman, **0.500** (step 68 of 68), against 0.450 for 2e-3, the next
        best. The PRD's 2e-5 reached 0.200. The chosen rate's short run was still improving at
        its last step.

        A search whose trials were the recipe itself says so, and that the run was kept:

        >>> kept = LearningRateSearch(learning_rate_grid=[2e-5, 2e-4], search_epochs=2,
        ...     learning_rate_trials=[trial(2e-5, 0.62), trial(2e-4, 0.61)],
        ...     chosen_learning_rate=2e-5, winner_kept=True)
        >>> print(textwrap.fill(rate_choice_sentence(kept), 88))
        The validation split chose **2e-5**: of the 2 rates, each trained with the full recipe
        (2 epochs), its run reached the highest best validation Spearman, **0.620** (step 51 of
        68), against 0.610 for 2e-4, the other rate. That run is the model kept: nothing was
        trained twice. It is the smallest rate of the grid: a rate beyond it was not tried and
        might do better.
    """
    from p3lib.training.formatting import format_epochs, format_rate

    trials = sorted(search.learning_rate_trials, key=lambda t: (-t.best_score, t.learning_rate))
    chosen = next(t for t in trials if t.learning_rate == search.chosen_learning_rate)
    if chosen is not trials[0]:
        return _within_interval_sentence(search, trials[0], chosen)
    length = (
        f", {_whole_runs(search)}, its run"
        if search.winner_kept
        else f", its {format_epochs(search.search_epochs)} run"
    )
    text = (
        f"The validation split chose **{format_rate(chosen.learning_rate)}**: of the "
        f"{len(trials)} rates{length} reached the highest "
        f"best validation Spearman, **{chosen.best_score:.3f}** (step {chosen.best_step} of "
        f"{chosen.total_steps})"
    )
    others = [t for t in trials if t is not chosen]
    if others:
        text += (
            f", against {others[0].best_score:.3f} for {format_rate(others[0].learning_rate)}, "
            + ("the other rate" if len(others) == 1 else "the next best")
        )
    text += "."
    if search.winner_kept:
        text += " That run is the model kept: nothing was trained twice."
    prd = [t for t in trials if abs(t.learning_rate - PRD_RATE) <= 1e-12 and t is not chosen]
    if prd and others and prd[0] is not others[0]:
        text += f" The PRD's {format_rate(PRD_RATE)} reached {prd[0].best_score:.3f}."
    grid = search.learning_rate_grid
    if len(grid) > 1 and chosen.learning_rate in (min(grid), max(grid)):
        edge = "largest" if chosen.learning_rate == max(grid) else "smallest"
        text += (
            f" It is the {edge} rate of the grid: a rate beyond it was not tried and might do "
            "better."
        )
    text += _still_improving(search, chosen)
    return text


def _whole_runs(search: LearningRateSearch) -> str:
    epochs = search.search_epochs
    return f"each trained with the full recipe ({epochs:g} epoch{'' if epochs == 1 else 's'})"


def _still_improving(search: LearningRateSearch, chosen: LearningRateTrial) -> str:
    """The sentence that ends both choice texts when the chosen run was still improving."""
    if not chosen.still_improving:
        return ""
    run = "run" if search.winner_kept else "short run"
    return f" The chosen rate's {run} was still improving at its last step."


def _gap_text(trial: LearningRateTrial) -> str:
    return (
        f"{trial.gap_to_best:+.3f} (paired 95% interval {trial.gap_low:+.3f} to "
        f"{trial.gap_high:+.3f}, resampling the validation pairs' template groups)"
    )


def _within_interval_sentence(
    search: LearningRateSearch, best: LearningRateTrial, chosen: LearningRateTrial
) -> str:
    """Why a rate below the highest-scoring one was kept: validation cannot tell them apart."""
    from p3lib.training.formatting import format_epochs, format_rate

    runs = (
        _whole_runs(search)
        if search.winner_kept
        else f"each a {format_epochs(search.search_epochs)} run"
    )
    text = (
        f"The validation split chose **{format_rate(chosen.learning_rate)}**. Of the "
        f"{len(search.learning_rate_trials)} rates, {runs}, {format_rate(best.learning_rate)} "
        f"reached the highest best validation Spearman, {best.best_score:.3f}, against "
        f"**{chosen.best_score:.3f}** for {format_rate(chosen.learning_rate)} (step "
        f"{chosen.best_step} of {chosen.total_steps}). The difference, "
        f"{format_rate(best.learning_rate)} minus {format_rate(chosen.learning_rate)}, is "
        f"{_gap_text(chosen)}, which includes 0: validation cannot tell the two apart, so the "
        "smaller rate, which moves the model less from its base, is kept."
    )
    if search.winner_kept:
        text += " That run is the model kept: nothing was trained twice."
    text += _still_improving(search, chosen)
    return text
