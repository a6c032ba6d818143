# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 6. Before and after: eight comparisons
#
# This chapter puts the base model and the two fine-tuned models side by side in the eight
# comparisons the project set out to make: score distributions, UMAP maps, cluster purity,
# ROC curves, margins by category, effect sizes, training curves and false positives by pair
# type. Every number comes from the results files of chapters 02 to 05, all measured by the
# same evaluation on the same eval pairs; nothing is recomputed here. Each chart is followed
# by what it shows, in numbers. The chapter ends with every paired difference between the
# models at a glance, and with where the models still fail. How much of the gain survives
# beyond the training templates is measured in {doc}`chapter 05 <05_post_training_eval>`;
# the headline sentence, the table of every metric and the success criteria are stated once,
# on the results page ({ref}`the headline <results-headline>`).

# %% tags=["parameters"]
OUT_DIR = "outputs-lab"  # where a run in JupyterLab writes; `p3 run` passes its own folder

# %% tags=["remove-cell"]
from p3lib.run.parameters import check_chapter_parameters

check_chapter_parameters(globals(), "06_comparison")

# %%
import html

import pandas as pd
from IPython.display import Markdown, display

from p3lib.book.charts import MODEL_NAMES, show
from p3lib.book.charts.comparison import (
    plot_cohens_d,
    plot_cosine_overlay,
    plot_false_positive_reduction,
    plot_margin_heatmap,
    plot_purity,
    plot_roc_overlay,
    plot_training_comparison,
    plot_umap_side_by_side,
)
from p3lib.book.charts.errors import plot_errors_by_pair_type
from p3lib.book.charts.paired import plot_paired_differences
from p3lib.book.results_block import paired_table
from p3lib.book.sentences import (
    called_compatible,
    difference_clause,
    fixed_recall_sentence,
    headline_sentence,
    matched_recall_sentence,
    paired,
    paired_differences_sentence,
    words_only_sentence,
)
from p3lib.book.tables import reader_table, use_reader_tables
from p3lib.book.tier_text import load_tiers
from p3lib.evaluation.comparison import easiest_and_hardest, load_comparison
from p3lib.evaluation.errors_by_type import pair_type_phrase, worst_types_paragraph
from p3lib.evaluation.results import EvaluationResult
from p3lib.store.atomic import atomic_write_json
from p3lib.store.result_files import load_result
from p3lib.store.run_layout import RunLayout, resolve_path
from p3lib.training.formatting import format_rate
from p3lib.training.record import TrainingRecord

use_reader_tables()  # counts as integers, scores to 3 decimals, missing as a dash
layout = RunLayout(resolve_path(OUT_DIR))

# %% [markdown]
# ## The results
#
# Three evaluation results (baseline from chapter 02, full fine-tuning and LoRA from chapter
# 05), the comparison chapter 05 built from them, and the two training records.

# %%
results = {
    name: load_result(layout.metric(name), EvaluationResult)
    for name in ("baseline", "full", "lora")
}

# %%
comparison = load_comparison(layout.metric("comparison"))

# %%
records = {name: TrainingRecord.load(layout.model(name)) for name in ("full", "lora")}

# %%
tiers = load_tiers(layout.root)

# %%
base, full, lora = results["baseline"], results["full"], results["lora"]
LABELS = MODEL_NAMES  # the book's one name per model, as the charts' legends have them

# %% [markdown]
# ## 1. Cosine distributions, before and after
#
# Each panel shows one fine-tuned model's scores by label (solid) over the baseline's
# (outlines). Before training the two labels overlap; training should pull them apart.

# %% tags=["hide-input"]
show(plot_cosine_overlay(results))

