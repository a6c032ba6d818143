"""Exporting each model to ONNX, quantizing it to int8, and checking the int8 model's answers.

Each model (the base model, the full fine-tune, the merged LoRA model) is exported with
``torch.onnx`` as one graph from token ids to the L2-normalised sentence embedding (the
model's own pooling and normalisation inside), then given int8 weights with onnxruntime's
quantizers (:func:`quantize_int8`). Both files sit in the run's ``models/<name>/onnx/``
with the vocabulary, so the model can be deployed with onnxruntime alone; the book's
"Try a pair" widget runs the int8 file in the browser.

sentence-transformers' own ONNX backend needs ``optimum``, whose releases pin transformers
below the version this project uses, hence ``torch.onnx`` plus onnxruntime's quantizer.

The check scores the eval pairs with PyTorch and with the int8 graph (same Python
tokenizer) and records the largest cosine difference and both AUCs per model. If int8
changed the book's conclusions (an AUC moved by more than :data:`AUC_TOLERANCE`, or two
models clearly apart by AUC swapped places), the site ships the fp32 files instead, and the
report says why.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict
from sklearn.metrics import roc_auc_score

from p3lib.data.schema import DatingPair

ONNX_FOLDER = "onnx"
FP32_FILE = "model.onnx"
INT8_FILE = "model_qint8.onnx"
VOCAB_FILE = "vocab.txt"
OPSET = 18
AUC_TOLERANCE = 0.01
"""Largest AUC change int8 may make before the site ships fp32 instead."""
# The int8-vs-PyTorch check scores at most this many eval pairs, a seeded sample stratified by
# label above it: an AUC on 2,000 pairs moves by far less than AUC_TOLERANCE, and every pair
# costs two encodings per model and precision (at 50,000 pairs, most of chapter 05's time).
CHECK_CAP = 2_000
CHECK_SEED = 0
INPUT_NAMES = ("input_ids", "attention_mask")
OUTPUT_NAME = "sentence_embedding"


class ModelExport(BaseModel):
    """One exported model: its files (relative to the run's output folder) and the check."""

    model_config = ConfigDict(extra="forbid")

    name: str
    fp32_file: str
    int8_file: str
    vocab_file: str
    fp32_mb: float
    int8_mb: float
    max_seq_length: int
    do_lower_case: bool
    threshold: float
    max_abs_cosine_difference: float
    auc_pytorch: float
    auc_int8: float


class ExportReport(BaseModel):
    """Every model's export and check, and which precision the site ships."""

    model_config = ConfigDict(extra="forbid")

    # The eval pairs the check scored, and how many the eval set has (more when sampled).
    n_pairs: int
    n_eval_pairs: int | None = None
    models: dict[str, ModelExport]
    auc_tolerance: float = AUC_TOLERANCE
    order_pytorch: list[str]
    order_int8: list[str]
    conclusions_kept: bool
    shipped: Literal["int8", "fp32"]
    reason: str

    def shipped_file(self, name: str) -> str:
        """The file of model ``name`` the site ships (relative to the output folder)."""
        model = self.models[name]
        return model.int8_file if self.shipped == "int8" else model.fp32_file

    @property
    def max_abs_cosine_difference(self) -> float:
        """The largest int8-against-PyTorch cosine difference over all models and pairs."""
        return max(model.max_abs_cosine_difference for model in self.models.values())


@contextmanager
def _quiet():
    """Silence the exporter's tracing warnings and the quantizer's advice to pre-process.

    The quantizer logs its advice on the root logger; pre-processing (symbolic shape
    inference) fails on BERT graphs exported with dynamic axes, and is optional.
    """
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(previous)


def _embedder(model):
    """A module from (input_ids, attention_mask) to the model's normalised sentence embedding.

    Single texts have one segment, so token type ids are zeros inside the graph.
    """
    import torch

    class Embedder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            features = {
                "input_ids": input_ids,
                "attention_mask": attention_mask,
                "token_type_ids": torch.zeros_like(input_ids),
            }
            embedding = self.model(features)["sentence_embedding"]
            return torch.nn.functional.normalize(embedding, p=2, dim=1)

    return Embedder().eval()


def write_vocabulary(tokenizer, path: str | Path) -> Path:
    """The tokenizer's WordPiece vocabulary as ``vocab.txt`` (one token a line, in id order)."""
    vocab = tokenizer.get_vocab()
    tokens = [""] * len(vocab)
    for token, index in vocab.items():
        tokens[index] = token
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(tokens) + "\n", encoding="utf-8")
    return path


def export_onnx(model, path: str | Path) -> Path:
    """Export a SentenceTransformer to an fp32 ONNX graph (dynamic batch and length)."""
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sample = model.tokenizer(
        ["boy: a sample", "girl: another one"], padding=True, return_tensors="pt"
    )
    dynamic_axes = {name: {0: "batch", 1: "sequence"} for name in INPUT_NAMES}
    dynamic_axes[OUTPUT_NAME] = {0: "batch"}
    with _quiet(), torch.no_grad():
        torch.onnx.export(
            _embedder(model),
            (sample["input_ids"], sample["attention_mask"]),
            str(path),
            input_names=list(INPUT_NAMES),
            output_names=[OUTPUT_NAME],
            dynamic_axes=dynamic_axes,
            opset_version=OPSET,
            dynamo=False,
        )
    return path


