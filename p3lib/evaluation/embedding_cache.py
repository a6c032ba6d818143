"""Embeddings computed once per model, instruction and texts, kept in the run's folder.

Chapters 02, 05 and 07 evaluate the same models on the same statements (chapter 07 measures
the baseline and the chapter models again, on eval and OOD; a chapter that runs again after a
code change re-encodes everything), and encoding is the largest cost of an evaluation at scale
(about 3 ms a statement on the 2-core CPU). So :func:`p3lib.evaluation.embed.encode_texts` can keep
what
it encodes in a folder (a run keeps it in ``RunLayout.embeddings``, a hidden folder of the run,
which the run record does not count as a chapter's output) and reads it back when the same
model encodes the same statements again.

A hit must never be a stale answer, so the key is taken from what the vectors depend on, never
from a name or a path: every tensor of the model's state (a retrained or perturbed model misses
even when it is saved to the same folder), the model's modules and their settings (pooling,
normalisation, maximum sequence length), its tokenizer, the device it runs on and the library
versions; then the instruction (prompt), the batch size (padding depends on it) and the exact
list of statements. A hit returns the very vectors the miss computed.

Example:
    >>> import numpy as np
    >>> key = cache_key("model-fingerprint", ["boy: a", "girl: b"], prompt=None, batch_size=64)
    >>> len(key), key == cache_key("model-fingerprint", ["girl: b", "boy: a"], None, 64)
    (64, False)
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np


def model_fingerprint(model) -> str:
    """SHA-256 of everything a SentenceTransformer's vectors depend on.

    The modules and their settings (``repr`` names each module with its configuration), every
    tensor of the state dict (name, dtype, shape and bytes), the tokenizer (a fast
    tokenizer's serialisation less its per-call padding and truncation, else its
    vocabulary), the device and the versions of torch, transformers and
    sentence-transformers.
    """
    import sentence_transformers
    import torch
    import transformers

    digest = hashlib.sha256()

    def add(text: str) -> None:
        digest.update(text.encode("utf-8"))
        digest.update(b"\0")

    add(repr(model))
    add(str(getattr(model, "device", "")))
    for module in (torch, transformers, sentence_transformers):
        add(f"{module.__name__}=={module.__version__}")
    tokenizer = getattr(model, "tokenizer", None)
    if tokenizer is not None:
        backend = getattr(tokenizer, "backend_tokenizer", None)
        add(type(tokenizer).__name__)
        if backend is not None:
            # Padding and truncation are per-call state that encoding itself sets, not part
            # of what the tokenizer is.
            serialised = json.loads(backend.to_str())
            serialised.pop("padding", None)
            serialised.pop("truncation", None)
            add(json.dumps(serialised, sort_keys=True))
        else:
            add(json.dumps(sorted(tokenizer.get_vocab().items())))
    with torch.no_grad():
        for name, tensor in sorted(model.state_dict().items()):
            add(f"{name}:{tensor.dtype}:{tuple(tensor.shape)}")
            digest.update(tensor.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def cache_key(fingerprint: str, texts: list[str], prompt: str | None, batch_size: int) -> str:
    """SHA-256 of a model fingerprint, the instruction, the batch size and the ordered texts."""
    payload = json.dumps(
        {"model": fingerprint, "prompt": prompt, "batch_size": batch_size, "texts": texts},
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """A folder of ``<key>.npy`` files, one matrix (one row per text, float32) per key."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def path(self, key: str) -> Path:
        """Where the vectors of ``key`` are kept."""
        return self.folder / f"{key}.npy"

    def load(self, key: str, n_texts: int) -> np.ndarray | None:
        """The vectors kept under ``key``; ``None`` if absent, unreadable or of another shape."""
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            vectors = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError):
            return None
        if vectors.ndim != 2 or vectors.shape[0] != n_texts:
            return None
        return vectors

    def save(self, key: str, vectors: np.ndarray) -> Path:
        """Keep ``vectors`` under ``key``, written to a temporary file and renamed into place."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.path(key)
        handle, temporary = tempfile.mkstemp(
            dir=self.folder, prefix=f".{path.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "wb") as file:
                np.save(file, np.ascontiguousarray(vectors), allow_pickle=False)
            # mkstemp makes the file private (0600); give it the mode a plain open() would.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return path
