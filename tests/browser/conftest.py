"""Browser tests of the Keyframes tab: the standalone page (`python -m lib_animation ui`, the
preview host) in headless Chromium from the system's packages, driven by Playwright with no
browser download. They skip, saying why, where Chromium or Playwright is missing.

Screenshots go to $KEYFRAMES_SCREENSHOTS, else to a folder under pytest's temporary folder.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
ROOT = Path(__file__).resolve().parents[2]
FRAME_DELAY_S = 0.12  # per generation, so a run lasts long enough to interrupt
# Failed loads of outside resources (fonts, CDN scripts) are expected with no network.
OUTSIDE_RESOURCE_ERRORS = ("net::ERR_NAME_NOT_RESOLVED", "net::ERR_INTERNET_DISCONNECTED",
                           "net::ERR_CONNECTION_REFUSED", "Unable to preload CSS for https://")


def chromium_path() -> str | None:
    configured = os.environ.get("KEYFRAMES_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    return next((path for path in CHROMIUM_CANDIDATES if Path(path).is_file()), None)


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        pytest.skip("Chromium is not installed (apt-get install chromium chromium-driver)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed (pip install playwright; no browser download)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True,
            args=["--no-sandbox", "--no-proxy-server", "--disable-gpu"])
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    configured = os.environ.get("KEYFRAMES_SCREENSHOTS")
    folder = Path(configured) if configured else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.out = folder / "out"
        self.presets = folder / "presets"
        self.last_settings = folder / "last-settings.json"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        env = dict(os.environ, KEYFRAMES_PRESETS=str(self.presets),
                   KEYFRAMES_LAST_SETTINGS=str(self.last_settings),
                   GRADIO_ANALYTICS_ENABLED="False", no_proxy="127.0.0.1,localhost",
                   NO_PROXY="127.0.0.1,localhost")
        self.log = open(folder / "server.log", "wb")  # noqa: SIM115 (kept open while it runs)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lib_animation", "ui", "--port", str(self.port), "--out",
             str(self.out), "--frame-delay", str(FRAME_DELAY_S)],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait()

    def _wait(self) -> None:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the UI server stopped: {self.read_log()}")
            try:
                opener.open(self.url, timeout=2).read()
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"the UI server did not start: {self.read_log()}")

    def read_log(self) -> str:
        self.log.flush()
        return (self.folder / "server.log").read_text(errors="replace")[-4000:]

    def run_folders(self) -> list[Path]:
        if not self.out.is_dir():
            return []
        return sorted(p for p in self.out.iterdir() if (p / "settings.json").is_file())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser):
    started = Server(tmp_path_factory.mktemp("keyframes-ui"))
    yield started
    started.stop()


class Console:
    """The page's console errors and failed requests, without outside resources."""

    def __init__(self, page, server_url: str) -> None:
        self.problems: list[str] = []
        self.server_url = server_url
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type == "error" and not any(
                text in message.text for text in OUTSIDE_RESOURCE_ERRORS):
            self.problems.append(f"console: {message.text}")

    def _failed(self, request) -> None:
        if request.url.startswith(self.server_url):
            self.problems.append(f"request failed: {request.url} {request.failure}")

    def _response(self, response) -> None:
        if response.url.startswith(self.server_url) and response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")


@pytest.fixture
def page(browser, server):
    server.last_settings.unlink(missing_ok=True)  # every test starts from the defaults
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.console = Console(opened, server.url.rstrip("/"))
    opened.goto(server.url)
    opened.wait_for_selector("#keyframes_generate", timeout=60_000)
    # The page has loaded its settings and drawn the plan.
    opened.wait_for_selector("#keyframes_plot img", timeout=60_000)
    yield opened
    context.close()



