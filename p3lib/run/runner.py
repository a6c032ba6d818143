"""Running the book: execute the chapters in order with papermill, skipping unchanged ones.

Each executed notebook lands in ``<out>/notebooks/NN_name.ipynb`` together with a content hash
in ``<out>/run.json``; a chapter whose source, parameters, input data, ``p3lib`` code and
upstream chapters are unchanged (:func:`chapter_key`), and whose recorded outputs are intact
(:mod:`p3lib.run.run_record`), is not executed again. The chapters and the parameters they
accept are :mod:`p3lib.run.chapters`; one chapter's execution is :mod:`p3lib.run.execute`;
chapters 03 and 04 run side by side (:mod:`p3lib.run.side_by_side`), and a Ctrl-C reaches
their kernels through :mod:`p3lib.run.interrupts`.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from p3lib.run.chapters import Chapter, Planned
from p3lib.run.run_record import (
    chapter_entries,
    chapter_entry,
    fingerprint_changes,
    output_problems,
    read_run_record,
    scan_outputs,
    write_run_record,
)
from p3lib.run.side_by_side import (
    batches,
    can_run_side_by_side,
    execute_batch,
    side_by_side_threads,
)
from p3lib.store.output_lock import output_lock
from p3lib.store.run_layout import REPO_ROOT, RunLayout


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"


# The modules that run chapters and build the book; no chapter imports them (a test checks),
# so a change to them cannot change a chapter's output and does not re-execute the book.
DRIVER_MODULES = (
    "p3lib/book/build.py",
    "p3lib/cli.py",
    "p3lib/run/notebook_export.py",
    "p3lib/store/output_lock.py",
    "p3lib/run/preflight.py",
    "p3lib/run/run_record.py",
    "p3lib/run/runner.py",
    "p3lib/run/chapters.py",
    "p3lib/run/execute.py",
    "p3lib/run/interrupts.py",
    "p3lib/run/side_by_side.py",
    "p3lib/run/one_chapter.py",
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
    side_by_side: bool = True,
) -> RunReport:
    """Execute ``chapters`` in order into the run's output folder.

    ``parameters`` must already be checked with :func:`resolve_parameters` and hold
    ``OUT_DIR``. Each chapter receives only the names its parameters cell declares. With
    ``side_by_side`` (and more than one core), consecutive chapters of :data:`SIDE_BY_SIDE`
    that both execute run at the same time, each kernel on half the cores.

    A chapter is skipped only when its cache key matches the run record *and* every output
    it recorded there is present with the bytes it wrote (see :mod:`p3lib.run.run_record`). The
    output folder is locked for the whole run (:func:`p3lib.store.output_lock.output_lock`).

    Raises:
        ChapterFailed: a chapter raised; earlier chapters' outputs are kept, the failed
            chapter's previous executed notebook is left untouched.
        OutputBusy: another p3 process is using the output folder.
        RunRecordError: the run record is unreadable (``force`` starts a new one).
    """
    layout = RunLayout(parameters["OUT_DIR"])
    with output_lock(layout.root):
        return _run_chapters(
            layout, parameters, chapters, force=force, log=log, side_by_side=side_by_side
        )


def _plan(
    layout: RunLayout,
    entries: dict[str, Any],
    parameters: dict[str, Any],
    chapters: list[Chapter],
    *,
    force: bool,
    report: RunReport,
    log: Callable[[str], None],
) -> list[Planned]:
    """The chapters to execute, in order; the unchanged ones are logged as skipped."""
    library = library_fingerprint()
    upstream = ""
    # Once a chapter executes, every later one does: they read what it wrote.
    rerun = force
    planned: list[Planned] = []
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
        rerun = True
        planned.append(Planned(number, chapter, given, key, previous))
    return planned


def _run_chapters(
    layout: RunLayout,
    parameters: dict[str, Any],
    chapters: list[Chapter],
    *,
    force: bool,
    log: Callable[[str], None],
    side_by_side: bool = True,
) -> RunReport:
    entries = chapter_entries(read_run_record(layout.root, ignore_corrupt=force))
    report = RunReport()
    started = time.perf_counter()
    planned = _plan(layout, entries, parameters, chapters, force=force, report=report, log=log)
    side_by_side = side_by_side and can_run_side_by_side()
    total = len(chapters)
    for batch in batches(planned, side_by_side):
        names = [item.chapter.name for item in batch]
        for item in batch:
            others = [name for name in names if name != item.chapter.name]
            beside = (
                f" (side by side with {', '.join(others)}, {side_by_side_threads()} thread(s) each)"
                if others
                else ""
            )
            log(f"[{item.number}/{total}] {item.chapter.name}: executing{beside} ...")
            # Any change means this chapter's record is stale until it succeeds again.
            entries.pop(item.chapter.name, None)
        batch_started = time.perf_counter()
        before = scan_outputs(layout.root)
        try:
            finished: dict[str, float] = {}
            outcome = execute_batch(layout, batch, finished)
        except BaseException:
            # Stopped: the chapters may have written part of their outputs, so they have no
            # record until they succeed again.
            write_run_record(layout.root, parameters, entries)
            raise
        after = scan_outputs(layout.root)
        # Chapters side by side write at the same time, so what the batch wrote is credited
        # to each of them (less the other chapters' executed notebooks): damage to any of it
        # re-runs the batch, never too little.
        written = fingerprint_changes(before, after)
        gone = set(before) - set(after)
        for other in entries.values():
            for relative in [*written, *gone]:
                other.get("outputs", {}).pop(relative, None)
        for item in batch:
            if outcome[item.chapter.name] is not None:
                continue
            notebooks_of_others = {
                f"notebooks/{name}.ipynb" for name in names if name != item.chapter.name
            }
            own = [path for path in written if path not in notebooks_of_others]
            entries[item.chapter.name] = chapter_entry(
                item.key, item.previous, item.given, layout.root, own
            )
            seconds = finished[item.chapter.name] - batch_started
            report.executed[item.chapter.name] = seconds
            log(
                f"[{item.number}/{total}] {item.chapter.name}: done in {seconds:.1f} s "
                f"(total {finished[item.chapter.name] - started:.1f} s)"
            )
        write_run_record(layout.root, parameters, entries)
        failures = [(item, outcome[item.chapter.name]) for item in batch]
        for item, exc in failures:
            if exc is None:
                continue
            if isinstance(exc, Exception):
                prefix = f"[{item.number}/{total}] {item.chapter.name}"
                raise ChapterFailed(f"{prefix} failed: {_error_message(exc)}") from None
            raise exc
    report.seconds = time.perf_counter() - started
    return report
