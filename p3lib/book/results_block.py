"""The results as Markdown: the results table, the success criteria, and the README block.

Chapter 06, the results page and ``p3 results`` (the README block) show the same tables,
built here from one :class:`~p3lib.evaluation.comparison.ComparisonResult`. Only numbers and fixed
labels go into them: no dataset text, so they are safe in any Markdown page.
"""

from __future__ import annotations

import re
from pathlib import Path

from p3lib.book.sentences import (
    METRIC_NAMES,
    called_compatible,
    fixed_recall_sentence,
    headline_sentence,
    interval_note,
    matched_recall_sentence,
    paired_verdict,
    words_only_sentence,
)
from p3lib.book.tier_text import load_tiers, tiers_section
from p3lib.evaluation.comparison import (
    MODEL_NAMES,
    ComparisonResult,
    Estimate,
    ModelSummary,
    load_comparison,
)
from p3lib.evaluation.tiers import TierComparison
from p3lib.store.atomic import atomic_write_text
from p3lib.store.result_files import load_result
from p3lib.store.run_layout import DEFAULT_OUT, RunLayout
from p3lib.training.experiments.summary import ExperimentsResult, appendix_summary

RESULTS_START = "<!-- results:start -->"
RESULTS_END = "<!-- results:end -->"
COLUMNS = ("baseline", "words_only", "full", "lora")
HEADER = "| Metric (eval split) | Base model | Words only | Full fine-tuning | LoRA |"

# Rows of the results table: (headline key, label, format). Intervals: cluster bootstrap.
TABLE_ROWS = (
    ("margin", "Compatibility margin", "+.3f"),
    ("cohens_d", "Cohen's d", ".2f"),
    ("auc_roc", "AUC-ROC", ".3f"),
    ("spearman", "Spearman's rho", ".3f"),
    ("spearman_ratio", "Spearman's rho / ceiling", ".3f"),
    ("purity", "HDBSCAN cluster purity", ".3f"),
    ("f1", "F1 at the validation threshold", ".3f"),
    ("accuracy", "Accuracy at the validation threshold", ".3f"),
    ("false_positive_rate", "False positive rate (of incompatible pairs)", ".3f"),
    ("false_negative_rate", "False negative rate (of compatible pairs)", ".3f"),
    ("threshold", "Validation threshold", ".3f"),
)
LEAK_FREE_ROWS = (
    ("margin", "Leak-free margin", "+.3f"),
    ("auc_roc", "Leak-free AUC-ROC", ".3f"),
    ("spearman", "Leak-free Spearman's rho", ".3f"),
)
NOT_APPLICABLE = "(does not apply)"
# The clustering rows (issue 19): medians over UMAP seeds with their range, not exact figures;
# `p3 results --check` compares them by range (p3lib.book.results_check). The training cost rows
# are measured on the build machine and differ from one machine to the next.
PURITY_LABEL = "HDBSCAN cluster purity"
NULL_LABEL = "Purity with labels shuffled within template groups (95% range)"
EXCESS_LABEL = "Purity minus the shuffled median"
AMI_LABEL = "Adjusted mutual information, labels and clusters"
CLUSTERS_LABEL = "HDBSCAN clusters"
SEED_ROWS = (PURITY_LABEL, NULL_LABEL, EXCESS_LABEL, AMI_LABEL, CLUSTERS_LABEL)
MACHINE_ROWS = ("Seconds per epoch", "Peak memory (MiB)")


def _cell(estimate: Estimate | None, fmt: str) -> str:
    if estimate is None or estimate.value is None:
        return "n/a"
    text = format(estimate.value, fmt)
    if estimate.low is not None and estimate.high is not None:
        text += f" [{format(estimate.low, fmt)}, {format(estimate.high, fmt)}]"
    return text


