# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2. Baseline: what the base model already knows
#
# Before fine-tuning anything we measure what the off-the-shelf `all-MiniLM-L6-v2` already
# knows about dating compatibility. Each pair of statements gets one number from the model,
# the cosine similarity of the two sentence embeddings, and the question of this chapter is
# how well that number tells compatible pairs from incompatible ones. We answer it with the
# eight metrics of the project: score distributions, a UMAP map of the pairs, HDBSCAN
# clusters on that map, false positives by pair type, statistical separation, classification
# over thresholds, margins by category, and a results file. Every number here is the
# "before" that chapter 05 compares the fine-tuned models with, computed by the same
# function, `p3lib.evaluation.pipeline.evaluate`.

# %% tags=["parameters"]
TRAIN_PATH = "data/raw/train.jsonl"
EVAL_PATH = "data/raw/eval.jsonl"
OOD_PATH = "data/raw/ood.jsonl"  # unseen topics: scored, never trained on (`p3 run --ood`)
OUT_DIR = "outputs-lab"  # where a run in JupyterLab writes; `p3 run` passes its own folder
MODEL = "all-MiniLM-L6-v2"
SEED = 42
N_BOOTSTRAP = 1000
VALIDATION_FRACTION = 0.1
TARGET_RECALL = 0.9  # validation recall at which every model's false positives are compared
N_UMAP_SEEDS = 5  # UMAP random states the clustering figures are measured over
N_SHUFFLES = 1000  # label shuffles of the purity null

# %% tags=["remove-cell"]
from p3lib.run.parameters import check_chapter_parameters

check_chapter_parameters(globals(), "02_baseline")

# %%
import pandas as pd
from IPython.display import Markdown, display

from p3lib.book.charts import show
from p3lib.book.charts.baseline import (
    plot_category_margins,
    plot_cosine_histograms,
    plot_false_positives,
    plot_roc,
    plot_threshold_sweep,
    plot_umap,
)
from p3lib.book.charts.errors import plot_errors_by_pair_type
from p3lib.book.tables import reader_name, use_reader_tables
from p3lib.data.schema import load_pairs
from p3lib.data.splits import apply_split, make_validation_split, save_split
from p3lib.evaluation.embed import load_model
from p3lib.evaluation.operating_point import near_trivial
from p3lib.evaluation.pipeline import evaluate
from p3lib.evaluation.rank_identity import ratio_from_auc
from p3lib.evaluation.tiers import measure_tiers, score_pairs
from p3lib.evaluation.words_only import words_only_baseline
from p3lib.store.progress import quiet_progress_bars
from p3lib.store.result_files import save_result
from p3lib.store.run_layout import RunLayout, resolve_path

use_reader_tables()  # counts as integers, scores to 3 decimals, missing as a dash
quiet_progress_bars()  # no "Loading weights" bar in JupyterLab or the book
layout = RunLayout(resolve_path(OUT_DIR))

# %% [markdown]
# ## The data and the validation split
#
# We load the train and eval files, and the out-of-distribution split (topics train never
# names), which is only ever scored. The eval split is only ever *measured*; anything that
# has to be chosen (here, the decision threshold) is chosen on a validation split carved
# from train by template group: whole (category, subcategory) groups, or, for data without
# subcategories, pairs that share a statement, go to validation together, so the threshold is
# chosen on templates the model does not train on. The split is saved so that chapters 03 and
# 04 pick their checkpoints on the same records.

# %%
train_pairs = load_pairs(resolve_path(TRAIN_PATH))

# %%
eval_pairs = load_pairs(resolve_path(EVAL_PATH))

# %%
ood_pairs = load_pairs(resolve_path(OOD_PATH))

# %%
split = make_validation_split(train_pairs, VALIDATION_FRACTION, SEED)

# %%
save_split(split, layout.validation_split)

# %%
fit_pairs, validation_pairs = apply_split(train_pairs, split)

# %%
display(
    Markdown(
        f"Train has **{len(train_pairs)}** pairs, of which **{len(validation_pairs)}** are "
        f"held out for validation (about {VALIDATION_FRACTION:.0%}, seed {SEED}, whole "
        f"template groups: split by {split.grouped_by}); eval has **{len(eval_pairs)}** "
        f"pairs and the out-of-distribution split **{len(ood_pairs)}**."
    )
)

