"""A mask schedule (`0: ("{video_mask}"), 30: ("[a.png] | [b.png]")`): every keyframe's
expression parsed, so any error names its keyframe and column before the first frame."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from lib_animation.schedule import parse_schedule

from .expression import MaskExpression
from .parser import parse_mask_expression


@dataclass(frozen=True)
class MaskKeyframe:
    index: int  # 1-based keyframe number, as errors name it
    expression: MaskExpression


def parse_mask_schedule(text: str, *, setting: str) -> tuple[MaskKeyframe, ...]:
    """Every keyframe of the schedule with its parsed expression; ScheduleError naming the
    setting, keyframe and column of the first problem."""
    return _parsed(text, setting)


@functools.lru_cache(maxsize=64)
def _parsed(text: str, setting: str) -> tuple[MaskKeyframe, ...]:
    keyframes = []
    for keyframe in parse_schedule(text, setting=setting, kind="string").keyframes:
        start = text.find(keyframe.value, keyframe.value_column - 1)
        expression = parse_mask_expression(keyframe.value, setting=setting,
                                           keyframe=keyframe.index,
                                           column=None if start < 0 else start + 1)
        keyframes.append(MaskKeyframe(keyframe.index, expression))
    return tuple(keyframes)
