from __future__ import annotations

import math

import numpy as np
import pytest

from lib_animation.errors import SettingsError
from lib_animation.imaging.perlin import gradient_noise, perlin_field, random_gradients


def _naive_perlin(gradients: np.ndarray, height: int, width: int) -> np.ndarray:
    """Textbook Perlin noise, one pixel at a time."""

    def fade(t: float) -> float:
        return t * t * t * (t * (t * 6 - 15) + 10)

    cells_y, cells_x = gradients.shape[0] - 1, gradients.shape[1] - 1
    out = np.zeros((height, width))
    for y in range(height):
        for x in range(width):
            py, px = (y + 0.5) * cells_y / height, (x + 0.5) * cells_x / width
            i, j = min(int(py), cells_y - 1), min(int(px), cells_x - 1)
            fy, fx = py - i, px - j
            corners = {}
            for a in (0, 1):
                for b in (0, 1):
                    gy, gx = gradients[i + a, j + b]
                    corners[a, b] = gy * (fy - a) + gx * (fx - b)
            sy, sx = fade(fy), fade(fx)
            top = corners[0, 0] + sx * (corners[0, 1] - corners[0, 0])
            bottom = corners[1, 0] + sx * (corners[1, 1] - corners[1, 0])
            out[y, x] = top + sy * (bottom - top)
    return out


def test_gradient_noise_matches_textbook_perlin():
    rng = np.random.default_rng(3)
    angles = rng.uniform(0, 2 * math.pi, (4, 5))
    gradients = np.stack([np.sin(angles), np.cos(angles)], axis=-1).astype(np.float32)
    result = gradient_noise(gradients, 13, 17)
    expected = _naive_perlin(gradients.astype(float), 13, 17)
    assert result.dtype == np.float32 and result.shape == (13, 17)
    assert np.abs(result - expected).max() < 2e-3
    assert np.abs(expected).max() > 0.2


def test_field_is_in_zero_to_one_for_any_size():
    for height, width in ((53, 97), (64, 64), (7, 130)):
        field = perlin_field(height, width, rng=np.random.default_rng(1))
        assert field.shape == (height, width) and field.dtype == np.float32
        assert field.min() >= 0.0 and field.max() <= 1.0
        assert field.std() > 0.05


def test_field_is_spatially_smooth():
    # 4 octaves on 256 pixels: the finest cells are 4 pixels wide.
    field = perlin_field(256, 256, rng=np.random.default_rng(2))
    white = np.random.default_rng(2).random((256, 256))

    def step_per_spread(values: np.ndarray) -> float:
        steps = np.abs(np.diff(values, axis=1)).mean() + np.abs(np.diff(values, axis=0)).mean()
        return steps / values.std()

    assert step_per_spread(field) < 0.2 * step_per_spread(white)


def test_the_same_generator_state_gives_the_same_field():
    first = perlin_field(40, 60, rng=np.random.default_rng(11))
    second = perlin_field(40, 60, rng=np.random.default_rng(11))
    assert first.tobytes() == second.tobytes()
    assert (perlin_field(40, 60, rng=np.random.default_rng(12)) != first).any()


def test_zero_persistence_keeps_only_the_first_octave():
    one = perlin_field(48, 48, rng=np.random.default_rng(5), octaves=1)
    four = perlin_field(48, 48, rng=np.random.default_rng(5), octaves=4, persistence=0.0)
    np.testing.assert_array_equal(one, four)


def test_more_octaves_and_persistence_add_finer_detail():
    def roughness(**settings) -> float:
        field = perlin_field(96, 96, rng=np.random.default_rng(6), **settings)
        return np.abs(np.diff(field, axis=1)).mean()

    assert roughness(octaves=1) < roughness(octaves=4) < roughness(octaves=6)
    assert roughness(octaves=4, persistence=0.2) < roughness(octaves=4, persistence=0.8)


def test_grid_sets_the_feature_size():
    def roughness(grid: int) -> float:
        field = perlin_field(96, 96, rng=np.random.default_rng(7), octaves=1, grid=grid)
        return np.abs(np.diff(field, axis=1)).mean()

    assert roughness(2) < roughness(8) < roughness(24)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"octaves": 0}, "octaves"),
        ({"octaves": 2.5}, "octaves"),
        ({"grid": 0}, "grid"),
        ({"persistence": 1.5}, "persistence"),
        ({"persistence": float("nan")}, "persistence"),
    ],
)
def test_bad_settings_are_rejected(settings, message):
    with pytest.raises(SettingsError, match=message):
        perlin_field(8, 8, rng=np.random.default_rng(0), **settings)


def test_octaves_double_the_cells_and_scale_by_persistence():
    # perlin_field = clip(0.5 + 0.5 * sum(persistence**o * octave_o), 0, 1), octave o having
    # grid * 2**o cells, with gradients drawn octave after octave from the generator.
    height, width, grid, persistence = 40, 56, 3, 0.6
    rng = np.random.default_rng(21)
    total = np.zeros((height, width))
    for octave in range(3):
        cells = grid * 2**octave
        gradients = random_gradients(rng, cells + 1, cells + 1)
        total += persistence**octave * gradient_noise(gradients, height, width)
    expected = np.clip(0.5 + 0.5 * total, 0.0, 1.0)
    field = perlin_field(
        height, width, rng=np.random.default_rng(21), octaves=3, persistence=persistence, grid=grid
    )
    assert np.abs(field - expected).max() < 1e-3
