"""Known-answer tests of issue 11's statistics: cluster bootstrap, paired differences, matched
recall, the Spearman / AUC identity, the words-only baseline and the success criteria."""

from __future__ import annotations

import math

import numpy as np
import pytest
from made_up_models import zoo
from scipy import stats
from sklearn.metrics import roc_auc_score

from p3lib.book.results_block import results_table, success_table
from p3lib.book.sentences import paired_verdict
from p3lib.data.schema import DatingPair
from p3lib.evaluation.cluster_bootstrap import (
    MARGIN_FREE_METRICS,
    cluster_bootstrap,
    paired_cluster_differences,
    rate_interval,
    weighted_metrics,
)
from p3lib.evaluation.comparison import compare
from p3lib.evaluation.metrics import classification_at, separation, spearman_summary
from p3lib.evaluation.operating_point import (
    matched_operating_point,
    near_trivial,
    threshold_for_recall,
)
from p3lib.evaluation.pipeline import evaluate_scores
from p3lib.evaluation.rank_identity import auc_from_spearman, ratio_from_auc, spearman_from_auc
from p3lib.evaluation.success import judge, spearman_note
from p3lib.evaluation.words_only import words_only_baseline
from p3lib.training.experiments.losses import loss_study
from p3lib.training.experiments.seeds import seed_study

# --- cluster bootstrap -------------------------------------------------------------------------


def test_weighted_metrics_equal_the_metrics_of_repeated_pairs():
    rng = np.random.default_rng(1)
    scores = np.round(rng.normal(size=60), 1)  # rounded: ties in the scores
    labels = rng.integers(0, 2, 60)
    weights = rng.integers(0, 3, 60)
    repeated = np.repeat(np.arange(60), weights)
    s, y = scores[repeated], labels[repeated]
    got = weighted_metrics(scores[None], labels, np.array([0.1]), weights[None])
    at = classification_at(s, y, 0.1)
    rho, _, _, ratio = spearman_summary(s, y)
    expected = {
        "margin": s[y == 1].mean() - s[y == 0].mean(),
        "cohens_d": separation(s, y).cohens_d,
        "auc_roc": roc_auc_score(y, s),
        "spearman": rho,
        "spearman_ratio": ratio,
        "f1": at.f1,
        "accuracy": at.accuracy,
        "false_positive_rate": at.fp / np.sum(y == 0),
        "false_negative_rate": at.fn / np.sum(y == 1),
    }
    for key, value in expected.items():
        assert got[key][0, 0] == pytest.approx(value, abs=1e-12), key


def test_a_resample_with_one_label_short_is_nan():
    got = weighted_metrics(
        np.array([[0.9, 0.8, 0.1]]), np.array([1, 1, 0]), np.array([0.5]), np.ones((1, 3))
    )
    assert all(np.isnan(values[0, 0]) for values in got.values())


def test_two_clusters_cluster_and_pair_widths_differ_by_the_amount_worked_out_by_hand():
    # Cluster A: 50 compatible pairs at 1.0, 50 incompatible at 0.0 (margin 1).
    # Cluster B: 50 compatible and 50 incompatible, all at 0.5 (margin 0).
    # Resampling the two clusters gives AA (margin 1, probability 1/4), AB (0.5, 1/2) or
    # BB (0, 1/4): the 2.5th percentile is 0 and the 97.5th is 1, a width of exactly 1.
    # Resampling pairs: each label's 100 scores have SD 0.25, so the margin's SE is
    # sqrt(2 * 0.25^2 / 100) = 0.0354 and the 95% width about 2 * 1.96 * 0.0354 = 0.139.
    # By hand, the cluster interval is wider by 1 - 0.139 = 0.861.
    scores = np.array([1.0] * 50 + [0.0] * 50 + [0.5] * 100)
    labels = np.array([1] * 50 + [0] * 50 + [1] * 50 + [0] * 50)
    groups = ["A"] * 100 + ["B"] * 100
    result = cluster_bootstrap(
        scores, labels, groups, 0.5, seed=3, n_resamples=2000, method="percentile"
    )
    cluster, pair = result.intervals["margin"], result.pair_level["margin"]
    assert cluster.estimate == pytest.approx(0.5) and result.n_clusters == 2
    assert (cluster.low, cluster.high) == (0.0, 1.0)
    by_hand_pair_width = 2 * 1.959964 * math.sqrt(2 * 0.25**2 / 100)
    assert pair.width == pytest.approx(by_hand_pair_width, abs=0.015)
    assert cluster.width - pair.width == pytest.approx(1 - by_hand_pair_width, abs=0.015)


