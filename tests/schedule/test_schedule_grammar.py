"""The schedule grammar: separators, positions, whitespace, string schedules."""

from __future__ import annotations

import pytest

from lib_animation.errors import ScheduleError
from lib_animation.schedule import Schedule, ScheduleVariables, parse_schedule


def values(text: str, frames: int = 10, kind: str = "number"):
    schedule = parse_schedule(text, setting="x", kind=kind)
    result = schedule.evaluate(ScheduleVariables(frames)).values
    return list(result) if kind == "string" else result.tolist()


# --- commas -------------------------------------------------------------------------------


def test_commas_inside_function_calls():
    assert values("0:(where(t>5, 1, 0))") == [0, 0, 0, 0, 0, 0, 1, 1, 1, 1]
    assert values("0:(max(t, 3))", 6) == [3, 3, 3, 3, 4, 5]
    assert values("0:(min(t, 3, 2*t+1)), 5:(clip(t, 0, 6))", 8) == [0, 1, 2, 3, 3, 5, 6, 6]


def test_trailing_comma():
    assert values("0:(1), 4:(5),", 5) == [1, 2, 3, 4, 5]
    assert values("0:(1),\n", 2) == [1, 1]


def test_double_comma_is_an_error():
    with pytest.raises(ScheduleError) as info:
        parse_schedule("0:(1),, 4:(5)", setting="x")
    assert (info.value.keyframe, info.value.column) == (2, 7)


def test_empty_schedule_is_an_error():
    for text in ("", "   ", "\n\t"):
        with pytest.raises(ScheduleError, match="empty schedule"):
            parse_schedule(text, setting="zoom")


# --- whitespace -----------------------------------------------------------------------------


def test_whitespace_and_newlines_anywhere():
    text = "  0 :\n ( 1.0 )\t,\n\n  4\t:(\n 5.0 \n) ,  "
    assert values(text, 5) == [1, 2, 3, 4, 5]
    assert values("0:(\n  where(t > 2,\n        1,\n        0)\n)", 4) == [0, 0, 0, 1]


def test_value_without_parentheses():
    assert values("0: 1.0, 4: 5", 5) == [1, 2, 3, 4, 5]
    assert values("0: t*2", 3) == [0, 2, 4]
    assert values("0: t if t > 1 else 5", 3) == [5, 5, 2]


# --- frame positions ------------------------------------------------------------------------


def test_position_expressions_bare_and_quoted():
    # 10 frames: max_f = 9; max_f/2 = 4.5 -> 4 (truncated), "max_f-1" = 8, 'max_f-3' = 6
    result = values("0:(0), max_f/2:(1), \"max_f-1\":(2), 'max_f-3':(3)")
    assert result == [0, 0.25, 0.5, 0.75, 1, 2, 3, 2.5, 2, 2]


def test_position_truncates_toward_zero():
    schedule = parse_schedule("0:(0), max_f/3:(1), (15/2):(2)", setting="x")
    result = schedule.evaluate(ScheduleVariables(11))  # max_f/3 = 3.33 -> 3; 7.5 -> 7
    assert result.keyframe_frames == (0, 3, 7)


def test_negative_position_expression_truncates_toward_zero():
    # -9/20 = -0.45 truncates to 0 (toward zero, not down to -1)
    result = parse_schedule("(0-max_f/20):(3)", setting="x").evaluate(ScheduleVariables(10))
    assert result.keyframe_frames == (0,)


def test_position_with_seed_and_fps():
    schedule = parse_schedule("0:(0), fps*2:(10), s%7:(3)", setting="x")
    result = schedule.evaluate(ScheduleVariables(100, seed=12, fps=12))
    assert result.keyframe_frames == (0, 5, 24)


def test_plain_non_integer_position_is_an_error_with_a_hint():
    for text in ("0.5:(2)", "0:(1), 2.5:(3)", "'1.5':(2)", "(0.5):(2)"):
        with pytest.raises(ScheduleError, match="not a whole number") as info:
            parse_schedule(text, setting="x")
        assert "truncated" in info.value.hint


def test_plain_whole_float_position_is_accepted():
    result = parse_schedule("0:(0), 4.0:(4), 1e1:(10)", setting="x")
    assert result.evaluate(ScheduleVariables(11)).keyframe_frames == (0, 4, 10)


