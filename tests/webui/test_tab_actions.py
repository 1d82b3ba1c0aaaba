"""The tab's buttons, called as the tab calls them: inside the WebUI its files live in the
WebUI's data folder, a tab open to the network reads input files only as the API does, and
Interrupt stops this page's job only."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lib_animation.errors import KeyframesError
from lib_animation.schema import Settings
from lib_animation.webui import tab_actions as actions
from lib_animation.webui import tab_model as model
from tests.inputs.test_inputs_urls import RED
from tests.inputs.web_server import web_server
from tests.webui.harness import ROOT, SMALL, manager, wait


def _values(**changes):
    return model.ui_values(Settings({**SMALL, **changes}))


def _context(fake_webui, *args: str):
    fake_webui(extensions={"keyframes": ROOT}, args=list(args))
    from lib_animation.webui.tab import webui_context

    return webui_context(manager())


def _picture(path: Path) -> Path:
    Image.new("RGB", (64, 64), (200, 30, 30)).save(path)
    return path


@pytest.mark.parametrize("args", [["--listen"], ["--share"], ["--server-name", "0.0.0.0"]])
def test_a_tab_anyone_can_reach_reads_input_files_only_as_the_api_does(fake_webui, tmp_path,
                                                                        args):
    context = _context(fake_webui, *args)
    private = _picture(tmp_path / "private.png")
    for setting in ("init_image", "mask_file"):
        values = _values(use_init=setting == "init_image", use_mask=setting == "mask_file",
                         **{setting: str(private)})
        with pytest.raises(KeyframesError, match=setting):
            actions.start_job(context, values)
        with pytest.raises(KeyframesError, match=setting):
            actions.render_preview(context, values)
    uploaded = actions.store_upload(context, "init_image", str(private))
    job = actions.start_job(context, _values(use_init=True, init_image=str(uploaded)))
    assert wait(job.id).state == "done"


@pytest.mark.parametrize("args", [[], ["--listen", "--gradio-auth", "me:secret"],
                                  ["--server-name", "127.0.0.1"]])
def test_a_tab_on_this_machine_or_behind_a_login_reads_the_users_files(fake_webui, tmp_path,
                                                                       args):
    context = _context(fake_webui, *args)
    assert context.confined_to() is None
    private = _picture(tmp_path / "mine.png")
    job = actions.start_job(context, _values(use_init=True, init_image=str(private)))
    assert wait(job.id).state == "done"


@pytest.mark.parametrize(("args", "allowed", "fetches"), [
    ([], False, True),
    (["--listen"], False, False),
    (["--listen"], True, True),
])
def test_the_tab_fetches_urls_unless_anyone_can_reach_it_and_the_owner_said_no(
        fake_webui, args, allowed, fetches):
    context = _context(fake_webui, *args)
    from modules import shared

    shared.opts.set("keyframes_allow_urls", allowed)
    with web_server({"/red.png": RED}) as base:
        values = _values(use_init=True, init_image=f"{base}/red.png")
        view = actions.plan_view(context, values)
        error, plan = view.problems, view.plan
    assert (error is None and plan is not None) if fetches else "not a URL" in str(error)


def test_previews_and_last_settings_live_in_the_webuis_data_folder(fake_webui):
    context = _context(fake_webui)
    from modules import paths_internal

    own = Path(paths_internal.data_path) / "keyframes"
    first = actions.render_preview(context, _values(max_frames=4, video_format="mp4"))
    second = actions.render_preview(context, _values(max_frames=4, video_format="mp4"))
    assert first.video.is_file() and second.video.is_file()  # one preview keeps the other
    first_folder, second_folder = (own / "previews" / path.relative_to(own / "previews").parts[0]
                                   for path in (first.video, second.video))
    assert first_folder != second_folder
    assert (own / "last-settings.json").is_file()
    two_hours_ago = time.time() - 7200
    os.utime(first_folder, (two_hours_ago, two_hours_ago))
    actions.render_preview(context, _values(max_frames=4, video_format="mp4"))
    assert not first_folder.exists() and second.video.is_file()


def test_interrupt_stops_this_pages_job_and_interrupt_all_stops_every_job(tmp_path):
    from lib_animation.webui.standalone import standalone_context

    context = standalone_context(tmp_path / "out", presets_dir=tmp_path / "p",
                                 last_settings=tmp_path / "l.json", delay_s=0.05)
    mine = actions.start_job(context, _values(max_frames=30, batch_name="mine"))
    theirs = context.manager.submit(Settings({**SMALL, "max_frames": 30, "batch_name": "theirs"}))
    actions.interrupt_job(context, mine.id)
    deadline = time.monotonic() + 60
    while context.manager.get(mine.id).active and time.monotonic() < deadline:
        time.sleep(0.02)
    assert context.manager.get(mine.id).state == "interrupted"
    assert context.manager.get(theirs.id).active
    stopped = actions.interrupt_all(context)
    assert [job.id for job in stopped] == [theirs.id]
    while context.manager.get(theirs.id).active and time.monotonic() < deadline:
        time.sleep(0.02)
    assert context.manager.get(theirs.id).state == "interrupted"


def _standalone(tmp_path):
    from lib_animation.webui.standalone import standalone_context

    return standalone_context(tmp_path / "out", presets_dir=tmp_path / "presets",
                              last_settings=tmp_path / "last.json")


def test_update_plan_shows_each_problem_under_its_field_and_plans_what_it_can(tmp_path):
    context = _standalone(tmp_path)
    typed = _values(max_frames=12)
    typed[actions.SETTING_NAMES.index("zoom")] = "0:(1), 10:(1+)"  # as typed, not yet valid
    view = actions.plan_view(context, typed)
    assert view.plan is None
    assert view.field_messages["zoom"] == "keyframe 2, column 14: expected a value, found ')'"
    fine = actions.plan_view(context, _values(max_frames=12, seed=-1))
    assert fine.problems is None and fine.plan.max_frames == 12 and fine.random_seed
    missing = actions.plan_view(context, _values(animation_mode="Video Input",
                                                 video_init_path=str(tmp_path / "none.mp4")))
    assert "video_init_path" in str(missing.problems) and missing.plan is not None


def test_presets_are_saved_loaded_overwritten_and_deleted_as_the_buttons_do(tmp_path):
    context = _standalone(tmp_path)
    saved = actions.save_preset(context, "slow zoom", _values(max_frames=77))
    assert saved.selected == "slow zoom" and saved.message == "Saved preset **slow zoom**."
    again = actions.save_preset(context, "slow zoom", _values(max_frames=12))
    assert again.selected is None and "exists" in again.message
    assert actions.overwrite_preset(context, "slow zoom", _values(max_frames=12)).selected
    loaded = actions.load_listed_preset(context, "slow zoom")
    assert loaded.settings.max_frames == 12 and loaded.message.startswith("Loaded preset")
    shipped = actions.overwrite_preset(context, "2d-zoom-rotate (shipped)", _values())
    assert shipped.selected is None and "read-only" in shipped.message
    assert actions.delete_preset(context, "slow zoom") == "Deleted preset 'slow zoom'."
    assert actions.load_listed_preset(context, "slow zoom").settings is None


def test_a_settings_file_goes_out_and_comes_back_through_the_tab(tmp_path):
    context = _standalone(tmp_path)
    path, message = actions.settings_download(context, _values(max_frames=21))
    assert path.is_file() and message == "Settings file ready below."
    back = actions.load_uploaded_settings(str(path))
    assert back.settings.max_frames == 21 and "settings file" in back.message
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    refused = actions.load_uploaded_settings(str(broken))
    assert refused.settings is None and refused.message.startswith("**Not loaded:**")


def test_the_audio_button_writes_the_audio_variables_as_deforum_schedules(fake_webui):
    import json as json_module

    from lib_animation.presets import load_preset
    from lib_animation.schedule import ScheduleVariables, parse_schedule

    context = _context(fake_webui)
    settings = load_preset("audio-reactive").settings
    path, message = actions.audio_schedules_download(context, model.ui_values(settings))
    assert "72 frames" in message and "120" in message
    schedules = json_module.loads(path.read_text(encoding="utf-8"))
    assert set(schedules) == {"loudness", "bass", "mid", "treble", "onset", "beat", "tempo"}
    beat = parse_schedule(schedules["beat"], setting="beat").evaluate(
        ScheduleVariables(max_frames=72)).values
    # The shipped soundtrack kicks every half second: every 6th frame at 12 fps.
    assert np.flatnonzero(beat == 1.0).tolist() == list(range(0, 72, 6))
    silent = model.ui_values(Settings(SMALL))
    path, message = actions.audio_schedules_download(context, silent)
    assert path is None and message.startswith("**No audio schedules:** audio_path")


def test_the_parseq_section_tells_which_settings_the_manifest_manages(fake_webui):
    import json as json_module

    context = _context(fake_webui)
    manifest = {"options": {"output_fps": 24}, "rendered_frames": [
        {"frame": 0, "strength": 0.5, "angle_delta": 1, "near": 200, "deforum_prompt": "a"}]}
    values = _values(parseq_manifest=json_module.dumps(manifest))
    fields = actions.parseq_fields(context, values)
    rows = {row[0]: row[1:] for row in fields.rows}
    assert rows["Strength schedule (strength_schedule)"] == ["strength", ""]
    assert rows["Angle (angle)"] == ["angle_delta", ""]
    assert rows["Noise schedule (noise_schedule)"] == ["", "✓"]
    assert rows["Prompts (animation_prompts)"] == ["deforum_prompt", ""]
    assert rows["FPS (fps)"] == ["24", ""] and rows["Max frames (max_frames)"] == ["1", ""]
    assert "near" in fields.message
    seeded = {"rendered_frames": [{"frame": 0, "seed": 55.7}, {"frame": 1, "seed": 56}]}
    view = actions.plan_view(context, _values(seed=-1, diffusion_cadence=1,
                                              parseq_manifest=json_module.dumps(seeded)))
    table = model.plan_table(view.plan, random_seed=view.random_seed)
    assert [row[2] for row in table] == ["55 ᴾ", "56 ᴾ"]  # the manifest's seeds, not s+offsets
    broken = _values(parseq_manifest='{"rendered_frames": []}')
    assert actions.parseq_fields(context, broken).message.startswith("**Manifest not used")


def test_the_mask_of_the_picked_frame_is_composed_from_the_mask_schedule(tmp_path):
    import numpy as np
    import pandas as pd

    context = _standalone(tmp_path)
    left = np.zeros((64, 64), np.uint8)
    left[:, :32] = 255
    Image.fromarray(left).save(tmp_path / "left.png")
    values = _values(use_mask=True, diffusion_cadence=1,
                     mask_schedule=f'0: ("[{tmp_path / "left.png"}]"), '
                                   f'3: ("![{tmp_path / "left.png"}]"), 5: ("<hair>")')
    table = pd.DataFrame(model.plan_table(actions.plan_view(context, values).plan),
                         columns=model.TABLE_HEADERS)
    picked = model.frame_of_row(table, [3, 4])
    assert picked == 3
    assert np.array_equal(actions.frame_masks(context, values, picked).inpaint, 255 - left)
    assert np.array_equal(actions.frame_masks(context, values, 1).inpaint, left)
    assert actions.frame_masks(context, values, 5).inpaint is None
    problem = actions.frame_masks(context, _values(use_mask=True, mask_schedule='0: ("[a] &")'),
                                  1)
    assert isinstance(problem, KeyframesError) and problem.setting == "mask_schedule"
