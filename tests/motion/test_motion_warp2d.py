"""2D warp: identity, translation, zoom, rotation, pivot, perspective flip, validation."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib_animation.errors import SettingsError
from lib_animation.motion.perspective_flip import PerspectiveFlip
from lib_animation.motion.resample import BACKENDS, BORDER_MODES, SAMPLING_MODES
from lib_animation.motion.warp2d import Motion2D, matrix_2d, warp_2d

ALL_MODES = list(itertools.product(BORDER_MODES, SAMPLING_MODES, BACKENDS))


def _skip_without_torch(backend: str) -> None:
    if backend == "torch":
        pytest.importorskip("torch")


@pytest.mark.parametrize(("border", "sampling", "backend"), ALL_MODES)
@pytest.mark.parametrize("flip", [None, PerspectiveFlip(0, 0, 0, 53)])
def test_identity_returns_the_input_unchanged(texture, border, sampling, backend, flip):
    _skip_without_torch(backend)
    out = warp_2d(texture, Motion2D(flip=flip), border=border, sampling=sampling, backend=backend)
    assert out.dtype == np.uint8
    assert np.array_equal(out, texture)


@settings(max_examples=25, deadline=None)
@given(
    tx=st.integers(-20, 20),
    ty=st.integers(-15, 15),
    sampling=st.sampled_from(SAMPLING_MODES),
)
def test_integer_translation_moves_content_by_that_many_pixels(tx, ty, sampling):
    image = np.random.default_rng(7).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    out = warp_2d(image, Motion2D(translation_x=tx, translation_y=ty), border="zeros",
                  sampling=sampling)
    expected = np.zeros_like(image)
    h, w = image.shape[:2]
    expected[max(ty, 0):h + min(ty, 0), max(tx, 0):w + min(tx, 0)] = image[
        max(-ty, 0):h + min(-ty, 0), max(-tx, 0):w + min(-tx, 0)
    ]
    assert np.array_equal(out, expected)


@pytest.mark.parametrize("zoom", [2.0, 4.0 / 3.0])
def test_zoom_matches_resize_of_the_centre_crop(texture, zoom):
    h, w = texture.shape[:2]
    crop_w, crop_h = round(w / zoom), round(h / zoom)
    x0, y0 = (w - crop_w) // 2, (h - crop_h) // 2
    expected = cv2.resize(texture[y0:y0 + crop_h, x0:x0 + crop_w], (w, h),
                          interpolation=cv2.INTER_LINEAR)
    out = warp_2d(texture, Motion2D(zoom=zoom))
    # resize replicates the crop's edge where the warp still sees the rest of the frame.
    edge = 2
    diff = np.abs(out.astype(int) - expected.astype(int))[edge:-edge, edge:-edge]
    assert diff.mean() < 0.5
    assert diff.max() <= 2


def test_zoom_about_top_left_corner_keeps_that_corner(texture):
    h, w = texture.shape[:2]
    motion = Motion2D(zoom=2.0, transform_center_x=0.0, transform_center_y=0.0)
    expected = cv2.resize(texture[: h // 2, : w // 2], (w, h), interpolation=cv2.INTER_LINEAR)
    out = warp_2d(texture, motion)
    diff = np.abs(out.astype(int) - expected.astype(int))
    assert diff[:-2, :-2].max() <= 1


@pytest.mark.parametrize("sampling", SAMPLING_MODES)
def test_rotation_by_90_is_counter_clockwise(square_texture, sampling):
    ccw = warp_2d(square_texture, Motion2D(angle=90.0), sampling=sampling)
    cw = warp_2d(square_texture, Motion2D(angle=-90.0), sampling=sampling)
    assert np.array_equal(ccw, np.rot90(square_texture, 1))
    assert np.array_equal(cw, np.rot90(square_texture, -1))


def test_translation_happens_before_rotation():
    # Deforum's order: move right by 10, then turn 90 degrees counter-clockwise about the centre,
    # so the centre ends up 10 pixels above the centre.
    matrix = matrix_2d(Motion2D(angle=90.0, translation_x=10.0), 64, 64)
    centre = np.array([31.5, 31.5, 1.0])
    moved = matrix @ centre
    assert np.allclose(moved[:2] / moved[2], [31.5, 21.5])


def test_flip_theta_rotates_clockwise(square_texture):
    out = warp_2d(square_texture, Motion2D(flip=PerspectiveFlip(theta=90.0)))
    assert np.array_equal(out, np.rot90(square_texture, -1))


def test_flip_keeps_translation(texture):
    flip = PerspectiveFlip(theta=3.0, phi=8.0, gamma=-6.0, fv=60.0)
    flip_only = warp_2d(texture, Motion2D(flip=flip), border="zeros")
    both = warp_2d(texture, Motion2D(translation_x=6, translation_y=-4, flip=flip), border="zeros")
    assert np.abs(both.astype(int) - flip_only.astype(int)).mean() > 10
    # Translation applies first: the same as flipping an image already shifted by (6, -4),
    # away from the edges where the shifted copy has lost content.
    shifted = np.zeros_like(texture)
    shifted[:-4, 6:] = texture[4:, :-6]
    two_step = warp_2d(shifted, Motion2D(flip=flip), border="zeros")
    centre = (slice(16, 48), slice(24, 72))
    assert np.abs(both[centre].astype(int) - two_step[centre].astype(int)).max() <= 1


def _covered_widths(flip: PerspectiveFlip) -> tuple[int, int, int, int]:
    white = np.full((64, 96), 255, np.uint8)
    out = warp_2d(white, Motion2D(flip=flip), border="zeros", sampling="nearest")
    covered = out > 0
    return (covered[0].sum(), covered[-1].sum(), covered[:, 0].sum(), covered[:, -1].sum())


def test_flip_phi_brings_the_bottom_edge_forward():
    top, bottom, _, _ = _covered_widths(PerspectiveFlip(phi=20.0))
    assert bottom == 96
    assert top < 90


def test_flip_gamma_brings_the_left_edge_forward():
    _, _, left, right = _covered_widths(PerspectiveFlip(gamma=20.0))
    assert left == 64
    assert right < 60


def _top_to_bottom_ratio(flip: PerspectiveFlip) -> float:
    matrix = matrix_2d(Motion2D(flip=flip), 96, 64)
    corners = np.array([[0, 0, 1], [95, 0, 1], [0, 63, 1], [95, 63, 1]], float) @ matrix.T
    xs = corners[:, 0] / corners[:, 2]
    return (xs[1] - xs[0]) / (xs[3] - xs[2])


def test_flip_small_fv_gives_flatter_perspective():
    narrow = _top_to_bottom_ratio(PerspectiveFlip(phi=20.0, fv=30.0))
    wide = _top_to_bottom_ratio(PerspectiveFlip(phi=20.0, fv=150.0))
    assert wide < narrow < 1.0


def test_float_and_grey_images_keep_their_type(texture):
    grey = texture[..., 0].astype(np.float32) / 255.0
    out = warp_2d(grey, Motion2D(translation_x=3))
    assert out.dtype == np.float32
    assert out.shape == grey.shape
    assert np.allclose(out[:, 3:], grey[:, :-3])


@pytest.mark.parametrize(
    "kwargs",
    [{"zoom": 0.0}, {"zoom": -1.0}, {"angle": float("nan")}, {"translation_x": float("inf")}],
)
def test_bad_motion_values_are_settings_errors(kwargs):
    with pytest.raises(SettingsError):
        Motion2D(**kwargs)


@pytest.mark.parametrize("fv", [0.0, 180.0, float("nan")])
def test_bad_flip_fov_is_a_settings_error(fv):
    with pytest.raises(SettingsError, match="perspective_flip_fv"):
        PerspectiveFlip(fv=fv)


def test_unknown_mode_names_are_rejected(texture):
    with pytest.raises(ValueError, match="border"):
        warp_2d(texture, Motion2D(), border="mirror")
    with pytest.raises(ValueError, match="sampling"):
        warp_2d(texture, Motion2D(), sampling="lanczos")
