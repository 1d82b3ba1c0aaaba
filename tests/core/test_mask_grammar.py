"""Mask expressions: Deforum's operators with the precedence it applies (! & | ^ \\, binary ones
from the left), checked against masks computed by hand; every malformed or hostile expression
is one ScheduleError naming the setting, keyframe and column, never a crash."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib_animation.errors import ScheduleError
from lib_animation.imaging.masks import MASK_OPERATORS, whole_frame
from lib_animation.mask_grammar import (
    MAX_OPERANDS,
    parse_mask_expression,
    parse_mask_schedule,
)

A = [0, 0, 1, 1, 0, 1, 0, 1]
B = [0, 1, 0, 1, 0, 0, 1, 1]
C = [1, 1, 1, 0, 0, 0, 1, 1]
MASKS = {name: np.array([bits], np.uint8) * 255 for name, bits in
         {"a.png": A, "b.png": B, "c.png": C}.items()}


def _bits(expression: str) -> list[int]:
    parsed = parse_mask_expression(expression)
    mask = parsed.evaluate(lambda leaf: MASKS[leaf.text] if leaf.kind == "file"
                           else whole_frame(1, 8), MASK_OPERATORS, lambda: whole_frame(1, 8))
    return (mask // 255).ravel().tolist()


def _by_hand(rule) -> list[int]:
    return [int(bool(rule(a, b, c))) for a, b, c in zip(A, B, C, strict=True)]


@pytest.mark.parametrize(("expression", "rule"), [
    ("[a.png] & [b.png]", lambda a, b, c: a and b),
    ("[a.png] | [b.png] & [c.png]", lambda a, b, c: a or (b and c)),  # Deforum: KeyError
    ("[a.png] & [b.png] | [c.png]", lambda a, b, c: (a and b) or c),
    ("[a.png] | [b.png] ^ [c.png]", lambda a, b, c: (a or b) != c),
    ("[a.png] ^ [b.png] | [c.png]", lambda a, b, c: a != (b or c)),  # Deforum: KeyError
    ("[a.png] | [b.png] \\ [c.png]", lambda a, b, c: (a or b) and not c),
    ("[a.png] \\ [b.png] | [c.png]", lambda a, b, c: a and not (b or c)),  # Deforum: KeyError
    ("[c.png] \\ [a.png] \\ [b.png]", lambda a, b, c: c and not a and not b),
    ("[c.png] \\ ([a.png] \\ [b.png])", lambda a, b, c: c and not (a and not b)),  # Deforum: blank
    ("![a.png] & [b.png]", lambda a, b, c: not a and b),  # Deforum: !b
    ("!![a.png]", lambda a, b, c: a),  # Deforum: !a
    ("!([a.png] | [b.png]) ^ {everywhere}", lambda a, b, c: a or b),
    ("(([a.png]))", lambda a, b, c: a),
    ("", lambda a, b, c: 1),  # empty: the whole frame
    ("  [ 'a.png' ]&[\"b.png\"]  ", lambda a, b, c: a and b),
])  # fmt: skip
def test_expressions_give_the_hand_computed_masks(expression, rule):
    assert _bits(expression) == _by_hand(rule)


def test_deep_nesting_within_the_limits_evaluates_without_recursion():
    depth = 1900
    assert _bits("(" * depth + "![a.png]" + ")" * depth) == _by_hand(lambda a, b, c: not a)
    assert _bits("!" * 1001 + "[a.png]") == _by_hand(lambda a, b, c: not a)


@pytest.mark.parametrize(("expression", "column", "words"), [
    ("[a.png] [b.png]", 9, "missing operator"),
    ("[a.png] &", 9, "needs a mask after"),
    ("& [a.png]", 1, "needs a mask before"),
    ("([a.png]", 1, "never closed"),
    ("[a.png])", 8, "no matching"),
    ("{videomask}", 1, "unknown mask name {videomask}"),
    ("[a.png] | [  ]", 11, "empty file name"),
    ("[a.png", 1, "never closed"),
    ("[a.png] + [b.png]", 9, "unexpected '+'"),
])  # fmt: skip
def test_malformed_expressions_name_setting_keyframe_and_column(expression, column, words):
    text = f'0: ("{{everywhere}}"), 10: ("{expression}")'
    with pytest.raises(ScheduleError) as caught:
        parse_mask_schedule(text, setting="mask_schedule")
    error = caught.value
    assert (error.setting, error.keyframe) == ("mask_schedule", 2) and words in error.message
    assert error.column == text.index(expression) + column


def test_too_many_masks_or_characters_are_refused():
    with pytest.raises(ScheduleError, match=f"more than {MAX_OPERANDS} masks"):
        parse_mask_expression(" | ".join(["{everywhere}"] * (MAX_OPERANDS + 1)))
    with pytest.raises(ScheduleError, match="too long"):
        parse_mask_expression("(" * 5000)


def test_unsupported_masks_parse_and_say_so():
    parsed = parse_mask_expression("{human_mask} | <red hair>")
    assert [leaf.is_unsupported for leaf in parsed.leaves] == [True, True]
    assert not parsed.is_supported and parse_mask_expression("{init_mask}").is_supported


_pieces = st.sampled_from(["{everywhere}", "{video_mask}", "{init_mask}", "{human_mask}",
                           "{nope}", "[a.png]", "[", "]", "<hair>", "<", "(", ")", "!", "&",
                           "|", "^", "\\", " ", "{", "}", "x", "\n"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_pieces, max_size=60).map("".join) | st.text(max_size=80))
def test_any_text_parses_or_is_one_line(text):
    try:
        parsed = parse_mask_expression(text, setting="mask_schedule", keyframe=1, column=5)
    except ScheduleError as error:
        assert error.setting == "mask_schedule" and "\n" not in str(error)
    else:
        assert len(parsed.leaves) <= MAX_OPERANDS


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 200_000), st.sampled_from(["(", "!", "[", "{"]))
def test_huge_hostile_expressions_never_blow_the_stack(size, piece):
    try:
        parse_mask_expression(piece * size)
    except ScheduleError as error:
        assert "\n" not in str(error)


def test_wrong_types_are_one_line():
    with pytest.raises(ScheduleError, match="must be text"):
        parse_mask_expression(["[a.png]"])  # type: ignore[arg-type]
