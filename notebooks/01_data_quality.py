# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 1. Data quality: is this data fit to train on?
#
# Before any model sees the pairs, this chapter checks them three ways. The **schema** check
# rejects any record that is not a well-formed pair (the run stops with `file:line: field:
# problem`, nothing is dropped silently). The **audit** counts what is there: labels, pair
# types, categories, exact duplicates inside a split and pairs or texts that eval shares with
# train, which would let a model score well by memory. The **quality evaluator** scores four
# equally weighted dimensions from 0 to 100 (data quality, diversity, bias, linguistic
# quality) on every record; the data passes at an overall score of 60.

# %% tags=["parameters"]
TRAIN_PATH = "data/raw/train.jsonl"  # training pairs (JSONL)
EVAL_PATH = "data/raw/eval.jsonl"  # evaluation pairs (JSONL), only ever measured
OUT_DIR = "outputs-lab"  # where a run in JupyterLab writes; `p3 run` passes its own folder

# %% tags=["remove-cell"]
from p3lib.run.parameters import check_chapter_parameters

check_chapter_parameters(globals(), "01_data_quality")

# %%
import pandas as pd
from IPython.display import Markdown

from p3lib.book.chapter_summaries import data_quality_finding
from p3lib.book.charts import show
from p3lib.book.charts.data import plot_categories, plot_pair_types, plot_quality_scores
from p3lib.book.tables import use_reader_tables
from p3lib.data.audit import audit, record_lines
from p3lib.data.quality.evaluator import SyntheticDataEvaluator
from p3lib.data.quality.report import format_report, write_report
from p3lib.data.schema import load_pairs
from p3lib.store.atomic import atomic_write_json
from p3lib.store.run_layout import RunLayout, resolve_path

use_reader_tables()  # counts as integers, scores to 3 decimals, missing as a dash
layout = RunLayout(resolve_path(OUT_DIR))
paths = {"train": resolve_path(TRAIN_PATH), "eval": resolve_path(EVAL_PATH)}

# %% [markdown]
# ## The records
#
# Loading validates every record against the `DatingPair` schema: `text_1` starts `boy: `,
# `text_2` starts `girl: `, the label is the integer 0 or 1, and no field is missing, empty,
# of the wrong type or unexpected. A file with any bad record stops the chapter here with a
# list of every problem.

# %%
splits = {name: load_pairs(path) for name, path in paths.items()}
pd.DataFrame([pair.model_dump(mode="json") for pair in splits["train"][:5]])

# %% [markdown]
# ## The audit
#
# Counts are taken from the data itself, never from metadata shipped with it.

# %%
data_audit = audit(
    splits,
    lines={name: record_lines(path) for name, path in paths.items()},
    sources={name: str(path) for name, path in paths.items()},
)
pd.DataFrame(
    {
        name: {
            "pairs": split.n_records,
            "compatible (1)": split.labels.label_1,
            "incompatible (0)": split.labels.label_0,
            "label balance (min/max)": round(split.balance_ratio, 3),
            "exact duplicate copies": split.duplicates.n_extra_copies,
            "distinct texts": split.n_distinct_texts,
        }
        for name, split in data_audit.splits.items()
    }
)

# %% tags=["hide-input"]
show(plot_pair_types(data_audit))

# %% [markdown]
# Each pair type carries one label almost everywhere: `compatible`, `llm_judged_compatible`
# and `complex_compatible` are all 1, `incompatible`, `dealbreaker` and their kin all 0.
# `subtle_mismatch` is the exception, mostly compatible: different but related preferences
# usually get along. This is a known property of the data, not a defect.
#
# ### How the default data decides a label
#
# The default data (`p3 generate`, `p3lib.data.generate`) follows one rule for every pair type.
# Each statement takes a stance on one or two topics: *like*, *dislike*, *indifferent*, or,
# for a dealbreaker habit, having it or refusing it. Two statements **clash** on a topic when
# one likes what the other dislikes (or has a habit the other refuses); indifference never
# clashes. A pair is compatible exactly when its statements clash on no topic they share.
#
# - `compatible` / `incompatible`: one topic, the same stance on both sides or opposite ones
#   ("I hate clubbing" / "Not a fan of bars" is compatible: both dislike going out).
# - `subtle_mismatch`: two related topics; compatible when the stances agree or one side is
#   indifferent, incompatible when one likes what the other dislikes.
# - `dealbreaker`: one side has the habit, the other refuses it; always incompatible.
# - Compound pairs (`complex_*`, `llm_judged_*`): both statements take a stance on the *same
#   two topics*, in either order ("I love hiking but I hate parties" / "Clubbing? Not for me,
#   but I'm into camping"). Compatible when the stances agree on both topics; incompatible
#   when they clash on one (`score_4`, `score_5`) or on both (`score_3`). Every mix of like
#   and dislike occurs in both labels, so the stance words alone never give the label away:
#   a model has to match each stance to its topic.
#
# A test re-reads every generated pair into (topic, stance) claims and checks the rule
# (`tests/test_generate.py`). Eval draws about a third of its phrasings from banks that train
# never shows; the out-of-distribution split uses topics that neither shows.

