"""A temporal-quality report of a rendered run: `report.json` and a `report.png` plot.

Per frame t, measured on a small copy of each frame (area-downscaled so its longer side is at
most `SMALL_MAX_SIDE` = 256 pixels; see `frame_metrics`), as the frames are written:

- flicker: mean |frame t - frame t-1| over all pixels and channels of the small copies, 0..255;
- ssim: structural similarity of frame t-1 and frame t on the small copies' luma; 1 = identical;
- luma: mean Rec.601 luma (0..255) and luma_drift = luma t - luma 0;
- lab_a, lab_b: mean CIELAB a* and b*, and color_drift = distance from frame 0 in the a*b* plane;
- warp_error (measured by the renderer as it writes each frame, for modes that move the camera):
  mean |warp(frame t-1) - frame t| over the pixels the warp fills from inside the frame: how much
  diffusion changed beyond the intended camera motion.

Frame 0 has no previous frame: its flicker, ssim and warp_error are null.

Report version 2 measures flicker on the small copies (version 1 measured it at full
resolution): averaging 2x2 pixels or more cancels pixel-level noise, so flicker reads lower than
the full-resolution figure. On a 120-frame 512x512 preview render of the default 2D settings
(noise on), it read 0.56x the full-resolution figure (0.50x to 0.83x per frame; correlation 0.993,
four of the five worst frames the same). SSIM and luma are unchanged: version 1 already took
SSIM on the downscaled luma, luma is linear and the copy is kept in float. Mean a* and b* differ
by at most 0.23 (0.14 on average).

The report only reads the metrics the run recorded and draws them (`quality_from_metrics`);
`measure_quality` measures frames given as images, the same way.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lib_animation.atomic_files import write_atomic
from lib_animation.errors import RenderError
from lib_animation.output.frame_metrics import (
    SMALL_MAX_SIDE,
    FrameMetrics,
    measure_frame,
    small_copy,
)

REPORT_JSON = "report.json"
REPORT_PNG = "report.png"
REPORT_FORMAT = "keyframes-quality-report"
REPORT_VERSION = 2
WORST_COUNT = 5

# For each metric: is a low value the bad one (ssim), and is the sign irrelevant (drifts)?
_WORST_IS_LOW = {"ssim"}
_SIGNED = {"luma_drift"}
_SUMMARISED = ("flicker", "ssim", "luma_drift", "color_drift", "warp_error")


@dataclass
class QualityReport:
    """Per-frame metric series (index = frame index; None where a metric does not apply)."""

    flicker: list[float | None] = field(default_factory=list)
    ssim: list[float | None] = field(default_factory=list)
    luma: list[float] = field(default_factory=list)
    luma_drift: list[float] = field(default_factory=list)
    lab_a: list[float] = field(default_factory=list)
    lab_b: list[float] = field(default_factory=list)
    color_drift: list[float] = field(default_factory=list)
    warp_error: list[float | None] | None = None
    keyframes: list[int] = field(default_factory=list)
    diffused_frames: list[int] = field(default_factory=list)

    @property
    def frame_count(self) -> int:
        return len(self.luma)

    def summary(self) -> dict[str, dict[str, Any] | None]:
        """mean, p95, max, min and worst_frames (up to 5) of each summarised metric."""
        result: dict[str, dict[str, Any] | None] = {}
        for name in _SUMMARISED:
            series = getattr(self, name)
            result[name] = None if series is None else _summarise(name, series)
        return result

    def to_json(self) -> dict[str, Any]:
        return {
            "format": REPORT_FORMAT,
            "version": REPORT_VERSION,
            "frame_count": self.frame_count,
            "ssim_max_side": SMALL_MAX_SIDE,
            "keyframes": list(self.keyframes),
            "diffused_frames": list(self.diffused_frames),
            "summary": self.summary(),
            "per_frame": {
                "flicker": self.flicker,
                "ssim": self.ssim,
                "luma": self.luma,
                "luma_drift": self.luma_drift,
                "lab_a": self.lab_a,
                "lab_b": self.lab_b,
                "color_drift": self.color_drift,
                "warp_error": self.warp_error,
            },
        }


def _summarise(name: str, series: Sequence[float | None]) -> dict[str, Any] | None:
    indexed = [(index, value) for index, value in enumerate(series) if value is not None]
    if not indexed:
        return None
    values = np.array([value for _, value in indexed])
    if name in _WORST_IS_LOW:
        badness = -values
    elif name in _SIGNED:
        badness = np.abs(values)
    else:
        badness = values
    order = sorted(range(len(indexed)), key=lambda k: (-badness[k], indexed[k][0]))
    return {
        "mean": float(values.mean()),
        "p95": float(np.percentile(values, 95)),
        "max": float(values.max()),
        "min": float(values.min()),
        "worst_frames": [indexed[k][0] for k in order[:WORST_COUNT]],
    }


def quality_from_metrics(
    metrics: Sequence[FrameMetrics],
    *,
    warp_errors: Sequence[float | None] | None = None,
    keyframes: Sequence[int] = (),
    diffused_frames: Sequence[int] = (),
) -> QualityReport:
    """The report of frames 0..n-1 from their metrics (index = frame). `warp_errors` are the
    renderer's per-frame self-warp errors (None where nothing is warped)."""
    if not metrics:
        raise RenderError("no frames to measure")
    first = metrics[0]
    report = QualityReport(
        flicker=[None] + [m.flicker for m in metrics[1:]],
        ssim=[None] + [m.ssim for m in metrics[1:]],
        luma=[m.luma for m in metrics],
        luma_drift=[m.luma - first.luma for m in metrics],
        lab_a=[m.lab_a for m in metrics],
        lab_b=[m.lab_b for m in metrics],
        color_drift=[math.hypot(m.lab_a - first.lab_a, m.lab_b - first.lab_b) for m in metrics],
        keyframes=sorted(set(keyframes)),
        diffused_frames=sorted(set(diffused_frames)),
    )
    if warp_errors is not None:
        report.warp_error = [None] + [
            warp_errors[index] if index < len(warp_errors) else None
            for index in range(1, len(metrics))
        ]
    return report


