"""Starting a run, or opening one to resume: everything checked before a frame is rendered.

A new run is planned once, its input files are read and its sampler, scheduler and checkpoint
names are checked with the host before its folder exists, so a run that cannot render leaves
nothing behind. An existing folder is opened from its saved settings alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lib_animation.errors import SettingsError
from lib_animation.frame_requests import names_in_use
from lib_animation.host import Host
from lib_animation.inputs.gather import (
    RenderInputs,
    load_inputs,
    video_frame_count,
)
from lib_animation.plan import FramePlan, make_plan
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
from lib_animation.schema import NAME, Mode, Settings


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


def start_run(
    settings: Settings, output_dir: Path, host: Host, *, stamp: str | None = None
) -> Run:
    """A new run in its own folder inside `output_dir`; with `resume_from_timestring` on, the
    earlier run named by `resume_timestring` instead."""
    if settings.resume_from_timestring:
        return open_run(_folder_to_resume(settings, Path(output_dir)), host)
    plan = plan_run(settings)
    inputs = load_inputs(plan.settings)
    host.check_names(names_in_use(plan))
    folder = create_run_folder(plan, Path(output_dir), stamp=stamp, host=host_identity(host))
    return Run(folder, plan, inputs, plan.warnings)


def open_run(folder: Path, host: Host, *, other_host: bool = False) -> Run:
    """An existing run folder, ready to render its missing frames. Its settings file may have
    been edited since: a new length continues, other changes are refused (RenderError naming
    the setting), and so is a host other than the one the run was made with, unless
    `other_host`."""
    folder = Path(folder)
    settings = load_run_settings(folder)
    origin = load_origin(folder)
    check_settings(origin, settings, str(folder / SETTINGS_NAME))
    check_host(origin, host_identity(host), other_host=other_host)
    plan = make_plan(settings)
    remake_from = None
    if origin is not None and origin.settings != settings:
        remake_from = first_difference(make_plan(origin.settings), plan)
    inputs = load_inputs(plan.settings)
    host.check_names(names_in_use(plan))
    return Run(folder, plan, inputs, plan.warnings, resumed=True, remake_from=remake_from)


def plan_run(settings: Settings) -> FramePlan:
    """The plan of a new run: Video Input takes its frame count from the video."""
    if settings.animation_mode == Mode.VIDEO_INPUT:
        return make_plan(settings, max_frames=video_frame_count(settings))
    return make_plan(settings)


def _folder_to_resume(settings: Settings, output_dir: Path) -> Path:
    stamp = settings.resume_timestring.strip()
    if not stamp:
        raise SettingsError("is empty; give the timestring of the run to resume",
                            setting=NAME.resume_timestring)
    folder = find_run_folder(settings, output_dir, stamp)
    if folder is None:
        raise SettingsError(f"no run {stamp!r} to resume in {output_dir}",
                            setting=NAME.resume_timestring,
                            hint="turn resume_from_timestring off to start a new run")
    return folder
