"""The pair record, and loading JSONL files of pairs with errors that name file, line and field.

Example:
    >>> from p3lib.schema import DatingPair
    >>> pair = DatingPair(text_1="boy: I love lazy Sundays", text_2="girl: Me too",
    ...                   label=1, category="lifestyle", subcategory="relaxed",
    ...                   pair_type="compatible")
    >>> pair.label
    <CompatibilityLabel.COMPATIBLE: 1>
"""

from __future__ import annotations

import json
from enum import IntEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

FIELDS = ("text_1", "text_2", "label", "category", "subcategory", "pair_type")
PREFIXES = {"text_1": "boy: ", "text_2": "girl: "}

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

    Strict: a label of ``"1"``, ``1.0`` or ``true`` is an error, not a 1, and unknown fields are
    rejected, so nothing in a user's file is silently coerced or ignored.
    """

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    text_1: str
    text_2: str
    label: CompatibilityLabel
    category: str
    subcategory: str
    pair_type: str

    @field_validator("label", mode="before")
    @classmethod
    def _label_is_zero_or_one(cls, value: object) -> object:
        # strict mode accepts a bool as an int; a JSON true is not a label.
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be the integer 0 or 1, got {value!r}")
        if value not in (0, 1):
            raise ValueError(f"must be 0 or 1, got {value!r}")
        return CompatibilityLabel(value)

    @field_validator("text_1", "text_2")
    @classmethod
    def _prefixed_statement(cls, value: str, info) -> str:
        prefix = PREFIXES[info.field_name]
        if not value.startswith(prefix):
            raise ValueError(f"must start with {prefix!r}, got {value[:20]!r}")
        if not value[len(prefix) :].strip():
            raise ValueError(f"is empty after the {prefix.strip()!r} prefix")
        return value

    @field_validator("category", "subcategory", "pair_type")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("is empty")
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


def parse_pairs(lines: list[str], source: str) -> list[DatingPair]:
    """Validate JSONL lines; raise :class:`DataError` listing every bad line.

    Blank lines are the only lines skipped (a trailing newline is not a record); every other
    line must be one valid record.
    """
    pairs: list[DatingPair] = []
    problems: list[str] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(
                f"{source}:{number}: record: malformed JSON ({exc.msg}, column {exc.colno})"
            )
            continue
        if not isinstance(raw, dict):
            problems.append(
                f"{source}:{number}: record: expected a JSON object, got {type(raw).__name__}"
            )
            continue
        try:
            pairs.append(DatingPair.model_validate(raw))
        except ValidationError as exc:
            for error in exc.errors():
                field, message = _describe(error)
                problems.append(f"{source}:{number}: {field}: {message}")
    if not pairs and not problems:
        problems.append(f"{source}:1: record: file has no records")
    if problems:
        raise DataError(source, problems)
    return pairs


def load_pairs(path: str | Path) -> list[DatingPair]:
    """Load and validate a JSONL file of pairs.

    Raises:
        DataError: the file is missing, unreadable, empty, or has bad records; the message
            names ``file:line: field: problem`` for each.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(path, [f"{path}: file: not found"])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(path, [f"{path}: file: not UTF-8 text ({exc.reason})"]) from None
    return parse_pairs(text.splitlines(), str(path))


def dump_pairs(pairs: list[DatingPair]) -> str:
    """JSONL text for ``pairs``: one record a line, fields in schema order, trailing newline."""
    return "".join(
        json.dumps({**pair.model_dump(mode="json")}, ensure_ascii=False) + "\n" for pair in pairs
    )
