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

from p3lib.evaluation.cluster_bootstrap import TABLE_METRICS, two_level_differences
from p3lib.evaluation.comparison import Estimate
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
    ``method -> metric -> Spread``. ``gap`` is ``mean(full) - mean(lora)`` per metric.
    ``two_level`` gives that gap a 95% interval from a two-level bootstrap on eval
    (:func:`p3lib.evaluation.cluster_bootstrap.two_level_differences`: every resample draws
    each method's seeds and the template groups with replacement), and ``separated`` is true
    where that interval excludes 0: the difference is larger than what a change of seed and
    of eval sample do together. (Earlier results judged by whether the seed ranges overlap,
    which ignores the eval sample and, with three seeds, says little.)
    """

    seeds: list[int]
    models: dict[str, list[str]]
    eval: dict[str, dict[str, Spread]]
    ood: dict[str, dict[str, Spread]]
    gap: dict[str, float | None]
    separated: dict[str, bool]
    verdict: str
    two_level: dict[str, Estimate] = {}


def _two_level(
    measured: Mapping[str, MeasuredModel],
    models: dict[str, list[str]],
    *,
    seed: int,
    n_bootstrap: int,
) -> dict[str, Estimate]:
    """Full minus LoRA on eval over seeds and template groups (two-level bootstrap)."""
    full = [measured[n] for n in models.get("full", [])]
    lora = [measured[n] for n in models.get("lora", [])]
    if not full or not lora or any(m.eval_labels != full[0].eval_labels for m in lora):
        return {}
    groups = full[0].eval_groups or [str(i) for i in range(len(full[0].eval_labels))]

    def cuts(arm):
        return [
            m.eval["threshold"].value if m.eval["threshold"].value is not None else 0.5 for m in arm
        ]

    keys = [key for key in HEADLINE_KEYS if key in TABLE_METRICS]
    found = two_level_differences(
        [m.eval_scores for m in full],
        [m.eval_scores for m in lora],
        full[0].eval_labels,
        groups,
        (cuts(full), cuts(lora)),
        metrics=keys,
        seed=seed,
        n_resamples=n_bootstrap,
    )
    return {
        key: Estimate(value=d.estimate, low=d.low, high=d.high, method=d.method)
        for key, d in found.items()
    }


def seed_study(
    measured: Mapping[str, MeasuredModel], *, seed: int = 42, n_bootstrap: int = 1000
) -> SeedStudy:
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
    two_level = _two_level(measured, models, seed=seed, n_bootstrap=n_bootstrap)
    for key in HEADLINE_KEYS:
        if full is None or lora is None or full[key].mean is None or lora[key].mean is None:
            gap[key], separated[key] = None, False
            continue
        gap[key] = full[key].mean - lora[key].mean
        d = two_level.get(key)
        separated[key] = bool(
            min(full[key].n, lora[key].n) >= 2
            and d is not None
            and d.low is not None
            and (d.low > 0 or d.high < 0)
        )
    return SeedStudy(
        seeds=seeds,
        models=models,
        eval=splits["eval"],
        ood=splits["ood"],
        gap=gap,
        separated=separated,
        verdict=_seed_verdict(splits["eval"], gap, separated, two_level),
        two_level=two_level,
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
    spreads: dict[str, dict[str, Spread]],
    gap: dict[str, float | None],
    separated: dict[str, bool],
    two_level: Mapping[str, Estimate] | None = None,
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
    d = (two_level or {}).get("spearman")
    if d is None or d.low is None or d.high is None:
        return text + "This run has no two-level interval for the gap, so it gives no verdict."
    interval = (
        f"full minus LoRA {d.value:+.3f}, 95% interval {d.low:+.3f} to {d.high:+.3f} from a "
        "two-level bootstrap that resamples each method's seeds and the eval template groups "
        "together"
    )
    if separated["spearman"]:
        better = "full fine-tuning" if d.value > 0 else "LoRA"
        text += f"Over seeds and eval samples, {better} ranks pairs better: {interval}."
    else:
        text += (
            f"The gap in Spearman's rho ({interval}) includes 0: a change of seed and of eval "
            "sample could make it."
        )
    if real:
        text += f" Metrics whose two-level interval excludes 0: {', '.join(real)}."
    else:
        text += " On no compared metric does the two-level interval exclude 0."
    return text


def seed_range(seeds: SeedStudy | None, split: str, metric: str) -> float | None:
    """Full fine-tuning's seed-to-seed range of ``metric`` on ``split`` (two seeds or more)."""
    full = getattr(seeds, split).get("full") if seeds is not None else None
    return full[metric].range if full is not None and full[metric].n >= 2 else None
