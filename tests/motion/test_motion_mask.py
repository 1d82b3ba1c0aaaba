"""Valid-pixel masks: which destination pixels were sampled from inside the source frame."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib_animation.motion.coords import homography_coords, pixel_axes, valid_mask
from lib_animation.motion.perspective_flip import PerspectiveFlip
from lib_animation.motion.warp2d import Motion2D, matrix_2d, valid_mask_2d, warp_2d
from lib_animation.motion.warp3d import (
    Motion3D,
    source_coords_3d,
    valid_mask_3d,
    warp_3d,
    warp_3d_with_valid_mask,
)

H, W = 48, 64


def test_identity_is_all_valid():
    assert valid_mask_2d(Motion2D(), W, H).all()
    assert valid_mask_3d(np.ones((H, W), np.float32), Motion3D()).all()


def test_a_shift_invalidates_the_uncovered_columns_and_rows():
    mask = valid_mask_2d(Motion2D(translation_x=5, translation_y=-3), W, H)
    expected = np.zeros((H, W), bool)
    expected[: H - 3, 5:] = True
    assert np.array_equal(mask, expected)


def test_a_half_pixel_shift_invalidates_the_edge_column():
    mask = valid_mask_2d(Motion2D(translation_x=0.5), W, H)
    assert not mask[:, 0].any()
    assert mask[:, 1:].all()


def test_zoom_in_is_all_valid_and_zoom_out_is_a_framed_window():
    assert valid_mask_2d(Motion2D(zoom=1.2), W, H).all()
    mask = valid_mask_2d(Motion2D(zoom=0.5), W, H)
    rows, cols = np.nonzero(mask)
    # The source spans [0, 63] x [0, 47]; halved about (31.5, 23.5) it spans [15.75, 47.25].
    assert (cols.min(), cols.max(), rows.min(), rows.max()) == (16, 47, 12, 35)
    assert mask.sum() == (47 - 16 + 1) * (35 - 12 + 1)


def test_3d_camera_moves():
    flat = np.ones((H, W), np.float32)
    assert valid_mask_3d(flat, Motion3D(translation_z=20)).all()
    backward = valid_mask_3d(flat, Motion3D(translation_z=-20))
    assert backward[H // 2, W // 2]
    assert not backward[0].any() and not backward[:, -1].any()
    # fov 90: 25 / 200 * W / 2 = 4 columns uncovered on the right.
    side = valid_mask_3d(flat, Motion3D(translation_x=25, fov=90))
    assert side[:, :-4].all() and not side[:, -4:].any()


@settings(max_examples=20, deadline=None)
@given(
    angle=st.floats(-30, 30),
    zoom=st.floats(0.7, 1.3),
    tx=st.floats(-10, 10),
    ty=st.floats(-10, 10),
    phi=st.floats(-15, 15),
)
def test_valid_pixels_carry_no_border_fill(angle, zoom, tx, ty, phi):
    # A white frame warped with black borders stays fully white wherever the mask says valid.
    motion = Motion2D(angle=angle, zoom=zoom, translation_x=tx, translation_y=ty,
                      flip=PerspectiveFlip(phi=phi))
    white = np.full((H, W), 255, np.uint8)
    out = warp_2d(white, motion, border="zeros", sampling="bilinear")
    mask = valid_mask_2d(motion, W, H)
    assert (out[mask] >= 254).all()


@settings(max_examples=15, deadline=None)
@given(
    tx=st.floats(-30, 30),
    tz=st.floats(-40, 40),
    ry=st.floats(-5, 5),
    rz=st.floats(-10, 10),
)
def test_3d_valid_pixels_carry_no_border_fill(tx, tz, ry, rz):
    motion = Motion3D(translation_x=tx, translation_z=tz, rotation_y=ry, rotation_z=rz)
    depth = np.linspace(1, 2, W, dtype=np.float32)[None].repeat(H, axis=0)
    white = np.full((H, W), 255, np.uint8)
    out = warp_3d(white, depth, motion, border="zeros", sampling="bilinear")
    mask = valid_mask_3d(depth, motion)
    assert (out[mask] >= 254).all()


@settings(max_examples=60, deadline=None)
@given(
    width=st.integers(1, 90), height=st.integers(1, 90),
    angle=st.floats(-60, 60), zoom=st.floats(0.3, 3.0),
    shift=st.tuples(st.floats(-40, 40), st.floats(-40, 40)),
    flip=st.none() | st.tuples(st.floats(-20, 20), st.floats(-20, 20), st.floats(-20, 20)),
)
def test_the_mask_of_a_homography_is_the_per_pixel_test_of_its_coordinates(
        width, height, angle, zoom, shift, flip):
    """The masks found from the frame's edge lines equal the test of every pixel's source
    coordinates (the definition), whenever the whole frame sees the plane in front."""
    flip = None if flip is None else PerspectiveFlip(*flip, fv=53)
    motion = Motion2D(angle=angle, zoom=zoom, translation_x=shift[0], translation_y=shift[1],
                      flip=flip)
    inverse = np.linalg.inv(matrix_2d(motion, width, height))
    map_x, map_y = homography_coords(inverse, *pixel_axes(width, height))
    expected = valid_mask(map_x.astype(np.float32), map_y.astype(np.float32), width, height)
    assert np.array_equal(valid_mask_2d(motion, width, height), expected)


def test_a_pinhole_move_over_a_flat_depth_masks_as_its_coordinates_say():
    depth = np.full((H, W), 2.0, np.float32)
    motion = Motion3D(translation_x=9, translation_z=-30, rotation_y=4, rotation_z=10,
                      camera_model="pinhole")
    map_x, map_y = source_coords_3d(depth, motion)
    expected = valid_mask(map_x, map_y, W, H)
    assert 0 < expected.sum() < H * W
    assert np.array_equal(valid_mask_3d(depth, motion), expected)


@pytest.mark.parametrize("camera_model", ["deforum", "pinhole"])
@pytest.mark.parametrize("flat", [True, False])
def test_a_3d_move_and_its_mask_made_together_are_the_two_made_apart(camera_model, flat):
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
    depth = np.full((H, W), 1.5, np.float32) if flat else \
        rng.uniform(0.5, 3.0, (H, W)).astype(np.float32)
    motion = Motion3D(translation_x=6, translation_z=-20, rotation_y=3, rotation_z=5,
                      camera_model=camera_model)
    moved, valid = warp_3d_with_valid_mask(image, depth, motion, border="reflect")
    assert np.array_equal(moved, warp_3d(image, depth, motion, border="reflect"))
    assert np.array_equal(valid, valid_mask_3d(depth, motion))
    assert 0 < valid.sum() < H * W
