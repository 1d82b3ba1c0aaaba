"""A run's life, the one path the CLI, the WebUI tab and the REST API take:

`start_run` (plan once, check inputs and the host's names, make the folder) or `open_run` (an
existing folder, to resume), then `render_run` (the frame loop, with `RenderOptions` and
`RenderProgress` and stop callbacks), then `finish_run` (video and quality report, as
`RunOutputs`); before it, `upscale_run` when the settings ask for upscaling
(`upscale_earlier_run` for a folder rendered earlier), then `interpolate_run` when they ask for
frame interpolation (`interpolate_earlier_run` likewise). `read_run_state` tells what a run
folder holds without rendering anything; `load_run_settings` and `load_origin` read a
folder's settings and the record of its host.
A `UrlFetcher` given to them lets a run read input files named by http(s) URLs.
"""

from lib_animation.inputs.manifest_file import with_manifest_read
from lib_animation.inputs.remote import UrlFetcher
from lib_animation.motion.depth import DepthModelCache
from lib_animation.motion.frame_motion import WarpOptions
from lib_animation.output.finish import RunOutputs
from lib_animation.render_options import RenderOptions
from lib_animation.render_progress import RenderProgress
from lib_animation.runs.audio import run_audio
from lib_animation.runs.finish import finish_run
from lib_animation.runs.folder import SETTINGS_NAME, find_run_folder, load_run_settings
from lib_animation.runs.interpolate import (
    INTERPOLATE_STAGE,
    EngineSetup,
    InterpolateChoice,
    InterpolatedOutputs,
    interpolate_earlier_run,
    interpolate_run,
    interpolation_choice,
)
from lib_animation.runs.masks import FrameMaskPreview, frame_masks_preview
from lib_animation.runs.record import describe_host, host_identity, load_origin
from lib_animation.runs.render import (
    RenderResult,
    check_render_options,
    prepare_run,
    render_run,
)
from lib_animation.runs.start import (
    CheckedRun,
    Run,
    check_run,
    open_run,
    plan_run,
    preview_plan,
    start_run,
)
from lib_animation.runs.state import (
    RunState,
    frame_path,
    frames_on_disk,
    named_run_folder,
    read_run_state,
    report_image,
    run_folders,
)
from lib_animation.runs.upscale import (
    UPSCALE_STAGE,
    UpscaleChoice,
    UpscaledOutputs,
    upscale_choice,
    upscale_earlier_run,
    upscale_run,
)
from lib_animation.runs.whole import WholeRun, render_whole_run

__all__ = [
    "CheckedRun",
    "SETTINGS_NAME",
    "DepthModelCache",
    "FrameMaskPreview",
    "RenderOptions",
    "RenderProgress",
    "RenderResult",
    "Run",
    "RunOutputs",
    "RunState",
    "EngineSetup",
    "INTERPOLATE_STAGE",
    "InterpolateChoice",
    "InterpolatedOutputs",
    "UPSCALE_STAGE",
    "UpscaleChoice",
    "UpscaledOutputs",
    "UrlFetcher",
    "WarpOptions",
    "WholeRun",
    "check_run",
    "describe_host",
    "find_run_folder",
    "finish_run",
    "frame_masks_preview",
    "frame_path",
    "frames_on_disk",
    "host_identity",
    "load_origin",
    "load_run_settings",
    "named_run_folder",
    "open_run",
    "plan_run",
    "prepare_run",
    "preview_plan",
    "read_run_state",
    "render_run",
    "check_render_options",
    "render_whole_run",
    "report_image",
    "run_audio",
    "run_folders",
    "start_run",
    "interpolate_earlier_run",
    "interpolate_run",
    "interpolation_choice",
    "upscale_choice",
    "upscale_earlier_run",
    "upscale_run",
    "with_manifest_read",
]
