"""Running the book: execute the chapters in order with papermill, skipping unchanged ones.

A chapter is the jupytext source ``notebooks/NN_name.py``. Its parameters cell is the single
source of truth for what it accepts: a parameters file (``params/full.yaml``) may only set
names that some chapter declares, with values of the declared type. Each executed notebook
lands in ``<out>/notebooks/NN_name.ipynb`` together with a content hash in
``<out>/run.json``; a chapter whose source, parameters, input data, ``p3lib`` code and
upstream chapters are unchanged, and whose recorded outputs are intact, is not executed again.
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from p3lib.io import atomic_write_text
from p3lib.layout import NOTEBOOK_SOURCES, REPO_ROOT, RunLayout, resolve_path
from p3lib.output_lock import output_lock
from p3lib.run_record import (
    chapter_entries,
    chapter_entry,
    fingerprint_changes,
    output_problems,
    read_run_record,
    scan_outputs,
    write_run_record,
)

CHAPTERS = (
    "01_data_quality",
    "02_baseline",
    "03_full_finetune",
    "04_lora",
    "05_post_training_eval",
    "06_comparison",
)
APPENDIX = ("07_experiments",)
PATH_PARAMETERS_SUFFIX = ("_PATH", "_DIR")
KERNEL_NAME = "python3"


class _KnownParametersFilter(logging.Filter):
    """Drop papermill's "Passed unknown parameter" warning for names the runner has checked.

    papermill's own parameter inspection cannot read annotations such as ``int | None``, so it
    calls ``EVAL_STEPS`` unknown although the value is injected; the runner has already
    matched every name against the chapter's parameters cell, so the warning only misleads.
    """

    def __init__(self, known: set[str]) -> None:
        super().__init__()
        self.known = known

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        prefix = "Passed unknown parameter: "
        return not (message.startswith(prefix) and message[len(prefix) :] in self.known)


class ParameterError(ValueError):
    """A parameters file or override that the chapters do not accept."""


@dataclass(frozen=True)
class Parameter:
    """One name of a chapter's parameters cell: its default and the types it accepts."""

    name: str
    default: Any
    annotation: str | None
    help: str

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` has a type this parameter takes (bool is never an int)."""
        allowed = _types_of(self.annotation, self.default)
        if allowed is None:
            return True
        if isinstance(value, bool):
            return bool in allowed
        if isinstance(value, int) and float in allowed:
            return True
        return any(type(value) is kind for kind in allowed)

    def coerce(self, value: Any) -> Any:
        """``value``, or the float a person meant by text such as ``1e-5``.

        YAML 1.1 reads ``1e-5`` (no dot) as a string; a float parameter takes it as the
        number it is. Any other value is returned as given for :meth:`accepts` to judge.
        """
        allowed = _types_of(self.annotation, self.default) or ()
        if isinstance(value, str) and float in allowed and str not in allowed:
            try:
                return float(value)
            except ValueError:
                return value
        return value

    def type_name(self) -> str:
        """The accepted types, as a reader would write them."""
        allowed = _types_of(self.annotation, self.default)
        if allowed is None:
            return "any"
        return " | ".join("None" if kind is type(None) else kind.__name__ for kind in allowed)


def _types_of(annotation: str | None, default: Any) -> tuple[type, ...] | None:
    names = {"int": int, "float": float, "str": str, "bool": bool, "None": type(None)}
    names["list"] = list
    if annotation:
        parts = [part.strip() for part in annotation.split("|")]
        if all(part in names for part in parts):
            return tuple(names[part] for part in parts)
        return None
    if default is None:
        return None
    return (type(default),)


@dataclass(frozen=True)
class Chapter:
    """A chapter source and its declared parameters."""

    name: str
    source: Path
    parameters: dict[str, Parameter] = field(default_factory=dict)


def read_parameters(source: Path) -> dict[str, Parameter]:
    """The names, defaults and types of the cell tagged ``parameters`` in a jupytext source."""
    import jupytext

    notebook = jupytext.read(source)
    cells = [c for c in notebook.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ParameterError(f"{source}: expected one cell tagged 'parameters', found {len(cells)}")
    code = cells[0].source
    lines = code.splitlines()
    parameters: dict[str, Parameter] = {}
    for node in ast.parse(code).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, annotation = node.targets[0], None
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, annotation = node.target, ast.unparse(node.annotation)
        else:
            continue
        if not isinstance(target, ast.Name):
            continue
        line = lines[node.lineno - 1]
        help_text = line.split("#", 1)[1].strip() if "#" in line else ""
        parameters[target.id] = Parameter(
            target.id, ast.literal_eval(node.value), annotation, help_text
        )
    return parameters


def discover_chapters(
    names: tuple[str, ...] = CHAPTERS, folder: Path = NOTEBOOK_SOURCES
) -> list[Chapter]:
    """The chapters ``names`` with their parameters read from ``folder``."""
    chapters = []
    for name in names:
        source = folder / f"{name}.py"
        if not source.is_file():
            raise FileNotFoundError(f"chapter source missing: {source}")
        chapters.append(Chapter(name, source, read_parameters(source)))
    return chapters


def load_parameters_file(path: str | Path) -> dict[str, Any]:
    """A YAML mapping of lower-case parameter names; path values are repository-relative."""
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"{path}: parameters file not found")
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ParameterError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(values, dict):
        raise ParameterError(f"{path}: expected a mapping of parameter names to values")
    return {str(key).upper(): value for key, value in values.items()}


def resolve_parameters(
    chapters: list[Chapter], values: dict[str, Any], source: str | dict[str, str] = "parameters"
) -> dict[str, Any]:
    """Check ``values`` against the chapters' parameters; make path values absolute.

    ``source`` says where the values came from, for the messages: one name for all, or one
    per parameter name (``{"EPOCHS": "--set epochs=-1"}``; unlisted names read
    "parameters"). Text that is a number is taken as the float a float parameter expects.

    Raises:
        ParameterError: an unknown name, or a value of the wrong type, listing every problem.
    """
    declared: dict[str, Parameter] = {}
    for chapter in chapters:
        declared.update(chapter.parameters)
    problems = []
    resolved = dict(values)
    for name, value in values.items():
        where = source.get(name, "parameters") if isinstance(source, dict) else source
        if name not in declared:
            known = ", ".join(sorted(key.lower() for key in declared))
            problems.append(f"{where}: {name.lower()}: unknown parameter (known: {known})")
            continue
        resolved[name] = value = declared[name].coerce(value)
        if not declared[name].accepts(value):
            problems.append(
                f"{where}: {name.lower()}: expected {declared[name].type_name()}, "
                f"got {type(value).__name__} {value!r}"
            )
    if problems:
        raise ParameterError("\n".join(problems))
    for name, value in resolved.items():
        if name.endswith(PATH_PARAMETERS_SUFFIX) and isinstance(value, str):
            resolved[name] = str(resolve_path(value))
    return resolved


def complete_parameters(chapters: list[Chapter], parameters: dict[str, Any]) -> dict[str, Any]:
    """``parameters`` plus every chapter default not set, with path values made absolute.

    Every chapter then receives all of its parameters explicitly, so the cache key of a
    chapter covers the data files it reads even when they are its defaults.
    """
    complete = dict(parameters)
    for chapter in chapters:
        for name, parameter in chapter.parameters.items():
            if name not in complete:
                value = parameter.default
                if name.endswith(PATH_PARAMETERS_SUFFIX) and isinstance(value, str):
                    value = str(resolve_path(value))
                complete[name] = value
    return complete


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"


# The modules that run chapters and build the book; no chapter imports them (a test checks),
# so a change to them cannot change a chapter's output and does not re-execute the book.
DRIVER_MODULES = (
    "p3lib/book.py",
    "p3lib/cli.py",
    "p3lib/notebook.py",
    "p3lib/output_lock.py",
    "p3lib/preflight.py",
    "p3lib/run_record.py",
    "p3lib/runner.py",
)


def library_fingerprint() -> str:
    """Hash of the ``p3lib`` code chapters run: a change to it re-executes the chapters.

    Every source file counts except :data:`DRIVER_MODULES`.
    """
    digest = hashlib.sha256()
    for path in sorted((REPO_ROOT / "p3lib").rglob("*.py")):
        name = path.relative_to(REPO_ROOT).as_posix()
        if name in DRIVER_MODULES:
            continue
        digest.update(name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def source_fingerprint(source: Path) -> str:
    """Hash of the cells of a jupytext chapter that decide what it computes and shows.

    Every cell counts, its type, source and metadata (tags such as ``hide-input`` change the
    page), except the cell tagged ``parameters``: ``p3 run`` injects every name it declares
    (see :func:`complete_parameters`), so those values are hashed as parameters instead, and
    editing a default there changes nothing the run does. jupytext's header (format and
    jupytext versions, kernelspec) says how the file is stored, not what runs, so a JupyterLab
    save that rewrites it keeps the chapter warm.
    """
    import jupytext

    cells = [
        {"type": cell.cell_type, "source": cell.source, "metadata": cell.metadata}
        for cell in jupytext.read(source).cells
        if "parameters" not in cell.metadata.get("tags", [])
    ]
    return hashlib.sha256(json.dumps(cells, sort_keys=True).encode()).hexdigest()


def chapter_key(
    chapter: Chapter, parameters: dict[str, Any], upstream_key: str, library: str
) -> str:
    """Content hash of everything a chapter's output depends on.

    Source (as :func:`source_fingerprint` reads it), the parameters it receives, the bytes
    of every input file those parameters name, the ``p3lib`` code, and the key of the
    chapter before it (so a change re-runs that chapter and every later one).
    """
    digest = hashlib.sha256()
    digest.update(source_fingerprint(chapter.source).encode())
    # Where the outputs live does not change them: a moved output folder stays warm.
    content = {name: value for name, value in parameters.items() if name != "OUT_DIR"}
    digest.update(json.dumps(content, sort_keys=True, default=str).encode())
    for name, value in sorted(parameters.items()):
        if name.endswith("_PATH") and isinstance(value, str):
            digest.update(_sha256_file(Path(value)).encode())
    digest.update(library.encode())
    digest.update(upstream_key.encode())
    return digest.hexdigest()


def to_notebook(source: Path, destination: Path) -> Path:
    """Convert a jupytext source to ``.ipynb`` (the kernelspec comes from its header)."""
    import jupytext

    notebook = jupytext.read(source)
    notebook.metadata.setdefault(
        "kernelspec",
        {"name": KERNEL_NAME, "display_name": "Python 3 (ipykernel)", "language": "python"},
    )
    destination.parent.mkdir(parents=True, exist_ok=True)
    jupytext.write(notebook, destination, fmt="ipynb")
    return destination


class ChapterFailed(RuntimeError):
    """A chapter raised; the message is the chapter's own error, without the traceback noise."""


@dataclass
class RunReport:
    """What ``run_book`` did to each chapter: executed (with seconds) or skipped."""

    executed: dict[str, float] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _error_message(exc: Exception) -> str:
    name, value = getattr(exc, "ename", type(exc).__name__), getattr(exc, "evalue", str(exc))
    return f"{name}: {value}"


def run_book(
    parameters: dict[str, Any],
    chapters: list[Chapter],
    *,
    force: bool = False,
    log: Callable[[str], None] = print,
) -> RunReport:
    """Execute ``chapters`` in order into the run's output folder.

    ``parameters`` must already be checked with :func:`resolve_parameters` and hold
    ``OUT_DIR``. Each chapter receives only the names its parameters cell declares.

    A chapter is skipped only when its cache key matches the run record *and* every output
    it recorded there is present with the bytes it wrote (see :mod:`p3lib.run_record`). The
    output folder is locked for the whole run (:func:`p3lib.output_lock.output_lock`).

    Raises:
        ChapterFailed: a chapter raised; earlier chapters' outputs are kept, the failed
            chapter's previous executed notebook is left untouched.
        OutputBusy: another p3 process is using the output folder.
        RunRecordError: the run record is unreadable (``force`` starts a new one).
    """
    layout = RunLayout(parameters["OUT_DIR"])
    with output_lock(layout.root):
        return _run_chapters(layout, parameters, chapters, force=force, log=log)


def _run_chapters(
    layout: RunLayout,
    parameters: dict[str, Any],
    chapters: list[Chapter],
    *,
    force: bool,
    log: Callable[[str], None],
) -> RunReport:
    import papermill

    entries = chapter_entries(read_run_record(layout.root, ignore_corrupt=force))
    library = library_fingerprint()
    report = RunReport()
    started = time.perf_counter()
    upstream = ""
    # Once a chapter executes, every later one does: they read what it wrote.
    rerun = force
    for number, chapter in enumerate(chapters, start=1):
        given = {k: v for k, v in parameters.items() if k in chapter.parameters}
        previous, key = upstream, chapter_key(chapter, given, upstream, library)
        upstream = key
        executed = layout.notebooks / f"{chapter.name}.ipynb"
        prefix = f"[{number}/{len(chapters)}] {chapter.name}"
        entry = entries.get(chapter.name)
        if not rerun and entry is not None and entry.get("key") == key:
            # The key says nothing changed; the outputs must say so too.
            problems = output_problems(layout.root, entry.get("outputs", {}))
            if executed.is_file() and not problems:
                report.skipped.append(chapter.name)
                log(f"{prefix}: unchanged, skipped")
                continue
            if problems:
                more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
                log(f"{prefix}: {problems[0]}{more}")
        log(f"{prefix}: executing ...")
        rerun = True
        chapter_started = time.perf_counter()
        staging = layout.notebooks / ".staging"
        source_notebook = to_notebook(chapter.source, staging / f"{chapter.name}.source.ipynb")
        partial = staging / f"{chapter.name}.ipynb"
        before = scan_outputs(layout.root)
        # Any change means this chapter's record is stale until it succeeds again.
        entries.pop(chapter.name, None)
        quiet = _KnownParametersFilter(set(given))
        papermill_log = logging.getLogger("papermill")
        papermill_log.addFilter(quiet)
        try:
            papermill.execute_notebook(
                str(source_notebook),
                str(partial),
                parameters=given,
                kernel_name=KERNEL_NAME,
                cwd=str(REPO_ROOT),
                progress_bar=False,
                log_output=False,
                # The kernel's own log is infrastructure noise on the console: a notice that
                # its local TCP sockets are unencrypted for every chapter, and a ZMQ traceback
                # when Ctrl-C closes its sockets. A chapter's errors reach p3 as cell errors.
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            )
        except BaseException as exc:
            # Stopped or failed: the chapter may have written part of its outputs, so it has
            # no record until it succeeds again.
            write_run_record(layout.root, parameters, entries)
            partial.unlink(missing_ok=True)
            if isinstance(exc, Exception):
                raise ChapterFailed(f"{prefix} failed: {_error_message(exc)}") from None
            raise
        finally:
            papermill_log.removeFilter(quiet)
            source_notebook.unlink(missing_ok=True)
            _remove_if_empty(staging)
        atomic_write_text(executed, partial.read_text(encoding="utf-8"))
        partial.unlink(missing_ok=True)
        _remove_if_empty(staging)
        after = scan_outputs(layout.root)
        written = fingerprint_changes(before, after)
        gone = set(before) - set(after)
        # A file this chapter rewrote or removed is no longer another chapter's output.
        for other in entries.values():
            for relative in [*written, *gone]:
                other.get("outputs", {}).pop(relative, None)
        entries[chapter.name] = chapter_entry(key, previous, given, layout.root, written)
        write_run_record(layout.root, parameters, entries)
        seconds = time.perf_counter() - chapter_started
        report.executed[chapter.name] = seconds
        log(f"{prefix}: done in {seconds:.1f} s (total {time.perf_counter() - started:.1f} s)")
    report.seconds = time.perf_counter() - started
    return report


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass
