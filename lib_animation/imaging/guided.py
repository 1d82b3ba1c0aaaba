"""Guided images: blending an init toward its guide image, and the WebUI's img2img colour
correction for hosts that cannot do it themselves.

`blend_toward` gives Pillow's `Image.blend` bytes (the blend Deforum's looper uses):
a + factor * (b - a) in float32, truncated toward zero.

`color_correct` is the method of the WebUI's img2img colour correction: the image's 8-bit
L*a*b* histograms are matched to the reference's, and the matched colours are given the
original image's luminosity (the W3C "luminosity" blend, luma 0.299 R + 0.587 G + 0.114 B).
The in-process WebUI host hands the reference to the WebUI, which applies its own.
"""

from __future__ import annotations

import cv2
import numpy as np
from skimage.exposure import match_histograms

from lib_animation.imaging._arrays import check_finite, check_rgb

_LUMA = np.array([0.299, 0.587, 0.114])


def blend_toward(image: np.ndarray, guide: np.ndarray, factor: float) -> np.ndarray:
    """`image` moved `factor` (0..1) of the way toward `guide`, as Pillow's Image.blend."""
    check_rgb(image)
    check_rgb(guide, "guide")
    alpha = np.float32(check_finite(factor, "blend factor"))
    start = image.astype(np.float32)
    moved = start + alpha * (guide.astype(np.float32) - start)
    return np.clip(moved, 0, 255).astype(np.uint8)


def color_correct(image: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """`image` with its colours matched to `reference` in L*a*b* and its own luminosity kept."""
    check_rgb(image)
    check_rgb(reference, "reference")
    matched_lab = match_histograms(cv2.cvtColor(image, cv2.COLOR_RGB2LAB),
                                   cv2.cvtColor(reference, cv2.COLOR_RGB2LAB), channel_axis=2)
    matched = cv2.cvtColor(matched_lab.astype(np.uint8), cv2.COLOR_LAB2RGB)
    colours = _with_luminosity(matched / 255.0, _luminosity(image / 255.0))
    return np.clip(np.rint(colours * 255.0), 0, 255).astype(np.uint8)


def _luminosity(colours: np.ndarray) -> np.ndarray:
    return colours @ _LUMA


def _with_luminosity(colours: np.ndarray, luminosity: np.ndarray) -> np.ndarray:
    """W3C SetLum: shift each pixel to `luminosity`, then pull colours that left 0..1 back
    toward their grey along the same hue."""
    shifted = colours + (luminosity - _luminosity(colours))[..., None]
    lum = _luminosity(shifted)[..., None]
    low = shifted.min(axis=2, keepdims=True)
    high = shifted.max(axis=2, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        below = lum + (shifted - lum) * lum / (lum - low)
        above = lum + (shifted - lum) * (1.0 - lum) / (high - lum)
    shifted = np.where(low < 0, below, shifted)
    return np.where(high > 1, above, shifted)
