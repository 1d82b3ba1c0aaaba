"""Upscaling a run's frames after the render, and an earlier run on its own command."""

from __future__ import annotations

import json

import av
import numpy as np
import pytest

from lib_animation.cli import main
from lib_animation.errors import RenderError
from lib_animation.host import PreviewHost
from lib_animation.png_frames import complete_frames, frame_path, read_frame
from lib_animation.runs import read_run_state, start_run
from lib_animation.schema import Settings

SMALL = {"max_frames": 5, "W": 96, "H": 64, "seed": 4, "batch_name": "small", "fps": 10}


def _video(path):
    """(width, height, frame count) of a video file, counted by decoding it."""
    with av.open(str(path)) as container:
        frames = list(container.decode(video=0))
    return frames[0].width, frames[0].height, len(frames)


def _render(tmp_path, **settings):
    file = tmp_path / "small.json"
    file.write_text(json.dumps({**SMALL, **settings}))
    assert main(["render", str(file), "--out", str(tmp_path / "out")]) == 0
    return tmp_path / "out" / "small"


def test_an_upscaler_the_host_lacks_is_refused_before_frame_zero_with_its_names(tmp_path):
    settings = Settings({**SMALL, "upscale_after_render": True, "upscaler": "R-ESRGAN 4x+"})
    with pytest.raises(RenderError) as caught:
        start_run(settings, tmp_path / "out", PreviewHost())
    message = str(caught.value)
    assert "\n" not in message
    assert "upscaler" in message and "'R-ESRGAN 4x+'" in message
    assert "Lanczos, Nearest" in message
    assert "Settings -> Upscaling" in message  # where the WebUI's owner turns it on
    assert not (tmp_path / "out").exists()


def test_a_render_upscaled_x2_gives_a_video_twice_the_size_with_every_frame(tmp_path, capsys):
    run = _render(tmp_path, upscale_after_render=True, upscale_factor=2)
    assert _video(run / "small.mp4") == (96, 64, 5)
    assert _video(run / "small_upscaled_x2.mp4") == (192, 128, 5)
    assert complete_frames(run) == list(range(5))
    assert complete_frames(run / "upscaled") == list(range(5))
    original, upscaled = read_frame(frame_path(run, 3)), read_frame(frame_path(run / "upscaled", 3))
    assert upscaled.shape == (128, 192, 3)
    # Lanczos keeps the picture: halved again, it is close to the original frame.
    halved = upscaled.reshape(64, 2, 96, 2, 3).mean(axis=(1, 3))
    assert np.abs(halved - original).mean() < 4
    assert "upscaled video:" in capsys.readouterr().err
    assert read_run_state(run).videos == (run / "small.mp4", run / "small_upscaled_x2.mp4")


def test_keep_frames_off_removes_the_upscaled_pngs_once_the_video_is_written(tmp_path):
    run = _render(tmp_path, upscale_after_render=True, upscale_factor=3,
                  upscale_keep_frames=False)
    assert _video(run / "small_upscaled_x3.mp4") == (288, 192, 5)
    assert list((run / "upscaled").glob("*.png")) == []
    assert complete_frames(run) == list(range(5))


def test_upscaling_keeps_the_frames_even_when_the_run_deletes_its_own(tmp_path):
    run = _render(tmp_path, upscale_after_render=True, delete_imgs=True)
    assert complete_frames(run) == []
    assert _video(run / "small_upscaled_x2.mp4") == (192, 128, 5)
    assert complete_frames(run / "upscaled") == list(range(5))


def test_the_upscale_command_upscales_an_earlier_run(tmp_path, capsys):
    run = _render(tmp_path)
    assert not (run / "upscaled").exists()
    assert main(["upscale", str(run), "--upscaler", "Nearest", "--factor", "4"]) == 0
    assert _video(run / "small_upscaled_x4.mp4") == (384, 256, 5)
    original, upscaled = read_frame(frame_path(run, 2)), read_frame(frame_path(run / "upscaled", 2))
    assert np.array_equal(upscaled, original.repeat(4, axis=0).repeat(4, axis=1))
    assert _video(run / "small.mp4") == (96, 64, 5)


def test_the_upscale_command_names_the_upscalers_the_host_has(tmp_path, capsys):
    run = _render(tmp_path)
    capsys.readouterr()
    assert main(["upscale", str(run), "--upscaler", "SwinIR 4x"]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1
    assert "'SwinIR 4x'" in error and "Lanczos, Nearest" in error
    assert not (run / "upscaled").exists()
