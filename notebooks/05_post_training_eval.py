# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 5. Post-training evaluation
#
# Chapters 03 and 04 fine-tuned `all-MiniLM-L6-v2` two ways: every weight with
# `CosineSimilarityLoss`, and a LoRA adapter. This chapter measures both fine-tuned models with
# exactly the evaluation that measured the base model in chapter 02: the same function,
# `p3lib.evaluation.pipeline.evaluate`, on the same eval pairs, with the decision threshold chosen on the
# same validation split, the same seeded bootstrap, and the same check for eval pairs that
# also occur in train. Any difference from the baseline is therefore the models' doing, not
# the measurement's. The chapter ends by writing each model's results, the comparison that
# chapter 06 draws, and each model's decision threshold, which `p3 score` uses.

# %% tags=["parameters"]
TRAIN_PATH = "data/raw/train.jsonl"
EVAL_PATH = "data/raw/eval.jsonl"
OOD_PATH = "data/raw/ood.jsonl"  # unseen topics: scored, never trained on (`p3 run --ood`)
OUT_DIR = "outputs-lab"  # where a run in JupyterLab writes; `p3 run` passes its own folder
SEED = 42
N_BOOTSTRAP = 1000
N_UMAP_SEEDS = 5  # UMAP random states the clustering figures are measured over
N_SHUFFLES = 1000  # label shuffles of the purity null
TARGET_RECALL = 0.9  # validation recall at which every model's false positives are compared

# %% tags=["remove-cell"]
from p3lib.run.parameters import check_chapter_parameters

check_chapter_parameters(globals(), "05_post_training_eval")

# %%
import pandas as pd
from IPython.display import Markdown, display

from p3lib.book.charts import MODEL_COLORS, MODEL_NAMES, show
from p3lib.book.charts.baseline import plot_category_margins, plot_cosine_histograms, plot_roc
from p3lib.book.charts.tiers import plot_tiers
from p3lib.book.tables import use_reader_tables
from p3lib.book.tier_text import differences_table, rates_table, tier_table, tiers_note
from p3lib.data.schema import load_pairs
from p3lib.data.splits import apply_split, load_split
from p3lib.evaluation.comparison import compare
from p3lib.evaluation.embed import load_model
from p3lib.evaluation.pipeline import evaluate
from p3lib.evaluation.results import EvaluationResult
from p3lib.evaluation.tiers import compare_tiers, measure_tiers, score_pairs
from p3lib.evaluation.words_only import WordsOnlyResult
from p3lib.store.atomic import atomic_write_json
from p3lib.store.progress import quiet_progress_bars
from p3lib.store.result_files import load_result, save_result
from p3lib.store.run_layout import RunLayout, resolve_path
from p3lib.training.export import export_models, export_summary
from p3lib.training.model_card import write_model_card
from p3lib.training.record import TrainingRecord
from p3lib.training.score import DecisionThreshold, save_threshold

use_reader_tables()  # counts as integers, scores to 3 decimals, missing as a dash
quiet_progress_bars()  # no "Loading weights" bar in JupyterLab or the book
layout = RunLayout(resolve_path(OUT_DIR))

# %% [markdown]
# ## The data, the validation split and the baseline
#
# We load the same train and eval files as chapter 02 and the validation split it saved; the
# split refuses to apply if the train file has changed since. The baseline's results come
# from chapter 02's results file.

# %%
train_pairs = load_pairs(resolve_path(TRAIN_PATH))

# %%
eval_pairs = load_pairs(resolve_path(EVAL_PATH))

# %%
ood_pairs = load_pairs(resolve_path(OOD_PATH))

# %%
fit_pairs, validation_pairs = apply_split(train_pairs, load_split(layout.validation_split))

# %%
baseline = load_result(layout.metric("baseline"), EvaluationResult)

# %%
words_only = load_result(layout.metric("words_only"), WordsOnlyResult)

# %% [markdown]
# ## The fine-tuned models
#
# Each model folder holds the weights that scored best on the validation split during
# training, and the training record beside them (for LoRA the adapter is merged into the
# weights, so both load the same way).

# %%
full_model = load_model(layout.model("full"))

# %%
lora_model = load_model(layout.model("lora"))

# %%
records = {name: TrainingRecord.load(layout.model(name)) for name in ("full", "lora")}

