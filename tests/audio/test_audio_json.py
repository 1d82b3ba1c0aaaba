"""The analysis as JSON (the run folder's cache and the plan record): an exact round trip, and
one line for a record that is not one."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib_animation.audio import FEATURE_NAMES, AudioFeatures, AudioOptions, analyse_audio
from lib_animation.errors import RenderError
from tests.audio import signals


@pytest.fixture(scope="module")
def features(tmp_path_factory) -> AudioFeatures:
    path = signals.write_wav(tmp_path_factory.mktemp("json") / "drums.wav",
                             signals.drums(97, 6.0, 44_100), 44_100, channels=2)
    options = AudioOptions(attack_s=0.03, release_s=0.2, beat_release_s=0.4)
    return analyse_audio(signals.soundtrack(path), fps=24, frames=170, options=options)


def test_json_text_round_trips_every_value_exactly(features):
    text = json.dumps(features.to_json())
    back = AudioFeatures.from_json(json.loads(text))
    assert back == features
    for name in FEATURE_NAMES:
        assert back.values[name].dtype == np.float64
        assert back.values[name].tobytes() == features.values[name].tobytes()
    assert back.envelope.tobytes() == features.envelope.tobytes()
    np.testing.assert_array_equal(back.beat_frames, features.beat_frames)
    assert (back.fps, back.frames, back.tempo_bpm, back.duration_s) == (
        features.fps, features.frames, features.tempo_bpm, features.duration_s)
    assert json.dumps(back.to_json()) == text


def spoiled(record: dict, key: str, value) -> dict:
    copy = json.loads(json.dumps(record))
    if key.startswith("values."):
        copy["values"][key.removeprefix("values.")] = value
    else:
        copy[key] = value
    return copy


@pytest.mark.parametrize(("key", "value"), [
    ("format", "something else"), ("frames", -1), ("frames", 1.5), ("frames", True),
    ("fps", 0), ("fps", "30"), ("tempo_bpm", float("nan")), ("tempo_bpm", None),
    ("beat_frames", [5, 3]), ("beat_frames", [10_000]), ("beat_frames", "1,2"),
    ("envelope", [0.5]), ("values.bass", [1.0] * 3), ("values.bass", None),
    ("values.onset", ["x"] * 170), ("values", {"bass": []}),
])
def test_a_spoiled_record_fails_with_one_line(features, key, value):
    with pytest.raises(RenderError) as caught:
        AudioFeatures.from_json(spoiled(features.to_json(), key, value))
    assert "\n" not in str(caught.value)
    assert "audio analysis" in str(caught.value)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None)
@given(data=json_values | st.fixed_dictionaries({"format": st.just("keyframes-audio-features/1")},
                                                optional={"frames": json_values,
                                                          "values": json_values}))
def test_any_json_that_is_not_a_record_fails_with_one_line(data):
    with pytest.raises(RenderError) as caught:
        AudioFeatures.from_json(data)
    assert "\n" not in str(caught.value)
