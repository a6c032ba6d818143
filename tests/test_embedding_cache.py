"""The embedding cache: a hit gives the very vectors of the miss; any change to the model misses."""

from __future__ import annotations

import numpy as np
import torch
from tiny_model import build_tiny_model, tiny_config, tiny_pairs

from p3lib.evaluation.embed import encode_texts
from p3lib.evaluation.embedding_cache import model_fingerprint
from p3lib.run.run_record import scan_outputs
from p3lib.store.run_layout import RunLayout


def _texts(n=40):
    pairs = tiny_pairs(n, seed=3)
    return [p.text_1 for p in pairs] + [p.text_2 for p in pairs]


def _files(folder):
    return sorted(path.name for path in folder.glob("*.npy"))


def test_a_hit_returns_the_vectors_of_the_miss_without_encoding(tmp_path, monkeypatch):
    model = build_tiny_model(tmp_path / "model")
    cache = RunLayout(tmp_path / "run").embeddings
    texts = _texts()
    first = encode_texts(model, texts, show_progress_bar=False, cache_dir=cache)
    assert len(_files(cache)) == 1

    def refuse(*args, **kwargs):
        raise AssertionError("a hit must not encode")

    monkeypatch.setattr(model, "encode", refuse)
    second = encode_texts(model, texts, show_progress_bar=False, cache_dir=cache)
    assert list(second) == list(first)
    for text in first:
        assert np.array_equal(first[text], second[text])
        assert first[text].dtype == second[text].dtype == np.float32


def test_the_cached_vectors_are_those_of_an_encoding_without_cache(tmp_path):
    model = build_tiny_model(tmp_path / "model")
    texts = _texts()
    plain = encode_texts(model, texts, show_progress_bar=False)
    cached = encode_texts(model, texts, show_progress_bar=False, cache_dir=tmp_path / "c")
    again = encode_texts(model, texts, show_progress_bar=False, cache_dir=tmp_path / "c")
    for text in plain:
        assert np.array_equal(plain[text], cached[text])
        assert np.array_equal(plain[text], again[text])


def test_perturbed_or_retrained_weights_miss(tmp_path):
    from p3lib.training.train import train

    model = build_tiny_model(tmp_path / "model")
    cache = tmp_path / "cache"
    texts = _texts()
    before = encode_texts(model, texts, show_progress_bar=False, cache_dir=cache)
    fingerprint = model_fingerprint(model)

    # One weight moved by a float32 step: a different model, a different key.
    with torch.no_grad():
        weight = next(model.parameters())
        weight.view(-1)[0] = torch.nextafter(weight.view(-1)[0], torch.tensor(1.0))
    assert model_fingerprint(model) != fingerprint
    nudged = encode_texts(model, texts, show_progress_bar=False, cache_dir=cache)
    assert len(_files(cache)) == 2

    # Retrained, then saved to the folder the original was loaded from: same path, new
    # weights; the cache must not hand back the old vectors.
    from sentence_transformers import SentenceTransformer

    pairs = tiny_pairs(64, seed=1)
    train(pairs[:48], pairs[48:], tiny_config("full", epochs=1), None, model=model)
    model.save(str(tmp_path / "model"))
    retrained = SentenceTransformer(str(tmp_path / "model"), device="cpu")
    after = encode_texts(retrained, texts, show_progress_bar=False, cache_dir=cache)
    fresh = encode_texts(retrained, texts, show_progress_bar=False)
    assert len(_files(cache)) == 3
    assert not np.array_equal(before[texts[0]], after[texts[0]])
    assert not np.array_equal(nudged[texts[0]], after[texts[0]])
    assert all(np.array_equal(after[t], fresh[t]) for t in texts)


def test_the_prompt_the_texts_and_their_order_are_part_of_the_key(tmp_path):
    model = build_tiny_model(tmp_path / "model")
    cache = tmp_path / "cache"
    texts = _texts()
    encode_texts(model, texts, show_progress_bar=False, cache_dir=cache)
    encode_texts(model, texts, show_progress_bar=False, cache_dir=cache, prompt="decide: ")
    encode_texts(model, texts[::-1], show_progress_bar=False, cache_dir=cache)
    # One statement fewer.
    encode_texts(model, list(dict.fromkeys(texts))[1:], show_progress_bar=False, cache_dir=cache)
    assert len(_files(cache)) == 4


def test_a_damaged_cache_file_is_encoded_again(tmp_path):
    model = build_tiny_model(tmp_path / "model")
    cache = tmp_path / "cache"
    texts = _texts()
    first = encode_texts(model, texts, show_progress_bar=False, cache_dir=cache)
    (path,) = cache.glob("*.npy")
    path.write_bytes(b"not numpy")
    second = encode_texts(model, texts, show_progress_bar=False, cache_dir=cache)
    assert all(np.array_equal(first[t], second[t]) for t in first)
    assert np.load(path).shape == (len(first), 32)


def test_the_cache_is_not_a_chapter_output(tmp_path):
    layout = RunLayout(tmp_path / "run")
    model = build_tiny_model(tmp_path / "model")
    encode_texts(model, _texts(), show_progress_bar=False, cache_dir=layout.embeddings)
    assert _files(layout.embeddings)
    # The run record counts only what scan_outputs sees; hidden folders are p3's scratch.
    assert scan_outputs(layout.root) == {}
