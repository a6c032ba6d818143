"""The runner: parameters checked against the chapters' cells, and the content-hash cache."""

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from p3lib.layout import REPO_ROOT
from p3lib.runner import (
    DRIVER_MODULES,
    ChapterFailed,
    ParameterError,
    discover_chapters,
    load_parameters_file,
    read_parameters,
    resolve_parameters,
    run_book,
)

HEADER = textwrap.dedent(
    """\
    # ---
    # jupyter:
    #   kernelspec:
    #     display_name: Python 3 (ipykernel)
    #     language: python
    #     name: python3
    # ---
    """
)


def write_chapter(folder, name, body, parameters='OUT_DIR = "outputs"\nSTEP = 1\n'):
    source = folder / f"{name}.py"
    source.write_text(
        HEADER + '\n# %% tags=["parameters"]\n' + parameters + "\n# %%\n" + textwrap.dedent(body),
        encoding="utf-8",
    )
    return source


def test_read_parameters_takes_defaults_types_and_help(tmp_path):
    write_chapter(
        tmp_path,
        "01_x",
        "",
        parameters=(
            'TRAIN_PATH = "data/raw/train.jsonl"  # the training pairs\n'
            "MAX_TRAIN_PAIRS: int | None = None  # smoke subset\n"
            "LEARNING_RATE = 2e-5\nUSE_THING = True\n"
        ),
    )
    parameters = read_parameters(tmp_path / "01_x.py")
    assert parameters["TRAIN_PATH"].default == "data/raw/train.jsonl"
    assert parameters["TRAIN_PATH"].help == "the training pairs"
    assert parameters["MAX_TRAIN_PAIRS"].accepts(8) and parameters["MAX_TRAIN_PAIRS"].accepts(None)
    assert not parameters["MAX_TRAIN_PAIRS"].accepts("8")
    assert parameters["LEARNING_RATE"].accepts(1) and not parameters["LEARNING_RATE"].accepts(
        "fast"
    )
    assert parameters["USE_THING"].accepts(False) and not parameters["USE_THING"].accepts(1)


def test_unknown_key_and_wrong_type_are_both_reported(tmp_path):
    write_chapter(tmp_path, "01_x", "")
    chapters = discover_chapters(("01_x",), tmp_path)
    params = tmp_path / "p.yaml"
    params.write_text("step: many\nstpe: 2\n", encoding="utf-8")
    with pytest.raises(ParameterError) as info:
        resolve_parameters(chapters, load_parameters_file(params), source=str(params))
    message = str(info.value)
    assert f"{params}: step: expected int, got str 'many'" in message
    assert f"{params}: stpe: unknown parameter (known: out_dir, step)" in message


def test_parameters_file_must_be_a_mapping(tmp_path):
    params = tmp_path / "p.yaml"
    params.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="expected a mapping"):
        load_parameters_file(params)
    with pytest.raises(ParameterError, match="not found"):
        load_parameters_file(tmp_path / "missing.yaml")


def test_relative_paths_resolve_against_the_repository(tmp_path):
    write_chapter(tmp_path, "01_x", "")
    chapters = discover_chapters(("01_x",), tmp_path)
    resolved = resolve_parameters(chapters, {"OUT_DIR": "outputs"})
    assert resolved["OUT_DIR"].endswith("/outputs") and resolved["OUT_DIR"].startswith("/")


BODY = """\
import json, pathlib
out = pathlib.Path(OUT_DIR)
out.mkdir(parents=True, exist_ok=True)
runs = out / f"{NAME}.count"
runs.write_text(str(int(runs.read_text()) + 1 if runs.exists() else 1))
"""


def make_book(folder):
    write_chapter(folder, "01_a", 'NAME = "01_a"\n' + BODY)
    write_chapter(folder, "02_b", 'NAME = "02_b"\n' + BODY)
    write_chapter(folder, "03_c", 'NAME = "03_c"\n' + BODY)
    return ("01_a", "02_b", "03_c")


def counts(out):
    return {name: int((out / f"{name}.count").read_text()) for name in ("01_a", "02_b", "03_c")}


