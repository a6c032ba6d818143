"""Schema and loading: each kind of bad record gets a file:line: field: problem message."""

import json

import pytest

from p3lib.data.schema import (
    ABSENT,
    CompatibilityLabel,
    DataError,
    DatingPair,
    dump_pairs,
    field_notes,
    load_pairs,
    write_prefixed_copy,
)

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
        ({"text_1": "boy: \ud800 hi"}, "text_1", "contains a lone surrogate '\\ud800' at char"),
        ({"category": "x\udfff"}, "category", "contains a lone surrogate"),
        ({"text_2": "girl: \u00a0\u200b"}, "text_2", "has only invisible characters after"),
        ({"text_1": "boy: \u2060\u200d\ufeff"}, "text_1", "has only invisible characters"),
        ({"pair_type": "\u200b"}, "pair_type", "has only invisible characters"),
    ],
)
def test_bad_field_names_line_field_and_problem(tmp_path, change, field, fragment):
    path, error = problems_for(tmp_path, json.dumps({**GOOD, **change}))
    assert len(error.problems) == 1
    assert error.problems[0].startswith(f"{path}:2: {field}: ")
    assert fragment in error.problems[0]


def test_missing_field(tmp_path):
    record = {key: value for key, value in GOOD.items() if key != "label"}
    path, error = problems_for(tmp_path, json.dumps(record))
    assert error.problems == [f"{path}:2: label: missing field"]


def test_where_a_pair_comes_from_is_optional_and_extra_fields_are_noted_once(tmp_path):
    # A published out-of-distribution set: texts, label and its own "bucket", nothing else.
    records = [
        {"text_1": "boy: I hike", "text_2": "girl: Me too", "label": 1, "bucket": "a"},
        {"text_1": "boy: I nap", "text_2": "girl: I run", "label": 0, "bucket": "b"},
        {**GOOD, "bucket": "c"},
    ]
    path = write_lines(tmp_path, [json.dumps(record) for record in records])
    pairs = load_pairs(path)
    assert [pair.category for pair in pairs] == [ABSENT, ABSENT, "lifestyle"]
    assert pairs[0].pair_type == ABSENT and pairs[0].subcategory == ABSENT
    assert field_notes(path) == [
        f"{path}: bucket: not a p3 field, ignored (3 of 3 records, first on line 1)",
        f"{path}: category: not given in 2 of 3 records; figures by category show them as "
        "'(not given)'",
        f"{path}: subcategory: not given in 2 of 3 records; figures by subcategory show them "
        "as '(not given)'",
        f"{path}: pair_type: not given in 2 of 3 records; figures by pair_type show them as "
        "'(not given)'",
    ]


def test_a_file_without_any_prefix_gets_one_message_per_field_not_one_per_line(tmp_path):
    lines = [
        json.dumps({"text_1": f"I like thing {i}", "text_2": f"I like it {i}", "label": i % 2})
        for i in range(600)
    ]
    lines[7] = json.dumps({"text_1": "I like", "text_2": "fine", "label": 3})
    path = write_lines(tmp_path, lines)
    with pytest.raises(DataError) as info:
        load_pairs(path)
    fix = f"add it with `p3 check --fix-prefixes FOLDER {path}`"
    assert info.value.problems == [
        f"{path}:1: text_1: no record starts with 'boy: ', the prefix the model is trained "
        f"and evaluated with (600 records); {fix}, which writes a prefixed copy into FOLDER",
        f"{path}:1: text_2: no record starts with 'girl: ', the prefix the model is trained "
        f"and evaluated with (600 records); {fix}, which writes a prefixed copy into FOLDER",
        f"{path}:8: label: must be 0 or 1, got 3",  # the file's other problems still show
    ]
    copy, changed = write_prefixed_copy(path, tmp_path / "fixed")
    assert changed == 1200 and copy == tmp_path / "fixed" / path.name
    assert json.loads(copy.read_text().split("\n")[0]) == {
        "text_1": "boy: I like thing 0",
        "text_2": "girl: I like it 0",
        "label": 0,
    }
    with pytest.raises(ValueError, match="would overwrite"):
        write_prefixed_copy(path, tmp_path)


def test_line_separators_inside_json_strings_are_text_not_line_breaks(tmp_path):
    # U+2028, U+2029 and U+0085 are valid unescaped inside a JSON string; JSONL lines end at \n.
    odd = {**GOOD, "text_2": "girl: Me\u2028too\u0085really\u2029yes"}
    path = tmp_path / "odd.jsonl"
    path.write_text(
        json.dumps(odd, ensure_ascii=False) + "\n" + json.dumps({**GOOD, "label": 7}) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as info:
        load_pairs(path)
    assert info.value.problems == [f"{path}:2: label: must be 0 or 1, got 7"]
    path.write_text(json.dumps(odd, ensure_ascii=False) + "\n", encoding="utf-8")
    assert load_pairs(path)[0].text_2 == odd["text_2"]


def test_a_key_given_twice_is_refused_not_silently_the_last(tmp_path):
    line = json.dumps(GOOD)[:-1] + ', "label": 0}'
    path, error = problems_for(tmp_path, line)
    assert error.problems == [f"{path}:2: label: duplicate key (the record gives it twice)"]


def test_a_folder_or_a_pipe_is_named_as_what_it_is(tmp_path):
    import os

    with pytest.raises(DataError, match=rf"{tmp_path}: file: is a folder, not a JSONL file"):
        load_pairs(tmp_path)
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(DataError, match="not a regular file \\(a pipe such as <\\(...\\)"):
        load_pairs(pipe)


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
