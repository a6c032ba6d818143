"""Chapters in JupyterLab and under papermill: opened as notebooks, typed, never touching
the published run, and a save in JupyterLab does not force `make book` to re-run them."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import jupytext
import pytest
import yaml

from p3lib.run.chapters import APPENDIX, CHAPTERS, discover_chapters, read_parameters
from p3lib.run.runner import RunReport, chapter_key, run_book
from p3lib.store.run_layout import DEFAULT_OUT, REPO_ROOT, resolve_path

BIN = Path(sys.executable).parent
SCRATCH = REPO_ROOT / "outputs-lab"
PUBLISHED = resolve_path(
    yaml.safe_load((REPO_ROOT / "params" / "full.yaml").read_text())["out_dir"]
)


def edit_cells(source: Path, destination: Path, edit) -> None:
    """Read a chapter, let ``edit`` change its cells, and save it as JupyterLab does: through
    jupytext, which also writes its format and version into the header."""
    notebook = jupytext.read(source)
    edit(notebook.cells)
    jupytext.write(notebook, destination, fmt="py:percent")


def parameters_cell(cells):
    return next(cell for cell in cells if "parameters" in cell.metadata.get("tags", []))


def write_tiny_data(folder: Path, n_train: int = 40, n_eval: int = 30) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    train, evaluation = folder / "train.jsonl", folder / "eval.jsonl"
    lines = (REPO_ROOT / "data" / "raw" / "train.jsonl").read_text().splitlines(keepends=True)
    train.write_text("".join(lines[:n_train]))
    lines = (REPO_ROOT / "data" / "raw" / "eval.jsonl").read_text().splitlines(keepends=True)
    evaluation.write_text("".join(lines[:n_eval]))
    return train, evaluation


# --- The output folder ---------------------------------------------------------------------


def test_every_chapter_defaults_to_the_scratch_folder_outside_the_published_run():
    published = PUBLISHED.resolve()
    assert published == DEFAULT_OUT.resolve()
    for chapter in discover_chapters(CHAPTERS + APPENDIX):
        scratch = resolve_path(chapter.parameters["OUT_DIR"].default).resolve()
        assert scratch == SCRATCH, chapter.name
        # Neither folder holds the other, so nothing written in one lands in the other.
        assert published not in scratch.parents and scratch not in published.parents


def test_p3_run_names_the_published_folder_when_the_parameters_file_does_not(tmp_path, monkeypatch):
    from p3lib import cli

    received = []

    def record(parameters, chapters, **options):
        received.append(parameters["OUT_DIR"])
        return RunReport()

    monkeypatch.setattr("p3lib.run.runner.run_book", record)
    train, evaluation = write_tiny_data(tmp_path / "data", n_train=200, n_eval=60)
    params = tmp_path / "no_out_dir.yaml"
    params.write_text(f"train_path: {train}\neval_path: {evaluation}\n")
    assert cli.main(["run", "--params", str(params)]) == 0
    assert cli.main(["run", "--params", str(params), "--out", str(tmp_path / "mine")]) == 0
    assert received == [str(DEFAULT_OUT), str(tmp_path / "mine")]


# --- The cache key -------------------------------------------------------------------------


def test_parameters_cell_and_jupytext_header_do_not_change_the_cache_key(tmp_path):
    original = REPO_ROOT / "notebooks" / "02_baseline.py"
    parameters = {"SEED": 42, "OUT_DIR": "/anywhere"}

    def key(source: Path) -> str:
        chapter = discover_chapters((source.stem,), source.parent)[0]
        return chapter_key(chapter, parameters, upstream_key="", library="fixed")

    def cell_after_parameters(cells):
        return cells[cells.index(parameters_cell(cells)) + 1]

    def variant(name, edit):
        folder = tmp_path / name
        folder.mkdir()
        edit_cells(original, folder / original.name, edit)
        return folder / original.name

    def same(cells):
        pass

    def new_defaults(cells):
        cell = parameters_cell(cells)
        cell.source = cell.source.replace("SEED = 42", "SEED = 7")
        cell.source = re.sub(r'OUT_DIR = "[^"]*"', 'OUT_DIR = "elsewhere"', cell.source)

    def new_code(cells):
        cell_after_parameters(cells).source += "\nprint('one more line')"

    def new_prose(cells):
        next(c for c in cells if c.cell_type == "markdown").source += " One more sentence."

    def new_tag(cells):
        cell_after_parameters(cells).metadata["tags"] = ["hide-input"]

    saved = variant("saved", same)
    # The save really rewrote the header, as the autosave did.
    assert (
        "jupytext_version" in saved.read_text() and "jupytext_version" not in original.read_text()
    )
    assert key(saved) == key(original)
    assert key(variant("defaults", new_defaults)) == key(original)
    for name, edit in (("code", new_code), ("prose", new_prose), ("tag", new_tag)):
        assert key(variant(name, edit)) != key(original), name
    # What a parameter is set to still counts: it arrives through the parameters.
    chapter = discover_chapters(("02_baseline",), original.parent)[0]
    assert chapter_key(chapter, {**parameters, "SEED": 7}, "", "fixed") != key(original)


@pytest.mark.smoke
def test_a_saved_parameter_edit_keeps_the_chapter_warm_and_a_code_edit_does_not(
    tmp_path, monkeypatch
):
    monkeypatch.setattr("p3lib.run.runner.library_fingerprint", lambda: "fixed")
    sources, out = tmp_path / "src", tmp_path / "out"
    sources.mkdir()
    source = sources / "01_a.py"
    source.write_text(
        textwrap.dedent(
            """\
            # ---
            # jupyter:
            #   kernelspec:
            #     display_name: Python 3 (ipykernel)
            #     language: python
            #     name: python3
            # ---

            # %% tags=["parameters"]
            OUT_DIR = "outputs-lab"
            STEP = 1

            # %%
            from pathlib import Path

            count = Path(OUT_DIR, "count.txt")
            count.write_text(str(int(count.read_text()) + STEP if count.exists() else STEP))
            """
        )
    )
    parameters = {"OUT_DIR": str(out), "STEP": 1}
    quiet = {"log": lambda message: None}

    def run():
        return run_book(parameters, discover_chapters(("01_a",), sources), **quiet)

    assert run().executed and (out / "count.txt").read_text() == "1"

    def new_default(cells):
        parameters_cell(cells).source = parameters_cell(cells).source.replace(
            "STEP = 1", "STEP = 5"
        )

    edit_cells(source, source, new_default)
    assert run().skipped == ["01_a"] and (out / "count.txt").read_text() == "1"

    def new_code(cells):
        cells[-1].source += "\nprint('edited')"

    edit_cells(source, source, new_code)
    assert list(run().executed) == ["01_a"] and (out / "count.txt").read_text() == "2"


# --- papermill -----------------------------------------------------------------------------


def test_p3_notebook_gives_papermill_every_parameter_with_its_type(tmp_path):
    import papermill

    from p3lib.run.notebook_export import write_papermill_notebook

    for name in CHAPTERS + APPENDIX:
        declared = read_parameters(REPO_ROOT / "notebooks" / f"{name}.py")
        notebook = write_papermill_notebook(name, tmp_path / f"{name}.ipynb")
        inferred = papermill.inspect_notebook(str(notebook))
        assert set(inferred) == set(declared), name
        for parameter, found in inferred.items():
            assert found["inferred_type_name"] == declared[parameter].type_name().replace(" ", "")
            assert found["inferred_type_name"] not in {"None", "any"}, (name, parameter)
    # Everything but the parameters cell is the chapter as written.
    chapter = jupytext.read(REPO_ROOT / "notebooks" / "03_full_finetune.py")
    written = jupytext.read(tmp_path / "03_full_finetune.ipynb")
    kept = [c.source for c in chapter.cells if c is not parameters_cell(chapter.cells)]
    assert kept == [c.source for c in written.cells if c is not parameters_cell(written.cells)]
    assert "EVAL_STEPS = None  # type: int|None" in parameters_cell(written.cells).source


def test_the_parameter_schema_declares_every_chapter_parameter_and_nothing_else():
    # One schema serves `p3 run` and the chapters' check cells (issue 28): a parameter added
    # to a chapter without its line in p3lib.run.parameters.ChapterParameters fails here.
    from p3lib.run.parameters import ChapterParameters, type_name

    declared = {}
    for chapter in discover_chapters(CHAPTERS + APPENDIX):
        for name, parameter in chapter.parameters.items():
            declared[name.lower()] = parameter
    assert set(declared) == set(ChapterParameters.model_fields)
    for name, parameter in declared.items():
        # The cell's type, as papermill's --help-notebook lists it, is the schema's.
        assert type_name(name) == parameter.type_name(), name


@pytest.mark.smoke
def test_under_papermill_a_bad_parameter_stops_in_the_cell_after_the_parameters_cell(
    tmp_path, capsys, monkeypatch
):
    import papermill

    from p3lib.cli import main
    from p3lib.run.notebook_export import write_papermill_notebook

    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))  # the kernel imports this p3lib
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    notebook = write_papermill_notebook("02_baseline", tmp_path / "02_baseline.ipynb")
    for name, value, option in (
        ("N_BOOTSTRAP", "abc", "n_bootstrap=abc"),
        ("N_BOOTSTRAPP", 200, "n_bootstrapp=200"),
    ):
        assert main(["run", "--set", option, "--out", str(tmp_path / "run")]) == 1
        p3_run = capsys.readouterr().err.split(f"--set {option}: ", 1)[1].splitlines()[0]
        executed = tmp_path / f"{name}.ipynb"
        started = time.monotonic()
        with pytest.raises(papermill.PapermillExecutionError) as info:
            papermill.execute_notebook(
                str(notebook), str(executed), parameters={name: value, "OUT_DIR": str(tmp_path)},
                kernel_name="python3", cwd=str(REPO_ROOT), progress_bar=False,
            )  # fmt: skip
        assert p3_run in str(info.value.evalue), (p3_run, info.value.evalue)
        # Code cells only: papermill puts a markdown anchor before the cell that failed.
        cells = [c for c in json.loads(executed.read_text())["cells"] if c["cell_type"] == "code"]
        tags = [cell["metadata"].get("tags", []) for cell in cells]
        failed = [i for i, c in enumerate(cells) if c.get("outputs") and any(
            o.get("output_type") == "error" for o in c["outputs"])]  # fmt: skip
        parameters = next(i for i, t in enumerate(tags) if "parameters" in t)
        assert "injected-parameters" in tags[parameters + 1]
        assert failed == [parameters + 2]
        assert time.monotonic() - started < 60
        assert not (tmp_path / "splits").exists()  # nothing written before the check


@pytest.mark.smoke
def test_the_readme_papermill_command_runs_a_chapter_into_its_out_dir(tmp_path):
    train, evaluation = write_tiny_data(tmp_path / "data")
    run = tmp_path / "my_run"
    notebook = run / "01_data_quality.ipynb"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}

    def command(*args):
        return subprocess.run(
            [str(a) for a in args], capture_output=True, text=True, cwd=REPO_ROOT, env=env
        )

    assert command(BIN / "p3", "notebook", "01_data_quality", notebook).returncode == 0
    helped = command(BIN / "papermill", "--help-notebook", notebook)
    assert 'TRAIN_PATH: str (default "data/raw/train.jsonl")' in helped.stdout
    executed = run / "01_data_quality.out.ipynb"
    # -p values are what the README shows: UPPER_CASE names, paths, the output folder.
    completed = command(
        BIN / "papermill", notebook, executed,
        "-p", "TRAIN_PATH", train, "-p", "EVAL_PATH", evaluation, "-p", "OUT_DIR", run,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    audit = json.loads((run / "metrics" / "data_quality.json").read_text())["audit"]["splits"]
    assert (audit["train"]["n_records"], audit["eval"]["n_records"]) == (40, 30)
    assert audit["train"]["source"] == str(train)
    assert executed.is_file()


@pytest.mark.smoke
def test_a_chapter_run_with_its_defaults_writes_nothing_under_the_published_folder(tmp_path):
    # A copy of the repository whose p3lib the kernel imports (PYTHONPATH comes before the
    # editable install), so the chapter's repository-relative defaults point into tmp_path.
    copy = tmp_path / "repo"
    for folder in ("p3lib", "notebooks", "params"):
        shutil.copytree(
            REPO_ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    write_tiny_data(copy / "data" / "raw")
    notebook = tmp_path / "01_data_quality.ipynb"
    jupytext.write(jupytext.read(copy / "notebooks" / "01_data_quality.py"), notebook)
    env = {
        **os.environ,
        "PYTHONPATH": str(copy),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
    }
    completed = subprocess.run(
        [str(BIN / "papermill"), str(notebook), str(tmp_path / "executed.ipynb")],
        capture_output=True, text=True, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    written = {p.relative_to(copy).as_posix() for p in copy.rglob("*") if p.is_file()}
    written -= {p.relative_to(copy).as_posix() for p in (copy / "p3lib").rglob("*")}
    written = {path for path in written if not path.startswith(("notebooks/", "params/"))}
    written -= {"data/raw/train.jsonl", "data/raw/eval.jsonl"}
    scratch = SCRATCH.relative_to(REPO_ROOT).as_posix()
    assert f"{scratch}/metrics/data_quality.json" in written
    assert all(path.startswith(f"{scratch}/") for path in written), written
    assert not (copy / PUBLISHED.relative_to(REPO_ROOT)).exists()
    # The kernel really ran the copy: the audit names the copy's data file.
    audit = json.loads((copy / scratch / "metrics" / "data_quality.json").read_text())
    assert audit["audit"]["splits"]["train"]["source"] == str(copy / "data/raw/train.jsonl")


# --- Progress bars -------------------------------------------------------------------------


@pytest.mark.smoke
def test_loading_a_model_in_a_kernel_prints_no_progress_bar_or_warning(tmp_path):
    import nbformat
    import papermill

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python"}
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from p3lib.store.progress import quiet_progress_bars\n"
            "quiet_progress_bars()\n"
            "from p3lib.evaluation.embed import load_model\n"
            "model = load_model()"
        ),
        nbformat.v4.new_code_cell("print(model.encode(['boy: hello']).shape)"),
    ]
    source, executed = tmp_path / "probe.ipynb", tmp_path / "probe.out.ipynb"
    nbformat.write(notebook, source)
    papermill.execute_notebook(str(source), str(executed), progress_bar=False, cwd=str(tmp_path))
    outputs = [output for cell in nbformat.read(executed, 4).cells for output in cell.outputs]
    # Only the print: no stderr box (bar, TqdmWarning) and no widget display.
    assert [(o.output_type, o.get("name"), o.get("text")) for o in outputs] == [
        ("stream", "stdout", "(1, 384)\n")
    ]


@pytest.mark.smoke
def test_no_executed_chapter_has_a_progress_bar_or_tqdm_warning_in_a_stderr_box(smoke_book):
    # A bar that a library draws in a kernel without asking us (sentence-transformers' model
    # card, while the trainer starts) is an ipywidgets bar: drawn properly in JupyterLab, and
    # dropped from the book with every widget by p3lib.book.clean_notebooks.
    bar = re.compile(r"\d+%\|")
    executed = sorted((smoke_book["out"] / "notebooks").glob("*.ipynb"))
    assert len(executed) == len(CHAPTERS)
    for notebook in executed:
        for cell in json.loads(notebook.read_text())["cells"]:
            for output in cell.get("outputs", []):
                if output.get("name") == "stderr":
                    text = "".join(output.get("text", ""))
                    assert "IProgress" not in text and "Loading weights" not in text, text
                    assert not bar.search(text), (notebook.name, text)


# --- JupyterLab ----------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class LabServer:
    url: str
    token: str

    def get(self, path: str, method: str = "GET") -> bytes:
        request = urllib.request.Request(
            f"{self.url}{path}", headers={"Authorization": f"token {self.token}"}, method=method
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read()


@pytest.fixture(scope="module")
def jupyter_lab(tmp_path_factory):
    """`jupyter lab` of this environment, with ~/.jupyter and the user's own JupyterLab
    settings out of the way (only the set-up's settings apply). It serves a copy of the
    chapters, so that nothing a test opens can be saved into the repository."""
    if not (BIN / "jupyter-lab").exists():
        pytest.fail("JupyterLab is not installed: run `make unit` (the test extras install it)")
    home = tmp_path_factory.mktemp("lab")
    shutil.copytree(REPO_ROOT / "notebooks", home / "root" / "notebooks")
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
    }
    port, token = free_port(), "p3-test"
    lab = LabServer(f"http://127.0.0.1:{port}", token)
    with (home / "lab.log").open("w") as log:
        server = subprocess.Popen(
            [
                str(BIN / "jupyter-lab"), "--no-browser", "--allow-root",
                "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
                "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={home / 'root'}",
                f"--LabApp.user_settings_dir={home / 'settings'}",
                f"--LabApp.workspaces_dir={home / 'workspaces'}",
            ],
            cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    lab.get("/api/status")
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise AssertionError((home / "lab.log").read_text()[-3000:]) from None
                    time.sleep(0.5)
            yield lab
        finally:
            # Stop the kernels an opened notebook started (each DELETE returns once its kernel
            # is gone), then the server. Its own /api/shutdown does not make it exit after the
            # browser test (jupyter_server 2.21: it logs "Shutting down 5 extensions", and its
            # only pending tasks are tornado's loops of idle HTTP connections), nor does SIGTERM
            # after the browser test; waiting for either cost 15 s of every suite run. With its
            # kernels gone the server holds nothing worth a clean exit (its runtime folder is
            # this fixture's temporary one), so it gets 3 s and is then killed.
            try:
                for kernel in json.loads(lab.get("/api/kernels")):
                    lab.get(f"/api/kernels/{kernel['id']}", method="DELETE")
            except OSError:
                pass
            server.terminate()
            try:
                server.wait(timeout=3)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@pytest.mark.smoke
def test_jupyter_lab_serves_a_chapter_as_a_notebook(jupyter_lab):
    model = json.loads(jupyter_lab.get("/api/contents/notebooks/02_baseline.py?content=1"))
    assert model["type"] == "notebook" and model["format"] == "json"
    cells = model["content"]["cells"]
    expected = jupytext.read(REPO_ROOT / "notebooks" / "02_baseline.py").cells
    assert [c["source"] for c in cells] == [c.source for c in expected]
    assert sum("parameters" in c["metadata"].get("tags", []) for c in cells) == 1

    # A double-click uses the default viewer of the file type; the set-up's setting makes it
    # jupytext's notebook for .py files ...
    settings = jupyter_lab.get("/lab/api/settings/@jupyterlab/docmanager-extension:plugin")
    viewers = json.loads(settings)["schema"]["properties"]["defaultViewers"]["default"]
    assert viewers.get("python") == "Jupytext Notebook", (
        "the default viewer is not set: run `make unit` (the set-up writes "
        ".venv/etc/jupyter/labconfig/default_setting_overrides.json)"
    )
    # ... a viewer that the jupytext lab extension, loaded by this JupyterLab, provides.
    page = jupyter_lab.get("/lab").decode()
    config = re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S)
    extensions = json.loads(config.group(1))["federated_extensions"]
    assert "jupyterlab-jupytext" in {extension["name"] for extension in extensions}


@pytest.mark.smoke
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
def test_a_double_click_in_jupyter_lab_opens_a_chapter_as_a_notebook(jupyter_lab):
    from playwright.sync_api import sync_playwright

    # As in test_browser.py: without these Chromium calls Google's hosts on a closed network.
    quiet = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
    quiet += ["--disable-background-networking", "--disable-component-update", "--disable-sync"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=quiet)
        try:
            page = browser.new_page()
            page.goto(f"{jupyter_lab.url}/lab/tree/notebooks?token={jupyter_lab.token}")
            chapter = page.locator(".jp-DirListing-item", has_text="02_baseline.py")
            chapter.wait_for(timeout=120_000)
            chapter.dblclick()
            page.wait_for_selector(".jp-NotebookPanel, .jp-FileEditor", timeout=120_000)
            assert page.locator(".jp-NotebookPanel").count() == 1
            assert page.locator(".jp-FileEditor").count() == 0
        finally:
            browser.close()
