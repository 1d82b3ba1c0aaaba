"""Rendering a started or opened run: the frame loop over the run's plan, inputs and folder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lib_animation.host import Host
from lib_animation.inputs.gather import with_video_frames
from lib_animation.render import RenderOptions, RenderProgress, render_frames
from lib_animation.runs.folder import SETTINGS_NAME
from lib_animation.runs.start import Run


@dataclass(frozen=True)
class RenderResult:
    run: Run
    completed: int  # frames 0..completed-1 are on disk
    interrupted: bool
    resumed_from: int  # first frame rendered in this session (0 for a fresh run)
    generations: int
    elapsed_s: float


def render_run(
    run: Run,
    host: Host,
    options: RenderOptions | None = None,
    *,
    on_progress: Callable[[RenderProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> RenderResult:
    """Render the run's missing frames. Stops between frames when the host is interrupted or
    `should_stop()` is true; the folder can then be opened and rendered again to continue."""
    inputs = with_video_frames(run.inputs, run.plan.settings, run.folder)
    loop = render_frames(
        run.plan, inputs, host, run.folder, options,
        settings_file=SETTINGS_NAME, on_progress=on_progress, should_stop=should_stop,
    )  # fmt: skip
    return RenderResult(
        run=run,
        completed=loop.completed,
        interrupted=loop.interrupted,
        resumed_from=loop.resumed_from,
        generations=loop.generations,
        elapsed_s=loop.elapsed_s,
    )
