"""Saving a trained model so that it loads anywhere, checked before it is published.

A LoRA run is saved twice: merged into the base weights (:func:`merge_lora`: a plain model that
loads with ``SentenceTransformer(path)``) and as the adapter alone (``adapter/``). Each saved
model is reloaded from the staging folder and must reproduce the trained model's embeddings on a
probe of the validation texts; only then is the folder published, atomically, with its
``training_record.json``.
"""

from __future__ import annotations

import copy
from pathlib import Path

from p3lib.data.schema import DatingPair
from p3lib.store.atomic import atomic_directory, atomic_write_json
from p3lib.training.record import RECORD_NAME, TrainingRecord

ADAPTER_DIR = "adapter"
# A reloaded model must reproduce the trained model's embeddings to within float32 noise of
# merging W + BA into W; a reload with missing or random adapter weights is off by far more.
RELOAD_TOLERANCE = 1e-4
PROBE_LIMIT = 64


def merge_lora(model):
    """A copy of ``model`` with every LoRA update merged into its base weights, adapters removed.

    The copy is a plain sentence-transformer: saved, it loads with ``SentenceTransformer(path)``
    without PEFT or the base model's path (a saved adapter records the base model's absolute path).
    """
    from peft.tuners.tuners_utils import BaseTunerLayer

    merged = copy.deepcopy(model)
    transformers_model = merged.transformers_model
    replacements = [
        (name, module)
        for name, module in transformers_model.named_modules()
        if isinstance(module, BaseTunerLayer)
    ]
    if not replacements:
        raise ValueError("the model has no LoRA layers to merge")
    for name, module in replacements:
        module.merge(safe_merge=True)
        parent_name, _, child = name.rpartition(".")
        parent = (
            transformers_model.get_submodule(parent_name) if parent_name else transformers_model
        )
        setattr(parent, child, module.get_base_layer())
    for attribute in ("peft_config", "_hf_peft_config_loaded"):
        if hasattr(transformers_model, attribute):
            delattr(transformers_model, attribute)
    transformers_model._hf_peft_config_loaded = False
    for parameter in merged.parameters():
        parameter.requires_grad_(True)
    return merged


def probe_texts(pairs: list[DatingPair]) -> list[str]:
    """The reload check's probe: the first ``PROBE_LIMIT`` distinct texts of ``pairs``."""
    texts = [text for pair in pairs for text in (pair.text_1, pair.text_2)]
    return list(dict.fromkeys(texts))[:PROBE_LIMIT]


def _max_abs_diff(model, texts: list[str], reference) -> float:
    import numpy as np

    vectors = model.encode(texts, convert_to_numpy=True, show_progress_bar=False)
    return float(np.max(np.abs(vectors - reference)))


def save_checked(
    model, record: TrainingRecord, output_dir: Path, probe: list[str]
) -> TrainingRecord:
    """Save the model (merged, for LoRA, plus ``adapter/``) and the record, atomically.

    Each saved model is reloaded from the staging folder and must reproduce the trained model's
    embeddings; otherwise nothing is published and the previous folder stays.
    """
    from sentence_transformers import SentenceTransformer

    # Reloads go to the trained model's device, so the check compares like with like.
    device = str(model.device)
    reference = model.encode(probe, convert_to_numpy=True, show_progress_bar=False)
    diffs: dict[str, float] = {}
    with atomic_directory(output_dir) as staging:
        if record.method == "lora":
            model.save(str(staging / ADAPTER_DIR))
            merge_lora(model).save(str(staging))
            adapter = SentenceTransformer(str(staging / ADAPTER_DIR), device=device)
            if not adapter.has_peft_compatible_model() or not adapter.active_adapters():
                raise RuntimeError("the saved adapter reloaded without its LoRA layers")
            diffs["adapter"] = _max_abs_diff(adapter, probe, reference)
        else:
            model.save(str(staging))
        reloaded = SentenceTransformer(str(staging), device=device)
        diffs["model"] = _max_abs_diff(reloaded, probe, reference)
        bad = {name: diff for name, diff in diffs.items() if diff > RELOAD_TOLERANCE}
        if bad:
            raise RuntimeError(
                f"a saved model does not reproduce the trained model's embeddings: {bad} "
                f"(max abs difference, tolerance {RELOAD_TOLERANCE})"
            )
        record = record.model_copy(
            update={
                "output_dir": str(output_dir),
                "adapter_dir": str(output_dir / ADAPTER_DIR) if record.method == "lora" else None,
                "reload_max_abs_diff": diffs,
            }
        )
        atomic_write_json(staging / RECORD_NAME, record)
    return record