# %% tags=["hide-input"]
display(
    Markdown(
        " ".join(
            f"{LABELS[name]}: compatible mean {r.cosine.compatible.mean:.3f}, "
            f"incompatible mean {r.cosine.incompatible.mean:.3f}, margin "
            f"**{r.cosine.margin:+.3f}**."
            for name, r in results.items()
        )
        + " Against the base model, on the same resampled template groups and from the "
        "unrounded values, full fine-tuning changed the margin by "
        f"{difference_clause(paired(comparison, 'full', 'baseline', 'margin'))}" + " and LoRA by "
        f"{difference_clause(paired(comparison, 'lora', 'baseline', 'margin'))}."
    )
)

# %% [markdown]
# ## 2. UMAP maps side by side
#
# One point per pair (the pair features of chapter 02), coloured by label, each model's own
# projection (the first UMAP seed's); marker shapes are HDBSCAN clusters, hollow circles
# noise. Hover over a point to read the pair. One map is one draw: the figures over every seed
# come in the next section.

# %% tags=["hide-input"]
show(plot_umap_side_by_side(results))

# %% tags=["hide-input"]
display(
    Markdown(
        " ".join(
            f"{LABELS[name]}: {r.hdbscan.n_clusters} clusters on this map, "
            f"{r.hdbscan.noise_fraction:.1%} of pairs as noise; over "
            f"{len(r.clustering.per_seed)} seeds a median cluster count of "
            f"{r.clustering.n_clusters.median:g} ({r.clustering.n_clusters.low:g} to "
            f"{r.clustering.n_clusters.high:g})."
            for name, r in results.items()
        )
    )
)

# %% [markdown]
# ## 3. HDBSCAN cluster purity
#
# The share of clustered pairs that carry their cluster's majority label, 1 meaning every
# cluster is one label. As in chapter 02, each model is clustered on the projections of
# several UMAP seeds: the bar is the median, the whisker the range, the dots the seeds. The
# grey band is what the same clusters score with the labels shuffled over them, each shuffle
# moving labels only within a template group (95% of the shuffles): a bar inside its band says
# the clusters follow the templates, not compatibility. Purity minus the band's median is the
# part chance does not give. Noise, the share of pairs HDBSCAN leaves out of every cluster, is
# printed beside each purity because a clustering can look pure by leaving the hard pairs
# out; adjusted mutual information (0 for chance at any number of clusters) compares models
# that find few and many clusters.

# %% tags=["hide-input"]
show(plot_purity(results))

# %% tags=["hide-input"]
majority = max(base.n_compatible, base.n_incompatible) / base.n_pairs
display(
    Markdown(
        " ".join(
            f"{LABELS[name]}: median purity "
            + (
                "undefined (no cluster on any seed)"
                if r.clustering.purity.median is None
                else f"**{r.clustering.purity.median:.3f}** (range {r.clustering.purity.low:.3f} "
                f"to {r.clustering.purity.high:.3f})"
            )
            + f", noise {r.clustering.noise_fraction.median:.1%}"
            + (
                f", adjusted mutual information {r.clustering.ami.median:.3f}"
                if r.clustering.ami is not None and r.clustering.ami.median is not None
                else ""
            )
            + (
                f"; labels shuffled within template groups give "
                f"{r.clustering.purity_null.low:.3f} to {r.clustering.purity_null.high:.3f} "
                f"(purity minus the shuffled median {r.clustering.purity_null.excess:+.3f}), so "
                "the clusters "
                + (
                    "follow the label beyond chance."
                    if r.clustering.purity_null.observed > r.clustering.purity_null.high
                    else "do not follow the label beyond what chance gives."
                )
                if r.clustering.purity_null is not None
                else "."
            )
            for name, r in results.items()
        )
        + f" The share of the larger label is {majority:.3f}"
        + (
            ", below every band: small clusters have majorities by chance, so that share is "
            "not the chance level of purity."
            if all(
                r.clustering.purity_null is None or majority < r.clustering.purity_null.low
                for r in results.values()
            )
            else "."
        )
    )
)

