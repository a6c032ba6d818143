"""The book's comparison sentences, each read from a paired difference of a ComparisonResult.

No sentence here compares two models by setting two separate intervals side by side: every
before/after and model-against-model statement quotes ``metric(a) - metric(b)`` measured on the
same resampled template groups ((category, subcategory) pairs)
(:attr:`p3lib.evaluation.comparison.ComparisonResult.paired_differences`),
with its 95% interval, and its verb follows that interval (a difference whose interval
includes 0 is "cannot tell", whatever its sign).

AUC-ROC, Spearman's rho and rho / ceiling are one fact about the ranking
(:mod:`p3lib.evaluation.rank_identity`), so a verdict on ranking quotes AUC-ROC once and does not
count
rho as further evidence.

Example:
    >>> from p3lib.evaluation.cluster_bootstrap import BootstrapInterval
    >>> d = BootstrapInterval(estimate=0.2, low=0.1, high=0.3, method="BCa")
    >>> difference_clause(d, ".3f")
    '+0.200 (paired 95% interval +0.100 to +0.300, which excludes 0)'
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from p3lib.book.tier_text import tier_sentence
from p3lib.evaluation.cluster_bootstrap import BootstrapInterval
from p3lib.evaluation.comparison import (
    FINE_TUNED,
    MODEL_LABELS,
    MODEL_NAMES,
    ComparisonResult,
    easiest_and_hardest,
    eligible_categories,
)
from p3lib.evaluation.formatting import format_share
from p3lib.evaluation.tiers import TierComparison

METRIC_NAMES = {
    "margin": "compatibility margin",
    "cohens_d": "Cohen's d",
    "auc_roc": "AUC-ROC",
    "spearman": "Spearman's rho",
    "spearman_ratio": "rho / ceiling",
    "f1": "F1 at the validation threshold",
    "accuracy": "accuracy at the validation threshold",
    "false_positive_rate": "false positive rate at the validation threshold",
    "false_negative_rate": "false negative rate at the validation threshold",
}
FORMATS = {"cohens_d": ".2f"}
# A difference beside two rounded values is computed from the unrounded ones, and may differ
# from the shown values' difference in the last digit: the sentence says so.
UNROUNDED = "from the unrounded values"


def _unrounded(clause: str) -> str:
    """A difference clause saying that its number comes from the unrounded values.

    Example:
        >>> _unrounded("+0.105 (paired 95% interval -0.02 to +0.2, which includes 0)")
        '+0.105 from the unrounded values (paired 95% interval -0.02 to +0.2, which includes 0)'
        >>> _unrounded("+0.135, paired 95% interval +0.014 to +0.221")
        '+0.135 from the unrounded values, paired 95% interval +0.014 to +0.221'
    """
    number, rest = re.match(r"([^ ,(]+)(.*)", clause, re.S).groups()
    return f"{number} {UNROUNDED}{rest}"


# Lower is better for these; higher for every other metric.
LOWER_IS_BETTER = ("false_positive_rate", "false_negative_rate")


def mention(key: str) -> str:
    """A model as a sentence names it: ``the base model``, ``full fine-tuning``, ``LoRA``.

    Example:
        >>> mention("baseline"), mention("full"), mention("words_only")
        ('the base model', 'full fine-tuning', 'the words-only model')
    """
    special = {"baseline": "the base model", "words_only": "the words-only model"}
    return special.get(key) or MODEL_LABELS.get(key, key)


def called_compatible(summary) -> str:
    """How many eval pairs a model's threshold calls compatible, as a count and a share that
    says "all" only when it is (:func:`p3lib.evaluation.formatting.format_share`).

    Example:
        >>> from types import SimpleNamespace
        >>> called_compatible(SimpleNamespace(share_predicted_compatible=294 / 295, n_pairs=295))
        '294 of 295 eval pairs (99.7%) called compatible'
    """
    share = summary.share_predicted_compatible
    if share is None:
        return "no share of pairs called compatible recorded"
    count = round(share * summary.n_pairs)
    return (
        f"{count:,} of {summary.n_pairs:,} eval pairs ({format_share(count, summary.n_pairs)}) "
        "called compatible"
    )


def _fmt(metric: str) -> str:
    return FORMATS.get(metric, ".3f")


def difference_clause(d: BootstrapInterval, fmt: str = ".3f") -> str:
    """``+0.200 (paired 95% interval +0.100 to +0.300, which excludes 0)``."""
    signed = "+" + fmt
    text = format(d.estimate, signed)
    if d.low is None or d.high is None:
        return text + " (no interval: too few resamples held both labels)"
    which = "excludes 0" if d.excludes_zero else "includes 0"
    return (
        f"{text} (paired 95% interval {format(d.low, signed)} to {format(d.high, signed)}, "
        f"which {which})"
    )


def inline_difference(d: BootstrapInterval, fmt: str = ".3f") -> str:
    """``+0.200, paired 95% interval +0.100 to +0.300``: the clause without parentheses."""
    signed = "+" + fmt
    if d.low is None or d.high is None:
        return f"{format(d.estimate, signed)}, no interval"
    return (
        f"{format(d.estimate, signed)}, paired 95% interval {format(d.low, signed)} to "
        f"{format(d.high, signed)}"
    )


def paired(comparison: ComparisonResult, a: str, b: str, metric: str) -> BootstrapInterval | None:
    """``metric(a) - metric(b)`` from ``comparison.paired_differences`` (either order)."""
    found = comparison.paired_differences.get(f"{a}_vs_{b}")
    if found is not None:
        return found.differences.get(metric)
    found = comparison.paired_differences.get(f"{b}_vs_{a}")
    if found is None or metric not in found.differences:
        return None
    d = found.differences[metric]
    return BootstrapInterval(
        estimate=-d.estimate,
        low=None if d.high is None else -d.high,
        high=None if d.low is None else -d.low,
        method=d.method,
    )


def _value(comparison: ComparisonResult, name: str, metric: str) -> float | None:
    if name == "words_only":
        words = comparison.words_only
        if words is None:
            return None
        if metric == "false_positive_rate":
            return words.n_false_positives / words.n_incompatible
        if metric == "false_negative_rate":
            return words.at_threshold.fn / words.n_compatible
        if metric in ("f1", "accuracy"):
            return getattr(words.at_threshold, metric)
        return getattr(words, metric, None)
    summary = comparison.models().get(name)
    return None if summary is None else summary.headline[metric].value


def paired_verdict(
    comparison: ComparisonResult, a: str = "full", b: str = "lora", metric: str = "auc_roc"
) -> str:
    """One sentence: does ``a`` beat ``b`` on ``metric``? Decided by the paired interval alone.

    For ADR 001 (``paired_verdict(comparison, "full", "lora")``), chapters 05 and 06 and the
    results page. Lower is better only for the error rates (:data:`LOWER_IS_BETTER`).

    Between two fine-tuned models the verdict is worded as one about *these two trained
    models*: each method was trained once (one seed), so the run says nothing about how the
    methods compare over training seeds (the appendix resamples seeds).
    """
    d = paired(comparison, a, b, metric)
    label_a, label_b = mention(a), mention(b)
    name = METRIC_NAMES.get(metric, metric)
    if d is None:
        return f"This run did not measure both {label_a} and {label_b}, so it gives no verdict."
    va, vb = _value(comparison, a, metric), _value(comparison, b, metric)
    fmt = _fmt(metric)
    values = f"{name} {format(va, fmt)} against {format(vb, fmt)}" if None not in (va, vb) else name
    clause = difference_clause(d, fmt)
    single_seed = a in FINE_TUNED and b in FINE_TUNED
    if not d.excludes_zero:
        subject = (
            f"this run's {label_a} model from its {label_b} model"
            if single_seed
            else f"{label_a} from {label_b}"
        )
        return (
            f"This run cannot tell {subject} on {name}: {values}, a paired difference of "
            f"{_unrounded(clause)}."
        )
    lower_is_better = metric in LOWER_IS_BETTER
    a_better = (d.estimate > 0) != lower_is_better
    better, worse = (label_a, label_b) if a_better else (label_b, label_a)
    if None not in (va, vb):
        first, second = (va, vb) if a_better else (vb, va)
        values = f"{name} {format(first, fmt)} against {format(second, fmt)}"
    if single_seed:
        return (
            f"This run's {better} model beats its {worse} model on {name}: {values}, a paired "
            f"difference ({label_a} minus {label_b}) of {_unrounded(clause)}. Each was trained "
            "once, with one seed: this is a statement about these two trained models, not "
            "about the two methods."
        )
    return (
        f"{better[0].upper()}{better[1:]} beats {worse} on {name}: {values}, a paired "
        f"difference ({label_a} minus {label_b}) of {_unrounded(clause)}."
    )


def words_only_sentence(comparison: ComparisonResult) -> str:
    """How much each embedding model adds over words alone, in AUC-ROC, with paired intervals.

    Words alone is the strongest words-only model p3 fits (n-grams and C chosen on
    validation), so fine-tuning's gain is stated over it, and the base model's too.
    """
    words = comparison.words_only
    if words is None:
        return "This run has no words-only baseline."
    parts = []
    for name in ("baseline", "full", "lora"):
        d = paired(comparison, name, "words_only", "auc_roc")
        if d is None:
            continue
        verb = "adds" if d.excludes_zero and d.estimate > 0 else "changes AUC-ROC by"
        if not d.excludes_zero:
            verb = "cannot be told from words alone: it changes AUC-ROC by"
        elif d.estimate < 0:
            verb = "does worse than words alone:"
        parts.append(f"{mention(name)} {verb} {difference_clause(d)}")
    low, high = words.chosen_ngram_range
    grams = "words" if high == 1 else f"word {low}- to {high}-grams"
    text = (
        f"Words alone (TF-IDF of {grams} of both statements, their difference |a - b| and "
        f"product a * b, logistic regression; n-grams and C = {words.chosen_c:g} chosen on "
        f"validation from {len(words.validation_auc)} settings) reach AUC-ROC "
        f"{words.auc_roc:.3f} on eval"
    )
    if parts:
        text += "; over them, " + "; ".join(parts)
    return text + "."


def interval_note(comparison: ComparisonResult, model: str = "full") -> str:
    """What the intervals resample, and the pair-level width as a one-line sensitivity note."""
    summary = comparison.models()[model]
    if summary.interval_resampled != "subcategory":
        return "95% bootstrap intervals that resample pairs (these results have no subcategories)."
    cluster, pair = summary.headline["auc_roc"], summary.pair_level.get("auc_roc")
    text = (
        f"95% intervals resample the {summary.n_clusters_resampled} template groups "
        "((category, subcategory) pairs of near-identical statements) with BCa where it is "
        "defined, else percentiles; counts carry no interval, their rates do"
    )
    if pair is not None and None not in (cluster.low, cluster.high, pair.low, pair.high):
        text += (
            f"; resampling single pairs as if independent would narrow {MODEL_LABELS[model]}'s "
            f"AUC-ROC interval from {cluster.high - cluster.low:.3f} to "
            f"{pair.high - pair.low:.3f} wide"
        )
    return text + "."


def matched_recall_sentence(comparison: ComparisonResult) -> str:
    """False positives of every model at the same validation recall, each with its eval recall.

    The thresholds match recall on validation only; eval recall differs from model to model,
    so these are not one operating point (:func:`fixed_recall_sentence` is).
    """
    rows = []
    for name, point in comparison.matched_recall.items():
        fp = point.false_positives
        trivial = ", near-trivial" if point.near_trivial else ""
        rows.append(
            f"{mention(name)} {fp.n} of {fp.of} incompatible pairs "
            f"({fp.rate:.1%}; threshold {point.threshold:.3f}, eval recall "
            f"{point.recall:.3f}{trivial})"
        )
    if not rows:
        return "This run has no matched operating point."
    target = next(iter(comparison.matched_recall.values())).target_recall
    return (
        f"At the thresholds that reach recall {target:.2f} on the validation split, the false "
        "positives on eval are: " + "; ".join(rows) + ". Eval recall differs from model to "
        "model there, so these counts are not compared at one operating point."
    )


def _rate_text(r, signed: bool = False) -> str:
    fmt = "+.3f" if signed else ".3f"
    if r.estimate is None:
        return "undefined"
    if r.low is None or r.high is None:
        return format(r.estimate, fmt)
    return f"{format(r.estimate, fmt)} [{format(r.low, fmt)}, {format(r.high, fmt)}]"


def fixed_recall_sentence(comparison: ComparisonResult) -> str:
    """False positive rates at one *eval* recall, and the paired full-against-LoRA difference."""
    fixed = comparison.fixed_eval_recall
    if fixed is None or not fixed.models:
        return "This run has no fixed-recall comparison."
    rows = [
        f"{mention(name)} {_rate_text(m.false_positive_rate)}" for name, m in fixed.models.items()
    ]
    text = (
        f"At eval recall {fixed.target_recall:.2f} (a point on each model's ROC curve: nothing "
        "is chosen there), the false positive rates with 95% cluster intervals that re-derive "
        "the threshold in every resample are: " + "; ".join(rows) + "."
    )
    for key, label in (("full_vs_lora", "full fine-tuning minus LoRA"),):
        d = fixed.differences.get(key, {}).get("overall")
        if d is None or d.estimate is None:
            continue
        excludes = d.low is not None and d.high is not None and (d.low > 0 or d.high < 0)
        reading = "which excludes 0" if excludes else "which includes 0: this run cannot tell"
        text += f" Paired difference, {label}: {_rate_text(d, signed=True)}, {reading}."
    return text


def _ranked(support, quote, margins, verb: str) -> str:
    """The category ranking, stated only where it holds in most resamples of template groups."""
    easiest, hardest = quote(support.first), quote(support.last or "")
    parts = []
    share = f"in {support.share:.0%} of resamples of the template groups"
    if support.supported:
        parts.append(
            f"showing {easiest} achieving the widest separation ({margins(support.first)}; "
            f"widest {share})"
        )
    else:
        parts.append(
            f"naming no clear widest category: {easiest} is widest here "
            f"({margins(support.first)}) but only {share}"
        )
    last = f"in {support.last_share:.0%} of resamples" if support.last_share is not None else ""
    if support.last_supported:
        parts.append(
            f"while {hardest} {verb} the hardest category ({margins(support.last)}; "
            f"narrowest {last})"
        )
    elif support.last is not None:
        parts.append(
            f"and no clear hardest one: {hardest} is narrowest here ({margins(support.last)}) "
            f"but only {last}"
        )
    return " ".join(parts)


def _changed(comparison: ComparisonResult, what: str) -> str:
    base, full = comparison.baseline, comparison.full
    before = base.metrics.compatibility_margin
    after = full.metrics.compatibility_margin
    d = paired(comparison, "full", "baseline", "margin")
    if d is None or not d.excludes_zero:
        extra = f" (difference {_unrounded(inline_difference(d))}, which includes 0" if d else " ("
        return (
            f"Fine-tuning did not measurably change {what}: {before:+.3f} before, "
            f"{after:+.3f} after{extra}"
        )
    verb = "improved" if d.estimate > 0 else "lowered"
    return (
        f"Fine-tuning {verb} {what} from {before:+.3f} to {after:+.3f} (difference "
        f"{_unrounded(inline_difference(d))}"
    )


def headline_sentence(
    comparison: ComparisonResult,
    *,
    escape: Callable[[str], str] | None = html.escape,
    tiers: TierComparison | None = None,
) -> str:
    """The PRD's deliverable sentence, filled in with the measured numbers.

    With ``tiers`` (chapter 05's ``tiers.json``) it leads with how much of full fine-tuning's
    seen-template gain survives on unseen templates and unseen topics
    (:func:`p3lib.book.tier_text.tier_sentence`), the book's first result.

    "Fine-tuning improved compatibility margin from X to Y (Cohen's d from A to B), with
    category-wise analysis showing E achieve the widest separation while H remain the hardest
    category" -- the verb read from the paired interval of the margin, categories ranked by
    the full model's margins among only those with enough pairs of both labels (the sentence
    says so), and LoRA against full fine-tuning from their paired difference.

    Category names come from the data: ``escape`` (``html.escape`` by default) is applied to
    them so the sentence can go into Markdown or HTML as it is; pass ``escape=None`` for
    plain text.
    """
    quote = escape or (lambda text: text)
    base, full = comparison.baseline, comparison.full
    f_margin = full.metrics.compatibility_margin
    sentence = _changed(comparison, "the compatibility margin")
    if not sentence.endswith("("):
        sentence += "; "
    sentence += f"Cohen's d from {base.metrics.cohens_d:.2f} to {full.metrics.cohens_d:.2f})"

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
        n_categories = len(full.category_margins)

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
            support = comparison.category_ranking.get("full")
            scope = (
                f"ranking only the {len(after)} of {n_categories} categories with at least "
                f"{minimum} eval pairs of each label"
            )
            if support is None:
                sentence += (
                    f", with category-wise analysis ({scope}) showing {quote(easiest)} "
                    f"achieving the widest separation ({margins(easiest)}) while "
                    f"{quote(hardest)} {verb} the hardest category ({margins(hardest)})"
                )
            else:
                sentence += (
                    ", with category-wise analysis ("
                    + scope
                    + ") "
                    + _ranked(support, quote, margins, verb)
                )
    sentence += "."
    lora = comparison.lora
    if lora is not None:
        d = paired(comparison, "lora", "full", "margin")
        sentence += (
            f" LoRA reached a margin of {lora.metrics.compatibility_margin:+.3f} (Cohen's d "
            f"{lora.metrics.cohens_d:.2f}) against full fine-tuning's {f_margin:+.3f} "
            f"({full.metrics.cohens_d:.2f})"
        )
        sentence += f", a paired difference of {_unrounded(difference_clause(d))}." if d else "."
    if tiers is not None:
        sentence = f"{tier_sentence(tiers, 'full')} {sentence}"
    return sentence


def paired_differences_sentence(comparison: ComparisonResult) -> str:
    """What the forest plot of the paired differences shows, in counts: how many readings of
    each model pair have an interval that excludes 0 (a difference this run can tell)."""
    pairs = list(comparison.paired_differences.values())
    readings = [d for pair in pairs for d in pair.differences.values()]
    if not readings:
        return "This run has no paired differences."
    parts = []
    for pair in pairs:
        told = sum(d.excludes_zero for d in pair.differences.values())
        name = f"{MODEL_NAMES.get(pair.a, pair.a)} − {MODEL_LABELS.get(pair.b, pair.b)}"
        parts.append(f"{name}: {told} of {len(pair.differences)}")
    told = sum(d.excludes_zero for d in readings)
    return (
        f"{told} of the {len(readings)} readings have a paired interval that excludes 0; by "
        "model pair, the readings this run can tell from chance are " + "; ".join(parts) + "."
    )


def headline_paragraph(comparison: ComparisonResult, tiers: TierComparison | None) -> str:
    """The book's headline as the results page states it, the one page that does: how much of
    each fine-tuned model's gain survives beyond the training templates (in bold), then the
    PRD's sentence on the whole eval split. The landing page and chapters 05 and 06 link to it.
    """
    if tiers is None:
        return headline_sentence(comparison)
    lora = f" {tier_sentence(tiers, 'lora')}" if "lora" in tiers.models else ""
    return f"**{tier_sentence(tiers, 'full')}**{lora} {headline_sentence(comparison)}"
