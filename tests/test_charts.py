"""Chart functions draw results; dataset text reaches the figures escaped, never as markup."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go

from p3lib.book.charts import HOVER_TEXT_LIMIT, escape, shorten
from p3lib.book.charts.baseline import (
    plot_category_margins,
    plot_cosine_histograms,
    plot_false_positives,
    plot_roc,
    plot_umap,
    umap_traces,
)
from p3lib.book.charts.comparison import plot_cosine_overlay, plot_umap_side_by_side
from p3lib.book.charts.sampling import DISPLAY_CAP, MIN_PER_GROUP, display_sample, group_allocation
from p3lib.evaluation import pipeline, results
from p3lib.evaluation.clustering import ClusterSummary, UmapProjection

SCRIPT = "boy: I love <script>alert(1)</script> jazz"


def result_with_html_text(name: str) -> results.EvaluationResult:
    scores = np.array([0.9, 0.8, 0.7, 0.75, 0.3, 0.2, 0.85, 0.1])
    labels = np.array([1, 1, 1, 0, 0, 0, 0, 1])
    texts = [(SCRIPT if i == 6 else f"boy: a{i}", f"girl: <b>b{i}</b>") for i in range(8)]
    return pipeline.evaluate_scores(
        scores,
        labels,
        ["compatible"] * 8,
        ["music"] * 4 + ["<i>arts</i>"] * 4,
        None,
        threshold=0.5,
        texts=texts,
        seed=1,
        n_bootstrap=100,
        name=name,
        projection=np.random.default_rng(0).normal(size=(8, 2)),
    )


def figure_text(fig: go.Figure) -> str:
    return json.dumps(fig.to_plotly_json()["data"], default=str)


def test_umap_hover_escapes_statements():
    result = result_with_html_text("baseline")
    for fig in (plot_umap(result), plot_umap_side_by_side({"baseline": result, "full": result})):
        text = figure_text(fig)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "<script>" not in text and "<b>b1</b>" not in text
    side_by_side = plot_umap_side_by_side({"baseline": result, "full": result})
    assert len(side_by_side.data) == 4  # two labels per model
    assert [trace.showlegend for trace in side_by_side.data] == [True, True, False, False]


def test_baseline_charts_draw_without_computing():
    result = result_with_html_text("baseline")
    roc = plot_roc(result)
    assert any(f"{result.auc_roc:.3f}" in (trace.name or "") for trace in roc.data)
    histogram = plot_cosine_histograms(result)
    assert sum(len(trace.x) for trace in histogram.data if trace.type == "histogram") == 8
    assert "<i>arts</i>" not in figure_text(plot_category_margins(result))
    assert "<script>" not in figure_text(plot_false_positives(result))


# --- large eval sets: a seeded, stratified display sample, WebGL, short hover texts -----------


def projection_of(n: int, share_compatible: float = 0.7, text: str = "boy: hi") -> UmapProjection:
    rng = np.random.default_rng(7)
    labels = (np.arange(n) < round(n * share_compatible)).astype(int)
    rng.shuffle(labels)
    points = rng.normal(size=(n, 2))
    return UmapProjection(
        n_neighbors=15,
        min_dist=0.1,
        metric="cosine",
        random_state=42,
        x=points[:, 0].tolist(),
        y=points[:, 1].tolist(),
        labels=labels.tolist(),
        pair_types=["compatible" if y else "opposite_taste" for y in labels],
        categories=["music"] * n,
        text_1=[f"{text} {i}" for i in range(n)],
        text_2=["girl: <b>yes</b>"] * n,
        scores=rng.uniform(size=n).tolist(),
    )


def clusters_of(n: int) -> ClusterSummary:
    return ClusterSummary(
        min_cluster_size=5,
        min_samples=5,
        cluster_selection_method="eom",
        n_clusters=3,
        purity=0.8,
        noise_fraction=0.25,
        clusters=[],
        cluster_ids=[i % 4 - 1 for i in range(n)],
    )


def result_of(projection: UmapProjection, name: str) -> results.EvaluationResult:
    small = result_with_html_text(name)
    return small.model_copy(update={"umap": projection, "hdbscan": clusters_of(len(projection.x))})


def markers(fig: go.Figure) -> list[tuple[float, float, str]]:
    return [
        (x, y, text)
        for trace in fig.data
        for x, y, text in zip(trace.x, trace.y, trace.text, strict=True)
    ]


def test_group_allocation_keeps_each_share_within_one_point_and_small_groups_visible():
    # 10,000 points, cap 3,000: exact shares 2,100.0 / 899.7 / 0.3; the last group keeps
    # all it has (1 < MIN_PER_GROUP), which the 0.7 left over pays for
    assert group_allocation([7000, 2999, 1], 3000) == [2100, 899, 1]
    assert group_allocation([7000, 3000], 3000) == [2100, 900]
    assert group_allocation([6667, 3333], 3000) == [2000, 1000]  # 2000.1 and 999.9
    assert group_allocation([9990, 10], 100, min_per_group=5) == [95, 5]
    assert group_allocation([40, 60], 3000) == [40, 60]  # under the cap: everything


def test_display_sample_is_seeded_stratified_and_in_order():
    groups = ["a"] * 6000 + ["b"] * 3995 + ["c"] * 5
    drawn = display_sample(groups, cap=1000)
    assert len(drawn) == 1000 and list(drawn) == sorted(set(drawn))
    picked = [groups[i] for i in drawn]
    # exact shares 600, 399.5 and 0.5: "c" is raised to MIN_PER_GROUP = 5 points, and the 4
    # points over the cap come alternately from the group most above its exact share
    assert MIN_PER_GROUP == 5
    assert [picked.count(g) for g in "abc"] == [598, 397, 5]
    assert np.array_equal(drawn, display_sample(groups, cap=1000))
    assert not np.array_equal(drawn, display_sample(groups, cap=1000, seed=1))
    assert np.array_equal(display_sample(groups[:300], cap=1000), np.arange(300))


def test_at_todays_size_the_umap_charts_draw_every_pair_as_before():
    projection, clusters = projection_of(295), clusters_of(295)
    fig = plot_umap(projection, clusters)
    # the old drawing: every pair, SVG scatter, no sampling note
    before = go.Figure(umap_traces(projection, clusters.cluster_ids))
    assert [trace.type for trace in fig.data] == ["scatter", "scatter"]
    assert fig.to_plotly_json()["data"] == before.to_plotly_json()["data"]
    assert len(markers(fig)) == 295 and "drawn" not in fig.layout.title.text
    results = {name: result_of(projection, name) for name in ("baseline", "full", "lora")}
    side = plot_umap_side_by_side(results)
    assert {trace.type for trace in side.data} == {"scatter"}
    assert sum(len(trace.x) for trace in side.data) == 3 * 295
    assert "drawn" not in side.layout.title.text


def test_a_large_umap_chart_draws_a_stratified_sample_with_webgl_and_says_so():
    n = 10_000
    projection, clusters = projection_of(n), clusters_of(n)
    fig = plot_umap(projection, clusters)
    assert [trace.type for trace in fig.data] == ["scattergl", "scattergl"]
    compatible, incompatible = (len(trace.x) for trace in fig.data)
    assert compatible + incompatible == DISPLAY_CAP
    assert abs(compatible - 0.7 * DISPLAY_CAP) <= 1 and abs(incompatible - 0.3 * DISPLAY_CAP) <= 1
    assert fig.data[0].name == "compatible (n=7,000)"  # the legend counts every pair
    assert "3,000 of 10,000 pairs drawn" in fig.layout.title.text
    assert markers(fig) == markers(plot_umap(projection, clusters))  # seeded
    every = set(zip(projection.x, projection.y, strict=True))
    assert all((x, y) in every for x, y, _ in markers(fig))
    results = {name: result_of(projection, name) for name in ("baseline", "full", "lora")}
    side = plot_umap_side_by_side(results)
    assert {trace.type for trace in side.data} == {"scattergl"}
    per_map = DISPLAY_CAP // 3
    assert [len(t.x) for t in side.data[::2]] == [round(0.7 * per_map)] * 3
    assert "each map: 1,000 of 10,000 pairs drawn" in side.layout.title.text
    assert side.data[0].x == side.data[2].x == side.data[4].x  # the same pairs in every map


def test_hover_texts_are_shortened_then_escaped():
    long = "boy: " + "<b>jazz</b> " * 40
    assert shorten("x" * HOVER_TEXT_LIMIT) == "x" * HOVER_TEXT_LIMIT
    assert shorten("x" * (HOVER_TEXT_LIMIT + 1)) == "x" * (HOVER_TEXT_LIMIT - 1) + "…"
    fig = plot_umap(projection_of(20, text=long), clusters_of(20))
    hover = fig.data[0].text[0]
    first_statement = hover.split("<br>")[2]
    assert first_statement == escape(long[: HOVER_TEXT_LIMIT - 1] + "…")
    assert "<b>jazz" not in hover and "&lt;b&gt;jazz" in hover


def test_large_histograms_count_every_pair_in_bins():
    n = 10_000
    projection = projection_of(n)
    small = result_with_html_text("baseline")
    cosine = small.cosine.model_copy(
        update={"scores": projection.scores, "labels": projection.labels}
    )
    big = small.model_copy(update={"cosine": cosine})
    for fig in (plot_cosine_histograms(big), plot_cosine_overlay({"baseline": big, "full": big})):
        histograms = [trace for trace in fig.data if trace.type == "histogram"]
        # every pair counted, once per histogram of its label: the bins' sums are the counts
        assert sum(int(np.sum(trace.y)) for trace in histograms) == n * len(histograms) // 2
        assert {trace.histfunc for trace in histograms} == {"sum"}
        for trace in histograms:
            assert len(trace.x) <= 2 / 0.025 + 2  # one number a bin, not one a pair
        assert len(fig.to_json()) < 60_000
    # at today's size, the scores as they are
    assert plot_cosine_histograms(small).data[0].x == tuple(
        s for s, y in zip(small.cosine.scores, small.cosine.labels, strict=True) if y == 1
    )


def test_binned_histogram_counts_match_numpy_on_the_same_edges():
    from p3lib.book.charts.sampling import DISPLAY_CAP, histogram_data

    rng = np.random.default_rng(5)
    values = rng.uniform(-0.3, 0.95, 5_000)
    data = histogram_data(values, 0.025, n_pairs=DISPLAY_CAP + 1)
    start, size = data["xbins"]["start"], data["xbins"]["size"]
    edges = start + size * np.arange(len(data["y"]) + 1)
    assert start <= values.min() < start + size
    assert np.array_equal(data["y"], np.histogram(values, bins=edges)[0])
    assert np.allclose(data["x"], edges[:-1] + size / 2)
