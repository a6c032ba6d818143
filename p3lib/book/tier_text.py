"""The three tiers in words and tables: what survives beyond the training templates.

Why a module of its own: the book's first result is how much of fine-tuning's gain survives
on templates and topics it never trained on (issue 23): chapter 05 tabulates and draws the
tiers, the results page states the sentences in its headline (the landing page and chapter 06
link there), and the README block carries both. Every number comes from a
:class:`~p3lib.evaluation.tiers.TierComparison` (``tiers.json``); every verb about a
difference follows its paired interval.

Example:
    >>> kept_text(0.254), kept_text(None)
    ('25% of that gain', 'none of that gain to compare')
"""

from __future__ import annotations

from pathlib import Path

from p3lib.evaluation.comparison import MODEL_NAMES
from p3lib.evaluation.tiers import TIER_LABELS, TIERS, TierComparison, TierScore
from p3lib.store.result_files import load_result
from p3lib.store.run_layout import RunLayout

TIER_MODELS = {name: MODEL_NAMES[name] for name in ("baseline", "words_only", "full", "lora")}
TIER_ROWS = {
    "seen_templates": "Seen templates (eval, groups in train)",
    "unseen_templates": "Unseen templates (eval, group and statements not in train)",
    "unseen_topics": "Unseen topics (OOD split)",
}
RULES = {
    "subcategory": "by (category, subcategory) group",
    "statement": "by shared statements (the data has no subcategories)",
    "both": "by (category, subcategory) group where a pair has one, else by shared statements",
}


def load_tiers(out_dir: str | Path) -> TierComparison | None:
    """The run's ``tiers.json`` (chapter 05), or ``None`` before chapter 05 ran."""
    path = RunLayout(out_dir).metric("tiers")
    return load_result(path, TierComparison) if path.is_file() else None


def auc_text(score: TierScore | None) -> str:
    """``0.912 [0.871, 0.950], n 115``, or a dash with why."""
    if score is None:
        return "– (no OOD split)"
    if score.auc is None:
        return f"– (n {score.n}: lacks a label)"
    interval = "" if score.low is None else f" [{score.low:.3f}, {score.high:.3f}]"
    return f"{score.auc:.3f}{interval}, n {score.n}"


def kept_text(share: float | None) -> str:
    if share is None:
        return "none of that gain to compare"
    return f"{share:.0%} of that gain"