# %% [markdown]
# ## 4. ROC curves
#
# The three models' ROC curves on the same axes, with the words-only baseline's (grey; its
# score is a probability, which ranks pairs just as a cosine does); the area under each (AUC)
# is the probability that a random compatible pair scores above a random incompatible one.
# Whether one model's AUC beats another's is read from their paired difference, a row of the
# chart at the end of this chapter; the verdict on full fine-tuning against LoRA is
# {doc}`ADR 001 <../../book/adr/001-lora-vs-full-finetuning>`'s evidence.

# %% tags=["hide-input"]
show(plot_roc_overlay(results, comparison.words_only))

# %% tags=["hide-input"]
display(
    Markdown(
        " ".join(
            f"{LABELS[name]}: AUC **{r.auc_roc:.3f}** (95% interval "
            f"{r.cluster_intervals.intervals['auc_roc'].low:.3f} to "
            f"{r.cluster_intervals.intervals['auc_roc'].high:.3f})."
            for name, r in results.items()
        )
        + " "
        + words_only_sentence(comparison)
    )
)

# %% [markdown]
# ## 5. Margins by category and model
#
# Rows are categories, columns models, cells margins; hover for the number of eval pairs of
# each label. Blank cells belong to categories that lack one of the labels (a category whose
# pairs are all incompatible, for instance), which have no margin at all.

# %% tags=["hide-input"]
show(plot_margin_heatmap(comparison))

# %% tags=["hide-input"]
minimum = comparison.min_category_per_label
rankable = [
    name
    for name, m in comparison.full.category_margins.items()
    if m.margin is not None and min(m.n_compatible, m.n_incompatible) >= minimum
]
undefined = sum(m.margin is None for m in comparison.full.category_margins.values())
display(
    Markdown(
        f"{len(comparison.full.category_margins)} categories; **{undefined}** have no margin "
        f"(one label only), and **{len(rankable)}** have at least {minimum} eval pairs of each "
        "label, enough to rank them. Among those, the full model's margins range from "
        + (
            f"{min(comparison.full.category_margins[c].margin for c in rankable):+.3f} to "
            f"{max(comparison.full.category_margins[c].margin for c in rankable):+.3f}."
            if rankable
            else "nothing: no category is large enough."
        )
    )
)

# %% tags=["hide-input"]
reader_table(
    pd.DataFrame(
        {
            LABELS[name]: {c: m.margin for c, m in summary.category_margins.items()}
            for name, summary in comparison.models().items()
        }
    ).assign(
        n_compatible=[m.n_compatible for m in comparison.baseline.category_margins.values()],
        n_incompatible=[m.n_incompatible for m in comparison.baseline.category_margins.values()],
    ),
    missing_reason="no margin: the category has eval pairs of one label only",
)

# %% [markdown]
# ## 6. Effect size: Cohen's d
#
# The margin in units of the pooled standard deviation, with its 95% bootstrap interval;
# dotted lines mark the conventional small (0.2), medium (0.5) and large (0.8) effects.

# %% tags=["hide-input"]
show(plot_cohens_d(comparison))

# %% tags=["hide-input"]
display(
    Markdown(
        " ".join(
            f"{LABELS[name]}: d = **{r.cohens_d:.2f}** (95% interval "
            f"{r.cluster_intervals.intervals['cohens_d'].low:.2f} to "
            f"{r.cluster_intervals.intervals['cohens_d'].high:.2f})."
            for name, r in results.items()
        )
        + " Against the base model, on the same resampled template groups and from the "
        "unrounded values, full fine-tuning changed d by "
        f"{difference_clause(paired(comparison, 'full', 'baseline', 'cohens_d'), '.2f')}"
        + " and LoRA by "
        f"{difference_clause(paired(comparison, 'lora', 'baseline', 'cohens_d'), '.2f')}."
    )
)

# %% [markdown]
# ## 7. Training curves
#
# Training loss and validation Spearman over optimiser steps, full fine-tuning against LoRA;
# the stars mark the checkpoints that were kept. Step 0 is the untrained model.

