"""Error locations: setting, keyframe (1-based) and column (1-based in the whole text)."""

from __future__ import annotations

import pytest

from lib_animation.errors import KeyframesError, ScheduleError
from lib_animation.schedule import ScheduleVariables, parse_schedule


def error_of(text: str, kind: str = "number", frames: int = 20) -> ScheduleError:
    with pytest.raises(ScheduleError) as info:
        parse_schedule(text, setting="zoom", kind=kind).evaluate(ScheduleVariables(frames))
    return info.value


def test_the_documented_example():
    error = error_of("0:(1.0), 30:(tt)")
    assert str(error) == "zoom, keyframe 2, column 14: unknown name 'tt' (did you mean t?)"
    assert isinstance(error, KeyframesError)
    assert (error.setting, error.keyframe, error.column) == ("zoom", 2, 14)
    assert error.message == "unknown name 'tt'"
    assert error.hint == "did you mean t?"


@pytest.mark.parametrize(
    ("text", "keyframe", "column", "fragment"),
    [
        # names and functions
        ("0:(1), 5:(1 + sine(t))", 2, 15, "unknown function 'sine' (did you mean sin?)"),
        ("0:(maxf)", 1, 4, "unknown name 'maxf' (did you mean max_f?)"),
        ("0:(sin)", 1, 4, "'sin' is a function"),
        ("0:(t(2))", 1, 4, "'t' is not a function"),
        ("0:(sin(1, 2))", 1, 4, "sin() takes 1 argument, got 2"),
        ("0:(clip(t))", 1, 4, "clip() takes 3 arguments, got 1"),
        ("0:(max(1))", 1, 4, "max() takes at least 2 arguments, got 1"),
        ("0:(True)", 1, 4, "unknown name 'True'"),
        ("0:(lambda x: x)", 1, 4, "'lambda' is not allowed"),
        ("0:(t in 3)", 1, 6, "'in' is not allowed"),
        # operators and characters
        ("0:(1),\n  5:(t ^ 2)", 2, 15, "'^' is not a power operator (use ** for powers"),
        ("0:(t && 1)", 1, 6, "'&' is not allowed (use 'and')"),
        ("0:(t || 1)", 1, 6, "'|' is not allowed (use 'or')"),
        ("0:(~t)", 1, 4, "'~' is not allowed (use 'not')"),
        ("0:(t // 2)", 1, 6, "'//' is not allowed"),
        ("0:(t = 2)", 1, 6, "'=' is not allowed (use == to compare"),
        ("0:(t.real)", 1, 5, "attribute access"),
        ("0:(t[0])", 1, 5, "indexing"),
        ("0:(max(t, key=1))", 1, 11, "keyword arguments and assignments are not supported"),
        ("0:(x = 1)", 1, 4, "assignments are not"),
        ("0:(max(*t))", 1, 8, "starred arguments"),
        ("0:('a')", 1, 4, "quoted text is not allowed in a number expression"),
        ("0:(1 \u2212 t)", 1, 6, "use the ASCII minus sign"),
        ("0:(t\u00b2)", 1, 5, "unexpected character"),
        # numbers
        ("0:(2t)", 1, 4, "invalid number '2t' (to multiply, write 2*t)"),
        ("0:(1.2.3)", 1, 4, "invalid number"),
        ("0:(1e999)", 1, 4, "number is too large"),
        # structure
        ("0:(1), 5:(2", 2, 10, "'(' is never closed"),
        ("0:(1)), 5:(2)", 1, 6, "unmatched ')'"),
        ("0:(1], 5:(2)", 1, 5, "']' does not match the '(' at column 3"),
        ('0:(1), 5:("2)', 2, 11, "quote is never closed"),
        ("0:(1), 5", 2, 8, "expected frame:(value), found '5'"),
        ("0:(1), :(2)", 2, 8, "missing frame number"),
        ("0:(1), 5:", 2, 9, "missing value after ':'"),
        ("0:(1), 5:()", 2, 10, "empty parentheses"),
        ("0:(1) 5:(2)", 1, 8, "is a ',' missing between two keyframes?"),
        ("0:(1):(2)", 1, 6, "only one ':'"),
        ("0:(1 2)", 1, 6, "unexpected '2'"),
        ("0:(1)(2)", 1, 6, "unexpected '('"),
        ("0:(1) 2", 1, 7, "unexpected '2'"),
        ("0:(1, 2)", 1, 5, "unexpected ','"),
        ("0:(1 if t)", 1, 10, "expected 'else'"),
        ("0:(1 +)", 1, 7, "expected a value, found ')'"),
        ("0:(1), 5:(1 +", 2, 10, "'(' is never closed"),
        ("0: 1 +", 1, 7, "expected a value, but the expression ends here"),
        ("0:(1),, 5:(2)", 2, 7, "empty keyframe"),
        # positions
        ("0:(1), 2.5:(3)", 2, 8, "frame position 2.5 is not a whole number"),
        ("0:(1), t:(3)", 2, 8, "'t' cannot be used here"),
        ("0:(1), max_f/:(3)", 2, 14, "expected a value"),
        ("0:(1), 'max_f-':(3)", 2, 15, "expected a value"),
        # interpolation words
        ("0:(0) smooth, 5:(1)", 1, 7, "unknown interpolation 'smooth'"),
        ("0:(0) ease-inn, 5:(1)", 1, 7, "(did you mean ease_in?)"),
        # nesting
        ("0:(1), 5:(" + "(" * 40 + "1" + ")" * 40 + ")", 2, 42, "nested too deeply"),
    ],
)
def test_error_locations(text, keyframe, column, fragment):
    error = error_of(text)
    assert (error.keyframe, error.column) == (keyframe, column), str(error)
    assert fragment in str(error)
    assert str(error).startswith(f"zoom, keyframe {keyframe}")
    assert "\n" not in str(error)


def test_runtime_error_names_frame_and_column_of_the_value():
    error = error_of("0:(1),\n10:( 1/(t-12) )", frames=20)
    assert (error.keyframe, error.frame, error.column) == (2, 12, 11)
    assert str(error).startswith("zoom, keyframe 2, frame 12, column 11: the value is too large")


def test_position_expression_error_at_evaluation():
    error = error_of("0:(1), log(max_f-19):(2)", frames=20)  # log(0) = -inf
    assert (error.keyframe, error.column) == (2, 8)


def test_no_keyframe_inside_the_frames():
    error = error_of("30:(1), 40:(2)", frames=10)
    assert "no keyframe inside frames 0..9" in str(error)
    assert error.hint and "frame 0" in error.hint


def test_string_schedule_error_locations():
    error = error_of('0:("Euler a"), 5:("DDIM") step', kind="string")
    assert (error.keyframe, error.column) == (2, 27)
    error = error_of('0:("a"), 5:(b c d) x', kind="string")
    assert (error.keyframe, error.column) == (2, 20)


def test_columns_count_characters_not_bytes():
    error = error_of('0:("ééé"), 5:("x") step', kind="string")
    assert error.column == 20
    error = error_of("0:(1), 5:(é)")
    assert error.column == 11
