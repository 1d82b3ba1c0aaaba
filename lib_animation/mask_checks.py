"""What planning says about a run's mask schedules: expressions that cannot be parsed (errors
naming the setting, keyframe and column) and masks Keyframes cannot make (one warning each)."""

from __future__ import annotations

from lib_animation.errors import KeyframesError
from lib_animation.mask_grammar import WORD_MASK, MaskLeaf, parse_mask_schedule
from lib_animation.schema import NAME, Settings, applies


def check_mask_schedules(settings: Settings) -> tuple[list[KeyframesError], list[str]]:
    """The problems and warnings of the mask schedules the run uses."""
    problems: list[KeyframesError] = []
    warnings: list[str] = []
    for name in (NAME.mask_schedule, NAME.noise_mask_schedule):
        if not applies(settings, name):
            continue
        try:
            keyframes = parse_mask_schedule(settings[name], setting=name)
        except KeyframesError as error:
            problems.append(error)
            continue
        unsupported = [(keyframe.index, leaf) for keyframe in keyframes
                       for leaf in keyframe.expression.leaves
                       if leaf.is_unsupported]
        if unsupported:
            index, leaf = unsupported[0]
            which = "this keyframe" if len(unsupported) == 1 else "keyframes naming such masks"
            warnings.append(
                f"{name}, keyframe {index}: {leaf} is {_what(leaf)}, made by a model Keyframes "
                f"does not ship; not supported, so the frames of {which} render without a mask")
    return problems, warnings


def _what(leaf: MaskLeaf) -> str:
    return "a CLIPSeg word mask" if leaf.kind == WORD_MASK else "a human segmentation mask"
