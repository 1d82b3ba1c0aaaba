"""Finishing a rendered run: the video and the quality report, as the run's settings and plan ask
for them, from what the render recorded as it wrote the frames (the video stream, the metrics)
and, where that is not whole, from the frames on disk."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from lib_animation.output.finish import FinishProgress, OutputRequest, RunOutputs, write_outputs
from lib_animation.output.manifest import read_frame_log
from lib_animation.output.video import VideoOptions
from lib_animation.plan import FramePlan
from lib_animation.png_frames import remove_temp_files
from lib_animation.runs.lock import RunLock
from lib_animation.runs.start import Run
from lib_animation.schema import WARPING, Settings

VP9_CRF_SCALE = 63 / 51  # video_crf is x264's 0-51 scale; VP9 uses 0-63


def finish_run(run: Run, *, report: bool = True,
               progress: FinishProgress | None = None) -> RunOutputs:
    """Write the video formats the settings ask for and the quality report; the video is muxed
    from the stream `render_run` encoded when that stream is whole, and the report's metrics
    and self-warp errors are the ones measured while the frames were written."""
    with RunLock(run.folder):
        remove_temp_files(run.folder)
        warp_errors = None
        if report and run.plan.settings.animation_mode in WARPING:
            frames = read_frame_log(run.folder, keys=("warp_error",))
            warp_errors = [_number(frames.get(index, {}).get("warp_error"))
                           for index in range(run.plan.max_frames)]
        request = _output_request(run.plan, run.inputs.soundtrack, warp_errors)
        return write_outputs(run.folder, request, report=report, progress=progress)


def video_options(settings: Settings) -> VideoOptions:
    """How the run's videos are encoded, from its settings."""
    return VideoOptions(
        fps=settings.fps,
        crf=settings.video_crf,
        preset=settings.video_preset,
        vp9_crf=round(settings.video_crf * VP9_CRF_SCALE),
    )


def video_comment(settings: Settings) -> str:
    """The text the run's videos carry in their container: the settings that differ from the
    defaults."""
    return json.dumps({"keyframes_settings": settings.changed()}, ensure_ascii=False)


def chosen_video_format(settings: Settings) -> str | None:
    return None if settings.video_format == "none" else settings.video_format


def _output_request(plan: FramePlan, soundtrack: Path | None,
                    warp_errors: Sequence[float | None] | None) -> OutputRequest:
    settings = plan.settings
    return OutputRequest(
        frame_count=plan.max_frames,
        video_format=chosen_video_format(settings),
        gif=settings.make_gif,
        video=video_options(settings),
        comment=video_comment(settings),
        keyframes=plan.keyframe_frames(),
        diffused_frames=[int(frame) for frame in plan.diffused_frames()],
        soundtrack=soundtrack,
        warp_errors=warp_errors,
        delete_frames=settings.delete_imgs,
    )


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
