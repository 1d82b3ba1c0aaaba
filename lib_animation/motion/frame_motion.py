"""A run's camera motion frame by frame: plan values -> warps, forward and backward.

The renderer moves the previous diffused frame forward through each frame's motion, and the next
diffused frame backward, so a cadence tween sees both at the right place. Backward undoes the
whole move, perspective flip included: in 2D it is the inverse homography; in 3D it is the inverse
of the same camera model (`warp3d.unwarp_3d`), given the depth of the image moved back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lib_animation.motion.perspective_flip import PerspectiveFlip
from lib_animation.motion.resample import warp_perspective_opencv
from lib_animation.motion.warp2d import Motion2D, matrix_2d, valid_mask_2d, warp_2d
from lib_animation.motion.warp3d import Motion3D, unwarp_3d, valid_mask_3d, warp_3d
from lib_animation.plan import FramePlan
from lib_animation.schema import NAME, Mode


@dataclass(frozen=True)
class WarpOptions:
    backend: str = "opencv"  # or "torch"
    device: Any = None


class FrameMotion:
    """Warps for one plan: `forward(image, depth, frame)` applies frame's motion."""

    def __init__(self, plan: FramePlan, options: WarpOptions | None = None) -> None:
        self.plan = plan
        self.options = options or WarpOptions()
        settings = plan.settings
        self.is_3d = settings.animation_mode == Mode.THREE_D
        self.border = settings.padding_mode if self.is_3d else settings.border
        self.sampling = settings.sampling_mode if self.is_3d else "bilinear"

    def motion_2d(self, frame: int) -> Motion2D:
        value = self._value
        return Motion2D(
            angle=value(NAME.angle, frame),
            zoom=value(NAME.zoom, frame),
            translation_x=value(NAME.translation_x, frame),
            translation_y=value(NAME.translation_y, frame),
            transform_center_x=value(NAME.transform_center_x, frame),
            transform_center_y=value(NAME.transform_center_y, frame),
            flip=self._flip(frame),
        )

    def motion_3d(self, frame: int) -> Motion3D:
        value = self._value
        settings = self.plan.settings
        aspect = (
            settings.W / settings.H
            if settings.aspect_ratio_use_old_formula
            else value(NAME.aspect_ratio_schedule, frame)
        )
        return Motion3D(
            translation_x=value(NAME.translation_x, frame),
            translation_y=value(NAME.translation_y, frame),
            translation_z=value(NAME.translation_z, frame),
            rotation_x=value(NAME.rotation_3d_x, frame),
            rotation_y=value(NAME.rotation_3d_y, frame),
            rotation_z=value(NAME.rotation_3d_z, frame),
            fov=value(NAME.fov_schedule, frame),
            aspect_ratio=aspect,
            flip=self._flip(frame),
            camera_model=settings.camera_model,
        )

    def forward(self, image: np.ndarray, depth: np.ndarray | None, frame: int) -> np.ndarray:
        """`image` moved by frame's motion (depth: camera-space z of `image`, 3D only)."""
        if self.is_3d:
            return warp_3d(image, _depth_for(image, depth), self.motion_3d(frame),
                           border=self.border, sampling=self.sampling, **self._backend())
        return warp_2d(image, self.motion_2d(frame), border=self.border,
                       sampling=self.sampling, **self._backend())

    def forward_depth(self, depth: np.ndarray | None, frame: int) -> np.ndarray | None:
        """The depth map carried along with its image (nearest sampling keeps edges sharp)."""
        if depth is None or not self.is_3d:
            return depth
        return warp_3d(depth, depth, self.motion_3d(frame), border="replicate",
                       sampling="nearest", **self._backend())

    def backward(self, image: np.ndarray, depth: np.ndarray | None, frame: int) -> np.ndarray:
        """`image` moved back by frame's motion: `backward(forward(x))` is about x."""
        if self.is_3d:
            return unwarp_3d(image, _depth_for(image, depth), self.motion_3d(frame),
                             border=self.border, sampling=self.sampling, **self._backend())
        height, width = image.shape[:2]
        forward_matrix = matrix_2d(self.motion_2d(frame), width, height)
        return warp_perspective_opencv(image, forward_matrix, self.border, self.sampling)

    def valid_mask(self, image: np.ndarray, depth: np.ndarray | None, frame: int) -> np.ndarray:
        """Which pixels of `forward(image, depth, frame)` come from inside the frame."""
        height, width = image.shape[:2]
        if self.is_3d:
            return valid_mask_3d(_depth_for(image, depth), self.motion_3d(frame))
        return valid_mask_2d(self.motion_2d(frame), width, height)

    def _value(self, name: str, frame: int) -> float:
        return float(self.plan.values[name][frame])

    def _flip(self, frame: int) -> PerspectiveFlip | None:
        if not self.plan.settings.enable_perspective_flip:
            return None
        value = self._value
        return PerspectiveFlip(
            theta=value(NAME.perspective_flip_theta, frame),
            phi=value(NAME.perspective_flip_phi, frame),
            gamma=value(NAME.perspective_flip_gamma, frame),
            fv=value(NAME.perspective_flip_fv, frame),
        )

    def _backend(self) -> dict[str, Any]:
        return {"backend": self.options.backend, "device": self.options.device}


def _depth_for(image: np.ndarray, depth: np.ndarray | None) -> np.ndarray:
    if depth is not None:
        return depth
    return np.ones(image.shape[:2], dtype=np.float32)
