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
# # 5. Post-training evaluation
#
# Chapters 03 and 04 fine-tuned `all-MiniLM-L6-v2` two ways: every weight with
# `CosineSimilarityLoss`, and a LoRA adapter. This chapter measures both fine-tuned models with
# exactly the evaluation that measured the base model in chapter 02: the same function,
# `p3lib.metrics.evaluate`, on the same eval pairs, with the decision threshold chosen on the
# same validation split, the same seeded bootstrap, and the same check for eval pairs that
# also occur in train. Any difference from the baseline is therefore the models' doing, not
# the measurement's. The chapter ends by writing each model's results, the comparison that
# chapter 06 draws, and each model's decision threshold, which `p3 score` uses.

# %% tags=["parameters"]
TRAIN_PATH = "data/raw/train.jsonl"
EVAL_PATH = "data/raw/eval.jsonl"
OUT_DIR = "outputs"
SEED = 42
N_BOOTSTRAP = 1000

# %%
import pandas as pd
from IPython.display import Markdown, display

from p3lib.charts import MODEL_COLORS, show
from p3lib.charts.baseline import plot_category_margins, plot_cosine_histograms, plot_roc
from p3lib.embed import load_model
from p3lib.io import atomic_write_json, read_json
from p3lib.layout import RunLayout, resolve_path
from p3lib.metrics import EvaluationResult, evaluate
from p3lib.report import compare, headline_sentence
from p3lib.schema import load_pairs
from p3lib.score import DecisionThreshold, save_threshold
from p3lib.splits import apply_split, load_split
from p3lib.train import TrainingRecord

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
fit_pairs, validation_pairs = apply_split(train_pairs, load_split(layout.validation_split))

# %%
baseline = EvaluationResult.model_validate(read_json(layout.metric("baseline")))

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
    show_progress_bar=False,
    name="full",
    model_name=str(layout.model("full")),
)

# %%
lora = evaluate(
    lora_model,
    eval_pairs,
    validation_pairs,
    train_pairs,
    seed=SEED,
    n_bootstrap=N_BOOTSTRAP,
    show_progress_bar=False,
    name="lora",
    model_name=str(layout.model("lora")),
)

# %%
results = {"baseline": baseline, "full": full, "lora": lora}

# %% [markdown]
# ## Headline numbers against the baseline
#
# Each row is a headline metric of chapter 02; each column a model. The margin, Cohen's d,
# AUC and Spearman's rho carry 95% bootstrap intervals in the table of chapter 06.

# %% tags=["hide-input"]
pd.DataFrame({name: result.headline("") for name, result in results.items()})

# %% tags=["hide-input"]
lines = []
for name, label in (("full", "Full fine-tuning"), ("lora", "LoRA")):
    r = results[name]
    mi, di, ai = r.intervals.margin, r.intervals.cohens_d, r.intervals.auc_roc
    lines.append(
        f"- **{label}**: margin **{r.cosine.margin:+.3f}** (95% interval {mi.low:+.3f} to "
        f"{mi.high:+.3f}; baseline {baseline.cosine.margin:+.3f}), Cohen's d "
        f"**{r.cohens_d:.2f}** ({di.low:.2f} to {di.high:.2f}; baseline "
        f"{baseline.cohens_d:.2f}), AUC **{r.auc_roc:.3f}** ({ai.low:.3f} to {ai.high:.3f}; "
        f"baseline {baseline.auc_roc:.3f}), Spearman's rho **{r.spearman:.3f}** (baseline "
        f"{baseline.spearman:.3f}), F1 {r.threshold_sweep.at_threshold.f1:.3f} at its "
        f"validation threshold {r.threshold.threshold:.3f} (baseline "
        f"{baseline.threshold_sweep.at_threshold.f1:.3f}), {r.false_positives.n} false "
        f"positives (baseline {baseline.false_positives.n})."
    )
display(Markdown("\n".join(lines)))

# %% [markdown]
# ## Score distributions
#
# The histograms of chapter 02, now for each fine-tuned model. Training pulled compatible
# pairs towards cosine 1 and pushed incompatible pairs towards 0, so the two labels should
# sit apart; the dashed line is each model's own validation threshold.

# %% tags=["hide-input"]
show(plot_cosine_histograms(full, name="full fine-tuning"))

# %% tags=["hide-input"]
show(plot_cosine_histograms(lora, name="LoRA"))

# %% tags=["hide-input"]
display(
    Markdown(
        " ".join(
            f"{label}: compatible mean {r.cosine.compatible.mean:.3f} (SD "
            f"{r.cosine.compatible.std:.3f}), incompatible mean {r.cosine.incompatible.mean:.3f} "
            f"(SD {r.cosine.incompatible.std:.3f})."
            for label, r in (("Baseline", baseline), ("Full fine-tuning", full), ("LoRA", lora))
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
show(plot_category_margins(full, name="full fine-tuning"))

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
comparison = compare(baseline, full, lora, records)

# %%
thresholds = {
    name: DecisionThreshold(
        threshold=r.threshold.threshold, chosen_on=r.threshold.chosen_on, f1=r.threshold.f1
    )
    for name, r in (("full", full), ("lora", lora))
}

# %% tags=["hide-input"]
pd.DataFrame({name: t.model_dump() for name, t in thresholds.items()})

# %% [markdown]
# ## Summary

# %% tags=["hide-input"]
display(Markdown(headline_sentence(comparison)))

# %% tags=["hide-input"]
display(
    Markdown(
        f"Against the baseline, full fine-tuning changed the margin by "
        f"**{comparison.margin_improvement:+.3f}**, Cohen's d by "
        f"**{comparison.cohens_d_improvement:+.2f}** and Spearman's rho by "
        f"**{comparison.spearman_improvement:+.3f}**; LoRA by "
        f"**{comparison.lora_margin_improvement:+.3f}**, "
        f"**{comparison.lora_cohens_d_improvement:+.2f}** and "
        f"**{comparison.lora_spearman_improvement:+.3f}**. Chapter 06 draws the eight "
        "before/after comparisons."
    )
)

# %% [markdown]
# The results files below hold every number and per-pair score of this chapter: `full.json`
# and `lora.json` (same shape as `baseline.json`), `comparison.json`, and
# `decision_threshold.json` in each model folder.

# %%
atomic_write_json(layout.metric("full"), full)

# %%
atomic_write_json(layout.metric("lora"), lora)

# %%
atomic_write_json(layout.metric("comparison"), comparison)

# %%
for name, threshold in thresholds.items():
    save_threshold(layout.model(name), threshold)