# %% tags=["hide-input"]
show(plot_training_comparison(records))

# %% tags=["hide-input"]
display(
    Markdown(
        " ".join(
            f"{LABELS[name]}: validation Spearman "
            f"{r.validation[0].spearman_cosine:.3f} at step 0, best **{r.best_score:.3f}** at "
            f"step {r.best_step} of {r.total_steps} (learning rate {format_rate(r.learning_rate)}, "
            f"{r.seconds_per_epoch:.1f} s per epoch on {r.threads_text()}, "
            f"{r.parameters.trainable:,} trainable parameters)."
            for name, r in records.items()
            if r.validation
        )
        + " Seconds per epoch compare the two runs only where they trained on the same "
        "threads throughout (chapters 03 and 04 train side by side)."
    )
)

# %% [markdown]
# ## 8. False positives by pair type
#
# Incompatible pairs that each model scores at or above its own validation threshold, for
# each of the nine pair types (types without incompatible pairs can have none), the
# words-only model included. Each model's own threshold is a different trade-off (the base
# model's calls nearly every pair compatible), so the lower panel compares the models at a
# *matched* operating point: the threshold where each reaches the same recall on the
# validation split, with false positive rates per pair type (hover for the counts). That
# matches recall on validation only: eval recall then differs from model to model. The
# comparison at one operating point is the false positive rate at a fixed *eval* recall, a
# point on each ROC curve where nothing is chosen, with paired intervals that resample
# template groups and find each model's threshold again in every resample (the table after
# the chart).

# %% tags=["hide-input"]
show(plot_false_positive_reduction(comparison))

# %% tags=["hide-input"]
display(
    Markdown(
        " ".join(
            f"{LABELS[name]}: **{s.n_false_positives}** false positives of "
            f"{s.n_incompatible} incompatible pairs ({s.n_false_positives / s.n_incompatible:.1%})"
            + (
                f", at a near-trivial threshold ({called_compatible(s)})."
                if s.near_trivial
                else "."
            )
            for name, s in comparison.models().items()
        )
        + " "
        + matched_recall_sentence(comparison)
        + "\n\n"
        + fixed_recall_sentence(comparison)
    )
)

# %% tags=["hide-input"]
fixed = comparison.fixed_eval_recall


def _rate(r):
    if r.estimate is None:
        return "n/a"
    if r.low is None or r.high is None:
        return f"{r.estimate:.3f}"
    return f"{r.estimate:.3f} [{r.low:.3f}, {r.high:.3f}]"


pd.DataFrame(
    {
        **{
            LABELS.get(name, name): {
                "all incompatible pairs": _rate(m.false_positive_rate),
                **{kind: _rate(r) for kind, r in m.by_pair_type.items()},
            }
            for name, m in fixed.models.items()
        },
        **{
            f"{LABELS.get(d.split('_vs_')[0], d)} - {LABELS.get(d.split('_vs_')[1], d)}": {
                ("all incompatible pairs" if kind == "overall" else kind): _rate(r)
                for kind, r in rows.items()
            }
            for d, rows in fixed.differences.items()
        },
    }
) if fixed is not None else None

# %% tags=["hide-input"]
pd.DataFrame(
    {LABELS[name]: s.false_positives_by_pair_type for name, s in comparison.models().items()}
).assign(
    **{"incompatible pairs of the type": pd.Series(comparison.baseline.incompatible_by_pair_type)}
).rename_axis("pair type")

# %% [markdown]
# ### Errors of both kinds, type by type
#
# False positives are half the story: a compatible pair scored below the threshold is a
# missed match. Per pair type, the share of its eval pairs each model gets wrong at its own
# validation threshold, with 95% intervals that resample template groups (hover for the
# counts, the mean cosine of each label and the AUC within a type that holds both labels); a
# type is named worst only where it is worst in most resamples.

