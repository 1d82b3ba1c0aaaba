"""Deforum-compatible schedule semantics, with values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lib_animation.schedule import ScheduleVariables, parse_schedule


def values(text: str, frames: int = 10, *, seed: int = 0, fps: float = 15.0, kind="number"):
    schedule = parse_schedule(text, setting="zoom", kind=kind)
    return schedule.evaluate(ScheduleVariables(frames, seed=seed, fps=fps)).values


def test_constant():
    assert values("0:(0)").tolist() == [0.0] * 10
    assert values("0:(1.0025)", 3).tolist() == [1.0025] * 3


def test_linear_between_numbers_is_exact_for_whole_numbers():
    # Deforum: the seed schedule 0:(10), 7:(17) -> 10, 11, ..., 17; integer consumers int() it
    result = values("0:(10), 7:(17)", 10)
    assert result.tolist() == [10, 11, 12, 13, 14, 15, 16, 17, 17, 17]
    assert [int(v) for v in result] == [10, 11, 12, 13, 14, 15, 16, 17, 17, 17]


def test_linear_fractions():
    result = values("0:(0), 3:(1)", 5)
    np.testing.assert_allclose(result, [0, 1 / 3, 2 / 3, 1, 1])


def test_expression_then_number_switches_hard():
    # Deforum: 0:(t), 5:(0) -> 0,1,2,3,4,0,0,...
    assert values("0:(t), 5:(0)").tolist() == [0, 1, 2, 3, 4, 0, 0, 0, 0, 0]


def test_number_then_expression_interpolates_into_the_expression():
    # Deforum: 0:(0), 5:(t) -> linear 0..5 into t's value at 5, then t
    assert values("0:(0), 5:(t)").tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    result = values("0:(10), 4:(2*t)", 8)
    assert result.tolist() == [10, 9.5, 9, 8.5, 8, 10, 12, 14]


def test_expression_piecewise_between_keyframes():
    result = values("0:(t), 3:(100), 6:(t*2)", 9)
    assert result.tolist() == [
        0,
        1,
        2,
        100,
        100 + (12 - 100) / 3,
        100 + 2 * (12 - 100) / 3,
        12,
        14,
        16,
    ]


def test_values_hold_before_first_and_after_last_keyframe():
    # Deforum crashes without a keyframe at 0; here the first value holds
    assert values("3:(5), 6:(8)", 9).tolist() == [5, 5, 5, 5, 6, 7, 8, 8, 8]


def test_expression_first_keyframe_holds_its_value_at_its_frame_before_it():
    assert values("2:(t*10)", 5).tolist() == [20, 20, 20, 30, 40]


def test_keyframes_in_any_order():
    assert values("6:(8), 3:(5)", 9).tolist() == [5, 5, 5, 5, 6, 7, 8, 8, 8]


def test_keyframe_past_the_end_is_ignored_with_a_warning():
    # Deforum: 0:(1), 20:(6) with 10 frames gives a constant 1 (silently)
    schedule = parse_schedule("0:(1), 20:(6)", setting="zoom")
    result = schedule.evaluate(ScheduleVariables(10))
    assert result.values.tolist() == [1.0] * 10
    assert result.keyframe_frames == (0,)
    assert len(result.warnings) == 1
    assert "zoom" in result.warnings[0]
    assert "keyframe 2" in result.warnings[0]
    assert "frame 20" in result.warnings[0]


def test_negative_keyframe_is_ignored_with_a_warning():
    result = parse_schedule("-5:(3), 0:(1)", setting="angle").evaluate(ScheduleVariables(4))
    assert result.values.tolist() == [1.0] * 4
    assert result.warnings == (
        "angle, keyframe 1: frame -5 is before frame 0, so this keyframe is ignored",
    )


def test_duplicate_positions_later_wins_with_a_warning():
    result = parse_schedule("0:(1), 0:(2), 4:(6)", setting="zoom").evaluate(ScheduleVariables(5))
    assert result.values.tolist() == [2, 3, 4, 5, 6]
    assert result.keyframe_frames == (0, 4)
    assert len(result.warnings) == 1
    assert "keyframe 2" in result.warnings[0] and "keyframe 1" in result.warnings[0]


def test_keyframe_frames_are_sorted_and_inside_the_range():
    result = parse_schedule("9:(1), 2:(0), 50:(3)", setting="x").evaluate(ScheduleVariables(10))
    assert result.keyframe_frames == (2, 9)


def test_variables_max_f_seed_fps():
    assert values("0:(max_f)", 4).tolist() == [3.0] * 4
    assert values("0:(s)", 2, seed=1234).tolist() == [1234.0] * 2
    assert values("0:(fps*2)", 2, fps=24).tolist() == [48.0] * 2
    assert ScheduleVariables(100).max_f == 99


def test_default_zoom_schedule():
    text = "0:(1.0025+0.002*sin(1.25*3.14*t/30))"
    result = values(text, 100)
    expected = [1.0025 + 0.002 * math.sin(1.25 * 3.14 * t / 30) for t in range(100)]
    np.testing.assert_allclose(result, expected, rtol=1e-12)


def test_variable_only_expression_is_piecewise_not_interpolated():
    # Deforum evaluates any non-number value per frame (piecewise): max_f/2 does not move
    # toward the next keyframe
    assert values("0:(max_f), 4:(0)", 6).tolist() == [5, 5, 5, 5, 0, 0]


def test_constant_expression_is_a_number_keyframe():
    assert values("0:(2*3), 3:(0)", 4).tolist() == [6, 4, 2, 0]
    assert values("0:(2*pi), 2:(0)", 3).tolist() == [2 * math.pi, math.pi, 0]


def test_result_is_float64_and_read_only():
    result = values("0:(t)", 5)
    assert result.dtype == np.float64
    assert result.shape == (5,)
    with pytest.raises(ValueError):
        result[0] = 3.0


def test_zero_frames():
    result = parse_schedule("0:(t), 5:(1)", setting="x").evaluate(ScheduleVariables(0))
    assert result.values.shape == (0,)
    assert result.keyframe_frames == ()


def test_single_frame():
    assert values("0:(5), 10:(0)", 1).tolist() == [5.0]


def test_schedule_is_reusable_for_other_variables():
    schedule = parse_schedule("0:(0), max_f:(max_f)", setting="x")
    assert schedule.evaluate(ScheduleVariables(3)).values.tolist() == [0, 1, 2]
    assert schedule.evaluate(ScheduleVariables(5)).values.tolist() == [0, 1, 2, 3, 4]
