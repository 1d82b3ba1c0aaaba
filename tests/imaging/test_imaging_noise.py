from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pytest

from lib_animation.errors import SettingsError
from lib_animation.imaging.noise import add_noise


def _frame(height: int = 64, width: int = 96, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


@pytest.mark.parametrize("noise_type", ["gaussian", "perlin"])
def test_the_same_seed_gives_the_same_bytes_and_another_seed_differs(noise_type):
    image = _frame()
    first = add_noise(image, 0.3, seed=1234, noise_type=noise_type)
    again = add_noise(image.copy(), 0.3, seed=1234, noise_type=noise_type)
    other = add_noise(image, 0.3, seed=1235, noise_type=noise_type)
    assert first.tobytes() == again.tobytes()
    assert (first != other).mean() > 0.5


@pytest.mark.parametrize("noise_type", ["gaussian", "perlin"])
def test_amount_zero_returns_the_frame_unchanged(noise_type):
    image = _frame()
    result = add_noise(image, 0.0, seed=5, noise_type=noise_type)
    assert result is not image
    np.testing.assert_array_equal(result, image)


@pytest.mark.parametrize("noise_type", ["gaussian", "perlin"])
def test_amount_one_is_the_noise_image_alone(noise_type):
    first = add_noise(_frame(seed=1), 1.0, seed=9, noise_type=noise_type)
    second = add_noise(_frame(seed=2), 1.0, seed=9, noise_type=noise_type)
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("noise_type", ["gaussian", "perlin"])
def test_noise_is_a_linear_blend_toward_the_noise_image(noise_type):
    image = _frame(seed=3)
    noise_image = add_noise(image, 1.0, seed=21, noise_type=noise_type).astype(float)
    for amount in (0.1, 0.45, 0.8):
        result = add_noise(image, amount, seed=21, noise_type=noise_type)
        expected = (1 - amount) * image + amount * noise_image
        # noise_image is itself rounded, by up to 0.5, which moves the blend by amount * 0.5.
        assert np.abs(result - expected).max() <= 0.5 + amount * 0.5 + 1e-9


def test_gaussian_noise_image_is_normal_noise_around_mid_grey_clipped_at_one_sigma():
    noise_image = add_noise(_frame(128, 128), 1.0, seed=77, noise_type="gaussian").astype(float)
    assert abs(noise_image.mean() - 127.5) < 2.0
    below_one_sigma = NormalDist().cdf(-1.0)  # 127.5 - 127.5 * z < 0 for z < -1
    assert abs((noise_image == 0).mean() - below_one_sigma) < 0.01
    assert abs((noise_image == 255).mean() - below_one_sigma) < 0.01
    inside = NormalDist().cdf(0.5) - NormalDist().cdf(-0.5)  # within 127.5 +- 63.75
    assert abs((np.abs(noise_image - 127.5) <= 63.75).mean() - inside) < 0.01


def test_perlin_noise_strength_varies_smoothly_over_the_frame():
    def block_spread(noise_type: str) -> float:
        noise = add_noise(_frame(128, 128), 1.0, seed=8, noise_type=noise_type)
        deviation = np.abs(noise.astype(float) - 127.5).mean(axis=2)
        blocks = deviation.reshape(16, 8, 16, 8).mean(axis=(1, 3))
        return blocks.std() / blocks.mean()

    assert block_spread("perlin") > 3 * block_spread("gaussian")


def test_perlin_noise_is_centred_on_mid_grey():
    noise_image = add_noise(_frame(128, 128), 1.0, seed=4, noise_type="perlin").astype(float)
    assert abs(noise_image.mean() - 127.5) < 2.0


@pytest.mark.parametrize("noise_type", ["gaussian", "perlin"])
def test_any_frame_size_works(noise_type):
    image = _frame(53, 97)
    result = add_noise(image, 0.5, seed=3, noise_type=noise_type, octaves=3, grid=5)
    assert result.shape == (53, 97, 3) and result.dtype == np.uint8
    assert (result != image).mean() > 0.5


def test_perlin_settings_change_the_noise():
    image = _frame()
    base = add_noise(image, 0.5, seed=3)
    assert (add_noise(image, 0.5, seed=3, octaves=2) != base).any()
    assert (add_noise(image, 0.5, seed=3, persistence=0.9) != base).any()
    assert (add_noise(image, 0.5, seed=3, grid=4) != base).any()


def test_input_is_not_modified():
    image = _frame()
    kept = image.copy()
    add_noise(image, 0.7, seed=1)
    add_noise(image, 0.7, seed=1, noise_type="gaussian")
    np.testing.assert_array_equal(image, kept)


@pytest.mark.parametrize("amount", [-0.1, 1.5, float("nan")])
def test_amounts_outside_zero_to_one_are_rejected(amount):
    with pytest.raises(SettingsError, match="noise amount"):
        add_noise(_frame(), amount, seed=1)


def test_unknown_noise_types_are_rejected():
    with pytest.raises(SettingsError, match="noise type"):
        add_noise(_frame(), 0.5, seed=1, noise_type="uniform")
