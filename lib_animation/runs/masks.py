"""The masks one frame of a run would use, without rendering: what the tab shows beside the
per-frame table for the frame the user picks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lib_animation.errors import SettingsError
from lib_animation.frame_masks import FrameMasks
from lib_animation.inputs.gather import mask_video_frame
from lib_animation.inputs.remote import UrlFetcher
from lib_animation.runs.start import check_run
from lib_animation.schema import NAME, Settings


@dataclass(frozen=True)
class FrameMaskPreview:
    frame: int
    inpaint: np.ndarray | None  # white = repainted; None: the frame has no mask
    noise: np.ndarray | None  # white = noise added; None: everywhere


def frame_masks_preview(settings: Settings, frame: int, *,
                        confined_to: Sequence[Path] | None = None,
                        urls: UrlFetcher | None = None) -> FrameMaskPreview:
    """The masks of `frame`, composed from the settings' mask schedules and files (read only
    inside `confined_to`, when given; by URL only through `urls`); the mask video's frame is
    decoded from the video."""
    checked = check_run(settings, confined_to=confined_to, urls=urls)
    plan = checked.plan
    if not 0 <= frame < plan.max_frames:
        raise SettingsError(f"frame {frame} is not in the run (0 to {plan.max_frames - 1})",
                            setting=NAME.max_frames)
    masks = FrameMasks(plan, checked.inputs, lambda index: mask_video_frame(
        plan.settings, index, confined_to=confined_to, urls=urls))
    return FrameMaskPreview(frame, masks.inpaint(frame), masks.noise(frame))
