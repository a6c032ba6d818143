"""One declared schema for every chapter parameter, checked wherever a chapter runs.

``p3 run`` checks a run's parameters before chapter 01 starts (:mod:`p3lib.run.preflight`);
a chapter run on its own (papermill, JupyterLab) checks them in the cell right after its
parameters cell with :func:`check_chapter_parameters`. Both read :class:`ChapterParameters`,
so a value is refused in the same words either way (``epochs: expected int, got str 'two'``,
``learning_rate: Input should be greater than 0, got -1``) before any minute is spent, and a
name papermill injected that no chapter declares is named instead of silently ignored
(papermill itself only logs a warning and runs the default).

Adding a parameter to a chapter is one line here: a field with its type and range.
"""

from __future__ import annotations

import math
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

PositiveRate = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Seed = Annotated[int, Field(ge=0, lt=2**32)]


def _cuda_device(value: str) -> str:
    """``cuda`` only where this PyTorch can use it: a CPU build says so in a minute, not after
    chapter 02, as "Torch not compiled with CUDA enabled"."""
    if value == "cuda":
        import torch

        if not torch.cuda.is_available():
            build = "is a CPU build" if torch.version.cuda is None else "sees no GPU"
            raise ValueError(f"PyTorch here ({torch.__version__}) {build}: use auto or cpu")
    return value


class ChapterParameters(BaseModel):
    """Every parameter a chapter declares, lower case, with its type and range.

    Strict: ``"4"`` is not an int and ``True`` is not a number, as in the chapters'
    parameters cells; an int is accepted where a float is expected.
    """

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    # data and output folder
    train_path: str
    eval_path: str
    ood_path: str
    out_dir: str
    model: str = Field(min_length=1)
    # evaluation (chapters 02, 05, 07)
    seed: Seed
    seeds: list[Seed] = Field(min_length=1)
    n_bootstrap: int = Field(ge=1)
    validation_fraction: float = Field(gt=0, lt=1)
    target_recall: float = Field(gt=0, le=1)
    n_umap_seeds: int = Field(ge=1)
    n_shuffles: int = Field(ge=1)
    # training (chapters 03, 04, 07)
    epochs: int = Field(gt=0)
    batch_size: int = Field(ge=1)
    learning_rate: PositiveRate
    # full fine-tuning's rate chosen on validation from this grid (empty: learning_rate as is)
    learning_rate_grid: list[PositiveRate]
    full_search_epochs: PositiveRate
    warmup_steps: int = Field(ge=0)
    eval_steps: int | None = Field(ge=1)
    max_train_pairs: int | None = Field(ge=1)
    # stance-teaching pairs added to train (p3lib.data.augment; 0: none)
    augmentation_pairs: int = Field(ge=0)
    # pairs from the augmentation banks' validation part (unseen topics in unseen phrasings)
    # added to the validation pairs that choose checkpoints and rates (0: none)
    augmentation_validation_pairs: int = Field(ge=0)
    # training speed levers (benchmarks/bench_train.py): less padding; full fine-tuning's
    # word-embedding rows kept at their base values
    length_grouped_batches: bool
    freeze_word_embeddings: bool
    device: Annotated[Literal["auto", "cpu", "cuda"], AfterValidator(_cuda_device)]
    lora_learning_rate_grid: list[PositiveRate] = Field(min_length=1)
    lora_search_epochs: PositiveRate
    lora_search_workers: int = Field(ge=1)
    instruction: str


def type_name(name: str) -> str:
    """The type of parameter ``name`` as a reader writes it: ``int``, ``int | None``, ``list``.

    Example:
        >>> type_name("eval_steps"), type_name("seeds"), type_name("device")
        ('int | None', 'list', 'str')
    """
    return _type_name(ChapterParameters.model_fields[name].annotation)


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _type_name(typing.get_args(annotation)[0])
    if origin is Literal:
        return type(typing.get_args(annotation)[0]).__name__
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_type_name(arg) for arg in typing.get_args(annotation))
    if origin is list:
        return "list"
    return "None" if annotation is type(None) else annotation.__name__


