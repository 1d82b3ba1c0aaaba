"""Composable masks in a render: each frame's mask, composed from the mask schedule, is what the
host inpaints through and what the overlay keeps; the noise mask limits where noise goes; a
resumed run with masks gives the same bytes; a mask video gives one mask per frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lib_animation.errors import RenderError
from lib_animation.host import FrameRequest
from lib_animation.plan import make_plan
from lib_animation.png_frames import frame_path, read_frame
from lib_animation.schema import Settings
from tests.inputs.media_files import index_of, write_test_video
from tests.render.conftest import QUIET, RecordingHost
from tests.render.folder_rendering import render_folder

W, H = QUIET["W"], QUIET["H"]


class _WhiteHost(RecordingHost):
    """Every img2img generation is pure white, so the frame shows where it was let through."""

    def generate(self, request: FrameRequest) -> np.ndarray:
        image = super().generate(request)
        return image if request.init_image is None else np.full_like(image, 255)


def _half(tmp_path: Path, name: str, right: bool) -> Path:
    mask = np.zeros((H, W), np.uint8)
    if right:
        mask[:, W // 2:] = 255
    else:
        mask[:, : W // 2] = 255
    path = tmp_path / name
    Image.fromarray(mask).save(path)
    return path


@pytest.fixture
def halves(tmp_path) -> tuple[Path, Path]:
    return _half(tmp_path, "left.png", right=False), _half(tmp_path, "right.png", right=True)


def test_each_frame_is_inpainted_through_its_own_composed_mask(run_factory, halves):
    left, right = halves
    schedule = f'0: ("[{left}]"), 2: ("[{left}] ^ {{everywhere}}"), 3: ("[{left}] | [{right}]")'
    run_dir = run_factory(max_frames=4, diffusion_cadence=1, use_mask=True,
                          mask_schedule=schedule)
    host = _WhiteHost()
    render_folder(run_dir, host)
    masks = {request.frame: request.mask for request in host.seen}
    assert masks[0] is None  # txt2img: nothing to inpaint
    is_left = np.zeros((H, W), bool)
    is_left[:, : W // 2] = True
    assert np.array_equal(masks[1] == 255, is_left) and np.array_equal(masks[2] == 255, ~is_left)
    assert (masks[3] == 255).all()
    for request in host.seen[1:]:
        made = read_frame(frame_path(run_dir, request.frame))
        inside = request.mask == 255
        assert (made[inside] == 255).all()
        assert np.array_equal(made[~inside], request.init_image[~inside])


def _second_init(run_factory, **values) -> np.ndarray:
    host = RecordingHost()
    render_folder(run_factory(max_frames=2, diffusion_cadence=1, **values), host)
    return host.seen[1].init_image


def test_noise_goes_only_inside_the_frame_mask_or_the_noise_mask(run_factory, halves):
    left, right = halves
    quiet = _second_init(run_factory, batch_name="quiet", use_mask=True,
                         mask_schedule=f'0: ("[{left}]")')
    noisy = _second_init(run_factory, batch_name="noisy", noise_schedule="0:(0.5)",
                         use_mask=True, mask_schedule=f'0: ("[{left}]")')
    own = _second_init(run_factory, batch_name="own", noise_schedule="0:(0.5)", use_mask=True,
                       mask_schedule=f'0: ("[{left}]")', use_noise_mask=True,
                       noise_mask_schedule=f'0: ("[{right}]")')
    half = W // 2
    assert np.array_equal(noisy[:, half:], quiet[:, half:])
    assert not np.array_equal(noisy[:, :half], quiet[:, :half])
    assert np.array_equal(own[:, :half], quiet[:, :half])
    assert not np.array_equal(own[:, half:], quiet[:, half:])


def test_a_run_with_mask_schedules_resumes_to_the_same_bytes(run_factory, halves):
    left, right = halves
    busy = {"max_frames": 9, "diffusion_cadence": 2, "zoom": "0:(1.04)", "angle": "0:(t)",
            "noise_schedule": "0:(0.1)", "use_mask": True,
            "mask_schedule": f'0: ("[{left}]"), 4: ("!([{left}] & [{right}])")',
            "use_noise_mask": True, "noise_mask_schedule": f'0: ("[{right}] \\ [{left}]")'}
    whole = run_factory(batch_name="whole", **busy)
    render_folder(whole, RecordingHost())
    broken = run_factory(batch_name="broken", **busy)
    assert render_folder(broken, RecordingHost(stop_after=3)).interrupted
    assert not render_folder(broken, RecordingHost()).interrupted
    assert ([frame_path(broken, i).read_bytes() for i in range(9)]
            == [frame_path(whole, i).read_bytes() for i in range(9)])


def test_a_word_mask_is_named_once_and_its_frames_have_no_mask(run_factory, halves):
    left, _ = halves
    values = {**QUIET, "max_frames": 3, "diffusion_cadence": 1, "use_mask": True,
              "mask_schedule": f'0: ("[{left}]"), 1: ("<hair> | [{left}]"), 2: ("<hands>")'}
    warnings = make_plan(Settings(values)).warnings
    named = [warning for warning in warnings if "not ship" in warning]
    assert named == ["mask_schedule, keyframe 2: <hair> is a CLIPSeg word mask, made by a model "
                     "Keyframes does not ship; not supported, so the frames of keyframes naming "
                     "such masks render without a mask"]
    host = RecordingHost()
    render_folder(run_factory(**values), host)
    assert [request.mask is None for request in host.seen] == [True, True, True]


def test_a_mask_video_gives_each_frame_its_own_mask(run_factory, tmp_path):
    video = write_test_video(tmp_path / "masks.mp4", count=6)
    host = RecordingHost()
    run_dir = run_factory(max_frames=5, diffusion_cadence=1, use_mask=True,
                          use_mask_video=True, video_mask_path=str(video))
    render_folder(run_dir, host)
    for request in host.seen[1:]:
        assert index_of(request.mask) == request.frame
    assert (run_dir / "maskframes" / "extraction.json").is_file()


def test_a_mask_video_shorter_than_the_run_is_refused_before_frame_0(run_factory, tmp_path):
    video = write_test_video(tmp_path / "short.mp4", count=3)
    run_dir = run_factory(max_frames=5, diffusion_cadence=1, use_mask=True,
                          use_mask_video=True, video_mask_path=str(video))
    host = RecordingHost()
    with pytest.raises(RenderError) as caught:
        render_folder(run_dir, host)
    assert caught.value.setting == "video_mask_path" and "3 frames" in str(caught.value)
    assert host.seen == []