def _words_only_cell(comparison: ComparisonResult, key: str, fmt: str) -> str:
    words = comparison.words_only
    if words is None:
        return "n/a"
    if key in words.not_applicable:
        return NOT_APPLICABLE
    if key == "threshold":
        return f"{words.threshold.threshold:{fmt}} (probability)"
    values = {
        "auc_roc": words.auc_roc,
        "spearman": words.spearman,
        "spearman_ratio": words.spearman_ratio,
        "f1": words.at_threshold.f1,
        "accuracy": words.at_threshold.accuracy,
        "false_positive_rate": words.n_false_positives / words.n_incompatible,
        "false_negative_rate": words.at_threshold.fn / words.n_compatible,
    }
    interval = words.cluster_intervals.intervals.get(key) if words.cluster_intervals else None
    estimate = Estimate(
        value=values[key],
        low=interval.low if interval else None,
        high=interval.high if interval else None,
    )
    return _cell(estimate, fmt)


def _clustering_cells(comparison: ComparisonResult, summary: ModelSummary | None, name: str):
    """``{label: cell}`` of the three clustering rows for one column.

    Purity: median [range] over the UMAP seeds, then the noise share the same way; the null:
    the 95% range of the median purity with the labels shuffled over the same clusters.
    """
    if name == "words_only":
        return dict.fromkeys(SEED_ROWS, NOT_APPLICABLE if comparison.words_only else "n/a")
    over = summary.clustering if summary is not None else None
    if over is None:
        purity = _cell(summary.headline.get("purity"), ".3f") if summary else "n/a"
        return {**dict.fromkeys(SEED_ROWS, "n/a"), PURITY_LABEL: purity}
    noise = over.noise_fraction
    null = over.purity_null
    return {
        PURITY_LABEL: (
            _cell(
                Estimate(value=over.purity.median, low=over.purity.low, high=over.purity.high),
                ".3f",
            )
            + f", noise {noise.median:.0%} [{noise.low:.0%}, {noise.high:.0%}]"
        ),
        NULL_LABEL: "n/a" if null is None else f"[{null.low:.3f}, {null.high:.3f}]",
        EXCESS_LABEL: "n/a" if null is None or null.excess is None else f"{null.excess:+.3f}",
        AMI_LABEL: (
            "n/a"
            if over.ami is None or over.ami.median is None
            else _cell(Estimate(value=over.ami.median, low=over.ami.low, high=over.ami.high), ".3f")
        ),
        CLUSTERS_LABEL: _cell(
            Estimate(
                value=over.n_clusters.median, low=over.n_clusters.low, high=over.n_clusters.high
            ),
            "g",
        ),
    }


def figure_kinds_note(comparison: ComparisonResult) -> str:
    """Which figures of the table a build on another machine reproduces, and how exactly."""
    over = comparison.baseline.clustering
    n_seeds = len(over.per_seed) if over is not None else 1
    null = over.purity_null if over is not None else None
    shuffles = f"{null.n_shuffles:,} shuffles" if null is not None else "shuffles"
    plural = "s" if n_seeds != 1 else ""
    return (
        "Exact figures, reproduced to the printed digit by every build: every row but the "
        f"clustering rows ({'; '.join(SEED_ROWS)}) and the rows "
        f"{' and '.join(repr(row) for row in MACHINE_ROWS)}, measured on the build machine. "
        f"The clustering rows are medians over {n_seeds} UMAP seed{plural} with their range in "
        "brackets (UMAP's layout is not bit-stable across machines); noise is the share of "
        "pairs HDBSCAN leaves unclustered; the shuffled-labels row holds 95% of the median "
        f"purity over {shuffles} of the labels, each shuffle moving labels only within a "
        "template group (most groups hold one label, so a free shuffle would make chance look "
        "lower than it is); adjusted mutual information is 0 for chance at any number of "
        "clusters. `p3 results --check` compares exact figures to the digit and clustering "
        "rows by overlapping ranges."
    )


