"""Source-coordinate maps: where each destination pixel samples the source frame.

Pixel coordinates follow OpenCV: integer values are pixel centres, so an image of width W covers
x in [-0.5, W - 0.5]. A coordinate map is a pair (map_x, map_y) of (H, W) arrays giving, for every
destination pixel, the position in the source frame it is sampled from. Pixels that see nothing of
the source (behind a camera, beyond a horizon) get the coordinate ``OUTSIDE``, so every border mode
fills them and the valid mask rejects them.

The helpers use only arithmetic, comparison and boolean indexing, so one formula serves numpy
arrays (OpenCV backend) and torch tensors (torch backend). They work in place where they can:
allocating fresh full-size temporaries costs several times more than the arithmetic itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np

OUTSIDE = -1.0e4
"""Coordinate given to destination pixels that see no part of the source plane."""

_VALID_EPS = 1e-3


def homography_coords(inverse: np.ndarray, xs: Any, ys: Any) -> tuple[Any, Any]:
    """Apply a destination -> source 3x3 homography to a pixel grid (numpy or torch).

    ``xs`` has shape (1, W) and ``ys`` shape (H, 1); the result broadcasts to (H, W). Where the
    homogeneous w is not positive the plane is seen from behind and the coordinate is OUTSIDE.
    """
    m = [[float(v) for v in row] for row in inverse]
    w = affine(m[2], xs, ys)
    x, y = affine(m[0], xs, ys), affine(m[1], xs, ys)
    with np.errstate(divide="ignore", invalid="ignore"):
        x /= w
        y /= w
    return mark_outside(x, y, w > 0)


def affine(row: list[float], xs: Any, ys: Any) -> Any:
    """row[0] * x + row[1] * y + row[2] over the grid, as one full-size operation."""
    return row[0] * xs + (row[1] * ys + row[2])


def mark_outside(x: Any, y: Any, valid: Any) -> tuple[Any, Any]:
    """Set the coordinates of pixels that are not ``valid`` to OUTSIDE, in place (numpy or torch).

    Also clears any inf or NaN produced for those pixels. The common all-valid case costs one
    reduction.
    """
    if not bool(valid.all()):
        x[~valid] = OUTSIDE
        y[~valid] = OUTSIDE
    return x, y


def pixel_axes(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Column coordinates as shape (1, W) and row coordinates as shape (H, 1), float32."""
    xs = np.arange(width, dtype=np.float32)[None, :]
    ys = np.arange(height, dtype=np.float32)[:, None]
    return xs, ys


def corners_in_front(matrix: np.ndarray, width: int, height: int) -> bool:
    """True when a homography's homogeneous w is positive over the whole frame.

    w is affine in (x, y), so its sign over the rectangle is decided by the four corners.
    """
    corners = np.array(
        [[-0.5, -0.5, 1.0], [width - 0.5, -0.5, 1.0], [-0.5, height - 0.5, 1.0],
         [width - 0.5, height - 0.5, 1.0]]
    )
    return bool(np.all(corners @ matrix[2] > 0))


def valid_mask(map_x: np.ndarray, map_y: np.ndarray, width: int, height: int) -> np.ndarray:
    """Destination pixels whose sample lies inside the source frame, as a bool (H, W) array.

    "Inside" means between the outermost pixel centres, [0, W-1] x [0, H-1], so a bilinear sample
    mixes only real source pixels and no border fill.
    """
    return (
        (map_x >= -_VALID_EPS)
        & (map_x <= width - 1 + _VALID_EPS)
        & (map_y >= -_VALID_EPS)
        & (map_y <= height - 1 + _VALID_EPS)
    )


def homography_valid_mask(inverse: np.ndarray, width: int, height: int) -> np.ndarray:
    """``valid_mask`` of a destination -> source homography whose w is positive over the frame
    (``corners_in_front``), without its coordinate maps.

    With w > 0, each of the four bounds on a source coordinate is a half-plane of destination
    pixels, so every row's valid pixels are one run of columns, found from the four lines.
    """
    m = np.asarray(inverse, np.float64)
    if _corners_inside(m, width, height):  # the valid region and the frame are both convex
        return np.ones((height, width), bool)
    ys = np.arange(height, dtype=np.float64)[:, None]
    low = np.full((height, 1), -np.inf)
    high = np.full((height, 1), np.inf)
    for row, bound in ((0, width - 1), (1, height - 1)):
        # source >= -eps and source <= bound + eps, each as slope * x + offset(y) >= 0
        for sign, limit in ((1.0, _VALID_EPS), (-1.0, bound + _VALID_EPS)):
            slope = sign * m[row, 0] + limit * m[2, 0]
            offset = (sign * m[row, 1] + limit * m[2, 1]) * ys + sign * m[row, 2] + limit * m[2, 2]
            if slope > 0:
                np.maximum(low, -offset / slope, out=low)
            elif slope < 0:
                np.minimum(high, -offset / slope, out=high)
            else:
                high[offset < 0] = -np.inf
    # Whole columns from ceil(low) to floor(high), compared as small integers (fast).
    first = np.clip(np.ceil(low), 0, width).astype(np.int32)
    last = np.clip(np.floor(high), -1, width - 1).astype(np.int32)
    columns = np.arange(width, dtype=np.int32)[None, :]
    return (columns >= first) & (columns <= last)


def _corners_inside(inverse: np.ndarray, width: int, height: int) -> bool:
    """Whether the corner pixels of the destination all sample inside the source frame."""
    corners = np.array([[0.0, 0.0, 1.0], [width - 1.0, 0.0, 1.0], [0.0, height - 1.0, 1.0],
                        [width - 1.0, height - 1.0, 1.0]]) @ inverse.T
    x, y = corners[:, 0] / corners[:, 2], corners[:, 1] / corners[:, 2]
    return bool(np.all((x >= _VALID_EPS) & (x <= width - 1 - _VALID_EPS)
                       & (y >= _VALID_EPS) & (y <= height - 1 - _VALID_EPS)))


def invert_3x3(matrix: np.ndarray) -> np.ndarray:
    """The inverse of a 3x3 matrix by its adjugate, in Python floats.

    The frame loop inverts a homography or two per frame; numpy's LAPACK inverse wakes the
    BLAS library's worker threads, which then spin on the core the frame writer needs.
    """
    (a, b, c), (d, e, f), (g, h, i) = (tuple(float(v) for v in row) for row in matrix)
    cofactors = (e * i - f * h, f * g - d * i, d * h - e * g)
    determinant = a * cofactors[0] + b * cofactors[1] + c * cofactors[2]
    if determinant == 0.0 or not np.isfinite(determinant):
        raise np.linalg.LinAlgError("Singular matrix")
    adjugate = np.array([
        [cofactors[0], c * h - b * i, b * f - c * e],
        [cofactors[1], a * i - c * g, c * d - a * f],
        [cofactors[2], b * g - a * h, a * e - b * d],
    ])
    return adjugate / determinant
