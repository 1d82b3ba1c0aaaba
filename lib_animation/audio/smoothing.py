"""Turning raw per-frame numbers into the 0..1 curves schedules read."""

from __future__ import annotations

import math

import numpy as np

LOUDNESS_RANGE_DB = 60.0  # loudness 0 is this far below the track's loudest frame, or silence
SILENCE_DB = -70.0  # RMS below full scale that counts as silence


def normalised(values: np.ndarray) -> np.ndarray:
    """`values` (>= 0) divided by their maximum; all zeros stay zeros."""
    top = float(np.max(values, initial=0.0))
    return values / top if top > 0 else np.zeros_like(values)


def loudness(mean_square: np.ndarray) -> np.ndarray:
    """Per-frame loudness 0..1: the RMS level in dB, from LOUDNESS_RANGE_DB below the track's
    loudest frame (or SILENCE_DB, whichever is higher) up to that loudest frame."""
    level_db = 10 * np.log10(np.maximum(mean_square, 1e-30))
    top = float(np.max(level_db, initial=-math.inf))
    if top <= SILENCE_DB:
        return np.zeros_like(mean_square)
    bottom = max(top - LOUDNESS_RANGE_DB, SILENCE_DB)
    return np.clip((level_db - bottom) / (top - bottom), 0.0, 1.0)


def smoothed(values: np.ndarray, fps: float, attack_s: float, release_s: float) -> np.ndarray:
    """One-pole attack/release: each frame moves toward its input by 1 - exp(-1/(tau*fps)),
    tau = attack_s while rising and release_s while falling (0: at once). After a step the
    curve covers 1 - 1/e of the way in tau seconds."""
    rise, fall = _step(attack_s, fps), _step(release_s, fps)
    if rise == fall == 1.0:
        return values.copy()
    result = np.empty_like(values)
    level = 0.0
    for index, target in enumerate(values.tolist()):
        level += (rise if target > level else fall) * (target - level)
        result[index] = level
    return result


def pulses(frames: int, pulse_frames: np.ndarray, fps: float, release_s: float) -> np.ndarray:
    """1 on each of `pulse_frames`, then exp(-seconds since it / release_s) until the next."""
    result = np.zeros(frames)
    if pulse_frames.size == 0:
        return result
    index = np.arange(frames)
    latest = np.searchsorted(pulse_frames, index, side="right") - 1
    after = latest >= 0
    elapsed = (index[after] - pulse_frames[latest[after]]) / fps
    result[after] = np.exp(-elapsed / release_s) if release_s > 0 else (elapsed == 0) * 1.0
    return result


def _step(tau_s: float, fps: float) -> float:
    return 1.0 if tau_s <= 0 else -math.expm1(-1.0 / (tau_s * fps))
