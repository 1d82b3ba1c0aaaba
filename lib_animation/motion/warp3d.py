"""3D camera motion: move every pixel by its depth as a camera turns and travels.

Two camera models share the units, axes and signs below (setting ``camera_model``):

- ``deforum`` (the default): Deforum's displacement field, so Deforum settings, presets and
  tutorials keep their feel. Each pixel's offset is the difference between two projections of the
  point ``(x_ndc, y_ndc, depth)``: through the still camera, and through the camera moved by the
  frame's rotation and translation. That point is not the point the pixel sees (a real camera
  would see ``(x_ndc * depth * tan(fov/2) * aspect, ...)``), so on a flat z = 1 plane
  translation_z zooms ``1 / (tan(fov/2) * aspect)`` times faster than a real dolly (1.43x at fov
  70) and roll turns by an amount that scales with ``1 / (depth * tan(fov/2))``. The x/y
  translation offsets and the first-order pan and tilt are the same in both models.
- ``pinhole``: an exact pinhole camera. A flat plane moves exactly as a real plane would (a
  homography) and roll is a true rotation.

Frame and units:

- Camera axes: +x right, +y down, +z forward (into the scene). Depth is camera-space z of the
  *source* frame, an (H, W) float32 array, positive, with 1 = near (Deforum's depth maps lie in
  [1, 2]); a flat wall facing the camera is ``np.ones``.
- Projection: a point (X, Y, Z) projects to normalised device coordinates
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

Deforum model in formulas: with ``t = tan(fov/2)``, ``a = aspect_ratio``, the pixel in column j
and row i has ``x = -1 + 2 j / (W - 1)``, ``y = -1 + 2 i / (H - 1)`` (Deforum's linspace grid)
and ``z = depth[i, j]``; ``q = (x, y, z) @ R + (-tx, ty, -tz) / 200`` (a row vector times R, as
pytorch3d does); the offset is ``(q0 / (q2 t a) - x / (z t a), q1 / (q2 t) - y / (z t))`` in NDC,
``W / 2`` and ``H / 2`` pixels per unit; the pixel samples the source ``offset`` pixels back from
itself. Pixels whose moved point has ``q2 <= 0`` see nothing.

Backward mapping (pinhole): a destination pixel u is traced along its ray in the new camera to the
depth ``depth[u]`` in the old camera and projected there. This is exact for any constant depth and
the usual approximation (depth looked up at the destination) otherwise. Rays that meet that depth
behind the new camera see nothing and are filled by the border mode.

The inverse move (:func:`unwarp_3d`, for cadence tweens: the next frame moved back) uses the same
camera model and the flip: the pinhole camera's exact inverse pose with the depth of the image
being moved back, or Deforum's field inverted by fixed-point iteration.

Backends: ``opencv`` (CPU; one ``cv2.warpPerspective`` for a pinhole move of constant depth, else
one ``cv2.remap``) and ``torch`` (``grid_sample`` on ``device``); see ``resample`` for the
agreement.
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
    homography_valid_mask,
    invert_3x3,
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

CAMERA_MODELS = ("deforum", "pinhole")
"""The ``camera_model`` choices; see the module docstring for what differs."""

_INVERSE_ITERATIONS = 3
"""Fixed-point steps that invert Deforum's field; each shrinks the error by about the field's
per-pixel change (a few hundredths for per-frame motion), so 3 leave well under 0.01 pixel."""


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
    camera_model: str = "deforum"

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
        if self.camera_model not in CAMERA_MODELS:
            raise SettingsError(
                f"unknown camera model {self.camera_model!r}; choose one of "
                f"{', '.join(CAMERA_MODELS)}",
                setting="camera_model",
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


# --- pinhole model ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Backprojection:
    """Per-frame constants of the pinhole backward map (all 3x3 / 3-vectors, float64).

    For destination pixel u (homogeneous) let v = ray @ u. Its ray meets old-camera depth z at
    lam = (z + w[2]) / v[2] (in front of the new camera when lam > 0); the old-camera pixel is
    (lam * v - w) / z, mapped through ``post`` (the inverse flip) when there is one.
    """

    ray: np.ndarray
    w: np.ndarray
    post: np.ndarray | None


def _backprojection(
    motion: Motion3D, width: int, height: int, *, inverse: bool = False
) -> _Backprojection:
    """The forward move, or with ``inverse`` the move back.

    Moving back swaps the cameras: the pose becomes (R.T, -R t), the depth given is the moved
    image's own, and the flip comes first (destination pixel -> flipped position) instead of last.
    """
    k = intrinsics(width, height, motion.fov, motion.aspect_ratio)
    rotation, offset = camera_pose(motion)
    flip = None if motion.flip is None else flip_matrix(motion.flip, width, height)
    if inverse:
        rotation, offset = rotation.T, -(rotation @ offset)
    ray = k @ rotation @ invert_3x3(k)
    post = None
    if flip is not None and inverse:
        ray = ray @ flip
    elif flip is not None:
        post = invert_3x3(flip)
    return _Backprojection(ray=ray, w=k @ rotation @ offset, post=post)


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


# --- Deforum model ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _DeforumField:
    """Per-frame constants of Deforum's displacement field (see the module docstring)."""

    rotation: tuple[tuple[float, ...], ...]  # R, applied as (x, y, z) @ R
    shift: tuple[float, float, float]  # (-tx, ty, -tz) / 200
    scale_x: float  # 1 / (tan(fov/2) aspect): NDC x per unit of X / Z
    scale_y: float  # 1 / tan(fov/2)
    width: int
    height: int

    @classmethod
    def build(cls, motion: Motion3D, width: int, height: int) -> _DeforumField:
        rotation, shift = camera_pose(motion)
        tan_half = math.tan(math.radians(motion.fov) / 2.0)
        return cls(
            rotation=tuple(tuple(float(v) for v in row) for row in rotation),
            shift=(float(shift[0]), float(shift[1]), float(shift[2])),
            scale_x=1.0 / (tan_half * motion.aspect_ratio),
            scale_y=1.0 / tan_half,
            width=width,
            height=height,
        )

    def offset(self, px: Any, py: Any, depth: Any) -> tuple[Any, Any, Any]:
        """Offsets in pixels at pixel positions (px, py) of depth ``depth``, and where the moved
        point is in front of the camera."""
        r, (t0, t1, t2) = self.rotation, self.shift
        x = px * (2.0 / max(self.width - 1, 1)) - 1.0
        y = py * (2.0 / max(self.height - 1, 1)) - 1.0
        q0 = _row_times(r, 0, x, y, depth, t0)
        q1 = _row_times(r, 1, x, y, depth, t1)
        q2 = _row_times(r, 2, x, y, depth, t2)
        valid = q2 > 0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            q0 /= q2
            q1 /= q2
            q0 -= x / depth
            q1 -= y / depth
        q0 *= self.scale_x * self.width / 2.0
        q1 *= self.scale_y * self.height / 2.0
        return q0, q1, valid

    def source(self, xs: Any, ys: Any, depth: Any) -> tuple[Any, Any, Any]:
        """Where each destination pixel samples the source: itself minus its offset."""
        ox, oy, valid = self.offset(xs, ys, depth)
        return xs - ox, ys - oy, valid

    def destination(self, xs: Any, ys: Any, depth: Any) -> tuple[Any, Any, Any]:
        """Inverse of `source`: the pixel p with source(p) = (xs, ys), by fixed-point steps
        p = (xs, ys) + offset(p), the depth held at (xs, ys)."""
        px, py, valid = xs, ys, None
        for _ in range(_INVERSE_ITERATIONS):
            ox, oy, in_front = self.offset(px, py, depth)
            px, py = xs + ox, ys + oy
            valid = in_front if valid is None else valid & in_front
        return px, py, valid


