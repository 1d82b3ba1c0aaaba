"""A small HTTP server on 127.0.0.1 for tests of inputs named by URL: fixed answers by path,
plus paths that hang, drip, lie about their size or redirect elsewhere."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    files: Mapping[str, bytes] = {}

    def log_message(self, *args) -> None:  # keep the test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        if self.path == "/hang":
            time.sleep(5)
            return
        if self.path == "/drip":
            self._head(200, 1_000_000)
            for _ in range(50):
                self.wfile.write(b"x" * 10)
                self.wfile.flush()
                time.sleep(0.1)
            return
        if self.path == "/endless":
            self._head(200, None)
            chunk = b"\0" * 65536
            try:
                while True:
                    self.wfile.write(chunk)
            except OSError:
                return
        if self.path == "/to-file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
            return
        if self.path.startswith("/redirect/"):
            self.send_response(302)
            self.send_header("Location", self.path.removeprefix("/redirect"))
            self.end_headers()
            return
        body = self.files.get(self.path)
        if body is None:
            self._head(404, 0)
            return
        self._head(200, len(body))
        self.wfile.write(body)

    def _head(self, status: int, length: int | None) -> None:
        self.send_response(status)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()


@contextmanager
def web_server(files: Mapping[str, bytes]) -> Iterator[str]:
    """Serve `files` (path -> body); yields the server's base URL."""
    handler = type("Handler", (_Handler,), {"files": dict(files)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
