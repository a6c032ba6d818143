"""Bad input, end to end: `p3 check` and `p3 run` stop with one clear message, exit non-zero,
and leave the previous outputs of the run untouched."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import pytest
from conftest import run_p3

from p3lib.run.chapters import APPENDIX, CHAPTERS
from p3lib.store.run_layout import DEFAULT_EVAL, DEFAULT_TRAIN, REPO_ROOT

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


def test_the_installed_command_stops_before_any_chapter_and_keeps_outputs(tmp_path, previous_run):
    """End to end through the ``p3`` executable; the matrix below covers every kind in process."""
    out, result = previous_run
    path = bad_file(tmp_path, "label_not_0_1")
    completed = run_p3("check", path, check=False)
    assert completed.returncode == 1
    assert f"{path}{BAD_FILES['label_not_0_1'][1]}" in completed.stderr
    completed = run_p3("run", "--train", path, "--out", out, check=False)
    assert completed.returncode == 1
    assert f"{path}{BAD_FILES['label_not_0_1'][1]}" in completed.stderr
    assert "executing" not in completed.stdout and "Traceback" not in completed.stderr
    assert result.read_text() == '{"previous": true}\n'


def test_empty_and_missing_files(tmp_path, capsys, previous_run):
    out, result = previous_run
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    status, _, err = p3(capsys, "run", "--eval", empty, "--out", out)
    assert status == 1 and f"{empty}:1: record: file has no records" in err
    missing = tmp_path / "missing.jsonl"
    status, _, err = p3(capsys, "check", missing)
    assert status == 1 and f"{missing}: file: not found" in err
    assert result.read_text() == '{"previous": true}\n'


def test_eval_with_one_label_is_refused(tmp_path, capsys, previous_run):
    out, result = previous_run
    one_label = tmp_path / "eval.jsonl"
    one_label.write_text(
        json.dumps(GOOD) + "\n" + json.dumps({**GOOD, "text_1": "boy: I nap"}) + "\n"
    )
    status, _, err = p3(capsys, "run", "--eval", one_label, "--out", out)
    assert status == 1
    assert "has only compatible (1) pairs" in err and "AUC-ROC" in err
    assert result.read_text() == '{"previous": true}\n'


def test_train_too_small_for_the_validation_split(tmp_path, capsys, previous_run):
    out, result = previous_run
    lines = [
        json.dumps({**GOOD, "text_1": f"boy: I like thing {i}", "label": i % 2}) for i in range(6)
    ]
    small = tmp_path / "train.jsonl"
    small.write_text("\n".join(lines) + "\n")
    status, _, err = p3(capsys, "run", "--train", small, "--out", out)
    assert status == 1
    assert f"{small}: train has 3 distinct compatible and 3 distinct incompatible" in err
    assert result.read_text() == '{"previous": true}\n'


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("epochz: 2\n", "epochz: unknown parameter"),
        ("epochs: two\n", "epochs: expected int, got str 'two'"),
        ("seed: 4.5\n", "seed: expected int, got float 4.5"),
        ("- a list\n", "expected a mapping"),
        ("epochs: [\n", "not valid YAML"),
    ],
)
def test_bad_parameters_file(tmp_path, capsys, previous_run, yaml_text, message):
    out, result = previous_run
    params = tmp_path / "params.yaml"
    params.write_text(yaml_text, encoding="utf-8")
    status, _, err = p3(capsys, "run", "--params", params, "--out", out)
    assert status == 1
    assert f"{params}: " in err and message in err
    assert result.read_text() == '{"previous": true}\n'


def test_unknown_categories_and_pair_types_are_allowed_and_reported(tmp_path, capsys):
    path = tmp_path / "new.jsonl"
    path.write_text(json.dumps({**GOOD, "category": "pets", "pair_type": "vibes"}) + "\n")
    status, stdout, _ = p3(capsys, "check", path)
    assert status == 0 and "pets" in stdout and "vibes" in stdout


def test_default_data_checks_clean_even_under_strict(capsys):
    status, stdout, err = p3(capsys, "check", "--strict", DEFAULT_TRAIN, DEFAULT_EVAL)
    assert status == 0 and "warning" not in err and "error" not in err
    assert f"== {DEFAULT_TRAIN}" in stdout


@pytest.mark.smoke
def test_a_chapter_run_on_bad_data_stops_with_the_same_message(tmp_path):
    """Opened on its own (papermill, JupyterLab), a chapter stops on the first cell that loads."""
    from p3lib.run.chapters import complete_parameters, discover_chapters
    from p3lib.run.runner import ChapterFailed, run_book

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


# --------------------------------------------------------------------------------------------
# The matrix: every kind of bad input, in process (no chapter ever starts), each asserting the
# message, the exit status, and that the output folder is byte for byte what it was.
# --------------------------------------------------------------------------------------------


def record(**change):
    return json.dumps({**GOOD, **change}, ensure_ascii=False)


def balanced(n: int = 40, **change) -> str:
    """``n`` distinct records, both labels, enough for the validation split."""
    return "\n".join(
        record(text_1=f"boy: I like thing {i}", label=i % 2, **change) for i in range(n)
    )


# name: (file content, the message after "<file>")
DATA_CASES = {
    **{
        kind: (json.dumps(GOOD) + "\n" + content, message)
        for kind, (content, message) in BAD_FILES.items()
    },
    "lone_surrogate": (
        # As a file holds it: the JSON escape \ud800, which json.loads turns into the char.
        balanced() + "\n" + json.dumps({**GOOD, "text_2": "girl: caf\ud800"}),
        ":41: text_2: contains a lone surrogate '\\ud800' at character 10",
    ),
    "duplicate_key": (
        balanced() + "\n" + record()[:-1] + ', "label": 0}',
        ":41: label: duplicate key",
    ),
    "invisible_text": (
        balanced() + "\n" + record(text_2="girl: \u00a0\u200b"),
        ":41: text_2: has only invisible characters after the 'girl:' prefix",
    ),
    "no_prefixes": (
        "\n".join(
            json.dumps({"text_1": f"I like {i}", "text_2": "Me too", "label": i % 2})
            for i in range(600)
        ),
        ":1: text_1: no record starts with 'boy: '",
    ),
    "u2028_shifts_nothing": (
        record(text_2="girl: a\u2028b") + "\n" + record(label=5),
        ":2: label: must be 0 or 1, got 5",
    ),
}


def snapshot(folder):
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


# The chapters' own defaults, so that these tests do not depend on params/full.yaml.
NO_PARAMS = Path(tempfile.gettempdir()) / "p3-tests-no-parameters.yaml"


def p3(capsys, *args):
    from p3lib.cli import main

    args = [str(arg) for arg in args]
    if args[0] in ("run", "all") and "--params" not in args:
        NO_PARAMS.write_text("{}\n", encoding="utf-8")
        args[1:1] = ["--params", str(NO_PARAMS)]
    status = main(args)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("kind", sorted(DATA_CASES))
def test_matrix_bad_data_file(tmp_path, capsys, previous_run, kind):
    out, _ = previous_run
    before = snapshot(out)
    content, message = DATA_CASES[kind]
    path = tmp_path / f"{kind}.jsonl"
    path.write_text(content + "\n", encoding="utf-8")
    status, _, err = p3(capsys, "check", path)
    assert status == 1 and f"{path}{message}" in err
    status, stdout, err = p3(capsys, "run", "--eval", path, "--out", out)
    assert status == 1 and f"{path}{message}" in err
    assert "executing" not in stdout and "Traceback" not in err
    assert snapshot(out) == before


def mixed_run(out):
    """A run record whose chapter 02 ran with another eval file than the run's."""
    (out / "notebooks").mkdir()
    for name in ("01_data_quality", "02_baseline"):
        (out / "notebooks" / f"{name}.ipynb").write_text("{}")
    entry = {"upstream": "", "inputs": {}, "outputs": {}}
    (out / "run.json").write_text(
        json.dumps(
            {
                "parameters": {"eval_path": "/new/eval.jsonl"},
                "chapters": {
                    "01_data_quality": {**entry, "key": "k1", "parameters": {}},
                    "02_baseline": {
                        **entry,
                        "key": "k2",
                        "upstream": "k1",
                        "parameters": {"eval_path": "/old/eval.jsonl"},
                    },
                },
            }
        )
    )


