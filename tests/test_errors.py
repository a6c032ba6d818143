"""Errors by pair type: known answers worked out by hand."""

from __future__ import annotations

import math

import pytest

from p3lib.evaluation.errors_by_type import errors_by_pair_type, wilson_interval


def _wilson_by_hand(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson's formula written out: (p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)."""
    p = k / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n), (centre + spread) / (1 + z * z / n)


# Ten pairs at threshold 0.5 (compatible when the score is at or above it):
#   compatible (label 1): 0.9, 0.8, 0.4       -> one false negative (0.4)
#   incompatible (label 0): 0.1, 0.5, 0.6     -> two false positives (0.5 at the threshold, 0.6)
#   subtle_mismatch: 1 at 0.7, 1 at 0.3, 0 at 0.2, 0 at 0.55 -> one FN (0.3), one FP (0.55)
SCORES = [0.9, 0.8, 0.4, 0.1, 0.5, 0.6, 0.7, 0.3, 0.2, 0.55]
LABELS = [1, 1, 1, 0, 0, 0, 1, 1, 0, 0]
TYPES = ["compatible"] * 3 + ["incompatible"] * 3 + ["subtle_mismatch"] * 4


@pytest.fixture
def table():
    return errors_by_pair_type(SCORES, LABELS, TYPES, threshold=0.5)


def test_counts_by_type(table):
    rows = table.by_pair_type
    assert list(rows) == ["compatible", "incompatible", "subtle_mismatch"]
    got = {t: (r.n, r.false_positives, r.false_negatives, r.n_errors) for t, r in rows.items()}
    assert got == {
        "compatible": (3, 0, 1, 1),
        "incompatible": (3, 2, 0, 2),
        "subtle_mismatch": (4, 1, 1, 2),
    }
    assert rows["incompatible"].error_rate == pytest.approx(2 / 3)
    assert rows["subtle_mismatch"].error_rate == pytest.approx(0.5)


def test_mean_cosine_per_label_and_auc_only_for_mixed_types(table):
    rows = table.by_pair_type
    assert rows["compatible"].mean_cosine_compatible == pytest.approx(0.7)
    assert rows["compatible"].mean_cosine_incompatible is None
    assert rows["incompatible"].mean_cosine_incompatible == pytest.approx(0.4)
    assert rows["compatible"].auc_roc is None and rows["incompatible"].auc_roc is None
    # subtle_mismatch: positives 0.7, 0.3; negatives 0.2, 0.55. Of the four (pos, neg) pairs,
    # 0.7>0.2, 0.7>0.55, 0.3>0.2 are ordered right, 0.3<0.55 wrong: AUC 3/4.
    assert rows["subtle_mismatch"].auc_roc == pytest.approx(0.75)
    assert rows["subtle_mismatch"].mean_cosine_compatible == pytest.approx(0.5)
    assert rows["subtle_mismatch"].mean_cosine_incompatible == pytest.approx(0.375)


def test_worst_is_highest_rate(table):
    assert table.worst == "incompatible"
    sentence = table.worst_sentence("Full fine-tuning")
    low, high = _wilson_by_hand(2, 3)
    assert sentence == (
        "Full fine-tuning errs most on pairs of the type “incompatible”: 2 of 3 wrong (67%, "
        f"95% Wilson interval {low:.0%} to {high:.0%})."
    )


def test_no_errors_means_no_worst_type():
    table = errors_by_pair_type([0.9, 0.1], [1, 0], ["compatible", "incompatible"], 0.5)
    assert table.worst is None
    assert "every eval pair right" in table.worst_sentence("LoRA")
    # 0 of 1 wrong: the interval still reaches up (Wilson, unlike a bootstrap, is not [0, 0]).
    assert table.by_pair_type["compatible"].error_high == pytest.approx(_wilson_by_hand(0, 1)[1])


@pytest.mark.parametrize("k, n", [(0, 5), (1, 5), (7, 18), (12, 12), (21, 28)])
def test_wilson_interval_matches_the_formula(k, n):
    assert wilson_interval(k, n) == pytest.approx(_wilson_by_hand(k, n), abs=1e-9)