def measure_quality(
    frames: Iterable[np.ndarray],
    *,
    warp_errors: Sequence[float | None] | None = None,
    keyframes: Sequence[int] = (),
    diffused_frames: Sequence[int] = (),
) -> QualityReport:
    """Measure RGB uint8 frames given in order (frame 0 first), holding one small copy at a
    time, and make their report (see `quality_from_metrics`)."""
    metrics: list[FrameMetrics] = []
    previous: np.ndarray | None = None
    for index, frame in enumerate(frames):
        small = small_copy(frame)
        try:
            metrics.append(measure_frame(small, previous))
        except RenderError as error:
            error.frame = index
            raise
        previous = small
    return quality_from_metrics(metrics, warp_errors=warp_errors, keyframes=keyframes,
                                diffused_frames=diffused_frames)


_PANELS = (
    ("flicker", "Flicker: mean |frame t - frame t-1| (0-255)"),
    ("ssim", "SSIM of consecutive frames (1 = identical)"),
    ("luma_drift", "Luma drift from frame 0 (0-255 scale)"),
    ("color_drift", "Colour drift from frame 0 (a*b* distance, LAB)"),
    ("warp_error", "Self-warp error: mean |warp(frame t-1) - frame t| (0-255)"),
)


def plot_report(report: QualityReport) -> bytes:
    """PNG bytes of one panel per metric, with keyframes and diffused frames marked."""
    panels = [(name, title) for name, title in _PANELS if getattr(report, name) is not None]
    height = 2.1 * len(panels)
    figure = Figure(figsize=(10, height), dpi=100)
    FigureCanvasAgg(figure)
    # Fixed margins (in inches) instead of a layout engine: measuring every label to lay out
    # the panels would take most of the drawing time.
    figure.subplots_adjust(left=0.065, right=0.985, bottom=0.5 / height, top=1 - 0.3 / height,
                           hspace=0.38)
    axes = figure.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    x = np.arange(report.frame_count)
    diffused = [i for i in report.diffused_frames if 0 <= i < report.frame_count]
    if len(diffused) == report.frame_count:  # cadence 1: marking every frame says nothing
        diffused = []
    summary = report.summary()
    for axis, (name, title) in zip(axes, panels, strict=True):
        stats = summary[name]
        if stats is not None:
            title = f"{title}    mean {stats['mean']:.3g}, p95 {stats['p95']:.3g}"
        values = np.array([np.nan if v is None else v for v in getattr(report, name)], float)
        axis.plot(x, values, color="tab:blue", linewidth=1.2)
        if diffused:
            axis.plot(
                diffused,
                values[diffused],
                "o",
                color="tab:orange",
                markersize=3,
                label="diffused frame",
            )
        if report.keyframes:
            axis.vlines(report.keyframes, 0, 1, transform=axis.get_xaxis_transform(),
                        colors="tab:red", linestyles="--", linewidth=0.8, alpha=0.7,
                        label="keyframe")
        axis.set_title(title, fontsize=9, loc="left", y=1.0, pad=4)  # y: no auto-placing
        axis.grid(alpha=0.3)
        axis.tick_params(labelsize=8)
    if diffused or report.keyframes:
        axes[0].legend(fontsize=8, loc="upper right")
    axes[-1].set_xlabel("frame")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def write_report(report: QualityReport, folder: Path) -> tuple[Path, Path]:
    """Write `report.json` and `report.png` into `folder` (atomically); returns both paths."""
    folder = Path(folder)
    json_path, png_path = folder / REPORT_JSON, folder / REPORT_PNG
    text = json.dumps(report.to_json(), indent=1, allow_nan=False)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(json_path, text.encode("utf-8"))
        write_atomic(png_path, plot_report(report))
    except OSError as error:
        raise RenderError(
            f"cannot write the quality report in {folder}: {error.strerror or error}"
        ) from error
    return json_path, png_path
