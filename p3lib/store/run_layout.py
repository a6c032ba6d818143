"""Where a run puts things: one output folder holds every result of one run of the book."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO_ROOT / "data" / "raw"
DEFAULT_TRAIN = DEFAULT_DATA / "train.jsonl"
DEFAULT_EVAL = DEFAULT_DATA / "eval.jsonl"
DEFAULT_OOD = DEFAULT_DATA / "ood.jsonl"
DEFAULT_OUT = REPO_ROOT / "outputs"
NOTEBOOK_SOURCES = REPO_ROOT / "notebooks"


@dataclass(frozen=True)
class RunLayout:
    """The folders of one run's output folder (``outputs/`` by default).

    Example:
        >>> RunLayout("outputs").metric("baseline")
        PosixPath('outputs/metrics/baseline.json')
    """

    root: Path

    def __init__(self, root: str | Path):
        object.__setattr__(self, "root", Path(root))

    @property
    def notebooks(self) -> Path:
        """Executed notebooks (``.ipynb``), the pages of the book."""
        return self.root / "notebooks"

    @property
    def metrics(self) -> Path:
        """Results JSON: ``data_quality``, ``baseline``, ``full``, ``lora``, ``comparison``."""
        return self.root / "metrics"

    @property
    def models(self) -> Path:
        """Fine-tuned models: ``full/`` and ``lora/``, each with its training record."""
        return self.root / "models"

    @property
    def splits(self) -> Path:
        """The validation split carved from train, as record ids."""
        return self.root / "splits"

    @property
    def embeddings(self) -> Path:
        """Statements' vectors kept per model (:mod:`p3lib.evaluation.embedding_cache`).

        A hidden folder: a cache, not a result, so the run record leaves it out of every
        chapter's outputs and deleting it only costs the encoding again.
        """
        return self.root / ".cache" / "embeddings"

    def metric(self, name: str) -> Path:
        """Path of the results JSON called ``name``."""
        return self.metrics / f"{name}.json"

    def model(self, name: str) -> Path:
        """Folder of the fine-tuned model called ``name`` (``full`` or ``lora``)."""
        return self.models / name

    @property
    def validation_split(self) -> Path:
        """The saved validation split (record ids into train)."""
        return self.splits / "validation.json"


def resolve_path(path: str | Path) -> Path:
    """``path`` as given if absolute, else relative to the repository root.

    Notebook parameters use repository-relative defaults (``data/raw/train.jsonl``), so a
    chapter finds its data both under papermill and when opened in JupyterLab from
    ``notebooks/``.
    """
    path = Path(path).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path
