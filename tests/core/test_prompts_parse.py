"""Parsing the animation_prompts setting: keys, --neg, JSON errors, hostile input."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib_animation.errors import KeyframesError, PromptError, ScheduleError
from lib_animation.prompt_entries import load_prompts_json
from lib_animation.prompts import (
    PromptKeyframe,
    frame_prompts,
    parse_animation_prompts,
    split_negative,
)
from lib_animation.schedule import ScheduleVariables


def parse(value, max_frames: int = 100, seed: int = 7, fps: float = 15.0):
    variables = ScheduleVariables(max_frames=max_frames, seed=seed, fps=fps)
    return parse_animation_prompts(value, variables=variables)


def test_keys_may_be_numbers_or_expressions() -> None:
    text = '{"0": "a cat --neg blurry", "max_f/2": "a dog", "30*2": "a fox"}'
    keyframes, warnings = parse(text, max_frames=101)
    assert warnings == []
    assert keyframes == [
        PromptKeyframe(0, "0", "a cat", "blurry"),
        PromptKeyframe(50, "max_f/2", "a dog", ""),
        PromptKeyframe(60, "30*2", "a fox", ""),
    ]


def test_expression_keys_truncate_toward_zero_and_see_s_and_fps() -> None:
    # max_f = 99, so max_f/2 = 49.5 -> 49; s = 7; fps = 12 -> 2*fps = 24
    keyframes, _ = parse({"max_f/2": "a", "s": "b", "2*fps": "c", "0": "d"}, fps=12.0)
    assert [(k.frame, k.key) for k in keyframes] == [
        (0, "0"),
        (7, "s"),
        (24, "2*fps"),
        (49, "max_f/2"),
    ]


def test_keyframes_come_back_sorted_and_whitespace_is_trimmed() -> None:
    keyframes, _ = parse({"20": "  a dog  --neg  ugly ", " 3 ": "a cat", 0: "first"})
    assert [(k.frame, k.positive, k.negative) for k in keyframes] == [
        (0, "first", ""),
        (3, "a cat", ""),
        (20, "a dog", "ugly"),
    ]


def test_keys_past_the_end_are_dropped_with_a_warning() -> None:
    keyframes, warnings = parse({"0": "a", "max_f+1": "b", "500": "c"}, max_frames=10)
    assert [k.frame for k in keyframes] == [0]
    assert len(warnings) == 2
    assert '"max_f+1"' in warnings[0]
    assert "frame 10" in warnings[0]


def test_only_past_the_end_keys_is_an_error() -> None:
    with pytest.raises(PromptError):
        parse({"50": "a"}, max_frames=10)


def test_two_keys_for_one_frame_the_later_wins_with_a_warning() -> None:
    keyframes, warnings = parse('{"10": "a cat", "0": "x", "5*2": "a dog"}')
    assert [(k.frame, k.positive) for k in keyframes] == [(0, "x"), (10, "a dog")]
    assert len(warnings) == 1
    assert '"10"' in warnings[0]
    assert '"5*2"' in warnings[0]


def test_a_repeated_json_key_warns_instead_of_vanishing() -> None:
    keyframes, warnings = parse('{"0": "a cat", "0": "a dog"}')
    assert [k.positive for k in keyframes] == ["a dog"]
    assert len(warnings) == 1


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("a cat --neg blurry", ("a cat", "blurry")),
        ("  a cat  ", ("a cat", "")),
        ("--neg blurry, ugly", ("", "blurry, ugly")),
        ("a cat --neg", ("a cat", "")),
        (
            "(a cat:1.2), <lora:x:0.5> --neg [ugly:bad:0.5]",
            ("(a cat:1.2), <lora:x:0.5>", "[ugly:bad:0.5]"),
        ),
    ],
)
def test_split_negative(prompt: str, expected: tuple[str, str]) -> None:
    assert split_negative(prompt, key="0") == expected


def test_two_neg_markers_name_the_key_and_the_column() -> None:
    with pytest.raises(PromptError) as raised:
        split_negative("a --neg b --neg c", key="max_f/2")
    assert '"max_f/2"' in str(raised.value)
    assert raised.value.column == 11
    with pytest.raises(PromptError) as raised:
        parse({"0": "a", "12": "x --neg y --neg z"})
    assert raised.value.keyframe == 2  # the second prompt, as schedules count keyframes
    assert raised.value.setting == "animation_prompts"


def test_invalid_json_names_line_column_and_gives_a_hint() -> None:
    with pytest.raises(PromptError) as raised:
        parse('{"0": "a cat",}')
    error = raised.value
    assert error.setting == "animation_prompts"
    assert error.column == 15
    assert "line 1" in str(error)
    assert error.hint
    with pytest.raises(PromptError) as raised:
        parse('{\n"0": "a",\n"5": b\n}')
    assert raised.value.column == 6
    assert "line 3" in str(raised.value)


@pytest.mark.parametrize("text", ["[]", '"a cat"', "5", "null", '["0", "a cat"]', "a cat"])
def test_json_that_is_not_an_object_is_refused(text: str) -> None:
    with pytest.raises(PromptError) as raised:
        parse(text)
    assert raised.value.setting == "animation_prompts"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("{}", "no prompts"),
        ('{"0": 5}', '"0"'),
        ('{"0": ["a cat"]}', '"0"'),
        ('{"0": null}', '"0"'),
        ('{"max_f/": "a cat"}', '"max_f/"'),
        ('{"t": "a cat"}', '"t"'),
        ('{"": "a cat"}', '""'),
        ('{"-1": "a cat"}', '"-1"'),
        ('{"0": "a", "1/0": "b"}', '"1/0"'),
        ('{"0": "a", "__import__(\'os\')": "b"}', "__import__"),
    ],
)
def test_bad_entries_are_clear_prompt_errors(value: str, fragment: str) -> None:
    with pytest.raises(PromptError) as raised:
        parse(value)
    assert fragment in str(raised.value)


def test_deeply_nested_json_is_a_prompt_error() -> None:
    with pytest.raises(PromptError):
        parse("[" * 100_000 + "]" * 100_000)


def test_load_prompts_json_returns_the_object() -> None:
    assert load_prompts_json('{"0": "a", "max_f": "b"}', setting="p") == {"0": "a", "max_f": "b"}
    with pytest.raises(PromptError) as raised:
        load_prompts_json("{'0': 'a'}", setting="prompts")
    assert raised.value.setting == "prompts"


def _parse_and_render(value) -> None:
    variables = ScheduleVariables(max_frames=12, seed=3, fps=15.0)
    for blend in (False, True):
        try:
            keyframes, _ = parse_animation_prompts(value, variables=variables, blend=blend)
            frames = frame_prompts(keyframes, variables=variables, blend=blend)
        except (PromptError, ScheduleError):
            return
        assert len(frames) == 12
        assert all(isinstance(pos, str) and isinstance(neg, str) for pos, neg in frames)


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=60))
def test_arbitrary_text_gives_prompt_or_schedule_errors_only(text: str) -> None:
    _parse_and_render(text)
    _parse_and_render("{" + text)
    _parse_and_render('{"0": "' + text + '"}')


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(value=json_values)
def test_arbitrary_json_values_give_prompt_or_schedule_errors_only(value: object) -> None:
    _parse_and_render(json.dumps(value))
    if isinstance(value, dict):
        _parse_and_render(value)


keys = st.sampled_from(
    ["0", "3", "max_f/2", "max_f", "30*2", "-1", "1e9", "t", "", "s % 7", "fps/3", "1/0", "0.9"]
) | st.text(max_size=8)
prompts = st.text(alphabet=st.sampled_from(list("ab `-neg+*/()t:,AND ")), max_size=30)


@settings(max_examples=150, deadline=None)
@given(value=st.dictionaries(keys, prompts, max_size=5))
def test_hostile_keys_give_prompt_or_schedule_errors_only(value: dict) -> None:
    _parse_and_render(value)
    _parse_and_render(json.dumps(value))


good_keys = st.sampled_from(
    ["0", "3", "max_f/2", "max_f", "fps/3", "s % 7", "0.9", "2*s", "max_f+5", "20"]
)
inline_maths = st.lists(
    st.sampled_from(
        [
            "t",
            "max_f",
            "s",
            "fps",
            "1",
            "0.5",
            "+",
            "-",
            "*",
            "/",
            "**",
            "(",
            ")",
            "sin(",
            "sqrt(",
            "log(",
            "tan(",
            ",",
            " ",
            "pi",
            "1e308",
            "t%3",
        ]
    ),
    max_size=6,
).map(lambda parts: "`" + "".join(parts) + "`")
prompt_parts = (
    st.sampled_from(["a cat", " --neg ", "AND", "`", ":1.2", "(", ")", "  "]) | inline_maths
)


@settings(max_examples=200, deadline=None)
@given(
    value=st.dictionaries(good_keys, st.lists(prompt_parts, max_size=5).map("".join), max_size=4)
)
def test_hostile_prompt_texts_give_prompt_or_schedule_errors_only(value: dict) -> None:
    _parse_and_render(value)


def test_every_error_is_one_of_the_family() -> None:
    for hostile in ['{"0": "`9**9**9`"}', '{"0": "`' + "(" * 500 + '`"}', '{"9" : 1e999}']:
        with pytest.raises(KeyframesError):
            _parse_and_render_strict(hostile)


def _parse_and_render_strict(value: str) -> None:
    variables = ScheduleVariables(max_frames=12)
    keyframes, _ = parse_animation_prompts(value, variables=variables)
    frame_prompts(keyframes, variables=variables)


def test_a_prompt_keyframe_far_past_the_end_is_blended_toward_without_overflow() -> None:
    variables = ScheduleVariables(max_frames=12, seed=3, fps=15.0)
    keyframes, _ = parse_animation_prompts({"0": "a fox", "1E100": "a bird"},
                                           variables=variables, blend=True)
    frames = frame_prompts(keyframes, variables=variables, blend=True)
    assert len(frames) == 12 and frames[0][0] == "a fox"
    assert all("a bird" not in positive or ":0" in positive for positive, _ in frames)
