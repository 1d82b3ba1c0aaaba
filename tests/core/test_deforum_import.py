"""Deforum settings files load as they are."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from lib_animation.deforum_import import split_sampler_name
from lib_animation.schema import BY_NAME
from lib_animation.settings_files import dumps_settings, load_settings, loads_settings

DEFORUM_RUN_SAVED = {
    "W": 512, "H": 768, "seed": 3528745513, "sampler": "DPM++ 2M Karras", "steps": 25,
    "batch_name": "Deforum_{timestring}", "seed_behavior": "iter", "restore_faces": False,
    "animation_mode": "3D", "max_frames": "60", "border": "replicate",
    "diffusion_cadence": "3", "translation_z": "0:(1.75)", "zoom": "0: (1.0)",
    "noise_type": "uniform", "padding_mode": "border", "depth_algorithm": "Zoe",
    "color_coherence": "Match Frame 0 LAB", "optical_flow_cadence": "RAFT", "diffusion_redo": "0",
    "fill": 1, "skip_video_creation": True, "add_soundtrack": "None",
    "hybrid_composite": "None", "cn_1_enabled": False, "parseq_manifest": "",
    "legacy_colormatch": False, "sd_model_name": "v1-5", "deforum_git_commit_id": "3224268",
    "prompts": {
        "0": "masterpiece, a cat --neg nsfw, nude",
        "30": "masterpiece, a dog --neg blurry nsfw, nude",
    },
    "positive_prompts": "masterpiece,",
    "negative_prompts": "nsfw, nude",
}  # fmt: skip


def _write(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_deforum_run_saved_file_loads_as_it_is(tmp_path):
    loaded = load_settings(_write(tmp_path / "deforum_settings.txt", DEFORUM_RUN_SAVED))
    values = loaded.settings
    assert loaded.source_format == "flat"
    assert (values.W, values.H, values.max_frames, values.diffusion_cadence) == (512, 768, 60, 3)
    assert (values.sampler, values.scheduler) == ("DPM++ 2M", "Karras")
    assert values.noise_type == "gaussian"
    assert values.padding_mode == "replicate"
    assert values.color_coherence == "LAB"
    assert values.optical_flow_cadence == "RAFT"
    assert values.fill == "original"
    assert values.video_format == "none"
    assert values.animation_prompts_positive == "masterpiece,"
    assert values.animation_prompts_negative == "nsfw, nude"


def test_features_left_off_and_informational_keys_stay_quiet(tmp_path):
    loaded = load_settings(_write(tmp_path / "d.txt", DEFORUM_RUN_SAVED))
    unknown = [w for w in loaded.warnings if w.startswith("ignored")]
    assert unknown == ["ignored 1 setting(s) Keyframes does not use: legacy_colormatch"]
    assert not any("not supported" in w for w in loaded.warnings)
    assert not any("RAFT" in w for w in loaded.warnings)
    assert any("depth_algorithm" in w for w in loaded.warnings)


def test_misspelt_deforum_keys_get_a_suggestion(tmp_path):
    typos = {"angel": "0:(1)", "translaton_x": "0:(2)", "strenght_schedule": "0:(0.5)"}
    loaded = load_settings(_write(tmp_path / "typos.txt", {**DEFORUM_RUN_SAVED, **typos}))
    assert "angel is not a setting; did you mean angle? (ignored)" in loaded.warnings
    assert ("translaton_x is not a setting; did you mean translation_x? (ignored)"
            in loaded.warnings)
    assert ("strenght_schedule is not a setting; did you mean strength_schedule? (ignored)"
            in loaded.warnings)
    assert "ignored 1 setting(s) Keyframes does not use: legacy_colormatch" in loaded.warnings
    assert loaded.settings.angle == BY_NAME["angle"].default


FEATURES_ON = {
    "hybrid_generate_human_masks": "PNGs",
    "cn_1_enabled": True, "cn_1_model": "control_canny", "cn_3_enabled": "true",
    "use_looper": True, "init_images": '{"0": "a.png"}', "blendFactorMax": "0:(0.35)",
    "use_mask": True, "mask_schedule": '0: ("{video_mask} & [circle.png]")',
    "frame_interpolation_engine": "RIFE v4.6", "frame_interpolation_x_amount": 3,
    "r_upscale_video": True, "r_upscale_factor": "x4",
}  # fmt: skip


def test_each_deforum_feature_a_file_turns_on_is_named_once():
    loaded = loads_settings(json.dumps(FEATURES_ON))
    assert sorted(loaded.warnings) == sorted([
        "hybrid_generate_human_masks = PNGs: hybrid human masks are not supported yet; "
        "rendering without them",
    ])  # fmt: skip
    assert loaded.settings.use_mask is True


def test_a_deforum_hybrid_video_file_loads_without_a_warning():
    loaded = loads_settings(json.dumps({
        "hybrid_motion": "Optical Flow", "hybrid_composite": "Normal",
        "hybrid_flow_method": "DIS Medium", "hybrid_generate_inputframes": True,
        "hybrid_generate_human_masks": "None", "hybrid_comp_mask_type": "Difference",
        "hybrid_comp_alpha_schedule": "0:(0.3)", "hybrid_flow_factor_schedule": "0:(1)",
    }))
    assert loaded.warnings == ()
    assert (loaded.settings.hybrid_motion, loaded.settings.hybrid_composite,
            loaded.settings.hybrid_comp_mask_type) == ("Optical Flow", "Normal", "Difference")


def test_deforum_raft_flows_stay_raft_and_an_old_switch_becomes_a_mode():
    loaded = loads_settings(json.dumps({
        "hybrid_motion": "Optical Flow", "hybrid_flow_method": "RAFT", "hybrid_composite": True,
        "optical_flow_cadence": "RAFT", "optical_flow_redo_generation": "RAFT",
    }))
    assert loaded.warnings == ()
    assert (loaded.settings.hybrid_flow_method, loaded.settings.optical_flow_cadence,
            loaded.settings.optical_flow_redo_generation) == ("RAFT", "RAFT", "RAFT")
    assert loaded.settings.hybrid_composite == "Normal"


# Deforum's upscaling keys are settings now: a wrong value is a settings error, not a feature.
_feature_keys = st.sampled_from(sorted(
    key for key in set(FEATURES_ON) - set(BY_NAME) if not key.startswith("r_upscale_")) + [
    "cn_6_enabled", "cn_7_weight", "hybrid_generate_human_masks",
])  # fmt: skip
_json_values = st.none() | st.booleans() | st.integers(-3, 3) | st.text(max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_feature_keys, _json_values, max_size=8))
def test_any_feature_keys_load_with_at_most_one_warning_per_feature(values):
    loaded = loads_settings(json.dumps(values))
    named = [w.split(": ", 1)[1].split(" is not supported")[0].split(" are not supported")[0]
             for w in loaded.warnings]
    assert len(named) == len(set(named))
    assert all("not supported yet" in w for w in loaded.warnings)
    assert loaded.settings.animation_mode == BY_NAME["animation_mode"].default


def test_common_prompt_parts_are_never_doubled_on_reload(tmp_path):
    first = load_settings(_write(tmp_path / "d.txt", DEFORUM_RUN_SAVED)).settings
    assert first.animation_prompts["0"].strip() == "a cat"
    again = loads_settings(dumps_settings(first)).settings
    assert again == first
    third = loads_settings(dumps_settings(again)).settings
    assert third.animation_prompts == first.animation_prompts


def test_sampler_names_with_a_scheduler_are_split():
    assert split_sampler_name("DPM++ 2M SDE Karras") == ("DPM++ 2M SDE", "Karras")
    assert split_sampler_name("Euler a") == ("Euler a", None)


def test_a_sampler_schedule_with_scheduler_names_becomes_two_schedules():
    text = json.dumps({"sampler_schedule": '0:("Euler a"), 10:("DPM++ 2M Karras")',
                       "enable_sampler_scheduling": True})
    values = loads_settings(text).settings
    assert "Karras" not in values.sampler_schedule
    assert "Karras" in values.scheduler_schedule
    assert values.enable_scheduler_scheduling is True


SHAPE_FILE = Path(__file__).parent / "data" / "deforum_default_settings_shape.txt"


def test_deforum_default_settings_file_loads_with_its_nulls():
    # Every key and every null of Deforum's scripts/default_settings.txt (its text values
    # replaced by our own): `init_image: null` means "not set".
    document = json.loads(SHAPE_FILE.read_text(encoding="utf-8"))
    assert len(document) == 253 and document["init_image"] is None
    loaded = load_settings(SHAPE_FILE)
    values = loaded.settings
    assert loaded.warnings == (
        "ignored 5 setting(s) Keyframes does not use: delete_input_frames, legacy_colormatch, "
        "midas_weight, motion_preview_mode, store_frames_in_ram",
    )
    assert values.init_image == ""
    assert (values.animation_mode, values.max_frames, values.diffusion_cadence) == ("3D", 120, 2)
    assert values.translation_z == "0: (1.75)"
    assert values.padding_mode == "replicate"
    assert values.animation_prompts["30"].endswith("--neg blurry")


def test_deforum_upscaling_maps_to_the_webui_upscaler_of_the_same_weights():
    loaded = loads_settings(json.dumps({
        "r_upscale_video": True, "r_upscale_model": "realesrgan-x4plus-anime",
        "r_upscale_factor": "x3", "r_upscale_keep_imgs": False,
    }))  # fmt: skip
    assert loaded.warnings == ()
    settings = loaded.settings
    assert (settings.upscale_after_render, settings.upscaler, settings.upscale_factor,
            settings.upscale_keep_frames) == (True, "R-ESRGAN 4x+ Anime6B", 3, False)


DEFORUM_CONTROLNET_UNIT = {
    "cn_2_enabled": True, "cn_2_module": "canny", "cn_2_model": "control_v11p_sd15_canny",
    "cn_2_weight": "0:(0), 5:(1)", "cn_2_guidance_start": "0:(0.0)",
    "cn_2_guidance_end": "0:(0.8)", "cn_2_processor_res": 512, "cn_2_threshold_a": 100,
    "cn_2_threshold_b": 200, "cn_2_resize_mode": "Outer Fit (Shrink to Fit)",
    "cn_2_control_mode": "ControlNet is more important", "cn_2_low_vram": True,
    "cn_2_pixel_perfect": True, "cn_2_loopback_mode": False, "cn_2_overwrite_frames": False,
    "cn_2_vid_path": "/videos/dance.mp4", "cn_2_mask_vid_path": "",
}  # fmt: skip


def test_a_deforum_controlnet_unit_loads_with_every_key_and_no_warning():
    loaded = loads_settings(json.dumps(DEFORUM_CONTROLNET_UNIT))
    assert loaded.warnings == ()
    values = loaded.settings
    for key, value in DEFORUM_CONTROLNET_UNIT.items():
        if key != "cn_2_resize_mode":
            assert values[key] == value, key
    # Deforum's old resize-mode names are the extension's aliases of its current ones.
    assert values.cn_2_resize_mode == "Resize and Fill"
    assert loads_settings(json.dumps({"cn_1_resize_mode": "Inner Fit (Scale to Fit)"})
                          ).settings.cn_1_resize_mode == "Crop and Resize"


def test_a_sixth_unit_from_a_deforum_setup_with_more_units_is_named_once():
    loaded = loads_settings(json.dumps({"cn_6_enabled": True, "cn_6_model": "x",
                                        "cn_7_enabled": False}))
    assert loaded.warnings == ("cn_6_enabled = true: ControlNet units after the fifth are not "
                               "supported yet; rendering without them",)
