"""ONNX export and int8 quantization of a tiny BERT sentence-transformer, checked with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from tiny_model import build_tiny_model, tiny_pairs

from p3lib.evaluation.embed import cosine_scores, encode_pairs
from p3lib.training.export import (
    INT8_FILE,
    export_models,
    export_onnx,
    judge_precision,
    onnx_embeddings,
    onnx_session,
    pair_cosines,
)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model", seed=3)


def test_fp32_graph_reproduces_pytorch_embeddings(tiny, tmp_path):
    pairs = tiny_pairs(20, seed=1)
    path = export_onnx(tiny, tmp_path / "model.onnx")
    texts = [p.text_1 for p in pairs] + [p.text_2 for p in pairs]
    table = onnx_embeddings(onnx_session(path), tiny.tokenizer, texts, tiny.max_seq_length)
    reference = tiny.encode(texts, normalize_embeddings=True)
    exported = np.stack([table[text] for text in texts])
    np.testing.assert_allclose(exported, reference, atol=1e-5)
    # Normalised inside the graph, whatever the model's own modules do.
    np.testing.assert_allclose(np.linalg.norm(exported, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(
        pair_cosines(table, pairs), cosine_scores(*encode_pairs(tiny, pairs)), atol=1e-5
    )


def test_export_models_writes_files_and_records_the_check(tiny, tmp_path):
    pairs = tiny_pairs(40, seed=2)
    report = export_models(
        {"base": tiny, "full": tiny}, {"base": 0.2, "full": 0.4}, pairs, tmp_path
    )
    assert report.n_pairs == 40
    for name in ("base", "full"):
        model = report.models[name]
        folder = tmp_path / "models" / name / "onnx"
        assert (folder / "model.onnx").is_file() and (folder / INT8_FILE).is_file()
        assert model.int8_file == f"models/{name}/onnx/{INT8_FILE}"
        assert (tmp_path / model.vocab_file).read_text().splitlines()[:3] == [
            "[PAD]",
            "[UNK]",
            "[CLS]",
        ]
        # Recompute the recorded check independently: PyTorch against the int8 graph.
        session = onnx_session(tmp_path / model.int8_file)
        texts = [p.text_1 for p in pairs] + [p.text_2 for p in pairs]
        quantized = pair_cosines(onnx_embeddings(session, tiny.tokenizer, texts, 16), pairs)
        reference = cosine_scores(*encode_pairs(tiny, pairs, show_progress_bar=False))
        assert model.max_abs_cosine_difference == pytest.approx(
            np.max(np.abs(quantized - reference)), abs=1e-6
        )
        assert 0 < model.max_abs_cosine_difference < 0.1
        assert model.int8_mb < model.fp32_mb
    assert report.models["full"].threshold == 0.4
    # The same model twice: identical AUCs, so int8 cannot change the order.
    assert report.models["base"].auc_int8 == report.models["full"].auc_int8


def test_judge_precision_ships_fp32_when_int8_swaps_the_order():
    # 0.015 apart in PyTorch, each moved by 0.009 (within tolerance), but swapped.
    kept, reason = judge_precision(
        {"base": 0.700, "lora": 0.715}, {"base": 0.709, "lora": 0.706}, 0.01
    )
    assert not kept and "reversed the order of lora and base" in reason
    # 0.004 apart: too close for the book to tell apart, so a swap keeps the conclusions.
    kept, _ = judge_precision({"base": 0.70, "lora": 0.704}, {"base": 0.705, "lora": 0.699}, 0.01)
    assert kept
    kept, _ = judge_precision({"base": 0.70, "lora": 0.80}, {"base": 0.709, "lora": 0.791}, 0.01)
    assert kept
    kept, reason = judge_precision({"base": 0.70}, {"base": 0.689}, 0.01)
    assert not kept and "-0.011" in reason


def test_a_large_eval_set_is_checked_on_a_stratified_sample(tiny, tmp_path, monkeypatch):
    import p3lib.training.export as export

    monkeypatch.setattr(export, "CHECK_CAP", 20)
    pairs = tiny_pairs(40, seed=2)
    report = export_models({"base": tiny}, {"base": 0.2}, pairs, tmp_path)
    assert (report.n_pairs, report.n_eval_pairs) == (20, 40)
    sample = export.check_sample(pairs, cap=20)
    share = sum(p.label for p in pairs) / 40
    assert sum(p.label for p in sample) == round(20 * share)
    # The recorded AUC is the sample's, recomputed here.
    from sklearn.metrics import roc_auc_score

    reference = cosine_scores(*encode_pairs(tiny, sample, show_progress_bar=False))
    assert report.models["base"].auc_pytorch == pytest.approx(
        roc_auc_score([p.label for p in sample], reference)
    )
    assert export.export_summary(report, {"base": "Base"}).startswith(
        "On a seeded sample of 20 of the 40 eval pairs (each label keeping its share), AUC is"
    )