# %%
display(
    Markdown(
        f"Eval has **{len(eval_pairs)}** pairs; the thresholds are chosen on the "
        f"**{len(validation_pairs)}** validation pairs. Full fine-tuning trained "
        f"{records['full'].parameters.trainable:,} parameters, LoRA "
        f"{records['lora'].parameters.trainable:,} "
        f"({records['lora'].parameters.trainable_share:.2%} of the model)."
    )
)

# %% [markdown]
# ## Evaluating both models
#
# One call per model, identical to chapter 02's except for the model and its name.

# %%
full = evaluate(
    full_model,
    eval_pairs,
    validation_pairs,
    train_pairs,
    seed=SEED,
    n_bootstrap=N_BOOTSTRAP,
    n_umap_seeds=N_UMAP_SEEDS,
    n_shuffles=N_SHUFFLES,
    target_recall=TARGET_RECALL,
    show_progress_bar=False,
    name="full",
    model_name=str(layout.model("full")),
    embedding_cache=layout.embeddings,
)

# %%
lora = evaluate(
    lora_model,
    eval_pairs,
    validation_pairs,
    train_pairs,
    seed=SEED,
    n_bootstrap=N_BOOTSTRAP,
    n_umap_seeds=N_UMAP_SEEDS,
    n_shuffles=N_SHUFFLES,
    target_recall=TARGET_RECALL,
    show_progress_bar=False,
    name="lora",
    model_name=str(layout.model("lora")),
    embedding_cache=layout.embeddings,
)

# %% [markdown]
# ## Three tiers: what survives beyond the training templates
#
# The first result of this book. Each model is measured on eval pairs built from templates it
# trained on (*seen templates*), on eval pairs whose template group and statements train never
# has (*unseen templates*), and on the out-of-distribution split, whose topics train never
# names (*unseen topics*; scored here for every model, no training). Chapter 02 measured the
# base model and the words-only model the same way. A model that learnt compatibility keeps
# its gain on all three; a model that learnt the templates keeps it only on the first.
#
# Read the unseen-topic tier knowing its history: this split has been read while the recipe
# was built. The augmentation's idiom style and its stance-neutral endings
# (`p3lib.data.augment`) were written after seeing which OOD phrasings a fine-tuned model read
# backwards ("I'm totally hooked on ...", taken for a dislike because train ends dislikes with
# "if I'm being totally honest with you"), and the rate search's rule (a smaller rate is kept
# when validation cannot tell it from the best: chapter 03) was adopted after the recipe study
# had measured smaller rates higher on this split. No OOD topic, object, phrasing or
# dealbreaker is in any training pair (a test checks it), and rates and checkpoints are chosen
# on validation only, but the recipe is not blind to this split. A split of your own
# (`p3 run --ood FILE`) is the clean test.

# %%
full, lora = (
    r.model_copy(
        update={
            "tiers": measure_tiers(
                r.cosine.scores,
                eval_pairs,
                train_pairs,
                r.threshold.threshold,
                ood_scores=score_pairs(m, ood_pairs),
                ood_pairs=ood_pairs,
                seed=SEED,
                n_resamples=N_BOOTSTRAP,
            )
        }
    )
    for r, m in ((full, full_model), (lora, lora_model))
)

# %%
tiers = compare_tiers(
    {
        "baseline": baseline.tiers,
        "words_only": words_only.tiers,
        "full": full.tiers,
        "lora": lora.tiers,
    },
    seed=SEED,
    n_resamples=N_BOOTSTRAP,
)

# %% tags=["hide-input"]
display(Markdown(tier_table(tiers) + "\n\n" + tiers_note(tiers)))

# %% tags=["hide-input"]
show(plot_tiers(tiers))

# %% [markdown]
# What the table says in words, how much of each fine-tuned model's seen-template gain
# survives on unseen templates and unseen topics, is the book's headline, stated on the
# results page ({ref}`the headline <results-headline>`).
#
# Each model against the base model and the words-only model, tier by tier: the AUC
# difference measured on the same resampled template groups for both models (a star marks an
# interval that excludes 0).

# %% tags=["hide-input"]
display(Markdown(differences_table(tiers)))

# %% [markdown]
# What each model's validation threshold does on each tier: recall / false-positive rate.
# Validation is carved from train by template group, so the threshold was chosen on groups the
# model did not train on; this shows how far it carries to each tier.