def hold_lock(out):
    """A process holding the output folder, as a running ``p3 run`` does."""
    import subprocess
    import sys

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nfrom p3lib.store.output_lock import output_lock\n"
            f"with output_lock({str(out)!r}):\n    print('held', flush=True)\n    time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


# name: (setup(tmp_path, out) -> argv, message; "{tmp}"/"{out}" are filled in)
def _train_and_eval_same(tmp, out):
    path = tmp / "both.jsonl"
    path.write_text(balanced() + "\n")
    return ["run", "--train", path, "--eval", path, "--out", out]


def _overlap_strict(tmp, out):
    train, evaluation = tmp / "train.jsonl", tmp / "eval.jsonl"
    train.write_text(balanced() + "\n")
    evaluation.write_text(balanced(6) + "\n")
    return ["run", "--strict", "--train", train, "--eval", evaluation, "--out", out]


def _out_is_a_file(tmp, out):
    (tmp / "afile").write_text("mine")
    return ["run", "--out", tmp / "afile"]


def _corrupt_record(tmp, out):
    (out / "run.json").write_text('{"chapters": ')
    return ["run", "--out", out]


def _folder_as_data(tmp, out):
    return ["run", "--train", tmp, "--out", out]


def _set_path_relative_to_cwd(tmp, out):
    return ["run", "--set", "train_path=data/raw/train.jsonl", "--out", out]