def test_known_types_first_then_others_alphabetically():
    table = errors_by_pair_type(
        [0.9, 0.9, 0.9, 0.9], [1, 1, 0, 1], ["zeta", "compatible", "alpha", "dealbreaker"], 0.5
    )
    assert list(table.by_pair_type) == ["compatible", "dealbreaker", "alpha", "zeta"]
    assert table.worst == "alpha"


def test_ties_go_to_more_errors_then_the_earlier_type():
    # incompatible 1/2 and dealbreaker 2/4 have the same rate; dealbreaker has more errors.
    scores = [0.9, 0.1, 0.9, 0.9, 0.1, 0.1]
    labels = [0, 0, 0, 0, 0, 0]
    types = ["incompatible", "incompatible"] + ["dealbreaker"] * 4
    assert errors_by_pair_type(scores, labels, types, 0.5).worst == "dealbreaker"
    assert errors_by_pair_type(scores[:2] + [0.9, 0.1], labels[:4], types[:4], 0.5).worst == (
        "incompatible"
    )


def test_mismatched_lengths_are_an_error():
    with pytest.raises(ValueError):
        errors_by_pair_type([0.1, 0.2], [0, 1], ["compatible"], 0.5)


def test_chart_draws_each_model_with_its_intervals(table):
    from p3lib.book.charts.errors import plot_errors_by_pair_type

    other = errors_by_pair_type([0.9, 0.1], [1, 1], ["compatible", "<b>odd</b>"], 0.5)
    fig = plot_errors_by_pair_type({"full": table, "lora": other})
    full, lora = fig.data
    assert list(full.y) == ["compatible", "incompatible", "subtle_mismatch"]
    assert list(full.x) == pytest.approx([1 / 3, 2 / 3, 1 / 2])
    low, high = _wilson_by_hand(2, 3)
    assert full.error_x.array[1] == pytest.approx(high - 2 / 3)
    assert full.error_x.arrayminus[1] == pytest.approx(2 / 3 - low)
    assert list(full.text) == ["1/3", "2/3", "2/4"]
    # Types the second model lacks are left out of its bars; dataset text is escaped.
    assert list(lora.y) == ["compatible", "&lt;b&gt;odd&lt;/b&gt;"]
    assert "<b>odd</b>" not in str(fig.to_plotly_json()["data"])


def test_results_page_sentence_from_the_run_files(tmp_path, table):
    from p3lib.evaluation.errors_by_type import errors_substitutions
    from p3lib.store.atomic import atomic_write_json

    atomic_write_json(tmp_path / "full.json", {"errors_by_pair_type": table})
    # A results file from before errors_by_pair_type existed is skipped, not an error.
    atomic_write_json(tmp_path / "baseline.json", {"n_pairs": 3})
    odd = errors_by_pair_type([0.9], [0], ["<i>x</i>"], 0.5)
    atomic_write_json(tmp_path / "lora.json", {"errors_by_pair_type": odd})
    paragraph = errors_substitutions(tmp_path)["worst_types"]
    assert paragraph.startswith(
        "Full fine-tuning errs most on pairs of the type “incompatible”: 2 of 3 wrong"
    )
    assert "LoRA errs most on pairs of the type “&lt;i&gt;x&lt;/i&gt;”: 1 of 1 wrong" in paragraph
    assert "base model" not in paragraph
    assert errors_substitutions(tmp_path / "missing") == {"worst_types": ""}


def test_evaluation_results_carry_errors_by_pair_type():
    import numpy as np

    from p3lib.evaluation.pipeline import evaluate_scores
    from p3lib.evaluation.results import EvaluationResult

    result = evaluate_scores(
        SCORES,
        LABELS,
        TYPES,
        ["music"] * 10,
        None,
        threshold=0.5,
        texts=[(f"boy: a{i}", f"girl: b{i}") for i in range(10)],
        n_bootstrap=50,
        projection=np.random.default_rng(0).normal(size=(10, 2)),
    )
    assert result.errors_by_pair_type.by_pair_type["incompatible"].false_positives == 2
    assert result.errors_by_pair_type.worst == "incompatible"
    again = EvaluationResult.model_validate_json(result.model_dump_json())
    assert again.errors_by_pair_type == result.errors_by_pair_type