def test_cluster_bootstrap_uses_bca_where_defined_and_says_so():
    rng = np.random.default_rng(0)
    labels = np.array([1, 0] * 60)
    scores = labels * 0.3 + rng.normal(0, 0.3, 120)
    groups = [f"g{i // 6}" for i in range(120)]
    result = cluster_bootstrap(scores, labels, groups, 0.15, seed=1, n_resamples=500)
    assert result.intervals["auc_roc"].method == "BCa"
    for key, interval in result.intervals.items():
        assert interval.low <= interval.estimate <= interval.high, key


def test_paired_differences_are_zero_for_a_model_against_itself_and_antisymmetric():
    rng = np.random.default_rng(2)
    labels = np.array([1, 0] * 40)
    a = labels * 0.5 + rng.normal(0, 0.3, 80)
    b = labels * 0.2 + rng.normal(0, 0.3, 80)
    groups = [f"g{i // 4}" for i in range(80)]
    same = paired_cluster_differences(a, a, labels, groups, (0.2, 0.2), n_resamples=200)
    assert all((d.estimate, d.low, d.high) == (0.0, 0.0, 0.0) for d in same.values())
    ab = paired_cluster_differences(
        a, b, labels, groups, (0.2, 0.2), n_resamples=300, method="percentile"
    )
    ba = paired_cluster_differences(
        b, a, labels, groups, (0.2, 0.2), n_resamples=300, method="percentile"
    )
    assert ab["auc_roc"].estimate == pytest.approx(
        roc_auc_score(labels, a) - roc_auc_score(labels, b)
    )
    assert ab["auc_roc"].low == pytest.approx(-ba["auc_roc"].high)
    assert ab["auc_roc"].excludes_zero  # 0.5 against 0.2 of signal on 80 pairs


def test_rate_interval_by_hand():
    # Two groups: a has 1 hit of 2, b none of 2. Resamples: aa 1/2, ab 1/4, bb 0.
    r = rate_interval([1, 0, 0, 0], [1, 1, 1, 1], ["a", "a", "b", "b"], n_resamples=400)
    assert r.estimate == 0.25 and r.low == 0.0 and r.high == 0.5
    assert rate_interval([0, 0], [0, 0], ["a", "b"]) is None


# --- matched operating point -------------------------------------------------------------------

VALIDATION = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]
VALIDATION_LABELS = [1, 1, 0, 1, 1, 0, 1, 0, 1, 1]  # compatible: .9 .8 .6 .5 .3 .1 .05


def test_threshold_for_recall_on_a_hand_made_list():
    # 7 compatible pairs. Recall 0.9 needs ceil(6.3) = 7 of them: the 7th highest, 0.05.
    assert threshold_for_recall(VALIDATION, VALIDATION_LABELS, 0.9) == 0.05
    # Recall 0.5 needs ceil(3.5) = 4: the 4th highest compatible score, 0.5.
    assert threshold_for_recall(VALIDATION, VALIDATION_LABELS, 0.5) == 0.5
    # 0.9 * 10 must not round up to 10 of 10.
    assert threshold_for_recall(np.arange(10) / 10, [1] * 10, 0.9) == 0.1
    with pytest.raises(ValueError, match="no compatible"):
        threshold_for_recall([0.1], [0], 0.9)


def test_matched_operating_point_counts_false_positives_by_pair_type():
    eval_scores = [0.9, 0.7, 0.6, 0.55, 0.4, 0.2, 0.8, 0.1]
    eval_labels = [1, 1, 0, 0, 0, 0, 1, 1]
    types = [
        "compatible",
        "compatible",
        "dealbreaker",
        "incompatible",
        "dealbreaker",
        "incompatible",
        "compatible",
        "compatible",
    ]
    point = matched_operating_point(
        eval_scores, eval_labels, types, VALIDATION, VALIDATION_LABELS, 0.5
    )
    # Threshold 0.5: predicted compatible .9 .7 .6 .55 .8 -> 2 false positives of 4.
    assert point.threshold == 0.5 and point.validation_recall == pytest.approx(4 / 7)
    assert (point.false_positives.n, point.false_positives.of) == (2, 4)
    assert point.false_positives.rate == 0.5
    dealbreaker = point.false_positives_by_pair_type["dealbreaker"]
    assert (dealbreaker.n, dealbreaker.of, dealbreaker.rate) == (1, 2, 0.5)
    assert point.false_positives_by_pair_type["subtle_mismatch"].rate is None
    assert point.recall == 0.75 and point.share_predicted_compatible == 5 / 8
    assert not point.near_trivial