def _threshold_cell(summary: ModelSummary, fmt: str) -> str:
    text = f"{summary.threshold:{fmt}} (cosine)"
    if summary.near_trivial:
        text += f", near-trivial: {called_compatible(summary)}"
    return text


def table_rows(comparison: ComparisonResult) -> list[tuple[str, list[str]]]:
    """``(label, [baseline, words only, full, LoRA])`` for every row of :func:`results_table`.

    The headline metrics always; the leak-free rows when any model has a leak-free subset;
    the training cost rows when the training records were given.
    """
    models = [comparison.baseline, None, comparison.full, comparison.lora]
    rows = []
    for key, label, fmt in TABLE_ROWS:
        if key == "purity":
            columns = [
                _clustering_cells(comparison, m, name)
                for name, m in zip(COLUMNS, models, strict=True)
            ]
            rows += [(row, [column[row] for column in columns]) for row in SEED_ROWS]
            continue
        cells = []
        for name, m in zip(COLUMNS, models, strict=True):
            if name == "words_only":
                cells.append(_words_only_cell(comparison, key, fmt))
            elif m is None:
                cells.append("n/a")
            elif key == "threshold":
                cells.append(_threshold_cell(m, fmt))
            else:
                cells.append(_cell(m.headline.get(key), fmt))
        rows.append((label, cells))
    if any(m is not None and m.leak_free is not None for m in models):
        for key, label, fmt in LEAK_FREE_ROWS:
            cells = []
            for name, m in zip(COLUMNS, models, strict=True):
                if name == "words_only":
                    cells.append("n/a")
                    continue
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
            for name, m in zip(COLUMNS, models, strict=True):
                if name in ("baseline", "words_only"):
                    cells.append("(not trained)" if name == "baseline" else "n/a")
                elif m is None or m.training is None:
                    cells.append("n/a")
                else:
                    cells.append(show(m.training))
            rows.append((label, cells))
    return rows


def results_table(comparison: ComparisonResult) -> str:
    """A Markdown table, metric | baseline | words only | full | LoRA, with 95% intervals."""
    lines = [HEADER, "|---|---:|---:|---:|---:|"]
    for label, cells in table_rows(comparison):
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    n = comparison.baseline.n_pairs
    lines.append("")
    lines.append(
        f"{n} eval pairs; {interval_note(comparison)} The threshold is chosen on the validation "
        "split. The words-only model scores a probability, so the cosine metrics do not "
        "apply to it. " + figure_kinds_note(comparison)
    )
    return "\n".join(lines)


def success_table(comparison: ComparisonResult) -> str:
    """The PRD's success criteria: target, measured value [interval], pass / fail / cannot tell."""
    if not comparison.success_criteria:
        return "This run has no success criteria to check."
    lines = [
        "| Criterion | Target | Model | Measured [95% interval] | Verdict |",
        "|---|---|---|---:|---|",
    ]
    notes = []
    for c in comparison.success_criteria:
        fmt = ".1%" if c.key == "dealbreaker_false_positives" else ".3f"
        measured = _cell(Estimate(value=c.value, low=c.low, high=c.high), fmt)
        if c.key == "dealbreaker_false_positives" and c.note:
            # k of n and the number of template groups, beside the rate.
            measured += f" ({c.note})"
        elif c.note and c.note not in notes:
            notes.append(c.note)
        lines.append(f"| {c.label} | {c.target} | {c.model} | {measured} | {c.verdict} |")
    lines.append("")
    lines.append(
        "Pass: the whole interval meets the target; fail: the whole interval misses it; "
        "cannot tell: it straddles the target, or (dealbreakers) its pairs come from too few "
        "templates for any interval to bound the rate. Spearman's rho: " + "; ".join(notes) + "."
    )
    return "\n".join(lines)