RUN_CASES = {
    "epochs_negative": (
        lambda tmp, out: ["run", "--set", "epochs=-1", "--out", out],
        "--set epochs=-1: epochs: Input should be greater than 0, got -1",
    ),
    "batch_size_zero": (
        lambda tmp, out: ["run", "--set", "batch_size=0", "--out", out],
        "--set batch_size=0: batch_size: Input should be greater than or equal to 1, got 0",
    ),
    "n_bootstrap_zero": (
        lambda tmp, out: ["run", "--set", "n_bootstrap=0", "--out", out],
        "--set n_bootstrap=0: n_bootstrap: Input should be greater than or equal to 1",
    ),
    "validation_fraction": (
        lambda tmp, out: ["run", "--set", "validation_fraction=1.5", "--out", out],
        "--set validation_fraction=1.5: validation_fraction: Input should be less than 1",
    ),
    "learning_rate_negative": (
        lambda tmp, out: ["run", "--set", "learning_rate=-1e-5", "--out", out],
        "--set learning_rate=-1e-5: learning_rate: Input should be greater than 0",
    ),
    "model_not_offline": (
        lambda tmp, out: ["run", "--set", "model=all-MiniLM-L6-v3", "--out", out],
        "--set model=all-MiniLM-L6-v3: model: 'all-MiniLM-L6-v3' is not the packaged base model",
    ),
    "set_wrong_type_blames_set": (
        lambda tmp, out: ["run", "--set", "epochs=two", "--out", out],
        "--set epochs=two: epochs: expected int, got str 'two'",
    ),
    "set_unknown": (
        lambda tmp, out: ["run", "--set", "epochz=2", "--out", out],
        "--set epochz=2: epochz: unknown parameter",
    ),
    "set_without_value": (
        lambda tmp, out: ["run", "--set", "epochs", "--out", out],
        "--set epochs: expected NAME=VALUE",
    ),
    "set_path_is_relative_to_cwd": (
        _set_path_relative_to_cwd,
        "{tmp}/data/raw/train.jsonl: file: not found",
    ),
    "train_and_eval_same_file": (
        _train_and_eval_same,
        "--eval {tmp}/both.jsonl: eval_path: {tmp}/both.jsonl is also the train_path",
    ),
    "overlap_under_strict": (
        _overlap_strict,
        "{tmp}/eval.jsonl: 6 of 6 records are exact copies of train pairs",
    ),
    "out_is_a_file": (_out_is_a_file, "--out {tmp}/afile: out_dir: {tmp}/afile is a file"),
    "corrupt_run_record": (
        _corrupt_record,
        "{out}/run.json: the run record is not readable",
    ),
    "folder_as_data_file": (_folder_as_data, "{tmp}: file: is a folder, not a JSONL file"),
    "book_not_a_run": (
        lambda tmp, out: ["book", "--out", tmp / "typo", "--html", tmp / "html"],
        "{tmp}/typo is not the output folder of a p3 run (no run.json)",
    ),
    "book_mixed_run": (
        lambda tmp, out: mixed_run(out) or ["book", "--out", out, "--html", tmp / "html"],
        "02_baseline: it ran with eval_path='/old/eval.jsonl', the run has '/new/eval.jsonl'",
    ),
    "results_mixed_run": (
        lambda tmp, out: mixed_run(out) or ["results", "--out", out],
        "1 chapter(s) are not from this run's inputs",
    ),
    "generate_folder_is_a_file": (
        lambda tmp, out: (
            (tmp / "afile").write_text("x") and ["generate", "--folder", tmp / "afile"]
        ),
        "--folder {tmp}/afile: is a file, not a folder",
    ),
}


@pytest.mark.parametrize("kind", sorted(RUN_CASES))
def test_matrix_bad_options(tmp_path, capsys, monkeypatch, previous_run, kind):
    out, _ = previous_run
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    setup, message = RUN_CASES[kind]
    argv = setup(work, out)
    before = snapshot(out)
    status, stdout, err = p3(capsys, *argv)
    assert status == 1
    assert message.format(tmp=work, out=out) in err
    assert "executing" not in stdout and "Traceback" not in err
    assert snapshot(out) == before
    assert not (work / "typo").exists() and not (work / "html").exists()


