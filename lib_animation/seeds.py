"""Per-frame seeds and subseeds: Deforum's seed behaviours, made reproducible.

Seeds advance once per *diffused* frame. With cadence, the frames in between are tweens that
are never sent to the generator; a tween carries the seed of the most recent diffused frame at
or before it, so a plan's seed column never changes on a tween (frame 0 is always diffused).
The `schedule` behaviour is the exception: every frame takes its own schedule value.

Unlike Deforum, nothing here is random at render time. A start seed of -1 is resolved once per
run by `resolve_seed` (the caller saves the resolved seed with the run), and every "random"
seed is drawn from `numpy.random.default_rng([resolved_seed, stream])`, where `stream` is a
fixed tag per use (`RANDOM_STREAM`, `SCHEDULE_STREAM`, `SUBSEED_STREAM`). The same resolved
seed therefore gives the same seeds on every run.

All seeds are kept in [0, 2**32 - 1], the range A1111 seeds have in practice: a sequence that
would run past the top (`iter` or `ladder` from a start seed near 2**32) wraps modulo 2**32.
"""

from __future__ import annotations

import secrets

import numpy as np

from lib_animation.errors import SettingsError
from lib_animation.schema import NAME

SEED_BEHAVIORS = ("iter", "fixed", "random", "ladder", "alternate", "schedule")

SEED_MODULUS = 2**32
RANDOM_SEED = -1

RANDOM_STREAM = 1
SCHEDULE_STREAM = 2
SUBSEED_STREAM = 3


def resolve_seed(seed: int, *, rng: np.random.Generator | None = None) -> int:
    """Return `seed`, or for -1 a fresh random seed in [0, 2**32 - 1] (from `rng` if given)."""
    if seed != RANDOM_SEED:
        return int(seed)
    if rng is not None:
        return int(rng.integers(0, SEED_MODULUS))
    return secrets.randbelow(SEED_MODULUS)


def seed_sequence(
    behavior: str,
    start_seed: int,
    diffused: np.ndarray,
    *,
    iter_n: int = 1,
    schedule_values: np.ndarray | None = None,
) -> np.ndarray:
    """One seed per frame (int64), for `diffused`, the per-frame "is this frame generated" mask.

    `start_seed` must already be resolved (see `resolve_seed`). In `schedule` mode,
    `schedule_values` holds the evaluated seed schedule, one float per frame; values are
    truncated toward zero and -1 becomes a reproducible random seed for that frame.
    """
    if behavior not in SEED_BEHAVIORS:
        raise SettingsError(
            f"unknown seed behaviour {behavior!r}",
            setting=NAME.seed_behavior,
            hint="choose one of " + ", ".join(SEED_BEHAVIORS),
        )
    if start_seed == RANDOM_SEED:
        raise ValueError("resolve a start seed of -1 with resolve_seed() first")
    diffused = _check_diffused(diffused)
    start = int(start_seed) % SEED_MODULUS
    if behavior == "schedule":
        if schedule_values is None:
            raise ValueError("the schedule seed behaviour needs schedule_values")
        return _scheduled_seeds(np.asarray(schedule_values), start, len(diffused))
    per_diffused = _behavior_seeds(behavior, start, int(diffused.sum()), iter_n)
    latest_diffused = np.cumsum(diffused) - 1
    return per_diffused[latest_diffused]


