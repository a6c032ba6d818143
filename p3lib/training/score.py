"""Scoring pairs with a fine-tuned model at the decision threshold chapter 05 chose for it.

``p3 score --model outputs/models/full "boy: ..." "girl: ..."`` prints the cosine similarity of
one pair and the decision; ``--pairs FILE.jsonl`` scores every pair of a file and, since every
record carries a label, the accuracy too. The threshold is the one chapter 05 chose on the
validation split and saved as ``decision_threshold.json`` beside the model.

Example:
    >>> from p3lib.evaluation.embed import load_model  # doctest: +SKIP
    >>> scored = score_pairs(load_model("outputs/models/full"),
    ...                      [("boy: I love hiking", "girl: Me too, every weekend")], 0.55)
    ... # doctest: +SKIP
    >>> scored[0].compatible  # doctest: +SKIP
    True
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from p3lib.data.schema import DatingPair, load_pairs
from p3lib.store.atomic import atomic_write_json

THRESHOLD_FILE = "decision_threshold.json"


class DecisionThreshold(BaseModel):
    """The threshold saved beside a model: cosine at or above it means compatible.

    ``prompt`` is the instruction the model was trained with (chapter 07's instructed model):
    scoring prepends it to both texts, as training and evaluation did, since the threshold
    was chosen on prompted cosines.
    """

    # A cosine threshold is a finite number in [-1, 1]; NaN would call every pair incompatible.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    threshold: float = Field(ge=-1, le=1)
    chosen_on: str = "validation"
    f1: float | None = None
    prompt: str | None = None


class ScoredPair(BaseModel):
    """One scored pair: its cosine, the decision at the threshold, and its label if known."""

    text_1: str
    text_2: str
    cosine: float
    compatible: bool
    label: int | None = None

    @property
    def correct(self) -> bool | None:
        """Whether the decision matches the label (``None`` without a label)."""
        return None if self.label is None else self.compatible == bool(self.label)


def threshold_path(model_dir: str | Path) -> Path:
    """Where the decision threshold of the model in ``model_dir`` lives."""
    return Path(model_dir) / THRESHOLD_FILE


def save_threshold(model_dir: str | Path, threshold: DecisionThreshold) -> Path:
    """Write ``decision_threshold.json`` beside the model (atomically)."""
    return atomic_write_json(threshold_path(model_dir), threshold)


def load_threshold(model_dir: str | Path) -> DecisionThreshold:
    """Read the model's decision threshold.

    Raises:
        FileNotFoundError: there is none; chapter 05 writes it.
        ValueError: it is not valid JSON or not a finite threshold in [-1, 1]; the message
            names the file.
    """
    path = threshold_path(model_dir)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: the decision threshold is chosen on the validation split by "
            "chapter 05 (post-training evaluation); run chapter 05 first"
        )
    rerun = "run chapter 05 again to write it"
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid JSON ({exc}); {rerun}") from None
    try:
        return DecisionThreshold.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc'])) or 'file'}: {error['msg']}"
            for error in exc.errors()
        )
        raise ValueError(f"{path}: {problems}; {rerun}") from None


def _no_constant(name: str) -> float:
    # JSON has no NaN or Infinity; Python's reader accepts them unless told otherwise.
    raise ValueError(f"{name} is not a number JSON allows")


def validate_texts(texts: Sequence[str]) -> tuple[str, str]:
    """Two statements, checked as :class:`~p3lib.data.schema.DatingPair` checks its texts.

    Raises:
        ValueError: not exactly two texts, or a text without its ``boy: ``/``girl: `` prefix.
    """
    if len(texts) != 2:
        raise ValueError(f'give exactly two texts, "boy: ..." then "girl: ...", got {len(texts)}')
    try:
        DatingPair(
            text_1=texts[0],
            text_2=texts[1],
            label=0,
            category="-",
            subcategory="-",
            pair_type="-",
        )
    except ValidationError as exc:
        problems = [
            f"{'.'.join(map(str, error['loc']))}: {error['msg'].removeprefix('Value error, ')}"
            for error in exc.errors()
        ]
        raise ValueError("; ".join(problems)) from None
    return texts[0], texts[1]


def score_pairs(
    model,
    pairs: Sequence[DatingPair | tuple[str, str]],
    threshold: float,
    batch_size: int = 64,
    prompt: str | None = None,
) -> list[ScoredPair]:
    """Cosine similarity of each pair and its decision (compatible when ``>= threshold``).

    ``pairs`` are :class:`~p3lib.data.schema.DatingPair` records (their labels are kept) or
    ``(text_1, text_2)`` tuples. Embeddings are L2-normalised, as in the evaluation;
    ``prompt`` is prepended to every text before encoding.
    """
    from p3lib.evaluation.embed import cosine_scores, encode_texts

    texts = [
        (p.text_1, p.text_2, int(p.label)) if isinstance(p, DatingPair) else (p[0], p[1], None)
        for p in pairs
    ]
    if not texts:
        return []
    table = encode_texts(
        model,
        [a for a, _, _ in texts] + [b for _, b, _ in texts],
        batch_size=batch_size,
        show_progress_bar=False,
        prompt=prompt,
    )
    u = np.stack([table[a] for a, _, _ in texts]).astype(float)
    v = np.stack([table[b] for _, b, _ in texts]).astype(float)
    scores = cosine_scores(u, v)
    return [
        ScoredPair(text_1=a, text_2=b, cosine=float(s), compatible=bool(s >= threshold), label=y)
        for (a, b, y), s in zip(texts, scores, strict=True)
    ]


def accuracy(scored: Sequence[ScoredPair]) -> float | None:
    """Share of labelled pairs whose decision matches the label; ``None`` without labels."""
    judged = [pair.correct for pair in scored if pair.correct is not None]
    return sum(judged) / len(judged) if judged else None


def _load(model_dir: Path):
    """The model in ``model_dir``; a folder that does not load is named in a ValueError."""
    from p3lib.evaluation.embed import load_model

    try:
        return load_model(model_dir)
    except Exception as exc:  # safetensors, transformers and OS errors alike
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(
            f"{model_dir}: the model does not load ({type(exc).__name__}: {reason}); its "
            "files are damaged or incomplete: run the chapter that trains it again"
        ) from None


def _decision(pair: ScoredPair) -> str:
    return "compatible" if pair.compatible else "incompatible"


def score_command(
    model_dir: str | Path, texts: Sequence[str], pairs_path: str | Path | None
) -> int:
    """``p3 score``: score two texts or a JSONL file of pairs; print results; return 0.

    Raises:
        FileNotFoundError: the model folder or its ``decision_threshold.json`` is missing.
        ValueError: both or neither of texts and a pairs file, or texts that are not
            ``"boy: ..." "girl: ..."``.
        p3lib.data.schema.DataError: the pairs file has bad records.
    """
    texts = list(texts or [])
    if pairs_path is not None and texts:
        raise ValueError("give either two texts or --pairs FILE.jsonl, not both")
    if pairs_path is None and not texts:
        raise ValueError('give two texts ("boy: ..." "girl: ...") or --pairs FILE.jsonl')
    model_dir = Path(model_dir).expanduser()
    if not model_dir.is_dir():
        raise FileNotFoundError(f"{model_dir}: model folder not found")
    choice = load_threshold(model_dir)
    pairs: list[DatingPair | tuple[str, str]]
    pairs = load_pairs(pairs_path) if pairs_path is not None else [validate_texts(texts)]

    scored = score_pairs(_load(model_dir), pairs, choice.threshold, prompt=choice.prompt)
    print(
        f"model {model_dir}; compatible when cosine >= {choice.threshold:.4f} "
        f"(chosen on {choice.chosen_on})"
    )
    if choice.prompt:
        print(f"instruction prepended to both texts: {choice.prompt!r}")
    if pairs_path is None:
        pair = scored[0]
        print(f"cosine {pair.cosine:.4f}: {_decision(pair)}")
        return 0
    for number, pair in enumerate(scored, start=1):
        label = "" if pair.label is None else f"  label {pair.label}"
        mark = "" if pair.correct is None else ("  ok" if pair.correct else "  WRONG")
        print(f"{number:5d}  cosine {pair.cosine:.4f}  {_decision(pair):12s}{label}{mark}")
    share = accuracy(scored)
    if share is not None:
        correct = sum(1 for pair in scored if pair.correct)
        print(f"accuracy {share:.4f} ({correct} of {len(scored)} pairs)")
    return 0
