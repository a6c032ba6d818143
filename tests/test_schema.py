"""Schema and loading: each kind of bad record gets a file:line: field: problem message."""

import json

import pytest

from p3lib.schema import CompatibilityLabel, DataError, DatingPair, dump_pairs, load_pairs

GOOD = {
    "text_1": "boy: I love lazy Sundays",
    "text_2": "girl: Me too, slow mornings are the best",
    "label": 1,
    "category": "lifestyle",
    "subcategory": "relaxed",
    "pair_type": "compatible",
}


def write_lines(tmp_path, lines, name="pairs.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def problems_for(tmp_path, record_line):
    path = write_lines(tmp_path, [json.dumps(GOOD), record_line])
    with pytest.raises(DataError) as info:
        load_pairs(path)
    return path, info.value


def test_good_file_loads_every_record(tmp_path):
    path = write_lines(tmp_path, [json.dumps(GOOD), json.dumps({**GOOD, "label": 0}), ""])
    pairs = load_pairs(path)
    assert [pair.label for pair in pairs] == [CompatibilityLabel.COMPATIBLE, 0]
    assert pairs[0].statement_1 == "I love lazy Sundays"
    assert pairs[0].key == (GOOD["text_1"], GOOD["text_2"])


def test_malformed_json_names_the_line(tmp_path):
    path, error = problems_for(tmp_path, '{"text_1": "boy: hi", ')
    assert error.problems == [
        f"{path}:2: record: malformed JSON "
        "(Expecting property name enclosed in double quotes, column 23)"
    ]


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"label": None}, "label", "must be the integer 0 or 1"),
        ({"label": 2}, "label", "must be 0 or 1, got 2"),
        ({"label": "1"}, "label", "must be the integer 0 or 1, got '1'"),
        ({"label": True}, "label", "must be the integer 0 or 1, got True"),
        ({"label": 1.0}, "label", "must be the integer 0 or 1, got 1.0"),
        ({"text_1": "girl: I love lazy Sundays"}, "text_1", "must start with 'boy: '"),
        ({"text_2": "I love lazy Sundays"}, "text_2", "must start with 'girl: '"),
        ({"text_2": "girl:   "}, "text_2", "is empty after the 'girl:' prefix"),
        ({"text_1": 7}, "text_1", "Input should be a valid string, got int 7"),
        ({"category": ""}, "category", "is empty"),
        ({"extra": "x"}, "extra", "unexpected field"),
    ],
)
def test_bad_field_names_line_field_and_problem(tmp_path, change, field, fragment):
    path, error = problems_for(tmp_path, json.dumps({**GOOD, **change}))
    assert len(error.problems) == 1
    assert error.problems[0].startswith(f"{path}:2: {field}: ")
    assert fragment in error.problems[0]


def test_missing_field(tmp_path):
    record = {key: value for key, value in GOOD.items() if key != "pair_type"}
    path, error = problems_for(tmp_path, json.dumps(record))
    assert error.problems == [f"{path}:2: pair_type: missing field"]


def test_not_an_object(tmp_path):
    path, error = problems_for(tmp_path, "[1, 2]")
    assert error.problems == [f"{path}:2: record: expected a JSON object, got list"]


def test_every_bad_line_is_listed_not_only_the_first(tmp_path):
    lines = [
        json.dumps(GOOD),
        "not json",
        json.dumps({**GOOD, "label": 5}),
        "",
        json.dumps({**GOOD, "text_1": "x"}),
    ]
    path = write_lines(tmp_path, lines)
    with pytest.raises(DataError) as info:
        load_pairs(path)
    assert [problem.split(": ")[0] for problem in info.value.problems] == [
        f"{path}:2",
        f"{path}:3",
        f"{path}:5",
    ]
    assert "3 problems" in str(info.value)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"empty.jsonl:1: record: file has no records"):
        load_pairs(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"nope.jsonl: file: not found"):
        load_pairs(tmp_path / "nope.jsonl")


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(json.dumps(GOOD).replace("lazy", "l\u00e4zy").encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8"):
        load_pairs(path)


def test_dump_round_trips(tmp_path):
    pairs = [
        DatingPair(**GOOD),
        DatingPair(**{**GOOD, "label": 0, "text_2": "girl: <script>x</script>"}),
    ]
    path = tmp_path / "round.jsonl"
    path.write_text(dump_pairs(pairs), encoding="utf-8")
    assert load_pairs(path) == pairs
    assert json.loads(path.read_text().splitlines()[0]) == GOOD
