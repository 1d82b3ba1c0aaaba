"""Frame interpolation of a run: after the render when the settings ask, and on its own command
for an earlier run, with the preview host; Deforum files with interpolation settings."""

from __future__ import annotations

import json
import wave

import av
import numpy as np
import pytest

from lib_animation.cli import main
from lib_animation.png_frames import complete_frames, frame_path, read_frame
from lib_animation.runs import read_run_state
from lib_animation.settings_files import loads_settings

SMALL = {"max_frames": 5, "W": 96, "H": 64, "seed": 4, "batch_name": "small", "fps": 10,
         "video_preset": "ultrafast"}


def _frames_and_rate(path):
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return sum(1 for _ in container.decode(stream)), float(stream.average_rate)


def _render(tmp_path, **settings):
    file = tmp_path / "small.json"
    file.write_text(json.dumps({**SMALL, **settings}))
    assert main(["render", str(file), "--out", str(tmp_path / "out"), "--no-report"]) == 0
    return tmp_path / "out" / "small"


def test_a_render_asking_for_x2_gives_2n_minus_1_frames_at_twice_the_fps(tmp_path, capsys):
    run = _render(tmp_path, frame_interpolation_engine="Optical flow",
                  frame_interpolation_x_amount=2, frame_interpolation_keep_imgs=True)
    assert _frames_and_rate(run / "small_interpolated_x2.mp4") == (9, 20.0)
    assert complete_frames(run / "interpolated") == list(range(9))
    assert "interpolated video:" in capsys.readouterr().err
    assert read_run_state(run).videos == (run / "small.mp4", run / "small_interpolated_x2.mp4")


def test_interpolation_uses_the_upscaled_frames_when_asked(tmp_path):
    run = _render(tmp_path, upscale_after_render=True, frame_interpolation_engine="Optical flow",
                  frame_interpolation_use_upscaled=True, frame_interpolation_keep_imgs=True)
    assert (run / "small_upscaled_interpolated_x2.mp4").is_file()
    assert read_frame(frame_path(run / "interpolated", 1)).shape == (128, 192, 3)


def test_the_interpolate_command_on_an_earlier_run(tmp_path, capsys):
    run = _render(tmp_path)
    assert main(["interpolate", str(run), "--x", "3", "--slow-mo", "2"]) == 0
    assert _frames_and_rate(run / "small_interpolated_x3_slowmo_x2.mp4") == (13, 15.0)
    assert complete_frames(run / "interpolated") == []
    assert complete_frames(run) == list(range(5))


def _sound_seconds(path) -> float:
    with av.open(str(path)) as container:
        audio = container.streams.audio[0]
        return sum(frame.samples for frame in container.decode(audio)) / audio.rate


def test_the_interpolated_video_keeps_the_runs_soundtrack_for_as_long_as_it_lasts(tmp_path):
    song = tmp_path / "song.wav"
    rate = 22_050
    with wave.open(str(song), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        tone = 8000 * np.sin(np.arange(2 * rate) * 2 * np.pi * 330 / rate)
        handle.writeframes(tone.astype("<i2").tobytes())
    run = _render(tmp_path, max_frames=8, add_soundtrack="File", soundtrack_path=str(song))
    assert main(["interpolate", str(run), "--x", "4"]) == 0
    video = run / "small_interpolated_x4.mp4"
    frames, fps = _frames_and_rate(video)
    assert (frames, fps) == (29, 40.0)
    assert _sound_seconds(video) == pytest.approx(frames / fps, abs=0.03)


def test_rife_without_a_model_folder_is_one_line(tmp_path, capsys):
    run = _render(tmp_path)
    capsys.readouterr()
    assert main(["interpolate", str(run), "--engine", "RIFE v4.6"]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "--models-dir" in error


def test_a_run_whose_interpolated_video_is_too_fast_is_refused_before_frame_zero(tmp_path,
                                                                                 capsys):
    file = tmp_path / "fast.json"
    file.write_text(json.dumps({**SMALL, "fps": 60, "frame_interpolation_engine": "Optical flow",
                                "frame_interpolation_x_amount": 5}))
    assert main(["render", str(file), "--out", str(tmp_path / "out")]) == 2
    assert "300 fps" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("engine", ["RIFE v4.6", "FILM", "RIFE v4.3"])
def test_a_deforum_file_with_interpolation_loads_without_a_not_supported_warning(engine):
    deforum = {"frame_interpolation_engine": engine, "frame_interpolation_x_amount": 4,
               "frame_interpolation_slow_mo_enabled": True,
               "frame_interpolation_slow_mo_amount": 3, "frame_interpolation_keep_imgs": True,
               "frame_interpolation_use_upscaled": True}
    loaded = loads_settings(json.dumps(deforum))
    assert not [w for w in loaded.warnings if "interpolation" in w]
    settings = loaded.settings
    assert settings.frame_interpolation_engine == ("RIFE v4.6" if engine.startswith("RIFE")
                                                   else engine)
    assert settings.frame_interpolation_x_amount == 4
    assert settings.frame_interpolation_slow_mo_amount == 3
    assert settings.frame_interpolation_keep_imgs and settings.frame_interpolation_use_upscaled
