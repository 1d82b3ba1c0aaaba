"""After the last frame: the video (and GIF) from the frame files, then the quality report."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from lib_animation.output.frames import frame_files, iter_frames, video_frame_paths
from lib_animation.output.report import measure_quality, write_report
from lib_animation.output.video import VideoOptions, encode_video
from lib_animation.plan import FramePlan

VP9_CRF_SCALE = 63 / 51  # video_crf is x264's 0-51 scale; VP9 uses 0-63
# progress(stage, frames done, frames in all), e.g. ("mp4", 40, 120) or ("report", 120, 120)
FinishProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RunOutputs:
    video: Path | None = None
    gif: Path | None = None
    report_json: Path | None = None
    report_png: Path | None = None
    frames_deleted: bool = False


def write_outputs(
    run_dir: Path,
    plan: FramePlan,
    *,
    soundtrack: Path | None = None,
    warp_errors: Sequence[float | None] | None = None,
    report: bool = True,
    progress: FinishProgress | None = None,
) -> RunOutputs:
    """Encode the requested video formats and write the quality report beside the frames,
    telling `progress` how far each stage got as it reads the frames."""
    settings = plan.settings
    paths = video_frame_paths(run_dir, plan.max_frames)

    def frames(stage: str) -> Sequence[Path]:
        return paths if progress is None else _Reporting(paths, stage, progress)

    options = VideoOptions(
        fps=settings.fps,
        crf=settings.video_crf,
        preset=settings.video_preset,
        vp9_crf=round(settings.video_crf * VP9_CRF_SCALE),
    )
    comment = json.dumps({"keyframes_settings": plan.settings.changed()}, ensure_ascii=False)
    video = None
    if settings.video_format != "none":
        target = run_dir / f"{run_dir.name}.{settings.video_format}"
        video = encode_video(frames(settings.video_format), target, options,
                             soundtrack=soundtrack, comment=comment)
    gif = None
    if settings.make_gif:
        gif = encode_video(frames("gif"), run_dir / f"{run_dir.name}.gif", options)
    report_json = report_png = None
    if report:
        quality = measure_quality(
            iter_frames(frames("report")),
            warp_errors=warp_errors,
            keyframes=plan.keyframe_frames(),
            diffused_frames=[int(frame) for frame in plan.diffused_frames()],
        )
        report_json, report_png = write_report(quality, run_dir)
    deleted = False
    if settings.delete_imgs and (video is not None or gif is not None):
        for path in frame_files(run_dir).values():
            path.unlink(missing_ok=True)
        deleted = True
    return RunOutputs(video, gif, report_json, report_png, deleted)


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
