"""The pair record, and loading JSONL files of pairs with errors that name file, line and field.

Example:
    >>> from p3lib.data.schema import DatingPair
    >>> pair = DatingPair(text_1="boy: I love lazy Sundays", text_2="girl: Me too",
    ...                   label=1, category="lifestyle", subcategory="relaxed",
    ...                   pair_type="compatible")
    >>> pair.label
    <CompatibilityLabel.COMPATIBLE: 1>
"""

from __future__ import annotations

import errno
import json
import os
import stat
import unicodedata
from enum import IntEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

FIELDS = ("text_1", "text_2", "label", "category", "subcategory", "pair_type")
PREFIXES = {"text_1": "boy: ", "text_2": "girl: "}
# Where a pair comes from is optional (a published out-of-distribution set has only the texts
# and the label); an absent value reads ABSENT, which figures and the audit show as such.
OPTIONAL_FIELDS = ("category", "subcategory", "pair_type")
ABSENT = "(not given)"

# The nine pair types and fifteen categories of the reference data (DATA.md). Other values are
# allowed in a user's data; the audit reports them as unknown rather than rejecting them.
PAIR_TYPES = (
    "compatible",
    "incompatible",
    "dealbreaker",
    "subtle_mismatch",
    "llm_judged_compatible",
    "llm_judged_incompatible",
    "complex_compatible",
    "complex_incompatible",
    "curated_realistic",
)
CATEGORIES = (
    "lifestyle",
    "interests",
    "values",
    "dealbreakers",
    "realistic_example",
    "lifestyle_and_values",
    "values_and_interests",
    "interests_and_values",
    "dealbreakers_and_interests",
    "interests_and_lifestyle",
    "values_and_lifestyle",
    "lifestyle_and_interests",
    "lifestyle_and_dealbreakers",
    "dealbreakers_and_values",
    "values_and_dealbreakers",
)


class CompatibilityLabel(IntEnum):
    """0 = incompatible, 1 = compatible; an IntEnum because the loss uses the number."""

    INCOMPATIBLE = 0
    COMPATIBLE = 1


