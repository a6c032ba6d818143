"""Stopping chapters that run side by side when the person at the terminal presses Ctrl-C.

A kernel runs in its own session, so a Ctrl-C at the terminal reaches p3 but not the kernel.
Run in the main thread, papermill stops the kernel when the interrupt unwinds it; run in a
worker thread (chapters side by side) it never sees the interrupt. So the side-by-side kernels
are remembered as they start (:func:`tracked_kernel_manager`), the main thread sends each the
Ctrl-C itself (:func:`interrupt_kernels`), and a papermill engine runs no further cell once the
run is stopping (:func:`register_stoppable_engine`).
"""

from __future__ import annotations

import os
import signal
import weakref
from typing import Any


def tracked_kernel_manager():
    """A kernel manager class that remembers its live kernels in :data:`LIVE_KERNELS`.

    A kernel runs in its own session, so a Ctrl-C at the terminal reaches p3 but not the
    kernel. Run in the main thread, papermill stops the kernel when the interrupt unwinds it;
    run in a worker thread (chapters side by side) it never sees the interrupt, so the main
    thread interrupts the remembered kernels itself (:func:`interrupt_kernels`).
    """
    from jupyter_client.manager import KernelManager

    class TrackedKernelManager(KernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            LIVE_KERNELS.add(self)

    return TrackedKernelManager


LIVE_KERNELS: weakref.WeakSet = weakref.WeakSet()


STOPPABLE_ENGINE = "p3-stoppable"


def register_stoppable_engine() -> None:
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


def interrupt_kernels() -> None:
    """Send Ctrl-C (SIGINT) to every kernel a side-by-side chapter started."""
    for manager in list(LIVE_KERNELS):
        pid = getattr(manager.provisioner, "pid", None) if manager.provisioner else None
        if pid:
            try:
                os.killpg(pid, signal.SIGINT)  # the kernel leads its own process group
            except (ProcessLookupError, PermissionError):
                pass
