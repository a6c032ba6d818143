# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 7. Appendix: experiments
#
# The six chapters answer one question with one recipe: does fine-tuning teach
# all-MiniLM-L6-v2 dating compatibility? This appendix tests four things they take for
# granted, each with the chapters' data, validation split, checkpoint rule and evaluation:
#
# 1. **The loss.** `CosineSimilarityLoss` against `ContrastiveLoss` and
#    `OnlineContrastiveLoss`, with the same data and training budget (the evidence for ADR 003).
# 2. **An instruction.** The same full fine-tuning with a task instruction prepended to both
#    statements, in training and at evaluation alike.
# 3. **Seeds.** Full fine-tuning and LoRA trained with several seeds, so that each difference
#    in the book can be set against the difference a new seed alone makes.
# 4. **Out of distribution.** Every model measured on pairs about topics, and in phrasings,
#    that neither train nor eval contain, and the drop from eval.
#
# The seed-42 models of chapters 03 and 04 are reused (the cosine arm of the loss study, the
# plain arm of the instruction study and the first seed of the seed study), so this chapter
# trains the two contrastive models, two more seeds of each method, and the instructed model.
# The studies live in `p3lib.training.experiments`; this chapter runs them and shows what they found.

# %% tags=["parameters"]
TRAIN_PATH = "data/raw/train.jsonl"
EVAL_PATH = "data/raw/eval.jsonl"
OOD_PATH = "data/raw/ood.jsonl"
OUT_DIR = "outputs-lab"  # where a run in JupyterLab writes; `p3 run` passes its own folder
MODEL = "all-MiniLM-L6-v2"
SEED = 42
SEEDS = [42, 43, 44]  # the seed study; SEED's models are chapters 03 and 04's
N_BOOTSTRAP = 1000
EPOCHS = 2
BATCH_SIZE = 16
LEARNING_RATE = 2e-5
WARMUP_STEPS = 100
EVAL_STEPS: int | None = None  # None: about four validation checks per epoch
MAX_TRAIN_PAIRS: int | None = None  # None: all of train
# Stance-teaching pairs added to the fit pairs (p3lib.data.augment; 0: none); the appendix's
# recipe study shows what they bought on topics and phrasings train never shows
AUGMENTATION_PAIRS = 3200
# Augmentation pairs of unseen topics in unseen phrasings (the banks' part that fit pairs never
# use) added to the validation pairs that choose the checkpoint and the rate (0: none)
AUGMENTATION_VALIDATION_PAIRS = 200
# Speed levers (benchmarks/bench_train.py): batches of statements of similar length (less
# padding); full fine-tuning's word-embedding rows frozen at their base values
LENGTH_GROUPED_BATCHES = True
FREEZE_WORD_EMBEDDINGS = False
INSTRUCTION = "Decide whether these two dating-profile statements are compatible: "

# %% tags=["remove-cell"]
from p3lib.run.parameters import check_chapter_parameters

check_chapter_parameters(globals(), "07_experiments")

# %%
import time

import pandas as pd
from IPython.display import Markdown, display

from p3lib.book.charts import show
from p3lib.book.charts.experiments import (
    plot_instruction_deltas,
    plot_loss_study,
    plot_ood_drop,
    plot_seed_spread,
)
from p3lib.book.charts.training import plot_training_curves
from p3lib.book.recipe_study import load_study, study_sentence, study_table
from p3lib.data.schema import load_pairs
from p3lib.data.splits import apply_split, load_split
from p3lib.evaluation.results import INTERVAL_METRICS
from p3lib.store.progress import quiet_progress_bars
from p3lib.store.result_files import save_result
from p3lib.store.run_layout import RunLayout, resolve_path
from p3lib.training.experiments.measure import measure_models
from p3lib.training.experiments.plan import LOSS_LABELS, METRIC_LABELS, obtain_models, plan_variants
from p3lib.training.experiments.summary import (
    difference_table,
    headline_table,
    ood_table,
    seed_table,
    summarise_experiments,
)
from p3lib.training.record import TrainConfig, TrainingRecord

