"""Input files named by URL: fetched by the command line and the tab, by the REST API only when
the WebUI's owner allows it; a server that hangs, drips, sends too much, redirects to a local
file or answers with an error gets one line, and only http(s) is ever opened."""

from __future__ import annotations

import io
import json
import time

import numpy as np
import pytest
from PIL import Image

from lib_animation.cli import main
from lib_animation.errors import KeyframesError
from lib_animation.inputs.gather import load_inputs
from lib_animation.inputs.remote import UrlFetcher
from lib_animation.schema import Settings
from tests.inputs.web_server import web_server


def _png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), colour).save(buffer, format="PNG")
    return buffer.getvalue()


RED = _png((200, 10, 10))


def _with_init(url: str) -> Settings:
    return Settings({"W": 64, "H": 64, "use_init": True, "init_image": url})


def test_an_init_image_url_is_fetched_and_used():
    with web_server({"/red.png": RED}) as base:
        inputs = load_inputs(_with_init(f"{base}/red.png"), urls=UrlFetcher())
    assert inputs.init_image.shape == (64, 64, 3)
    assert np.abs(inputs.init_image.astype(int) - (200, 10, 10)).max() <= 1


def test_a_redirect_to_another_http_address_is_followed():
    with web_server({"/red.png": RED}) as base:
        inputs = load_inputs(_with_init(f"{base}/redirect/red.png"), urls=UrlFetcher())
    assert inputs.init_image is not None


def test_without_a_fetcher_a_url_is_refused_with_one_line():
    with pytest.raises(KeyframesError, match="init_image: image must be a local file, not a URL"):
        load_inputs(_with_init("http://127.0.0.1:9/red.png"))


@pytest.mark.parametrize(
    ("path", "fetcher", "message"),
    [
        ("/hang", UrlFetcher(timeout_s=0.5), "did not arrive within 0.5 s"),
        ("/drip", UrlFetcher(timeout_s=1.0), "did not arrive within 1 s"),
        ("/endless", UrlFetcher(max_bytes=1_000_000), "larger than 0 MiB"),
        ("/drip", UrlFetcher(max_bytes=1000), "larger than 0 MiB"),
        ("/gone.png", UrlFetcher(), "the server answered 404"),
        ("/to-file", UrlFetcher(), "cannot fetch image"),
    ],
)
def test_a_hostile_server_gets_one_line(path, fetcher, message):
    started = time.monotonic()
    with web_server({}) as base, pytest.raises(KeyframesError, match=message) as caught:
        load_inputs(_with_init(base + path), urls=fetcher)
    assert time.monotonic() - started < 4
    assert "\n" not in str(caught.value) and str(caught.value).startswith("init_image: ")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x.png",
                                 "gopher://127.0.0.1/x"])
def test_other_schemes_are_never_opened(url):
    with pytest.raises(KeyframesError, match="not a URL"):
        load_inputs(_with_init(url), urls=UrlFetcher())


def test_an_address_nobody_answers_is_one_line():
    with web_server({}) as base:
        closed = base  # the server is gone once the block ends
    with pytest.raises(KeyframesError, match="cannot fetch image .*check the address"):
        load_inputs(_with_init(f"{closed}/red.png"), urls=UrlFetcher())


def test_the_command_line_validates_a_url_input(tmp_path, capsys):
    with web_server({"/red.png": RED}) as base:
        good = tmp_path / "good.json"
        good.write_text(json.dumps({"W": 64, "H": 64, "max_frames": 2, "use_init": True,
                                    "init_image": f"{base}/red.png", "video_format": "none"}))
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps({"W": 64, "H": 64, "max_frames": 2, "use_init": True,
                                   "init_image": f"{base}/missing.png", "video_format": "none"}))
        assert main(["validate", str(good)]) == 0
        assert main(["validate", str(bad)]) == 2
    assert "the server answered 404" in capsys.readouterr().err
