"""The runner: parameters checked against the chapters' cells, and the content-hash cache."""

import ast
import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from p3lib.run.chapters import (
    ParameterError,
    discover_chapters,
    read_parameters,
    resolve_parameters,
)
from p3lib.run.parameters import load_parameters_file
from p3lib.run.runner import DRIVER_MODULES, ChapterFailed, run_book
from p3lib.store.run_layout import REPO_ROOT

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
    monkeypatch.setattr("p3lib.run.runner.library_fingerprint", lambda: "fixed")
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
    assert {
        "p3lib.evaluation.pipeline",
        "p3lib.training.train",
        "p3lib.training.experiments.plan",
    } <= imported
    probe = "import sys\n" + "".join(f"import {name}\n" for name in sorted(imported))
    probe += "print(sorted(m for m in sys.modules if m.startswith('p3lib')))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    ).stdout
    drivers = {path.removesuffix(".py").replace("/", ".") for path in DRIVER_MODULES}
    assert "'p3lib.evaluation.comparison'" in loaded
    assert not [name for name in drivers if f"'{name}'" in loaded]


# --------------------------------------------------------------------------------------------
# Run integrity, with papermill replaced by an in-process executor (no kernel, milliseconds)
# --------------------------------------------------------------------------------------------


def execute_in_process(input_path, output_path, parameters=None, **_):
    """Stand-in for papermill.execute_notebook: run the code cells here, parameters injected."""
    import nbformat

    notebook = nbformat.read(input_path, as_version=4)
    namespace: dict = {}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        exec(cell.source, namespace)  # the test's own chapters
        if "parameters" in cell.metadata.get("tags", []):
            namespace.update(parameters or {})
    nbformat.write(notebook, output_path)


WRITER = """\
import pathlib
out = pathlib.Path(OUT_DIR)
(out / "metrics").mkdir(parents=True, exist_ok=True)
target = out / "metrics" / f"{NAME}.json"
runs = out / f"{NAME}.count"
runs.write_text(str(int(runs.read_text()) + 1 if runs.exists() else 1))
target.write_text('{"step": %d}' % STEP)
"""


@pytest.fixture
def fake_book(tmp_path, monkeypatch):
    """Three chapters that each write ``metrics/<name>.json`` and count their runs."""
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", execute_in_process)
    monkeypatch.setattr("p3lib.run.runner.library_fingerprint", lambda: "fixed")
    sources, out = tmp_path / "src", tmp_path / "out"
    sources.mkdir()
    for name in ("01_a", "02_b", "03_c"):
        write_chapter(sources, name, f'NAME = "{name}"\n' + WRITER)
    chapters = discover_chapters(("01_a", "02_b", "03_c"), sources)
    return chapters, {"OUT_DIR": str(out), "STEP": 1}, out


def quiet_run(parameters, chapters, **options):
    return run_book(parameters, chapters, log=lambda message: None, **options)


@pytest.mark.parametrize(
    ("damage", "reruns"),
    [
        (lambda out: (out / "metrics" / "02_b.json").unlink(), ["02_b", "03_c"]),
        (lambda out: (out / "metrics" / "03_c.json").write_text('{"step": 9}'), ["03_c"]),
        (lambda out: (out / "notebooks" / "01_a.ipynb").unlink(), ["01_a", "02_b", "03_c"]),
        (lambda out: None, []),
    ],
    ids=["deleted", "edited", "notebook deleted", "intact"],
)
def test_a_chapter_is_unchanged_only_if_its_recorded_outputs_are(fake_book, damage, reruns):
    chapters, parameters, out = fake_book
    assert sorted(quiet_run(parameters, chapters).executed) == ["01_a", "02_b", "03_c"]
    record = json.loads((out / "run.json").read_text())
    written = record["chapters"]["02_b"]["outputs"]
    assert set(written) == {"02_b.count", "metrics/02_b.json", "notebooks/02_b.ipynb"}
    assert written["metrics/02_b.json"]["size"] == len('{"step": 1}')
    damage(out)
    again = quiet_run(parameters, chapters)
    assert sorted(again.executed) == reruns
    assert (out / "metrics" / "02_b.json").read_text() == '{"step": 1}'


def test_a_copied_output_folder_stays_unchanged(fake_book, tmp_path):
    # New modification times, same bytes: hashes decide, nothing runs again.
    import shutil

    chapters, parameters, out = fake_book
    quiet_run(parameters, chapters)
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    assert quiet_run({**parameters, "OUT_DIR": str(copy)}, chapters).skipped == [
        "01_a",
        "02_b",
        "03_c",
    ]


