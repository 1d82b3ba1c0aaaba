"""Border modes fill out-of-frame pixels as their names say, in 2D and 3D, on both backends.

A shift of k pixels to the right leaves k columns on the left that see outside the frame; what
they show is computed here with numpy slicing.
"""

from __future__ import annotations

import numpy as np
import pytest

from lib_animation.motion.resample import BACKENDS, SAMPLING_MODES
from lib_animation.motion.warp2d import Motion2D, warp_2d
from lib_animation.motion.warp3d import Motion3D, warp_3d

K = 5


def expected_shift_right(image: np.ndarray, border: str) -> np.ndarray:
    body = image[:, :-K]
    if border == "zeros":
        fill = np.zeros_like(image[:, :K])
    elif border == "replicate":
        fill = np.repeat(image[:, :1], K, axis=1)
    elif border == "wrap":
        fill = image[:, -K:]
    else:  # reflect: the column at -j shows column j - 1
        fill = image[:, K - 1::-1]
    return np.concatenate([fill, body], axis=1)


def shift_2d(image, border, sampling, backend):
    return warp_2d(image, Motion2D(translation_x=K), border=border, sampling=sampling,
                   backend=backend)


def shift_3d(image, border, sampling, backend):
    # Camera left by 200 * K / fx at depth 1, fov 90 (fx = W / 2): content moves right by K.
    depth = np.ones(image.shape[:2], np.float32)
    motion = Motion3D(translation_x=-200 * K / (image.shape[1] / 2), fov=90.0)
    return warp_3d(image, depth, motion, border=border, sampling=sampling, backend=backend)


@pytest.mark.parametrize("warp", [shift_2d, shift_3d])
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("sampling", SAMPLING_MODES)
@pytest.mark.parametrize("border", ["zeros", "replicate", "wrap", "reflect"])
def test_border_fill_of_a_shift(texture, warp, backend, sampling, border):
    if backend == "torch":
        pytest.importorskip("torch")
    out = warp(texture, border, sampling, backend)
    assert np.array_equal(out, expected_shift_right(texture, border))


@pytest.mark.parametrize("backend", BACKENDS)
def test_wrap_tiles_the_frame_in_both_directions(texture, backend):
    if backend == "torch":
        pytest.importorskip("torch")
    out = warp_2d(texture, Motion2D(translation_x=-70, translation_y=23), border="wrap",
                  backend=backend)
    assert np.array_equal(out, np.roll(texture, (23, -70), axis=(0, 1)))


@pytest.mark.parametrize("backend", BACKENDS)
def test_zoom_out_with_zeros_leaves_a_black_frame(texture, backend):
    if backend == "torch":
        pytest.importorskip("torch")
    out = warp_2d(texture, Motion2D(zoom=0.5), border="zeros", sampling="nearest", backend=backend)
    h, w = texture.shape[:2]
    assert not out[: h // 4 - 1].any()
    assert not out[:, : w // 4 - 1].any()
    assert out[h // 4 + 1: 3 * h // 4 - 1, w // 4 + 1: 3 * w // 4 - 1].all(axis=-1).mean() > 0.95
