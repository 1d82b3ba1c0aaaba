"""Depth maps without a model: flat provider, inverse-depth normalisation, PNG export, names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lib_animation.errors import KeyframesError, SettingsError
from lib_animation.motion.depth import (
    DepthModelCache,
    depth_model_names,
    depth_to_png_array,
    equalize_histogram,
    inverse_depth_to_z,
)

REPO = Path(__file__).resolve().parents[2]


def test_flat_provider_gives_ones_of_the_frame_size(tmp_path: Path) -> None:
    image = np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    z = DepthModelCache().get("flat", models_dir=tmp_path).predict(image)
    assert z.shape == (48, 64)
    assert z.dtype == np.float32
    assert np.all(z == 1.0)
    assert list(tmp_path.iterdir()) == []


def test_flat_provider_rejects_a_non_rgb_frame(tmp_path: Path) -> None:
    provider = DepthModelCache().get("flat", models_dir=tmp_path)
    with pytest.raises(ValueError, match="uint8"):
        provider.predict(np.zeros((48, 64), dtype=np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        provider.predict(np.zeros((48, 64, 3), dtype=np.float32))


def test_flat_needs_neither_torch_nor_transformers(tmp_path: Path) -> None:
    script = (
        "import sys, numpy as np\n"
        "from lib_animation.motion.depth import DepthModelCache\n"
        f"p = DepthModelCache().get('flat', models_dir={str(tmp_path)!r})\n"
        "assert p.predict(np.zeros((5, 7, 3), np.uint8)).shape == (5, 7)\n"
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_normalisation_maps_largest_inverse_depth_to_near_and_smallest_to_far() -> None:
    inverse = np.array([[1.0, 2.0], [3.0, 5.0]])
    z = inverse_depth_to_z(inverse, equalize=False)
    # d = (x - 1) / 4 = [0, .25, .5, 1]; z = 2 - d
    np.testing.assert_allclose(z, [[2.0, 1.75], [1.5, 1.0]], rtol=0, atol=1e-7)
    assert z.dtype == np.float32


def test_equalised_normalisation_keeps_near_and_far_and_order() -> None:
    inverse = np.array([[1.0, 2.0], [3.0, 5.0]])
    z = inverse_depth_to_z(inverse)
    assert z[1, 1] == pytest.approx(1.0)
    assert z[0, 0] == pytest.approx(2.0)
    assert z[0, 0] > z[0, 1] > z[1, 0] > z[1, 1]


@pytest.mark.parametrize(
    "inverse",
    [
        np.full((6, 9), 3.5),
        np.zeros((6, 9)),
        np.where(np.eye(6, 9) > 0, np.nan, 1.0),
        np.where(np.eye(6, 9) > 0, np.inf, 1.0),
        np.full((6, 9), np.nan),
    ],
    ids=["constant", "zeros", "some-nan", "some-inf", "all-nan"],
)
def test_constant_or_non_finite_inverse_depth_gives_a_flat_plane(inverse: np.ndarray) -> None:
    z = inverse_depth_to_z(inverse)
    assert z.shape == (6, 9)
    assert z.dtype == np.float32
    assert np.all(z == 1.0)


@settings(max_examples=60, deadline=None)
@given(
    arrays(
        np.float32,
        st.tuples(st.integers(1, 12), st.integers(1, 12)),
        elements=st.floats(0, 1e4, width=32),
    ),
    st.booleans(),
)
def test_normalised_depth_is_in_range_and_reverses_the_order(
    inverse: np.ndarray, equalize: bool
) -> None:
    z = inverse_depth_to_z(inverse, equalize=equalize)
    assert z.shape == inverse.shape
    assert np.all((z >= 1.0) & (z <= 2.0))
    if np.all(z == 1.0):
        return
    # larger inverse depth (nearer) never ends up farther than a smaller one
    order = np.argsort(inverse, axis=None, kind="stable")
    assert np.all(np.diff(z.ravel()[order]) <= 1e-6)
    assert z.ravel()[np.argmax(inverse)] == pytest.approx(1.0, abs=1e-6)
    assert z.ravel()[np.argmin(inverse)] == pytest.approx(2.0, abs=1e-6)


def test_equalisation_spreads_a_skewed_map_evenly() -> None:
    skewed = np.random.default_rng(3).random(96 * 64) ** 2
    spread = equalize_histogram(skewed)
    for q in (0.1, 0.25, 0.5, 0.75, 0.9):
        assert np.mean(spread <= q) == pytest.approx(q, abs=0.01)


def test_depth_png_is_bright_near_and_dark_far() -> None:
    z = np.array([[1.0, 1.5, 2.0], [0.5, 2.5, np.nan]], dtype=np.float32)
    png = depth_to_png_array(z)
    assert png.dtype == np.uint8
    assert png.tolist() == [[255, 128, 0], [255, 0, 0]]


def test_names_start_with_flat_and_include_a_dpt_model() -> None:
    names = depth_model_names()
    assert names[0] == "flat"
    assert "dpt-hybrid-midas" in names
    assert "dpt-large" in names


def test_unknown_name_is_a_settings_error_listing_the_valid_names(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        DepthModelCache().get("midas-4", models_dir=tmp_path)
    text = str(caught.value)
    assert isinstance(caught.value, KeyframesError)
    assert "'midas-4'" in text
    for name in depth_model_names():
        assert name in text
    assert "\n" not in text
    assert list(tmp_path.iterdir()) == []
