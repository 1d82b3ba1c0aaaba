"""Rendering a started or opened run: the frame loop over the run's plan, inputs and folder, with
the report's metrics measured and the video encoded as the frames are written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from lib_animation.host import SEED_PARAMETER, Host
from lib_animation.inputs.gather import with_video_frames
from lib_animation.motion.raft_weights import check_raft_folder
from lib_animation.output.frame_metrics import MetricsLog
from lib_animation.output.manifest import (
    ManifestRecorder,
    manifest_path,
    read_frame_log,
    resume_point,
)
from lib_animation.output.video_stream import VideoStreamer, discard_stream
from lib_animation.png_frames import remove_temp_files
from lib_animation.render import LoopResult, raft_flow_settings, render_frames
from lib_animation.render_options import RenderOptions
from lib_animation.render_progress import RenderProgress
from lib_animation.runs.finish import chosen_video_format, video_options
from lib_animation.runs.folder import SETTINGS_NAME
from lib_animation.runs.lock import RunLock
from lib_animation.runs.record import host_identity, save_origin
from lib_animation.runs.start import Run
from lib_animation.schema import Settings


@dataclass(frozen=True)
class RenderResult(LoopResult):
    """The frame loop's result, with the run it rendered."""

    run: Run


def check_render_options(settings: Settings, options: RenderOptions) -> None:
    """What the options must give the settings, checked before a run folder is made: RAFT's
    model folder."""
    for name in raft_flow_settings(settings)[:1]:
        check_raft_folder(options.models_dir, name)


def prepare_run(run: Run) -> Run:
    """The run with Video Input's frames extracted into its folder: slow decoding that needs no
    generator, so a caller can do it before taking the host's queue lock."""
    if run.inputs.video_frames:
        return run
    return replace(run, inputs=with_video_frames(run.inputs, run.plan.settings, run.folder))


def render_run(
    run: Run,
    host: Host,
    options: RenderOptions | None = None,
    *,
    on_progress: Callable[[RenderProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> RenderResult:
    """Render the run's missing frames. Stops between frames when the host is interrupted or
    `should_stop()` is true; the folder can then be opened and rendered again to continue.
    One process renders a folder at a time (RenderError saying who holds it otherwise)."""
    folder = run.folder
    with RunLock(folder):
        remove_temp_files(folder)
        inputs = prepare_run(run).inputs
        total = run.plan.max_frames
        seeds: dict[int, int] = {}
        if manifest_path(folder).exists():
            first_missing = resume_point(folder, total) + 1
            if run.remake_from is not None:
                first_missing = min(first_missing, run.remake_from)
            recorder = ManifestRecorder.resume(folder, total, first_missing)
            seeds = {index: value[SEED_PARAMETER] for index, value
                     in read_frame_log(folder, keys=(SEED_PARAMETER,)).items()
                     if isinstance(value.get(SEED_PARAMETER), int) and index < first_missing}
        else:
            first_missing = 0
            recorder = ManifestRecorder.start(folder, SETTINGS_NAME, total)
        save_origin(folder, run.plan.settings, host_identity(host))
        try:
            _add_frame_sinks(recorder, run, options or RenderOptions(), first_missing)
            loop = render_frames(
                run.plan, inputs, host, folder, options, recorder=recorder,
                first_missing=first_missing, recorded_seeds=seeds, on_progress=on_progress,
                should_stop=should_stop,
            )  # fmt: skip
        finally:
            recorder.close_sinks(finished=False)  # only when the loop did not close them
    return RenderResult(**vars(loop), run=run)


def _add_frame_sinks(recorder: ManifestRecorder, run: Run, options: RenderOptions,
                     first_missing: int) -> None:
    """What is made from each frame as it is written: the report's metrics and the video
    stream (which finishing muxes instead of reading every frame back)."""
    discard_stream(run.folder)
    if options.quality_metrics:
        recorder.add_sink(MetricsLog(run.folder, first_missing))
    kind = chosen_video_format(run.plan.settings)
    if kind is not None:
        recorder.add_sink(VideoStreamer(run.folder, kind, video_options(run.plan.settings),
                                        run.plan.max_frames, first_missing))
