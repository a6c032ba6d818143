"""Nothing half-written: Ctrl-C during a smoke run's training leaves the last good outputs
intact, and the next run recomputes what the interrupted one did not finish."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import time

import pytest
from conftest import P3, SMOKE_PARAMS

from p3lib.store.run_layout import REPO_ROOT

# Thread counts, signals, timing: one pytest-xdist worker runs all such tests, one at a time.
pytestmark = [pytest.mark.smoke, pytest.mark.xdist_group("signals_and_threads")]


def snapshot(out):
    """The SHA-256 of every result file and saved model file of a run (digests, so that a
    difference is reported by name, not as a diff of hundreds of megabytes)."""
    return {
        path.relative_to(out).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in ("metrics", "models", "splits")
        for path in sorted((out / folder).rglob("*"))
        if path.is_file()
    }


def test_ctrl_c_during_training_keeps_the_last_good_outputs(smoke_book, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(smoke_book["out"], out)
    before = snapshot(out)
    chapters_before = json.loads((out / "run.json").read_text())["chapters"]
    command = [
        P3,
        "run",
        "--params",
        SMOKE_PARAMS,
        "--train",
        smoke_book["train"],
        "--eval",
        smoke_book["eval"],
        "--out",
        out,
        "--set",
        "epochs=2",
        # One rate per method, its run the whole recipe: the least training that still runs
        # long enough to be interrupted, and that the completed run below repeats.
        "--set",
        "learning_rate_grid=[2.0e-5]",
        "--set",
        "lora_learning_rate_grid=[2.0e-3]",
        "--set",
        "full_search_epochs=2",
        "--set",
        "lora_search_epochs=2",
    ]
    process = subprocess.Popen(
        list(map(str, command)),
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # A suite run as a background job inherits SIGINT ignored, and Python keeps an
        # ignored SIGINT ignored: give the run the default, as a terminal would.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    started = time.monotonic()
    for line in process.stdout:
        if "03_full_finetune: executing" in line:
            break
        assert time.monotonic() - started < 300, "chapter 03 never started"
    time.sleep(8)  # into the training of chapter 03
    # Ctrl-C in a terminal signals the whole process group: p3 and the notebook kernel.
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode != 0
    assert "interrupted" in stderr

    assert snapshot(out) == before
    # The other chapters' records stand. The interrupted chapter's record is either dropped
    # (the kernel saw the signal first: a failed chapter) or untouched (p3 saw it first and
    # stopped before recording anything); it never records the interrupted run.
    # Chapters 03 and 04 train side by side, so both are interrupted.
    chapters_after = json.loads((out / "run.json").read_text())["chapters"]
    interrupted = {"03_full_finetune", "04_lora"}
    for name in interrupted:
        assert chapters_after.get(name) in (None, chapters_before[name])
        chapters_after.pop(name, None)
    assert chapters_after == {k: v for k, v in chapters_before.items() if k not in interrupted}
    leftovers = [p.name for p in (out / "models").iterdir() if p.name.startswith(".")]
    assert leftovers == []

    completed = subprocess.run(
        list(map(str, command)), cwd=REPO_ROOT, capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stderr
    assert "01_data_quality: unchanged, skipped" in completed.stdout
    assert "03_full_finetune: done" in completed.stdout
    record = json.loads((out / "models" / "full" / "training_record.json").read_text())
    assert record["config"]["epochs"] == 2
