"""A chapter as a standalone ``.ipynb`` for papermill users (``p3 notebook``).

papermill reads only ``.ipynb`` and infers each parameter's type from the parameters cell,
with a pattern that accepts a plain annotation (``SEED: int = 42``) or a type comment
(``SEED = 42  # type: int``) but no ``int | None`` annotation, and calls an unannotated
name "Unknown type". The notebook written here is the chapter unchanged except its
parameters cell, where every assignment is rewritten as ``NAME = value  # type: T  help``
with the type :func:`p3lib.run.runner.read_parameters` reads, so ``papermill --help-notebook``
lists every parameter with its type and help.
"""

from __future__ import annotations

import ast
from pathlib import Path

from p3lib.run.chapters import APPENDIX, CHAPTERS, KERNEL_NAME, read_parameters
from p3lib.store.run_layout import NOTEBOOK_SOURCES


def chapter_source(name: str) -> Path:
    """The jupytext source of chapter ``name`` (``02_baseline``); a path is taken as given.

    Raises:
        FileNotFoundError: no such chapter, naming the chapters there are.
    """
    path = Path(name)
    if path.suffix == ".py" and path.is_file():
        return path
    source = NOTEBOOK_SOURCES / f"{name}.py"
    if not source.is_file():
        raise FileNotFoundError(
            f"no chapter {name!r}; the chapters are {', '.join(CHAPTERS + APPENDIX)}"
        )
    return source


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


def write_papermill_notebook(name: str, destination: str | Path) -> Path:
    """Write chapter ``name`` as ``.ipynb`` with a typed parameters cell; return the path."""
    import jupytext

    source = chapter_source(name)
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
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    jupytext.write(notebook, destination, fmt="ipynb")
    return destination
