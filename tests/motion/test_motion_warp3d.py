"""3D warp: the pinhole camera checked against an independent pinhole model written here from the
documented units, and the directions and units both camera models share.

Documented conventions: axes x right, y down, z forward; NDC x = X / (Z tan(fov/2) aspect) and
y = Y / (Z tan(fov/2)) span [-1, 1] across the frame; translation is value / 200 along the new
camera's right / up / forward axes; rotation R = Rx Ry Rz ("XYZ", intrinsic) is the new camera's
orientation in the old camera's frame.
"""

from __future__ import annotations

import itertools
import math

import cv2
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from lib_animation.errors import SettingsError
from lib_animation.motion.perspective_flip import PerspectiveFlip
from lib_animation.motion.resample import BACKENDS, BORDER_MODES, SAMPLING_MODES
from lib_animation.motion.warp2d import Motion2D, warp_2d
from lib_animation.motion.warp3d import (
    CAMERA_MODELS,
    Motion3D,
    source_coords_3d,
    valid_mask_3d,
    warp_3d,
)

# fov 90 makes tan(fov/2) = 1, so focal lengths are W/2 and H/2 (with aspect 1).
FOV90 = 90.0


class Pinhole:
    """A camera pair (old at the origin, new after ``motion``) written from the docs above."""

    def __init__(self, motion: Motion3D, width: int, height: int) -> None:
        t = math.tan(math.radians(motion.fov) / 2)
        self.fx = width / (2 * t * motion.aspect_ratio)
        self.fy = height / (2 * t)
        self.cx, self.cy = (width - 1) / 2, (height - 1) / 2
        self.rotation = Rotation.from_euler(
            "XYZ", [motion.rotation_x, motion.rotation_y, motion.rotation_z], degrees=True
        ).as_matrix()
        step = np.array([motion.translation_x, -motion.translation_y, motion.translation_z]) / 200
        self.centre = self.rotation @ step

    def unproject(self, px: np.ndarray, py: np.ndarray, depth: np.ndarray) -> np.ndarray:
        """Old-camera pixels at old-camera depth -> old-camera 3D points, shape (N, 3)."""
        return np.stack([(px - self.cx) / self.fx * depth, (py - self.cy) / self.fy * depth,
                         depth], axis=-1)

    def project_new(self, points: np.ndarray) -> np.ndarray:
        """Old-camera 3D points -> pixels of the new camera, shape (N, 2)."""
        cam = (points - self.centre) @ self.rotation  # R^T (X - C), row-wise
        return np.stack([cam[:, 0] / cam[:, 2] * self.fx + self.cx,
                         cam[:, 1] / cam[:, 2] * self.fy + self.cy], axis=-1)


def plane_homography(motion: Motion3D, width: int, height: int, depth: float) -> np.ndarray:
    """Source -> destination homography of the plane z = depth, from four projected corners."""
    cam = Pinhole(motion, width, height)
    px = np.array([0.0, width - 1, 0.0, width - 1])
    py = np.array([0.0, 0.0, height - 1, height - 1])
    dst = cam.project_new(cam.unproject(px, py, np.full(4, depth)))
    src = np.stack([px, py], axis=-1)
    return cv2.getPerspectiveTransform(src.astype(np.float32), dst.astype(np.float32))


def _skip_without_torch(backend: str) -> None:
    if backend == "torch":
        pytest.importorskip("torch")


ALL_MODES = list(itertools.product(BORDER_MODES, SAMPLING_MODES, BACKENDS))


@pytest.mark.parametrize(("border", "sampling", "backend"), ALL_MODES)
def test_identity_returns_the_input_unchanged(texture, border, sampling, backend):
    _skip_without_torch(backend)
    h, w = texture.shape[:2]
    bumpy = np.random.default_rng(3).uniform(1, 2, (h, w)).astype(np.float32)
    for depth in (np.ones((h, w), np.float32), bumpy):
        out = warp_3d(texture, depth, Motion3D(), border=border, sampling=sampling, backend=backend)
        assert np.array_equal(out, texture)


PINHOLE = "pinhole"
MODELS = pytest.mark.parametrize("model", CAMERA_MODELS)

MOTIONS = [
    Motion3D(translation_x=30, translation_y=-20, translation_z=40, camera_model=PINHOLE),
    Motion3D(rotation_x=3, rotation_y=-4, rotation_z=5, fov=60, camera_model=PINHOLE),
    Motion3D(translation_x=-15, translation_z=25, rotation_y=2, rotation_z=-3, fov=50,
             aspect_ratio=1.5, camera_model=PINHOLE),
]


