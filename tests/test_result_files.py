"""Result files: metrics in the JSON, per-pair arrays in ``<stem>.pairs.npz`` beside it."""

from __future__ import annotations

import importlib
import json
import time
import typing
import zipfile

import numpy as np
import pytest
from json_files import as_written
from made_up_models import PROMPT, zoo

from p3lib.data.schema import DatingPair
from p3lib.evaluation import metrics, pipeline, results
from p3lib.evaluation.comparison import compare
from p3lib.evaluation.words_only import WordsOnlyResult, words_only_baseline
from p3lib.store import result_files as rf
from p3lib.store.atomic import atomic_write_json, read_json
from p3lib.training.record import TrainConfig

TOPICS = ["hiking", "cooking", "dogs", "jazz", "travel", "chess"]


def toy_pairs(n: int, offset: int) -> list[DatingPair]:
    """Pairs whose label one word decides, in six subcategories ("a/b" tests pointer escapes)."""
    return [
        DatingPair(
            text_1=f"boy: I enjoy {TOPICS[(i + offset) % 6]} on weekends",
            text_2=f"girl: I {'love' if i % 2 else 'never'} do {TOPICS[(i + 3) % 6]}",
            label=i % 2,
            category="a/b" if i % 3 else "lifestyle",
            subcategory=f"{TOPICS[(i + offset) % 6]}_{i % 3}",
            pair_type="compatible" if i % 2 else "incompatible",
        )
        for i in range(n)
    ]


def evaluation(pairs: list[DatingPair], name: str, shift: float, *, groups=True, seed=0):
    """A real :class:`EvaluationResult` of made-up scores (no model, no UMAP)."""
    rng = np.random.default_rng(seed)
    labels = np.array([p.label for p in pairs])
    scores = np.clip(rng.normal(0.3 + shift * labels, 0.15), -1, 1)
    return pipeline.evaluate_scores(
        scores,
        labels,
        [p.pair_type for p in pairs],
        [p.category for p in pairs],
        None,
        threshold=0.45,
        texts=[(p.text_1, p.text_2) for p in pairs],
        seed=1,
        n_bootstrap=20,
        n_shuffles=5,
        projection=rng.normal(size=(len(pairs), 2)),
        groups=[p.subcategory for p in pairs] if groups else None,
        name=name,
    )


@pytest.fixture(scope="module")
def small():
    return evaluation(toy_pairs(120, 0), "baseline", 0.3)


def long_lists(value, path=""):
    """``(path, length)`` of every list in JSON data, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from long_lists(item, f"{path}/{key}")
    elif isinstance(value, list):
        yield path, len(value)
        for index, item in enumerate(value):
            yield from long_lists(item, f"{path}/{index}")


def test_round_trip_gives_the_result_a_json_with_everything_gives(small, tmp_path):
    path = rf.save_result(small, tmp_path / "baseline.json")
    assert path == tmp_path / "baseline.json"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline.json", "baseline.pairs.npz"]
    loaded = rf.load_result(path, results.EvaluationResult)
    assert loaded == as_written(small)
    # ... which is what the old single JSON file gave back
    legacy = results.EvaluationResult.model_validate(
        read_json(atomic_write_json(tmp_path / "legacy.json", small))
    )
    assert loaded == legacy
    assert loaded.threshold_sweep.roc.thresholds[0] is None  # sklearn's +inf, JSON's null
    assert loaded.false_positives.pairs == legacy.false_positives.pairs != []
    data = read_json(path)
    assert "scores" not in data["cosine"] and "x" not in data["umap"] and "groups" not in data
    assert data["pair_arrays"]["file"] == "baseline.pairs.npz"


def test_a_json_with_everything_still_loads(small, tmp_path):
    path = atomic_write_json(tmp_path / "baseline.json", small)
    assert rf.load_result(path, results.EvaluationResult) == as_written(small)


def test_side_file_holds_plain_arrays_of_every_pair(small, tmp_path):
    rf.save_result(small, tmp_path / "baseline.json")
    with np.load(tmp_path / "baseline.pairs.npz", allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    assert sorted(arrays) == read_json(tmp_path / "baseline.json")["pair_arrays"]["arrays"]
    n, n_fp = small.n_pairs, small.false_positives.n
    assert arrays["umap/text_1"].dtype.kind == "U" and arrays["umap/x"].dtype == np.float64
    assert arrays["cosine/labels"].dtype == np.int64
    for name in ("cosine/scores", "umap/x", "umap/text_2", "hdbscan/cluster_ids", "groups"):
        assert arrays[name].shape == (n,)
    assert arrays["false_positives/pairs/*/score"].shape == (n_fp,)
    assert arrays["umap/text_1"].tolist() == small.umap.text_1
    assert np.isnan(arrays["threshold_sweep/roc/thresholds"][0])


def test_json_of_50000_pairs_has_no_list_that_grows_and_stays_under_1_mb(tmp_path):
    """Issue 18's goal: a metric JSON under 1 MB at 50,000 eval pairs."""
    n = 50_000
    result = evaluation(toy_pairs(n, 1), "full", 0.3, groups=False)
    n_roc, n_clusters = len(result.threshold_sweep.roc.fpr), result.hdbscan.n_clusters
    assert n_roc > 5000 and n_clusters > 500  # both grow with the pairs
    path = rf.save_result(result, tmp_path / "full.json")
    data = read_json(path)
    pointers = data["pair_arrays"]["arrays"]
    longest = max(
        (length, name) for name, length in long_lists(data) if name != "/pair_arrays/arrays"
    )
    assert longest[0] <= metrics.SWEEP_POINTS, longest
    assert path.stat().st_size < 1_000_000
    with np.load(rf.side_file(path), allow_pickle=False) as archive:
        lengths = {name: archive[name].shape[0] for name in pointers}
    assert {lengths[name] for name in pointers if name.startswith(("umap/", "cosine/"))} == {n}
    assert lengths["threshold_sweep/roc/fpr"] == n_roc
    assert lengths["hdbscan/clusters/*/n"] == n_clusters
    assert lengths["false_positives/pairs/*/text_1"] == result.false_positives.n


