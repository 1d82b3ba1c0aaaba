"""Starting a run, or opening one to resume: everything checked before a frame is rendered.

A new run is planned once (its audio analysed once, when it has audio to analyse), its input
files are read and its sampler, scheduler and checkpoint names are checked with the host before
its folder exists, so a run that cannot render leaves nothing behind. An existing folder is opened
from its saved settings and the audio analysis it keeps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from lib_animation.controlnet import check_controlnet
from lib_animation.errors import SettingsError
from lib_animation.frame_requests import names_in_use
from lib_animation.host import Host
from lib_animation.host_names import check_upscale
from lib_animation.inputs.gather import (
    RenderInputs,
    load_inputs,
    video_frame_count,
)
from lib_animation.inputs.manifest_file import with_manifest_read
from lib_animation.inputs.remote import UrlFetcher
from lib_animation.interpolation.timing import check_interpolated_fps
from lib_animation.plan import FramePlan, make_plan, plan_timing
from lib_animation.runs.audio import analysed_audio, load_audio_cache, save_audio_cache
from lib_animation.runs.disk import check_disk_space
from lib_animation.runs.folder import (
    SETTINGS_NAME,
    create_run_folder,
    find_run_folder,
    load_run_settings,
)
from lib_animation.runs.record import (
    check_host,
    check_settings,
    first_difference,
    host_identity,
    load_origin,
)
from lib_animation.schema import NAME, Settings


@dataclass(frozen=True)
class Run:
    """A run folder with the plan and inputs its frames are made from (Video Input's frames
    are extracted into the folder when it renders)."""

    folder: Path
    plan: FramePlan
    inputs: RenderInputs
    warnings: tuple[str, ...] = ()
    resumed: bool = False
    remake_from: int | None = None  # a resume makes frames from here on again (edited length)


@dataclass(frozen=True)
class CheckedRun:
    """Settings that passed every check a run makes before its folder exists."""

    plan: FramePlan
    inputs: RenderInputs


PlanCheck = Callable[[FramePlan], None]


def check_run(settings: Settings, host: Host | None = None, *,
              confined_to: Sequence[Path] | None = None, urls: UrlFetcher | None = None,
              plan_check: PlanCheck | None = None) -> CheckedRun:
    """Plan the run, check the plan with `plan_check` (a WebUI owner's limits), read its input
    files (only inside `confined_to`, when given; URLs only through `urls`) and, with a host,
    check its sampler, scheduler and checkpoint names: what `validate` answers, and the first
    step of every new run."""
    plan = plan_run(settings, confined_to=confined_to, urls=urls)
    if plan_check is not None:
        plan_check(plan)
    inputs = load_inputs(plan.settings, confined_to=confined_to, urls=urls)
    if host is not None:
        host.check_names(names_in_use(plan))
        check_upscale(plan.settings, host)
        check_controlnet(plan, host)
    check_interpolated_video(plan.settings)
    return CheckedRun(replace(plan, warnings=(*plan.warnings, *inputs.warnings)), inputs)


def check_interpolated_video(settings: Settings) -> None:
    """Frame interpolation after the render: its video's fps must fit in a video."""
    if settings.frame_interpolation_engine != "None":
        slow = settings.frame_interpolation_slow_mo_amount
        check_interpolated_fps(settings.fps, settings.frame_interpolation_x_amount,
                               slow if settings.frame_interpolation_slow_mo_enabled else None)


def start_run(
    settings: Settings, output_dir: Path, host: Host, *, stamp: str | None = None,
    confined_to: Sequence[Path] | None = None, urls: UrlFetcher | None = None,
    plan_check: PlanCheck | None = None,
) -> Run:
    """A new run in its own folder inside `output_dir`; with `resume_from_timestring` on, the
    earlier run named by `resume_timestring` instead. RenderError when the output folder's disk
    cannot hold its frames."""
    if settings.resume_from_timestring:
        return open_run(_folder_to_resume(settings, Path(output_dir)), host,
                        confined_to=confined_to, urls=urls)
    checked = check_run(settings, host, confined_to=confined_to, urls=urls,
                        plan_check=plan_check)
    plan = checked.plan
    check_disk_space(plan, Path(output_dir))
    folder = create_run_folder(plan, Path(output_dir), stamp=stamp, host=host_identity(host))
    save_audio_cache(folder, plan.audio)
    return Run(folder, plan, checked.inputs, plan.warnings)


def open_run(folder: Path, host: Host, *, other_host: bool = False,
             confined_to: Sequence[Path] | None = None,
             urls: UrlFetcher | None = None) -> Run:
    """An existing run folder, ready to render its missing frames. Its settings file may have
    been edited since: a new length continues, other changes are refused (RenderError naming
    the setting), and so is a host other than the one the run was made with, unless
    `other_host`. Input files are read again (only inside `confined_to`, when given); the audio
    analysis is the one the folder keeps."""
    folder = Path(folder)
    settings = load_run_settings(folder)
    origin = load_origin(folder)
    check_settings(origin, settings, str(folder / SETTINGS_NAME))
    check_host(origin, host_identity(host), other_host=other_host)
    plan = _resumed_plan(folder, settings, confined_to, urls)
    remake_from = None
    if origin is not None and origin.settings != settings:
        origin_plan = _resumed_plan(folder, origin.settings, confined_to, urls, keep=False)
        remake_from = first_difference(origin_plan, plan)
    inputs = load_inputs(plan.settings, confined_to=confined_to, urls=urls)
    host.check_names(names_in_use(plan))
    check_upscale(plan.settings, host)
    check_controlnet(plan, host)
    check_interpolated_video(plan.settings)
    return Run(folder, plan, inputs, (*plan.warnings, *inputs.warnings), resumed=True,
               remake_from=remake_from)


def plan_run(settings: Settings, *, confined_to: Sequence[Path] | None = None,
             urls: UrlFetcher | None = None) -> FramePlan:
    """The plan of a new run: Video Input takes its frame count from the video (read only
    inside `confined_to`, when given; by URL only through `urls`); a Parseq manifest's file or
    URL is read the same way, and the plan's settings keep the manifest itself."""
    settings = with_manifest_read(settings, confined_to=confined_to, urls=urls)
    count = video_frame_count(settings, confined_to=confined_to, urls=urls)
    return _planned(settings, count, confined_to, urls)


def preview_plan(settings: Settings, *, urls: UrlFetcher | None = None) -> FramePlan:
    """The plan `plan` and `plot` show: as a new run's, with its manifest read and its audio
    analysed, but without reading an input video (Video Input is planned over max_frames)."""
    return _planned(with_manifest_read(settings, urls=urls), None, None, urls)


def _planned(settings: Settings, count: int | None, confined_to: Sequence[Path] | None,
             urls: UrlFetcher | None) -> FramePlan:
    audio = analysed_audio(settings, plan_timing(settings, max_frames=count),
                           confined_to=confined_to, urls=urls)
    return make_plan(settings, max_frames=count, audio=audio)


def _resumed_plan(folder: Path, settings: Settings, confined_to: Sequence[Path] | None,
                  urls: UrlFetcher | None, *, keep: bool = True) -> FramePlan:
    """A run folder's plan, with the audio analysis the folder keeps; only a length edited
    since has its audio analysed again (kept in the folder with `keep`)."""
    cached = load_audio_cache(folder)
    timing = plan_timing(settings)
    if cached is not None and (cached.frames, cached.fps) == (timing.frames, timing.fps):
        return make_plan(settings, audio=cached)
    audio = analysed_audio(settings, timing, confined_to=confined_to, urls=urls)
    if keep:
        save_audio_cache(folder, audio)
    return make_plan(settings, audio=audio)


def _folder_to_resume(settings: Settings, output_dir: Path) -> Path:
    stamp = settings.resume_timestring.strip()
    if not stamp:
        raise SettingsError("is empty; give the timestring of the run to resume",
                            setting=NAME.resume_timestring)
    folder = find_run_folder(settings, output_dir, stamp)
    if folder is None:
        # The output folder's name only: the API answers with this line too.
        raise SettingsError(f"no run {stamp!r} to resume in the output folder "
                            f"{Path(output_dir).name!r}",
                            setting=NAME.resume_timestring,
                            hint="turn resume_from_timestring off to start a new run")
    return folder
