"""Finishing a run from what the render recorded as it wrote the frames: the video stream encoded
from memory (muxed at finish) and the report's metrics (read at finish). Whatever the render went
through (a resume, an interruption, a remake, a kill), the video and the report are those of the
frames on disk, as encoding and measuring the frame files afresh gives them.

Muxing copies the stream's packets, so the finished video decodes to exactly the stream's frames.
Between two encodes of the same frames, x264 (as PyAV's wheels build it, with the `slow` preset's
MB-tree rate control) is not bit-reproducible: even two read-back encodes of the same files can
differ by a grey level here and there. So a streamed and a read-back video are compared frame by
frame within a small tolerance, and each video frame must be nearest its own frame file."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from skimage.color import rgb2lab
from skimage.metrics import structural_similarity

from lib_animation.host import FrameRequest, PreviewHost
from lib_animation.output.frame_metrics import METRICS_LOG_NAME
from lib_animation.output.video_stream import (
    STREAM_NAME,
    STREAM_PARTIAL,
    STREAM_RECORD,
    discard_stream,
)
from lib_animation.png_frames import frame_path, read_frame
from lib_animation.render_options import RenderOptions
from lib_animation.runs import finish_run, open_run, render_run, start_run
from lib_animation.schema import Settings

MOVING = {
    "W": 96, "H": 64, "seed": 7, "noise_schedule": "0:(0)", "contrast_schedule": "0:(1)",
    "amount_schedule": "0:(0)", "color_coherence": "None", "zoom": "0:(1)",
    "translation_x": "0:(3)", "video_format": "mp4", "max_frames": 9, "diffusion_cadence": 2,
    "batch_name": "run", "fps": 12,
}  # fmt: skip
STREAM_FILES = (STREAM_NAME, STREAM_PARTIAL, STREAM_RECORD)


class BrighteningHost(PreviewHost):
    """A first frame of soft blobs (video codecs keep them well); every later generation is its
    init image 4 grey levels lighter."""

    def generate(self, request: FrameRequest) -> np.ndarray:
        if request.init_image is None:
            rng = np.random.default_rng(request.seed)
            coarse = rng.integers(30, 200, (6, 8, 3), dtype=np.uint8)
            return cv2.resize(coarse, (request.width, request.height),
                              interpolation=cv2.INTER_CUBIC)
        return np.clip(request.init_image.astype(np.int16) + 4, 0, 255).astype(np.uint8)


def decoded(video: Path) -> list[np.ndarray]:
    """The video's frames as RGB, decoded as the BT.709 limited range the encoder promises
    (copied: PyAV may reuse a frame's memory for the next)."""
    with av.open(str(video)) as container:
        return [frame.to_ndarray(format="rgb24", src_colorspace="ITU709", dst_colorspace="ITU601",
                                 src_color_range="MPEG", dst_color_range="JPEG").copy()
                for frame in container.decode(video=0)]


def read_back_video(run_folder: Path, video: Path) -> list[np.ndarray]:
    """The video today's route makes: every frame file read back and encoded."""
    discard_stream(run_folder)
    return decoded(video)


def stream_files(folder: Path) -> list[str]:
    return [name for name in STREAM_FILES if (folder / name).exists()]


def assert_same_video(ours: list[np.ndarray], theirs: list[np.ndarray], folder: Path) -> None:
    """Two encodes of the frame files in `folder`: as many frames, each within encoder noise of
    the other's and nearest its own frame file (the codec is lossy)."""
    files = [read_frame(frame_path(folder, index)).astype(int) for index in range(len(theirs))]
    assert len(ours) == len(theirs) == len(files)
    for index, (one, other) in enumerate(zip(ours, theirs, strict=True)):
        assert np.abs(one.astype(int) - other).mean() < 1.0, f"frame {index} differs"
        errors = [np.abs(one - file).mean() for file in files]
        assert int(np.argmin(errors)) == index and errors[index] < 5, f"frame {index} misplaced"


def assert_video_is_of_the_frames_on_disk(run, host) -> None:
    """The finished video decodes to the frames a fresh read-back encode of the files gives."""
    outputs = finish_run(run)
    streamed = decoded(outputs.video)
    assert stream_files(run.folder) == []
    again = open_run(run.folder, host)
    read_back = decoded(finish_run(again).video)
    assert len(streamed) == run.plan.max_frames
    assert_same_video(streamed, read_back, run.folder)


@pytest.mark.parametrize("video_format", ["mp4", "webm"])
def test_the_streamed_video_decodes_to_the_frames_of_the_read_back_one(tmp_path, video_format):
    host = BrighteningHost()
    run = start_run(Settings({**MOVING, "video_format": video_format}), tmp_path, host)
    render_run(run, host)
    assert stream_files(run.folder) == [STREAM_NAME, STREAM_RECORD]
    stream_frames = decoded(run.folder / STREAM_NAME)
    streamed = finish_run(run)
    assert stream_files(run.folder) == []
    with av.open(str(streamed.video)) as container:
        tags = {key.lower(): value for key, value in container.metadata.items()}
        assert "keyframes_settings" in tags["comment"]
    streamed_frames = decoded(streamed.video)
    assert len(streamed_frames) == 9
    for muxed, encoded in zip(streamed_frames, stream_frames, strict=True):
        assert np.array_equal(muxed, encoded)  # muxing copies the packets
    discard_stream(run.folder)
    read_back_frames = decoded(finish_run(run).video)
    assert_same_video(streamed_frames, read_back_frames, run.folder)


def test_an_interrupted_run_leaves_no_stream_and_its_resume_streams_a_whole_video(tmp_path):
    host = BrighteningHost()
    run = start_run(Settings(MOVING), tmp_path, host)
    seen = []
    result = render_run(run, host, on_progress=lambda p: seen.append(p.done),
                        should_stop=lambda: len(seen) >= 4)
    assert result.interrupted
    assert stream_files(run.folder) == []
    assert not list(run.folder.glob("*.mp4"))
    resumed = open_run(run.folder, host)
    render_run(resumed, host)
    assert stream_files(run.folder) == [STREAM_NAME, STREAM_RECORD]
    assert_video_is_of_the_frames_on_disk(resumed, host)


def test_an_interrupted_remake_drops_the_stream_and_finish_encodes_the_frames_on_disk(tmp_path):
    host = BrighteningHost()
    run = start_run(Settings(MOVING), tmp_path, host)
    render_run(run, host)
    assert stream_files(run.folder) == [STREAM_NAME, STREAM_RECORD]
    remake = replace(open_run(run.folder, host), remake_from=3)
    seen = []
    render_run(remake, host, on_progress=lambda p: seen.append(p.done),
               should_stop=lambda: len(seen) >= 2)
    assert stream_files(run.folder) == []
    assert_video_is_of_the_frames_on_disk(open_run(run.folder, host), host)


def test_a_kill_mid_stream_leaves_a_partial_file_that_the_next_finish_ignores(tmp_path):
    host = BrighteningHost()
    run = start_run(Settings(MOVING), tmp_path, host)
    render_run(run, host)
    discard_stream(run.folder)
    (run.folder / STREAM_PARTIAL).write_bytes(b"\x00" * 1000)  # what a kill leaves
    assert_video_is_of_the_frames_on_disk(run, host)


@pytest.mark.parametrize("record", [
    b"", b"{", b"[]", b'{"format": "mp4"}', b'{"format": "webm", "frames": 9}', b"\xff\xfe",
    b"[" * 10_000,
])
def test_a_damaged_or_foreign_stream_record_means_the_frames_are_encoded_again(tmp_path, record):
    host = BrighteningHost()
    run = start_run(Settings(MOVING), tmp_path, host)
    render_run(run, host)
    (run.folder / STREAM_NAME).write_bytes(b"not a video")
    (run.folder / STREAM_RECORD).write_bytes(record)
    assert_video_is_of_the_frames_on_disk(run, host)


def test_a_stream_of_other_encoding_options_is_not_used(tmp_path):
    host = BrighteningHost()
    run = start_run(Settings(MOVING), tmp_path, host)
    render_run(run, host)
    recorded = json.loads((run.folder / STREAM_RECORD).read_text())
    (run.folder / STREAM_RECORD).write_text(json.dumps({**recorded, "crf": 40}))
    (run.folder / STREAM_NAME).write_bytes(b"not a video")
    assert_video_is_of_the_frames_on_disk(run, host)


# --- the report's metrics -------------------------------------------------------------------

LARGE = {**MOVING, "W": 320, "H": 192, "max_frames": 6}  # downscaled to 256x154 for metrics


def metrics_from_files(folder: Path, count: int) -> dict[str, list[float | None]]:
    """Each metric measured from the frame files here, by another route than the extension's:
    an area resize in float64, skimage's LAB, numpy differences."""
    series: dict[str, list[float | None]] = {name: [] for name in
                                             ("flicker", "ssim", "luma", "lab_a", "lab_b")}
    previous = None
    for index in range(count):
        image = read_frame(frame_path(folder, index))
        height, width = image.shape[:2]
        scale = min(1.0, 256 / max(height, width))
        size = (round(width * scale), round(height * scale))
        pixels = image.astype(np.float64)
        small = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA) if scale < 1 else pixels
        luma = small[..., 0] * 0.299 + small[..., 1] * 0.587 + small[..., 2] * 0.114
        lab = rgb2lab(small / 255.0)
        series["luma"].append(float(luma.mean()))
        series["lab_a"].append(float(lab[..., 1].mean()))
        series["lab_b"].append(float(lab[..., 2].mean()))
        if previous is None:
            series["flicker"].append(None)
            series["ssim"].append(None)
        else:
            before, before_luma = previous
            series["flicker"].append(float(np.abs(small - before).mean()))
            series["ssim"].append(float(structural_similarity(before_luma, luma,
                                                              data_range=255.0)))
        previous = (small, luma)
    return series


