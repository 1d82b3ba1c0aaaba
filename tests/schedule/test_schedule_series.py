"""Named per-frame series (the audio variables) in schedules and prompts, with a fake feature
array given to the planner, and the error when a run has no soundtrack to give them."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lib_animation.audio import FEATURE_NAMES, AudioFeatures
from lib_animation.audio_schedules import audio_schedules
from lib_animation.errors import KeyframesError, ScheduleError
from lib_animation.plan import make_plan
from lib_animation.schedule import ScheduleVariables, parse_schedule
from lib_animation.schema import Settings, defaults

BASS = np.array([0.0, 0.5, 1.0, 0.25, 0.0, 0.75])


def _features(frames: int = 6, fps: float = 15.0) -> AudioFeatures:
    values = {name: np.zeros(frames) for name in FEATURE_NAMES}
    values["bass"] = BASS[:frames]
    values["beat"] = np.array([1.0, 0.5, 0.25, 1.0, 0.5, 0.25])[:frames]
    values["tempo"] = np.full(frames, 120.0)
    return AudioFeatures(fps=fps, frames=frames, values=values, beat_frames=np.array([0, 3]),
                         tempo_bpm=120.0, envelope=np.zeros(frames), duration_s=frames / fps)


def _settings(**values) -> Settings:
    return Settings(defaults()).replace(max_frames=6, **values)


def test_a_series_is_read_frame_by_frame_like_t():
    schedule = parse_schedule("0:(1 + 0.04*bass), 4:(2*t)", setting="zoom",
                              series=frozenset({"bass"}))
    variables = ScheduleVariables(max_frames=6, series={"bass": BASS})
    values = schedule.evaluate(variables).values
    assert values.tolist() == [1.0, 1.02, 1.04, 1.01, 8.0, 10.0]


def test_a_number_keyframe_moves_toward_the_series_value_at_its_frame():
    schedule = parse_schedule("0:(0), 2:(bass)", setting="zoom", series=frozenset({"bass"}))
    values = schedule.evaluate(ScheduleVariables(max_frames=4, series={"bass": BASS[:4]})).values
    assert values.tolist() == [0.0, 0.5, 1.0, 0.25]


def test_the_planner_gives_the_audio_variables_to_every_number_schedule_and_to_prompts():
    settings = _settings(zoom="0: (1.0 + 0.04*bass)", strength_schedule="0: (0.65 - 0.2*beat)",
                         animation_prompts={"0": "a drum (glow:`1 + beat`) at `tempo` bpm"})
    plan = make_plan(settings, audio=_features())
    assert plan.values["zoom"].tolist() == pytest.approx([1.0, 1.02, 1.04, 1.01, 1.0, 1.03])
    assert plan.values["strength_schedule"].tolist() == pytest.approx(
        [0.45, 0.55, 0.6, 0.45, 0.55, 0.6])
    assert [positive for positive, _ in plan.prompts][:3] == [
        "a drum (glow:2) at 120 bpm", "a drum (glow:1.5) at 120 bpm",
        "a drum (glow:1.25) at 120 bpm"]
    assert plan.to_json()["audio"]["values"]["bass"] == BASS.tolist()


def test_without_a_soundtrack_an_audio_variable_is_an_error_naming_schedule_keyframe_column():
    settings = _settings(zoom="0: (1.0), 3: (1.0 + 0.04*bass)")
    with pytest.raises(ScheduleError) as caught:
        make_plan(settings)
    error = caught.value
    assert (error.setting, error.keyframe, error.column) == ("zoom", 2, 26)  # the column of "bass"
    assert "'bass' has no values" in str(error) and "audio_path" in str(error)


def test_without_a_soundtrack_an_audio_variable_in_a_prompt_is_an_error_too():
    with pytest.raises(KeyframesError) as caught:
        make_plan(_settings(animation_prompts={"0": "a cat :`beat`"}))
    assert caught.value.setting == "animation_prompts" and "'beat'" in str(caught.value)


def test_an_unknown_name_is_still_refused_with_a_suggestion():
    with pytest.raises(ScheduleError, match="did you mean bass"):
        parse_schedule("0:(bas)", setting="zoom", series=frozenset({"bass"}))


def test_the_exported_schedules_parse_back_to_the_same_values():
    features = _features()
    features.values["loudness"][:] = [0.123456, 0.5, 1.0, 0.0, 0.33333, 0.9]
    exported = json.loads(json.dumps(audio_schedules(features)))
    assert exported["bass"].startswith("0:(0), 1:(0.5), 2:(1), 3:(0.25)")
    for name in FEATURE_NAMES:
        parsed = parse_schedule(exported[name], setting=name).evaluate(
            ScheduleVariables(max_frames=6)).values
        assert parsed.tolist() == pytest.approx(np.round(features.values[name], 4).tolist())
