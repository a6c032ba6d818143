"""How often a ranking holds: the share of template-group resamples in which it comes out the same.

A sentence such as "interests achieve the widest separation" or "full fine-tuning errs most on
dealbreaker pairs" ranks point estimates, and a point estimate can come first by luck: on the
default data "interests" has the widest margin in under half of the resamples of template
groups. Each ranking the book states therefore carries the share of resamples (the same
cluster bootstrap as the intervals: template groups drawn with replacement) in which the same
item comes first, and the book states the ranking only where that share reaches
:data:`SUPPORTED_SHARE`.

Example:
    >>> import numpy as np
    >>> values = np.array([[3.0, 3.0, np.nan, 2.0], [1.0, 4.0, 2.0, 2.0]])
    >>> top_share(values, 0)  # first, second, undefined, tied: (1 + 0 + 0 + 1/2) / 4
    0.375
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from p3lib.evaluation.cluster_bootstrap import _group_index, _weights_from_draws

# A ranking is stated only where it holds in at least this share of resamples.
SUPPORTED_SHARE = 0.8
N_RESAMPLES = 1000


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RankingSupport(_Model):
    """``first`` (the point estimate's top item) and the share of resamples where it is top.

    ``last`` and ``last_share`` the same for the bottom item (``None`` where not asked for).
    ``supported`` says whether ``share`` reaches :data:`SUPPORTED_SHARE`.
    """

    items: list[str]
    first: str
    share: float
    last: str | None = None
    last_share: float | None = None
    n_resamples: int
    seed: int

    @property
    def supported(self) -> bool:
        return self.share >= SUPPORTED_SHARE

    @property
    def last_supported(self) -> bool:
        return self.last_share is not None and self.last_share >= SUPPORTED_SHARE


def top_share(values: np.ndarray, item: int) -> float:
    """Share of resamples (columns of ``values``, items x resamples) where ``item`` is highest.

    A resample where ``item`` is undefined (NaN) counts against it; a tie for the top
    counts as a share of the tie (two items level: half a resample each).
    """
    values = np.asarray(values, dtype=float)
    filled = np.where(np.isnan(values), -np.inf, values)
    top = filled.max(axis=0)
    at_top = (filled == top) & np.isfinite(filled)
    ties = np.maximum(at_top.sum(axis=0), 1)
    return float(np.mean(at_top[item] / ties))


def resampled_weights(groups: Sequence, n_resamples: int, seed: int) -> np.ndarray:
    """Pair weights of ``n_resamples`` cluster-bootstrap resamples of ``groups``."""
    pair_group, n_groups = _group_index(list(groups))
    draws = np.random.default_rng(seed).integers(0, n_groups, (n_resamples, n_groups))
    weights, _ = _weights_from_draws(draws, pair_group, n_groups)
    return weights


def rank_support(
    statistic,
    items: Sequence[str],
    groups: Sequence,
    *,
    lowest_too: bool = False,
    first: str | None = None,
    n_resamples: int = N_RESAMPLES,
    seed: int = 42,
) -> RankingSupport | None:
    """The top (and bottom) item of ``statistic`` and the share of resamples that agree.

    ``statistic`` maps (resamples x pairs) weights to (items x resamples) values, the point
    estimate being the all-ones weights; ``first`` names the top item where the caller
    breaks ties its own way. ``None`` when no item is defined.
    """
    items = list(items)
    point = np.asarray(statistic(np.ones((1, len(groups)))), dtype=float)[:, 0]
    if not items or np.all(np.isnan(point)):
        return None
    values = np.asarray(statistic(resampled_weights(groups, n_resamples, seed)), dtype=float)
    first = items.index(first) if first is not None else int(np.nanargmax(point))
    last = int(np.nanargmin(point)) if lowest_too else None
    return RankingSupport(
        items=items,
        first=items[first],
        share=top_share(values, first),
        last=None if last is None else items[last],
        last_share=None if last is None else top_share(-values, last),
        n_resamples=n_resamples,
        seed=seed,
    )


def category_margin_support(
    scores, labels, categories: Sequence[str], groups: Sequence, eligible: Sequence[str], **kw
) -> RankingSupport | None:
    """Which ``eligible`` category has the widest (and the narrowest) margin, and how often."""
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=int)
    cats = np.asarray(list(categories), dtype=object)
    pos = np.stack([(cats == c) & (labels == 1) for c in eligible]).astype(float)
    neg = np.stack([(cats == c) & (labels == 0) for c in eligible]).astype(float)

    def margins(weights):
        with np.errstate(invalid="ignore", divide="ignore"):
            mean1 = (pos * scores) @ weights.T / (pos @ weights.T)
            mean0 = (neg * scores) @ weights.T / (neg @ weights.T)
        return mean1 - mean0

    return rank_support(margins, eligible, groups, lowest_too=True, **kw)


def worst_type_support(
    scores, labels, pair_types: Sequence[str], groups: Sequence, threshold: float, **kw
) -> RankingSupport | None:
    """Which pair type has the highest error rate at ``threshold``, and how often.

    Give ``first=`` the worst type as :func:`p3lib.evaluation.errors_by_type.errors_by_pair_type`
    names it (its ties go to more errors, then the earlier type).
    """
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=int)
    types = np.asarray(list(pair_types), dtype=object)
    present = list(dict.fromkeys(types.tolist()))
    wrong = ((scores >= threshold) != (labels == 1)).astype(float)
    member = np.stack([types == t for t in present]).astype(float)

    def error_rates(weights):
        with np.errstate(invalid="ignore", divide="ignore"):
            return (member * wrong) @ weights.T / (member @ weights.T)

    return rank_support(error_rates, present, groups, **kw)
