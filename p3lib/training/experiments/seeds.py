"""Study 3, seeds: full fine-tuning and LoRA trained with several seeds.

First in the reading order because the other studies set their differences against the
seed-to-seed spread measured here (:func:`seed_range`).

Example:
    >>> from p3lib.training.experiments.seeds import spread
    >>> s = spread([0.60, 0.62, 0.64])
    >>> round(s.mean, 3), round(s.std, 3), s.n
    (0.62, 0.02, 3)
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence

from p3lib.evaluation.results import HEADLINE_KEYS
from p3lib.training.experiments.measure import MeasuredModel
from p3lib.training.experiments.plan import COMPARED, METRIC_LABELS, RANKING, StudyModel


class Spread(StudyModel):
    """A metric over seeds: the values, their mean, sample standard deviation and range.

    ``std`` is ``null`` with fewer than two values; everything is ``null`` with none.
    """

    values: list[float | None]
    n: int
    mean: float | None
    std: float | None
    low: float | None
    high: float | None

    @property
    def range(self) -> float | None:
        return None if self.low is None or self.high is None else self.high - self.low


def spread(values: Sequence[float | None]) -> Spread:
    """The :class:`Spread` of ``values`` (``None`` entries are kept but not counted)."""
    present = [float(v) for v in values if v is not None and math.isfinite(v)]
    return Spread(
        values=[None if v is None else float(v) for v in values],
        n=len(present),
        mean=statistics.fmean(present) if present else None,
        std=statistics.stdev(present) if len(present) >= 2 else None,
        low=min(present) if present else None,
        high=max(present) if present else None,
    )


class SeedStudy(StudyModel):
    """Full fine-tuning and LoRA over seeds: every headline metric's spread, on eval.

    ``models`` lists each method's model names in seed order; ``eval`` and ``ood`` map
    ``method -> metric -> Spread``. ``gap`` is ``mean(full) - mean(lora)`` per metric, and
    ``separated`` is true where the two methods' seed ranges do not overlap (with at least two
    seeds each): only then does this run show a difference larger than the seeds' own.
    """

    seeds: list[int]
    models: dict[str, list[str]]
    eval: dict[str, dict[str, Spread]]
    ood: dict[str, dict[str, Spread]]
    gap: dict[str, float | None]
    separated: dict[str, bool]
    verdict: str


def seed_study(measured: Mapping[str, MeasuredModel]) -> SeedStudy:
    """Group the plain (cosine, no instruction) full and LoRA models by seed."""
    models: dict[str, list[str]] = {"full": [], "lora": []}
    for name, m in measured.items():
        if m.method in models and m.loss == "cosine" and m.prompt is None:
            models[m.method].append(name)
    seeds = sorted({measured[n].seed for names in models.values() for n in names if n})
    for names in models.values():
        names.sort(key=lambda n: seeds.index(measured[n].seed))
    splits = {}
    for split in ("eval", "ood"):
        splits[split] = {
            method: {
                key: spread([getattr(measured[n], split)[key].value for n in names])
                for key in HEADLINE_KEYS
            }
            for method, names in models.items()
            if names
        }
    gap, separated = {}, {}
    full, lora = splits["eval"].get("full"), splits["eval"].get("lora")
    for key in HEADLINE_KEYS:
        if full is None or lora is None or full[key].mean is None or lora[key].mean is None:
            gap[key], separated[key] = None, False
            continue
        gap[key] = full[key].mean - lora[key].mean
        f, g = full[key], lora[key]
        separated[key] = min(f.n, g.n) >= 2 and (f.low > g.high or g.low > f.high)
    return SeedStudy(
        seeds=seeds,
        models=models,
        eval=splits["eval"],
        ood=splits["ood"],
        gap=gap,
        separated=separated,
        verdict=_seed_verdict(splits["eval"], gap, separated),
    )


def _count_ranking_once(keys: Sequence[str]) -> list[str]:
    """Metric labels with AUC-ROC, Spearman's rho and rho / ceiling named once, as one fact.

    Example:
        >>> _count_ranking_once(["auc_roc", "spearman", "margin"])
        ["ranking (AUC-ROC; Spearman's rho is the same fact)", 'margin']
    """
    labels, ranked = [], False
    for key in keys:
        if key in RANKING:
            if not ranked:
                labels.append("ranking (AUC-ROC; Spearman's rho is the same fact)")
                ranked = True
            continue
        labels.append(METRIC_LABELS[key])
    return labels


def _seed_verdict(
    spreads: dict[str, dict[str, Spread]], gap: dict[str, float | None], separated: dict[str, bool]
) -> str:
    full, lora = spreads.get("full"), spreads.get("lora")
    if full is None or lora is None:
        return "This run did not train both methods, so the seed study compares nothing."
    n = min(full["spearman"].n, lora["spearman"].n)
    if n < 2:
        return (
            "With one seed per method this run cannot tell a difference between the methods "
            "from seed-to-seed noise."
        )
    f, g = full["spearman"], lora["spearman"]
    text = (
        f"Over {n} seeds, Spearman's rho on eval is {f.mean:.3f} (SD {f.std:.3f}, range "
        f"{f.low:.3f} to {f.high:.3f}) for full fine-tuning and {g.mean:.3f} (SD {g.std:.3f}, "
        f"range {g.low:.3f} to {g.high:.3f}) for LoRA. "
    )
    real = _count_ranking_once([key for key in COMPARED if separated.get(key)])
    if separated["spearman"]:
        better = "full fine-tuning" if gap["spearman"] > 0 else "LoRA"
        text += f"The seed ranges do not overlap: {better} ranks pairs better on every seed."
    else:
        text += (
            "The seed ranges overlap, so the gap between the methods' Spearman's rho "
            f"({gap['spearman']:+.3f}) is within what a change of seed alone does."
        )
    if real:
        text += f" Metrics whose seed ranges do not overlap: {', '.join(real)}."
    else:
        text += " On no compared metric do the two methods' seed ranges separate."
    return text


def seed_range(seeds: SeedStudy | None, split: str, metric: str) -> float | None:
    """Full fine-tuning's seed-to-seed range of ``metric`` on ``split`` (two seeds or more)."""
    full = getattr(seeds, split).get("full") if seeds is not None else None
    return full[metric].range if full is not None and full[metric].n >= 2 else None
