"""Frame interpolation of a run after its render (and its upscale), or of an earlier run on its
own. Needs no host: the engines run here (RIFE and FILM in torch on `device`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lib_animation.inputs.gather import load_soundtrack
from lib_animation.inputs.input_file import InputFile
from lib_animation.inputs.remote import UrlFetcher
from lib_animation.interpolation.engine import Interpolator
from lib_animation.interpolation.engines import make_interpolator
from lib_animation.interpolation.frames import (
    INTERPOLATE_STAGE,
    InterpolatedOutputs,
    InterpolationRequest,
    interpolate_frames,
)
from lib_animation.interpolation.timing import check_interpolated_fps
from lib_animation.motion.depth_download import Progress
from lib_animation.output.finish import FinishProgress
from lib_animation.output.frames import video_frame_paths
from lib_animation.output.upscale import UPSCALED_FOLDER
from lib_animation.png_frames import complete_frames
from lib_animation.runs.finish import chosen_video_format, video_comment, video_options
from lib_animation.runs.folder import load_run_settings
from lib_animation.runs.lock import RunLock
from lib_animation.runs.start import Run
from lib_animation.schema import Settings

__all__ = ["INTERPOLATE_STAGE", "InterpolateChoice", "InterpolatedOutputs",
           "EngineSetup", "interpolate_earlier_run", "interpolate_run",
           "interpolation_choice"]


@dataclass(frozen=True)
class InterpolateChoice:
    engine: str
    x_amount: int
    slow_motion: int | None = None
    keep_frames: bool = False
    use_upscaled: bool = False


@dataclass(frozen=True)
class EngineSetup:
    """Where the engines' weights go and where they run; `weights_progress` sees downloads."""

    models_dir: Path | None = None
    device: str = "cpu"
    weights_progress: Progress | None = None


def interpolation_choice(settings: Settings) -> InterpolateChoice | None:
    """What the settings ask to interpolate after the render; None when they do not."""
    if settings.frame_interpolation_engine == "None":
        return None
    slow = settings.frame_interpolation_slow_mo_amount
    return InterpolateChoice(settings.frame_interpolation_engine,
                             settings.frame_interpolation_x_amount,
                             slow if settings.frame_interpolation_slow_mo_enabled else None,
                             settings.frame_interpolation_keep_imgs,
                             settings.frame_interpolation_use_upscaled)


def interpolate_run(run: Run, choice: InterpolateChoice, setup: EngineSetup, *,
                    progress: FinishProgress | None = None,
                    should_stop: Callable[[], bool] = lambda: False) -> InterpolatedOutputs:
    """A rendered run's frames interpolated, with the soundtrack of its video; run before
    `finish_run`, which may delete the frames."""
    return _interpolate(run.folder, run.plan.settings, run.plan.max_frames,
                        run.inputs.soundtrack, choice, setup, progress, should_stop)


def interpolate_earlier_run(folder: Path, choice: InterpolateChoice, setup: EngineSetup, *,
                            progress: FinishProgress | None = None,
                            should_stop: Callable[[], bool] = lambda: False
                            ) -> InterpolatedOutputs:
    """The frames of a run folder rendered earlier, interpolated; its soundtrack is read again."""
    folder = Path(folder)
    settings = load_run_settings(folder)
    check_interpolated_fps(settings.fps, choice.x_amount, choice.slow_motion)
    frame_count = len(video_frame_paths(folder))
    soundtrack = None
    if choice.slow_motion is None:
        soundtrack = load_soundtrack(settings, urls=UrlFetcher())
    return _interpolate(folder, settings, frame_count, soundtrack, choice, setup, progress,
                        should_stop)


def _interpolate(folder: Path, settings: Settings, frame_count: int,
                 soundtrack: InputFile | None, choice: InterpolateChoice, setup: EngineSetup,
                 progress: FinishProgress | None,
                 should_stop: Callable[[], bool]) -> InterpolatedOutputs:
    source = _source(folder, frame_count, choice.use_upscaled)
    request = InterpolationRequest(
        engine=choice.engine,
        x_amount=choice.x_amount,
        fps=settings.fps,
        video_format=chosen_video_format(settings),
        video=video_options(settings),
        comment=video_comment(settings),
        source=source,
        slow_motion=choice.slow_motion,
        soundtrack=soundtrack,
        keep_frames=choice.keep_frames,
    )
    frames_folder = folder / UPSCALED_FOLDER if source == "upscaled" else folder
    sources = video_frame_paths(frames_folder, frame_count)
    engine: Interpolator = make_interpolator(choice.engine, setup.models_dir, setup.device,
                                             setup.weights_progress)
    with RunLock(folder):
        return interpolate_frames(folder, sources, request, engine, progress=progress,
                                  should_stop=should_stop)


def _source(folder: Path, frame_count: int, use_upscaled: bool) -> str:
    """"upscaled" when asked and the run has every upscaled frame, else "frames"."""
    upscaled = set(complete_frames(folder / UPSCALED_FOLDER))
    return "upscaled" if use_upscaled and upscaled.issuperset(range(frame_count)) else "frames"
