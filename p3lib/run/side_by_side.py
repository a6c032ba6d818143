"""Side-by-side scheduling: chapters that train at the same time, sharing the cores.

Chapters 03 and 04 each read only what chapter 02 wrote, so when both execute they run in two
worker threads, each kernel on half the cores (:func:`side_by_side_threads`); when one finishes,
the other's training takes the cores it leaves (:data:`THREAD_SHARE_FILE`). A Ctrl-C reaches
both kernels through :mod:`p3lib.run.interrupts`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from p3lib.run.chapters import Planned
from p3lib.run.execute import discard_staging, execute_chapter
from p3lib.run.interrupts import interrupt_kernels, register_stoppable_engine
from p3lib.store.atomic import atomic_write_text
from p3lib.store.run_layout import RunLayout

# Chapters that read only what earlier chapters wrote, never each other's outputs: when both
# execute, they run side by side, each kernel on half the cores (:func:`side_by_side_threads`).
SIDE_BY_SIDE = frozenset({"03_full_finetune", "04_lora"})


def cores() -> int:
    """The CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_run_side_by_side() -> bool:
    """Whether there are cores to share: on one core the chapters run one after the other."""
    return cores() > 1


def side_by_side_threads() -> int:
    """PyTorch threads for each of two chapters that train side by side: half the cores, until
    one of them finishes and the other's training takes them all (:data:`THREAD_SHARE_FILE`).

    On the 2-core machine this book is built on, two training loops of one thread each
    finished in about 0.7x the time of the same two loops one after the other at two threads:
    a small model's matrices are too small to keep two threads busy. ``benchmarks/bench_book.py``
    times the whole build.
    """
    return max(1, cores() // 2)


def batches(planned: list[Planned], side_by_side: bool) -> list[list[Planned]]:
    """Consecutive chapters of :data:`SIDE_BY_SIDE` form one batch; every other one its own."""
    grouped: list[list[Planned]] = []
    for item in planned:
        previous = grouped[-1] if grouped else []
        if (
            side_by_side
            and previous
            and item.chapter.name in SIDE_BY_SIDE
            and all(p.chapter.name in SIDE_BY_SIDE for p in previous)
        ):
            previous.append(item)
        else:
            grouped.append([item])
    return grouped


# Read by p3lib.training.train between optimiser steps: the PyTorch threads a side-by-side chapter's
# training may use now (p3lib.training.train.THREAD_SHARE_VARIABLE names the file).
THREAD_SHARE_FILE = ".thread-share"


def _write_thread_share(path: Path, running: int) -> None:
    """Each of ``running`` side-by-side chapters gets an equal share of the cores."""
    atomic_write_text(path, f"{max(1, cores() // max(1, running))}\n")


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


def execute_batch(
    layout: RunLayout, batch: list[Planned], finished: dict[str, float]
) -> dict[str, BaseException | None]:
    """Execute a batch's chapters, side by side if it has several; each one's error or None.

    ``finished`` receives each chapter's end time (``time.perf_counter``).
    """
    if len(batch) == 1:
        try:
            execute_chapter(layout, batch[0])
        except BaseException as exc:  # noqa: BLE001 - the caller decides what to raise
            return {batch[0].chapter.name: exc}
        finally:
            finished[batch[0].chapter.name] = time.perf_counter()
        return {batch[0].chapter.name: None}
    outcome: dict[str, BaseException | None] = {}

    def work(item: Planned) -> None:
        try:
            execute_chapter(layout, item, stop=stop)
            outcome[item.chapter.name] = None
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            outcome[item.chapter.name] = exc
        finally:
            finished[item.chapter.name] = time.perf_counter()
            # The chapters still training take the cores this one leaves.
            with share_lock:
                _write_thread_share(share, len(batch) - len(finished))

    register_stoppable_engine()
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
                interrupt_kernels()
                for worker in workers:
                    worker.join(timeout=60)
                raise
    finally:
        share.unlink(missing_ok=True)
        # A worker still inside its kernel when p3 stops (a Ctrl-C reaching p3 again while it
        # waits) never reaches its own clean-up; p3 exits next, so its staging goes here.
        for item in batch:
            if item.chapter.name not in finished:
                discard_staging(layout, item.chapter.name)
    return outcome
