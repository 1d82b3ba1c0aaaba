"""The mask names an expression may use in braces."""

from __future__ import annotations

EVERYWHERE = "everywhere"  # the whole frame
VIDEO_MASK = "video_mask"  # this frame of the mask video; without one, the init mask
INIT_MASK = "init_mask"  # the mask file, or the init image's alpha channel
MASK_NAMES = (EVERYWHERE, VIDEO_MASK, INIT_MASK)
# Deforum's names for masks made by models Keyframes does not ship.
UNSUPPORTED_NAMES = ("human_mask",)