class DatingPair(BaseModel):
    """One record: two statements, the label, and where the pair comes from.

    Strict: a label of ``"1"``, ``1.0`` or ``true`` is an error, not a 1. Text must be text: a
    lone surrogate (``"\\ud800"``, which no tokenizer can encode) or a statement of only
    invisible characters is refused. ``category``, ``subcategory`` and ``pair_type`` are
    optional (:data:`ABSENT` when not given). Fields outside :data:`FIELDS` are not part of a
    pair; :func:`parse_pairs` leaves them out and :func:`field_notes` reports them once.
    """

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    text_1: str
    text_2: str
    label: CompatibilityLabel
    category: str = ABSENT
    subcategory: str = ABSENT
    pair_type: str = ABSENT

    @field_validator("label", mode="before")
    @classmethod
    def _label_is_zero_or_one(cls, value: object) -> object:
        # strict mode accepts a bool as an int; a JSON true is not a label.
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be the integer 0 or 1, got {value!r}")
        if value not in (0, 1):
            raise ValueError(f"must be 0 or 1, got {value!r}")
        return CompatibilityLabel(value)

    @field_validator("text_1", "text_2", "category", "subcategory", "pair_type", mode="before")
    @classmethod
    def _is_text(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                bad = value[exc.start]
                raise ValueError(
                    f"contains a lone surrogate {bad!r} at character {exc.start + 1}: "
                    "not text (half of a UTF-16 pair, which no tokenizer can encode)"
                ) from None
        return value

    @field_validator("text_1", "text_2")
    @classmethod
    def _prefixed_statement(cls, value: str, info) -> str:
        prefix = PREFIXES[info.field_name]
        if not value.startswith(prefix):
            raise ValueError(f"must start with {prefix!r}, got {value[:20]!r}")
        statement = value[len(prefix) :]
        if not statement.strip():
            raise ValueError(f"is empty after the {prefix.strip()!r} prefix")
        if not visible(statement):
            raise ValueError(
                f"has only invisible characters after the {prefix.strip()!r} prefix ({statement!r})"
            )
        return value

    @field_validator("category", "subcategory", "pair_type")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("is empty")
        if not visible(value):
            raise ValueError(f"has only invisible characters ({value!r})")
        return value

    @property
    def key(self) -> tuple[str, str]:
        """The pair's identity for duplicate and overlap checks: its two texts."""
        return (self.text_1, self.text_2)

    @property
    def statement_1(self) -> str:
        """``text_1`` without its ``boy: `` prefix."""
        return self.text_1[len(PREFIXES["text_1"]) :]

    @property
    def statement_2(self) -> str:
        """``text_2`` without its ``girl: `` prefix."""
        return self.text_2[len(PREFIXES["text_2"]) :]


def visible(text: str) -> bool:
    """Whether ``text`` has a character that shows: not a space, separator or format/control
    character (``\\u00a0``, ``\\u200b``, ``\\u2060``, ...).

    Example:
        >>> visible("girl: \\u00a0\\u200b"[6:]), visible("hi\\u200b")
        (False, True)
    """
    return any(unicodedata.category(char)[0] not in "ZC" for char in text)


class DataError(ValueError):
    """A data file that cannot be used; ``problems`` holds one ``file:line: field: problem`` each.

    The message lists every problem found in the file, not only the first.
    """

    def __init__(self, path: str | Path, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        shown = problems[:50]
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"{self.path}: {len(problems)} {noun}:\n  " + "\n  ".join(shown) + more)


def _describe(error: dict) -> tuple[str, str]:
    field = ".".join(str(part) for part in error["loc"]) or "record"
    kind = error["type"]
    if kind == "missing":
        return field, "missing field"
    if kind == "extra_forbidden":
        return field, "unexpected field"
    message = error["msg"].removeprefix("Value error, ")
    if kind.endswith("_type"):
        message = f"{message}, got {type(error['input']).__name__} {error['input']!r}"
    return field, message


class DuplicateKey(ValueError):
    """A JSON object that gives the same key twice (``json`` would silently keep the last)."""


def _unique_keys(items: list[tuple[str, object]]) -> dict:
    seen: dict = {}
    for key, value in items:
        if key in seen:
            raise DuplicateKey(key)
        seen[key] = value
    return seen


def split_lines(text: str) -> list[str]:
    """The lines of a JSONL text: split on ``\\n`` only, as JSONL defines them.

    ``str.splitlines`` also splits on U+2028, U+0085 and other characters that are valid,
    unescaped, inside a JSON string; that would break a good record in two and shift every
    later line number.

    Example:
        >>> split_lines('{"a": "x\\u2028y"}\\n{"b": 1}\\r\\n')
        ['{"a": "x\\u2028y"}', '{"b": 1}\\r', '']
    """
    return text.split("\n")


def _read_records(lines: list[str], source: str) -> tuple[list[tuple[int, dict]], list[str]]:
    records, problems = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line, object_pairs_hook=_unique_keys)
        except DuplicateKey as exc:
            problems.append(
                f"{source}:{number}: {exc.args[0]}: duplicate key (the record gives it twice)"
            )
            continue
        except json.JSONDecodeError as exc:
            problems.append(
                f"{source}:{number}: record: malformed JSON ({exc.msg}, column {exc.colno})"
            )
            continue
        except RecursionError:
            problems.append(
                f"{source}:{number}: record: nested too deeply to read (arrays or objects "
                "inside each other thousands of levels deep)"
            )
            continue
        except ValueError as exc:
            # Python refuses integers of more than 4,300 digits (a denial-of-service guard);
            # its message points at an interpreter setting, not at the record.
            problems.append(f"{source}:{number}: record: a number too long to read ({exc})")
            continue
        if not isinstance(raw, dict):
            problems.append(
                f"{source}:{number}: record: expected a JSON object, got {type(raw).__name__}"
            )
            continue
        records.append((number, raw))
    return records, problems


def _has_prefix(raw: dict, field: str) -> bool:
    value = raw.get(field)
    return isinstance(value, str) and value.startswith(PREFIXES[field])


