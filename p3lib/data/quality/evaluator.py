"""The PRD's ``SyntheticDataEvaluator``: four dimensions of 0-100 and the overall score.

Each dimension is its own module of :mod:`p3lib.data.quality`; the evaluator runs them on one
:class:`~p3lib.data.quality.report.Corpus` and takes the plain mean, passing the data at
``overall >= 60`` (:data:`~p3lib.data.quality.report.PASS_MARK`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from p3lib.data.quality.bias import bias
from p3lib.data.quality.data_quality import data_quality
from p3lib.data.quality.diversity import diversity
from p3lib.data.quality.linguistic import linguistic_quality
from p3lib.data.quality.report import (
    PASS_MARK,
    Corpus,
    DataQualityReport,
    DimensionScore,
    write_report,
)
from p3lib.data.schema import DatingPair, load_pairs


class SyntheticDataEvaluator:
    """Scores a list of pairs on data quality, diversity, bias and linguistic quality.

    Example:
        >>> report = SyntheticDataEvaluator(load_pairs("data/raw/train.jsonl")).evaluate()
        ... # doctest: +SKIP
    """

    def __init__(self, pairs: list[DatingPair]):
        self.corpus = Corpus(pairs)
        self.pairs = self.corpus.pairs
        self.labels = self.corpus.labels

    @classmethod
    def from_file(cls, path: str | Path) -> SyntheticDataEvaluator:
        """An evaluator for the pairs of a JSONL file (validated by ``load_pairs``)."""
        return cls(load_pairs(path))

    def evaluate_data_quality(self) -> DimensionScore:
        """Completeness, consistency, duplicates, format (:mod:`.data_quality`)."""
        return data_quality(self.corpus)

    def evaluate_diversity(self) -> DimensionScore:
        """Vocabulary, categories, labels, lengths (:mod:`.diversity`)."""
        return diversity(self.corpus)

    def evaluate_bias(self) -> DimensionScore:
        """Gender, category, length and vocabulary x label (:mod:`.bias`)."""
        return bias(self.corpus)

    def evaluate_linguistic_quality(self) -> DimensionScore:
        """Readability, coherence, naturalness, repetition (:mod:`.linguistic`)."""
        return linguistic_quality(self.corpus)

    def evaluate(self) -> DataQualityReport:
        """All four dimensions; ``overall`` = their mean, ``passed`` = ``overall >= 60``."""
        dimensions = {
            "data_quality": self.evaluate_data_quality(),
            "diversity": self.evaluate_diversity(),
            "bias": self.evaluate_bias(),
            "linguistic_quality": self.evaluate_linguistic_quality(),
        }
        overall = float(np.mean([dimension.score for dimension in dimensions.values()]))
        findings = [
            f"{dimension.name}.{sub.name} scores {sub.score:.1f}: {sub.explanation}"
            for dimension in dimensions.values()
            for sub in dimension.sub_scores
            if sub.score < PASS_MARK
        ]
        return DataQualityReport(
            n_records=len(self.pairs),
            **dimensions,
            overall=overall,
            pass_mark=PASS_MARK,
            passed=overall >= PASS_MARK,
            findings=findings,
        )


def write_default_quality_report(data_folder: str | Path) -> tuple[Path, Path]:
    """Score ``train.jsonl`` in ``data_folder``; write the report to ``../evaluation/``.

    For the default data this writes ``data/evaluation/data_quality_report.json`` and
    ``data/evaluation/data_quality_summary.txt``.
    """
    data_folder = Path(data_folder)
    report = SyntheticDataEvaluator.from_file(data_folder / "train.jsonl").evaluate()
    return write_report(report, data_folder.parent / "evaluation")