# %% [markdown]
# ## Evaluating the base model
#
# One call does everything: it encodes each distinct statement once (L2-normalised), scores
# each pair by the cosine of its two embeddings, picks the F1-best threshold on the
# validation pairs, and computes the eight metrics on eval, with seeded bootstrap intervals.
# Passing the train pairs lets it find eval pairs that also occur in train and repeat the
# headline metrics without them.

# %%
model = load_model(MODEL)

# %%
result = evaluate(
    model,
    eval_pairs,
    validation_pairs,
    train_pairs,
    seed=SEED,
    n_bootstrap=N_BOOTSTRAP,
    n_umap_seeds=N_UMAP_SEEDS,
    n_shuffles=N_SHUFFLES,
    show_progress_bar=False,
    name="baseline",
    model_name=MODEL,
    target_recall=TARGET_RECALL,
    embedding_cache=layout.embeddings,
)

# %% [markdown]
# ## Three tiers: seen templates, unseen templates, unseen topics
#
# The book's first question is whether a model learns compatibility or the templates of its
# training data. So every model is measured on three parts of the data
# (`p3lib.evaluation.tiers`): eval pairs whose template group occurs in train, eval pairs
# whose group and statements never do, and the out-of-distribution split. The base model never
# trained, so for it the tiers only say how hard each part is; chapters 05 and 06 set the
# fine-tuned models against it tier by tier.

# %%
result = result.model_copy(
    update={
        "tiers": measure_tiers(
            result.cosine.scores,
            eval_pairs,
            train_pairs,
            result.threshold.threshold,
            ood_scores=score_pairs(model, ood_pairs),
            ood_pairs=ood_pairs,
            seed=SEED,
            n_resamples=N_BOOTSTRAP,
        )
    }
)

# %% tags=["hide-input"]
display(
    Markdown(
        "The base model's AUC: "
        + "; ".join(
            f"{label} **{score.auc:.3f}** (n {score.n})"
            for label, score in (
                ("seen templates", result.tiers.seen_templates),
                ("unseen templates", result.tiers.unseen_templates),
                ("unseen topics", result.tiers.unseen_topics),
            )
            if score is not None and score.auc is not None
        )
        + f". Tiers formed by {result.tiers.rule}."
    )
)

# %% [markdown]
# ## 1. Cosine similarity distributions
#
# If the model understood compatibility, compatible pairs would score high and incompatible
# pairs low, and the two histograms below would sit apart. The **margin** is the distance
# between their means. The dashed line is the decision threshold chosen on validation.

# %% tags=["hide-input"]
show(plot_cosine_histograms(result))

# %% tags=["hide-input"]
c = result.cosine
# Every interval quoted in this chapter resamples template groups, (category, subcategory)
# pairs (see "Uncertainty" below).
cluster = result.cluster_intervals.intervals
ci = cluster["margin"]
display(
    Markdown(
        f"Compatible pairs: mean **{c.compatible.mean:.3f}** (SD {c.compatible.std:.3f}, "
        f"median {c.compatible.median:.3f}, n = {c.compatible.n}). Incompatible pairs: mean "
        f"**{c.incompatible.mean:.3f}** (SD {c.incompatible.std:.3f}, median "
        f"{c.incompatible.median:.3f}, n = {c.incompatible.n}). The margin is "
        f"**{c.margin:+.3f}** (95% bootstrap interval {ci.low:+.3f} to {ci.high:+.3f}), "
        f"against standard deviations of {c.compatible.std:.2f} and {c.incompatible.std:.2f} "
        "within the labels."
        + (
            " The margin is negative: on average the base model scores incompatible pairs "
            "as *more* similar than compatible ones."
            if c.margin < 0
            else ""
        )
    )
)

# %% [markdown]
# The base model was trained to place sentences about the same *topic* close together.
# Compatibility in this data is about *stance*: "I love hiking" and "I can't stand hiking"
# share a topic, so they look similar to the base model, yet they are incompatible. That is
# why the margin is small, and why its sign can even be negative.