@pytest.mark.parametrize("motion", MOTIONS)
@pytest.mark.parametrize("plane_depth", [1.0, 1.7])
def test_flat_depth_matches_the_pinhole_plane_homography(texture, motion, plane_depth):
    h, w = texture.shape[:2]
    expected = cv2.warpPerspective(texture, plane_homography(motion, w, h, plane_depth), (w, h),
                                   flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    flat = np.full((h, w), plane_depth, np.float32)
    nearly_flat = flat.copy()
    nearly_flat[0, 0] += 1e-4  # takes the per-pixel path instead of the plane shortcut
    for depth in (flat, nearly_flat):
        out = warp_3d(texture, depth, motion, border="zeros", sampling="bilinear")
        diff = np.abs(out.astype(int) - expected.astype(int))
        assert diff.mean() < 0.1
        assert diff.max() <= 2


def test_each_destination_pixel_comes_from_the_point_seen_there():
    h, w = 48, 64
    motion = Motion3D(translation_x=20, translation_y=10, translation_z=30, rotation_x=2,
                      rotation_y=-3, rotation_z=4, fov=65, camera_model=PINHOLE)
    depth = np.random.default_rng(5).uniform(1, 2, (h, w)).astype(np.float32)
    map_x, map_y = source_coords_3d(depth, motion)
    cam = Pinhole(motion, w, h)
    points = cam.unproject(map_x.ravel().astype(float), map_y.ravel().astype(float),
                           depth.ravel().astype(float))
    seen_at = cam.project_new(points)
    ys, xs = np.mgrid[0:h, 0:w]
    assert np.allclose(seen_at[:, 0], xs.ravel(), atol=1e-2)
    assert np.allclose(seen_at[:, 1], ys.ravel(), atol=1e-2)


@pytest.mark.parametrize("plane_depth", [1.0, 2.0])
def test_pinhole_forward_translation_zooms_in(texture, plane_depth):
    # Moving 50/200 = 0.25 toward a plane at depth z magnifies by z / (z - 0.25).
    h, w = texture.shape[:2]
    zoom = plane_depth / (plane_depth - 0.25)
    depth = np.full((h, w), plane_depth, np.float32)
    out = warp_3d(texture, depth, Motion3D(translation_z=50, camera_model=PINHOLE),
                  sampling="bilinear")
    expected = warp_2d(texture, Motion2D(zoom=zoom))
    assert np.abs(out.astype(int) - expected.astype(int)).max() <= 1
    if plane_depth == 1.0:  # 4/3: compare with a resized centre crop as well
        crop = cv2.resize(texture[8:56, 12:84], (w, h), interpolation=cv2.INTER_LINEAR)
        assert np.abs(out.astype(int) - crop.astype(int))[2:-2, 2:-2].max() <= 2


@MODELS
def test_translation_x_moves_the_camera_right_and_content_left(texture, model):
    # fx = W / 2 = 48 at fov 90; 25 / 200 * 48 / depth 1 = 6 pixels.
    depth = np.ones(texture.shape[:2], np.float32)
    out = warp_3d(texture, depth, Motion3D(translation_x=25, fov=FOV90, camera_model=model),
                  border="zeros",
                  sampling="bilinear")
    assert np.array_equal(out[:, :-6], texture[:, 6:])
    assert not out[:, -6:].any()


@MODELS
def test_translation_y_moves_the_camera_up_and_content_down(texture, model):
    # fy = H / 2 = 32 at fov 90; 25 / 200 * 32 = 4 pixels.
    depth = np.ones(texture.shape[:2], np.float32)
    out = warp_3d(texture, depth, Motion3D(translation_y=25, fov=FOV90, camera_model=model),
                  border="zeros",
                  sampling="bilinear")
    assert np.array_equal(out[4:], texture[:-4])
    assert not out[:4].any()


@MODELS
def test_near_content_moves_more_than_far_content(texture, model):
    h, w = texture.shape[:2]
    depth = np.ones((h, w), np.float32)
    depth[:, w // 2:] = 2.0
    out = warp_3d(texture, depth, Motion3D(translation_x=25, fov=FOV90, camera_model=model),
                  sampling="nearest")
    assert np.array_equal(out[:, : w // 2], texture[:, 6: w // 2 + 6])
    assert np.array_equal(out[:, w // 2:-3], texture[:, w // 2 + 3:])


@MODELS
def test_wider_fov_and_aspect_reduce_the_shift(texture, model):
    depth = np.ones(texture.shape[:2], np.float32)
    # tan(fov/2) = 2 halves the focal length: 3 pixels instead of 6.
    wide = Motion3D(translation_x=25, fov=2 * math.degrees(math.atan(2.0)), camera_model=model)
    out = warp_3d(texture, depth, wide, border="zeros", sampling="bilinear")
    assert np.array_equal(out[:, :-3], texture[:, 3:])
    # aspect 1.5 divides the horizontal focal length: 48 / 1.5 * 25 / 200 = 4 pixels.
    out = warp_3d(texture, depth, Motion3D(translation_x=25, fov=FOV90, aspect_ratio=1.5,
                                           camera_model=model),
                  border="zeros", sampling="bilinear")
    assert np.array_equal(out[:, :-4], texture[:, 4:])


def test_rotation_directions_at_the_centre():
    h, w = 49, 65  # odd sizes put pixel (32, 24) on the optical axis
    depth = np.ones((h, w), np.float32)
    fx, fy = w / 2, h / 2  # fov 90, aspect 1
    turn = math.tan(math.radians(5))
    pan_x, _ = source_coords_3d(depth, Motion3D(rotation_y=5, fov=FOV90))
    _, tilt_y = source_coords_3d(depth, Motion3D(rotation_x=5, fov=FOV90))
    # Panning right: the centre now shows what was to its right, so content moves left.
    assert pan_x[24, 32] == pytest.approx(32 + fx * turn, abs=1e-3)
    # Tilting up: the centre now shows what was above it, so content moves down.
    assert tilt_y[24, 32] == pytest.approx(24 - fy * turn, abs=1e-3)


def test_pinhole_roll_turns_content_counter_clockwise(square_texture):
    depth = np.ones(square_texture.shape[:2], np.float32)
    out = warp_3d(square_texture, depth, Motion3D(rotation_z=90, camera_model=PINHOLE),
                  sampling="bilinear")
    assert np.array_equal(out, np.rot90(square_texture, 1))


@MODELS
def test_flip_with_a_still_camera_equals_the_2d_flip(texture, model):
    flip = PerspectiveFlip(theta=4, phi=-6, gamma=9, fv=70)
    depth = np.random.default_rng(2).uniform(1, 2, texture.shape[:2]).astype(np.float32)
    expected = warp_2d(texture, Motion2D(flip=flip), border="reflect", sampling="bicubic")
    out = warp_3d(texture, depth, Motion3D(flip=flip, camera_model=model),
                  border="reflect", sampling="bicubic")
    assert np.abs(out.astype(int) - expected.astype(int)).max() <= 1


def test_flip_and_camera_share_one_map_on_both_paths(texture):
    motion = Motion3D(translation_x=10, translation_z=20, rotation_y=3,
                      flip=PerspectiveFlip(theta=2, phi=5, gamma=-4, fv=60))
    h, w = texture.shape[:2]
    flat = np.full((h, w), 1.3, np.float32)
    nearly_flat = flat.copy()
    nearly_flat[-1, -1] += 1e-4
    a = warp_3d(texture, flat, motion, sampling="bilinear")
    b = warp_3d(texture, nearly_flat, motion, sampling="bilinear")
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 1


@MODELS
def test_a_plane_left_behind_the_camera_is_all_border(model):
    h, w = 48, 64
    image = np.full((h, w, 3), 200, np.uint8)
    depth = np.ones((h, w), np.float32)
    # 300 / 200 = 1.5 forward, past the plane at depth 1
    motion = Motion3D(translation_z=300, camera_model=model)
    assert not warp_3d(image, depth, motion, border="zeros").any()
    assert not valid_mask_3d(depth, motion).any()


@pytest.mark.parametrize(
    "kwargs",
    [{"fov": 0.0}, {"fov": 180.0}, {"aspect_ratio": 0.0}, {"rotation_x": float("nan")}],
)
def test_bad_camera_values_are_settings_errors(kwargs):
    with pytest.raises(SettingsError):
        Motion3D(**kwargs)


def test_bad_depth_maps_are_rejected(texture):
    h, w = texture.shape[:2]
    with pytest.raises(ValueError, match="positive"):
        warp_3d(texture, np.zeros((h, w), np.float32), Motion3D())
    with pytest.raises(ValueError, match="positive"):
        warp_3d(texture, np.full((h, w), np.nan, np.float32), Motion3D())
    with pytest.raises(ValueError, match="shape"):
        warp_3d(texture, np.ones((h, w + 1), np.float32), Motion3D())
