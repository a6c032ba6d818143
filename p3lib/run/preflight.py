"""Everything ``p3 run`` can check before chapter 01 starts, checked before chapter 01 starts.

A bad value found by a chapter costs the minutes of the chapters before it and surfaces as a
raw library error; here it costs a second and reads ``where: name: problem``. Checked, with
every problem reported (not only the first):

- parameter values: ranges (epochs, batch size, learning rates, bootstrap resamples, the
  validation fraction, seeds), on top of the types :func:`p3lib.run.runner.resolve_parameters`
  checks; the training ranges are :class:`p3lib.training.train.TrainConfig`'s own;
- the model: the packaged base model, a local folder, or a model already in the Hugging Face
  cache (p3 never downloads one);
- the output folder: a folder (or creatable), and writable;
- the data: every file loads, train and eval are different files, eval and OOD have both
  labels, train is large enough for the validation split.

Exact train/eval (and train/OOD) pair overlap is a warning, an error under ``--strict``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from p3lib.run.run_record import RunRecordError, read_run_record
from p3lib.run.runner import ParameterError


class PreflightError(ParameterError):
    """One or more problems found before any chapter ran; one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class _Ranges(BaseModel):
    """The ranges of the parameters that are not training settings."""

    model_config = ConfigDict(extra="ignore")

    seed: int = Field(42, ge=0, lt=2**32)
    seeds: list[int] = Field([42], min_length=1)
    n_bootstrap: int = Field(1000, ge=1)
    validation_fraction: float = Field(0.1, gt=0, lt=1)


# Parameters whose ranges TrainConfig defines (chapters 03, 04 and 07 build one from them).
TRAINING = (
    "epochs",
    "batch_size",
    "learning_rate",
    "lora_learning_rate",
    "warmup_steps",
    "eval_steps",
    "max_train_pairs",
    "augmentation_pairs",
)


def _range_problems(parameters: dict[str, Any], sources: dict[str, str]) -> list[str]:
    from p3lib.training.train import TrainConfig

    lower = {name.lower(): value for name, value in parameters.items()}
    problems = []
    for model, names in ((_Ranges, tuple(_Ranges.model_fields)), (TrainConfig, TRAINING)):
        given = {name: lower[name] for name in names if name in lower}
        try:
            model.model_validate(given)
        except ValidationError as exc:
            for error in exc.errors():
                name = str(error["loc"][0])
                where = sources.get(name.upper(), "parameters")
                problems.append(f"{where}: {name}: {error['msg']}, got {lower[name]!r}")
    for index, seed in enumerate(lower.get("seeds") or []):
        if isinstance(seed, int) and not 0 <= seed < 2**32:
            where = sources.get("SEEDS", "parameters")
            problems.append(f"{where}: seeds[{index}]: must be between 0 and 2**32 - 1")
    return problems


def model_problem(name: str) -> str | None:
    """Why ``name`` cannot be loaded offline, or ``None`` when it can."""
    from p3lib.evaluation.embed import resolve_model

    resolved = Path(resolve_model(name)).expanduser()
    if resolved.is_dir():
        if (resolved / "modules.json").is_file() or (resolved / "config.json").is_file():
            return None
        return f"{resolved} is a folder but holds no model (no modules.json or config.json)"
    if resolved.exists():
        return f"{resolved} is a file, not a model folder"
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    candidates = [name] if "/" in name else [name, f"sentence-transformers/{name}"]
    for candidate in candidates:
        try:
            snapshot_download(candidate, local_files_only=True)
            return None
        except (LocalEntryNotFoundError, HFValidationError, OSError):
            continue
    return (
        f"{name!r} is not the packaged base model (all-MiniLM-L6-v2), a local model folder, "
        "or a model in the Hugging Face cache; p3 never downloads models"
    )


def _output_problem(out: str) -> str | None:
    path = Path(out)
    if path.exists() and not path.is_dir():
        return f"{path} is a file, not a folder"
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, so {path} cannot be created"
    if not writable(existing):
        return f"{existing}: no permission to write here"
    return None


def writable(folder: Path) -> bool:
    """Whether this process may create files in ``folder``."""
    return os.access(folder, os.W_OK | os.X_OK)