# %% [markdown]
# ## 2. UMAP: one point per pair
#
# UMAP needs one vector per *pair*, not per statement. From the two normalised embeddings
# `u` and `v` we build the Sentence-BERT classification features `concat(u * v, |u - v|)`:
# the element-wise product `u * v` sums to the cosine, so it carries the pair's similarity
# dimension by dimension, and `|u - v|` carries where the two statements differ. Both are
# symmetric in the two statements, and neither cares which topic the pair is about as long
# as the two sides agree. Concatenating `u` and `v` instead would group pairs by topic
# (hiking pairs with hiking pairs) whatever their label. UMAP (15 neighbours, min_dist 0.1,
# cosine metric, random state 42) then projects these 768-dimensional vectors to 2-d.
# Hover over a point to read the pair. The map drawn is the projection of the first random
# state; the clustering figures below use every seed. UMAP's cost grows faster than the pairs
# (its neighbour search as their square), so above 3,000 eval pairs the map and its clusters
# are measured on a seeded sample of 3,000, each label keeping its share (the same pairs for
# every model); the chart's title says so, and every other metric uses all pairs.

# %% tags=["hide-input"]
show(plot_umap(result))

# %% [markdown]
# ## 3. HDBSCAN clusters on the map
#
# HDBSCAN (min_cluster_size 10, min_samples 5, excess of mass) finds dense groups of points
# on the UMAP map without being told how many, and leaves points in sparse regions as
# noise. **Purity** is the share of clustered points that carry their cluster's majority
# label: 1 means every cluster is a single label. Marker shapes in the map above are the
# clusters.
#
# **Why several seeds.** UMAP's layout depends on its random state, and its floating-point
# order differs from one machine to the next, so the clusters found on one map, and their
# purity, are partly luck. We therefore cluster the projections of several random states
# (how many is a parameter of this chapter) and report the **median** with the **range**, here and in
# every table and chart of the book; the median is what a build on another machine should
# reproduce, and the range says how far a single map could stray. **Against what.** With clusters of 10 to 20 pairs, labels dealt out at random already
# give most clusters a majority well above half, so purity is compared with the same clusters
# scoring *shuffled* labels (a permutation null), not with the share of the larger label. The
# shuffle moves labels only within a template group (a (category, subcategory) pair): pairs of
# one template sit together on the map and most groups hold one label, so a free shuffle would
# make chance look lower than it is. Adjusted mutual information between labels and clusters
# (0 for chance at any number of clusters) stands beside purity, so models that find few and
# many clusters can be compared.

# %% tags=["hide-input"]
h = result.hdbscan
over = result.clustering
null = over.purity_null
majority_share = max(result.n_compatible, result.n_incompatible) / result.n_pairs


def _purity(value):
    return "undefined (no cluster)" if value is None else f"{value:.3f}"


display(
    Markdown(
        (
            f"(UMAP, HDBSCAN and the purity null on a seeded sample of "
            f"{over.projected_pairs:,} of the {result.n_pairs:,} pairs, each label keeping its "
            "share; the other metrics use all.) "
            if over.projected_pairs is not None and over.projected_pairs < result.n_pairs
            else ""
        )
        + f"Over **{len(over.per_seed)}** UMAP seeds ({over.seeds[0]} to {over.seeds[-1]}), "
        f"HDBSCAN finds a median of **{over.n_clusters.median:g}** clusters (range "
        f"{over.n_clusters.low:g} to {over.n_clusters.high:g}) and leaves a median "
        f"**{over.noise_fraction.median:.1%}** of the pairs as noise ({over.noise_fraction.low:.1%} "
        f"to {over.noise_fraction.high:.1%}). Median purity is "
        f"**{_purity(over.purity.median)}**"
        + (
            f" (range {over.purity.low:.3f} to {over.purity.high:.3f})"
            if over.purity.median is not None
            else ""
        )
        + f"; the share of the larger label is {majority_share:.3f}."
        + (
            f" With the labels shuffled within the {null.n_groups or 'no'} template groups over "
            f"the same clusters ({null.n_shuffles:,} shuffles, seed {null.seed}), the median "
            f"purity falls between **{null.low:.3f}** and **{null.high:.3f}** 95% of the time "
            f"(median {null.median:.3f}; observed minus that median {null.excess:+.3f}), so "
            f"the observed {null.observed:.3f} "
            + (
                "lies above what clusters that ignore the label reach"
                if null.observed > null.high
                else "is within what clusters that ignore the label reach"
            )
            + f" (one-sided permutation p = {null.p_value:.3g})."
            if null is not None
            else ""
        )
        + (
            f" Adjusted mutual information of labels and clusters: median "
            f"**{over.ami.median:.3f}** (range {over.ami.low:.3f} to {over.ami.high:.3f}; 0 is "
            "chance)."
            if over.ami is not None and over.ami.median is not None
            else ""
        )
        + f" On the map drawn above (seed {over.seeds[0]}) purity is {_purity(h.purity)} over "
        f"{h.n_clusters} clusters with {h.noise_fraction:.1%} noise."
    )
)

