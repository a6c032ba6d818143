"""Encoding speed: the book's setting against the alternatives, in one run (issue 27, item 4).

    .venv/bin/python benchmarks/bench_encode.py [--statements 4000] [--onnx FILE]

Chapter 02 at 50,000 eval pairs encodes 57,046 distinct statements with the base model, most
of its time. This measures, on generated statements of the eval set's kind (the generator's
seeds 1000 on, longest first as ``p3lib.evaluation.embed.encode_texts`` orders them), the
milliseconds a statement for the book's setting (PyTorch on every thread, batches of 64) and,
each as a ratio to it: other batch sizes, one thread (two one-thread processes side by side
can at best halve that), and onnxruntime on the exported fp32 graph
(``models/base/onnx/model.onnx`` of a build; ``--onnx``), with the largest difference of its
vectors from PyTorch's. A ratio under 1 is faster than the book's setting.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from p3lib.data.generate import held_out_pairs  # noqa: E402
from p3lib.data.schema import load_pairs  # noqa: E402
from p3lib.evaluation.embed import load_model  # noqa: E402
from p3lib.store.run_layout import DEFAULT_TRAIN  # noqa: E402

BOOK_BATCH = 64  # encode_texts' default


def statements(n: int) -> list[str]:
    exclude = {pair.key for pair in load_pairs(DEFAULT_TRAIN)}
    pairs = held_out_pairs(2 * n, exclude, first_seed=1000)
    texts = list(dict.fromkeys(t for pair in pairs for t in (pair.text_1, pair.text_2)))[:n]
    return sorted(texts, key=len, reverse=True)


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=4000)
    parser.add_argument(
        "--onnx",
        type=Path,
        default=REPO_ROOT / "outputs" / "models" / "base" / "onnx" / "model.onnx",
    )
    args = parser.parse_args()
    texts = statements(args.statements)
    model = load_model(None, "cpu")
    threads = torch.get_num_threads()

    def torch_run(batch: int) -> tuple[float, np.ndarray]:
        started = time.perf_counter()
        vectors = model.encode(
            texts, batch_size=batch, normalize_embeddings=True, show_progress_bar=False
        )
        return time.perf_counter() - started, vectors

    torch_run(BOOK_BATCH)  # warm-up: first-call allocations
    book_seconds, book_vectors = torch_run(BOOK_BATCH)
    per = 1000 * book_seconds / len(texts)
    print(f"{len(texts):,} statements; book's setting ({threads} threads, batch {BOOK_BATCH}):")
    print(f"  {per:.2f} ms a statement (ratio 1.00)")
    for batch in (32, 256):
        seconds, _ = torch_run(batch)
        ms = 1000 * seconds / len(texts)
        print(f"  batch {batch}: {ms:.2f} ms, ratio {seconds / book_seconds:.2f}")
    torch.set_num_threads(1)
    seconds, _ = torch_run(BOOK_BATCH)
    torch.set_num_threads(threads)
    print(
        f"  one thread: {1000 * seconds / len(texts):.2f} ms, ratio {seconds / book_seconds:.2f} "
        f"(two such processes at best {seconds / 2 / book_seconds:.2f})"
    )
    if args.onnx.is_file():
        from p3lib.training.export import onnx_embeddings, onnx_session

        session = onnx_session(args.onnx)
        started = time.perf_counter()
        table = onnx_embeddings(session, model.tokenizer, texts, model.max_seq_length, BOOK_BATCH)
        seconds = time.perf_counter() - started
        difference = np.abs(np.stack([table[t] for t in texts]) - book_vectors).max()
        print(
            f"  onnxruntime fp32: {1000 * seconds / len(texts):.2f} ms, ratio "
            f"{seconds / book_seconds:.2f}, largest difference from PyTorch {difference:.1e}"
        )
    else:
        print(f"  onnxruntime: {args.onnx} not found (run `make book` or pass --onnx)")


if __name__ == "__main__":
    main()
