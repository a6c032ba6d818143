"""Bad input, end to end: `p3 check` and `p3 run` stop with one clear message, exit non-zero,
and leave the previous outputs of the run untouched."""

from __future__ import annotations

import json

import pytest
from conftest import run_p3

from p3lib.layout import DEFAULT_EVAL, DEFAULT_TRAIN, REPO_ROOT

GOOD = {
    "text_1": "boy: I love lazy Sundays",
    "text_2": "girl: Slow weekends are the best",
    "label": 1,
    "category": "lifestyle",
    "subcategory": "relaxed",
    "pair_type": "compatible",
}

# name: (file content, the message p3 must print)
BAD_FILES = {
    "malformed_json": ('{"text_1": "boy: hi",', ":2: record: malformed JSON"),
    "missing_field": (
        json.dumps({k: v for k, v in GOOD.items() if k != "label"}),
        ":2: label: missing field",
    ),
    "wrong_type": (
        json.dumps({**GOOD, "category": 3}),
        ":2: category: Input should be a valid string",
    ),
    "label_not_0_1": (json.dumps({**GOOD, "label": 2}), ":2: label: must be 0 or 1, got 2"),
    "wrong_prefix": (
        json.dumps({**GOOD, "text_1": "man: hi"}),
        ":2: text_1: must start with 'boy: '",
    ),
    "missing_prefix": (
        json.dumps({**GOOD, "text_2": "hello"}),
        ":2: text_2: must start with 'girl: '",
    ),
    "empty_text": (
        json.dumps({**GOOD, "text_1": "boy: "}),
        ":2: text_1: is empty after the 'boy:' prefix",
    ),
}


def bad_file(tmp_path, kind):
    content, _ = BAD_FILES[kind]
    path = tmp_path / f"{kind}.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + content + "\n", encoding="utf-8")
    return path


@pytest.fixture
def previous_run(tmp_path):
    """An output folder holding a previous run's result, which a failed run must not touch."""
    out = tmp_path / "out"
    (out / "metrics").mkdir(parents=True)
    result = out / "metrics" / "baseline.json"
    result.write_text('{"previous": true}\n', encoding="utf-8")
    return out, result


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_p3_check_names_file_line_and_field(tmp_path, kind):
    path = bad_file(tmp_path, kind)
    completed = run_p3("check", path, check=False)
    assert completed.returncode == 1
    assert f"{path}{BAD_FILES[kind][1]}" in completed.stderr


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_p3_run_stops_before_any_chapter_and_keeps_outputs(tmp_path, kind, previous_run):
    out, result = previous_run
    path = bad_file(tmp_path, kind)
    completed = run_p3("run", "--train", path, "--out", out, check=False)
    assert completed.returncode == 1
    assert f"{path}{BAD_FILES[kind][1]}" in completed.stderr
    assert "executing" not in completed.stdout
    assert result.read_text() == '{"previous": true}\n'


def test_empty_and_missing_files(tmp_path, previous_run):
    out, result = previous_run
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    completed = run_p3("run", "--eval", empty, "--out", out, check=False)
    assert (
        completed.returncode == 1 and f"{empty}:1: record: file has no records" in completed.stderr
    )
    missing = tmp_path / "missing.jsonl"
    completed = run_p3("check", missing, check=False)
    assert completed.returncode == 1 and f"{missing}: file: not found" in completed.stderr
    assert result.read_text() == '{"previous": true}\n'


def test_eval_with_one_label_is_refused(tmp_path, previous_run):
    out, result = previous_run
    one_label = tmp_path / "eval.jsonl"
    one_label.write_text(
        json.dumps(GOOD) + "\n" + json.dumps({**GOOD, "text_1": "boy: I nap"}) + "\n"
    )
    completed = run_p3("run", "--eval", one_label, "--out", out, check=False)
    assert completed.returncode == 1
    assert "has only compatible (1) pairs" in completed.stderr and "AUC-ROC" in completed.stderr
    assert result.read_text() == '{"previous": true}\n'


def test_train_too_small_for_the_validation_split(tmp_path, previous_run):
    out, result = previous_run
    lines = [
        json.dumps({**GOOD, "text_1": f"boy: I like thing {i}", "label": i % 2}) for i in range(6)
    ]
    small = tmp_path / "train.jsonl"
    small.write_text("\n".join(lines) + "\n")
    completed = run_p3("run", "--train", small, "--out", out, check=False)
    assert completed.returncode == 1
    assert (
        f"{small}: train has 3 distinct compatible and 3 distinct incompatible" in completed.stderr
    )
    assert result.read_text() == '{"previous": true}\n'


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("epochz: 2\n", "epochz: unknown parameter"),
        ("epochs: two\n", "epochs: expected int, got str 'two'"),
        ("seed: 4.5\n", "seed: expected int, got float 4.5"),
        ("- a list\n", "expected a mapping"),
    ],
)
def test_bad_parameters_file(tmp_path, previous_run, yaml_text, message):
    out, result = previous_run
    params = tmp_path / "params.yaml"
    params.write_text(yaml_text, encoding="utf-8")
    completed = run_p3("run", "--params", params, "--out", out, check=False)
    assert completed.returncode == 1
    assert message in completed.stderr
    assert result.read_text() == '{"previous": true}\n'


def test_unknown_categories_and_pair_types_are_allowed_and_reported(tmp_path):
    path = tmp_path / "new.jsonl"
    path.write_text(json.dumps({**GOOD, "category": "pets", "pair_type": "vibes"}) + "\n")
    completed = run_p3("check", path)
    assert "pets" in completed.stdout and "vibes" in completed.stdout


def test_default_data_checks_clean():
    completed = run_p3("check", DEFAULT_TRAIN, DEFAULT_EVAL)
    assert completed.returncode == 0
    assert (
        str(DEFAULT_TRAIN.relative_to(REPO_ROOT)) in completed.stdout or "train" in completed.stdout
    )


@pytest.mark.smoke
def test_a_chapter_run_on_bad_data_stops_with_the_same_message(tmp_path):
    """Opened on its own (papermill, JupyterLab), a chapter stops on the first cell that loads."""
    from p3lib.runner import ChapterFailed, complete_parameters, discover_chapters, run_book

    path = bad_file(tmp_path, "label_not_0_1")
    chapters = discover_chapters(("01_data_quality",))
    parameters = complete_parameters(
        chapters, {"TRAIN_PATH": str(path), "OUT_DIR": str(tmp_path / "out")}
    )
    with pytest.raises(ChapterFailed) as info:
        run_book(parameters, chapters, log=lambda message: None)
    assert "01_data_quality failed: DataError" in str(info.value)
    assert f"{path}:2: label: must be 0 or 1, got 2" in str(info.value)
    assert not (tmp_path / "out" / "metrics").exists()
