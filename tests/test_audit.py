"""The data audit on hand-made splits whose duplicates, overlaps and conflicts are known."""

from __future__ import annotations

import json

import pytest
from tiny_model import pair

from p3lib.data.audit import (
    DataAudit,
    audit,
    audit_files,
    format_audit,
    overlap_warnings,
    record_lines,
)
from p3lib.data.schema import DataError, dump_pairs
from p3lib.store.run_layout import DEFAULT_EVAL, DEFAULT_TRAIN

JAZZ = pair("I love jazz", "Jazz is my life", 1)
JAZZ_RELABELLED = pair("I love jazz", "Jazz is my life", 0)  # same texts, other label
HIKING = pair("I hike every weekend", "I can't stand hiking", 0)
COOKING = pair("I cook every night", "I love to cook", 1, category="lifestyle")
# Shares its text_1 with HIKING but is a different pair.
HIKING_OTHER = pair("I hike every weekend", "Hiking is my thing", 1)
ASTROLOGY = pair("I read my horoscope", "I love astrology", 1, "astrology", "mystery_type")


def write_jsonl(path, records_and_blanks):
    """Write records, with ``None`` standing for a blank line."""
    lines = [dump_pairs([item]).rstrip("\n") if item else "" for item in records_and_blanks]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path):
    # train: JAZZ on file lines 1, 4 and 7 (blank lines 2 and 6 are skipped, not records).
    train = write_jsonl(tmp_path / "train.jsonl", [JAZZ, None, HIKING, JAZZ, COOKING, None, JAZZ])
    evaluation = write_jsonl(tmp_path / "eval.jsonl", [JAZZ_RELABELLED, HIKING_OTHER, ASTROLOGY])
    return {"train": train, "eval": evaluation}


def test_record_lines_are_the_non_blank_file_lines(files):
    assert record_lines(files["train"]) == [1, 3, 4, 5, 7]


def test_three_copies_are_two_duplicates_with_their_file_lines(files):
    report = audit_files(files)
    duplicates = report.splits["train"].duplicates
    assert duplicates.n_extra_copies == 2
    assert duplicates.n_groups == 1
    assert duplicates.groups[0].lines == [1, 4, 7]
    assert duplicates.groups[0].record["text_1"] == "boy: I love jazz"
    assert report.splits["eval"].duplicates.n_extra_copies == 0


def test_label_counts_balance_and_tables(files):
    train = audit_files(files).splits["train"]
    assert train.n_records == 5
    assert (train.labels.label_1, train.labels.label_0, train.labels.total) == (4, 1, 5)
    assert train.balance_ratio == pytest.approx(1 / 4)
    assert train.by_pair_type["compatible"].label_1 == 4
    assert train.by_pair_type["incompatible"].label_0 == 1
    assert train.by_category["interests"].total == 4
    assert train.by_category["lifestyle"].label_1 == 1
    # 3 distinct pairs, each with two distinct texts.
    assert train.n_distinct_texts == 6


def test_text_lengths_count_words_after_the_prefix():
    report = audit({"only": [pair("one two three", "one", 1), pair("one", "one two three", 0)]})
    lengths = report.splits["only"].text_lengths
    assert lengths["text_1"].mean_words == 2.0
    assert (lengths["text_1"].min_words, lengths["text_1"].max_words) == (1, 3)
    assert lengths["text_2"].median_words == 2.0
    assert lengths["text_1"].mean_chars == pytest.approx((len("one two three") + 3) / 2)


def test_unknown_pair_types_and_categories_are_reported_not_rejected(files):
    report = audit_files(files)
    evaluation = report.splits["eval"]
    assert evaluation.unknown_categories == {"astrology": 1}
    assert evaluation.unknown_pair_types == {"mystery_type": 1}
    # Unknown values come after the reference ones in the tables.
    assert list(evaluation.by_category)[-1] == "astrology"
    assert report.splits["train"].unknown_categories == {}
    assert any("astrology (1)" in finding for finding in report.findings)


def test_cross_split_overlap_conflicts_and_shared_texts(files):
    report = audit_files(files)
    eval_vs_train = report.overlap("eval", "train")
    assert eval_vs_train.n_records == 3
    assert eval_vs_train.n_overlapping_records == 1
    assert eval_vs_train.overlap_share == pytest.approx(1 / 3)
    assert eval_vs_train.n_overlapping_pairs == 1
    group = eval_vs_train.overlaps[0]
    assert (group.lines, group.other_lines) == ([1], [1, 4, 7])
    assert (group.labels, group.other_labels) == ([0], [1, 1, 1])
    assert group.label_conflict
    assert eval_vs_train.n_label_conflicts == 1
    # eval's 6 distinct texts: both JAZZ texts and HIKING's text_1 also occur in train.
    assert eval_vs_train.n_distinct_texts == 6
    assert eval_vs_train.n_shared_texts == 3
    assert eval_vs_train.shared_text_share == pytest.approx(0.5)

    # The other direction counts train's records: all three JAZZ copies overlap.
    train_vs_eval = report.overlap("train", "eval")
    assert train_vs_eval.n_overlapping_records == 3
    assert train_vs_eval.overlap_share == pytest.approx(3 / 5)
    assert train_vs_eval.overlaps[0].lines == [1, 4, 7]
    assert train_vs_eval.n_shared_texts == 3
    assert train_vs_eval.shared_text_share == pytest.approx(3 / 6)


