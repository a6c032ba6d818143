"""Model cards that carry the book's evidence: the ``README.md`` of each saved model folder.

Training saves every model with the card sentence-transformers generates. The eval numbers
only exist once chapter 05 has measured the model, so chapter 05 calls :func:`write_model_card`
with its comparison to regenerate the card with them: the same numbers and intervals as the
book's results table. The card is sentence-transformers' own, filled through
``model.model_card_data`` (its template, YAML metadata and ``model-index``); p3 supplies:

* the eval figures of :func:`p3lib.evaluation.pipeline.evaluate` with their 95% bootstrap intervals
(AUC,
  Spearman's rho, compatibility margin, Cohen's d) as the comparison reports them and, for
  context, the words-only baseline's AUC when the run measured one;
* the decision threshold chosen on the validation split, which ``p3 score`` uses;
* the training data (statistics and examples computed by the library from the fit pairs),
  the loss, the hyperparameters (for LoRA, the learning rate chosen on validation and the grid
  it came from) and the validation curve with the kept checkpoint in bold;
* a pointer to the book chapter that measured it (plain text, no link).

Example:
    >>> from p3lib.evaluation.comparison import Estimate
    >>> with_interval(Estimate(value=0.8801, low=0.84, high=0.9163), ".3f")
    '0.880 [0.840, 0.916]'
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from p3lib.data.schema import DatingPair
from p3lib.evaluation.comparison import ComparisonResult, Estimate, ModelSummary
from p3lib.evaluation.embed import BASE_MODEL
from p3lib.training.formatting import format_epochs
from p3lib.training.record import TrainingRecord

CARD_NAME = "README.md"
BOOK_CHAPTER = "chapter 05 (post-training evaluation) of the p3 book built with this model"
DATASET_NAME = "p3 dating-profile statement pairs (train split minus the validation split)"
METHOD_TITLES = {"full": "full fine-tuning", "lora": "LoRA (merged into the base weights)"}
# The metric rows of the card's evaluation table, in order: key, label, format.
CARD_METRICS = (
    ("auc_roc", "auc_roc", ".3f"),
    ("spearman", "spearman_rho", ".3f"),
    ("margin", "compatibility_margin", "+.3f"),
    ("cohens_d", "cohens_d", ".2f"),
)


class BookEvaluation:
    """The evaluation chapter 05 ran, as the card's evaluator entry (name, description, config).

    sentence-transformers keys a card's evaluation results by evaluator object; this one
    does not evaluate anything itself (the numbers come from
    :func:`p3lib.evaluation.pipeline.evaluate`),
    it only describes that evaluation. ``primary_metric`` is ``None`` so the card does not
    mistake the eval figures for a step of the training log.
    """

    primary_metric = None
    greater_is_better = True

    def __init__(self, name: str, description: str, config: dict[str, Any]) -> None:
        self.name = name
        self.description = description
        self._config = config

    def get_config_dict(self) -> dict[str, Any]:
        return dict(self._config)


def with_interval(estimate: Estimate, spec: str) -> str:
    """A value and its interval, formatted alike: the card's cell (model-index keeps the value)."""
    text = format(estimate.value, spec)
    if estimate.low is not None and estimate.high is not None:
        text += f" [{estimate.low:{spec}}, {estimate.high:{spec}}]"
    return text


def card_metrics(summary: ModelSummary, words_only_auc: float | None = None) -> dict[str, str]:
    """The card's eval figures: each headline metric with its 95% bootstrap interval.

    The keys start with ``eval_`` (the evaluator's name), as sentence-transformers' own
    evaluators name theirs; the card drops the prefix in its table.
    """
    metrics = {
        f"eval_{label}": with_interval(summary.headline[key], spec)
        for key, label, spec in CARD_METRICS
        if summary.headline.get(key) is not None and summary.headline[key].value is not None
    }
    if words_only_auc is not None:
        metrics["eval_words_only_baseline_auc_roc"] = f"{words_only_auc:.3f}"
    return metrics


