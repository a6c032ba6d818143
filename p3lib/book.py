"""Building the Jupyter Book (1.x) from a run's executed notebooks, offline.

The book is assembled in a staging folder: the repository's ``_config.yml``, ``_toc.yml``,
``book/`` pages and ``_static/`` assets, plus the executed notebooks of one run's output
folder. Nothing is executed at build time (``execute_notebooks: off``); Sphinx warnings are
errors. plotly.js is copied from the installed plotly package, and mermaid from ``_static``,
so no page requests anything from another host.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from p3lib.io import read_json
from p3lib.layout import DEFAULT_OUT, REPO_ROOT, RunLayout

BOOK_SOURCES = ("_config.yml", "_toc.yml", "book", "_static")
DEFAULT_HTML = REPO_ROOT / "_build" / "html"


class BookError(RuntimeError):
    """The book could not be built; the message carries the build's own errors."""


def plotly_js() -> Path:
    """The plotly.js bundled with the installed plotly package (matches the figures' schema)."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _toc_files(toc: dict) -> list[str]:
    files = [toc["root"]]
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            files.append(chapter["file"])
            files.extend(section["file"] for section in chapter.get("sections", []))
    return files


def data_source_note(out_dir: Path) -> str:
    """One sentence naming the data this run used, for the introduction."""
    manifest = out_dir / "run.json"
    if not manifest.is_file():
        return "the default generated data (`data/raw/`)"
    parameters = read_json(manifest).get("parameters", {})
    train, evaluation = parameters.get("train_path", ""), parameters.get("eval_path", "")
    default = str(REPO_ROOT / "data" / "raw")
    if str(train).startswith(default) and str(evaluation).startswith(default):
        return "the default generated data (`data/raw/train.jsonl`, `data/raw/eval.jsonl`)"
    return f"the user's files `{Path(train).name}` (train) and `{Path(evaluation).name}` (eval)"


def stage_book(out_dir: Path, staging: Path, appendix: bool) -> Path:
    """Assemble the book's sources for ``out_dir`` in ``staging``; return the staging folder."""
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    for name in BOOK_SOURCES:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, staging / name)
        else:
            shutil.copy2(source, staging / name)
    shutil.copy2(plotly_js(), staging / "_static" / "plotly.min.js")

    toc = yaml.safe_load((staging / "_toc.yml").read_text(encoding="utf-8"))
    if not appendix:
        for part in toc.get("parts", []):
            part["chapters"] = [c for c in part["chapters"] if "07_experiments" not in c["file"]]
        toc["parts"] = [part for part in toc["parts"] if part["chapters"]]
        (staging / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")

    executed = RunLayout(out_dir).notebooks
    target = staging / "outputs" / "notebooks"
    target.mkdir(parents=True)
    missing = []
    for entry in _toc_files(toc):
        if entry.startswith("outputs/notebooks/"):
            name = Path(entry).name
            notebook = executed / f"{name}.ipynb"
            if notebook.is_file():
                shutil.copy2(notebook, target / notebook.name)
            else:
                missing.append(str(notebook))
    if missing:
        raise BookError(
            "these chapters have not been executed yet (run `p3 run` first):\n  "
            + "\n  ".join(missing)
        )

    config = yaml.safe_load((staging / "_config.yml").read_text(encoding="utf-8"))
    substitutions = config.setdefault("parse", {}).setdefault("myst_substitutions", {})
    substitutions["data_source"] = data_source_note(out_dir)
    (staging / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return staging


def build_book(
    out_dir: str | Path = DEFAULT_OUT,
    html_dir: str | Path = DEFAULT_HTML,
    *,
    appendix: bool | None = None,
    quiet: bool = False,
) -> Path:
    """Build the book from ``out_dir``'s executed notebooks into ``html_dir``; return index.html.

    ``appendix`` includes chapter 07; by default it is included when it was executed.

    Raises:
        BookError: a chapter is missing or Sphinx reported a warning or error.
    """
    out_dir, html_dir = Path(out_dir).resolve(), Path(html_dir).resolve()
    if appendix is None:
        appendix = (RunLayout(out_dir).notebooks / "07_experiments.ipynb").is_file()
    staging = stage_book(out_dir, out_dir / ".book-staging", appendix)
    command = [
        sys.executable,
        "-m",
        "jupyter_book.cli.main",
        "build",
        str(staging),
        "--builder",
        "html",
        "-W",
        "-n",
        "--keep-going",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, cwd=staging)
    if completed.returncode != 0:
        log = (completed.stdout + completed.stderr).strip().splitlines()
        problems = [line for line in log if "WARNING" in line or "ERROR" in line] or log[-30:]
        raise BookError("the book build failed:\n  " + "\n  ".join(problems[:40]))
    built = staging / "_build" / "html"
    if html_dir.exists():
        shutil.rmtree(html_dir)
    html_dir.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(built, html_dir)
    if not quiet:
        print(f"book written to {html_dir / 'index.html'}")
    return html_dir / "index.html"
