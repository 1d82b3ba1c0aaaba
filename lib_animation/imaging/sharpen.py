"""Anti-blur: an unsharp mask, ``out = img + amount * (img - blur)``, computed without wrap-around.

``blur`` is a Gaussian blur of the frame (OpenCV, reflected border ``dcb|bcd``). The sum is
computed in float32 (OpenCV), rounded to the nearest integer (ties to even) and saturated to
0..255, so overshoot at an edge clips instead of wrapping as Deforum's uint8 arithmetic does.

- ``kernel`` is the Gaussian kernel size in pixels. It is rounded to an integer; an even size is
  raised to the next odd size (4 behaves as 5; Deforum raises an OpenCV error); a size of 1 or
  less means no blur, so the frame comes back unchanged.
- ``sigma`` is the Gaussian's standard deviation in pixels; 0 (or less) lets OpenCV derive the
  kernel from its size: the binomial taps ``[1 2 1] / 4``, ``[1 4 6 4 1] / 16`` and
  ``[2 7 14 18 14 7 2] / 64`` for sizes 3, 5 and 7, and for larger sizes a Gaussian of
  sigma ``0.3 * ((kernel - 1) / 2 - 1) + 0.8``.
- ``threshold`` (grey levels, 0..255) limits sharpening to pixels whose channel value differs
  from the blurred value by at least that much; others keep their value. Deforum's version of
  this difference wraps on uint8 subtraction.
- ``amount`` 0 returns the frame unchanged; a negative amount softens the frame instead.
"""

from __future__ import annotations

import cv2
import numpy as np

from lib_animation.imaging._arrays import check_finite, check_rgb


def odd_kernel_size(kernel: float) -> int:
    """The Gaussian kernel size actually used: rounded, and raised to the next odd size if even."""
    size = int(round(check_finite(kernel, "anti-blur kernel size")))
    return size + 1 if size % 2 == 0 else size


def unsharp_mask(
    image: np.ndarray, *, amount: float, kernel: float, sigma: float, threshold: float = 0.0
) -> np.ndarray:
    """Return a sharpened copy of ``image`` (uint8 RGB); see the module docstring for parameters."""
    check_rgb(image)
    amount = check_finite(amount, "anti-blur amount")
    sigma = max(check_finite(sigma, "anti-blur sigma"), 0.0)
    threshold = check_finite(threshold, "anti-blur threshold")
    size = odd_kernel_size(kernel)
    if amount == 0.0 or size <= 1:
        return image.copy()

    taps = cv2.getGaussianKernel(size, sigma)
    blurred = cv2.sepFilter2D(image, cv2.CV_32F, taps, taps)  # float32 blur of the uint8 frame
    if threshold <= 0.0:
        # (1 + amount) * img - amount * blur, rounded (ties to even) and saturated to 0..255.
        return cv2.addWeighted(image, 1.0 + amount, blurred, -amount, 0.0, dtype=cv2.CV_8U)
    detail = cv2.subtract(image, blurred, dst=blurred, dtype=cv2.CV_32F)
    sharpened = cv2.addWeighted(image, 1.0, detail, amount, 0.0, dtype=cv2.CV_8U)
    # Pixels with |detail| >= threshold take the sharpened value. OpenCV's comparisons are
    # strict, so they get the largest float32 below the threshold.
    below = float(np.nextafter(np.float32(threshold), np.float32(-np.inf)))
    strong = cv2.bitwise_or(
        cv2.compare(detail, below, cv2.CMP_GT), cv2.compare(detail, -below, cv2.CMP_LT)
    )
    return cv2.copyTo(sharpened, strong, dst=image.copy())
