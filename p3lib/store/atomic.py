"""Writing results so that a reader never sees a half-written file, and never loses one.

Every JSON, report and saved model goes to a temporary path beside its destination and is
renamed into place, so an interrupted run leaves the previous good output intact.

p3 replaces a folder whole (a saved model, the built HTML) only when the folder is missing,
empty, or carries p3's marker file (:data:`MARKER`), which p3 writes into every folder it
makes that way, listing what it wrote, and holds nothing else. Anything else is refused with
:class:`ForeignFolderError` naming the files, so ``p3 book --html ~/Documents`` cannot delete
a user's files, and neither can a rebuild of a site where a user left a note. Single files
(the generated data) follow the same rule through :func:`write_owned_files`: the marker
keeps the SHA-256 of each, so a file a user edited is not replaced either.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic_core import to_jsonable_python

MARKER = ".made-by-p3"
"""File p3 writes into each folder it may later replace whole."""

# Folders written by p3 before the marker existed, recognised by files only p3 puts there:
# a built book (Sphinx's build record plus p3's own mermaid loader) and a saved model.
_LEGACY_SIGNATURES = (
    (".buildinfo", "_static/p3-mermaid.js"),
    ("training_record.json", "config_sentence_transformers.json"),
)

FLOAT_DIGITS = 10
"""Significant digits of every float p3 writes to JSON.

The last bits of a float sum can differ between two machines of the same kind (thread
scheduling, vector widths); rounding to 10 significant digits keeps files byte-exact across
them while losing nothing a reader or a test can see.
"""


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and an atomic rename."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
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


def round_floats(value: object, digits: int = FLOAT_DIGITS) -> object:
    """``value`` with every float rounded to ``digits`` significant digits, at any depth.

    Example:
        >>> round_floats({"p": [0.006088713073611948, 0.006088713073611947], "n": 3})
        {'p': [0.006088713074, 0.006088713074], 'n': 3}
    """
    if isinstance(value, float):
        return float(f"{value:.{digits}g}")
    if isinstance(value, dict):
        return {key: round_floats(item, digits) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [round_floats(item, digits) for item in value]
    return value


def atomic_write_json(path: str | Path, value: object) -> Path:
    """Write ``value`` (a pydantic model or JSON-ready data) as indented JSON, atomically.

    Floats are written with :data:`FLOAT_DIGITS` significant digits (see there why).
    """
    return atomic_write_text(path, json_text(value))


def json_text(value: object) -> str:
    """The text :func:`atomic_write_json` writes for ``value``."""
    data = round_floats(to_jsonable(value))
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def read_json(path: str | Path) -> object:
    """Read a JSON file."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


class ForeignFolderError(ValueError):
    """A folder p3 was asked to replace holds files p3 did not make."""


def read_marker(path: str | Path) -> dict | None:
    """What p3's marker in folder ``path`` says: ``{"what": ..., "files": {name: sha256}}``.

    ``None`` without a marker. A marker written before the marker listed its files reads
    ``{"what": None, "files": None}``: p3 made the folder but did not say what it holds.
    """
    marker = Path(path) / MARKER
    if not marker.is_file():
        return None
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return {"what": None, "files": None}
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        return {"what": None, "files": None}
    return {"what": data.get("what"), "files": data["files"]}


def made_by_p3(path: str | Path) -> bool:
    """Whether ``path`` is a folder p3 made (it carries :data:`MARKER` or a legacy signature)."""
    path = Path(path)
    if (path / MARKER).is_file():
        return True
    return any(all((path / name).is_file() for name in names) for names in _LEGACY_SIGNATURES)


def _files_under(folder: Path) -> list[str]:
    return sorted(
        item.relative_to(folder).as_posix()
        for item in folder.rglob("*")
        if (item.is_file() or item.is_symlink()) and item.name != MARKER
    )


def foreign_files(path: str | Path) -> list[str]:
    """Files under folder ``path`` that its marker does not list: what p3 did not write.

    A folder inside that carries its own marker (chapter 05's ONNX export inside a model
    folder) answers for its own files. Empty for a folder whose marker predates the list (p3
    cannot tell) or a legacy folder.
    """
    marker = read_marker(path)
    if marker is None or marker["files"] is None:
        return []
    root = Path(path)
    found = []

    def walk(folder: Path) -> None:
        for item in sorted(folder.iterdir()):
            name = item.relative_to(root).as_posix()
            if item.is_dir() and not item.is_symlink():
                if (item / MARKER).is_file():
                    found.extend(f"{name}/{inner}" for inner in foreign_files(item))
                else:
                    walk(item)
            elif item.name != MARKER and name not in marker["files"]:
                found.append(name)

    walk(root)
    return found


