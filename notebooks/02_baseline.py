# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
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
# function, `p3lib.metrics.evaluate`.

# %% tags=["parameters"]
TRAIN_PATH = "data/raw/train.jsonl"
EVAL_PATH = "data/raw/eval.jsonl"
OUT_DIR = "outputs"
MODEL = "all-MiniLM-L6-v2"
SEED = 42
N_BOOTSTRAP = 1000
VALIDATION_FRACTION = 0.1

# %%
import pandas as pd
from IPython.display import Markdown, display

from p3lib.charts import show
from p3lib.charts.baseline import (
    plot_category_margins,
    plot_cosine_histograms,
    plot_false_positives,
    plot_roc,
    plot_threshold_sweep,
    plot_umap,
)
from p3lib.embed import load_model
from p3lib.io import atomic_write_json
from p3lib.layout import RunLayout, resolve_path
from p3lib.metrics import evaluate
from p3lib.schema import load_pairs
from p3lib.splits import apply_split, make_validation_split, save_split

layout = RunLayout(resolve_path(OUT_DIR))

# %% [markdown]
# ## The data and the validation split
#
# We load the train and eval files. The eval split is only ever *measured*; anything that
# has to be chosen (here, the decision threshold) is chosen on a validation split carved
# from train, stratified by label and seeded. The split is saved so that chapters 03 and 04
# pick their checkpoints on the same records.

# %%
train_pairs = load_pairs(resolve_path(TRAIN_PATH))

# %%
eval_pairs = load_pairs(resolve_path(EVAL_PATH))

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
        f"held out for validation ({VALIDATION_FRACTION:.0%}, seed {SEED}); eval has "
        f"**{len(eval_pairs)}** pairs."
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
    show_progress_bar=False,
    name="baseline",
    model_name=MODEL,
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
ci = result.intervals.margin
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
# Hover over a point to read the pair.

# %% tags=["hide-input"]
show(plot_umap(result))

# %% [markdown]
# ## 3. HDBSCAN clusters on the map
#
# HDBSCAN (min_cluster_size 10, min_samples 5, excess of mass) finds dense groups of points
# on the UMAP map without being told how many, and leaves points in sparse regions as
# noise. **Purity** is the share of clustered points that carry their cluster's majority
# label: about the share of the larger label means clusters ignore the label, and 1 means
# every cluster is a single label. Marker shapes in the map above are the clusters.

# %% tags=["hide-input"]
h = result.hdbscan
purity = "undefined (no cluster)" if h.purity is None else f"**{h.purity:.3f}**"
majority_share = max(result.n_compatible, result.n_incompatible) / result.n_pairs
display(
    Markdown(
        f"HDBSCAN finds **{h.n_clusters}** clusters; **{h.noise_fraction:.1%}** of the pairs "
        f"are noise. Purity is {purity}, against {majority_share:.3f} for clusters that "
        "ignore the label entirely (the share of the larger label)."
    )
)

# %% tags=["hide-input"]
display(
    pd.DataFrame([cluster.model_dump() for cluster in h.clusters]).set_index("cluster")
    if h.clusters
    else Markdown("No clusters were found.")
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
display(
    Markdown(
        f"At the threshold **{fp.threshold:.3f}**, **{fp.n}** of the {fp.n_incompatible} "
        f"incompatible eval pairs ({fp.share_of_incompatible:.1%}) are false positives. "
        "The highest-scoring ones:"
    )
)

# %%
pd.DataFrame([pair.model_dump() for pair in fp.pairs[:15]])

# %% [markdown]
# ## 5. Statistical separation
#
# Cohen's d expresses the margin in units of the pooled standard deviation (0.2 is
# conventionally small, 0.5 medium, 0.8 large). Welch's t-test asks whether the two means
# differ without assuming equal variances.

# %% tags=["hide-input"]
s = result.separation
di = result.intervals.cohens_d
display(
    Markdown(
        f"Cohen's d = **{s.cohens_d:.3f}** (95% interval {di.low:.3f} to {di.high:.3f}; "
        f"pooled SD {s.pooled_std:.3f}). Welch's t = {s.t_statistic:.2f} on "
        f"{s.degrees_of_freedom:.1f} degrees of freedom, p = {s.p_value:.2g}."
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
# Accuracy, precision, recall and F1 at each threshold from 0 to 1; the dashed line is the
# threshold chosen on validation.

# %% tags=["hide-input"]
show(plot_threshold_sweep(result))

# %% tags=["hide-input"]
at = result.threshold_sweep.at_threshold
opt = result.threshold_sweep.at_eval_optimal
ai = result.intervals.auc_roc
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
# ranking.

# %% tags=["hide-input"]
ri = result.intervals.spearman
display(
    Markdown(
        f"Spearman's rho = **{result.spearman:.3f}** (95% interval {ri.low:.3f} to "
        f"{ri.high:.3f}). With {result.n_compatible} of {result.n_pairs} pairs compatible "
        f"the ceiling is {result.spearman_ceiling:.3f}, so rho reaches "
        f"**{result.spearman_ratio:.1%}** of the best possible value."
    )
)

# %% [markdown]
# ## Uncertainty: bootstrap intervals
#
# The eval split is small, so every figure above is an estimate. Resampling the eval pairs
# with replacement (seeded) and recomputing gives 95% percentile intervals.

# %% tags=["hide-input"]
iv = result.intervals
pd.DataFrame(
    {key: getattr(iv, key).model_dump() for key in ("auc_roc", "margin", "cohens_d", "spearman")}
).T.assign(resamples=iv.n_valid)

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
# The results file below holds every number and every per-pair score of this chapter;
# chapter 05 reads it to compare the fine-tuned models with the baseline.

# %%
atomic_write_json(layout.metric("baseline"), result)
