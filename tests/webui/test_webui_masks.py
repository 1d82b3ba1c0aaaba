"""Composable masks through the WebUI: the in-process host hands each frame's own mask to the
WebUI's img2img, and the REST API refuses a mask file named in an expression outside the
owner's folders with one 422 line naming the setting and keyframe (such files cannot be inline:
{init_mask} is the mask_file setting, which can)."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
from PIL import Image

from tests.webui.harness import SMALL, manager, start, wait

W = H = 64


def _inputs_dir() -> Path:
    from modules import paths_internal

    folder = Path(paths_internal.data_path) / "inputs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _mask_file(folder: Path, name: str, left: bool) -> tuple[Path, np.ndarray]:
    mask = np.zeros((H, W), np.uint8)
    if left:
        mask[:, : W // 2] = 255
    else:
        mask[:, W // 2:] = 255
    path = folder / name
    Image.fromarray(mask).save(path)
    return path, mask


def test_the_webui_inpaints_each_frame_through_its_own_mask(fake_webui):
    start(fake_webui)
    from modules import processing

    left, left_mask = _mask_file(_inputs_dir(), "left.png", left=True)
    right, right_mask = _mask_file(_inputs_dir(), "right.png", left=False)
    schedule = f'0: ("[{left}]"), 3: ("[{right}]"), 5: ("[{left}] | [{right}]")'
    job = manager().submit(_settings(use_mask=True, mask_schedule=schedule,
                                     diffusion_cadence=1))
    assert wait(job.id).state == "done"
    masks = dict(enumerate(getattr(call.p, "image_mask", None)
                           for call in processing.processed_log))
    assert masks[0] is None  # frame 0 is txt2img
    sent = [np.asarray(masks[frame].convert("L")) for frame in range(1, 6)]
    expected = [left_mask, left_mask, right_mask, right_mask, np.maximum(left_mask, right_mask)]
    assert all(np.array_equal(got, want) for got, want in zip(sent, expected, strict=True))


def _settings(**values):
    from lib_animation.schema import Settings

    return Settings({**SMALL, **values})


def test_a_mask_file_outside_the_allowed_folders_is_422_naming_the_keyframe(fake_webui,
                                                                            tmp_path):
    webui = start(fake_webui)
    inside, _ = _mask_file(_inputs_dir(), "inside.png", left=True)
    outside, _ = _mask_file(tmp_path, "secret.png", left=True)
    schedule = f'0: ("[{inside}]"), 4: ("{{video_mask}} & ![{outside}]")'
    for route in ("/keyframes/v1/jobs", "/keyframes/v1/validate"):
        answer = webui.client().post(route, json={**SMALL, "use_mask": True,
                                                  "mask_schedule": schedule})
        assert answer.status_code == 422, answer.text
        error = answer.json()["detail"]["error"]
        assert error.startswith("mask_schedule, keyframe 2: ") and "outside" in error
        assert str(tmp_path) not in error
    assert manager().jobs() == []


def test_an_inline_mask_file_is_the_init_mask_of_an_expression(fake_webui):
    webui = start(fake_webui)
    inside, _ = _mask_file(_inputs_dir(), "right.png", left=False)
    left = np.zeros((H, W), np.uint8)
    left[:, : W // 2] = 255
    buffer = io.BytesIO()
    Image.fromarray(left).save(buffer, format="PNG")
    inline = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    body = {**SMALL, "use_mask": True, "mask_file": inline,
            "mask_schedule": f'0: ("{{init_mask}} | [{inside}]")'}
    answer = webui.client().post("/keyframes/v1/validate", json=body)
    assert answer.status_code == 200, answer.text
