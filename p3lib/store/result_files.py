"""Result files: metrics in JSON, per-pair arrays in a compressed side file beside it.

A result (:class:`p3lib.evaluation.results.EvaluationResult`,
:class:`p3lib.evaluation.words_only.WordsOnlyResult`,
:class:`p3lib.evaluation.comparison.ComparisonResult`,
:class:`p3lib.training.experiments.summary.ExperimentsResult`)
carries, besides its metrics, arrays with one entry per eval pair: cosine scores, UMAP
coordinates with their hover texts, cluster ids, subcategories, the ROC curve's points (up to
one per pair) and the false-positive pairs. In one JSON file they grow with the data (a
result of 5,000 pairs: over 1 MB); stored apart, the JSON keeps only what does not grow with
the number of pairs (tests/test_result_files.py bounds its lists and its size).

:func:`save_result` writes ``<stem>.json`` with every metric and small table, and
``<stem>.pairs.npz`` with every per-pair array (the fields named in :data:`PAIR_FIELDS`,
wherever the model nests them). Each array of the ``.npz`` is named by the JSON pointer of the
place it was taken from (``umap/x``, ``baseline/cosine/scores``); a list of records (the false
positives) is stored column by column (``false_positives/pairs/*/text_1``). Strings are
unicode arrays, numbers float64 / int64, a ``null`` inside a float array is NaN (JSON has no
NaN, so nothing else can be), and nothing is pickled. The JSON records the side file's name,
its SHA-256 and the pointers it holds under ``"pair_arrays"``; :func:`load_result` reads both
files, refuses a side file whose bytes are not the ones the JSON names (a JSON and a side
file from two different runs), and puts every array back, so the result in memory is the one
a JSON holding everything would give. A JSON without ``"pair_arrays"`` (written before the
side files existed) loads as it always did.

Both files are byte-deterministic: floats are rounded as
:func:`p3lib.store.atomic.atomic_write_json`
rounds them, and the ``.npz`` is written member by member in pointer order with a fixed zip
date, so the same result gives the same bytes (with the same zlib). Both are written
atomically (temporary file, then rename), side file first: an interrupted save leaves at worst
a new side file beside the previous JSON, which :func:`load_result` then refuses by its hash,
never a mix read as one run. The run record (:mod:`p3lib.run.run_record`) lists and checks the
side file like any other output, since it records every file a chapter writes.

Example:
    >>> pointer(("category_margins", "a/b"))
    'category_margins/a~1b'
    >>> parse_pointer("category_margins/a~1b")
    ('category_margins', 'a/b')
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel

from p3lib.store.atomic import (
    atomic_write_bytes,
    atomic_write_json,
    read_json,
    round_floats,
    to_jsonable,
)

M = TypeVar("M", bound=BaseModel)

SIDE_SUFFIX = ".pairs.npz"
"""A result ``name.json`` keeps its per-pair arrays in ``name.pairs.npz``."""

MANIFEST_KEY = "pair_arrays"
"""Top-level JSON key naming the side file, its SHA-256 and the arrays it holds."""

ROWS = "*"
"""Pointer segment of a column of a list of records: ``false_positives/pairs/*/score``."""

# Fields whose length grows with the number of pairs, by the class (module.qualname) that
# holds them; looked up wherever the class occurs in a result, at any depth. Names, not
# imports: this module must not import the chapters' heavy modules (experiments, training).
# tests/test_result_files.py checks that each names a real list field.
PAIR_FIELDS: dict[str, tuple[str, ...]] = {
    "p3lib.evaluation.results.CosineSummary": ("scores", "labels"),
    "p3lib.evaluation.results.FalsePositives": ("pairs",),
    "p3lib.evaluation.results.RocCurve": ("fpr", "tpr", "thresholds"),
    "p3lib.evaluation.results.EvaluationResult": ("groups",),
    "p3lib.evaluation.tiers.TierScore": ("scores", "labels", "groups"),
    "p3lib.evaluation.clustering.UmapProjection": (
        "x",
        "y",
        "labels",
        "pair_types",
        "categories",
        "text_1",
        "text_2",
        "scores",
    ),
    # HDBSCAN's clusters are not one per pair, but their number grows with the pairs.
    "p3lib.evaluation.clustering.ClusterSummary": ("clusters", "cluster_ids"),
    "p3lib.evaluation.words_only.WordsOnlyResult": ("scores", "labels", "groups"),
    "p3lib.training.experiments.measure.MeasuredModel": (
        "eval_scores",
        "eval_labels",
        "ood_scores",
        "ood_labels",
        "eval_groups",
        "ood_groups",
    ),
}

# A fixed zip date (the earliest a zip can hold) keeps the side file's bytes the same.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_ZIP_LEVEL = 6


class ResultFileError(ValueError):
    """A result's side file is missing, damaged, or from another run than its JSON."""


def side_file(path: str | Path) -> Path:
    """The side file of the result JSON ``path``.

    Example:
        >>> side_file("outputs/metrics/baseline.json").as_posix()
        'outputs/metrics/baseline.pairs.npz'
    """
    path = Path(path)
    return path.with_name(path.stem + SIDE_SUFFIX)


def pointer(keys: tuple[str | int, ...]) -> str:
    """JSON pointer (RFC 6901, without the leading ``/``) of a place in a result."""
    return "/".join(str(key).replace("~", "~0").replace("/", "~1") for key in keys)


def parse_pointer(text: str) -> tuple[str, ...]:
    """The keys of a :func:`pointer` (list indices stay text; :func:`_place` converts them)."""
    return tuple(part.replace("~1", "/").replace("~0", "~") for part in text.split("/"))


def _class_name(value: BaseModel) -> str:
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"


def _pair_places(value: Any, keys: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Places (key paths) of every per-pair field in ``value``, at any depth."""
    if isinstance(value, BaseModel):
        per_pair = PAIR_FIELDS.get(_class_name(value), ())
        for name in type(value).model_fields:
            if name in per_pair:
                yield (*keys, name)
            else:
                yield from _pair_places(getattr(value, name), (*keys, name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _pair_places(item, (*keys, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _pair_places(item, (*keys, index))


def _as_array(values: list[Any]) -> np.ndarray | None:
    """``values`` as a plain (not object) array; ``None`` when they are not one kind."""
    if all(isinstance(item, str) for item in values):
        return np.array(values, dtype=np.str_) if values else np.zeros(0, dtype="<U1")
    if all(isinstance(item, bool) for item in values):
        return np.array(values, dtype=np.bool_)
    if all(isinstance(item, int) and not isinstance(item, bool) for item in values):
        return np.array(values, dtype=np.int64)
    if all(
        item is None or (isinstance(item, int | float) and not isinstance(item, bool))
        for item in values
    ):
        return np.array([np.nan if item is None else item for item in values], dtype=np.float64)
    return None


def _as_list(array: np.ndarray) -> list[Any]:
    """The JSON values an array of :func:`_as_array` came from (NaN back to ``None``)."""
    values = array.tolist()
    if array.dtype.kind == "f":
        return [None if value != value else value for value in values]
    return values


def _arrays_of(value: Any) -> dict[str, np.ndarray] | None:
    """A per-pair field's arrays by pointer suffix: ``""`` for a list of values, ``*/<column>``
    for each column of a list of records; ``None`` when it cannot be stored as plain arrays."""
    if not isinstance(value, list):
        return None
    if value and all(isinstance(row, dict) for row in value):
        columns = list(value[0])
        if any(list(row) != columns for row in value):
            return None
        arrays = {
            f"{ROWS}/{pointer((column,))}": _as_array([row[column] for row in value])
            for column in columns
        }
        return None if any(array is None for array in arrays.values()) else arrays
    if any(isinstance(item, dict | list) for item in value):
        return None
    array = _as_array(value)
    return None if array is None else {"": array}


def _take(data: Any, keys: tuple[str | int, ...]) -> tuple[dict[str, Any], str] | None:
    """The dictionary holding the last of ``keys`` in ``data``, and that key; ``None`` if absent."""
    for key in keys[:-1]:
        if isinstance(data, dict) and key in data:
            data = data[key]
        elif isinstance(data, list) and isinstance(key, int) and key < len(data):
            data = data[key]
        else:
            return None
    last = keys[-1]
    if isinstance(data, dict) and last in data:
        return data, str(last)
    return None


def split_result(result: BaseModel) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The JSON data of ``result`` without its per-pair arrays, and those arrays by pointer.

    Floats are rounded as the JSON writer rounds them, in both parts. A per-pair field that is
    ``null``, or holds values of mixed kinds, stays in the JSON.
    """
    data = round_floats(to_jsonable(result))
    arrays: dict[str, np.ndarray] = {}
    for keys in _pair_places(result):
        if any(str(key) == ROWS for key in keys):
            raise ValueError(f"a result key may not be {ROWS!r} (it marks record columns)")
        found = _take(data, keys)
        if found is None:
            continue
        container, last = found
        parts = _arrays_of(container[last])
        if parts is None:
            continue
        del container[last]
        base = pointer(keys)
        for suffix, array in parts.items():
            arrays[f"{base}/{suffix}" if suffix else base] = array
    return data, arrays


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An ``.npz`` of ``arrays`` (deflated), the same bytes for the same arrays.

    ``numpy.savez_compressed`` stamps each member with the current time; this writes the
    same format (members ``<name>.npy``, read by ``numpy.load``) with a fixed date, in name
    order, without pickles.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=_ZIP_LEVEL) as archive:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(
                member, np.ascontiguousarray(arrays[name]), allow_pickle=False
            )
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue(), compresslevel=_ZIP_LEVEL)
    return buffer.getvalue()