def _row_times(
    r: tuple[tuple[float, ...], ...], column: int, x: Any, y: Any, depth: Any, shift: float
) -> Any:
    """Component ``column`` of (x, y, depth) @ r + shift, full size (x is (1, W), y (H, 1))."""
    out = depth * r[2][column]
    out += x * r[0][column] + (y * r[1][column] + shift)
    return out


def _homography_points(matrix: np.ndarray, xs: Any, ys: Any) -> tuple[Any, Any, Any]:
    """A homography applied to pixel coordinates, and where its w is positive."""
    m = [[float(v) for v in row] for row in matrix]
    w = affine(m[2], xs, ys)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = affine(m[0], xs, ys) / w
        y = affine(m[1], xs, ys) / w
    return x, y, w > 0


def _deforum_coords(
    motion: Motion3D, xs: Any, ys: Any, depth: Any, width: int, height: int, inverse: bool
) -> tuple[Any, Any]:
    field = _DeforumField.build(motion, width, height)
    flip = None if motion.flip is None else flip_matrix(motion.flip, width, height)
    if inverse:
        seen = None
        if flip is not None:
            xs, ys, seen = _homography_points(flip, xs, ys)
        x, y, valid = field.destination(xs, ys, depth)
        if seen is not None:
            valid = valid & seen
    else:
        x, y, valid = field.source(xs, ys, depth)
        if flip is not None:
            x, y, behind = _homography_points(invert_3x3(flip), x, y)
            valid = valid & behind
    finite = (abs(x) < 1e9) & (abs(y) < 1e9)  # also False for NaN
    return mark_outside(x, y, valid & finite)


# --- shared ----------------------------------------------------------------------------------


def _coords(
    motion: Motion3D, xs: Any, ys: Any, depth: Any, width: int, height: int, inverse: bool
) -> tuple[Any, Any]:
    if motion.camera_model == "pinhole":
        back = _backprojection(motion, width, height, inverse=inverse)
        return _backproject(back, xs, ys, depth)
    return _deforum_coords(motion, xs, ys, depth, width, height, inverse)


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