# %% tags=["hide-input"]
display(Markdown(rates_table(tiers)))

# %%
results = {"baseline": baseline, "full": full, "lora": lora}

# %% [markdown]
# ## Headline numbers against the baseline
#
# Each row is a headline metric of chapter 02 on the eval split; each column a model. The
# table of every metric with its 95% interval is on the results page.

# %% tags=["hide-input"]
pd.DataFrame({MODEL_NAMES[name]: result.headline("") for name, result in results.items()})

# %% tags=["hide-input"]
lines = []
for name, r in results.items():
    label = MODEL_NAMES[name]
    ci = r.cluster_intervals.intervals
    mi, di, ai = ci["margin"], ci["cohens_d"], ci["auc_roc"]
    lines.append(
        f"- **{label}**, on eval: margin **{r.cosine.margin:+.3f}** (95% interval "
        f"{mi.low:+.3f} to {mi.high:+.3f}), Cohen's d **{r.cohens_d:.2f}** ({di.low:.2f} to "
        f"{di.high:.2f}), AUC **{r.auc_roc:.3f}** ({ai.low:.3f} to {ai.high:.3f}), eval F1 "
        f"{r.threshold_sweep.at_threshold.f1:.3f} at its threshold {r.threshold.threshold:.3f} "
        f"(chosen on validation, where its F1 was {r.threshold.f1:.3f}), "
        f"{r.false_positives.n} false positives."
    )
display(
    Markdown(
        "\n".join(lines)
        + "\n\nIntervals resample template groups, (category, subcategory) pairs (chapter 02). "
        "Whether a model beats another is read from their *paired* difference (chapter 06), "
        "not from these intervals side by side."
    )
)

# %% [markdown]
# ## Score distributions
#
# The histograms of chapter 02, now for each fine-tuned model. Training pulled compatible
# pairs towards cosine 1 and pushed incompatible pairs towards 0, so the two labels should
# sit apart; the dashed line is each model's own validation threshold.

# %% tags=["hide-input"]
show(plot_cosine_histograms(full, name=MODEL_NAMES["full"]))

# %% tags=["hide-input"]
show(plot_cosine_histograms(lora, name=MODEL_NAMES["lora"]))

# %% tags=["hide-input"]
display(
    Markdown(
        " ".join(
            f"{label}: compatible mean {r.cosine.compatible.mean:.3f} (SD "
            f"{r.cosine.compatible.std:.3f}), incompatible mean {r.cosine.incompatible.mean:.3f} "
            f"(SD {r.cosine.incompatible.std:.3f})."
            for label, r in ((MODEL_NAMES[name], r) for name, r in results.items())
        )
    )
)

# %% [markdown]
# ## ROC curves
#
# The three models' ROC curves on one set of axes; the legend carries the AUCs.

# %% tags=["hide-input"]
roc = plot_roc(baseline, name="baseline", color=MODEL_COLORS["baseline"])
roc = plot_roc(full, name="full", color=MODEL_COLORS["full"], fig=roc)
show(plot_roc(lora, name="lora", color=MODEL_COLORS["lora"], fig=roc))

# %% [markdown]
# ## Margins by category after full fine-tuning
#
# Per category, with the number of eval pairs of each label beside every bar; categories
# lacking a label have no margin. Chapter 06 sets all three models side by side.

# %% tags=["hide-input"]
show(plot_category_margins(full, name=MODEL_NAMES["full"]))

# %% [markdown]
# ## Errors by pair type after fine-tuning
#
# Which kinds of pair the fully fine-tuned model still gets wrong on eval at its validation
# threshold: false positives for label-0 types, false negatives for label-1 types, both for
# mixed ones, each with a 95% interval that resamples template groups like every interval of
# the book (`p3lib.evaluation.errors_by_type`). The compound types (`complex_*`,
# `llm_judged_*`) are the ones where a model must weigh two topics at once. Chapter 06 draws
# these error rates for every model side by side and names each model's worst type.

# %% tags=["hide-input"]
pd.DataFrame(full.errors_by_pair_type.rows())

# %% [markdown]
# ## Leakage
#
# Eval pairs that also occur in train can flatter a model trained on them. With overlap, the
# headline metrics are repeated on the eval pairs that are not in train.