# %% tags=["hide-input"]
pd.DataFrame([f.model_dump() for f in over.per_seed]).set_index("random_state")

# %% [markdown]
# **Projection or features?** The project's product requirements document (PRD) draws the clusters on the UMAP map; HDBSCAN could
# instead run on the pair features themselves, where no seed is involved.
# The run measures both, with the same HDBSCAN settings:

# %% tags=["hide-input"]
feat = over.on_features
seed_line = (
    f"on the UMAP projections the median over {len(over.per_seed)} seeds is "
    f"{over.n_clusters.median:g} clusters, {over.noise_fraction.median:.0%} noise and purity "
    f"{_purity(over.purity.median)}"
)
if feat.n_clusters == 0:
    verdict = (
        "In that many dimensions no region of pairs stands out as denser than the rest, so "
        "the features give no clusters to measure; the clustering therefore "
        "runs on the projection, and the seed-to-seed spread above is the price, reported "
        "rather than hidden."
    )
else:
    verdict = (
        f"The features give {feat.n_clusters} clusters with {feat.noise_fraction:.0%} noise; "
        "the book still clusters the projection, as the PRD's charts do, so that the clusters "
        "are the groups a reader sees on the map, and reports the seed-to-seed spread."
    )
display(
    Markdown(
        (
            ""
            if over.on_features_pairs in (None, len(eval_pairs))
            else f"(On a seeded sample of {over.on_features_pairs:,} of the "
            f"{len(eval_pairs):,} pairs, each label keeping its share: the pairs of the map.) "
        )
        + f"On the pair features HDBSCAN finds **{feat.n_clusters}** clusters and leaves "
        f"**{feat.noise_fraction:.0%}** of the pairs as noise"
        + ("" if feat.purity is None else f" (purity {feat.purity:.3f})")
        + f"; {seed_line}. "
        + verdict
    )
)

# %% tags=["hide-input"]
display(
    pd.DataFrame([cluster.model_dump() for cluster in h.clusters]).set_index("cluster")
    if h.clusters
    else Markdown("No clusters were found on the map drawn above.")
)

# %% [markdown]
# Purity on a 2-d projection says whether pairs that *look alike* to the model share a
# label. Clusters here form around the kind of pair (topic, phrasing, pair type) as much as
# around the label, so a high purity can come from pair types that happen to be all one
# label; read it together with the separation metrics below.

# %% [markdown]
# ## 4. False positives by pair type
#
# A false positive is an incompatible pair whose cosine is at or above the validation
# threshold: the model would call it a match. The chart shows, for each of the nine pair
# types, how many of its incompatible pairs are false positives (types with only compatible
# pairs cannot have any).

# %% tags=["hide-input"]
show(plot_false_positives(result))

# %% tags=["hide-input"]
fp = result.false_positives
at = result.threshold_sweep.at_threshold
share_called = (at.tp + at.fp) / result.n_pairs
display(
    Markdown(
        f"At the threshold **{fp.threshold:.3f}**, **{fp.n}** of the {fp.n_incompatible} "
        f"incompatible eval pairs are false positives: a rate of "
        f"**{cluster['false_positive_rate'].estimate:.3f}** (95% cluster interval "
        f"{cluster['false_positive_rate'].low:.3f} to {cluster['false_positive_rate'].high:.3f}). "
        + (
            f"The threshold is **near-trivial**: it calls {share_called:.0%} of the eval pairs "
            "compatible, so it barely sorts them, and its false positives say little. "
            if near_trivial(share_called)
            else ""
        )
        + "The highest-scoring ones:"
    )
)

