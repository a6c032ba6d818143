"""``p3 score``: the decision at a hand-set threshold, files of pairs, and clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from tiny_model import build_tiny_model

from p3lib.cli import main
from p3lib.data.schema import DatingPair, dump_pairs
from p3lib.training.score import (
    THRESHOLD_FILE,
    DecisionThreshold,
    accuracy,
    save_threshold,
    score_command,
    score_pairs,
    validate_texts,
)

BOY, GIRL = "boy: i love hiking", "girl: i hate hiking"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model") / "full"
    build_tiny_model(folder)
    return folder


@pytest.fixture(scope="module")
def cosine(model_dir):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu")
    u, v = model.encode([BOY, GIRL], normalize_embeddings=True)
    return float(np.dot(u, v))


def set_threshold(model_dir, value: float) -> None:
    save_threshold(model_dir, DecisionThreshold(threshold=value, f1=0.8))


@pytest.mark.parametrize(("offset", "decision"), [(-1e-4, "compatible"), (1e-4, "incompatible")])
def test_two_texts_get_the_decision_of_the_threshold(model_dir, cosine, capsys, offset, decision):
    set_threshold(model_dir, cosine + offset)
    assert score_command(model_dir, [BOY, GIRL], None) == 0
    out = capsys.readouterr().out
    assert f"cosine {cosine:.4f}: {decision}" in out
    assert "chosen on validation" in out


def test_a_file_of_pairs_prints_each_decision_and_the_accuracy(model_dir, cosine, tmp_path, capsys):
    set_threshold(model_dir, cosine - 1e-4)  # this pair is called compatible
    base = dict(category="interests", subcategory="hiking")
    pairs = [
        DatingPair(text_1=BOY, text_2=GIRL, label=0, pair_type="incompatible", **base),
        DatingPair(text_1=BOY, text_2=GIRL, label=1, pair_type="compatible", **base),
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text(dump_pairs(pairs))
    assert score_command(model_dir, [], path) == 0
    out = capsys.readouterr().out
    assert out.count("compatible ") >= 2 and "WRONG" in out
    assert "accuracy 0.5000 (1 of 2 pairs)" in out


def test_score_pairs_returns_data(model_dir, cosine):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu")
    scored = score_pairs(model, [(BOY, GIRL)], threshold=cosine + 1e-4)
    assert scored[0].cosine == pytest.approx(cosine, abs=1e-6)
    assert scored[0].compatible is False and scored[0].label is None
    assert accuracy(scored) is None


def test_missing_threshold_file_says_run_chapter_05(tmp_path, model_dir, capsys):
    bare = tmp_path / "bare"
    bare.mkdir()
    with pytest.raises(FileNotFoundError, match="run chapter 05 first"):
        score_command(bare, [BOY, GIRL], None)
    assert main(["score", "--model", str(bare), BOY, GIRL]) == 1
    assert "run chapter 05 first" in capsys.readouterr().err


def test_texts_are_validated_like_pairs(model_dir):
    with pytest.raises(ValueError, match="text_1: must start with 'boy: '"):
        validate_texts(["girl: hi", "girl: hello"])
    with pytest.raises(ValueError, match="exactly two texts"):
        validate_texts([BOY])
    with pytest.raises(ValueError, match="text_2: is empty"):
        validate_texts([BOY, "girl:  "])
    with pytest.raises(ValueError, match="either two texts or --pairs"):
        score_command(model_dir, [BOY, GIRL], "pairs.jsonl")


def test_threshold_file_format(model_dir):
    set_threshold(model_dir, 0.5)
    data = json.loads((model_dir / THRESHOLD_FILE).read_text())
    assert data == {"threshold": 0.5, "chosen_on": "validation", "f1": 0.8, "prompt": None}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"threshold": 0.5', "not valid JSON"),
        ('{"threshold": NaN}', "NaN is not a number JSON allows"),
        ('{"threshold": 1.5}', "threshold: Input should be less than or equal to 1"),
        ('{"chosen_on": "validation"}', "threshold: Field required"),
    ],
    ids=["truncated", "nan", "out of range", "missing"],
)
def test_a_bad_threshold_file_is_named_and_refused(tmp_path, capsys, content, message):
    folder = tmp_path / "full"
    folder.mkdir()
    (folder / THRESHOLD_FILE).write_text(content, encoding="utf-8")
    assert main(["score", "--model", str(folder), BOY, GIRL]) == 1
    err = capsys.readouterr().err
    assert f"p3 score: {folder / THRESHOLD_FILE}: " in err and message in err
    assert "run chapter 05 again" in err and "Traceback" not in err


def test_a_truncated_model_file_is_named_not_a_traceback(model_dir, tmp_path, capsys):
    import shutil

    damaged = tmp_path / "damaged"
    shutil.copytree(model_dir, damaged)
    set_threshold(damaged, 0.5)
    weights = next(damaged.rglob("model.safetensors"))
    weights.write_bytes(weights.read_bytes()[:100])
    assert main(["score", "--model", str(damaged), BOY, GIRL]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"p3 score: {damaged}: the model does not load (")
    assert "damaged or incomplete" in err
