"""Parseq manifests: which column replaces which schedule, frame by frame, and one line for every
manifest that cannot be used. Expected values are read off the small manifests written here."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib_animation.cli import main
from lib_animation.errors import KeyframesError
from lib_animation.plan import make_plan
from lib_animation.runs import UrlFetcher, check_run, with_manifest_read
from lib_animation.schema import Settings
from lib_animation.settings_files import loads_settings
from tests.inputs.web_server import web_server

# Three frames; angle turns 0, 5, 15 degrees in all (so 0, 5, 10 per frame).
ROWS = [
    {"frame": 0, "angle": 0, "angle_delta": 0, "strength": 0.5, "scale": 7, "seed": 10.9,
     "deforum_prompt": "a cat --neg a dog", "sampler_schedule": "Euler"},
    {"frame": 1, "angle": 5, "angle_delta": 5, "strength": 0.6, "scale": 8, "seed": 11,
     "deforum_prompt": "a cat --neg a dog", "sampler_schedule": "Euler"},
    {"frame": 2, "angle": 15, "angle_delta": 10, "strength": 0.7, "scale": 9, "seed": 12,
     "deforum_prompt": "a bird", "sampler_schedule": "DDIM"},
]
MANIFEST = {"options": {"output_fps": 20, "cadence": 3}, "rendered_frames": ROWS}


def _settings(manifest=MANIFEST, **values) -> Settings:
    text = manifest if isinstance(manifest, str) else json.dumps(manifest)
    return Settings({"parseq_manifest": text, "seed": 5, **values})


def test_motion_comes_from_the_delta_columns_and_the_rest_from_the_absolute_ones():
    plan = make_plan(_settings())
    assert plan.values["angle"].tolist() == [0, 5, 10]
    assert plan.values["strength_schedule"].tolist() == [0.5, 0.6, 0.7]
    assert plan.values["cfg_scale_schedule"].tolist() == [7, 8, 9]
    assert plan.values["sampler_schedule"] == ("Euler", "Euler", "DDIM")
    assert plan.prompts == (("a cat", "a dog"), ("a cat", "a dog"), ("a bird", ""))


def test_without_deltas_motion_takes_the_absolute_values():
    plan = make_plan(_settings(parseq_use_deltas=False))
    assert plan.values["angle"].tolist() == [0, 5, 15]


def test_the_manifest_sets_frames_fps_and_cadence_unless_told_not_to():
    plan = make_plan(_settings(max_frames=50, fps=12, diffusion_cadence=1))
    assert (plan.max_frames, plan.settings.fps, plan.cadence) == (3, 20.0, 3)
    kept = make_plan(_settings(max_frames=5, fps=12, diffusion_cadence=1,
                               parseq_non_schedule_overrides=False))
    assert (kept.max_frames, kept.settings.fps, kept.cadence) == (5, 12.0, 1)
    # Frames after the manifest's end repeat its last frame.
    assert kept.values["angle"].tolist() == [0, 5, 10, 10, 10]
    assert kept.prompts[3:] == (("a bird", ""), ("a bird", ""))


def test_columns_frame_0_lacks_stay_with_the_schedules():
    plan = make_plan(_settings(noise_schedule="0: (0.1), 2: (0.3)", zoom="0: (1.5)"))
    assert plan.values["noise_schedule"].tolist() == pytest.approx([0.1, 0.2, 0.3])
    assert plan.values["zoom"].tolist() == [1.5, 1.5, 1.5]
    assert not plan.from_manifest("noise_schedule") and plan.from_manifest("angle")


def test_a_managed_seed_is_truncated_and_turns_on_schedule_seeds_and_subseeds():
    plan = make_plan(_settings(seed_behavior="iter", subseed_schedule="0: (42)"))
    assert plan.seeds.tolist() == [10, 11, 12]
    assert plan.settings.seed_behavior == "schedule"
    assert plan.settings.enable_subseed_scheduling
    assert plan.subseeds.tolist() == [42, 42, 42]


def test_the_plan_records_every_value_the_manifest_gave():
    plan = make_plan(_settings())
    assert set(plan.sources) == {"angle", "strength_schedule", "image_strength_schedule",
                                 "cfg_scale_schedule", "seed_schedule", "sampler_schedule",
                                 "animation_prompts", "max_frames", "fps", "diffusion_cadence"}
    assert plan.to_json()["sources"]["angle"] == "parseq"
    assert make_plan(Settings({"max_frames": 3})).sources == {}


def test_the_guided_columns_manage_the_guided_images_schedules():
    guided = [{**row, "guided_blendFactorMax": 0.1 * (index + 1), "guided_blendFactorSlope": 0.2,
               "guided_tweening_frames": 10 + index, "guided_color_correction_factor": 0.05}
              for index, row in enumerate(ROWS)]
    plan = make_plan(_settings({"rendered_frames": guided}, use_looper=True,
                               init_images={"0": "a.png"}))
    assert plan.values["blendFactorMax"].tolist() == pytest.approx([0.1, 0.2, 0.3])
    assert plan.values["blendFactorSlope"].tolist() == pytest.approx([0.2, 0.2, 0.2])
    assert plan.values["tweening_frames_schedule"].tolist() == [10, 11, 12]
    assert plan.values["color_correction_factor"].tolist() == pytest.approx([0.05] * 3)
    # As in Deforum, the strength column is the guided frames' image strength too.
    assert plan.values["image_strength_schedule"].tolist() == [0.5, 0.6, 0.7]
    assert plan.from_manifest("blendFactorMax") and plan.guide is not None


def test_a_duplicated_frame_takes_the_last_one_with_a_warning():
    rows = [*ROWS, {**ROWS[1], "strength": 0.9}]
    plan = make_plan(_settings({"rendered_frames": rows}))
    assert plan.values["strength_schedule"].tolist() == [0.5, 0.9, 0.7]
    assert any("frame 1 appears more than once" in warning for warning in plan.warnings)


@pytest.mark.parametrize(("rows", "message"), [
    ([ROWS[0], ROWS[2]], "frame 1 is missing from the manifest"),
    ([ROWS[0], {**ROWS[1], "strength": "0.6"}, ROWS[2]], "frame 1: 'strength' is \"0.6\", not a"),
    ([ROWS[0], {**ROWS[1], "scale": None}], "frame 1: 'scale' is null, not a number"),
    ([ROWS[0], {"frame": 1}], "frame 1: frame 1 has no 'angle_delta', which frame 0 has"),
    ([ROWS[0], {**ROWS[1], "strength": 1.5}], "'strength' is 1.5, outside the range"),
    ([{**ROWS[0], "frame": -1}], "rendered frame 1 has frame -1"),
    ([{**ROWS[0], "frame": True}], "rendered frame 1 has frame true"),
    ([ROWS[0], {**ROWS[1], "deforum_prompt": 3}], "'deforum_prompt' is 3, not text"),
    ([], "has no rendered_frames"),
])  # fmt: skip
def test_a_manifest_deforum_would_choke_on_is_refused_in_one_line(rows, message):
    with pytest.raises(KeyframesError) as caught:
        make_plan(_settings({"rendered_frames": rows}))
    text = str(caught.value)
    assert text.startswith("parseq_manifest") and message in text and "\n" not in text


@pytest.mark.parametrize(("text", "message"), [
    ('{"rendered_frames": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
    ('{"rendered_frames": [{"frame": 0, "noise": NaN}]}', "NaN is not a number JSON allows"),
    ('{"rendered_frames": [{"frame": 0, "noise": 1e999}]}', "not a number"),
    ('{"rendered_frames": [{"frame": 0, "noise": ' + "9" * 5000 + "}]}", "not valid JSON"),
    ('{"rendered_frames": 5}', "has no rendered_frames"),
    ('{"options": [], "rendered_frames": [{"frame": 0}]}', "options must be a JSON object"),
    ('{"options": {"cadence": 2.5}, "rendered_frames": [{"frame": 0}]}', "options.cadence is"),
    ('{"options": {"output_fps": "fast"}, "rendered_frames": [{"frame": 0}]}', "output_fps"),
    ("{not json", "is not valid JSON"),
])  # fmt: skip
def test_hostile_json_gets_one_line(text, message):
    with pytest.raises(KeyframesError) as caught:
        make_plan(_settings(text, noise_schedule="0: (0)"))
    assert message in str(caught.value) and "\n" not in str(caught.value)


_json_leaves = (st.none() | st.booleans() | st.integers(-10**30, 10**30)
                | st.floats(allow_nan=False) | st.text(max_size=8))
_json = st.recursive(_json_leaves, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=30)
_columns = st.sampled_from(["frame", "angle", "angle_delta", "strength", "seed", "scale",
                            "deforum_prompt", "sampler_schedule", "fov", "steps_schedule"])
_rows = st.lists(st.dictionaries(_columns, _json | st.integers(0, 5), max_size=8), max_size=6)


@settings(max_examples=300, deadline=None)
@given(rows=_rows, options=st.dictionaries(st.sampled_from(["output_fps", "cadence"]), _json))
def test_any_manifest_plans_or_gets_one_line(rows, options):
    text = json.dumps({"options": options, "rendered_frames": rows})
    try:
        plan = make_plan(_settings(text))
    except KeyframesError as error:
        assert "\n" not in str(error) and str(error).startswith("parseq_manifest")
    else:
        assert all(len(values) == plan.max_frames for values in plan.values.values())


@settings(max_examples=100, deadline=None)
@given(_json)
def test_any_json_document_plans_or_gets_one_line(document):
    try:
        make_plan(_settings(json.dumps({"rendered_frames": document})))
    except KeyframesError as error:
        assert "\n" not in str(error)


def test_a_manifest_file_is_read_once_and_kept_whole_in_the_plan(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(MANIFEST), encoding="utf-8")
    plan = check_run(_settings(str(path))).plan
    path.write_text("changed", encoding="utf-8")
    assert json.loads(plan.settings.parseq_manifest) == MANIFEST
    assert make_plan(plan.settings).values["angle"].tolist() == [0, 5, 10]


@pytest.mark.parametrize(("source", "message"), [
    ("/dev/zero", "is not a file"),
    ("missing.json", "file not found"),
])  # fmt: skip
def test_a_manifest_path_that_is_no_manifest_file_gets_one_line(source, message):
    with pytest.raises(KeyframesError, match=message):
        with_manifest_read(_settings(source))


def test_a_fifo_or_a_file_of_something_else_gets_one_line(tmp_path):
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    with pytest.raises(KeyframesError, match="is not a file"):
        with_manifest_read(_settings(str(fifo)))
    other = tmp_path / "other.json"
    other.write_bytes(b"\xff\xfe not text")
    with pytest.raises(KeyframesError, match="not UTF-8 text"):
        with_manifest_read(_settings(str(other)))


def test_a_manifest_url_is_fetched_within_limits_and_refused_without_a_fetcher():
    body = json.dumps(MANIFEST).encode()
    with web_server({"/m.json": body}) as base:
        read = with_manifest_read(_settings(f"{base}/m.json"), urls=UrlFetcher())
        assert json.loads(read.parseq_manifest) == MANIFEST
        with pytest.raises(KeyframesError, match="must be a local file, not a URL"):
            with_manifest_read(_settings(f"{base}/m.json"))
        with pytest.raises(KeyframesError, match="did not arrive within 0.5 s"):
            with_manifest_read(_settings(f"{base}/hang"), urls=UrlFetcher(timeout_s=0.5))
        with pytest.raises(KeyframesError, match="larger than"):
            with_manifest_read(_settings(f"{base}/endless"), urls=UrlFetcher())


def test_a_deforum_file_with_a_manifest_loads_without_a_warning_and_plans_from_it():
    loaded = loads_settings(json.dumps({
        "parseq_manifest": json.dumps(MANIFEST), "parseq_use_deltas": False,
        "parseq_non_schedule_overrides": True, "max_frames": 120, "fps": 15,
    }))
    assert loaded.warnings == ()
    plan = make_plan(loaded.settings)
    assert plan.max_frames == 3 and plan.values["angle"].tolist() == [0, 5, 15]


def test_the_command_line_plans_from_a_manifest_file_and_marks_its_values(tmp_path, capsys):
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps(MANIFEST), encoding="utf-8")
    settings_file = tmp_path / "s.json"
    settings_file.write_text(json.dumps({"parseq_manifest": str(manifest)}), encoding="utf-8")
    assert main(["plan", str(settings_file)]) == 0
    out = capsys.readouterr().out
    assert "3 frames" in out and "angle: 0 .. 10 (Parseq)" in out
    assert main(["plan", "--json", str(settings_file)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["values"]["angle"] == [0, 5, 10] and document["sources"]["angle"] == "parseq"
    assert main(["validate", str(settings_file)]) == 0


def test_the_command_line_refuses_a_bad_manifest_with_exit_2_and_writes_nothing(tmp_path,
                                                                                 capsys):
    settings_file = tmp_path / "s.json"
    settings_file.write_text(json.dumps({"parseq_manifest": '{"rendered_frames": [{"frame": 1}]}'}),
                             encoding="utf-8")
    before = sorted(Path(tmp_path).iterdir())
    for command in ("validate", "plan"):
        assert main([command, str(settings_file)]) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and "frame 0 is missing" in lines[0]
    assert sorted(Path(tmp_path).iterdir()) == before


def test_long_manifests_repeat_their_last_row_exactly():
    rows = [{"frame": f, "noise": f / 1000, "fov": 40 + f % 7} for f in range(400)]
    plan = make_plan(_settings({"rendered_frames": rows}, max_frames=500,
                               parseq_non_schedule_overrides=False, animation_mode="3D"))
    expected = np.minimum(np.arange(500), 399)
    assert np.array_equal(plan.values["noise_schedule"], expected / 1000)
    assert np.array_equal(plan.values["fov_schedule"], 40 + expected % 7)