def test_same_result_gives_the_same_bytes(small, tmp_path, monkeypatch):
    one = rf.save_result(small, tmp_path / "one" / "baseline.json")
    # a later clock would change a zip member's date (numpy.savez_compressed stamps the time)
    monkeypatch.setattr(time, "time", lambda: 2_000_000_000.0)
    two = rf.save_result(small, tmp_path / "two" / "baseline.json")
    assert one.read_bytes() == two.read_bytes()
    assert rf.side_file(one).read_bytes() == rf.side_file(two).read_bytes()
    with zipfile.ZipFile(rf.side_file(one)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_a_side_file_from_another_run_is_refused(small, tmp_path):
    other = evaluation(toy_pairs(120, 0), "baseline", 0.1, seed=5)
    path = rf.save_result(small, tmp_path / "baseline.json")
    stale = rf.side_file(path).read_bytes()
    rf.save_result(other, path)
    assert rf.load_result(path, results.EvaluationResult) == as_written(other)
    rf.side_file(path).write_bytes(stale)
    with pytest.raises(rf.ResultFileError, match="different runs"):
        rf.load_result(path, results.EvaluationResult)
    rf.side_file(path).unlink()
    with pytest.raises(rf.ResultFileError, match="baseline.pairs.npz, which is missing"):
        rf.load_result(path, results.EvaluationResult)


def test_an_interrupted_save_keeps_the_previous_files(small, tmp_path, monkeypatch):
    path = rf.save_result(small, tmp_path / "baseline.json")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def interrupted(arrays):
        raise KeyboardInterrupt

    monkeypatch.setattr(rf, "npz_bytes", interrupted)
    other = evaluation(toy_pairs(120, 0), "baseline", 0.1, seed=5)
    with pytest.raises(KeyboardInterrupt):
        rf.save_result(other, path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no temporary left
    assert rf.load_result(path, results.EvaluationResult) == as_written(small)


def test_interrupted_between_the_two_files_is_refused_not_mixed(small, tmp_path, monkeypatch):
    path = rf.save_result(small, tmp_path / "baseline.json")

    def interrupted(*_):
        raise KeyboardInterrupt

    monkeypatch.setattr(rf, "atomic_write_json", interrupted)
    with pytest.raises(KeyboardInterrupt):
        rf.save_result(evaluation(toy_pairs(120, 0), "baseline", 0.1, seed=5), path)
    with pytest.raises(rf.ResultFileError, match="different runs"):
        rf.load_result(path, results.EvaluationResult)


def test_comparison_keeps_the_words_only_arrays_apart(small, tmp_path):
    eval_pairs = toy_pairs(120, 0)
    words_only = words_only_baseline(toy_pairs(60, 2), toy_pairs(24, 4), eval_pairs, n_bootstrap=20)
    full = evaluation(eval_pairs, "full", 0.5, seed=3)
    comparison = compare(small, full, words_only=words_only, seed=1, n_bootstrap=20)
    path = rf.save_result(comparison, tmp_path / "comparison.json")
    assert rf.load_result(path, type(comparison)) == as_written(comparison)
    data = read_json(path)
    assert {"scores", "labels", "groups"}.isdisjoint(data["words_only"])
    assert "words_only/scores" in data["pair_arrays"]["arrays"]
    saved = rf.save_result(words_only, tmp_path / "words_only.json")
    assert rf.load_result(saved, WordsOnlyResult) == as_written(words_only)


def test_experiments_result_keeps_every_models_scores_apart(tmp_path):
    from p3lib.training.experiments.summary import ExperimentsResult, summarise_experiments

    result = summarise_experiments(zoo(), TrainConfig(), PROMPT)
    path = rf.save_result(result, tmp_path / "experiments.json")
    assert rf.load_result(path, ExperimentsResult) == as_written(result)
    arrays = read_json(path)["pair_arrays"]["arrays"]
    assert f"models/{next(iter(result.models))}/eval_scores" in arrays
    assert (
        max(length for _, length in long_lists(read_json(path)) if _ != "/pair_arrays/arrays") < 100
    )


def test_a_result_without_per_pair_fields_is_json_alone(tmp_path):
    threshold = results.ThresholdChoice(
        threshold=0.5, f1=1.0, accuracy=1.0, precision=1.0, recall=1.0, n=4
    )
    path = rf.save_result(threshold, tmp_path / "t.json")
    assert [p.name for p in tmp_path.iterdir()] == ["t.json"]
    assert json.loads(path.read_text()) == threshold.model_dump()
    assert rf.load_result(path, results.ThresholdChoice) == threshold


@pytest.mark.parametrize("name", sorted(rf.PAIR_FIELDS))
def test_every_registered_field_is_a_list_of_that_class(name):
    module, _, qualname = name.rpartition(".")
    kind = getattr(importlib.import_module(module), qualname)
    for field in rf.PAIR_FIELDS[name]:
        annotation = kind.model_fields[field].annotation
        kinds = {typing.get_origin(arg) for arg in typing.get_args(annotation)} | {
            typing.get_origin(annotation)
        }
        assert list in kinds, f"{name}.{field} is {annotation}"


def test_pointers_escape_slashes_and_tildes():
    keys = ("category_margins", "a/b", "x~y")
    assert rf.pointer(keys) == "category_margins/a~1b/x~0y"
    assert rf.parse_pointer(rf.pointer(keys)) == keys