def _hyperparameters(record: TrainingRecord) -> dict[str, Any]:
    config = record.config
    values: dict[str, Any] = {
        "method": record.method,
        "loss": config.loss,
        "learning_rate": record.learning_rate,
    }
    if record.chosen_learning_rate is not None:
        values["learning_rate_chosen_on"] = (
            f"the {record.chosen_on} split, best of {record.learning_rate_grid}"
            + (
                " (the whole recipe per rate; the winner's run is this model)"
                if record.winner_kept
                else f" ({format_epochs(record.search_epochs)} run per rate)"
            )
        )
    else:
        values["learning_rate_chosen_on"] = "fixed (the PRD's recipe)"
    values.update(
        epochs=config.epochs,
        batch_size=config.batch_size,
        warmup_steps=config.warmup_steps,
        weight_decay=config.weight_decay,
        optimizer=config.optimizer,
        seed=config.seed,
        checkpoint="best validation Spearman (cosine)",
        best_step=f"{record.best_step} of {record.total_steps}",
        still_improving=record.still_improving,
    )
    if record.method == "lora":
        values.update(
            lora_r=config.lora_r,
            lora_alpha=config.lora_alpha,
            lora_dropout=config.lora_dropout,
            lora_target_modules=config.lora_target_modules,
        )
    return values


def fill_card_data(
    model,
    summary: ModelSummary,
    record: TrainingRecord,
    fit_pairs: Sequence[DatingPair],
    *,
    words_only_auc: float | None = None,
    chapter: str = BOOK_CHAPTER,
):
    """Fill ``model.model_card_data`` with the evidence; returns that card data object."""
    from datasets import Dataset
    from sentence_transformers.sentence_transformer.losses import CosineSimilarityLoss

    card = model.model_card_data
    card.model_name = f"all-MiniLM-L6-v2, {METHOD_TITLES[record.method]}, p3 compatibility"
    card.language = "en"
    card.add_tags(["p3", "dating-profile-compatibility", record.method])
    if BASE_MODEL in record.base_model:  # the packaged base model's folder is named after it
        card.base_model = f"sentence-transformers/{BASE_MODEL}"
    dataset = Dataset.from_dict(
        {
            "sentence1": [pair.text_1 for pair in fit_pairs],
            "sentence2": [pair.text_2 for pair in fit_pairs],
            "score": [float(pair.label) for pair in fit_pairs],
        }
    )
    card.set_widget_examples(dataset)  # the usage snippet shows the training pairs' texts
    loss = CosineSimilarityLoss(model)
    card.set_losses([loss])
    card.train_datasets = card.extract_dataset_metadata(
        dataset, [{"name": DATASET_NAME}], loss, "train"
    )
    card.all_hyperparameters = _hyperparameters(record)
    card.non_default_hyperparameters = {
        key: card.all_hyperparameters[key]
        for key in ("learning_rate", "learning_rate_chosen_on", "epochs", "still_improving")
    }
    card.training_logs = [
        {
            "Epoch": round(e.epoch, 4),
            "Step": e.step,
            "validation_spearman_cosine": e.spearman_cosine,
        }
        for e in record.validation
    ]
    card.set_best_model_step(record.best_step)
    evaluation = BookEvaluation(
        name="eval",
        description="Compatibility on the eval split (p3 book, chapter 05)",
        config={
            "measured_in": chapter,
            "pairs": summary.n_pairs,
            "compatible": summary.n_compatible,
            "incompatible": summary.n_incompatible,
            "similarity": "cosine",
            "intervals": "95% bootstrap, resampling the eval split's "
            f"{summary.interval_resampled}s",
            "decision_threshold": round(summary.threshold, 6),
            "decision_threshold_chosen_on": "validation",
        },
    )
    card.set_evaluation_metrics(evaluation, card_metrics(summary, words_only_auc))
    return card


def write_model_card(
    model_dir: str | Path,
    comparison: ComparisonResult,
    name: str,
    record: TrainingRecord,
    fit_pairs: Sequence[DatingPair],
    *,
    chapter: str = BOOK_CHAPTER,
) -> Path:
    """Regenerate ``model_dir/README.md`` with the evidence of :func:`fill_card_data`.

    ``name`` is the model's name in ``comparison`` (``full`` or ``lora``); the words-only
    baseline's AUC is added when the comparison has one. Only the card is written
    (atomically); the weights are left as they are.
    """
    from sentence_transformers.base.model_card import generate_model_card

    from p3lib.evaluation.embed import load_model
    from p3lib.store.atomic import atomic_write_text

    model_dir = Path(model_dir)
    model = load_model(model_dir, device="cpu")
    words = comparison.words_only.auc_roc if comparison.words_only is not None else None
    summary = comparison.models()[name]
    fill_card_data(model, summary, record, fit_pairs, words_only_auc=words, chapter=chapter)
    model.model_card_data.save_dir = str(model_dir)
    path = model_dir / CARD_NAME
    atomic_write_text(path, generate_model_card(model))
    return path
