"""Test images for the imaging tests: small, smooth, photo-like frames with some grain."""

from __future__ import annotations

import cv2
import numpy as np
import pytest


def photo_like(height: int, width: int, seed: int, spread: float = 190.0, base: float = 30.0):
    """A smooth random colour field (bicubic upscale of a 4x5 grid) plus a little grain."""
    rng = np.random.default_rng(seed)
    coarse = rng.random((4, 5, 3))
    smooth = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    image = smooth * spread + base + rng.normal(0.0, 6.0, (height, width, 3))
    return np.clip(image, 0, 255).astype(np.uint8)


@pytest.fixture
def photo():
    return photo_like
