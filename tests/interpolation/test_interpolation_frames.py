"""Interpolating frames: Deforum's frame count and fps, the optical-flow engine's in-between
frames on moving content whose true midpoint is known, the files, the soundtrack, resuming."""

from __future__ import annotations

import wave
from pathlib import Path

import av
import numpy as np
import pytest

from lib_animation.errors import RenderError
from lib_animation.interpolation.frames import InterpolationRequest, interpolate_frames
from lib_animation.interpolation.optical_flow import OpticalFlowInterpolator
from lib_animation.interpolation.timing import (
    between_times,
    interpolated_count,
    interpolated_fps,
)
from lib_animation.output.video import VideoOptions
from lib_animation.png_frames import complete_frames, frame_path, read_frame, write_png


def test_x_amount_gives_deforums_frame_count():
    # Deforum's RIFE loop writes, for each of the n-1 pairs, the first frame and x-1 new ones,
    # then the last frame: 10 frames at x2 -> 9*2+1 = 19; at x3 -> 9*3+1 = 28.
    assert interpolated_count(10, 2) == 19
    assert interpolated_count(10, 3) == 28
    assert interpolated_count(2, 5) == 6
    assert interpolated_count(1, 4) == 1
    assert between_times(4) == (0.25, 0.5, 0.75)


def test_fps_is_x_times_divided_by_slow_motion():
    assert interpolated_fps(15, 2, None) == 30
    assert interpolated_fps(15, 4, 2) == 30
    assert interpolated_fps(12, 3, 3) == 12


def _blob(center_x: float, width: int = 96, height: int = 64) -> np.ndarray:
    """A soft bright blob on a mid-grey ground: moving it is the only change between frames."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    value = 80 + 150 * np.exp(-(((xs - center_x) ** 2) + (ys - 32) ** 2) / (2 * 7.0 ** 2))
    shade = np.stack([value, value * 0.8, value * 0.6], axis=-1)
    return np.clip(np.rint(shade), 0, 255).astype(np.uint8)


def test_the_flow_midpoint_puts_moving_content_halfway():
    first, second, middle = _blob(30), _blob(42), _blob(36)
    (made,) = OpticalFlowInterpolator().between(first, second, [0.5])
    crossfade = ((first.astype(np.float32) + second) / 2).round()
    made_error = np.abs(made.astype(np.float32) - middle).mean()
    crossfade_error = np.abs(crossfade - middle).mean()
    assert made_error < 1.0
    assert made_error < crossfade_error / 4


def test_the_flow_frames_at_a_quarter_and_three_quarters():
    first, second = _blob(30), _blob(46)
    quarter, three_quarters = OpticalFlowInterpolator().between(first, second, [0.25, 0.75])
    assert np.abs(quarter.astype(np.float32) - _blob(34)).mean() < 1.2
    assert np.abs(three_quarters.astype(np.float32) - _blob(42)).mean() < 1.2


def _write_run(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        write_png(frame_path(folder, index), _blob(20 + 8 * index))
        paths.append(frame_path(folder, index))
    return paths


def _wav(path: Path, seconds: float, rate: int = 22_050) -> Path:
    samples = (9000 * np.sin(np.arange(int(seconds * rate)) * 2 * np.pi * 440 / rate))
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(samples.astype("<i2").tobytes())
    return path


def _video(path: Path) -> tuple[int, float, float | None]:
    """(frames, seconds of picture, seconds of sound or None) of a video, by decoding it."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        rate = float(stream.average_rate)
    sound = None
    with av.open(str(path)) as container:
        if container.streams.audio:
            audio = container.streams.audio[0]
            sound = sum(frame.samples for frame in container.decode(audio)) / audio.rate
    return frames, frames / rate, sound


def _request(**changes) -> InterpolationRequest:
    values = {"engine": "Optical flow", "x_amount": 2, "fps": 10.0, "video_format": "mp4",
                  "video": VideoOptions(fps=10.0, preset="ultrafast"), "comment": "test"}
    values.update(changes)
    return InterpolationRequest(**values)


