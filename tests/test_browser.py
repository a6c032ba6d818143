"""A real browser opens every page of the smoke-built book from disk.

Headless Debian Chromium, driven by Playwright: no console errors, no request to any other
host, every plotly chart drawn (its SVG exists), the mermaid diagram drawn, and the
``<script>`` planted in the smoke data never ran. A screenshot of chapter 06 is saved to
``test-artifacts/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import INJECTED

from p3lib.layout import REPO_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO_ROOT / "test-artifacts"
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


def open_page(browser, path: Path):
    """Open ``path``; return the page, its console errors and its non-file requests."""
    page = browser.new_page(viewport={"width": 1300, "height": 900})
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


def test_chapter_06_screenshot(smoke_book, browser):
    chapter = smoke_book["html"] / "outputs" / "notebooks" / "06_comparison.html"
    page, errors, _ = open_page(browser, chapter)
    assert page.locator(".plotly-graph-div svg.main-svg").count() >= 8
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chapter06.png"), full_page=True)
    assert (ARTIFACTS / "chapter06.png").stat().st_size > 10_000
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
