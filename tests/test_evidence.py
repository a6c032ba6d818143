"""Known-answer tests of issue 24's statistics: rates in the cluster bootstrap, the false
positive rate at a fixed eval recall, the restricted (within-group) purity null, template
groups as (category, subcategory), and the dealbreaker criterion's template count."""

from __future__ import annotations

import numpy as np
import pytest

from p3lib.data.schema import DatingPair
from p3lib.evaluation.cluster_bootstrap import cluster_bootstrap, template_groups, weighted_metrics
from p3lib.evaluation.clustering import purity_null, restricted_shuffles
from p3lib.evaluation.operating_point import fixed_eval_recall, weighted_fpr_at_recall
from p3lib.evaluation.success import DealbreakerCount, success_criteria

# --- rates, not counts ---------------------------------------------------------------------


def test_false_positive_rate_divides_by_the_resamples_own_incompatible_pairs():
    # Scores .9 .8 (label 1), .7 .2 (label 0), threshold .5: one false positive of 2.
    scores = np.array([[0.9, 0.8, 0.7, 0.2]])
    labels = np.array([1, 1, 0, 0])
    # Weights (1, 1, 3, 1): 3 false positives of 4 incompatible -> 0.75; the count would be 3.
    # Weights (2, 0, 0, 2): no false positive of 2 -> 0; false negatives 0 of 2.
    got = weighted_metrics(scores, labels, np.array([0.5]), np.array([[1, 1, 3, 1], [2, 0, 0, 2]]))
    assert got["false_positive_rate"][0].tolist() == [0.75, 0.0]
    assert got["false_negative_rate"][0].tolist() == [0.0, 0.0]


def test_cluster_interval_of_a_rate_lies_in_0_1_where_a_count_would_not():
    # Group a: 2 compatible and 3 incompatible pairs, every one called compatible; group b:
    # one incompatible pair not called, one compatible. The data hold 3 false positives of 4.
    # Resamples: aa 6 of 6 (a count of 6, twice the data's) -> rate 1; ab 3 of 4 -> 0.75;
    # bb 0 of 2 -> 0. Drawn 1/4, 1/2, 1/4: the 95% percentile interval is [0, 1].
    labels = [1, 1, 0, 0, 0, 0, 1]
    groups = ["a", "a", "a", "a", "a", "b", "b"]
    scores = [0.9, 0.9, 0.9, 0.9, 0.9, 0.1, 0.9]
    result = cluster_bootstrap(
        scores,
        labels,
        groups,
        0.5,
        metrics=("false_positive_rate",),
        n_resamples=400,
        method="percentile",
    )
    rate = result.intervals["false_positive_rate"]
    assert (rate.estimate, rate.low, rate.high) == (0.75, 0.0, 1.0)


# --- fixed eval recall ---------------------------------------------------------------------

# Compatible .9 .7 .5 .3, incompatible .8 .6 .4 .2.
SCORES = [0.9, 0.7, 0.5, 0.3, 0.8, 0.6, 0.4, 0.2]
LABELS = [1, 1, 1, 1, 0, 0, 0, 0]


def test_fixed_recall_point_re_derives_the_threshold_under_weights():
    weights = np.array(
        [
            [1, 1, 1, 1, 1, 1, 1, 1],  # recall .5 needs 2 of 4: threshold .7, FP {.8}: 1/4
            [2, 1, 1, 1, 1, 1, 1, 1],  # 5 compatible, needs ceil(2.5) = 3: .9 twice + .7 -> .7
            [0, 1, 1, 1, 1, 1, 1, 1],  # 3 compatible, needs 2: .7 and .5 -> .5, FP .8 .6: 2/4
            [1, 1, 1, 1, 0, 3, 1, 1],  # threshold .7; FP none of 5 incompatible
        ]
    )
    got = weighted_fpr_at_recall(SCORES, LABELS, weights, 0.5)
    assert got[0].tolist() == [0.25, 0.25, 0.5, 0.0]
    # Restricted to one incompatible pair (.8): called at .7 -> 1 in rows 1-3, no weight in 4.
    only = np.array([[0, 0, 0, 0, 1, 0, 0, 0]])
    restricted = weighted_fpr_at_recall(SCORES, LABELS, weights, 0.5, only)[0]
    assert restricted[:3].tolist() == [1.0, 1.0, 1.0] and np.isnan(restricted[3])


