"""The chapters and their parameters: what ``p3 run`` may execute, with which values.

A chapter is the jupytext source ``notebooks/NN_name.py``. Its parameters cell is the single
source of truth for what it accepts: a parameters file (``params/full.yaml``) may only set
names that some chapter declares, with values of the declared type
(:func:`resolve_parameters`), and every chapter receives all of its parameters explicitly
(:func:`complete_parameters`), so that a run's record covers even the defaults.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from p3lib.store.run_layout import NOTEBOOK_SOURCES, resolve_path

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


@dataclass
class Planned:
    """A chapter a run will execute: its place in the run, the parameters it receives, its
    cache key and the key of the chapter before it."""

    number: int
    chapter: Chapter
    given: dict[str, Any]
    key: str
    previous: str