def tier_table(tiers: TierComparison) -> str:
    """AUC per tier (rows) and model (columns), with its 95% interval and pair count."""
    models = [name for name in TIER_MODELS if name in tiers.models]
    lines = [
        "| Tier | " + " | ".join(TIER_MODELS[name] for name in models) + " |",
        "|---|" + "---:|" * len(models),
    ]
    for tier in TIERS:
        cells = [auc_text(tiers.models[name].tier(tier)) for name in models]
        lines.append(f"| {TIER_ROWS[tier]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def rates_table(tiers: TierComparison) -> str:
    """Recall and false-positive rate at each model's validation threshold, per tier."""
    models = [name for name in TIER_MODELS if name in tiers.models]
    lines = [
        "| Tier | " + " | ".join(TIER_MODELS[name] for name in models) + " |",
        "|---|" + "---:|" * len(models),
    ]
    for tier in TIERS:
        cells = []
        for name in models:
            score = tiers.models[name].tier(tier)
            if score is None or score.recall is None or score.false_positive_rate is None:
                cells.append("–")
            else:
                cells.append(f"{score.recall:.2f} / {score.false_positive_rate:.2f}")
        lines.append(f"| {TIER_ROWS[tier]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def differences_table(tiers: TierComparison) -> str:
    """Paired AUC differences per tier: one row per model pair, one column per tier."""
    lines = [
        "| AUC difference | " + " | ".join(TIER_LABELS[t] for t in TIERS) + " |",
        "|---|" + "---:|" * len(TIERS),
    ]
    for key, by_tier in tiers.differences.items():
        a, _, b = key.partition(" - ")
        cells = []
        for tier in TIERS:
            d = by_tier.get(tier)
            if d is None:
                cells.append("–")
            elif d.low is None or d.high is None:
                cells.append(f"{d.estimate:+.3f}")
            else:
                mark = " *" if d.excludes_zero else ""
                cells.append(f"{d.estimate:+.3f} [{d.low:+.3f}, {d.high:+.3f}]{mark}")
        label = f"{TIER_MODELS.get(a, a)} − {TIER_MODELS.get(b, b)}"
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _auc(tiers: TierComparison, model: str, tier: str) -> float | None:
    report = tiers.models.get(model)
    score = report.tier(tier) if report is not None else None
    return None if score is None else score.auc


def _from_to(tiers: TierComparison, model: str, tier: str) -> str:
    before, after = _auc(tiers, "baseline", tier), _auc(tiers, model, tier)
    if before is None or after is None:
        return "not measured"
    return f"{before:.3f} to {after:.3f}"


def _verdict(tiers: TierComparison, model: str, tier: str) -> str:
    """``a gain of +0.331, paired 95% interval +0.158 to +0.663``; the word follows the
    interval ("no change this run can tell from chance" when it includes 0)."""
    d = tiers.differences.get(f"{model} - baseline", {}).get(tier)
    if d is None or d.low is None or d.high is None:
        return ""
    if d.low > 0:
        word = "a gain of"
    elif d.high < 0:
        word = "a loss of"
    else:
        word = "no change this run can tell from chance:"
    return f"{word} {d.estimate:+.3f}, paired 95% interval {d.low:+.3f} to {d.high:+.3f}"


def tier_sentence(tiers: TierComparison, model: str = "full") -> str:
    """How much of ``model``'s seen-template AUC gain over the base model survives on unseen
    templates and on unseen topics, with the three AUCs before and after.

    Example (numbers made up):
        "Full fine-tuning raises AUC on seen templates from 0.400 to 0.990; on unseen
        templates from 0.450 to 0.700 (42% of that gain survives, ...), on unseen topics
        from 0.500 to 0.600 (17% of that gain, ...)."
    """
    name = TIER_MODELS.get(model, model)
    if model not in tiers.models or "baseline" not in tiers.models:
        return f"{name} has no tier results in this run."
    seen_before = _auc(tiers, "baseline", "seen_templates")
    seen_after = _auc(tiers, model, "seen_templates")
    if seen_before is None or seen_after is None:
        return f"{name}: the seen-template tier lacks a label, so no gain can be read."
    verb = "raises" if seen_after > seen_before else "does not raise"
    sentence = (
        f"{name} {verb} AUC on seen templates (eval pairs built from templates it trained on) "
        f"from {_from_to(tiers, model, 'seen_templates')}"
    )
    kept = tiers.gain_kept.get(model, {})
    parts = []
    for tier in ("unseen_templates", "unseen_topics"):
        text = f"on {TIER_LABELS[tier]} from {_from_to(tiers, model, tier)}"
        if _auc(tiers, model, tier) is not None and _auc(tiers, "baseline", tier) is not None:
            clauses = [f"{kept_text(kept[tier])} survives"] if kept.get(tier) is not None else []
            clauses += [v] if (v := _verdict(tiers, model, tier)) else []
            text += f" ({'; '.join(clauses)})" if clauses else ""
        parts.append(text)
    return f"{sentence}; " + ", and ".join(parts) + "."


def tiers_note(tiers: TierComparison) -> str:
    """Where the tiers come from: the rule and the pairs left out."""
    seen = next(iter(tiers.models.values()))
    note = (
        f"Tiers formed {RULES[tiers.rule]}; in brackets, 95% intervals from resampling "
        "template groups."
    )
    if seen.n_unassigned:
        note += (
            f" {seen.n_unassigned} eval pairs of groups that train lacks still share a "
            "statement with train, so they are in neither eval tier."
        )
    return note


def tier_sentences(tiers: TierComparison) -> str:
    """The tier sentence of each fine-tuned model the run has, full fine-tuning first."""
    return " ".join(
        tier_sentence(tiers, model) for model in ("full", "lora") if model in tiers.models
    )


def tiers_section(tiers: TierComparison | None) -> str:
    """The tiers as the README block opens with them: the sentences for both fine-tuned
    models, the AUC table and where the tiers come from."""
    if tiers is None:
        return "This run has no tier results (chapter 05 was not executed)."
    return f"{tier_sentences(tiers)}\n\n{tier_table(tiers)}\n\n{tiers_note(tiers)}"