def test_fixed_eval_recall_point_intervals_and_paired_difference():
    types = ["compatible"] * 4 + ["dealbreaker", "dealbreaker", "incompatible", "incompatible"]
    # Model b ranks every incompatible pair below every compatible one: FPR 0 at any recall.
    b = [0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1]
    result = fixed_eval_recall(
        {"a": SCORES, "b": b},
        LABELS,
        types,
        [str(i) for i in range(8)],
        [("a", "b"), ("a", "a")],
        target_recall=0.5,
        n_resamples=200,
    )
    a = result.models["a"]
    assert a.threshold == 0.7 and a.recall == 0.5
    assert (a.false_positives.n, a.false_positives.of) == (1, 4)
    assert a.false_positive_rate.estimate == 0.25
    assert a.by_pair_type["dealbreaker"].estimate == 0.5  # .8 of {.8, .6}
    assert a.by_pair_type["incompatible"].estimate == 0.0
    assert result.models["b"].false_positive_rate.estimate == 0.0
    for model in result.models.values():
        for interval in [model.false_positive_rate, *model.by_pair_type.values()]:
            assert 0 <= interval.low <= interval.high <= 1
    assert result.differences["a_vs_b"]["overall"].estimate == 0.25
    itself = result.differences["a_vs_a"]["overall"]
    assert (itself.estimate, itself.low, itself.high) == (0.0, 0.0, 0.0)


# --- restricted permutation ----------------------------------------------------------------


def test_restricted_shuffles_keep_each_groups_labels():
    labels = np.array([1, 0, 0, 1, 1, 1, 0])
    groups = ["a", "b", "a", "b", "c", "a", "c"]
    rows = restricted_shuffles(labels, groups, 300, seed=3)
    for name in set(groups):
        members = [i for i, g in enumerate(groups) if g == name]
        assert (rows[:, members].sum(axis=1) == labels[members].sum()).all()
    # Group b holds (0, 1): both orders occur, about half each.
    assert 0.4 < np.mean(rows[:, 1] == 1) < 0.6


def test_within_group_null_differs_from_the_free_null_by_hand():
    # Clusters {0, 1} and {2, 3}; groups {0, 2} and {1, 3}, each holding one label of each.
    # Within groups: each group swaps or not, so purity is 1 (no swap or both) half the time
    # and 0.5 otherwise. A free shuffle puts the two 1s together one time in three.
    ids, labels, groups = [[0, 0, 1, 1]], [1, 1, 0, 0], ["g", "h", "g", "h"]
    within = purity_null(ids, labels, groups=groups, n_shuffles=4000, seed=0)
    free = purity_null(ids, labels, n_shuffles=4000, seed=0)
    assert within.shuffled == "within_subcategory" and within.n_groups == 2
    assert free.shuffled == "all_pairs" and free.exact
    # p = P(null >= observed 1.0): 1/2 within groups, 1/3 free.
    assert within.p_value == pytest.approx(0.5, abs=0.03)
    assert free.p_value == pytest.approx(1 / 3, abs=1e-9)
    assert within.observed == 1.0 and within.excess == pytest.approx(1.0 - within.median)


# --- groups and the dealbreaker criterion --------------------------------------------------


def test_template_groups_are_category_and_subcategory_pairs():
    def pair(category, subcategory):
        return DatingPair(
            text_1="boy: a", text_2="girl: b", label=1, category=category, subcategory=subcategory
        )

    groups = template_groups([pair("values", "faith"), pair("lifestyle", "faith")])
    assert groups == ["values / faith", "lifestyle / faith"]


def test_dealbreaker_criterion_shows_k_of_n_and_needs_ten_templates():
    class Rate:
        value, low, high = 0.0, 0.0, 0.0

    rows = success_criteria(
        {},
        {"few": Rate(), "many": Rate()},
        10,
        10,
        counts={
            "few": DealbreakerCount(k=0, n=45, n_templates=3),
            "many": DealbreakerCount(k=0, n=45, n_templates=12),
        },
    )
    # An interval of [0, 0] would pass; over 3 templates it cannot bound the rate.
    assert [r.verdict for r in rows] == ["cannot tell", "pass"]
    assert "0 of 45" in rows[0].note and "3 template groups" in rows[0].note
    assert "cannot bound" in rows[0].note and "cannot bound" not in rows[1].note


# --- ranking support -----------------------------------------------------------------------


def test_top_share_counts_ties_as_shares_and_nan_against():
    from p3lib.evaluation.rankings import top_share

    # Resamples: item 0 top alone, tied with item 1, undefined.
    values = np.array([[5.0, 2.0, np.nan], [1.0, 2.0, 3.0]])
    assert top_share(values, 0) == pytest.approx((1 + 0.5 + 0) / 3)
    assert top_share(values, 1) == pytest.approx((0 + 0.5 + 1) / 3)


