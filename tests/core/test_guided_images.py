"""Guided images: the init_images setting under hostile input, the plan's guide schedule
(which image guides each frame, and Deforum's blend factor, derived by hand), and Deforum files
that use them."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib_animation.errors import KeyframesError, SettingsError
from lib_animation.plan import make_plan
from lib_animation.schema import BY_NAME, Settings
from lib_animation.settings_files import loads_settings

LOOPER = {"use_looper": True, "seed": 3, "blendFactorMax": "0:(0.35)",
          "blendFactorSlope": "0:(0.25)", "tweening_frames_schedule": "0:(4)"}


def _plan(images, max_frames=14, **values):
    return make_plan(Settings({**LOOPER, "max_frames": max_frames, "init_images": images,
                               **values}))


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
_hostile = st.one_of(
    st.text(max_size=300),
    _json.map(json.dumps),
    _json,
    st.integers(1, 5000).map(lambda depth: '{"0": ' + "[" * depth + "]" * depth + "}"),
    st.integers(1, 100_000).map(lambda depth: "[" * depth),
    st.integers(101, 3000).map(lambda n: json.dumps({str(i): "a.png" for i in range(n)})),
    st.text(max_size=40).map(lambda key: json.dumps({key: "a.png"})),
    st.sampled_from(['{"max_f/": "a.png"}', '{"t": "a.png"}', '{"0": ""}', '{"0": 7}',
                     '{"__import__(\'os\')": "a.png"}', '{"0": "a\\u0000.png"}',
                     '{"' + "9" * 300 + '": "a.png"}', '{"1e999": "a.png"}']),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_hostile)
def test_any_init_images_value_is_accepted_or_refused_in_one_line(value):
    try:
        checked = Settings({**LOOPER, "max_frames": 10, "init_images": value})
    except KeyframesError as error:
        assert "\n" not in str(error) and str(error).startswith("init_images")
        return
    try:
        plan = make_plan(checked)
    except KeyframesError as error:
        assert "\n" not in str(error) and str(error).startswith("init_images")
        return
    assert plan.guide is not None and len(plan.guide.entry) == 10


@pytest.mark.parametrize(("value", "expected"), [
    ('{"0": "a.png", "max_f/": "b.png"}', "init_images, keyframe 2: key \"max_f/\""),
    ('{"0": 3}', 'init_images, keyframe 1: image of key "0" must be a file path or URL'),
    ('["a.png"]', "init_images: must be a JSON object"),
    ('{"0": "a.png",}', "init_images, column 15: not valid JSON"),
])  # fmt: skip
def test_errors_name_the_keyframe(value, expected):
    with pytest.raises(SettingsError) as caught:
        Settings({"init_images": value})
    assert str(caught.value).startswith(expected)


def test_a_key_before_frame_0_is_refused_naming_its_keyframe():
    with pytest.raises(SettingsError) as caught:
        _plan({"0": "a.png", "max_f-20": "b.png"}, max_frames=10)
    assert str(caught.value) == ('init_images, keyframe 2: key "max_f-20" gives frame -11; '
                                 "frames start at 0")


def test_each_frame_is_guided_by_the_latest_key_at_or_before_it():
    plan = _plan({"0": "a.png", "max_f/2 - 1.5": "b.png"}, max_frames=15)  # 14/2-1.5 -> 5
    assert plan.guide.entry.tolist() == [0] * 5 + [1] * 10


def test_keys_written_out_of_order_are_sorted_by_frame():
    plan = _plan({"10": "b.png", "2": "a.png"}, max_frames=12)
    assert plan.guide.entry.tolist() == [1] * 10 + [0] * 2


def test_the_blend_factor_is_deforums_formula():
    # Keys 0 and 10 over 14 frames: frames 0..10 lie in the segment (0, 10) of length 10, frames
    # 11..13 in no segment (length 25). Tweening T = 4: a frame is in the window when
    # f mod L <= 4, and its factor is 0.35 - 0.25 cos((f mod 4) / 2); 0.07 outside.
    plan = _plan({"0": "a.png", "10": "b.png"})
    tween = {0: 0.35 - 0.25, 1: 0.35 - 0.25 * math.cos(0.5), 2: 0.35 - 0.25 * math.cos(1.0),
             3: 0.35 - 0.25 * math.cos(1.5)}
    expected = [tween[f % 4] if f % 10 <= 4 else 0.07 for f in range(11)] + [0.07] * 3
    assert plan.guide.blend.tolist() == pytest.approx(expected, abs=1e-12)
    assert plan.guide.blend[2] == pytest.approx(0.2149244, abs=1e-7)
    assert plan.guide.blend[10] == pytest.approx(plan.guide.blend[2])


def test_a_key_after_the_last_frame_is_never_shown_but_still_bounds_the_segment():
    plan = _plan({"0": "a.png", "20": "b.png"}, max_frames=14)
    assert plan.guide.entry.tolist() == [0] * 14
    # In the segment (0, 20): frame 13 is at 13 mod 20 = 13 > 4, outside the window.
    assert plan.guide.blend[13] == 0.07 and plan.guide.blend[4] == pytest.approx(0.10)
    assert 'init_images: "b.png" is for frame 20, after the last frame 13; it is never shown' \
        in plan.warnings


def test_two_keys_on_one_frame_keep_the_later_image():
    plan = _plan({"0": "a.png", "5": "b.png", "max_f/2 - 1.5": "c.png"}, max_frames=15)
    assert plan.guide.entry.tolist() == [0] * 5 + [2] * 10
    assert any('"b.png" and "c.png" are both for frame 5' in w for w in plan.warnings)


def test_switched_off_the_example_urls_are_never_looked_at():
    plan = make_plan(Settings({"max_frames": 10}))
    assert plan.guide is None
    assert Settings({}).init_images == BY_NAME["init_images"].default


def test_with_guided_images_the_image_strength_replaces_the_strength():
    from lib_animation.frame_requests import frame_request

    plan = _plan({"0": "a.png"}, image_strength_schedule="0:(0.6), 5:(0.9)",
                 strength_schedule="0:(0.2)")
    strengths = [frame_request(plan, f, None).denoising_strength for f in (0, 5)]
    assert strengths == pytest.approx([0.4, 0.1])


DEFORUM_GUIDED = {
    "animation_mode": "3D", "max_frames": 120, "seed_behavior": "iter", "use_looper": True,
    "strength_0_no_init": True,
    "init_images": '{\n    "0": "https://deforum.github.io/a1/Gi1.png",\n'
                   '    "max_f/4-5": "https://deforum.github.io/a1/Gi2.png"\n}',
    "image_strength_schedule": "0:(0.75)", "blendFactorMax": "0:(0.35)",
    "blendFactorSlope": "0:(0.25)", "tweening_frames_schedule": "0:(20)",
    "color_correction_factor": "0:(0.075)",
}  # fmt: skip


def test_a_deforum_file_with_guided_images_loads_without_a_not_supported_warning():
    loaded = loads_settings(json.dumps(DEFORUM_GUIDED))
    assert not any("not supported" in w for w in loaded.warnings)
    assert loaded.settings.init_images == {"0": "https://deforum.github.io/a1/Gi1.png",
                                           "max_f/4-5": "https://deforum.github.io/a1/Gi2.png"}
    assert loaded.settings.seed_behavior == "schedule"
    assert "seed_behavior: iter becomes schedule, as Deforum renders guided images" \
        in loaded.warnings
    assert make_plan(loaded.settings).guide.entry[24] == 1  # 119/4-5 = 24.75 -> 24


def test_a_flat_file_deforum_did_not_write_keeps_its_seed_behaviour():
    own = {key: value for key, value in DEFORUM_GUIDED.items() if key != "strength_0_no_init"}
    assert loads_settings(json.dumps(own)).settings.seed_behavior == "iter"


def test_looper_values_deforum_saved_as_plain_numbers_load_as_schedules():
    saved = {**DEFORUM_GUIDED, "blendFactorMax": "0.35", "tweening_frames_schedule": "20.0",
             "imageStrength": 0.75, "colorCorrectionFactor": 0.075, "imagesToKeyframe": "{}"}
    loaded = loads_settings(json.dumps(saved))
    assert loaded.settings.blendFactorMax == "0: (0.35)"
    assert loaded.settings.tweening_frames_schedule == "0: (20.0)"
    assert not any("imageStrength" in w or "not supported" in w for w in loaded.warnings)
