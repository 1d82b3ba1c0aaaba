"""The frame sinks that work as frames are written: the video stream (bounded, in order, whole or
nothing) and the metrics log (strictly loaded)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib_animation.errors import RenderError
from lib_animation.output.frame_metrics import (
    METRICS_LOG_NAME,
    MetricsLog,
    read_metrics,
)
from lib_animation.output.video import VideoOptions
from lib_animation.output.video_stream import (
    STREAM_NAME,
    STREAM_PARTIAL,
    VideoStreamer,
    streamed_video,
)
from lib_animation.png_frames import encode_png, frame_path

OPTIONS = VideoOptions(fps=10, preset="ultrafast")


def frame(index: int) -> np.ndarray:
    rng = np.random.default_rng(index)
    return rng.integers(0, 255, (32, 48, 3), dtype=np.uint8)


def test_a_stream_of_every_frame_in_order_is_kept(tmp_path: Path) -> None:
    streamer = VideoStreamer(tmp_path, "mp4", OPTIONS, 5, 0)
    for index in range(5):
        streamer.frame_written(index, frame(index))
    streamer.close(finished=True)
    assert streamed_video(tmp_path, "mp4", 5, OPTIONS) == tmp_path / STREAM_NAME
    assert streamed_video(tmp_path, "mp4", 6, OPTIONS) is None
    assert streamed_video(tmp_path, "webm", 5, OPTIONS) is None


@pytest.mark.parametrize("indices, finished", [
    ([0, 1, 2, 3, 4], False),  # interrupted or failed
    ([0, 1, 2, 3], True),  # a frame short
    ([0, 2, 1, 3, 4], True),  # out of order
    ([0, 1, 1, 2, 3], True),  # a frame twice
])
def test_a_stream_that_is_not_whole_leaves_nothing(tmp_path: Path, indices, finished) -> None:
    streamer = VideoStreamer(tmp_path, "mp4", OPTIONS, 5, 0)
    for index in indices:
        streamer.frame_written(index, frame(index))
    streamer.close(finished=finished)
    assert streamed_video(tmp_path, "mp4", 5, OPTIONS) is None
    assert list(tmp_path.iterdir()) == []


def test_frames_of_a_resumed_run_are_read_back_first(tmp_path: Path) -> None:
    for index in range(3):
        frame_path(tmp_path, index).write_bytes(encode_png(frame(index)))
    streamer = VideoStreamer(tmp_path, "mp4", OPTIONS, 5, 3)
    for index in (3, 4):
        streamer.frame_written(index, frame(index))
    streamer.close(finished=True)
    assert streamer.encoded == 5
    assert streamed_video(tmp_path, "mp4", 5, OPTIONS) is not None


def test_frames_wait_in_a_bounded_queue_while_the_encoder_is_busy(tmp_path: Path) -> None:
    """The encoder thread is held up reading frame 0 of a resumed run (a pipe nobody writes
    yet): the writer side can hand over only `max_pending` frames, then waits. When frame 0
    turns out unreadable, the stream is dropped and the writer side is never blocked again."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs a named pipe")
    os.mkfifo(frame_path(tmp_path, 0))
    streamer = VideoStreamer(tmp_path, "mp4", OPTIONS, 40, 1, max_pending=2)
    handed = []

    def writer_side() -> None:
        for index in range(1, 40):
            streamer.frame_written(index, frame(index))
            handed.append(index)

    thread = threading.Thread(target=writer_side, daemon=True)
    thread.start()
    time.sleep(0.5)
    assert len(handed) == 2, "only max_pending frames wait; the writer waits for room"
    frame_path(tmp_path, 0).open("wb").close()  # the reader gets an empty, unreadable frame 0
    thread.join(30)
    assert handed == list(range(1, 40))
    streamer.close(finished=True)
    assert streamer.encoded == 0
    assert streamed_video(tmp_path, "mp4", 40, OPTIONS) is None
    assert not (tmp_path / STREAM_PARTIAL).exists()