quiet_progress_bars()  # no "Loading weights" bar in JupyterLab or the book
layout = RunLayout(resolve_path(OUT_DIR))
started = time.perf_counter()

# %% [markdown]
# ## The data
#
# Train minus the validation split (the split of chapter 02, read, not re-made), the eval
# split, and the out-of-distribution pairs.

# %%
train_pairs = load_pairs(resolve_path(TRAIN_PATH))

# %%
fit_pairs, validation_pairs = apply_split(train_pairs, load_split(layout.validation_split))

# %%
eval_pairs = load_pairs(resolve_path(EVAL_PATH))

# %%
ood_pairs = load_pairs(resolve_path(OOD_PATH))

# %% tags=["hide-input"]
display(
    Markdown(
        f"**{len(fit_pairs)}** pairs to fit, **{len(validation_pairs)}** validation pairs "
        f"(thresholds and checkpoints), **{len(eval_pairs)}** eval pairs and "
        f"**{len(ood_pairs)}** out-of-distribution pairs, of which "
        f"{sum(p.label for p in ood_pairs)} are compatible."
    )
)

# %% [markdown]
# ## The models
#
# The recipe is chapter 03's, with the same parameters; every model below differs from it in
# one setting only. Chapter 03 and 04's models must have been trained with exactly these
# settings, or the chapter stops: a study that mixed budgets would compare nothing.

# %%
recipe = TrainConfig(
    method="full",
    epochs=EPOCHS,
    batch_size=BATCH_SIZE,
    # Both rates are the ones chapters 03 and 04 chose on the validation split from their grids
    learning_rate=TrainingRecord.load(layout.model("full")).learning_rate,
    lora_learning_rate=TrainingRecord.load(layout.model("lora")).learning_rate,
    warmup_steps=WARMUP_STEPS,
    eval_steps=EVAL_STEPS,
    seed=SEED,
    max_train_pairs=MAX_TRAIN_PAIRS,
    augmentation_pairs=AUGMENTATION_PAIRS,
    augmentation_validation_pairs=AUGMENTATION_VALIDATION_PAIRS,
    length_grouped_batches=LENGTH_GROUPED_BATCHES,
    freeze_word_embeddings=FREEZE_WORD_EMBEDDINGS,
)

# %%
variants = plan_variants(recipe, SEEDS, INSTRUCTION)

# %% tags=["hide-input"]
pd.DataFrame(
    {
        v.name: {
            "label": v.label,
            "study": v.study,
            "method": v.config.method,
            "loss": v.config.loss,
            "seed": v.config.seed,
            "instruction": "yes" if v.prompt else "no",
            "trained": "by chapter " + ("03" if v.reuse == "full" else "04") if v.reuse else "here",
        }
        for v in variants
    }
).transpose()

# %% [markdown]
# The chapter models are read with their training records; the others are trained here, each
# saved atomically to `models/experiments/<name>/` with its record.

# %% tags=["remove-stderr"]
records = obtain_models(
    variants, fit_pairs, validation_pairs, layout, study="chapters", model=MODEL
)

# %% tags=["remove-stderr"]
records |= obtain_models(variants, fit_pairs, validation_pairs, layout, study="loss", model=MODEL)

# %% tags=["remove-stderr"]
records |= obtain_models(variants, fit_pairs, validation_pairs, layout, study="seeds", model=MODEL)

# %% tags=["remove-stderr"]
records |= obtain_models(
    variants, fit_pairs, validation_pairs, layout, study="instruction", model=MODEL
)

# %% tags=["hide-input"]
pd.DataFrame(
    {
        name: {
            "best validation Spearman": record.best_score,
            "best step": record.best_step,
            "steps": record.total_steps,
            "seconds per epoch": record.seconds_per_epoch,
            "train seconds": record.train_seconds,
        }
        for name, record in records.items()
    }
).T.round(3)

# %% [markdown]
# ## Measuring every model on eval and out of distribution
#
# Every model, the base model included, goes through `p3lib.evaluation.pipeline.evaluate`: thresholds
# chosen on the validation split, the same seeded bootstrap, and for the instructed model the
# instruction prepended to every statement, as in its training. The eval results of the base
# model and the chapter models are chapters 02 and 05's, made by the same call.