# %% tags=["hide-input"]
errors = {n: r.errors_by_pair_type for n, r in results.items() if r.errors_by_pair_type is not None}
show(plot_errors_by_pair_type(errors))

# %% tags=["hide-input"]
display(Markdown(worst_types_paragraph(errors)))

# %% [markdown]
# ## Model against model: paired differences
#
# Two models measured on one eval split share its luck, so whether their separate intervals
# overlap says little. Each row below measures both models on the same resampled template
# groups and draws their difference with its paired 95% interval: a filled point's interval
# excludes 0, a hollow point's includes it ("cannot tell"). Each metric has its own panel and
# scale, with its zero line. AUC, Spearman's rho and rho / ceiling are one fact about the
# ranking: read them once. The same readings as a table follow the chart, folded.

# %% tags=["hide-input"]
show(plot_paired_differences(comparison))

# %% tags=["hide-input"]
display(Markdown(paired_differences_sentence(comparison)))

# %% tags=["remove-input", "hide-output"]
display(Markdown(paired_table(comparison)))

# %% [markdown]
# ## Summary: where the models still fail
#
# Fine-tuning is judged by what it fixes and by what it leaves. The remaining false
# positives by pair type, and the hardest category, say where a model would still call an
# incompatible pair a match.

# %% tags=["hide-input"]
remaining = {
    name: sorted(
        ((count, kind) for kind, count in s.false_positives_by_pair_type.items() if count),
        reverse=True,
    )
    for name, s in comparison.models().items()
    if name != "baseline"
}
_, hardest = easiest_and_hardest(comparison)
lines = []
for name, items in remaining.items():
    s = comparison.models()[name]
    detail = "; ".join(
        f"{count} of the {s.incompatible_by_pair_type[kind]} {pair_type_phrase(kind)}"
        for count, kind in items[:4]
    )
    lines.append(
        f"- **{LABELS[name]}** still makes **{s.n_false_positives}** false positives of "
        f"{s.n_incompatible} incompatible pairs"
        + (f", among them {detail} (counts, not a ranking)." if detail else ".")
    )
ranking = comparison.category_ranking.get("full")
if hardest is not None and ranking is not None and ranking.last_supported:
    m = comparison.full.category_margins[hardest]
    lines.append(
        f"- The hardest rankable category for full fine-tuning, "
        f"{html.escape(hardest)}, keeps a margin of {m.margin:+.3f} "
        f"({m.n_compatible} compatible and {m.n_incompatible} incompatible eval pairs); it is "
        f"the narrowest in {ranking.last_share:.0%} of resamples of the template groups."
    )
elif hardest is not None and ranking is not None:
    lines.append(
        f"- No rankable category is clearly the hardest for full fine-tuning: "
        f"{html.escape(hardest)} has the narrowest margin here, but in only "
        f"{ranking.last_share:.0%} of resamples of the template groups."
    )
lf = comparison.full.leak_free
if lf is not None and lf.auc_roc is not None:
    lines.append(
        f"- On the {lf.n} eval pairs that do not occur in train, full fine-tuning's AUC is "
        f"{lf.auc_roc:.3f} against {comparison.full.headline['auc_roc'].value:.3f} on all eval "
        "pairs: the gap is what memorised pairs add."
    )
display(Markdown("\n".join(lines)))

# %% [markdown]
# The headline sentence these numbers fill in, the table of every metric with its interval
# and the success criteria the project's product requirements document sets are on the
# results page ({ref}`the headline <results-headline>`).

# %% [markdown]
# The run also saves the figures of this chapter's captions (`metrics/comparison_summary.json`,
# for the tests and the book); the full numbers stay in `metrics/comparison.json`.

# %%
atomic_write_json(
    layout.metric("comparison_summary"),
    {
        "headline": headline_sentence(comparison, escape=None, tiers=tiers),
        "false_positives": {n: s.n_false_positives for n, s in comparison.models().items()},
        "hardest_category": hardest,
    },
)
