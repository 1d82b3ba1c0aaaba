"""3D camera motion: reproject every pixel by its depth through a moving pinhole camera.

Frame and units (chosen to match what Deforum users see):

- Camera axes: +x right, +y down, +z forward (into the scene). Depth is camera-space z of the
  *source* frame, an (H, W) float32 array, positive, with 1 = near (Deforum's depth maps lie in
  [1, 2]); a flat wall facing the camera is ``np.ones``.
- Pinhole: a point (X, Y, Z) projects to normalised device coordinates
  ``x = X / (Z tan(fov/2) aspect)``, ``y = Y / (Z tan(fov/2))``, where x and y span [-1, 1] across
  the frame's width and height. ``fov`` is in degrees, in (0, 180). With ``aspect_ratio = W/H``
  pixels are square and ``fov`` is the vertical field of view; Deforum's default ``1`` spans the
  same angle both ways. A larger fov gives less parallax for the same translation.
- Translation per frame, Deforum units (value / 200 in that depth space):
  ``translation_x > 0`` moves the camera right, so the content shifts left;
  ``translation_y > 0`` moves the camera up, so the content shifts down;
  ``translation_z > 0`` moves the camera forward, so the content grows (zoom in).
  Near content (small z) moves more than far content. The translation is along the new camera's
  own axes.
- Rotation per frame, degrees, composed R = Rx(rotation_x) Ry(rotation_y) Rz(rotation_z)
  (Deforum's "XYZ" Euler order); R is the new camera's orientation in the old camera's frame.
  ``rotation_x > 0`` tilts the camera up (content moves down), ``rotation_y > 0`` pans it right
  (content moves left), ``rotation_z > 0`` rolls it clockwise (content turns counter-clockwise).
- ``flip``: an optional :class:`PerspectiveFlip` applied to the source before the camera moves,
  composed into the same resample (Deforum runs it as a separate pass).

Deforum's znear/zfar cancel out of its projection, so they are not inputs here.

Versus Deforum's warp (same directions and units; x/y translation offsets and the first-order pan of
rotation_x/y match exactly): Deforum moves the point (x_ndc, y_ndc, z) instead of the point on the
pixel's ray, so on a flat z = 1 plane its translation_z zooms 1 / (tan(fov/2) aspect) times faster
(1.43x at fov 70) and its roll scales with 1 / (z tan(fov/2)); here a flat plane moves exactly as a
real plane would (a homography) and roll is a true rotation.

Backward mapping: a destination pixel u is traced along its ray in the new camera to the depth
``depth[u]`` in the old camera and projected there. This is exact for any constant depth and the
usual approximation (depth looked up at the destination) otherwise. Rays that meet that depth
behind the new camera see nothing and are filled by the border mode.

Backends: ``opencv`` (CPU; one ``cv2.warpPerspective`` when the depth is constant, else one
``cv2.remap``) and ``torch`` (``grid_sample`` on ``device``); see ``resample`` for the agreement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from lib_animation.errors import SettingsError
from lib_animation.motion.coords import (
    affine,
    corners_in_front,
    mark_outside,
    pixel_axes,
    valid_mask,
)
from lib_animation.motion.perspective_flip import PerspectiveFlip, flip_matrix, rotation_xyz
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

if TYPE_CHECKING:
    import torch

TRANSLATION_SCALE = 1.0 / 200.0
"""Deforum's translation unit: a setting of 200 moves the camera by 1 depth unit."""


@dataclass(frozen=True)
class Motion3D:
    """One frame's camera motion; see the module docstring for units and directions."""

    translation_x: float = 0.0
    translation_y: float = 0.0
    translation_z: float = 0.0
    rotation_x: float = 0.0
    rotation_y: float = 0.0
    rotation_z: float = 0.0
    fov: float = 70.0
    aspect_ratio: float = 1.0
    flip: PerspectiveFlip | None = None

    def __post_init__(self) -> None:
        check_finite_fields(self, (
            "translation_x", "translation_y", "translation_z",
            "rotation_x", "rotation_y", "rotation_z", "fov", "aspect_ratio",
        ))  # fmt: skip
        if not 0.0 < self.fov < 180.0:
            raise SettingsError(
                f"fov must be between 0 and 180 degrees, got {self.fov}", setting="fov"
            )
        if self.aspect_ratio <= 0:
            raise SettingsError(
                f"aspect_ratio must be above 0, got {self.aspect_ratio}", setting="aspect_ratio"
            )


def intrinsics(width: int, height: int, fov: float, aspect_ratio: float) -> np.ndarray:
    """3x3 camera matrix K: camera-space (X/Z, Y/Z, 1) -> pixel (pixel centres at integers)."""
    tan_half = math.tan(math.radians(fov) / 2.0)
    return np.array(
        [
            [width / (2.0 * tan_half * aspect_ratio), 0.0, (width - 1) / 2.0],
            [0.0, height / (2.0 * tan_half), (height - 1) / 2.0],
            [0.0, 0.0, 1.0],
        ]
    )


def camera_pose(motion: Motion3D) -> tuple[np.ndarray, np.ndarray]:
    """(R, t): a point X in the old camera is ``R.T @ X + t`` in the new camera."""
    rotation = rotation_xyz(motion.rotation_x, motion.rotation_y, motion.rotation_z)
    offset = np.array([-motion.translation_x, motion.translation_y, -motion.translation_z])
    return rotation, offset * TRANSLATION_SCALE


@dataclass(frozen=True)
class _Backprojection:
    """Per-frame constants of the backward map (all 3x3 / 3-vectors, float64).

    For destination pixel u (homogeneous) let v = ray @ u. Its ray meets old-camera depth z at
    lam = (z + w[2]) / v[2] (in front of the new camera when lam > 0); the old-camera pixel is
    (lam * v - w) / z, mapped through ``post`` (the inverse flip) when there is one.
    """

    ray: np.ndarray
    w: np.ndarray
    post: np.ndarray | None