def test_matrix_busy_output_folder(tmp_path, capsys, previous_run):
    out, _ = previous_run
    mixed_run(out)
    # Made whole: chapter 02 ran with the run's eval file.
    record = json.loads((out / "run.json").read_text())
    record["chapters"]["02_baseline"]["parameters"]["eval_path"] = "/new/eval.jsonl"
    (out / "run.json").write_text(json.dumps(record))
    holder = hold_lock(out)
    try:
        before = snapshot(out)
        for argv in (
            ["run", "--out", out],
            ["book", "--out", out, "--html", tmp_path / "html"],
            ["results", "--out", out],
        ):
            status, stdout, err = p3(capsys, *argv)
            assert status == 1
            assert f"another p3 run is using {out} (pid {holder.pid})" in err
            assert "executing" not in stdout and snapshot(out) == before
    finally:
        holder.kill()
        holder.wait()


def test_matrix_read_only_output_folder(tmp_path, capsys, monkeypatch, previous_run):
    # Tests run as root here, which writes anywhere; the permission answer is faked.
    out, _ = previous_run
    monkeypatch.setattr("p3lib.run.preflight.writable", lambda folder: folder != out)
    before = snapshot(out)
    status, stdout, err = p3(capsys, "run", "--out", out)
    assert status == 1 and f"out_dir: {out}: no permission to write here" in err
    assert snapshot(out) == before


def test_matrix_every_problem_is_reported_not_only_the_first(capsys, previous_run):
    out, _ = previous_run
    status, _, err = p3(
        capsys,
        "run",
        "--set",
        "epochs=0",
        "--set",
        "batch_size=-2",
        "--set",
        "seed=-1",
        "--out",
        out,
    )
    assert status == 1
    problems = err.removeprefix("p3 run: ").strip().splitlines()
    assert [line.split(":")[0] for line in problems] == [
        "--set seed=-1",
        "--set epochs=0",
        "--set batch_size=-2",
    ]


# Accepted as typed, warned about, or optional: these must *not* be refused.


def test_a_float_typed_as_a_person_types_it_is_accepted():
    from p3lib.run.chapters import discover_chapters, resolve_parameters

    chapters = discover_chapters(("03_full_finetune",))
    resolved = resolve_parameters(chapters, {"LEARNING_RATE": "1e-5"}, source="--set")
    assert resolved["LEARNING_RATE"] == 1e-5


def test_same_file_twice_is_an_error_for_check(tmp_path, capsys):
    path = tmp_path / "a.jsonl"
    path.write_text(balanced() + "\n")
    status, stdout, err = p3(capsys, "check", path, path)
    assert status == 1 and f"{path}: the same file as {path}" in err


def test_overlap_is_a_warning_for_check_and_an_error_under_strict(tmp_path, capsys):
    train, evaluation = tmp_path / "train.jsonl", tmp_path / "eval.jsonl"
    train.write_text(balanced() + "\n")
    evaluation.write_text(balanced(6) + "\n" + record(text_1="boy: new", label=0) + "\n")
    status, _, err = p3(capsys, "check", train, evaluation)
    warning = f"{evaluation} shares 6 of its 7 records with {train}"
    assert status == 0 and f"p3 check: warning: {warning}" in err
    status, _, err = p3(capsys, "check", "--strict", train, evaluation)
    assert status == 1 and f"p3 check: error: {warning}" in err


def test_an_ood_file_with_only_texts_and_label_is_accepted_with_one_note_per_field(
    tmp_path, capsys
):
    ood = tmp_path / "ood.jsonl"
    ood.write_text(
        "\n".join(
            json.dumps(
                {
                    "text_1": f"boy: I like {i}",
                    "text_2": "girl: ok",
                    "label": i % 2,
                    "bucket": "far",
                }
            )
            for i in range(600)
        )
        + "\n"
    )
    status, stdout, err = p3(capsys, "check", ood)
    assert status == 0
    assert err.count("\n") == 4  # bucket ignored; category, subcategory, pair_type not given
    assert f"{ood}: bucket: not a p3 field, ignored (600 of 600 records" in err
    assert "(not given)" in stdout and "(unknown)" not in stdout


def test_fix_prefixes_writes_a_copy_that_checks_clean(tmp_path, capsys):
    bare = tmp_path / "bare.jsonl"
    bare.write_text(
        "\n".join(
            json.dumps({"text_1": f"I like {i}", "text_2": "Me too", "label": i % 2})
            for i in range(10)
        )
        + "\n"
    )
    status, stdout, _ = p3(capsys, "check", "--fix-prefixes", tmp_path / "fixed", bare)
    assert status == 0
    assert f"{tmp_path / 'fixed' / 'bare.jsonl'}: 20 texts prefixed (a copy of {bare})" in stdout
    assert bare.read_text().startswith('{"text_1": "I like 0"')  # the original is untouched


