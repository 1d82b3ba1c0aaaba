"""The audio variables written out as plain Deforum schedules, one keyframe per frame
(`0:(0.12), 1:(0.31), ...`), for people who continue in Deforum or Parseq."""

from __future__ import annotations

import json

import numpy as np

from lib_animation.audio import FEATURE_NAMES, AudioFeatures
from lib_animation.numbers import format_number

DECIMALS = 4


def deforum_schedule(values: np.ndarray) -> str:
    """Every frame's value as a keyframe, rounded to `DECIMALS` decimals."""
    return ", ".join(f"{frame}:({format_number(value, DECIMALS)})"
                     for frame, value in enumerate(np.asarray(values, dtype=np.float64).tolist()))


def audio_schedules(features: AudioFeatures) -> dict[str, str]:
    """Each audio variable -> its Deforum schedule."""
    return {name: deforum_schedule(features.values[name]) for name in FEATURE_NAMES}


def audio_schedules_json(features: AudioFeatures) -> str:
    """The schedules as the file the command and the tab write: a JSON object, one line each."""
    return json.dumps(audio_schedules(features), indent=1) + "\n"
