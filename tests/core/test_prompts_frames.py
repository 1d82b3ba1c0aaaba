"""Per-frame prompts: step function, common parts, inline maths, blending."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lib_animation.errors import PromptError
from lib_animation.prompts import (
    frame_prompts,
    parse_animation_prompts,
    split_negative,
    strip_common_parts,
)
from lib_animation.schedule import ScheduleVariables


def render(value, max_frames: int, **options) -> list[tuple[str, str]]:
    variables = ScheduleVariables(max_frames=max_frames, seed=options.pop("seed", 5))
    keyframes, _ = parse_animation_prompts(
        value, variables=variables, blend=options.get("blend", False)
    )
    return frame_prompts(keyframes, variables=variables, **options)


def test_step_function_holds_each_prompt_until_the_next_key() -> None:
    frames = render({"0": "a cat --neg blurry", "4": "a dog"}, 7)
    assert frames == [("a cat", "blurry")] * 4 + [("a dog", "")] * 3


def test_frames_before_the_first_key_hold_the_first_prompt() -> None:
    frames = render({"3": "a cat", "5": "a dog"}, 7)
    assert [pos for pos, _ in frames] == ["a cat"] * 5 + ["a dog"] * 2


def test_max_f_keys() -> None:
    frames = render({"0": "a cat", "max_f/2": "a dog", "max_f": "a fox"}, 11)
    # max_f = 10: keys at 0, 5, 10
    assert [pos for pos, _ in frames] == ["a cat"] * 5 + ["a dog"] * 5 + ["a fox"]


def test_common_parts_are_joined_with_a_space_and_empty_parts_skipped() -> None:
    frames = render(
        {"0": "a cat --neg blurry", "1": "a dog", "2": "--neg ugly"},
        3,
        positive_common=" masterpiece ",
        negative_common="nsfw, nude",
    )
    assert frames == [
        ("masterpiece a cat", "blurry nsfw, nude"),
        ("masterpiece a dog", "nsfw, nude"),
        ("masterpiece", "ugly nsfw, nude"),
    ]
    assert render({"0": "a cat"}, 1, positive_common="", negative_common="") == [("a cat", "")]


def test_common_parts_are_not_added_twice() -> None:
    frames = render(
        {"0": "masterpiece a cat --neg blurry nsfw"},
        1,
        positive_common="masterpiece",
        negative_common="nsfw",
    )
    assert frames == [("masterpiece a cat", "blurry nsfw")]


def test_neg_typed_into_the_common_negative_is_ignored_like_deforum() -> None:
    frames = render({"0": "a cat"}, 1, negative_common="--neg nsfw")
    assert frames == [("a cat", "nsfw")]


def test_neg_in_the_common_positive_is_an_error() -> None:
    with pytest.raises(PromptError) as raised:
        render({"0": "a cat"}, 1, positive_common="good --neg bad")
    assert raised.value.setting == "animation_prompts_positive"
    assert raised.value.column == 6


def deforum_merge(prompt: str, positive_common: str, negative_common: str) -> str:
    """What Deforum stores: "{positive} {prompt} [--neg] {negative}" (reference section 3.5)."""
    marker = "" if "--neg" in prompt else " --neg"
    return f"{positive_common} {prompt}{marker} {negative_common.replace('--neg', '')}"


def test_strip_common_parts_undoes_deforums_merge() -> None:
    merged = deforum_merge("a cat --neg blurry", "masterpiece, best", "nsfw, nude")
    assert merged == "masterpiece, best a cat --neg blurry nsfw, nude"
    assert strip_common_parts(merged, "masterpiece, best", "nsfw, nude") == "a cat --neg blurry"
    merged = deforum_merge("a dog", "", "nsfw, nude")
    assert strip_common_parts(merged, "", "nsfw, nude") == "a dog"
    # prompts without the common parts come back unchanged
    assert strip_common_parts("a fox --neg ugly", "masterpiece", "nsfw") == "a fox --neg ugly"


words = st.text(alphabet=st.sampled_from(list("abc ,()\n:1.")), max_size=15).map(str.strip)


@settings(max_examples=200, deadline=None)
@given(
    positive=words,
    negative=words,
    positive_common=words,
    negative_common=words,
    neg_in_common=st.booleans(),
)
def test_strip_common_parts_round_trip(
    positive: str, negative: str, positive_common: str, negative_common: str, neg_in_common: bool
) -> None:
    prompt = f"{positive} --neg {negative}".strip() if negative else positive
    typed_negative = f"--neg {negative_common}" if neg_in_common else negative_common
    merged = deforum_merge(prompt, positive_common, typed_negative)
    restored = strip_common_parts(merged, positive_common, typed_negative)
    assert restored == prompt
    # Re-merging the restored prompt sends A1111 what Deforum sent (up to spacing), once.
    assume(not (positive_common and positive.startswith(positive_common)))
    assume(not (negative_common and negative.endswith(negative_common)))
    frames = render(
        {"0": restored}, 1, positive_common=positive_common, negative_common=typed_negative
    )
    deforum_positive, deforum_negative = split_negative(merged, key="0")
    assert " ".join(frames[0][0].split()) == " ".join(deforum_positive.split())
    assert " ".join(frames[0][1].split()) == " ".join(deforum_negative.split())


def test_inline_maths_is_evaluated_per_frame() -> None:
    frames = render({"0": "a cat:`0.5+0.5*sin(t/10)`"}, 40)
    for frame in (0, 7, 33):
        expected = round(0.5 + 0.5 * math.sin(frame / 10), 4)
        assert frames[frame][0] == f"a cat:{expected:g}"


def test_functions_containing_the_letter_t_work() -> None:
    frames = render({"0": "`sqrt(t)` cats --neg `tan(t)`"}, 17)
    assert frames[16] == ("4 cats", "0.3006")  # tan(16) = 0.30063...
    assert frames[1] == ("1 cats", "1.5574")  # tan(1) = 1.55740...


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1/3", "0.3333"),
        ("t*2", "12"),
        ("-0.00001", "0"),
        ("2.5", "2.5"),
        ("-t/8", "-0.75"),
        ("max_f", "9"),
        ("s", "5"),
        ("fps", "15"),
        ("1e6+0.5", "1000000.5"),
    ],
)
def test_inline_numbers_are_compact(expression: str, expected: str) -> None:
    assert render({"0": f"x `{expression}` y"}, 10)[6][0] == f"x {expected} y"


def test_inline_maths_in_common_parts_is_evaluated_too() -> None:
    frames = render(
        {"0": "a cat"}, 3, positive_common="(sharp:`1+t/10`)", negative_common="blur `t`"
    )
    assert frames[2] == ("(sharp:1.2) a cat", "blur 2")


def test_unclosed_backtick_names_the_key_and_the_column() -> None:
    with pytest.raises(PromptError) as raised:
        render({"0": "a", "max_f": "a `t cat"}, 10)
    assert '"max_f"' in str(raised.value)
    assert raised.value.column == 3
    assert raised.value.keyframe == 2


def test_bad_inline_expression_names_the_key_and_the_column() -> None:
    with pytest.raises(PromptError) as raised:
        render({"0": "cat --neg x `sqr(t)`"}, 10)
    assert '"0"' in str(raised.value)
    assert raised.value.column == 14  # the "s" of sqr


def test_inline_maths_that_is_not_finite_names_the_frame() -> None:
    with pytest.raises(PromptError) as raised:
        render({"0": "a cat", "2": "a dog `1/(t-4)`"}, 10)
    assert raised.value.frame == 4
    assert '"2"' in str(raised.value)


# A1111's composable-prompt patterns (modules/prompt_parser.py), to read our output back.
A1111_AND = re.compile(r"\bAND\b")
A1111_WEIGHT = re.compile(r"^((?:\s|.)*?)(?:\s*:\s*([-+]?(?:\d+\.?|\d*\.\d+)))?\s*$")


def a1111_subprompts(prompt: str) -> list[tuple[str, float]]:
    parts = []
    for subprompt in A1111_AND.split(prompt):
        text, weight = A1111_WEIGHT.search(subprompt).groups()
        parts.append((text.strip(), float(weight) if weight is not None else 1.0))
    return parts


def test_blending_gives_composable_weights_between_keys() -> None:
    frames = render({"0": "cat --neg ugly", "4": "dog --neg blurry"}, 6, blend=True)
    assert frames == [
        ("cat", "ugly"),
        ("cat :0.75 AND dog :0.25", "ugly"),
        ("cat :0.5 AND dog :0.5", "blurry"),  # the exact middle takes the later negative
        ("cat :0.25 AND dog :0.75", "blurry"),
        ("dog", "blurry"),
        ("dog", "blurry"),
    ]
    assert a1111_subprompts(frames[1][0]) == [("cat", 0.75), ("dog", 0.25)]


def test_blend_weights_read_back_by_a1111_sum_to_one() -> None:
    frames = render({"2": "(a red cat:1.2)", "9": "a dog:1.5"}, 12, blend=True)
    assert frames[0][0] == frames[2][0] == "(a red cat:1.2)"
    for frame in range(3, 9):
        parts = a1111_subprompts(frames[frame][0])
        assert [text for text, _ in parts] == ["(a red cat:1.2)", "a dog:1.5"]
        assert parts[1][1] == pytest.approx((frame - 2) / 7, abs=1e-4)
        assert sum(weight for _, weight in parts) == pytest.approx(1.0)
    assert frames[9][0] == frames[11][0] == "a dog:1.5"


def test_blending_with_common_parts_and_inline_maths() -> None:
    frames = render({"0": "cat `t`", "2": "dog `t`"}, 3, blend=True, positive_common="art")
    assert frames[1][0] == "art cat 1 :0.5 AND art dog 1 :0.5"


def test_blending_skips_segments_whose_prompts_already_contain_and() -> None:
    warnings: list[str] = []
    frames = render({"0": "cat AND hat", "4": "dog", "8": "fox"}, 10, blend=True, warnings=warnings)
    assert [pos for pos, _ in frames[:4]] == ["cat AND hat"] * 4
    assert frames[6][0] == "dog :0.5 AND fox :0.5"
    assert len(warnings) == 1
    assert "1..3" in warnings[0]


def test_blending_the_same_prompt_keeps_it_plain() -> None:
    frames = render({"0": "cat --neg a", "4": "cat --neg b"}, 5, blend=True)
    assert [pos for pos, _ in frames] == ["cat"] * 5
    assert [neg for _, neg in frames] == ["a", "a", "b", "b", "b"]


def test_without_blending_nothing_is_composable() -> None:
    frames = render({"0": "cat", "4": "dog"}, 6)
    assert all(" AND " not in pos for pos, _ in frames)


def test_many_frames_share_the_prompt_text() -> None:
    frames = render({"0": "a", "max_f/4": "b", "max_f/2": "c", "max_f": "d"}, 100_001)
    assert len(frames) == 100_001
    assert frames[25_000] == ("b", "")
    assert frames[24_999] == ("a", "")
    assert frames[-1] == ("d", "")


def test_interpolation_blends_toward_a_key_after_the_last_frame_as_deforum_does() -> None:
    from lib_animation.plan import make_plan
    from lib_animation.schema import Settings

    prompts = {"0": "a small village", "20": "a large town", "45": "a huge metropolis"}
    plan = make_plan(Settings({"animation_mode": "Interpolation", "max_frames": 30,
                               "animation_prompts": prompts, "animation_prompts_negative": ""}))
    assert plan.prompts[20] == ("a large town", "")
    assert plan.prompts[21] == ("a large town :0.96 AND a huge metropolis :0.04", "")
    assert plan.prompts[29] == ("a large town :0.64 AND a huge metropolis :0.36", "")
    assert not any("not used" in warning for warning in plan.warnings)
    assert plan.prompt_frames == (0, 20)


def test_without_blending_a_key_after_the_last_frame_is_not_used() -> None:
    from lib_animation.plan import make_plan
    from lib_animation.schema import Settings

    prompts = {"0": "a small village", "20": "a large town", "45": "a huge metropolis"}
    plan = make_plan(Settings({"animation_mode": "2D", "max_frames": 30,
                               "animation_prompts": prompts, "animation_prompts_negative": ""}))
    assert plan.prompts[29] == ("a large town", "")
    assert any('"45"' in warning and "not used" in warning for warning in plan.warnings)


def test_only_the_first_key_after_the_end_shapes_the_blend() -> None:
    variables = ScheduleVariables(max_frames=10, seed=1)
    keyframes, warnings = parse_animation_prompts(
        {"0": "cat", "20": "dog", "15": "fox"}, variables=variables, blend=True
    )
    assert [keyframe.frame for keyframe in keyframes] == [0, 15]
    assert len(warnings) == 1 and '"20"' in warnings[0]
    frames = frame_prompts(keyframes, variables=variables, blend=True)
    assert frames[9][0] == "cat :0.4 AND fox :0.6"


def test_blended_frames_take_the_negative_of_the_nearer_key_even_toward_a_key_past_the_end():
    frames = render({"0": "cat --neg a", "10": "dog --neg b", "16": "fox --neg c"}, 14,
                    blend=True)
    assert [neg for _, neg in frames[10:]] == ["b", "b", "b", "c"]  # 13 is as near 16 as 10


@settings(max_examples=100, deadline=None)
@given(
    keys=st.lists(st.integers(0, 40), min_size=1, max_size=5, unique=True),
    max_frames=st.integers(1, 30),
)
def test_a_key_past_the_end_changes_only_the_frames_after_the_last_key(keys, max_frames):
    inside = sorted(key for key in keys if key < max_frames)
    after = sorted(key for key in keys if key >= max_frames)
    assume(inside)
    prompts = {str(key): f"p{key}" for key in inside}
    plain = render(prompts, max_frames, blend=True)
    full = render({**prompts, **{str(key): f"p{key}" for key in after}}, max_frames, blend=True)
    last = inside[-1]
    assert full[: last + 1] == plain[: last + 1]
    for frame in range(last + 1, max_frames):
        if not after or after[0] - last < 2:
            assert full[frame] == plain[frame]
            continue
        weights = a1111_subprompts(full[frame][0])
        assert [text for text, _ in weights] == [f"p{last}", f"p{after[0]}"]
        assert weights[1][1] == pytest.approx((frame - last) / (after[0] - last), abs=1e-4)
