"""Shared fixtures: a smoke run of the whole book on a small slice of the default data.

The smoke data carries records whose statements contain HTML and ``<script>``, so every
page that shows dataset text (tables, hover text, false-positive lists) is tested as text,
not markup. Everything is written under pytest's temporary folders, never ``outputs/``.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock

from p3lib.data.schema import DatingPair, dump_pairs, load_pairs
from p3lib.store.run_layout import DEFAULT_EVAL, DEFAULT_TRAIN, REPO_ROOT

# One thread per process for PyTorch (OpenMP, MKL) and numba, here and in every process the
# tests start (kernels, `p3` runs), which inherit the environment. The suite already keeps both
# cores busy (two pytest-xdist workers and the background smoke book), and a pool of two
# threads on a core another process is using waits for it at every operation: one training
# step of the packaged model took 6-7 s at two threads against 0.5 s at one, and encoding with
# the tiny model 4.5 s against 0.6 s, on the 2-core machine with one other process busy. Tests
# of thread counts set their own (test_threads, test_train, test_runner); a value set by hand
# is kept.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
for _name in THREAD_VARIABLES:
    os.environ.setdefault(_name, "1")

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


def smoke_build_folder(config: pytest.Config) -> Path:
    """Where this test run builds the smoke book: one folder for all pytest-xdist workers.

    Workers share the parent of their own base temporary folders (pytest-xdist's recipe for
    session-scoped data); a run without workers uses its own base folder.
    """
    base = config._tmp_path_factory.getbasetemp()  # the fixture's object, before any test
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return shared / "smoke-book"


def start_smoke_build(root: Path) -> None:
    """Start ``p3 all`` on the smoke data in the background, once per test run.

    It runs while the other tests do (a CPU core is rarely busy with one test alone), and
    records its exit status in ``returncode`` last, which is what :func:`smoke_book` waits for.
    A lock makes the first worker the one that starts it.
    """
    root.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root) + ".lock"):
        if (root / "started").exists():
            return
        train, evaluation = write_smoke_data(root / "data")
        command = [P3, "all", "--params", SMOKE_PARAMS, "--train", train, "--eval", evaluation]
        command += ["--out", root / "out", "--html", root / "html"]
        # The shell writes the status after the logs are closed, via a rename: a reader that
        # sees ``returncode`` sees the whole run.
        script = '"$@" >"$ROOT/stdout" 2>"$ROOT/stderr"; echo $? >"$ROOT/rc.tmp"; '
        script += 'mv "$ROOT/rc.tmp" "$ROOT/returncode"'
        process = subprocess.Popen(
            ["bash", "-c", script, "p3", *map(str, command)],
            cwd=REPO_ROOT,
            env={**os.environ, "ROOT": str(root)},
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stopped whole (pytest_sessionfinish)
        )
        (root / "started").write_text(str(process.pid))
        SMOKE_BUILDS.append(process)


SMOKE_BUILDS: list[subprocess.Popen] = []
SMOKE_BUILD_TIMEOUT = 40 * 60  # seconds; the build takes a few minutes on 2 busy cores


def pytest_configure(config: pytest.Config) -> None:
    """pytest-xdist hands out work in the order :func:`pytest_collection_modifyitems` sets,
    not re-sorted by how many tests each group holds (its default); and PyTorch, if a plugin
    imported it before :data:`THREAD_VARIABLES` were set, takes their thread count."""
    if config.pluginmanager.hasplugin("xdist"):
        config.option.loadscopereorder = False
    if "torch" in sys.modules:  # imported before the variables above were set
        import torch

        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Order the tests for two pytest-xdist workers, and keep each group on one of them.

    Grouped: tests marked ``xdist_group`` (thread counts, signals, timing; the scale runs),
    and every test that uses a module-scoped fixture of its module (a trained tiny model, a
    browser, a made-up comparison), so that the fixture is made once, not once per worker.

    Order: the marked groups and the tests marked ``long`` first (minutes of work each: the
    last of them to start would set the suite's end). The book builds in the background from
    collection on (:func:`start_smoke_build`), and a test that reads it waits for it, so among
    the rest the tests that do not read it come first; in each half, module groups, then
    single tests; each rank in file order. A marked group's own tests keep that order too: its
    worker runs its other tests before it waits for the book, and a long test that reads the
    book goes to the first worker short of work (and waits there if the book is not built).

    pytest-xdist 3.8 marks a grouped test by appending ``@group`` to its ``_nodeid``, which
    pytest 9.2 no longer reads (it keeps a structured ``_id``; pytest-dev/pytest-xdist#1386):
    every mark was silently ignored, and a group's tests and module fixtures were split across
    both workers (test_scale's chapter runs were made twice). :func:`keep_in_group` sets the
    same suffix on the new field.
    """
    rank = {}
    for item in items:
        marked = any(item.iter_markers("xdist_group"))
        if not marked and module_fixtures(item):
            item.add_marker(pytest.mark.xdist_group(item.path.name))
        reads_book = "smoke_book" in getattr(item, "fixturenames", ())
        if marked or item.get_closest_marker("long") is not None:
            rank[item] = (0, reads_book)
        else:
            rank[item] = (1 + reads_book, 0 if module_fixtures(item) else 1)
    items.sort(key=rank.__getitem__)  # stable: file order within each rank
    if getattr(config.option, "loadgroup", False):  # set on pytest-xdist workers under loadgroup
        for item in items:
            keep_in_group(item)


