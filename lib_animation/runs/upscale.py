"""Upscaling a run after its render, or an earlier run on its own: the host's upscaler, named
in the settings (or on the command line) and checked before the first frame."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lib_animation.host import Host
from lib_animation.host_names import check_upscaler
from lib_animation.inputs.gather import load_soundtrack
from lib_animation.inputs.input_file import InputFile
from lib_animation.inputs.remote import UrlFetcher
from lib_animation.output.finish import FinishProgress
from lib_animation.output.frames import video_frame_paths
from lib_animation.output.upscale import (
    UPSCALE_STAGE,
    UpscaledOutputs,
    UpscaleRequest,
    upscale_frames,
)
from lib_animation.runs.finish import chosen_video_format, video_comment, video_options
from lib_animation.runs.folder import load_run_settings
from lib_animation.runs.lock import RunLock
from lib_animation.runs.start import Run
from lib_animation.schema import Settings

__all__ = ["UPSCALE_STAGE", "UpscaleChoice", "UpscaledOutputs", "upscale_choice",
           "upscale_earlier_run", "upscale_run"]


@dataclass(frozen=True)
class UpscaleChoice:
    upscaler: str
    factor: int
    keep_frames: bool = True


def upscale_choice(settings: Settings) -> UpscaleChoice | None:
    """What the settings ask to upscale after the render; None when they do not."""
    if not settings.upscale_after_render:
        return None
    return UpscaleChoice(settings.upscaler, settings.upscale_factor,
                         settings.upscale_keep_frames)


def upscale_run(run: Run, host: Host, choice: UpscaleChoice, *,
                progress: FinishProgress | None = None,
                should_stop: Callable[[], bool] = lambda: False) -> UpscaledOutputs:
    """Every frame of a rendered run upscaled, and its upscaled video (with the soundtrack of
    the original one); run before `finish_run`, which may delete the frames."""
    return _upscale(run.folder, run.plan.settings, run.plan.max_frames, run.inputs.soundtrack,
                    host, choice, progress, should_stop)


def upscale_earlier_run(folder: Path, host: Host, choice: UpscaleChoice, *,
                        progress: FinishProgress | None = None,
                        should_stop: Callable[[], bool] = lambda: False) -> UpscaledOutputs:
    """The frames of a run folder rendered earlier, upscaled; its soundtrack is read again."""
    folder = Path(folder)
    settings = load_run_settings(folder)
    check_upscaler(choice.upscaler, host.upscaler_names())
    frame_count = len(video_frame_paths(folder))
    soundtrack = load_soundtrack(settings, urls=UrlFetcher())
    return _upscale(folder, settings, frame_count, soundtrack, host, choice, progress,
                    should_stop)


def _upscale(folder: Path, settings: Settings, frame_count: int, soundtrack: InputFile | None,
             host: Host, choice: UpscaleChoice, progress: FinishProgress | None,
             should_stop: Callable[[], bool]) -> UpscaledOutputs:
    request = UpscaleRequest(
        frame_count=frame_count,
        factor=choice.factor,
        video_format=chosen_video_format(settings),
        video=video_options(settings),
        comment=video_comment(settings),
        soundtrack=soundtrack,
        keep_frames=choice.keep_frames,
    )
    with RunLock(folder):
        return upscale_frames(folder, request,
                              lambda image: host.upscale(image, choice.upscaler, choice.factor),
                              progress=progress,
                              should_stop=lambda: host.interrupted() or should_stop())
