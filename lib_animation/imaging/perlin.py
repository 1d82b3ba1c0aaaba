"""Perlin (gradient) noise fields, vectorised, for any frame size.

One octave divides the frame into ``cells x cells`` cells (so cells are not square on a frame
that is not square, as in Deforum) and puts a random unit gradient on every lattice corner. The
value at a pixel centre is the smooth blend (fade ``6t^5 - 15t^4 + 10t^3``) of the four corner
gradients' dot products with the offsets from those corners.

``perlin_field`` sums octaves with ``cells = grid * 2**octave`` and amplitude
``persistence**octave``, and maps the sum ``s`` to ``(s + 1) / 2`` clipped to 0..1, as Deforum's
``(rand_perlin_2d_octaves(...) + 1) / 2`` (without the clip, and without its need for frame sizes
that are multiples of the grid).

How it is computed. Interpolating along x on every lattice row gives, per octave, two small
arrays (lattice rows x width): the part of each row that multiplies a pixel's y offset and the
rest. Every pixel row is then a combination of four of those rows with weights that depend only
on the pixel's y. So the whole field, all octaves together, is a matrix product ``C @ V``:
``C`` (height x lattice rows) holds the y weights, ``V`` (lattice rows x width) the interpolated
rows times each octave's amplitude. It runs on blocks of 64 pixel rows by 64 columns, each
band of rows with only the lattice rows it uses.

Reproducibility. ``C`` and ``V`` are rounded to integers on fixed power-of-two grids (steps
2**-11 for weights, 2**-13 or finer for values at the default settings), chosen so that every
product and partial sum in ``C @ V`` is an integer below 2**24. float32 holds those exactly, so
the product is exact whatever BLAS library, summation order, banding or fused multiply-add a
machine uses.
Gradients are one of 256 directions picked by random bytes from the Generator, from a table
rounded to 2**-20; the rest is IEEE float +, -, * in numpy. A seed gives the same field on every
machine.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from lib_animation.errors import SettingsError
from lib_animation.imaging._arrays import check_finite

_DIRECTIONS = 256
# Row weights (magnitude <= 1) are rounded to multiples of 1 / _WEIGHT_SCALE.
_WEIGHT_SCALE = 2.0**11
# Pixel rows and columns per block of the matrix product: blocks this small run on the calling
# thread in OpenBLAS (under its 2**18 multiply-adds threshold), whose worker threads would
# otherwise wake for each product and spin on the core the frame writer needs.
_BAND_ROWS = 64
_BLOCK_COLUMNS = 64
# float32 represents every integer up to 2**24 exactly.
_EXACT_LIMIT = 2.0**24


@functools.lru_cache(maxsize=1)
def _direction_table() -> np.ndarray:
    """(256, 2) float32 unit vectors (dy, dx), rounded to a 2**-20 grid."""
    angles = [2.0 * math.pi * k / _DIRECTIONS for k in range(_DIRECTIONS)]
    table = [(math.sin(a), math.cos(a)) for a in angles]
    directions = (np.round(np.array(table) * 2.0**20) / 2.0**20).astype(np.float32)
    directions.setflags(write=False)
    return directions


def random_gradients(rng: np.random.Generator, rows: int, columns: int) -> np.ndarray:
    """A (rows, columns, 2) float32 array of random unit gradients (dy, dx), one byte each."""
    picks = np.frombuffer(rng.bytes(rows * columns), dtype=np.uint8).reshape(rows, columns)
    return _direction_table()[picks]


def gradient_noise(gradients: np.ndarray, height: int, width: int) -> np.ndarray:
    """One octave of Perlin noise over a (height, width) frame, float32, within +-sqrt(2)/2.

    ``gradients`` has shape (cells_y + 1, cells_x + 1, 2): the (dy, dx) unit gradient at each
    lattice corner (longer ones would break the exactness bound of the product). Pixel (y, x)
    lies at ``((y + 0.5) * cells_y / height, (x + 0.5) * cells_x / width)`` in lattice units.
    """
    return _octave_sum(height, width, [gradients], [1.0])


def perlin_field(
    height: int,
    width: int,
    *,
    rng: np.random.Generator,
    octaves: int = 4,
    persistence: float = 0.5,
    grid: int = 8,
) -> np.ndarray:
    """A (height, width) float32 Perlin field in 0..1, drawing its gradients from ``rng``.

    ``persistence`` must lie in 0..1 and ``octaves`` and ``grid`` be whole numbers >= 1.
    """
    octaves = _whole_number(octaves, "perlin octaves", 1)
    grid = _whole_number(grid, "perlin grid", 1)
    persistence = check_finite(persistence, "perlin persistence")
    if not 0.0 <= persistence <= 1.0:
        raise SettingsError(f"perlin persistence must be between 0 and 1, got {persistence:g}")
    gradients = [
        random_gradients(rng, grid * 2**octave + 1, grid * 2**octave + 1)
        for octave in range(octaves)
    ]
    amplitudes = [0.5 * persistence**octave for octave in range(octaves)]
    field = _octave_sum(height, width, gradients, amplitudes)
    field += np.float32(0.5)
    np.minimum(field, np.float32(1.0), out=field)
    return np.maximum(field, np.float32(0.0), out=field)


def _octave_sum(
    height: int, width: int, gradients: list[np.ndarray], amplitudes: list[float]
) -> np.ndarray:
    """Sum of ``amplitude * octave`` over the octaves, as an exact integer matrix product.

    The product runs on bands of pixel rows, each with only the lattice rows its pixels use.
    """
    value_scale = _value_scale(amplitudes)
    size = 2 * sum(g.shape[0] for g in gradients)
    weights = np.zeros((height, size), np.float32)
    values = np.empty((size, width), np.float32)
    octaves = []  # (first column, lattice rows, lattice row above each pixel row)
    start = 0
    for lattice, amplitude in zip(gradients, amplitudes, strict=True):
        count = lattice.shape[0]
        above = _fill_row_weights(weights[:, start : start + 2 * count], _WEIGHT_SCALE)
        _fill_interpolated_rows(values[start : start + 2 * count], lattice, amplitude * value_scale)
        octaves.append((start, count, above))
        start += 2 * count
    np.rint(values, out=values)
    field = np.empty((height, width), np.float32)
    for top in range(0, height, _BAND_ROWS):
        bottom = min(top + _BAND_ROWS, height)
        used = np.concatenate(
            [
                np.arange(first + above[top], first + above[bottom - 1] + 2) + half
                for first, count, above in octaves
                for half in (0, count)
            ]
        )
        band_weights, band_values = weights[top:bottom, used], values[used]
        for left in range(0, width, _BLOCK_COLUMNS):
            columns = slice(left, left + _BLOCK_COLUMNS)
            np.matmul(band_weights, band_values[:, columns], out=field[top:bottom, columns])
    field *= np.float32(1.0 / (_WEIGHT_SCALE * value_scale))
    return field


def _fill_row_weights(weights: np.ndarray, scale: float) -> np.ndarray:
    """Fill (height, 2 * lattice rows) zeros with how much of each interpolated lattice row
    (see ``_fill_interpolated_rows``) each pixel row takes, times ``scale`` and rounded: four
    entries per pixel row. Returns the lattice row above each pixel row."""
    height, size = weights.shape
    above, fraction, fade = _lattice_positions(height, size // 2 - 1)
    pixel_rows = np.arange(height)
    second_half = size // 2 + above
    weights[pixel_rows, above] = np.rint((1.0 - fade) * fraction * scale)
    weights[pixel_rows, above + 1] = np.rint(fade * (fraction - 1.0) * scale)
    weights[pixel_rows, second_half] = np.rint((1.0 - fade) * scale)
    weights[pixel_rows, second_half + 1] = np.rint(fade * scale)
    return above


def _fill_interpolated_rows(values: np.ndarray, gradients: np.ndarray, scale: float) -> None:
    """Fill (2 * lattice rows, width) with every lattice row interpolated along x, times
    ``scale``.

    The first half blends the dy gradients (a pixel's y offset still multiplies it); the second
    half blends the dx gradients' dot products with the x offsets.
    """
    size, width = values.shape
    left_column, fraction, fade = _lattice_positions(width, gradients.shape[1] - 1)
    left = ((1.0 - fade) * scale).astype(np.float32)
    right = (fade * scale).astype(np.float32)
    half = size // 2
    dy = np.ascontiguousarray(gradients[:, :, 0])
    dx = np.ascontiguousarray(gradients[:, :, 1])
    np.multiply(np.take(dy, left_column, axis=1), left, out=values[:half])
    values[:half] += np.take(dy, left_column + 1, axis=1) * right
    np.multiply(
        np.take(dx, left_column, axis=1), left * fraction.astype(np.float32), out=values[half:]
    )
    values[half:] += np.take(dx, left_column + 1, axis=1) * (
        right * (fraction - 1.0).astype(np.float32)
    )


def _value_scale(amplitudes: list[float]) -> float:
    """The largest power of two for ``V`` keeping every partial sum of ``C @ V`` below 2**24.

    Per octave and pixel, the four weights sum to at most 1.5 in magnitude and the four values
    to at most 3 * amplitude, and sum(|weight * value|) <= amplitude; with rounding to the grids
    a partial sum is at most Sw*Sv*A + 0.75*Sw*n + 1.5*Sv*A + n for n octaves and A = sum |amp|.
    """
    total = sum(abs(a) for a in amplitudes)
    count = len(amplitudes)
    room = _EXACT_LIMIT - 0.75 * _WEIGHT_SCALE * count - count
    if total == 0.0:
        return 1.0
    return 2.0 ** math.floor(math.log2(room / (total * (_WEIGHT_SCALE + 1.5))))


def _lattice_positions(size: int, cells: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pixel along an axis: cell index, fraction within the cell, and that fraction faded."""
    position = (np.arange(size, dtype=np.float64) + 0.5) * (cells / size)
    index = np.minimum(np.floor(position).astype(np.intp), cells - 1)
    fraction = position - index
    fade = fraction * fraction * fraction * (fraction * (fraction * 6.0 - 15.0) + 10.0)
    return index, fraction, fade


def _whole_number(value: float, what: str, minimum: int) -> int:
    number = check_finite(value, what)
    if number != int(number) or number < minimum:
        raise SettingsError(f"{what} must be a whole number of at least {minimum}, got {value!r}")
    return int(number)
