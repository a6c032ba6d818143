# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 4. LoRA: the same recipe with a low-rank adapter
#
# LoRA freezes the base model and learns, for the attention `query` and `value` matrices of
# every layer, an update `B A` of rank 8 (scaled by alpha / r = 2). Everything else is the
# recipe of chapter 03: the same loss, batch size, epochs, warmup, evaluator and validation
# split, so the comparison isolates full versus low-rank training. One setting differs on
# purpose: the learning rate. The 2e-5 of the project's product requirements document
# (PRD) is a rate for full fine-tuning; an adapter whose
# update starts at zero may need a larger one. So this chapter does not fix it: it trains the
# full recipe at each rate of a small grid, and keeps the run that scores best on the
# **validation** split (ADR 001).

# %% tags=["parameters"]
TRAIN_PATH = "data/raw/train.jsonl"
OUT_DIR = "outputs-lab"  # where a run in JupyterLab writes; `p3 run` passes its own folder
MODEL = "all-MiniLM-L6-v2"
SEED = 42
EPOCHS = 2
BATCH_SIZE = 16
# The rates tried (params/full.yaml says why these); the length of each rate's run in epochs (at EPOCHS or more
# every run is the recipe itself and the winner's run is the model kept; a fraction trains that
# share of an epoch, and the winner then trains the full schedule); runs trained at once, each
# in its own process on its share of the CPU threads (1: one after the other, as `p3 run`
# already trains this chapter beside chapter 03)
LORA_LEARNING_RATE_GRID = [1e-3, 2e-3]
LORA_SEARCH_EPOCHS: float = 2
LORA_SEARCH_WORKERS = 1
WARMUP_STEPS = 100
EVAL_STEPS: int | None = None
MAX_TRAIN_PAIRS: int | None = None
# Stance-teaching pairs added to the fit pairs (p3lib.data.augment; 0: none); the appendix's
# recipe study shows what they bought on topics and phrasings train never shows
AUGMENTATION_PAIRS = 3200
# Augmentation pairs of unseen topics in unseen phrasings (the banks' part that fit pairs never
# use) added to the validation pairs that choose the checkpoint and the rate (0: none)
AUGMENTATION_VALIDATION_PAIRS = 200
# Batches of statements of similar length: less padding (benchmarks/bench_train.py)
LENGTH_GROUPED_BATCHES = True
DEVICE = "auto"  # CUDA where present (mixed precision), else the CPU

# %% tags=["remove-cell"]
from p3lib.run.parameters import check_chapter_parameters

check_chapter_parameters(globals(), "04_lora")

# %%
import pandas as pd
from IPython.display import Markdown

from p3lib.book.chapter_summaries import training_finding
from p3lib.book.charts import show
from p3lib.book.charts.training import (
    plot_learning_rate_evidence,
    plot_loss_curve,
    plot_validation_curve,
)
from p3lib.data.schema import load_pairs
from p3lib.data.splits import apply_split, load_split
from p3lib.store.atomic import atomic_write_json
from p3lib.store.progress import quiet_progress_bars
from p3lib.store.run_layout import RunLayout, resolve_path
from p3lib.training.formatting import format_rate
from p3lib.training.rate_search import rate_choice_sentence, runs_to_draw, train_at_chosen_rate
from p3lib.training.record import TrainConfig

quiet_progress_bars()  # no "Loading weights" bar in JupyterLab or the book
layout = RunLayout(resolve_path(OUT_DIR))

# %% [markdown]
# ## Data: train minus the validation split (as in chapter 03)

# %%
fit_pairs, validation_pairs = apply_split(
    load_pairs(resolve_path(TRAIN_PATH)), load_split(layout.validation_split)
)
print(
    f"{len(fit_pairs)} pairs to fit (plus {AUGMENTATION_PAIRS} augmentation pairs), "
    f"{len(validation_pairs)} validation pairs (plus {AUGMENTATION_VALIDATION_PAIRS} "
    "augmentation pairs of unseen topics in unseen phrasings)"
)

# %% [markdown]
# ## The adapter and its settings
#
# `method="lora"` adds the adapter with `model.add_adapter(LoraConfig(...))`: rank 8, alpha 16,
# dropout 0.1, on `query` and `value`, for feature extraction (PEFT's task type). Only the adapter's
# matrices have `requires_grad`, so the optimiser never sees the base weights.

# %% tags=["hide-cell"]
config = TrainConfig(
    method="lora",
    epochs=EPOCHS,
    batch_size=BATCH_SIZE,
    warmup_steps=WARMUP_STEPS,
    eval_steps=EVAL_STEPS,
    seed=SEED,
    max_train_pairs=MAX_TRAIN_PAIRS,
    augmentation_pairs=AUGMENTATION_PAIRS,
    augmentation_validation_pairs=AUGMENTATION_VALIDATION_PAIRS,
    length_grouped_batches=LENGTH_GROUPED_BATCHES,
    device=DEVICE,
)
config.model_dump(exclude={"learning_rate", "lora_learning_rate"})

