"""A stand-in WebUI HTTP server for batch tests that can die: after `dies_after` generations it
drops every connection and shuts down, as a WebUI whose process was killed."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer

from tests.render.test_render_http_host import StandInWebUI


class MortalWebUI(StandInWebUI):
    dies_after: int | None = None
    dead: bool = False

    def _dying(self) -> bool:
        handler = type(self)
        if not handler.dead and handler.dies_after is not None \
                and len(handler.requests) >= handler.dies_after:
            handler.dead = True
            threading.Thread(target=_stop, args=(self.server,), daemon=True).start()
        if handler.dead:
            self.close_connection = True  # no answer: the connection just ends
        return handler.dead

    def do_GET(self):  # noqa: N802 - http.server's name
        if not self._dying():
            super().do_GET()

    def do_POST(self):  # noqa: N802 - http.server's name
        if not self._dying():
            super().do_POST()


def _stop(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()


def start_webui(port: int = 0, *, dies_after: int | None = None):
    """A running stand-in on 127.0.0.1 (its handler class, with `.url` and `.stop()`)."""
    handler = type("Handler", (MortalWebUI,), {"requests": [], "auth": None, "fail_after": None,
                                               "generator": 0, "dies_after": dies_after,
                                               "dead": False})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}"

    def stop() -> None:
        if not handler.dead:
            handler.dead = True
            _stop(server)

    handler.stop = stop
    return handler