def _data_problems(
    parameters: dict[str, Any], sources: dict[str, str], split: bool = True
) -> tuple[list[str], list[str], list[str]]:
    import numpy as np

    from p3lib.data.audit import audit_overlap
    from p3lib.data.schema import DataError, field_notes, load_pairs
    from p3lib.data.splits import make_validation_split
    from p3lib.evaluation.metrics import require_both_labels

    problems: list[str] = []
    notes: list[str] = []
    loaded = {}
    files = {name: parameters.get(name) for name in ("TRAIN_PATH", "EVAL_PATH", "OOD_PATH")}
    files = {name: Path(value) for name, value in files.items() if value}
    for name, path in files.items():
        try:
            loaded[name] = load_pairs(path)
        except DataError as exc:
            problems.append(str(exc))
            continue
        notes += field_notes(path)
    seen: dict[Path, str] = {}
    for name, path in files.items():
        real = path.resolve()
        if real in seen:
            problems.append(
                f"{sources.get(name, 'parameters')}: {name.lower()}: {path} is also the "
                f"{seen[real].lower()}; train, eval and OOD must be different files"
            )
        seen.setdefault(real, name)
    for name in ("EVAL_PATH", "OOD_PATH"):
        if name in loaded:
            labels = np.array([int(pair.label) for pair in loaded[name]])
            try:
                require_both_labels(labels, what=str(files[name]))
            except ValueError as exc:
                problems.append(str(exc))
    if "TRAIN_PATH" in loaded and split:
        try:
            make_validation_split(
                loaded["TRAIN_PATH"],
                parameters.get("VALIDATION_FRACTION", 0.1),
                parameters.get("SEED", 42),
            )
        except ValueError as exc:
            problems.append(f"{files['TRAIN_PATH']}: {exc}")
    overlaps = []
    if "TRAIN_PATH" in loaded and not problems:
        train = loaded["TRAIN_PATH"]
        for name in ("EVAL_PATH", "OOD_PATH"):
            if name in loaded:
                pairs = loaded[name]
                numbers = list(range(1, len(pairs) + 1))
                entry = audit_overlap(
                    name, pairs, numbers, "train", train, list(range(1, len(train) + 1))
                )
                if entry.n_overlapping_records:
                    overlaps.append(
                        f"{files[name]}: {entry.n_overlapping_records} of {entry.n_records} "
                        f"records are exact copies of train pairs ({files['TRAIN_PATH']}): "
                        "their scores measure memory, not generalisation"
                    )
    return problems, overlaps, notes


def preflight(
    parameters: dict[str, Any],
    sources: dict[str, str] | None = None,
    *,
    strict: bool = False,
    force: bool = False,
) -> list[str]:
    """Check a complete set of run parameters; return the warnings.

    Args:
        parameters: upper-case names, as :func:`p3lib.run.runner.complete_parameters` returns.
        sources: where each name's value came from (``--set epochs=-1``, the params file),
            for the messages; names not listed read "parameters".
        strict: make the train/eval overlap warning an error.
        force: the run executes every chapter, so an unreadable run record is replaced,
            not refused.

    Raises:
        PreflightError: every problem found, one line each.
    """
    sources = sources or {}
    problems = _range_problems(parameters, sources)
    if "MODEL" in parameters and isinstance(parameters["MODEL"], str):
        problem = model_problem(parameters["MODEL"])
        if problem:
            problems.append(f"{sources.get('MODEL', 'parameters')}: model: {problem}")
    if parameters.get("OUT_DIR"):
        problem = _output_problem(parameters["OUT_DIR"])
        if problem:
            problems.append(f"{sources.get('OUT_DIR', 'parameters')}: out_dir: {problem}")
        elif not force:
            try:
                read_run_record(parameters["OUT_DIR"])
            except RunRecordError as exc:
                problems.append(str(exc))
    # The validation split is tried with the seed and fraction given: only once they are valid.
    data, warnings, notes = _data_problems(parameters, sources, split=not problems)
    problems += data
    if strict:
        problems += [f"{warning} (an error under --strict)" for warning in warnings]
        warnings = []
    if problems:
        raise PreflightError(problems)
    return notes + warnings
