"""Hybrid video in the frame loop: the input video's frames composited into the render and its
camera motion carried into it, frame by frame, from the frames the run extracted.

Order within a diffused frame, as in Deforum: the camera warp, the 'Before Motion' composite,
the hybrid motion from video frame k-1 to k, the 'Normal' composite; 'After Generation'
composites into the generated frame. Cadence frames between diffused frames get the hybrid
motion (forward from the earlier diffused frame, backward from the later one) but no composite.
Everything here is a function of the frames on disk and the plan, so a resumed run makes the
same frames.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from lib_animation.imaging.composite import (
    DEPTH_MASK_TYPES,
    CompositeOptions,
    HybridComposite,
    depth_mask,
    hybrid_composite,
)
from lib_animation.inputs.gather import RenderInputs
from lib_animation.inputs.reads import uses_hybrid_video
from lib_animation.motion.flow import FLOW_METHOD_OF_SETTING, warp_by_flow
from lib_animation.motion.hybrid import estimate_matrix, hybrid_flow, move_by_matrix
from lib_animation.motion.raft_weights import FlowModel
from lib_animation.plan import FramePlan
from lib_animation.png_frames import frame_name, read_frame, write_png
from lib_animation.schema import NAME

HYBRID_FRAMES = "hybridframes"
_CACHED = 8  # video frames and motions kept: a cadence block reads each a few times

DepthOf = Callable[[np.ndarray], np.ndarray]


class FrameHybrid:
    """The hybrid video of one run; `depth_of` predicts a depth map (for the depth masks) and
    `flow_model` is RAFT's loaded model when the flow method is RAFT."""

    def __init__(self, plan: FramePlan, inputs: RenderInputs, run_dir: Path,
                 depth_of: DepthOf | None = None) -> None:
        settings = plan.settings
        self.plan = plan
        self.settings = settings
        self.inputs = inputs
        self.extra_dir = run_dir / HYBRID_FRAMES if settings.hybrid_comp_save_extra_frames \
            else None
        self.depth_of = depth_of
        self.flow_model: FlowModel | None = None
        self.composite_mode = settings.hybrid_composite
        self.motion = settings.hybrid_motion
        self._frames: OrderedDict[int, np.ndarray] = OrderedDict()
        self._motions: OrderedDict[tuple[int, bool], np.ndarray] = OrderedDict()

    @staticmethod
    def of_run(plan: FramePlan, inputs: RenderInputs, run_dir: Path,
               depth_of: DepthOf | None = None) -> FrameHybrid | None:
        return FrameHybrid(plan, inputs, run_dir, depth_of) if uses_hybrid_video(
            plan.settings) else None

    @property
    def needs_depth(self) -> bool:
        return self.composite_mode != "None" and \
            self.settings.hybrid_comp_mask_type in DEPTH_MASK_TYPES

    @property
    def has_video_frames(self) -> bool:
        """The run reads the video's frames (not when the init image stands in for them and
        there is no motion)."""
        return bool(self.inputs.video_frames)

    def video_frame(self, frame: int) -> np.ndarray:
        return self._video(frame)

    def first_init(self) -> np.ndarray | None:
        """Frame 0's init: the video's first frame, when it is to be."""
        if self.settings.hybrid_use_first_frame_as_init_image and self.has_video_frames:
            return self._video(0)
        return None

    # Within a diffused frame and its cadence frames -------------------------------------------

    def before_motion(self, image: np.ndarray, frame: int) -> np.ndarray:
        return self._composite(image, frame) if self.composite_mode == "Before Motion" else image

    def after_motion(self, image: np.ndarray, frame: int) -> np.ndarray:
        return self._composite(image, frame) if self.composite_mode == "Normal" else image

    def after_generation(self, image: np.ndarray, frame: int) -> np.ndarray:
        if self.composite_mode == "After Generation" and frame > 0:
            return self._composite(image, frame)
        return image

    def move(self, image: np.ndarray, frame: int) -> np.ndarray:
        """`image` moved as the video moves from frame-1 to frame."""
        if self.motion == "None" or frame < 1:
            return image
        if self.settings.hybrid_motion_use_prev_img:
            return self._apply(image, self._motion_between(image, self._video(frame)), frame)
        return self._apply(image, self._video_motion(frame, backward=False), frame)

    def move_back(self, image: np.ndarray, frame: int) -> np.ndarray:
        """`image` moved back as the video moves from frame to frame-1 (the cadence frames
        before a diffused frame, made backward from it)."""
        if self.motion == "None" or frame < 1:
            return image
        if self.motion == "Optical Flow":
            return self._apply(image, self._video_motion(frame, backward=True), frame)
        return move_by_matrix(image, self._video_motion(frame, backward=False), backward=True)

    # Motion --------------------------------------------------------------------------------------

    def _apply(self, image: np.ndarray, motion: np.ndarray, frame: int) -> np.ndarray:
        if self.motion == "Optical Flow":
            factor = self.plan.value(NAME.hybrid_flow_factor_schedule, frame)
            return warp_by_flow(image, motion, factor, border="reflect")
        return move_by_matrix(image, motion)

    def _video_motion(self, frame: int, *, backward: bool) -> np.ndarray:
        """The video's motion from frame-1 to frame (the flow from frame to frame-1 with
        `backward`), kept for the few frames that read it again."""
        key = (frame, backward)
        if key not in self._motions:
            earlier, later = self._video(frame - 1), self._video(frame)
            pair = (later, earlier) if backward else (earlier, later)
            self._motions[key] = self._motion_between(*pair)
            if len(self._motions) > _CACHED:
                self._motions.popitem(last=False)
        return self._motions[key]

    def _motion_between(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        settings = self.settings
        if self.motion == "Optical Flow":
            return hybrid_flow(a, b, FLOW_METHOD_OF_SETTING[settings.hybrid_flow_method],
                               consistency=settings.hybrid_flow_consistency,
                               blur=settings.hybrid_consistency_blur, model=self.flow_model)
        return estimate_matrix(a, b, self.motion)

    # Composite -----------------------------------------------------------------------------------

    def _composite(self, image: np.ndarray, frame: int) -> np.ndarray:
        settings = self.settings
        video = self._composite_source(frame)
        options = self._options(frame)
        depth = None
        if options.mask_type in DEPTH_MASK_TYPES:
            depth = self._depth_mask(image if options.mask_type == "Depth" else video)
        result = hybrid_composite(image, video, options, depth)
        if settings.hybrid_comp_save_extra_frames:
            self._save_extra(frame, result)
        return result.blended

    def _composite_source(self, frame: int) -> np.ndarray:
        if self.settings.hybrid_use_init_image:
            return self.inputs.init_image
        return self._video(frame)

    def _options(self, frame: int) -> CompositeOptions:
        settings, value = self.settings, self.plan.value
        return CompositeOptions(
            alpha=value(NAME.hybrid_comp_alpha_schedule, frame),
            mask_type=settings.hybrid_comp_mask_type,
            mask_blend_alpha=value(NAME.hybrid_comp_mask_blend_alpha_schedule, frame),
            mask_contrast=value(NAME.hybrid_comp_mask_contrast_schedule, frame),
            inverse=settings.hybrid_comp_mask_inverse,
            equalize=settings.hybrid_comp_mask_equalize,
            auto_contrast=settings.hybrid_comp_mask_auto_contrast,
            cutoff_low=value(NAME.hybrid_comp_mask_auto_contrast_cutoff_low_schedule, frame),
            cutoff_high=value(NAME.hybrid_comp_mask_auto_contrast_cutoff_high_schedule, frame),
        )

    def _depth_mask(self, image: np.ndarray) -> np.ndarray:
        if self.depth_of is None:
            raise ValueError("a depth mask needs a depth provider")
        return depth_mask(self.depth_of(image))

    def _save_extra(self, frame: int, result: HybridComposite) -> None:
        """The frame's mask, composite and blend, inside the run folder only."""
        folder = self.extra_dir
        folder.mkdir(exist_ok=True)
        for prefix, picture in (("mask", result.mask), ("composite", result.composite),
                                ("blend", result.blended)):
            if picture is not None:
                write_png(folder / frame_name(frame, prefix), picture)

    def _video(self, frame: int) -> np.ndarray:
        if frame not in self._frames:
            self._frames[frame] = read_frame(self.inputs.video_frames[frame])
            if len(self._frames) > _CACHED:
                self._frames.popitem(last=False)
        return self._frames[frame]
