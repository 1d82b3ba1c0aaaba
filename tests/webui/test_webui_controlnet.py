"""ControlNet units in process, through the stand-in of the ControlNet extension's public API
(`tests/fake_webui/controlnet_extension`): units per frame, names checked before frame 0, the
extension's infotext kept in the frames."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tests.webui.harness import SMALL, manager, start, wait

CANNY = {"cn_1_enabled": True, "cn_1_module": "canny",
         "cn_1_model": "control_v11p_sd15_canny [d14c016b]"}
RUN = {**SMALL, "diffusion_cadence": 1, "max_frames": 4}


def _render(client, body) -> list[Image.Image]:
    from lib_animation.webui.options import current_options

    answer = client.post("/keyframes/v1/jobs", json=body)
    assert answer.status_code == 202, answer.text
    job = wait(answer.json()["id"])
    assert job.state == "done", job
    folder = current_options().output_dir / answer.json()["id"]
    return [Image.open(folder / f"frame_{index:06d}.png") for index in range(body["max_frames"])]


def _received():
    from modules import scripts

    script = next(s for s in scripts.scripts_img2img.alwayson_scripts
                  if s.title() == "ControlNet")
    return type(script).process.__globals__["RECEIVED"]


@pytest.mark.parametrize("always_on_scripts", [True, False])
def test_a_weight_schedule_steers_only_the_frames_it_weighs(fake_webui, always_on_scripts):
    webui = start(fake_webui, controlnet=True)
    from modules import shared

    shared.opts.data["keyframes_always_on_scripts"] = always_on_scripts
    client = webui.client()
    plain = _render(client, {**RUN, "batch_name": "plain"})
    steered = _render(client, {**RUN, **CANNY, "cn_1_weight": "0:(0), 1:(0), 2:(1)",
                               "batch_name": "steered"})
    for frame in (0, 1):
        assert np.array_equal(np.asarray(plain[frame]), np.asarray(steered[frame]))
        assert "ControlNet" not in steered[frame].info["parameters"]
    for frame in (2, 3):
        assert not np.array_equal(np.asarray(plain[frame]), np.asarray(steered[frame]))
        assert ("ControlNet 0: \"Module: canny, Model: control_v11p_sd15_canny [d14c016b], "
                "Weight: 1.0") in steered[frame].info["parameters"]
    received = [units for units in _received() if units][-2:]
    for units in received:
        (unit,) = units
        assert (unit.module, unit.weight, unit.resize_mode) == ("canny", 1.0, "Crop and Resize")
        assert unit.image.shape == (64, 64, 3) and unit.image.dtype == np.uint8


@pytest.mark.parametrize(("values", "line"), [
    ({"cn_1_model": "control_openpose"},
     "cn_1_model: ControlNet unit 1: the extension has no model 'control_openpose' (it has: "
     "control_v11p_sd15_canny [d14c016b], control_v11f1p_sd15_depth [cfd03158])"),
    ({"cn_1_module": "openpose"},
     "cn_1_module: ControlNet unit 1: the extension has no preprocessor 'openpose' (it has: "
     "none, canny, depth_midas, reference_only)"),
    ({f"cn_{n}_enabled": True for n in range(1, 5)},
     "cn_4_enabled: 4 ControlNet units are on, but the extension takes 3 (raise 'ControlNet "
     "unit number' in the WebUI's ControlNet settings and restart it, or turn units off)"),
])  # fmt: skip
def test_names_the_extension_lacks_get_422_before_frame_0(fake_webui, values, line):
    webui = start(fake_webui, controlnet=True)
    answer = webui.client().post("/keyframes/v1/jobs", json={**RUN, **CANNY, **values})
    assert answer.status_code == 422
    assert answer.json()["detail"]["errors"] == [line]
    assert manager().jobs() == []


def test_without_the_extension_a_run_with_units_is_refused(fake_webui):
    webui = start(fake_webui)
    answer = webui.client().post("/keyframes/v1/jobs", json={**RUN, **CANNY})
    assert answer.status_code == 422
    assert answer.json()["detail"]["error"] == (
        "cn_1_enabled: ControlNet unit 1 is on, but the WebUI has no ControlNet extension "
        "(install sd-webui-controlnet, or turn the unit off)")


def _blocks_by_id(demo) -> dict:
    return {block.elem_id: block for block in demo.blocks.values()
            if getattr(block, "elem_id", None)}


def test_the_tab_shows_a_controlnet_section_with_the_extensions_lists(fake_webui):
    webui = start(fake_webui, controlnet=True)
    blocks = _blocks_by_id(webui.demo)
    assert blocks["keyframes_tab_controlnet"].visible is True
    module, model = blocks["keyframes_cn_2_module"], blocks["keyframes_cn_2_model"]
    assert [c[0] if isinstance(c, tuple) else c for c in module.choices] == [
        "none", "canny", "depth_midas", "reference_only"]
    assert [c[0] if isinstance(c, tuple) else c for c in model.choices][0] == (
        "control_v11p_sd15_canny [d14c016b]")


def test_without_the_extension_the_section_is_hidden(fake_webui):
    webui = start(fake_webui)
    assert _blocks_by_id(webui.demo)["keyframes_tab_controlnet"].visible is False
