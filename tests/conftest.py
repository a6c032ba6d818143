"""Shared fixtures: a smoke run of the whole book on a small slice of the default data.

The smoke data carries records whose statements contain HTML and ``<script>``, so every
page that shows dataset text (tables, hover text, false-positive lists) is tested as text,
not markup. Everything is written under pytest's temporary folders, never ``outputs/``.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from p3lib.data.schema import DatingPair, dump_pairs, load_pairs
from p3lib.store.run_layout import DEFAULT_EVAL, DEFAULT_TRAIN, REPO_ROOT

P3 = str(Path(sys.executable).parent / "p3")
SMOKE_PARAMS = REPO_ROOT / "params" / "smoke.yaml"
# If any of these ever runs in a page, the browser test sees the flag set.
INJECTED = (
    "boy: I love <script>window.__p3_injected = 1</script> jazz clubs",
    'girl: I can\'t stand jazz <img src=x onerror="window.__p3_injected = 2"> at all',
    'boy: <b>bold</b> claims about hiking & "quotes"',
)


def injection_pairs() -> list[DatingPair]:
    """Pairs whose texts are HTML; one is an incompatible pair likely to be a false positive."""
    base = {"category": "interests", "subcategory": "music"}
    return [
        DatingPair(
            text_1=INJECTED[0], text_2=INJECTED[1], label=0, pair_type="incompatible", **base
        ),
        DatingPair(
            text_1=INJECTED[0],
            text_2="girl: Jazz clubs are my <i>favourite</i> nights out",
            label=1,
            pair_type="compatible",
            **base,
        ),
        DatingPair(
            text_1=INJECTED[2],
            text_2="girl: Hiking every weekend is my thing",
            label=1,
            pair_type="compatible",
            **base,
        ),
    ]


def stratified_slice(pairs: list[DatingPair], n: int, seed: int) -> list[DatingPair]:
    """``n`` pairs with both labels in their original proportion, in file order."""
    rng = random.Random(seed)
    chosen = []
    for label in (0, 1):
        indices = [i for i, pair in enumerate(pairs) if pair.label == label]
        share = round(n * len(indices) / len(pairs))
        chosen += rng.sample(indices, share)
    return [pairs[i] for i in sorted(chosen)]


def write_smoke_data(folder: Path) -> tuple[Path, Path]:
    """A small train/eval slice of the default data plus the injection pairs (train's first
    record is one, so chapter 01's table of records shows it)."""
    folder.mkdir(parents=True, exist_ok=True)
    # The first train record is shown in chapter 01's table of records.
    train = injection_pairs()[:1] + stratified_slice(load_pairs(DEFAULT_TRAIN), 160, seed=1)
    evaluation = stratified_slice(load_pairs(DEFAULT_EVAL), 90, seed=2) + injection_pairs()
    train_path, eval_path = folder / "train.jsonl", folder / "eval.jsonl"
    train_path.write_text(dump_pairs(train), encoding="utf-8")
    eval_path.write_text(dump_pairs(evaluation), encoding="utf-8")
    return train_path, eval_path


def run_p3(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run the ``p3`` command of this environment from the repository root."""
    completed = subprocess.run([P3, *map(str, args)], capture_output=True, text=True, cwd=REPO_ROOT)
    if check and completed.returncode != 0:
        raise AssertionError(
            f"p3 {' '.join(map(str, args))} failed:\n{completed.stdout}\n{completed.stderr}"
        )
    return completed


@pytest.fixture(scope="session")
def smoke_book(tmp_path_factory) -> dict[str, Path]:
    """Run every chapter with smoke parameters and build the book; return the folders."""
    root = tmp_path_factory.mktemp("smoke")
    train, evaluation = write_smoke_data(root / "data")
    out, html = root / "out", root / "html"
    completed = run_p3(
        "all",
        "--params",
        SMOKE_PARAMS,
        "--train",
        train,
        "--eval",
        evaluation,
        "--out",
        out,
        "--html",
        html,
    )
    return {
        "root": root,
        "train": train,
        "eval": evaluation,
        "out": out,
        "html": html,
        "log": completed.stdout,
    }
