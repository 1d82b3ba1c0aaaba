"""Greyscale masks (uint8, 255 = inside) combined and applied.

The operators of mask expressions work on grey levels as fuzzy logic: `&` keeps the darker of
two masks, `|` the lighter, `!` inverts, `\\` is `a & !b` and `^` is `(a & !b) | (!a & b)`. On
black-and-white masks these are exactly the boolean operations Deforum does; Deforum first turns
every mask black-and-white (with Floyd-Steinberg dithering, so a grey area becomes a dot
pattern), while here soft edges stay soft and a single mask passes through unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def mask_not(mask: np.ndarray) -> np.ndarray:
    return 255 - mask


def mask_and(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return np.minimum(first, second)


def mask_or(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return np.maximum(first, second)


def mask_difference(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return np.minimum(first, 255 - second)


def mask_xor(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return np.maximum(mask_difference(first, second), mask_difference(second, first))


MASK_OPERATORS: dict[str, Callable[..., np.ndarray]] = {
    "!": mask_not, "&": mask_and, "|": mask_or, "^": mask_xor, "\\": mask_difference,
}  # fmt: skip


def whole_frame(height: int, width: int) -> np.ndarray:
    return np.full((height, width), 255, dtype=np.uint8)


def composite(inside: np.ndarray, outside: np.ndarray, mask: np.ndarray,
              invert: bool = False) -> np.ndarray:
    """`inside` where the mask is white, `outside` where it is black, mixed by the grey level
    between (with `invert`, the other way round)."""
    weight = mask.astype(np.float32)[..., None] / 255.0
    if invert:
        weight = 1.0 - weight
    mixed = inside.astype(np.float32) * weight + outside.astype(np.float32) * (1.0 - weight)
    return np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
