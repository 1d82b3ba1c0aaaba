"""Whether a run's frames fit on the output folder's disk, judged before the first frame.

The estimate counts what a run writes that grows with its length: frame PNGs, depth map PNGs
when they are kept, and Video Input's extracted frames. A PNG of a diffused frame holds about
half the raw pixel bytes; the estimate is meant to refuse only runs that cannot fit, so it
leans low rather than high.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from lib_animation.errors import RenderError
from lib_animation.plan import FramePlan
from lib_animation.schema import NAME, Mode

PNG_BYTES_PER_RGB_PIXEL = 1.5
PNG_BYTES_PER_DEPTH_PIXEL = 1.0
VIDEO_SHARE = 0.05  # the encoded video, next to its frames
SPARE_BYTES = 64 * 2**20


def estimated_bytes(plan: FramePlan) -> int:
    """About how many bytes the plan's frames take."""
    settings = plan.settings
    pixels = settings.W * settings.H
    per_frame = pixels * PNG_BYTES_PER_RGB_PIXEL
    if settings.save_depth_maps and settings.animation_mode == Mode.THREE_D:
        per_frame += pixels * PNG_BYTES_PER_DEPTH_PIXEL
    if settings.animation_mode == Mode.VIDEO_INPUT:
        per_frame += pixels * PNG_BYTES_PER_RGB_PIXEL
    return int(plan.max_frames * per_frame * (1 + VIDEO_SHARE))


def check_disk_space(plan: FramePlan, output_dir: Path) -> None:
    """RenderError when the disk holding `output_dir` has less room than the run needs."""
    needed = estimated_bytes(plan) + SPARE_BYTES
    free = shutil.disk_usage(_existing_parent(Path(output_dir))).free
    if needed > free:
        raise RenderError(
            f"the run needs about {_mib(needed)} of disk space and the output folder's disk has "
            f"{_mib(free)} free", setting=NAME.max_frames,
            hint="free some space, or render fewer or smaller frames")


def _existing_parent(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _mib(size: float) -> str:
    return f"{size / 2**30:.1f} GiB" if size >= 2**30 else f"{size / 2**20:.0f} MiB"
