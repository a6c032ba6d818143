"""The data quality report and what its four dimensions share.

The report's models (a :class:`Statistic` behind each :class:`SubScore`, four
:class:`DimensionScore`, one :class:`DataQualityReport`), the view of the pairs every dimension
reads (:class:`Corpus`: labels, statements without their prefixes, their words), the helpers
that turn statistics into scores, and the report's text and files.
"""

from __future__ import annotations

import math
import re
from functools import cached_property
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from p3lib.data.schema import DatingPair
from p3lib.store.atomic import atomic_write_json, atomic_write_text

PASS_MARK = 60.0
DIMENSIONS = ("data_quality", "diversity", "bias", "linguistic_quality")
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")


class Statistic(BaseModel):
    """The number behind a sub-score: ``value`` (None where undefined), a ``p_value`` where
    there is a test, supporting numbers in ``details`` and examples (words, lines) in
    ``examples``."""

    model_config = ConfigDict(extra="forbid")

    name: str
    value: float | None
    p_value: float | None = None
    details: dict[str, float | int | str | None] = {}
    examples: list[str] = []


class SubScore(BaseModel):
    """One check of a dimension: a 0-100 score, its statistic and what it means."""

    model_config = ConfigDict(extra="forbid")

    name: str
    score: float
    statistic: Statistic
    explanation: str


class DimensionScore(BaseModel):
    """One of the four dimensions: ``score`` is the mean of the sub-scores."""

    model_config = ConfigDict(extra="forbid")

    name: str
    score: float
    sub_scores: list[SubScore]

    def sub_score(self, name: str) -> SubScore:
        """The sub-score called ``name``; KeyError if there is none."""
        for sub in self.sub_scores:
            if sub.name == name:
                return sub
        raise KeyError(name)


class DataQualityReport(BaseModel):
    """The evaluator's result; ``overall`` is the mean of the four dimension scores."""

    model_config = ConfigDict(extra="forbid")

    n_records: int
    data_quality: DimensionScore
    diversity: DimensionScore
    bias: DimensionScore
    linguistic_quality: DimensionScore
    overall: float
    pass_mark: float
    passed: bool
    findings: list[str]

    @property
    def dimensions(self) -> list[DimensionScore]:
        """The four dimensions in report order."""
        return [getattr(self, name) for name in DIMENSIONS]


def words(statement: str) -> list[str]:
    """Lower-cased word tokens of a statement (curly apostrophes made straight)."""
    return WORD.findall(statement.lower().replace("\u2019", "'"))


class Corpus:
    """The pairs as the dimensions read them; every record counts, in file order."""

    def __init__(self, pairs: list[DatingPair]):
        if not pairs:
            raise ValueError("no pairs to evaluate")
        self.pairs = list(pairs)
        self.labels = np.array([int(pair.label) for pair in self.pairs])

    @cached_property
    def statements(self) -> list[tuple[str, str]]:
        """(statement_1, statement_2) of each pair, prefixes removed."""
        return [(pair.statement_1, pair.statement_2) for pair in self.pairs]

    @cached_property
    def words(self) -> list[tuple[list[str], list[str]]]:
        """The words of each pair's two statements."""
        return [(words(first), words(second)) for first, second in self.statements]


def finite(value: float) -> float | None:
    """``value``, or ``None`` where it is undefined: JSON has no NaN."""
    return float(value) if value is not None and math.isfinite(value) else None


def dimension(name: str, sub_scores: list[SubScore]) -> DimensionScore:
    """A dimension scored as the plain mean of its sub-scores."""
    return DimensionScore(
        name=name,
        score=float(np.mean([sub.score for sub in sub_scores])),
        sub_scores=sub_scores,
    )


def clip(score: float) -> float:
    """``score`` clipped to [0, 100]."""
    return float(min(100.0, max(0.0, score)))


def format_report(report: DataQualityReport) -> str:
    """The human-readable summary: pass or fail, each dimension with its sub-scores, findings."""
    verdict = "PASS" if report.passed else "FAIL"
    out = [
        f"Data quality: {verdict}: overall {report.overall:.1f} / 100 "
        f"(pass mark {report.pass_mark:g}) on {report.n_records} records",
        "",
    ]
    for dimension in report.dimensions:
        out.append(f"{dimension.name}: {dimension.score:.1f}")
        for sub in dimension.sub_scores:
            statistic = sub.statistic
            value = "n/a" if statistic.value is None else f"{statistic.value:.4g}"
            p_value = "" if statistic.p_value is None else f", p = {statistic.p_value:.3g}"
            out.append(f"  {sub.name}: {sub.score:.1f}  ({statistic.name} = {value}{p_value})")
            out.append(f"    {sub.explanation}")
            if statistic.examples:
                out.append(f"    e.g. {'; '.join(statistic.examples[:5])}")
        out.append("")
    out.append("Findings (sub-scores below the pass mark):")
    out.extend(f"  - {finding}" for finding in report.findings)
    if not report.findings:
        out.append("  none")
    return "\n".join(out) + "\n"


def write_report(report: DataQualityReport, folder: str | Path) -> tuple[Path, Path]:
    """Write ``data_quality_report.json`` and ``data_quality_summary.txt`` atomically."""
    folder = Path(folder)
    json_path = atomic_write_json(folder / "data_quality_report.json", report)
    text_path = atomic_write_text(folder / "data_quality_summary.txt", format_report(report))
    return json_path, text_path
