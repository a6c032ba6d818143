"""The recipe study of issue 23: what each training lever buys beyond the templates of train.

Every variant fine-tunes all-MiniLM-L6-v2 on the same fit pairs and is measured three ways:

* **held-out groups** (the validation that chooses checkpoints and levers): every train pair on
  two topics (``music``, ``career``) and one dealbreaker group (``personality``) is held out,
  and every remaining train pair that names one of their objects or habits, or repeats one of
  their statements, is dropped from the fit pairs. These are topics the fit pairs never show;
  the stance phrasings are train's own;
* **eval** (templates seen in train, today's headline);
* **OOD** (``data/raw/ood.jsonl``: topics and stance phrasings train never uses), reported
  only, never used to choose.

The default data's validation split is not used here: it is carved by record, so its
templates are train's, and it cannot tell learning stance from learning templates.

Each variant runs in its own process on one thread (the machine is shared); the AUC is
scikit-learn's ``roc_auc_score`` of the cosine against the label. Results are appended as JSON
lines to ``--out``; ``benchmarks/recipe_study.json`` holds the measured table the appendix
shows.

Usage:
    python benchmarks/bench_recipe.py baseline augmented --epochs 2 --out /tmp/recipe.jsonl
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from p3lib.data.augment import augment_pairs
from p3lib.data.generate import DEALBREAKERS, TOPIC_OBJECTS
from p3lib.data.schema import DatingPair, load_pairs
from p3lib.store.run_layout import DEFAULT_DATA

HELD_OUT_TOPICS = ("music", "career")
HELD_OUT_DEALBREAKERS = ("personality",)


def with_validation_part(pairs: int, **settings) -> dict:
    """Settings of a variant whose checkpoint is chosen with 200 held-out augmentation pairs
    beside the held-out groups, with ``pairs`` augmentation pairs and length-grouped batches."""
    return {
        "augmentation_pairs": pairs,
        "augmentation_validation_pairs": 200,
        **settings,
        "length_grouped_batches": True,
    }


def lora_with_validation_part(rate: float, pairs: int = 3200, **settings) -> dict:
    """:func:`with_validation_part` for LoRA at ``rate``."""
    return {"method": "lora", **with_validation_part(pairs, lora_learning_rate=rate, **settings)}


# name: TrainConfig settings beyond the shared ones (two epochs, warmup 20, seed 42)
VARIANTS = {
    "baseline": {},
    "baseline_rate_2e-4": {"learning_rate": 2e-4},
    "augmented": {"augmentation_pairs": 800},
    "augmented_online_contrastive": {"augmentation_pairs": 800, "loss": "online_contrastive"},
    "augmented_rate_6e-5": {"augmentation_pairs": 800, "learning_rate": 6e-5},
    "augmented_cosent": {"augmentation_pairs": 800, "loss": "cosent"},
    "augmented_mnrl": {"augmentation_pairs": 800, "loss": "cosine_mnrl"},
    "augmented_1600": {"augmentation_pairs": 1600},
    "augmented_frozen_words": {"augmentation_pairs": 800, "freeze_word_embeddings": True},
    "augmented_length_grouped": {"augmentation_pairs": 800, "length_grouped_batches": True},
    "augmented_rate_2e-4": {"augmentation_pairs": 800, "learning_rate": 2e-4},
    "augmented_mnrl_rate_2e-4": {
        "augmentation_pairs": 800,
        "loss": "cosine_mnrl",
        "learning_rate": 2e-4,
    },
    "augmented_cosent_rate_2e-4": {
        "augmentation_pairs": 800,
        "loss": "cosent",
        "learning_rate": 2e-4,
    },
    "augmented_1600_rate_2e-4_length_grouped": {
        "augmentation_pairs": 1600,
        "learning_rate": 2e-4,
        "length_grouped_batches": True,
    },
    "augmented_1600_rate_2e-4_length_grouped_frozen_words": {
        "augmentation_pairs": 1600,
        "learning_rate": 2e-4,
        "length_grouped_batches": True,
        "freeze_word_embeddings": True,
    },
    "lora_augmented_1600_length_grouped": {
        "method": "lora",
        "augmentation_pairs": 1600,
        "lora_learning_rate": 2e-3,
        "length_grouped_batches": True,
    },
    "augmented_1600_validation_200_rate_2e-5": with_validation_part(1600),
    "augmented_1600_validation_200_rate_2e-4": with_validation_part(1600, learning_rate=2e-4),
    "augmented_3200_validation_200_rate_2e-5": with_validation_part(3200),
    "augmented_3200_validation_200_rate_2e-4": with_validation_part(3200, learning_rate=2e-4),
    "lora_augmented_3200_validation_200": lora_with_validation_part(2e-3),
    "lora_augmented_3200_validation_200_rate_2e-2": lora_with_validation_part(2e-2),
    "lora_augmented_3200_validation_200_rate_6e-3": lora_with_validation_part(6e-3),
    "lora_augmented_3200_validation_200_rate_2e-4": lora_with_validation_part(2e-4),
    "lora_augmented_3200_validation_200_rate_1e-3": lora_with_validation_part(1e-3),
    "lora_augmented_3200_validation_200_rate_1e-3_rank_16": lora_with_validation_part(
        1e-3, lora_r=16, lora_alpha=32
    ),
    "lora_augmented_3200_validation_200_rate_1e-3_all_linear": lora_with_validation_part(
        1e-3, lora_target_modules=["query", "key", "value", "dense"]
    ),
    "lora_augmented_3200_validation_200_rate_1e-3_word_embeddings": lora_with_validation_part(
        1e-3, lora_target_modules=["query", "value", "word_embeddings"]
    ),
    "lora_augmented_3200_validation_200_rate_1e-3_all_linear_word_embeddings": (
        lora_with_validation_part(
            1e-3, lora_target_modules=["query", "key", "value", "dense", "word_embeddings"]
        )
    ),
    "lora_augmented_3200_validation_200_rate_1e-3_dropout_0": lora_with_validation_part(
        1e-3, lora_dropout=0.0
    ),
    "lora_augmented_3200_validation_200_rate_1e-3_bias_all": lora_with_validation_part(
        1e-3, lora_bias="all"
    ),
    "lora_plus_augmented_3200_validation_200_rate_2e-4_ratio_16": lora_with_validation_part(
        2e-4, lora_plus_ratio=16
    ),
    "lora_plus_augmented_3200_validation_200_rate_1e-4_ratio_16": lora_with_validation_part(
        1e-4, lora_plus_ratio=16
    ),
    "lora_augmented_1600_validation_200": lora_with_validation_part(2e-3, pairs=1600),
    "lora_augmented": {"method": "lora", "augmentation_pairs": 800, "lora_learning_rate": 2e-3},
    "lora_augmented_mnrl": {
        "method": "lora",
        "augmentation_pairs": 800,
        "lora_learning_rate": 2e-3,
        "loss": "cosine_mnrl",
    },
    "lora_augmented_cosent": {
        "method": "lora",
        "augmentation_pairs": 800,
        "lora_learning_rate": 2e-3,
        "loss": "cosent",
    },
    "lora_baseline": {"method": "lora", "lora_learning_rate": 2e-3},
}


def held_out_split(train: list[DatingPair]) -> tuple[list[DatingPair], list[DatingPair]]:
    """``(fit, validation)``: validation is the held-out groups, fit shares nothing with it."""
    words = [obj for topic in HELD_OUT_TOPICS for obj in TOPIC_OBJECTS[topic].shared]
    words += [obj for topic in HELD_OUT_TOPICS for obj in TOPIC_OBJECTS[topic].held_out]
    for dealbreaker in DEALBREAKERS:
        if dealbreaker.subcategory in HELD_OUT_DEALBREAKERS:
            words += [dealbreaker.person, dealbreaker.people, dealbreaker.does]
            words += [*dealbreaker.habits.shared, *dealbreaker.habits.held_out]

    def held(pair: DatingPair) -> bool:
        parts = pair.subcategory.split("_vs_")
        return pair.subcategory in HELD_OUT_DEALBREAKERS or any(
            topic in parts for topic in HELD_OUT_TOPICS
        )

    validation = [pair for pair in train if held(pair)]
    seen = {text for pair in validation for text in (pair.text_1[5:], pair.text_2[6:])}

    def shares(pair: DatingPair) -> bool:
        text = f"{pair.text_1} {pair.text_2}".lower()
        return (
            pair.text_1[5:] in seen
            or pair.text_2[6:] in seen
            or any(word.lower() in text for word in words)
        )

    fit = [pair for pair in train if not held(pair) and not shares(pair)]
    return fit, validation


def auc(model, pairs: list[DatingPair]) -> float:
    from sklearn.metrics import roc_auc_score

    from p3lib.evaluation.embed import cosine_scores, encode_pairs

    u, v = encode_pairs(model, pairs, show_progress_bar=False)
    labels = np.array([int(pair.label) for pair in pairs])
    return round(float(roc_auc_score(labels, cosine_scores(u, v))), 4)


def run(name: str, epochs: float, data: Path, save: Path | None = None) -> dict:
    import torch

    from p3lib.evaluation.embed import load_model
    from p3lib.training.train import TrainConfig, train

    torch.set_num_threads(1)
    fit, validation = held_out_split(load_pairs(data / "train.jsonl"))
    splits = {
        "held_out_groups": validation,
        "eval_seen_templates": load_pairs(data / "eval.jsonl"),
        "ood": load_pairs(data / "ood.jsonl"),
        # the augmentation banks' validation part: unseen topics in unseen phrasings
        "augmented_validation": augment_pairs(42, 200, part="validation"),
    }
    config = TrainConfig(epochs=epochs, warmup_steps=20, seed=42, device="cpu", **VARIANTS[name])
    model = load_model(None, device="cpu")
    started = time.perf_counter()
    record = train(fit, validation, config, None, model=model)
    if save is not None:  # for reading its errors afterwards
        model.save(str(save / name))
    return {
        "variant": name,
        "settings": VARIANTS[name],
        "epochs": epochs,
        "n_fit": len(fit),
        "n_train_pairs": record.n_train_pairs,
        "best_step": record.best_step,
        "best_validation_spearman": round(record.best_score, 4),
        "total_steps": record.total_steps,
        "seconds": round(time.perf_counter() - started),
        **{split: auc(model, pairs) for split, pairs in splits.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="+", choices=sorted(VARIANTS))
    parser.add_argument("--epochs", type=float, default=2)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--save", type=Path, help="keep each trained model in SAVE/VARIANT")
    options = parser.parse_args()
    for name in options.variants:
        result = run(name, options.epochs, options.data, options.save)
        print(json.dumps(result), flush=True)
        with options.out.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