def check_replaceable(path: str | Path, what: str | None = None) -> None:
    """Raise unless p3 may replace ``path`` whole: missing, an empty folder, or made by p3
    (as ``what``, when given) and holding nothing p3 did not write.

    Raises:
        ForeignFolderError: ``path`` is a file, a folder with files p3 did not make (named),
            or a folder p3 made as something else (a model where the book was asked for).
    """
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return
    if path.is_symlink() or not path.is_dir():
        raise ForeignFolderError(
            f"{path} exists and is not a folder; p3 writes only into a new or empty folder, "
            "or one it made before"
        )
    if not any(path.iterdir()):
        return
    if not made_by_p3(path):
        raise ForeignFolderError(
            f"{path} is not empty and was not made by p3 (no {MARKER} file in it); p3 "
            "replaces only folders it made, so nothing was written. Name a new or empty "
            "folder instead."
        )
    marker = read_marker(path)
    if what is not None and marker is not None and marker["what"] not in (None, what):
        raise ForeignFolderError(
            f"{path} holds {marker['what']}, not {what}; p3 does not replace one with the "
            "other, so nothing was written. Name a new or empty folder instead."
        )
    foreign = foreign_files(path)
    if foreign:
        shown = ", ".join(foreign[:10]) + (
            f" and {len(foreign) - 10} more" if len(foreign) > 10 else ""
        )
        raise ForeignFolderError(
            f"{path} holds {len(foreign)} file(s) p3 did not write ({shown}); p3 replaces "
            "the folder whole, so nothing was written. Move them out, or name another folder."
        )


def mark_made_by_p3(folder: str | Path, what: str) -> None:
    """Write :data:`MARKER` into ``folder``, listing every file in it with its SHA-256: p3
    may replace this folder later, as long as it holds nothing else."""
    folder = Path(folder)
    # Each file's SHA-256 too: a saved model is verified against it before it scores anything.
    files = {name: sha256_file(folder / name) for name in _files_under(folder)}
    listing = {"what": what, "files": files}
    (folder / MARKER).write_text(json.dumps(listing, indent=1) + "\n", encoding="utf-8")


def add_to_marker(folder: str | Path, name: str) -> None:
    """List file ``name`` (relative to ``folder``) in the folder's marker, with its SHA-256,
    when p3 adds a file to a folder it made (chapter 05's decision threshold beside a model),
    so the folder stays one p3 may replace. A folder without a listing marker is left as it is.
    """
    folder = Path(folder)
    marker = read_marker(folder)
    if marker is None or marker["files"] is None:
        return
    files = {**marker["files"], name: sha256_file(folder / name)}
    listing = {"what": marker["what"], "files": dict(sorted(files.items()))}
    atomic_write_text(folder / MARKER, json.dumps(listing, indent=1) + "\n")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in blocks (model weights are large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_owned_files(files: dict[Path, bytes], what: str) -> list[Path]:
    """Write each file (atomically) unless any of them would replace a file p3 did not make.

    A file may be replaced when it is missing, already holds the new bytes, or is listed in
    its folder's marker with the SHA-256 p3 wrote (nobody edited it since). Every file is
    checked before any is written; each folder's marker then records what p3 wrote.

    Raises:
        ForeignFolderError: naming every file that is a user's (or a folder, or edited).
    """
    files = {Path(path): data for path, data in files.items()}
    refused = []
    for path, data in files.items():
        if path.is_symlink() or (path.exists() and not path.is_file()):
            refused.append(f"{path} (not a file)")
            continue
        if not path.exists() or path.read_bytes() == data:
            continue
        listed = (read_marker(path.parent) or {}).get("files") or {}
        if listed.get(path.name) != _sha256(path.read_bytes()):
            refused.append(str(path))
    names = [path.resolve() for path in files]
    if len(set(names)) < len(names):
        twice = sorted({str(n) for n in names if names.count(n) > 1})
        refused += [f"{name} (two inputs would write it)" for name in twice]
    if refused:
        raise ForeignFolderError(
            f"would replace {len(refused)} file(s) p3 did not write: {', '.join(refused)}; "
            "nothing was written. Move them away or name another folder."
        )
    for path, data in files.items():
        atomic_write_bytes(path, data)
    for folder in sorted({path.parent for path in files}):
        marker = read_marker(folder)
        listed = dict((marker or {}).get("files") or {})
        listed.update({p.name: _sha256(d) for p, d in files.items() if p.parent == folder})
        text = json.dumps({"what": what, "files": dict(sorted(listed.items()))}, indent=1)
        atomic_write_text(folder / MARKER, text + "\n")
    return list(files)


def _plain_file_modes(folder: Path) -> None:
    # Libraries that write through temporary files (transformers' model.safetensors) leave
    # them private (0600); every file of a p3 folder gets the mode a plain open() gives.
    mode = 0o666 & ~_umask()
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            os.chmod(path, mode)


@contextmanager
def atomic_directory(path: str | Path, what: str = "p3 output") -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; on success it replaces ``path`` whole.

    ``path`` must be replaceable (see :func:`check_replaceable`), which is checked before any
    work starts; the new folder carries p3's marker. On an exception (or Ctrl-C) the
    temporary folder is removed and ``path`` keeps its previous contents.

    Raises:
        ForeignFolderError: ``path`` holds files p3 did not make.
    """
    path = Path(path)
    check_replaceable(path, what)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    # mkdtemp makes the folder private (0700); give it the mode a plain mkdir() would.
    os.chmod(staging, 0o777 & ~_umask())
    try:
        yield staging
        _plain_file_modes(staging)
        mark_made_by_p3(staging, what)
        check_replaceable(path, what)
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