def module_fixtures(item: pytest.Item) -> list[str]:
    """The module-scoped fixtures ``item`` uses (directly or through other fixtures)."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:  # not a test function (a doctest item)
        return []
    return [name for name, defs in info.name2fixturedefs.items() if defs[-1].scope == "module"]


def keep_in_group(item: pytest.Item) -> None:
    """Give ``item`` the ``@group`` suffix pytest-xdist's loadgroup scheduler groups by."""
    marks = item.iter_markers("xdist_group")
    names = {str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in marks}
    if not names:
        return
    suffix = "@" + "_".join(sorted(names))  # as pytest-xdist writes it
    if item.nodeid.endswith(suffix):  # pytest-xdist's own rename took effect (pytest < 9.2)
        return
    item._id = type(item._id).parse(item.nodeid + suffix)  # pytest 9.2's NodeId
    assert item.nodeid.endswith(suffix), "pytest changed how a test's id is stored"


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the smoke book as soon as a selected test needs it (see start_smoke_build)."""
    if session.config.option.collectonly:
        return
    if any("smoke_book" in getattr(item, "fixturenames", ()) for item in session.items):
        start_smoke_build(smoke_build_folder(session.config))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop a build nobody will read: a run stopped early (Ctrl-C, ``-x``) leaves none behind.

    Under pytest-xdist another worker may still wait for it, so a worker that simply ran out
    of tests leaves it running; it ends by itself.
    """
    if session.shouldstop or session.shouldfail or exitstatus == pytest.ExitCode.INTERRUPTED:
        for process in SMOKE_BUILDS:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)  # p3's Ctrl-C: it stops its kernels


@pytest.fixture(scope="session")
def smoke_book(pytestconfig) -> dict[str, Path]:
    """Every chapter run with smoke parameters and the book built; return the folders.

    Built once per test run (across pytest-xdist workers), started at collection; tests read
    it and copy it before changing anything.
    """
    root = smoke_build_folder(pytestconfig)
    start_smoke_build(root)  # no-op when collection started it
    waited = time.monotonic()
    while not (root / "returncode").exists():
        if time.monotonic() - waited > SMOKE_BUILD_TIMEOUT:
            raise AssertionError(f"the smoke book was not built within {SMOKE_BUILD_TIMEOUT} s")
        time.sleep(0.5)
    stdout = (root / "stdout").read_text()
    if int((root / "returncode").read_text()) != 0:
        stderr = (root / "stderr").read_text()
        raise AssertionError(f"p3 all on the smoke data failed:\n{stdout}\n{stderr}")
    return {
        "root": root,
        "train": root / "data" / "train.jsonl",
        "eval": root / "data" / "eval.jsonl",
        "out": root / "out",
        "html": root / "html",
        "log": stdout,
    }