def quantize_int8(fp32_path: str | Path, int8_path: str | Path) -> Path:
    """Int8 weights for every matrix of the graph, with onnxruntime's own quantizers.

    The token embeddings go through the dynamic quantizer (int8 table, dequantized on
    lookup); every MatMul weight through the weight-only quantizer, 8 bits in symmetric
    blocks of 32 (``MatMulNBits``), so activations stay fp32. Measured on
    all-MiniLM-L6-v2's eval pairs: fully dynamic int8 (weights and activations) moved
    cosines by up to 0.04 even with per-channel scales, this scheme by under 0.01, at the
    same size (24 MB against 90 MB in fp32).
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    int8_path = Path(int8_path)
    embeddings = int8_path.with_name(f".{int8_path.name}.embeddings")
    try:
        with _quiet():
            quantize_dynamic(
                str(fp32_path),
                str(embeddings),
                weight_type=QuantType.QInt8,
                op_types_to_quantize=["Gather"],
            )
            quantizer = MatMulNBitsQuantizer(
                onnx.load(str(embeddings)), bits=8, block_size=32, is_symmetric=True
            )
            quantizer.process()
            quantizer.model.save_model_to_file(str(int8_path), use_external_data_format=False)
    finally:
        embeddings.unlink(missing_ok=True)
    return int8_path


def onnx_session(path: str | Path):
    """An onnxruntime CPU session for an exported model."""
    import onnxruntime

    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def onnx_embeddings(
    session, tokenizer, texts: Sequence[str], max_length: int, batch_size: int = 64
) -> dict[str, np.ndarray]:
    """Normalised embeddings of each distinct text from an exported graph, keyed by text."""
    distinct = list(dict.fromkeys(texts))
    table = {}
    for start in range(0, len(distinct), batch_size):
        batch = distinct[start : start + batch_size]
        encoded = tokenizer(
            batch, padding=True, truncation=True, max_length=max_length, return_tensors="np"
        )
        feeds = {name: encoded[name].astype(np.int64) for name in INPUT_NAMES}
        (vectors,) = session.run([OUTPUT_NAME], feeds)
        table.update(zip(batch, vectors, strict=True))
    return table


def pair_cosines(table: Mapping[str, np.ndarray], pairs: Sequence[DatingPair]) -> np.ndarray:
    """Cosine of each pair from a table of normalised embeddings."""
    u = np.stack([table[pair.text_1] for pair in pairs]).astype(float)
    v = np.stack([table[pair.text_2] for pair in pairs]).astype(float)
    return np.einsum("ij,ij->i", u, v)


def _auc_order(aucs: Mapping[str, float]) -> list[str]:
    return sorted(aucs, key=lambda name: -aucs[name])


def judge_precision(
    auc_pytorch: Mapping[str, float], auc_int8: Mapping[str, float], tolerance: float
) -> tuple[bool, str]:
    """Whether int8 keeps the book's conclusions, and the reason in one sentence.

    The conclusions rest on the models' AUCs and their order, so int8 keeps them when every
    AUC moves by at most ``tolerance`` and no two models whose PyTorch AUCs differ by more
    than ``tolerance`` swap places (closer ones the book does not tell apart anyway).

    Example:
        >>> judge_precision({"a": 0.9, "b": 0.6}, {"a": 0.895, "b": 0.602}, 0.01)[0]
        True
        >>> judge_precision({"a": 0.9, "b": 0.6}, {"a": 0.87, "b": 0.6}, 0.01)[1]
        'int8 moved the AUC of a by -0.030 (more than 0.01): the site ships fp32'
    """
    moved = {name: auc_int8[name] - auc_pytorch[name] for name in auc_pytorch}
    worst = max(moved, key=lambda name: abs(moved[name]))
    if abs(moved[worst]) > tolerance:
        return False, (
            f"int8 moved the AUC of {worst} by {moved[worst]:+.3f} (more than {tolerance}): "
            "the site ships fp32"
        )
    for first in auc_pytorch:
        for second in auc_pytorch:
            gap = auc_pytorch[first] - auc_pytorch[second]
            if gap > tolerance and auc_int8[first] <= auc_int8[second]:
                return False, (
                    f"int8 reversed the order of {first} and {second} by AUC: the site ships fp32"
                )
    return True, (
        f"int8 moved no AUC by more than {tolerance} (largest {moved[worst]:+.3f}, {worst}) and "
        "kept the models' order by AUC: the site ships int8"
    )


def check_sample(
    pairs: Sequence[DatingPair], cap: int | None = None, seed: int = CHECK_SEED
) -> list[DatingPair]:
    """``pairs`` if at most ``cap`` (:data:`CHECK_CAP`), else a seeded sample of ``cap`` pairs
    keeping each label's share.

    Example:
        >>> from p3lib.data.schema import DatingPair
        >>> pairs = [DatingPair(text_1=f"boy: {i}", text_2="girl: x", label=int(i < 30))
        ...          for i in range(100)]
        >>> sample = check_sample(pairs, cap=10)
        >>> len(sample), sum(p.label for p in sample), sample == check_sample(pairs, cap=10)
        (10, 3, True)
    """
    cap = CHECK_CAP if cap is None else cap
    if len(pairs) <= cap:
        return list(pairs)
    rng = np.random.default_rng(seed)
    labels = np.array([int(pair.label) for pair in pairs])
    keep: list[int] = []
    positives = int(round(cap * labels.mean()))
    for label, count in ((1, positives), (0, cap - positives)):
        members = np.flatnonzero(labels == label)
        keep.extend(rng.choice(members, size=min(count, members.size), replace=False).tolist())
    return [pairs[i] for i in sorted(keep)]


def export_models(
    models: Mapping[str, object],
    thresholds: Mapping[str, float],
    eval_pairs: Sequence[DatingPair],
    out_dir: str | Path,
) -> ExportReport:
    """Export, quantize and check each model; files go to ``out_dir/models/<name>/onnx/``.

    ``models`` maps names to loaded SentenceTransformers, ``thresholds`` each name to its
    validation threshold (the widget's verdict). The check scores :func:`check_sample` of
    ``eval_pairs``. Returns the report; the caller saves it.
    """
    from p3lib.evaluation.embed import cosine_scores, encode_pairs
    from p3lib.store.atomic import mark_made_by_p3

    out_dir = Path(out_dir)
    n_eval_pairs = len(eval_pairs)
    eval_pairs = check_sample(eval_pairs)
    labels = np.array([int(pair.label) for pair in eval_pairs])
    exports, auc_pytorch, auc_int8 = {}, {}, {}
    for name, model in models.items():
        folder = out_dir / "models" / name / ONNX_FOLDER
        fp32 = export_onnx(model, folder / FP32_FILE)
        int8 = quantize_int8(fp32, folder / INT8_FILE)
        vocab = write_vocabulary(model.tokenizer, folder / VOCAB_FILE)
        # The model folder's marker lists what chapter 03/04 wrote; this folder's own marker
        # lists the export, so the model folder stays one p3 may replace.
        mark_made_by_p3(folder, "the ONNX export of a model, written by chapter 05")
        reference = cosine_scores(*encode_pairs(model, list(eval_pairs), show_progress_bar=False))
        table = onnx_embeddings(
            onnx_session(int8),
            model.tokenizer,
            [p.text_1 for p in eval_pairs] + [p.text_2 for p in eval_pairs],
            model.max_seq_length,
        )
        quantized = pair_cosines(table, eval_pairs)
        auc_pytorch[name] = float(roc_auc_score(labels, reference))
        auc_int8[name] = float(roc_auc_score(labels, quantized))
        exports[name] = ModelExport(
            name=name,
            fp32_file=fp32.relative_to(out_dir).as_posix(),
            int8_file=int8.relative_to(out_dir).as_posix(),
            vocab_file=vocab.relative_to(out_dir).as_posix(),
            fp32_mb=fp32.stat().st_size / 1e6,
            int8_mb=int8.stat().st_size / 1e6,
            max_seq_length=int(model.max_seq_length),
            do_lower_case=bool(getattr(model.tokenizer, "do_lower_case", True)),
            threshold=float(thresholds[name]),
            max_abs_cosine_difference=float(np.max(np.abs(quantized - reference))),
            auc_pytorch=auc_pytorch[name],
            auc_int8=auc_int8[name],
        )
    kept, reason = judge_precision(auc_pytorch, auc_int8, AUC_TOLERANCE)
    return ExportReport(
        n_pairs=len(eval_pairs),
        n_eval_pairs=n_eval_pairs,
        models=exports,
        order_pytorch=_auc_order(auc_pytorch),
        order_int8=_auc_order(auc_int8),
        conclusions_kept=kept,
        shipped="int8" if kept else "fp32",
        reason=reason,
    )


def export_summary(report: ExportReport, labels: Mapping[str, str]) -> str:
    """The chapter's sentence on the export, from the report's numbers."""
    parts = [
        f"{labels.get(name, name)} {m.auc_pytorch:.3f} in PyTorch and {m.auc_int8:.3f} in int8 "
        f"({m.int8_mb:.1f} MB, largest cosine difference {m.max_abs_cosine_difference:.4f})"
        for name, m in report.models.items()
    ]
    total = report.n_eval_pairs or report.n_pairs
    scope = (
        f"On the {report.n_pairs:,} eval pairs"
        if total == report.n_pairs
        else f"On a seeded sample of {report.n_pairs:,} of the {total:,} eval pairs (each "
        "label keeping its share)"
    )
    return f"{scope}, AUC is " + "; ".join(parts) + ". " + report.reason + "."