def test_x2_of_a_run_gives_2n_minus_1_frames_and_the_sound_lasts_as_long(tmp_path):
    run = tmp_path / "run"
    sources = _write_run(run, 6)
    sound = _wav(tmp_path / "song.wav", 3.0)  # longer than the video: cut at its end
    out = interpolate_frames(run, sources, _request(soundtrack=sound, keep_frames=True),
                             OpticalFlowInterpolator())
    assert out.frame_count == 11
    assert complete_frames(run / "interpolated") == list(range(11))
    for index in range(6):  # every original frame stays, at index 2k
        assert np.array_equal(read_frame(frame_path(run / "interpolated", 2 * index)),
                              read_frame(sources[index]))
    assert out.video == run / "run_interpolated_x2.mp4"
    frames, seconds, sound_seconds = _video(out.video)
    assert frames == 11 and seconds == pytest.approx(11 / 20)
    assert sound_seconds == pytest.approx(seconds, abs=0.03)


def test_slow_motion_plays_slower_without_the_soundtrack_and_frames_go(tmp_path):
    run = tmp_path / "run"
    sources = _write_run(run, 4)
    out = interpolate_frames(run, sources, _request(x_amount=3, slow_motion=2,
                                                    soundtrack=_wav(tmp_path / "s.wav", 1.0)),
                             OpticalFlowInterpolator())
    assert out.video == run / "run_interpolated_x3_slowmo_x2.mp4"
    frames, seconds, sound_seconds = _video(out.video)
    assert frames == 10 and seconds == pytest.approx(10 / 15)
    assert sound_seconds is None
    assert out.frames_deleted and complete_frames(run / "interpolated") == []


def test_an_interrupted_interpolation_continues_where_it_stopped(tmp_path):
    run = tmp_path / "run"
    sources = _write_run(run, 5)
    asked = []

    def stop_at_third_pair() -> bool:
        asked.append(1)
        return len(asked) == 3

    stopped = interpolate_frames(run, sources, _request(video_format=None),
                                 OpticalFlowInterpolator(), should_stop=stop_at_third_pair)
    assert stopped.interrupted and stopped.video is None
    assert complete_frames(run / "interpolated") == [0, 1, 2, 3]
    done = interpolate_frames(run, sources, _request(keep_frames=True), OpticalFlowInterpolator())
    assert complete_frames(run / "interpolated") == list(range(9))
    whole = tmp_path / "whole"
    again = interpolate_frames(whole, _write_run(whole, 5), _request(keep_frames=True),
                               OpticalFlowInterpolator())
    for index in range(9):
        assert np.array_equal(read_frame(frame_path(done.folder, index)),
                              read_frame(frame_path(again.folder, index)))


def test_frames_of_another_x_amount_are_not_reused(tmp_path):
    run = tmp_path / "run"
    sources = _write_run(run, 3)
    interpolate_frames(run, sources, _request(x_amount=4, video_format=None),
                       OpticalFlowInterpolator())
    assert complete_frames(run / "interpolated") == list(range(9))
    interpolate_frames(run, sources, _request(x_amount=2, video_format=None),
                       OpticalFlowInterpolator())
    assert complete_frames(run / "interpolated") == list(range(5))
    assert np.array_equal(read_frame(frame_path(run / "interpolated", 2)), read_frame(sources[1]))


def test_a_video_faster_than_240_fps_is_refused_in_one_line_before_any_frame(tmp_path):
    run = tmp_path / "run"
    sources = _write_run(run, 3)
    with pytest.raises(RenderError) as caught:
        interpolate_frames(run, sources, _request(fps=60.0, x_amount=5),
                           OpticalFlowInterpolator())
    assert "300 fps" in str(caught.value) and "\n" not in str(caught.value)
    assert not (run / "interpolated").exists()
