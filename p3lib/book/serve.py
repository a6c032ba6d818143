"""``p3 serve``: the built book over HTTP on 127.0.0.1, so the "Try a pair" widget can run.

Browsers refuse to fetch WebAssembly and model files for a page opened from ``file://``;
this static server (the standard library's) makes the book's own folder a local site. It
listens on the loopback address only, so nothing outside this machine can reach it.
"""

from __future__ import annotations

import functools
import mimetypes
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# Types the standard library may not know; WebAssembly must be served as application/wasm
# for the browser to compile it while it downloads.
EXTRA_TYPES = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".onnx": "application/octet-stream",
}


class BookRequestHandler(SimpleHTTPRequestHandler):
    """Serves files of one folder; quiet unless a request fails."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **EXTRA_TYPES}

    def do_GET(self):  # noqa: N802 (the standard library's name)
        # Browsers ask for /favicon.ico unprompted; the book has none, and a 404 would show
        # as a console error on every page.
        if self.path == "/favicon.ico" and not (Path(self.directory) / "favicon.ico").is_file():
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()

    def log_request(self, code="-", size="-"):
        if str(getattr(code, "value", code)).startswith(("4", "5")):
            super().log_request(code, size)


def make_server(html_dir: str | Path, port: int = DEFAULT_PORT) -> ThreadingHTTPServer:
    """A server for ``html_dir`` on 127.0.0.1 (``port`` 0 picks a free port).

    Raises:
        FileNotFoundError: ``html_dir`` has no ``index.html`` (build the book first).
    """
    html_dir = Path(html_dir).resolve()
    if not (html_dir / "index.html").is_file():
        raise FileNotFoundError(f"{html_dir / 'index.html'} not found: run `p3 book` first")
    for suffix, kind in EXTRA_TYPES.items():
        mimetypes.add_type(kind, suffix)
    handler = functools.partial(BookRequestHandler, directory=str(html_dir))
    return ThreadingHTTPServer((HOST, port), handler)


def address(server: ThreadingHTTPServer) -> str:
    """The URL of the server's front page."""
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/"


def serve_command(html_dir: str | Path, port: int = DEFAULT_PORT) -> int:
    """``p3 serve``: serve the book until Ctrl-C; print the address first."""
    server = make_server(html_dir, port)
    print(f"serving {Path(html_dir).resolve()} at {address(server)} (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped")
    finally:
        server.server_close()
    return 0
