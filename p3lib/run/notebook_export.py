"""A chapter as a standalone ``.ipynb`` for papermill users (``p3 notebook``).

papermill reads only ``.ipynb`` and infers each parameter's type from the parameters cell,
with a pattern that accepts a plain annotation (``SEED: int = 42``) or a type comment
(``SEED = 42  # type: int``) but no ``int | None`` annotation, and calls an unannotated
name "Unknown type". The notebook written here is the chapter unchanged except its
parameters cell, where every assignment is rewritten as ``NAME = value  # type: T  help``
with the type :func:`p3lib.run.chapters.read_parameters` reads, so ``papermill --help-notebook``
lists every parameter with its type and help.
"""

from __future__ import annotations

import ast
from pathlib import Path

from p3lib.run.chapters import APPENDIX, CHAPTERS, KERNEL_NAME, read_parameters
from p3lib.store.atomic import atomic_write_text
from p3lib.store.run_layout import NOTEBOOK_SOURCES


def chapter_source(name: str) -> Path:
    """The jupytext source of chapter ``name`` (``02_baseline``, or ``notebooks/02_baseline.py``).

    Only the book's chapters are chapters: ``../p3lib/cli`` is not read as one.

    Raises:
        FileNotFoundError: no such chapter, naming the chapters there are.
    """
    chapters = CHAPTERS + APPENDIX
    stem = Path(name).name.removesuffix(".py")
    if stem in chapters and (
        name == stem or Path(name).resolve() == NOTEBOOK_SOURCES.resolve() / f"{stem}.py"
    ):
        return NOTEBOOK_SOURCES / f"{stem}.py"
    raise FileNotFoundError(f"no chapter {name!r}; the chapters are {', '.join(chapters)}")


def check_destination(destination: str | Path, force: bool = False) -> Path:
    """``destination`` if ``p3 notebook`` may write it: an ``.ipynb`` that is not a chapter's
    source and, unless ``force``, does not exist yet.

    Raises:
        ValueError: why not, naming the file.
    """
    destination = Path(destination)
    if destination.suffix != ".ipynb":
        raise ValueError(
            f"{destination}: p3 notebook writes .ipynb files only (papermill reads nothing "
            "else); name a file ending in .ipynb"
        )
    if destination.is_dir():
        raise ValueError(f"{destination}: is a folder; name the .ipynb file to write")
    if destination.exists() and not force:
        raise ValueError(
            f"{destination}: already exists; p3 notebook replaces a file only with --force"
        )
    return destination


def typed_parameters_cell(code: str, types: dict[str, str], helps: dict[str, str]) -> str:
    """``code`` with each top-level assignment rewritten as ``NAME = value  # type: T  help``.

    Comment lines and blank lines are kept. ``types`` maps names to type names such as
    ``int | None``; the spaces are dropped because papermill's type comment is one word.

    Example:
        >>> print(typed_parameters_cell(
        ...     "# the seed\\nSEED = 42\\nSTEPS: int | None = None  # None: automatic\\n",
        ...     {"SEED": "int", "STEPS": "int | None"},
        ...     {"SEED": "", "STEPS": "None: automatic"},
        ... ))
        # the seed
        SEED = 42  # type: int
        STEPS = None  # type: int|None  None: automatic
    """
    lines = code.splitlines()
    for node in reversed(ast.parse(code).body):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target = node.target
        else:
            continue
        if not isinstance(target, ast.Name) or target.id not in types:
            continue
        value = ast.get_source_segment(code, node.value)
        if value is None or "\n" in value:
            value = repr(ast.literal_eval(node.value))
        line = f"{target.id} = {value}  # type: {types[target.id].replace(' ', '')}"
        if helps.get(target.id):
            line += f"  {helps[target.id]}"
        lines[node.lineno - 1 : node.end_lineno] = [line]
    return "\n".join(lines) + "\n"


def write_papermill_notebook(name: str, destination: str | Path, force: bool = False) -> Path:
    """Write chapter ``name`` as ``.ipynb`` with a typed parameters cell; return the path.

    Raises:
        FileNotFoundError: ``name`` is not a chapter.
        ValueError: ``destination`` is not an ``.ipynb``, or exists and ``force`` is not set.
    """
    import jupytext

    source = chapter_source(name)
    destination = check_destination(destination, force)
    parameters = read_parameters(source)
    notebook = jupytext.read(source)
    notebook.metadata.setdefault(
        "kernelspec",
        {"name": KERNEL_NAME, "display_name": "Python 3 (ipykernel)", "language": "python"},
    )
    for cell in notebook.cells:
        if "parameters" in cell.metadata.get("tags", []):
            cell.source = typed_parameters_cell(
                cell.source,
                {name: parameter.type_name() for name, parameter in parameters.items()},
                {name: parameter.help for name, parameter in parameters.items()},
            ).rstrip("\n")
    destination.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(destination, jupytext.writes(notebook, fmt="ipynb"))
    return destination
