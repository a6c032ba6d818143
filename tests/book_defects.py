"""What a reader must never see on a page of the book, as checks on what a browser measured.

Each function takes facts one page gave a browser (its visible text, its charts' SVG text,
the scripts it loads, ...) and returns the offending snippets, empty when the page is clean.
The browser test gathers the facts; tests/test_book_pages.py proves each check on hand-made
pages.
"""

from __future__ import annotations

import re

PLACEHOLDERS = ("new text", "not measured in this run")
# A Markdown table's delimiter row, left as text because nothing rendered it.
RAW_TABLE = re.compile(r"\|\s*:?-{3,}:?\s*\|")
PROGRESS = re.compile(
    r"\d+%\|"  # tqdm's bar: " 40%|████      |"
    r"|\d+(?:\.\d+)?\s*(?:it|s)/(?:s|it)\b"  # its rate: "3.21it/s", "1.2s/it"
    r"|IProgress not found|Loading weights|tqdm"
)
# script src part -> selector proving the page uses it
SCRIPT_USES = {
    "plotly": ".plotly-graph-div",
    "mermaid": "pre.mermaid",
    "mathjax": ".math",
}


def _snippets(text: str, pattern: re.Pattern) -> list[str]:
    return [text[max(0, m.start() - 30) : m.end() + 30] for m in pattern.finditer(text)]


def placeholder_text(text: str) -> list[str]:
    """Placeholder words: plotly's "new text" for an empty annotation, unmeasured cells.

    Example:
        >>> placeholder_text("d = 0.5 new text"), placeholder_text("all measured")
        (['new text'], [])
    """
    lowered = text.lower()
    return [word for word in PLACEHOLDERS if word in lowered]


def raw_markdown_tables(text: str) -> list[str]:
    """Markdown table text a page shows instead of a table.

    Example:
        >>> raw_markdown_tables("| Metric | Baseline |\\n|---|---:|")
        ['| Metric | Baseline |\\n|---|---:|']
        >>> raw_markdown_tables("Metric\\tBaseline\\nAUC\\t0.5")
        []
    """
    return _snippets(text, RAW_TABLE)


def machine_paths(text: str, paths: list[str]) -> list[str]:
    """``PosixPath`` reprs and any of the builder's absolute ``paths`` in the page's text.

    Example:
        >>> machine_paths("saved to /home/me/p3/outputs", ["/home/me/p3"])
        ['/home/me/p3']
        >>> machine_paths("PosixPath('x')", [])
        ['PosixPath']
    """
    found = ["PosixPath"] if "PosixPath" in text else []
    return found + [path for path in paths if path and path in text]


def progress_text(text: str) -> list[str]:
    """Progress-bar and tqdm text.

    Example:
        >>> progress_text("Batches: 40%|####   | 2/5 [00:01<00:01, 3.21it/s]") != []
        True
        >>> progress_text("AUC 0.812 on 93 pairs, 40% compatible")
        []
    """
    return _snippets(text, PROGRESS)


def unused_scripts(script_sources: list[str], used: dict[str, bool]) -> list[str]:
    """Heavy scripts a page loads though it has nothing they draw.

    ``used`` maps each key of :data:`SCRIPT_USES` to whether the page has its element.

    Example:
        >>> unused_scripts(["../_static/plotly.min.js?v=1"], {"plotly": False, "mermaid": False})
        ['../_static/plotly.min.js?v=1']
        >>> unused_scripts(["../_static/plotly.min.js"], {"plotly": True, "mermaid": False})
        []
    """
    return [
        src
        for src in script_sources
        for asset, present in used.items()
        if asset in src.lower() and not present
    ]


