"""The run record (``<out>/run.json``): what each chapter ran with and which files it wrote.

For every executed chapter the record keeps its cache key, the key of the chapter before it
(``upstream``), the parameters it received, the SHA-256 of each input file those parameters
name, and the size, modification time and SHA-256 of every file it wrote. Two questions are
answered from it:

- may ``p3 run`` skip a chapter? Only if its key matches *and* every output it recorded is
  still there with the same bytes (:func:`output_problems`);
- may ``p3 book`` / ``p3 results`` publish the folder? Only if every chapter ran with the
  run's own parameters and input files, after the chapter before it, and its outputs are
  intact (:func:`stale_chapters`). An interrupted run with new data leaves early chapters
  on the new data and later ones on the old; publishing that as one run would be wrong.

Example:
    >>> sorted(fingerprint_changes({"a": (1, 5, 9)}, {"a": (1, 6, 9), "b": (2, 1, 3)}))
    ['a', 'b']
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from p3lib.store.atomic import atomic_write_json, sha256_file

RUN_RECORD = "run.json"
PATH_SUFFIX = "_path"


class RunRecordError(ValueError):
    """A run record that cannot be read, or a folder whose chapters do not form one run."""


def read_run_record(root: str | Path, *, ignore_corrupt: bool = False) -> dict[str, Any]:
    """The run record of output folder ``root``; ``{}`` when there is none yet.

    Raises:
        RunRecordError: the file is not a JSON object (unless ``ignore_corrupt``, which
            ``p3 run --force`` uses to start the record afresh).
    """
    path = Path(root) / RUN_RECORD
    if path.exists() and not path.is_file():
        # Not something --force can replace: a new record cannot be renamed over a folder.
        raise RunRecordError(
            f"{path}: is a folder, not p3's run record (a file); move it away and run again"
        )
    if not path.is_file():
        return {}
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(record, dict):
            raise ValueError("expected a JSON object")
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        if ignore_corrupt:
            return {}
        raise RunRecordError(
            f"{path}: the run record is not readable ({exc}); run `p3 run --force` to execute "
            "every chapter again and write a new one"
        ) from None
    return record


def chapter_entries(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The per-chapter entries of a record; entries of an older format are left out."""
    chapters = record.get("chapters", {})
    if not isinstance(chapters, dict):
        return {}
    return {name: entry for name, entry in chapters.items() if isinstance(entry, dict)}


def write_run_record(
    root: str | Path, parameters: dict[str, Any], entries: dict[str, dict[str, Any]]
) -> Path:
    """Write the record: the run's parameters (lower-case names) and each chapter's entry."""
    return atomic_write_json(
        Path(root) / RUN_RECORD,
        {
            "parameters": {name.lower(): value for name, value in sorted(parameters.items())},
            "chapters": dict(sorted(entries.items())),
            "python": sys.version.split()[0],
        },
    )


def _recorded(relative: Path) -> bool:
    # Hidden names are p3's own scratch (".staging", ".book-staging", the lock, temporary
    # files of atomic writes), not results.
    return not any(part.startswith(".") for part in relative.parts)


def scan_outputs(root: str | Path) -> dict[str, tuple[int, int, int]]:
    """``(size, mtime_ns, inode)`` of every result file under ``root``, by relative path.

    The run record itself and hidden files and folders are left out. Cheap (``stat`` only):
    taken before and after a chapter to see what it wrote.
    """
    root = Path(root)
    found: dict[str, tuple[int, int, int]] = {}
    if not root.is_dir():
        return found
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if relative.as_posix() == RUN_RECORD or not _recorded(relative) or not path.is_file():
            continue
        status = path.stat()
        found[relative.as_posix()] = (status.st_size, status.st_mtime_ns, status.st_ino)
    return found


def fingerprint_changes(
    before: dict[str, tuple[int, int, int]], after: dict[str, tuple[int, int, int]]
) -> list[str]:
    """Relative paths that are new in ``after`` or whose size, time or inode changed."""
    return sorted(path for path, status in after.items() if before.get(path) != status)


def fingerprint(path: Path) -> dict[str, Any]:
    """What the record keeps of one output file: size, modification time and SHA-256."""
    status = path.stat()
    return {"size": status.st_size, "mtime_ns": status.st_mtime_ns, "sha256": sha256_file(path)}


