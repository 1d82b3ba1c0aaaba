"""A whole run in one call: start, render every frame, finish. For faces that do not follow a
run's stages one by one (the tab's motion preview)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lib_animation.host import Host
from lib_animation.inputs.remote import UrlFetcher
from lib_animation.output.finish import RunOutputs
from lib_animation.runs.finish import finish_run
from lib_animation.runs.render import RenderResult, render_run
from lib_animation.runs.start import start_run
from lib_animation.runs.upscale import upscale_choice, upscale_run
from lib_animation.schema import Settings


@dataclass(frozen=True)
class WholeRun:
    result: RenderResult
    outputs: RunOutputs | None  # None when the render was interrupted


def render_whole_run(settings: Settings, output_dir: Path, host: Host, *, report: bool = True,
                     confined_to: Sequence[Path] | None = None,
                     urls: UrlFetcher | None = None) -> WholeRun:
    """A new run in `output_dir`, rendered and, unless interrupted, finished."""
    run = start_run(settings, output_dir, host, confined_to=confined_to, urls=urls)
    result = render_run(run, host)
    if result.interrupted:
        return WholeRun(result, None)
    choice = upscale_choice(run.plan.settings)
    if choice is not None:
        upscale_run(run, host, choice)
    return WholeRun(result, finish_run(run, report=report))