def assert_report_matches_the_files(folder: Path, count: int) -> None:
    per_frame = json.loads((folder / "report.json").read_text())["per_frame"]
    expected = metrics_from_files(folder, count)
    for name, values in expected.items():
        assert len(per_frame[name]) == count
        for index, (ours, theirs) in enumerate(zip(per_frame[name], values, strict=True)):
            if theirs is None:
                assert ours is None, (name, index)
            else:
                # OpenCV and skimage use slightly different white-point constants for LAB.
                tolerance = 0.1 if name in ("lab_a", "lab_b") else 1e-3
                assert ours == pytest.approx(theirs, abs=tolerance), (name, index)


def test_the_metrics_measured_as_frames_are_written_are_those_of_the_files(tmp_path):
    host = BrighteningHost()
    run = start_run(Settings(LARGE), tmp_path, host)
    render_run(run, host)
    lines = (run.folder / METRICS_LOG_NAME).read_text().splitlines()
    assert len(lines) == 1 + 6  # the session's start, then one line per frame
    finish_run(run)
    assert_report_matches_the_files(run.folder, 6)


def test_frames_without_metrics_are_measured_from_their_files(tmp_path):
    host = BrighteningHost()
    run = start_run(Settings(LARGE), tmp_path, host)
    render_run(run, host)
    log = run.folder / METRICS_LOG_NAME
    lines = log.read_text().splitlines(keepends=True)
    log.write_text("".join(lines[:3]) + lines[3][:20])  # a kill before frame 2's line ended
    finish_run(run)
    assert_report_matches_the_files(run.folder, 6)


