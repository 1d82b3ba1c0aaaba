"""Browser tests of the Keyframes tab in headless Chromium from the system's packages, driven
by Playwright with no browser download. They skip, saying why, where Chromium or Playwright is
missing.

The `page` fixture opens the standalone page (the `server` site); a test parametrized with
`@pytest.mark.parametrize("site", SITES, indirect=True)` also runs on the Keyframes tab inside
the fake WebUI's page (the `webui_server` site). See sites.py.

Screenshots go to $KEYFRAMES_SCREENSHOTS, else to a folder under pytest's temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.sites import ROOT, SLOW_EXTENSION, Console, Server, WebUIServer, open_keyframes
from tests.fake_webui.fixtures import fake_webui_session

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


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


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser):
    started = Server(tmp_path_factory.mktemp("keyframes-ui"))
    yield started
    started.stop()


@pytest.fixture(scope="module")
def webui_server(tmp_path_factory, browser):
    with fake_webui_session(tmp_path_factory.mktemp("keyframes-webui")) as start:
        webui = start(extensions={"keyframes": ROOT, "slow": SLOW_EXTENSION}, args=["--api"],
                      serve=True)
        yield WebUIServer(webui)


@pytest.fixture
def site(request):
    """The standalone page, or with the parameter "webui" the fake WebUI's page."""
    which = getattr(request, "param", "standalone")
    return request.getfixturevalue("webui_server" if which == "webui" else "server")


@pytest.fixture
def page(browser, site):
    site.last_settings.unlink(missing_ok=True)  # every test starts from the defaults
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.console = Console(opened, site.url.rstrip("/"))
    open_keyframes(opened, site)
    yield opened
    context.close()
