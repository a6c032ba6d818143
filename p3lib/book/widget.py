"""The "Try a pair" widget's files in the built book: the exported models and their manifest.

The results page scores a pair in the browser with the models chapter 05 exported
(:mod:`p3lib.training.export`). :func:`stage_widget_models` copies the shipped file of each model
(int8, or fp32 when int8 would change the book's conclusions), its vocabulary and its
validation threshold into the book's ``_static/p3-models/``, with ``models.json`` naming
them. A run without an export gets a manifest with no models, and the widget says so.
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
        models.append(
            {
                "name": name,
                "label": LABELS.get(name, name),
                "model": f"{name}/{shipped.name}",
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
