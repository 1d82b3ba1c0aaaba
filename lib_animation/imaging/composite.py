"""Hybrid video composite: a video frame blended into a render frame, optionally through a mask.

With no mask the video frame is the composite; with a mask (white keeps the render, black shows
the video) the composite is the render over the video through it. The frame is then the render
blended toward the composite by `alpha`. The mask is made from the previous frame's depth, the
video frame's depth, a blend or the difference of the two frames' greys, then inverted,
equalized, given contrast and auto-contrast as asked. The steps are Pillow's grey-level
operations, so grey levels round as Deforum's do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops, ImageEnhance, ImageOps

MASK_TYPES = ("None", "Depth", "Video Depth", "Blend", "Difference")
DEPTH_MASK_TYPES = ("Depth", "Video Depth")
EQUALIZE_BEFORE = ("Before", "Both")
EQUALIZE_AFTER = ("After", "Both")


@dataclass(frozen=True)
class CompositeOptions:
    """One frame's composite settings (schedules already read for the frame)."""

    alpha: float  # 0 keeps the render, 1 gives the composite
    mask_type: str = "None"
    mask_blend_alpha: float = 0.5  # Blend: 0 the render's grey, 1 the video's
    mask_contrast: float = 1.0
    inverse: bool = False
    equalize: str = "None"  # None, Before (the contrast), After (the auto-contrast), Both
    auto_contrast: bool = False
    cutoff_low: float = 0.0  # percentiles, whole percents
    cutoff_high: float = 100.0


@dataclass(frozen=True)
class HybridComposite:
    blended: np.ndarray  # the frame: the render blended toward the composite
    mask: np.ndarray | None = None  # the mask before equalizing 'After' (None: no mask)
    composite: np.ndarray | None = None  # render over video through the mask (None: no mask)


def depth_mask(depth: np.ndarray) -> np.ndarray:
    """A depth map as a mask: its own range stretched over 0..255, far = white. A depth
    without relief gives a black mask."""
    depth = np.nan_to_num(np.asarray(depth, dtype=np.float64))
    low, high = float(depth.min()), float(depth.max())
    if high <= low:
        return np.zeros(depth.shape, dtype=np.uint8)
    return ((depth - low) / (high - low) * 255.0).astype(np.uint8)


def hybrid_composite(render: np.ndarray, video: np.ndarray, options: CompositeOptions,
                     depth: np.ndarray | None = None) -> HybridComposite:
    """Blend the video frame into the render frame (both uint8 RGB of one size). `depth` is
    the grey mask (`depth_mask`) the Depth and Video Depth mask types use."""
    render_image, video_image = Image.fromarray(render), Image.fromarray(video)
    mask = _mask(render_image, video_image, options, depth)
    if mask is None:
        composite = video_image
        saved_mask = None
    else:
        saved_mask = np.asarray(mask).copy()
        if options.equalize in EQUALIZE_AFTER:
            mask = ImageOps.equalize(mask)
        composite = Image.composite(render_image, video_image, mask)
    blended = Image.blend(render_image, composite, float(options.alpha))
    return HybridComposite(
        blended=np.asarray(blended).copy(),
        mask=saved_mask,
        composite=None if saved_mask is None else np.asarray(composite).copy(),
    )


def _mask(render: Image.Image, video: Image.Image, options: CompositeOptions,
          depth: np.ndarray | None) -> Image.Image | None:
    """The mask through its steps up to auto-contrast (None for mask type None)."""
    kind = options.mask_type
    if kind == "None":
        return None
    if kind in DEPTH_MASK_TYPES:
        if depth is None:
            raise ValueError(f"mask type {kind} needs a depth mask")
        mask = Image.fromarray(np.asarray(depth, dtype=np.uint8))
    elif kind == "Blend":
        mask = Image.blend(ImageOps.grayscale(render), ImageOps.grayscale(video),
                           float(options.mask_blend_alpha))
    elif kind == "Difference":
        mask = ImageChops.difference(ImageOps.grayscale(render), ImageOps.grayscale(video))
    else:
        raise ValueError(f"unknown mask type {kind!r}; choose one of {', '.join(MASK_TYPES)}")
    if options.inverse:
        mask = ImageOps.invert(mask)
    if options.equalize in EQUALIZE_BEFORE:
        mask = ImageOps.equalize(mask)
    mask = ImageEnhance.Contrast(mask).enhance(float(options.mask_contrast))
    if options.auto_contrast:
        mask = _auto_contrast(mask, int(options.cutoff_low), int(options.cutoff_high))
    return mask


def _auto_contrast(mask: Image.Image, low: int, high: int) -> Image.Image:
    """The low percentile's grey becomes black and the high one's white, linearly, clipped.
    When both percentiles are the same grey there is no range to stretch: unchanged (a low
    cutoff above the high one inverts, as in Deforum)."""
    values = np.asarray(mask, dtype=np.float64)
    darkest, lightest = np.percentile(values, low), np.percentile(values, high)
    if lightest == darkest:
        return mask
    stretched = np.clip(255.0 * (values - darkest) / (lightest - darkest), 0.0, 255.0)
    return Image.fromarray(stretched.astype(np.float32), "F").convert("L")
