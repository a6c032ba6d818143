"""Smoke run of the whole book: every chapter executes with smoke parameters on a small slice
of the default data (plus HTML-bearing records), the book builds with warnings as errors,
and a second run with nothing changed skips every chapter."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from book_defects import pair_types_as_labels, repeated_sentences, repeated_tables
from conftest import SMOKE_PARAMS, run_p3

from p3lib.book.adr import headline_sentence, load_comparison
from p3lib.run.chapters import CHAPTERS

pytestmark = pytest.mark.smoke


class _Text(HTMLParser):
    """The visible text of a page: no tags, no scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def page_text(path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    # Sphinx turns straight quotes into typographic ones.
    text = " ".join(parser.parts).replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.split())


def chapter_page(smoke_book, name):
    return smoke_book["html"] / "outputs" / "notebooks" / f"{name}.html"


def test_every_chapter_page_and_adr_exists(smoke_book):
    for name in CHAPTERS:
        assert chapter_page(smoke_book, name).is_file(), name
    adrs = sorted(path.name for path in (smoke_book["html"] / "book" / "adr").glob("*.html"))
    assert adrs == [
        "001-lora-vs-full-finetuning.html",
        "002-qlora-skipped.html",
        "003-cosine-similarity-loss.html",
    ]
    assert (smoke_book["html"] / "index.html").is_file()


def test_chapter_01_reports_the_audit_and_quality(smoke_book):
    results = json.loads((smoke_book["out"] / "metrics" / "data_quality.json").read_text())
    assert results["audit"]["splits"]["eval"]["n_records"] == 93
    assert 0 <= results["quality"]["train"]["overall"] <= 100
    page = chapter_page(smoke_book, "01_data_quality").read_text()
    assert "Four quality dimensions" in page


def test_chapter_06_has_the_eight_comparisons_and_the_errors_chart(smoke_book):
    page = chapter_page(smoke_book, "06_comparison").read_text()
    # the PRD's eight comparisons, the forest plot of the paired differences, the errors of
    # every pair type (both labels); the tiers are chapter 05's
    assert len(re.findall(r'class="plotly-graph-div"', page)) == 10
    assert "Paired differences, model against model" in page
    assert "AUC on seen templates, unseen templates and unseen topics" not in page


def test_every_result_holds_three_tiers_and_the_pages_lead_with_them(smoke_book):
    metrics = smoke_book["out"] / "metrics"
    for name in ("baseline", "words_only", "full", "lora"):
        tiers = json.loads((metrics / f"{name}.json").read_text())["tiers"]
        for tier in ("seen_templates", "unseen_templates", "unseen_topics"):
            assert 0 <= tiers[tier]["auc"] <= 1 and tiers[tier]["n"] > 0, (name, tier)
            assert tiers[tier]["low"] <= tiers[tier]["auc"] <= tiers[tier]["high"], (name, tier)
    # The OOD split is the default data's, all of it, for every model.
    assert tiers["unseen_topics"]["n"] == 210
    from p3lib.book.tier_text import load_tiers, tier_sentence

    sentence = tier_sentence(load_tiers(smoke_book["out"]), "full")
    assert "on unseen templates from" in sentence and "on unseen topics from" in sentence
    # Stated once, in the results page's headline; chapter 05 tabulates and draws the tiers.
    prose, _ = book_articles(smoke_book["html"])
    assert [name for name, text in prose.items() if sentence in text] == ["book/results.html"]
    assert "AUC on seen templates, unseen templates and unseen topics" in chapter_page(
        smoke_book, "05_post_training_eval"
    ).read_text(encoding="utf-8")


def test_headline_sentence_matches_comparison_json(smoke_book):
    comparison = load_comparison(smoke_book["out"] / "metrics" / "comparison.json")
    sentence = headline_sentence(comparison, escape=None)
    assert f"{comparison.baseline.headline['margin'].value:+.3f}" in sentence
    assert sentence in page_text(smoke_book["html"] / "book" / "results.html")


# --- each thing stated once (issue 25, item 13) ------------------------------------------------


