"""How a number schedule moves from one keyframe to the next.

Each word names the curve of the segment FROM its keyframe TO the next one. ``u`` runs from 0 at
the keyframe to 1 at the next keyframe; the value is ``a + (b - a) * ease(u)``.

- ``linear`` (default, Deforum's only kind): ``ease(u) = u``
- ``step``: hold ``a`` until the next keyframe
- ``ease_in``: cubic, ``u**3``
- ``ease_out``: cubic, ``1 - (1 - u)**3``
- ``ease_in_out``: cubic, ``4*u**3`` for ``u < 0.5``, else ``1 - (2 - 2*u)**3 / 2``
- ``cubic``: monotone cubic Hermite (PCHIP-style, Fritsch-Carlson): a smooth curve through the
  keyframes that never overshoots them. The slope at an inner keyframe is the weighted harmonic
  mean of the slopes to its neighbours (0 where the curve turns); at the first and last
  keyframe it is 0, matching the held value before and after them.
"""

from __future__ import annotations

import difflib
import math

import numpy as np

__all__ = ["INTERPOLATIONS", "ease", "monotone_slopes", "normalise_interpolation"]

#: Every interpolation word, canonical spelling.
INTERPOLATIONS: tuple[str, ...] = ("linear", "step", "cubic", "ease_in", "ease_out", "ease_in_out")


def normalise_interpolation(word: str) -> tuple[str | None, str | None]:
    """``(canonical name, None)`` for a known word (case-insensitive, ``-`` for ``_``), else
    ``(None, hint)``."""
    key = word.strip().lower().replace("-", "_")
    if key in INTERPOLATIONS:
        return key, None
    matches = difflib.get_close_matches(key, INTERPOLATIONS, n=1, cutoff=0.6)
    if matches:
        return None, f"did you mean {matches[0]}?"
    return None, "use one of " + ", ".join(INTERPOLATIONS)


def ease(kind: str, u: np.ndarray) -> np.ndarray:
    """The easing curve ``ease(u)`` for u in [0, 1) (not used for ``linear``, ``cubic``)."""
    if kind == "step":
        return np.zeros_like(u)
    if kind == "ease_in":
        return u**3
    if kind == "ease_out":
        return 1.0 - (1.0 - u) ** 3
    if kind == "ease_in_out":
        return np.where(u < 0.5, 4.0 * u**3, 1.0 - (2.0 - 2.0 * u) ** 3 / 2.0)
    if kind == "linear":
        return u
    raise ValueError(f"no easing curve for {kind!r}")


def monotone_slopes(positions: list[int], values: list[float]) -> list[float]:
    """Slopes (value per frame) at each keyframe for monotone cubic Hermite interpolation."""
    n = len(positions)
    slopes = [0.0] * n
    for k in range(1, n - 1):
        h0 = positions[k] - positions[k - 1]
        h1 = positions[k + 1] - positions[k]
        d0 = (values[k] - values[k - 1]) / h0
        d1 = (values[k + 1] - values[k]) / h1
        if not (math.isfinite(d0) and math.isfinite(d1)):
            continue  # an overflow; the caller's finiteness check reports it
        if d0 == 0.0 or d1 == 0.0 or (d0 > 0.0) != (d1 > 0.0):
            continue
        w0 = 2.0 * h1 + h0
        w1 = h1 + 2.0 * h0
        slopes[k] = (w0 + w1) / (w0 / d0 + w1 / d1)
    return slopes


def hermite(a: float, b: float, slope_a: float, slope_b: float, h: int, u: np.ndarray):
    """Cubic Hermite from ``a`` (slope ``slope_a`` per frame) to ``b`` over ``h`` frames."""
    u2 = u * u
    u3 = u2 * u
    return (
        (2.0 * u3 - 3.0 * u2 + 1.0) * a
        + (u3 - 2.0 * u2 + u) * (h * slope_a)
        + (-2.0 * u3 + 3.0 * u2) * b
        + (u3 - u2) * (h * slope_b)
    )