def test_a_run_rendered_without_metrics_still_gets_the_right_report(tmp_path):
    host = BrighteningHost()
    run = start_run(Settings(LARGE), tmp_path, host)
    render_run(run, host, RenderOptions(quality_metrics=False))
    assert not (run.folder / METRICS_LOG_NAME).exists()
    finish_run(run)
    assert_report_matches_the_files(run.folder, 6)


def test_a_resumed_and_a_remade_run_report_the_frames_on_disk(tmp_path):
    host = BrighteningHost()
    run = start_run(Settings(LARGE), tmp_path, host)
    seen = []
    render_run(run, host, on_progress=lambda p: seen.append(p.done),
               should_stop=lambda: len(seen) >= 3)
    render_run(open_run(run.folder, host), host)
    finish_run(run)
    assert_report_matches_the_files(run.folder, 6)

    class Darkening(BrighteningHost):
        def generate(self, request: FrameRequest) -> np.ndarray:
            image = super().generate(request)
            return image if request.init_image is None else image // 2

    seen.clear()
    remake = replace(open_run(run.folder, host), remake_from=2)
    render_run(remake, Darkening(), on_progress=lambda p: seen.append(p.done),
               should_stop=lambda: len(seen) >= 2)  # frames 2, 3 made again; 4, 5 old
    finish_run(open_run(run.folder, host))
    assert_report_matches_the_files(run.folder, 6)