# %% tags=["hide-input"]
display(
    pd.DataFrame(
        {name: r.leak_free.model_dump() for name, r in results.items() if r.leak_free is not None}
    )
    if full.leak_free is not None
    else Markdown("No eval pair occurs in train: every figure above is already leak-free.")
)

# %% tags=["hide-input"]
if full.leak_free is not None and None not in (full.leak_free.auc_roc, lora.leak_free.auc_roc):
    display(
        Markdown(
            f"**{full.n_overlap}** of the {full.n_pairs} eval pairs also occur in train. On "
            f"the other {full.leak_free.n}, AUC is {full.leak_free.auc_roc:.3f} for full "
            f"fine-tuning (all eval: {full.auc_roc:.3f}) and {lora.leak_free.auc_roc:.3f} for "
            f"LoRA (all eval: {lora.auc_roc:.3f})."
        )
    )

# %% [markdown]
# ## The comparison and the decision thresholds
#
# `compare` arranges the three results and the two training records side by side, with the
# deltas against the baseline; chapter 06, the README table and ADR 001 read it. Each
# model's validation threshold is saved beside the model for `p3 score`.

# %%
comparison = compare(baseline, full, lora, records, words_only)

# %%
thresholds = {
    name: DecisionThreshold(
        threshold=r.threshold.threshold, chosen_on=r.threshold.chosen_on, f1=r.threshold.f1
    )
    for name, r in (("full", full), ("lora", lora))
}

# %% tags=["hide-input"]
pd.DataFrame(
    {
        MODEL_NAMES[name]: {
            "threshold (cosine)": t.threshold,
            "chosen on": t.chosen_on,
            "F1 on validation": t.f1,
        }
        for name, t in thresholds.items()
    }
)

# %% [markdown]
# ## Summary
#
# This chapter measured both fine-tuned models exactly as chapter 02 measured the base model,
# on the three tiers and on the whole eval split. The book's headline, how much of the gain
# survives beyond the training templates and what fine-tuning did to the margin, is on the
# results page ({ref}`the headline <results-headline>`); every model-against-model
# difference, with its paired interval, is drawn in {doc}`chapter 06 <06_comparison>`.

# %% [markdown]
# Every number and per-pair score of this chapter is saved with the run (not shown in the
# book): `full.json`
# and `lora.json` (same shape as `baseline.json`, each with its `tiers`), `comparison.json`,
# `tiers.json` (every model's tiers and the paired differences between them), and
# `decision_threshold.json` in each model folder.

# %%
save_result(full, layout.metric("full"))

# %%
save_result(lora, layout.metric("lora"))

# %%
save_result(comparison, layout.metric("comparison"))

# %%
save_result(tiers, layout.metric("tiers"))

# %%
for name, threshold in thresholds.items():
    save_threshold(layout.model(name), threshold)

# %% [markdown]
# Each model folder's `README.md` is sentence-transformers' model card, regenerated here so
# that it carries this chapter's eval figures with their intervals, the words-only baseline's
# AUC, the decision threshold, the learning rate (for LoRA, the one chosen on validation) and
# the training data.

# %%
for name in ("full", "lora"):
    write_model_card(layout.model(name), comparison, name, records[name], fit_pairs)

# %% [markdown]
# ## The models for the browser
#
# Each model, the base model included, is exported to ONNX with int8 weights in the run's
# `models/<name>/onnx/` (with its vocabulary, so onnxruntime alone can serve it); the results
# page's "Try a pair" runs these files in the reader's browser. The check scores the eval
# pairs with PyTorch and with the int8 graph, and records the largest cosine difference and
# both AUCs in `export.json`. If int8 changed an AUC by more than 0.01 or swapped two models
# that are clearly apart, the site would ship the fp32 files instead.

# %%
export = export_models(
    {"base": load_model(baseline.model), "full": full_model, "lora": lora_model},
    {
        "base": baseline.threshold.threshold,
        "full": full.threshold.threshold,
        "lora": lora.threshold.threshold,
    },
    eval_pairs,
    layout.root,
)
atomic_write_json(layout.metric("export"), export)

# %% tags=["hide-input"]
display(
    Markdown(
        export_summary(
            export, {"base": "the base model", "full": "full fine-tuning", "lora": "LoRA"}
        )
    )
)