def test_category_margin_support_by_hand():
    from p3lib.evaluation.rankings import category_margin_support

    # Category x: margin 0.8 in group g1, 0.0 in g2; category y: margin 0.5 (one group, g3).
    # x's margin is 0.8 when g2 is not drawn, 0.0 when g1 is not, 0.4 with both once.
    scores = [0.9, 0.1, 0.5, 0.5, 0.75, 0.25]
    labels = [1, 0, 1, 0, 1, 0]
    categories = ["x", "x", "x", "x", "y", "y"]
    groups = ["g1", "g1", "g2", "g2", "g3", "g3"]
    got = category_margin_support(scores, labels, categories, groups, ["x", "y"], n_resamples=4000)
    # Point: x 0.4 < y 0.5, so y first, x last. x beats y when, among the draws of three
    # groups that hold y (g3 at least once) and x (g1 or g2), g1 outnumbers g2 so that
    # x's margin 0.8 * n1 / (n1 + n2) > 0.5, i.e. n1 > 1.67 n2: (n1, n2) = (1, 0), (2, 0).
    # P(n1=1, n2=0, n3=2) = 3/27, P(n1=2, n2=0, n3=1) = 3/27; y is top otherwise unless y is
    # missing (n3 = 0: 8/27 of the draws, where x is top). Share of y top = 1 - 6/27 - 8/27.
    assert got.first == "y" and got.last == "x"
    assert got.share == pytest.approx(13 / 27, abs=0.025)
    # x lowest: y missing (8/27) or both defined with x below y (19/27 - 1/27 - 6/27 = 12/27).
    assert got.last_share == pytest.approx(20 / 27, abs=0.025)
    assert not got.supported


# --- two-level bootstrap (seeds x template groups) ------------------------------------------


def test_two_level_bootstrap_resamples_seeds_as_well_as_groups():
    from p3lib.evaluation.cluster_bootstrap import two_level_differences

    # Four groups, each one compatible and one incompatible pair, so every draw of groups holds
    # both labels. Arm a: two seeds that rank perfectly (AUC 1 on any draw). Arm b: one seed
    # perfect, one reversed (AUC 0 on any draw). The difference of seed means depends only on
    # which of b's seeds are drawn: both perfect (1/4) -> 0, one each (1/2) -> 0.5, both
    # reversed (1/4) -> 1. Point: 1 - 0.5 = 0.5; 95% percentile interval [0, 1]. A bootstrap
    # over groups alone would give [0.5, 0.5].
    labels = [1, 0] * 4
    groups = ["g1", "g1", "g2", "g2", "g3", "g3", "g4", "g4"]
    good = [0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6, 0.4]
    bad = [0.1, 0.9, 0.2, 0.8, 0.3, 0.7, 0.4, 0.6]
    d = two_level_differences([good, good], [good, bad], labels, groups, n_resamples=2000)[
        "auc_roc"
    ]
    assert (d.estimate, d.low, d.high) == (0.5, 0.0, 1.0)
    # One seed per arm, the same model: every resample gives 0.
    same = two_level_differences([good], [good], labels, groups, n_resamples=200)["auc_roc"]
    assert (same.estimate, same.low, same.high) == (0.0, 0.0, 0.0)


def test_drop_between_two_splits_resamples_each_splits_groups():
    from p3lib.evaluation.cluster_bootstrap import split_cluster_differences

    # Split a ranks perfectly in any draw (AUC 1). Split b: group c perfect (0.9 over 0.1),
    # group d reversed (0.4 under 0.6). b's AUC: cc 1, dd 0, cd 3/4 (only 0.4 < 0.6 fails),
    # drawn 1/4, 1/4, 1/2. The drop a - b: 0, 1, 1/4; point 1 - 3/4 = 1/4; 95% interval [0, 1].
    d = split_cluster_differences(
        [0.9, 0.1, 0.8, 0.2],
        [1, 0, 1, 0],
        ["a1", "a1", "a2", "a2"],
        [0.9, 0.1, 0.4, 0.6],
        [1, 0, 1, 0],
        ["c", "c", "d", "d"],
        n_resamples=2000,
    )["auc_roc"]
    assert (d.estimate, d.low, d.high) == (0.25, 0.0, 1.0)


def test_errors_by_type_with_groups_name_the_worst_type_with_its_share():
    from p3lib.evaluation.errors_by_type import errors_by_pair_type

    # Type "dealbreaker": label 0, every pair scored above the threshold (all wrong), in 2
    # groups. Type "compatible": label 1, all right, in 2 groups. The worst type is worst in
    # every resample that holds it; a resample without it counts against it.
    scores = [0.9, 0.9, 0.8, 0.8]
    labels = [0, 0, 1, 1]
    types = ["dealbreaker", "dealbreaker", "compatible", "compatible"]
    groups = ["d1", "d2", "c1", "c2"]
    table = errors_by_pair_type(scores, labels, types, 0.5, groups, n_resamples=4000)
    row = table.by_pair_type["dealbreaker"]
    assert table.worst == "dealbreaker" and row.n_templates == 2
    assert (row.error_low, row.error_high) == (1.0, 1.0)
    # P(no dealbreaker group among 4 draws of 4 groups) = (2/4)^4 = 1/16: share 15/16.
    assert table.worst_share == pytest.approx(15 / 16, abs=0.02)
    assert "cluster interval" in table.worst_sentence("M")
    assert "94% of resamples" in table.worst_sentence("M")
