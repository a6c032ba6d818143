"""`p3 results --check`: exact figures to the digit, clustering rows by range, timings ignored."""

from __future__ import annotations

import numpy as np
import pytest

from p3lib import cli
from p3lib.book.results_block import (
    CLUSTERS_LABEL,
    NULL_LABEL,
    PURITY_LABEL,
    RESULTS_END,
    RESULTS_START,
    block_from_run,
    results_table,
)
from p3lib.book.results_check import check_command, differences, parse_block, ranges_overlap
from p3lib.evaluation.clustering import clustering_over_seeds
from p3lib.evaluation.comparison import compare
from p3lib.evaluation.pipeline import evaluate_scores
from p3lib.store.atomic import atomic_write_json
from p3lib.store.run_layout import RunLayout

PURITY_ROW = (
    "| HDBSCAN cluster purity | 0.674 [0.555, 0.690], noise 14% [7%, 20%] "
    "| 0.859 [0.80, 0.90], noise 12% [10%, 15%] |"
)
TABLE = f"""| Metric | Baseline | Full |
|---|---:|---:|
| AUC-ROC | 0.366 [0.300, 0.430] | 0.880 [0.840, 0.916] |
{PURITY_ROW}
| Seconds per epoch | (not trained) | 29.3 |

Fine-tuning improved the margin from -0.101 to +0.514."""


def test_parse_block_reads_cells_by_table_row_and_column():
    cells, lines = parse_block(TABLE)
    assert cells[("Metric", "AUC-ROC", "Full")] == "0.880 [0.840, 0.916]"
    assert cells[("Metric", "Seconds per epoch", "Baseline")] == "(not trained)"
    assert lines == ["Fine-tuning improved the margin from -0.101 to +0.514."]


def test_identical_blocks_have_no_difference():
    assert differences(TABLE, TABLE) == []


def test_an_exact_figure_differing_in_the_last_digit_is_named():
    other = TABLE.replace("0.880 [0.840, 0.916]", "0.881 [0.840, 0.916]")
    assert differences(TABLE, other) == [
        "Metric table, row AUC-ROC, column Full: README 0.880 [0.840, 0.916], "
        "this run 0.881 [0.840, 0.916]"
    ]


def test_clustering_rows_pass_when_ranges_overlap_and_fail_when_apart():
    # Medians differ (0.674 vs 0.600) but the seed ranges [0.555, 0.690] and [0.52, 0.61] meet.
    moved = TABLE.replace(
        "0.674 [0.555, 0.690], noise 14% [7%, 20%]", "0.600 [0.52, 0.61], noise 9% [5%, 8%]"
    )
    assert differences(TABLE, moved) == []
    apart = TABLE.replace("0.859 [0.80, 0.90]", "0.518 [0.50, 0.55]")
    (found,) = differences(TABLE, apart)
    assert found.startswith("Metric table, row HDBSCAN cluster purity, column Full: README 0.859")
    noise_apart = TABLE.replace("noise 12% [10%, 15%]", "noise 30% [25%, 40%]")
    assert len(differences(TABLE, noise_apart)) == 1


def test_ranges_overlap_edge_cases():
    assert ranges_overlap("[0.5, 0.6]", "[0.6, 0.7]")  # touching ranges meet
    assert not ranges_overlap("[0.5, 0.6]", "[0.61, 0.7]")
    assert ranges_overlap("n/a", "n/a") and not ranges_overlap("n/a", "[0.1, 0.2]")


def test_timings_are_not_compared_but_text_and_rows_are():
    slower = TABLE.replace("| 29.3 |", "| 35.0 |")
    assert differences(TABLE, slower) == []
    reworded = TABLE.replace("+0.514", "+0.515")
    (found,) = differences(TABLE, reworded)
    assert found.startswith("text line 1: README 'Fine-tuning improved the margin")
    fewer = "\n".join(line for line in TABLE.splitlines() if not line.startswith("| AUC"))
    assert differences(TABLE, fewer) == [
        "Metric table, row AUC-ROC, column Baseline: missing from this run",
        "Metric table, row AUC-ROC, column Full: missing from this run",
    ]


