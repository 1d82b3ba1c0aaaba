"""Deforum settings files load as they are."""

from __future__ import annotations

import json
from pathlib import Path

from lib_animation.deforum_import import split_sampler_name
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
    assert values.optical_flow_cadence == "DIS Fine"
    assert values.fill == "original"
    assert values.video_format == "none"
    assert values.animation_prompts_positive == "masterpiece,"
    assert values.animation_prompts_negative == "nsfw, nude"


def test_unsupported_deforum_keys_are_listed_in_one_warning(tmp_path):
    loaded = load_settings(_write(tmp_path / "d.txt", DEFORUM_RUN_SAVED))
    unknown = [w for w in loaded.warnings if w.startswith("ignored")]
    assert len(unknown) == 1
    for key in ("cn_1_enabled", "hybrid_composite", "parseq_manifest", "legacy_colormatch"):
        assert key in unknown[0]
    assert any("RAFT" in w for w in loaded.warnings)
    assert any("depth_algorithm" in w for w in loaded.warnings)


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
    values = load_settings(SHAPE_FILE).settings
    assert values.init_image == ""
    assert (values.animation_mode, values.max_frames, values.diffusion_cadence) == ("3D", 120, 2)
    assert values.translation_z == "0: (1.75)"
    assert values.padding_mode == "replicate"
    assert values.animation_prompts["30"].endswith("--neg blurry")
