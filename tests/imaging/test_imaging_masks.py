"""The mask operators: on black-and-white masks, the boolean truth tables (Deforum's results);
on grey masks, fuzzy logic (min, max, 255 - v); composite mixes by the grey level."""

from __future__ import annotations

import numpy as np

from lib_animation.imaging.masks import MASK_OPERATORS, composite

A = np.array([[0, 0, 255, 255]], np.uint8)
B = np.array([[0, 255, 0, 255]], np.uint8)


def _bits(mask: np.ndarray) -> list[int]:
    return (mask // 255).ravel().tolist()


def test_black_and_white_masks_follow_the_truth_tables():
    assert _bits(MASK_OPERATORS["&"](A, B)) == [0, 0, 0, 1]
    assert _bits(MASK_OPERATORS["|"](A, B)) == [0, 1, 1, 1]
    assert _bits(MASK_OPERATORS["^"](A, B)) == [0, 1, 1, 0]
    assert _bits(MASK_OPERATORS["\\"](A, B)) == [0, 0, 1, 0]
    assert _bits(MASK_OPERATORS["!"](A)) == [1, 1, 0, 0]


def test_grey_masks_combine_as_fuzzy_logic():
    grey = np.array([[64]], np.uint8)
    light = np.array([[200]], np.uint8)
    assert MASK_OPERATORS["&"](grey, light).item() == 64
    assert MASK_OPERATORS["|"](grey, light).item() == 200
    assert MASK_OPERATORS["!"](grey).item() == 191
    assert MASK_OPERATORS["\\"](light, grey).item() == 191  # min(200, 255 - 64)
    assert MASK_OPERATORS["^"](grey, light).item() == 191  # max(min(64, 55), min(191, 200))


def test_composite_keeps_the_outside_and_mixes_grey_edges():
    inside = np.full((1, 3, 3), 200, np.uint8)
    outside = np.full((1, 3, 3), 100, np.uint8)
    mask = np.array([[0, 255, 51]], np.uint8)
    mixed = composite(inside, outside, mask)
    assert mixed[0, :, 0].tolist() == [100, 200, 120]
    assert composite(inside, outside, mask, invert=True)[0, :, 0].tolist() == [200, 100, 180]