def test_a_new_stream_deletes_the_earlier_one(tmp_path: Path) -> None:
    (tmp_path / STREAM_NAME).write_bytes(b"old")
    (tmp_path / STREAM_PARTIAL).write_bytes(b"old")
    streamer = VideoStreamer(tmp_path, "mp4", OPTIONS, 2, 0)
    assert not (tmp_path / STREAM_NAME).exists()
    streamer.close(finished=False)
    assert list(tmp_path.iterdir()) == []


# --- metrics log ------------------------------------------------------------------------------


def test_the_metrics_log_keeps_each_frame_and_voids_frames_made_again(tmp_path: Path) -> None:
    log = MetricsLog(tmp_path, 0)
    for index in range(4):
        frame_path(tmp_path, index).write_bytes(encode_png(frame(index)))
        log.frame_written(index, frame(index))
    log.close(True)
    first = read_metrics(tmp_path, 4)
    assert all(metrics is not None for metrics in first)
    assert first[0].flicker is None and first[1].flicker is not None
    again = MetricsLog(tmp_path, 2)  # frames 2, 3 will be made again
    frame_path(tmp_path, 2).write_bytes(encode_png(frame(20)))
    again.frame_written(2, frame(20))
    again.close(False)
    second = read_metrics(tmp_path, 4)
    assert second[:2] == first[:2]
    assert second[2] is not None and second[2] != first[2]
    assert second[3] is None  # its line was of the frame before the remake


def test_a_log_line_cut_short_by_a_kill_is_ignored(tmp_path: Path) -> None:
    log = MetricsLog(tmp_path, 0)
    log.frame_written(0, frame(0))
    log.close(True)
    with (tmp_path / METRICS_LOG_NAME).open("ab") as handle:
        handle.write(b'{"frame": 1, "luma": 1')
    assert read_metrics(tmp_path, 2)[1] is None


@pytest.mark.parametrize("line", [
    b"[]", b'{"frame": 0}', b'{"frame": -1, "luma": 1, "lab_a": 0, "lab_b": 0, '
    b'"flicker": null, "ssim": null}',
    b'{"frame": 0, "luma": 1, "lab_a": 0, "lab_b": 0, "flicker": 2, "ssim": 0.5}',
    b'{"frame": 1, "luma": 1, "lab_a": 0, "lab_b": 0, "flicker": null, "ssim": 0.5}',
    b'{"frame": 1, "luma": 900, "lab_a": 0, "lab_b": 0, "flicker": 1, "ssim": 0.5}',
    b'{"frame": 1, "luma": NaN, "lab_a": 0, "lab_b": 0, "flicker": 1, "ssim": 0.5}',
    b'{"frame": 1, "luma": "1", "lab_a": 0, "lab_b": 0, "flicker": 1, "ssim": 0.5}',
    b'{"frame": true, "luma": 1, "lab_a": 0, "lab_b": 0, "flicker": 1, "ssim": 0.5}',
    b'{"remade_from": "2"}', b'{"remade_from": 1e99}', b"\xff\xfe", b"[" * 100_000,
    b"1" * 70_000,
])
def test_a_malformed_metrics_log_is_one_readable_error(tmp_path: Path, line: bytes) -> None:
    (tmp_path / METRICS_LOG_NAME).write_bytes(line + b"\n")
    with pytest.raises(RenderError, match="metrics"):
        read_metrics(tmp_path, 3)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=400) | st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["frame", "luma", "lab_a", "lab_b", "flicker", "ssim",
                                       "remade_from", "x"]), children, max_size=7),
    max_leaves=20).map(lambda value: repr(value).replace("'", '"').encode()))
def test_any_metrics_log_reads_or_is_one_readable_error(tmp_path: Path, raw: bytes) -> None:
    (tmp_path / METRICS_LOG_NAME).write_bytes(raw + b"\n")
    try:
        metrics = read_metrics(tmp_path, 3)
    except RenderError as error:
        assert "\n" not in str(error)
    else:
        assert len(metrics) == 3
