from __future__ import annotations

import colorsys

import numpy as np
import pytest
from skimage import color, exposure

from lib_animation.errors import SettingsError
from lib_animation.imaging.color import ColorMatcher, match_colors, to_grayscale


@pytest.mark.parametrize("space", ["LAB", "HSV", "RGB"])
def test_a_frame_matched_to_itself_is_unchanged(photo, space):
    image = photo(48, 64, seed=1)
    matched = match_colors(image, image, space)
    assert np.abs(matched.astype(int) - image).max() <= 1


def test_none_returns_an_identical_copy(photo):
    image = photo(48, 64, seed=1)
    matched = match_colors(image, photo(48, 64, seed=2), None)
    assert matched is not image
    np.testing.assert_array_equal(matched, image)
    np.testing.assert_array_equal(match_colors(image, image, "None"), image)


def test_rgb_matching_removes_a_red_tint_from_the_red_channel(photo):
    neutral = photo(48, 64, seed=3)
    tinted = neutral.copy()
    tinted[..., 0] = np.clip(neutral[..., 0].astype(int) + 60, 0, 255)
    matched = match_colors(tinted, neutral, "RGB")
    red_gap_before = tinted[..., 0].mean() - neutral[..., 0].mean()
    red_gap_after = matched[..., 0].mean() - neutral[..., 0].mean()
    assert red_gap_before > 40
    assert abs(red_gap_after) < 2
    # Green and blue were already the reference's: they stay put.
    for channel in (1, 2):
        assert np.abs(matched[..., channel].astype(int) - tinted[..., channel]).max() <= 1


def test_rgb_matching_agrees_with_skimage(photo):
    image, reference = photo(64, 96, seed=4), photo(64, 96, seed=14)
    expected = np.rint(exposure.match_histograms(image, reference, channel_axis=-1))
    difference = np.abs(match_colors(image, reference, "RGB") - expected)
    # skimage maps each value at the top of its quantile range, this matcher at the middle.
    assert difference.mean() < 0.6
    assert np.percentile(difference, 99) <= 2


def test_lab_matching_agrees_with_skimage_in_float_lab(photo):
    image, reference = photo(64, 96, seed=5), photo(64, 96, seed=15)
    lab = exposure.match_histograms(color.rgb2lab(image), color.rgb2lab(reference), channel_axis=-1)
    expected = np.clip(np.rint(color.lab2rgb(lab) * 255), 0, 255)
    difference = np.abs(match_colors(image, reference, "LAB") - expected)
    # Read through OpenCV's float conversion (a table it interpolates) the mean was 0.29.
    assert difference.mean() < 0.2
    assert np.percentile(difference, 99) <= 2


def test_a_frame_matched_to_itself_in_lab_comes_back_exactly():
    everything = np.random.default_rng(6).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    greys = np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2)
    for image in (everything, greys):
        assert np.array_equal(match_colors(image, image, "LAB"), image)


def test_hsv_matching_agrees_with_skimage_when_no_hue_wraps():
    # Hues between 80 and 250 degrees: the cut between hue 360 and 0 is the natural one.
    rng = np.random.default_rng(6)

    def frame(low: float, high: float) -> np.ndarray:
        hue = np.linspace(low, high, 96)[None, :].repeat(64, axis=0) / 360.0
        saturation = rng.uniform(0.3, 0.9, (64, 96))
        value = rng.uniform(0.3, 1.0, (64, 96))
        rgb = color.hsv2rgb(np.stack([hue, saturation, value], axis=-1))
        return np.rint(rgb * 255).astype(np.uint8)

    image, reference = frame(80, 200), frame(120, 250)
    hsv = exposure.match_histograms(color.rgb2hsv(image), color.rgb2hsv(reference), channel_axis=-1)
    expected = np.clip(np.rint(color.hsv2rgb(hsv) * 255), 0, 255)
    difference = np.abs(match_colors(image, reference, "HSV") - expected)
    assert difference.mean() < 1.0
    assert np.percentile(difference, 99) <= 4


def test_lab_matching_reads_the_channels_as_rgb():
    # Reds and blues of different lightness, matched to greys of the same two lightnesses:
    # in true L*a*b* each colour keeps its L* and loses its chroma. Read as BGR, the "L" of the
    # red would be the blue's (and vice versa), so the reds would turn into the darker grey.
    red, blue = (200, 40, 40), (40, 40, 200)
    image = np.zeros((20, 50, 3), np.uint8)
    image[:, :30] = red
    image[:, 30:] = blue
    lightness = color.rgb2lab(np.array([[red, blue]], np.uint8))[0, :, 0]
    greys = [_grey_with_lightness(value) for value in lightness]
    reference = np.zeros_like(image)
    reference[:, :30] = greys[0]
    reference[:, 30:] = greys[1]

    matched_lab = color.rgb2lab(match_colors(image, reference, "LAB"))
    assert abs(matched_lab[:, :30, 0].mean() - lightness[0]) < 1.5
    assert abs(matched_lab[:, 30:, 0].mean() - lightness[1]) < 1.5
    assert np.hypot(matched_lab[..., 1], matched_lab[..., 2]).max() < 3


