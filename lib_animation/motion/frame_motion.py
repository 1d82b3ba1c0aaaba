"""One frame's camera motion applied to images, forward and backward.

The renderer moves the previous diffused frame forward through each frame's motion, and the next
diffused frame backward, so a cadence tween sees both at the right place. Backward undoes the
whole move, perspective flip included: in 2D it is the inverse homography; in 3D it is the inverse
of the same camera model (`warp3d.unwarp_3d`), given the depth of the image moved back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lib_animation.motion.resample import warp_perspective_opencv
from lib_animation.motion.warp2d import Motion2D, matrix_2d, valid_mask_2d, warp_2d
from lib_animation.motion.warp3d import (
    Motion3D,
    unwarp_3d,
    valid_mask_3d,
    warp_3d,
    warp_3d_with_valid_mask,
)


@dataclass(frozen=True)
class WarpOptions:
    backend: str = "opencv"  # or "torch"
    device: Any = None


@dataclass(frozen=True)
class FrameMotion:
    """The numbers of one frame's move: the camera's motion, and how the moved image is
    sampled and filled where it comes from outside the frame."""

    camera: Motion2D | Motion3D
    border: str
    sampling: str


class FrameWarper:
    """Moves images by a frame's motion: `forward(image, depth, motion)`."""

    def __init__(self, options: WarpOptions | None = None) -> None:
        self.options = options or WarpOptions()

    def forward(self, image: np.ndarray, depth: np.ndarray | None,
                motion: FrameMotion) -> np.ndarray:
        """`image` moved by the motion (depth: camera-space z of `image`, 3D only)."""
        camera = motion.camera
        if isinstance(camera, Motion3D):
            return warp_3d(image, _depth_for(image, depth), camera, border=motion.border,
                           sampling=motion.sampling, **self._backend())
        return warp_2d(image, camera, border=motion.border, sampling=motion.sampling,
                       **self._backend())

    def forward_depth(self, depth: np.ndarray | None, motion: FrameMotion) -> np.ndarray | None:
        """The depth map carried along with its image (nearest sampling keeps edges sharp; a
        flat depth stays the same flat depth, border included)."""
        camera = motion.camera
        if depth is None or not isinstance(camera, Motion3D) or _is_flat(depth):
            return depth
        return warp_3d(depth, depth, camera, border="replicate", sampling="nearest",
                       **self._backend())

    def backward(self, image: np.ndarray, depth: np.ndarray | None,
                 motion: FrameMotion) -> np.ndarray:
        """`image` moved back by the motion: `backward(forward(x))` is about x."""
        camera = motion.camera
        if isinstance(camera, Motion3D):
            return unwarp_3d(image, _depth_for(image, depth), camera, border=motion.border,
                             sampling=motion.sampling, **self._backend())
        height, width = image.shape[:2]
        forward_matrix = matrix_2d(camera, width, height)
        return warp_perspective_opencv(image, forward_matrix, motion.border, motion.sampling)

    def forward_with_valid_mask(self, image: np.ndarray, depth: np.ndarray | None,
                                motion: FrameMotion) -> tuple[np.ndarray, np.ndarray]:
        """`forward` and `valid_mask` of one move, sharing its coordinates where they can."""
        camera = motion.camera
        if isinstance(camera, Motion3D) and self.options.backend == "opencv":
            return warp_3d_with_valid_mask(image, _depth_for(image, depth), camera,
                                           border=motion.border, sampling=motion.sampling)
        return self.forward(image, depth, motion), self.valid_mask(image, depth, motion)

    def valid_mask(self, image: np.ndarray, depth: np.ndarray | None,
                   motion: FrameMotion) -> np.ndarray:
        """Which pixels of `forward(image, depth, motion)` come from inside the frame."""
        camera = motion.camera
        if isinstance(camera, Motion3D):
            return valid_mask_3d(_depth_for(image, depth), camera)
        height, width = image.shape[:2]
        return valid_mask_2d(camera, width, height)

    def _backend(self) -> dict[str, Any]:
        return {"backend": self.options.backend, "device": self.options.device}


def _depth_for(image: np.ndarray, depth: np.ndarray | None) -> np.ndarray:
    if depth is not None:
        return depth
    return np.ones(image.shape[:2], dtype=np.float32)


def _is_flat(depth: np.ndarray) -> bool:
    return bool(depth.size) and float(depth.min()) == float(depth.max())
