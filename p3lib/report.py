"""The before/after comparison: one :class:`ComparisonResult`, its headline sentence and table.

Chapter 05 builds the comparison from the three evaluation results (baseline, full fine-tuning,
LoRA) and the two training records; chapter 06, the results page of the book, the README and
ADR 001 read it. Everything here only *arranges* numbers that :func:`p3lib.metrics.evaluate`
and :func:`p3lib.train.train` measured; the one arithmetic it adds is the difference between
a fine-tuned model and the baseline.

Conventions:

* A delta is ``fine-tuned - baseline``. ``margin_improvement_pct`` divides the margin delta by
  the *absolute* baseline margin, so a margin that grows from -0.05 to +0.30 is +700%, not
  -700%; it is ``null`` when the baseline margin is exactly 0.
* Anything undefined is ``null``, never 0 (a purity without clusters, a category margin without
  one of the labels, a delta of an undefined metric).

Example:
    >>> from p3lib.report import compare, headline_sentence  # doctest: +SKIP
    >>> comparison = compare(baseline, full, lora, records)  # doctest: +SKIP
    >>> print(headline_sentence(comparison))  # doctest: +SKIP
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from p3lib.io import atomic_write_text, read_json
from p3lib.layout import DEFAULT_OUT, RunLayout
from p3lib.metrics import (
    HEADLINE_KEYS,
    INTERVAL_METRICS,
    BaselineMetrics,
    CategoryMargin,
    EvaluationResult,
    LeakFree,
)

MODELS = ("baseline", "full", "lora")
MODEL_LABELS = {"baseline": "baseline", "full": "full fine-tuning", "lora": "LoRA"}
FINE_TUNED = ("full", "lora")
# A category enters the headline sentence only with this many eval pairs of each label.
MIN_CATEGORY_PER_LABEL = 5
RESULTS_START = "<!-- results:start -->"
RESULTS_END = "<!-- results:end -->"
PRD_LORA_RATE = 2e-5

# Rows of the results table: (headline key, label, format). Intervals come from the bootstrap.
TABLE_ROWS = (
    ("margin", "Compatibility margin", "+.3f"),
    ("cohens_d", "Cohen's d", ".2f"),
    ("auc_roc", "AUC-ROC", ".3f"),
    ("spearman", "Spearman's rho", ".3f"),
    ("spearman_ratio", "Spearman's rho / ceiling", ".3f"),
    ("purity", "HDBSCAN cluster purity", ".3f"),
    ("f1", "F1 at the validation threshold", ".3f"),
    ("accuracy", "Accuracy at the validation threshold", ".3f"),
    ("n_false_positives", "False positives", ".0f"),
    ("threshold", "Validation threshold (cosine)", ".3f"),
)
LEAK_FREE_ROWS = (
    ("margin", "Leak-free margin", "+.3f"),
    ("auc_roc", "Leak-free AUC-ROC", ".3f"),
    ("spearman", "Leak-free Spearman's rho", ".3f"),
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Estimate(_Model):
    """A headline number with its 95% bootstrap interval (``low``/``high`` null without one)."""

    value: float | None
    low: float | None = None
    high: float | None = None


class TrainingSummary(_Model):
    """What a training run cost, from its :class:`p3lib.train.TrainingRecord`."""

    method: str
    learning_rate: float
    epochs: int
    n_train_pairs: int
    train_seconds: float
    seconds_per_epoch: float
    trainable_parameters: int
    total_parameters: int
    trainable_share: float
    peak_rss_mb: float
    best_validation_score: float
    best_step: int
    total_steps: int


class ModelSummary(_Model):
    """One model's side of the comparison: headline numbers, breakdowns, and training cost.

    ``metrics`` is the PRD's flat :class:`~p3lib.metrics.BaselineMetrics`; ``headline`` holds
    every headline metric of :meth:`~p3lib.metrics.EvaluationResult.headline` with its interval
    where the bootstrap gives one.
    """

    name: str
    model: str | None
    n_pairs: int
    n_compatible: int
    n_incompatible: int
    threshold: float
    threshold_f1_on_validation: float
    headline: dict[str, Estimate]
    metrics: BaselineMetrics
    n_clusters: int
    noise_fraction: float
    n_false_positives: int
    false_positives_by_pair_type: dict[str, int]
    incompatible_by_pair_type: dict[str, int]
    category_margins: dict[str, CategoryMargin]
    n_overlap: int
    leak_free: LeakFree | None
    training: TrainingSummary | None = None


class ComparisonResult(_Model):
    """The PRD's ``ComparisonResult`` (section 6), extended.

    ``margin_improvement``, ``margin_improvement_pct``, ``cohens_d_improvement`` and
    ``spearman_improvement`` compare full fine-tuning (the PRD's "standard" model) with the
    baseline, as in the PRD; the ``lora_*`` fields do the same for LoRA. ``deltas`` holds
    ``model - baseline`` for every headline metric of each fine-tuned model (``null`` where
    either side is undefined), and ``leak_free_deltas`` the same on the leak-free subset.
    """

    baseline: ModelSummary
    full: ModelSummary
    lora: ModelSummary | None = None
    margin_improvement: float
    margin_improvement_pct: float | None
    cohens_d_improvement: float
    spearman_improvement: float
    lora_margin_improvement: float | None = None
    lora_margin_improvement_pct: float | None = None
    lora_cohens_d_improvement: float | None = None
    lora_spearman_improvement: float | None = None
    deltas: dict[str, dict[str, float | None]]
    leak_free_deltas: dict[str, dict[str, float | None]]
    min_category_per_label: int = MIN_CATEGORY_PER_LABEL

    def models(self) -> dict[str, ModelSummary]:
        """The compared models by name, baseline first; LoRA only when present."""
        present = {"baseline": self.baseline, "full": self.full, "lora": self.lora}
        return {name: summary for name, summary in present.items() if summary is not None}


# --------------------------------------------------------------------------------------------
# Building the comparison
# --------------------------------------------------------------------------------------------


def _delta(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


def improvement_pct(after: float, before: float) -> float | None:
    """``(after - before) / |before|`` in percent; ``None`` when ``before`` is 0.

    Example:
        >>> improvement_pct(0.30, -0.05)
        700.0
    """
    if before == 0:
        return None
    return round((after - before) / abs(before) * 100, 10)


def training_summary(record) -> TrainingSummary:
    """The cost figures of a :class:`p3lib.train.TrainingRecord` (or its JSON as a dict)."""
    data = record if isinstance(record, Mapping) else record.model_dump()
    parameters = data["parameters"]
    epochs = data.get("epoch_seconds") or []
    return TrainingSummary(
        method=data["method"],
        learning_rate=float(data["learning_rate"]),
        epochs=int(data.get("config", {}).get("epochs", len(epochs)) or len(epochs)),
        n_train_pairs=int(data["n_train_pairs"]),
        train_seconds=float(data["train_seconds"]),
        seconds_per_epoch=float(data["seconds_per_epoch"]),
        trainable_parameters=int(parameters["trainable"]),
        total_parameters=int(parameters["total"]),
        trainable_share=float(parameters["trainable_share"]),
        peak_rss_mb=float(data["peak_rss_mb"]),
        best_validation_score=float(data["best_score"]),
        best_step=int(data["best_step"]),
        total_steps=int(data["total_steps"]),
    )


def summarise(result: EvaluationResult, record=None) -> ModelSummary:
    """One model's :class:`ModelSummary` from its evaluation (and training record, if any)."""
    values = result.headline("")
    intervals = result.intervals
    headline = {}
    for key in HEADLINE_KEYS:
        if key in INTERVAL_METRICS:
            interval = getattr(intervals, key)
            headline[key] = Estimate(value=values[key], low=interval.low, high=interval.high)
        else:
            headline[key] = Estimate(value=values[key])
    fps = result.false_positives
    return ModelSummary(
        name=result.name,
        model=result.model,
        n_pairs=result.n_pairs,
        n_compatible=result.n_compatible,
        n_incompatible=result.n_incompatible,
        threshold=result.threshold.threshold,
        threshold_f1_on_validation=result.threshold.f1,
        headline=headline,
        metrics=result.summary,
        n_clusters=result.hdbscan.n_clusters,
        noise_fraction=result.hdbscan.noise_fraction,
        n_false_positives=fps.n,
        false_positives_by_pair_type=dict(fps.by_pair_type),
        incompatible_by_pair_type=dict(fps.incompatible_by_pair_type),
        category_margins=dict(result.category_margins),
        n_overlap=result.n_overlap,
        leak_free=result.leak_free,
        training=training_summary(record) if record is not None else None,
    )


def _leak_free_values(summary: ModelSummary) -> dict[str, float | None]:
    lf = summary.leak_free
    keys = ("margin", "cohens_d", "auc_roc", "spearman", "f1", "accuracy")
    return {key: (getattr(lf, key) if lf is not None else None) for key in keys}


def compare(
    baseline: EvaluationResult,
    full: EvaluationResult,
    lora: EvaluationResult | None = None,
    records: Mapping[str, object] | None = None,
) -> ComparisonResult:
    """Put the baseline and the fine-tuned models side by side.

    Args:
        baseline: chapter 02's result.
        full: the fully fine-tuned model's result (chapter 05).
        lora: the LoRA model's result, or ``None`` when LoRA was skipped.
        records: training records by method (``{"full": ..., "lora": ...}``), each a
            :class:`p3lib.train.TrainingRecord` or its JSON; missing ones are left out.

    Example:
        >>> comparison = compare(baseline, full, lora)  # doctest: +SKIP
        >>> comparison.margin_improvement == full.cosine.margin - baseline.cosine.margin
        ... # doctest: +SKIP
        True
    """
    records = dict(records or {})
    summaries = {"baseline": summarise(baseline)}
    summaries["full"] = summarise(full, records.get("full"))
    if lora is not None:
        summaries["lora"] = summarise(lora, records.get("lora"))
    base = summaries["baseline"]
    base_values = {key: estimate.value for key, estimate in base.headline.items()}
    base_leak_free = _leak_free_values(base)
    deltas, leak_free_deltas = {}, {}
    for name in FINE_TUNED:
        if name not in summaries:
            continue
        summary = summaries[name]
        deltas[name] = {
            key: _delta(summary.headline[key].value, base_values[key]) for key in HEADLINE_KEYS
        }
        after = _leak_free_values(summary)
        leak_free_deltas[name] = {
            key: _delta(after[key], base_leak_free[key]) for key in base_leak_free
        }

    def improvements(result: EvaluationResult) -> dict[str, float | None]:
        return {
            "margin_improvement": result.cosine.margin - baseline.cosine.margin,
            "margin_improvement_pct": improvement_pct(result.cosine.margin, baseline.cosine.margin),
            "cohens_d_improvement": result.cohens_d - baseline.cohens_d,
            "spearman_improvement": result.spearman - baseline.spearman,
        }

    lora_fields = {}
    if lora is not None:
        lora_fields = {f"lora_{key}": value for key, value in improvements(lora).items()}
    return ComparisonResult(
        baseline=base,
        full=summaries["full"],
        lora=summaries.get("lora"),
        deltas=deltas,
        leak_free_deltas=leak_free_deltas,
        **improvements(full),
        **lora_fields,
    )


def load_comparison(path: str | Path) -> ComparisonResult:
    """Read a ``comparison.json`` written by chapter 05."""
    return ComparisonResult.model_validate(read_json(path))


# --------------------------------------------------------------------------------------------
# The headline sentence
# --------------------------------------------------------------------------------------------


def eligible_categories(
    summary: ModelSummary, min_per_label: int = MIN_CATEGORY_PER_LABEL
) -> dict[str, float]:
    """Margins of the categories with at least ``min_per_label`` eval pairs of each label."""
    return {
        name: margin.margin
        for name, margin in summary.category_margins.items()
        if margin.margin is not None
        and margin.n_compatible >= min_per_label
        and margin.n_incompatible >= min_per_label
    }


def easiest_and_hardest(
    comparison: ComparisonResult, model: str = "full"
) -> tuple[str | None, str | None]:
    """The categories with the widest and the narrowest margin for ``model``.

    Only categories with both labels and at least ``min_category_per_label`` pairs of each
    count; ties go to the larger category (the order of ``category_margins``). ``(None, None)``
    when none qualifies; the same name twice when exactly one does.
    """
    margins = eligible_categories(comparison.models()[model], comparison.min_category_per_label)
    if not margins:
        return None, None
    names = list(margins)
    easiest = max(names, key=lambda name: (margins[name], -names.index(name)))
    hardest = min(names, key=lambda name: (margins[name], names.index(name)))
    return easiest, hardest


def _changed(before: float, after: float, what: str) -> str:
    if after > before:
        return f"Fine-tuning improved {what} from {before:+.3f} to {after:+.3f}"
    if after < before:
        return f"Fine-tuning did not improve {what}: it fell from {before:+.3f} to {after:+.3f}"
    return f"Fine-tuning left {what} unchanged at {before:+.3f}"


def headline_sentence(
    comparison: ComparisonResult,
    *,
    escape: Callable[[str], str] | None = html.escape,
) -> str:
    """The PRD's deliverable sentence, filled in with the measured numbers.

    "Fine-tuning improved compatibility margin from X to Y (Cohen's d from A to B), with
    category-wise analysis showing E achieve the widest separation while H remain the hardest
    category" -- with "did not improve" when the margin fell, categories ranked by the full
    model's margins (only those with enough pairs of both labels), and LoRA's figures after.

    Category names come from the data: ``escape`` (``html.escape`` by default) is applied to
    them so the sentence can go into Markdown or HTML as it is; pass ``escape=None`` for
    plain text.
    """
    quote = escape or (lambda text: text)
    base, full = comparison.baseline, comparison.full
    b_margin, f_margin = base.metrics.compatibility_margin, full.metrics.compatibility_margin
    sentence = _changed(b_margin, f_margin, "the compatibility margin")
    sentence += f" (Cohen's d from {base.metrics.cohens_d:.2f} to {full.metrics.cohens_d:.2f})"

    easiest, hardest = easiest_and_hardest(comparison, "full")
    minimum = comparison.min_category_per_label
    if easiest is None:
        sentence += (
            f"; no category has {minimum} or more eval pairs of each label, so categories "
            "cannot be ranked"
        )
    else:
        after = eligible_categories(full, minimum)
        before = {name: m.margin for name, m in base.category_margins.items()}

        def margins(name: str) -> str:
            was = before.get(name)
            was_text = f"{was:+.3f} to " if was is not None else ""
            return f"margin {was_text}{after[name]:+.3f}"

        if easiest == hardest:
            sentence += (
                f", with only one category large enough to rank ({minimum}+ pairs of each "
                f"label): {quote(easiest)} ({margins(easiest)})"
            )
        else:
            _, hardest_before = easiest_and_hardest(comparison, "baseline")
            verb = "remains" if hardest_before == hardest else "is now"
            sentence += (
                f", with category-wise analysis showing {quote(easiest)} achieving the widest "
                f"separation ({margins(easiest)}) while {quote(hardest)} {verb} the hardest "
                f"category ({margins(hardest)})"
            )
    sentence += "."
    lora = comparison.lora
    if lora is not None:
        sentence += (
            f" LoRA reached a margin of {lora.metrics.compatibility_margin:+.3f} (Cohen's d "
            f"{lora.metrics.cohens_d:.2f}) against full fine-tuning's {f_margin:+.3f} "
            f"({full.metrics.cohens_d:.2f})."
        )
    return sentence


# --------------------------------------------------------------------------------------------
# The results table
# --------------------------------------------------------------------------------------------


def _cell(estimate: Estimate | None, fmt: str) -> str:
    if estimate is None or estimate.value is None:
        return "n/a"
    text = format(estimate.value, fmt)
    if estimate.low is not None and estimate.high is not None:
        text += f" [{format(estimate.low, fmt)}, {format(estimate.high, fmt)}]"
    return text


def table_rows(comparison: ComparisonResult) -> list[tuple[str, list[str]]]:
    """``(label, [baseline, full, LoRA])`` for every row of :func:`results_table`.

    The headline metrics always; the leak-free rows when any model has a leak-free subset;
    the training cost rows when the training records were given.
    """
    models = [comparison.baseline, comparison.full, comparison.lora]
    rows = []
    for key, label, fmt in TABLE_ROWS:
        rows.append(
            (label, [_cell(m.headline.get(key) if m else None, fmt) for m in models]),
        )
    if any(m is not None and m.leak_free is not None for m in models):
        for key, label, fmt in LEAK_FREE_ROWS:
            cells = []
            for m in models:
                value = getattr(m.leak_free, key) if m and m.leak_free else None
                cells.append(_cell(Estimate(value=value), fmt))
            rows.append((label, cells))
    if any(m is not None and m.training is not None for m in models):
        cost = (
            ("Trainable parameters", lambda t: f"{t.trainable_parameters:,}"),
            ("Trainable share", lambda t: f"{t.trainable_share:.2%}"),
            ("Seconds per epoch", lambda t: f"{t.seconds_per_epoch:.1f}"),
            ("Peak memory (MiB)", lambda t: f"{t.peak_rss_mb:.0f}"),
        )
        for label, show in cost:
            cells = []
            for name, m in zip(MODELS, models, strict=True):
                if name == "baseline":
                    cells.append("(not trained)")
                elif m is None or m.training is None:
                    cells.append("n/a")
                else:
                    cells.append(show(m.training))
            rows.append((label, cells))
    return rows


def results_table(comparison: ComparisonResult) -> str:
    """A Markdown table, metric | baseline | full | LoRA, with 95% bootstrap intervals.

    Only numbers and fixed labels: no dataset text, so it is safe in any Markdown page.
    """
    header = "| Metric (eval split) | Baseline | Full fine-tuning | LoRA |"
    lines = [header, "|---|---:|---:|---:|"]
    for label, cells in table_rows(comparison):
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    interval = "95% bootstrap intervals in brackets"
    n = comparison.baseline.n_pairs
    lines.append("")
    lines.append(f"{n} eval pairs; {interval}; the threshold is chosen on the validation split.")
    return "\n".join(lines)


def replace_results_block(text: str, block: str) -> str:
    """``text`` with everything between the results markers replaced by ``block``.

    Raises:
        ValueError: the markers are missing, repeated or out of order.
    """
    starts, ends = text.count(RESULTS_START), text.count(RESULTS_END)
    if starts != 1 or ends != 1 or text.index(RESULTS_START) > text.index(RESULTS_END):
        raise ValueError(
            f"expected one {RESULTS_START} followed by one {RESULTS_END}, found {starts} and {ends}"
        )
    pattern = re.compile(re.escape(RESULTS_START) + r".*?" + re.escape(RESULTS_END), re.DOTALL)
    replacement = f"{RESULTS_START}\n{block.strip()}\n{RESULTS_END}"
    return pattern.sub(lambda _: replacement, text, count=1)


def results_command(out_dir: str | Path | None = None, readme: str | Path | None = None) -> str:
    """``p3 results``: print the table, or rewrite the README's results block with it.

    Args:
        out_dir: the run's output folder (default ``outputs/``).
        readme: a Markdown file with the results markers; only the text between them changes,
            and the file is replaced atomically.

    Returns:
        The Markdown written: table and headline sentence, and the appendix's findings
        (:func:`p3lib.experiments.appendix_summary`) when the run includes chapter 07.

    Raises:
        FileNotFoundError: the run has no ``comparison.json`` (chapter 05 not executed).
        ValueError: the README lacks the markers.
    """
    path = RunLayout(out_dir or DEFAULT_OUT).metric("comparison")
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run the book (chapter 05) first")
    comparison = load_comparison(path)
    block = results_table(comparison) + "\n\n" + headline_sentence(comparison)
    appendix = path.with_name("experiments.json")
    if appendix.is_file():
        # Imported here: p3lib.experiments builds on this module.
        from p3lib.experiments import ExperimentsResult, appendix_summary

        result = ExperimentsResult.model_validate(read_json(appendix))
        block += "\n\n" + appendix_summary(result)
    if readme is None:
        print(block)
        return block
    readme = Path(readme)
    text = readme.read_text(encoding="utf-8")
    atomic_write_text(readme, replace_results_block(text, block))
    print(f"results table written to {readme}")
    return block


# --------------------------------------------------------------------------------------------
# ADR 001's numbers
# --------------------------------------------------------------------------------------------

ADR_KEYS = (
    "adr_full_spearman",
    "adr_lora_spearman",
    "adr_full_auc",
    "adr_lora_auc",
    "adr_full_margin",
    "adr_lora_margin",
    "adr_full_seconds_per_epoch",
    "adr_lora_seconds_per_epoch",
    "adr_full_trainable",
    "adr_lora_trainable",
    "adr_lora_trainable_share",
    "adr_full_peak_memory",
    "adr_lora_peak_memory",
    "adr_full_rate",
    "adr_lora_rate",
    "adr_lora_rate_score",
    "adr_lora_prd_rate_score",
    "adr_verdict",
)
_MISSING = "(not measured in this run)"


def _read_record(folder: Path) -> dict | None:
    path = folder / "training_record.json"
    if not path.is_file():
        return None
    try:
        data = read_json(path)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _prd_rate_score(layout: RunLayout) -> float | None:
    """LoRA's best validation score at the PRD's 2e-5, if chapter 04 recorded one.

    Chapter 04 writes ``metrics/lora_training.json``: the LoRA training record plus
    ``learning_rate_evidence``, one entry (``learning_rate``, ``best_score``, ...) per rate tried.
    """
    path = layout.metric("lora_training")
    if not path.is_file():
        return None
    try:
        data = read_json(path)
    except ValueError:
        return None
    evidence = data.get("learning_rate_evidence") if isinstance(data, dict) else None
    for entry in evidence or []:
        if not isinstance(entry, Mapping):
            continue
        rate, score = entry.get("learning_rate"), entry.get("best_score")
        if isinstance(rate, int | float) and isinstance(score, int | float):
            if abs(rate - PRD_LORA_RATE) <= 1e-12:
                return float(score)
    return None


def format_rate(rate: float) -> str:
    """A learning rate as the PRD writes it.

    Example:
        >>> format_rate(0.0002), format_rate(3.5e-05)
        ('2e-4', '3.5e-5')
    """
    mantissa, exponent = f"{rate:.6e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def adr_substitutions(out_dir: str | Path) -> dict[str, str]:
    """ADR 001's measured numbers as MyST substitutions (keys :data:`ADR_KEYS`).

    Every value is a short formatted string; a number the run did not produce reads
    "(not measured in this run)", and ``adr_verdict`` says what the numbers support, so the
    ADR's text stays true whichever way they fall.
    """
    layout = RunLayout(out_dir)
    values = dict.fromkeys(ADR_KEYS, _MISSING)
    comparison = None
    if layout.metric("comparison").is_file():
        try:
            comparison = load_comparison(layout.metric("comparison"))
        except ValueError:
            comparison = None
    records = {name: _read_record(layout.model(name)) for name in FINE_TUNED}
    summaries = comparison.models() if comparison is not None else {}
    for name in FINE_TUNED:
        summary = summaries.get(name)
        if summary is not None:
            head = summary.headline
            values[f"adr_{name}_spearman"] = format(head["spearman"].value, ".3f")
            values[f"adr_{name}_auc"] = format(head["auc_roc"].value, ".3f")
            values[f"adr_{name}_margin"] = format(head["margin"].value, "+.3f")
        training = None
        if summary is not None and summary.training is not None:
            training = summary.training
        elif records[name] is not None:
            try:
                training = training_summary(records[name])
            except (KeyError, TypeError, ValueError):
                training = None
        if training is not None:
            values[f"adr_{name}_seconds_per_epoch"] = f"{training.seconds_per_epoch:.1f} s"
            values[f"adr_{name}_peak_memory"] = f"{training.peak_rss_mb:,.0f} MiB"
            values[f"adr_{name}_trainable"] = f"{training.trainable_parameters:,}"
            values[f"adr_{name}_rate"] = format_rate(training.learning_rate)
            if name == "lora":
                values["adr_lora_trainable_share"] = f"{training.trainable_share:.2%}"
                values["adr_lora_rate_score"] = f"{training.best_validation_score:.3f}"
    prd_score = _prd_rate_score(layout)
    if prd_score is not None:
        values["adr_lora_prd_rate_score"] = f"{prd_score:.3f}"
    values["adr_verdict"] = _verdict(comparison)
    return values


def _verdict(comparison: ComparisonResult | None) -> str:
    """One sentence on full fine-tuning vs LoRA, decided by the eval numbers and intervals."""
    if comparison is None or comparison.lora is None:
        return (
            "This run did not evaluate both fine-tuned models, so it gives no verdict on LoRA "
            "against full fine-tuning."
        )
    full, lora = comparison.full.headline, comparison.lora.headline
    f_rho, l_rho = full["spearman"], lora["spearman"]
    overlap = (
        None not in (f_rho.low, f_rho.high, l_rho.low, l_rho.high)
        and f_rho.low <= l_rho.high
        and l_rho.low <= f_rho.high
    )
    gap = f_rho.value - l_rho.value
    if overlap:
        return (
            f"On this run LoRA and full fine-tuning rank eval pairs about equally well: "
            f"Spearman's rho {l_rho.value:.3f} against {f_rho.value:.3f}, and their 95% "
            "bootstrap intervals overlap, so the eval split cannot tell them apart."
        )
    better, worse = ("full fine-tuning", "LoRA") if gap > 0 else ("LoRA", "full fine-tuning")
    return (
        f"On this run {better} ranks eval pairs better than {worse}: Spearman's rho "
        f"{max(f_rho.value, l_rho.value):.3f} against {min(f_rho.value, l_rho.value):.3f}, "
        "and the 95% bootstrap intervals do not overlap."
    )
