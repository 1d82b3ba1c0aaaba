"""Quality report: metrics on frames with known differences, self-warp error, files written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lib_animation.errors import RenderError
from lib_animation.output.frames import FrameWriter, iter_frames
from lib_animation.output.report import measure_quality, write_report
from lib_animation.png_frames import frame_path

H, W = 48, 64


def textured(seed: int, low: int = 40, high: int = 180) -> np.ndarray:
    return np.random.default_rng(seed).integers(low, high, (H, W, 3), dtype=np.uint8)


def test_constant_frames_have_no_flicker_and_full_ssim() -> None:
    frame = textured(1)
    report = measure_quality([frame] * 5)
    assert report.flicker == [None, 0.0, 0.0, 0.0, 0.0]
    assert report.ssim[0] is None
    assert report.ssim[1:] == pytest.approx([1.0] * 4)
    assert report.luma_drift == pytest.approx([0.0] * 5)
    assert report.color_drift == pytest.approx([0.0] * 5)
    assert report.warp_error is None


def test_brightening_by_ten_per_frame() -> None:
    base = textured(2, 20, 120)
    frames = [base + np.uint8(10 * t) for t in range(6)]
    report = measure_quality(frames)
    assert report.flicker[1:] == pytest.approx([10.0] * 5)
    assert report.luma_drift == pytest.approx([10.0 * t for t in range(6)], abs=1e-3)
    # Rec.601 luma of the first frame, computed by hand.
    r, g, b = (base[..., c].astype(float).mean() for c in range(3))
    assert report.luma[0] == pytest.approx(0.299 * r + 0.587 * g + 0.114 * b, abs=1e-3)
    assert all(s < 1.0 for s in report.ssim[1:])
    summary = report.summary()
    assert summary["flicker"]["mean"] == pytest.approx(10.0)
    assert summary["flicker"]["max"] == pytest.approx(10.0)
    assert summary["luma_drift"]["worst_frames"][0] == 5


def test_colour_drift_follows_a_tint() -> None:
    grey = np.full((H, W, 3), 128, np.uint8)
    reddish = grey.copy()
    reddish[..., 0] = 160
    report = measure_quality([grey, grey, reddish])
    assert report.color_drift[:2] == pytest.approx([0.0, 0.0], abs=1e-3)
    assert report.color_drift[2] > 5
    assert report.lab_a[2] > report.lab_a[0] + 5, "more red is more a*"
    assert report.summary()["color_drift"]["worst_frames"][0] == 2


def test_ssim_drops_for_a_different_image_and_worst_is_lowest() -> None:
    frames = [textured(3), textured(3), textured(4), textured(4)]
    report = measure_quality(frames)
    assert report.ssim[1] == pytest.approx(1.0)
    assert report.ssim[2] < 0.2
    assert report.summary()["ssim"]["worst_frames"][0] == 2


def test_the_renderers_warp_errors_are_reported_from_frame_1_on() -> None:
    frames = [textured(t) for t in range(4)]
    report = measure_quality(frames, warp_errors=[5.0, 1.5, None, 2.5])
    assert report.warp_error == [None, 1.5, None, 2.5]
    assert report.summary()["warp_error"]["worst_frames"] == [3, 1]


def test_without_warp_errors_there_is_no_warp_panel() -> None:
    report = measure_quality([textured(1), textured(2)])
    assert report.warp_error is None and report.summary()["warp_error"] is None


def test_frames_of_other_sizes_and_empty_input() -> None:
    with pytest.raises(RenderError) as caught:
        measure_quality([textured(1), textured(2)[:, :10]])
    assert caught.value.frame == 1
    with pytest.raises(RenderError, match="no frames"):
        measure_quality([])


def test_large_frames_use_downscaled_ssim() -> None:
    big = np.random.default_rng(5).integers(0, 256, (600, 800, 3), dtype=np.uint8)
    report = measure_quality([big, big])
    assert report.ssim[1] == pytest.approx(1.0)


def test_report_files_from_frame_files(tmp_path: Path) -> None:
    base = textured(9, 20, 120)
    with FrameWriter(tmp_path) as writer:
        for index in range(8):
            writer.submit(index, base + np.uint8(5 * index))
    paths = [frame_path(tmp_path, index) for index in range(8)]
    report = measure_quality(iter_frames(paths), keyframes=[0, 4], diffused_frames=[0, 2, 4, 6])
    json_path, png_path = write_report(report, tmp_path)
    document = json.loads(json_path.read_text("utf-8"))
    assert set(document) >= {
        "format",
        "version",
        "frame_count",
        "ssim_max_side",
        "keyframes",
        "diffused_frames",
        "summary",
        "per_frame",
    }
    assert document["frame_count"] == 8
    assert document["keyframes"] == [0, 4]
    assert set(document["per_frame"]) == {
        "flicker",
        "ssim",
        "luma",
        "luma_drift",
        "lab_a",
        "lab_b",
        "color_drift",
        "warp_error",
    }
    assert document["per_frame"]["flicker"][1] == pytest.approx(5.0)
    assert set(document["summary"]["flicker"]) == {"mean", "p95", "max", "min", "worst_frames"}
    assert png_path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(png_path) as plot:
        assert plot.width >= 600 and plot.height >= 400
