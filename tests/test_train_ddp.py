"""The training entry point under ``torchrun --nproc_per_node 2`` (gloo, CPU): the scale-out path.

Two processes share each optimiser step (each sees half of every global batch), so the run
takes half the steps of a single process on the same data, and only rank 0 writes the folder.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tiny_model import build_tiny_model, tiny_pairs

from p3lib.data.schema import dump_pairs
from p3lib.training.record import RECORD_NAME, TrainingRecord

REPO_ROOT = Path(__file__).resolve().parent.parent
N_TRAIN, BATCH_SIZE, EPOCHS, WORLD_SIZE = 96, 8, 2, 2


@pytest.mark.xdist_group("signals_and_threads")
def test_torchrun_two_cpu_processes(tmp_path):
    pytest.importorskip("torch.distributed")
    model_dir = tmp_path / "tiny"
    build_tiny_model(model_dir)
    (tmp_path / "train.jsonl").write_text(dump_pairs(tiny_pairs(N_TRAIN, seed=1)))
    (tmp_path / "validation.jsonl").write_text(dump_pairs(tiny_pairs(24, seed=2)))
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        str(WORLD_SIZE),
        "--standalone",
        "-m",
        "p3lib.training.train",
        "--train",
        str(tmp_path / "train.jsonl"),
        "--validation",
        str(tmp_path / "validation.jsonl"),
        "--out",
        str(out),
        "--model",
        str(model_dir),
        "--method",
        "lora",
        "--epochs",
        str(EPOCHS),
        "--batch-size",
        str(BATCH_SIZE),
        "--warmup-steps",
        "0",
        "--lora-learning-rate",
        "1e-2",
    ]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]),
        "OMP_NUM_THREADS": "1",
        "CUDA_VISIBLE_DEVICES": "",
    }
    result = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "world size 2" in result.stdout

    record = TrainingRecord.load(out / RECORD_NAME)
    assert record.world_size == WORLD_SIZE
    # each step consumes WORLD_SIZE batches, one per rank: half the steps of one process
    single_process_steps = math.ceil(N_TRAIN / BATCH_SIZE) * EPOCHS
    assert record.total_steps == N_TRAIN // (BATCH_SIZE * WORLD_SIZE) * EPOCHS
    assert record.total_steps == single_process_steps // 2
    assert record.best_score == max(e.spearman_cosine for e in record.validation)
    assert (out / "model.safetensors").is_file() and (out / "adapter").is_dir()
    assert max(record.reload_max_abs_diff.values()) < 1e-4
    # only rank 0 wrote: no second staging folder or stray record beside the output
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(".out")) == []
