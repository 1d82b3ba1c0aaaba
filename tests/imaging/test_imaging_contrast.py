from __future__ import annotations

import numpy as np
import pytest

from lib_animation.errors import SettingsError
from lib_animation.imaging.contrast import adjust_contrast


def _flat(value: int) -> np.ndarray:
    return np.full((4, 6, 3), value, np.uint8)


def test_doubling_saturates_instead_of_wrapping():
    # Deforum's uint8 arithmetic gives 400 - 256 = 144 here.
    assert (adjust_contrast(_flat(200), 2.0) == 255).all()


def test_halving_rounds_to_nearest_with_ties_to_even():
    assert (adjust_contrast(_flat(201), 0.5) == 100).all()  # 100.5
    assert (adjust_contrast(_flat(203), 0.5) == 102).all()  # 101.5
    assert (adjust_contrast(_flat(100), 0.333) == 33).all()  # 33.3


def test_every_value_follows_multiply_round_clip():
    image = np.arange(256, dtype=np.uint8).reshape(16, 16, 1).repeat(3, axis=2)
    for factor in (0.0, 0.7, 1.0, 1.3, 3.0):
        expected = [min(255, int(np.rint(v * factor))) for v in range(256)]
        result = adjust_contrast(image, factor)
        assert result[..., 0].ravel().tolist() == expected
        np.testing.assert_array_equal(result[..., 0], result[..., 2])


def test_input_is_not_modified_and_a_new_array_is_returned():
    image = _flat(120)
    result = adjust_contrast(image, 1.0)
    assert result is not image
    adjust_contrast(image, 1.5)
    assert (image == 120).all()


@pytest.mark.parametrize("factor", [-0.5, float("nan"), float("inf")])
def test_bad_factors_are_rejected(factor):
    with pytest.raises(SettingsError, match="contrast factor"):
        adjust_contrast(_flat(10), factor)
