"""Atomic writes: a failure while writing leaves the previous file or folder intact."""

import json
import os

import pytest

from p3lib.io import atomic_directory, atomic_write_json, atomic_write_text
from p3lib.layout import DEFAULT_DATA, REPO_ROOT
from p3lib.quality import write_default_quality_report


def test_atomic_write_text_replaces_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "a" / "result.json"
    atomic_write_text(path, "one")
    atomic_write_text(path, "two")
    assert path.read_text() == "two"
    assert [p.name for p in path.parent.iterdir()] == ["result.json"]
    assert oct(path.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask():
    current = os.umask(0)
    os.umask(current)
    return current


def test_atomic_write_json_refuses_nan_and_keeps_the_old_file(tmp_path):
    path = tmp_path / "m.json"
    atomic_write_json(path, {"auc": 0.5})
    with pytest.raises(ValueError):
        atomic_write_json(path, {"auc": float("nan")})
    assert json.loads(path.read_text()) == {"auc": 0.5}
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_atomic_directory_keeps_the_previous_folder_on_failure(tmp_path):
    model = tmp_path / "models" / "full"
    with atomic_directory(model) as staging:
        (staging / "weights.bin").write_text("good")
    with pytest.raises(KeyboardInterrupt):
        with atomic_directory(model) as staging:
            (staging / "weights.bin").write_text("half")
            raise KeyboardInterrupt
    assert (model / "weights.bin").read_text() == "good"
    assert [p.name for p in model.parent.iterdir()] == ["full"]
    with atomic_directory(model) as staging:
        (staging / "weights.bin").write_text("new")
    assert (model / "weights.bin").read_text() == "new"
    assert model.stat().st_mode & 0o777 == 0o777 & ~_umask()


def test_default_quality_report_is_reproduced_byte_for_byte(tmp_path):
    (tmp_path / "raw").mkdir()
    for name in ("train.jsonl",):
        (tmp_path / "raw" / name).write_bytes((DEFAULT_DATA / name).read_bytes())
    json_path, text_path = write_default_quality_report(tmp_path / "raw")
    committed = REPO_ROOT / "data" / "evaluation"
    assert json_path.read_bytes() == (committed / "data_quality_report.json").read_bytes()
    assert text_path.read_bytes() == (committed / "data_quality_summary.txt").read_bytes()
