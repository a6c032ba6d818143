"""Known-answer tests of p3lib.evaluation's metrics, pair bootstrap and pipeline: expected
values are worked out here, independently."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from p3lib.data.schema import PAIR_TYPES, DatingPair
from p3lib.evaluation import clustering, metrics, pair_bootstrap, pipeline, results

# Hand example: 3 compatible, 4 incompatible.
SCORES = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.2, 0.1])
LABELS = np.array([1, 1, 1, 0, 0, 0, 0])


def _pair(i: int, label: int, pair_type: str = "compatible", category: str = "lifestyle"):
    return DatingPair(
        text_1=f"boy: statement {i}",
        text_2=f"girl: reply {i}",
        label=label,
        category=category,
        subcategory="x",
        pair_type=pair_type,
    )


def _scores_only(scores, labels, **kwargs):
    """evaluate_scores with a fixed projection (no UMAP), for the fast tests."""
    n = len(scores)
    rng = np.random.default_rng(0)
    defaults = dict(
        threshold=0.5,
        texts=[(f"boy: a{i}", f"girl: b{i}") for i in range(n)],
        seed=1,
        n_bootstrap=200,
        projection=rng.normal(size=(n, 2)),
    )
    defaults.update(kwargs)
    pair_types = defaults.pop("pair_types", ["compatible"] * n)
    categories = defaults.pop("categories", ["lifestyle"] * n)
    return pipeline.evaluate_scores(scores, labels, pair_types, categories, None, **defaults)


# --- metric 1: cosine distributions ---------------------------------------------------------


def test_cosine_summary_by_hand():
    summary = metrics.cosine_summary(SCORES, LABELS)
    assert summary.compatible.n == 3
    assert summary.compatible.mean == pytest.approx(0.8)
    assert summary.compatible.std == pytest.approx(0.1)  # sqrt((.01 + 0 + .01) / 2)
    assert summary.compatible.median == pytest.approx(0.8)
    assert summary.incompatible.n == 4
    assert summary.incompatible.mean == pytest.approx(0.35)
    # deviations .25 .15 -.15 -.25 -> squares sum .17, / 3
    assert summary.incompatible.std == pytest.approx(math.sqrt(0.17 / 3))
    assert summary.incompatible.median == pytest.approx(0.35)
    assert summary.margin == pytest.approx(0.45)
    assert summary.scores == pytest.approx(SCORES.tolist())


# --- metric 5: separation -------------------------------------------------------------------


def test_cohens_d_pooled_sd_by_hand():
    pooled = math.sqrt((2 * 0.1**2 + 3 * (0.17 / 3)) / 5)  # sqrt(0.038)
    result = metrics.separation(SCORES, LABELS)
    assert result.pooled_std == pytest.approx(pooled)
    assert result.cohens_d == pytest.approx(0.45 / pooled)
    assert result.cohens_d == pytest.approx(2.308445, rel=1e-5)


def test_welch_t_matches_formula():
    v1, v0, n1, n0 = 0.01, 0.17 / 3, 3, 4
    se2 = v1 / n1 + v0 / n0
    t = 0.45 / math.sqrt(se2)
    df = se2**2 / ((v1 / n1) ** 2 / (n1 - 1) + (v0 / n0) ** 2 / (n0 - 1))
    result = metrics.separation(SCORES, LABELS)
    assert result.t_statistic == pytest.approx(t)
    assert result.degrees_of_freedom == pytest.approx(df)
    assert result.p_value == pytest.approx(2 * stats.t.sf(t, df))


# --- metric 6: classification ---------------------------------------------------------------


def test_perfect_separation_gives_auc_one_and_spearman_at_ceiling():
    n, n1 = 100, 40
    labels = np.array([1] * n1 + [0] * (n - n1))
    scores = np.linspace(1.0, 0.0, n)  # every compatible pair above every incompatible one
    result = _scores_only(scores, labels)
    assert result.auc_roc == 1.0
    assert result.spearman_ceiling == pytest.approx(math.sqrt(3 * 0.4 * 0.6))
    # finite-sample maximum of rho is ceiling * n / sqrt(n^2 - 1)
    assert result.spearman_ratio == pytest.approx(n / math.sqrt(n**2 - 1))
    assert result.spearman_ratio == pytest.approx(1.0, abs=1e-4)


def test_inverted_ranking_gives_auc_zero():
    labels = np.array([1, 1, 1, 0, 0, 0])
    scores = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    sweep = metrics.classification(scores, labels, threshold=0.5)
    assert sweep.auc_roc == 0.0
    assert sweep.at_threshold.tp == 0 and sweep.at_threshold.fp == 3


def test_f1_best_threshold_by_hand():
    scores = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    labels = np.array([0, 0, 1, 0, 1, 1])
    # candidates and F1: 0.1 -> 2/3, 0.15 -> 3/4, 0.25 -> 6/7, 0.35 -> 2/3, 0.45 -> 4/5, 0.55 -> 1/2
    choice = metrics.select_threshold(scores, labels)
    assert choice.threshold == pytest.approx(0.25)
    assert choice.f1 == pytest.approx(6 / 7)
    assert choice.precision == pytest.approx(3 / 4)
    assert choice.recall == 1.0
    assert choice.accuracy == pytest.approx(5 / 6)
    assert choice.chosen_on == "validation"


def test_classification_at_threshold_counts():
    at = metrics.classification_at(SCORES, LABELS, 0.55)  # predicts .9 .8 .7 .6
    assert (at.tp, at.fp, at.tn, at.fn) == (3, 1, 3, 0)
    assert at.precision == pytest.approx(3 / 4)
    assert at.f1 == pytest.approx(6 / 7)


def test_sweep_covers_negative_cosines_and_roc_is_json_safe():
    sweep = metrics.classification(SCORES, LABELS, threshold=0.55)
    assert len(sweep.thresholds) == 201
    assert sweep.thresholds[0] == -1 and sweep.thresholds[100] == 0 and sweep.thresholds[-1] == 1
    # At -1 every pair (cosines are >= -1) is predicted compatible: recall 1.
    assert sweep.recall[0] == 1.0
    assert sweep.roc.thresholds[0] is None  # sklearn's +inf
    assert sweep.auc_roc == pytest.approx(roc_auc_score(LABELS, SCORES))
    json.dumps(sweep.model_dump(mode="json"), allow_nan=False)


# --- metric 4: false positives --------------------------------------------------------------


def test_false_positives_counted_by_pair_type_with_all_nine_types():
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.3, 0.95, 0.2, 0.85])
    labels = np.array([0, 0, 0, 0, 0, 1, 1, 0])
    types = [
        "dealbreaker",
        "subtle_mismatch",
        "dealbreaker",
        "incompatible",
        "incompatible",
        "compatible",
        "compatible",
        "brand_new_type",
    ]
    texts = [(f"boy: <b>{i}</b>", f"girl: {i}") for i in range(8)]
    fps = metrics.false_positives(scores, labels, types, ["c"] * 8, texts, threshold=0.65)
    assert list(fps.by_pair_type)[:9] == list(PAIR_TYPES)
    assert fps.by_pair_type == {
        **dict.fromkeys(PAIR_TYPES, 0),
        "dealbreaker": 2,
        "subtle_mismatch": 1,
        "brand_new_type": 1,
    }
    assert fps.n == 4 and fps.n_incompatible == 6
    assert fps.share_of_incompatible == pytest.approx(4 / 6)
    assert fps.incompatible_by_pair_type["incompatible"] == 2
    assert [p.score for p in fps.pairs] == [0.9, 0.85, 0.8, 0.7]  # highest first
    assert fps.pairs[0].text_1 == "boy: <b>0</b>"  # raw: escaped only where drawn


# --- metric 7: category margins -------------------------------------------------------------


def test_category_margin_is_null_when_a_label_is_absent():
    scores = np.array([0.9, 0.5, 0.7, 0.6, 0.4])
    labels = np.array([1, 0, 1, 1, 1])
    categories = ["values", "values", "lifestyle", "lifestyle", "values"]
    margins = metrics.category_margins(scores, labels, categories)
    assert list(margins) == ["values", "lifestyle"]  # by size
    assert margins["values"].margin == pytest.approx((0.9 + 0.4) / 2 - 0.5)
    assert (margins["values"].n_compatible, margins["values"].n_incompatible) == (2, 1)
    assert margins["lifestyle"].margin is None
    assert margins["lifestyle"].mean_incompatible is None
    assert margins["lifestyle"].mean_compatible == pytest.approx(0.65)
    assert margins["lifestyle"].n_incompatible == 0


# --- metric 3: HDBSCAN ----------------------------------------------------------------------


def test_hdbscan_purity_on_two_pure_blobs():
    rng = np.random.default_rng(3)
    blob_a = rng.normal(loc=(0, 0), scale=0.05, size=(30, 2))
    blob_b = rng.normal(loc=(10, 10), scale=0.05, size=(30, 2))
    outliers = np.array([[-40.0, 40.0], [40.0, -40.0]])
    points = np.vstack([blob_a, blob_b, outliers])
    labels = np.array([1] * 30 + [0] * 30 + [1, 0])
    result = clustering.cluster_points(points, labels)
    assert result.n_clusters == 2
    assert result.purity == 1.0
    ids = np.array(result.cluster_ids)
    assert result.noise_fraction == pytest.approx(np.mean(ids == -1))
    assert ids[60] == -1 and ids[61] == -1
    assert result.noise_fraction == pytest.approx(2 / 62)


def test_hdbscan_purity_on_a_mixed_blob():
    rng = np.random.default_rng(4)
    points = np.vstack(
        [rng.normal((0, 0), 0.05, size=(30, 2)), rng.normal((10, 10), 0.05, size=(30, 2))]
    )
    labels = np.array([1] * 20 + [0] * 10 + [0] * 30)
    result = clustering.cluster_points(points, labels)
    assert result.n_clusters == 2 and result.noise_fraction == 0
    assert result.purity == pytest.approx((20 + 30) / 60)
    majority = {c.n: c.majority_label for c in result.clusters}
    assert majority == {30: 0} or sorted(c.n_compatible for c in result.clusters) == [0, 20]


def test_hdbscan_tiny_input_is_all_noise():
    result = clustering.cluster_points(np.zeros((4, 2)), np.array([1, 0, 1, 0]))
    assert result.n_clusters == 0 and result.purity is None and result.noise_fraction == 1.0


# --- metric 8 parts: spearman, intervals, leak-free -----------------------------------------


def test_spearman_matches_scipy_and_ceiling_formula():
    rho, p, ceiling, ratio = metrics.spearman_summary(SCORES, LABELS)
    assert rho == pytest.approx(stats.spearmanr(SCORES, LABELS).statistic)
    assert ceiling == pytest.approx(math.sqrt(3 * (3 / 7) * (4 / 7)))
    assert ratio == pytest.approx(rho / ceiling)


def test_bootstrap_contains_estimate_and_is_deterministic_per_seed():
    rng = np.random.default_rng(7)
    labels = np.array([1] * 60 + [0] * 50)
    scores = np.where(labels == 1, 0.6, 0.5) + rng.normal(0, 0.1, size=labels.size)
    first = pair_bootstrap.bootstrap_intervals(scores, labels, seed=42, n_bootstrap=1000)
    again = pair_bootstrap.bootstrap_intervals(scores, labels, seed=42, n_bootstrap=1000)
    other = pair_bootstrap.bootstrap_intervals(scores, labels, seed=43, n_bootstrap=1000)
    assert first == again
    assert first != other
    assert first.n_valid == 1000
    assert first.auc_roc.estimate == pytest.approx(roc_auc_score(labels, scores))
    assert first.spearman.estimate == pytest.approx(stats.spearmanr(scores, labels).statistic)
    assert first.margin.estimate == pytest.approx(scores[:60].mean() - scores[60:].mean())
    assert first.cohens_d.estimate == pytest.approx(metrics.separation(scores, labels).cohens_d)
    for key in results.INTERVAL_METRICS:
        interval = getattr(first, key)
        assert interval.low < interval.estimate < interval.high


def test_independent_differences_set_each_splits_own_resamples_against_each_other():
    rng = np.random.default_rng(4)
    eval_labels = np.array([1] * 40 + [0] * 40)
    ood_labels = np.array([1] * 25 + [0] * 35)
    eval_scores = np.where(eval_labels == 1, 0.7, 0.3) + rng.normal(0, 0.2, size=80)
    ood_scores = np.where(ood_labels == 1, 0.55, 0.45) + rng.normal(0, 0.2, size=60)
    got = pair_bootstrap.independent_differences(
        eval_scores, eval_labels, ood_scores, ood_labels, seed=9, n_bootstrap=300
    )

    # By hand: eval resampled as bootstrap_intervals(seed=9) does, OOD as with seed=10.
    def rhos(scores, labels, seed):
        draws = np.random.Generator(np.random.PCG64(seed)).integers(
            0, labels.size, size=(300, labels.size)
        )
        return np.array([stats.spearmanr(scores[i], labels[i]).statistic for i in draws])

    drops = rhos(eval_scores, eval_labels, 9) - rhos(ood_scores, ood_labels, 10)
    low, high = np.percentile(drops, [2.5, 97.5])
    assert got["spearman"].low == pytest.approx(low) and got["spearman"].high == pytest.approx(high)
    assert got["spearman"].estimate == pytest.approx(
        stats.spearmanr(eval_scores, eval_labels).statistic
        - stats.spearmanr(ood_scores, ood_labels).statistic
    )
    assert got["spearman"].low > 0  # a model that separates eval far better than OOD
    with pytest.raises(ValueError, match="equal length"):
        pair_bootstrap.independent_differences(eval_scores, eval_labels, ood_scores, eval_labels)


def test_vectorised_resample_metrics_match_sklearn_and_scipy():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=(5, 40))
    scores = np.round(rng.random((5, 40)), 1)  # ties on purpose
    rows = pair_bootstrap._rowwise_metrics(scores, labels)
    for i in range(5):
        assert rows["auc_roc"][i] == pytest.approx(roc_auc_score(labels[i], scores[i]))
        assert rows["spearman"][i] == pytest.approx(stats.spearmanr(scores[i], labels[i])[0])


def test_leak_free_subset_on_known_overlaps():
    scores = np.array([0.9, 0.8, 0.3, 0.7, 0.2, 0.6, 0.4, 0.5])
    labels = np.array([1, 1, 1, 0, 0, 0, 1, 0])
    leak = np.array([True, True, False, False, True, False, False, False])
    result = _scores_only(scores, labels, leak_mask=leak, threshold=0.45)
    keep = ~leak
    sub_s, sub_l = scores[keep], labels[keep]  # [.3 .7 .6 .4 .5], labels [1 0 0 1 0]
    free = result.leak_free
    assert result.n_overlap == 3
    assert (free.n, free.n_compatible, free.n_incompatible) == (5, 2, 3)
    assert free.margin == pytest.approx(0.35 - 0.6)
    assert free.auc_roc == pytest.approx(roc_auc_score(sub_l, sub_s))
    assert free.auc_roc == pytest.approx(0.0)
    assert free.spearman == pytest.approx(stats.spearmanr(sub_s, sub_l).statistic)
    assert free.cohens_d == pytest.approx(metrics.separation(sub_s, sub_l).cohens_d)
    # at 0.45: predicted .7 .6 .5 (all incompatible), missed .3 .4 -> tp 0, tn 0, accuracy 0
    assert free.f1 == 0.0 and free.accuracy == 0.0 and free.precision == 0.0
    assert free.threshold == 0.45


def test_leak_free_is_null_without_overlap():
    result = _scores_only(SCORES, LABELS, leak_mask=np.zeros(7, dtype=bool))
    assert result.n_overlap == 0 and result.leak_free is None


def test_overlap_mask_matches_exact_pairs():
    train = [_pair(0, 1), _pair(1, 0)]
    swapped = DatingPair(
        text_1="boy: statement 0",
        text_2="girl: reply 1",
        label=1,
        category="c",
        subcategory="s",
        pair_type="compatible",
    )
    mask = pipeline.overlap_mask([_pair(1, 0), _pair(2, 1), swapped], train)
    assert mask.tolist() == [True, False, False]


# --- errors, headline, JSON -----------------------------------------------------------------


def test_one_label_eval_raises():
    with pytest.raises(ValueError, match="AUC-ROC, the margin"):
        _scores_only(np.array([0.1, 0.2, 0.3]), np.array([1, 1, 1]))
    with pytest.raises(ValueError, match="only incompatible"):
        metrics.cosine_summary(np.array([0.1, 0.2]), np.array([0, 0]))


def test_headline_keys_and_json_round_trip():
    result = _scores_only(SCORES, LABELS, threshold=0.55)
    headline = result.headline()
    assert list(headline) == [f"eval_{key}" for key in results.HEADLINE_KEYS]
    assert headline["eval_margin"] == pytest.approx(0.45)
    assert headline["eval_n_false_positives"] == 1.0
    assert headline["eval_threshold"] == 0.55
    assert list(result.headline("baseline"))[0] == "baseline_margin"
    text = json.dumps(result.model_dump(mode="json"), allow_nan=False)
    assert results.EvaluationResult.model_validate_json(text) == result
    for key in ("cosine", "umap", "hdbscan", "false_positives", "cohens_d", "threshold_sweep"):
        assert key in result.model_dump()


# --- evaluate(): the model-level wrapper ----------------------------------------------------


class _FakeModel:
    """Encodes ``boy: ...`` as e1 and ``girl: <cos> ...`` as a unit vector at that cosine."""

    def __init__(self):
        self.seen: list[str] = []

    def encode(self, texts, normalize_embeddings=True, **_):
        self.seen.extend(texts)
        out = []
        for text in texts:
            if text.startswith("boy: "):
                out.append([1.0, 0.0, 0.0])
            else:
                c = float(text.split()[1])
                out.append([c, math.sqrt(1 - c * c), 0.0])
        return np.array(out)


def _fake_pairs(scores, labels, tag):
    return [
        DatingPair(
            text_1=f"boy: {tag}",
            text_2=f"girl: {s} {tag}{i}",
            label=int(y),
            category="values" if i % 2 else "lifestyle",
            subcategory="x",
            pair_type="compatible" if y else "incompatible",
        )
        for i, (s, y) in enumerate(zip(scores, labels, strict=True))
    ]


def test_evaluate_takes_threshold_from_validation_not_eval():
    # validation: best F1 at 0.65 (between .6 and .7); eval: best at 0.35.
    validation = _fake_pairs([0.9, 0.8, 0.7, 0.6, 0.5, 0.2], [1, 1, 1, 0, 0, 0], "v")
    rng = np.random.default_rng(0)
    eval_scores = np.round(
        np.concatenate([rng.uniform(0.4, 0.95, 20), rng.uniform(0.0, 0.3, 20)]), 3
    )
    eval_pairs = _fake_pairs(eval_scores, [1] * 20 + [0] * 20, "e")
    model = _FakeModel()
    result = pipeline.evaluate(
        model, eval_pairs, validation, n_bootstrap=100, show_progress_bar=False
    )
    assert result.threshold.threshold == pytest.approx(0.65)
    assert result.threshold.chosen_on == "validation"
    assert result.threshold_sweep.at_threshold.threshold == pytest.approx(0.65)
    eval_best = metrics.select_threshold(eval_scores, np.array([1] * 20 + [0] * 20)).threshold
    assert eval_best < 0.4
    assert result.threshold_sweep.at_eval_optimal.threshold == pytest.approx(eval_best)
    assert result.cosine.scores == pytest.approx(eval_scores.tolist())
    assert len(model.seen) == len(set(model.seen))  # each distinct text encoded once
    assert len(result.umap.x) == 40 and result.umap.n_neighbors == 15
    again = pipeline.evaluate(
        _FakeModel(), eval_pairs, validation, n_bootstrap=100, show_progress_bar=False
    )
    assert again.model_dump_json() == result.model_dump_json()


def test_evaluate_with_the_base_model():
    from p3lib.evaluation.embed import load_model

    texts = [
        ("boy: I love hiking every weekend", "girl: Hiking is my favourite thing", 1),
        ("boy: I love hiking every weekend", "girl: I hate being outdoors", 0),
        ("boy: I want kids someday", "girl: I dream of a big family", 1),
        ("boy: I want kids someday", "girl: I never want children", 0),
        ("boy: I smoke every day", "girl: Smoking is a dealbreaker for me", 0),
        ("boy: I go to church on Sundays", "girl: My faith matters to me", 1),
        ("boy: I party every night", "girl: I'm a homebody", 0),
        ("boy: I read a book a week", "girl: Libraries are my happy place", 1),
        ("boy: I love jazz", "girl: <script>alert(1)</script> jazz is noise", 0),
        ("boy: I cook every night", "girl: I love trying new recipes", 1),
    ]
    pairs = [
        DatingPair(
            text_1=a,
            text_2=b,
            label=y,
            category="values",
            subcategory="s",
            pair_type="compatible" if y else "incompatible",
        )
        for a, b, y in texts
    ]
    result = pipeline.evaluate(
        load_model(),
        pairs,
        pairs[:6],
        train_pairs=pairs[:2],
        n_bootstrap=50,
        show_progress_bar=False,
    )
    assert result.n_pairs == 10 and result.n_overlap == 2
    assert -1 <= result.spearman <= 1 and 0 <= result.auc_roc <= 1
    assert result.umap.n_neighbors == 9  # fewer points than n_neighbors
    assert result.hdbscan.n_clusters == 0 and result.hdbscan.purity is None
    assert result.umap.text_2[8].startswith("girl: <script>")
    json.dumps(result.model_dump(mode="json"), allow_nan=False)
