"""A real browser opens every page of the smoke-built book from disk.

Headless Debian Chromium, driven by Playwright: no console errors, no request to any other
host, every plotly chart drawn (its SVG exists), the mermaid diagram drawn, and the
``<script>`` planted in the smoke data never ran.

Every page is also read as a reader would, at 1,400 px and at 390 px (a phone), and fails on
each defect class of :mod:`book_defects`: placeholder text, raw Markdown tables, the
builder's paths, progress bars, empty output boxes, a page wider than the phone, heavy
scripts a page does not use, and a landing page without the headline numbers. Screenshots of
the landing page and chapter 06 at both widths are taken into the test's temporary folder, or
into the folder ``P3_SCREENSHOTS`` names, for a person who wants to look at them (nothing is
written into the repository by default).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from book_defects import (
    SCRIPT_USES,
    build_log_lines,
    inconsistent_numbers,
    internal_names,
    machine_paths,
    placeholder_text,
    progress_text,
    promised_outputs,
    raw_markdown_tables,
    undefined_abbreviations,
    unused_scripts,
)
from conftest import INJECTED

from p3lib.book.landing import estimate_text
from p3lib.book.sentences import headline_sentence
from p3lib.book.tier_text import auc_text, load_tiers
from p3lib.evaluation.comparison import load_comparison
from p3lib.store.run_layout import REPO_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without these flags Chromium tries Google's hosts at start-up on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.smoke,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]


def book_pages(html: Path) -> list[Path]:
    return sorted(
        path
        for path in html.rglob("*.html")
        if "_static" not in path.parts and "_sources" not in path.parts
    )


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


WIDTHS = (1400, 390)
# Words and numbers in table cells that the browser drew across two lines ("0.0 27"): a
# range over each one has boxes on more than one line.
BROKEN_NUMBERS_JS = """() => {
  const broken = [];
  const word = /[\\p{L}\\p{N}][\\p{L}\\p{N}.,'\u2019]*/gu;
  for (const cell of document.querySelectorAll("td, th")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.textContent.matchAll(word)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0);
        if (new Set(rects.map((r) => Math.round(r.top))).size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""
# Facts a page gives the browser, for the checks of book_defects.
FACTS_JS = """(uses) => {
  const outputs = Array.from(document.querySelectorAll("div.cell_output > *"));
  const empty = outputs.filter((box) =>
      box.innerText.trim() === "" &&
      !box.querySelector("img, svg, table, canvas, iframe, .plotly-graph-div"));
  const used = {};
  for (const [asset, selector] of Object.entries(uses)) {
    used[asset] = document.querySelector(selector) !== null;
  }
  return {
    text: document.body ? document.body.innerText : "",
    svgText: Array.from(document.querySelectorAll("svg text")).map((t) => t.textContent)
        .join(" "),
    scripts: Array.from(document.querySelectorAll("script[src]")).map((s) => s.src),
    used: used,
    emptyOutputs: empty.map((box) => box.className),
    scrollWidth: document.documentElement.scrollWidth,
    brokenWords: (BROKEN_NUMBERS)(),
    prose: (() => {
      const parts = [];
      const root = document.querySelector("article") || document.body;
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (parent.closest("pre, .highlight, script, style, svg")) continue;
        if (!parent.checkVisibility()) continue;
        parts.push(node.textContent);
      }
      return parts.join(" ");
    })(),
    searchBoxes: Array.from(document.querySelectorAll(
        "form.bd-search, button.search-button-field, button.search-button,"
        + " .search-button__wrapper input"))
        .filter((box) => box.offsetParent !== null).length,
    favicon: (document.querySelector("link[rel~='icon']") || {}).href || null,
    links: Array.from(document.querySelectorAll("a[href]")).map((a) => a.getAttribute("href")),
  };
}""".replace("BROKEN_NUMBERS", BROKEN_NUMBERS_JS)


def open_page(browser, path: Path, width: int = 1300):
    """Open ``path``; return the page, its console errors and its non-file requests."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    foreign: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "request",
        lambda request: (
            foreign.append(request.url)
            if not request.url.startswith(("file:", "data:", "blob:", "about:"))
            else None
        ),
    )
    page.goto(path.as_uri())
    # The site's root index.html only redirects (a meta refresh): read the page it opens,
    # not the redirect half-way through.
    redirect = re.search(r'http-equiv="Refresh" content="0; url=([^"]+)"', path.read_text())
    if redirect:
        page.wait_for_url((path.parent / redirect.group(1)).resolve().as_uri())
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    return page, errors, foreign


def test_every_page_loads_offline_and_draws(smoke_book, browser):
    html = smoke_book["html"]
    pages = book_pages(html)
    assert html / "index.html" in pages
    shown_as_text = []
    for path in pages:
        page, errors, foreign = open_page(browser, path)
        name = path.relative_to(html).as_posix()
        charts = page.locator(".plotly-graph-div")
        if page.locator("pre.mermaid").count():
            page.wait_for_selector("pre.mermaid svg", timeout=10_000)
        for index in range(charts.count()):
            assert charts.nth(index).locator("svg.main-svg").count() > 0, (
                f"{name}: chart {index} not drawn"
            )
        assert page.evaluate("window.__p3_injected === undefined"), f"{name}: injected script ran"
        assert errors == [], f"{name}: console errors {errors}"
        assert foreign == [], f"{name}: requests to other hosts {foreign}"
        if INJECTED[0].split(": ", 1)[1] in page.inner_text("body"):
            shown_as_text.append(name)
        page.close()
    # The planted statements appear on some page as the literal text they are.
    assert shown_as_text


def test_mermaid_diagram_draws_on_the_introduction(smoke_book, browser):
    page, errors, _ = open_page(browser, smoke_book["html"] / "book" / "intro.html")
    page.wait_for_selector("pre.mermaid svg", timeout=10_000)
    assert "validation split" in page.inner_text("pre.mermaid")
    assert errors == []


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where screenshots go: the test's temporary folder, or ``$P3_SCREENSHOTS`` when a person
    asks to keep them (a folder of their choosing, made if missing)."""
    chosen = os.environ.get("P3_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_chapter_06_screenshot(smoke_book, browser, screenshots):
    chapter = smoke_book["html"] / "outputs" / "notebooks" / "06_comparison.html"
    page, errors, _ = open_page(browser, chapter)
    assert page.locator(".plotly-graph-div svg.main-svg").count() >= 8
    page.screenshot(path=str(screenshots / "chapter06.png"), full_page=True)
    assert (screenshots / "chapter06.png").stat().st_size > 10_000
    assert errors == []


def test_charts_do_not_draw_without_the_shipped_plotly(smoke_book, browser, tmp_path):
    """The check above is real: the same page with plotly.js removed fails it."""
    broken = tmp_path / "html"
    shutil.copytree(smoke_book["html"], broken)
    (broken / "_static" / "plotly.min.js").unlink()
    page, errors, _ = open_page(browser, broken / "outputs" / "notebooks" / "01_data_quality.html")
    assert page.locator(".plotly-graph-div").count() > 0
    assert page.locator(".plotly-graph-div svg.main-svg").count() == 0
    assert any("Plotly" in error for error in errors)


@pytest.fixture(scope="module")
def page_facts(smoke_book, browser) -> dict[tuple[str, int], dict]:
    """``{(page, width): facts}`` for every page of the smoke book at both widths."""
    html = smoke_book["html"]
    facts = {}
    for path in book_pages(html):
        for width in WIDTHS:
            page, _, _ = open_page(browser, path, width)
            if page.locator("pre.mermaid").count():
                page.wait_for_selector("pre.mermaid svg", timeout=10_000)
            facts[(path.relative_to(html).as_posix(), width)] = page.evaluate(FACTS_JS, SCRIPT_USES)
            page.close()
    return facts


def defects(page_facts, check) -> dict[str, list]:
    """``{page@width: what check found}`` for the pages where ``check`` found something."""
    found = {f"{name}@{width}": check(facts) for (name, width), facts in page_facts.items()}
    return {where: what for where, what in found.items() if what}


def test_no_page_shows_placeholder_text(page_facts):
    # A default build (no appendix) shows what it measured, never a placeholder; plotly draws
    # "new text" for an annotation without text.
    assert defects(page_facts, lambda f: placeholder_text(f["text"] + " " + f["svgText"])) == {}


def test_no_page_shows_a_raw_markdown_table(page_facts):
    assert defects(page_facts, lambda f: raw_markdown_tables(f["text"])) == {}


def test_no_page_shows_the_builders_paths(page_facts, smoke_book):
    paths = [str(REPO_ROOT), str(smoke_book["root"]), str(smoke_book["root"].resolve())]
    assert defects(page_facts, lambda f: machine_paths(f["text"], paths)) == {}


def test_no_page_shows_progress_bars(page_facts):
    assert defects(page_facts, lambda f: progress_text(f["text"])) == {}


def test_no_page_shows_an_empty_output_box(page_facts):
    assert defects(page_facts, lambda f: f["emptyOutputs"]) == {}


def test_no_page_is_wider_than_a_phone(page_facts):
    wide = {name: f["scrollWidth"] for (name, width), f in page_facts.items() if width == 390}
    assert {name: w for name, w in wide.items() if w > 390} == {}


def test_no_table_cell_breaks_a_word_or_number_on_a_phone(page_facts):
    # "-0.04 7 [-0.1 19, +0.0 27]": a number drawn across two lines reads as two numbers.
    found = {name: f["brokenWords"] for (name, width), f in page_facts.items() if width == 390}
    assert {name: words for name, words in found.items() if words} == {}


def test_pages_speak_to_readers_not_to_the_code(page_facts):
    """No code names, undefined abbreviations, float reprs, build logs or promised outputs."""
    checks = {
        "internal names": lambda f: internal_names(f["prose"]),
        "undefined abbreviations": lambda f: undefined_abbreviations(f["text"]),
        "inconsistent numbers": lambda f: inconsistent_numbers(f["text"] + " " + f["svgText"]),
        "build log": lambda f: build_log_lines(f["text"]),
        "promised outputs": lambda f: promised_outputs(f["text"]),
    }
    at_1400 = {key: facts for key, facts in page_facts.items() if key[1] == 1400}
    found = {what: defects(at_1400, check) for what, check in checks.items()}
    assert {what: where for what, where in found.items() if where} == {}


def test_site_hygiene(smoke_book, page_facts):
    """No build cache or source maps published, a favicon on every page, one search box,
    no link to an index page the book does not fill."""
    html = smoke_book["html"]
    assert not (html / ".doctrees").exists()
    assert not list(html.rglob("*.map"))
    assert not (html / "genindex.html").exists()
    assert not (html / "_sources").exists()
    for (name, width), facts in page_facts.items():
        assert facts["favicon"] and facts["favicon"].startswith("file:"), name
        assert Path(facts["favicon"].removeprefix("file://")).is_file(), name
        assert not [link for link in facts["links"] if "genindex" in link], name
        if width == 1400 and name != "search.html":  # the search page has its own form
            assert facts["searchBoxes"] == 1, (name, facts["searchBoxes"])
    # Every script file the site ships is one some page loads (or the widget loads).
    loaded = {src.split("?")[0] for facts in page_facts.values() for src in facts["scripts"]}
    loaded = {Path(src.removeprefix("file://")).resolve() for src in loaded}
    shipped = {path.resolve() for path in (html / "_static").rglob("*.js")}
    widget_loads = {path for path in shipped if "onnxruntime-web" in path.parts}
    assert shipped - loaded - widget_loads == set()


def test_every_page_carries_the_provenance_footer(page_facts, smoke_book):
    from p3lib.book.footer import commit

    for (name, _), facts in page_facts.items():
        footer = re.search(r"Built \d{4}-\d\d-\d\d \d\d:\d\d UTC by p3 book[^\n]*", facts["text"])
        assert footer, name
        assert commit() in footer.group(0) and "torch " in footer.group(0), name
        assert "CPU core" in footer.group(0), name


def test_pages_load_plotly_mermaid_and_mathjax_only_where_used(page_facts):
    assert defects(page_facts, lambda f: unused_scripts(f["scripts"], f["used"])) == {}
    # ...and the pages that draw keep them: the check above is not passing by removing all.
    charts = [name for (name, _), f in page_facts.items() if f["used"]["plotly"]]
    assert "outputs/notebooks/06_comparison.html" in charts
    assert all(
        any("plotly" in src for src in page_facts[(name, 1400)]["scripts"]) for name in charts
    )


def test_landing_page_opens_with_the_finding(smoke_book, browser):
    """The tiers and the key numbers with intervals, the figure, and a link to the headline,
    which the results page states (the landing page no longer repeats it)."""
    comparison = load_comparison(smoke_book["out"] / "metrics" / "comparison.json")
    page, errors, _ = open_page(browser, smoke_book["html"] / "book" / "intro.html", 1400)
    text = " ".join(page.inner_text("article").split()).replace("\u2019", "'")
    assert headline_sentence(comparison, escape=None) not in text
    for summary in comparison.models().values():
        assert estimate_text(summary.headline["spearman"], ".3f") in text
        assert estimate_text(summary.headline["auc_roc"], ".3f") in text
    assert page.locator("article a[href$='results.html#results-headline']").count() >= 1
    # the answer comes before the description of the question, and the three tiers (the
    # book's question, answered beyond the templates) before the whole-eval numbers
    assert text.index("The answer") < text.index("The question")
    tiers = load_tiers(smoke_book["out"])
    unseen_topics = auc_text(tiers.models["full"].tier("unseen_topics"))
    assert text.index("Unseen topics (OOD split)") < text.index("The key numbers on the whole")
    assert unseen_topics in text
    assert "Figure 1." in text
    assert errors == []
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_landing_figure_reads_at_both_widths(smoke_book, browser, width):
    """The landing figure is drawn for the page's width: inside it, text at 10 px or more."""
    page, errors, _ = open_page(browser, smoke_book["html"] / "book" / "intro.html", width)
    figure = page.locator("article .p3-landing-figure .plotly-graph-div")
    assert figure.count() == 1
    figure.locator("svg.main-svg").first.wait_for()
    box = figure.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    sizes = figure.evaluate(
        "div => Array.from(div.querySelectorAll('svg text'))"
        ".filter((t) => t.textContent.trim()).map((t) => parseFloat(getComputedStyle(t).fontSize))"
    )
    assert sizes and min(sizes) >= 10
    assert errors == []
    page.close()


def test_screenshots_of_the_landing_page_and_chapter_06(smoke_book, browser, screenshots):
    html = smoke_book["html"]
    pages = {"landing": html / "book" / "intro.html"}
    pages["chapter06"] = html / "outputs" / "notebooks" / "06_comparison.html"
    for name, path in pages.items():
        for width in WIDTHS:
            page, errors, _ = open_page(browser, path, width)
            shot = screenshots / f"{name}-{width}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            assert errors == []
            page.close()


def test_search_lists_results_quietly_from_disk(smoke_book, browser):
    """Under file:// a search shows its results and logs nothing (no snippet fetches)."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto((smoke_book["html"] / "search.html").as_uri() + "?q=margin")
    page.wait_for_selector("#search-results li", timeout=10_000)
    page.wait_for_timeout(1_000)
    assert page.locator("#search-results li").count() >= 2
    assert errors == []
    page.close()