def parse_pairs(lines: list[str], source: str) -> list[DatingPair]:
    """Validate JSONL lines; raise :class:`DataError` listing every bad line.

    Blank lines are the only lines skipped (a trailing newline is not a record); every other
    line must be one valid record. Fields outside :data:`FIELDS` are left out (see
    :func:`field_notes`). A file in which no record has the ``boy: ``/``girl: `` prefixes gets
    one message saying so and how to add them, not one per line.
    """
    records, problems = _read_records(lines, source)
    unprefixed = [
        field
        for field in PREFIXES
        if records and not any(_has_prefix(raw, field) for _, raw in records)
    ]
    for field in unprefixed:
        problems.append(
            f"{source}:{records[0][0]}: {field}: no record starts with {PREFIXES[field]!r}, "
            f"the prefix the model is trained and evaluated with ({len(records)} records); "
            f"add it with `p3 check --fix-prefixes FOLDER {source}`, which writes a prefixed "
            "copy into FOLDER"
        )
    pairs: list[DatingPair] = []
    for number, raw in records:
        record = {key: value for key, value in raw.items() if key in FIELDS}
        if unprefixed:
            # Checked as if prefixed, so that the file's other problems still show.
            record = add_prefixes(record, unprefixed)
        try:
            pairs.append(DatingPair.model_validate(record))
        except ValidationError as exc:
            for error in exc.errors():
                field, message = _describe(error)
                problems.append(f"{source}:{number}: {field}: {message}")
    if not pairs and not problems:
        problems.append(f"{source}:1: record: file has no records")
    if problems:
        raise DataError(source, problems)
    return pairs


def add_prefixes(record: dict, fields: list[str] | tuple[str, ...] = tuple(PREFIXES)) -> dict:
    """``record`` with ``boy: ``/``girl: `` put before each text of ``fields`` lacking it.

    A prefix in the wrong case or spacing (``Boy: ``, ``GIRL:``) is put right, not doubled.

    Example:
        >>> add_prefixes({"text_1": "I hike", "text_2": "girl: Me too", "label": 1})
        {'text_1': 'boy: I hike', 'text_2': 'girl: Me too', 'label': 1}
        >>> add_prefixes({"text_1": "Boy: I hike", "text_2": " GIRL:Me too"})
        {'text_1': 'boy: I hike', 'text_2': 'girl: Me too'}
    """
    fixed = dict(record)
    for field in fields:
        value, prefix = fixed.get(field), PREFIXES[field]
        if not isinstance(value, str) or value.startswith(prefix):
            continue
        word = prefix.strip()  # "boy:"
        stripped = value.lstrip()
        if stripped[: len(word)].lower() == word:
            fixed[field] = prefix + stripped[len(word) :].lstrip()
        else:
            fixed[field] = prefix + value
    return fixed


def write_prefixed_copy(path: str | Path, folder: str | Path) -> tuple[Path, int]:
    """One file's prefixed copy in ``folder``: :func:`write_prefixed_copies` of one path."""
    return write_prefixed_copies([path], folder)[0]


def write_prefixed_copies(paths: list[str | Path], folder: str | Path) -> list[tuple[Path, int]]:
    """Write each file of ``paths`` into ``folder`` (same name) with the prefixes added.

    Every field of every record is kept as it is, in its order; only ``text_1``/``text_2``
    without ``boy: ``/``girl: `` change (see :func:`add_prefixes`). Lines that are not JSON
    objects are copied as they are (``p3 check`` reports them). Returns each copy and the
    number of texts prefixed. Nothing is written unless every copy can be.

    Raises:
        ValueError: a copy would overwrite its original, two files have one name (one copy
            would overwrite the other), or a file in ``folder`` is not one p3 wrote.
    """
    from p3lib.store.atomic import write_owned_files

    folder = Path(folder)
    copies: dict[Path, bytes] = {}
    results, sources = [], {}
    for path in map(Path, paths):
        target = folder / path.name
        if same_file(target) is not None and same_file(target) == same_file(path):
            raise ValueError(
                f"--fix-prefixes {folder}: would overwrite {path}; name another folder"
            )
        if target in sources:
            raise ValueError(
                f"--fix-prefixes {folder}: {sources[target]} and {path} would both be written "
                f"to {target}; give files with different names, or check them one at a time"
            )
        sources[target] = path
        text = _read_text(path)
        records = dict(_read_records(split_lines(text), str(path))[0])
        lines, changed = [], 0
        for number, line in enumerate(split_lines(text), start=1):
            raw = records.get(number)
            if raw is not None:
                fixed = add_prefixes(raw)
                changed += sum(fixed[key] != raw.get(key) for key in PREFIXES if key in fixed)
                line = json.dumps(fixed, ensure_ascii=False)
            lines.append(line)
        copies[target] = "\n".join(lines).encode("utf-8")
        results.append((target, changed))
    write_owned_files(copies, "copies of data files with prefixes added, by p3 check")
    return results