# %%
pd.DataFrame([pair.model_dump() for pair in fp.pairs[:15]])

# %% [markdown]
# ### False positives at a matched operating point
#
# Each model's F1-best threshold sits wherever its own scores put it, so false positives at
# those thresholds compare different trade-offs. The fair comparison holds recall fixed: for
# each model, the threshold that finds the same share of the compatible *validation* pairs,
# and the false positives on eval there, as rates with their counts. Chapter 06 sets the
# models side by side at this point.

# %% tags=["hide-input"]
mr = result.matched_recall
display(
    Markdown(
        f"At validation recall {mr.target_recall:.2f} (threshold {mr.threshold:.3f}; eval "
        f"recall {mr.recall:.3f}), **{mr.false_positives.n}** of {mr.false_positives.of} "
        f"incompatible eval pairs are false positives ({mr.false_positives.rate:.1%})"
        + (
            f"; the threshold is near-trivial ({mr.share_predicted_compatible:.0%} of eval "
            "pairs called compatible)."
            if mr.near_trivial
            else "."
        )
    )
)
pd.DataFrame(
    {kind: r.model_dump() for kind, r in mr.false_positives_by_pair_type.items() if r.of}
).transpose()

# %% [markdown]
# ### Errors of both kinds, type by type
#
# A compatible pair scored below the threshold is the other half of "where does it fail".
# For each pair type: the share of its eval pairs on the wrong side of the validation
# threshold (false positives for label 0, false negatives for label 1), with a 95% interval
# that resamples template groups like every other interval of the book (a type drawn from a
# few templates gets a wide one), the mean cosine of each label and, where a type holds both
# labels, its AUC (`p3lib.evaluation.errors_by_type`). The type named worst carries the share
# of resamples in which it is worst, and is named only where that share is high.

# %% tags=["hide-input"]
show(plot_errors_by_pair_type({"baseline": result.errors_by_pair_type}))

# %% tags=["hide-input"]
display(Markdown(result.errors_by_pair_type.worst_sentence("The base model")))
pd.DataFrame(result.errors_by_pair_type.rows())

# %% [markdown]
# ## 5. Statistical separation
#
# Cohen's d expresses the margin in units of the pooled standard deviation (0.2 is
# conventionally small, 0.5 medium, 0.8 large). Whether the two means differ at all is read
# from the margin's cluster interval, not from a t-test: Welch's t-test treats the pairs as
# independent draws, while pairs of one template are not, so its p-value would overstate the
# evidence.

# %% tags=["hide-input"]
s = result.separation
di = cluster["cohens_d"]
display(
    Markdown(
        f"Cohen's d = **{s.cohens_d:.3f}** (95% interval {di.low:.3f} to {di.high:.3f}; "
        f"pooled SD {s.pooled_std:.3f}). The margin's 95% cluster interval, "
        f"{ci.low:+.3f} to {ci.high:+.3f}, "
        + (
            "excludes 0: the two means differ."
            if ci.low > 0 or ci.high < 0
            else "includes 0: the data cannot tell the two means apart."
        )
    )
)

# %% [markdown]
# ## 6. Classification over thresholds
#
# Treating "cosine at or above a threshold" as a prediction of compatibility turns the model
# into a classifier. The ROC curve traces every threshold at once and its area (AUC) is the
# probability that a random compatible pair scores above a random incompatible one: 0.5 is
# chance, below 0.5 means the ranking is inverted.

# %% tags=["hide-input"]
show(plot_roc(result, name="baseline"))

# %% [markdown]
# Accuracy, precision, recall and F1 at each threshold over the whole cosine range, -1 to 1;
# the dashed line is the threshold chosen on validation.

# %% tags=["hide-input"]
show(plot_threshold_sweep(result))