def test_a_run_leaves_no_staging_files(fake_book):
    chapters, parameters, out = fake_book
    quiet_run(parameters, chapters)
    assert not (out / "notebooks" / ".staging").exists()
    assert sorted(p.name for p in (out / "notebooks").iterdir()) == [
        "01_a.ipynb",
        "02_b.ipynb",
        "03_c.ipynb",
    ]


def test_a_second_run_into_the_same_folder_is_refused_with_the_holders_pid(fake_book):
    from p3lib.store.output_lock import OutputBusy

    chapters, parameters, out = fake_book
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom p3lib.store.output_lock import output_lock\n"
            f"with output_lock({str(out)!r}):\n    print('held', flush=True)\n    time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(OutputBusy) as info:
            quiet_run(parameters, chapters)
        assert str(info.value) == f"another p3 run is using {out} (pid {holder.pid})"
        assert not (out / "notebooks").exists()
    finally:
        holder.kill()
        holder.wait()
    # The kernel drops the lock with its holder: the folder is usable at once.
    assert sorted(quiet_run(parameters, chapters).executed) == ["01_a", "02_b", "03_c"]


def test_a_corrupt_run_record_is_named_and_force_gets_past_it(fake_book):
    from p3lib.run.run_record import RunRecordError

    chapters, parameters, out = fake_book
    quiet_run(parameters, chapters)
    (out / "run.json").write_text('{"chapters": {', encoding="utf-8")
    with pytest.raises(RunRecordError, match=rf"{out / 'run.json'}: the run record is not"):
        quiet_run(parameters, chapters)
    assert sorted(quiet_run(parameters, chapters, force=True).executed) == [
        "01_a",
        "02_b",
        "03_c",
    ]
    assert set(json.loads((out / "run.json").read_text())["chapters"]) == {"01_a", "02_b", "03_c"}


def test_a_run_stopped_midway_with_new_inputs_is_not_one_run(fake_book):
    from p3lib.run.run_record import RunRecordError, require_one_run, stale_chapters

    chapters, parameters, out = fake_book
    quiet_run(parameters, chapters)
    assert stale_chapters(out) == {}
    # A new value; chapter 02 stops (here: fails) after chapter 01 ran with it.
    broken = chapters[1].source
    original = broken.read_text()
    broken.write_text(original.replace('NAME = "02_b"', 'raise KeyboardInterrupt\nNAME = "x"'))
    with pytest.raises(KeyboardInterrupt):
        quiet_run(
            {**parameters, "STEP": 2}, discover_chapters(("01_a", "02_b", "03_c"), broken.parent)
        )
    stale = stale_chapters(out)
    assert list(stale) == ["02_b", "03_c"]
    assert stale["02_b"] == ["no record of what it ran with (its last run failed or was stopped)"]
    assert stale["03_c"][0] == "it ran with step=1, the run has 2"
    with pytest.raises(RunRecordError, match=r"2 chapter\(s\) are not from this run's inputs"):
        require_one_run(out)
    broken.write_text(original)
    quiet_run({**parameters, "STEP": 2}, chapters)
    assert stale_chapters(out) == {}


def test_an_edited_input_file_or_output_makes_a_chapter_stale(fake_book, tmp_path):
    from p3lib.run.run_record import stale_chapters

    chapters, parameters, out = fake_book
    data = tmp_path / "train.jsonl"
    data.write_text("one\n")
    sources = chapters[0].source.parent
    write_chapter(
        sources,
        "01_a",
        'NAME = "01_a"\n' + WRITER,
        parameters='OUT_DIR = "outputs"\nSTEP = 1\nTRAIN_PATH = "x"\n',
    )
    chapters = discover_chapters(("01_a", "02_b", "03_c"), sources)
    quiet_run({**parameters, "TRAIN_PATH": str(data)}, chapters)
    data.write_text("two\n")
    (out / "metrics" / "03_c.json").unlink()
    stale = stale_chapters(out)
    assert stale["01_a"] == [f"its train_path file {data} changed since it ran"]
    assert stale["03_c"] == ["metrics/03_c.json is missing"]
    assert "02_b" not in stale