def _read_text(path: Path) -> str:
    try:
        status = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise DataError(path, [f"{path}: file: not found"]) from None
        if exc.errno == errno.ELOOP:
            raise DataError(path, [f"{path}: file: a symbolic link that loops"]) from None
        raise DataError(path, [f"{path}: file: cannot be read ({exc.strerror})"]) from None
    if stat.S_ISDIR(status.st_mode):
        raise DataError(path, [f"{path}: file: is a folder, not a JSONL file"])
    if not stat.S_ISREG(status.st_mode):
        raise DataError(
            path,
            [
                f"{path}: file: not a regular file (a pipe such as <(...) or a device); p3 "
                "reads each data file more than once, so save it to a file first"
            ],
        )
    try:
        # Bytes, decoded: read_text() would turn a bare CR inside a record into a line end
        # and shift every later line number; JSONL lines end at \n only.
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(path, [f"{path}: file: not UTF-8 text ({exc.reason})"]) from None
    except OSError as exc:
        raise DataError(path, [f"{path}: file: cannot be read ({exc.strerror})"]) from None


def same_file(path: str | Path) -> tuple[int, int] | None:
    """What makes two names one file: device and inode (a hard link or symlink shares them);
    ``None`` where the file cannot be reached (its loader reports why)."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return (status.st_dev, status.st_ino)


def load_pairs(path: str | Path) -> list[DatingPair]:
    """Load and validate a JSONL file of pairs.

    Raises:
        DataError: the file is missing, a folder or pipe, unreadable, empty, or has bad
            records; the message names ``file:line: field: problem`` for each.
    """
    path = Path(path)
    return parse_pairs(split_lines(_read_text(path)), str(path))


def load_pairs_maybe_unlabelled(path: str | Path) -> list[DatingPair] | list[tuple[str, str]]:
    """The pairs of a file to score: records with labels, or ``(text_1, text_2)`` where no
    record has a ``label`` (new pairs to judge). Checked as :func:`load_pairs` checks them.

    Raises:
        DataError: as :func:`load_pairs`; a file where some records have a label and others
            not names each record without one.
    """
    path = Path(path)
    lines = split_lines(_read_text(path))
    records = dict(_read_records(lines, str(path))[0])
    if any("label" in raw for raw in records.values()):
        return parse_pairs(lines, str(path))
    # Validated with a stand-in label, so that texts get exactly the checks of load_pairs.
    stand_in = [
        json.dumps({**records[number], "label": 0}) if number in records else line
        for number, line in enumerate(lines, start=1)
    ]
    return [(pair.text_1, pair.text_2) for pair in parse_pairs(stand_in, str(path))]


def field_notes(path: str | Path) -> list[str]:
    """What a loadable file leaves out or lacks, one sentence per field, not per line.

    Fields outside :data:`FIELDS` (ignored) and optional fields no record gives (figures by
    that field then show :data:`ABSENT`).
    """
    path = Path(path)
    records, _ = _read_records(split_lines(_read_text(path)), str(path))
    notes = []
    extra: dict[str, list[int]] = {}
    for number, raw in records:
        for key in raw:
            if key not in FIELDS:
                extra.setdefault(key, []).append(number)
    for key, numbers in extra.items():
        notes.append(
            f"{path}: {key}: not a p3 field, ignored ({len(numbers)} of {len(records)} "
            f"records, first on line {numbers[0]})"
        )
    for field in OPTIONAL_FIELDS:
        missing = sum(1 for _, raw in records if field not in raw)
        if missing:
            notes.append(
                f"{path}: {field}: not given in {missing} of {len(records)} records; "
                f"figures by {field} show them as {ABSENT!r}"
            )
    return notes


def dump_pairs(pairs: list[DatingPair]) -> str:
    """JSONL text for ``pairs``: one record a line, fields in schema order, trailing newline."""
    return "".join(
        json.dumps({**pair.model_dump(mode="json")}, ensure_ascii=False) + "\n" for pair in pairs
    )
