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
import os
import signal
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from p3lib.run.run_record import (
    chapter_entries,
    chapter_entry,
    fingerprint_changes,
    output_problems,
    read_run_record,
    scan_outputs,
    write_run_record,
)
from p3lib.store.atomic import atomic_write_text
from p3lib.store.output_lock import output_lock
from p3lib.store.run_layout import NOTEBOOK_SOURCES, REPO_ROOT, RunLayout, resolve_path

CHAPTERS = (
    "01_data_quality",
    "02_baseline",
    "03_full_finetune",
    "04_lora",
    "05_post_training_eval",
    "06_comparison",
)
APPENDIX = ("07_experiments",)
# Chapters that read only what earlier chapters wrote, never each other's outputs: when both
# execute, they run side by side, each kernel on half the cores (:func:`side_by_side_threads`).
SIDE_BY_SIDE = frozenset({"03_full_finetune", "04_lora"})
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
    "p3lib/book/build.py",
    "p3lib/cli.py",
    "p3lib/run/notebook_export.py",
    "p3lib/store/output_lock.py",
    "p3lib/run/preflight.py",
    "p3lib/run/run_record.py",
    "p3lib/run/runner.py",
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


def side_by_side_threads() -> int:
    """PyTorch threads for each of two chapters that train side by side: half the cores, until
    one of them finishes and the other's training takes them all (:data:`THREAD_SHARE_FILE`).

    On the 2-core machine this book is built on, two training loops of one thread each
    finished in about 0.7x the time of the same two loops one after the other at two threads:
    a small model's matrices are too small to keep two threads busy. ``benchmarks/bench_book.py``
    times the whole build.
    """
    return max(1, _cores() // 2)


@dataclass
class _Planned:
    number: int
    chapter: Chapter
    given: dict[str, Any]
    key: str
    previous: str


def _plan(
    layout: RunLayout,
    entries: dict[str, Any],
    parameters: dict[str, Any],
    chapters: list[Chapter],
    *,
    force: bool,
    report: RunReport,
    log: Callable[[str], None],
) -> list[_Planned]:
    """The chapters to execute, in order; the unchanged ones are logged as skipped."""
    library = library_fingerprint()
    upstream = ""
    # Once a chapter executes, every later one does: they read what it wrote.
    rerun = force
    planned: list[_Planned] = []
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
        planned.append(_Planned(number, chapter, given, key, previous))
    return planned


def _batches(planned: list[_Planned], side_by_side: bool) -> list[list[_Planned]]:
    """Consecutive chapters of :data:`SIDE_BY_SIDE` form one batch; every other one its own."""
    batches: list[list[_Planned]] = []
    for item in planned:
        previous = batches[-1] if batches else []
        if (
            side_by_side
            and previous
            and item.chapter.name in SIDE_BY_SIDE
            and all(p.chapter.name in SIDE_BY_SIDE for p in previous)
        ):
            previous.append(item)
        else:
            batches.append([item])
    return batches


def _tracked_kernel_manager():
    """A kernel manager class that remembers its live kernels in :data:`_LIVE_KERNELS`.

    A kernel runs in its own session, so a Ctrl-C at the terminal reaches p3 but not the
    kernel. Run in the main thread, papermill stops the kernel when the interrupt unwinds it;
    run in a worker thread (chapters side by side) it never sees the interrupt, so the main
    thread interrupts the remembered kernels itself (:func:`_interrupt_kernels`).
    """
    from jupyter_client.manager import KernelManager

    class TrackedKernelManager(KernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            _LIVE_KERNELS.add(self)

    return TrackedKernelManager


_LIVE_KERNELS: weakref.WeakSet = weakref.WeakSet()


STOPPABLE_ENGINE = "p3-stoppable"


def _register_stoppable_engine() -> None:
    """A papermill engine that runs no further cell once ``stop`` (an Event) is set.

    A Ctrl-C passed on to a kernel that sits between two cells is lost, and papermill would
    send it the next cell; so a side-by-side chapter's worker checks the event first.
    """
    from papermill.engines import NBClientEngine, papermill_engines

    class StoppableEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, stop=None, **kwargs):
            if stop is not None:
                start = nb_man.cell_start

                def cell_start(cell, cell_index=None, **more):
                    if stop.is_set():
                        raise KeyboardInterrupt("p3 run was interrupted")
                    return start(cell, cell_index, **more)

                nb_man.cell_start = cell_start
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

    papermill_engines.register(STOPPABLE_ENGINE, StoppableEngine)


def _interrupt_kernels() -> None:
    """Send Ctrl-C (SIGINT) to every kernel a side-by-side chapter started."""
    for manager in list(_LIVE_KERNELS):
        pid = getattr(manager.provisioner, "pid", None) if manager.provisioner else None
        if pid:
            try:
                os.killpg(pid, signal.SIGINT)  # the kernel leads its own process group
            except (ProcessLookupError, PermissionError):
                pass


def _execute(layout: RunLayout, item: _Planned, *, stop: threading.Event | None = None) -> None:
    """Execute one chapter into a staging notebook, then publish it; raises what it raised."""
    import papermill

    chapter = item.chapter
    staging = layout.notebooks / ".staging"
    source_notebook = to_notebook(chapter.source, staging / f"{chapter.name}.source.ipynb")
    partial = staging / f"{chapter.name}.ipynb"
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
                    "kernel_manager_class": _tracked_kernel_manager(),
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
        source_notebook.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
        _remove_if_empty(staging)


# Read by p3lib.training.train between optimiser steps: the PyTorch threads a side-by-side chapter's
# training may use now (p3lib.training.train.THREAD_SHARE_VARIABLE names the file).
THREAD_SHARE_FILE = ".thread-share"


def _write_thread_share(path: Path, running: int) -> None:
    """Each of ``running`` side-by-side chapters gets an equal share of the cores."""
    atomic_write_text(path, f"{max(1, _cores() // max(1, running))}\n")


@contextmanager
def _kernel_threads(threads: int | None, share: Path | None = None) -> Iterator[None]:
    """Kernels started inside this block use ``threads`` OpenMP/MKL threads (PyTorch's pool),
    and, with ``share``, read their current share of the cores from that file.

    The kernels inherit the environment when they start; the runner's own environment is
    restored on the way out.
    """
    if threads is None:
        yield
        return
    from p3lib.training.train import THREAD_SHARE_VARIABLE

    names = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", THREAD_SHARE_VARIABLE)
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update({name: str(threads) for name in names[:2]})
    if share is not None:
        os.environ[THREAD_SHARE_VARIABLE] = str(share)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _execute_batch(
    layout: RunLayout, batch: list[_Planned], finished: dict[str, float]
) -> dict[str, BaseException | None]:
    """Execute a batch's chapters, side by side if it has several; each one's error or None.

    ``finished`` receives each chapter's end time (``time.perf_counter``).
    """
    if len(batch) == 1:
        try:
            _execute(layout, batch[0])
        except BaseException as exc:  # noqa: BLE001 - the caller decides what to raise
            return {batch[0].chapter.name: exc}
        finally:
            finished[batch[0].chapter.name] = time.perf_counter()
        return {batch[0].chapter.name: None}
    outcome: dict[str, BaseException | None] = {}

    def work(item: _Planned) -> None:
        try:
            _execute(layout, item, stop=stop)
            outcome[item.chapter.name] = None
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            outcome[item.chapter.name] = exc
        finally:
            finished[item.chapter.name] = time.perf_counter()
            # The chapters still training take the cores this one leaves.
            with share_lock:
                _write_thread_share(share, len(batch) - len(finished))

    _register_stoppable_engine()
    stop = threading.Event()
    # Daemon threads: a Ctrl-C that reached only p3 must not wait for a kernel to finish.
    workers = [threading.Thread(target=work, args=(item,), daemon=True) for item in batch]
    share, share_lock = layout.root / THREAD_SHARE_FILE, threading.Lock()
    _write_thread_share(share, len(batch))
    try:
        with _kernel_threads(side_by_side_threads(), share):
            for worker in workers:
                worker.start()
            try:
                for worker in workers:
                    worker.join()
            except KeyboardInterrupt:
                # No further cell; pass the Ctrl-C on to the cell each kernel is running; give
                # them a moment to stop and clean up their staging files before p3 stops.
                stop.set()
                _interrupt_kernels()
                for worker in workers:
                    worker.join(timeout=60)
                raise
    finally:
        share.unlink(missing_ok=True)
    return outcome


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
    side_by_side = side_by_side and _cores() > 1
    total = len(chapters)
    for batch in _batches(planned, side_by_side):
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
            outcome = _execute_batch(layout, batch, finished)
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


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass
