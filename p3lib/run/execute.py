"""Running one chapter: papermill executes it into a staging notebook, then it is published.

The runner (:mod:`p3lib.run.runner`) decides which chapters run and records what they wrote;
this module executes one, so that a half-written notebook never replaces the last good one.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from p3lib.run.chapters import KERNEL_NAME, Planned, to_notebook
from p3lib.run.interrupts import STOPPABLE_ENGINE, tracked_kernel_manager
from p3lib.store.atomic import atomic_write_text
from p3lib.store.run_layout import REPO_ROOT, RunLayout


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


def execute_chapter(
    layout: RunLayout, item: Planned, *, stop: threading.Event | None = None
) -> None:
    """Execute one chapter into a staging notebook, then publish it; raises what it raised."""
    import papermill

    chapter = item.chapter
    source_notebook, partial = staging_files(layout, chapter.name)
    to_notebook(chapter.source, source_notebook)
    quiet = _KnownParametersFilter(set(item.given))
    papermill_log = logging.getLogger("papermill")
    papermill_log.addFilter(quiet)
    try:
        papermill.execute_notebook(
            str(source_notebook),
            str(partial),
            parameters=item.given,
            kernel_name=KERNEL_NAME,
            cwd=str(REPO_ROOT),
            progress_bar=False,
            log_output=False,
            # The kernel's own log is infrastructure noise on the console: a notice that
            # its local TCP sockets are unencrypted for every chapter, and a ZMQ traceback
            # when Ctrl-C closes its sockets. A chapter's errors reach p3 as cell errors.
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            **(
                {}
                if stop is None
                else {
                    "kernel_manager_class": tracked_kernel_manager(),
                    "engine_name": STOPPABLE_ENGINE,
                    "stop": stop,
                }
            ),
        )
        atomic_write_text(
            layout.notebooks / f"{chapter.name}.ipynb", partial.read_text(encoding="utf-8")
        )
    finally:
        papermill_log.removeFilter(quiet)
        discard_staging(layout, chapter.name)


def staging_files(layout: RunLayout, name: str) -> tuple[Path, Path]:
    """Where chapter ``name``'s source notebook and its partial executed copy are staged."""
    staging = layout.notebooks / ".staging"
    return staging / f"{name}.source.ipynb", staging / f"{name}.ipynb"


def discard_staging(layout: RunLayout, name: str) -> None:
    """Remove chapter ``name``'s staging files, and the staging folder once it is empty."""
    for path in staging_files(layout, name):
        path.unlink(missing_ok=True)
    remove_if_empty(layout.notebooks / ".staging")


def remove_if_empty(folder: Path) -> None:
    """Remove ``folder`` if nothing is left in it."""
    try:
        folder.rmdir()
    except OSError:
        pass