# Names from the code a reader should never meet in prose: parameter constants
# (TARGET_RECALL), metric keys with or without a prefix (cohens_d, baseline_n_false_positives).
METRIC_KEYS = ("cohens_d", "auc_roc", "spearman_ratio", "n_false_positives", "n_pairs")
INTERNAL_NAME = re.compile(
    r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b"
    r"|\b(?:[a-z0-9]+_)*(?:" + "|".join(METRIC_KEYS) + r")\b"
)
# Python's float repr of a rate (2e-05, 0.002 beside 2e-3 elsewhere) and a whole count shown
# with decimals (pairs 1195.000).
PYTHON_RATE = re.compile(r"(?<![\d.])\de-0\d\b")
DECIMAL_COUNT = re.compile(
    r"(?i)\b(?:pairs|positives|negatives|clusters|count|records)\b[^\n\d]{0,40}?"
    r"(?<![\d.])([1-9]\d*\.0{3,})\b"
)
BUILD_LOG = re.compile(r"\bwrote (?:outputs|[\w.-]+)/\S+")
# Prose that points at an output below it ("The summary below records...").
PROMISE = re.compile(r"\b(?:file|files|summary|table|record)s? below (?:holds?|records?|lists?)\b")


def internal_names(prose: str) -> list[str]:
    """Code names in a page's visible text outside code cells (inline code included).

    Example:
        >>> internal_names("at TARGET_RECALL; baseline_n_false_positives 136; Cohen's d 1.2")
        ['TARGET_RECALL', 'baseline_n_false_positives']
        >>> internal_names("pair types such as llm_judged_incompatible")
        []
    """
    return [match.group(0) for match in INTERNAL_NAME.finditer(prose)]


def undefined_abbreviations(text: str) -> list[str]:
    """The abbreviation "PRD" on a page that never says what it stands for.

    Example:
        >>> undefined_abbreviations("the PRD's 2e-5")
        ['PRD']
        >>> undefined_abbreviations("the product requirements document (PRD); the PRD's 2e-5")
        []
    """
    if re.search(r"\bPRD\b", text) and "product requirements document" not in text.lower():
        return ["PRD"]
    return []


def inconsistent_numbers(text: str) -> list[str]:
    """Rates in Python's float repr (``2e-05``), whole counts with decimals (``1195.000``).

    Example:
        >>> inconsistent_numbers("rate 2e-05; pairs 1195.000; AUC 1.000; rate 2e-5; d 1.7e-07")
        ['2e-05', '1195.000']
        >>> inconsistent_numbers("false positives\t41.000\t27.797; data_quality\t100.000")
        ['41.000']
    """
    rates = [m.group(0) for m in PYTHON_RATE.finditer(text)]
    return rates + [m.group(1) for m in DECIMAL_COUNT.finditer(text)]


def build_log_lines(text: str) -> list[str]:
    """What a build prints for its operator ("wrote outputs/metrics/full.json").

    Example:
        >>> build_log_lines("wrote outputs/metrics/full_training.json and outputs/models/full")
        ['wrote outputs/metrics/full_training.json']
        >>> build_log_lines("Chapter 03 wrote the model the book scores.")
        []
    """
    return [m.group(0) for m in BUILD_LOG.finditer(text)]


def promised_outputs(text: str) -> list[str]:
    """Prose that promises an output below it (the outputs are not shown in the book).

    Example:
        >>> promised_outputs("The results file below holds every number")
        ['file below holds']
        >>> promised_outputs("the histograms below sit apart")
        []
    """
    return [m.group(0) for m in PROMISE.finditer(text)]


# --- repetition: a finding, a table or a footnote stated twice ---------------------------------

# A sentence ends at . ! or ? followed by a space and a capital, a digit or an opening quote.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])")
# Below this many words a sentence is a phrase many pages may share ("Each was trained once.").
REPEAT_MIN_WORDS = 20


def sentences(text: str, min_words: int = REPEAT_MIN_WORDS) -> list[str]:
    """The sentences of ``text`` that have at least ``min_words`` words, whitespace collapsed.

    Example:
        >>> sentences("Short one. " + "word " * 20 + "end. Tail", min_words=5)[0].split()[-1]
        'end.'
    """
    parts = SENTENCE_END.split(" ".join(text.split()))
    return [part for part in parts if len(part.split()) >= min_words]


