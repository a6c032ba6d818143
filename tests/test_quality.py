"""The data quality evaluator on tiny inputs whose statistics are worked out by hand here."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from json_files import as_written
from scipy import stats
from tiny_model import pair

from p3lib.data.audit import audit_files
from p3lib.data.quality.bias import chi_squared
from p3lib.data.quality.diversity import moving_average_ttr
from p3lib.data.quality.evaluator import SyntheticDataEvaluator
from p3lib.data.quality.report import (
    DIMENSIONS,
    PASS_MARK,
    DataQualityReport,
    DimensionScore,
    format_report,
    write_report,
)
from p3lib.data.schema import load_pairs
from p3lib.store.run_layout import DEFAULT_TRAIN

# Three records, 19 words: i love jazz | i love jazz too | i hate jazz | i love rock |
# i cook daily | i never cook. Nine distinct words: i love jazz too hate rock cook daily never.
THREE = [
    pair("I love jazz", "I love jazz too", 1),
    pair("I hate jazz", "I love rock", 0),
    pair("I cook daily", "I never cook", 1, category="lifestyle"),
]


def sub(pairs, dimension: str, name: str):
    evaluator = SyntheticDataEvaluator(pairs)
    return getattr(evaluator, f"evaluate_{dimension}")().sub_score(name)


# --------------------------------------------------------------------- diversity


def test_type_token_ratio_of_three_records():
    richness = sub(THREE, "diversity", "vocabulary_richness")
    assert richness.statistic.value == pytest.approx(9 / 19)
    assert richness.statistic.details["n_tokens"] == 19
    # Fewer words than one 50-word window: the moving average is the plain ratio.
    assert richness.score == pytest.approx(100 * 9 / 19)


def test_moving_average_ttr_slides_over_windows():
    tokens = ["a", "b", "a", "c"]
    # Windows of 2: ab, ba, ac -> 2, 2, 2 distinct; windows of 3: aba, bac -> 2, 3.
    assert moving_average_ttr(tokens, window=2) == pytest.approx(1.0)
    assert moving_average_ttr(tokens, window=3) == pytest.approx(5 / 6)


def test_two_equally_common_categories_score_100_entropy():
    pairs = [THREE[0], THREE[2]]
    entropy = sub(pairs, "diversity", "category_entropy")
    assert entropy.score == pytest.approx(100.0)
    assert entropy.statistic.details["n_categories"] == 2


def test_category_entropy_of_unequal_categories():
    # interests 2, lifestyle 1, values 1: H = -(1/2 ln 1/2 + 2 * 1/4 ln 1/4), divided by ln 3.
    pairs = [*THREE, pair("I love art", "I love art too", 1, category="values")]
    expected = -(0.5 * math.log(0.5) + 2 * 0.25 * math.log(0.25)) / math.log(3)
    assert sub(pairs, "diversity", "category_entropy").score == pytest.approx(100 * expected)


def test_a_single_category_has_no_entropy():
    assert sub(THREE[:2], "diversity", "category_entropy").score == 0.0


def test_label_balance_one_to_three_is_33():
    pairs = [*THREE[:2], pair("I like tea", "I hate tea", 0), pair("I run", "I never run", 0)]
    # labels 1, 0, 0, 0
    balance = sub(pairs, "diversity", "label_balance")
    assert balance.score == pytest.approx(100 / 3)
    assert balance.statistic.details == {"n_label_1": 1, "n_label_0": 3}


def test_text_complexity_is_the_length_coefficient_of_variation():
    lengths = np.array([3, 4, 3, 3, 3, 3])
    cv = lengths.std() / lengths.mean()
    complexity = sub(THREE, "diversity", "text_complexity")
    assert complexity.statistic.value == pytest.approx(cv)
    assert complexity.score == pytest.approx(100 * min(1, cv / 0.5))


# --------------------------------------------------------------------- data quality


def test_duplicates_share():
    pairs = [THREE[0], THREE[0], THREE[0], THREE[1]]  # two repeats of the first pair
    duplicates = sub(pairs, "data_quality", "duplicates")
    assert duplicates.statistic.value == pytest.approx(0.5)
    assert duplicates.score == pytest.approx(50.0)


def test_consistency_catches_dealbreakers_and_types_with_the_wrong_label():
    pairs = [
        pair("I smoke", "I never smoke", 1, "dealbreakers", "dealbreaker"),  # must be 0
        pair("I love jazz", "I hate jazz", 0, pair_type="compatible"),  # must be 1
        pair("I hike", "I walk", 0, pair_type="subtle_mismatch"),  # either label is fine
        THREE[0],
    ]
    consistency = sub(pairs, "data_quality", "consistency")
    assert consistency.score == pytest.approx(50.0)
    details = consistency.statistic.details
    assert details["n_dealbreaker_not_0"] == 1
    assert details["n_label_contradicts_pair_type"] == 2


def test_format_flags_untidy_statements():
    pairs = [pair("I  love jazz", "...and I love rock", 1), THREE[0]]
    format_score = sub(pairs, "data_quality", "format")
    assert format_score.statistic.details["n_untidy"] == 2
    assert format_score.score == pytest.approx(100 * 2 / 4)


def test_completeness_of_loaded_records_is_full():
    assert sub(THREE, "data_quality", "completeness").score == 100.0


# --------------------------------------------------------------------- bias


def by_hand_chi_squared(table):
    table = np.asarray(table, dtype=float)
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    chi2 = ((table - expected) ** 2 / expected).sum()
    cramers_v = math.sqrt(chi2 / (table.sum() * (min(table.shape) - 1)))
    return chi2, cramers_v


def test_gender_label_chi_squared_on_one_sided_negative_pairs():
    pairs = [
        # boy negative: labels 0, 0, 1
        pair("I never drink", "I drink wine", 0),
        pair("I hate jazz", "I love jazz", 0),
        pair("I don't run", "I swim", 1),
        # girl negative: labels 0, 1, 1
        pair("I love dogs", "I can't stand dogs", 0),
        pair("I read", "I dislike parties", 1),
        pair("I cook", "I avoid sugar", 1),
        # both or neither negative: not in the table
        pair("I hate jazz", "I hate jazz too", 1),
        pair("I love tea", "I love tea too", 1),
    ]
    gender = sub(pairs, "bias", "gender_label")
    details = gender.statistic.details
    table = [
        [details["boy_negative_label_0"], details["boy_negative_label_1"]],
        [details["girl_negative_label_0"], details["girl_negative_label_1"]],
    ]
    assert table == [[2, 1], [1, 2]]
    chi2, cramers_v = by_hand_chi_squared(table)  # expected 1.5 each: chi2 = 4 * 0.25 / 1.5
    assert chi2 == pytest.approx(2 / 3)
    assert details["chi2"] == pytest.approx(chi2)
    assert gender.statistic.value == pytest.approx(cramers_v) == pytest.approx(1 / 3)
    assert gender.statistic.p_value == pytest.approx(stats.chi2.sf(chi2, 1))
    assert gender.score == pytest.approx(100 * (1 - 1 / 3))


def test_category_label_cramers_v_by_hand():
    pairs = [
        *THREE,
        pair("I smoke", "I never smoke", 0, "dealbreakers", "dealbreaker"),
        pair("I drink", "I never drink", 0, "dealbreakers", "dealbreaker"),
    ]
    # rows dealbreakers, interests, lifestyle; columns label 0, label 1
    table = [[2, 0], [1, 1], [0, 1]]
    chi2, cramers_v = by_hand_chi_squared(table)
    category = sub(pairs, "bias", "category_label")
    assert category.statistic.details["chi2"] == pytest.approx(chi2)
    assert category.statistic.details["dof"] == 2
    assert category.statistic.value == pytest.approx(cramers_v)
    assert category.score == pytest.approx(100 * (1 - cramers_v))
    assert category.statistic.examples == ["dealbreakers", "lifestyle"]


def test_chi_squared_without_variation_is_no_association():
    assert chi_squared(np.array([[3, 0], [2, 0]])) == (0.0, 1.0, 0, 0.0)


def test_length_label_point_biserial_from_its_formula():
    pairs = [*THREE, pair("I love long walks on the beach", "I love long walks too", 0)]
    lengths = np.array([7, 6, 6, 12], dtype=float)  # words of both statements
    labels = np.array([1, 0, 1, 0])
    # r_pb = (M1 - M0) / s * sqrt(p q), s the population standard deviation.
    p = labels.mean()
    expected = (
        (lengths[labels == 1].mean() - lengths[labels == 0].mean())
        / lengths.std()
        * math.sqrt(p * (1 - p))
    )
    length = sub(pairs, "bias", "length_label")
    assert length.statistic.value == pytest.approx(expected)
    assert length.score == pytest.approx(100 * (1 - abs(expected)))


def test_constant_length_has_no_length_bias():
    pairs = [pair("I love jazz", "I love rock", 1), pair("I hate jazz", "I love rock", 0)]
    length = sub(pairs, "bias", "length_label")
    assert (length.statistic.value, length.statistic.p_value, length.score) == (0.0, None, 100.0)


def test_vocabulary_label_skew():
    pairs = [pair("I smoke a lot", "I never smoke", 0)] * 5 + [
        pair("I love tea", "I love tea too", 1)
    ] * 5
    # Words in >= 5 pairs: i (label-1 share 0.5, the base rate) and seven words whose pairs
    # are all one label: smoke a lot never (0.0) love tea too (1.0).
    vocabulary = sub(pairs, "bias", "vocabulary_label")
    assert vocabulary.statistic.details["n_frequent_words"] == 8
    assert vocabulary.statistic.details["n_skewed_words"] == 7
    assert vocabulary.score == pytest.approx(100 * (1 - 7 / 8))


# --------------------------------------------------------------------- linguistic quality


def test_flesch_reading_ease_of_one_syllable_words():
    pairs = [THREE[0]]  # 7 one-syllable words in 2 statements of one sentence each
    readability = sub(pairs, "linguistic_quality", "readability")
    expected = 206.835 - 1.015 * 7 / 2 - 84.6 * 7 / 7
    assert readability.statistic.details["syllables"] == 7
    assert readability.statistic.value == pytest.approx(expected)
    assert readability.score == 100.0  # clipped


def test_coherence_is_mean_jaccard_scaled_to_half_overlap():
    # {i love jazz} vs {i cook daily}: 1 / 5; {i love jazz} vs {i love jazz too}: 3 / 4.
    pairs = [pair("I love jazz", "I cook daily", 1), THREE[0]]
    coherence = sub(pairs, "linguistic_quality", "coherence")
    mean = (1 / 5 + 3 / 4) / 2
    assert coherence.statistic.value == pytest.approx(mean)
    assert coherence.score == pytest.approx(100 * min(1, mean / 0.5))
    low = sub(pairs[:1], "linguistic_quality", "coherence")
    assert low.score == pytest.approx(100 * 0.2 / 0.5)


def test_naturalness_flags_unnatural_statements():
    pairs = [pair("Love jazz", "I love love jazz", 1), pair("I love {topic}", "I love jazz", 1)]
    naturalness = sub(pairs, "linguistic_quality", "naturalness")
    # "Love jazz": not first person and too short; "love love"; "{topic}".
    assert naturalness.statistic.details["n_unnatural"] == 3
    assert naturalness.score == pytest.approx(100 * 1 / 4)


def test_trigram_repetition_counts_distinct_statements_once():
    # Distinct statements: "I love jazz", "I love jazz too" -> trigrams
    # (i love jazz), (i love jazz), (love jazz too): 3 trigrams, 2 distinct.
    pairs = [THREE[0], THREE[0], pair("I love jazz", "I love jazz", 1)]
    repetition = sub(pairs, "linguistic_quality", "repetition")
    assert repetition.statistic.value == pytest.approx(1 / 3)
    assert repetition.score == pytest.approx(100 * 2 / 3)


# --------------------------------------------------------------------- overall


def test_overall_is_the_mean_of_the_four_dimensions():
    report = SyntheticDataEvaluator(THREE).evaluate()
    scores = [dimension.score for dimension in report.dimensions]
    assert report.overall == pytest.approx(sum(scores) / 4)
    for dimension in report.dimensions:
        assert len(dimension.sub_scores) == 4
        assert dimension.score == pytest.approx(np.mean([s.score for s in dimension.sub_scores]))
        assert all(0 <= s.score <= 100 for s in dimension.sub_scores)
    assert report.pass_mark == PASS_MARK == 60
    assert report.n_records == 3


@pytest.mark.parametrize(("score", "passed"), [(60.0, True), (59.99, False), (100.0, True)])
def test_pass_mark_boundary(monkeypatch, score, passed):
    fixed = DimensionScore(name="fixed", score=score, sub_scores=[])
    for name in DIMENSIONS:
        monkeypatch.setattr(SyntheticDataEvaluator, f"evaluate_{name}", lambda self: fixed)
    report = SyntheticDataEvaluator(THREE).evaluate()
    assert report.overall == pytest.approx(score)
    assert report.passed is passed


def test_findings_name_the_sub_scores_below_the_pass_mark():
    report = SyntheticDataEvaluator(THREE).evaluate()
    low = [f"{d.name}.{s.name}" for d in report.dimensions for s in d.sub_scores if s.score < 60]
    assert [finding.split(" ")[0] for finding in report.findings] == low


def test_evaluation_is_deterministic():
    first = SyntheticDataEvaluator(THREE).evaluate()
    second = SyntheticDataEvaluator(list(THREE)).evaluate()
    assert first.model_dump_json() == second.model_dump_json()


def test_no_pairs_is_an_error():
    with pytest.raises(ValueError):
        SyntheticDataEvaluator([])


def test_write_report_writes_json_and_summary(tmp_path):
    report = SyntheticDataEvaluator(THREE).evaluate()
    json_path, text_path = write_report(report, tmp_path / "evaluation")
    assert json_path.name == "data_quality_report.json"
    assert text_path.name == "data_quality_summary.txt"
    assert DataQualityReport.model_validate(json.loads(json_path.read_text())) == as_written(report)
    summary = text_path.read_text()
    assert summary.startswith("Data quality: PASS" if report.passed else "Data quality: FAIL")
    for dimension in report.dimensions:
        assert f"{dimension.name}: {dimension.score:.1f}" in summary
    assert "type_token_ratio" in summary and "Findings" in summary
    assert summary == format_report(report)


def test_evaluator_on_the_default_data():
    if not DEFAULT_TRAIN.is_file():
        pytest.skip("default data not generated yet (data/raw/train.jsonl)")
    pairs = load_pairs(DEFAULT_TRAIN)
    report = SyntheticDataEvaluator(pairs).evaluate()
    assert report.n_records == len(pairs)
    assert 0 <= report.overall <= 100
    for dimension in report.dimensions:
        assert 0 <= dimension.score <= 100
    # The evaluator's repeated pairs include the audit's exact duplicate records.
    exact = audit_files({"train": DEFAULT_TRAIN}).splits["train"].duplicates.n_extra_copies
    duplicates = report.data_quality.sub_score("duplicates").statistic.details["n_duplicates"]
    assert duplicates >= exact
    # Every dealbreaker pair of the default data is labelled 0 (DATA.md).
    consistency = report.data_quality.sub_score("consistency").statistic.details
    assert consistency["n_dealbreaker_not_0"] == 0
    json.dumps(report.model_dump(mode="json"), allow_nan=False)
