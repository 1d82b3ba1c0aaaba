from __future__ import annotations

import math

import numpy as np
import pytest

from lib_animation.errors import SettingsError
from lib_animation.imaging.sharpen import unsharp_mask


def _step(dark: int = 40, bright: int = 220, width: int = 24) -> np.ndarray:
    image = np.full((6, width, 3), dark, np.uint8)
    image[:, width // 2 :] = bright
    return image


def _reference_row(row: np.ndarray, amount: float, kernel: int, sigma: float) -> np.ndarray:
    """Unsharp mask of one row, written out: Gaussian taps, border mirrored as dcb|bcd."""
    half = kernel // 2
    taps = np.array([math.exp(-(i * i) / (2 * sigma * sigma)) for i in range(-half, half + 1)])
    taps /= taps.sum()
    n = len(row)
    mirrored = [abs(i) if i < n else 2 * (n - 1) - i for i in range(-half, n + half)]
    padded = row.astype(float)[mirrored]
    blur = np.array([padded[i : i + kernel] @ taps for i in range(n)])
    return np.clip(np.rint(row + amount * (row - blur)), 0, 255)


def test_amount_zero_returns_the_frame_unchanged():
    image = _step()
    result = unsharp_mask(image, amount=0.0, kernel=5, sigma=1.0)
    assert result is not image
    np.testing.assert_array_equal(result, image)


def test_a_flat_frame_is_unchanged():
    image = np.full((10, 12, 3), 77, np.uint8)
    np.testing.assert_array_equal(unsharp_mask(image, amount=2.0, kernel=7, sigma=2.0), image)


def test_a_step_edge_over_and_undershoots_into_clipped_values():
    image = _step(dark=20, bright=240)
    result = unsharp_mask(image, amount=3.0, kernel=9, sigma=3.0)
    dark, bright = result[:, :12], result[:, 12:]
    assert dark.min() == 0 and dark.max() == 20  # undershoot clipped to 0, never wrapped high
    assert bright.max() == 255 and bright.min() == 240
    expected = _reference_row(image[0, :, 0], 3.0, 9, 3.0)
    assert np.abs(result[0, :, 0] - expected).max() <= 1


def test_matches_a_written_out_unsharp_mask():
    row = np.array([10, 10, 30, 90, 200, 180, 60, 60, 61, 250, 0, 128], np.uint8)
    image = np.repeat(row[None, :, None], 5, axis=0).repeat(3, axis=2)
    result = unsharp_mask(image, amount=0.8, kernel=5, sigma=1.2)
    assert np.abs(result[2, :, 1] - _reference_row(row, 0.8, 5, 1.2)).max() <= 1


def test_threshold_limits_sharpening_to_strong_differences():
    image = _step(dark=100, bright=110)  # a 10-level step: differences to the blur stay below 10
    assert (unsharp_mask(image, amount=1.0, kernel=5, sigma=1.0, threshold=255) == image).all()
    softly = unsharp_mask(image, amount=1.0, kernel=5, sigma=1.0, threshold=0)
    assert (softly != image).any()
    thresholded = unsharp_mask(image, amount=1.0, kernel=5, sigma=1.0, threshold=3)
    changed_columns = np.flatnonzero((thresholded != image).any(axis=(0, 2)))
    assert set(changed_columns) < set(np.flatnonzero((softly != image).any(axis=(0, 2))))


def test_an_even_kernel_behaves_as_the_next_odd_one():
    image = _step()
    np.testing.assert_array_equal(
        unsharp_mask(image, amount=1.0, kernel=4, sigma=1.0),
        unsharp_mask(image, amount=1.0, kernel=5, sigma=1.0),
    )


def test_kernel_of_one_or_less_means_no_blur():
    image = _step()
    for kernel in (1, 0, -3):
        np.testing.assert_array_equal(
            unsharp_mask(image, amount=1.0, kernel=kernel, sigma=1), image
        )


def test_sigma_zero_is_derived_from_the_kernel_size():
    image = _step()
    derived = 0.3 * ((9 - 1) * 0.5 - 1) + 0.8
    derived_result = unsharp_mask(image, amount=1.5, kernel=9, sigma=0)
    assert (
        np.abs(derived_result[0, :, 0] - _reference_row(image[0, :, 0], 1.5, 9, derived)).max() <= 1
    )
    # Up to size 7 OpenCV uses fixed binomial taps instead; size 5 is [1 4 6 4 1] / 16.
    row = image[0, :, 0].astype(float)
    padded = row[[2, 1, *range(len(row)), len(row) - 2, len(row) - 3]]
    blur = np.convolve(padded, np.array([1, 4, 6, 4, 1]) / 16, mode="valid")
    expected = np.clip(np.rint(row + 1.5 * (row - blur)), 0, 255)
    result = unsharp_mask(image, amount=1.5, kernel=5, sigma=0)
    assert np.abs(result[0, :, 0] - expected).max() <= 1


def test_input_is_not_modified():
    image = _step()
    kept = image.copy()
    unsharp_mask(image, amount=2.0, kernel=5, sigma=1.0, threshold=2)
    np.testing.assert_array_equal(image, kept)


def test_non_finite_values_are_rejected():
    with pytest.raises(SettingsError, match="anti-blur amount"):
        unsharp_mask(_step(), amount=float("nan"), kernel=5, sigma=1.0)