# %% tags=["hide-input"]
at = result.threshold_sweep.at_threshold
opt = result.threshold_sweep.at_eval_optimal
ai = cluster["auc_roc"]
display(
    Markdown(
        f"AUC-ROC is **{result.auc_roc:.3f}** (95% interval {ai.low:.3f} to {ai.high:.3f}). "
        f"At the validation threshold {at.threshold:.3f} (validation F1 "
        f"{result.threshold.f1:.3f}), eval accuracy is **{at.accuracy:.3f}**, precision "
        f"{at.precision:.3f}, recall {at.recall:.3f} and F1 **{at.f1:.3f}**. For reference "
        f"only, the threshold that would be best on eval itself ({opt.threshold:.3f}) gives "
        f"F1 {opt.f1:.3f}; it is chosen by looking at the answers and so overstates what the "
        "model can do."
    )
)

# %% [markdown]
# ## 7. Margins by category
#
# The margin again, per category. Several categories have only a handful of eval pairs, so
# each bar carries its counts; a category without one of the two labels has no margin at
# all (it is not zero) and shows as "no margin".

# %% tags=["hide-input"]
show(plot_category_margins(result))

# %% tags=["hide-input"]
display(pd.DataFrame({name: m.model_dump() for name, m in result.category_margins.items()}).T)

# %% [markdown]
# ## Spearman's rho and its ceiling
#
# Spearman's rank correlation between cosine and label is the metric the training chapters
# monitor. With binary labels it cannot reach 1: every compatible pair ties on rank, and
# even a perfect ranking gives rho = sqrt(3 p (1 - p)), with p the share of compatible pairs.
# We therefore report rho next to rho divided by that ceiling, which is 1 for a perfect
# ranking. With 0/1 labels, rho over the ceiling is exactly Somers' D = 2 AUC - 1 times
# n / sqrt(n^2 - 1) (`p3lib.evaluation.rank_identity`), so AUC, rho and the ratio are one fact about the
# ranking, not three pieces of evidence.

# %% tags=["hide-input"]
ri = cluster["spearman"]
display(
    Markdown(
        f"Spearman's rho = **{result.spearman:.3f}** (95% interval {ri.low:.3f} to "
        f"{ri.high:.3f}). With {result.n_compatible} of {result.n_pairs} pairs compatible "
        f"the ceiling is {result.spearman_ceiling:.3f}, so rho reaches "
        f"**{result.spearman_ratio:.1%}** of the best possible value; from AUC alone, "
        f"(2 AUC - 1) n / sqrt(n^2 - 1) = "
        f"{ratio_from_auc(result.auc_roc, result.n_pairs):.1%}."
    )
)

# %% [markdown]
# ## Uncertainty: cluster bootstrap intervals
#
# The eval split is small, so every figure above is an estimate. Its pairs are not
# independent draws either: they come in template groups (a (category, subcategory) pair holds
# up to 15 near-identical pairs; the same subcategory name under two categories is two
# groups), and resampling pairs one by one would treat 15 near-copies as 15 pieces of
# evidence. Every interval in this book therefore resamples **template groups** with
# replacement (seeded, `scipy.stats.bootstrap`, BCa where it is defined, else percentiles;
# `p3lib.evaluation.cluster_bootstrap`). The last columns give the pair-level interval's width, as a
# sensitivity check: how much narrower the intervals would look if the pairs were
# independent.

# %% tags=["hide-input"]
iv = result.cluster_intervals
pd.DataFrame(
    {
        key: {
            "estimate": interval.estimate,
            "low": interval.low,
            "high": interval.high,
            "method": interval.method,
            "width": interval.width,
            "pair-level width": iv.pair_level[key].width,
        }
        for key, interval in iv.intervals.items()
    }
).transpose()

# %% tags=["hide-input"]
display(
    Markdown(
        f"{iv.n_resamples} resamples of the {iv.n_clusters} template groups. Resampling pairs "
        f"instead would narrow the AUC interval from {iv.intervals['auc_roc'].width:.3f} to "
        f"{iv.pair_level['auc_roc'].width:.3f} wide."
    )
)

