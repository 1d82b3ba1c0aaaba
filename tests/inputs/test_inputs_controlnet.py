"""ControlNet units' files: read only when a unit in use names them, confined like every input
file an API caller names, and any content that is neither an image nor a video is one line
before frame 0."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from lib_animation.errors import KeyframesError, SettingsError
from lib_animation.inputs.allowed import check_allowed_paths, stage_inline_inputs
from lib_animation.inputs.gather import load_inputs
from lib_animation.inputs.reads import files_read
from lib_animation.schema import Settings

SMALL = {"W": 64, "H": 64, "max_frames": 3}


def _read(**values) -> list[str]:
    return [read.setting for read in files_read(Settings({**SMALL, **values}))]


def test_only_a_unit_in_use_without_loopback_reads_its_files():
    paths = {"cn_2_vid_path": "a.mp4", "cn_2_mask_vid_path": "m.png"}
    assert _read(**paths) == []
    assert _read(cn_2_enabled=True, **paths) == ["cn_2_vid_path", "cn_2_mask_vid_path"]
    assert _read(cn_2_enabled=True, cn_2_loopback_mode=True, **paths) == []
    assert _read(cn_2_enabled=True, cn_2_vid_path=" ") == []


def test_an_api_caller_may_not_name_a_control_video_outside_the_allowed_folders(tmp_path):
    allowed = tmp_path / "inputs"
    allowed.mkdir()
    Image.new("RGB", (8, 8)).save(allowed / "edges.png")
    check_allowed_paths(Settings({**SMALL, "cn_1_enabled": True,
                                  "cn_1_vid_path": str(allowed / "edges.png")}), [allowed])
    with pytest.raises(SettingsError, match="cn_3_mask_vid_path"):
        check_allowed_paths(Settings({**SMALL, "cn_3_enabled": True,
                                      "cn_3_mask_vid_path": "/etc/passwd"}), [allowed])


def test_a_control_image_may_come_inline_as_base64(tmp_path):
    import base64
    import io

    buffer = io.BytesIO()
    Image.fromarray(np.full((10, 12, 3), 77, np.uint8)).save(buffer, format="PNG")
    inline = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    staged = stage_inline_inputs({**SMALL, "cn_1_enabled": True, "cn_1_vid_path": inline},
                                 tmp_path)
    inputs = load_inputs(Settings(staged), confined_to=[tmp_path])
    still = inputs.controlnet["cn_1_vid_path"].at(2)
    assert still.shape == (10, 12, 3) and int(still.mean()) == 77


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=4096))
def test_any_bytes_as_a_control_file_are_an_image_a_video_or_one_line(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("cn")
    path = folder / "control.bin"
    path.write_bytes(data)
    try:
        load_inputs(Settings({**SMALL, "cn_1_enabled": True, "cn_1_vid_path": str(path)}))
    except KeyframesError as error:
        assert str(error).startswith("cn_1_vid_path") and "\n" not in str(error)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(["cn_1_weight", "cn_4_guidance_start", "cn_5_guidance_end",
                        "cn_2_module", "cn_3_resize_mode", "cn_1_processor_res",
                        "cn_2_threshold_a", "cn_5_enabled"]),
       st.one_of(st.text(max_size=300), st.integers(), st.floats(), st.none(),
                 st.lists(st.integers(), max_size=3), st.just("0:(" * 500),
                 st.just("0:(1e308*1e308)"), st.just("x" * 30_000)))
def test_hostile_unit_values_are_one_line_naming_the_setting(name, value):
    try:
        Settings({**SMALL, name: value})
    except KeyframesError as error:
        assert str(error).startswith(name) and "\n" not in str(error)
