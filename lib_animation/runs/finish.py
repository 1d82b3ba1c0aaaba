"""Finishing a rendered run: the video and the quality report, from the frames on disk."""

from __future__ import annotations

from lib_animation.output.finish import RunOutputs, write_outputs
from lib_animation.output.manifest import load_manifest
from lib_animation.runs.start import Run
from lib_animation.schema import WARPING


def finish_run(run: Run, *, report: bool = True) -> RunOutputs:
    """Encode the video formats the settings ask for and write the quality report; the report's
    self-warp errors are the ones the renderer measured while it wrote the frames."""
    warp_errors = None
    if report and run.plan.settings.animation_mode in WARPING:
        frames = load_manifest(run.folder).frames
        warp_errors = [_number(frames.get(index, {}).get("warp_error"))
                       for index in range(run.plan.max_frames)]
    return write_outputs(run.folder, run.plan, soundtrack=run.inputs.soundtrack,
                         warp_errors=warp_errors, report=report)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
