"""Weight and speed of the "Try a pair" widget: site size, first score, later scores.

    .venv/bin/python benchmarks/bench_widget.py [--html _build/html] [--scores 10]

Serves a built book with ``p3 serve``'s server on 127.0.0.1, opens the results page in
headless Chromium (a fresh profile: nothing cached), scrolls the widget into view, clicks
Score at once, and times the click to the first score (the runtime and three models
loading, no typing time given); then scores the one-click examples in turn and reports the
median time per score as the widget measures it (tokenizing and three models). Also
prints the built site's size and the models' share. Targets on the 2-core CPU machine:
site under 120 MB, first score under 5 s, each later score under 300 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from p3lib.book.serve import address, make_server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
TARGETS = {"site_mb": 120.0, "first_s": 5.0, "score_ms": 300.0}
DONE = "document.querySelector('#p3-scores').dataset.state === 'done'"


def folder_mb(folder: Path, suffix: str | None = None) -> float:
    return (
        sum(
            path.stat().st_size
            for path in folder.rglob("*")
            if path.is_file() and (suffix is None or path.suffix == suffix)
        )
        / 1e6
    )


def measure(url: str, scores: int) -> tuple[float, float, list[float]]:
    """Seconds from click to first score (wall, and as the page timed it); later scores' ms."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        page.goto(url + "book/results.html")
        page.locator("#p3-score").scroll_into_view_if_needed()
        started = time.perf_counter()
        page.click("#p3-score")
        page.wait_for_function(DONE, timeout=120_000)
        first_wall = time.perf_counter() - started
        first_page = float(page.get_attribute("#p3-scores", "data-click-ms")) / 1000
        examples = page.locator(".p3-example")
        later = []
        for index in range(scores):
            page.evaluate("document.querySelector('#p3-scores').dataset.state = 'idle'")
            examples.nth(index % examples.count()).click()
            page.wait_for_function(DONE)
            later.append(float(page.get_attribute("#p3-scores", "data-score-ms")))
        browser.close()
    return first_wall, first_page, later


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", default=str(REPO_ROOT / "_build" / "html"))
    parser.add_argument("--scores", type=int, default=10)
    args = parser.parse_args()
    html = Path(args.html)
    server = make_server(html, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        first_wall, first_page, later = measure(address(server), args.scores)
    finally:
        server.shutdown()
    site, models = folder_mb(html), folder_mb(html / "_static" / "p3-models", ".onnx")
    median = statistics.median(later)
    print(
        f"site: {site:.1f} MB, of which models {models:.1f} MB (target < {TARGETS['site_mb']:.0f})"
    )
    print(
        f"first score: {first_wall:.2f} s from the click ({first_page:.2f} s timed by the page; "
        f"target < {TARGETS['first_s']:.0f} s)"
    )
    print(
        f"later scores: median {median:.0f} ms, range {min(later):.0f} to {max(later):.0f} ms "
        f"over {len(later)} (target < {TARGETS['score_ms']:.0f} ms)"
    )


if __name__ == "__main__":
    main()
