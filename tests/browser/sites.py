"""The two sites that serve the Keyframes tab in the browser tests, and what a test reads
from a page:

* `Server`: the standalone page (`python -m lib_animation ui`, the preview host) in a child
  process;
* `WebUIServer`: the fake WebUI (tests/fake_webui) with Keyframes installed, its whole page
  served as the WebUI serves it (its tabs, its page script, the extension's keyframes.js and
  style.css linked in by the host); the Keyframes tab is one of its tabs.
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

ROOT = Path(__file__).resolve().parents[2]
FRAME_DELAY_S = 0.12  # per generation, so a run lasts long enough to interrupt
# Another extension whose always-on script makes a generation in the WebUI last about as long.
SLOW_EXTENSION = Path(__file__).resolve().parent / "slow_extension"
SITES = ("standalone", "webui")
# Failed loads of outside resources (fonts, CDN scripts) are expected with no network.
OUTSIDE_RESOURCE_ERRORS = ("net::ERR_NAME_NOT_RESOLVED", "net::ERR_INTERNET_DISCONNECTED",
                           "net::ERR_CONNECTION_REFUSED", "Unable to preload CSS for https://")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_folders(out: Path) -> list[Path]:
    if not out.is_dir():
        return []
    return sorted(p for p in out.iterdir() if (p / "settings.json").is_file())


class Server:
    """The standalone page, served by `python -m lib_animation ui` in a child process."""

    name = "standalone"
    screenshot_prefix = ""

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
        return run_folders(self.out)

    def open_tab(self, page) -> None:
        """The page is the tab."""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


class WebUIServer:
    """The fake WebUI with Keyframes and the slow extension, served in this process."""

    name = "webui"
    screenshot_prefix = "webui-"

    def __init__(self, webui) -> None:
        self.webui = webui
        self.url = webui.url

    @property
    def last_settings(self) -> Path:
        from lib_animation.webui.entry import job_manager
        from lib_animation.webui.tab import webui_context

        return webui_context(job_manager()).last_settings_file()

    def run_folders(self) -> list[Path]:
        from lib_animation.webui.options import current_options

        return run_folders(current_options().output_dir)

    def open_tab(self, page) -> None:
        page.click("#tabs > .tab-nav button:text-is('Keyframes')")


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


def open_keyframes(page, site) -> None:
    """Loads the site's page and shows the Keyframes tab once it has drawn its plan."""
    page.goto(site.url)
    site.open_tab(page)
    page.wait_for_selector("#keyframes_generate", timeout=60_000)
    # The page has loaded its settings and drawn the plan.
    page.wait_for_selector("#keyframes_plot img", timeout=60_000)
