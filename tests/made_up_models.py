"""Made-up measurements of the appendix's ten models, for tests of the studies and reports.

Headline numbers are set by hand (so expected values are easy to work out); per-pair scores
are drawn so that paired comparisons follow the same order as the made-up rhos.
"""

from __future__ import annotations

import zlib

import numpy as np

from p3lib.evaluation.comparison import Estimate, TrainingSummary
from p3lib.evaluation.results import INTERVAL_METRICS
from p3lib.training.experiments.measure import MeasuredModel

PROMPT = "boy : "


def headline(rho: float, *, width: float = 0.02, shift: float = 0.0) -> dict[str, Estimate]:
    """Every headline metric, the bootstrapped ones with an interval of +-``width``."""
    values = {
        "margin": 0.3 + shift,
        "cohens_d": 1.5 + shift,
        "auc_roc": 0.5 + rho / 2,
        "spearman": rho,
        "spearman_ratio": rho / 0.86,
        "purity": None,
        "f1": 0.7 + shift,
        "accuracy": 0.7 + shift,
        "n_false_positives": 10.0,
        "false_positive_rate": 0.1,
        "threshold": 0.5,
    }
    return {
        key: Estimate(value=value, low=value - width, high=value + width)
        if key in INTERVAL_METRICS
        else Estimate(value=value)
        for key, value in values.items()
    }


def training(validation_rho: float) -> TrainingSummary:
    """A made-up training record whose best validation Spearman is ``validation_rho``."""
    return TrainingSummary(
        method="full",
        learning_rate=2e-5,
        epochs=1,
        n_train_pairs=100,
        train_seconds=10.0,
        seconds_per_epoch=10.0,
        trainable_parameters=1000,
        total_parameters=1000,
        trainable_share=1.0,
        peak_rss_mb=100.0,
        best_validation_score=validation_rho,
        best_step=10,
        total_steps=10,
    )


def pair_scores(n: int, quality: float, jitter: float, name: str) -> tuple[list, list]:
    """Made-up cosines for ``n`` pairs (half compatible) whose ranking improves with ``quality``.

    Every model shares one noise draw, so a higher ``quality`` ranks pairs better on every
    resample (paired differences follow the order of the made-up rhos). ``jitter`` (0 to 1)
    swaps that share of the noise for the model's own, of the same size: with 1, two models of
    equal quality differ only by chance.
    """
    labels = np.array([1, 0] * (n // 2))
    shared = np.random.default_rng(0).normal(0, 0.3, size=n)
    own = np.random.default_rng(zlib.crc32(name.encode())).normal(0, 0.3, size=n)
    noise = np.sqrt(1 - jitter**2) * shared + jitter * own
    return (quality * labels + noise).tolist(), labels.tolist()


def measured(
    name,
    method="full",
    *,
    loss="cosine",
    seed=42,
    prompt=None,
    rho=0.6,
    ood_rho=0.5,
    width=0.02,
    jitter=0.0,
    trained=True,
) -> MeasuredModel:
    eval_scores, eval_labels = pair_scores(100, rho, jitter, name)
    ood_scores, ood_labels = pair_scores(60, ood_rho, jitter, name)
    return MeasuredModel(
        name=name,
        label=name.replace("_", " "),
        method=method,
        loss=None if method == "base" else loss,
        seed=None if method == "base" else seed,
        prompt=prompt,
        model_dir=None,
        trained_in_appendix=trained,
        training=None if method == "base" else training(rho),
        n_eval=100,
        n_ood=60,
        eval=headline(rho, width=width),
        ood=headline(ood_rho, width=width),
        eval_scores=eval_scores,
        eval_labels=eval_labels,
        ood_scores=ood_scores,
        ood_labels=ood_labels,
    )


def zoo(**rhos) -> dict[str, MeasuredModel]:
    """The appendix's ten models with Spearman's rho on eval from ``rhos`` (defaults below)."""
    rho = {
        "baseline": 0.2,
        "full": 0.60,
        "lora": 0.55,
        "contrastive": 0.50,
        "online_contrastive": 0.52,
        "full_seed43": 0.61,
        "full_seed44": 0.59,
        "lora_seed43": 0.54,
        "lora_seed44": 0.56,
        "instructed": 0.605,
        **rhos,
    }
    models = {
        "baseline": measured("baseline", "base", rho=rho["baseline"], ood_rho=0.15, trained=False),
        "full": measured("full", rho=rho["full"], ood_rho=0.40, trained=False),
        "lora": measured("lora", "lora", rho=rho["lora"], ood_rho=0.45, trained=False),
    }
    for loss in ("contrastive", "online_contrastive"):
        models[loss] = measured(loss, loss=loss, rho=rho[loss], ood_rho=0.35)
    for method in ("full", "lora"):
        for seed in (43, 44):
            name = f"{method}_seed{seed}"
            models[name] = measured(name, method, seed=seed, rho=rho[name], ood_rho=0.4)
    models["instructed"] = measured("instructed", prompt=PROMPT, rho=rho["instructed"])
    return models