def _result(name: str, shift: float, projections: list[np.ndarray], labels: np.ndarray):
    n = labels.size
    scores = np.where(labels == 1, 0.5 + shift, 0.4) + np.linspace(-0.2, 0.2, n)
    base = evaluate_scores(
        scores,
        labels,
        ["compatible" if y else "incompatible" for y in labels],
        ["a" if i % 2 else "b" for i in range(n)],
        None,
        threshold=0.45,
        texts=[(f"boy: {i}", f"girl: {i}") for i in range(n)],
        n_bootstrap=50,
        projection=projections[0],
        name=name,
    )
    over, summaries = clustering_over_seeds(
        projections, list(range(42, 42 + len(projections))), labels, n_shuffles=100
    )
    return base.model_copy(update={"clustering": over, "hdbscan": summaries[0]})


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A run folder whose comparison.json has three models measured over three UMAP seeds."""
    rng = np.random.default_rng(5)
    labels = np.array([1, 0] * 30)
    projections = [rng.normal(size=(60, 2)) + 6 * labels[:, None] * (k != 1) for k in range(3)]
    results = [
        _result(name, shift, projections, labels)
        for name, shift in (("baseline", 0.0), ("full", 0.3), ("lora", 0.15))
    ]
    folder = tmp_path_factory.mktemp("run")
    atomic_write_json(RunLayout(folder).metric("comparison"), compare(*results))
    return folder


def test_the_results_table_carries_seed_ranges_noise_and_the_null(run):
    from p3lib.evaluation.comparison import load_comparison

    comparison = load_comparison(RunLayout(run).metric("comparison"))
    assert set(comparison.purity_null) == {"baseline", "full", "lora"}
    over = comparison.full.clustering
    cells, lines = parse_block(results_table(comparison))
    purity = cells[("Metric (eval split)", PURITY_LABEL, "Full fine-tuning")]
    noise = over.noise_fraction
    assert purity == (
        f"{over.purity.median:.3f} [{over.purity.low:.3f}, {over.purity.high:.3f}], "
        f"noise {noise.median:.0%} [{noise.low:.0%}, {noise.high:.0%}]"
    )
    null = comparison.purity_null["full"]
    assert cells[("Metric (eval split)", NULL_LABEL, "Full fine-tuning")] == (
        f"[{null.low:.3f}, {null.high:.3f}]"
    )
    assert cells[("Metric (eval split)", CLUSTERS_LABEL, "Base model")].startswith(
        f"{comparison.baseline.clustering.n_clusters.median:g} ["
    )
    note = lines[0]
    assert "Exact figures" in note and "medians over 3 UMAP seeds" in note


def test_check_command_passes_on_its_own_block_and_names_a_changed_cell(run, tmp_path, capsys):
    block = block_from_run(run)
    readme = tmp_path / "README.md"
    readme.write_text(f"# p3\n\n{RESULTS_START}\n{block}\n{RESULTS_END}\n", encoding="utf-8")
    assert check_command(run, readme) == 0
    cells, _ = parse_block(block)
    auc = cells[("Metric (eval split)", "AUC-ROC", "LoRA")]
    readme.write_text(readme.read_text().replace(f"| {auc} |", "| 0.123 [0.1, 0.2] |"))
    capsys.readouterr()
    assert check_command(run, readme) == 1
    err = capsys.readouterr().err
    assert "row AUC-ROC, column LoRA: README 0.123 [0.1, 0.2], this run " + auc in err


def test_p3_results_check_exits_non_zero_on_a_difference(run, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "_published", lambda out: out)
    readme = tmp_path / "README.md"
    readme.write_text(f"{RESULTS_START}\n{block_from_run(run)}\n{RESULTS_END}\n", encoding="utf-8")
    assert cli.main(["results", "--check", "--out", str(run), "--readme", str(readme)]) == 0
    readme.write_text(readme.read_text().replace("Exact figures", "Exact numbers"))
    assert cli.main(["results", "--check", "--out", str(run), "--readme", str(readme)]) == 1
