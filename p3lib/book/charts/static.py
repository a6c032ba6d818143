"""Static (PNG) charts for places that cannot run plotly: the README and the landing page.

Drawn with seaborn on matplotlib's ``Agg`` backend, from the results files only.
"""

from __future__ import annotations

from collections.abc import Mapping

from p3lib.book.charts import COLORS, LABEL_NAMES
from p3lib.evaluation.results import EvaluationResult

PANEL_TITLES = {"baseline": "Baseline", "full": "Full fine-tuning", "lora": "LoRA"}


def plot_cosine_before_after(results: Mapping[str, EvaluationResult]):
    """One panel per model: the eval pairs' cosine scores by label, with each margin.

    ``results`` maps ``baseline``/``full``/``lora`` (any present) to their evaluation results;
    returns a matplotlib ``Figure``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    import seaborn as sns

    names = [name for name in PANEL_TITLES if name in results]
    sns.set_theme(style="whitegrid", context="notebook")
    fig, axes = plt.subplots(
        1, len(names), figsize=(4.2 * len(names), 3.4), sharex=True, sharey=True, squeeze=False
    )
    # One bin grid for every panel, so the panels compare bar for bar.
    every_score = [score for name in names for score in results[name].cosine.scores]
    binrange = (min(every_score), max(every_score))
    for ax, name in zip(axes[0], names, strict=True):
        cosine = results[name].cosine
        frame = pd.DataFrame(
            {
                "cosine similarity": cosine.scores,
                "label": [LABEL_NAMES[label] for label in cosine.labels],
            }
        )
        sns.histplot(
            frame,
            x="cosine similarity",
            hue="label",
            hue_order=["compatible", "incompatible"],
            palette=COLORS,
            stat="density",
            common_norm=False,
            element="step",
            binrange=binrange,
            bins=30,
            ax=ax,
            legend=name == names[-1],
        )
        ax.set_title(f"{PANEL_TITLES[name]}\nmargin {cosine.margin:+.3f}", fontsize=11)
    # The legend beside the last panel, off the data (save with bbox_inches="tight").
    sns.move_legend(axes[0][-1], "upper left", bbox_to_anchor=(1.02, 1), frameon=False)
    fig.suptitle("Cosine similarity of eval pairs by label, before and after fine-tuning")
    fig.tight_layout()
    plt.close(fig)
    return fig
