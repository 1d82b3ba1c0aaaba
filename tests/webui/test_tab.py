"""The Keyframes tab without a browser: its layout comes from the schema, it shows what applies,
checks fields as they are typed, plans, keeps presets and the last settings, and its runs
interrupt and resume. (The same tab in Chromium: tests/browser.)"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

gr = pytest.importorskip("gradio")

from lib_animation.errors import KeyframesError  # noqa: E402
from lib_animation.plan import make_plan  # noqa: E402
from lib_animation.presets import save_user_preset  # noqa: E402
from lib_animation.schema import ANIMATION_MODES, BY_NAME, SETTINGS, Settings, applies  # noqa: E402
from lib_animation.webui import tab_model as model  # noqa: E402
from lib_animation.webui.jobs import DONE, INTERRUPTED  # noqa: E402
from lib_animation.webui.standalone import build_standalone  # noqa: E402
from lib_animation.webui.tab_plot import plot_plan, plotted_schedules  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tab")
    blocks, _manager = build_standalone(folder / "out", presets_dir=folder / "presets",
                                        last_settings=folder / "last.json")
    return blocks


def _by_elem_id(blocks) -> dict[str, list]:
    found: dict[str, list] = {}
    for block in blocks.blocks.values():
        if getattr(block, "elem_id", None):
            found.setdefault(block.elem_id, []).append(block)
    return found


def test_the_controlnet_section_is_hidden_without_the_extension(page):
    (tab,) = _by_elem_id(page)["keyframes_tab_controlnet"]
    assert tab.visible is False
    assert [t.visible for t in _by_elem_id(page)["keyframes_tab_output"]] == [True]


def test_every_setting_has_exactly_one_control_labelled_from_the_schema(page):
    found = _by_elem_id(page)
    for setting in SETTINGS:
        controls = found.get(model.elem_id(setting.name), [])
        assert len(controls) == 1, setting.name
        assert controls[0].label == setting.label


@pytest.mark.parametrize("mode", ANIMATION_MODES)
def test_every_setting_a_mode_uses_is_shown_and_nothing_else(mode):
    values = Settings({"animation_mode": mode})
    shown = model.visibility([values[name] for name in model.DRIVERS])
    for setting in SETTINGS:
        assert shown[setting.name] == applies(values, setting.name), setting.name


def test_the_groups_are_the_ones_deforum_users_know():
    titles = [panel.title for panel in model.LAYOUT]
    assert titles == ["Run", "Keyframes", "Prompts", "Init / Video Input", "Hybrid Video", "Audio",
                      "Output", "ControlNet"]
    keyframes = model.LAYOUT[1]
    assert [p.title for p in keyframes.panels] == [
        "Motion", "Noise", "Coherence", "Anti Blur", "Depth Warping & FOV", "Strength", "CFG",
        "Seed", "SubSeed", "Steps", "Sampler", "Checkpoint"]
    placed = model.placement()
    assert placed["run"][:6] == ["sampler", "scheduler", "steps", "W", "H", "seed"]
    assert "batch_name" in placed["run"]
    assert placed["keyframes"][:4] == ["animation_mode", "max_frames", "border",
                                       "diffusion_cadence"]
    assert "strength_schedule" in placed["strength"]
    assert "checkpoint_schedule" in placed["checkpoint"]
    assert "translation_z" in placed["motion"] and "fov_schedule" in placed["depth_warping_fov"]
    every = [name for names in placed.values() for name in names]
    assert sorted(every) == sorted(BY_NAME)  # each setting in exactly one place


def test_3d_shows_3d_motion_and_depth_and_interpolation_shows_no_motion():
    def shown(mode, **switches):
        values = {**{n: BY_NAME[n].default for n in model.DRIVERS}, "animation_mode": mode,
                  **switches}
        return model.visibility([values[n] for n in model.DRIVERS])

    three_d = shown("3D")
    assert three_d["translation_z"] and three_d["fov_schedule"] and three_d["depth_algorithm"]
    assert not three_d["zoom"]
    interpolation = shown("Interpolation")
    assert not any(interpolation[n] for n in model.placement()["motion"])
    assert not shown("3D", use_depth_warping=False)["depth_algorithm"]
    note = model.panel_note(model.LAYOUT[1].panels[0], interpolation, "Interpolation",
                            model.placement())
    assert "Nothing here applies in Interpolation mode" in note


def test_a_broken_schedule_is_reported_with_its_keyframe_and_column():
    message = model.field_problem("zoom", "0: (1.0), 30: (1.0+tt)")
    assert message.startswith("keyframe 2, column")
    assert "tt" in message
    assert model.field_problem("zoom", "0: (1.0), 30: (1.5)") == ""
    out_of_range = model.field_problem("strength_schedule", "0: (0.5), 10: (1.5)", 20)
    assert out_of_range.startswith("frame ") and "from 0 to 1" in out_of_range
    assert model.field_problem("animation_prompts", '{"0": "a cat"') != ""


def test_the_settings_round_trip_through_the_controls():
    settings = Settings({"animation_mode": "3D", "max_frames": 40, "zoom": "0: (1.1)"})
    assert model.settings_from_ui(model.ui_values(settings)) == settings
    values = model.ui_values(settings)
    values[[s.name for s in SETTINGS].index("W")] = 500
    with pytest.raises(KeyframesError, match="multiple of 8"):
        model.settings_from_ui(values)


def test_the_plan_table_lists_every_frame_with_its_values():
    plan = make_plan(Settings({"max_frames": 30, "seed": 7}))
    rows = model.plan_table(plan)
    assert len(rows) == 30
    assert rows[0][:3] == [0, "diffused", 7] and rows[1][1] == "tween"
    assert rows[0][model.TABLE_HEADERS.index("Motion")].startswith("Zoom ")
    random = model.plan_table(make_plan(Settings({"max_frames": 30})), random_seed=True)
    assert [random[0][2], random[2][2]] == ["s", "s+1"]
    long_plan = make_plan(Settings({"max_frames": 5000, "seed": 1}))
    assert len(model.plan_table(long_plan)) <= model.MAX_TABLE_ROWS + 20


def test_the_plot_highlights_the_edited_schedule_first():
    plan = make_plan(Settings({"max_frames": 30, "seed": 1, "angle": "0: (0), 29: (10)"}))
    assert plotted_schedules(plan, "strength_schedule")[0] == "strength_schedule"
    image = plot_plan(plan, "angle")
    assert image.ndim == 3 and image.shape[2] == 3 and image.shape[0] > 100


def test_presets_shipped_are_read_only_and_yours_can_be_deleted(tmp_path):
    choices = model.preset_choices(tmp_path)
    assert "3d-fly-through (shipped)" in choices
    assert "read-only" not in model.delete_user_preset("3d-fly-through (shipped)", tmp_path)
    assert (model.find_listed_preset("3d-fly-through (shipped)", tmp_path)).path.is_file()
    save_user_preset(Settings({"max_frames": 9}), "mine", tmp_path)
    assert "mine" in model.preset_choices(tmp_path)
    assert model.delete_user_preset("mine", tmp_path) == "Deleted preset 'mine'."
    assert "mine" not in model.preset_choices(tmp_path)


def test_the_last_settings_come_back(tmp_path):
    path = tmp_path / "last.json"
    base = Settings({"video_crf": 20})
    assert model.load_last_settings(path, base) == base
    used = Settings({"max_frames": 33})
    model.save_last_settings(path, used)
    assert model.load_last_settings(path, base) == used
    path.write_text("{broken")
    assert model.load_last_settings(path, base) == base


def test_preview_settings_are_small_and_fast():
    preview = model.preview_settings(Settings({"W": 1024, "H": 576}), 256)
    assert (preview.W, preview.H) == (256, 144)
    assert preview.video_format == "mp4" and not preview.delete_imgs


def test_a_motion_preview_does_not_upscale_nor_ask_for_the_webuis_upscaler():
    settings = Settings({"W": 1024, "H": 576, "upscale_after_render": True,
                         "upscaler": "R-ESRGAN 4x+"})
    assert not model.preview_settings(settings, 256).upscale_after_render


def test_a_run_interrupted_from_the_tab_resumes_to_every_frame(tmp_path):
    _blocks, manager = build_standalone(tmp_path / "out", presets_dir=tmp_path / "p",
                                        last_settings=tmp_path / "l.json", delay_s=0.05)
    job = manager.submit(Settings({"max_frames": 24, "W": 128, "H": 128, "seed": 3}))
    deadline = time.monotonic() + 60
    while manager.get(job.id).frames_done < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    manager.cancel(job.id)
    while manager.get(job.id).state not in (INTERRUPTED, DONE) and time.monotonic() < deadline:
        time.sleep(0.02)
    stopped = manager.get(job.id)
    assert stopped.state == INTERRUPTED and stopped.frames_done < 24
    manager.resume(job.id)
    while manager.get(job.id).state != DONE and time.monotonic() < deadline:
        time.sleep(0.05)
    finished = manager.get(job.id)
    assert finished.state == DONE and finished.frames_done == 24
    assert finished.videos and finished.videos[0].stat().st_size > 0


def test_the_standalone_tab_never_imports_the_webui():
    code = ("import sys; import lib_animation.webui.standalone, lib_animation.webui.tab; "
            "assert 'modules' not in sys.modules, 'modules imported'")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_the_command_line_has_a_ui_command():
    from lib_animation.cli import build_parser

    arguments = build_parser().parse_args(["ui", "--port", "7999", "--out", "x"])
    assert (arguments.port, arguments.out) == (7999, "x")


def test_guide_images_are_a_json_box_shown_only_with_guided_images_on():
    from lib_animation.schema import BY_NAME, defaults
    from lib_animation.webui import tab_model as model

    assert model.control_type(BY_NAME["init_images"]) == model.PROMPTS_BOX
    assert json.loads(model.to_ui("init_images", {"0": "a.png"})) == {"0": "a.png"}

    def shown(**changes):
        values = {**defaults(), **changes}
        return model.visibility([values[name] for name in model.DRIVERS])

    assert not shown()["init_images"] and not shown(use_looper=True)["use_init"]
    assert shown(use_looper=True)["init_images"]
    assert not shown(use_looper=True, animation_mode="Video Input")["init_images"]
    assert model.field_problem("init_images", '{"0": "a.png", "max_f/": "b.png"}').startswith(
        'keyframe 2: key "max_f/"')


def test_a_text_schedules_name_and_values_fit_in_the_plot():
    long_path = "/a/very/long/folder/name/that/goes/on/masks/left.png"
    plan = make_plan(Settings({"max_frames": 8, "use_mask": True,
                               "mask_schedule": f'0: ("[{long_path}]"), 4: ("![{long_path}]")'}))
    image = plot_plan(plan)
    # Nothing is cut at the left edge: the panel's name ("Mask") used to run off it.
    assert image[:, :4].min() > 200


def test_a_finished_run_is_upscaled_from_the_result_tab_with_the_hosts_upscalers(tmp_path):
    from lib_animation.host import PreviewHost
    from lib_animation.webui.jobs import UpscaleChoice

    blocks, manager = build_standalone(tmp_path / "out", presets_dir=tmp_path / "p",
                                       last_settings=tmp_path / "l.json")
    [choice] = _by_elem_id(blocks)["keyframes_upscale_with"]
    assert list(choice.choices) == PreviewHost().upscaler_names()
    job = manager.submit(Settings({"max_frames": 3, "W": 64, "H": 64, "video_format": "mp4"}))
    deadline = time.monotonic() + 60
    while manager.get(job.id).state != DONE and time.monotonic() < deadline:
        time.sleep(0.05)
    upscaled = manager.upscale(job.id, UpscaleChoice("Lanczos", 2))
    assert upscaled.videos[-1].name == f"{job.id}_upscaled_x2.mp4"
    assert (tmp_path / "out").resolve() in upscaled.videos[-1].resolve().parents
