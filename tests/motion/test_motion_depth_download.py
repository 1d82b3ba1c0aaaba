"""The weight downloader against a loopback HTTP server: progress, checksums, cut-offs, offline."""

from __future__ import annotations

import hashlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from lib_animation.errors import DepthModelError
from lib_animation.motion.depth_download import RemoteFile, ensure_files, record_path

BODY = np.random.default_rng(7).integers(0, 256, 3_500_000, dtype=np.uint8).tobytes()
BODY_SHA = hashlib.sha256(BODY).hexdigest()


@dataclass
class Route:
    body: bytes
    status: int = 200
    cut_after: int | None = None  # announce the full length, then hang up after this many bytes


@dataclass
class Server:
    url: str
    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        state: Server = self.server.state  # type: ignore[attr-defined]
        state.hits.append(self.path)
        route = state.routes.get(self.path)
        if route is None or route.status != 200:
            self.send_error(404 if route is None else route.status)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(route.body)))
        self.end_headers()
        self.wfile.write(route.body[: route.cut_after])
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def server() -> Iterator[Server]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    state = Server(url=f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.state = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/weights.bin"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_download_reports_progress_and_records_the_hash(server: Server, tmp_path: Path) -> None:
    server.routes["/w.bin"] = Route(BODY)
    calls: list[tuple[int, int, str]] = []
    remote = RemoteFile("w.bin", server.url + "/w.bin", sha256=BODY_SHA, size=len(BODY))
    folder = tmp_path / "tiny"

    ensure_files("tiny", [remote], folder, lambda *call: calls.append(call))

    assert (folder / "w.bin").read_bytes() == BODY
    assert record_path(folder / "w.bin").read_text().split() == [BODY_SHA, str(len(BODY))]
    assert leftovers(folder) == ["w.bin", "w.bin.sha256"]
    done = [c[0] for c in calls]
    assert len(calls) >= 4  # 3.5 MB arrives in several chunks
    assert done == sorted(done) and done[-1] == len(BODY)
    assert {c[1] for c in calls} == {len(BODY)}
    assert all("tiny" in c[2] and "w.bin" in c[2] for c in calls)


def test_a_verified_file_is_not_downloaded_again(server: Server, tmp_path: Path) -> None:
    server.routes["/w.bin"] = Route(BODY)
    remote = RemoteFile("w.bin", server.url + "/w.bin", sha256=BODY_SHA)
    ensure_files("tiny", [remote], tmp_path)
    ensure_files("tiny", [remote], tmp_path)
    assert server.hits == ["/w.bin"]


def test_checksum_mismatch_is_an_error_and_leaves_no_file(server: Server, tmp_path: Path) -> None:
    server.routes["/w.bin"] = Route(BODY)
    wrong = hashlib.sha256(b"another file").hexdigest()
    remote = RemoteFile("w.bin", server.url + "/w.bin", sha256=wrong)
    folder = tmp_path / "tiny"

    with pytest.raises(DepthModelError) as caught:
        ensure_files("tiny", [remote], folder)

    text = str(caught.value)
    assert text.startswith(f"could not download tiny from {remote.url}: checksum mismatch")
    assert BODY_SHA in text and wrong in text
    assert text.endswith(f"Download the files by hand into {folder}")
    assert leftovers(folder) == []


def test_pinned_size_mismatch_is_an_error(server: Server, tmp_path: Path) -> None:
    server.routes["/w.bin"] = Route(BODY)
    remote = RemoteFile("w.bin", server.url + "/w.bin", size=len(BODY) + 1)
    with pytest.raises(DepthModelError, match=f"{len(BODY)} bytes, expected {len(BODY) + 1}"):
        ensure_files("tiny", [remote], tmp_path)
    assert leftovers(tmp_path) == []


def test_cut_off_download_is_not_taken_as_done(server: Server, tmp_path: Path) -> None:
    server.routes["/w.bin"] = Route(BODY, cut_after=len(BODY) // 2)
    remote = RemoteFile("w.bin", server.url + "/w.bin")  # nothing pinned: the length check alone

    with pytest.raises(DepthModelError, match=f"stopped after {len(BODY) // 2} of {len(BODY)}"):
        ensure_files("tiny", [remote], tmp_path)
    assert leftovers(tmp_path) == []

    server.routes["/w.bin"] = Route(BODY)
    ensure_files("tiny", [remote], tmp_path)
    assert (tmp_path / "w.bin").read_bytes() == BODY


def test_download_cancelled_from_the_progress_callback_leaves_no_file(
    server: Server, tmp_path: Path
) -> None:
    class Cancelled(Exception):
        pass

    def cancel(done: int, total: int, text: str) -> None:
        if done > total // 2:
            raise Cancelled

    server.routes["/w.bin"] = Route(BODY)
    remote = RemoteFile("w.bin", server.url + "/w.bin", sha256=BODY_SHA)
    with pytest.raises(Cancelled):
        ensure_files("tiny", [remote], tmp_path, cancel)
    assert leftovers(tmp_path) == []


def test_a_part_file_left_by_a_killed_download_is_replaced(server: Server, tmp_path: Path) -> None:
    (tmp_path / ".w.bin.x1y2.part").write_bytes(BODY[:1000])
    server.routes["/w.bin"] = Route(BODY)
    ensure_files("tiny", [RemoteFile("w.bin", server.url + "/w.bin", sha256=BODY_SHA)], tmp_path)
    assert (tmp_path / "w.bin").read_bytes() == BODY
    assert leftovers(tmp_path) == ["w.bin", "w.bin.sha256"]


def test_offline_is_one_line_naming_the_url_and_the_folder(tmp_path: Path) -> None:
    url = closed_port_url()
    folder = tmp_path / "models" / "dpt-hybrid-midas"
    with pytest.raises(DepthModelError) as caught:
        ensure_files("dpt-hybrid-midas", [RemoteFile("weights.bin", url)], folder)
    text = str(caught.value)
    assert text.startswith(f"could not download dpt-hybrid-midas from {url}: ")
    assert "refused" in text.lower()
    assert text.endswith(f"Download the files by hand into {folder}")
    assert "\n" not in text and "Traceback" not in text
    assert leftovers(folder) == []


def test_http_error_status_is_reported(server: Server, tmp_path: Path) -> None:
    remote = RemoteFile("w.bin", server.url + "/missing.bin")
    with pytest.raises(DepthModelError, match="HTTP 404"):
        ensure_files("tiny", [remote], tmp_path)
    assert leftovers(tmp_path) == []


def test_a_correct_file_placed_by_hand_is_used_without_network(tmp_path: Path) -> None:
    (tmp_path / "w.bin").write_bytes(BODY)
    checked: list[int] = []
    remote = RemoteFile("w.bin", closed_port_url(), sha256=BODY_SHA, size=len(BODY))
    ensure_files("tiny", [remote], tmp_path, lambda done, total, text: checked.append(done))
    assert record_path(tmp_path / "w.bin").read_text().split() == [BODY_SHA, str(len(BODY))]
    assert checked[-1] == len(BODY)


def test_a_wrong_file_placed_by_hand_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "w.bin").write_bytes(BODY[::-1])
    remote = RemoteFile("w.bin", closed_port_url(), sha256=BODY_SHA)
    with pytest.raises(DepthModelError, match="Delete it to download it again"):
        ensure_files("tiny", [remote], tmp_path)
    assert (tmp_path / "w.bin").exists()


def test_an_unpinned_file_placed_by_hand_gets_its_hash_recorded(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_bytes(b'{"model_type": "dpt"}')
    ensure_files("tiny", [RemoteFile("config.json", closed_port_url())], tmp_path)
    expected = hashlib.sha256(b'{"model_type": "dpt"}').hexdigest()
    assert record_path(tmp_path / "config.json").read_text().split() == [expected, "21"]
