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
