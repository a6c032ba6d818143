"""Bigger eval sets keep pages and metric files small (issue 18's bounds, checked by growth).

Chapters 02 and 05 run with papermill, as ``p3 run`` runs them, on two eval sets of generated
pairs (3,500 and 7,000; the generator's other seeds), with the tiny BERT of ``tiny_model`` as
the base model and tiny full and LoRA fine-tunes of it, so the run takes two to four minutes
on two cores. The issue's goal is stated at 50,000 eval pairs: every page under 3 MB, metric
JSON under 1 MB. Once charts draw a display sample and per-pair arrays live in side files,
both should be nearly constant in the number of pairs; so the honest check at a few thousand
pairs is the straight line through the two measured sizes, extended to 50,000 pairs, against
the bound (and the measured sizes themselves against it): a page of 500 KB at 7,000 pairs
that still grows by 60 bytes a pair would reach 3.08 MB at 50,000, and fails.

Which work each check depends on (issue 18):
- notebook (page) sizes: item 1, charts (``Scattergl`` and a display sample above a few
  thousand points, hover texts truncated, each figure stored once);
- metric JSON sizes: item 2, side files (per-pair arrays in ``.npz`` files beside the JSON).
"""

from __future__ import annotations

import json
import shutil

import pytest
from tiny_model import build_tiny_model, tiny_config, tiny_pairs

from p3lib.data.schema import dump_pairs, load_pairs
from p3lib.run.one_chapter import run_in_child
from p3lib.store.run_layout import DEFAULT_TRAIN, RunLayout

# One worker runs every test here, so the module's scale runs (minutes) are made once, not once
# per pytest-xdist worker.
pytestmark = [pytest.mark.smoke, pytest.mark.xdist_group("scale")]

# Both above the 3,000 points that the charts draw at most (p3lib/book/charts/sampling.py), so
# the line through them measures the growth per pair that remains at any larger size.
SIZES = (3500, 7000)
GOAL_PAIRS = 50_000
PAGE_BOUND = 3_000_000
JSON_BOUND = 1_000_000
CHAPTERS = ("02_baseline", "05_post_training_eval")
SMALL = {"N_BOOTSTRAP": 50, "N_UMAP_SEEDS": 1, "N_SHUFFLES": 50}


def generated_eval(n: int) -> list:
    """``n`` generated pairs of seeds 1000, 1001, ..., none from the default train split."""
    from p3lib.data.generate import held_out_pairs

    return held_out_pairs(n, {pair.key for pair in load_pairs(DEFAULT_TRAIN)})


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """The tiny base model and its full and LoRA fine-tunes (seconds each)."""
    from p3lib.training.train import train

    folder = tmp_path_factory.mktemp("scale-models")
    base = folder / "base"
    build_tiny_model(base)
    fit, validation = tiny_pairs(160, seed=1), tiny_pairs(40, seed=2)
    for method in ("full", "lora"):
        model = build_tiny_model(folder / f"start-{method}")
        train(fit, validation, tiny_config(method, epochs=1), folder / method, model=model)
    return folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory, models):
    """Chapters 02 and 05 at each size: ``{n: RunLayout}``."""
    layouts = {}
    for n in SIZES:
        folder = tmp_path_factory.mktemp(f"scale-{n}")
        eval_path = folder / "eval.jsonl"
        eval_path.write_text(dump_pairs(generated_eval(n)), encoding="utf-8")
        layout = RunLayout(folder / "out")
        for name in ("full", "lora"):
            shutil.copytree(models / name, layout.model(name))
        parameters = {
            "TRAIN_PATH": str(DEFAULT_TRAIN),
            "EVAL_PATH": str(eval_path),
            "OUT_DIR": str(layout.root),
            "MODEL": str(models / "base"),
            **SMALL,
        }
        for chapter in CHAPTERS:
            completed = run_in_child(chapter, layout.root, parameters)
            assert completed.returncode == 0, completed.stderr[-3000:]
        layouts[n] = layout
    return layouts


def at_goal(sizes: dict[int, int]) -> float:
    """The straight line through the measured sizes, at :data:`GOAL_PAIRS` pairs."""
    (n1, s1), (n2, s2) = sorted(sizes.items())
    return s2 + max(0.0, (s2 - s1) / (n2 - n1)) * (GOAL_PAIRS - n2)


def test_at_goal_extrapolates_the_growth_per_pair():
    # 750 pairs: 200 KB, 3,000 pairs: 380 KB -> 80 bytes a pair -> 3.98 MB at 50,000.
    assert at_goal({750: 200_000, 3000: 380_000}) == pytest.approx(380_000 + 80 * 47_000)
    # A file that does not grow stays at its size; one that shrinks is not credited.
    assert at_goal({750: 500_000, 3000: 500_000}) == 500_000
    assert at_goal({750: 600_000, 3000: 500_000}) == 500_000


def test_the_runs_measured_every_pair(runs):
    for n, layout in runs.items():
        baseline = json.loads(layout.metric("baseline").read_text())
        assert baseline["n_pairs"] == n
        assert json.loads(layout.metric("full").read_text())["n_pairs"] == n


def page_bytes(executed) -> int:
    """The size of a chapter's page body: the book's copy of the notebook (charts as the HTML
    the book draws them with, :func:`p3lib.book.clean_notebooks.clean_notebook`) rendered to HTML by
    nbconvert, as Jupyter Book renders a notebook page (the theme adds a fixed few KB)."""
    import nbformat
    from nbconvert import HTMLExporter

    from p3lib.book.clean_notebooks import clean_notebook

    notebook = clean_notebook(json.loads(executed.read_text(encoding="utf-8")))
    body, _ = HTMLExporter(template_name="basic").from_notebook_node(
        nbformat.reads(json.dumps(notebook), as_version=4)
    )
    return len(body.encode("utf-8"))


def test_notebook_pages_stay_under_3_mb_at_50000_pairs(runs):
    # Depends on issue 18 item 1 (charts): display samples, Scattergl, figures stored once.
    for chapter in CHAPTERS:
        for measure in (lambda path: path.stat().st_size, page_bytes):
            sizes = {
                n: measure(layout.notebooks / f"{chapter}.ipynb") for n, layout in runs.items()
            }
            assert max(sizes.values()) < PAGE_BOUND, (chapter, sizes)
            assert at_goal(sizes) < PAGE_BOUND, (chapter, sizes, at_goal(sizes))


def test_metric_json_stays_under_1_mb_at_50000_pairs(runs):
    # Depends on issue 18 item 2 (side files): per-pair arrays in .npz files, not the JSON.
    names = sorted({p.name for layout in runs.values() for p in layout.metrics.glob("*.json")})
    assert {"baseline.json", "full.json", "lora.json", "comparison.json"} <= set(names)
    for name in names:
        sizes = {n: (layout.metrics / name).stat().st_size for n, layout in runs.items()}
        assert max(sizes.values()) < JSON_BOUND, (name, sizes)
        assert at_goal(sizes) < JSON_BOUND, (name, sizes, at_goal(sizes))
