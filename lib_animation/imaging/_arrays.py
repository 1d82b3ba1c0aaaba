"""Checks shared by the imaging functions: frames are uint8 RGB arrays of shape (H, W, 3)."""

from __future__ import annotations

import math

import numpy as np

from lib_animation.errors import SettingsError


def check_rgb(image: np.ndarray, name: str = "image") -> None:
    """Raise TypeError unless ``image`` is a uint8 array of shape (H, W, 3) with H, W >= 1."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise TypeError(f"{name} must be a uint8 numpy array, got {_describe(image)}")
    if image.ndim != 3 or image.shape[2] != 3 or image.shape[0] < 1 or image.shape[1] < 1:
        raise TypeError(f"{name} must have shape (H, W, 3), got {image.shape}")


def check_finite(value: float, what: str) -> float:
    """Return ``value`` as a float; raise SettingsError when it is NaN or infinite."""
    number = float(value)
    if not math.isfinite(number):
        raise SettingsError(f"{what} must be a finite number, got {value!r}")
    return number


def _describe(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype}"
    return type(value).__name__
