"""After the last frame: the video (muxed from the stream encoded while the frames were made,
or encoded from the frame files), the GIF (always from the frame files: its palette needs every
frame first), then the quality report from the metrics recorded as the frames were written
(measuring from the files only the frames that have none)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from lib_animation.inputs.input_file import InputFile
from lib_animation.output.frame_metrics import complete_metrics, read_metrics
from lib_animation.output.frames import video_frame_paths
from lib_animation.output.report import quality_from_metrics, write_report
from lib_animation.output.video import VideoOptions, encode_video, mux_video
from lib_animation.output.video_stream import discard_stream, streamed_video
from lib_animation.png_frames import frame_files

# progress(stage, frames done, frames in all), e.g. ("mp4", 40, 120) or ("report", 120, 120)
FinishProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class OutputRequest:
    """What to write after the last frame, as the run service read it from the run: frames
    0..frame_count-1 become the video (`video_format` "mp4" or "webm", None for none) with
    `comment` in its container and the soundtrack, and the GIF; the report marks the keyframes
    and the diffused frames and shows the renderer's warp errors; `delete_frames` removes the
    frames once a video or GIF holds them."""

    frame_count: int
    video_format: str | None
    gif: bool
    video: VideoOptions
    comment: str
    keyframes: list[int]
    diffused_frames: list[int]
    soundtrack: Path | InputFile | None = None  # an InputFile stays confined to its folders
    warp_errors: Sequence[float | None] | None = None
    delete_frames: bool = False


@dataclass(frozen=True)
class RunOutputs:
    video: Path | None = None
    gif: Path | None = None
    report_json: Path | None = None
    report_png: Path | None = None
    frames_deleted: bool = False


def write_outputs(
    run_dir: Path,
    request: OutputRequest,
    *,
    report: bool = True,
    progress: FinishProgress | None = None,
) -> RunOutputs:
    """Write the requested video formats and the quality report beside the frames, telling
    `progress` how far each stage got; the run's video stream, used or not, is deleted."""
    paths = video_frame_paths(run_dir, request.frame_count)

    def frames(stage: str) -> Sequence[Path]:
        return paths if progress is None else _Reporting(paths, stage, progress)

    video = None
    if request.video_format is not None:
        stream = streamed_video(run_dir, request.video_format, request.frame_count,
                                request.video)
        target = run_dir / f"{run_dir.name}.{request.video_format}"
        if stream is None:
            video = encode_video(frames(request.video_format), target, request.video,
                                 soundtrack=request.soundtrack, comment=request.comment)
        else:
            _tell(progress, request.video_format, 0, len(paths))
            video = mux_video(stream, target, request.video, frame_count=request.frame_count,
                              soundtrack=request.soundtrack, comment=request.comment)
            _tell(progress, request.video_format, len(paths), len(paths))
    discard_stream(run_dir)
    gif = None
    if request.gif:
        gif = encode_video(frames("gif"), run_dir / f"{run_dir.name}.gif", request.video)
    report_json = report_png = None
    if report:
        _tell(progress, "report", 0, len(paths))
        metrics = complete_metrics(read_metrics(run_dir, request.frame_count), paths)
        _tell(progress, "report", len(paths), len(paths))
        quality = quality_from_metrics(
            metrics,
            warp_errors=request.warp_errors,
            keyframes=request.keyframes,
            diffused_frames=request.diffused_frames,
        )
        report_json, report_png = write_report(quality, run_dir)
    deleted = False
    if request.delete_frames and (video is not None or gif is not None):
        for path in frame_files(run_dir).values():
            path.unlink(missing_ok=True)
        deleted = True
    return RunOutputs(video, gif, report_json, report_png, deleted)


def _tell(progress: FinishProgress | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)


class _Reporting(Sequence[Path]):
    """The frame paths, reporting each one as a stage reads it (slices report as well)."""

    def __init__(self, paths: Sequence[Path], stage: str, progress: FinishProgress) -> None:
        self._paths, self._stage, self._progress = paths, stage, progress

    def __len__(self) -> int:
        return len(self._paths)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return _Reporting(self._paths[index], self._stage, self._progress)
        return self._paths[index]

    def __iter__(self) -> Iterator[Path]:
        total = len(self._paths)
        for done, path in enumerate(self._paths):
            self._progress(self._stage, done, total)
            yield path
        self._progress(self._stage, total, total)