def test_run_repeats_overlap_and_field_notes_on_the_console_before_any_chapter(
    tmp_path, capsys, monkeypatch
):
    from p3lib.run.runner import RunReport

    ran = []
    monkeypatch.setattr(
        "p3lib.run.runner.run_book",
        lambda parameters, chapters, force: ran.append(1) or RunReport(),
    )
    train, evaluation = tmp_path / "train.jsonl", tmp_path / "eval.jsonl"
    train.write_text(balanced() + "\n")
    evaluation.write_text(
        balanced(6, bucket="x") + "\n" + record(text_1="boy: new", label=0) + "\n"
    )
    status, _, err = p3(
        capsys, "run", "--train", train, "--eval", evaluation, "--out", tmp_path / "out"
    )
    assert status == 0 and ran == [1]
    assert f"p3 run: warning: {evaluation}: 6 of 7 records are exact copies of train pairs" in err
    assert f"p3 run: warning: {evaluation}: bucket: not a p3 field, ignored (6 of 7" in err


# --------------------------------------------------------------------------------------------
# Issue 28: one row per numbered item (a careless or hostile user, second pass). Each row
# runs the command in process and asserts the refusal (or the right answer) and that the
# user's files are what they were. Every row failed before its fix.
# --------------------------------------------------------------------------------------------


def _refused(capsys, *argv, message):
    status, stdout, err = p3(capsys, *argv)
    assert status != 0, stdout + err
    assert message in err, err
    assert "Traceback" not in err and "executing" not in stdout
    return err


def _argparse_refuses(capsys, *argv, message):
    from p3lib.cli import main

    with pytest.raises(SystemExit) as info:
        main([str(arg) for arg in argv])
    assert info.value.code == 2 and message in capsys.readouterr().err


def _item_1_notebook_writes_only_new_ipynb(tmp, capsys):
    source = tmp / "03_full_finetune.py"  # a chapter source, as the issue's user named it
    source.write_text("# chapter 03\n")
    notes = tmp / "notes.md"
    notes.write_text("mine")
    mine = tmp / "analysis.ipynb"
    mine.write_text("{}")
    _refused(capsys, "notebook", "02_baseline", source, message="writes .ipynb files only")
    _refused(capsys, "notebook", "02_baseline", notes, message="writes .ipynb files only")
    _refused(capsys, "notebook", "02_baseline", mine, message="exists; p3 notebook replaces")
    assert (source.read_text(), notes.read_text(), mine.read_text()) == (
        "# chapter 03\n",
        "mine",
        "{}",
    )
    assert p3(capsys, "notebook", "02_baseline", mine, "--force")[0] == 0
    assert json.loads(mine.read_text())["cells"]


def _fake_run(tmp):
    """An output folder with a run record and a saved model that carries p3's marker."""
    from p3lib.store.atomic import atomic_directory

    run = tmp / "run"
    run.mkdir()
    (run / "run.json").write_text('{"chapters": {}}')
    with atomic_directory(run / "models" / "full") as staging:
        (staging / "model.safetensors").write_bytes(b"weights")
    return run


def _item_2_html_inside_a_run_is_refused(tmp, capsys):
    run = _fake_run(tmp)
    before = snapshot(run)
    for html in (run / "models" / "full", run, run / "html"):
        _refused(capsys, "book", "--out", run, "--html", html, message="inside the p3 output")
    assert snapshot(run) == before


def _item_3_site_with_a_users_file_is_refused(tmp, capsys):
    from p3lib.book.build import BOOK_WHAT
    from p3lib.store.atomic import atomic_directory

    site = tmp / "site"
    with atomic_directory(site, BOOK_WHAT) as staging:
        (staging / "index.html").write_text("the book")
    (site / "NOTES.txt").write_text("my notes")
    _fake_run(tmp)
    _refused(capsys, "book", "--out", tmp / "run", "--html", site, message="NOTES.txt")
    assert (site / "NOTES.txt").read_text() == "my notes"


def _item_4_generate_keeps_a_users_files_and_writes_inside_its_folder(tmp, capsys):
    folder = tmp / "data"
    folder.mkdir()
    (folder / "train.jsonl").write_text("my pairs\n")
    _refused(capsys, "generate", "--folder", folder, message=f"{folder / 'train.jsonl'}")
    assert [p.name for p in folder.iterdir()] == ["train.jsonl"]
    assert (folder / "train.jsonl").read_text() == "my pairs\n"
    fresh = tmp / "fresh"
    assert p3(capsys, "generate", "--folder", fresh)[0] == 0
    assert (fresh / "evaluation" / "data_quality_report.json").is_file()
    assert sorted(p.name for p in tmp.iterdir()) == ["data", "fresh"]  # nothing beside it
    assert p3(capsys, "generate", "--folder", fresh)[0] == 0  # its own files: replaced


