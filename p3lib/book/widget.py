"""The "Try a pair" widget's files in the built book: the exported models and their manifest.

The results page scores a pair in the browser with the models chapter 05 exported
(:mod:`p3lib.training.export`). :func:`stage_widget_models` copies the shipped file of each model
(int8, or fp32 when int8 would change the book's conclusions), its vocabulary and its
validation threshold into the book's ``_static/p3-models/``, with ``models.json`` naming
them and their sizes (the widget says how much its first score downloads). A run without an
export gets a manifest with no models, and the widget says so.

:func:`widget_notes` is what a reader should know before trusting a score, with the run's
own numbers: a cosine is not a probability, how many incompatible pairs the base model's
threshold lets through, and what kind of statements the models learned from.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from p3lib.store.atomic import read_json
from p3lib.store.run_layout import RunLayout

MODELS_FOLDER = "p3-models"
MANIFEST = "models.json"
LABELS = {"base": "Base model", "full": "Full fine-tuning", "lora": "LoRA"}


def widget_manifest(out_dir: str | Path) -> dict:
    """What the widget loads, from the run's ``metrics/export.json`` (no models without it)."""
    from p3lib.training.export import ExportReport

    path = RunLayout(out_dir).metric("export")
    if not path.is_file():
        return {"precision": None, "models": []}
    report = ExportReport.model_validate(read_json(path))
    models = []
    for name, model in report.models.items():
        shipped = Path(report.shipped_file(name))
        shipped_path = Path(out_dir) / shipped
        models.append(
            {
                "name": name,
                "label": LABELS.get(name, name),
                "model": f"{name}/{shipped.name}",
                "bytes": shipped_path.stat().st_size if shipped_path.is_file() else None,
                "vocab": f"{name}/{Path(model.vocab_file).name}",
                "threshold": model.threshold,
                "max_length": model.max_seq_length,
            }
        )
    return {"precision": report.shipped, "models": models}


def stage_widget_models(out_dir: str | Path, static_dir: str | Path) -> Path:
    """Copy the shipped models and write the manifest under ``static_dir``; return its folder."""
    from p3lib.training.export import ExportReport

    out_dir, target = Path(out_dir), Path(static_dir) / MODELS_FOLDER
    target.mkdir(parents=True, exist_ok=True)
    manifest = widget_manifest(out_dir)
    if manifest["models"]:
        report = ExportReport.model_validate(read_json(RunLayout(out_dir).metric("export")))
        for name, model in report.models.items():
            (target / name).mkdir(exist_ok=True)
            shutil.copy2(out_dir / report.shipped_file(name), target / name)
            shutil.copy2(out_dir / model.vocab_file, target / name)
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return target


def widget_notes(out_dir: str | Path, data_source: str) -> str:
    """The notes above the widget (Markdown), with the run's numbers where it has them.

    ``data_source`` names the data the models were trained on (the introduction's note).
    """
    from p3lib.evaluation.results import EvaluationResult
    from p3lib.store.result_files import load_result

    notes = [
        "**A cosine is not a probability.** It says how alike the two statements' embeddings "
        "are, from -1 to 1; a verdict only says on which side of that model's validation "
        "threshold it falls, and the same cosine means different things to different models."
    ]
    baseline = RunLayout(out_dir).metric("baseline")
    if baseline.is_file():
        fp = load_result(baseline, EvaluationResult).false_positives
        share = fp.n / fp.n_incompatible if fp.n_incompatible else 0.0
        lead = (
            "**The base model's threshold calls almost every pair compatible.**"
            if share >= 0.9
            else "**Read the base model's verdicts with its false-positive rate in mind.**"
        )
        notes.append(
            f"{lead} At its validation threshold of {fp.threshold:.3f} it called {fp.n:,} of "
            f"the {fp.n_incompatible:,} incompatible eval pairs compatible ({share:.1%})."
        )
    notes.append(
        f"**The models learned from {data_source}.** "
        + (
            "Those statements are generated from templates, so a pair phrased unlike them "
            "tests how far the models reach, not what the book measured."
            if "generated" in data_source
            else "A pair unlike those statements tests how far the models reach, not what "
            "the book measured."
        )
    )
    return "\n".join(f"- {note}" for note in notes)
