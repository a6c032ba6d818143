"""The "Try a pair" widget in a real browser, on the smoke-built book.

Over ``p3 serve`` the widget types a pair, scores it in the page with the exported int8
models, and its cosines match ``p3 score`` (PyTorch) within 0.02; no request leaves
127.0.0.1 and the console stays clean. Opened from ``file://`` it shows the one-line hint
to run ``p3 serve`` and logs no error. The built site with three int8 models stays under
120 MB.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from conftest import run_p3
from test_browser import CHROMIUM, CHROMIUM_ARGS  # one set of launch flags for both

from p3lib.book.serve import address, make_server
from p3lib.store.atomic import read_json
from p3lib.training.export import ExportReport

PAIR = ("I love hiking at dawn", "I can't stand hiking, I sleep in on weekends")
SITE_LIMIT_MB = 120
TOLERANCE = 0.02

pytestmark = [
    pytest.mark.smoke,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def served(smoke_book):
    server = make_server(smoke_book["html"], port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield address(server)
    server.shutdown()
    server.server_close()


def watch(page, origin: str):
    """Collect the page's console errors and every request that leaves ``origin``."""
    errors, foreign = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "request",
        lambda r: None if r.url.startswith((origin, "data:", "blob:")) else foreign.append(r.url),
    )
    return errors, foreign


def p3_score_cosine(model_dir: Path, text_1: str, text_2: str) -> float:
    printed = run_p3("score", "--model", model_dir, text_1, text_2).stdout
    return float(re.search(r"cosine (-?\d+\.\d+)", printed).group(1))


def test_widget_scores_like_p3_score_over_p3_serve(smoke_book, browser, served):
    page = browser.new_page()
    errors, foreign = watch(page, served.rstrip("/"))
    page.goto(served + "book/results.html")
    page.fill("#p3-text-1", PAIR[0])  # prefixes left for the widget to add
    page.fill("#p3-text-2", PAIR[1])
    page.click("#p3-score")
    page.wait_for_function(
        "['done', 'failed'].includes(document.querySelector('#p3-scores').dataset.state)",
        timeout=120_000,
    )
    status = page.inner_text("#p3-status")
    assert page.get_attribute("#p3-scores", "data-state") == "done", status
    assert page.input_value("#p3-text-1") == f"boy: {PAIR[0]}"
    assert page.input_value("#p3-text-2") == f"girl: {PAIR[1]}"
    rows = page.eval_on_selector_all(
        "#p3-scores tbody tr",
        "rows => rows.map(r => [r.dataset.model, Number(r.dataset.cosine),"
        " r.cells[2].textContent])",
    )
    cosines = {name: value for name, value, _ in rows}
    assert sorted(cosines) == ["base", "full", "lora"]
    out = smoke_book["out"]
    for name in ("full", "lora"):
        expected = p3_score_cosine(out / "models" / name, f"boy: {PAIR[0]}", f"girl: {PAIR[1]}")
        assert cosines[name] == pytest.approx(expected, abs=TOLERANCE), name
    # The base model has no threshold file for p3 score; score it with the same code.
    from p3lib.evaluation.embed import load_model
    from p3lib.training.score import score_pairs

    (base,) = score_pairs(load_model(None), [(f"boy: {PAIR[0]}", f"girl: {PAIR[1]}")], 0.5)
    assert cosines["base"] == pytest.approx(base.cosine, abs=TOLERANCE)
    # Each verdict is the one at that model's validation threshold from the run.
    report = ExportReport.model_validate(read_json(out / "metrics" / "export.json"))
    for name, value, text in rows:
        verdict = "compatible" if value >= report.models[name].threshold else "incompatible"
        assert text == f"{verdict} (threshold {report.models[name].threshold:.3f})"
    # One click on an example scores it with the models already loaded.
    page.click(".p3-example >> nth=0")
    page.wait_for_function("document.querySelector('#p3-scores').dataset.state === 'done'")
    assert page.input_value("#p3-text-1").startswith("boy: ")
    assert errors == []
    assert foreign == []
    page.close()


def test_widget_from_disk_shows_the_one_line_hint_without_errors(smoke_book, browser):
    page = browser.new_page()
    errors, foreign = watch(page, "file://")
    page.goto((smoke_book["html"] / "book" / "results.html").as_uri())
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)
    hint = page.inner_text("#p3-status")
    assert "p3 serve" in hint and "\n" not in hint
    assert page.is_disabled("#p3-score")
    assert errors == [] and foreign == []
    page.close()


def test_landing_page_links_to_the_widget(smoke_book):
    landing = (smoke_book["html"] / "index.html").read_text(encoding="utf-8")
    intro = (smoke_book["html"] / "book" / "intro.html").read_text(encoding="utf-8")
    assert "results.html#try-a-pair" in landing + intro


def test_site_with_three_int8_models_stays_under_the_limit(smoke_book):
    html = smoke_book["html"]
    report = ExportReport.model_validate(read_json(smoke_book["out"] / "metrics" / "export.json"))
    models = html / "_static" / "p3-models"
    shipped = {path.name for path in models.rglob("*.onnx")}
    assert shipped == {Path(report.shipped_file("full")).name}
    without_models = sum(
        path.stat().st_size for path in html.rglob("*") if path.is_file() and path.suffix != ".onnx"
    )
    int8 = sum((smoke_book["out"] / m.int8_file).stat().st_size for m in report.models.values())
    assert (without_models + int8) / 1e6 < SITE_LIMIT_MB
