"""Known answers for the three evaluation tiers (p3lib.evaluation.tiers) on a hand-made set."""

from __future__ import annotations

import pytest

from p3lib.data.schema import DatingPair
from p3lib.evaluation.tiers import assign_tiers, measure_tiers, tier_differences


def _pair(boy: str, girl: str, label: int, sub: str | None = "a") -> DatingPair:
    extra = {} if sub is None else {"category": "c", "subcategory": sub}
    return DatingPair(text_1=f"boy: {boy}", text_2=f"girl: {girl}", label=label, **extra)


TRAIN = [_pair("t1", "t2", 1, "a"), _pair("t3", "t4", 0, "b")]
EVAL = [
    # seen templates: groups c/a and c/b occur in train
    _pair("s1", "s2", 1, "a"),
    _pair("s3", "s4", 0, "a"),
    _pair("s5", "s6", 1, "b"),
    _pair("s7", "s8", 0, "b"),
    # unseen templates: new groups, new statements
    _pair("u1", "u2", 1, "n1"),
    _pair("u3", "u4", 1, "n2"),
    _pair("u5", "u6", 0, "n1"),
    _pair("u7", "u8", 0, "n2"),
    # a new group, but "T1" is train's statement "t1" (case aside): in neither tier
    _pair("T1", "u9", 1, "n3"),
]
EVAL_SCORES = [0.9, 0.2, 0.4, 0.6, 0.8, 0.3, 0.3, 0.1, 0.99]
OOD = [_pair("o1", "o2", 1, "g"), _pair("o3", "o4", 0, "g"), _pair("o5", "o6", 1, "h")]
OOD += [_pair("o7", "o8", 0, "h")]
OOD_SCORES = [0.1, 0.9, 0.2, 0.8]


@pytest.fixture(scope="module")
def report():
    return measure_tiers(
        EVAL_SCORES, EVAL, TRAIN, 0.5, ood_scores=OOD_SCORES, ood_pairs=OOD, n_resamples=200
    )


def test_tier_split_follows_groups_and_statements():
    assignment = assign_tiers(EVAL, TRAIN)
    assert assignment.tiers == ["seen_templates"] * 4 + ["unseen_templates"] * 4 + ["unassigned"]
    assert assignment.rule == "subcategory"
    assert assignment.groups[0] == "c/a"


def test_without_subcategories_tiers_follow_shared_statements():
    train = [_pair("t1", "t2", 1, None)]
    evals = [_pair("t1", "x", 1, None), _pair("y", "z", 0, None), _pair("q", "r", 0, "new")]
    assignment = assign_tiers(evals, train)
    # No train pair has a subcategory, so every eval pair goes by its statements.
    assert assignment.tiers == ["seen_templates", "unseen_templates", "unseen_templates"]
    assert assignment.rule == "statement"
    mixed = assign_tiers([_pair("t1", "x", 1, None), _pair("s", "u", 0, "a")], TRAIN)
    assert mixed.rule == "both" and mixed.tiers == ["seen_templates", "seen_templates"]


def test_tier_aucs_counts_and_rates(report):
    seen, unseen, topics = report.seen_templates, report.unseen_templates, report.unseen_topics
    # Seen: positives 0.9, 0.4 against negatives 0.2, 0.6: 3 of 4 orderings right.
    assert seen.auc == pytest.approx(0.75)
    # Unseen: positives 0.8, 0.3 against 0.3, 0.1: 0.8 beats both, 0.3 beats 0.1 and ties
    # 0.3 (half): 3.5 / 4.
    assert unseen.auc == pytest.approx(0.875)
    # OOD: every negative above every positive.
    assert topics.auc == pytest.approx(0.0)
    assert (seen.n, unseen.n, topics.n, report.n_unassigned) == (4, 4, 4, 1)
    assert (seen.n_groups, unseen.n_groups, topics.n_groups) == (2, 2, 2)
    # At threshold 0.5: seen recall 1 of 2 (0.9), FP rate 1 of 2 (0.6); unseen 1 of 2, 0 of 2.
    assert (seen.recall, seen.false_positive_rate) == (0.5, 0.5)
    assert (unseen.recall, unseen.false_positive_rate) == (0.5, 0.0)
    for tier in (seen, unseen, topics):
        assert tier.low <= tier.auc <= tier.high
    assert report.aucs() == {
        "seen_templates": seen.auc,
        "unseen_templates": unseen.auc,
        "unseen_topics": topics.auc,
    }


