"""Study 4, out of distribution: every model on new topics and phrasings, and its drop.

A *drop* is ``eval - ood`` (positive: worse out of distribution); the bootstrapped metrics'
drops get an interval that resamples each split on its own
(:func:`p3lib.evaluation.pair_bootstrap.independent_differences`).
"""

from __future__ import annotations

from collections.abc import Mapping

from p3lib.evaluation.comparison import Estimate
from p3lib.evaluation.pair_bootstrap import independent_differences
from p3lib.training.experiments.measure import MeasuredModel
from p3lib.training.experiments.plan import COMPARED, StudyModel


class OodRow(StudyModel):
    """One model on eval and OOD; ``drop`` is ``eval - ood`` per compared metric.

    ``drop_interval`` gives the bootstrapped metrics' drops a 95% interval (each split
    resampled on its own, :func:`p3lib.evaluation.pair_bootstrap.independent_differences`); a
    drop whose interval excludes 0 is larger than the two splits' sampling noise.
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
    least; ``n_eval`` and ``n_ood`` are the pair counts.
    """

    metrics: list[str]
    n_eval: int
    n_ood: int
    rows: list[OodRow]
    largest_drop: str
    smallest_drop: str
    verdict: str


def ood_study(
    measured: Mapping[str, MeasuredModel], *, seed: int = 42, n_bootstrap: int = 1000
) -> OodStudy:
    """The eval-to-OOD drop of every measured model, with a bootstrap interval per drop."""
    if not measured:
        raise ValueError("no model was measured")
    rows = []
    for name, m in measured.items():
        e = {key: m.eval[key].value for key in COMPARED}
        o = {key: m.ood[key].value for key in COMPARED}
        drop = {key: None if e[key] is None or o[key] is None else e[key] - o[key] for key in e}
        intervals = independent_differences(
            m.eval_scores,
            m.eval_labels,
            m.ood_scores,
            m.ood_labels,
            seed=seed,
            n_bootstrap=n_bootstrap,
        )
        drop_interval = {
            key: Estimate(value=i.estimate, low=i.low, high=i.high) for key, i in intervals.items()
        }
        rows.append(
            OodRow(name=name, label=m.label, eval=e, ood=o, drop=drop, drop_interval=drop_interval)
        )
    by_drop = sorted(rows, key=lambda row: -row.drop["spearman"])
    first = next(iter(measured.values()))
    study = OodStudy(
        metrics=list(COMPARED),
        n_eval=first.n_eval,
        n_ood=first.n_ood,
        rows=rows,
        largest_drop=by_drop[0].name,
        smallest_drop=by_drop[-1].name,
        verdict="",
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

    text = (
        f"Spearman's rho is lower on OOD than on eval for {fell} of the {len(rows)} models. "
        f"The largest drop is {change(worst)}, the smallest {change(best)}"
    )
    text += "; a negative drop means a model ranked OOD pairs better." if fell < len(rows) else "."
    beyond = [row for row in study.rows if row.drop["spearman"] > 0 and row.drop_excludes_zero()]
    if fell:
        text += (
            f" For {len(beyond)} of the {fell} that fell, the drop is larger than the two "
            "splits' sampling noise (its 95% bootstrap interval excludes 0)."
        )
    if "baseline" in rows and "full" in rows:
        b, f = rows["baseline"], rows["full"]
        text += (
            f" Full fine-tuning against the baseline: Spearman's rho {f.ood['spearman']:.3f} "
            f"against {b.ood['spearman']:.3f} on OOD, {f.eval['spearman']:.3f} against "
            f"{b.eval['spearman']:.3f} on eval."
        )
    return text