def test_hsv_matching_keeps_reds_red_across_the_hue_wrap():
    # Hues from 350 to 10 degrees (straddling 0) matched to hues from 355 to 15 degrees.
    def reds(low: float, high: float) -> np.ndarray:
        hues = np.linspace(low, high, 40) % 360
        row = [colorsys.hsv_to_rgb(h / 360, 0.8, 0.9) for h in hues]
        return np.rint(np.array([row] * 10) * 255).astype(np.uint8)

    image, reference = reds(-10, 10), reds(-5, 15)
    matched = match_colors(image, reference, "HSV").astype(int)
    assert (matched[..., 0] > matched[..., 1] + 100).all()
    assert (matched[..., 0] > matched[..., 2] + 100).all()
    hues = np.array([colorsys.rgb_to_hsv(*(p / 255))[0] * 360 for p in matched[0]])
    signed = (hues + 180) % 360 - 180
    assert signed.min() > -7 and signed.max() < 17
    assert np.all(np.diff(signed) >= -0.5)  # the order of the hues is kept


def test_hsv_matching_moves_hue_toward_the_reference():
    def patch(hue: float) -> np.ndarray:
        rgb = colorsys.hsv_to_rgb(hue / 360, 0.7, 0.8)
        return np.full((16, 16, 3), np.rint(np.array(rgb) * 255), np.uint8)

    matched = match_colors(patch(100), patch(220), "HSV")
    hue = colorsys.rgb_to_hsv(*(matched[0, 0] / 255))[0] * 360
    assert abs(hue - 220) < 3


def test_color_matcher_reuses_the_reference(photo):
    reference = photo(48, 64, seed=7)
    kept = reference.copy()
    matcher = ColorMatcher(reference, "LAB")
    for seed in (8, 9):
        image = photo(32, 40, seed=seed)  # a different size than the reference is fine
        original = image.copy()
        np.testing.assert_array_equal(matcher(image), match_colors(image, reference, "LAB"))
        np.testing.assert_array_equal(image, original)
    np.testing.assert_array_equal(reference, kept)


def test_space_names_are_case_insensitive_and_unknown_ones_are_rejected(photo):
    image = photo(16, 16, seed=1)
    np.testing.assert_array_equal(
        match_colors(image, image, "lab"), match_colors(image, image, "LAB")
    )
    with pytest.raises(SettingsError, match="colour coherence space"):
        match_colors(image, image, "XYZ")


def test_bad_arrays_are_rejected():
    with pytest.raises(TypeError):
        match_colors(np.zeros((4, 4, 3), np.float32), np.zeros((4, 4, 3), np.uint8), "RGB")
    with pytest.raises(TypeError):
        ColorMatcher(np.zeros((4, 4), np.uint8), "RGB")


def test_grayscale_keeps_three_equal_channels_of_bt601_luma(photo):
    image = photo(24, 32, seed=2)
    grey = to_grayscale(image)
    assert grey.shape == image.shape and grey.dtype == np.uint8
    np.testing.assert_array_equal(grey[..., 0], grey[..., 1])
    np.testing.assert_array_equal(grey[..., 0], grey[..., 2])
    luma = image.astype(float) @ np.array([0.299, 0.587, 0.114])
    assert np.abs(grey[..., 0] - luma).max() <= 1


def _grey_with_lightness(target: float) -> tuple[int, int, int]:
    levels = np.arange(256, dtype=np.uint8)
    greys = np.stack([levels] * 3, axis=-1)[None]
    lightness = color.rgb2lab(greys)[0, :, 0]
    level = int(np.argmin(np.abs(lightness - target)))
    return (level, level, level)


def test_grey_frames_match_in_hsv_without_hue():
    grey = np.repeat(np.linspace(20, 230, 48, dtype=np.uint8)[None, :, None], 16, 0).repeat(3, 2)
    darker = (grey * 0.5).astype(np.uint8)
    matched = match_colors(grey, darker, "HSV")
    np.testing.assert_array_equal(matched[..., 0], matched[..., 1])
    np.testing.assert_array_equal(matched[..., 0], matched[..., 2])
    assert np.abs(matched.astype(int) - darker).max() <= 1


def test_frames_in_any_memory_layout_are_matched():
    rng = np.random.default_rng(3)
    reference = rng.integers(0, 256, size=(40, 56, 3), dtype=np.uint8)
    image = rng.integers(0, 256, size=(56, 40, 3), dtype=np.uint8).transpose(1, 0, 2)
    assert not image.flags.c_contiguous
    for space in ("LAB", "HSV", "RGB"):
        expected = ColorMatcher(reference, space)(np.ascontiguousarray(image))
        assert np.array_equal(ColorMatcher(reference, space)(image), expected)
