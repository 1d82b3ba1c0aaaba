"""Seeded noise blended into a frame: ``out = (1 - n) * img + n * noise_image``.

This is Deforum's behaviour and it is kept: the noise amount ``n`` (0..1) is a linear blend toward
a noise image centred on mid-grey, not an additive noise, so it also pulls every pixel toward
grey by the fraction ``n``. Amount 0 returns the frame unchanged and amount 1 returns the noise
image alone.

The noise image, per pixel and channel, is ``clip(127.5 + 127.5 * z * p, 0, 255)``:

- ``z`` is standard normal white noise (Deforum's ``"uniform"`` type is this Gaussian noise too).
  It is drawn at 8-bit precision: one random byte ``k`` per sample picks the normal quantile
  ``Phi^-1((k + 0.5) / 256)``, one of 256 equally likely values (variance 0.995, tails cut at
  +-2.89). Deforum's noise image is 8-bit as well; near mid-grey the levels are 1.25 grey levels
  apart, and ``n`` of them (a fraction of a level at usual amounts) reaches the frame.
- ``p`` is 1 for ``gaussian`` noise and a 0..1 Perlin field (see ``perlin.py``) for ``perlin``
  noise, so perlin noise is white noise whose strength varies smoothly over the frame.

The result is rounded to the nearest integer. Everything is drawn from
``numpy.random.default_rng(seed)`` (white noise first, then the Perlin gradients) and computed with
table lookups, integer arithmetic and IEEE float +, -, *, so a seed gives the same bytes on every
machine, for any frame size.
"""

from __future__ import annotations

import functools
from statistics import NormalDist

import cv2
import numpy as np

from lib_animation.errors import SettingsError
from lib_animation.imaging._arrays import check_finite, check_rgb
from lib_animation.imaging.perlin import perlin_field

NOISE_TYPES = ("perlin", "gaussian")

_HALF = 127.5
# Fixed-point scale of the integer blend used for gaussian noise.
_FIXED = 256
# Rows per band of the blends.
_BAND_ROWS = 64


@functools.lru_cache(maxsize=1)
def normal_quantiles() -> np.ndarray:
    """The 256 equally likely values of 8-bit ``z``: ``Phi^-1((k + 0.5) / 256)``, float64.

    Rounded to a 2**-24 grid so that a last-bit difference between two machines' maths libraries
    cannot change them.
    """
    normal = NormalDist()
    values = np.array([normal.inv_cdf((k + 0.5) / 256) for k in range(256)])
    table = np.round(values * 2.0**24) / 2.0**24
    table.setflags(write=False)
    return table


def add_noise(
    image: np.ndarray,
    amount: float,
    *,
    seed: int,
    noise_type: str = "perlin",
    octaves: int = 4,
    persistence: float = 0.5,
    grid: int = 8,
) -> np.ndarray:
    """Return ``image`` (uint8 RGB) blended toward a seeded noise image by ``amount`` (0..1).

    ``octaves``, ``persistence`` and ``grid`` shape the Perlin field (``perlin`` only).
    """
    check_rgb(image)
    amount = check_finite(amount, "noise amount")
    if not 0.0 <= amount <= 1.0:
        raise SettingsError(f"noise amount must be between 0 and 1, got {amount:g}")
    if noise_type not in NOISE_TYPES:
        raise SettingsError(
            f"unknown noise type {noise_type!r}", hint=f"choose one of {', '.join(NOISE_TYPES)}"
        )
    if amount == 0.0:
        return image.copy()
    rng = np.random.default_rng(seed)
    height, width, _ = image.shape
    picks = np.frombuffer(rng.bytes(height * width * 3), dtype=np.uint8).reshape(image.shape)
    if noise_type == "gaussian":
        return _blend_gaussian(image, picks, amount)
    field = perlin_field(
        height, width, rng=rng, octaves=octaves, persistence=persistence, grid=grid
    )
    return _blend_perlin(image, picks, field, amount)


def _blend_gaussian(image: np.ndarray, picks: np.ndarray, amount: float) -> np.ndarray:
    """The blend in 1/256 fixed point: two 16-bit lookups, a saturating add, an exact rescale."""
    noise_image = np.clip(_HALF + _HALF * normal_quantiles(), 0.0, 255.0)
    noise_table = np.rint(amount * noise_image * _FIXED).astype(np.uint16)
    image_table = np.rint((1.0 - amount) * np.arange(256) * _FIXED).astype(np.uint16)
    out = np.empty_like(image)
    for rows in _bands(image.shape[0]):
        total = cv2.add(cv2.LUT(image[rows], image_table), cv2.LUT(picks[rows], noise_table))
        # Scaling by 2**-8 is exact in floating point; OpenCV then rounds half to even.
        cv2.convertScaleAbs(total, dst=out[rows], alpha=1.0 / _FIXED)
    return out


def _blend_perlin(
    image: np.ndarray, picks: np.ndarray, field: np.ndarray, amount: float
) -> np.ndarray:
    """The blend in float32: ``floor((1 - n) * img + n * noise + 0.5)``."""
    deviation_table = (amount * _HALF * normal_quantiles()).astype(np.float32)
    image_table = ((1.0 - amount) * np.arange(256) + (amount * _HALF + 0.5)).astype(np.float32)
    limit = np.float32(amount * _HALF)
    out = np.empty_like(image)
    for rows in _bands(image.shape[0]):
        deviation = cv2.LUT(picks[rows], deviation_table)
        strength = field[rows]
        spare = cv2.merge([strength, strength, strength])
        deviation *= spare
        np.minimum(deviation, limit, out=deviation)
        np.maximum(deviation, -limit, out=deviation)
        deviation += cv2.LUT(image[rows], image_table, dst=spare)
        # Values lie in 0.5..255.5, so truncation is rounding (halves up) and stays <= 255.
        out[rows] = deviation
    return out


def _bands(height: int) -> list[slice]:
    """Bands of rows. Working band by band keeps the temporaries small: cache-resident, and
    reused by the allocator instead of being fresh memory (page faults) on every call."""
    return [slice(top, top + _BAND_ROWS) for top in range(0, height, _BAND_ROWS)]
