"""The widget's JavaScript WordPiece tokenizer gives the Python tokenizer's token ids.

Runs ``_static/p3-widget/wordpiece.js`` in node on every eval text of the default data and
on hand-made texts with punctuation, accents, other scripts, emoji, control characters and
long words, against the base model's own (Hugging Face) tokenizer.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from p3lib.data.schema import load_pairs
from p3lib.store.run_layout import DEFAULT_EVAL, REPO_ROOT

NODE = shutil.which("node")
WORDPIECE = REPO_ROOT / "_static" / "p3-widget" / "wordpiece.js"
MAX_LENGTH = 256
HAND_MADE = [
    "boy: I can't stand jazz -- really!!! (no, seriously?)",
    "girl: Café au lait, naïve façade, Ångström, crème brûlée",
    "boy: ΣΊΣΥΦΟΣ and İstanbul, Straße",
    "girl: 東京で寿司を食べるのが好き 한국어 русский текст",
    "boy: emoji 😀🙃 and symbols $5 + 3 = 8 | ^ ` ~ @ # % & *",
    "girl: tabs\tnew\nlines\r\nnbsp\u00a0zero\u200bwidth\u0085nel\u2028sep",
    "boy: " + "a" * 120 + " supercalifragilisticexpialidocious",
    "girl: <script>alert(1)</script> & \"quotes\" 'single' «guillemets» — dash … ellipsis",
    "boy: " + " ".join(["word"] * 400),
    "",
]


def python_ids(texts: list[str]) -> list[list[int]]:
    from transformers import AutoTokenizer

    from p3lib.evaluation.embed import base_model_path

    tokenizer = AutoTokenizer.from_pretrained(base_model_path())
    return tokenizer(texts, truncation=True, max_length=MAX_LENGTH)["input_ids"]


def javascript_ids(texts: list[str], tmp_path, call: str = "encode") -> list:
    from p3lib.evaluation.embed import base_model_path

    vocab = f"{base_model_path()}/vocab.txt"
    (tmp_path / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    script = f"""
const fs = require("fs");
const {{ WordPiece }} = require({json.dumps(str(WORDPIECE))});
const tokenizer = new WordPiece(fs.readFileSync({json.dumps(vocab)}, "utf8"),
                                {{ maxLength: {MAX_LENGTH} }});
const texts = JSON.parse(fs.readFileSync({json.dumps(str(tmp_path / "texts.json"))}, "utf8"));
process.stdout.write(JSON.stringify(texts.map((text) => tokenizer.{call}(text))));
"""
    completed = subprocess.run(
        [NODE, "-e", script], capture_output=True, text=True, check=True, encoding="utf-8"
    )
    return json.loads(completed.stdout)


pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")


def test_token_ids_match_python_on_every_eval_text(tmp_path):
    pairs = load_pairs(DEFAULT_EVAL)
    texts = list(dict.fromkeys([p.text_1 for p in pairs] + [p.text_2 for p in pairs]))
    assert len(texts) > 100
    assert javascript_ids(texts, tmp_path) == python_ids(texts)


@pytest.mark.parametrize("text", HAND_MADE, ids=range(len(HAND_MADE)))
def test_token_ids_match_python_on_punctuation_and_non_ascii(text, tmp_path):
    assert javascript_ids([text], tmp_path) == python_ids([text])


def test_known_pieces(tmp_path):
    """Worked out by hand from the vocabulary: accents stripped, punctuation split, ## pieces."""
    from transformers import AutoTokenizer

    from p3lib.evaluation.embed import base_model_path

    tokenizer = AutoTokenizer.from_pretrained(base_model_path())
    (ids,) = javascript_ids(["Café, can't!"], tmp_path)
    assert tokenizer.convert_ids_to_tokens(ids) == [
        "[CLS]", "cafe", ",", "can", "'", "t", "!", "[SEP]"
    ]  # fmt: skip
    (long_ids,) = javascript_ids(["boy: " + " ".join(["word"] * 400)], tmp_path)
    assert len(long_ids) == MAX_LENGTH


def test_length_counts_the_tokens_a_cut_leaves_out(tmp_path):
    """The widget says a text was cut when ``length`` exceeds 256: [CLS] + 2 + 400 + [SEP]."""
    texts = ["boy: " + " ".join(["word"] * 400), "girl: I hike"]
    # "boy", ":", 400 x "word", plus [CLS] and [SEP]; "girl", ":", "i", "hike", plus two
    assert javascript_ids(texts, tmp_path, call="length") == [404, 6]