def output_problems(root: str | Path, outputs: dict[str, dict[str, Any]]) -> list[str]:
    """Recorded outputs that are missing or whose bytes changed since they were written.

    A file with the recorded size and modification time is taken as unchanged; one whose
    time differs is hashed, so copying a folder (new times, same bytes) keeps it valid.
    """
    root = Path(root)
    problems = []
    for relative, recorded in sorted(outputs.items()):
        path = root / relative
        if not path.is_file():
            problems.append(f"{relative} is missing")
            continue
        status = path.stat()
        if status.st_size != recorded.get("size"):
            problems.append(f"{relative} changed since it was written")
        elif status.st_mtime_ns != recorded.get("mtime_ns") and sha256_file(path) != recorded.get(
            "sha256"
        ):
            problems.append(f"{relative} changed since it was written")
    return problems


def input_hashes(parameters: dict[str, Any]) -> dict[str, str]:
    """SHA-256 of each file a chapter's ``*_PATH`` parameters name (``missing`` if absent)."""
    hashes = {}
    for name, value in sorted(parameters.items()):
        if name.lower().endswith(PATH_SUFFIX) and isinstance(value, str):
            path = Path(value)
            hashes[name.lower()] = sha256_file(path) if path.is_file() else "missing"
    return hashes


def chapter_entry(
    key: str,
    upstream: str,
    parameters: dict[str, Any],
    root: Path,
    outputs: list[str],
) -> dict[str, Any]:
    """The record of a chapter that has just run: key, inputs and the outputs it wrote."""
    return {
        "key": key,
        "upstream": upstream,
        "parameters": {name.lower(): value for name, value in sorted(parameters.items())},
        "inputs": input_hashes(parameters),
        "outputs": {relative: fingerprint(root / relative) for relative in outputs},
    }


def _differences(entry: dict[str, Any], run: dict[str, Any]) -> list[str]:
    reasons = []
    for name, value in entry.get("parameters", {}).items():
        if name in run and run[name] != value:
            reasons.append(f"it ran with {name}={value!r}, the run has {run[name]!r}")
    for name, digest in entry.get("inputs", {}).items():
        path = entry.get("parameters", {}).get(name)
        current = sha256_file(path) if isinstance(path, str) and Path(path).is_file() else "missing"
        if current != digest:
            reasons.append(f"its {name} file {path} changed since it ran")
    return reasons


def recorded_chapters(root: str | Path) -> list[str]:
    """Chapters with an executed notebook or an entry in the record, in run order (by name)."""
    root = Path(root)
    names = set(chapter_entries(read_run_record(root)))
    names |= {path.stem for path in (root / "notebooks").glob("*.ipynb")}
    return sorted(names)


def stale_chapters(root: str | Path, executed: list[str] | None = None) -> dict[str, list[str]]:
    """The chapters of ``executed`` (names, in run order; default
    :func:`recorded_chapters`) that do not belong to the run.

    A chapter belongs to the run in ``root`` when its record exists, its parameters and
    input files are the run's, it ran after the chapter before it last ran, and every output
    it recorded is intact. Returns the reasons for each chapter that does not.

    Raises:
        RunRecordError: the folder has no readable run record.
    """
    root = Path(root)
    record = read_run_record(root)
    if not record:
        raise RunRecordError(
            f"{root} is not the output folder of a p3 run (no {RUN_RECORD}); "
            f"run `p3 run --out {root}` first"
        )
    run = record.get("parameters", {})
    entries = chapter_entries(record)
    executed = recorded_chapters(root) if executed is None else executed
    stale: dict[str, list[str]] = {}
    previous_name, previous_key = None, ""
    for name in executed:
        entry = entries.get(name)
        if entry is None:
            stale[name] = ["no record of what it ran with (its last run failed or was stopped)"]
            previous_name, previous_key = name, None
            continue
        reasons = _differences(entry, run)
        if previous_name is not None and entry.get("upstream") != previous_key:
            reasons.append(f"{previous_name} ran again after it")
        reasons += output_problems(root, entry.get("outputs", {}))
        if reasons:
            stale[name] = reasons
        previous_name, previous_key = name, entry.get("key")
    return stale


def require_one_run(root: str | Path, executed: list[str] | None = None) -> None:
    """Refuse to publish ``root`` when any chapter of ``executed`` is stale.

    Raises:
        RunRecordError: listing each stale chapter with its first reason, and how to finish
            the run.
    """
    stale = stale_chapters(root, executed)
    if not stale:
        return
    lines = [f"{name}: {reasons[0]}" for name, reasons in stale.items()]
    appendix = (
        " (with `--experiments` for the appendix)"
        if any(name.startswith("07") for name in stale)
        else ""
    )
    raise RunRecordError(
        f"{root} mixes runs: {len(stale)} chapter(s) are not from this run's inputs:\n  "
        + "\n  ".join(lines)
        + f"\nrun `p3 run` with the same options again{appendix} to bring them up to date"
    )
