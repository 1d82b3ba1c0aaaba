"""Hybrid video motion: matrices estimated from a synthetic video with a known camera motion,
moving a frame by them, and the flow with its forward-backward consistency check."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib_animation.motion.hybrid import (
    UNRELIABLE,
    blur_reliability,
    estimate_matrix,
    flow_reliability,
    hybrid_flow,
    identity_matrix,
    move_by_matrix,
)

W, H = 160, 128
INTERIOR = (slice(24, -24), slice(24, -24))


@pytest.fixture
def scene(make_image):
    return make_image(H, W, seed=5, blur=1.2)


def _rotation_and_shift(degrees: float, dx: float, dy: float) -> np.ndarray:
    """Rotation about the frame centre, then a shift: the camera motion of the video."""
    c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    cx, cy = W / 2, H / 2
    return np.array([[c, s, cx - c * cx - s * cy + dx], [-s, c, cy + s * cx - c * cy + dy]])


def test_the_affine_of_a_rotating_panning_video_is_its_camera_motion(scene):
    known = _rotation_and_shift(2.0, 6.0, -4.0)
    moved = cv2.warpAffine(scene, known, (W, H), borderMode=cv2.BORDER_REFLECT_101)
    found = estimate_matrix(scene, moved, "Affine")
    assert found.shape == (2, 3)
    np.testing.assert_allclose(found[:, :2], known[:, :2], atol=1e-3)
    np.testing.assert_allclose(found[:, 2], known[:, 2], atol=0.05)


def test_the_perspective_of_a_tilting_video_is_its_homography(scene):
    known = np.array([[1.0, 0.03, 3.0], [0.0, 1.0, 2.0], [1e-4, 0.0, 1.0]])
    moved = cv2.warpPerspective(scene, known, (W, H), borderMode=cv2.BORDER_REFLECT_101)
    found = estimate_matrix(scene, moved, "Perspective")
    assert found.shape == (3, 3)
    corners = np.float64([[[24, 24]], [[W - 24, 24]], [[24, H - 24]], [[W - 24, H - 24]]])
    np.testing.assert_allclose(cv2.perspectiveTransform(corners, found),
                               cv2.perspectiveTransform(corners, known), atol=0.1)


@pytest.mark.parametrize("kind", ["Affine", "Perspective"])
def test_frames_without_features_do_not_move_the_render(kind):
    flat = np.full((H, W, 3), 90, np.uint8)
    np.testing.assert_array_equal(estimate_matrix(flat, flat, kind), identity_matrix(kind))


def test_moving_a_render_frame_by_the_video_motion_gives_the_moved_frame(scene):
    known = _rotation_and_shift(0.0, 7.0, -5.0)
    moved = cv2.warpAffine(scene, known, (W, H), borderMode=cv2.BORDER_REFLECT_101)
    found = estimate_matrix(scene, moved, "Affine")
    difference = np.abs(move_by_matrix(scene, found).astype(int) - moved.astype(int))
    assert difference[INTERIOR].mean() < 1.0


@pytest.mark.parametrize("kind", ["Affine", "Perspective"])
def test_backward_undoes_forward(scene, kind):
    matrix = identity_matrix(kind).copy()
    matrix[0, 2], matrix[1, 2] = 4.0, -3.0
    there_and_back = move_by_matrix(move_by_matrix(scene, matrix), matrix, backward=True)
    np.testing.assert_array_equal(there_and_back[INTERIOR], scene[INTERIOR])


def test_consistent_flow_is_reliable_and_a_contradicted_one_is_not():
    forward = np.zeros((20, 30, 2), np.float32)
    forward[..., 0] = 3.0
    back = -forward
    assert (flow_reliability(forward, back) == 1.0).all()
    assert (flow_reliability(forward, forward) == UNRELIABLE).all()


def test_the_blurred_reliability_fades_at_the_frame_edge():
    blurred = blur_reliability(np.ones((20, 30)), 2.0)
    assert blurred[10, 15] == pytest.approx(1.0)
    radius = 2  # the blur is cut at one sigma
    weights = np.exp(-0.5 * (np.arange(-radius, radius + 1) / 2.0) ** 2)
    inside = weights[radius:].sum() / weights.sum()
    assert blurred[0, 0] == pytest.approx(inside**2)


def test_hybrid_flow_of_a_panning_video_is_the_pan(scene):
    moved = np.roll(scene, (-2, 3), axis=(0, 1))
    for consistency in (False, True):
        flow = hybrid_flow(scene, moved, "dis_fine", consistency=consistency, blur=2)
        assert np.median(np.abs(flow[INTERIOR][..., 0] - 3)) < 0.2
        assert np.median(np.abs(flow[INTERIOR][..., 1] + 2)) < 0.2


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["Affine", "Perspective"]))
def test_any_pair_of_noise_frames_gives_a_finite_matrix_of_its_kind(seed, kind):
    rng = np.random.default_rng(seed)
    a, b = (rng.integers(0, 256, (48, 64, 3), dtype=np.uint8) for _ in range(2))
    found = estimate_matrix(a, b, kind)
    assert found.shape == identity_matrix(kind).shape
    assert np.isfinite(found).all()