def test_near_trivial_thresholds():
    assert near_trivial(281 / 295) and near_trivial(0.9) and near_trivial(0.1)
    assert not near_trivial(0.89) and not near_trivial(0.11)


# --- Spearman / AUC identity -------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_spearman_over_ceiling_is_rescaled_somers_d(seed):
    rng = np.random.default_rng(seed)
    n = 157
    labels = rng.integers(0, 2, n)
    scores = labels * 0.4 + rng.normal(size=n)  # continuous: no ties
    auc = roc_auc_score(labels, scores)
    rho, _, ceiling, ratio = spearman_summary(scores, labels)
    assert ratio == pytest.approx((2 * auc - 1) * n / math.sqrt(n * n - 1), abs=1e-12)
    assert ratio == pytest.approx(ratio_from_auc(auc, n), abs=1e-12)
    n1 = int(labels.sum())
    assert rho == pytest.approx(spearman_from_auc(auc, n1, n - n1), abs=1e-12)
    assert auc_from_spearman(rho, n1, n - n1) == pytest.approx(auc, abs=1e-12)


def test_spearman_identity_with_ties_uses_the_ranks_sum_of_squares():
    scores = np.array([0.1, 0.1, 0.4, 0.4, 0.4, 0.9, 0.2, 0.9])
    labels = np.array([0, 1, 0, 1, 1, 1, 0, 0])
    n, n1 = labels.size, int(labels.sum())
    ranks = stats.rankdata(scores)
    ss = ((ranks - ranks.mean()) ** 2).sum()
    auc = roc_auc_score(labels, scores)
    expected = (2 * auc - 1) * math.sqrt(n * n1 * (n - n1)) / (2 * math.sqrt(ss))
    assert stats.spearmanr(scores, labels).statistic == pytest.approx(expected, abs=1e-12)


def test_the_prd_spearman_target_implies_an_auc_near_one():
    # Default eval: 158 of 295 compatible; the ceiling is sqrt(3 p (1 - p)) = 0.864.
    note = spearman_note(158, 137)
    assert "cannot exceed 0.864" in note and "needs AUC 0.998" in note
    assert "no ranking reaches it" in spearman_note(10, 290)


# --- words-only baseline -----------------------------------------------------------------------


def toy_pairs(n: int, offset: int) -> list[DatingPair]:
    """Pairs whose label is decided by one word: "never" in text_2 means incompatible."""
    topics = ["hiking", "cooking", "dogs", "jazz", "travel", "chess"]
    pairs = []
    for i in range(n):
        topic = topics[(i + offset) % len(topics)]
        label = i % 2
        word = "love" if label else "never"
        pairs.append(
            DatingPair(
                text_1=f"boy: I enjoy {topic} on weekends",
                text_2=f"girl: I {word} do {topic} {topics[(i + 2) % 6]}",
                label=label,
                category="toy",
                subcategory=f"{topic}_{i % 3}",
                pair_type="compatible" if label else "incompatible",
            )
        )
    return pairs


def test_words_only_learns_the_one_word_that_decides_the_label():
    result = words_only_baseline(
        toy_pairs(60, 0), toy_pairs(20, 1), toy_pairs(24, 2), n_bootstrap=100
    )
    assert result.auc_roc == 1.0 and result.at_threshold.accuracy == 1.0
    assert result.n_false_positives == 0 and result.spearman_ratio > 0.99
    assert set(result.not_applicable) == {"margin", "cohens_d", "purity"}
    assert set(result.cluster_intervals.intervals) == set(MARGIN_FREE_METRICS)
    assert result.n_fit == 60 and result.n_validation == 20 and result.n_pairs == 24


def test_words_only_coefficient_of_the_deciding_word_is_the_largest():
    from p3lib.evaluation.words_only import fit_words_only

    features, model, aucs = fit_words_only(toy_pairs(60, 0), toy_pairs(20, 1))
    vocabulary = features.vectorizer.get_feature_names_out()
    size = len(vocabulary)
    text_2 = model.coef_[0][size : 2 * size]
    assert vocabulary[np.argmin(text_2)] == "never"
    assert vocabulary[np.argmax(text_2)] == "love"
    assert max(aucs.values()) == 1.0


