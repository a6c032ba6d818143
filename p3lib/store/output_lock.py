"""One p3 command at a time per output folder.

Two ``p3 run`` into the same ``--out`` would execute the same chapters into the same staging
files and overwrite each other's results; a ``p3 book`` during a run would publish a run half
done. Every command that writes or publishes an output folder holds :func:`output_lock` on it:
an operating-system lock (``filelock``, ``flock`` underneath) that the kernel releases when the
process dies, so a crashed run never leaves the folder locked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_FILE = ".p3.lock"
# The lock file itself cannot carry the holder's pid (the lock library owns its contents), so
# the holder writes it beside the lock for the refusal message.
PID_FILE = ".p3.pid"


class OutputBusy(RuntimeError):
    """Another p3 process holds the output folder."""


def _holder(folder: Path) -> str:
    try:
        return f"pid {int((folder / PID_FILE).read_text(encoding='utf-8').strip())}"
    except (OSError, ValueError):
        return "pid unknown"


@contextmanager
def output_lock(folder: str | Path) -> Iterator[Path]:
    """Hold the lock on ``folder`` (created if missing) for the ``with`` block.

    Raises:
        OutputBusy: another process holds it; the message names the folder and that
            process's pid.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(folder / LOCK_FILE, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise OutputBusy(f"another p3 run is using {folder} ({_holder(folder)})") from None
    pid_file = folder / PID_FILE
    try:
        pid_file.write_text(f"{os.getpid()}\n", encoding="utf-8")
        yield folder
    finally:
        pid_file.unlink(missing_ok=True)
        lock.release()
