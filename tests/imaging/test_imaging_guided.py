"""Guided images' pixels: the blend toward a guide image (Pillow's Image.blend arithmetic:
a + f * (b - a) in float32, truncated) and the colour correction's properties."""

from __future__ import annotations

import numpy as np
import pytest

from lib_animation.imaging.guided import blend_toward, color_correct


def _flat(value) -> np.ndarray:
    return np.full((4, 6, 3), value, np.uint8)


@pytest.mark.parametrize(("start", "guide", "factor", "expected"), [
    (0, 255, 0.1, 25),      # 25.5 truncated, not rounded
    (100, 200, 0.35, 135),
    (200, 100, 0.35, 165),
    (10, 250, 0.0, 10),
    (10, 250, 1.0, 250),
    (255, 0, 0.07, 237),    # 255 - 17.85 = 237.15
])  # fmt: skip
def test_the_blend_is_hand_computed(start, guide, factor, expected):
    assert np.all(blend_toward(_flat(start), _flat(guide), factor) == expected)


def test_the_blend_works_per_channel():
    start = _flat(0)
    start[..., 1] = 100
    guide = _flat(200)
    blended = blend_toward(start, guide, 0.5)
    assert blended[0, 0].tolist() == [100, 150, 100]


def test_colour_correction_to_itself_changes_nothing_much():
    # Only the 8-bit L*a*b* round trip the WebUI's method makes moves a few saturated colours.
    rng = np.random.default_rng(4)
    image = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    difference = np.abs(color_correct(image, image).astype(int) - image)
    assert difference.mean() < 1.0 and np.percentile(difference, 99) <= 5


def test_colour_correction_moves_colours_toward_the_reference_and_keeps_the_light():
    rng = np.random.default_rng(5)
    image = np.clip(rng.normal(128, 30, (24, 32, 3)), 0, 255).astype(np.uint8)
    bluish = image.copy()
    bluish[..., 2] = np.clip(bluish[..., 2].astype(int) + 60, 0, 255)
    bluish[..., 0] = np.clip(bluish[..., 0].astype(int) - 40, 0, 255)
    corrected = color_correct(image, bluish)
    assert corrected[..., 2].mean() > image[..., 2].mean() + 10
    assert corrected[..., 0].mean() < image[..., 0].mean() - 10

    def luma(rgb):
        return rgb.astype(float) @ [0.299, 0.587, 0.114]

    assert np.abs(luma(corrected) - luma(image)).mean() < 2.0
