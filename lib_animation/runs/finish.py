"""Finishing a rendered run: the video and the quality report, from the frames on disk."""

from __future__ import annotations

from lib_animation.output.finish import FinishProgress, RunOutputs, write_outputs
from lib_animation.output.frames import remove_temp_files
from lib_animation.output.manifest import read_frame_log
from lib_animation.runs.lock import RunLock
from lib_animation.runs.start import Run
from lib_animation.schema import WARPING


def finish_run(run: Run, *, report: bool = True,
               progress: FinishProgress | None = None) -> RunOutputs:
    """Encode the video formats the settings ask for and write the quality report; the report's
    self-warp errors are the ones the renderer measured while it wrote the frames."""
    with RunLock(run.folder):
        remove_temp_files(run.folder)
        warp_errors = None
        if report and run.plan.settings.animation_mode in WARPING:
            frames = read_frame_log(run.folder, keys=("warp_error",))
            warp_errors = [_number(frames.get(index, {}).get("warp_error"))
                           for index in range(run.plan.max_frames)]
        return write_outputs(run.folder, run.plan, soundtrack=run.inputs.soundtrack,
                             warp_errors=warp_errors, report=report, progress=progress)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
