"""Contrast: every channel value multiplied by a factor, rounded and clipped to 0..255.

Deforum multiplies uint8 frames and casts back, so values above 255 wrap around (200 * 2 becomes
144). Here the product saturates: 200 * 2 gives 255. Rounding is to the nearest integer with ties
to even (numpy ``rint``), so 201 * 0.5 = 100.5 gives 100 and 203 * 0.5 = 101.5 gives 102.
"""

from __future__ import annotations

import cv2
import numpy as np

from lib_animation.errors import SettingsError
from lib_animation.imaging._arrays import check_finite, check_rgb


def adjust_contrast(image: np.ndarray, factor: float) -> np.ndarray:
    """Return a new frame with every value multiplied by ``factor`` (>= 0), saturating at 255."""
    check_rgb(image)
    factor = check_finite(factor, "contrast factor")
    if factor < 0:
        raise SettingsError(f"contrast factor must be 0 or more, got {factor:g}")
    if factor == 1.0:
        return image.copy()
    table = np.clip(np.rint(np.arange(256, dtype=np.float64) * factor), 0, 255).astype(np.uint8)
    return cv2.LUT(image, table)