# %% [markdown]
# ## Choosing the learning rate on validation
#
# Each rate of the grid trains the recipe above for as many epochs as this chapter's search
# parameter says, with the warmup shortened in proportion when that is fewer than the
# recipe's, so that every run warms up, peaks and decays as the full one does. Each run keeps
# its best checkpoint on the validation pairs, as every run in this book does, and the rate
# whose best validation Spearman is highest wins, unless a smaller rate is within chance of it
# (the paired 95% interval of the difference, resampling the validation pairs' template
# groups, includes 0): then the smallest such rate, the model nearer its base, is kept. When every
# run is the whole recipe, as in the published book, the winner's run is the model saved
# below; after shorter runs the winner trains the full schedule (a short run flatters large
# rates: a small rate has had less time to move). The eval split is not used.
#
# The folder `models/lora/` gets two saves. At its top, the adapter merged into the base
# weights: a plain sentence-transformer that loads anywhere with `SentenceTransformer(path)`.
# In `adapter/`, the adapter alone (a few hundred KB of weights), which records the base
# model's path and needs that base model to load. Before the folder is published, both are
# reloaded and must reproduce the trained model's embeddings; a reload that silently came
# back with missing or random adapter weights fails that check.

# %%
record, search, search_runs = train_at_chosen_rate(
    fit_pairs,
    validation_pairs,
    config,
    layout.model("lora"),
    grid=LORA_LEARNING_RATE_GRID,
    search_epochs=LORA_SEARCH_EPOCHS,
    model=MODEL,
    workers=LORA_SEARCH_WORKERS,
)

# %% tags=["hide-input"]
pd.DataFrame(
    [
        {
            "learning rate": format_rate(trial.learning_rate),
            "validation Spearman, untrained": round(trial.validation[0].spearman_cosine, 4),
            "best validation Spearman": round(trial.best_score, 4),
            "best step": f"{trial.best_step} of {trial.total_steps}",
            "still improving": "yes" if trial.still_improving else "no",
            "best minus this (paired 95% interval)": (
                ""
                if trial.gap_to_best is None or trial.gap_to_best == 0
                else f"{trial.gap_to_best:+.3f} [{trial.gap_low:+.3f}, {trial.gap_high:+.3f}]"
            ),
            "chosen": "yes" if trial.learning_rate == search.chosen_learning_rate else "",
        }
        for trial in search.learning_rate_trials
    ]
).set_index("learning rate")

# %% tags=["hide-input"]
Markdown(rate_choice_sentence(search))

# %% [markdown]
# ## The saved run

# %%
print(
    f"trainable parameters: {record.parameters.trainable:,} of {record.parameters.total:,} "
    f"({record.parameters.trainable_share:.2%})"
)
print(
    f"{record.total_steps} steps, {record.seconds_per_epoch:.1f} s per epoch on "
    f"{record.threads_text()}, peak memory {record.peak_rss_mb:.0f} MiB; reloaded models differ "
    "from the trained one "
    f"by at most {max(record.reload_max_abs_diff.values()):.1e}"
)

# %% [markdown]
# ## Loss and validation Spearman

# %%
show(plot_loss_curve(record))

# %%
show(plot_validation_curve(record))

# %%
print(
    f"validation Spearman: {record.validation[0].spearman_cosine:.4f} before training, "
    f"best {record.best_score:.4f} at step {record.best_step} (epoch {record.best_epoch:.2f})"
)

# %% tags=["hide-input"]
Markdown(record.convergence())

# %% [markdown]
# ## The grid's evidence in one chart
#
# Validation Spearman against the optimiser step: one line per rate of the grid (a star at its
# best checkpoint), and the run saved (the winner's own run when the search ran the whole
# recipe, else its full run after the search). A line still rising at its right end was still
# improving when its run stopped.

# %% tags=["hide-input"]
show(plot_learning_rate_evidence(runs_to_draw(search, search_runs, record)))

# %% [markdown]
# ## Summary

# %%
Markdown(training_finding(record))

# %% [markdown]
# LoRA trained well under 1% of the parameters with the recipe of chapter 03, at the learning
# rate the validation split chose from the grid. The saved model is the adapter merged into
# the base, checked against the trained model's embeddings. Its training record
# (`training_record.json`, and `metrics/lora_training.json`) holds the grid, each rate's best
# validation score and step, the chosen rate and whether the run was still improving. Chapter
# 05 measures the model on the eval set beside the fully fine-tuned model.

# %%
atomic_write_json(layout.metric("lora_training"), record)
