"""The quality report's per-frame metrics, measured as the frames are written and kept in the run
folder, so finishing a run only reads them (see `report` for what each metric means).

Every metric is measured on a small copy of the frame, area-downscaled (in float) so its longer
side is at most `SMALL_MAX_SIDE` pixels (frames that small already are used as they are); pairs
of frames (flicker, ssim) compare the small copies of frame t-1 and frame t.

`MetricsLog` is a frame sink (see `frames.FrameSink`): on the frame writer's thread it appends
one line per frame to `metrics.jsonl` once the frame's file is on disk, e.g.
`{"frame": 3, "luma": 118.2, "lab_a": 4.1, "lab_b": -2.0, "flicker": 3.5, "ssim": 0.93}`.
Each render session first appends `{"remade_from": k}`: frames k and later are made again, so
their earlier lines no longer count. The last counting line of a frame wins. A frame on disk
without one (a kill between its file and its line, or a run rendered without metrics) is
measured from its file by `complete_metrics`, so the report is always of the frames on disk.
The log is machine-written and loaded strictly: anything malformed is a RenderError naming the
line.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from lib_animation.errors import RenderError
from lib_animation.output.manifest import MAX_FRAMES, log_lines, open_log
from lib_animation.png_frames import frame_path, read_frame

METRICS_LOG_NAME = "metrics.jsonl"
SMALL_MAX_SIDE = 256
REMADE_FROM = "remade_from"
_LUMA_RANGE = 255.0
_SSIM_K1, _SSIM_K2 = 0.01, 0.03

_LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], np.float32)
_NAMES = ("luma", "lab_a", "lab_b", "flicker", "ssim")
# Bounds a genuine value lies within (CIELAB a*, b* of 8-bit sRGB stay inside +-128).
_BOUNDS = {"luma": (0.0, 255.0), "lab_a": (-128.0, 128.0), "lab_b": (-128.0, 128.0),
           "flicker": (0.0, 255.0), "ssim": (-1.0, 1.0)}


@dataclass(frozen=True)
class FrameMetrics:
    """One frame's metrics; flicker and ssim are None for frame 0 (no previous frame)."""

    luma: float
    lab_a: float
    lab_b: float
    flicker: float | None
    ssim: float | None


def metrics_log_path(folder: Path) -> Path:
    return Path(folder) / METRICS_LOG_NAME


def small_copy(image: np.ndarray) -> np.ndarray:
    """The RGB uint8 frame as float32, area-downscaled so its longer side is at most
    SMALL_MAX_SIDE. Kept in float so its means are the full frame's (luma exactly: it is
    linear), not shifted by rounding to 8 bits."""
    height, width = image.shape[:2]
    scale = SMALL_MAX_SIDE / max(height, width)
    pixels = image.astype(np.float32)
    if scale >= 1:
        return pixels
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


def measure_frame(small: np.ndarray, previous: np.ndarray | None) -> FrameMetrics:
    """The metrics of a frame from its small copy and the previous frame's (None for frame 0)."""
    if previous is not None and previous.shape != small.shape:
        raise RenderError(
            f"frame size {small.shape[1]}x{small.shape[0]} (small copy) differs from the "
            f"previous frame's {previous.shape[1]}x{previous.shape[0]}"
        )
    luma = small @ _LUMA_WEIGHTS
    lab = cv2.cvtColor(small / 255.0, cv2.COLOR_RGB2Lab)
    flicker = ssim = None
    if previous is not None:
        flicker = float(cv2.absdiff(small, previous).mean())
        ssim = _ssim(previous @ _LUMA_WEIGHTS, luma)
    return FrameMetrics(
        luma=float(luma.mean()),
        lab_a=float(lab[..., 1].mean()),
        lab_b=float(lab[..., 2].mean()),
        flicker=flicker,
        ssim=ssim,
    )


