"""Guided images (Deforum's "looper"): which guide image each frame is pulled toward, and how far.

`init_images` keys are evaluated by the schedule module's safe evaluator over `max_f`, `s` and
`fps` and truncated toward zero, as prompt keys are. Keys are sorted by frame (Deforum pairs them
in the order written, so keys out of order picked the wrong image): a frame is guided by the
image of the latest key at or before it, frames before the first key by the first.

The blend factor of frame f is Deforum's. Each pair of neighbouring keys (a, b) with
a <= f <= b sets the segment length L = b - a (the later pair wins at a shared key; 25 outside
every pair). With T the tweening frames at f: if f mod L <= T, the factor is
max - slope * cos((f mod T) / (T / 2)); otherwise it is 0.07. The window is counted from frame 0,
not from the key, exactly as in Deforum. Keys after the last frame are never shown, but still
bound the last segment, as there. Two keys on one frame keep the later image (Deforum divided by
a zero-length segment and stopped).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from lib_animation.errors import ScheduleError, SettingsError
from lib_animation.guide_entries import EXAMPLE, KEY_NAMES
from lib_animation.schedule import ScheduleVariables, evaluate_scalar
from lib_animation.schema import NAME

SETTING = NAME.init_images
SEGMENT_OUTSIDE_KEYS = 25
BLEND_OUTSIDE_WINDOW = 0.07


@dataclass(frozen=True)
class GuideKeyframe:
    frame: int
    entry: int  # 0-based place of its image in init_images as written
    image: str


@dataclass(frozen=True)
class GuideSchedule:
    """The guide images of a run: `entry[f]` is the place (in init_images as written) of frame
    f's guide image, `blend[f]` how far frame f's init is blended toward it."""

    keyframes: tuple[GuideKeyframe, ...]  # sorted by frame; some may lie after the last frame
    entry: np.ndarray
    blend: np.ndarray

    def to_json(self) -> dict[str, list]:
        return {"image": self.entry.tolist(), "blend": self.blend.tolist()}


def guide_schedule(
    images: Mapping[str, str],
    variables: ScheduleVariables,
    values: Mapping[str, np.ndarray],
) -> tuple[GuideSchedule, list[str]]:
    """The guide schedule from the validated `init_images` and the evaluated blend schedules;
    SettingsError naming the keyframe for a key that gives no frame."""
    if not images:
        raise SettingsError("has no guide images", setting=SETTING, hint=EXAMPLE)
    warnings: list[str] = []
    by_frame: dict[int, GuideKeyframe] = {}
    for entry, (key, image) in enumerate(images.items()):
        frame = _key_frame(key, entry + 1, variables)
        earlier = by_frame.get(frame)
        if earlier is not None:
            warnings.append(f'{SETTING}: "{earlier.image}" and "{image}" are both for frame '
                            f'{frame}; "{image}" is used')
        by_frame[frame] = GuideKeyframe(frame, entry, image)
        if frame >= variables.max_frames:
            warnings.append(f'{SETTING}: "{image}" is for frame {frame}, after the last frame '
                            f"{variables.max_f}; it is never shown")
    keyframes = tuple(by_frame[frame] for frame in sorted(by_frame))
    frames = np.arange(variables.max_frames)
    starts = np.array([keyframe.frame for keyframe in keyframes])
    chosen = np.maximum(np.searchsorted(starts, frames, side="right") - 1, 0)
    entry = np.array([keyframe.entry for keyframe in keyframes])[chosen]
    blend = blend_factors(
        starts,
        values[NAME.blendFactorMax],
        values[NAME.blendFactorSlope],
        values[NAME.tweening_frames_schedule],
    )
    return GuideSchedule(keyframes, entry, blend), warnings


def blend_factors(key_frames: np.ndarray, maximum: np.ndarray, slope: np.ndarray,
                  tweening: np.ndarray) -> np.ndarray:
    """Deforum's blend factor of every frame (see the module's text); `key_frames` sorted,
    without repeats; the schedules hold one value per frame."""
    frames = np.arange(len(maximum), dtype=np.float64)
    segment = np.full(len(frames), float(SEGMENT_OUTSIDE_KEYS))
    for start, end in zip(key_frames[:-1], key_frames[1:], strict=True):
        segment[(start <= frames) & (frames <= end)] = end - start
    in_window = np.fmod(frames, segment) <= tweening
    tweened = maximum - slope * np.cos(np.fmod(frames, tweening) / (tweening / 2))
    return np.where(in_window, tweened, BLEND_OUTSIDE_WINDOW)


def _key_frame(key: str, position: int, variables: ScheduleVariables) -> int:
    env = {"max_f": float(variables.max_f), "s": float(variables.seed), "fps": variables.fps}
    try:
        value = evaluate_scalar(key, setting=SETTING, env={k: env[k] for k in KEY_NAMES})
    except ScheduleError as error:
        raise SettingsError(f'key "{key}" cannot be evaluated: {error.message}', setting=SETTING,
                            keyframe=position, hint=error.hint) from None
    if not math.isfinite(value) or math.trunc(value) < 0:
        raise SettingsError(f'key "{key}" gives frame {value:g}; frames start at 0',
                            setting=SETTING, keyframe=position)
    return math.trunc(value)
