"""A run's executed notebooks made ready for readers, as the book stages them.

The executed ``.ipynb`` in the run's output folder stay as papermill wrote them (they are the
record of the run); the book gets a cleaned copy:

- papermill's injected ``# Parameters`` cell is dropped: it repeats the parameters cell with
  the builder's absolute paths, which tell a reader nothing and leak the machine's layout;
- every code cell's source is folded (``hide-input``): the book reads as prose, figures and
  tables, and each cell's code is one click away; a cell that shows nothing is left out of
  the page (``remove-input``), so no row of empty toggles interrupts the text (its code stays
  in ``notebooks/``);
- stderr streams (library warnings, progress bars), empty streams, bare ``PosixPath(...)``
  values and Jupyter widgets (tqdm's notebook progress bars) are removed: they are the run's
  noise, not its results, and a saved widget makes the page fetch widget scripts from a CDN;
- a chart, stored once in the executed notebook as plotly's JSON (what JupyterLab draws),
  becomes the HTML the page draws it with (:func:`p3lib.book.charts.figure_html`: the title above
  the chart, numbered "Figure 2.3" within its chapter, plotly.js from the book's ``_static``);
- the builder's absolute paths in outputs (``/home/me/p3/outputs/metrics/full.json``) become
  the paths a reader would type (``outputs/metrics/full.json``): see :func:`reader_paths`.

Example:
    >>> cell = {"cell_type": "code", "metadata": {"tags": ["injected-parameters"]},
    ...         "source": "OUT_DIR = '/home/me/run'", "outputs": []}
    >>> kept = {"cell_type": "code", "metadata": {}, "source": "1 + 1",
    ...         "outputs": [{"output_type": "stream", "name": "stderr", "text": "0%|   |"}]}
    >>> cleaned = clean_notebook({"cells": [cell, kept]})
    >>> [c["source"] for c in cleaned["cells"]], cleaned["cells"][0]["outputs"]
    (['1 + 1'], [])
    >>> cleaned["cells"][0]["metadata"]["tags"]  # no output left: the code leaves the page
    ['remove-input']
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from p3lib.book.charts import PLOTLY_MIME, figure_html
from p3lib.store.run_layout import REPO_ROOT

INJECTED_TAG = "injected-parameters"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
FOLD_TAG = "hide-input"
REMOVE_TAG = "remove-input"
# Tags by which a chapter already decides how its cell is shown; the fold leaves those alone.
VISIBILITY_TAGS = ("hide-input", "hide-output", "hide-cell", "remove-input", "remove-output")
VISIBILITY_TAGS += ("remove-cell", "show-input")
_PATH_REPR = re.compile(r"^\s*(\[)?\s*(Posix|Windows)?Path\(.*\)\s*(\])?\s*$", re.DOTALL)


def _text(value: str | list[str]) -> str:
    return "".join(value) if isinstance(value, list) else value


def _is_noise(output: dict[str, Any]) -> bool:
    """Whether an output is run noise rather than a result."""
    kind = output.get("output_type")
    if kind == "stream":
        return output.get("name") == "stderr" or not _text(output.get("text", "")).strip()
    if kind in ("execute_result", "display_data"):
        data = output.get("data", {})
        if WIDGET_VIEW in data:
            return True
        if set(data) <= {"text/plain"}:
            plain = _text(data.get("text/plain", ""))
            return not plain.strip() or bool(_PATH_REPR.match(plain))
    return False


def _chart_as_html(output: dict[str, Any], number: str | None = None) -> bool:
    """Replace a chart's plotly JSON in ``output`` by the HTML the book draws it with,
    titled with its figure ``number``; return whether it did.

    An output that already has HTML (a notebook executed before charts were stored once)
    keeps it.
    """
    data = output.get("data", {})
    if PLOTLY_MIME in data and "text/html" not in data:
        data["text/html"] = figure_html(data.pop(PLOTLY_MIME), number)
        return True
    return False


def chapter_number(name: str) -> int | None:
    """The chapter's number from its file name, for figure numbers.

    Example:
        >>> chapter_number("02_baseline.ipynb"), chapter_number("notes.ipynb")
        (2, None)
    """
    match = re.match(r"(\d+)_", name)
    return int(match.group(1)) if match else None


def reader_paths(out_dir: Path, repo_root: Path) -> dict[str, str]:
    """``{absolute prefix: what a reader sees}`` for the run's output folder and the repository.

    A folder inside the repository reads relative to it; one outside it by its own name.

    Example:
        >>> reader_paths(Path("/tmp/run"), Path("/home/me/p3"))
        {'/tmp/run/': 'run/', '/home/me/p3/': ''}
        >>> reader_paths(Path("/home/me/p3/outputs"), Path("/home/me/p3"))
        {'/home/me/p3/outputs/': 'outputs/', '/home/me/p3/': ''}
    """
    out_dir, repo_root = Path(out_dir), Path(repo_root)
    shown = out_dir.relative_to(repo_root) if out_dir.is_relative_to(repo_root) else out_dir.name
    return {f"{out_dir}/": f"{shown}/", f"{repo_root}/": ""}


def _replace_paths(value, replacements: dict[str, str]):
    if isinstance(value, list):
        return [_replace_paths(item, replacements) for item in value]
    if isinstance(value, str):
        for prefix, shown in replacements.items():
            value = value.replace(prefix, shown).replace(prefix.rstrip("/"), shown.rstrip("/"))
        return value
    return value


def clean_notebook(
    notebook: dict[str, Any],
    replacements: dict[str, str] | None = None,
    chapter: int | None = None,
) -> dict[str, Any]:
    """A copy of ``notebook`` (nbformat 4 JSON) as the book shows it; see the module doc.

    ``replacements`` (:func:`reader_paths`) rewrite absolute paths in the outputs' text;
    with a ``chapter`` number, charts are numbered "Figure 2.1", "Figure 2.2", ...
    """
    figures = 0
    cleaned = copy.deepcopy(notebook)
    cleaned.get("metadata", {}).pop("widgets", None)
    cells = []
    for cell in cleaned.get("cells", []):
        tags = list(cell.get("metadata", {}).get("tags", []))
        if INJECTED_TAG in tags:
            continue
        if cell.get("cell_type") == "code":
            cell["outputs"] = [o for o in cell.get("outputs", []) if not _is_noise(o)]
            for output in cell["outputs"]:
                number = f"Figure {chapter}.{figures + 1}" if chapter is not None else None
                figures += _chart_as_html(output, number)
            for output in cell["outputs"] if replacements else ():
                if "text" in output:
                    output["text"] = _replace_paths(output["text"], replacements)
                for mime in ("text/plain", "text/markdown", "text/html"):
                    if mime in output.get("data", {}):
                        output["data"][mime] = _replace_paths(output["data"][mime], replacements)
            if not any(tag in VISIBILITY_TAGS for tag in tags):
                fold = FOLD_TAG if cell["outputs"] else REMOVE_TAG
                cell.setdefault("metadata", {})["tags"] = [*tags, fold]
        cells.append(cell)
    cleaned["cells"] = cells
    return cleaned


def copy_clean_notebook(source: Path, target: Path, out_dir: Path) -> None:
    """Write the cleaned copy of ``out_dir``'s executed notebook ``source`` to ``target``."""
    notebook = json.loads(source.read_text(encoding="utf-8"))
    cleaned = clean_notebook(
        notebook, reader_paths(out_dir.resolve(), REPO_ROOT), chapter_number(source.name)
    )
    target.write_text(
        json.dumps(cleaned, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
