"""The frame plan: every frame accounted for, values from the schedules, seeds resolved."""

from __future__ import annotations

import numpy as np
import pytest

from lib_animation.errors import KeyframesError, KeyframesErrors
from lib_animation.plan import diffused_mask, make_plan
from lib_animation.schema import SCHEDULE_NAMES, Settings


def test_cadence_diffuses_every_nth_frame_and_the_last_so_no_frame_is_missing():
    assert np.flatnonzero(diffused_mask(10, 3)).tolist() == [0, 3, 6, 9]
    assert np.flatnonzero(diffused_mask(11, 3)).tolist() == [0, 3, 6, 9, 10]
    assert np.flatnonzero(diffused_mask(12, 3)).tolist() == [0, 3, 6, 9, 11]
    assert diffused_mask(1, 4).tolist() == [True]
    assert diffused_mask(5, 1).all()


def test_every_schedule_has_one_value_per_frame():
    plan = make_plan(Settings({"max_frames": 37, "seed": 5}))
    assert set(plan.values) == set(SCHEDULE_NAMES)
    for name, values in plan.values.items():
        assert len(values) == 37, name
    assert len(plan.prompts) == len(plan.seeds) == len(plan.diffused) == 37


def test_values_follow_the_schedule_at_hand_computed_frames():
    plan = make_plan(Settings({"max_frames": 11, "seed": 1, "angle": "0:(0), 10:(5)",
                               "zoom": "0:(1 + t/100)"}))
    assert plan.value("angle", 4) == pytest.approx(2.0)
    assert plan.value("zoom", 7) == pytest.approx(1.07)


def test_video_input_and_interpolation_diffuse_every_frame():
    for mode in ("Video Input", "Interpolation"):
        plan = make_plan(Settings({"animation_mode": mode, "diffusion_cadence": 4,
                                   "max_frames": 9, "seed": 2}))
        assert plan.diffused.all()


def test_seed_minus_one_is_resolved_once_and_kept_in_the_plans_settings():
    plan = make_plan(Settings({"seed": -1, "max_frames": 4, "diffusion_cadence": 1}),
                     rng=np.random.default_rng(7))
    assert 0 <= plan.settings.seed < 2**32
    assert plan.seeds.tolist() == [plan.settings.seed + i for i in range(4)]


def test_seed_schedule_keeps_minus_one_in_values_but_resolves_seeds():
    plan = make_plan(Settings({"seed": 10, "seed_behavior": "schedule", "max_frames": 8,
                               "diffusion_cadence": 1}))
    assert plan.values["seed_schedule"].tolist() == [10, -1, -1, -1, -1, -1, 10, 10]
    assert plan.seeds[0] == 10 and plan.seeds[6] == 10 and plan.seeds[7] == 10
    assert all(seed >= 0 for seed in plan.seeds)


def test_max_frames_override_for_video_length():
    plan = make_plan(Settings({"max_frames": 100, "seed": 3}), max_frames=7)
    assert plan.max_frames == plan.settings.max_frames == 7


def test_problems_in_several_schedules_are_reported_together():
    with pytest.raises(KeyframesErrors) as caught:
        make_plan(Settings({"seed": 1, "zoom": "0:(1/(t-3))", "angle": "0:(log(t-50))"}))
    assert sorted(error.setting for error in caught.value.errors) == ["angle", "zoom"]


def test_a_single_problem_names_the_setting_and_frame():
    with pytest.raises(KeyframesError) as caught:
        make_plan(Settings({"seed": 1, "zoom": "0:(1/(t-3))"}))
    assert caught.value.setting == "zoom"
    assert caught.value.frame == 3


def test_keyframes_past_the_end_warn_only_for_schedules_in_use():
    plan = make_plan(Settings({"seed": 1, "max_frames": 10, "angle": "0:(0), 50:(3)",
                               "steps_schedule": "0:(20), 99:(30)"}))
    assert any("angle" in warning for warning in plan.warnings)
    assert not any("steps_schedule" in warning for warning in plan.warnings)


def test_plan_json_has_the_documented_shape():
    plan = make_plan(Settings({"seed": 9, "max_frames": 3}))
    document = plan.to_json()
    assert set(document) == {"max_frames", "values", "seeds", "subseeds", "subseed_strengths",
                             "prompts", "diffused", "sources"}
    assert document["values"]["sampler_schedule"] == ["Euler a"] * 3
    assert document["prompts"][0]["negative"].endswith("nsfw, nude")
    assert document["diffused"] == [True, False, True]


def test_a_value_outside_the_settings_range_names_the_frame():
    with pytest.raises(KeyframesError) as caught:
        make_plan(Settings({"seed": 1, "max_frames": 20, "strength_schedule": "0:(0.5), 10:(1.5)"}))
    assert caught.value.setting == "strength_schedule"
    assert caught.value.frame == 6
    assert "from 0 to 1" in str(caught.value)


def test_ranges_of_schedules_that_are_switched_off_are_not_checked():
    plan = make_plan(Settings({"seed": 1, "max_frames": 5, "steps_schedule": "0:(0)"}))
    assert plan.values["steps_schedule"].tolist() == [0.0] * 5


def test_only_schedules_the_mode_uses_are_range_checked_and_plotted():
    from lib_animation.curves import changing_schedules

    values = {"seed": 1, "max_frames": 10, "fov_schedule": "0:(200)", "angle": "0:(0), 9:(5)",
              "zoom": "0:(1)",
              "translation_z": "0:(0), 9:(5)"}
    flat = make_plan(Settings({**values, "animation_mode": "2D"}))
    assert changing_schedules(flat) == ["angle"]
    with pytest.raises(KeyframesError) as caught:
        make_plan(Settings({**values, "animation_mode": "3D"}))
    assert caught.value.setting == "fov_schedule"