def save_result(result: BaseModel, path: str | Path) -> Path:
    """Write ``result`` to the JSON ``path`` and its per-pair arrays to the side file beside it.

    Returns ``path``. A result without per-pair arrays is written as JSON alone (as
    :func:`p3lib.store.atomic.atomic_write_json` writes it).
    """
    path = Path(path)
    data, arrays = split_result(result)
    if not arrays:
        return atomic_write_json(path, data)
    payload = npz_bytes(arrays)
    side = atomic_write_bytes(side_file(path), payload)
    data[MANIFEST_KEY] = {
        "file": side.name,
        "sha256": hashlib.sha256(payload).hexdigest(),
        "arrays": sorted(arrays),
    }
    return atomic_write_json(path, data)


def _place(data: dict[str, Any], keys: tuple[str, ...], value: Any) -> None:
    """Set ``value`` at ``keys`` in ``data`` (a key of digits indexes a list)."""
    for key in keys[:-1]:
        data = data[int(key)] if isinstance(data, list) else data[key]
    data[keys[-1]] = value


def _read_side_file(path: Path, manifest: Any) -> dict[str, np.ndarray]:
    if not (
        isinstance(manifest, dict)
        and isinstance(manifest.get("file"), str)
        and isinstance(manifest.get("sha256"), str)
        and isinstance(manifest.get("arrays"), list)
    ):
        raise ResultFileError(f"{path}: {MANIFEST_KEY!r} must name a file, its sha256 and arrays")
    side = path.with_name(Path(manifest["file"]).name)
    try:
        payload = side.read_bytes()
    except FileNotFoundError:
        raise ResultFileError(
            f"{path} keeps its per-pair arrays in {side.name}, which is missing; copy the two "
            "files together, or run the chapter that wrote them again"
        ) from None
    if hashlib.sha256(payload).hexdigest() != manifest["sha256"]:
        raise ResultFileError(
            f"{side} is not the side file {path.name} was written with (its SHA-256 differs): "
            "the two files come from different runs; run the chapter that wrote them again"
        )
    with np.load(io.BytesIO(payload), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    if sorted(arrays) != sorted(manifest["arrays"]):
        raise ResultFileError(f"{side} does not hold the arrays {path.name} lists")
    return arrays


def join_result(data: dict[str, Any], arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """``data`` with every array of :func:`split_result` put back in place (in place)."""
    tables: dict[tuple[str, ...], dict[str, list[Any]]] = {}
    for name, array in sorted(arrays.items()):
        keys = parse_pointer(name)
        if ROWS in keys:
            at = keys.index(ROWS)
            if len(keys) != at + 2:
                raise ResultFileError(f"{name!r} is not a pointer to a record column")
            tables.setdefault(keys[:at], {})[keys[at + 1]] = _as_list(array)
        else:
            _place(data, keys, _as_list(array))
    for keys, columns in tables.items():
        rows = [
            dict(zip(columns, values, strict=True))
            for values in zip(*columns.values(), strict=True)
        ]
        _place(data, keys, rows)
    return data


def load_result(path: str | Path, kind: type[M]) -> M:
    """Read a result written by :func:`save_result` (or a JSON holding everything) as ``kind``.

    Raises:
        ResultFileError: the JSON names a side file that is missing, or whose bytes are not
            the ones the JSON was written with.
        pydantic.ValidationError: the data is not a ``kind``.
    """
    path = Path(path)
    data = read_json(path)
    if isinstance(data, dict) and MANIFEST_KEY in data:
        manifest = data.pop(MANIFEST_KEY)
        join_result(data, _read_side_file(path, manifest))
    return kind.model_validate(data)
