"""Shared test images for the motion tests."""

from __future__ import annotations

import cv2
import numpy as np
import pytest


def make_texture(height: int, width: int, seed: int = 0, blur: float = 1.0) -> np.ndarray:
    """A seeded RGB uint8 texture with detail at several scales."""
    rng = np.random.default_rng(seed)
    fine = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    fine = cv2.GaussianBlur(fine, (0, 0), blur).astype(np.float32)
    coarse = cv2.resize(
        rng.uniform(0, 255, (height // 8 + 1, width // 8 + 1, 3)).astype(np.float32),
        (width, height),
        interpolation=cv2.INTER_CUBIC,
    )
    return np.clip(0.5 * fine + 0.5 * coarse, 0, 255).astype(np.uint8)


@pytest.fixture
def texture() -> np.ndarray:
    """96x64 (W x H) RGB texture."""
    return make_texture(64, 96)


@pytest.fixture
def square_texture() -> np.ndarray:
    """64x64 RGB texture."""
    return make_texture(64, 64, seed=1)


@pytest.fixture
def make_image():
    """The texture factory itself, for tests that need other sizes or seeds."""
    return make_texture
