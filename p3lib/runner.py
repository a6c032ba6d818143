"""Running the book: execute the chapters in order with papermill, skipping unchanged ones.

A chapter is the jupytext source ``notebooks/NN_name.py``. Its parameters cell is the single
source of truth for what it accepts: a parameters file (``params/full.yaml``) may only set
names that some chapter declares, with values of the declared type. Each executed notebook
lands in ``<out>/notebooks/NN_name.ipynb`` together with a content hash in
``<out>/run.json``; a chapter whose source, parameters, input data, ``p3lib`` code and
upstream chapters are unchanged is not executed again.
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from p3lib.io import atomic_write_json, atomic_write_text, read_json
from p3lib.layout import NOTEBOOK_SOURCES, REPO_ROOT, RunLayout, resolve_path

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
    chapters: list[Chapter], values: dict[str, Any], source: str = "parameters"
) -> dict[str, Any]:
    """Check ``values`` against the chapters' parameters; make path values absolute.

    Raises:
        ParameterError: an unknown name, or a value of the wrong type, listing every problem.
    """
    declared: dict[str, Parameter] = {}
    for chapter in chapters:
        declared.update(chapter.parameters)
    problems = []
    for name, value in values.items():
        if name not in declared:
            known = ", ".join(sorted(key.lower() for key in declared))
            problems.append(f"{source}: {name.lower()}: unknown parameter (known: {known})")
        elif not declared[name].accepts(value):
            problems.append(
                f"{source}: {name.lower()}: expected {declared[name].type_name()}, "
                f"got {type(value).__name__} {value!r}"
            )
    if problems:
        raise ParameterError("\n".join(problems))
    resolved = dict(values)
    for name, value in values.items():
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
DRIVER_MODULES = ("p3lib/book.py", "p3lib/cli.py", "p3lib/runner.py")


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


def chapter_key(
    chapter: Chapter, parameters: dict[str, Any], upstream_key: str, library: str
) -> str:
    """Content hash of everything a chapter's output depends on.

    Source, the parameters it receives, the bytes of every input file those parameters
    name, the ``p3lib`` code, and the key of the chapter before it (so a change re-runs
    that chapter and every later one).
    """
    digest = hashlib.sha256()
    digest.update(chapter.source.read_bytes())
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

    Raises:
        ChapterFailed: a chapter raised; earlier chapters' outputs are kept, the failed
            chapter's previous executed notebook is left untouched.
    """
    import papermill

    layout = RunLayout(parameters["OUT_DIR"])
    manifest_path = layout.root / "run.json"
    manifest = read_json(manifest_path) if manifest_path.is_file() else {}
    keys: dict[str, str] = dict(manifest.get("chapters", {}))
    library = library_fingerprint()
    report = RunReport()
    started = time.perf_counter()
    upstream = ""
    for number, chapter in enumerate(chapters, start=1):
        given = {k: v for k, v in parameters.items() if k in chapter.parameters}
        key = chapter_key(chapter, given, upstream, library)
        upstream = key
        executed = layout.notebooks / f"{chapter.name}.ipynb"
        prefix = f"[{number}/{len(chapters)}] {chapter.name}"
        if not force and keys.get(chapter.name) == key and executed.is_file():
            report.skipped.append(chapter.name)
            log(f"{prefix}: unchanged, skipped")
            continue
        log(f"{prefix}: executing ...")
        chapter_started = time.perf_counter()
        staging = layout.notebooks / ".staging"
        source_notebook = to_notebook(chapter.source, staging / f"{chapter.name}.source.ipynb")
        partial = staging / f"{chapter.name}.ipynb"
        # Any change means this chapter's record is stale until it succeeds again.
        keys.pop(chapter.name, None)
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
            )
        except Exception as exc:
            _write_manifest(manifest_path, parameters, keys)
            raise ChapterFailed(f"{prefix} failed: {_error_message(exc)}") from None
        finally:
            papermill_log.removeFilter(quiet)
        atomic_write_text(executed, partial.read_text(encoding="utf-8"))
        partial.unlink(missing_ok=True)
        keys[chapter.name] = key
        _write_manifest(manifest_path, parameters, keys)
        seconds = time.perf_counter() - chapter_started
        report.executed[chapter.name] = seconds
        log(f"{prefix}: done in {seconds:.1f} s (total {time.perf_counter() - started:.1f} s)")
    report.seconds = time.perf_counter() - started
    return report


def _write_manifest(path: Path, parameters: dict[str, Any], keys: dict[str, str]) -> None:
    atomic_write_json(
        path,
        {
            "parameters": {k.lower(): v for k, v in sorted(parameters.items())},
            "chapters": keys,
            "python": sys.version.split()[0],
        },
    )
