"""The WebUI loads the extension by file path and gets its tab, Settings section and routes."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tests.webui.harness import ROOT, start

ROUTES = [("GET", "/keyframes/v1/jobs"), ("GET", "/keyframes/v1/presets"),
          ("POST", "/keyframes/v1/validate"), ("POST", "/keyframes/v1/plan"),
          ("POST", "/keyframes/v1/jobs"), ("GET", "/keyframes/v1/jobs/nope"),
          ("DELETE", "/keyframes/v1/jobs/nope"), ("POST", "/keyframes/v1/jobs/nope/resume")]


def test_the_tab_options_and_routes_are_registered(fake_webui):
    webui = start(fake_webui)
    from modules import shared

    assert "Keyframes" in shared.tab_names
    options = {key for key in shared.opts.data_labels if key.startswith("keyframes_")}
    assert {"keyframes_output_dir", "keyframes_video_format", "keyframes_always_on_scripts",
            "keyframes_keep_depth_model", "keyframes_presets_dir"} <= options
    assert shared.opts.keyframes_video_format == "mp4"  # the schema's default, not a copy
    answer = webui.client().get("/keyframes/v1/presets")
    assert answer.status_code == 200
    assert "2d-zoom-rotate" in [preset["name"] for preset in answer.json()["presets"]]


def test_routes_exist_without_the_ui(fake_webui):
    webui = start(fake_webui, "--nowebui")
    assert webui.demo is None
    assert webui.client().get("/keyframes/v1/jobs").status_code == 200


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_wants_the_login_of_api_auth(fake_webui, method, path):
    webui = start(fake_webui, "--api-auth", "ann:secret")
    client = webui.client()
    assert client.request(method, path, json={}).status_code == 401
    assert client.request(method, path, json={}, auth=("ann", "wrong")).status_code == 401
    assert client.request(method, path, json={}, auth=("ann", "secret")).status_code != 401
    token = base64.b64encode(b"ann:secret").decode()
    answer = client.request(method, path, json={}, headers={"Authorization": f"Basic {token}"})
    assert answer.status_code != 401


def test_options_cannot_widen_file_access_through_the_api(fake_webui):
    webui = start(fake_webui)
    from modules import shared

    from lib_animation.webui.options import current_options

    client = webui.client()
    client.post("/sdapi/v1/options", json={"keyframes_input_dirs": "/", "keyframes_video_crf": 23,
                                           "outdir_samples": "/", "outdir_init_images": "/",
                                           "outdir_img2img_samples": "/"})
    assert shared.opts.keyframes_input_dirs == ""
    assert shared.opts.keyframes_video_crf == 23
    assert shared.opts.outdir_samples == "/"  # the WebUI's own folder options: any client's
    assert Path("/") not in current_options().input_dirs


def test_install_py_is_idempotent_and_leaves_the_hosts_pins_alone(fake_webui):
    webui = start(fake_webui)
    first = webui.run_extension_installers()
    second = webui.run_extension_installers()
    assert first == [] and second == []  # everything is present: nothing is installed twice
    import importlib.util

    spec = importlib.util.spec_from_file_location("kf_install", ROOT / "install.py")
    install = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(install)
    requirements = install.runtime_requirements((ROOT / "pyproject.toml").read_text())
    for pinned in ("numpy", "Pillow", "scikit-image"):
        # The host pins these; ours are lower bounds at or below its pins, never exact pins.
        line = next(r for r in requirements if install.distribution_name(r) == pinned)
        assert "==" not in line and "<" not in line


def test_a_missing_requirement_shows_in_the_tab_and_the_api_instead_of_a_traceback(
        fake_webui, monkeypatch):
    from lib_animation.webui import compat

    monkeypatch.setitem(compat.REQUIRED_MODULES, "keyframes_missing_module", "keyframes-missing")
    webui = start(fake_webui)
    from modules import shared

    assert "Keyframes" in shared.tab_names
    answer = webui.client().get("/keyframes/v1/jobs")
    assert answer.status_code == 503
    assert "keyframes-missing" in answer.json()["problems"][0]
