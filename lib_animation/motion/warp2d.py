"""2D camera motion: zoom, rotation, translation and perspective flip as one homography.

Units and conventions (Deforum's 2D motion):

- ``translation_x`` / ``translation_y``: pixels per frame; positive moves the content right / down.
- ``angle``: degrees per frame; positive rotates the content counter-clockwise on screen (cv2).
- ``zoom``: scale per frame; above 1 the content grows (zoom in). Must be positive.
- ``transform_center_x`` / ``_y``: the pivot of angle and zoom as a fraction of W and H;
  0.5 is the exact image centre (pixel centres sit at integer coordinates, so the pivot is
  (cx * W - 0.5, cy * H - 0.5)).
- ``flip``: an optional :class:`PerspectiveFlip`.

Composition, as Deforum: translate first, then rotate and scale about the pivot, then the flip:
``M = F @ RS @ T``. Unlike Deforum, translation still applies when the flip is on. The frame is
resampled once per call. Parts of the plane beyond a flip's horizon are filled by the border mode.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from lib_animation.errors import SettingsError
from lib_animation.motion.coords import (
    corners_in_front,
    homography_coords,
    homography_valid_mask,
    invert_3x3,
    pixel_axes,
    valid_mask,
)
from lib_animation.motion.perspective_flip import PerspectiveFlip, flip_matrix
from lib_animation.motion.resample import (
    check_finite_fields,
    check_image,
    check_modes,
    image_from_torch,
    image_to_torch,
    remap_opencv,
    sample_torch,
    torch_device,
    warp_perspective_opencv,
)


@dataclass(frozen=True)
class Motion2D:
    """One frame's 2D motion; see the module docstring for units."""

    angle: float = 0.0
    zoom: float = 1.0
    translation_x: float = 0.0
    translation_y: float = 0.0
    transform_center_x: float = 0.5
    transform_center_y: float = 0.5
    flip: PerspectiveFlip | None = None

    def __post_init__(self) -> None:
        check_finite_fields(self, (
            "angle", "zoom", "translation_x", "translation_y",
            "transform_center_x", "transform_center_y",
        ))  # fmt: skip
        if self.zoom <= 0:
            raise SettingsError(f"zoom must be above 0, got {self.zoom}", setting="zoom")


def matrix_2d(motion: Motion2D, width: int, height: int) -> np.ndarray:
    """3x3 float64 homography, source pixel -> destination pixel (pixel centres at integers)."""
    translate = np.array(
        [[1.0, 0.0, motion.translation_x], [0.0, 1.0, motion.translation_y], [0.0, 0.0, 1.0]]
    )
    px = motion.transform_center_x * width - 0.5
    py = motion.transform_center_y * height - 0.5
    radians = math.radians(motion.angle)
    a = motion.zoom * math.cos(radians)
    b = motion.zoom * math.sin(radians)
    # y points down, so [[a, b], [-b, a]] turns +x toward -y: counter-clockwise on screen.
    rotate_scale = np.array(
        [[a, b, px - a * px - b * py], [-b, a, py + b * px - a * py], [0.0, 0.0, 1.0]]
    )
    matrix = rotate_scale @ translate
    if motion.flip is not None:
        matrix = flip_matrix(motion.flip, width, height) @ matrix
    return matrix


def source_coords_2d(motion: Motion2D, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """(map_x, map_y) float32 (H, W): where each destination pixel samples the source."""
    xs, ys = pixel_axes(width, height)
    inverse = invert_3x3(matrix_2d(motion, width, height))
    map_x, map_y = homography_coords(inverse, xs, ys)
    return map_x.astype(np.float32, copy=False), map_y.astype(np.float32, copy=False)


def valid_mask_2d(motion: Motion2D, width: int, height: int) -> np.ndarray:
    """Bool (H, W): destination pixels sampled from inside the source frame (no border fill)."""
    inverse = invert_3x3(matrix_2d(motion, width, height))
    if corners_in_front(inverse, width, height):
        return homography_valid_mask(inverse, width, height)
    return valid_mask(*source_coords_2d(motion, width, height), width, height)


def warp_2d(
    image: np.ndarray,
    motion: Motion2D,
    *,
    border: str = "replicate",
    sampling: str = "bilinear",
    backend: str = "opencv",
    device: Any = None,
) -> np.ndarray:
    """Warp one frame by ``motion`` with one resample; returns an array like ``image``.

    ``image`` is uint8 or float32, (H, W) or (H, W, C). ``backend="torch"`` runs on ``device``
    (a torch device or name; None is the CPU).
    """
    check_image(image)
    check_modes(border, sampling, backend)
    height, width = image.shape[:2]
    inverse = invert_3x3(matrix_2d(motion, width, height))
    if backend == "torch":
        return _warp_homography_torch(image, inverse, border, sampling, device)
    if corners_in_front(inverse, width, height):
        return warp_perspective_opencv(image, inverse, border, sampling)
    xs, ys = pixel_axes(width, height)
    map_x, map_y = homography_coords(inverse, xs, ys)
    return remap_opencv(image, map_x, map_y, border, sampling)


def _warp_homography_torch(
    image: np.ndarray, inverse: np.ndarray, border: str, sampling: str, device: Any
) -> np.ndarray:
    import torch

    target = torch_device(device)
    height, width = image.shape[:2]
    xs = torch.arange(width, dtype=torch.float32, device=target)[None, :]
    ys = torch.arange(height, dtype=torch.float32, device=target)[:, None]
    coords_x, coords_y = homography_coords(inverse, xs, ys)
    sampled = sample_torch(image_to_torch(image, target), coords_x, coords_y, border, sampling)
    return image_from_torch(sampled, image)