# %% tags=["hide-input"]
show(plot_categories(data_audit))

# %% [markdown]
# ### Leakage between the splits
#
# An eval pair that also occurs in train measures memory, not generalisation; an eval text
# seen in train (with another partner) is a milder form of the same thing. Chapter 02 and
# chapter 05 report every headline metric on the leak-free subset whenever eval shares
# pairs with train.

# %%
eval_vs_train = data_audit.overlap("eval", "train")
Markdown(
    f"Eval shares **{eval_vs_train.n_overlapping_records}** of its {eval_vs_train.n_records} "
    f"records with train ({eval_vs_train.overlap_share:.1%}), with "
    f"{eval_vs_train.n_label_conflicts} label conflicts; "
    f"**{eval_vs_train.n_shared_texts}** of its {eval_vs_train.n_distinct_texts} distinct texts "
    f"({eval_vs_train.shared_text_share:.1%}) also occur in train. Train holds "
    f"**{data_audit.splits['train'].duplicates.n_extra_copies}** exact duplicate copies."
)

# %% [markdown]
# All the audit's findings (the same report `p3 check` prints):

# %%
for finding in data_audit.findings:
    print("-", finding)

# %% [markdown]
# ## Four quality dimensions
#
# `SyntheticDataEvaluator` scores every record of a split. **Data quality**: completeness,
# consistency (labels, dealbreakers labelled 0, prefixes), duplicates, format. **Diversity**:
# vocabulary richness, Shannon entropy of categories, label balance, spread of statement
# lengths. **Bias**: a chi-squared test of whether the boy's or the girl's statement carries
# the negative stance, by label; category-label association (Cramér's V); the
# point-biserial correlation of pair length with label; words whose label distribution is
# strongly skewed. **Linguistic quality**: Flesch reading ease, word overlap between the two
# statements of a pair, naturalness, trigram repetition. Each sub-score carries the statistic
# behind it; hover over a bar to see it.

# %%
quality = {name: SyntheticDataEvaluator(pairs).evaluate() for name, pairs in splits.items()}
pd.DataFrame(
    {
        name: {d.name: round(d.score, 1) for d in report.dimensions}
        | {"overall": round(report.overall, 1), "passed": report.passed}
        for name, report in quality.items()
    }
)

# %% tags=["hide-input"]
show(plot_quality_scores(quality["train"]))

# %% [markdown]
# The full report for train, with every statistic:

# %%
print(format_report(quality["train"]))

# %% [markdown]
# ## Summary

# %%
Markdown(data_quality_finding(quality["train"]))

# %% [markdown]
# The schema check passed on every record (otherwise this chapter would have stopped), the
# audit above counts what the data holds and what eval shares with train, and the quality
# score says whether the data is fit for training. The next chapter measures what the base
# model already knows about it.

# %%
for name, report in quality.items():
    write_report(report, layout.metrics / "data_quality" / name)
atomic_write_json(
    layout.metric("data_quality"),
    {"audit": data_audit, "quality": quality},
)
Markdown(
    f"Train scores **{quality['train'].overall:.1f}** / 100 "
    f"({'pass' if quality['train'].passed else 'fail'}, pass mark {quality['train'].pass_mark:g}); "
    f"eval scores **{quality['eval'].overall:.1f}**."
)
