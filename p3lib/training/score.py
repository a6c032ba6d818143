"""Scoring pairs with a fine-tuned model at the decision threshold chapter 05 chose for it.

``p3 score --model outputs/models/full "boy: ..." "girl: ..."`` prints the cosine similarity of
one pair and the decision; ``--pairs FILE.jsonl`` scores every pair of a file, labelled or not
(scoring new pairs is the common case), and where the records carry labels adds the accuracy
and AUC-ROC with its bootstrap interval. The threshold is the one chapter 05 chose on the
validation split and saved as ``decision_threshold.json`` beside the model.

A model is verified before it scores anything (:func:`verify_model`): every file of it must
have a SHA-256 that p3 recorded when the chapter wrote it (``run.json``, or the model's own
marker), and any model must give different texts different embeddings. A damaged
``model.safetensors`` otherwise loads, scores every pair cosine 1.0 and calls it compatible.

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

from p3lib.data.schema import DatingPair, load_pairs_maybe_unlabelled
from p3lib.store.atomic import add_to_marker, atomic_write_json, read_marker, sha256_file

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
    """Write ``decision_threshold.json`` beside the model (atomically), and list it in the
    model folder's marker: a later re-run of chapter 03 or 04 may then replace the folder."""
    path = atomic_write_json(threshold_path(model_dir), threshold)
    add_to_marker(model_dir, path.name)
    return path


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


RUN_RECORD = "run.json"  # p3lib.run.run_record.RUN_RECORD (a package above this one)
# Statements on unrelated topics: any working sentence encoder gives them different vectors.
PROBES = (
    "boy: I love hiking at dawn",
    "girl: Tax law is my favourite subject",
    "boy: My cat sleeps all day",
)


class ModelVerificationError(ValueError):
    """A model whose files are not the ones its run wrote, or that cannot tell texts apart."""


def recorded_model_files(model_dir: str | Path) -> tuple[Path, dict[str, str]] | None:
    """``(run folder, {relative path: sha256})`` of the files of ``model_dir`` that the run
    record of an enclosing output folder lists; ``None`` where no run record encloses it."""
    model_dir = Path(model_dir).resolve()
    for root in (model_dir, *model_dir.parents):
        record_path = root / RUN_RECORD
        if not record_path.is_file():
            continue
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            raise ModelVerificationError(
                f"{record_path}: not readable ({exc}), so {model_dir} cannot be verified"
            ) from None
        prefix = model_dir.relative_to(root).as_posix() + "/"
        files: dict[str, str] = {}
        for entry in (record.get("chapters") or {}).values():
            for relative, fingerprint in ((entry or {}).get("outputs") or {}).items():
                if relative.startswith(prefix) and isinstance(fingerprint, dict):
                    files[relative] = fingerprint.get("sha256", "")
        return root, files
    return None


def verify_model(model_dir: str | Path, model=None) -> None:
    """Refuse a model that is not what p3 wrote, or that embeds every text alike.

    Each file of ``model_dir`` must have a SHA-256 that p3 recorded for it: in the run record
    of an enclosing output folder (:func:`recorded_model_files`) or in the folder's own
    marker, written with the model (a chapter re-run by hand in JupyterLab rewrites the
    model and its marker, not the run record). A recorded file that is missing is refused
    too. With ``model`` loaded, three unrelated statements must not all get (nearly) the
    same embedding.

    Raises:
        ModelVerificationError: naming the file that differs, or the model.
    """
    model_dir = Path(model_dir)
    expected: dict[Path, set[str]] = {}
    recorded = recorded_model_files(model_dir)
    if recorded is not None:
        root, files = recorded
        for relative, digest in files.items():
            expected.setdefault(root / relative, set()).add(digest)
    marker = read_marker(model_dir) or {}
    for name, digest in (marker.get("files") or {}).items():
        if digest:
            expected.setdefault(model_dir.resolve() / name, set()).add(digest)
    rerun = "run the chapter that trains it again"
    for path, digests in sorted(expected.items()):
        if not path.is_file():
            raise ModelVerificationError(f"{path}: missing; the model is incomplete: {rerun}")
        if sha256_file(path) not in digests:
            raise ModelVerificationError(
                f"{path}: its SHA-256 differs from the one p3 recorded when the model was "
                f"written: the file is damaged or was replaced; {rerun}"
            )
    if model is not None:
        vectors = np.asarray(model.encode(list(PROBES), show_progress_bar=False), dtype=float)
        norms = np.linalg.norm(vectors, axis=1)
        if not np.all(np.isfinite(vectors)) or not np.all(norms > 0):
            raise ModelVerificationError(
                f"{model_dir}: the model's embeddings are not finite numbers: its weights are "
                f"damaged; {rerun}"
            )
        unit = vectors / norms[:, None]
        if np.min(unit[1:] @ unit[0]) > 0.9999:
            raise ModelVerificationError(
                f"{model_dir}: the model gives the same embedding to unrelated texts (cosine "
                f"1.0000), so every pair would score alike: its weights are damaged; {rerun}"
            )


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
    if pairs_path is not None:
        pairs = load_pairs_maybe_unlabelled(pairs_path)
    else:
        pairs = [validate_texts(texts)]
    verify_model(model_dir)  # the files, before any of them is loaded
    model = _load(model_dir)
    verify_model(model_dir, model)
    scored = score_pairs(model, pairs, choice.threshold, prompt=choice.prompt)
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
        print(auc_line(scored))
    return 0


def auc_line(scored: Sequence[ScoredPair], n_bootstrap: int = 1000, seed: int = 42) -> str:
    """AUC-ROC of labelled scored pairs with its 95% percentile bootstrap interval (pairs
    resampled, seeded), or why it is undefined."""
    from p3lib.evaluation.metrics import require_both_labels
    from p3lib.evaluation.pair_bootstrap import bootstrap_intervals

    scores = np.array([pair.cosine for pair in scored])
    labels = np.array([int(pair.label) for pair in scored])
    try:
        require_both_labels(labels, what="these pairs")
    except ValueError as exc:
        return f"AUC-ROC: undefined: {exc}"
    auc = bootstrap_intervals(scores, labels, seed=seed, n_bootstrap=n_bootstrap).auc_roc
    return (
        f"AUC-ROC {auc.estimate:.3f} (95% interval {auc.low:.3f} to {auc.high:.3f}, "
        f"{n_bootstrap} bootstrap resamples of the pairs)"
    )