def source_coords_3d(
    depth: np.ndarray, motion: Motion3D, *, inverse: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(map_x, map_y) float32 (H, W): where each destination pixel samples the source.

    With ``inverse``, the map of the move back (:func:`unwarp_3d`), ``depth`` being the depth of
    the image moved back.
    """
    height, width = depth.shape
    _check_depth(depth, height, width)
    xs, ys = pixel_axes(width, height)
    z = depth.astype(np.float32, copy=False)
    map_x, map_y = _coords(motion, xs, ys, z, width, height, inverse)
    return _full(map_x, height, width), _full(map_y, height, width)


def _full(values: np.ndarray, height: int, width: int) -> np.ndarray:
    return np.ascontiguousarray(
        np.broadcast_to(values, (height, width)), dtype=np.float32
    )


def valid_mask_3d(depth: np.ndarray, motion: Motion3D) -> np.ndarray:
    """Bool (H, W): destination pixels sampled from inside the source frame (no border fill)."""
    height, width = depth.shape
    plane = _flat_plane(motion, width, height, *_check_depth(depth, height, width), inverse=False)
    if plane is not None:
        return homography_valid_mask(plane, width, height)
    return valid_mask(*source_coords_3d(depth, motion), width, height)


def warp_3d_with_valid_mask(
    image: np.ndarray,
    depth: np.ndarray,
    motion: Motion3D,
    *,
    border: str = "replicate",
    sampling: str = "bicubic",
) -> tuple[np.ndarray, np.ndarray]:
    """``warp_3d`` (OpenCV) and ``valid_mask_3d`` of the same move, from one coordinate map."""
    check_image(image)
    check_modes(border, sampling)
    height, width = image.shape[:2]
    plane = _flat_plane(motion, width, height, *_check_depth(depth, height, width),
                        inverse=False)
    if plane is not None:
        return (warp_perspective_opencv(image, plane, border, sampling),
                homography_valid_mask(plane, width, height))
    map_x, map_y = source_coords_3d(depth, motion)
    return (remap_opencv(image, map_x, map_y, border, sampling),
            valid_mask(map_x, map_y, width, height))


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
    return _move(image, depth, motion, border, sampling, backend, device, inverse=False)


def unwarp_3d(
    image: np.ndarray,
    depth: np.ndarray | torch.Tensor,
    motion: Motion3D,
    *,
    border: str = "replicate",
    sampling: str = "bicubic",
    backend: str = "opencv",
    device: Any = None,
) -> np.ndarray:
    """``image`` moved back by ``motion`` (its flip included): ``unwarp_3d(warp_3d(x))`` is about
    ``x`` where the frame stays in view. ``depth`` is the depth of ``image`` itself."""
    return _move(image, depth, motion, border, sampling, backend, device, inverse=True)


def _flat_plane(motion: Motion3D, width: int, height: int, low: float, high: float, *,
                inverse: bool) -> np.ndarray | None:
    """The destination -> source homography of a pinhole move over a flat depth, when the
    whole frame sees the plane in front of the camera; None otherwise."""
    if motion.camera_model != "pinhole" or low != high:
        return None
    back = _backprojection(motion, width, height, inverse=inverse)
    if low + back.w[2] <= 0 or not corners_in_front(back.ray, width, height):
        return None
    plane = _plane_inverse(back, low)
    return plane if corners_in_front(plane, width, height) else None


def _move(
    image: np.ndarray,
    depth: np.ndarray | torch.Tensor,
    motion: Motion3D,
    border: str,
    sampling: str,
    backend: str,
    device: Any,
    *,
    inverse: bool,
) -> np.ndarray:
    check_image(image)
    check_modes(border, sampling, backend)
    height, width = image.shape[:2]
    if backend == "torch":
        return _move_torch(image, depth, motion, border, sampling, device, inverse)
    plane = _flat_plane(motion, width, height, *_check_depth(depth, height, width),
                        inverse=inverse)
    if plane is not None:
        return warp_perspective_opencv(image, plane, border, sampling)
    xs, ys = pixel_axes(width, height)
    z = depth.astype(np.float32, copy=False)
    map_x, map_y = _coords(motion, xs, ys, z, width, height, inverse)
    return remap_opencv(
        image, _full(map_x, height, width), _full(map_y, height, width), border, sampling
    )


def _move_torch(
    image: np.ndarray,
    depth: np.ndarray | torch.Tensor,
    motion: Motion3D,
    border: str,
    sampling: str,
    device: Any,
    inverse: bool,
) -> np.ndarray:
    import torch

    target = torch_device(device)
    height, width = image.shape[:2]
    z = torch.as_tensor(depth).to(device=target, dtype=torch.float32)
    _check_depth(z, height, width)
    xs = torch.arange(width, dtype=torch.float32, device=target)[None, :]
    ys = torch.arange(height, dtype=torch.float32, device=target)[:, None]
    coords_x, coords_y = _coords(motion, xs, ys, z, width, height, inverse)
    coords_x = coords_x.expand(height, width)
    coords_y = coords_y.expand(height, width)
    sampled = sample_torch(image_to_torch(image, target), coords_x, coords_y, border, sampling)
    return image_from_torch(sampled, image)
