"""ControlNet units in the frame loop: each frame's unit values from its schedules, the control
image (video frame, still image, loopback, the frame's init), and the checks before frame 0."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lib_animation.control_units import ControlNetNames, check_controlnet_names
from lib_animation.errors import KeyframesError, RenderError, SettingsError
from lib_animation.host import FrameRequest, PreviewHost
from lib_animation.runs import render_run, start_run
from lib_animation.schema import Settings
from tests.inputs.media_files import encode_video

W, H = 72, 64
QUIET = {
    "W": W, "H": H, "seed": 5, "noise_schedule": "0:(0)", "contrast_schedule": "0:(1)",
    "amount_schedule": "0:(0)", "color_coherence": "None", "zoom": "0:(1)",
    "video_format": "none", "diffusion_cadence": 1, "max_frames": 6,
}  # fmt: skip
NAMES = ControlNetNames(models=("control_v11p_sd15_canny [d14c016b]",),
                        modules=("none", "canny", "depth_midas"), unit_count=3)
CANNY = {"cn_1_enabled": True, "cn_1_module": "canny",
         "cn_1_model": "control_v11p_sd15_canny [d14c016b]"}


class ControlNetHost(PreviewHost):
    """The preview host with a ControlNet extension of `names` (None: no extension),
    remembering every request."""

    def __init__(self, names: ControlNetNames | None = NAMES) -> None:
        super().__init__()
        self.names = names
        self.seen: list[FrameRequest] = []

    def check_controlnet(self, units) -> None:
        check_controlnet_names(units, self.names)

    def generate(self, request: FrameRequest) -> np.ndarray:
        self.seen.append(request)
        return super().generate(request)


def _video(path: Path, count: int) -> Path:
    """Frame i is flat grey at 20 * i + 10, 32 x 24 pixels."""
    return encode_video(path, [np.full((24, 32, 3), 20 * index + 10, np.uint8)
                               for index in range(count)])


def _render(tmp_path: Path, host: ControlNetHost, **values) -> list[FrameRequest]:
    run = start_run(Settings({**QUIET, **values}), tmp_path / "out", host)
    render_run(run, host)
    return [request for request in host.seen if request.purpose == "frame"]


def test_a_video_unit_steers_each_frame_with_its_frame_and_schedules(tmp_path):
    video = _video(tmp_path / "pose.mp4", 4)
    host = ControlNetHost()
    requests = _render(tmp_path, host, **CANNY, cn_1_vid_path=str(video),
                       cn_1_weight="0:(0), 1:(0), 2:(1), 4:(1.5)",
                       cn_1_guidance_end="0:(1), 5:(0.5)", cn_1_threshold_a=100,
                       cn_1_control_mode="ControlNet is more important")
    units = [request.controlnet_units for request in requests]
    # weight 0 on frames 0 and 1: those frames are made without the unit
    assert [len(u) for u in units] == [0, 0, 1, 1, 1, 1]
    assert [u[0].weight for u in units[2:]] == [1.0, 1.25, 1.5, 1.5]
    assert [u[0].guidance_end for u in units[2:]] == pytest.approx([0.8, 0.7, 0.6, 0.5])
    unit = units[2][0]
    assert (unit.unit, unit.module, unit.model) == (1, "canny", CANNY["cn_1_model"])
    assert (unit.threshold_a, unit.processor_res, unit.control_mode) == (
        100.0, -1, "ControlNet is more important")
    # the video's own frames at its own size; the 4-frame video holds its last frame
    greys = [round(float(u[0].image.mean())) for u in units[2:]]
    assert units[2][0].image.shape == (24, 32, 3)
    expected = [20 * min(frame, 3) + 10 for frame in (2, 3, 4, 5)]
    assert np.abs(np.subtract(greys, expected)).max() <= 2
    assert sorted(p.name for p in (tmp_path / "out").iterdir().__next__().iterdir()
                  if p.name.startswith("controlnet_")) == ["controlnet_1_inputframes"]


def test_a_still_image_steers_every_frame_and_a_mask_comes_with_it(tmp_path):
    Image.fromarray(np.full((30, 40, 3), 200, np.uint8)).save(tmp_path / "edges.png")
    Image.fromarray(np.full((15, 20), 255, np.uint8)).save(tmp_path / "mask.png")
    host = ControlNetHost()
    requests = _render(tmp_path, host, **CANNY, cn_1_vid_path=str(tmp_path / "edges.png"),
                       cn_1_mask_vid_path=str(tmp_path / "mask.png"))
    for request in requests:
        (unit,) = request.controlnet_units
        assert unit.image.shape == (30, 40, 3) and int(unit.image.mean()) == 200
        assert unit.mask.shape == (30, 40, 3) and int(unit.mask.min()) == 255


def test_loopback_takes_the_previous_frame_and_starts_on_frame_1_without_init(tmp_path):
    host = ControlNetHost()
    requests = _render(tmp_path, host, **CANNY, cn_1_loopback_mode=True,
                       cn_1_vid_path="/never/read.mp4")
    assert requests[0].controlnet_units == ()
    out = next((tmp_path / "out").iterdir())
    for request in requests[1:]:
        (unit,) = request.controlnet_units
        previous = np.asarray(Image.open(out / f"frame_{request.frame - 1:06d}.png"))
        assert np.array_equal(unit.image, previous)


def test_without_a_file_the_unit_reads_the_frames_own_init(tmp_path):
    host = ControlNetHost()
    requests = _render(tmp_path, host, **CANNY)
    assert requests[0].controlnet_units == ()  # frame 0 is made from text
    for request in requests[1:]:
        assert np.array_equal(request.controlnet_units[0].image, request.init_image)


def test_the_manifest_records_each_frames_units(tmp_path):
    import json

    host = ControlNetHost()
    _render(tmp_path, host, **CANNY, cn_1_weight="0:(0.5)")
    out = next((tmp_path / "out").iterdir())
    text = "\n".join(p.read_text() for p in out.iterdir() if p.suffix in (".json", ".jsonl"))
    assert json.dumps("canny, control_v11p_sd15_canny [d14c016b], weight 0.5, guidance 0-1"
                      ) in text


@pytest.mark.parametrize(("values", "expected"), [
    ({"cn_1_model": "control_depth"},
     "cn_1_model: ControlNet unit 1: the extension has no model 'control_depth' (it has: "
     "control_v11p_sd15_canny [d14c016b])"),
    ({"cn_1_module": "softedge"},
     "cn_1_module: ControlNet unit 1: the extension has no preprocessor 'softedge' (it has: "
     "none, canny, depth_midas)"),
])  # fmt: skip
def test_a_missing_module_or_model_is_refused_before_anything_is_made(tmp_path, values,
                                                                     expected):
    host = ControlNetHost()
    with pytest.raises(RenderError) as caught:
        _render(tmp_path, host, **{**CANNY, **values})
    assert str(caught.value) == expected
    assert host.seen == [] and not (tmp_path / "out").exists()


@pytest.mark.parametrize("model", ["Control_V11p_SD15_Canny", "None"])
def test_a_model_without_its_hash_in_another_case_or_none_passes(tmp_path, model):
    host = ControlNetHost()
    _render(tmp_path, host, **{**CANNY, "cn_1_model": model})
    assert host.seen


def test_no_controlnet_extension_refuses_the_run_before_frame_0(tmp_path):
    host = ControlNetHost(names=None)
    with pytest.raises(RenderError, match="cn_1_enabled: ControlNet unit 1 is on, but the "
                                          "WebUI has no ControlNet extension"):
        _render(tmp_path, host, **CANNY)
    assert host.seen == []
    # a run without units never asks
    _render(tmp_path, host)
    assert host.seen


def test_more_units_than_the_extension_takes_is_refused(tmp_path):
    units = {f"cn_{n}_enabled": True for n in range(1, 5)}
    with pytest.raises(RenderError, match="cn_4_enabled: 4 ControlNet units are on, but the "
                                          "extension takes 3"):
        _render(tmp_path, ControlNetHost(), **units)


def test_guidance_that_ends_before_it_starts_names_the_frame(tmp_path):
    with pytest.raises(SettingsError, match=r"cn_1_guidance_end, frame 3: ControlNet unit 1 "
                                            r"ends guidance at 0.2, before it starts \(0.5\)"):
        _render(tmp_path, ControlNetHost(), **CANNY, cn_1_guidance_start="0:(0), 3:(0.5)",
                cn_1_guidance_end="0:(1), 3:(0.2)")


def test_interpolation_mode_needs_a_control_file_or_loopback(tmp_path):
    with pytest.raises(SettingsError, match="cn_1_vid_path: ControlNet unit 1 has no control "
                                            "image"):
        _render(tmp_path, ControlNetHost(), **CANNY, animation_mode="Interpolation")


def test_a_missing_or_broken_control_file_is_one_line_before_frame_0(tmp_path):
    (tmp_path / "broken.mp4").write_bytes(b"not a video at all" * 10)
    for path in (tmp_path / "absent.mp4", tmp_path / "broken.mp4"):
        host = ControlNetHost()
        with pytest.raises(KeyframesError) as caught:
            _render(tmp_path, host, **CANNY, cn_1_vid_path=str(path))
        assert str(caught.value).startswith("cn_1_vid_path")
        assert "\n" not in str(caught.value) and host.seen == []


def test_the_preview_host_ignores_units(tmp_path):
    host = PreviewHost()
    run = start_run(Settings({**QUIET, **CANNY}), tmp_path / "out", host)
    assert render_run(run, host).completed == QUIET["max_frames"]