def repeated_sentences(
    pages: dict[str, str], min_words: int = REPEAT_MIN_WORDS
) -> dict[str, list[str]]:
    """Long sentences a reader meets more than once: ``{sentence: [page, page, ...]}``.

    A page is listed once per time it states the sentence, so a footnote printed twice on one
    page shows as ``[page, page]`` and a headline on four pages as four names.

    Example:
        >>> finding = "Fine-tuning improved the compatibility margin from -0.1 to +0.7 on eval."
        >>> repeated_sentences({"a": finding, "b": "Intro. " + finding, "c": "Other."}, 10)
        {'Fine-tuning improved the compatibility margin from -0.1 to +0.7 on eval.': ['a', 'b']}
        >>> note = "95% intervals resample the 40 template groups with BCa where defined."
        >>> list(repeated_sentences({"a": f"{note} Table. {note}"}, min_words=10).values())
        [['a', 'a']]
        >>> repeated_sentences({"a": "One finding, stated once here.", "b": "Another."}, 3)
        {}
    """
    where: dict[str, list[str]] = {}
    for name, text in pages.items():
        for sentence in sentences(text, min_words):
            where.setdefault(sentence, []).append(name)
    return {sentence: names for sentence, names in where.items() if len(names) > 1}


# A table's text: its cells, whitespace collapsed, rows joined by " | ".
REPEAT_MIN_ROWS = 6


def repeated_tables(
    tables: dict[str, list[list[str]]], min_rows: int = REPEAT_MIN_ROWS
) -> dict[str, list[str]]:
    """Tables of ``min_rows`` rows or more shown more than once: ``{first row: [page, ...]}``.

    ``tables`` maps a page to its tables, each a list of rows (a row: its cells' text joined).

    Example:
        >>> big = [f"row {i}" for i in range(8)]
        >>> repeated_tables({"05": [big], "06": [big, ["a", "b"]], "07": [["a", "b"]]})
        {'row 0': ['05', '06']}
        >>> repeated_tables({"05": [big[:3]], "06": [big[:3]]})
        {}
    """
    where: dict[tuple[str, ...], list[str]] = {}
    for name, page_tables in tables.items():
        for rows in page_tables:
            if len(rows) >= min_rows:
                where.setdefault(tuple(rows), []).append(name)
    return {rows[0]: names for rows, names in where.items() if len(names) > 1}


# The pair types "compatible" and "incompatible" share their names with the labels: a
# sentence about pair types that names them bare reads as a sentence about labels ("errs most
# on incompatible pairs: 45 of 45"). Pair types are named as types ("pairs of the type ...").
PAIR_TYPE_AS_LABEL = re.compile(
    r"\b(?:errs most on|error rate on|worst on) (?:the )?(?:compatible|incompatible) pairs\b"
    r"|\b(?:compatible|incompatible) pairs have the highest error rate"
    r"|\bamong them (?:\d+ of \d+ [a-z_]+(?:, | and |; | ))+pairs\b"
)


def pair_types_as_labels(text: str) -> list[str]:
    """Sentences that name a pair type bare, where it reads as the label.

    Example:
        >>> pair_types_as_labels("Full fine-tuning errs most on incompatible pairs: 45 of 45.")
        ['errs most on incompatible pairs']
        >>> pair_types_as_labels("among them 30 of 30 incompatible, 4 of 9 dealbreaker pairs")
        ['among them 30 of 30 incompatible, 4 of 9 dealbreaker pairs']
        >>> pair_types_as_labels("errs most on pairs of the type “incompatible”: 45 of 45")
        []
        >>> pair_types_as_labels("40 false positives of 45 incompatible pairs")
        []
    """
    return [m.group(0) for m in PAIR_TYPE_AS_LABEL.finditer(" ".join(text.split()))]
