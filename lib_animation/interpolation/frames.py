"""Interpolating a run's frames into its `interpolated/` folder, then a video beside the first.

Frame k*x of the output is source frame k; the x-1 frames after it are the engine's frames
between source frames k and k+1. A folder left by an interrupted interpolation with the same
engine, x amount and source frames is continued: pairs whose frames are all there are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lib_animation.atomic_files import write_text_atomic
from lib_animation.inputs.input_file import InputFile
from lib_animation.interpolation.engine import Interpolator
from lib_animation.interpolation.timing import (
    between_times,
    check_interpolated_fps,
    interpolated_count,
    interpolated_fps,
)
from lib_animation.output.finish import FinishProgress
from lib_animation.output.video import VideoOptions, encode_video
from lib_animation.png_frames import complete_frames, frame_files, frame_path, read_frame, write_png

INTERPOLATED_FOLDER = "interpolated"
INTERPOLATE_STAGE = "interpolate"
_MARK = "interpolation.json"  # what the folder's frames were made with, for resuming


@dataclass(frozen=True)
class InterpolationRequest:
    """`engine` and `x_amount` as the settings name them; `slow_motion` the slow-motion amount
    (None: off, and the video keeps the soundtrack); `source` names the frames ("frames" or
    "upscaled"); `video_format` None makes no video."""

    engine: str
    x_amount: int
    fps: float
    video_format: str | None
    video: VideoOptions
    comment: str
    source: str = "frames"
    slow_motion: int | None = None
    soundtrack: Path | InputFile | None = None
    keep_frames: bool = False


@dataclass(frozen=True)
class InterpolatedOutputs:
    """`interrupted`: stopped between two frames, so no video was made (the frames so far stay
    in `folder` and a second try continues them)."""

    folder: Path
    frame_count: int
    video: Path | None
    frames_deleted: bool
    interrupted: bool = False


def interpolated_video_name(run_name: str, request: InterpolationRequest) -> str:
    source = "_upscaled" if request.source == "upscaled" else ""
    slow = f"_slowmo_x{request.slow_motion}" if request.slow_motion else ""
    return f"{run_name}{source}_interpolated_x{request.x_amount}{slow}.{request.video_format}"


def interpolate_frames(run_dir: Path, sources: Sequence[Path], request: InterpolationRequest,
                       engine: Interpolator, *, progress: FinishProgress | None = None,
                       should_stop: Callable[[], bool] = lambda: False) -> InterpolatedOutputs:
    """Interpolate `sources` (frames 0..n-1 in order) into `run_dir/interpolated/`, then encode
    `<run>_interpolated_x<x>.<format>` in `run_dir`; `should_stop` is asked before each pair."""
    check_interpolated_fps(request.fps, request.x_amount, request.slow_motion)
    folder = run_dir / INTERPOLATED_FOLDER
    _prepare_folder(folder, request)
    x = request.x_amount
    total = interpolated_count(len(sources), x)
    done = set(complete_frames(folder))
    times = between_times(x)
    pairs = max(len(sources) - 1, 0)
    for index in range(pairs):
        if progress is not None:
            progress(INTERPOLATE_STAGE, index, pairs)
        wanted = range(index * x, index * x + x)
        if done.issuperset(wanted):
            continue
        if should_stop():
            return InterpolatedOutputs(folder, total, None, frames_deleted=False,
                                       interrupted=True)
        first, second = read_frame(sources[index]), read_frame(sources[index + 1])
        for offset, image in enumerate([first, *engine.between(first, second, times)]):
            write_png(frame_path(folder, index * x + offset), image)
    if total and total - 1 not in done:
        write_png(frame_path(folder, total - 1), read_frame(sources[-1]))
    if progress is not None:
        progress(INTERPOLATE_STAGE, pairs, pairs)
    video = None
    if request.video_format is not None:
        options = VideoOptions(fps=interpolated_fps(request.fps, x, request.slow_motion),
                               crf=request.video.crf, preset=request.video.preset,
                               vp9_crf=request.video.vp9_crf)
        soundtrack = None if request.slow_motion else request.soundtrack
        video = encode_video([frame_path(folder, index) for index in range(total)],
                             run_dir / interpolated_video_name(run_dir.name, request), options,
                             soundtrack=soundtrack, comment=request.comment)
    deleted = video is not None and not request.keep_frames
    if deleted:
        for path in frame_files(folder).values():
            path.unlink(missing_ok=True)
        (folder / _MARK).unlink(missing_ok=True)
    return InterpolatedOutputs(folder, total, video, deleted)


def _prepare_folder(folder: Path, request: InterpolationRequest) -> None:
    """Keep frames made with the same engine, x amount and source; clear any others."""
    mark = json.dumps({"engine": request.engine, "x_amount": request.x_amount,
                       "source": request.source}, sort_keys=True)
    folder.mkdir(exist_ok=True)
    if _read_mark(folder) != mark:
        for path in frame_files(folder).values():
            path.unlink(missing_ok=True)
        write_text_atomic(folder / _MARK, mark)


def _read_mark(folder: Path) -> str | None:
    try:
        return (folder / _MARK).read_text(encoding="utf-8")
    except OSError:
        return None


__all__ = ["INTERPOLATED_FOLDER", "INTERPOLATE_STAGE", "InterpolatedOutputs",
           "InterpolationRequest", "interpolate_frames", "interpolated_video_name"]