def test_position_cannot_use_t():
    with pytest.raises(ScheduleError) as info:
        parse_schedule("0:(0), t:(1)", setting="x")
    assert info.value.keyframe == 2
    assert info.value.column == 8
    assert "max_f" in info.value.hint


# --- keyframes as written -------------------------------------------------------------------


def test_keyframes_record_text_and_columns():
    schedule = parse_schedule("0:(1.0),  max_f/2 : (sin(t)) , 'max_f':(2) step", setting="zoom")
    assert isinstance(schedule, Schedule)
    assert schedule.setting == "zoom"
    assert schedule.kind == "number"
    first, second, third = schedule.keyframes
    assert (first.position, first.value, first.column, first.index) == ("0", "1.0", 1, 1)
    assert (second.position, second.value, second.column) == ("max_f/2", "sin(t)", 11)
    assert second.position_column == 11 and second.value_column == 21
    assert (third.position, third.value, third.interpolation) == ("max_f", "2", "step")
    assert third.column == 32 and third.position_column == 33
    assert first.constant == 1.0 and not first.is_expression
    assert second.is_expression and second.expression.names_used == frozenset({"t"})


def test_parse_is_cached_and_schedules_are_immutable():
    a = parse_schedule("0:(1), 5:(2)", setting="zoom")
    b = parse_schedule("0:(1), 5:(2)", setting="zoom")
    assert a is b
    assert parse_schedule("0:(1), 5:(2)", setting="angle") is not a
    with pytest.raises(AttributeError):
        a.setting = "other"  # type: ignore[misc]


def test_bad_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        parse_schedule("0:(1)", setting="x", kind="boolean")


# --- string schedules -----------------------------------------------------------------------


def test_string_schedule_holds_values():
    text = '0:("Euler a"), 3:("DPM++ 2M"), 5:("model:v2, final.safetensors")'
    assert values(text, 7, "string") == [
        "Euler a", "Euler a", "Euler a", "DPM++ 2M", "DPM++ 2M",
        "model:v2, final.safetensors", "model:v2, final.safetensors",
    ]  # fmt: skip


def test_string_schedule_quotes_and_unquoted_values():
    text = '0:(\'it "quoted"\'), 1:(Euler a), 2: DDIM , 3:(  padded  ), 4:(" kept ")'
    assert values(text, 5, "string") == ['it "quoted"', "Euler a", "DDIM", "padded", " kept "]


def test_string_schedule_unquoted_value_with_colon_and_comma_inside_parentheses():
    assert values("0:(model:v2, final), 2:(Karras)", 3, "string") == [
        "model:v2, final", "model:v2, final", "Karras"
    ]  # fmt: skip


def test_string_schedule_before_first_keyframe_and_warnings():
    schedule = parse_schedule('2:("b"), 0:("a"), 50:("z")', setting="sampler", kind="string")
    result = schedule.evaluate(ScheduleVariables(4))
    assert result.values == ("a", "a", "b", "b")
    assert result.keyframe_frames == (0, 2)
    assert len(result.warnings) == 1 and "keyframe 3" in result.warnings[0]


def test_string_schedule_empty_value():
    assert values('0:(""), 1:()', 2, "string") == ["", ""]


def test_string_schedule_position_expressions():
    assert values('0:("a"), max_f:("b")', 3, "string") == ["a", "a", "b"]


def test_string_schedule_errors():
    cases = [
        ('0:("a" "b")', 1, 7),  # text after the quoted value
        ("0:(it's)", 1, 6),  # lone quote never closed
        ('0:(Euler "a")', 1, 10),  # quote inside an unquoted value
        ('0:("a") junk', 1, 9),
        ('0:("a"), 5:', 2, 11),
    ]
    for text, keyframe, column in cases:
        with pytest.raises(ScheduleError) as info:
            parse_schedule(text, setting="sampler", kind="string")
        assert (info.value.keyframe, info.value.column) == (keyframe, column), text


def test_string_keyframe_value_and_interpolation():
    schedule = parse_schedule('0:("Euler a")', setting="sampler", kind="string")
    assert schedule.keyframes[0].value == "Euler a"
    assert schedule.keyframes[0].interpolation == "step"
