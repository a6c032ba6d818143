"""Building the Jupyter Book (1.x) from a run's executed notebooks, offline.

The book is assembled in a staging folder: the repository's ``_config.yml``, ``_toc.yml``,
``book/`` pages and ``_static/`` assets, plus the executed notebooks of one run's output
folder. Nothing is executed at build time (``execute_notebooks: off``); Sphinx warnings are
errors. plotly.js is copied from the installed plotly package, and mermaid from ``_static``,
so no page requests anything from another host.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from p3lib.book.clean_notebooks import copy_clean_notebook
from p3lib.book.html import slim_book
from p3lib.book.landing import landing_substitutions, write_cosine_figure
from p3lib.book.pages import stage_pages
from p3lib.run.chapters import APPENDIX, CHAPTERS
from p3lib.store.atomic import (
    ForeignFolderError,
    atomic_directory,
    check_replaceable,
    read_json,
)
from p3lib.store.run_layout import DEFAULT_OUT, REPO_ROOT, RunLayout

BOOK_SOURCES = ("_config.yml", "_toc.yml", "book", "_static")
DEFAULT_HTML = REPO_ROOT / "_build" / "html"


BOOK_WHAT = "the book's HTML, built by p3 book"
"""What the marker of a built site says it holds (a model folder's says otherwise)."""


class BookError(RuntimeError):
    """The book could not be built; the message carries the build's own errors."""


def check_html_folder(html_dir: str | Path, out_dir: str | Path | None = None) -> None:
    """Refuse an HTML folder that p3 must not replace, before any work starts.

    Refused: a folder inside a p3 output folder (one holding ``run.json``, or the run's own
    ``out_dir``, whose models carry p3's marker too) or one that holds it; a file; a folder
    with files p3 did not write, or a folder p3 made as something else (see
    :func:`p3lib.store.atomic.check_replaceable`).

    Raises:
        ForeignFolderError: why, naming the folder (and the foreign files).
    """
    from p3lib.run.run_record import RUN_RECORD

    html_dir = Path(html_dir).absolute()
    runs = [folder for folder in (html_dir, *html_dir.parents) if (folder / RUN_RECORD).is_file()]
    if out_dir is not None:
        out_dir = Path(out_dir).absolute()
        if out_dir == html_dir or out_dir in html_dir.parents:
            runs.append(out_dir)
        elif html_dir in out_dir.parents:
            raise ForeignFolderError(
                f"--html {html_dir}: holds the run's output folder {out_dir}, which replacing "
                "the site would delete; name a folder outside it"
            )
    if runs:
        raise ForeignFolderError(
            f"--html {html_dir}: inside the p3 output folder {runs[0]}, whose results (models, "
            "metrics, notebooks) replacing it could delete; name a folder outside it"
        )
    check_replaceable(html_dir, BOOK_WHAT)


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


def results_substitutions(out_dir: Path) -> dict[str, str]:
    """The results page's headline, tier table, results table, pointer to the paired
    differences and success criteria; each is stated on this page only (chapters 05 and 06
    and the landing page link here)."""
    comparison = RunLayout(out_dir).metric("comparison")
    if not comparison.is_file():
        return {
            "results_table": "This run did not compare models (chapter 05 was not executed).",
            "headline": "",
            "comparisons": "",
            "success_table": "",
            "tiers": "",
        }
    from p3lib.book.results_block import results_table, success_table
    from p3lib.book.sentences import headline_paragraph
    from p3lib.book.tier_text import load_tiers
    from p3lib.evaluation.comparison import load_comparison

    result = load_comparison(comparison)
    tiers = load_tiers(out_dir)
    n = sum(len(pair.differences) for pair in result.paired_differences.values())
    return {
        "tiers": (
            "Chapter 05 tabulates and draws each tier with its 95% interval and the "
            "words-only model beside the three ({doc}`chapter 05 "
            '<../outputs/notebooks/05_post_training_eval>`, "Three tiers").'
            if tiers is not None
            else "This run has no tier results (chapter 05 was not executed)."
        ),
        "results_table": results_table(result),
        "headline": headline_paragraph(result, tiers),
        "comparisons": (
            f"Chapter 06 draws all {n} such readings of this run in one chart, each with its "
            "interval, and states each verdict beside the chart it reads from "
            "({doc}`chapter 06 <../outputs/notebooks/06_comparison>`, "
            '"Model against model"); where each model still errs, pair type by pair type, is '
            "at the end of that chapter."
        ),
        "success_table": success_table(result),
    }


def stage_book(out_dir: Path, staging: Path, chapters: tuple[str, ...]) -> Path:
    """Assemble the book's sources for ``out_dir`` in ``staging``; return the staging folder.

    Only the executed chapters named in ``chapters`` enter the table of contents.
    ``staging`` must be missing or empty.
    """
    staging.mkdir(parents=True, exist_ok=True)
    for name in BOOK_SOURCES:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, staging / name)
        else:
            shutil.copy2(source, staging / name)
    shutil.copy2(plotly_js(), staging / "_static" / "plotly.min.js")
    # The results page's "Try a pair" widget loads the run's exported models from _static.
    from p3lib.book.widget import stage_widget_models

    stage_widget_models(out_dir, staging / "_static")

    toc = yaml.safe_load((staging / "_toc.yml").read_text(encoding="utf-8"))
    for part in toc.get("parts", []):
        part["chapters"] = [
            entry
            for entry in part["chapters"]
            if not entry["file"].startswith("outputs/notebooks/")
            or Path(entry["file"]).name in chapters
        ]
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
                copy_clean_notebook(notebook, target / notebook.name, out_dir)
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
    from p3lib.book.widget import widget_notes

    substitutions["widget_notes"] = widget_notes(out_dir, data_source_note(out_dir))
    from p3lib.book.limitations import limitations_substitutions

    substitutions.update(
        limitations_substitutions(
            out_dir, data_source_note(out_dir), appendix="07_experiments" in chapters
        )
    )
    substitutions.update(results_substitutions(out_dir))
    from p3lib.evaluation.errors_by_type import errors_substitutions

    substitutions.update(errors_substitutions(RunLayout(out_dir).metrics))
    from p3lib.book.adr import adr_substitutions
    from p3lib.training.experiments.summary import experiment_substitutions

    substitutions.update(adr_substitutions(out_dir))
    substitutions.update(experiment_substitutions(out_dir))
    # The landing page's finding and figure (the static PNG is the README's), and pages
    # fitted to what the run measured.
    write_cosine_figure(out_dir)
    substitutions.update(landing_substitutions(out_dir))
    stage_pages(staging, out_dir, appendix="07_experiments" in chapters)
    from p3lib.book.footer import footer_html

    config.setdefault("html", {})["extra_footer"] = footer_html(out_dir)
    (staging / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return staging


# Jupyter Book 1.x always loads sphinx-thebe (which declares its script twice, a console
# error, and names a CDN) and sphinx-comments; p3 uses neither, so they are dropped from the
# generated Sphinx configuration. An explicit light mode avoids the theme's "invalid theme
# mode" console error on pages opened from disk.
UNUSED_EXTENSIONS = ("sphinx_thebe", "sphinx_comments")


# Jupyter Book also adds every .js and .css file under _static, subfolders included, to every
# page's head: the widget's scripts (which the results page includes itself) would load twice
# there, and MathJax's bundle everywhere. The pages get the files _config.yml names, no more.


def _patch_sphinx_conf(conf: Path, declared: dict) -> None:
    text = conf.read_text(encoding="utf-8")
    for extension in UNUSED_EXTENSIONS:
        text = text.replace(f"'{extension}', ", "")
    text += "\nhtml_context = {'default_mode': 'light'}\n"
    text += f"html_js_files = {list(declared.get('html_js_files', []))!r}\n"
    text += f"html_css_files = {list(declared.get('html_css_files', []))!r}\n"
    conf.write_text(text, encoding="utf-8")


def _run_tool(command: list[str], cwd: Path) -> None:
    """Run a tool of this environment; raise BookError with its warnings if it fails."""
    command = [str(Path(sys.executable).parent / command[0]), *command[1:]]
    completed = subprocess.run(command, capture_output=True, text=True, cwd=cwd)
    if completed.returncode != 0:
        output = re.sub(r"\x1b\[[0-9;]*m", "", completed.stdout + completed.stderr)
        log = output.strip().splitlines()
        problems = [line for line in log if "WARNING" in line or "ERROR" in line] or log[-30:]
        raise BookError("the book build failed:\n  " + "\n  ".join(problems[:40]))


# What Sphinx leaves in its output that a reader's site does not need: the pickled doctrees
# (the build's cache), the theme's source maps (for debugging its minified bundles), and
# sphinx-copybutton's ES-module copy of its functions, which no page imports.
UNUSED_FILES = ("_static/copybutton_funcs.js",)
_MATHJAX_TAG = re.compile(r'<script[^>]*src="[^"]*mathjax/')
_SOURCE_MAP_COMMENT = re.compile(r"\n?/[/*]# sourceMappingURL=[^\n]*?(?:\*/)?\s*$")


def tidy_site(html_dir: Path) -> None:
    """Remove the build's cache, source maps, and MathJax when no page typesets a formula."""
    shutil.rmtree(html_dir / ".doctrees", ignore_errors=True)
    for source_map in html_dir.rglob("*.map"):
        source_map.unlink()
    for bundle in [*html_dir.rglob("_static/**/*.js"), *html_dir.rglob("_static/**/*.css")]:
        text = bundle.read_text(encoding="utf-8", errors="surrogateescape")
        tidy = _SOURCE_MAP_COMMENT.sub("", text)
        if tidy != text:
            bundle.write_text(tidy, encoding="utf-8", errors="surrogateescape")
    for name in UNUSED_FILES:
        (html_dir / name).unlink(missing_ok=True)
    pages = [page for page in html_dir.rglob("*.html") if "_static" not in page.parts]
    if not any(_MATHJAX_TAG.search(page.read_text(encoding="utf-8")) for page in pages):
        shutil.rmtree(html_dir / "_static" / "mathjax", ignore_errors=True)


def build_book(
    out_dir: str | Path = DEFAULT_OUT,
    html_dir: str | Path = DEFAULT_HTML,
    *,
    chapters: tuple[str, ...] | None = None,
    quiet: bool = False,
) -> Path:
    """Build the book from ``out_dir``'s executed notebooks into ``html_dir``; return index.html.

    ``chapters`` names the chapters to include: by default the six, plus the appendix when
    it was executed.

    ``html_dir`` is replaced whole, so it must be missing, empty, or a book p3 built before;
    anything else is refused before any work starts. The sources are staged in a temporary
    folder that is removed afterwards, whatever happens.

    Raises:
        BookError: a chapter is missing or Sphinx reported a warning or error.
        ForeignFolderError: ``html_dir`` holds files p3 did not make.
    """
    out_dir, html_dir = Path(out_dir).resolve(), Path(html_dir).resolve()
    check_html_folder(html_dir, out_dir)
    if not out_dir.is_dir():
        raise BookError(f"{out_dir}: no such run folder (run `p3 run --out {out_dir}` first)")
    if chapters is None:
        appendix = (RunLayout(out_dir).notebooks / "07_experiments.ipynb").is_file()
        chapters = CHAPTERS + (APPENDIX if appendix else ())
    with tempfile.TemporaryDirectory(prefix="p3-book-") as temporary:
        staging = stage_book(out_dir, Path(temporary) / "book", chapters)
        _run_tool(["jupyter-book", "config", "sphinx", str(staging)], staging)
        config = yaml.safe_load((staging / "_config.yml").read_text(encoding="utf-8"))
        _patch_sphinx_conf(staging / "conf.py", config["sphinx"]["config"])
        built = staging / "_build" / "html"
        command = ["sphinx-build", "-b", "html", "-W", "-n", "--keep-going", "-q"]
        _run_tool([*command, str(staging), str(built)], staging)
        slim_book(built)
        tidy_site(built)
        with atomic_directory(html_dir, BOOK_WHAT) as target:
            shutil.copytree(built, target, dirs_exist_ok=True)
    if not quiet:
        print(f"book written to {html_dir / 'index.html'}")
    return html_dir / "index.html"