def _shown(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


def parameter_problems(values: dict[str, Any], sources: dict[str, str] | None = None) -> list[str]:
    """Every problem with ``values`` (names in any case), one ``where: name: problem`` each.

    ``sources`` maps upper-case names to where each value came from (``--set epochs=-1``);
    names not listed read "parameters". Only the names given are checked.

    Example:
        >>> parameter_problems({"EPOCHS": "two", "SEED": -1, "EPOCHZ": 2})  # doctest: +ELLIPSIS
        ['parameters: epochz: unknown parameter (known: ...)', \
'parameters: seed: Input should be greater than or equal to 0, got -1', \
"parameters: epochs: expected int, got str 'two'"]
    """
    sources = sources or {}
    fields = ChapterParameters.model_fields
    given = {name.lower(): value for name, value in values.items()}
    problems = [
        f"{sources.get(name.upper(), 'parameters')}: {name}: unknown parameter "
        f"(known: {', '.join(sorted(fields))})"
        for name in given
        if name not in fields
    ]
    # Each name is validated alone (the model's fields are all required), in schema order.
    for name in fields:
        if name not in given:
            continue
        value = given[name]
        try:
            ChapterParameters.__pydantic_validator__.validate_assignment(
                ChapterParameters.model_construct(), name, value
            )
        except ValidationError as exc:
            error = exc.errors()[0]
            where = sources.get(name.upper(), "parameters")
            location = "".join(f"[{part}]" for part in error["loc"][1:])
            if _is_type_error(error, value):
                problem = f"expected {type_name(name)}, got {_shown(value)}"
            else:
                message = error["msg"].removeprefix("Value error, ")
                problem = f"{message}, got {error['input']!r}"
            problems.append(f"{where}: {name}{location}: {problem}")
    return problems


def _is_type_error(error: dict, value: Any) -> bool:
    if error["type"] in ("literal_error", "value_error"):
        return False
    if error["type"] == "finite_number":
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return error["type"].endswith(("_type", "_parsing")) or error["type"] in (
        "int_from_float",
        "list_type",
    )


class ParameterCheckError(ValueError):
    """A chapter's parameters that ``p3 run`` would refuse; one line each."""


# What each chapter reads from its output folder, and the chapter that writes it: a chapter
# run out of order names the chapter to run, not a library's "Path ... not found".
_SPLIT, _BASELINE = (
    ("splits/validation.json", "02_baseline"),
    ("metrics/baseline.json", "02_baseline"),
)
_FULL, _LORA = ("models/full", "03_full_finetune"), ("models/lora", "04_lora")
CHAPTER_INPUTS: dict[str, tuple[tuple[str, str], ...]] = {
    "03_full_finetune": (_SPLIT,),
    "04_lora": (_SPLIT,),
    "05_post_training_eval": (
        _SPLIT,
        _BASELINE,
        ("metrics/words_only.json", "02_baseline"),
        _FULL,
        _LORA,
    ),
    "06_comparison": (
        _BASELINE,
        _FULL,
        _LORA,
        ("metrics/full.json", "05_post_training_eval"),
        ("metrics/lora.json", "05_post_training_eval"),
        ("metrics/comparison.json", "05_post_training_eval"),
    ),
    "07_experiments": (_SPLIT, _LORA),
}


def missing_inputs(chapter: str, out_dir: str | Path) -> list[str]:
    """What ``chapter`` reads from ``out_dir`` that is not there, each naming its chapter,
    and any model it reads whose files differ from what the run record says was written
    (:func:`p3lib.training.score.verify_model`: chapter 05 and its widget export score only
    verified models)."""
    from p3lib.store.run_layout import resolve_path
    from p3lib.training.score import ModelVerificationError, verify_model

    root = resolve_path(out_dir)
    problems = []
    for relative, maker in CHAPTER_INPUTS.get(chapter, ()):
        if not (root / relative).exists():
            problems.append(
                f"{root / relative} is missing: chapter {maker} writes it; run {maker} first "
                "with the same OUT_DIR (`p3 run` runs the chapters in order)"
            )
        elif relative.startswith("models/"):
            try:
                verify_model(root / relative)
            except ModelVerificationError as exc:
                problems.append(str(exc))
    return problems


def check_chapter_parameters(namespace: dict[str, Any], chapter: str | None = None) -> None:
    """Check the parameters a chapter's kernel holds, as ``p3 run`` checks them, and that
    what the chapter reads from its ``OUT_DIR`` is there.

    Called in the cell after the parameters cell (after papermill's injected cell), with
    ``globals()`` and the chapter's name. The parameters are the UPPER_CASE names holding
    plain values (text, numbers, lists, ``None``): what a parameters cell and papermill's
    ``-p``/``-y`` define.

    Raises:
        ParameterCheckError: an unknown name (a misspelt ``-p``), a wrong type or a value
            out of range, every problem listed in ``p3 run``'s words; or a missing input,
            naming the chapter that writes it.
    """
    plain = (str, int, float, bool, list, type(None))
    values = {
        name: value
        for name, value in namespace.items()
        if name.isupper() and not name.startswith("_") and isinstance(value, plain)
    }
    problems = parameter_problems(values)
    if problems:
        raise ParameterCheckError(
            "the chapter's parameters are not valid (`p3 run` would refuse them the same "
            "way):\n  " + "\n  ".join(problems)
        )
    missing = missing_inputs(chapter, values["OUT_DIR"]) if chapter and "OUT_DIR" in values else []
    if missing:
        raise ParameterCheckError(f"{chapter} cannot start:\n  " + "\n  ".join(missing))


def load_parameters_file(path: str | Path) -> dict[str, Any]:
    """A YAML mapping of parameter names (returned upper case) from ``path``.

    Stricter than ``yaml.safe_load``: a name given twice is refused (YAML keeps the last one
    silently, as JSON does; p3's records refuse duplicate keys too), and a file that cannot
    be read or is not UTF-8 is reported with its name.

    Raises:
        ParameterError: naming the file, and the line of a duplicate name.
    """
    import yaml

    from p3lib.run.chapters import ParameterError

    class _UniqueKeys(yaml.SafeLoader):
        def construct_mapping(self, node, deep=False):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise ParameterError(
                        f"{path}:{line}: {key}: given twice (also on line {seen[key]}); "
                        "give each parameter once"
                    )
                seen[key] = line
            return super().construct_mapping(node, deep=deep)

    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"{path}: parameters file not found")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParameterError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise ParameterError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        values = yaml.load(text, Loader=_UniqueKeys) or {}  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        raise ParameterError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(values, dict):
        raise ParameterError(f"{path}: expected a mapping of parameter names to values")
    return {str(key).upper(): value for key, value in values.items()}
