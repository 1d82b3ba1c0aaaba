"""Deforum's composable mask expressions: ``{video_mask} & ![hands.png]``.

``parse_mask_expression`` turns one expression into a :class:`MaskExpression` (a postfix
program over named masks, image files and word masks) with our own parser, never ``eval``;
``parse_mask_schedule`` parses every keyframe of a mask schedule. The pixels are combined
elsewhere (``imaging/masks.py``), the files are read in ``inputs/``.
"""

from .expression import FILE_MASK, NAMED_MASK, WORD_MASK, MaskExpression, MaskLeaf
from .names import EVERYWHERE, INIT_MASK, MASK_NAMES, UNSUPPORTED_NAMES, VIDEO_MASK
from .parser import MAX_OPERANDS, parse_mask_expression
from .schedule import MaskKeyframe, parse_mask_schedule

__all__ = [
    "EVERYWHERE",
    "FILE_MASK",
    "NAMED_MASK",
    "WORD_MASK",
    "INIT_MASK",
    "MASK_NAMES",
    "MAX_OPERANDS",
    "UNSUPPORTED_NAMES",
    "VIDEO_MASK",
    "MaskExpression",
    "MaskKeyframe",
    "MaskLeaf",
    "parse_mask_expression",
    "parse_mask_schedule",
]