@pytest.mark.smoke
def test_cache_skips_unchanged_and_reruns_a_changed_chapter_and_those_after(tmp_path, monkeypatch):
    # p3lib's own code is part of every key; hold it fixed so only the chapters vary here.
    monkeypatch.setattr("p3lib.runner.library_fingerprint", lambda: "fixed")
    sources, out = tmp_path / "src", tmp_path / "out"
    sources.mkdir()
    names = make_book(sources)
    parameters = {"OUT_DIR": str(out), "STEP": 1}
    quiet = dict(log=lambda message: None)

    first = run_book(parameters, discover_chapters(names, sources), **quiet)
    assert sorted(first.executed) == list(names)
    assert counts(out) == {"01_a": 1, "02_b": 1, "03_c": 1}
    assert (out / "notebooks" / "02_b.ipynb").is_file()

    second = run_book(parameters, discover_chapters(names, sources), **quiet)
    assert second.skipped == list(names) and not second.executed
    assert counts(out) == {"01_a": 1, "02_b": 1, "03_c": 1}

    changed = sources / "02_b.py"
    changed.write_text(changed.read_text() + "\n# %%\nprint('changed')\n", encoding="utf-8")
    third = run_book(parameters, discover_chapters(names, sources), **quiet)
    assert third.skipped == ["01_a"] and sorted(third.executed) == ["02_b", "03_c"]
    assert counts(out) == {"01_a": 1, "02_b": 2, "03_c": 2}

    fourth = run_book({**parameters, "STEP": 2}, discover_chapters(names, sources), **quiet)
    assert sorted(fourth.executed) == list(names)
    manifest = json.loads((out / "run.json").read_text())
    assert set(manifest["chapters"]) == set(names)


@pytest.mark.smoke
def test_a_failing_chapter_keeps_the_previous_executed_notebook(tmp_path):
    sources, out = tmp_path / "src", tmp_path / "out"
    sources.mkdir()
    write_chapter(sources, "01_a", 'NAME = "01_a"\n' + BODY)
    parameters = {"OUT_DIR": str(out), "STEP": 1}
    run_book(parameters, discover_chapters(("01_a",), sources), log=lambda m: None)
    executed = out / "notebooks" / "01_a.ipynb"
    before = executed.read_bytes()

    write_chapter(sources, "01_a", 'raise ValueError("train.jsonl:3: label: must be 0 or 1")\n')
    with pytest.raises(ChapterFailed, match=r"01_a failed: ValueError: train.jsonl:3: label"):
        run_book(parameters, discover_chapters(("01_a",), sources), log=lambda m: None)
    assert executed.read_bytes() == before
    assert "01_a" not in json.loads((out / "run.json").read_text())["chapters"]


@pytest.mark.smoke
def test_annotated_parameters_are_injected_without_an_unknown_parameter_warning(tmp_path, caplog):
    # papermill cannot read `int | None` and would call LIMIT unknown; the runner has checked it.
    sources, out = tmp_path / "src", tmp_path / "out"
    sources.mkdir()
    write_chapter(
        sources,
        "01_a",
        "from pathlib import Path\nPath(OUT_DIR, 'limit.txt').write_text(repr(LIMIT))\n",
        parameters='OUT_DIR = "outputs"\nLIMIT: int | None = None\n',
    )
    Path(out).mkdir()
    with caplog.at_level("WARNING", logger="papermill"):
        run_book({"OUT_DIR": str(out), "LIMIT": 3}, discover_chapters(("01_a",), sources))
    assert (out / "limit.txt").read_text() == "3"
    assert not [r for r in caplog.records if "unknown parameter" in r.getMessage()]


def test_no_chapter_imports_the_driver_modules_left_out_of_the_cache_key():
    # The cache key skips DRIVER_MODULES; that is only sound while no chapter runs their code.
    imported = set()
    for source in sorted((REPO_ROOT / "notebooks").glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("p3lib"):
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported |= {a.name for a in node.names if a.name.startswith("p3lib")}
    assert {"p3lib.metrics", "p3lib.train", "p3lib.experiments"} <= imported
    probe = "import sys\n" + "".join(f"import {name}\n" for name in sorted(imported))
    probe += "print(sorted(m for m in sys.modules if m.startswith('p3lib')))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    ).stdout
    drivers = {path.removesuffix(".py").replace("/", ".") for path in DRIVER_MODULES}
    assert "'p3lib.report'" in loaded
    assert not [name for name in drivers if f"'{name}'" in loaded]