def paired_table(comparison: ComparisonResult) -> str:
    """Every paired difference as a Markdown table: pair, metric, difference [interval], verdict.

    The verdict is read from the interval alone: "a higher" / "b higher" when it excludes 0,
    "cannot tell" when it includes 0. For false positives, lower is better.
    """
    lines = [
        "| Comparison | Metric | Difference (a - b) [paired 95% interval] | Reading |",
        "|---|---|---:|---|",
    ]
    for pair in comparison.paired_differences.values():
        a, b = MODEL_NAMES.get(pair.a, pair.a), MODEL_NAMES.get(pair.b, pair.b)
        for metric, d in pair.differences.items():
            fmt = "+.3f"
            cell = _cell(Estimate(value=d.estimate, low=d.low, high=d.high), fmt)
            if not d.excludes_zero:
                reading = "cannot tell"
            else:
                higher = a if d.estimate > 0 else b
                reading = f"{higher} higher"
            lines.append(f"| {a} − {b} | {METRIC_NAMES.get(metric, metric)} | {cell} | {reading} |")
    return "\n".join(lines)


def comparison_paragraph(comparison: ComparisonResult) -> str:
    """The model-against-model findings, each from a paired difference."""
    lines = [f"- {paired_verdict(comparison, 'full', 'baseline', 'auc_roc')}"]
    if comparison.lora is not None:
        lines.append(f"- {paired_verdict(comparison, 'full', 'lora', 'auc_roc')}")
    if comparison.words_only is not None:
        lines.append(f"- {words_only_sentence(comparison)}")
    if comparison.fixed_eval_recall is not None:
        lines.append(f"- {fixed_recall_sentence(comparison)}")
    if comparison.matched_recall:
        lines.append(f"- {matched_recall_sentence(comparison)}")
    return "\n".join(lines)


def results_block(
    comparison: ComparisonResult,
    experiments: ExperimentsResult | None = None,
    tiers: TierComparison | None = None,
) -> str:
    """The README block: the three tiers first (seen templates, unseen templates, unseen
    topics), then the table, headline sentence, paired findings (and the appendix's)."""
    block = (
        ("" if tiers is None else tiers_section(tiers) + "\n\n")
        + results_table(comparison)
        + "\n\n"
        + headline_sentence(comparison)
        + "\n\n"
        + comparison_paragraph(comparison)
    )
    if experiments is not None:
        block += "\n\n" + appendix_summary(experiments)
    return block


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


def block_from_run(out_dir: str | Path | None = None) -> str:
    """The results block of the run in ``out_dir`` (default ``outputs/``).

    Raises:
        FileNotFoundError: the run has no ``comparison.json`` (chapter 05 not executed).
    """
    path = RunLayout(out_dir or DEFAULT_OUT).metric("comparison")
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run the book (chapter 05) first")
    comparison = load_comparison(path)
    appendix = path.with_name("experiments.json")
    experiments = None
    if appendix.is_file():
        experiments = load_result(appendix, ExperimentsResult)
    return results_block(comparison, experiments, load_tiers(path.parent.parent))


def results_command(out_dir: str | Path | None = None, readme: str | Path | None = None) -> str:
    """``p3 results``: print the results block, or rewrite the README's results block with it.

    Args:
        out_dir: the run's output folder (default ``outputs/``).
        readme: a Markdown file with the results markers; only the text between them changes,
            and the file is replaced atomically.

    Returns:
        The Markdown written: table, headline sentence, paired findings, and the appendix's
        findings (:func:`p3lib.training.experiments.summary.appendix_summary`) when the run includes
        chapter 07.

    Raises:
        FileNotFoundError: the run has no ``comparison.json`` (chapter 05 not executed).
        ValueError: the README lacks the markers.
    """
    block = block_from_run(out_dir)
    if readme is None:
        print(block)
        return block
    readme = Path(readme)
    text = readme.read_text(encoding="utf-8")
    atomic_write_text(readme, replace_results_block(text, block))
    print(f"results table written to {readme}")
    return block