@pytest.mark.smoke
def start_interruptible_run(sources, out, names, cores=None) -> subprocess.Popen:
    """``run_book`` of chapters ``names`` in a new session, exiting 130 on Ctrl-C."""
    script = (
        "import sys\nfrom pathlib import Path\n"
        "import p3lib.run.runner as runner\n"
        "import p3lib.run.side_by_side as side_by_side\n"
        "from p3lib.run.chapters import discover_chapters\n"
        + (f"side_by_side.cores = lambda: {cores}\n" if cores else "")
        + f"chapters = discover_chapters({tuple(names)!r}, Path({str(sources)!r}))\n"
        "try:\n"
        f"    runner.run_book({{'OUT_DIR': {str(out)!r}, 'STEP': 1}}, chapters)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', file=sys.stderr)\n"
        "    sys.exit(130)\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # A suite run as a background job inherits SIGINT ignored, and Python keeps an
        # ignored SIGINT ignored: give the run the default, as a terminal would.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


@pytest.mark.xdist_group("signals_and_threads")
def test_a_real_kernel_run_is_quiet_and_ctrl_c_prints_one_line(tmp_path):
    """No kernel notices per chapter, no ZMQ traceback on Ctrl-C, no staging files left."""
    import os
    import time

    sources, out = tmp_path / "src", tmp_path / "out"
    sources.mkdir()
    write_chapter(sources, "01_a", "print('quick')\n")
    write_chapter(sources, "02_b", "import time\ntime.sleep(60)\n")
    process = start_interruptible_run(sources, out, ("01_a", "02_b"))
    for line in process.stdout:
        if "02_b: executing" in line:
            break
    time.sleep(5)  # into chapter 02's cell
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches p3 and the kernel alike
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stderr == "interrupted\n"  # not the kernel's TCP notice, not a ZMQ traceback
    assert sorted(p.name for p in (out / "notebooks").iterdir()) == ["01_a.ipynb"]
    chapters = json.loads((out / "run.json").read_text())["chapters"]
    assert list(chapters) == ["01_a"]  # the stopped chapter has no record


@pytest.mark.smoke
def test_a_real_run_records_what_each_chapter_wrote_and_is_one_run(smoke_book):
    from p3lib.run.run_record import stale_chapters

    out = smoke_book["out"]
    chapters = json.loads((out / "run.json").read_text())["chapters"]
    written = {name: set(entry["outputs"]) for name, entry in chapters.items()}
    assert {"metrics/baseline.json", "notebooks/02_baseline.ipynb"} <= written["02_baseline"]
    assert "models/full/model.safetensors" in written["03_full_finetune"]
    assert {"metrics/full.json", "metrics/comparison.json"} <= written["05_post_training_eval"]
    # each result's per-pair side file is an output like its JSON (checked for damage too)
    assert "metrics/baseline.pairs.npz" in written["02_baseline"]
    assert {"metrics/full.pairs.npz", "metrics/comparison.pairs.npz"} <= written[
        "05_post_training_eval"
    ]
    assert "models/lora/decision_threshold.json" in written["05_post_training_eval"]
    assert stale_chapters(out) == {}


SIDE_BY_SIDE_BODY = """
import json, os, time
from pathlib import Path
def share():
    path = os.environ.get("P3_THREAD_SHARE")
    return Path(path).read_text().strip() if path and Path(path).exists() else None
started, share_at_start = time.time(), share()
time.sleep(3 if NAME.startswith("03") else 9)
folder = Path(OUT_DIR) / "metrics"
folder.mkdir(parents=True, exist_ok=True)
(folder / f"{NAME}.json").write_text(json.dumps({
    "start": started, "end": time.time(), "threads": os.environ.get("OMP_NUM_THREADS"),
    "share_at_start": share_at_start, "share_at_end": share(),
}))
"""


@pytest.mark.xdist_group("signals_and_threads")
def test_the_two_training_chapters_run_side_by_side_on_half_the_cores(tmp_path, monkeypatch):
    import os

    from p3lib.run.side_by_side import SIDE_BY_SIDE

    monkeypatch.setattr("p3lib.run.side_by_side.cores", lambda: 4)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    sources, out = tmp_path / "src", tmp_path / "out"
    sources.mkdir()
    names = ("02_b", *sorted(SIDE_BY_SIDE))
    for name in names:
        write_chapter(sources, name, f'NAME = "{name}"\n' + SIDE_BY_SIDE_BODY)
    messages = []
    run_book(
        {"OUT_DIR": str(out), "STEP": 1},
        discover_chapters(
            names,
            sources,
        ),
        log=messages.append,
    )

    times = {name: json.loads((out / "metrics" / f"{name}.json").read_text()) for name in names}
    first, second = sorted(SIDE_BY_SIDE)
    # 02_b ran alone with the runner's threads; the pair overlapped, each on 4 // 2 threads.
    assert times["02_b"]["end"] <= min(times[first]["start"], times[second]["start"])
    assert times[second]["start"] < times[first]["end"]
    assert times[first]["start"] < times[second]["end"]
    assert times["02_b"]["threads"] is None
    assert times[first]["threads"] == times[second]["threads"] == "2"
    # The share file: half the cores each; all of them for the one left when 03 finished.
    assert times[first]["share_at_start"] == times[second]["share_at_start"] == "2"
    assert times[second]["share_at_end"] == "4"
    assert times["02_b"]["share_at_start"] is None
    assert not (out / ".thread-share").exists()
    assert "OMP_NUM_THREADS" not in os.environ  # the runner's environment is restored
    assert any(
        f"{first}: executing (side by side with {second}, 2 thread(s) each)" in m for m in messages
    )

    # Each of the pair is credited with what the pair wrote, less the other's notebook.
    chapters = json.loads((out / "run.json").read_text())["chapters"]
    for name, other in ((first, second), (second, first)):
        outputs = set(chapters[name]["outputs"])
        assert {f"metrics/{first}.json", f"metrics/{second}.json"} <= outputs
        assert f"notebooks/{name}.ipynb" in outputs
        assert f"notebooks/{other}.ipynb" not in outputs
    assert f"metrics/{first}.json" not in chapters["02_b"]["outputs"]


def test_one_failing_chapter_of_a_pair_keeps_the_others_record(tmp_path, monkeypatch):
    from p3lib.run.side_by_side import SIDE_BY_SIDE

    monkeypatch.setattr("p3lib.run.side_by_side.cores", lambda: 2)
    sources, out = tmp_path / "src", tmp_path / "out"
    sources.mkdir()
    first, second = sorted(SIDE_BY_SIDE)
    write_chapter(sources, first, f'NAME = "{first}"\n' + SIDE_BY_SIDE_BODY)
    write_chapter(sources, second, 'raise ValueError("no adapter for you")\n')
    with pytest.raises(ChapterFailed, match=rf"{second} failed: ValueError: no adapter for you"):
        run_book(
            {"OUT_DIR": str(out), "STEP": 1},
            discover_chapters((first, second), sources),
            log=lambda m: None,
        )
    chapters = json.loads((out / "run.json").read_text())["chapters"]
    assert list(chapters) == [first]
    assert sorted(p.name for p in (out / "notebooks").iterdir()) == [f"{first}.ipynb"]


@pytest.mark.xdist_group("signals_and_threads")
def test_one_core_runs_the_pair_one_after_the_other(tmp_path, monkeypatch):
    from p3lib.run.side_by_side import SIDE_BY_SIDE

    monkeypatch.setattr("p3lib.run.side_by_side.cores", lambda: 1)
    # The kernels see the variable only if the runner sets it (conftest sets it for the suite).
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    sources, out = tmp_path / "src", tmp_path / "out"
    sources.mkdir()
    names = sorted(SIDE_BY_SIDE)
    for name in names:
        write_chapter(sources, name, f'NAME = "{name}"\n' + SIDE_BY_SIDE_BODY)
    run_book(
        {"OUT_DIR": str(out), "STEP": 1}, discover_chapters(names, sources), log=lambda m: None
    )
    first, second = (json.loads((out / "metrics" / f"{n}.json").read_text()) for n in names)
    assert first["end"] <= second["start"]
    assert first["threads"] is None and second["threads"] is None


@pytest.mark.xdist_group("signals_and_threads")
def test_ctrl_c_reaches_the_kernels_of_chapters_side_by_side(tmp_path):
    """Kernels run in their own session; p3 passes the Ctrl-C on, nothing is recorded."""
    import os
    import time

    from p3lib.run.side_by_side import SIDE_BY_SIDE

    first, second = sorted(SIDE_BY_SIDE)
    sources, out = tmp_path / "src", tmp_path / "out"
    sources.mkdir()
    marker = tmp_path / "finished"
    for name in (first, second):
        # Would leave a mark if it ran to the end after the Ctrl-C.
        write_chapter(
            sources, name, f"import time\ntime.sleep(25)\nopen({str(marker)!r}, 'a').write('x')\n"
        )
    process = start_interruptible_run(sources, out, (first, second), cores=2)
    seen = 0
    for line in process.stdout:
        seen += "executing" in line
        if seen == 2:
            break
    time.sleep(12)  # both kernels started and asleep in their cell
    started = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)  # p3's group only: the kernels have their own
    _, stderr = process.communicate(timeout=90)
    assert process.returncode == 130, stderr
    assert stderr.endswith("interrupted\n")
    assert time.monotonic() - started < 15  # not the 25 s the cells sleep
    time.sleep(max(0.0, 25 - (time.monotonic() - started)))  # past their end
    assert not marker.exists()  # neither kernel ran on to the end
    assert not (out / "notebooks").exists() or list((out / "notebooks").iterdir()) == []
    assert json.loads((out / "run.json").read_text())["chapters"] == {}
