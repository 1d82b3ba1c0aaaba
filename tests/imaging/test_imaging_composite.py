"""Hybrid video composite: the video frame blended into the render, through each mask type."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib_animation.imaging.composite import (
    MASK_TYPES,
    CompositeOptions,
    depth_mask,
    hybrid_composite,
)

H, W = 24, 32


def _grey(level: int) -> np.ndarray:
    return np.full((H, W, 3), level, np.uint8)


def test_without_a_mask_the_render_is_blended_toward_the_video_by_alpha():
    result = hybrid_composite(_grey(100), _grey(200), CompositeOptions(alpha=0.25))
    assert (result.blended == 125).all()
    assert result.mask is None and result.composite is None


@pytest.mark.parametrize(("alpha", "level"), [(0.0, 100), (1.0, 200)])
def test_alpha_zero_keeps_the_render_and_one_gives_the_video(alpha, level):
    result = hybrid_composite(_grey(100), _grey(200), CompositeOptions(alpha=alpha))
    assert (result.blended == level).all()


def test_a_difference_mask_shows_the_video_where_the_frames_agree(photo):
    render = photo(H, W, seed=1)
    video = render.copy()
    video[:, W // 2:] = 255 - render[:, W // 2:]
    result = hybrid_composite(render, video, CompositeOptions(alpha=1.0, mask_type="Difference"))
    assert (result.mask[:, : W // 2] == 0).all()
    assert (result.blended[:, : W // 2] == video[:, : W // 2]).all()
    inverted = hybrid_composite(render, video, CompositeOptions(
        alpha=1.0, mask_type="Difference", inverse=True))
    assert (inverted.mask[:, : W // 2] == 255).all()
    assert (inverted.blended[:, : W // 2] == render[:, : W // 2]).all()


def test_a_blend_mask_is_the_greys_mixed_by_the_mask_blend_alpha():
    render, video = _grey(40), _grey(240)
    for blend_alpha, expected in ((0.0, 40), (1.0, 240), (0.5, 140)):
        result = hybrid_composite(render, video, CompositeOptions(
            alpha=1.0, mask_type="Blend", mask_blend_alpha=blend_alpha))
        assert (result.mask == expected).all()


def test_a_depth_mask_keeps_the_far_render_and_shows_the_near_video():
    depth = np.tile(np.linspace(1.0, 2.0, W), (H, 1))  # distance grows to the right
    mask = depth_mask(depth)
    assert mask[0, 0] == 0 and mask[0, -1] == 255
    render, video = _grey(10), _grey(250)
    result = hybrid_composite(render, video, CompositeOptions(alpha=1.0, mask_type="Depth"),
                              depth=mask)
    assert (result.blended[:, 0] == 250).all() and (result.blended[:, -1] == 10).all()


def test_a_depth_without_relief_gives_a_black_mask():
    assert (depth_mask(np.ones((H, W))) == 0).all()


def test_a_depth_mask_type_without_a_depth_is_refused():
    with pytest.raises(ValueError, match="needs a depth mask"):
        hybrid_composite(_grey(1), _grey(2), CompositeOptions(alpha=1.0, mask_type="Video Depth"))


def test_auto_contrast_stretches_the_cutoff_percentiles_to_black_and_white():
    depth = np.tile(np.arange(W, dtype=np.float64), (H, 1))
    mask = (depth_mask(depth) * 0.4 + 50).astype(np.uint8)  # greys 50..152
    result = hybrid_composite(_grey(0), _grey(0), CompositeOptions(
        alpha=1.0, mask_type="Depth", auto_contrast=True, cutoff_low=0, cutoff_high=100),
        depth=mask)
    assert result.mask.min() == 0 and result.mask.max() == 255


def test_contrast_zero_makes_the_mask_its_mean_grey():
    mask = np.tile(np.array([0, 200], np.uint8), (H, W // 2))
    result = hybrid_composite(_grey(0), _grey(0), CompositeOptions(
        alpha=1.0, mask_type="Depth", mask_contrast=0.0), depth=mask)
    assert (result.mask == 100).all()


def test_equalizing_spreads_a_narrow_mask_over_the_grey_range():
    mask = np.tile(np.arange(100, 132, dtype=np.uint8), (H, 1))
    result = hybrid_composite(_grey(0), _grey(0), CompositeOptions(
        alpha=1.0, mask_type="Depth", equalize="Before"), depth=mask)
    assert result.mask.max() - result.mask.min() > 200


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), mask_type=st.sampled_from(MASK_TYPES),
       alpha=st.floats(0, 1), equalize=st.sampled_from(["None", "Before", "After", "Both"]),
       inverse=st.booleans(), auto_contrast=st.booleans(), contrast=st.floats(0, 5),
       low=st.integers(0, 100), high=st.integers(0, 100))
def test_any_composite_lies_between_the_render_and_the_video(
        seed, mask_type, alpha, equalize, inverse, auto_contrast, contrast, low, high):
    rng = np.random.default_rng(seed)
    render, video = (rng.integers(0, 256, (H, W, 3), dtype=np.uint8) for _ in range(2))
    options = CompositeOptions(alpha=alpha, mask_type=mask_type, mask_contrast=contrast,
                               inverse=inverse, equalize=equalize, auto_contrast=auto_contrast,
                               cutoff_low=low, cutoff_high=high)
    depth = rng.integers(0, 256, (H, W), dtype=np.uint8)
    blended = hybrid_composite(render, video, options, depth=depth).blended
    assert blended.shape == render.shape and blended.dtype == np.uint8
    low_bound = np.minimum(render, video).astype(int) - 1
    high_bound = np.maximum(render, video).astype(int) + 1
    assert ((blended >= low_bound) & (blended <= high_bound)).all()