# %% tags=["remove-stderr"]
measured = measure_models(
    variants,
    records,
    eval_pairs,
    ood_pairs,
    validation_pairs,
    train_pairs,
    layout,
    model=MODEL,
    seed=SEED,
    n_bootstrap=N_BOOTSTRAP,
)

# %%
result = summarise_experiments(measured, recipe, INSTRUCTION, n_bootstrap=N_BOOTSTRAP)

# %% [markdown]
# Each study asks whether one model beats another, and two kinds of luck can fake an answer.
# The eval split's: both models are scored on the same pairs, and an easy draw of pairs
# flatters both, so the comparison resamples the pairs (the seeded bootstrap) and measures
# *both* models on each resample; the 95% interval of the difference must exclude 0. And
# training's: a new seed alone moves every metric, so the difference must also be larger than
# the seed study's range. A difference that passes both is called *real* below.

# %% [markdown]
# ## Study 3 first: how much does a seed move the numbers?
#
# The seed decides the order of the training batches, dropout, and LoRA's initial adapter.
# Each row below is a headline metric on eval, as mean ± standard deviation over the seeds,
# with the lowest and highest value in brackets. The seed study comes first because the
# other studies measure their differences against this spread.

# %% tags=["hide-input"]
pd.DataFrame(seed_table(result.seed_study))

# %% tags=["hide-input"]
show(plot_seed_spread(result.seed_study))

# %% tags=["hide-input"]
display(Markdown(result.seed_study.verdict))

# %% [markdown]
# With three seeds a standard deviation is itself rough; the range is the plainer yardstick.
# A difference between two single models smaller than this range is one a change of seed
# could make or undo.

# %% [markdown]
# ## Study 1: the loss function (ADR 003)
#
# `CosineSimilarityLoss` regresses each pair's cosine onto its label (1 or 0).
# `ContrastiveLoss` pulls compatible pairs together and pushes incompatible pairs until their
# cosine distance reaches a margin (0.5), then leaves them alone. `OnlineContrastiveLoss`
# applies the same loss only to the hard pairs of each batch: compatible pairs farther apart
# than the closest incompatible one, and incompatible pairs closer than the farthest
# compatible one. Same data, epochs, batch size, learning rate, warmup, seed and checkpoint
# rule for all three.
#
# The margin and the threshold are not comparable across losses: each loss places the two
# labels at different cosines. Rank metrics (Spearman's rho, AUC) and accuracy and F1 at the
# validation threshold are.

# %% tags=["hide-input"]
pd.DataFrame(
    {arm.label: {key: e.value for key, e in arm.eval.items()} for arm in result.loss_study.arms}
).round(3)

# %% [markdown]
# Each alternative against `CosineSimilarityLoss`, in Spearman's rho on the same eval pairs:

# %% tags=["hide-input"]
pd.DataFrame(difference_table(result.loss_study.differences, LOSS_LABELS)).transpose()

# %% tags=["hide-input"]
show(plot_loss_study(result.loss_study))

# %% tags=["hide-input"]
show(
    plot_training_curves(
        {LOSS_LABELS[arm.loss]: records[arm.model] for arm in result.loss_study.arms}
    )
)

# %% [markdown]
# The training losses are on different scales (each loss measures something else); the
# validation curves on the right are comparable.

# %% tags=["hide-input"]
display(Markdown(result.loss_study.verdict))

# %% [markdown]
# ## Study 2: an instruction prepended to both statements
#
# Instruction-tuned embedding models encode a text together with a task description. Here
# the same full fine-tuning recipe is trained with one instruction (the parameter
# `INSTRUCTION`) prepended to both statements of every pair, through sentence-transformers'
# `prompts`; validation, the eval split and the OOD split are encoded with the same
# instruction. The table compares it with chapter 03's plain model on every headline metric.

# %%
print(f"instruction: {INSTRUCTION!r}")