def _item_5_fix_prefixes_never_overwrites_and_fixes_the_case(tmp, capsys):
    for folder in ("a", "b"):
        (tmp / folder).mkdir()
        (tmp / folder / "t.jsonl").write_text(
            json.dumps({"text_1": f"I like {folder}", "text_2": "Me too", "label": 1}) + "\n"
        )
    argv = ["check", "--fix-prefixes", tmp / "out", tmp / "a" / "t.jsonl", tmp / "b" / "t.jsonl"]
    _refused(capsys, *argv, message="would both be written")
    assert not (tmp / "out").exists()
    cased = tmp / "cased.jsonl"
    cased.write_text(
        json.dumps({"text_1": "Boy: I hike", "text_2": "GIRL:Me too", "label": 1}) + "\n"
    )
    p3(capsys, "check", "--fix-prefixes", tmp / "out", cased)
    fixed = json.loads((tmp / "out" / "cased.jsonl").read_text())
    assert (fixed["text_1"], fixed["text_2"]) == ("boy: I hike", "girl: Me too")


def _item_6_a_damaged_model_is_refused_naming_the_file(tmp, capsys):
    from tiny_model import build_tiny_model

    from p3lib.run.run_record import chapter_entry, write_run_record
    from p3lib.training.score import DecisionThreshold, save_threshold

    run = tmp / "run"
    build_tiny_model(run / "models" / "full")
    save_threshold(run / "models" / "full", DecisionThreshold(threshold=0.5))
    files = [p.relative_to(run).as_posix() for p in (run / "models").rglob("*") if p.is_file()]
    write_run_record(run, {}, {"03_full_finetune": chapter_entry("k", "", {}, run, files)})
    pair = ("boy: i love hiking", "girl: i hate hiking")
    assert p3(capsys, "score", "--model", run / "models" / "full", *pair)[0] == 0
    weights = run / "models" / "full" / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-2000:] = bytes(255 - b for b in data[-2000:])  # 2,000 flipped bytes
    weights.write_bytes(bytes(data))
    _refused(
        capsys, "score", "--model", run / "models" / "full", *pair,
        message=f"{weights}: its SHA-256 differs",
    )  # fmt: skip
    # A model that embeds every text alike is refused even where nothing recorded its bytes.
    from p3lib.training.score import ModelVerificationError, verify_model

    class Collapsed:
        def encode(self, texts, **options):
            return [[0.6, 0.8]] * len(texts)

    with pytest.raises(ModelVerificationError, match="same embedding to unrelated texts"):
        verify_model(tmp / "elsewhere", Collapsed())


def _item_7_no_traceback_for_deep_nesting_loops_or_ports(tmp, capsys):
    deep = tmp / "deep.jsonl"
    deep.write_text(json.dumps(GOOD) + "\n" + "[" * 100_000 + "\n")
    _refused(capsys, "check", deep, message=f"{deep}:2: record: nested too deeply")
    loop = tmp / "loop.jsonl"
    loop.symlink_to(loop)
    _refused(capsys, "check", loop, message=f"{loop}: file: a symbolic link that loops")
    _refused(capsys, "run", "--train", loop, "--out", tmp / "out", message="link that loops")
    for port in ("-1", "70000"):
        _argparse_refuses(capsys, "serve", "--port", port, message="is not a port")


def _item_8_messages_name_the_culprit(tmp, capsys):
    long_label = tmp / "long.jsonl"
    long_label.write_text(json.dumps(GOOD) + '\n{"label": ' + "1" * 5001 + "}\n")
    err = _refused(
        capsys, "check", long_label, message=f"{long_label}:2: record: a number too long"
    )
    assert "set_int_max_str_digits" not in err.split(f"{long_label}:2")[0]
    bare_cr = tmp / "cr.jsonl"  # lines end at \n: a CR inside line 1 must not make it two
    bare_cr.write_bytes((record(text_2="girl: a\rb") + "\n" + record(label=5) + "\n").encode())
    _refused(capsys, "check", bare_cr, message=f"{bare_cr}:2: label: must be 0 or 1, got 5")
    latin = tmp / "latin.yaml"
    latin.write_bytes("instruction: caf\xe9\n".encode("latin-1"))
    _refused(capsys, "run", "--params", latin, "--out", tmp / "o", message=f"{latin}: not UTF-8")
    twice = tmp / "twice.yaml"
    twice.write_text("epochs: 2\nepochs: 3\n")
    _refused(capsys, "run", "--params", twice, message=f"{twice}:2: epochs: given twice")
    out = tmp / "out"
    (out / "run.json").mkdir(parents=True)
    _refused(capsys, "run", "--out", out, message=f"{out / 'run.json'}: is a folder")
    _refused(
        capsys, "notebook", "../p3lib/cli", tmp / "x.ipynb", message="no chapter '../p3lib/cli'"
    )
    assert not (tmp / "x.ipynb").exists()


