"""Optical flow (DIS medium, DIS fine, Farneback) and warping by flow."""

from __future__ import annotations

import numpy as np
import pytest

from lib_animation.motion.flow import OPENCV_FLOW_METHODS, estimate_flow, warp_by_flow

DX, DY = 3, -2
INTERIOR = (slice(16, -16), slice(16, -16))


@pytest.fixture
def frames(make_image):
    """A textured frame and the same frame with its content moved by (DX, DY)."""
    a = make_image(96, 128, seed=21, blur=1.5)
    b = np.roll(a, (DY, DX), axis=(0, 1))
    return a, b


@pytest.mark.parametrize("method", OPENCV_FLOW_METHODS)
def test_flow_of_a_shift_is_the_shift(frames, method):
    a, b = frames
    flow = estimate_flow(a, b, method)
    assert flow.shape == (*a.shape[:2], 2)
    assert flow.dtype == np.float32
    assert np.median(np.abs(flow[INTERIOR][..., 0] - DX)) < 0.2
    assert np.median(np.abs(flow[INTERIOR][..., 1] - DY)) < 0.2


@pytest.mark.parametrize("method", OPENCV_FLOW_METHODS)
def test_warp_by_estimated_flow_reproduces_the_target(frames, method):
    a, b = frames
    moved = warp_by_flow(a, estimate_flow(a, b, method))
    diff = np.abs(moved[INTERIOR].astype(int) - b[INTERIOR].astype(int))
    baseline = np.abs(a[INTERIOR].astype(int) - b[INTERIOR].astype(int))
    assert diff.mean() < 3.0
    assert diff.mean() < baseline.mean() / 5


@pytest.mark.parametrize("method", OPENCV_FLOW_METHODS)
def test_flow_is_deterministic(frames, method):
    a, b = frames
    assert estimate_flow(a, b, method).tobytes() == estimate_flow(a, b, method).tobytes()


def test_factor_scales_a_known_flow(texture):
    flow = np.zeros((*texture.shape[:2], 2), np.float32)
    flow[..., 0] = 4.0
    flow[..., 1] = -6.0
    half = warp_by_flow(texture, flow, 0.5, border="zeros")
    expected = np.zeros_like(texture)
    expected[:-3, 2:] = texture[3:, :-2]
    assert np.array_equal(half, expected)
    assert np.array_equal(warp_by_flow(texture, flow, 0.0), texture)


def test_reflect_border_mirrors_at_the_edge(texture):
    flow = np.zeros((*texture.shape[:2], 2), np.float32)
    flow[..., 0] = 2.0
    out = warp_by_flow(texture, flow)
    assert np.array_equal(out[:, :2], texture[:, 1::-1])


def test_bad_inputs_are_rejected(texture):
    with pytest.raises(ValueError, match="method"):
        estimate_flow(texture, texture, "lucas_kanade")
    with pytest.raises(ValueError, match="RAFT flow needs its loaded model"):
        estimate_flow(texture, texture, "raft")
    with pytest.raises(ValueError, match="size"):
        estimate_flow(texture, texture[:-1], "dis_medium")
    with pytest.raises(ValueError, match="flow shape"):
        warp_by_flow(texture, np.zeros((2, 2, 2), np.float32))
