"""Book pages whose content depends on what the run measured.

A default build runs the six chapters, not the appendix (chapter 07). Its pages must show what
the build measured, say in one sentence how to get the rest, and never point at a page that
is not there. The Markdown sources mark what only an appendix build can fill between a line
holding ``appendix:start`` and one holding ``appendix:end`` (an HTML comment in Markdown, a
``%%`` comment inside the mermaid diagram); :func:`stage_pages` replaces those regions in the
staged copy when the appendix was not run.
"""

from __future__ import annotations

from pathlib import Path

from p3lib.book.landing import estimate_text
from p3lib.evaluation.comparison import ComparisonResult, load_comparison
from p3lib.store.run_layout import RunLayout
from p3lib.training.formatting import format_rate

START, END = "appendix:start", "appendix:end"
INTRO = Path("book") / "intro.md"
ADR_003 = Path("book") / "adr" / "003-cosine-similarity-loss.md"
# ADR 003's title and the end of its lead in the source, and what a build without the
# appendix says instead: such a build trains one objective, so the page must not promise a
# comparison of three.
ADR_003_TITLE = (
    "# ADR 003: CosineSimilarityLoss vs ContrastiveLoss: which contrastive objective when"
)
ADR_003_TITLE_ONE_LOSS = "# ADR 003: CosineSimilarityLoss, the one loss this build measured"
ADR_003_LEAD = (
    "so this decision can rest on a measurement; the numbers\n"
    "below are the ones this build measured, filled in from the run's results files."
)
ADR_003_LEAD_ONE_LOSS = (
    "and this\nbuild did not run it: it measured `CosineSimilarityLoss` alone (below, from the "
    "run's results\nfiles), so this decision rests on the reasoning that follows, not on a "
    "measured comparison."
)
HOW_TO_GET_THE_REST = (
    "`ContrastiveLoss` and `OnlineContrastiveLoss` are trained only by the optional appendix: "
    "`p3 all --experiments` trains them with the same budget and fills this section with all "
    "three objectives side by side, their seed-to-seed spread and an out-of-distribution split."
)


def replace_appendix_regions(text: str, replacement: str = "") -> str:
    """``text`` with every marked appendix region (marker lines included) replaced.

    Example:
        >>> replace_appendix_regions("a\\n%% appendix:start\\nb\\n%% appendix:end\\nc\\n")
        'a\\nc\\n'
        >>> replace_appendix_regions("a\\n<!-- appendix:start -->\\n<!-- appendix:end -->\\n", "x")
        'a\\nx\\n'

    Raises:
        ValueError: a start marker without its end marker.
    """
    lines, kept, inside = text.splitlines(keepends=True), [], False
    for line in lines:
        if START in line and not inside:
            inside = True
            if replacement:
                kept.append(replacement.rstrip("\n") + "\n")
        elif END in line and inside:
            inside = False
        elif not inside:
            kept.append(line)
    if inside:
        raise ValueError(f"an {START} marker has no {END} marker after it")
    return "".join(kept)


def cosine_loss_section(comparison: ComparisonResult | None) -> str:
    """ADR 003's measured section for a build without the appendix (Markdown).

    The one objective such a build trains is chapter 03's ``CosineSimilarityLoss``; its eval
    numbers come from chapter 05's comparison.
    """
    if comparison is None:
        return (
            "This run has not evaluated a fine-tuned model yet (chapter 05 was not executed), "
            "so it measured none of the three objectives. " + HOW_TO_GET_THE_REST
        )
    full = comparison.full
    head = full.headline
    training = full.training
    budget = ""
    if training is not None:
        budget = (
            f" ({training.n_train_pairs:,} training pairs, {training.epochs} "
            f"epoch{'s' if training.epochs != 1 else ''}, learning rate "
            f"{format_rate(training.learning_rate)})"
        )
    rows = [
        ("Spearman's rho on eval", estimate_text(head.get("spearman"), ".3f")),
        ("AUC-ROC on eval", estimate_text(head.get("auc_roc"), ".3f")),
        ("F1 at the validation threshold", estimate_text(head.get("f1"), ".3f")),
        ("Compatibility margin on eval", estimate_text(head.get("margin"), "+.3f")),
    ]
    if training is not None:
        rows.append(
            ("Best validation Spearman (checkpoint)", f"{training.best_validation_score:.3f}")
        )
    table = "\n".join(
        ["| `CosineSimilarityLoss` (chapter 03) | This build |", "|---|---:|"]
        + [f"| {label} | {value} |" for label, value in rows]
    )
    return (
        "This build ran the six chapters, which train one objective: `CosineSimilarityLoss`, "
        f"in chapter 03{budget}, its checkpoint chosen on the validation split and measured on "
        f"the {full.n_pairs} eval pairs in chapter 05 (95% bootstrap intervals in brackets).\n\n"
        f"{table}\n\n{HOW_TO_GET_THE_REST}\n"
    )


def stage_pages(staging: Path, out_dir: Path, *, appendix: bool) -> None:
    """Fit the staged intro and ADR 003 to what the run measured (see the module doc)."""
    if appendix:
        return
    comparison_path = RunLayout(out_dir).metric("comparison")
    comparison = load_comparison(comparison_path) if comparison_path.is_file() else None
    intro, adr = staging / INTRO, staging / ADR_003
    intro.write_text(replace_appendix_regions(intro.read_text(encoding="utf-8")), "utf-8")
    adr.write_text(one_loss_adr(adr.read_text(encoding="utf-8"), comparison), "utf-8")


def one_loss_adr(source: str, comparison: ComparisonResult | None) -> str:
    """ADR 003 for a build without the appendix: titled and introduced as the one objective
    it holds, with chapter 03's measured numbers in place of the three-loss table.

    Raises:
        ValueError: the source's title or lead changed, so the replacement would not apply.
    """
    for old in (ADR_003_TITLE, ADR_003_LEAD):
        if old not in source:
            raise ValueError(f"ADR 003 no longer holds {old!r}: update p3lib.book.pages")
    source = source.replace(ADR_003_TITLE, ADR_003_TITLE_ONE_LOSS, 1)
    source = source.replace(ADR_003_LEAD, ADR_003_LEAD_ONE_LOSS, 1)
    return replace_appendix_regions(source, cosine_loss_section(comparison))