class _Article(HTMLParser):
    """A page's article as a reader reads it: its prose (no code, scripts or styles) and its
    tables, each a list of rows (a row: its cells' text joined by " | ")."""

    def __init__(self):
        super().__init__()
        self.parts, self.tables, self._skip, self._article = [], [], 0, 0
        self._row = self._cell = None

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style", "pre")
        self._article += tag == "article"
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style", "pre")
        self._article -= tag == "article"
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join(" ".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(" | ".join(self._row))
            self._row = None

    def handle_data(self, data):
        if self._skip or not self._article:
            return
        self.parts.append(data)
        if self._cell is not None:
            self._cell.append(data)


def book_articles(html) -> tuple[dict[str, str], dict[str, list[list[str]]]]:
    """Every page of the book (not the search page): ``({page: prose}, {page: tables})``."""
    prose, tables = {}, {}
    for path in sorted(html.rglob("*.html")):
        if "_static" in path.parts or path.name == "search.html" or path.parent == html:
            continue
        parser = _Article()
        parser.feed(path.read_text(encoding="utf-8"))
        name = str(path.relative_to(html))
        text = " ".join(parser.parts).replace("\u2019", "'").replace("\u2018", "'")
        prose[name], tables[name] = " ".join(text.split()), parser.tables
    return prose, tables


def test_each_finding_is_stated_once(smoke_book):
    """No long sentence on two pages (the headline was on four) or twice on one page (chapter
    06 printed the intervals' footnote twice; ADR 001 its time note)."""
    prose, _ = book_articles(smoke_book["html"])
    assert {"book/results.html", "outputs/notebooks/06_comparison.html"} <= set(prose)
    assert repeated_sentences(prose) == {}


def test_the_headline_lives_on_the_results_page_and_the_others_link_to_it(smoke_book):
    comparison = load_comparison(smoke_book["out"] / "metrics" / "comparison.json")
    prose, _ = book_articles(smoke_book["html"])
    sentence = headline_sentence(comparison, escape=None)
    assert [name for name, text in prose.items() if sentence in text] == ["book/results.html"]
    for page in (
        smoke_book["html"] / "book" / "intro.html",
        chapter_page(smoke_book, "05_post_training_eval"),
        chapter_page(smoke_book, "06_comparison"),
    ):
        assert "results.html#results-headline" in page.read_text(encoding="utf-8"), page.name


def test_no_table_is_shown_twice(smoke_book):
    """The 36-row table of paired differences is in chapter 06 only (it was in 05 too), as are
    the results table and the success criteria on the results page (they were in 06 too)."""
    _, tables = book_articles(smoke_book["html"])
    assert repeated_tables(tables) == {}
    paired = [
        name
        for name, page_tables in tables.items()
        for rows in page_tables
        if rows and rows[0].startswith("Comparison | Metric | Difference")
    ]
    assert paired == ["outputs/notebooks/06_comparison.html"]


def test_pair_types_are_named_as_types_not_as_labels(smoke_book):
    """ "Errs most on incompatible pairs: 45 of 45" read as the label; the type is named."""
    prose, _ = book_articles(smoke_book["html"])
    assert {name: found for name, t in prose.items() if (found := pair_types_as_labels(t))} == {}
    assert "pairs of the type “" in prose["outputs/notebooks/06_comparison.html"]


def test_injected_html_is_escaped_in_the_pages(smoke_book):
    for name in CHAPTERS:
        page = chapter_page(smoke_book, name).read_text()
        assert "<script>window.__p3_injected" not in page, name
        assert "<img src=x onerror" not in page, name


def test_second_run_with_nothing_changed_skips_every_chapter(smoke_book):
    common = (
        "--params",
        SMOKE_PARAMS,
        "--train",
        smoke_book["train"],
        "--eval",
        smoke_book["eval"],
    )
    unchanged = run_p3("run", *common, "--out", smoke_book["out"])
    assert unchanged.stdout.count("unchanged, skipped") == len(CHAPTERS)
    assert "executing" not in unchanged.stdout


def test_the_book_folder_is_marked_and_no_staging_is_left(smoke_book):
    from p3lib.store.atomic import MARKER

    assert (smoke_book["html"] / MARKER).is_file()
    assert not list(smoke_book["out"].glob("*staging*"))
