"""The default 3D camera moves pixels exactly as Deforum's does (deforum-reference.md, §6.3).

Offsets are checked against values worked out by hand from Deforum's formula, then whole warps
against an independent implementation of Deforum's warp (tests/motion/deforum_reference.py) over
ten frames of compound motion: the feel Deforum users tuned their settings to.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lib_animation.motion.warp3d import Motion3D, source_coords_3d, warp_3d

from .conftest import make_texture
from .deforum_reference import deforum_offsets, deforum_warp

# A 5 x 3 frame puts Deforum's grid at x = -1, -0.5, 0, 0.5, 1 and y = -1, 0, 1; fov 90 makes
# tan(fov/2) = 1. One NDC unit is W/2 = 2.5 pixels across and H/2 = 1.5 pixels down.
W, H = 5, 3
FOV90 = 90.0
COLUMNS = np.arange(W, dtype=float)[None, :]
ROWS = np.arange(H, dtype=float)[:, None]


def _sources(depth: float, **motion) -> tuple[np.ndarray, np.ndarray]:
    flat = np.full((H, W), depth, np.float32)
    return source_coords_3d(flat, Motion3D(fov=FOV90, **motion))


def test_translation_x_shifts_every_pixel_by_its_ndc_offset_over_depth():
    # 40 / 200 = 0.2 right: the moved point is x - 0.2, so every offset is -0.2 / z NDC.
    map_x, map_y = _sources(1.0, translation_x=40)
    assert np.allclose(map_x, COLUMNS + 0.2 * 2.5, atol=1e-4)  # content moves left
    assert np.allclose(map_y, ROWS + 0 * COLUMNS, atol=1e-4)
    map_x, _ = _sources(2.0, translation_x=40)
    assert np.allclose(map_x, COLUMNS + 0.1 * 2.5, atol=1e-4)  # far content moves half as much


def test_translation_y_moves_content_down():
    # Deforum adds +ty / 200 to y (down): offset +0.2 NDC, sampled 0.3 pixels up.
    _, map_y = _sources(1.0, translation_y=40)
    assert np.allclose(map_y, ROWS - 0.2 * 1.5 + 0 * COLUMNS, atol=1e-4)


def test_translation_z_zooms_by_one_over_depth_minus_the_step_not_by_a_real_dolly():
    # 20 / 200 = 0.1 forward: offset x * (1 / 0.9 - 1) / tan(fov/2) NDC, from x of the
    # linspace grid. A real dolly toward z = 1 would give x * (1 / 0.9 - 1) at every fov.
    x_grid = np.linspace(-1, 1, W)[None, :]
    y_grid = np.linspace(-1, 1, H)[:, None]
    map_x, map_y = _sources(1.0, translation_z=20)
    assert np.allclose(map_x, COLUMNS - x_grid * (1 / 0.9 - 1) * 2.5, atol=1e-4)
    assert np.allclose(map_y, ROWS - y_grid * (1 / 0.9 - 1) * 1.5, atol=1e-4)
    # At fov 70 the same step zooms 1 / tan(35 deg) = 1.43x more.
    flat = np.ones((H, W), np.float32)
    wide_x, _ = source_coords_3d(flat, Motion3D(translation_z=20, fov=70))
    shift = COLUMNS - wide_x
    assert shift[0, -1] == pytest.approx((1 / 0.9 - 1) / math.tan(math.radians(35)) * 2.5,
                                         abs=1e-4)


def test_roll_offsets_follow_the_ndc_point_and_shrink_with_depth():
    # Roll 10 deg: q = (x, y, z) @ Rz gives q0 = x cos + y sin, q1 = -x sin + y cos; the
    # offset is (q - (x, y)) / z. Top-right pixel: x = 1, y = -1.
    c, s = math.cos(math.radians(10)), math.sin(math.radians(10))
    offset_x, offset_y = (c - 1) - s, -s - (c - 1)
    for depth in (1.0, 2.0):
        map_x, map_y = _sources(depth, rotation_z=10)
        assert map_x[0, 4] == pytest.approx(4 - offset_x / depth * 2.5, abs=1e-4)
        assert map_y[0, 4] == pytest.approx(0 - offset_y / depth * 1.5, abs=1e-4)


def test_pan_offsets_at_the_centre_and_the_aspect_ratio():
    # Pan 5 deg: q = (0, 0, 1) @ Ry = (-sin, 0, cos) at the centre: offset -tan(5 deg) NDC.
    map_x, _ = _sources(1.0, rotation_y=5)
    assert map_x[1, 2] == pytest.approx(2 + math.tan(math.radians(5)) * 2.5, abs=1e-4)
    # Aspect 2 halves every x offset.
    flat = np.ones((H, W), np.float32)
    map_x, _ = source_coords_3d(flat, Motion3D(translation_x=40, fov=FOV90, aspect_ratio=2))
    assert np.allclose(map_x, COLUMNS + 0.1 * 2.5, atol=1e-4)


def test_points_moved_behind_the_camera_see_nothing():
    map_x, _ = _sources(1.0, translation_z=300)  # 1.5 forward, past the plane at z = 1
    assert (map_x < -1000).all()


CASES = [
    {"tx": 3, "ty": -2, "tz": 5, "rx": 0.7, "ry": -1.2, "rz": 2, "fov": 70},
    {"tx": -1, "tz": -4, "rz": -3, "fov": 40, "aspect": 1.5},
    {"ty": 2, "tz": 9, "rx": -1.5, "ry": 0.5, "fov": 110, "aspect": 0.75},
]


@pytest.mark.parametrize("case", CASES)
def test_offsets_match_deforums_projection_on_a_varying_depth(case):
    pytest.importorskip("torch")
    h, w = 40, 56
    depth = np.random.default_rng(1).uniform(1, 2, (h, w)).astype(np.float32)
    motion = Motion3D(translation_x=case.get("tx", 0), translation_y=case.get("ty", 0),
                      translation_z=case.get("tz", 0), rotation_x=case.get("rx", 0),
                      rotation_y=case.get("ry", 0), rotation_z=case.get("rz", 0),
                      fov=case["fov"], aspect_ratio=case.get("aspect", 1.0))
    offsets = deforum_offsets(depth, **case)
    map_x, map_y = source_coords_3d(depth, motion)
    assert np.allclose(map_x, np.arange(w)[None, :] - offsets[..., 0] * w / 2, atol=2e-3)
    assert np.allclose(map_y, np.arange(h)[:, None] - offsets[..., 1] * h / 2, atol=2e-3)


def _compound_differences(camera_model: str, backend: str) -> list[float]:
    """Mean grey-level difference to Deforum's warp at frames 1, 5 and 9 of ten frames."""
    pytest.importorskip("torch")
    image = make_texture(256, 256, seed=4)
    depth = np.ones((256, 256), np.float32)
    motion = Motion3D(translation_x=2, translation_y=1, translation_z=6, rotation_y=1.5,
                      rotation_z=1, fov=70, camera_model=camera_model)
    ours, theirs, differences = image, image, []
    for frame in range(1, 10):
        ours = warp_3d(ours, depth, motion, border="replicate", sampling="bilinear",
                       backend=backend)
        theirs = deforum_warp(theirs, depth, tx=2, ty=1, tz=6, ry=1.5, rz=1, fov=70)
        if frame in (1, 5, 9):
            differences.append(float(np.abs(ours.astype(int) - theirs.astype(int)).mean()))
    return differences


@pytest.mark.parametrize("backend", ["opencv", "torch"])
def test_ten_frames_of_compound_motion_stay_within_1_5_grey_levels_of_deforum(backend):
    assert max(_compound_differences("deforum", backend)) < 1.5


def test_the_pinhole_camera_is_the_one_that_moves_differently():
    assert min(_compound_differences("pinhole", "opencv")) > 5
