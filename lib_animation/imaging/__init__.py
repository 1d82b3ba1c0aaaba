"""Per-frame image processing: colour coherence, contrast, anti-blur and seeded noise.

Every function takes a uint8 RGB frame of shape (H, W, 3), never modifies it, and returns a new
one; randomness comes only from the seed passed in.
"""

from lib_animation.imaging.color import (
    COLOR_SPACES,
    ColorMatcher,
    check_color_space,
    match_colors,
    to_grayscale,
)
from lib_animation.imaging.contrast import adjust_contrast
from lib_animation.imaging.noise import NOISE_TYPES, add_noise
from lib_animation.imaging.perlin import perlin_field
from lib_animation.imaging.sharpen import odd_kernel_size, unsharp_mask

__all__ = [
    "COLOR_SPACES",
    "NOISE_TYPES",
    "ColorMatcher",
    "add_noise",
    "adjust_contrast",
    "check_color_space",
    "match_colors",
    "odd_kernel_size",
    "perlin_field",
    "to_grayscale",
    "unsharp_mask",
]