def _ssim(previous: np.ndarray, current: np.ndarray) -> float:
    """Mean structural similarity of two luma images (0..255) as skimage's default computes it
    (7x7 uniform windows, sample covariances, K1 = 0.01, K2 = 0.03, the mean over the pixels a
    whole window covers), with OpenCV's box filters: a tenth of skimage's time."""
    window = min(7, *previous.shape)  # the window needs that many pixels per side
    window -= 1 - window % 2
    if window < 3:
        return 1.0 if np.array_equal(previous, current) else 0.0
    x, y = previous.astype(np.float64), current.astype(np.float64)

    def mean(values: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(values, -1, (window, window), borderType=cv2.BORDER_REFLECT)

    count = window * window
    covariance_scale = count / (count - 1)
    mean_x, mean_y = mean(x), mean(y)
    variance_x = covariance_scale * (mean(x * x) - mean_x * mean_x)
    variance_y = covariance_scale * (mean(y * y) - mean_y * mean_y)
    covariance = covariance_scale * (mean(x * y) - mean_x * mean_y)
    c1, c2 = (_SSIM_K1 * _LUMA_RANGE) ** 2, (_SSIM_K2 * _LUMA_RANGE) ** 2
    similarity = ((2 * mean_x * mean_y + c1) * (2 * covariance + c2)) / (
        (mean_x * mean_x + mean_y * mean_y + c1) * (variance_x + variance_y + c2))
    edge = (window - 1) // 2
    return float(similarity[edge:-edge, edge:-edge].mean())


class MetricsLog:
    """Measures each frame as it is written (a frame sink) and appends its line to the log.

    Frames 0..first_missing-1 are on disk already; the first frame of the session after them
    is compared with frame first_missing-1 read from disk."""

    def __init__(self, folder: Path, first_missing: int) -> None:
        self.folder = Path(folder)
        self._path = metrics_log_path(self.folder)
        self._log: int | None = open_log(self._path)
        self._previous: tuple[int, np.ndarray] | None = None
        self._append({REMADE_FROM: first_missing})

    def frame_written(self, index: int, image: np.ndarray) -> None:
        small = small_copy(image)
        metrics = measure_frame(small, self._previous_small(index))
        self._previous = (index, small)
        self._append({"frame": index, **asdict(metrics)})

    def close(self, finished: bool) -> None:
        log, self._log = self._log, None
        if log is not None:
            os.close(log)

    def _previous_small(self, index: int) -> np.ndarray | None:
        if index == 0:
            return None
        if self._previous is not None and self._previous[0] == index - 1:
            return self._previous[1]
        return small_copy(read_frame(frame_path(self.folder, index - 1)))

    def _append(self, entry: dict[str, object]) -> None:
        data = (json.dumps(entry, allow_nan=False) + "\n").encode("utf-8")
        try:
            os.write(self._log, data)
        except OSError as error:
            raise RenderError(f"cannot write {self._path}: {error.strerror or error}",
                              hint="check free disk space and folder permissions") from error


def read_metrics(folder: Path, frame_count: int) -> list[FrameMetrics | None]:
    """The recorded metrics of frames 0..frame_count-1 (None where a frame has none that
    counts); RenderError for a malformed log."""
    found: dict[int, FrameMetrics] = {}
    for source, line in log_lines(metrics_log_path(folder), "metrics log"):
        key, value = _parse_line(line, source)
        if key == REMADE_FROM:
            found = {index: metrics for index, metrics in found.items() if index < value}
        else:
            found[key] = value
    return [found.get(index) for index in range(frame_count)]


def complete_metrics(
    recorded: Sequence[FrameMetrics | None], paths: Sequence[Path]
) -> list[FrameMetrics]:
    """`recorded` with every None measured from the frame files `paths` (frame i at paths[i]),
    reading only the frames (and the frames before them) that lack metrics."""
    complete: list[FrameMetrics] = []
    previous: tuple[int, np.ndarray] | None = None
    for index, metrics in enumerate(recorded):
        if metrics is None:
            before = None
            if index > 0:
                before = previous[1] if previous is not None and previous[0] == index - 1 \
                    else small_copy(read_frame(paths[index - 1]))
            small = small_copy(read_frame(paths[index]))
            try:
                metrics = measure_frame(small, before)
            except RenderError as error:
                error.frame = index
                raise
            previous = (index, small)
        complete.append(metrics)
    return complete


def _parse_line(line: bytes, source: str) -> tuple[int | str, object]:
    try:
        data = json.loads(line.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise RenderError(f"metrics log entry is not valid JSON ({error})", source=source) \
            from None
    if isinstance(data, dict) and data.keys() == {REMADE_FROM}:
        return REMADE_FROM, _frame_index(data[REMADE_FROM], REMADE_FROM, source)
    if not isinstance(data, dict) or data.keys() != {"frame", *_NAMES}:
        raise RenderError(
            f"metrics log entry must be an object with 'frame', {', '.join(_NAMES)} "
            f"(or only '{REMADE_FROM}')", source=source)
    index = _frame_index(data["frame"], "frame", source)
    values = {name: _value(data[name], name, index, source) for name in _NAMES}
    if values["luma"] is None or values["lab_a"] is None or values["lab_b"] is None:
        raise RenderError(f"metrics of frame {index}: luma, lab_a and lab_b must be numbers",
                          source=source)
    if (index == 0) != (values["flicker"] is None) or (index == 0) != (values["ssim"] is None):
        raise RenderError(f"metrics of frame {index}: flicker and ssim must be null exactly "
                          "for frame 0", source=source)
    return index, FrameMetrics(**values)


def _frame_index(value: object, name: str, source: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < MAX_FRAMES:
        raise RenderError(f"metrics log '{name}' must be a frame number from 0 to "
                          f"{MAX_FRAMES - 1}", source=source)
    return value


def _value(value: object, name: str, index: int, source: str) -> float | None:
    if value is None:
        return None
    low, high = _BOUNDS[name]
    if (not isinstance(value, (int, float)) or isinstance(value, bool)
            or not math.isfinite(value) or not low <= value <= high):
        raise RenderError(f"metrics of frame {index}: '{name}' must be a number from {low:g} "
                          f"to {high:g}", source=source)
    return float(value)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed")