def subseed_sequence(
    enabled: bool,
    subseed_values: np.ndarray,
    strength_values: np.ndarray,
    *,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame subseeds (int64) and subseed strengths (float64), one per schedule value.

    Disabled: subseed -1 and strength 0.0 on every frame, which has no effect in A1111.
    Enabled: the evaluated schedules, subseeds truncated toward zero; a -1 subseed becomes a
    random subseed drawn reproducibly from the run's resolved `seed`, different per frame.
    """
    values = np.asarray(subseed_values, dtype=np.float64)
    strengths = _check_length(np.asarray(strength_values, dtype=np.float64), len(values))
    if not enabled:
        return (
            np.full(len(values), RANDOM_SEED, dtype=np.int64),
            np.zeros(len(values), dtype=np.float64),
        )
    bad = np.flatnonzero(~np.isfinite(strengths) | (strengths < 0.0) | (strengths > 1.0))
    if bad.size:
        frame = int(bad[0])
        raise SettingsError(
            f"subseed strength {strengths[frame]} is outside 0..1",
            setting=NAME.subseed_strength_schedule,
            frame=frame,
        )
    chosen = _seeds_from_values(values, seed, NAME.subseed_schedule, SUBSEED_STREAM)
    return chosen, strengths.copy()


def _check_diffused(diffused: np.ndarray) -> np.ndarray:
    mask = np.asarray(diffused)
    if mask.ndim != 1 or mask.dtype != np.bool_:
        raise ValueError("diffused must be a one-dimensional boolean array")
    if mask.size and not mask[0]:
        raise ValueError("frame 0 must be diffused")
    return mask


def _check_length(values: np.ndarray, max_frames: int) -> np.ndarray:
    if values.shape != (max_frames,):
        raise ValueError(f"expected {max_frames} per-frame values, got shape {values.shape}")
    return values


def _behavior_seeds(behavior: str, start: int, count: int, iter_n: int) -> np.ndarray:
    """The seed of the k-th diffused frame, for k = 0 .. count-1."""
    k = np.arange(count, dtype=np.int64)
    if behavior == "iter":
        step = _check_iter_n(iter_n)
        # Deforum bumps the seed after each frame whose 0-based counter is divisible by N,
        # so the first seed lasts one frame and every later seed lasts N frames.
        offsets = (k + step - 1) // step
    elif behavior == "ladder":
        offsets = k // 2 + 2 * (k % 2)
    elif behavior == "alternate":
        offsets = k % 2
    elif behavior == "fixed":
        offsets = np.zeros(count, dtype=np.int64)
    else:
        draws = np.random.default_rng([start, RANDOM_STREAM]).integers(
            0, SEED_MODULUS, size=count, dtype=np.int64
        )
        if count:
            draws[0] = start
        return draws
    return (start + offsets) % SEED_MODULUS


def _check_iter_n(iter_n: int) -> int:
    number = isinstance(iter_n, (int, float, np.integer, np.floating))
    whole = number and not isinstance(iter_n, bool) and float(iter_n).is_integer()
    if not whole or iter_n < 1:
        raise SettingsError(
            f"must be a whole number of frames, 1 or more, not {iter_n!r}",
            setting=NAME.seed_iter_N,
        )
    return int(iter_n)


def _scheduled_seeds(values: np.ndarray, start: int, max_frames: int) -> np.ndarray:
    values = _check_length(np.asarray(values, dtype=np.float64), max_frames)
    return _seeds_from_values(values, start, NAME.seed_schedule, SCHEDULE_STREAM)


def _seeds_from_values(values: np.ndarray, seed: int, setting: str, stream: int) -> np.ndarray:
    """Truncate scheduled values toward zero; -1 takes frame i's draw from the stream."""
    finite = np.isfinite(values)
    truncated = np.trunc(np.where(finite, values, 0.0))
    bad = np.flatnonzero(~finite | (truncated < RANDOM_SEED))
    if bad.size:
        frame = int(bad[0])
        raise SettingsError(
            f"seed {values[frame]} is not a seed",
            setting=setting,
            frame=frame,
            hint="use a whole number 0 or more, or -1 for a random seed",
        )
    random = np.flatnonzero(truncated == RANDOM_SEED)
    result = np.mod(truncated, SEED_MODULUS).astype(np.int64)
    if random.size:
        # Draw for every frame so that frame i's random seed does not depend on which other
        # frames of the schedule are -1.
        draws = np.random.default_rng([int(seed) % SEED_MODULUS, stream]).integers(
            0, SEED_MODULUS, size=len(values), dtype=np.int64
        )
        result[random] = draws[random]
    return result
