"""Atomic writes: a failure while writing leaves the previous file or folder intact."""

import json
import os

import pytest

from p3lib.data.quality.evaluator import write_default_quality_report
from p3lib.data.quality.report import DataQualityReport, write_report
from p3lib.store.atomic import (
    MARKER,
    ForeignFolderError,
    add_to_marker,
    atomic_directory,
    atomic_write_json,
    atomic_write_text,
    check_replaceable,
    foreign_files,
    mark_made_by_p3,
    round_floats,
)
from p3lib.store.run_layout import DEFAULT_DATA, REPO_ROOT


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


def _nudged(value):
    """``value`` with every float moved by one unit in the last place, as another machine might."""
    import math

    if isinstance(value, float) and value != 0.0:  # an exact zero stays exact everywhere
        return math.nextafter(value, math.inf)
    if isinstance(value, dict):
        return {key: _nudged(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nudged(item) for item in value]
    return value


def test_a_last_bit_difference_between_machines_changes_no_byte(tmp_path):
    # The case that failed on another machine: a p-value ending ...948 there, ...947 here.
    assert round_floats(0.006088713073611948) == round_floats(0.006088713073611947)
    assert round_floats(0.006088713073611948) == 0.006088713074
    committed = REPO_ROOT / "data" / "evaluation" / "data_quality_report.json"
    report = json.loads(committed.read_text())
    floats = []

    def count(value):
        if isinstance(value, float):
            floats.append(value)
        elif isinstance(value, dict):
            [count(item) for item in value.values()]
        elif isinstance(value, list):
            [count(item) for item in value]

    count(report)
    assert len(floats) > 20
    nudged = DataQualityReport.model_validate(_nudged(report))
    json_path, _ = write_report(nudged, tmp_path)
    assert json_path.read_bytes() == committed.read_bytes()


def test_atomic_directory_refuses_a_folder_p3_did_not_make(tmp_path):
    documents = tmp_path / "Documents"
    documents.mkdir()
    (documents / "thesis.txt").write_text("years of work")
    with pytest.raises(ForeignFolderError, match="not made by p3"):
        with atomic_directory(documents) as staging:
            (staging / "index.html").write_text("book")
    assert [p.name for p in documents.iterdir()] == ["thesis.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["Documents"]


def test_folders_p3_may_replace(tmp_path):
    check_replaceable(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    check_replaceable(tmp_path / "empty")
    made = tmp_path / "made"
    with atomic_directory(made) as staging:
        (staging / "a.txt").write_text("1")
    assert (made / MARKER).is_file()
    check_replaceable(made)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ForeignFolderError, match="not a folder"):
        check_replaceable(tmp_path / "file")
    (tmp_path / "link").symlink_to(made)
    with pytest.raises(ForeignFolderError, match="not a folder"):
        check_replaceable(tmp_path / "link")


def test_a_folder_p3_made_inside_answers_for_its_own_files(tmp_path):
    # Chapter 05 writes a model's ONNX export into the model folder chapter 03 made; a re-run
    # of chapter 03 must still be allowed to replace that folder, and a user's file must not.
    model = tmp_path / "full"
    with atomic_directory(model, "a model") as staging:
        (staging / "weights.bin").write_text("w")
    export = model / "onnx"
    export.mkdir()
    (export / "model.onnx").write_text("graph")
    assert foreign_files(model) == ["onnx/model.onnx"]  # unmarked: not p3's as far as it knows
    mark_made_by_p3(export, "an export")
    assert foreign_files(model) == []
    check_replaceable(model, "a model")
    # A file p3 adds later (the decision threshold) is listed in the marker, a user's is not.
    (model / "decision_threshold.json").write_text("{}")
    assert foreign_files(model) == ["decision_threshold.json"]
    add_to_marker(model, "decision_threshold.json")
    assert foreign_files(model) == []
    (export / "notes.txt").write_text("mine")
    assert foreign_files(model) == ["onnx/notes.txt"]
    with pytest.raises(ForeignFolderError, match="onnx/notes.txt"):
        check_replaceable(model, "a model")


def test_a_folder_written_atomically_has_plain_file_modes(tmp_path):
    # transformers writes model.safetensors through a private temporary file (0600).
    import os
    import stat

    from p3lib.store.atomic import atomic_directory

    with atomic_directory(tmp_path / "model") as staging:
        weights = staging / "model.safetensors"
        weights.write_bytes(b"x")
        os.chmod(weights, 0o600)
    umask = os.umask(0)
    os.umask(umask)
    mode = stat.S_IMODE((tmp_path / "model" / "model.safetensors").stat().st_mode)
    assert mode == 0o666 & ~umask