# %% tags=["hide-input"]
pd.DataFrame(
    {
        "plain (eval)": headline_table([measured["full"]])[measured["full"].label],
        "instructed (eval)": headline_table([measured["instructed"]])[measured["instructed"].label],
        "difference (eval)": result.instruction_study.eval_deltas,
        "difference (OOD)": result.instruction_study.ood_deltas,
        "seed range (full, eval)": result.instruction_study.seed_range,
    }
).round(3)

# %% [markdown]
# The bootstrapped metrics, instructed minus plain on the same pairs, with their paired
# intervals (the seed-to-seed range is full fine-tuning's on the same split):

# %% tags=["hide-input"]
pd.DataFrame(
    {
        **difference_table(
            result.instruction_study.eval_differences,
            {key: f"{METRIC_LABELS[key]} (eval)" for key in INTERVAL_METRICS},
        ),
        **difference_table(
            result.instruction_study.ood_differences,
            {key: f"{METRIC_LABELS[key]} (OOD)" for key in INTERVAL_METRICS},
        ),
    }
).transpose()

# %% tags=["hide-input"]
show(plot_instruction_deltas(result.instruction_study))

# %% tags=["hide-input"]
display(Markdown(result.instruction_study.verdict))

# %% [markdown]
# ## Study 4: out of distribution
#
# The OOD pairs use topics that train and eval never mention and stance phrasings they never
# use (negations, hedges, new idioms). The threshold of each model is still the one chosen on
# the validation split, as a deployed model's would be. The table shows Spearman's rho on eval
# and on OOD and the drop between them (eval − OOD: positive means worse out of
# distribution), with its 95% bootstrap interval: the two splits hold different pairs, so each
# is resampled on its own, and a drop whose interval excludes 0 is more than sampling noise.

# %% tags=["hide-input"]
pd.DataFrame.from_dict(ood_table(result.ood_study), orient="index").round(3)

# %% tags=["hide-input"]
show(plot_ood_drop(result.ood_study, "spearman"))

# %% tags=["hide-input"]
show(plot_ood_drop(result.ood_study, "auc_roc"))

# %% tags=["hide-input"]
display(Markdown(result.ood_study.verdict))

# %% [markdown]
# Every headline metric on OOD, for every model:

# %% tags=["hide-input"]
pd.DataFrame(headline_table(list(measured.values()), "ood")).round(3)

# %% [markdown]
# ## The recipe: what made fine-tuning generalise
#
# Trained on train alone, the model learns train's templates (issue 23). So the recipe adds
# `AUGMENTATION_PAIRS` pairs from `p3lib.data.augment`: one preference in many ways, topics
# train never uses, stance-flip twins and soft dealbreakers, none of them the OOD split's.
# `benchmarks/bench_recipe.py` trained each lever on train minus two held-out topics and one
# dealbreaker group, chose on those held-out groups, and reported eval and OOD (never used to
# choose). Its numbers, kept in `benchmarks/recipe_study.json`, are that benchmark's, not this
# run's:

# %% tags=["hide-input"]
recipe_study = load_study()
display(pd.DataFrame(study_table(recipe_study)).transpose().round(3))
display(Markdown(study_sentence(recipe_study)))

# %% [markdown]
# ## Summary

# %% tags=["hide-input"]
display(
    Markdown(
        "\n".join(
            [
                f"- **Seeds.** {result.seed_study.verdict}",
                f"- **Loss.** {result.loss_study.verdict}",
                f"- **Instruction.** {result.instruction_study.verdict}",
                f"- **Out of distribution.** {result.ood_study.verdict}",
                f"\nThe appendix trained for {result.train_seconds / 60:.1f} minutes and ran "
                f"{(time.perf_counter() - started) / 60:.1f} minutes in all.",
            ]
        )
    )
)

# %% [markdown]
# ADR 003 quotes the loss study's numbers. `metrics/experiments.json` holds every number of
# this chapter: each model's headline metrics on eval and OOD with their intervals, and the
# four studies.

# %%
save_result(result, layout.metric("experiments"))
print(f"wrote {layout.metric('experiments')}")
