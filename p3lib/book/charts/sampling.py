"""What a per-pair scatter draws when the eval set is large: a seeded, stratified sample.

A scatter with one marker per eval pair grows with the data: at 50,000 pairs an SVG chart
freezes the browser and its hover texts alone weigh megabytes. Above :data:`DISPLAY_CAP`
points a chart draws a sample instead, stratified by the groups it colours (so every group
keeps its share, and a small group at least :data:`MIN_PER_GROUP` points) and seeded (so the
same data draws the same points on every build); above :data:`WEBGL_ABOVE` points it draws
with WebGL (``go.Scattergl``). The sample is only what is drawn: every metric is computed from
all pairs before a chart sees them, and the chart's title says "n of N drawn". A histogram is
never sampled; above the cap its values travel compact (:func:`compact_values`).

Example:
    >>> display_sample(["a"] * 6 + ["b"] * 3 + ["c"], cap=5, min_per_group=1).tolist()
    [3, 4, 5, 6, 9]
    >>> display_sample(["a", "b"], cap=5).tolist()  # under the cap: every point, in order
    [0, 1]
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import plotly.graph_objects as go

# A chart with more points than this draws a sample of this many (all panels together).
DISPLAY_CAP = 3000
# A chart drawing more points than this uses WebGL: SVG slows down past a few thousand.
WEBGL_ABOVE = 2000
# A group (a colour of the chart) keeps at least this many points (or all it has) in a sample.
MIN_PER_GROUP = 5
DISPLAY_SEED = 0


def group_allocation(
    counts: Sequence[int], cap: int, *, min_per_group: int = MIN_PER_GROUP
) -> list[int]:
    """How many of each group's ``counts`` points a sample of ``cap`` points keeps.

    Each group gets its exact share ``cap * count / total`` rounded down, the points left go
    to the largest remainders (so every share is within one point of exact), and a group
    below ``min_per_group`` is raised to it (or to all it has), paid for by the groups most
    above their exact share.

    Example:
        >>> group_allocation([6000, 3000, 1000], 3000)  # shares 1800, 900, 300 exactly
        [1800, 900, 300]
        >>> group_allocation([50, 30, 20], 7, min_per_group=0)  # 3.5, 2.1, 1.4: remainders
        [4, 2, 1]
        >>> group_allocation([9990, 10], 100, min_per_group=5)  # 0.1 raised to 5
        [95, 5]
    """
    counts_array = np.asarray(counts, dtype=int)
    total = int(counts_array.sum())
    if total <= cap:
        return counts_array.tolist()
    quota = cap * counts_array / total
    allocation = np.floor(quota).astype(int)
    floor = np.minimum(counts_array, min_per_group)
    raised = allocation < floor
    allocation = np.maximum(allocation, floor)
    left = cap - int(allocation.sum())
    # Points left: to the groups below their exact share, largest remainder first.
    below = [
        g for g in np.argsort(-(quota - allocation), kind="stable") if allocation[g] < quota[g]
    ]
    for g in below[: max(left, 0)]:
        allocation[g] += 1
    # Points over (minimums raised): from the groups most above their exact share.
    for _ in range(max(-left, 0)):
        over = np.where(raised | (allocation <= floor), -np.inf, allocation - quota)
        allocation[int(np.argmax(over))] -= 1
    return allocation.tolist()


def display_sample(
    groups: Sequence[Hashable],
    cap: int = DISPLAY_CAP,
    *,
    seed: int = DISPLAY_SEED,
    min_per_group: int = MIN_PER_GROUP,
) -> np.ndarray:
    """Indices of the points to draw, in their original order: all of them up to ``cap``,
    else a sample of ``cap`` stratified by ``groups`` (one key per point; see
    :func:`group_allocation`) and drawn with ``seed``."""
    n = len(groups)
    if n <= cap:
        return np.arange(n)
    keys, inverse = np.unique(np.asarray([str(g) for g in groups]), return_inverse=True)
    members = [np.flatnonzero(inverse == k) for k in range(len(keys))]
    allocation = group_allocation([len(m) for m in members], cap, min_per_group=min_per_group)
    rng = np.random.default_rng(seed)
    chosen = [
        rng.choice(m, size=size, replace=False) for m, size in zip(members, allocation, strict=True)
    ]
    return np.sort(np.concatenate(chosen))


def compact_values(values: Sequence[float], n_pairs: int | None = None) -> list[float] | np.ndarray:
    """Per-pair values a histogram counts, in the lightest form that keeps every one.

    For a chart of up to :data:`DISPLAY_CAP` pairs (``n_pairs``, by default as many as
    ``values``): the list itself, the figure as it always was. Above it: a float32 array,
    which plotly stores as a base64 typed array, about 5 characters a value instead of about
    20 in JSON text; cosine scores come from float32 embeddings, so nothing they hold is lost.
    A histogram is never sampled: it counts every pair.

    Example:
        >>> compact_values([0.5, 0.25])
        [0.5, 0.25]
        >>> compact_values([0.5, 0.25], n_pairs=DISPLAY_CAP + 1).dtype
        dtype('float32')
    """
    if (len(values) if n_pairs is None else n_pairs) <= DISPLAY_CAP:
        return list(values)
    return np.asarray(values, dtype=np.float32)


def histogram_data(
    values: Sequence[float], bin_size: float, n_pairs: int | None = None
) -> dict[str, object]:
    """The data arguments of a ``go.Histogram`` of ``values`` in bins of ``bin_size``.

    Up to :data:`DISPLAY_CAP` pairs (``n_pairs``, by default as many as ``values``): the raw
    values, binned by plotly in the browser, the figure as it always was. Above it: the
    counts per bin, drawn with ``histfunc="sum"`` over the bin centres, so the page carries
    one number a bin instead of one a pair (about 80 bins for cosines) and the bars are the
    same. A histogram is never sampled: it counts every pair.

    Example:
        >>> histogram_data([0.1, 0.12, 0.3], 0.1)
        {'x': [0.1, 0.12, 0.3], 'xbins': {'size': 0.1}}
        >>> binned = histogram_data([0.1, 0.12, 0.3], 0.1, n_pairs=DISPLAY_CAP + 1)
        >>> binned["histfunc"], binned["y"].tolist(), binned["xbins"]["start"]
        ('sum', [2, 0, 1], 0.1)
    """
    if (len(values) if n_pairs is None else n_pairs) <= DISPLAY_CAP:
        return {"x": list(values), "xbins": {"size": bin_size}}
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return {"x": [], "xbins": {"size": bin_size}}
    # Bins [start + k * bin_size, start + (k + 1) * bin_size) on multiples of bin_size, as
    # plotly's own bins of that size are; the small slack keeps 0.3 out of the bin below it.
    start = np.floor(values.min() / bin_size + 1e-9) * bin_size
    index = np.floor((values - start) / bin_size + 1e-9).astype(int)
    counts = np.bincount(index)
    centres = start + (np.arange(counts.size) + 0.5) * bin_size
    return {
        "x": np.round(centres, 10),
        "y": counts,
        "histfunc": "sum",
        "xbins": {
            "start": float(np.round(start, 10)),
            "end": float(np.round(start + counts.size * bin_size, 10)),
            "size": bin_size,
        },
    }


def scatter_type(n_drawn: int) -> type[go.Scatter] | type[go.Scattergl]:
    """``go.Scattergl`` for a chart drawing more than :data:`WEBGL_ABOVE` points, else
    ``go.Scatter`` (SVG: crisper, and every browser draws it)."""
    return go.Scattergl if n_drawn > WEBGL_ABOVE else go.Scatter


def drawn_caption(n_drawn: int, n_total: int, *, unit: str = "pairs", by: str = "label") -> str:
    """The note a sampled chart carries; empty when every point is drawn.

    Example:
        >>> drawn_caption(3000, 50000)
        '3,000 of 50,000 pairs drawn (seeded, stratified by label); the metrics use all'
        >>> drawn_caption(295, 295)
        ''
    """
    if n_drawn >= n_total:
        return ""
    return (
        f"{n_drawn:,} of {n_total:,} {unit} drawn (seeded, stratified by {by}); the metrics use all"
    )


def map_caption(n_drawn: int, n_projected: int, n_total: int) -> str:
    """The note a UMAP map carries: which pairs it projects and which it draws; empty when
    every pair is both.

    Above :data:`p3lib.evaluation.clustering.PROJECTION_CAP` pairs the map and its clusters
    are measured on a seeded sample (``n_projected`` of ``n_total``), and the chart may draw
    fewer still (``n_drawn``).

    Example:
        >>> map_caption(3000, 3000, 50000).split("; ")
        ['UMAP and HDBSCAN on 3,000 of 50,000 pairs (seeded, stratified by label)',
         'the other metrics use all']
        >>> map_caption(1000, 3000, 50000).split("), ")[1]
        '1,000 of them drawn; the other metrics use all'
        >>> map_caption(2000, 2500, 2500)
        '2,000 of 2,500 pairs drawn (seeded, stratified by label); the metrics use all'
    """
    if n_projected >= n_total:
        return drawn_caption(n_drawn, n_total)
    drawn = f", {n_drawn:,} of them drawn" if n_drawn < n_projected else ""
    return (
        f"UMAP and HDBSCAN on {n_projected:,} of {n_total:,} pairs (seeded, stratified by "
        f"label){drawn}; the other metrics use all"
    )
