"""Writing results so that a reader never sees a half-written file.

Every JSON, report and saved model goes to a temporary path beside its destination and is
renamed into place, so an interrupted run leaves the previous good output intact.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic_core import to_jsonable_python


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def to_jsonable(value: object) -> object:
    """Pydantic models (at any depth), numpy scalars and plain containers as JSON-ready data."""
    return to_jsonable_python(value)


def atomic_write_json(path: str | Path, value: object) -> Path:
    """Write ``value`` (a pydantic model or JSON-ready data) as indented JSON, atomically."""
    text = json.dumps(to_jsonable(value), indent=2, ensure_ascii=False, allow_nan=False)
    return atomic_write_text(path, text + "\n")


def read_json(path: str | Path) -> object:
    """Read a JSON file."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


@contextmanager
def atomic_directory(path: str | Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; on success it replaces ``path`` whole.

    On an exception (or Ctrl-C) the temporary folder is removed and ``path`` keeps its
    previous contents.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    # mkdtemp makes the folder private (0700); give it the mode a plain mkdir() would.
    os.chmod(staging, 0o777 & ~_umask())
    try:
        yield staging
        if path.exists():
            retired = Path(
                tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".old")
            )
            os.replace(path, retired / path.name)
            os.replace(staging, path)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