def test_every_ordered_pair_of_splits_in_given_order():
    report = audit({"a": [JAZZ], "b": [HIKING], "c": [COOKING]})
    assert [(entry.split, entry.other) for entry in report.cross_split] == [
        ("a", "b"),
        ("a", "c"),
        ("b", "a"),
        ("b", "c"),
        ("c", "a"),
        ("c", "b"),
    ]
    assert all(entry.n_overlapping_records == 0 for entry in report.cross_split)
    with pytest.raises(KeyError):
        report.overlap("a", "a")


def test_same_texts_with_both_labels_inside_a_split_is_a_conflict_not_a_duplicate():
    report = audit({"train": [JAZZ, HIKING, JAZZ_RELABELLED]})
    train = report.splits["train"]
    assert train.duplicates.n_extra_copies == 0
    assert len(train.label_conflicts) == 1
    assert train.label_conflicts[0].lines == [1, 3]
    assert train.label_conflicts[0].labels == [1, 0]


def test_plain_lists_are_numbered_from_one_unless_lines_are_given():
    report = audit({"train": [HIKING, JAZZ, JAZZ]})
    assert report.splits["train"].duplicates.groups[0].lines == [2, 3]
    report = audit({"train": [HIKING, JAZZ, JAZZ]}, lines={"train": [10, 12, 15]})
    assert report.splits["train"].duplicates.groups[0].lines == [12, 15]
    with pytest.raises(ValueError, match="line numbers"):
        audit({"train": [JAZZ]}, lines={"train": [1, 2]})


def test_an_empty_split_is_an_error():
    with pytest.raises(ValueError, match="no records"):
        audit({"train": []})


def test_a_bad_file_raises_data_error(tmp_path):
    with pytest.raises(DataError):
        audit_files({"train": tmp_path / "missing.jsonl"})


def test_audit_round_trips_through_json(files):
    report = audit_files(files)
    text = report.model_dump_json()
    assert DataAudit.model_validate_json(text) == report
    assert json.loads(text)["splits"]["train"]["duplicates"]["n_extra_copies"] == 2


def test_format_audit_names_the_findings_and_lines(files):
    text = format_audit(audit_files(files))
    assert "== train" in text and "== eval vs train" in text
    assert "2 extra copies in 1 groups" in text
    assert "lines 1, 4, 7" in text
    assert "eval lines 1 = train lines 1, 4, 7  LABEL CONFLICT" in text
    assert "3 of 6 distinct eval texts (50.0%) also occur in train" in text
    assert "astrology" in text and "(unknown)" in text


def test_audit_of_the_default_data():
    if not DEFAULT_TRAIN.is_file() or not DEFAULT_EVAL.is_file():
        pytest.skip("default data not generated yet (data/raw/train.jsonl, eval.jsonl)")
    report = audit_files({"train": DEFAULT_TRAIN, "eval": DEFAULT_EVAL})
    train, evaluation = report.splits["train"], report.splits["eval"]
    assert train.n_records == train.labels.label_1 + train.labels.label_0
    assert sum(counts.total for counts in train.by_pair_type.values()) == train.n_records
    assert sum(counts.total for counts in evaluation.by_category.values()) == evaluation.n_records
    # Every dealbreaker pair is labelled 0 (DATA.md).
    if "dealbreaker" in train.by_pair_type:
        assert train.by_pair_type["dealbreaker"].label_1 == 0
    overlap = report.overlap("eval", "train")
    assert 0 <= overlap.overlap_share <= 1
    assert overlap.n_shared_texts <= overlap.n_distinct_texts
    format_audit(report)


def test_record_lines_split_on_newline_only(tmp_path):
    # A raw U+2028 or U+0085 inside a JSON string is text; str.splitlines would count a line.
    text_line = dump_pairs([JAZZ]).rstrip("\n").replace("Jazz is", "Jazz\u2028is\u0085")
    path = tmp_path / "odd.jsonl"
    path.write_text(text_line + "\n\n" + dump_pairs([HIKING]), encoding="utf-8")
    assert record_lines(path) == [1, 3]


def test_overlap_warnings_name_each_pair_of_files_once():
    report = audit({"train": [JAZZ, HIKING, COOKING], "eval": [JAZZ_RELABELLED, ASTROLOGY]})
    assert overlap_warnings(report) == [
        "eval shares 1 of its 2 records with train (exact text_1/text_2 copies)"
    ]
    assert overlap_warnings(audit({"train": [JAZZ], "eval": [COOKING]})) == []


def test_a_field_that_was_not_given_is_absent_not_unknown():
    from p3lib.data.schema import DatingPair

    bare = DatingPair(text_1="boy: I hike", text_2="girl: Me too", label=1)
    split = audit({"ood": [bare]}).splits["ood"]
    assert split.by_category == {"(not given)": split.labels}
    assert split.unknown_categories == {} and split.unknown_pair_types == {}
