"""Each frame's masks, composed from the plan's mask schedules and the run's mask inputs: the
inpainting mask the host receives (and the overlay uses), and the noise mask that limits where
noise is added.

The schedules' expressions are parsed once, when the masks of a run are set up (`inputs/`
already refused any that cannot be parsed, before frame 0); each frame then only combines its
arrays. A keyframe whose expression names a mask made by a model Keyframes does not ship
(`{human_mask}`, `<words>`) gives its frames no mask: the plan warned about it once.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lib_animation.imaging.masks import MASK_OPERATORS, whole_frame
from lib_animation.inputs.gather import RenderInputs, mask_from_rgb
from lib_animation.inputs.reads import mask_keyframes, uses_mask, uses_mask_video
from lib_animation.mask_grammar import EVERYWHERE, FILE_MASK, INIT_MASK, MaskExpression, MaskLeaf
from lib_animation.plan import FramePlan
from lib_animation.png_frames import read_frame
from lib_animation.schema import NAME, applies


class FrameMasks:
    """The masks of the frames of one run. `video_mask(frame)` gives a frame's {video_mask}
    from the mask video (default: the frames the run extracted)."""

    def __init__(self, plan: FramePlan, inputs: RenderInputs,
                 video_mask: Callable[[int], np.ndarray] | None = None) -> None:
        self.plan = plan
        self.inputs = inputs
        settings = plan.settings
        self.inpaint_schedule = NAME.mask_schedule if uses_mask(settings) else None
        own_noise = applies(settings, NAME.noise_mask_schedule)
        self.noise_schedule = NAME.noise_mask_schedule if own_noise else self.inpaint_schedule
        self.invert = settings.invert_mask
        self._from_video = uses_mask_video(settings)
        self._video_mask = video_mask or self._extracted_video_mask
        self._expressions = {
            name: {keyframe.expression.text: keyframe.expression
                   for keyframe in mask_keyframes(settings, name)}
            for name in {self.inpaint_schedule, self.noise_schedule} - {None}
        }
        self._last: dict[str, tuple[str, int, np.ndarray | None]] = {}

    def inpaint(self, frame: int) -> np.ndarray | None:
        """The frame's inpainting mask (white = repaint), or None for no mask."""
        return self._mask(self.inpaint_schedule, frame)

    def noise(self, frame: int) -> np.ndarray | None:
        """Where noise may be added in the frame's init (white), or None for everywhere;
        `invert_mask` turns it around, as it turns the inpainting mask."""
        mask = self._mask(self.noise_schedule, frame)
        return 255 - mask if mask is not None and self.invert else mask

    def _mask(self, schedule: str | None, frame: int) -> np.ndarray | None:
        if schedule is None:
            return None
        text = self.plan.values[schedule][frame]
        last = self._last.get(schedule)
        if last is not None and last[:2] == (text, frame):
            return last[2]
        expression = self._expressions[schedule][text]
        mask = self._compose(expression, frame) if expression.is_supported else None
        self._last[schedule] = (text, frame, mask)
        return mask

    def _compose(self, expression: MaskExpression, frame: int) -> np.ndarray:
        settings = self.plan.settings
        return expression.evaluate(lambda leaf: self._operand(leaf, frame), MASK_OPERATORS,
                                   lambda: whole_frame(settings.H, settings.W))

    def _operand(self, leaf: MaskLeaf, frame: int) -> np.ndarray:
        if leaf.kind == FILE_MASK:
            return self.inputs.mask_files[leaf.text]
        if leaf.text == EVERYWHERE:
            return whole_frame(self.plan.settings.H, self.plan.settings.W)
        if leaf.text == INIT_MASK or not self._from_video:
            return self.inputs.mask
        return self._video_mask(frame)

    def _extracted_video_mask(self, frame: int) -> np.ndarray:
        return mask_from_rgb(read_frame(self.inputs.mask_frames[frame]), self.plan.settings)

