"""``p3 serve``: the built book over HTTP on 127.0.0.1 only, with the types browsers need."""

from __future__ import annotations

import re
import subprocess
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import P3

from p3lib.book.serve import address, make_server


@pytest.fixture
def site(tmp_path) -> Path:
    (tmp_path / "index.html").write_text("<p>the book</p>", encoding="utf-8")
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "runtime.wasm").write_bytes(b"\0asm\1\0\0\0")
    (tmp_path / "_static" / "glue.mjs").write_text("export {};", encoding="utf-8")
    return tmp_path


@pytest.fixture
def served(site):
    server = make_server(site, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield address(server)
    server.shutdown()
    server.server_close()


def get(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get("Content-Type"), response.read()


def test_serves_the_book_on_loopback_with_wasm_and_module_types(served):
    assert served.startswith("http://127.0.0.1:")
    assert get(served) == (200, "text/html", b"<p>the book</p>")
    status, kind, body = get(served + "_static/runtime.wasm")
    assert (status, kind, body) == (200, "application/wasm", b"\0asm\1\0\0\0")
    assert get(served + "_static/glue.mjs")[1] == "text/javascript"
    # No favicon in the book: an empty answer, not a 404 the browser reports as an error.
    assert get(served + "favicon.ico")[0] == 204
    with pytest.raises(urllib.error.HTTPError) as missing:
        get(served + "nothing-here.html")
    assert missing.value.code == 404


def test_refuses_a_folder_without_a_book(tmp_path):
    with pytest.raises(FileNotFoundError, match="run `p3 book` first"):
        make_server(tmp_path, port=0)


def test_p3_serve_prints_its_address_and_serves(site):
    process = subprocess.Popen(
        [P3, "serve", "--html", str(site), "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        line = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        assert get(url)[2] == b"<p>the book</p>"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_p3_serve_without_a_built_book_fails_with_a_message(tmp_path):
    completed = subprocess.run(
        [P3, "serve", "--html", str(tmp_path), "--port", "0"], capture_output=True, text=True
    )
    assert completed.returncode == 1
    assert "run `p3 book` first" in completed.stderr