def test_paired_tier_differences(report):
    # Model b ranks the seen tier perfectly (AUC 1) and the OOD tier perfectly (AUC 1).
    b_scores = [0.9, 0.1, 0.8, 0.2, 0.8, 0.3, 0.3, 0.1, 0.5]
    other = measure_tiers(
        b_scores,
        EVAL,
        TRAIN,
        0.5,
        ood_scores=[0.9, 0.1, 0.8, 0.2],
        ood_pairs=OOD,
        n_resamples=200,
    )
    found = tier_differences(report, other, n_resamples=200)
    assert found["seen_templates"].estimate == pytest.approx(0.75 - 1.0)
    assert found["unseen_templates"].estimate == pytest.approx(0.0)
    assert found["unseen_templates"].low == found["unseen_templates"].high == pytest.approx(0.0)
    assert found["unseen_topics"].estimate == pytest.approx(-1.0)
    without_ood = measure_tiers(b_scores, EVAL, TRAIN, 0.5, n_resamples=200)
    assert tier_differences(report, without_ood, n_resamples=200)["unseen_topics"] is None


def test_comparison_reports_the_share_of_gain_that_survives(report, tmp_path):
    from p3lib.evaluation.tiers import TierComparison, compare_tiers
    from p3lib.store.result_files import load_result, save_result

    better = measure_tiers(
        [0.9, 0.1, 0.8, 0.2, 0.8, 0.3, 0.3, 0.1, 0.5],
        EVAL,
        TRAIN,
        0.5,
        ood_scores=[0.9, 0.1, 0.8, 0.2],
        ood_pairs=OOD,
        n_resamples=200,
    )
    found = compare_tiers({"baseline": report, "full": better}, n_resamples=200)
    assert set(found.differences) == {"full - baseline"}
    # Seen gain 1.0 - 0.75 = 0.25; unseen templates gain 0 (same scores): 0 of it survives;
    # unseen topics gain 1.0 - 0.0 = 1.0: four times the seen gain.
    assert found.gain_kept["full"]["unseen_templates"] == pytest.approx(0.0)
    assert found.gain_kept["full"]["unseen_topics"] == pytest.approx(4.0)
    path = save_result(found, tmp_path / "tiers.json")
    assert load_result(path, TierComparison) == found
    assert '"scores": [' not in path.read_text()  # per-pair arrays go to the side file


def test_tier_sentence_and_table_carry_the_numbers(report):
    from p3lib.book.tier_text import tier_sentence, tier_table
    from p3lib.evaluation.tiers import compare_tiers

    better = measure_tiers(
        [0.9, 0.1, 0.8, 0.2, 0.8, 0.3, 0.3, 0.1, 0.5],
        EVAL,
        TRAIN,
        0.5,
        ood_scores=[0.9, 0.1, 0.8, 0.2],
        ood_pairs=OOD,
        n_resamples=200,
    )
    tiers = compare_tiers({"baseline": report, "full": better}, n_resamples=200)
    sentence = tier_sentence(tiers, "full")
    assert sentence.startswith("Full fine-tuning raises AUC on seen templates")
    assert "from 0.750 to 1.000" in sentence
    assert "on unseen templates from 0.875 to 0.875 (0% of that gain survives" in sentence
    assert "on unseen topics from 0.000 to 1.000 (400% of that gain survives" in sentence
    assert "| 0.875 [" in tier_table(tiers) and ", n 4 |" in tier_table(tiers)
