"""The settings declaration and the Settings value object."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib_animation.errors import KeyframesError, KeyframesErrors, SettingsError
from lib_animation.schema import BY_NAME, GROUPS, SETTINGS, Settings, defaults

DEFORUM_NAMES = """sampler steps W H seed batch_name restore_faces tiling animation_mode max_frames
border diffusion_cadence strength_schedule noise_schedule contrast_schedule cfg_scale_schedule angle
zoom translation_x translation_y transform_center_x transform_center_y translation_z rotation_3d_x
rotation_3d_y rotation_3d_z use_depth_warping depth_algorithm padding_mode sampling_mode
fov_schedule aspect_ratio_schedule save_depth_maps
enable_perspective_flip perspective_flip_theta perspective_flip_phi perspective_flip_gamma
perspective_flip_fv noise_type perlin_octaves perlin_persistence noise_multiplier_schedule
color_coherence color_coherence_image_path color_coherence_video_every_N_frames
color_force_grayscale optical_flow_cadence cadence_flow_factor_schedule
optical_flow_redo_generation redo_flow_factor_schedule diffusion_redo reroll_blank_frames
amount_schedule kernel_schedule sigma_schedule threshold_schedule seed_behavior seed_iter_N
seed_schedule subseed_schedule subseed_strength_schedule seed_resize_from_w seed_resize_from_h
enable_steps_scheduling steps_schedule enable_sampler_scheduling sampler_schedule
enable_checkpoint_scheduling checkpoint_schedule enable_clipskip_scheduling clipskip_schedule
ddim_eta_schedule ancestral_eta_schedule animation_prompts animation_prompts_positive
animation_prompts_negative use_init strength init_image use_mask mask_file
video_init_path extract_nth_frame extract_from_frame extract_to_frame overwrite_extracted_frames
fps make_gif add_soundtrack soundtrack_path resume_from_timestring resume_timestring""".split()


def test_deforum_names_are_kept_for_the_same_meaning():
    missing = [name for name in DEFORUM_NAMES if name not in BY_NAME]
    assert missing == []


def test_every_setting_is_fully_declared():
    for setting in SETTINGS:
        assert setting.label and setting.help and setting.group in GROUPS, setting.name
        assert setting.validate(setting.default) == setting.default, setting.name
        if setting.enabled_by:
            assert BY_NAME[setting.enabled_by].kind == "bool"


def test_defaults_make_valid_settings_readable_as_attributes():
    values = Settings()
    assert values.max_frames == 120
    assert values["zoom"].startswith("0: (1.0025")
    assert values.to_dict() == defaults()


def test_settings_are_immutable_and_replace_validates():
    values = Settings()
    with pytest.raises(AttributeError):
        values.max_frames = 3
    assert values.replace(max_frames=10).max_frames == 10
    assert values.max_frames == 120
    with pytest.raises(SettingsError) as caught:
        values.replace(max_frames=0)
    assert caught.value.setting == "max_frames"
    assert "from 1 to 100000" in str(caught.value)


def test_wrong_type_names_the_key_the_value_and_what_is_allowed():
    with pytest.raises(SettingsError) as caught:
        Settings({"max_frames": "lots"})
    message = str(caught.value)
    assert message.startswith("max_frames: 'lots' is not allowed")
    assert "a whole number from 1 to 100000" in message


def test_choice_lists_the_choices_and_matches_case_insensitively():
    assert Settings({"animation_mode": "3d"}).animation_mode == "3D"
    with pytest.raises(SettingsError) as caught:
        Settings({"animation_mode": "4D"})
    assert "2D, 3D, Video Input, Interpolation" in str(caught.value)


def test_open_choices_accept_host_specific_samplers():
    assert Settings({"sampler": "HeunPP2"}).sampler == "HeunPP2"


def test_numbers_stored_as_strings_are_read_as_numbers():
    values = Settings({"diffusion_redo": "0", "fps": "24", "use_init": "True"})
    assert (values.diffusion_redo, values.fps, values.use_init) == (0, 24.0, True)


def test_a_bare_number_for_a_schedule_becomes_a_one_keyframe_schedule():
    assert Settings({"zoom": 1.5}).zoom == "0: (1.5)"


def test_frame_size_must_be_a_multiple_of_8_with_a_hint():
    with pytest.raises(SettingsError) as caught:
        Settings({"W": 500})
    assert str(caught.value) == "W: 500 is not a multiple of 8 (use 496 or 504)"


def test_several_problems_are_reported_together():
    with pytest.raises(KeyframesErrors) as caught:
        Settings({"max_frames": -1, "fps": "fast", "zoom": "0:(1"})
    names = sorted(error.setting for error in caught.value.errors)
    assert names == ["fps", "max_frames", "zoom"]


def test_schedule_values_are_checked_by_the_schedule_parser():
    with pytest.raises(KeyframesError) as caught:
        Settings({"angle": "0:(tt)"})
    assert caught.value.setting == "angle"
    assert "tt" in str(caught.value)


_values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=40),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.text(max_size=5)),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SETTINGS), _values)
def test_any_value_is_accepted_or_rejected_with_a_settings_error(setting, value):
    try:
        checked = setting.validate(value)
    except KeyframesError as error:
        assert str(error)
    else:
        assert setting.validate(checked) == checked
