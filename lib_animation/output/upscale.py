"""Upscaling a run's frames after the render: every frame through the host's upscaler into the
run's `upscaled/` folder, then a second video beside the first. The original frames and video
are kept."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lib_animation.inputs.input_file import InputFile
from lib_animation.output.finish import FinishProgress
from lib_animation.output.frames import video_frame_paths
from lib_animation.output.video import VideoOptions, encode_video
from lib_animation.png_frames import frame_files, frame_path, read_frame, write_png

UPSCALED_FOLDER = "upscaled"
UPSCALE_STAGE = "upscale"

# image -> the same image upscaled by the host (the run service binds upscaler and factor)
Upscale = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class UpscaleRequest:
    """Frames 0..frame_count-1 upscaled `factor` times; the video (`video_format` "mp4" or
    "webm", None for none) gets the soundtrack and `comment` like the original one;
    `keep_frames` off deletes the upscaled PNGs once that video holds them."""

    frame_count: int
    factor: int
    video_format: str | None
    video: VideoOptions
    comment: str
    soundtrack: Path | InputFile | None = None
    keep_frames: bool = True


@dataclass(frozen=True)
class UpscaledOutputs:
    """`interrupted`: stopped between two frames, so no video was made (the frames upscaled
    so far stay in `folder`)."""

    folder: Path
    video: Path | None
    frames_deleted: bool
    interrupted: bool = False


def upscale_frames(run_dir: Path, request: UpscaleRequest, upscale: Upscale, *,
                   progress: FinishProgress | None = None,
                   should_stop: Callable[[], bool] = lambda: False) -> UpscaledOutputs:
    """Upscale every frame of the run in `run_dir` into `run_dir/upscaled/` (same file names),
    then encode them into `<run>_upscaled_x<factor>.<format>` in `run_dir`; `should_stop` is
    asked before each frame."""
    sources = video_frame_paths(run_dir, request.frame_count)
    folder = run_dir / UPSCALED_FOLDER
    folder.mkdir(exist_ok=True)
    targets = []
    for index, source in enumerate(sources):
        if should_stop():
            return UpscaledOutputs(folder, None, frames_deleted=False, interrupted=True)
        if progress is not None:
            progress(UPSCALE_STAGE, index, len(sources))
        target = frame_path(folder, index)
        write_png(target, upscale(read_frame(source)))
        targets.append(target)
    if progress is not None:
        progress(UPSCALE_STAGE, len(sources), len(sources))
    video = None
    if request.video_format is not None:
        name = f"{run_dir.name}_upscaled_x{request.factor}.{request.video_format}"
        video = encode_video(targets, run_dir / name, request.video,
                             soundtrack=request.soundtrack, comment=request.comment)
    deleted = video is not None and not request.keep_frames
    if deleted:
        for path in frame_files(folder).values():
            path.unlink(missing_ok=True)
    return UpscaledOutputs(folder, video, deleted)
