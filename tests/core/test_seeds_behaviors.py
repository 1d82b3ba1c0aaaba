"""Seed behaviours: Deforum's sequences, cadence tweens, reproducible random seeds, subseeds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib_animation.errors import SettingsError
from lib_animation.seeds import SEED_BEHAVIORS, resolve_seed, seed_sequence, subseed_sequence

ALL_DIFFUSED = np.ones(8, dtype=bool)
TOP = 2**32 - 1


def diffused_every(cadence: int, frames: int) -> np.ndarray:
    mask = np.zeros(frames, dtype=bool)
    mask[::cadence] = True
    return mask


# Deforum's sequences for seed 10 over 8 diffused frames (reference section 4.1).
@pytest.mark.parametrize(
    ("behavior", "iter_n", "expected"),
    [
        ("iter", 1, [10, 11, 12, 13, 14, 15, 16, 17]),
        ("iter", 2, [10, 11, 11, 12, 12, 13, 13, 14]),
        ("iter", 3, [10, 11, 11, 11, 12, 12, 12, 13]),
        ("ladder", 1, [10, 12, 11, 13, 12, 14, 13, 15]),
        ("alternate", 1, [10, 11, 10, 11, 10, 11, 10, 11]),
        ("fixed", 1, [10] * 8),
    ],
)
def test_deforum_sequences(behavior: str, iter_n: int, expected: list[int]) -> None:
    seeds = seed_sequence(behavior, 10, ALL_DIFFUSED, iter_n=iter_n)
    assert seeds.dtype == np.int64
    assert seeds.tolist() == expected


def test_tweens_carry_the_last_diffused_seed() -> None:
    # cadence 3 over 8 frames: diffused at 0, 3, 6
    seeds = seed_sequence("iter", 10, diffused_every(3, 8))
    assert seeds.tolist() == [10, 10, 10, 11, 11, 11, 12, 12]
    ladder = seed_sequence("ladder", 10, diffused_every(2, 7))
    assert ladder.tolist() == [10, 10, 12, 12, 11, 11, 13]


def test_iter_wraps_at_the_top_of_the_32_bit_range() -> None:
    seeds = seed_sequence("iter", TOP - 1, np.ones(4, dtype=bool))
    assert seeds.tolist() == [TOP - 1, TOP, 0, 1]
    ladder = seed_sequence("ladder", TOP, np.ones(3, dtype=bool))
    assert ladder.tolist() == [TOP, 1, 0]


def test_random_starts_with_the_start_seed_and_is_reproducible() -> None:
    first = seed_sequence("random", 10, np.ones(50, dtype=bool))
    again = seed_sequence("random", 10, np.ones(50, dtype=bool))
    other = seed_sequence("random", 11, np.ones(50, dtype=bool))
    assert first[0] == 10
    assert first.tolist() == again.tolist()
    assert first[1:].tolist() != other[1:].tolist()
    assert len(set(first.tolist())) == 50
    assert first.min() >= 0
    assert first.max() <= TOP


def test_random_tweens_carry_the_diffused_draw() -> None:
    all_frames = seed_sequence("random", 7, np.ones(4, dtype=bool))
    with_cadence = seed_sequence("random", 7, diffused_every(2, 8))
    # the k-th diffused frame gets the k-th draw, and its tween repeats it
    assert with_cadence.tolist() == np.repeat(all_frames, 2).tolist()


def test_schedule_takes_every_frames_value_truncated_toward_zero() -> None:
    values = np.array([10.0, 10.9, 11.5, 0.7, 3e9, 12.0])
    seeds = seed_sequence("schedule", 99, diffused_every(2, 6), schedule_values=values)
    assert seeds.tolist() == [10, 10, 11, 0, 3_000_000_000, 12]


def test_schedule_minus_one_is_random_per_frame_and_reproducible() -> None:
    # Deforum's default schedule over 8 frames: 10, -1, -1, -1, -1, -1, 10, 10
    values = np.array([10.0, -1, -1, -1, -1, -1, 10, 10])
    seeds = seed_sequence("schedule", 10, ALL_DIFFUSED, schedule_values=values)
    again = seed_sequence("schedule", 10, ALL_DIFFUSED, schedule_values=values)
    other_run = seed_sequence("schedule", 11, ALL_DIFFUSED, schedule_values=values)
    assert seeds.tolist() == again.tolist()
    assert seeds[[0, 6, 7]].tolist() == [10, 10, 10]
    randoms = seeds[1:6].tolist()
    assert len(set(randoms)) == 5
    assert all(0 <= seed <= TOP for seed in randoms)
    assert other_run[1:6].tolist() != randoms
    # a frame's random seed does not depend on which other frames are -1
    fewer = values.copy()
    fewer[2] = 5
    assert seed_sequence("schedule", 10, ALL_DIFFUSED, schedule_values=fewer)[3] == seeds[3]


@pytest.mark.parametrize("value", [-2.0, -7.5, float("nan"), float("inf")])
def test_schedule_rejects_values_that_are_not_seeds(value: float) -> None:
    values = np.array([10.0, 10.0, value])
    with pytest.raises(SettingsError) as raised:
        seed_sequence("schedule", 10, np.ones(3, dtype=bool), schedule_values=values)
    assert raised.value.setting == "seed_schedule"
    assert raised.value.frame == 2


def test_unknown_behavior_names_the_setting_and_the_choices() -> None:
    with pytest.raises(SettingsError) as raised:
        seed_sequence("iterate", 10, ALL_DIFFUSED)
    assert raised.value.setting == "seed_behavior"
    assert all(choice in str(raised.value) for choice in SEED_BEHAVIORS)


@pytest.mark.parametrize("iter_n", [0, -1, 1.5, float("nan"), True])
def test_bad_iter_n_is_a_settings_error(iter_n: object) -> None:
    with pytest.raises(SettingsError) as raised:
        seed_sequence("iter", 10, ALL_DIFFUSED, iter_n=iter_n)  # type: ignore[arg-type]
    assert raised.value.setting == "seed_iter_N"


def test_iter_n_may_be_a_whole_float_from_the_ui() -> None:
    assert seed_sequence("iter", 10, ALL_DIFFUSED, iter_n=2.0).tolist()[:4] == [10, 11, 11, 12]


def test_resolve_seed() -> None:
    assert resolve_seed(1234) == 1234
    assert resolve_seed(0) == 0
    drawn = {resolve_seed(-1) for _ in range(20)}
    assert all(0 <= seed <= TOP for seed in drawn)
    assert len(drawn) > 1
    first = resolve_seed(-1, rng=np.random.default_rng(5))
    assert first == resolve_seed(-1, rng=np.random.default_rng(5))
    assert 0 <= first <= TOP


def test_subseeds_disabled_have_no_effect() -> None:
    chosen, strengths = subseed_sequence(False, np.full(5, 3.0), np.full(5, 0.5), seed=10)
    assert chosen.tolist() == [-1] * 5
    assert strengths.tolist() == [0.0] * 5


def test_subseeds_enabled_follow_the_schedules() -> None:
    values = np.array([1.0, 1.9, -1.0, -1.0, 4.0])
    strengths = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    chosen, used = subseed_sequence(True, values, strengths, seed=10)
    again, _ = subseed_sequence(True, values, strengths, seed=10)
    assert chosen[[0, 1, 4]].tolist() == [1, 1, 4]
    assert used.tolist() == strengths.tolist()
    assert chosen.tolist() == again.tolist()
    assert chosen[2] != chosen[3]
    assert all(0 <= seed <= TOP for seed in chosen[2:4].tolist())
    other_run, _ = subseed_sequence(True, values, strengths, seed=11)
    assert other_run[2:4].tolist() != chosen[2:4].tolist()


def test_subseed_strength_outside_zero_to_one_is_an_error() -> None:
    with pytest.raises(SettingsError) as raised:
        subseed_sequence(True, np.ones(3), np.array([0.0, 1.5, 0.0]), seed=1)
    assert raised.value.setting == "subseed_strength_schedule"
    assert raised.value.frame == 1


diffused_masks = st.lists(st.booleans(), min_size=0, max_size=60).map(
    lambda tail: np.array([True, *tail], dtype=bool)
)


@settings(max_examples=60, deadline=None)
@given(mask=diffused_masks, start=st.integers(0, TOP))
def test_iter_advances_by_one_per_diffused_frame(mask: np.ndarray, start: int) -> None:
    seeds = seed_sequence("iter", start, mask)
    diffused_seeds = seeds[mask]
    expected = [(start + k) % 2**32 for k in range(int(mask.sum()))]
    assert diffused_seeds.tolist() == expected


@settings(max_examples=60, deadline=None)
@given(
    mask=diffused_masks,
    behavior=st.sampled_from(["iter", "fixed", "random", "ladder", "alternate"]),
    start=st.integers(0, TOP),
    iter_n=st.integers(1, 5),
)
def test_seeds_never_change_on_tween_frames(
    mask: np.ndarray, behavior: str, start: int, iter_n: int
) -> None:
    seeds = seed_sequence(behavior, start, mask, iter_n=iter_n)
    assert len(seeds) == len(mask)
    for frame in range(1, len(mask)):
        if not mask[frame]:
            assert seeds[frame] == seeds[frame - 1]
    assert seeds.min() >= 0
    assert seeds.max() <= TOP