def _backprojection(motion: Motion3D, width: int, height: int) -> _Backprojection:
    k = intrinsics(width, height, motion.fov, motion.aspect_ratio)
    rotation, offset = camera_pose(motion)
    post = None
    if motion.flip is not None:
        post = np.linalg.inv(flip_matrix(motion.flip, width, height))
    return _Backprojection(
        ray=k @ rotation @ np.linalg.inv(k), w=k @ rotation @ offset, post=post
    )


def _plane_inverse(back: _Backprojection, depth: float) -> np.ndarray:
    """Destination -> source homography when the depth is the constant ``depth``."""
    matrix = ((depth + back.w[2]) * np.eye(3) - np.outer(back.w, [0.0, 0.0, 1.0])) @ back.ray
    return matrix if back.post is None else back.post @ matrix


def _backproject(back: _Backprojection, xs: Any, ys: Any, depth: Any) -> tuple[Any, Any]:
    """Source coordinates for every destination pixel (numpy arrays or torch tensors)."""
    ray = [[float(v) for v in row] for row in back.ray]
    w0, w1, w2 = (float(v) for v in back.w)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        lam = depth + w2
        lam /= affine(ray[2], xs, ys)
        valid = (lam > 0) & (lam < math.inf)
        p0 = affine(ray[0], xs, ys)
        p0 *= lam
        p0 -= w0
        p1 = affine(ray[1], xs, ys)
        p1 *= lam
        p1 -= w1
        if back.post is None:
            p0 /= depth
            p1 /= depth
            return mark_outside(p0, p1, valid)
        # The third homogeneous component of (p0, p1, .) is the depth itself.
        post = [[float(v) for v in row] for row in back.post]
        q2 = _combine(post[2], p0, p1, depth)
        x = _combine(post[0], p0, p1, depth)
        y = _combine(post[1], p0, p1, depth)
        x /= q2
        y /= q2
    return mark_outside(x, y, valid & (q2 > 0))


def _combine(row: list[float], a: Any, b: Any, c: Any) -> Any:
    """row[0] * a + row[1] * b + row[2] * c."""
    out = a * row[0]
    out += b * row[1]
    out += c * row[2]
    return out


def _check_depth(depth: Any, height: int, width: int) -> tuple[float, float]:
    """Validate an (H, W) numpy or torch depth map; return its minimum and maximum."""
    if tuple(depth.shape) != (height, width):
        raise ValueError(
            f"depth shape {tuple(depth.shape)} does not match the image ({height}, {width})"
        )
    low, high = float(depth.min()), float(depth.max())
    if not (low > 0 and math.isfinite(high)):
        raise ValueError("depth must be positive and finite everywhere")
    return low, high


def source_coords_3d(depth: np.ndarray, motion: Motion3D) -> tuple[np.ndarray, np.ndarray]:
    """(map_x, map_y) float32 (H, W): where each destination pixel samples the source."""
    height, width = depth.shape
    _check_depth(depth, height, width)
    xs, ys = pixel_axes(width, height)
    back = _backprojection(motion, width, height)
    map_x, map_y = _backproject(back, xs, ys, depth.astype(np.float32, copy=False))
    return map_x.astype(np.float32, copy=False), map_y.astype(np.float32, copy=False)


def valid_mask_3d(depth: np.ndarray, motion: Motion3D) -> np.ndarray:
    """Bool (H, W): destination pixels sampled from inside the source frame (no border fill)."""
    height, width = depth.shape
    return valid_mask(*source_coords_3d(depth, motion), width, height)


def warp_3d(
    image: np.ndarray,
    depth: np.ndarray | torch.Tensor,
    motion: Motion3D,
    *,
    border: str = "replicate",
    sampling: str = "bicubic",
    backend: str = "opencv",
    device: Any = None,
) -> np.ndarray:
    """Warp one frame by a camera move with one resample; returns an array like ``image``.

    ``image``: uint8 or float32, (H, W) or (H, W, C). ``depth``: (H, W) source depth (numpy, or
    for the torch backend also a tensor). ``backend="torch"`` runs on ``device`` (None: the CPU).
    """
    check_image(image)
    check_modes(border, sampling, backend)
    height, width = image.shape[:2]
    back = _backprojection(motion, width, height)
    if backend == "torch":
        return _warp_3d_torch(image, depth, back, border, sampling, device)
    low, high = _check_depth(depth, height, width)
    if low == high and low + back.w[2] > 0 and corners_in_front(back.ray, width, height):
        inverse = _plane_inverse(back, low)
        if corners_in_front(inverse, width, height):
            return warp_perspective_opencv(image, inverse, border, sampling)
    xs, ys = pixel_axes(width, height)
    map_x, map_y = _backproject(back, xs, ys, depth.astype(np.float32, copy=False))
    return remap_opencv(image, map_x, map_y, border, sampling)


def _warp_3d_torch(
    image: np.ndarray,
    depth: np.ndarray | torch.Tensor,
    back: _Backprojection,
    border: str,
    sampling: str,
    device: Any,
) -> np.ndarray:
    import torch

    target = torch_device(device)
    height, width = image.shape[:2]
    z = torch.as_tensor(depth).to(device=target, dtype=torch.float32)
    _check_depth(z, height, width)
    xs = torch.arange(width, dtype=torch.float32, device=target)[None, :]
    ys = torch.arange(height, dtype=torch.float32, device=target)[:, None]
    coords_x, coords_y = _backproject(back, xs, ys, z)
    sampled = sample_torch(image_to_torch(image, target), coords_x, coords_y, border, sampling)
    return image_from_torch(sampled, image)
