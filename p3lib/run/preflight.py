"""Everything ``p3 run`` can check before chapter 01 starts, checked before chapter 01 starts.

A bad value found by a chapter costs the minutes of the chapters before it and surfaces as a
raw library error; here it costs a second and reads ``where: name: problem``. Checked, with
every problem reported (not only the first):

- parameter values: the type and range of every parameter, from the one schema the chapters
  also check themselves with (:class:`p3lib.run.parameters.ChapterParameters`), and
  ``device=cuda`` only where PyTorch has CUDA;
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

from p3lib.run.chapters import ParameterError
from p3lib.run.parameters import parameter_problems
from p3lib.run.run_record import RunRecordError, read_run_record


class PreflightError(ParameterError):
    """One or more problems found before any chapter ran; one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


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
    from p3lib.store.run_layout import REPO_ROOT

    path = Path(out).absolute()
    if path.exists() and not path.is_dir():
        return f"{path} is a file, not a folder"
    # A run writes notebooks/, metrics/, models/ and run.json straight into its folder.
    real = path.resolve()
    if real == Path(real.anchor) or real == Path.home().resolve():
        return f"{path} is not a folder of its own; name one for this run, e.g. {path / 'p3-run'}"
    if real == REPO_ROOT or real in REPO_ROOT.parents:
        return f"{path} holds the repository; name a folder of its own, e.g. outputs/"
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
    from p3lib.data.schema import DataError, field_notes, load_pairs, same_file
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
    seen: dict[tuple[int, int], str] = {}
    for name, path in files.items():
        identity = same_file(path)  # a hard link or symlink is the same file
        if identity is None:
            continue
        if identity in seen:
            problems.append(
                f"{sources.get(name, 'parameters')}: {name.lower()}: {path} is also the "
                f"{seen[identity].lower()}; train, eval and OOD must be different files"
            )
        seen.setdefault(identity, name)
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
        parameters: upper-case names, as :func:`p3lib.run.chapters.complete_parameters` returns.
        sources: where each name's value came from (``--set epochs=-1``, the params file),
            for the messages; names not listed read "parameters".
        strict: make the train/eval overlap warning an error.
        force: the run executes every chapter, so an unreadable run record is replaced,
            not refused.

    Raises:
        PreflightError: every problem found, one line each.
    """
    sources = sources or {}
    problems = parameter_problems(parameters, sources)
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


def dry_run_plan(parameters: dict[str, Any], chapters: list, *, force: bool = False) -> list[str]:
    """What ``p3 run --dry-run`` prints: each chapter, whether it would run, and why.

    The same decision :func:`p3lib.run.runner.run_book` makes (cache key, recorded outputs,
    an earlier chapter running), made without running anything or taking the folder's lock.
    """
    from p3lib.run.run_record import chapter_entries, input_hashes, output_problems
    from p3lib.run.runner import chapter_key, library_fingerprint
    from p3lib.store.run_layout import RunLayout

    layout = RunLayout(parameters["OUT_DIR"])
    entries = chapter_entries(read_run_record(layout.root, ignore_corrupt=force))
    library = library_fingerprint()
    upstream, runs_before, lines = "", None, []
    for number, chapter in enumerate(chapters, start=1):
        given = {k: v for k, v in parameters.items() if k in chapter.parameters}
        key = chapter_key(chapter, given, upstream, library)
        upstream = key
        entry = entries.get(chapter.name)
        if force:
            why = "--force executes every chapter"
        elif runs_before is not None:
            why = f"{runs_before} runs before it, and it reads what that writes"
        elif entry is None:
            why = "it has not run in this folder (or its last run failed or was stopped)"
        elif entry.get("key") != key:
            why = _changed(entry, given, input_hashes(given))
        elif not (layout.notebooks / f"{chapter.name}.ipynb").is_file():
            why = "its executed notebook is missing"
        else:
            problems = output_problems(layout.root, entry.get("outputs", {}))
            why = problems[0] if problems else None
        prefix = f"[{number}/{len(chapters)}] {chapter.name}"
        if why is None:
            lines.append(f"{prefix}: would be skipped: unchanged, outputs intact")
            continue
        lines.append(f"{prefix}: would run: {why}")
        runs_before = runs_before or chapter.name
    ran = sum(": would run:" in line for line in lines)
    lines.append(f"dry run: {ran} of {len(chapters)} chapters would run in {layout.root}")
    return lines


def _changed(entry: dict[str, Any], given: dict[str, Any], inputs: dict[str, str]) -> str:
    """Why a chapter's cache key changed, as far as the run record can tell."""
    recorded = entry.get("parameters", {})
    for name, value in sorted(given.items()):
        if recorded.get(name.lower(), value) != value:
            return f"{name.lower()} changed ({recorded[name.lower()]!r} -> {value!r})"
    for name, digest in inputs.items():
        if entry.get("inputs", {}).get(name) not in (None, digest):
            return f"its {name} file changed"
    return "its source, p3lib or the chapter before it changed since it ran"