# %% [markdown]
# ## Leakage: eval pairs that also occur in train
#
# Eval pairs that are exact copies of train pairs (same two statements) flatter a model
# that was trained on them. The base model has never seen this data, so overlap cannot help
# it, but chapter 05 needs the same view for the fine-tuned models.

# %% tags=["hide-input"]
lf = result.leak_free
display(
    Markdown(
        f"**{result.n_overlap}** of the {result.n_pairs} eval pairs also occur in train."
        + (
            f" Without them ({lf.n} pairs): margin {lf.margin:+.3f}, AUC "
            f"{lf.auc_roc:.3f}, Spearman {lf.spearman:.3f}, F1 {lf.f1:.3f} at the same "
            "threshold."
            if lf is not None and None not in (lf.margin, lf.auc_roc, lf.spearman)
            else ""
        )
    )
)

# %% tags=["hide-input"]
display(
    pd.DataFrame({"all eval": result.headline(""), "leak-free": lf.model_dump()})
    if lf is not None
    else Markdown("With no overlap, the figures above are already leak-free.")
)

# %% [markdown]
# ## A words-only baseline
#
# How much of the task do the words alone solve, with no embedding model at all? The strongest
# words-only model p3 fits: a TF-IDF vector of each statement (words, or words and word bigrams;
# one vocabulary, fitted on the fit split's statements), their difference |a - b| (words one
# has and the other lacks) and their product a * b (the words both share) feed a logistic
# regression, fitted on the fit split (train minus validation); the n-gram range and the
# regularisation strength are chosen together by AUC on the validation split, and its decision
# threshold, as for the embedding models, is the F1-best on validation
# (`p3lib.evaluation.words_only`). Its score is a probability, not a cosine: the margin,
# Cohen's d, the UMAP map and cluster purity do not apply to it; AUC, Spearman's rho, F1,
# accuracy and false positives do. Chapters 05 and 06 set it beside the fine-tuned models.

# %%
words_only = words_only_baseline(
    fit_pairs,
    validation_pairs,
    eval_pairs,
    seed=SEED,
    n_bootstrap=N_BOOTSTRAP,
    target_recall=TARGET_RECALL,
    train_pairs=train_pairs,
    ood_pairs=ood_pairs,
)

# %% tags=["hide-input"]
wi = words_only.cluster_intervals.intervals
display(
    Markdown(
        f"Words alone (n-grams {words_only.chosen_ngram_range[0]} to "
        f"{words_only.chosen_ngram_range[1]}, C = {words_only.chosen_c:g}, both chosen on "
        f"validation from {len(words_only.validation_auc)} settings) reach AUC-ROC "
        f"**{words_only.auc_roc:.3f}** (95% interval {wi['auc_roc'].low:.3f} to "
        f"{wi['auc_roc'].high:.3f}) on eval, against **{result.auc_roc:.3f}** for the base "
        f"model's cosine; F1 {words_only.at_threshold.f1:.3f} and "
        f"{words_only.n_false_positives} false positives of {words_only.n_incompatible} "
        "incompatible pairs at its validation threshold. Not "
        "applicable to it: "
        + "; ".join(f"{reader_name(key)} ({why})" for key, why in words_only.not_applicable.items())
        + "."
    )
)

# %% [markdown]
# ## Summary
#
# The headline numbers of the base model, the "before" of every comparison in this book:

# %% tags=["hide-input"]
pd.Series(result.headline(), name="baseline").to_frame()

# %% tags=["hide-input"]
display(
    Markdown(
        f"The base model separates compatible from incompatible pairs by a margin of "
        f"{result.cosine.margin:+.3f} (Cohen's d {result.cohens_d:.2f}); its AUC of "
        f"{result.auc_roc:.3f} and Spearman ratio of {result.spearman_ratio:.2f} say how far "
        "its notion of similarity is from compatibility. Topic similarity is what it "
        "measures; stance is what this data is about. That gap is what fine-tuning must "
        "close."
    )
)

# %% [markdown]
# Every number and every per-pair score of this chapter is saved with the run, in
# `metrics/baseline.json`; chapter 05 reads it to compare the fine-tuned models with the base
# model.

# %%
save_result(result, layout.metric("baseline"))

# %%
save_result(words_only, layout.metric("words_only"))
