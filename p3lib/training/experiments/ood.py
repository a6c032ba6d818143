"""Study 4, out of distribution: every model on new topics and phrasings, and its drop.

A *drop* is ``eval - ood`` (positive: worse out of distribution); the bootstrapped metrics'
drops get an interval that resamples each split on its own
(:func:`p3lib.evaluation.pair_bootstrap.independent_differences`).
"""

from __future__ import annotations

from collections.abc import Mapping

from p3lib.evaluation.cluster_bootstrap import percentile_interval, split_cluster_draws
from p3lib.evaluation.comparison import Estimate
from p3lib.evaluation.rankings import SUPPORTED_SHARE, top_share
from p3lib.evaluation.results import INTERVAL_METRICS
from p3lib.training.experiments.measure import MeasuredModel
from p3lib.training.experiments.plan import COMPARED, StudyModel


class OodRow(StudyModel):
    """One model on eval and OOD; ``drop`` is ``eval - ood`` per compared metric.

    ``drop_interval`` gives the bootstrapped metrics' drops a 95% interval (each split
    resampling its own template groups,
    :func:`p3lib.evaluation.cluster_bootstrap.split_cluster_draws`); a drop whose interval
    excludes 0 is larger than the two splits' sampling noise.
    """

    name: str
    label: str
    eval: dict[str, float | None]
    ood: dict[str, float | None]
    drop: dict[str, float | None]
    drop_interval: dict[str, Estimate]

    def drop_excludes_zero(self, metric: str = "spearman") -> bool:
        interval = self.drop_interval[metric]
        return bool(interval.low > 0 or interval.high < 0)


class OodStudy(StudyModel):
    """Every model measured on eval and on the OOD pairs, with the drop between them.

    ``largest_drop`` and ``smallest_drop`` name the models whose Spearman's rho falls most and
    least, and ``largest_share`` / ``smallest_share`` the share of resamples (of both splits'
    template groups, all models on the same draws) in which each is so; ``n_eval`` and
    ``n_ood`` are the pair counts.
    """

    metrics: list[str]
    n_eval: int
    n_ood: int
    rows: list[OodRow]
    largest_drop: str
    smallest_drop: str
    verdict: str
    largest_share: float | None = None
    smallest_share: float | None = None


def ood_study(
    measured: Mapping[str, MeasuredModel], *, seed: int = 42, n_bootstrap: int = 1000
) -> OodStudy:
    """The eval-to-OOD drop of every measured model, with a cluster interval per drop."""
    if not measured:
        raise ValueError("no model was measured")
    models = list(measured.values())
    first = models[0]

    def groups(m: MeasuredModel, split: str) -> list[str]:
        found = getattr(m, f"{split}_groups")
        return found or [str(i) for i in range(len(getattr(m, f"{split}_labels")))]

    keys = [key for key in COMPARED if key in INTERVAL_METRICS]
    draws = {
        key: split_cluster_draws(
            [m.eval_scores for m in models],
            first.eval_labels,
            groups(first, "eval"),
            [m.ood_scores for m in models],
            first.ood_labels,
            groups(first, "ood"),
            [m.eval["threshold"].value or 0.5 for m in models],
            metric=key,
            seed=seed,
            n_resamples=n_bootstrap,
        )
        for key in keys
    }
    rows = []
    for i, (name, m) in enumerate(measured.items()):
        e = {key: m.eval[key].value for key in COMPARED}
        o = {key: m.ood[key].value for key in COMPARED}
        drop = {key: None if e[key] is None or o[key] is None else e[key] - o[key] for key in e}
        drop_interval = {}
        for key, (point, resampled) in draws.items():
            i_ = percentile_interval(point[i], resampled[i])
            drop_interval[key] = Estimate(
                value=i_.estimate, low=i_.low, high=i_.high, method=i_.method
            )
        rows.append(
            OodRow(name=name, label=m.label, eval=e, ood=o, drop=drop, drop_interval=drop_interval)
        )
    by_drop = sorted(range(len(rows)), key=lambda k: -rows[k].drop["spearman"])
    spearman = draws.get("spearman")
    shares = (None, None)
    if spearman is not None and len(rows) > 1:
        shares = (top_share(spearman[1], by_drop[0]), top_share(-spearman[1], by_drop[-1]))
    study = OodStudy(
        metrics=list(COMPARED),
        n_eval=first.n_eval,
        n_ood=first.n_ood,
        rows=rows,
        largest_drop=rows[by_drop[0]].name,
        smallest_drop=rows[by_drop[-1]].name,
        verdict="",
        largest_share=shares[0],
        smallest_share=shares[1],
    )
    return study.model_copy(update={"verdict": _ood_verdict(study)})


def _ood_verdict(study: OodStudy) -> str:
    rows = {row.name: row for row in study.rows}
    worst, best = rows[study.largest_drop], rows[study.smallest_drop]
    fell = sum(1 for row in study.rows if row.drop["spearman"] > 0)

    def change(row: OodRow) -> str:
        return (
            f"{row.label} ({row.eval['spearman']:.3f} on eval, {row.ood['spearman']:.3f} on OOD, "
            f"drop {row.drop['spearman']:+.3f})"
        )

    text = f"Spearman's rho is lower on OOD than on eval for {fell} of the {len(rows)} models. "
    largest, smallest = study.largest_share, study.smallest_share
    if largest is None or smallest is None:
        text += f"The largest drop is {change(worst)}, the smallest {change(best)}"
    else:
        text += (
            f"The largest drop here is {change(worst)}, the largest in {largest:.0%} of "
            f"resamples of both splits' template groups; the smallest {change(best)}, in "
            f"{smallest:.0%}"
        )
        if max(largest, smallest) < SUPPORTED_SHARE:
            text += "; neither ranking is stable enough to call"
    text += "; a negative drop means a model ranked OOD pairs better." if fell < len(rows) else "."
    beyond = [row for row in study.rows if row.drop["spearman"] > 0 and row.drop_excludes_zero()]
    if fell:
        text += (
            f" For {len(beyond)} of the {fell} that fell, the drop is larger than the two "
            "splits' sampling noise (its 95% interval, each split resampling its own template "
            "groups, excludes 0)."
        )
    if "baseline" in rows and "full" in rows:
        b, f = rows["baseline"], rows["full"]
        text += (
            f" Full fine-tuning against the baseline: Spearman's rho {f.ood['spearman']:.3f} "
            f"against {b.ood['spearman']:.3f} on OOD, {f.eval['spearman']:.3f} against "
            f"{b.eval['spearman']:.3f} on eval."
        )
    return text
