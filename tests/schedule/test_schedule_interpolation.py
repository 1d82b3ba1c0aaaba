"""Interpolation words, each against a hand formula."""

from __future__ import annotations

import numpy as np
import pytest

from lib_animation.errors import ScheduleError
from lib_animation.schedule import INTERPOLATIONS, ScheduleVariables, parse_schedule


def values(text: str, frames: int):
    return parse_schedule(text, setting="zoom").evaluate(ScheduleVariables(frames)).values


def test_the_words():
    assert INTERPOLATIONS == ("linear", "step", "cubic", "ease_in", "ease_out", "ease_in_out")


@pytest.mark.parametrize(
    ("word", "formula"),
    [
        ("linear", lambda u: u),
        ("ease_in", lambda u: u**3),
        ("ease_out", lambda u: 1 - (1 - u) ** 3),
        ("ease_in_out", lambda u: 4 * u**3 if u < 0.5 else 1 - (2 - 2 * u) ** 3 / 2),
        ("step", lambda u: 0.0),
    ],
)
def test_easing_against_formula(word, formula):
    # from 2 at frame 10 to 12 at frame 30
    result = values(f"10:(2) {word}, 30:(12)", 40)
    for frame in (10, 13, 15, 20, 24, 29):
        u = (frame - 10) / 20
        assert result[frame] == pytest.approx(2 + 10 * formula(u), rel=1e-12), frame
    assert result[30] == 12
    assert result[35] == 12
    assert result[5] == 2


def test_spellings():
    expected = values("0:(0) ease_in_out, 10:(1)", 11)
    for word in ("ease-in-out", "EASE_IN_OUT", "Ease-In-Out"):
        np.testing.assert_array_equal(values(f"0:(0) {word}, 10:(1)", 11), expected)


def test_word_without_space_and_without_parentheses():
    np.testing.assert_array_equal(values("0:(0)step, 4:(8)", 5), [0, 0, 0, 0, 8])
    np.testing.assert_array_equal(values("0: 0 step, 4: 8", 5), [0, 0, 0, 0, 8])


def test_default_is_linear_and_matches_explicit_linear():
    np.testing.assert_array_equal(values("0:(0), 8:(4)", 9), values("0:(0) linear, 8:(4)", 9))


def test_each_segment_has_its_own_word():
    result = values("0:(0) ease_in_out, 30:(10), 60:(0) step, 90:(5)", 100)
    assert result[15] == pytest.approx(5.0)  # middle of ease_in_out
    assert result[6] == pytest.approx(10 * 4 * 0.2**3)
    assert result[45] == pytest.approx(5.0)  # linear 10 -> 0
    assert result[40] == pytest.approx(10 - 10 * 10 / 30)
    assert result[60:90].tolist() == [0.0] * 30  # step holds 0
    assert result[90:].tolist() == [5.0] * 10


def hermite(a, b, ma, mb, h, u):
    return (
        (2 * u**3 - 3 * u**2 + 1) * a
        + (u**3 - 2 * u**2 + u) * h * ma
        + (-2 * u**3 + 3 * u**2) * b
        + (u**3 - u**2) * h * mb
    )


def test_cubic_two_keyframes_is_flat_at_both_ends():
    # end slopes are 0 -> smoothstep: 10 * (3u^2 - 2u^3)
    result = values("0:(0) cubic, 10:(10)", 11)
    for frame in range(11):
        u = frame / 10
        assert result[frame] == pytest.approx(10 * (3 * u**2 - 2 * u**3), abs=1e-12)


def test_cubic_inner_slope_is_the_weighted_harmonic_mean():
    # 0:(0), 10:(10), 30:(20): secants 1 and 0.5; h0=10, h1=20
    # w0 = 2*h1 + h0 = 50, w1 = h1 + 2*h0 = 40 -> slope = 90 / (50/1 + 40/0.5) = 90/130
    result = values("0:(0) cubic, 10:(10) cubic, 30:(20)", 31)
    m = 90 / 130
    for frame in (0, 3, 5, 9):
        assert result[frame] == pytest.approx(hermite(0, 10, 0, m, 10, frame / 10), abs=1e-12)
    for frame in (10, 15, 22, 29):
        u = (frame - 10) / 20
        assert result[frame] == pytest.approx(hermite(10, 20, m, 0, 20, u), abs=1e-12)


def test_cubic_does_not_overshoot_at_a_peak():
    # the slope at a turning keyframe is 0, so the curve never goes above 10
    result = values("0:(0) cubic, 10:(10) cubic, 20:(0)", 21)
    assert result.max() == 10
    assert result[10] == 10
    assert np.all(np.diff(result[:11]) >= 0)
    assert np.all(np.diff(result[10:]) <= 0)


def test_cubic_monotone_on_monotone_data():
    result = values("0:(0) cubic, 5:(1) cubic, 6:(9) cubic, 30:(10)", 31)
    assert np.all(np.diff(result) >= 0)
    assert result.min() == 0 and result.max() == 10


def test_interpolation_into_an_expression_keyframe_uses_its_value_there():
    # ease_in from 0 to the expression's value at frame 4 (t*10 = 40), then the expression
    result = values("0:(0) ease_in, 4:(t*10)", 6)
    np.testing.assert_allclose(result, [0, 40 / 64, 40 * 8 / 64, 40 * 27 / 64, 40, 50])


def test_word_on_the_last_keyframe_is_accepted_and_holds():
    assert values("0:(1), 2:(3) ease_out", 4).tolist() == [1, 2, 3, 3]


def test_unknown_word_has_a_did_you_mean_hint():
    with pytest.raises(ScheduleError) as info:
        parse_schedule("0:(0) ease_inout, 10:(1)", setting="zoom")
    error = info.value
    assert (error.keyframe, error.column) == (1, 7)
    assert str(error) == (
        "zoom, keyframe 1, column 7: unknown interpolation 'ease_inout' (did you mean ease_in_out?)"
    )


def test_word_after_an_expression_keyframe_is_an_error():
    with pytest.raises(ScheduleError) as info:
        parse_schedule("0:(0), 5:(t) ease_in, 9:(1)", setting="zoom")
    assert info.value.keyframe == 2
    assert info.value.column == 14
    assert "no effect" in str(info.value)


def test_word_in_a_string_schedule_is_an_error():
    with pytest.raises(ScheduleError) as info:
        parse_schedule('0:("Euler a") linear, 5:("DDIM")', setting="sampler", kind="string")
    assert info.value.keyframe == 1
    assert info.value.column == 15
    assert "text schedule" in str(info.value)


def test_keyframe_records_its_interpolation():
    schedule = parse_schedule("0:(0) ease-out, 5:(1), 9:(t)", setting="zoom")
    kf = schedule.keyframes
    assert [k.interpolation for k in kf] == ["ease_out", "linear", "linear"]
    assert [k.interpolation_given for k in kf] == [True, False, False]