PREFLIGHT_GAPS = {
    "learning_rate=.inf": "learning_rate: Input should be a finite number, got inf",
    "lora_learning_rate_grid=[0]": "lora_learning_rate_grid[0]: Input should be greater than 0",
    "lora_learning_rate_grid=[-1]": "lora_learning_rate_grid[0]: Input should be greater than 0",
    "lora_learning_rate_grid=[]": "lora_learning_rate_grid: List should have at least 1 item",
    "lora_search_epochs=0": "lora_search_epochs: Input should be greater than 0, got 0",
    "lora_search_workers=-2": "lora_search_workers: Input should be greater than or equal to 1",
    "n_shuffles=-3": "n_shuffles: Input should be greater than or equal to 1, got -3",
    "device=banana": "device: Input should be 'auto', 'cpu' or 'cuda', got 'banana'",
    "target_recall=2": "target_recall: Input should be less than or equal to 1, got 2",
    "n_umap_seeds=0": "n_umap_seeds: Input should be greater than or equal to 1, got 0",
}


def _item_9_every_parameter_is_checked_before_chapter_01(tmp, capsys, monkeypatch):
    import torch

    ran = []
    monkeypatch.setattr("p3lib.run.runner.run_book", lambda *a, **k: ran.append(1))
    out = tmp / "out"
    for setting, message in PREFLIGHT_GAPS.items():
        err = _refused(capsys, "run", "--set", setting, "--out", out, message=message)
        assert f"--set {setting}: " in err and "https://" not in err
    if not torch.cuda.is_available():
        _refused(capsys, "run", "--set", "device=cuda", "--out", out, message="is a CPU build")
    _refused(capsys, "run", "--out", "/", message="/ is not a folder of its own")
    users = tmp / "site"
    users.mkdir()
    (users / "thesis.txt").write_text("mine")
    _refused(capsys, "all", "--out", out, "--html", users, message="not made by p3")
    assert ran == [] and not out.exists() and (users / "thesis.txt").read_text() == "mine"


def _item_10_a_chapter_checks_its_parameters_as_p3_run_does(tmp, capsys):
    from p3lib.run.parameters import ParameterCheckError, check_chapter_parameters

    err = _refused(capsys, "run", "--set", "n_bootstrap=abc", "--out", tmp / "o", message="")
    for injected, expected in (
        ({"N_BOOTSTRAP": "abc"}, err.split("--set n_bootstrap=abc: ", 1)[1].splitlines()[0]),
        ({"N_BOOTSTRAPP": 5}, "n_bootstrapp: unknown parameter"),
    ):
        kernel = {
            "OUT_DIR": str(tmp / "o"),
            "N_BOOTSTRAP": 1000,
            **injected,
            "In": [],
            "LABELS": {},
        }
        with pytest.raises(ParameterCheckError, match=re.escape(expected)):
            check_chapter_parameters(kernel, "02_baseline")
    assert expected and "expected int, got str 'abc'" in err


def _item_11_check_and_score_agree_with_run(tmp, capsys):
    train = tmp / "train.jsonl"
    train.write_text(balanced() + "\n")
    one_label = tmp / "eval.jsonl"
    one_label.write_text(record(text_1="boy: a") + "\n" + record(text_1="boy: b") + "\n")
    _refused(capsys, "check", train, one_label, message="has only compatible (1) pairs")
    link = tmp / "hardlink.jsonl"
    os.link(train, link)
    _refused(capsys, "check", train, link, message=f"{link}: the same file as {train}")
    _refused(
        capsys,
        "run",
        "--train",
        train,
        "--eval",
        link,
        "--out",
        tmp / "o",
        message="is also the train_path",
    )


def _item_12_missing_inputs_name_their_chapter_and_dry_run_says_why(tmp, capsys, previous_run):
    from p3lib.run.parameters import ParameterCheckError, check_chapter_parameters

    empty = tmp / "empty"
    with pytest.raises(ParameterCheckError, match="chapter 03_full_finetune writes it"):
        check_chapter_parameters({"OUT_DIR": str(empty)}, "05_post_training_eval")
    out, _ = previous_run
    before = snapshot(out)
    status, stdout, _ = p3(capsys, "run", "--dry-run", "--out", out)
    assert status == 0 and snapshot(out) == before
    assert "[1/6] 01_data_quality: would run: it has not run in this folder" in stdout
    assert "[2/6] 02_baseline: would run: 01_data_quality runs before it" in stdout
    assert "dry run: 6 of 6 chapters would run" in stdout