# --- success criteria and the comparison -------------------------------------------------------


def test_judge_pass_fail_cannot_tell():
    assert judge(0.21, 0.5, 0.2, "at_least") == "pass"
    assert judge(0.05, 0.19, 0.2, "at_least") == "fail"
    assert judge(0.15, 0.25, 0.2, "at_least") == "cannot tell"
    assert judge(0.8, 1.2, 0.8, "above") == "cannot tell"
    assert judge(0.81, 1.2, 0.8, "above") == "pass"
    assert judge(None, None, 0.8, "above") == "cannot tell"
    assert judge(0.0, 0.0, 0.05, "at_most") == "pass"


def made_up_result(name: str, signal: float, seed: int):
    rng = np.random.default_rng(seed)
    n = 120
    labels = np.array([1, 0] * (n // 2))
    scores = np.clip(labels * signal + rng.normal(0.3, 0.15, n), -1, 1)
    types = [
        "compatible" if y else ("dealbreaker" if i % 4 == 1 else "incompatible")
        for i, y in enumerate(labels)
    ]
    v_labels = np.array([1, 0] * 20)
    v_scores = v_labels * signal + rng.normal(0.3, 0.15, 40)
    return evaluate_scores(
        scores,
        labels,
        types,
        ["c"] * n,
        None,
        threshold=0.3 + signal / 2,
        texts=[("boy: a", "girl: b")] * n,
        seed=1,
        n_bootstrap=200,
        projection=np.random.default_rng(0).normal(size=(n, 2)),
        name=name,
        groups=[f"s{i // 5}" for i in range(n)],
        validation_scores=v_scores,
        validation_labels=v_labels,
    )


@pytest.fixture(scope="module")
def comparison():
    base = made_up_result("baseline", 0.0, 1)
    full = made_up_result("full", 0.6, 2)
    lora = made_up_result("lora", 0.3, 3)
    return compare(base, full, lora)


def test_comparison_holds_the_stable_keys(comparison):
    data = comparison.model_dump(mode="json")
    for key in ("paired_differences", "matched_recall", "success_criteria", "words_only"):
        assert key in data
    assert set(data["paired_differences"]) == {
        "full_vs_baseline",
        "lora_vs_baseline",
        "full_vs_lora",
    }
    assert data["paired_differences"]["full_vs_lora"]["resampled"] == "subcategory"
    assert set(data["matched_recall"]) == {"baseline", "full", "lora"}
    # Every table metric of a model carries its cluster interval.
    for key in ("margin", "auc_roc", "f1", "accuracy", "false_positive_rate", "spearman_ratio"):
        estimate = comparison.full.headline[key]
        assert estimate.low is not None and estimate.method in ("BCa", "percentile"), key
    # A count carries no interval; its rate does, inside [0, 1].
    assert comparison.full.headline["n_false_positives"].low is None
    rate = comparison.full.headline["false_positive_rate"]
    assert 0 <= rate.low <= rate.value <= rate.high <= 1
    assert set(data["fixed_eval_recall"]["models"]) == {"baseline", "full", "lora"}
    assert comparison.full.interval_resampled == "subcategory"
    assert comparison.full.n_clusters_resampled == 24


def test_verdicts_come_from_the_paired_interval(comparison):
    d = comparison.paired_differences["full_vs_lora"].differences["auc_roc"]
    sentence = paired_verdict(comparison, "full", "lora", "auc_roc")
    assert f"{d.estimate:+.3f}" in sentence
    if d.excludes_zero:
        # One seed per arm: worded as a statement about these two trained models.
        if d.estimate > 0:
            assert sentence.startswith("This run's full fine-tuning model beats its LoRA model")
        assert "these two trained models" in sentence
    else:
        assert "cannot tell" in sentence
    reverse = paired_verdict(comparison, "lora", "full", "auc_roc")
    assert f"{-d.estimate:+.3f}" in reverse
    # The winner's value is quoted first, whichever order the models were named in.
    full, lora = (comparison.models()[n].headline["auc_roc"].value for n in ("full", "lora"))
    if d.excludes_zero and d.estimate > 0:
        assert f"AUC-ROC {full:.3f} against {lora:.3f}" in reverse


def test_success_criteria_rows_and_table(comparison):
    keys = [(c.model, c.key) for c in comparison.success_criteria]
    assert keys[:4] == [
        ("full fine-tuning", "margin"),
        ("full fine-tuning", "cohens_d"),
        ("full fine-tuning", "spearman"),
        ("full fine-tuning", "dealbreaker_false_positives"),
    ]
    for c in comparison.success_criteria:
        if c.key == "margin":
            assert c.verdict == judge(c.low, c.high, 0.2, "at_least")
    table = success_table(comparison)
    assert table.count("\n| ") == len(comparison.success_criteria)
    assert "rho cannot exceed" in table


def test_results_table_marks_a_near_trivial_threshold(comparison):
    table = results_table(comparison)
    for summary in comparison.models().values():
        if summary.near_trivial:
            assert "near-trivial" in table


# --- the appendix's verdicts ---------------------------------------------------------------------


def test_loss_study_picks_its_best_on_validation_not_eval():
    models = zoo(contrastive=0.70)  # best on eval...
    models["contrastive"] = models["contrastive"].model_copy(
        update={
            "training": models["contrastive"].training.model_copy(
                update={"best_validation_score": 0.40}
            )
        }  # ...but worst on validation
    )
    study = loss_study(models)
    assert study.best == "cosine"


def test_seed_verdict_counts_auc_and_spearman_once():
    study = seed_study(zoo())
    assert study.separated["auc_roc"] and study.separated["spearman"]
    assert study.verdict.count("ranking (AUC-ROC") == 1
    listed = study.verdict.split("do not overlap: ")[-1]
    assert "Spearman's rho," not in listed and "AUC-ROC," not in listed


def test_false_positive_chart_has_a_matched_recall_panel(comparison):
    from p3lib.book.charts.comparison import plot_false_positive_reduction

    fig = plot_false_positive_reduction(comparison)
    matched = [trace for trace in fig.data if trace.yaxis == "y2"]
    assert len(matched) == 3  # one bar series per model in the lower panel
    full = comparison.matched_recall["full"]
    rates = dict(zip(matched[1].x, matched[1].y, strict=True))
    assert rates["dealbreaker"] == full.false_positives_by_pair_type["dealbreaker"].rate
    assert "recall 0.90" in fig.layout.annotations[1].text


def test_a_single_group_falls_back_to_resampling_pairs():
    scores = np.array([0.9, 0.8, 0.7, 0.4, 0.3, 0.2, 0.6, 0.5])
    labels = np.array([1, 1, 1, 0, 0, 0, 1, 0])
    one = cluster_bootstrap(scores, labels, ["x"] * 8, 0.5, n_resamples=100)
    pairs = cluster_bootstrap(scores, labels, [str(i) for i in range(8)], 0.5, n_resamples=100)
    assert one.resampled == "pair" and one.n_clusters == 8
    assert one.intervals == pairs.intervals


def test_weights_count_how_often_each_pairs_group_was_drawn():
    from p3lib.evaluation.cluster_bootstrap import _weights_from_draws

    # two resamples of three groups; pairs 2 and 3 share group 2
    weights, shape = _weights_from_draws(
        np.array([[0, 0, 2], [1, 2, 1]]), np.array([0, 1, 2, 2]), 3
    )
    assert shape == (2,)
    assert weights.tolist() == [[2, 0, 1, 1], [0, 2, 1, 1]]


def test_many_groups_get_percentile_intervals_instead_of_a_quadratic_jackknife(monkeypatch):
    import p3lib.evaluation.cluster_bootstrap as cb

    rng = np.random.default_rng(3)
    labels = np.tile([0, 1], 60)
    scores = rng.normal(labels, 1.0)
    groups = [f"g{i % 20}" for i in range(120)]  # 20 template groups, 120 pairs
    monkeypatch.setattr(cb, "BCA_MAX_GROUPS", 50)
    result = cb.cluster_bootstrap(scores, labels, groups, 0.5, n_resamples=200)
    assert result.intervals["auc_roc"].method == "BCa"  # 20 groups: the jackknife is cheap
    assert result.pair_level["auc_roc"].method == "percentile"  # 120 > 50 groups
    monkeypatch.setattr(cb, "BCA_MAX_GROUPS", 200)
    again = cb.cluster_bootstrap(scores, labels, groups, 0.5, n_resamples=200)
    assert again.pair_level["auc_roc"].method == "BCa"