def _lab_save(root: Path, chapter: str) -> None:
    """Open and save a chapter as JupyterLab does: through jupytext's contents manager, which
    reads the repository's jupytext.toml; the first code cell gets an output, as if run."""
    import asyncio

    import nbformat
    from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
    from jupytext.async_contentsmanager import build_async_jupytext_contents_manager_class

    manager = build_async_jupytext_contents_manager_class(AsyncLargeFileManager)(root_dir=str(root))

    async def open_run_save():
        model = await manager.get(f"notebooks/{chapter}.py", content=True, type="notebook")
        notebook = model["content"]
        code = next(cell for cell in notebook.cells if cell.cell_type == "code")
        code.outputs = [nbformat.v4.new_output("stream", text="ran\n")]
        await manager.save(
            {"type": "notebook", "format": "json", "content": notebook}, f"notebooks/{chapter}.py"
        )

    asyncio.run(open_run_save())


def _lab_copy(tmp: Path) -> Path:
    """A git repository holding the chapters, jupytext.toml and .gitignore, all committed."""
    import shutil
    import subprocess

    root = tmp / "repo"
    shutil.copytree(REPO_ROOT / "notebooks", root / "notebooks")
    for name in ("jupytext.toml", ".gitignore"):
        shutil.copy(REPO_ROOT / name, root / name)
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "chapters"], check=True)
    return root


def _git_status(root: Path) -> str:
    import subprocess

    return subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=all"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


def _item_13_saving_a_chapter_in_jupyterlab_leaves_git_clean(tmp, capsys):
    root = _lab_copy(tmp)
    for chapter in CHAPTERS + APPENDIX:
        _lab_save(root, chapter)
    assert _git_status(root) == ""


def _item_14_outputs_survive_in_an_ignored_paired_notebook(tmp, capsys):
    import subprocess

    root = _lab_copy(tmp)
    _lab_save(root, "02_baseline")
    paired = root / "outputs-lab" / "chapters" / "02_baseline.ipynb"
    outputs = [
        c.get("outputs") for c in json.loads(paired.read_text())["cells"] if c.get("outputs")
    ]
    assert outputs == [[{"name": "stdout", "output_type": "stream", "text": ["ran\n"]}]]
    assert _git_status(root) == ""
    for example in ("my_run/run.json", "my_pairs.jsonl", "my_train.jsonl", "my_ood.jsonl"):
        ignored = subprocess.run(["git", "-C", str(root), "check-ignore", "-q", example])
        assert ignored.returncode == 0, example


ISSUE_28 = {
    1: _item_1_notebook_writes_only_new_ipynb,
    2: _item_2_html_inside_a_run_is_refused,
    3: _item_3_site_with_a_users_file_is_refused,
    4: _item_4_generate_keeps_a_users_files_and_writes_inside_its_folder,
    5: _item_5_fix_prefixes_never_overwrites_and_fixes_the_case,
    6: _item_6_a_damaged_model_is_refused_naming_the_file,
    7: _item_7_no_traceback_for_deep_nesting_loops_or_ports,
    8: _item_8_messages_name_the_culprit,
    9: _item_9_every_parameter_is_checked_before_chapter_01,
    10: _item_10_a_chapter_checks_its_parameters_as_p3_run_does,
    11: _item_11_check_and_score_agree_with_run,
    12: _item_12_missing_inputs_name_their_chapter_and_dry_run_says_why,
    13: _item_13_saving_a_chapter_in_jupyterlab_leaves_git_clean,
    14: _item_14_outputs_survive_in_an_ignored_paired_notebook,
}


@pytest.mark.parametrize("item", sorted(ISSUE_28))
def test_issue_28(item, tmp_path, capsys, monkeypatch, previous_run):
    import inspect

    monkeypatch.chdir(tmp_path)
    row = ISSUE_28[item]
    options = {"monkeypatch": monkeypatch, "previous_run": previous_run}
    wanted = {k: v for k, v in options.items() if k in inspect.signature(row).parameters}
    work = tmp_path / "work"
    work.mkdir()
    row(work, capsys, **wanted)


@pytest.mark.smoke
def test_a_rebuild_refuses_a_site_holding_a_users_file_and_keeps_it(smoke_book, tmp_path, capsys):
    """Issue 28, item 3, on a site p3 really built: the user's NOTES.txt survives the rebuild."""
    import shutil

    from p3lib.book.build import check_html_folder

    site = tmp_path / "site"
    shutil.copytree(smoke_book["html"], site)  # the built site, its marker included
    (site / "NOTES.txt").write_text("my notes")
    before = snapshot(site)
    status, _, err = p3(capsys, "book", "--out", smoke_book["out"], "--html", site)
    assert status == 1
    assert "1 file(s) p3 did not write (NOTES.txt)" in err and "nothing was written" in err
    assert snapshot(site) == before
    (site / "NOTES.txt").unlink()
    check_html_folder(site, smoke_book["out"])  # the site alone may be rebuilt
